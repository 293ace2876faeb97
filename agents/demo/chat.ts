/**
 * A paying user of a LoRA operator: the `openai` npm client, with a `fetch` that signs the user's
 * EIP-712 Request over the exact body it sends (`x-poa-request` / `x-poa-signature`,
 * docs/lora-operator.md "Payments and receipts") and keeps the operator-signed Receipt of the answer
 * (`x-poa-receipt`). The result is the receipt with the texts behind its hashes, as an attributor's
 * intake takes it. Used by the demo and by agents/e2e/processes.e2e.test.ts.
 */
import { Data, Schema } from "effect";
import OpenAI from "openai";
import { type Address, getAddress, type Hex, keccak256, toBytes } from "viem";
import type { LocalAccount } from "viem/accounts";
import { requestToJson } from "../operator/receipts.ts";
import { attributionDomain, type RequestMessage, requestTypes, textHash } from "../protocol/receipt.ts";
import type { SourcedReceipt } from "../receipts/source.ts";

export class ChatError extends Data.TaggedError("ChatError")<{ readonly message: string; readonly cause?: unknown }> {}

const Uint = Schema.String.check(Schema.isPattern(/^[0-9]{1,78}$/));
const Hex32 = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{64}$/));
const AddressText = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{40}$/));
const ReceiptHeader = Schema.Struct({
  receipt: Schema.Struct({
    user: AddressText,
    operator: AddressText,
    attributor: AddressText,
    modelId: Uint,
    requestHash: Hex32,
    outputHash: Hex32,
    fee: Uint,
    nonce: Uint,
    deadline: Uint,
  }),
  signature: Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{130}$/)),
});
const decodeReceiptHeader = Schema.decodeUnknownSync(Schema.fromJsonString(ReceiptHeader));

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

/** What a request's body hashes to in its Request (docs/lora-operator.md: keccak256 of the body bytes). */
const requestHashOf = (body: string): Hex => keccak256(toBytes(body));

/**
 * One paid chat completion by `user` with `nonce`. Fails with ChatError when the operator does not
 * answer (the nonce is then still unused: retry with it) or answers without a receipt that matches.
 */
export const paidChat = async (
  config: PaidChatConfig,
  user: LocalAccount,
  nonce: bigint,
  prompt: string,
  options: { readonly maxTokens?: number; readonly timeoutMs?: number } = {},
): Promise<SourcedReceipt> => {
  const domain = attributionDomain(config.chainId, config.ledger);
  const sent: { body?: string; request?: RequestMessage; signature?: Hex; receipt?: string } = {};
  const client = new OpenAI({
    baseURL: config.baseUrl,
    apiKey: "unused",
    maxRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    fetch: async (url, init) => {
      const body = typeof init?.body === "string" ? init.body : "";
      const request: RequestMessage = {
        user: user.address,
        operator: config.operator,
        modelId: config.modelId,
        requestHash: requestHashOf(body),
        maxFee: config.maxFee,
        nonce,
        deadline: config.deadline,
      };
      const signature = await user.signTypedData({
        domain,
        types: requestTypes,
        primaryType: "Request",
        message: request,
      });
      const headers = new Headers(init?.headers);
      headers.set("x-poa-request", JSON.stringify(requestToJson(request)));
      headers.set("x-poa-signature", signature);
      const response = await fetch(url, { ...init, headers });
      Object.assign(sent, { body, request, signature });
      const receipt = response.headers.get("x-poa-receipt");
      if (receipt !== null) sent.receipt = receipt;
      return response;
    },
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
    throw new ChatError({ message: `chat failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
  }
  if (sent.receipt === undefined || sent.request === undefined || sent.signature === undefined) {
    throw new ChatError({ message: "the answer carries no x-poa-receipt" });
  }
  let header: typeof ReceiptHeader.Type;
  try {
    header = decodeReceiptHeader(sent.receipt);
  } catch (cause) {
    throw new ChatError({ message: "x-poa-receipt does not decode", cause });
  }
  const r = header.receipt;
  if (textHash(output) !== r.outputHash.toLowerCase()) {
    throw new ChatError({ message: "the receipt's outputHash is not the hash of the answer" });
  }
  if (r.requestHash.toLowerCase() !== sent.request.requestHash || BigInt(r.nonce) !== nonce) {
    throw new ChatError({ message: "the receipt is for another request" });
  }
  return {
    receipt: {
      request: sent.request,
      userSignature: sent.signature,
      receipt: {
        user: getAddress(r.user),
        operator: getAddress(r.operator),
        attributor: getAddress(r.attributor),
        modelId: BigInt(r.modelId),
        requestHash: r.requestHash as Hex,
        outputHash: r.outputHash as Hex,
        fee: BigInt(r.fee),
        nonce: BigInt(r.nonce),
        deadline: BigInt(r.deadline),
      },
      operatorSignature: header.signature as Hex,
    },
    input: sent.body ?? "",
    output,
  };
};
