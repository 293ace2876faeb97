/**
 * The suffix method's weight rule (docs/suffix-engine.md, "Weights").
 *
 *  1. Each output byte goes to the longest maximal span covering it (ties: the earlier start).
 *     A span's `creditedBytes` is how many bytes it won.
 *  2. A span found in c distinct contributions gives each of them creditedBytes / c².
 *     The byte's mass 1/c shrinks as the passage gets commoner (rarity: a passage found in one
 *     contribution is strong evidence, boilerplate found in many is weak), and is split equally.
 *     A span with more than maxOccurrences occurrences credits nobody: too common to attribute.
 *  3. The rational scores are scaled by the least common multiple of the c² (so they are exact
 *     integers) and turned into weights by the protocol's shared scoresToWeights (top maxEntries,
 *     floor, remainder by rank; ties by lower contribution id).
 */
import { type AttributionEntry, scoresToWeights } from "../engine.ts";
import type { SpanMatch } from "./matches.ts";

export interface CreditedSpan {
  readonly match: SpanMatch;
  readonly creditedBytes: number;
  /** Distinct contributions credited (0 when the span is too common to attribute). */
  readonly contributions: ReadonlyArray<bigint>;
}

/**
 * For each output byte in [0, outputLength), the index of the span that wins it (the longest span
 * covering it, ties to the earlier start), or −1. Spans are sorted by start with strictly
 * increasing ends, so the covering spans form a sliding window; a deque keeps its candidates.
 */
export const byteWinners = (spans: ReadonlyArray<SpanMatch>, outputLength: number): Int32Array => {
  const winners = new Int32Array(outputLength).fill(-1);
  const window: number[] = []; // span indices, lengths non-increasing
  let head = 0;
  let next = 0;
  for (let byte = 0; byte < outputLength; byte++) {
    while (next < spans.length && spans[next]!.start <= byte) {
      const length = spans[next]!.length;
      while (window.length > head && spans[window[window.length - 1]!]!.length < length) window.pop();
      window.push(next++);
    }
    while (window.length > head && spans[window[head]!]!.start + spans[window[head]!]!.length <= byte) head++;
    if (head < window.length) winners[byte] = window[head]!;
  }
  return winners;
};

/** Output bytes won by each span. */
export const creditedBytes = (spans: ReadonlyArray<SpanMatch>): number[] => {
  const credited = spans.map(() => 0);
  const last = spans.length === 0 ? 0 : spans[spans.length - 1]!.start + spans[spans.length - 1]!.length;
  for (const winner of byteWinners(spans, last)) if (winner >= 0) credited[winner]!++;
  return credited;
};

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

export const creditSpans = (spans: ReadonlyArray<SpanMatch>, maxOccurrences: number): CreditedSpan[] => {
  const bytes = creditedBytes(spans);
  return spans.map((match, s) => ({
    match,
    creditedBytes: bytes[s]!,
    contributions:
      match.occurrenceCount > maxOccurrences ? [] : [...new Set(match.occurrences.map((o) => o.contributionId))],
  }));
};

/** Exact integer scores per contribution (see the module comment). */
export const spanScores = (credited: ReadonlyArray<CreditedSpan>): Map<bigint, bigint> => {
  let denominator = 1n;
  for (const span of credited) {
    const c = BigInt(span.contributions.length);
    if (c > 0n && span.creditedBytes > 0) denominator = (denominator / gcd(denominator, c * c)) * c * c;
  }
  const scores = new Map<bigint, bigint>();
  for (const span of credited) {
    const c = BigInt(span.contributions.length);
    if (c === 0n || span.creditedBytes === 0) continue;
    const share = (BigInt(span.creditedBytes) * denominator) / (c * c);
    for (const id of span.contributions) scores.set(id, (scores.get(id) ?? 0n) + share);
  }
  return scores;
};

export const weightsFromSpans = (
  spans: ReadonlyArray<SpanMatch>,
  maxOccurrences: number,
  maxEntries: number,
): { readonly entries: ReadonlyArray<AttributionEntry>; readonly credited: ReadonlyArray<CreditedSpan> } => {
  const credited = creditSpans(spans, maxOccurrences);
  return { entries: scoresToWeights(spanScores(credited), maxEntries), credited };
};
