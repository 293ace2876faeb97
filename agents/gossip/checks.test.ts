import { describe, expect, it } from "vitest";
import { attributionDomain } from "../protocol/receipt.ts";
import { receiptProblem } from "./checks.ts";
import { fixtureDomain, signedReceipt } from "./fixtures.ts";

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
});
