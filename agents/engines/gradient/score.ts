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

export type Method = "tracin" | "datainf";

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

/** The ONNX Runtime kernel: one MatMulInteger over the whole index. */
export class OrtScorer {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(threads = 1): Promise<OrtScorer> {
    return new OrtScorer(
      await ort.InferenceSession.create(scorerModel, { intraOpNumThreads: threads, interOpNumThreads: 1 }),
    );
  }

  async segmentDots(index: GradientIndex, query: Embedding): Promise<Int32Array> {
    const { dims, count, segments } = index.header;
    const S = segments.length;
    const out = await this.session.run({
      index: new ort.Tensor("int8", index.vectors, [count, dims]),
      query: new ort.Tensor("int8", maskedQuery(index, query), [dims, S]),
    });
    const dots = out.dots?.data;
    if (!(dots instanceof Int32Array) || dots.length !== count * S) throw new Error("scorer: unexpected output");
    return dots;
  }

  async release(): Promise<void> {
    await this.session.release();
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

export const tracinScores = (index: GradientIndex, query: Embedding, dots: Int32Array): Float64Array => {
  const { count, segments } = index.header;
  const S = segments.length;
  const out = new Float64Array(count);
  // 2^(base) is common to all rows: dropping it leaves the weights unchanged (scoresToWeights is
  // scale-free) and keeps each sum an exact integer while it stays below 2^53.
  const base = indexMinExponent(index) + Math.min(...query.exponents);
  // powers[s * 256 + e] = 2^(e + e_q,s − base): exact powers of two, looked up instead of computed
  const powers = new Float64Array(S * 256);
  for (let s = 0; s < S; s++) {
    for (let e = 0; e < 256; e++) powers[s * 256 + e] = 2 ** (e + query.exponents[s]! - base);
  }
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

export const datainfScores = (index: GradientIndex, query: Embedding, dots: Int32Array): Float64Array => {
  const { count: n, segments, lambdas } = index.header;
  const S = segments.length;
  const out = new Float64Array(n);
  finalSegments(index.header).forEach((s, l) => {
    const seg = segments[s]!;
    const lambda = lambdas[l]!;
    const qScale = 2 ** query.exponents[s]!;
    // r = (1/n) Σ_i c_i G_i, accumulated over rows in order
    const r = new Float64Array(seg.dims);
    for (let i = 0; i < n; i++) {
      const d = dots[i * S + s]!;
      if (d === 0) continue;
      const g = 2 ** index.exponents[i * S + s]!;
      const c = (d * qScale * g) / (lambda + index.norms[i * S + s]! * g * g);
      const coef = (c * g) / n;
      const row = i * index.header.dims + seg.offset;
      for (let k = 0; k < seg.dims; k++) r[k]! += coef * index.vectors[row + k]!;
    }
    for (let i = 0; i < n; i++) {
      const row = i * index.header.dims + seg.offset;
      let rDot = 0;
      for (let k = 0; k < seg.dims; k++) rDot += r[k]! * index.vectors[row + k]!;
      const g = 2 ** index.exponents[i * S + s]!;
      out[i]! += (g * (dots[i * S + s]! * qScale - rDot)) / lambda;
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
  if (method === "tracin") {
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
    if (!(scores[i]! > 0)) continue;
    if (rows.length === k && !better(i, rows[k - 1]!)) continue;
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
