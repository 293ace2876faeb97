/**
 * Maximal matches of an output against the index.
 *
 * For output bytes P[0, m) let e(i) be the end of the longest prefix of P[i, m) that occurs inside
 * one contribution. e never decreases (P[i+1, e(i)) occurs wherever P[i, e(i)) does), and the
 * span [i, e(i)) is maximal (not inside another match) exactly when i = 0 or e(i − 1) < e(i).
 * We report the maximal spans of at least `minMatch` bytes with where they occur.
 *
 * The search does not evaluate e at every position:
 *  - a span of ≥ minMatch bytes starting at i contains the aligned block of h = ⌊minMatch/2⌋ bytes
 *    at ⌈i/h⌉·h; if that block occurs nowhere, no long match starts at any of the h positions
 *    that share it, so novel text costs one search per h bytes;
 *  - after a span [i, e), positions i < j with e(j) = e are not maximal; since "P[j, e + 1)
 *    occurs" is monotone in j, the next candidate is found by binary search over j, so a long
 *    quoted passage costs O(log length) searches rather than one per byte.
 *
 * With an `Exclusion` (contributions withdrawn, or not yet approved, at a receipt's reference
 * time) the corpus is the index minus those contributions, exactly as if they had never been
 * indexed: "occurs" means "occurs in a contribution that is not excluded". A suffix-array range
 * holds at most `excludedBytes` positions of excluded contributions, so a wider range always has
 * a kept occurrence and only narrower ones are scanned; the longest kept match is found by a binary
 * search over its length (a prefix of a kept match is kept).
 */
import type { SuffixIndex } from "./index.ts";
import { locate, longestPrefix, prefixRange } from "./shard.ts";

export interface Occurrence {
  readonly contributionId: bigint;
  /** Byte offset of the match inside the contribution. */
  readonly offset: number;
}

export interface SpanMatch {
  /** Byte offset of the span in the UTF-8 output. */
  readonly start: number;
  readonly length: number;
  /** How many times the span occurs in the index (all contributions, all shards). */
  readonly occurrenceCount: number;
  /**
   * Sorted by (contributionId, offset). Every occurrence when occurrenceCount ≤ maxOccurrences;
   * otherwise the first maxOccurrences in index order (shard, then suffix order) — a sample that
   * depends on the index layout, which the weights never read.
   */
  readonly occurrences: ReadonlyArray<Occurrence>;
}

export interface MatchOptions {
  readonly minMatch: number;
  readonly maxOccurrences: number;
}

export const DEFAULT_MIN_MATCH = 32;
export const DEFAULT_MAX_OCCURRENCES = 256;

/** Contributions a query leaves out: per shard, a flag per shard-local contribution. */
export interface Exclusion {
  readonly shards: ReadonlyArray<{ readonly flags: Uint8Array; readonly excludedBytes: number } | undefined>;
}

/** The exclusion of `ids` from `index`, or undefined when none of them is in it (the fast path). */
export const makeExclusion = (index: SuffixIndex, ids: Iterable<bigint>): Exclusion | undefined => {
  const wanted = new Set(ids);
  if (wanted.size === 0) return undefined;
  let any = false;
  const shards = index.shards.map((shard, s) => {
    const next = index.shards[s + 1]?.firstContribution ?? index.contributions.length;
    const flags = new Uint8Array(next - shard.firstContribution);
    let excludedBytes = 0;
    for (let local = 0; local < flags.length; local++) {
      const contribution = index.contributions[shard.firstContribution + local]!;
      if (wanted.has(contribution.id)) {
        flags[local] = 1;
        excludedBytes += contribution.length;
      }
    }
    if (excludedBytes === 0) return undefined; // no positions to leave out (empty contributions only)
    any = true;
    return { flags, excludedBytes };
  });
  return any ? { shards } : undefined;
};

const compareOccurrences = (a: Occurrence, b: Occurrence): number =>
  a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : a.offset - b.offset;

/** Does output[a, a + len) occur inside some contribution? */
const occurs = (index: SuffixIndex, output: Uint8Array, a: number, len: number): boolean => {
  for (const shard of index.shards) if (longestPrefix(shard, output, a, len) === len) return true;
  return false;
};

/** Length of the longest prefix of output[a, m) that occurs inside some contribution. */
const longest = (index: SuffixIndex, output: Uint8Array, a: number): number => {
  let best = 0;
  for (const shard of index.shards) {
    const l = longestPrefix(shard, output, a, output.length - a);
    if (l > best) best = l;
  }
  return best;
};

const occurrencesOf = (
  index: SuffixIndex,
  output: Uint8Array,
  start: number,
  length: number,
  maxOccurrences: number,
): SpanMatch => {
  const ranges = index.shards.map((shard) => prefixRange(shard, output, start, length));
  const occurrenceCount = ranges.reduce((sum, [lo, hi]) => sum + (hi - lo), 0);
  const occurrences: Occurrence[] = [];
  for (let s = 0; s < index.shards.length && occurrences.length < maxOccurrences; s++) {
    const shard = index.shards[s]!;
    const [lo, hi] = ranges[s]!;
    shard.guard?.sa(lo, Math.min(hi, lo + maxOccurrences - occurrences.length));
    for (let r = lo; r < hi && occurrences.length < maxOccurrences; r++) {
      const { local, offset } = locate(shard, shard.sa[r]!);
      occurrences.push({ contributionId: index.contributions[shard.firstContribution + local]!.id, offset });
    }
  }
  occurrences.sort(compareOccurrences);
  return { start, length, occurrenceCount, occurrences };
};

/** Does output[a, a + len) occur inside some contribution that is not excluded? */
const occursKept = (index: SuffixIndex, exclusion: Exclusion, output: Uint8Array, a: number, len: number): boolean => {
  for (let s = 0; s < index.shards.length; s++) {
    const shard = index.shards[s]!;
    const excluded = exclusion.shards[s];
    if (excluded === undefined) {
      if (longestPrefix(shard, output, a, len) === len) return true;
      continue;
    }
    const [lo, hi] = prefixRange(shard, output, a, len);
    if (hi - lo > excluded.excludedBytes) return true;
    shard.guard?.sa(lo, hi);
    for (let r = lo; r < hi; r++) if (excluded.flags[locate(shard, shard.sa[r]!).local] === 0) return true;
  }
  return false;
};

/** Length of the longest prefix of output[a, m) that occurs inside a kept contribution. */
const longestKept = (index: SuffixIndex, exclusion: Exclusion, output: Uint8Array, a: number): number => {
  let lo = 0; // occurs (the empty prefix)
  let hi = longest(index, output, a) + 1; // does not occur
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (occursKept(index, exclusion, output, a, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
};

const occurrencesKept = (
  index: SuffixIndex,
  exclusion: Exclusion,
  output: Uint8Array,
  start: number,
  length: number,
  maxOccurrences: number,
): SpanMatch => {
  let occurrenceCount = 0;
  const occurrences: Occurrence[] = [];
  for (let s = 0; s < index.shards.length; s++) {
    const shard = index.shards[s]!;
    const flags = exclusion.shards[s]?.flags;
    const [lo, hi] = prefixRange(shard, output, start, length);
    shard.guard?.sa(lo, hi);
    for (let r = lo; r < hi; r++) {
      const { local, offset } = locate(shard, shard.sa[r]!);
      if (flags !== undefined && flags[local] !== 0) continue;
      occurrenceCount++;
      if (occurrences.length < maxOccurrences) {
        occurrences.push({ contributionId: index.contributions[shard.firstContribution + local]!.id, offset });
      }
    }
  }
  occurrences.sort(compareOccurrences);
  return { start, length, occurrenceCount, occurrences };
};

/**
 * Every maximal span of output of at least minMatch bytes that occurs in the index (minus the
 * excluded contributions), by start.
 */
export const findMatches = (
  index: SuffixIndex,
  output: Uint8Array,
  options: MatchOptions,
  exclusion?: Exclusion,
): SpanMatch[] => {
  const { minMatch, maxOccurrences } = options;
  const occursIn =
    exclusion === undefined
      ? occurs
      : (i: SuffixIndex, o: Uint8Array, a: number, len: number) => occursKept(i, exclusion, o, a, len);
  const longestIn =
    exclusion === undefined ? longest : (i: SuffixIndex, o: Uint8Array, a: number) => longestKept(i, exclusion, o, a);
  const occurrencesIn =
    exclusion === undefined
      ? occurrencesOf
      : (i: SuffixIndex, o: Uint8Array, a: number, len: number, max: number) =>
          occurrencesKept(i, exclusion, o, a, len, max);
  const m = output.length;
  const h = Math.max(1, Math.floor(minMatch / 2));
  // 0 = not looked up yet, 1 = occurs, 2 = occurs nowhere
  const blocks = new Uint8Array(Math.ceil(m / h) + 1);
  // a block that occurs nowhere occurs in no kept contribution either: the skip stays sound
  const blockOccurs = (t: number): boolean => {
    if (blocks[t] === 0) blocks[t] = occurs(index, output, t * h, h) ? 1 : 2;
    return blocks[t] === 1;
  };
  const spans: SpanMatch[] = [];
  let i = 0;
  while (i + minMatch <= m) {
    const t = Math.ceil(i / h);
    if (!blockOccurs(t)) {
      i = t * h + 1;
      continue;
    }
    if (!occursIn(index, output, i, minMatch)) {
      i++;
      continue;
    }
    const end = i + longestIn(index, output, i);
    spans.push(occurrencesIn(index, output, i, end - i, maxOccurrences));
    if (end === m) break;
    // Smallest j in (i, end] whose match reaches past `end`; end + 1 when none does.
    let lo = i;
    let hi = end + 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (occursIn(index, output, mid, end + 1 - mid)) hi = mid;
      else lo = mid;
    }
    i = hi;
  }
  return spans;
};
