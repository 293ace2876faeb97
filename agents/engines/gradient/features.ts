/**
 * Hashed bag-of-words features, the input of every gradient model here.
 *
 *   tokens    lowercase the text, split on every character outside [a-z0-9], keep tokens of 2..32 chars
 *   bucket    FNV-1a (32-bit) over the token's ASCII bytes, masked to `buckets` (a power of two)
 *   value     log(1 + count) per bucket, then the row is scaled to unit L2 norm (an empty text is all zeros)
 *
 * Features are float32 (the model's input); they are the same on every platform because the
 * operations are IEEE-754 float64 (Math.log1p/Math.sqrt in V8's fdlibm port) rounded once to float32.
 */

export interface FeatureConfig {
  /** Number of hash buckets, a power of two between 2^8 and 2^16. */
  readonly buckets: number;
}

export const DEFAULT_FEATURES: FeatureConfig = { buckets: 4096 };

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit over a string's char codes (tokens here are ASCII [a-z0-9]). */
export const fnv1a = (token: string): number => {
  let h = FNV_OFFSET;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i) & 0xff;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
};

export const tokenize = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length >= 2 && t.length <= 32);

export const isValidBuckets = (buckets: number): boolean =>
  Number.isInteger(buckets) && buckets >= 256 && buckets <= 65536 && (buckets & (buckets - 1)) === 0;

/** Sparse features: sorted bucket indices and their values. */
export interface SparseRow {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export const featurizeSparse = (text: string, config: FeatureConfig = DEFAULT_FEATURES): SparseRow => {
  if (!isValidBuckets(config.buckets)) throw new RangeError(`buckets must be a power of two in [256, 65536]`);
  const mask = config.buckets - 1;
  const counts = new Map<number, number>();
  for (const token of tokenize(text)) {
    const bucket = fnv1a(token) & mask;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const raw = Array.from(indices, (i) => Math.log1p(counts.get(i) ?? 0));
  let norm = 0;
  for (const v of raw) norm += v * v;
  norm = Math.sqrt(norm);
  return { indices, values: Float32Array.from(raw, (v) => (norm > 0 ? v / norm : 0)) };
};

/** Dense features for a batch: row-major [texts.length, buckets]. */
export const featurizeBatch = (
  texts: ReadonlyArray<string>,
  config: FeatureConfig = DEFAULT_FEATURES,
): Float32Array => {
  const out = new Float32Array(texts.length * config.buckets);
  texts.forEach((text, row) => {
    const { indices, values } = featurizeSparse(text, config);
    for (let k = 0; k < indices.length; k++) out[row * config.buckets + indices[k]!] = values[k]!;
  });
  return out;
};
