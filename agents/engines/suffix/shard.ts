/**
 * One shard of the suffix index: whole contributions laid end to end, each followed by a 0x00
 * terminator, and the suffix array of every non-terminator position.
 *
 *   text   c_0 ‖ 0x00 ‖ c_1 ‖ 0x00 ‖ … ‖ c_{k-1} ‖ 0x00        (raw bytes, no normalisation)
 *   ends   position of each terminator, ascending (derived from the contribution lengths)
 *   sa     the non-terminator positions of `text`, sorted by their suffix, where a suffix stops
 *          at its contribution's terminator and a terminator sorts below every byte
 *
 * The terminator is a real 0x00 byte in `text`, but a content byte may also be 0x00, so the
 * search code asks `ends` before it lets a 0x00 end a comparison. That keeps matches inside
 * one contribution while the stored text stays one byte per corpus byte.
 */
import { suffixArray } from "./sais.ts";

export interface Shard {
  /** Index (in the index-wide contribution table) of this shard's first contribution. */
  readonly firstContribution: number;
  readonly text: Uint8Array;
  readonly ends: Uint32Array;
  readonly sa: Uint32Array;
  /**
   * Present when the arrays are filled lazily from an index file (format.ts): every read of
   * `text` or `sa` goes through it first, so only loaded and checked blocks are ever read.
   */
  readonly guard?: ShardGuard;
}

export interface ShardGuard {
  /** Loads and checks the block holding text position `p`; returns the end of that block. */
  readonly textAt: (p: number) => number;
  /** Makes text[from, to) readable. */
  readonly text: (from: number, to: number) => void;
  /** Makes sa[from, to) readable. */
  readonly sa: (from: number, to: number) => void;
}

/** Terminator positions for contributions of the given lengths laid out as in `text`. */
export const terminatorPositions = (lengths: ReadonlyArray<number>): Uint32Array => {
  const ends = new Uint32Array(lengths.length);
  let position = 0;
  for (let d = 0; d < lengths.length; d++) {
    position += lengths[d]!;
    ends[d] = position;
    position += 1;
  }
  return ends;
};

/** Lays contributions out as a shard text (each followed by its 0x00 terminator). */
export const layoutShardText = (contents: ReadonlyArray<Uint8Array>): Uint8Array => {
  const size = contents.reduce((sum, c) => sum + c.length + 1, 0);
  const text = new Uint8Array(size);
  let position = 0;
  for (const content of contents) {
    text.set(content, position);
    position += content.length + 1;
  }
  return text;
};

/**
 * Sorts the suffixes of a shard text. Symbols keep the byte order but make room below it: the
 * last terminator (the text's final byte) becomes the unique sentinel 0, every other terminator 1
 * (below every byte, including a content 0x00), and the bytes that occur map in order onto 2, 3, …
 * With at most 254 distinct bytes (any text corpus) the symbols fit in a byte, and the text is
 * rewritten into symbols **in place** for the sort and restored afterwards (no second copy of the
 * shard); otherwise a Uint16Array copy is sorted. The k terminator suffixes sort first and are
 * dropped. (While the sort runs the text holds symbols: nothing else may read it meanwhile.)
 */
export const sortShard = (text: Uint8Array, ends: Uint32Array, onStage?: (stage: 1 | 2) => void): Uint32Array => {
  const n = text.length;
  if (ends.length === 0 || ends[ends.length - 1] !== n - 1) throw new Error("a shard text ends with a terminator");
  const seen = new Uint8Array(256);
  for (let i = 0; i < n; i++) seen[text[i]!] = 1;
  // a terminator reads 0x00; a content 0x00 shows up at a non-terminator position
  seen[0] = 0;
  let contentZero = false;
  for (let i = 0, d = 0; i < n && !contentZero; i++) {
    if (d < ends.length && i === ends[d]!) d++;
    else if (text[i] === 0) contentZero = true;
  }
  if (contentZero) seen[0] = 1;
  const symbolOf = new Uint16Array(256);
  const byteOf = new Uint8Array(258);
  let alphabetSize = 2;
  for (let b = 0; b < 256; b++) {
    if (seen[b] === 1) {
      byteOf[alphabetSize] = b;
      symbolOf[b] = alphabetSize++;
    }
  }
  const inPlace = alphabetSize <= 256;
  const symbols = inPlace ? text : new Uint16Array(n);
  for (let i = 0; i < n; i++) symbols[i] = symbolOf[text[i]!]!;
  for (let d = 0; d < ends.length; d++) symbols[ends[d]!] = 1;
  symbols[n - 1] = 0;
  let sa: Int32Array;
  try {
    sa = suffixArray(symbols, alphabetSize, onStage);
  } finally {
    if (inPlace) {
      for (let i = 0; i < n; i++) text[i] = byteOf[text[i]!]!;
    }
  }
  const skip = ends.length;
  return new Uint32Array(sa.buffer, sa.byteOffset + skip * 4, sa.length - skip);
};

/** Whether `position` is a terminator (binary search over `ends`). */
const isTerminator = (ends: Uint32Array, position: number): boolean => {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const end = ends[mid]!;
    if (end === position) return true;
    if (end < position) lo = mid + 1;
    else hi = mid;
  }
  return false;
};

/** Extends a known common prefix of length `from` between suffix `p` and pattern[a, a + len). */
const extend = (shard: Shard, p: number, pattern: Uint8Array, a: number, from: number, len: number): number => {
  const { text, ends, guard } = shard;
  let l = from;
  let ready = guard === undefined || l >= len ? Number.POSITIVE_INFINITY : guard.textAt(p + l);
  while (l < len) {
    if (p + l >= ready) ready = guard!.textAt(p + l);
    const t = text[p + l]!;
    if (t !== pattern[a + l]) break;
    if (t === 0 && isTerminator(ends, p + l)) break;
    l++;
  }
  return l;
};

/**
 * The suffix-array range of every 2-byte prefix, per shard (keyed by its suffix array, which a
 * lazily opened shard shares with its plain form once checked), filled the first time a search
 * starts with that prefix: searches for patterns of ≥ 2 bytes then start inside that range with 2
 * bytes known to match, skipping the top steps of every binary search. Pure function of the index.
 */
const prefixBuckets = new WeakMap<Uint32Array, Int32Array>();
const UNKNOWN = -1;

/** [lo, hi) of the suffixes starting with pattern[a, a + 2) (a + 2 ≤ pattern.length). */
const bucket = (shard: Shard, pattern: Uint8Array, a: number): [number, number] => {
  let table = prefixBuckets.get(shard.sa);
  if (table === undefined) {
    table = new Int32Array(2 * 65_536).fill(UNKNOWN);
    prefixBuckets.set(shard.sa, table);
  }
  const key = 2 * ((pattern[a]! << 8) | pattern[a + 1]!);
  if (table[key] === UNKNOWN) {
    table[key] = bound(shard, pattern, a, 2, false, -1, shard.sa.length, 0);
    table[key + 1] = bound(shard, pattern, a, 2, true, table[key]! - 1, shard.sa.length, 0);
  }
  return [table[key]!, table[key + 1]!];
};

/**
 * The search sample of a shard: the first SAMPLE_BYTES bytes of every 2^SAMPLE_SHIFT-th suffix in
 * suffix order, as big-endian 32-bit words with the sign bit flipped (so signed comparison of
 * words orders them as bytes). A terminator and everything after it reads as 0 bytes, so the keys
 * never decrease along the suffix array. A search first narrows its range over these keys (one
 * compact array, no suffix-array indirection, no text read), then finishes with at most
 * 2^SAMPLE_SHIFT suffixes between two samples — fewer random reads into the 5-byte-per-byte index.
 * Pure function of the index; 12 bytes per 32 suffixes (0.375 bytes per corpus byte).
 */
export const SAMPLE_SHIFT = 5;
const SAMPLE_STEP = 1 << SAMPLE_SHIFT;
const SAMPLE_WORDS = 3;
const SAMPLE_BYTES = 4 * SAMPLE_WORDS;
const FLIP = 0x80000000 | 0;

interface Sample {
  readonly keys: Int32Array;
  /** Samples filled so far (a sample is used once it is complete). */
  built: number;
}

const samples = new WeakMap<Uint32Array, Sample>();
/** Keys whose text is touched ahead at once while building. */
const SAMPLE_BLOCK = 64;
/** Sum of the touched bytes, kept so the compiler cannot drop the touching loads. */
let touched = 0;
export const touchedSampleBytes = (): number => touched;
let samplesEnabled = true;

/** Turns the search sample off or on (benchmarks compare the search with and without it). */
export const setSearchSample = (enabled: boolean): void => {
  samplesEnabled = enabled;
};

/**
 * Fills up to `budget` more keys of the shard's search sample (a plain shard: no guard); true once
 * the sample is complete. The background pass of a lazily opened index calls this in steps; a
 * search on a plain shard without a sample builds it whole first.
 */
export const buildSearchSample = (shard: Shard, budget = Number.POSITIVE_INFINITY): boolean => {
  const { text, ends, sa } = shard;
  let sample = samples.get(sa);
  if (sample === undefined) {
    sample = { keys: new Int32Array(SAMPLE_WORDS * Math.ceil(sa.length / SAMPLE_STEP)), built: 0 };
    samples.set(sa, sample);
  }
  const { keys } = sample;
  const count = keys.length / SAMPLE_WORDS;
  const stop = Math.min(count, sample.built + budget);
  let sink = 0;
  for (let s = sample.built; s < stop; s++) {
    if ((s & (SAMPLE_BLOCK - 1)) === 0 || s === sample.built) {
      // touch the next block's text first: independent loads whose cache misses overlap
      const blockEnd = Math.min(stop, (s | (SAMPLE_BLOCK - 1)) + 1);
      for (let t = s; t < blockEnd; t++) sink += text[sa[t << SAMPLE_SHIFT]!]!;
    }
    const p = sa[s << SAMPLE_SHIFT]!;
    let word = 0;
    let ended = false;
    for (let d = 0; d < SAMPLE_BYTES; d++) {
      let byte = 0;
      if (!ended) {
        byte = text[p + d]!;
        if (byte === 0 && isTerminator(ends, p + d)) ended = true;
      }
      word = (word << 8) | byte;
      if ((d & 3) === 3) {
        keys[SAMPLE_WORDS * s + (d >> 2)] = word ^ FLIP;
        word = 0;
      }
    }
  }
  sample.built = stop;
  touched += sink;
  return stop === count;
};

/** The complete search sample of a plain shard (built now if there is none), else undefined. */
const readySample = (shard: Shard): Int32Array | undefined => {
  if (!samplesEnabled || shard.guard !== undefined) return undefined;
  let sample = samples.get(shard.sa);
  if (sample === undefined) {
    buildSearchSample(shard);
    sample = samples.get(shard.sa)!;
  }
  return sample.built === sample.keys.length / SAMPLE_WORDS ? sample.keys : undefined;
};

/** pattern[at, at + 4) as a big-endian word, sign bit flipped. */
const patternWord = (pattern: Uint8Array, at: number): number =>
  ((pattern[at]! << 24) | (pattern[at + 1]! << 16) | (pattern[at + 2]! << 8) | pattern[at + 3]!) ^ FLIP;

/**
 * Bytes key s shares with the pattern's first SAMPLE_BYTES (whose words are w0, w1, w2), or −1
 * when that count is not known to be the suffix's lcp: a key's 0 byte matching a pattern 0x00 may
 * stand for a terminator (the caller then compares the text).
 */
const keyLcp = (keys: Int32Array, s: number, w0: number, w1: number, w2: number, zeroAt: number): number => {
  const o = SAMPLE_WORDS * s;
  let x = keys[o]! ^ w0;
  let d = 0;
  if (x === 0) {
    d = 4;
    x = keys[o + 1]! ^ w1;
    if (x === 0) {
      d = 8;
      x = keys[o + 2]! ^ w2;
      if (x === 0) return -1; // equal keys: never a boundary; stay safe
    }
  }
  d += Math.clz32(x) >> 3;
  return d > zeroAt ? -1 : d;
};

/** Key s compared with the pattern words: negative, 0 or positive. */
const compareKey = (keys: Int32Array, s: number, w0: number, w1: number, w2: number): number => {
  const o = SAMPLE_WORDS * s;
  const k0 = keys[o]!;
  if (k0 !== w0) return k0 < w0 ? -1 : 1;
  const k1 = keys[o + 1]!;
  if (k1 !== w1) return k1 < w1 ? -1 : 1;
  const k2 = keys[o + 2]!;
  return k2 === w2 ? 0 : k2 < w2 ? -1 : 1;
};

/** What `narrow` found: the new range and the exact lcp of each boundary it moved (else −1). */
const narrowed = { lo: 0, hi: 0, lcpLo: -1, lcpHi: -1 };

/**
 * Narrows a search range (lo, hi) for pattern[a, a + len) over the search sample: the samples
 * strictly inside it whose key is below the pattern's first bytes sort below the pattern, those
 * above sort above; equal keys stay inside. False when there is no sample to use (a short
 * pattern, a small range, a guarded shard, or the sample turned off); else the result is in
 * `narrowed` (no allocation per search).
 */
const narrow = (shard: Shard, pattern: Uint8Array, a: number, len: number, lo: number, hi: number): boolean => {
  const keys = len >= SAMPLE_BYTES && hi - lo > 2 * SAMPLE_STEP ? readySample(shard) : undefined;
  if (keys === undefined) return false;
  const first = (lo + SAMPLE_STEP) >>> SAMPLE_SHIFT;
  const end = (hi + SAMPLE_STEP - 1) >>> SAMPLE_SHIFT;
  const w0 = patternWord(pattern, a);
  const w1 = patternWord(pattern, a + 4);
  const w2 = patternWord(pattern, a + 8);
  let below = first;
  let above = end;
  while (below < above) {
    const m = (below + above) >>> 1;
    if (compareKey(keys, m, w0, w1, w2) < 0) below = m + 1;
    else above = m;
  }
  above = end;
  let after = below;
  while (after < above) {
    const m = (after + above) >>> 1;
    if (compareKey(keys, m, w0, w1, w2) <= 0) after = m + 1;
    else above = m;
  }
  let zeroAt = SAMPLE_BYTES;
  for (let d = 0; d < SAMPLE_BYTES; d++) {
    if (pattern[a + d] === 0) {
      zeroAt = d;
      break;
    }
  }
  narrowed.lo = lo;
  narrowed.hi = hi;
  narrowed.lcpLo = -1;
  narrowed.lcpHi = -1;
  if (below > first) {
    narrowed.lo = (below - 1) << SAMPLE_SHIFT;
    const l = keyLcp(keys, below - 1, w0, w1, w2, zeroAt);
    narrowed.lcpLo = l >= 0 ? l : extend(shard, shard.sa[narrowed.lo]!, pattern, a, 0, len);
  }
  if (after < end) {
    narrowed.hi = after << SAMPLE_SHIFT;
    const l = keyLcp(keys, after, w0, w1, w2, zeroAt);
    narrowed.lcpHi = l >= 0 ? l : extend(shard, shard.sa[narrowed.hi]!, pattern, a, 0, len);
  }
  return true;
};

/**
 * The longest l ≤ len such that pattern[a, a + l) occurs in the shard. One binary search for the
 * pattern's insertion point; the longest match is with one of its two neighbours. Comparisons
 * restart from min(lcp(lo), lcp(hi)), which every suffix in between shares. With len ≥ 2 the search
 * runs inside the 2-byte prefix's bucket, whose suffixes share 2 bytes with the pattern; the
 * bucket's outer neighbours share fewer, so whichever final neighbour lies inside decides.
 */
export const longestPrefix = (shard: Shard, pattern: Uint8Array, a: number, len: number): number => {
  const { text, sa, guard } = shard;
  let lo = -1;
  let hi = sa.length;
  let lcpLo = 0;
  let lcpHi = 0;
  if (len >= 2) {
    const [first, end] = bucket(shard, pattern, a);
    if (first < end) {
      lo = first - 1;
      hi = end;
      lcpLo = 2;
      lcpHi = 2;
    }
  }
  if (narrow(shard, pattern, a, len, lo, hi)) {
    lo = narrowed.lo;
    hi = narrowed.hi;
    lcpLo = narrowed.lcpLo >= 0 ? narrowed.lcpLo : lcpLo;
    lcpHi = narrowed.lcpHi >= 0 ? narrowed.lcpHi : lcpHi;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    guard?.sa(mid, mid + 1);
    const p = sa[mid]!;
    const l = extend(shard, p, pattern, a, Math.min(lcpLo, lcpHi), len);
    if (l === len) return len;
    // At a mismatch a terminator reads 0x00, which is ≤ every pattern byte: it sorts lower.
    if (text[p + l]! > pattern[a + l]!) {
      hi = mid;
      lcpHi = l;
    } else {
      lo = mid;
      lcpLo = l;
    }
  }
  return Math.max(lcpLo, lcpHi);
};

/**
 * The first rank in (lo, hi] whose suffix sorts above pattern[a, a + len) (upper) or does not sort
 * below it (lower), given that every suffix strictly inside (lo, hi) shares `lcp` bytes with it.
 */
const bound = (
  shard: Shard,
  pattern: Uint8Array,
  a: number,
  len: number,
  upper: boolean,
  lo: number,
  hi: number,
  lcp: number,
): number => {
  const { text, sa, guard } = shard;
  let lcpLo = lcp;
  let lcpHi = lcp;
  if (narrow(shard, pattern, a, len, lo, hi)) {
    lo = narrowed.lo;
    hi = narrowed.hi;
    lcpLo = narrowed.lcpLo >= 0 ? narrowed.lcpLo : lcpLo;
    lcpHi = narrowed.lcpHi >= 0 ? narrowed.lcpHi : lcpHi;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    guard?.sa(mid, mid + 1);
    const p = sa[mid]!;
    const l = extend(shard, p, pattern, a, Math.min(lcpLo, lcpHi), len);
    const below = l === len ? upper : text[p + l]! <= pattern[a + l]!;
    if (below) {
      lo = mid;
      lcpLo = l;
    } else {
      hi = mid;
      lcpHi = l;
    }
  }
  return hi;
};

/** The suffix-array range [lo, hi) of suffixes that start with pattern[a, a + len). */
export const prefixRange = (shard: Shard, pattern: Uint8Array, a: number, len: number): [number, number] => {
  if (len < 2)
    return [
      bound(shard, pattern, a, len, false, -1, shard.sa.length, 0),
      bound(shard, pattern, a, len, true, -1, shard.sa.length, 0),
    ];
  // every match of a longer pattern lies in its 2-byte prefix's bucket (empty bucket: no match, and
  // the bucket's start is the insertion point of the pattern too)
  const [first, end] = bucket(shard, pattern, a);
  if (first === end || len === 2) return [first, end];
  return [
    bound(shard, pattern, a, len, false, first - 1, end, 2),
    bound(shard, pattern, a, len, true, first - 1, end, 2),
  ];
};

/** The shard-local contribution index and offset of text position `p` (not a terminator). */
export const locate = (shard: Shard, p: number): { readonly local: number; readonly offset: number } => {
  const { ends } = shard;
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  const start = lo === 0 ? 0 : ends[lo - 1]! + 1;
  return { local: lo, offset: p - start };
};

/** The bytes of shard-local contribution `local`. */
export const contributionText = (shard: Shard, local: number): Uint8Array => {
  const start = local === 0 ? 0 : shard.ends[local - 1]! + 1;
  shard.guard?.text(start, shard.ends[local]!);
  return shard.text.subarray(start, shard.ends[local]!);
};
