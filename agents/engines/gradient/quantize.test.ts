import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { featurizeSparse, fnv1a, tokenize } from "./features.ts";
import { fracBitsFor, projectSegment, Q_LIMIT, rademacher, type Segment, shift, toInt8 } from "./quantize.ts";

describe("features", () => {
  it("FNV-1a matches the published test vectors", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("tokenizes lowercase alphanumerics and builds a unit-norm row", () => {
    expect(tokenize("Hello, WORLD! a x2 free$$$money")).toEqual(["hello", "world", "x2", "free", "money"]);
    const row = featurizeSparse("buy buy now now now cheap", { buckets: 256 });
    const norm = Math.sqrt(Array.from(row.values).reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 6);
    expect(featurizeSparse("", { buckets: 256 }).indices.length).toBe(0);
  });
});

describe("quantization rule", () => {
  it("shift rounds half away from zero", () => {
    expect([shift(5, 1), shift(-5, 1), shift(4, 1), shift(6, 2), shift(-6, 2), shift(7, 0)]).toEqual([
      3, -3, 2, 2, -2, 7,
    ]);
  });

  it("fracBitsFor picks the largest scale keeping |g| · 2^F ≤ 2^24", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1e9, noNaN: true }), (m) => {
        const f = fracBitsFor(m);
        expect(m * 2 ** f).toBeLessThanOrEqual(Q_LIMIT);
        if (f < 64) expect(m * 2 ** (f + 1)).toBeGreaterThan(Q_LIMIT);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it("toInt8 keeps values in [-127, 127] and reconstructs each to within half a step", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 1, maxLength: 40 }), (xs) => {
        const out = new Int8Array(xs.length);
        const e = toInt8(Float64Array.from(xs), out, 0);
        const maxAbs = Math.max(...xs.map(Math.abs));
        expect(Math.max(...Array.from(out, Math.abs))).toBeLessThanOrEqual(127);
        if (e > 0) expect(shift(maxAbs, e - 1)).toBeGreaterThan(127); // e is the least such exponent
        xs.forEach((x, k) => {
          expect(Math.abs(out[k]! * 2 ** e - x)).toBeLessThanOrEqual(2 ** Math.max(0, e - 1));
        });
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it("the Rademacher matrix is deterministic, ±1, balanced, and differs per layer", () => {
    const a = rademacher(7, 0, 100, 64);
    expect(rademacher(7, 0, 100, 64)).toEqual(a);
    expect(a.every((v) => v === 1 || v === -1)).toBe(true);
    const plus = a.filter((v) => v === 1).length;
    expect(Math.abs(plus - a.length / 2)).toBeLessThan(4 * Math.sqrt(a.length));
    expect(rademacher(7, 1, 100, 64)).not.toEqual(a);
  });

  it("the projection is exact: it equals a BigInt reference", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (values, seed) => {
          const grad = Float32Array.from(values);
          const segment: Segment = {
            checkpoint: 0,
            layer: 0,
            paramOffset: 0,
            size: 40,
            offset: 0,
            dims: 16,
            fracBits: 24,
          };
          const R = rademacher(seed, 0, 40, 16);
          const p = projectSegment(grad, 0, segment, R);
          for (let k = 0; k < 16; k++) {
            let ref = 0n;
            for (let j = 0; j < 40; j++) ref += BigInt(Math.round(grad[j]! * 2 ** 24)) * BigInt(R[j * 16 + k]!);
            expect(BigInt(p[k]!)).toBe(ref);
          }
        },
      ),
      { seed: 3, numRuns: 50 },
    );
  });
});
