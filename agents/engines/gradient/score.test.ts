import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { scoresToWeights } from "../engine.ts";
import type { IndexedModel } from "./bundle.ts";
import { entriesFor, makeAttributor } from "./engine.ts";
import { queries, smallModel } from "./fixtures.test-util.ts";
import { type Embedding, finalSegments, type GradientIndex } from "./gradient-index.ts";
import {
  datainfScores,
  fisherPreconditioner,
  influenceScores,
  integerScores,
  jsKernel,
  OrtScorer,
  preconditionQuery,
  segmentDotsJs,
  topCombinedScores,
  topScores,
  tracinScores,
} from "./score.ts";

let model: IndexedModel;
beforeAll(async () => {
  model = await smallModel("mlp");
});

describe("scoring", () => {
  it("the ONNX Runtime MatMulInteger kernel equals the typed-array kernel exactly", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "js" });
    const scorer = await OrtScorer.create(2);
    for (const q of queries()) {
      const { embedding } = await attributor.score(q.text, q.label, "tracin");
      expect(await scorer.segmentDots(model.index, embedding)).toEqual(segmentDotsJs(model.index, embedding));
    }
    await attributor.release();
  });

  it("TracIn equals Σ_s ⟨g_q, g_i⟩ with each segment's fixed point undone (BigInt brute force, exact)", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "ort" });
    const h = model.index.header;
    const S = h.segments.length;
    // the fixture's segments differ in fixed point, which is what makes the unscaling matter
    expect(new Set(h.segments.map((seg) => seg.fracBits)).size).toBeGreaterThan(1);
    // segment s's dequantized integers are its gradient · 2^F_s: scale every term to 2^(2·maxF), exactly
    const maxF = Math.max(...h.segments.map((seg) => seg.fracBits));
    for (const q of queries().slice(0, 3)) {
      const { embedding } = await attributor.score(q.text, q.label, "tracin");
      const scores = tracinScores(model.index, embedding, segmentDotsJs(model.index, embedding));
      const ref = Array.from({ length: h.count }, (_, i) => {
        let total = 0n;
        h.segments.forEach((seg, s) => {
          let dot = 0n;
          for (let k = seg.offset; k < seg.offset + seg.dims; k++) {
            const a = BigInt(model.index.vectors[i * h.dims + k]!) << BigInt(model.index.exponents[i * S + s]!);
            const b = BigInt(embedding.vector[k]!) << BigInt(embedding.exponents[s]!);
            dot += a * b;
          }
          total += dot << BigInt(2 * (maxF - seg.fracBits));
        });
        return total;
      });
      // equal up to one power of two common to every row: score_i · 2^c = ref_i
      const i0 = ref.findIndex((r) => r !== 0n);
      expect(i0).toBeGreaterThanOrEqual(0);
      let c = 0;
      while (BigInt(scores[i0]!) << BigInt(c) !== ref[i0] && c < 400) c++;
      expect(c).toBeLessThan(400);
      expect(Array.from(scores, (s) => BigInt(s) << BigInt(c))).toEqual(ref);
      expect(scores.every((s) => Number.isInteger(s))).toBe(true);
    }
    await attributor.release();
  });

  it("DataInf equals the direct O(n²) closed form of Kwon et al. on the dequantized embeddings", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "ort" });
    const h = model.index.header;
    const S = h.segments.length;
    const n = h.count;
    for (const q of queries().slice(0, 2)) {
      const { embedding } = await attributor.score(q.text, q.label, "datainf");
      const scores = await datainfScores(model.index, embedding, segmentDotsJs(model.index, embedding));
      const largest = scores.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      const G = (i: number, s: number) => {
        const seg = h.segments[s]!;
        return Array.from(
          { length: seg.dims },
          (_, k) => model.index.vectors[i * h.dims + seg.offset + k]! * 2 ** model.index.exponents[i * S + s]!,
        );
      };
      const dot = (a: number[], b: number[]) => a.reduce((t, x, k) => t + x * b[k]!, 0);
      for (let k = 0; k < n; k += 7) {
        let ref = 0;
        finalSegments(h).forEach((s, l) => {
          const seg = h.segments[s]!;
          const v = Array.from(
            { length: seg.dims },
            (_, j) => embedding.vector[seg.offset + j]! * 2 ** embedding.exponents[s]!,
          );
          const lambda = h.lambdas[l]!;
          const gk = G(k, s);
          let correction = 0;
          for (let i = 0; i < n; i++) {
            const gi = G(i, s);
            correction += (dot(v, gi) * dot(gi, gk)) / (lambda + dot(gi, gi));
          }
          ref += (dot(v, gk) - correction / n) / lambda;
        });
        // the two 22-bit fixed-point roundings (coefficients, r) move a score by ~2^-22 of the largest
        expect(Math.abs(scores[k]! - ref)).toBeLessThanOrEqual(1e-5 * largest);
      }
    }
    await attributor.release();
  });
});

describe("integer kernels", () => {
  it("ONNX Runtime rowDots / columnSums (in row blocks) equal the typed-array loops; DataInf is the same on both", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "js" });
    const scorer = await OrtScorer.create(2, 7); // 7-row blocks: many blocks and a ragged last one
    const { count: n, dims } = model.index.header;
    let seed = 5;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return ((seed >>> 16) % 255) - 127;
    };
    const rows = Int8Array.from({ length: 5 * n }, rand);
    const cols = Int8Array.from({ length: dims * 4 }, rand);
    expect(await scorer.columnSums(model.index, rows, 5)).toEqual(await jsKernel.columnSums(model.index, rows, 5));
    // brute force of one column sum
    const k = 3;
    let ref = 0;
    for (let i = 0; i < n; i++) ref += rows[2 * n + i]! * model.index.vectors[i * dims + k]!;
    expect((await jsKernel.columnSums(model.index, rows, 5))[2 * dims + k]).toBe(ref);
    expect(await scorer.rowDots(model.index, cols, 4)).toEqual(await jsKernel.rowDots(model.index, cols, 4));
    for (const q of queries()) {
      const { embedding } = await attributor.score(q.text, q.label, "datainf");
      const dots = segmentDotsJs(model.index, embedding);
      expect(await datainfScores(model.index, embedding, dots, scorer)).toEqual(
        await datainfScores(model.index, embedding, dots, jsKernel),
      );
    }
    await scorer.release();
    await attributor.release();
  });
});

describe("influence (projected Fisher)", () => {
  it("tracks Σ_s G_qᵀ (F_s + λ_s I)⁻¹ G_i solved independently (Gaussian elimination on the dequantized rows)", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "js" });
    const h = model.index.header;
    const S = h.segments.length;
    const n = h.count;
    const damping = 0.5;
    const pre = fisherPreconditioner(model.index, damping);
    for (const q of queries().slice(0, 2)) {
      const { embedding } = await attributor.score(q.text, q.label, "tracin");
      const psi = preconditionQuery(model.index, pre, embedding);
      const got = influenceScores(model.index, psi, segmentDotsJs(model.index, psi));
      const ref = new Float64Array(n);
      h.segments.forEach((seg, s) => {
        const d = seg.dims;
        const G = (i: number) =>
          Array.from(
            { length: d },
            (_, k) => model.index.vectors[i * h.dims + seg.offset + k]! * 2 ** model.index.exponents[i * S + s]!,
          );
        const rows = Array.from({ length: n }, (_, i) => G(i));
        const A = Array.from({ length: d }, (_, a) =>
          Array.from({ length: d }, (_, b) => rows.reduce((t, r) => t + r[a]! * r[b]!, 0) / n),
        );
        const trace = A.reduce((t, r, a) => t + r[a]!, 0);
        for (let a = 0; a < d; a++) A[a]![a]! += (damping * trace) / d;
        const x = Array.from({ length: d }, (_, k) => embedding.vector[seg.offset + k]! * 2 ** embedding.exponents[s]!);
        // Gaussian elimination with partial pivoting on [A | x]
        const M = A.map((r, a) => [...r, x[a]!]);
        for (let c = 0; c < d; c++) {
          let p = c;
          for (let r = c + 1; r < d; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
          [M[c], M[p]] = [M[p]!, M[c]!];
          for (let r = c + 1; r < d; r++) {
            const f = M[r]![c]! / M[c]![c]!;
            for (let k = c; k <= d; k++) M[r]![k]! -= f * M[c]![k]!;
          }
        }
        const y = new Array<number>(d).fill(0);
        for (let r = d - 1; r >= 0; r--) {
          let v = M[r]![d]!;
          for (let k = r + 1; k < d; k++) v -= M[r]![k]! * y[k]!;
          y[r] = v / M[r]![r]!;
        }
        for (let i = 0; i < n; i++) ref[i]! += rows[i]!.reduce((t, g, k) => t + g * y[k]!, 0);
      });
      // same up to one positive factor and the int8 rounding of ψ: correlation ≈ 1, same sign pattern
      const mean = (a: ArrayLike<number>) => Array.from(a).reduce((t, v) => t + v, 0) / a.length;
      const [ma, mb] = [mean(got), mean(ref)];
      let num = 0;
      let da = 0;
      let db = 0;
      for (let i = 0; i < n; i++) {
        num += (got[i]! - ma) * (ref[i]! - mb);
        da += (got[i]! - ma) ** 2;
        db += (ref[i]! - mb) ** 2;
      }
      expect(num / Math.sqrt(da * db)).toBeGreaterThan(0.999);
    }
    await attributor.release();
  });
});

describe("top-k selection", () => {
  it("topScores + scoresToWeights equals scoresToWeights over every row", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 40 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (values, k) => {
          const ids = BigUint64Array.from(values, (_, i) => BigInt((i * 7919) % 1000) + BigInt(i * 1000));
          const scores = Float64Array.from(values);
          const all = new Map<bigint, bigint>();
          values.forEach((v, i) => {
            all.set(ids[i]!, BigInt(Math.max(0, v)));
          });
          expect(entriesFor(topScores(ids, scores, k), k)).toEqual(scoresToWeights(all, k));
          const top = topScores(ids, scores, k);
          expect(top.length).toBe(Math.min(k, values.filter((v) => v > 0).length));
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe("fused TracIn / influence top-k (issue 19)", () => {
  /** A synthetic index: only ids, exponents, fixed points and (for the all-zero segments) vectors matter here. */
  const arbitraryCase = fc
    .record({
      count: fc.integer({ min: 1, max: 300 }),
      S: fc.integer({ min: 1, max: 4 }),
      k: fc.integer({ min: 0, max: 12 }),
      dotRange: fc.constantFrom(3, 40, 2 ** 20, 2 ** 31 - 1),
      expRange: fc.constantFrom(1, 4, 24, 256),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      deadSegment: fc.boolean(),
      exclude: fc.boolean(),
    })
    .map(({ count, S, k, dotRange, expRange, seed, deadSegment, exclude }) => {
      let x = seed;
      const next = () => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return x / 2 ** 32;
      };
      const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
      const segDims = 3;
      const dims = S * segDims;
      const dead = deadSegment ? int(0, S - 1) : -1;
      const index: GradientIndex = {
        header: {
          version: 1,
          gradientGraph: "0x",
          checkpoints: "0x",
          checkpointCount: S,
          layers: [{ name: "l", size: 8 }],
          buckets: 16,
          classes: ["a", "b"],
          projection: { seed: 1, dims: segDims },
          segments: Array.from({ length: S }, (_, s) => ({
            checkpoint: s,
            layer: 0,
            paramOffset: 0,
            size: 8,
            offset: s * segDims,
            dims: segDims,
            fracBits: s === dead ? 64 : int(-64, 64),
          })),
          dims,
          count,
          lambdas: [1],
        },
        // ids in a shuffled order, so ties on the score are broken by id, not by row
        ids: BigUint64Array.from({ length: count }, (_, i) => BigInt(((i * 7919) % 1009) * 1000 + i)),
        exponents: Uint8Array.from({ length: count * S }, () =>
          expRange === 256 ? int(0, 1) * 255 : int(0, expRange - 1),
        ),
        vectors: Int8Array.from({ length: count * dims }, (_, t) =>
          Math.floor((t % dims) / segDims) === dead ? 0 : int(-128, 127),
        ),
        norms: new Int32Array(count * S),
      };
      const query: Embedding = {
        vector: Int8Array.from({ length: dims }, () => int(-128, 127)),
        exponents: Uint8Array.from({ length: S }, () => (expRange === 256 ? int(0, 1) * 255 : int(0, expRange - 1))),
      };
      // the dots as given (not recomputed): few distinct values force ties; the extremes of int32 too
      const dots = Int32Array.from({ length: count * S }, (_, t) => {
        if (t % S === dead) return 0;
        const r = next();
        return r < 0.1 ? 0 : r < 0.15 ? dotRange : r < 0.2 ? -dotRange : int(-dotRange, dotRange);
      });
      const excluded = exclude ? Uint8Array.from({ length: count }, () => (next() < 0.2 ? 1 : 0)) : undefined;
      return { index, query, dots, k, excluded };
    });

  it("equals topScores(integerScores(tracinScores / influenceScores)) — the three passes it replaces", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ index, query, dots, k, excluded }) => {
        for (const method of ["tracin", "influence"] as const) {
          const raw = method === "tracin" ? tracinScores(index, query, dots) : influenceScores(index, query, dots);
          let scores = integerScores(method, raw);
          if (excluded !== undefined) scores = scores.map((v, row) => (excluded[row] ? 0 : v));
          expect(topCombinedScores(method, index, query, dots, k, excluded)).toEqual(topScores(index.ids, scores, k));
        }
      }),
      { seed: 19, numRuns: 400 },
    );
  });

  it("equals the three passes on a trained model's real queries", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "js" });
    const pre = fisherPreconditioner(model.index);
    for (const q of queries()) {
      const { embedding } = await attributor.score(q.text, q.label, "tracin");
      const dots = segmentDotsJs(model.index, embedding);
      for (const k of [1, 8, 100]) {
        expect(topCombinedScores("tracin", model.index, embedding, dots, k)).toEqual(
          topScores(model.index.ids, integerScores("tracin", tracinScores(model.index, embedding, dots)), k),
        );
      }
      const psi = preconditionQuery(model.index, pre, embedding);
      const psiDots = segmentDotsJs(model.index, psi);
      expect(topCombinedScores("influence", model.index, psi, psiDots, 8)).toEqual(
        topScores(model.index.ids, integerScores("influence", influenceScores(model.index, psi, psiDots)), 8),
      );
    }
    await attributor.release();
  });
});
