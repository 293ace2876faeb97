/**
 * A paying user of a LoRA operator: the `openai` npm client with the paying user's `fetch`
 * (agents/operator/client.ts: an EIP-712 Request over the canonical request, in `x-poa-request` /
 * `x-poa-signature`), keeping the operator-signed receipt of the answer (`x-poa-receipt`), checked
 * against the texts it commits to (agents/protocol/texts.ts). Used by the demo and by
 * agents/e2e/processes.e2e.test.ts. With `allowance` (the user's signed Allowance headers,
 * agents/operator/client.ts `signAllowanceHeaders`) the chat spends that session instead of a signed
 * Request (spec B): the operator numbers the answer itself, so `nonce` is not checked then.
 */
import { Data } from "effect";
import OpenAI from "openai";
import type { Address } from "viem";
import type { LocalAccount } from "viem/accounts";
import { payingFetch } from "../operator/client.ts";
import { RECEIPT_HEADER } from "../operator/receipts.ts";
import { attributionDomain, decodeSignedReceipt } from "../protocol/receipt.ts";
import { canonicalRequestOf, encodeCanonicalRequest } from "../protocol/request.ts";
import { checkTexts, type SourcedReceipt, textsProblemMessage } from "../protocol/texts.ts";

/** `unanswered`: no answer came (retry with the same nonce); `receipt`: the answer's receipt is wrong. */
export class ChatError extends Data.TaggedError("ChatError")<{
  readonly reason: "unanswered" | "receipt";
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface PaidChatConfig {
  /** e.g. http://127.0.0.1:8000/v1 */
  readonly baseUrl: string;
  readonly chainId: number;
  readonly ledger: Address;
  readonly operator: Address;
  /** The on-chain model the adapter is registered as, and the adapter id the operator serves it under. */
  readonly modelId: bigint;
  readonly adapter: string;
  readonly maxFee: bigint;
  readonly deadline: bigint;
}

/**
 * One paid chat completion by `user` with `nonce`. Fails with ChatError when the operator does not
 * answer (the nonce is then still unused: retry with it) or answers without a receipt that matches.
 */
/** A fetch that sends the allowance headers with every request. */
const allowanceFetch =
  (allowance: Readonly<Record<string, string>>, base: typeof fetch): typeof fetch =>
  (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(allowance)) headers.set(name, value);
    return base(input, { ...init, headers });
  };

export const paidChat = async (
  config: PaidChatConfig,
  user: LocalAccount,
  nonce: bigint,
  prompt: string,
  options: {
    readonly maxTokens?: number;
    readonly timeoutMs?: number;
    readonly allowance?: Readonly<Record<string, string>>;
  } = {},
): Promise<SourcedReceipt> => {
  const sent: { canonical?: Uint8Array; receipt?: string } = {};
  // the paying user's fetch (agents/operator/client.ts) over one that keeps what went out and came back
  const recording: typeof fetch = async (input, init) => {
    if (typeof init?.body === "string") {
      sent.canonical = encodeCanonicalRequest(canonicalRequestOf(true, JSON.parse(init.body)));
    }
    const response = await fetch(input, init);
    const receipt = response.headers.get(RECEIPT_HEADER);
    if (receipt !== null) sent.receipt = receipt;
    return response;
  };
  const client = new OpenAI({
    baseURL: config.baseUrl,
    apiKey: "unused",
    maxRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    fetch:
      options.allowance === undefined
        ? payingFetch(
            {
              user,
              domain: attributionDomain(config.chainId, config.ledger),
              operator: config.operator,
              modelId: config.modelId,
              maxFee: config.maxFee,
              nonce: () => nonce,
              deadline: () => config.deadline,
            },
            recording,
          )
        : allowanceFetch(options.allowance, recording),
  });
  let output: string;
  try {
    const completion = await client.chat.completions.create({
      model: config.adapter,
      messages: [{ role: "user", content: prompt }],
      max_tokens: options.maxTokens ?? 8,
      temperature: 0,
    });
    output = completion.choices[0]?.message.content ?? "";
  } catch (cause) {
    throw new ChatError({
      reason: "unanswered",
      message: `chat failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
  if (sent.receipt === undefined || sent.canonical === undefined) {
    throw new ChatError({ reason: "receipt", message: "the answer carries no x-poa-receipt" });
  }
  let receipt: ReturnType<typeof decodeSignedReceipt>;
  try {
    receipt = decodeSignedReceipt(JSON.parse(sent.receipt));
  } catch (cause) {
    throw new ChatError({ reason: "receipt", message: "x-poa-receipt does not decode", cause });
  }
  const otherNonce = options.allowance === undefined && receipt.request.nonce !== nonce;
  if (otherNonce || receipt.request.user.toLowerCase() !== user.address.toLowerCase()) {
    throw new ChatError({ reason: "receipt", message: "the receipt is for another request" });
  }
  const checked = checkTexts(receipt, sent.canonical, output);
  if (!checked.ok)
    throw new ChatError({
      reason: "receipt",
      message: `the receipt does not match the texts: ${textsProblemMessage[checked.problem]}`,
    });
  return checked.sourced;
};
