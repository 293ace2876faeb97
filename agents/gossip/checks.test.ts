import { Effect, Redacted } from "effect";
import { generatePrivateKey } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { Identity } from "../identity/identity.ts";
import { signerRecovery } from "../identity/recover.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { checkReceipts, receiptProblem } from "./checks.ts";
import { encodeEnvelope, encodePayload, envelopeDigest, SeenCache, validateEnvelope } from "./envelope.ts";
import { fixtureDomain, signedReceipt } from "./fixtures.ts";
import { Topics } from "./messages.ts";

describe("receiptProblem", () => {
  it("accepts a receipt signed by its user and operator under the deployment's domain", async () => {
    expect(await receiptProblem(fixtureDomain, await signedReceipt(1n))).toBeUndefined();
  });

  it("names what is wrong with a bad receipt", async () => {
    const good = await signedReceipt(1n);
    const other = await signedReceipt(2n);
    expect(await receiptProblem(attributionDomain(10, fixtureDomain.verifyingContract), good)).toBe("user-signature");
    expect(await receiptProblem(fixtureDomain, { ...good, receipt: { ...good.receipt, nonce: 2n } })).toBe(
      "request-mismatch",
    );
    expect(await receiptProblem(fixtureDomain, { ...good, receipt: { ...good.receipt, fee: 10n ** 9n } })).toBe(
      "fee-above-max",
    );
    expect(await receiptProblem(fixtureDomain, { ...good, userSignature: other.userSignature })).toBe("user-signature");
    expect(
      await receiptProblem(fixtureDomain, { ...good, receipt: { ...good.receipt, fee: good.receipt.fee - 1n } }),
    ).toBe("operator-signature");
    expect(
      await receiptProblem(fixtureDomain, { ...good, attribution: [{ contributionId: 1n, weight: 999_999 }] }),
    ).toBe("attribution-weights");
    expect(await receiptProblem(fixtureDomain, { ...good, userSignature: `0x${"00".repeat(65)}` })).toBe(
      "user-signature",
    );
  });

  it("recovers a receipt's signatures once per node: the gossip validator and the intake share them", async () => {
    const payload = await signedReceipt(9_001n);
    const identity = Identity.make(Redacted.make(generatePrivateKey()));
    const unsigned = {
      topic: Topics.receipts,
      version: 1,
      sender: identity.address,
      timestamp: Date.now(),
      seq: 1,
      payload: encodePayload(Topics.receipts, payload),
    };
    const bytes = encodeEnvelope(unsigned, await Effect.runPromise(identity.signDigest(envelopeDigest(unsigned))));
    const rules = {
      maxMessageBytes: 1 << 20,
      maxAgeMs: 60_000,
      maxFutureMs: 60_000,
      checkPayload: checkReceipts(fixtureDomain),
    };
    const before = signerRecovery.stats();
    const verdict = await validateEnvelope(Topics.receipts, bytes, rules, new SeenCache(16), Date.now());
    expect(verdict.result).toBe("accept");
    const afterGossip = signerRecovery.stats();
    // the envelope's signer, the user's and the operator's: three recoveries
    expect(afterGossip.misses - before.misses).toBe(3);
    // the attributor's intake checks the same receipt again (agents/attributor/attributor.ts)
    expect(await receiptProblem(fixtureDomain, payload)).toBeUndefined();
    const afterIntake = signerRecovery.stats();
    expect(afterIntake.misses).toBe(afterGossip.misses);
    expect(afterIntake.hits - afterGossip.hits).toBe(2);
  });
});
