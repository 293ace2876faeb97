/**
 * The wasm SIMD kernel (kernel.ts) against a brute-force BigInt scorer written here, on random int8
 * data including the extremes (±127 and −128 everywhere, d = 1040 = the largest product width the
 * issue names, segments whose lengths are not multiples of 16), with 1 and 3 threads; and TracIn's
 * scores on top of it against the same brute force, so "exact" means exact.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Embedding, GradientIndex, IndexHeader } from "./gradient-index.ts";
import { WasmKernel } from "./kernel.ts";
import { jsKernel, OrtScorer, tracinScores } from "./score.ts";

const rng = (seed: number) => {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
};

type Fill = "random" | "max" | "min" | "alternating";

const value = (fill: Fill, next: () => number, i: number): number =>
  fill === "max"
    ? 127
    : fill === "min"
      ? -128
      : fill === "alternating"
        ? i % 2 === 0
          ? 127
          : -127
        : (next() % 256) - 128;

const makeIndex = (count: number, segmentDims: ReadonlyArray<number>, fill: Fill, seed: number): GradientIndex => {
  const next = rng(seed);
  const dims = segmentDims.reduce((a, b) => a + b, 0);
  const vectors = Int8Array.from({ length: count * dims }, (_, i) => value(fill, next, i));
  let offset = 0;
  const segments = segmentDims.map((d, s) => {
    const seg = { checkpoint: s, layer: 0, paramOffset: 0, size: d, offset, dims: d, fracBits: 24 };
    offset += d;
    return seg;
  });
  const S = segments.length;
  const header: IndexHeader = {
    version: 1,
    gradientGraph: "0x",
    checkpoints: "0x",
    checkpointCount: S,
    layers: [{ name: "linear", size: dims }],
    buckets: 16,
    classes: ["a", "b"],
    projection: { seed: 1, dims },
    segments,
    dims,
    count,
    lambdas: [1],
  };
  return {
    header,
    ids: BigUint64Array.from({ length: count }, (_, i) => BigInt(i + 1)),
    exponents: Uint8Array.from({ length: count * S }, () => next() % 24),
    vectors,
    norms: new Int32Array(count * S),
  };
};

/** Σ over k of BigInt products: no int32 or float anywhere. */
const bruteDots = (index: GradientIndex, columns: ReadonlyArray<{ offset: number; values: Int8Array }>): bigint[][] => {
  const { count, dims } = index.header;
  return Array.from({ length: count }, (_, i) =>
    columns.map(({ offset, values }) => {
      let sum = 0n;
      for (let k = 0; k < values.length; k++) sum += BigInt(index.vectors[i * dims + offset + k]!) * BigInt(values[k]!);
      return sum;
    }),
  );
};

const kernels = [WasmKernel.create(1), WasmKernel.create(3)];
afterAll(async () => {
  for (const k of kernels) await k.release();
});

const cases: Array<[string, number, number[], Fill, Fill]> = [
  ["random, one segment of 1040", 3100, [1040], "random", "random"],
  ["all +127 against +127, d = 1040 (the largest sums)", 2100, [1040], "max", "max"],
  ["all −128 against +127 (the most negative)", 2100, [1040], "min", "max"],
  ["alternating ±127, ragged segments 7 / 250 / 33", 1500, [7, 250, 33], "alternating", "random"],
  ["random, few rows (fewer than the threads' minimum block)", 5, [100, 28], "random", "min"],
];

describe("wasm SIMD kernel", () => {
  for (const [name, count, segmentDims, rows, query] of cases) {
    it(`segment dots are exact: ${name}`, async () => {
      const index = makeIndex(count, segmentDims, rows, count + segmentDims.length);
      const next = rng(99);
      const q: Embedding = {
        vector: Int8Array.from({ length: index.header.dims }, (_, i) => value(query, next, i)),
        exponents: Uint8Array.from(segmentDims, (_, s) => 3 + s),
      };
      const expected = bruteDots(
        index,
        index.header.segments.map((seg) => ({
          offset: seg.offset,
          values: q.vector.subarray(seg.offset, seg.offset + seg.dims),
        })),
      );
      for (const kernel of kernels) {
        const dots = await kernel.segmentDots(index, q);
        expect(Array.from(dots, BigInt)).toEqual(expected.flat());
        // TracIn on top of them: each score = Σ_s D · 2^(e_i,s + e_q,s − base), brute-forced in BigInt
        const scores = tracinScores(index, q, dots);
        const S = segmentDims.length;
        let base = 255;
        for (const e of index.exponents) base = Math.min(base, e);
        base += Math.min(...q.exponents);
        for (let i = 0; i < count; i += Math.max(1, Math.floor(count / 50))) {
          let exact = 0n;
          for (let s = 0; s < S; s++) {
            const shift = BigInt(index.exponents[i * S + s]! + q.exponents[s]! - base);
            exact += expected[i]![s]! << shift;
          }
          expect(BigInt(scores[i]!)).toBe(exact);
        }
      }
    });
  }

  it("row dots with 1–6 columns (grouped by four) are exact, and equal ONNX Runtime's MatMulInteger", async () => {
    const index = makeIndex(600, [1040], "random", 5);
    const ort = await OrtScorer.create(1, 4096, "ort");
    try {
      for (const m of [1, 3, 4, 6]) {
        const next = rng(m);
        const cols = Int8Array.from({ length: 1040 * m }, (_, i) => (i % 97 === 0 ? -128 : (next() % 256) - 128));
        const columns = Array.from({ length: m }, (_, j) => ({
          offset: 0,
          values: Int8Array.from({ length: 1040 }, (_, k) => cols[k * m + j]!),
        }));
        const expected = bruteDots(index, columns).flat();
        for (const kernel of kernels) {
          expect(Array.from(await kernel.rowDots(index, cols, m), BigInt)).toEqual(expected);
        }
        expect(Array.from(await ort.rowDots(index, cols, m), BigInt)).toEqual(expected);
      }
    } finally {
      await ort.release();
    }
  });

  it("column sums (DataInf's r) are exact across int32 blocks, and equal ONNX Runtime's and the typed arrays'", async () => {
    // 70,000 rows: two int32 blocks of the kernel; all −128 against −128 in one column (the largest sums)
    const index = makeIndex(70_000, [40], "random", 21);
    const minIndex = makeIndex(70_000, [40], "min", 22);
    const m = 3;
    const next = rng(3);
    const n = index.header.count;
    const rows = Int8Array.from({ length: m * n }, (_, x) => (x < n ? -128 : x % 5 === 0 ? 0 : (next() % 256) - 128));
    const ort = await OrtScorer.create(1, 4096, "ort");
    try {
      for (const idx of [index, minIndex]) {
        const expected: bigint[] = [];
        for (let j = 0; j < m; j++) {
          for (let k = 0; k < 40; k++) {
            let sum = 0n;
            for (let i = 0; i < n; i++) sum += BigInt(rows[j * n + i]!) * BigInt(idx.vectors[i * 40 + k]!);
            expected.push(sum);
          }
        }
        for (const kernel of kernels) {
          expect(Array.from(await kernel.columnSums(idx, rows, m), BigInt)).toEqual(expected);
        }
        expect(Array.from(await ort.columnSums(idx, rows, m), BigInt)).toEqual(expected);
        expect(Array.from(await jsKernel.columnSums(idx, rows, m), BigInt)).toEqual(expected);
      }
    } finally {
      await ort.release();
    }
  });

  it("answers concurrent queries on one index each with its own result", async () => {
    const index = makeIndex(4000, [512], "random", 11);
    const queries = [1, 2, 3, 4].map((seed) => {
      const next = rng(seed);
      return { vector: Int8Array.from({ length: 512 }, () => (next() % 256) - 128), exponents: Uint8Array.of(0) };
    });
    const kernel = kernels[1]!;
    const results = await Promise.all(queries.map((q) => kernel.segmentDots(index, q)));
    queries.forEach((q, n) => {
      const expected = bruteDots(index, [{ offset: 0, values: q.vector }]).flat();
      expect(Array.from(results[n]!, BigInt)).toEqual(expected);
    });
  });
});
