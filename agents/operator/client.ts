/**
 * The paying user's side of the operator API: sign an EIP-712 Request over the canonical request of
 * the body being sent (docs/protocol.md §3) and put it in the `x-poa-request` / `x-poa-signature`
 * headers. `payingFetch` plugs into any OpenAI client (`new OpenAI({ fetch: payingFetch(…) })`), so a
 * chat app, the demo's users and the e2e tests pay the way a real user does; `paidRequest` sends one
 * request and returns its checked receipt with the texts (what an attributor's intake takes).
 */
import { Data, Schema } from "effect";
import { type Address, bytesToHex, type Hex, keccak256 } from "viem";
import type { LocalAccount } from "viem/accounts";
import { AllowanceSchema } from "../protocol/group.ts";
import {
  type AllowanceMessage,
  allowanceTypes,
  type Eip712Domain,
  type RequestMessage,
  recoverReceiptSigner,
  requestTypes,
  SignedReceipt,
  textHash,
} from "../protocol/receipt.ts";
import {
  type CanonicalRequest,
  canonicalRequestOf,
  encodeCanonicalRequest,
  requestHashOf,
  requestText,
} from "../protocol/request.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import {
  ALLOWANCE_HEADER,
  ALLOWANCE_SIGNATURE_HEADER,
  REQUEST_HEADER,
  requestToJson,
  SIGNATURE_HEADER,
} from "./receipts.ts";

/** The signed-request headers for `request`. */
export const signRequestHeaders = async (
  user: LocalAccount,
  domain: Eip712Domain,
  request: RequestMessage,
): Promise<Record<string, string>> => {
  const signature: Hex = await user.signTypedData({
    domain,
    types: requestTypes,
    primaryType: "Request",
    message: request,
  });
  return { [REQUEST_HEADER]: JSON.stringify(requestToJson(request)), [SIGNATURE_HEADER]: signature };
};

/**
 * The allowance headers (spec B): the user's one signed `Allowance` for an operator, sent with every
 * request of the session instead of a signed Request per request (agents/operator/receipts.ts).
 */
export const signAllowanceHeaders = async (
  user: LocalAccount,
  domain: Eip712Domain,
  allowance: AllowanceMessage,
): Promise<Record<string, string>> => {
  const signature: Hex = await user.signTypedData({
    domain,
    types: allowanceTypes,
    primaryType: "Allowance",
    message: allowance,
  });
  return {
    [ALLOWANCE_HEADER]: JSON.stringify(Schema.encodeSync(AllowanceSchema)(allowance)),
    [ALLOWANCE_SIGNATURE_HEADER]: signature,
  };
};

/** The `requestHash` of an OpenAI body sent to `url` (…/chat/completions or …/completions). */
export const requestHashOfBody = (url: string, body: string): Hex =>
  requestHashOf(canonicalRequestOf(new URL(url).pathname.endsWith("/chat/completions"), JSON.parse(body)));

export interface PayingUserConfig {
  readonly user: LocalAccount;
  readonly domain: Eip712Domain;
  readonly operator: Address;
  /** The on-chain model id of the model (adapter) the requests go to. */
  readonly modelId: bigint | ((model: string) => bigint);
  readonly maxFee: bigint;
  /** A fresh nonce per request (e.g. a counter persisted by the app). */
  readonly nonce: () => bigint;
  /** Unix seconds; default: 10 minutes from now. */
  readonly deadline?: () => bigint;
}

/** A `fetch` that signs every completions request it sends; other requests pass through unchanged. */
export const payingFetch =
  (config: PayingUserConfig, base: typeof fetch = fetch): typeof fetch =>
  async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const body = init?.body;
    if (!/\/completions$/.test(new URL(url).pathname) || typeof body !== "string") return base(input, init);
    const model = String((JSON.parse(body) as { model?: unknown }).model ?? "");
    const request: RequestMessage = {
      user: config.user.address,
      operator: config.operator,
      modelId: typeof config.modelId === "function" ? config.modelId(model) : config.modelId,
      requestHash: requestHashOfBody(url, body),
      maxFee: config.maxFee,
      nonce: config.nonce(),
      deadline: config.deadline?.() ?? BigInt(Math.floor(Date.now() / 1000) + 600),
    };
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(await signRequestHeaders(config.user, config.domain, request))) {
      headers.set(name, value);
    }
    return base(input, { ...init, headers });
  };

export class PaidRequestError extends Data.TaggedError("PaidRequestError")<{
  readonly message: string;
  readonly status?: number;
  readonly cause?: unknown;
}> {}

export interface PaidRequestConfig {
  /** e.g. http://127.0.0.1:8000/v1 */
  readonly baseUrl: string;
  readonly user: LocalAccount;
  readonly domain: Eip712Domain;
  readonly operator: Address;
  /** The on-chain model id of the adapter the body names in `model`. */
  readonly modelId: bigint;
  readonly maxFee: bigint;
  /** Unix seconds; default: 10 minutes from now. */
  readonly deadline?: bigint;
  readonly timeoutMs?: number;
}

const AnswerBody = Schema.Struct({
  choices: Schema.Array(
    Schema.Struct({
      text: Schema.optional(Schema.String),
      message: Schema.optional(Schema.Struct({ content: Schema.NullOr(Schema.String) })),
    }),
  ).check(Schema.isMinLength(1)),
  poa_receipt: SignedReceipt,
});

/**
 * One paid, non-streamed request by `config.user` with `nonce`: `body` goes to /chat/completions when it
 * has `messages`, else to /completions. Returns the answer's receipt with its texts (what an attributor
 * intake takes, `toReceiptWithTexts`), after checking that the operator signed it, for this Request,
 * over this answer. Fails with PaidRequestError (the HTTP status when the operator refused: 402 for a
 * payment problem, the nonce still unused) otherwise.
 */
export const paidRequest = async (
  config: PaidRequestConfig,
  nonce: bigint,
  body: Readonly<Record<string, unknown>>,
): Promise<SourcedReceipt> => {
  const chat = "messages" in body;
  const url = `${config.baseUrl.replace(/\/$/, "")}/${chat ? "chat/completions" : "completions"}`;
  let canonical: CanonicalRequest;
  try {
    canonical = canonicalRequestOf(chat, body);
  } catch (cause) {
    throw new PaidRequestError({
      message: `not a valid request: ${cause instanceof Error ? cause.message : cause}`,
      cause,
    });
  }
  const requestBytes = encodeCanonicalRequest(canonical);
  const request: RequestMessage = {
    user: config.user.address,
    operator: config.operator,
    modelId: config.modelId,
    requestHash: keccak256(requestBytes),
    maxFee: config.maxFee,
    nonce,
    deadline: config.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 600),
  };
  const headers = {
    "content-type": "application/json",
    ...(await signRequestHeaders(config.user, config.domain, request)),
  };
  let response: Response;
  let json: unknown;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(config.timeoutMs ?? 60_000),
    });
    json = await response.json();
  } catch (cause) {
    throw new PaidRequestError({ message: `${url}: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
  }
  if (!response.ok) {
    const message = (json as { error?: { message?: unknown } })?.error?.message;
    throw new PaidRequestError({
      message: `${url} answered ${response.status}: ${String(message)}`,
      status: response.status,
    });
  }
  let answer: typeof AnswerBody.Type;
  try {
    answer = Schema.decodeUnknownSync(AnswerBody)(json);
  } catch (cause) {
    throw new PaidRequestError({ message: "the answer carries no valid poa_receipt", cause });
  }
  const choice = answer.choices[0]!;
  const output = (chat ? choice.message?.content : choice.text) ?? "";
  const signed = answer.poa_receipt;
  const operator = await recoverReceiptSigner(config.domain, signed.receipt, signed.operatorSignature).catch(
    () => undefined,
  );
  if (operator === undefined || operator.toLowerCase() !== config.operator.toLowerCase()) {
    throw new PaidRequestError({ message: "the receipt is not signed by the operator" });
  }
  const sameRequest =
    signed.request.requestHash === request.requestHash &&
    signed.request.nonce === nonce &&
    signed.request.user.toLowerCase() === request.user.toLowerCase() &&
    signed.receipt.requestHash === request.requestHash;
  if (!sameRequest) throw new PaidRequestError({ message: "the receipt is for another request" });
  if (signed.receipt.outputHash.toLowerCase() !== textHash(output)) {
    throw new PaidRequestError({ message: "the receipt's outputHash is not the hash of the answer" });
  }
  return { receipt: signed, request: bytesToHex(requestBytes), input: requestText(canonical), output };
};
