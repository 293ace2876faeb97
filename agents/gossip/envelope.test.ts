import { Effect, Redacted } from "effect";
import { keccak256, stringToBytes } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { Identity } from "../identity/identity.ts";
import { recoverReceiptSigner, recoverRequestSigner } from "../protocol/receipt.ts";
import {
  canonicalJson,
  encodeEnvelope,
  encodePayload,
  envelopeDigest,
  SeenCache,
  type UnsignedEnvelope,
  type ValidationRules,
  validateEnvelope,
} from "./envelope.ts";
import { fixtureDomain, signedReceipt } from "./fixtures.ts";
import { Topics } from "./messages.ts";

const NOW = 1_800_000_000_000;
const rules: ValidationRules = { maxMessageBytes: 8192, maxAgeMs: 60_000, maxFutureMs: 5_000 };
const alice = Identity.make(Redacted.make(generatePrivateKey()));
const mallory = Identity.make(Redacted.make(generatePrivateKey()));

const envelope = async (overrides: Partial<UnsignedEnvelope> = {}, signer = alice) => {
  const unsigned: UnsignedEnvelope = {
    topic: Topics.receipts,
    version: 1,
    sender: alice.address,
    timestamp: NOW,
    seq: 1,
    payload: encodePayload(Topics.receipts, await signedReceipt(1n)),
    ...overrides,
  };
  const signature = await Effect.runPromise(signer.signDigest(envelopeDigest(unsigned)));
  return { unsigned, signature, bytes: encodeEnvelope(unsigned, signature) };
};

const validate = (data: Uint8Array, seen = new SeenCache(100), now = NOW, extra: Partial<ValidationRules> = {}) =>
  validateEnvelope(Topics.receipts, data, { ...rules, ...extra }, seen, now);

describe("canonicalJson", () => {
  it("sorts keys at every depth and refuses floats", () => {
    expect(canonicalJson({ b: [{ z: 1, a: "x" }], a: null })).toBe('{"a":null,"b":[{"a":"x","z":1}]}');
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/non-integer/);
  });
});

describe("envelopeDigest", () => {
  it('is viem\'s keccak256 of the UTF-8 of "poa-gossip:" ‖ canonical JSON', async () => {
    const { unsigned } = await envelope();
    const cases: ReadonlyArray<UnsignedEnvelope> = [
      unsigned,
      { ...unsigned, payload: { text: 'naïve ✓ 𝄞 "quoted" \\ \u0000' } },
      { ...unsigned, payload: "x".repeat(5000), seq: 2 ** 53 - 1 },
    ];
    for (const value of cases) {
      const { topic, version, sender, timestamp, seq, payload } = value;
      const text = `poa-gossip:${canonicalJson({ payload, seq, sender, timestamp, topic, version })}`;
      expect(envelopeDigest(value)).toBe(keccak256(stringToBytes(text)));
    }
  });
});

describe("validateEnvelope", () => {
  it("accepts a signed receipt and decodes it back to the signed values", async () => {
    const payload = await signedReceipt(1n);
    const { bytes } = await envelope();
    const verdict = await validate(bytes);
    expect(verdict.result).toBe("accept");
    if (verdict.result !== "accept") return;
    expect(verdict.envelope.sender).toBe(alice.address);
    expect(verdict.envelope.payload).toEqual(payload);
    // the decoded receipt still carries valid EIP-712 signatures of the user and the operator
    const p = verdict.envelope.payload;
    expect(await recoverRequestSigner(fixtureDomain, p.request, p.userSignature)).toBe(p.request.user);
    expect(await recoverReceiptSigner(fixtureDomain, p.receipt, p.operatorSignature)).toBe(p.receipt.operator);
  });

  it("rejects oversize, non-JSON, wrong-schema, unknown-key and unsigned messages", async () => {
    expect(await validate(new Uint8Array(rules.maxMessageBytes + 1))).toMatchObject({ reason: "oversize" });
    expect(await validate(Uint8Array.of(0xff, 0xfe))).toMatchObject({ result: "reject", reason: "encoding" });
    expect(await validate(stringToBytes("{not json"))).toMatchObject({ result: "reject", reason: "encoding" });
    const { unsigned, signature } = await envelope();
    const wrongTopic = encodeEnvelope({ ...unsigned, topic: Topics.proposals }, signature);
    expect(await validate(wrongTopic)).toMatchObject({ result: "reject", reason: "schema" });
    const extraKey = stringToBytes(canonicalJson({ ...unsigned, signature, extra: 1 }));
    expect(await validate(extraKey)).toMatchObject({ result: "reject", reason: "schema" });
    const unsignedBytes = stringToBytes(canonicalJson(unsigned));
    expect(await validate(unsignedBytes)).toMatchObject({ result: "reject", reason: "schema" });
    // a negative fee, correctly signed: the payload schema refuses it before the signature is checked
    const wire = structuredClone(unsigned.payload) as { receipt: Record<string, unknown> };
    wire.receipt.fee = "-1";
    const negative = await envelope({ payload: wire });
    expect(await validate(negative.bytes)).toMatchObject({ result: "reject", reason: "schema" });
    wire.receipt.fee = "5";
    expect((await validate((await envelope({ payload: wire })).bytes)).result).toBe("accept");
  });

  it("rejects a signature by another key, a tampered payload and a forged sender", async () => {
    const forged = await envelope({}, mallory);
    expect(await validate(forged.bytes)).toMatchObject({ result: "reject", reason: "signature" });
    const { unsigned, signature } = await envelope();
    const tampered = encodeEnvelope(
      { ...unsigned, payload: encodePayload(Topics.receipts, await signedReceipt(2n)) },
      signature,
    );
    expect(await validate(tampered)).toMatchObject({ result: "reject", reason: "signature" });
    const zeroSig = encodeEnvelope(unsigned, `0x${"00".repeat(65)}`);
    expect(await validate(zeroSig)).toMatchObject({ result: "reject", reason: "signature" });
  });

  it("ignores stale and future messages, and replays under any byte encoding", async () => {
    const old = await envelope({ timestamp: NOW - rules.maxAgeMs - 1 });
    expect(await validate(old.bytes)).toMatchObject({ result: "ignore", reason: "stale" });
    const ahead = await envelope({ timestamp: NOW + rules.maxFutureMs + 1 });
    expect(await validate(ahead.bytes)).toMatchObject({ result: "ignore", reason: "future" });
    const seen = new SeenCache(100);
    const { unsigned, signature, bytes } = await envelope();
    expect((await validate(bytes, seen)).result).toBe("accept");
    expect(await validate(bytes, seen)).toMatchObject({ result: "ignore", reason: "duplicate" });
    const reordered = stringToBytes(JSON.stringify({ signature, ...unsigned }, null, 1));
    expect(await validate(reordered, seen)).toMatchObject({ result: "ignore", reason: "duplicate" });
    // two copies validated concurrently: exactly one is accepted
    const fresh = await envelope({ seq: 2 });
    const both = await Promise.all([validate(fresh.bytes, seen), validate(fresh.bytes, seen)]);
    expect(both.map((v) => v.result).sort()).toEqual(["accept", "ignore"]);
    // once the original is past its age it is stale, so forgetting it is safe
    expect(await validate(bytes, seen, NOW + rules.maxAgeMs + 1)).toMatchObject({ reason: "stale" });
  });

  it("applies the sender allow-list and the payload check", async () => {
    const { bytes } = await envelope();
    expect(await validate(bytes, new SeenCache(10), NOW, { allowSender: () => false })).toMatchObject({
      reason: "sender",
    });
    expect(await validate(bytes, new SeenCache(10), NOW, { checkPayload: async () => false })).toMatchObject({
      reason: "payload",
    });
    expect(await validate(bytes, new SeenCache(10), NOW, { allowSender: (s) => s === alice.address })).toMatchObject({
      result: "accept",
    });
  });

  it("never throws, even when a rule hook does", async () => {
    const { bytes } = await envelope();
    const verdict = await validate(bytes, new SeenCache(10), NOW, {
      allowSender: () => {
        throw new Error("bond lookup failed");
      },
    });
    expect(verdict).toMatchObject({ result: "reject", reason: "error" });
  });
});

describe("SeenCache", () => {
  it("drops expired entries first and evicts the oldest past capacity", () => {
    const cache = new SeenCache(2);
    cache.add("a", 100, 0);
    cache.add("b", 200, 0);
    cache.add("c", 300, 150); // "a" expired: dropped without counting an eviction
    expect([cache.has("a", 150), cache.has("b", 150), cache.has("c", 150)]).toEqual([false, true, true]);
    expect(cache.evictions).toBe(0);
    cache.add("d", 400, 160); // full of live entries: evicts "b"
    expect(cache.has("b", 160)).toBe(false);
    expect(cache.evictions).toBe(1);
    expect(cache.size).toBe(2);
  });
});
