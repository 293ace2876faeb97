/**
 * SA-IS suffix sorting (Nong, Zhang & Chan, "Two efficient algorithms for linear time suffix array
 * construction", 2009), written for typed arrays: the text is a Uint16Array (top level) or an
 * Int32Array (reduced problems), the suffix array an Int32Array, and the reduced problem lives in
 * the unused half of the suffix array, so the only extra memory per level is one bit of type per
 * symbol (a bit set) and the bucket tables.
 *
 * Contract: `text[n - 1]` is a sentinel 0 that occurs nowhere else, every symbol is in
 * [0, alphabetSize). On return `sa[0..n)` holds the suffix array of `text[0..n)`.
 */

type Text = Uint8Array | Uint16Array | Int32Array;

/**
 * The L/S types live in a bit set of 32-bit words: bit i (word i >>> 5, bit i & 31) is set when
 * suffix i is S-type. LMS positions (S-type after an L-type) are then whole words of bits at a time:
 * S & ~(S << 1), so no pass asks "is i LMS?" one position at a time. This returns the LMS bits of
 * word k (bit b set when position 32k + b is LMS; position 0 never is).
 */
const lmsWord = (types: Int32Array, k: number): number => {
  const word = types[k]!;
  const before = k === 0 ? 1 : types[k - 1]! >>> 31; // position −1 counts as S: 0 is never LMS
  return word & ~((word << 1) | before);
};

const bucketStarts = (counts: Int32Array, buckets: Int32Array): void => {
  let sum = 0;
  for (let c = 0; c < counts.length; c++) {
    buckets[c] = sum;
    sum += counts[c]!;
  }
};

const bucketEnds = (counts: Int32Array, buckets: Int32Array): void => {
  let sum = 0;
  for (let c = 0; c < counts.length; c++) {
    sum += counts[c]!;
    buckets[c] = sum;
  }
};

/**
 * Entries per block of the induction passes. Each block first reads the text symbol before every
 * suffix it holds (independent loads, so the CPU overlaps their cache misses, as libsais does with
 * prefetch instructions), then induces from the block, whose text reads now hit the cache. Entries
 * the block writes into itself were not touched ahead; they just miss as before.
 */
const PREFETCH_BLOCK = 512;
/** Sum of the touched symbols, kept so the compiler cannot drop the touching loads. */
let touched = 0;
export const touchedSymbols = (): number => touched;

const touchBefore = (text: Text, sa: Int32Array, start: number, end: number): number => {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const j = sa[i]! - 1;
    if (j >= 0) sum += text[j]!;
  }
  return sum;
};

/**
 * Left-to-right pass: places every L-type suffix j − 1 once suffix j is seen. Only L-type suffixes
 * and LMS seeds are in `sa` during this pass, and for both, j − 1 is L-type exactly when
 * text[j − 1] ≥ text[j]; so no type lookup (a random memory access) is needed.
 */
const induceL = (text: Text, sa: Int32Array, buckets: Int32Array, n: number): void => {
  let sink = 0;
  for (let start = 0; start < n; start += PREFETCH_BLOCK) {
    const end = Math.min(n, start + PREFETCH_BLOCK);
    sink += touchBefore(text, sa, start, end);
    for (let i = start; i < end; i++) {
      const j = sa[i]! - 1;
      if (j < 0) continue;
      const c = text[j]!;
      if (c >= text[j + 1]!) sa[buckets[c]!++] = j;
    }
  }
  touched += sink;
};

/**
 * Right-to-left pass: places every S-type suffix j − 1 once suffix j is seen. j − 1 is S-type when
 * text[j − 1] < text[j], L-type when greater, and of j's type when equal; j's type follows from
 * where it sits: within a bucket the S-type suffixes fill the last `sCount` slots (from sStart).
 */
const induceS = (text: Text, sa: Int32Array, buckets: Int32Array, sStart: Int32Array, n: number): void => {
  let sink = 0;
  for (let end = n; end > 0; end -= PREFETCH_BLOCK) {
    const start = Math.max(0, end - PREFETCH_BLOCK);
    sink += touchBefore(text, sa, start, end);
    for (let i = end - 1; i >= start; i--) {
      const j = sa[i]! - 1;
      if (j < 0) continue;
      const c = text[j]!;
      const next = text[j + 1]!;
      if (c < next || (c === next && i >= sStart[next]!)) sa[--buckets[c]!] = j;
    }
  }
  touched += sink;
};

/**
 * induceS that also flags each placed LMS suffix j (S-type after a larger symbol) as ~j, so
 * stage 1 can collect the sorted LMS suffixes without touching the text again. A flagged entry
 * induces nothing, which is right: the suffix before an LMS suffix is L-type.
 */
const induceSMarkingLms = (text: Text, sa: Int32Array, buckets: Int32Array, sStart: Int32Array, n: number): void => {
  let sink = 0;
  for (let end = n; end > 0; end -= PREFETCH_BLOCK) {
    const start = Math.max(0, end - PREFETCH_BLOCK);
    sink += touchBefore(text, sa, start, end);
    for (let i = end - 1; i >= start; i--) {
      const j = sa[i]! - 1;
      if (j < 0) continue;
      const c = text[j]!;
      const next = text[j + 1]!;
      if (c < next || (c === next && i >= sStart[next]!)) sa[--buckets[c]!] = j > 0 && text[j - 1]! > c ? ~j : j;
    }
  }
  touched += sink;
};

const sais = (text: Text, sa: Int32Array, n: number, alphabetSize: number, onStage?: (stage: 1 | 2) => void): void => {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // One right-to-left pass: types, symbol counts and S-type counts per symbol.
  const words = (n + 31) >>> 5;
  const types = new Int32Array(words);
  const counts = new Int32Array(alphabetSize);
  const sStart = new Int32Array(alphabetSize);
  types[(n - 1) >>> 5]! |= 1 << ((n - 1) & 31);
  counts[text[n - 1]!]!++;
  sStart[text[n - 1]!]!++;
  for (let i = n - 2, next = true, b = text[n - 1]!; i >= 0; i--) {
    const a = text[i]!;
    counts[a]!++;
    next = a < b || (a === b && next);
    if (next) {
      types[i >>> 5]! |= 1 << (i & 31);
      sStart[a]!++;
    }
    b = a;
  }
  const buckets = new Int32Array(alphabetSize);
  bucketEnds(counts, buckets);
  for (let c = 0; c < alphabetSize; c++) sStart[c] = buckets[c]! - sStart[c]!;

  // Stage 1: sort the LMS substrings by inducing from their unsorted positions.
  sa.fill(-1, 0, n);
  for (let k = 0; k < words; k++) {
    for (let m = lmsWord(types, k); m !== 0; m &= m - 1) {
      const i = (k << 5) | (31 - Math.clz32(m & -m));
      sa[--buckets[text[i]!]!] = i;
    }
  }
  bucketStarts(counts, buckets);
  induceL(text, sa, buckets, n);
  bucketEnds(counts, buckets);
  induceSMarkingLms(text, sa, buckets, sStart, n);

  // The sentinel (the smallest LMS suffix) stays at sa[0]; every other LMS suffix is flagged as
  // ~p ≤ −2 (−1 marks an empty slot, and position 0 is never LMS).
  let lmsCount = 1;
  for (let i = 1; i < n; i++) {
    const p = sa[i]!;
    if (p < -1) sa[lmsCount++] = ~p;
  }

  // Name the sorted LMS substrings; equal substrings share a name. LMS positions are at least two
  // apart, so position p can keep a value at lmsCount + (p >> 1) without collisions: first the
  // length of its LMS substring (through the next LMS position), then its name. Two LMS
  // substrings are equal exactly when their lengths and symbols are (the types follow).
  sa.fill(-1, lmsCount, n);
  for (let k = (n - 1) >>> 5, next = n - 1; k >= 0; k--) {
    for (let m = lmsWord(types, k); m !== 0; ) {
      const bit = 31 - Math.clz32(m);
      m ^= 1 << bit;
      const i = (k << 5) | bit;
      if (i >= n - 1) continue; // the sentinel: length 1, below
      sa[lmsCount + (i >> 1)] = next - i + 1;
      next = i;
    }
  }
  sa[lmsCount + ((n - 1) >> 1)] = 1;
  let names = 0;
  let previous = 0;
  let previousLength = 0;
  let sink = 0;
  for (let start = 0; start < lmsCount; start += PREFETCH_BLOCK) {
    const end = Math.min(lmsCount, start + PREFETCH_BLOCK);
    // touch the block's lengths and first symbols ahead (independent loads), as in the induction
    for (let i = start; i < end; i++) {
      const position = sa[i]!;
      sink += sa[lmsCount + (position >> 1)]! + text[position]!;
    }
    for (let i = start; i < end; i++) {
      const position = sa[i]!;
      const slot = lmsCount + (position >> 1);
      const length = sa[slot]!;
      let differs = true;
      if (length === previousLength) {
        let d = 0;
        while (d < length && text[position + d] === text[previous + d]) d++;
        differs = d < length;
      }
      if (differs) {
        names++;
        previous = position;
        previousLength = length;
      }
      sa[slot] = names - 1;
    }
  }
  touched += sink;
  for (let i = n - 1, j = n - 1; i >= lmsCount; i--) {
    const name = sa[i]!;
    if (name >= 0) sa[j--] = name;
  }

  onStage?.(1);
  // Stage 2: sort the reduced string (recursing while names repeat).
  const reduced = sa.subarray(n - lmsCount, n);
  const reducedSa = sa.subarray(0, lmsCount);
  if (names < lmsCount) sais(reduced, reducedSa, lmsCount, names);
  else for (let i = 0; i < lmsCount; i++) reducedSa[reduced[i]!] = i;

  onStage?.(2);
  // Stage 3: place the sorted LMS suffixes at their bucket ends and induce the rest.
  for (let k = 0, j = 0; k < words; k++) {
    for (let m = lmsWord(types, k); m !== 0; m &= m - 1) reduced[j++] = (k << 5) | (31 - Math.clz32(m & -m));
  }
  for (let start = 0; start < lmsCount; start += PREFETCH_BLOCK) {
    const end = Math.min(lmsCount, start + PREFETCH_BLOCK);
    for (let i = start; i < end; i++) sink += reduced[reducedSa[i]!]!;
    for (let i = start; i < end; i++) reducedSa[i] = reduced[reducedSa[i]!]!;
  }
  sa.fill(-1, lmsCount, n);
  bucketEnds(counts, buckets);
  for (let end = lmsCount; end > 0; end -= PREFETCH_BLOCK) {
    const start = Math.max(0, end - PREFETCH_BLOCK);
    for (let i = start; i < end; i++) sink += text[sa[i]!]!;
    for (let i = end - 1; i >= start; i--) {
      const j = sa[i]!;
      sa[i] = -1;
      sa[--buckets[text[j]!]!] = j;
    }
  }
  touched += sink;
  bucketStarts(counts, buckets);
  induceL(text, sa, buckets, n);
  bucketEnds(counts, buckets);
  induceS(text, sa, buckets, sStart, n);
};

/**
 * Sorts the suffixes of `text` (last symbol a unique sentinel 0, symbols below `alphabetSize`).
 * Returns an Int32Array of text.length positions in lexicographic suffix order. `onStage` hears
 * when the top level finishes stage 1 (LMS substrings named) and stage 2 (reduced problem sorted),
 * roughly a third and two thirds of the work, for progress bars.
 */
export const suffixArray = (text: Text, alphabetSize: number, onStage?: (stage: 1 | 2) => void): Int32Array => {
  const n = text.length;
  const sa = new Int32Array(n);
  if (n > 0) sais(text, sa, n, alphabetSize, onStage);
  return sa;
};
