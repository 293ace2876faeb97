/**
 * SA-IS suffix sorting (Nong, Zhang & Chan, "Two efficient algorithms for linear time suffix array
 * construction", 2009), written for typed arrays: the text is a Uint16Array (top level) or an
 * Int32Array (reduced problems), the suffix array an Int32Array, and the reduced problem lives in
 * the unused half of the suffix array, so the only extra memory per level is one byte of type per
 * symbol and the bucket tables.
 *
 * Contract: `text[n - 1]` is a sentinel 0 that occurs nowhere else, every symbol is in
 * [0, alphabetSize). On return `sa[0..n)` holds the suffix array of `text[0..n)`.
 */

type Text = Uint16Array | Int32Array;

const L_TYPE = 0;
const S_TYPE = 1;

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

/** Left-to-right pass: every L-type suffix j is placed once suffix j + 1 has been seen. */
const induceL = (text: Text, sa: Int32Array, types: Uint8Array, buckets: Int32Array, n: number): void => {
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && types[j] === L_TYPE) sa[buckets[text[j]!]!++] = j;
  }
};

/** Right-to-left pass: every S-type suffix j is placed once suffix j + 1 has been seen. */
const induceS = (text: Text, sa: Int32Array, types: Uint8Array, buckets: Int32Array, n: number): void => {
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && types[j] === S_TYPE) sa[--buckets[text[j]!]!] = j;
  }
};

const sais = (text: Text, sa: Int32Array, n: number, alphabetSize: number): void => {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  const types = new Uint8Array(n);
  types[n - 1] = S_TYPE;
  for (let i = n - 2; i >= 0; i--) {
    const a = text[i]!;
    const b = text[i + 1]!;
    types[i] = a < b || (a === b && types[i + 1] === S_TYPE) ? S_TYPE : L_TYPE;
  }
  const isLms = (i: number): boolean => i > 0 && types[i] === S_TYPE && types[i - 1] === L_TYPE;

  const counts = new Int32Array(alphabetSize);
  for (let i = 0; i < n; i++) counts[text[i]!]!++;
  const buckets = new Int32Array(alphabetSize);

  // Stage 1: sort the LMS substrings by inducing from their unsorted positions.
  bucketEnds(counts, buckets);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) {
    if (types[i] === S_TYPE && types[i - 1] === L_TYPE) sa[--buckets[text[i]!]!] = i;
  }
  bucketStarts(counts, buckets);
  induceL(text, sa, types, buckets, n);
  bucketEnds(counts, buckets);
  induceS(text, sa, types, buckets, n);

  let lmsCount = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (isLms(p)) sa[lmsCount++] = p;
  }

  // Name the sorted LMS substrings; equal substrings share a name. LMS positions are at least two
  // apart, so position p can keep its name at lmsCount + (p >> 1) without collisions.
  sa.fill(-1, lmsCount, n);
  let names = 0;
  let previous = -1;
  for (let i = 0; i < lmsCount; i++) {
    const position = sa[i]!;
    let differs = previous < 0;
    if (!differs) {
      for (let d = 0; ; d++) {
        if (text[position + d] !== text[previous + d] || types[position + d] !== types[previous + d]) {
          differs = true;
          break;
        }
        if (d > 0 && (isLms(position + d) || isLms(previous + d))) break;
      }
    }
    if (differs) {
      names++;
      previous = position;
    }
    sa[lmsCount + (position >> 1)] = names - 1;
  }
  for (let i = n - 1, j = n - 1; i >= lmsCount; i--) {
    const name = sa[i]!;
    if (name >= 0) sa[j--] = name;
  }

  // Stage 2: sort the reduced string (recursing while names repeat).
  const reduced = sa.subarray(n - lmsCount, n);
  const reducedSa = sa.subarray(0, lmsCount);
  if (names < lmsCount) sais(reduced, reducedSa, lmsCount, names);
  else for (let i = 0; i < lmsCount; i++) reducedSa[reduced[i]!] = i;

  // Stage 3: place the sorted LMS suffixes at their bucket ends and induce the rest.
  for (let i = 1, j = 0; i < n; i++) if (isLms(i)) reduced[j++] = i;
  for (let i = 0; i < lmsCount; i++) reducedSa[i] = reduced[reducedSa[i]!]!;
  sa.fill(-1, lmsCount, n);
  bucketEnds(counts, buckets);
  for (let i = lmsCount - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--buckets[text[j]!]!] = j;
  }
  bucketStarts(counts, buckets);
  induceL(text, sa, types, buckets, n);
  bucketEnds(counts, buckets);
  induceS(text, sa, types, buckets, n);
};

/**
 * Sorts the suffixes of `text` (last symbol a unique sentinel 0, symbols below `alphabetSize`).
 * Returns an Int32Array of text.length positions in lexicographic suffix order.
 */
export const suffixArray = (text: Uint16Array | Int32Array, alphabetSize: number): Int32Array => {
  const n = text.length;
  const sa = new Int32Array(n);
  if (n > 0) sais(text, sa, n, alphabetSize);
  return sa;
};
