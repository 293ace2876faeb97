/**
 * From a float gradient to the integer embedding the index stores and the chain could recompute.
 * Only step 1 touches floats; every later step is exact integer arithmetic (docs/gradient-engine.md,
 * "Quantization rule").
 *
 *  1. fixed point   q_j = round(g_j · 2^F), clamped to ±2^24, F fixed per segment at index build
 *                   (the largest F with max_train |g_j| · 2^F ≤ 2^24); round = Math.round (half up)
 *  2. projection    p = Rᵀ q, R ∈ {−1, +1}^{size × dims} from the seeded generator below; identity when
 *                   the layer has at most `dims` parameters. |p| ≤ 2^24 · size < 2^53: exact in float64
 *  3. row scaling   e = the least e ≥ 0 with shift(max |p|, e) ≤ 127; v = shift(p, e) ∈ [−127, 127] (int8),
 *                   shift(x, e) = sign(x) · floor((|x| + 2^(e−1)) / 2^e)  (half away from zero; shift(x,0) = x)
 *
 * A segment is one (checkpoint, layer) pair; a row's embedding is its segments' int8 vectors concatenated,
 * plus one exponent per segment: the segment's integer gradient is approximately v · 2^e.
 */

import { splitmix32 } from "./random.ts";

export const Q_LIMIT = 2 ** 24;
export const INT8_LIMIT = 127;

export interface Segment {
  readonly checkpoint: number;
  readonly layer: number;
  /** Offset and size of the layer in the flat gradient. */
  readonly paramOffset: number;
  readonly size: number;
  /** Offset and width of the segment in the embedding. */
  readonly offset: number;
  readonly dims: number;
  readonly fracBits: number;
}

/**
 * The Rademacher matrix of one layer, row-major [size, dims]: entry (j, k) is bit (t mod 32) of word
 * floor(t / 32) of splitmix32(seed + 0x9e3779b9 · layer), t = j·dims + k; bit 1 → +1, bit 0 → −1.
 */
export const rademacher = (seed: number, layer: number, size: number, dims: number): Int8Array => {
  const next = splitmix32((seed + Math.imul(0x9e3779b9, layer)) >>> 0);
  const out = new Int8Array(size * dims);
  let word = 0;
  for (let t = 0; t < out.length; t++) {
    if ((t & 31) === 0) word = next();
    out[t] = (word >>> (t & 31)) & 1 ? 1 : -1;
  }
  return out;
};

/** The largest F in [-64, 64] with maxAbs · 2^F ≤ 2^24 (64 when maxAbs is 0). */
export const fracBitsFor = (maxAbs: number): number => {
  if (!(maxAbs > 0)) return 64;
  let f = 64;
  while (f > -64 && maxAbs * 2 ** f > Q_LIMIT) f--;
  return f;
};

export const shift = (x: number, e: number): number => {
  if (e === 0) return x;
  const mag = Math.floor((Math.abs(x) + 2 ** (e - 1)) / 2 ** e);
  return x < 0 ? -mag : mag;
};

/** Step 3: the row exponent and int8 values of an exact-integer vector. */
export const toInt8 = (p: Float64Array, out: Int8Array, outOffset: number): number => {
  let max = 0;
  for (const x of p) max = Math.max(max, Math.abs(x));
  let e = 0;
  while (shift(max, e) > INT8_LIMIT) e++;
  for (let k = 0; k < p.length; k++) out[outOffset + k] = shift(p[k]!, e);
  return e;
};

/**
 * Steps 1–2 for one segment: the exact integer projection of the float gradient `grad` (one row,
 * the whole flat gradient) restricted to the segment's layer. `projection` is null for identity.
 */
export const projectSegment = (
  grad: Float32Array,
  gradOffset: number,
  segment: Segment,
  projection: Int8Array | null,
): Float64Array => {
  const p = new Float64Array(segment.dims);
  const scale = 2 ** segment.fracBits;
  const base = gradOffset + segment.paramOffset;
  for (let j = 0; j < segment.size; j++) {
    const g = grad[base + j]!;
    if (g === 0) continue;
    const q = Math.max(-Q_LIMIT, Math.min(Q_LIMIT, Math.round(g * scale)));
    if (q === 0) continue;
    if (projection === null) {
      p[j] = q;
    } else {
      const row = j * segment.dims;
      for (let k = 0; k < segment.dims; k++) p[k]! += q * projection[row + k]!;
    }
  }
  return p;
};
