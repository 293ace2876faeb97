import { bytesToHex, type Hex, keccak256 } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { makeReceiptSource } from "../receipts/source.ts";
import { encodeCanonicalRequest, plainCompletion } from "./request.ts";
import { checkReceiptWithTexts, checkTexts, toReceiptWithTexts } from "./texts.ts";

const source = makeReceiptSource({
  chainId: 31337,
  ledger: "0x00000000000000000000000000000000000a11ce",
  modelId: 3n,
  operatorKey: generatePrivateKey(),
  userKeys: [generatePrivateKey()],
  fee: 10n,
});

describe("checkTexts", () => {
  it("accepts a receipt's own texts and gives the engine the prompt", async () => {
    const sourced = await source.answer(0, "what is spam?", "ham");
    const checked = checkReceiptWithTexts(toReceiptWithTexts(sourced));
    expect(checked.ok && checked.sourced.input).toBe("what is spam?");
    expect(checked.ok && checked.decoded).toEqual(plainCompletion("model-3", "what is spam?"));
  });

  it("names what does not match: the request bytes, the output, a non-canonical encoding", async () => {
    const sourced = await source.answer(0, "q", "a");
    const bytes = Buffer.from(sourced.request.slice(2), "hex");
    const otherRequest = encodeCanonicalRequest(plainCompletion("model-3", "q?"));
    expect(checkTexts(sourced.receipt, otherRequest, "a")).toEqual({ ok: false, problem: "request-hash-mismatch" });
    expect(checkTexts(sourced.receipt, bytes, "b")).toEqual({ ok: false, problem: "output-hash-mismatch" });
    // bytes that hash to the signed requestHash but are no canonical request (an operator signed junk)
    const junk = Uint8Array.of(9, 9, 9);
    const receipt = {
      ...sourced.receipt,
      request: { ...sourced.receipt.request, requestHash: keccak256(junk) },
      receipt: { ...sourced.receipt.receipt, requestHash: keccak256(junk) },
    };
    expect(checkTexts(receipt, junk, "a")).toEqual({ ok: false, problem: "request-not-canonical" });
    // the Request and the Receipt must both name the bytes' hash
    const half = { ...sourced.receipt, request: { ...sourced.receipt.request, requestHash: keccak256(junk) } };
    expect(checkTexts(half, bytes, "a")).toEqual({ ok: false, problem: "request-hash-mismatch" });
    expect(bytesToHex(bytes) as Hex).toBe(sourced.request);
  });
});
