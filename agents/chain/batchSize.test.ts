import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BatchPolicy, type ClaimCostModel, decideBatch, targetBatchSize } from "./batchSize.ts";

/** Brute force: walk n = 1… and price each claim from scratch, as a spreadsheet would. */
const bruteForce = (m: ClaimCostModel, target: bigint, maxBatch: number): number => {
  for (let n = 1; n <= maxBatch; n++) {
    const l2 = (m.fixedGas + BigInt(n) * m.gasPerReceipt) * m.l2GasPrice;
    const l1 = m.l1FeeFixed + BigInt(n) * m.l1FeePerReceipt;
    if (l2 + l1 <= BigInt(n) * target) return n;
  }
  return maxBatch;
};

const model = fc.record({
  fixedGas: fc.bigInt({ min: 0n, max: 500_000n }),
  gasPerReceipt: fc.bigInt({ min: 0n, max: 50_000n }),
  l2GasPrice: fc.bigInt({ min: 0n, max: 10n ** 10n }),
  l1FeeFixed: fc.bigInt({ min: 0n, max: 10n ** 14n }),
  l1FeePerReceipt: fc.bigInt({ min: 0n, max: 10n ** 12n }),
});

describe("batch sizing from the true cost of a claim", () => {
  it("the target size is the smallest n whose cost per receipt meets the target (brute force)", () => {
    fc.assert(
      fc.property(
        model,
        fc.bigInt({ min: 1n, max: 10n ** 13n }),
        fc.integer({ min: 1, max: 600 }),
        (m, target, max) => {
          expect(targetBatchSize({ cost: m, targetCostPerReceipt: target, maxBatch: max })).toBe(
            bruteForce(m, target, max),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("posts a full batch when the target is out of reach, and a single receipt when it is met at once", () => {
    const m: ClaimCostModel = {
      fixedGas: 100_000n,
      gasPerReceipt: 10_000n,
      l2GasPrice: 1_000_000n,
      l1FeeFixed: 10n ** 9n,
      l1FeePerReceipt: 10n ** 8n,
    };
    // marginal = 1e10 + 1e8 wei: a target at or below it is never met
    expect(targetBatchSize({ cost: m, targetCostPerReceipt: 10_100_000_000n, maxBatch: 64 })).toBe(64);
    expect(targetBatchSize({ cost: m, targetCostPerReceipt: 10n ** 15n, maxBatch: 64 })).toBe(1);
  });

  it("waits for the target size, or for maxWait, and never posts nothing", () => {
    const policy: BatchPolicy = {
      cost: { fixedGas: 200_000n, gasPerReceipt: 5_000n, l2GasPrice: 10n ** 7n, l1FeeFixed: 0n, l1FeePerReceipt: 0n },
      // fixed 2e12, marginal 5e10: n ≥ 2e12 / (1e11 − 5e10) = 40
      targetCostPerReceipt: 10n ** 11n,
      maxBatch: 100,
      maxWaitMs: 60_000,
    };
    expect(targetBatchSize(policy)).toBe(40);
    expect(decideBatch(policy, 0, 10 ** 9)).toEqual({ post: false, reason: "empty" });
    expect(decideBatch(policy, 39, 59_999)).toEqual({ post: false, reason: "waiting" });
    expect(decideBatch(policy, 39, 60_000)).toEqual({ post: true, size: 39, reason: "maxWait" });
    expect(decideBatch(policy, 40, 0)).toEqual({ post: true, size: 40, reason: "target" });
    expect(decideBatch(policy, 250, 0)).toEqual({ post: true, size: 100, reason: "target" });
  });
});
