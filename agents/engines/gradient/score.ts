/**
 * Scoring a query embedding against every row of the index.
 *
 *   segment dots   D[i, s] = Σ_k v_q[k] · v_i[k] over segment s: int8 × int8 summed in int32, exact
 *                  (|D| ≤ 127² · 8192 < 2^31). Kernel: ONNX Runtime MatMulInteger (index [n, dims] ×
 *                  masked query [dims, S]) or the typed-array loop (the reference; both are tested equal).
 *   TracIn         score_i = Σ_s D[i, s] · 2^(e_i,s + e_q,s − m), m = min_i,s e_i,s + min_s e_q,s (a factor
 *                  common to every row): integers scaled by powers of two, summed in float64 in segment
 *                  order — exact while below 2^53 (|D| < 2^27, so a spread of exponents up to 26 − log2 S), deterministic always.
 *   DataInf        per layer l on the final checkpoint (G_i = v_i · 2^e_i, λ_l from the index header):
 *                    c_i = (v_q·G_i) / (λ_l + |G_i|²),  r = (1/n) Σ_i c_i G_i
 *                    score_i = Σ_l (1/λ_l) (v_q·G_i − r·G_i)
 *                  float64 over the integer index in a fixed order (IEEE-754 + − × ÷ only, no
 *                  transcendental functions), so bit-identical on every platform.
 * Positive score = the training example pushed the model toward this answer (a proponent).
 */
import * as ort from "onnxruntime-node";
import { encodeModel, model, node, valueInfo } from "../../onnx/graph.ts";
import { type Embedding, finalSegments, type GradientIndex } from "./gradient-index.ts";
import { WasmKernel } from "./kernel.ts";
import { toInt8 } from "./quantize.ts";

export type Method = "tracin" | "datainf" | "influence";

/** The methods, the shipped default first. */
export const METHODS: ReadonlyArray<Method> = ["influence", "tracin", "datainf"];

/** The query as a [dims, S] matrix: column s holds the query's segment s, zeros elsewhere. */
export const maskedQuery = (index: GradientIndex, query: Embedding): Int8Array => {
  const { dims, segments } = index.header;
  const S = segments.length;
  const out = new Int8Array(dims * S);
  segments.forEach((seg, s) => {
    for (let k = seg.offset; k < seg.offset + seg.dims; k++) out[k * S + s] = query.vector[k]!;
  });
  return out;
};

/** The reference kernel: plain typed-array loops. */
export const segmentDotsJs = (index: GradientIndex, query: Embedding): Int32Array => {
  const { dims, count, segments } = index.header;
  const S = segments.length;
  const out = new Int32Array(count * S);
  const v = index.vectors;
  const q = query.vector;
  for (let i = 0; i < count; i++) {
    const row = i * dims;
    for (let s = 0; s < S; s++) {
      const seg = segments[s]!;
      let sum = 0;
      for (let k = seg.offset, end = seg.offset + seg.dims; k < end; k++) sum += v[row + k]! * q[k]!;
      out[i * S + s] = sum;
    }
  }
  return out;
};

const scorerModel = encodeModel(
  model({
    name: "poa-int8-scorer",
    inputs: [valueInfo("index", "int8", ["n", "dims"]), valueInfo("query", "int8", ["dims", "s"])],
    outputs: [valueInfo("dots", "int32", ["n", "s"])],
    nodes: [node("MatMulInteger", ["index", "query"], ["dots"])],
  }),
);

/**
 * The two exact integer primitives every method runs on (the index's int8 rows v_i, width = dims):
 *   rowDots     [n, m] int32: v_i · column j of cols ([width, m] int8) — the segment dots, DataInf's r·G_i
 *   columnSums  [m, width]: Σ_i rows[j, i] · v_i (rows [m, n] int8), exact integers as float64 — DataInf's r
 * Both kernels (typed arrays, ONNX Runtime MatMulInteger) return identical integers.
 */
export interface IntKernel {
  readonly rowDots: (index: GradientIndex, cols: Int8Array, m: number) => Promise<Int32Array>;
  readonly columnSums: (index: GradientIndex, rows: Int8Array, m: number) => Promise<Float64Array>;
}

export const jsKernel: IntKernel = {
  rowDots: async (index, cols, m) => {
    const { dims, count } = index.header;
    const out = new Int32Array(count * m);
    const v = index.vectors;
    const acc = new Int32Array(m);
    for (let i = 0; i < count; i++) {
      acc.fill(0);
      const row = i * dims;
      for (let k = 0; k < dims; k++) {
        const x = v[row + k]!;
        if (x === 0) continue;
        for (let j = 0; j < m; j++) acc[j]! += x * cols[k * m + j]!;
      }
      out.set(acc, i * m);
    }
    return out;
  },
  columnSums: async (index, rows, m) => {
    const { dims, count } = index.header;
    const out = new Float64Array(m * dims);
    const v = index.vectors;
    for (let i = 0; i < count; i++) {
      const row = i * dims;
      for (let j = 0; j < m; j++) {
        const a = rows[j * count + i]!;
        if (a === 0) continue;
        const at = j * dims;
        for (let k = 0; k < dims; k++) out[at + k]! += a * v[row + k]!;
      }
    }
    return out;
  },
};

/** Rows per block of columnSums (each block's int32 sums stay below 4096 · 128 · 127 < 2^31). */
const COLUMN_BLOCK = 4096;

const batchedScorerModel = encodeModel(
  model({
    name: "poa-int8-column-sums",
    inputs: [valueInfo("index", "int8", ["b", "m", "k"]), valueInfo("query", "int8", ["b", "k", "dims"])],
    outputs: [valueInfo("dots", "int32", ["b", "m", "dims"])],
    nodes: [node("MatMulInteger", ["index", "query"], ["dots"])],
  }),
);

/**
 * The native kernel: MatMulInteger over the whole index (column sums in row blocks). Both primitives run
 * on the wasm SIMD kernel of kernel.ts instead (issue 19: row dots ~15× fewer CPU ms than MatMulInteger's
 * int8 GEMV at 1M × 1024, same integers) unless `rowKernel` is "ort" or the index does not fit a wasm
 * memory.
 */
export class OrtScorer implements IntKernel {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly batched: ort.InferenceSession,
    private readonly columnBlock: number,
    private readonly wasm: WasmKernel | undefined,
  ) {}

  /** `columnBlock`: rows per block of columnSums (at most COLUMN_BLOCK; smaller only in tests). */
  static async create(threads = 1, columnBlock = COLUMN_BLOCK, rowKernel: "wasm" | "ort" = "wasm"): Promise<OrtScorer> {
    const options = { intraOpNumThreads: threads, interOpNumThreads: 1 };
    return new OrtScorer(
      await ort.InferenceSession.create(scorerModel, options),
      await ort.InferenceSession.create(batchedScorerModel, options),
      Math.max(1, Math.min(COLUMN_BLOCK, columnBlock)),
      rowKernel === "wasm" ? WasmKernel.create(threads) : undefined,
    );
  }

  private async matmul(a: Int8Array, aShape: number[], b: Int8Array, bShape: number[]) {
    const out = await (aShape.length === 3 ? this.batched : this.session).run({
      index: new ort.Tensor("int8", a, aShape),
      query: new ort.Tensor("int8", b, bShape),
    });
    const dots = out.dots?.data;
    const expected = aShape.slice(0, -1).reduce((x, y) => x * y, 1) * bShape.at(-1)!;
    if (!(dots instanceof Int32Array) || dots.length !== expected) {
      throw new Error("scorer: unexpected output");
    }
    return dots;
  }

  rowDots = async (index: GradientIndex, cols: Int8Array, m: number): Promise<Int32Array> => {
    if (this.wasm !== undefined && WasmKernel.fits(index)) return this.wasm.rowDots(index, cols, m);
    const { dims, count } = index.header;
    return this.matmul(index.vectors, [count, dims], cols, [dims, m]);
  };

  /**
   * As a batch of small products (rows in blocks of `columnBlock`, one MatMulInteger over [B, m, block] ×
   * [B, block, dims], the index viewed in place), then the ragged tail; block results added in float64.
   */
  columnSums = async (index: GradientIndex, rows: Int8Array, m: number): Promise<Float64Array> => {
    if (this.wasm !== undefined && WasmKernel.fits(index)) return this.wasm.columnSums(index, rows, m);
    const { dims, count } = index.header;
    const out = new Float64Array(m * dims);
    const blk = this.columnBlock;
    const B = Math.floor(count / blk);
    const add = (sums: Int32Array) => {
      for (let b = 0; b < sums.length; b += m * dims) {
        for (let k = 0; k < m * dims; k++) out[k]! += sums[b + k]!;
      }
    };
    if (B > 0) {
      const a = new Int8Array(B * m * blk);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < m; j++)
          a.set(rows.subarray(j * count + b * blk, j * count + (b + 1) * blk), (b * m + j) * blk);
      }
      add(await this.matmul(a, [B, m, blk], index.vectors.subarray(0, B * blk * dims), [B, blk, dims]));
    }
    const tail = count - B * blk;
    if (tail > 0) {
      const a = new Int8Array(m * tail);
      for (let j = 0; j < m; j++) a.set(rows.subarray(j * count + B * blk, (j + 1) * count), j * tail);
      add(await this.matmul(a, [m, tail], index.vectors.subarray(B * blk * dims, count * dims), [tail, dims]));
    }
    return out;
  };

  async segmentDots(index: GradientIndex, query: Embedding): Promise<Int32Array> {
    if (this.wasm !== undefined && WasmKernel.fits(index)) return this.wasm.segmentDots(index, query);
    return this.rowDots(index, maskedQuery(index, query), index.header.segments.length);
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.batched.release();
    await this.wasm?.release();
  }
}

const minExponent = new WeakMap<Uint8Array, number>();

/** The least exponent of an index (a factor common to every score, dropped to keep sums exact). */
const indexMinExponent = (index: GradientIndex): number => {
  let m = minExponent.get(index.exponents);
  if (m === undefined) {
    m = 255;
    for (const e of index.exponents) m = Math.min(m, e);
    minExponent.set(index.exponents, m);
  }
  return m;
};

/**
 * Per segment, whether any index row is nonzero there (committed data only; the scan stops at the first
 * nonzero value, so it is one pass over a segment only when that segment is all zero): such a segment adds
 * nothing to any score, and its fixed point (64 bits when the layer's gradient is 0) must not set the
 * common factor.
 */
const liveSegments = new WeakMap<Int8Array, Uint8Array>();
const indexLiveSegments = (index: GradientIndex): Uint8Array => {
  let live = liveSegments.get(index.vectors);
  if (live === undefined) {
    const { dims, count, segments } = index.header;
    const found = new Uint8Array(segments.length);
    const v = index.vectors;
    segments.forEach((seg, s) => {
      for (let i = 0, row = seg.offset; i < count && found[s] === 0; i++, row += dims) {
        for (let k = row, end = row + seg.dims; k < end; k++) {
          if (v[k] !== 0) {
            found[s] = 1;
            break;
          }
        }
      }
    });
    live = found;
    liveSegments.set(index.vectors, live);
  }
  return live;
};

/**
 * The lookup table of Σ_s D[i, s] · 2^(e_i,s + e_q,s − u_s − base): segment dots put back on one scale, u_s
 * undoing what the two embeddings' fixed points multiplied segment s by, base the least exponent (a factor
 * common to every row, dropped: scoresToWeights is scale-free, and each sum stays an exact integer below
 * 2^53). powers[s * 256 + e] = 2^(e + e_q,s − u_s − base), exact powers of two; undefined when no segment
 * of the index has a nonzero row (every score is 0).
 */
const segmentPowers = (
  index: GradientIndex,
  query: Embedding,
  unscale: ArrayLike<number> | undefined,
): Float64Array | undefined => {
  const S = index.header.segments.length;
  // without unscaling (influence) the common factor is the one this engine has always dropped
  const live = unscale === undefined ? new Uint8Array(S).fill(1) : indexLiveSegments(index);
  const u = unscale ?? new Float64Array(S);
  let qMin = Number.POSITIVE_INFINITY;
  for (let s = 0; s < S; s++) if (live[s]) qMin = Math.min(qMin, query.exponents[s]! - u[s]!);
  if (qMin === Number.POSITIVE_INFINITY) return undefined;
  const base = indexMinExponent(index) + qMin;
  const powers = new Float64Array(S * 256);
  for (let s = 0; s < S; s++) {
    if (!live[s]) continue;
    for (let e = 0; e < 256; e++) powers[s * 256 + e] = 2 ** (e + query.exponents[s]! - u[s]! - base);
  }
  return powers;
};

const combineSegmentDots = (
  index: GradientIndex,
  query: Embedding,
  dots: Int32Array,
  unscale: ArrayLike<number> | undefined,
): Float64Array => {
  const { count, segments } = index.header;
  const S = segments.length;
  const out = new Float64Array(count);
  const powers = segmentPowers(index, query, unscale);
  if (powers === undefined) return out;
  const exps = index.exponents;
  for (let i = 0, at = 0; i < count; i++) {
    let score = 0;
    for (let s = 0; s < S; s++, at++) {
      const d = dots[at]!;
      if (d !== 0) score += d * powers[s * 256 + exps[at]!]!;
    }
    out[i] = score;
  }
  return out;
};

/** What TracIn undoes per segment: 2·F_s (see tracinScores). */
const tracinUnscale = (index: GradientIndex) => index.header.segments.map((seg) => 2 * seg.fracBits);

/**
 * TracIn: score_i = Σ_s ⟨g_q, g_i⟩ over segments (checkpoints × layers). Both embeddings of segment s are
 * its projected gradient times 2^F_s (the segment's fixed point, `fracBits`), so the integer dot is
 * 2^(2·F_s) times the segment's term: each is divided back, Σ_s D[i, s] · 2^(e_i,s + e_q,s − 2·F_s − m).
 */
export const tracinScores = (index: GradientIndex, query: Embedding, dots: Int32Array): Float64Array =>
  combineSegmentDots(index, query, dots, tracinUnscale(index));

/**
 * Influence's combination: ψ (preconditionQuery) is on one fixed-point grid for every segment, and
 * G_qᵀ F_s⁻¹ G_i does not depend on the segment's own fixed point (F_s scales as 2^(2·F_s), G_q and G_i as
 * 2^F_s), so the segment dots are combined as they are: Σ_s D[i, s] · 2^(e_i,s + e_ψ,s − m).
 */
export const influenceScores = (index: GradientIndex, psi: Embedding, dots: Int32Array): Float64Array =>
  combineSegmentDots(index, psi, dots, undefined);

/** Limbs of DataInf's fixed point: integers |x| ≤ 2^22 as balanced base-256 digits (hi, mid, lo). */
const LIMBS = 3;
const LIMB_BITS = 22;
/** Weight of limb p: 256^(LIMBS − 1 − p). */
const LIMB_WEIGHT = [65536, 256, 1] as const;

/** x an integer, |x| ≤ 2^22: int32 arithmetic is exact (two's complement & 255 is x mod 256). */
const limbsOf = (x: number, out: Int8Array, at: number, stride: number) => {
  let rest = x | 0;
  for (let p = LIMBS - 1; p >= 0; p--) {
    const digit = ((rest + 128) & 255) - 128;
    out[at + p * stride] = digit;
    rest = (rest - digit) >> 8;
  }
};

/** 2^e for every uint8 exponent. */
const POW2 = Float64Array.from({ length: 256 }, (_, e) => 2 ** e);

/** The largest K in [-1100, 1100] with max · 2^K ≤ 2^LIMB_BITS (0 when max is 0). */
const gridBits = (max: number) => {
  if (!(max > 0)) return 0;
  let k = 0;
  while (max * 2 ** k > 2 ** LIMB_BITS && k > -1100) k--;
  while (max * 2 ** (k + 1) <= 2 ** LIMB_BITS && k < 1100) k++;
  return k;
};

/**
 * DataInf (docs/gradient-engine.md) on the integer kernel: three passes over the index, each an exact
 * integer matrix product (kernel.rowDots / columnSums, so ONNX Runtime or typed arrays give the same
 * integers): the query dots (given), r = Σ_i c_i G_i with the coefficients c_i·2^e_i/n on a 22-bit
 * fixed-point grid (rounded), and r·G_i with r on a 22-bit grid. Everything else is float64 in a fixed
 * order, so the scores are identical on every platform; the two roundings change a score by about 2^-22
 * of the largest, against the unrounded closed form.
 */
export const datainfScores = async (
  index: GradientIndex,
  query: Embedding,
  dots: Int32Array,
  kernel: IntKernel = jsKernel,
): Promise<Float64Array> => {
  const { count: n, segments, lambdas, dims: width } = index.header;
  const S = segments.length;
  const finals = finalSegments(index.header);
  const L = finals.length;
  const m = LIMBS * L;
  // pass 2: coefficients on the grid, as limbs [m, n]
  const coefLimbs = new Int8Array(m * n);
  const coefBits: number[] = [];
  finals.forEach((s, l) => {
    const qScale = 2 ** query.exponents[s]!;
    const coef = new Float64Array(n);
    let max = 0;
    const lambda = lambdas[l]!;
    for (let i = 0; i < n; i++) {
      const d = dots[i * S + s]!;
      if (d === 0) continue;
      const g = POW2[index.exponents[i * S + s]!]!;
      const c = (d * qScale * g) / (lambda + index.norms[i * S + s]! * g * g);
      const v = (c * g) / n;
      coef[i] = v;
      const a = v < 0 ? -v : v;
      if (a > max) max = a;
    }
    const K = gridBits(max);
    coefBits.push(K);
    const scale = 2 ** K;
    for (let i = 0; i < n; i++) {
      if (coef[i] !== 0) limbsOf(Math.round(coef[i]! * scale), coefLimbs, l * LIMBS * n + i, n);
    }
  });
  const sums = await kernel.columnSums(index, coefLimbs, m);
  // pass 3: r per layer (exact integer R = r · 2^K), on a grid, as limbs in the columns [width, m]
  const rCols = new Int8Array(width * m);
  const rBits: number[] = [];
  finals.forEach((s, l) => {
    const seg = segments[s]!;
    const R = new Float64Array(seg.dims);
    let max = 0;
    for (let k = 0; k < seg.dims; k++) {
      let v = 0;
      for (let p = 0; p < LIMBS; p++) v += sums[(l * LIMBS + p) * width + seg.offset + k]! * LIMB_WEIGHT[p]!;
      R[k] = v;
      max = Math.max(max, Math.abs(v));
    }
    const J = gridBits(max);
    rBits.push(J);
    for (let k = 0; k < seg.dims; k++) limbsOf(Math.round(R[k]! * 2 ** J), rCols, (seg.offset + k) * m + l * LIMBS, 1);
  });
  const rDots = await kernel.rowDots(index, rCols, m);
  const out = new Float64Array(n);
  finals.forEach((s, l) => {
    const lambda = lambdas[l]!;
    const qScale = 2 ** query.exponents[s]!;
    const unscale = 2 ** -(coefBits[l]! + rBits[l]!);
    for (let i = 0; i < n; i++) {
      const at = i * m + l * LIMBS;
      const rDot = rDots[at]! * 65536 + rDots[at + 1]! * 256 + rDots[at + 2]!;
      const g = POW2[index.exponents[i * S + s]!]!;
      out[i]! += (g * (dots[i * S + s]! * qScale - rDot * unscale)) / lambda;
    }
  });
  return out;
};

/**
 * Integer scores for the protocol, as integral float64 values: TracIn's are already integers; DataInf's
 * are put on a fixed-point grid relative to the best score, floor(score / best · 2^40). Non-positive → 0.
 */
export const integerScores = (method: Method, scores: Float64Array): Float64Array => {
  const out = new Float64Array(scores.length);
  if (method !== "datainf") {
    for (let i = 0; i < scores.length; i++) out[i] = scores[i]! > 0 ? scores[i]! : 0;
    return out;
  }
  let best = 0;
  for (const s of scores) best = Math.max(best, s);
  if (best > 0) {
    for (let i = 0; i < scores.length; i++) out[i] = scores[i]! > 0 ? Math.floor((scores[i]! / best) * 2 ** 40) : 0;
  }
  return out;
};

export interface ScoredRow {
  readonly row: number;
  readonly contributionId: bigint;
  readonly score: bigint;
}

/**
 * The k best rows with a positive integer score, best first; ties by lower contribution id then lower
 * row — scoresToWeights' order, so its result over these k equals its result over all rows.
 * One linear scan with a k-slot insertion buffer.
 */
export const topScores = (ids: BigUint64Array, scores: Float64Array, k: number): ScoredRow[] => {
  const rows: number[] = [];
  const better = (a: number, b: number) =>
    scores[a]! !== scores[b]! ? scores[a]! > scores[b]! : ids[a]! !== ids[b]! ? ids[a]! < ids[b]! : a < b;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (!(score > 0)) continue;
    // most rows lose to the k-th best on the score alone: skip them without the tie-break (issue 19)
    if (rows.length === k && (score < scores[rows[k - 1]!]! || !better(i, rows[k - 1]!))) continue;
    let at = rows.length === k ? k - 1 : rows.length;
    while (at > 0 && better(i, rows[at - 1]!)) {
      rows[at] = rows[at - 1]!;
      at--;
    }
    rows[at] = i;
    if (rows.length > k) rows.length = k;
  }
  return rows.map((row) => ({ row, contributionId: ids[row]!, score: BigInt(scores[row]!) }));
};

/** One row's combination over S segments, in segment order (as combineSegmentDots). */
const rowScore = (dots: Int32Array, exps: Uint8Array, powers: Float64Array, at: number, S: number): number => {
  let score = 0;
  for (let s = 0; s < S; s++) {
    const d = dots[at + s]!;
    if (d !== 0) score += d * powers[s * 256 + exps[at + s]!]!;
  }
  return score;
};

/** A later row (score a, id ia) beats an earlier one (b, ib): higher score, else lower id (else the earlier row). */
const beats = (a: number, ia: bigint, b: number, ib: bigint): boolean => (a !== b ? a > b : ia < ib);

/**
 * TracIn's (or influence's) query after the dots in one pass (issue 19): the combination of
 * tracinScores / influenceScores, integerScores' "non-positive → 0" and topScores' selection fused — one
 * scan over the int32 dots and uint8 exponents, a k-slot buffer in typed arrays, nothing allocated per
 * row, BigInt only to break an exact tie on the score (ids) and for the k results. Identical to
 * topScores(ids, integerScores(method, combination), k) (tested against it). `excluded[row]` ≠ 0: that
 * row's score is taken as 0 (the engine's withdrawn contributions).
 */
export const topCombinedScores = (
  method: "tracin" | "influence",
  index: GradientIndex,
  query: Embedding,
  dots: Int32Array,
  k: number,
  excluded?: Uint8Array,
): ScoredRow[] => {
  const { count, segments } = index.header;
  const S = segments.length;
  const powers = segmentPowers(index, query, method === "tracin" ? tracinUnscale(index) : undefined);
  if (powers === undefined || k <= 0) return [];
  const ids = index.ids;
  const exps = index.exponents;
  // best first: topRows[0..size) rows, topScore their scores; bar = the k-th best once full
  const topRows = new Int32Array(k);
  const topScore = new Float64Array(k);
  let size = 0;
  let bar = 0;
  for (let i = 0, at = 0; i < count; i++, at += S) {
    const score = S === 1 ? dots[at]! * powers[exps[at]!]! : rowScore(dots, exps, powers, at, S);
    // bar is 0 until k rows are in, then the k-th best: most rows fail the first test alone (predictable)
    if (score < bar || !(score > 0)) continue;
    if (excluded !== undefined && excluded[i] !== 0) continue;
    if (size === k && !beats(score, ids[i]!, topScore[k - 1]!, ids[topRows[k - 1]!]!)) continue;
    let j = size === k ? k - 1 : size++;
    while (j > 0 && beats(score, ids[i]!, topScore[j - 1]!, ids[topRows[j - 1]!]!)) {
      topRows[j] = topRows[j - 1]!;
      topScore[j] = topScore[j - 1]!;
      j--;
    }
    topRows[j] = i;
    topScore[j] = score;
    if (size === k) bar = topScore[k - 1]!;
  }
  const out: ScoredRow[] = [];
  for (let j = 0; j < size; j++) {
    out.push({ row: topRows[j]!, contributionId: ids[topRows[j]!]!, score: BigInt(topScore[j]!) });
  }
  return out;
};

/**
 * Influence with the projected empirical Fisher (LoGra / TRAK style): per segment s (checkpoint, layer),
 * F_s = (1/n) Σ_i G_i G_iᵀ + λ_s I over the index's own rows (G_i = v_i · 2^e_i, dequantized, so F is a
 * deterministic function of the committed rows), λ_s = INFLUENCE_DAMPING · trace(F)/dims; the score is
 * Σ_s G_qᵀ F_s⁻¹ G_i. Inverting the curvature is what removes the bias term's dominance: the bias
 * gradient δ is shared by every row, so F has a large eigenvalue along it and F⁻¹ shrinks it, leaving
 * the content (x ⊗ δ) directions. The query side is preconditioned: ψ_s = F_s⁻¹ G_q,s (float64,
 * Cholesky, fixed order: + − × ÷ and sqrt only, correctly rounded, so identical on every platform),
 * put on a common fixed-point grid (max |ψ| · 2^F ≤ 2^24, F shared by all segments, rounded) and
 * turned into int8 with the usual row scaling; the integer dots with the index rows are then combined
 * exactly like TracIn's. The score is invariant to each segment's fixed-point scale.
 */
export const INFLUENCE_DAMPING = 20;

/**
 * Per segment, what solves (F_s + λ_s I) ψ = G_q: with n ≥ dims the lower Cholesky factor of
 * F_s + λ_s I ("primal", dims × dims); with n < dims (Woodbury) the Cholesky factor of nλ_s I + Φ Φᵀ
 * ("dual", n × n; Φ = the segment's dequantized rows), ψ = (G_q − Φᵀ (nλ I + ΦΦᵀ)⁻¹ Φ G_q) / λ —
 * the same ψ with fewer operations. The choice depends only on (n, dims), so every node makes it alike.
 */
export type Preconditioner = ReadonlyArray<{
  readonly kind: "primal" | "dual";
  readonly L: Float64Array;
  readonly lambda: number;
}>;

/** In-place Cholesky of a symmetric positive definite d × d matrix (lower triangle used and written). */
const cholesky = (F: Float64Array, d: number) => {
  for (let j = 0; j < d; j++) {
    let diag = F[j * d + j]!;
    for (let k = 0; k < j; k++) diag -= F[j * d + k]! * F[j * d + k]!;
    const ljj = Math.sqrt(diag);
    F[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let v = F[i * d + j]!;
      for (let k = 0; k < j; k++) v -= F[i * d + k]! * F[j * d + k]!;
      F[i * d + j] = v / ljj;
    }
  }
};

/** Solves L Lᵀ y = b in place (L lower, row-major d × d). */
const choleskySolve = (L: Float64Array, d: number, y: Float64Array) => {
  for (let i = 0; i < d; i++) {
    let v = y[i]!;
    for (let k = 0; k < i; k++) v -= L[i * d + k]! * y[k]!;
    y[i] = v / L[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let v = y[i]!;
    for (let k = i + 1; k < d; k++) v -= L[k * d + i]! * y[k]!;
    y[i] = v / L[i * d + i]!;
  }
};

/** Row i of segment s, dequantized (v_i · 2^e_i), into `g`. */
const dequantized = (index: GradientIndex, s: number, i: number, g: Float64Array) => {
  const { dims: width, segments } = index.header;
  const seg = segments[s]!;
  const scale = 2 ** index.exponents[i * segments.length + s]!;
  const row = i * width + seg.offset;
  for (let k = 0; k < seg.dims; k++) g[k] = index.vectors[row + k]! * scale;
};

export const fisherPreconditioner = (index: GradientIndex, damping = INFLUENCE_DAMPING): Preconditioner => {
  const { count: n, segments } = index.header;
  return segments.map((seg, s) => {
    const d = seg.dims;
    const rows = Array.from({ length: n }, (_, i) => {
      const g = new Float64Array(d);
      dequantized(index, s, i, g);
      return g;
    });
    let trace = 0;
    for (const g of rows) for (let k = 0; k < d; k++) trace += g[k]! * g[k]!;
    const lambda = (damping * trace) / (n * d) || 1;
    if (n < d) {
      const K = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        const gi = rows[i]!;
        for (let j = 0; j <= i; j++) {
          const gj = rows[j]!;
          let dot = 0;
          for (let k = 0; k < d; k++) dot += gi[k]! * gj[k]!;
          K[i * n + j] = dot + (i === j ? n * lambda : 0);
        }
      }
      cholesky(K, n);
      return { kind: "dual", L: K, lambda };
    }
    const F = new Float64Array(d * d);
    for (const g of rows) {
      for (let k = 0; k < d; k++) {
        const gk = g[k]!;
        if (gk === 0) continue;
        const at = k * d;
        for (let l = 0; l <= k; l++) F[at + l]! += gk * g[l]!;
      }
    }
    for (let k = 0; k < d; k++) {
      for (let l = 0; l <= k; l++) F[k * d + l] = F[k * d + l]! / n + (k === l ? lambda : 0);
    }
    cholesky(F, d);
    return { kind: "primal", L: F, lambda };
  });
};

/** ψ = F⁻¹ G_q per segment, on the integer grid and as int8 (see INFLUENCE_DAMPING). */
export const preconditionQuery = (index: GradientIndex, pre: Preconditioner, query: Embedding): Embedding => {
  const { dims: width, segments } = index.header;
  const n = index.header.count;
  const psi = segments.map((seg, s) => {
    const d = seg.dims;
    const { kind, L, lambda } = pre[s]!;
    const scale = 2 ** query.exponents[s]!;
    const x = Float64Array.from({ length: d }, (_, k) => query.vector[seg.offset + k]! * scale);
    if (kind === "primal") {
      choleskySolve(L, d, x);
      return x;
    }
    const g = new Float64Array(d);
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      dequantized(index, s, i, g);
      let dot = 0;
      for (let k = 0; k < d; k++) dot += g[k]! * x[k]!;
      z[i] = dot;
    }
    choleskySolve(L, n, z);
    const y = Float64Array.from(x);
    for (let i = 0; i < n; i++) {
      dequantized(index, s, i, g);
      const c = z[i]!;
      for (let k = 0; k < d; k++) y[k]! -= g[k]! * c;
    }
    for (let k = 0; k < d; k++) y[k] = y[k]! / lambda;
    return y;
  });
  let max = 0;
  for (const y of psi) for (const v of y) max = Math.max(max, Math.abs(v));
  let frac = 0;
  if (max > 0) {
    while (max * 2 ** frac > 2 ** 24) frac--;
    while (max * 2 ** (frac + 1) <= 2 ** 24) frac++;
  }
  const vector = new Int8Array(width);
  const exponents = new Uint8Array(segments.length);
  segments.forEach((seg, s) => {
    const p = Float64Array.from(psi[s]!, (v) => Math.round(v * 2 ** frac));
    exponents[s] = toInt8(p, vector, seg.offset);
  });
  return { vector, exponents };
};
