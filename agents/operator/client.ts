/**
 * The paying user's side of the operator API: sign an EIP-712 Request over the canonical request of
 * the body being sent (docs/protocol.md §3) and put it in the `x-poa-request` / `x-poa-signature`
 * headers. `payingFetch` plugs into any OpenAI client (`new OpenAI({ fetch: payingFetch(…) })`), so a
 * chat app, the demo's users and the e2e tests pay the way a real user does.
 */
import type { Address, Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { type Eip712Domain, type RequestMessage, requestTypes } from "../protocol/receipt.ts";
import { canonicalRequestOf, requestHashOf } from "../protocol/request.ts";
import { REQUEST_HEADER, requestToJson, SIGNATURE_HEADER } from "./receipts.ts";

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
