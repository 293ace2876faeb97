import { describe, expect, it } from "vitest";
import { embeddingDistance } from "./gradient-index.ts";
import { DEFAULT_QUALITY, runQuality, spearman } from "./quality.ts";

describe("quality", () => {
  it("spearman: 1 for monotone, -1 for reversed, average ranks for ties", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2], [1, 2, 3])).toBeCloseTo(0.8660254, 6);
  });

  it("TracIn and DataInf track leave-one-out retraining far better than random (small, fixed seed)", async () => {
    const r = await runQuality({
      ...DEFAULT_QUALITY,
      train: 60,
      test: 4,
      loo: 20,
      buckets: 1024,
      dims: 128,
      epochs: 150,
      retrainSteps: 60,
      seed: 1,
      tiePerturbations: 2,
    });
    expect(r.rho.tracin.mean).toBeGreaterThan(r.rho.random.mean + 0.4);
    expect(r.rho.datainf.mean).toBeGreaterThan(r.rho.random.mean + 0.4);
    expect(r.rho.datainf.mean).toBeGreaterThan(0.5);
  });
});

describe("near-tie tolerance metric", () => {
  const header = {
    segments: [{ checkpoint: 0, layer: 0, paramOffset: 0, size: 4, offset: 0, dims: 2, fracBits: 0 }],
  } as unknown as Parameters<typeof embeddingDistance>[2];
  it("measures coordinate differences in quanta of the coarser exponent", () => {
    const a = { vector: Int8Array.of(10, -3), exponents: Uint8Array.of(2) };
    expect(embeddingDistance(a, a, header)).toBe(0);
    expect(embeddingDistance(a, { vector: Int8Array.of(11, -3), exponents: Uint8Array.of(2) }, header)).toBe(1);
    // exponent moved by one at a boundary: 20·2^1 = 40 = 10·2^2 → distance 0
    expect(embeddingDistance(a, { vector: Int8Array.of(20, -6), exponents: Uint8Array.of(1) }, header)).toBe(0);
    expect(embeddingDistance(a, { vector: Int8Array.of(13, -3), exponents: Uint8Array.of(2) }, header)).toBe(3);
  });
});
