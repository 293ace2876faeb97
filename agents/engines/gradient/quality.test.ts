import { describe, expect, it } from "vitest";
import { embeddingDistance } from "./gradient-index.ts";
import { bestBaseline, DEFAULT_QUALITY, interval, runQuality, spearman, topKPrecision } from "./quality.ts";

describe("quality", () => {
  it("spearman: 1 for monotone, -1 for reversed, average ranks for ties", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2], [1, 2, 3])).toBeCloseTo(0.8660254, 6);
  });

  it("top-k precision and the 95% interval", () => {
    expect(topKPrecision([5, 4, 3, 2, 1], [1, 2, 3, 4, 5], 2)).toBe(0);
    expect(topKPrecision([5, 4, 3, 2, 1], [9, 1, 8, 0, 0], 2)).toBe(0.5);
    const i = interval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.ci).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 6);
  });

  it("at the shipped settings, the shipped method beats the best baseline overall, within class and on LDS (small, fixed seed)", async () => {
    const r = await runQuality({
      ...DEFAULT_QUALITY,
      train: 120,
      test: 6,
      loo: 30,
      lds: 24,
      seeds: [4],
      tiePerturbations: 0,
    });
    const shipped = r.rows.find((row) => row.kind === "shipped")!;
    for (const metric of ["looAll", "looWithin", "lds"] as const) {
      expect(shipped.metrics[metric].mean).toBeGreaterThan(bestBaseline(r, metric).metrics[metric].mean + 0.05);
    }
    const random = r.rows.find((row) => row.name === "random")!;
    expect(shipped.metrics.looAll.mean).toBeGreaterThan(random.metrics.looAll.mean + 0.4);
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
