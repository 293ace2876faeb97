/**
 * A receipt's texts, content-addressed by the hashes the receipt signs (docs/protocol.md §3): the
 * canonical request bytes under `requestHash`, the answer's UTF-8 bytes under `outputHash`. They travel
 * with a receipt to an attributor's intake (`ReceiptWithTexts`), sit in each node's text store and
 * are fetched from peers by hash (`/poa/text/1`); whoever receives them checks them here.
 */
import { Schema } from "effect";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { keccak256Bytes } from "../sigma/keccak.ts";
import { ReceiptPayload, type SignedReceipt, textHash } from "./receipt.ts";
import { type CanonicalRequest, decodeCanonicalRequest, requestText } from "./request.ts";

/** Largest text (request encoding or answer) accepted with a receipt: 1 MiB. */
export const MAX_TEXT_BYTES = 1 << 20;

/** Bytes as 0x-hex (lowercase or uppercase digits, even length). */
export const HexBytes = Schema.String.check(
  Schema.isPattern(/^0x([0-9a-fA-F]{2})*$/, { message: "expected 0x-hex bytes" }),
  Schema.isMaxLength(2 + 2 * MAX_TEXT_BYTES),
);

/**
 * A receipt with its texts, as the attributor's intake takes it (`POST /receipts`) and the operator
 * sends it: `request` is the canonical request's bytes in hex, `output` the answer.
 */
export const ReceiptWithTexts = Schema.Struct({
  receipt: ReceiptPayload,
  request: HexBytes,
  output: Schema.String.check(Schema.isMaxLength(MAX_TEXT_BYTES)),
});
export type ReceiptWithTexts = typeof ReceiptWithTexts.Type;

/** A receipt whose texts checked out, with the request decoded and its text for the engine. */
export interface SourcedReceipt {
  readonly receipt: ReceiptPayload;
  /** The canonical request bytes as hex (keccak256 = requestHash). */
  readonly request: Hex;
  /** What the engine reads as the request (`requestText`: the prompt, or the chat's contents). */
  readonly input: string;
  readonly output: string;
}

export type TextsProblem = "request-hash-mismatch" | "output-hash-mismatch" | "request-not-canonical";

export const textsProblemMessage: Record<TextsProblem, string> = {
  "request-hash-mismatch": "the request bytes do not hash to the receipt's requestHash",
  "output-hash-mismatch": "the output does not hash to the receipt's outputHash",
  "request-not-canonical": "the request bytes are not a canonical request (docs/protocol.md §3)",
};

/**
 * Checks texts against a receipt's hashes and decodes the request: the sourced receipt, or what is
 * wrong. Never throws.
 */
export const checkTexts = (
  receipt: ReceiptPayload,
  request: Uint8Array,
  output: string,
):
  | { readonly ok: true; readonly sourced: SourcedReceipt; readonly decoded: CanonicalRequest }
  | { readonly ok: false; readonly problem: TextsProblem } => {
  const requestHash = bytesToHex(keccak256Bytes(request));
  if (
    requestHash !== receipt.receipt.requestHash.toLowerCase() ||
    requestHash !== receipt.request.requestHash.toLowerCase()
  ) {
    return { ok: false, problem: "request-hash-mismatch" };
  }
  if (textHash(output) !== receipt.receipt.outputHash.toLowerCase())
    return { ok: false, problem: "output-hash-mismatch" };
  let decoded: CanonicalRequest;
  try {
    decoded = decodeCanonicalRequest(request);
  } catch {
    return { ok: false, problem: "request-not-canonical" };
  }
  return { ok: true, decoded, sourced: { receipt, request: bytesToHex(request), input: requestText(decoded), output } };
};

/** `checkTexts` on the wire form. */
export const checkReceiptWithTexts = (wire: ReceiptWithTexts) =>
  checkTexts(wire.receipt, hexToBytes(wire.request as Hex), wire.output);

/** The wire form of a sourced receipt (what a client POSTs to an intake). */
export const toReceiptWithTexts = (
  sourced: SourcedReceipt | { readonly receipt: SignedReceipt; readonly request: Hex; readonly output: string },
): ReceiptWithTexts => ({
  receipt: sourced.receipt,
  request: sourced.request,
  output: sourced.output,
});
