/**
 * The quality harness's sampling (the experiment itself is not run in CI: `poa factory quality`, about
 * 20 minutes, docs/quality-factory.md): random halves against a brute-force enumeration of all
 * ⌊n/2⌋-subsets, and the bootstrap interval against the exact distribution of a tiny case.
 */
import { describe, expect, it } from "vitest";
import { bootstrapMean, randomHalves } from "./quality.ts";

const allSubsets = (n: number, k: number): string[] => {
  const out: string[] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    const members = Array.from({ length: n }, (_, i) => i).filter((i) => (mask >> i) & 1);
    if (members.length === k) out.push(members.join(","));
  }
  return out.sort();
};

describe("factory quality sampling", () => {
  it("random halves: distinct ⌊n/2⌋-subsets, all of them when asked for more, deterministic per seed", () => {
    const every = randomHalves(6, 100, 3);
    expect(every.map((s) => s.join(",")).sort()).toEqual(allSubsets(6, 3));
    const some = randomHalves(7, 10, 5);
    expect(some).toHaveLength(10);
    expect(new Set(some.map((s) => s.join(","))).size).toBe(10);
    expect(some.every((s) => s.length === 3 && s.every((c) => c >= 0 && c < 7))).toBe(true);
    expect(randomHalves(7, 10, 5)).toEqual(some);
    expect(randomHalves(7, 10, 6)).not.toEqual(some);
  });

  it("bootstrap interval: degenerate for a constant, the exact 2.5 / 97.5 percentiles for two values", () => {
    expect(bootstrapMean([0.5, 0.5, 0.5], 500, 1)).toEqual({ mean: 0.5, lo: 0.5, hi: 0.5 });
    // resampling {0, 1}: the mean is 0, ½ or 1 with probabilities ¼, ½, ¼ — so the 2.5 % point is 0, the 97.5 % point 1
    expect(bootstrapMean([0, 1], 4000, 2)).toEqual({ mean: 0.5, lo: 0, hi: 1 });
    const e = bootstrapMean([0.1, 0.5, 0.2, 0.9, 0.3, 0.7], 2000, 3);
    expect(e.lo).toBeLessThan(e.mean);
    expect(e.hi).toBeGreaterThan(e.mean);
    expect(e.lo).toBeGreaterThanOrEqual(0.1);
    expect(e.hi).toBeLessThanOrEqual(0.9);
  });
});
