/**
 * The suffix engine's attribution turned into the evidence of the evidence game
 * (docs/evidence-game.md §2–§3): one entry per maximal span with its won interval, its range in the
 * canonical suffix array of the proof index and its credited contributions, plus the ranked top K
 * whose weights the chain recomputes (`SuffixChecks.rankedWeights`). Every number is re-derived from
 * the proof index and checked against what the engine reported, so an attributor never defends
 * evidence its own engine disagrees with (`EvidenceMismatchError`).
 */
import { Data } from "effect";
import { type Entry, linkEntries } from "../../evidence/entry.ts";
import type { ProofIndex } from "../../evidence/index.ts";
import { rankedWeights, spanCredit } from "../../evidence/verify.ts";
import type { AttributionEntry } from "../engine.ts";
import type { SuffixEvidence } from "./engine.ts";
import { byteWinners } from "./weights.ts";

export class EvidenceMismatchError extends Data.TaggedError("EvidenceMismatchError")<{
  readonly message: string;
}> {}

/** One evidence entry (the fields `EvidenceSpan` of src/evidence/SuffixChecks.sol reads, and its credits). */
export interface EvidenceEntry {
  readonly start: number;
  readonly end: number;
  readonly wonStart: number;
  readonly wonEnd: number;
  readonly lo: number;
  readonly hi: number;
  readonly credited: ReadonlyArray<bigint>;
}

export interface GameEvidence {
  readonly entries: ReadonlyArray<EvidenceEntry>;
  /** The entries as the game encodes them (agents/evidence/entry.ts): credits with running scores and links. */
  readonly linked: ReadonlyArray<Entry>;
  /** The top K by (score descending, id ascending), scores with the fixed denominator D = 705,600. */
  readonly ranked: { readonly ids: ReadonlyArray<bigint>; readonly scores: ReadonlyArray<bigint> };
  /** The weights the chain derives from `ranked`: equal to the engine's entries for an honest engine. */
  readonly weights: ReadonlyArray<AttributionEntry>;
}

const mismatch = (message: string): never => {
  throw new EvidenceMismatchError({ message });
};

/**
 * Builds the game evidence of one attribution. `output` is the UTF-8 output, `evidence` the engine's,
 * `index` the proof index of the epoch the claim is judged against (same contributions, same rule
 * parameters). Throws `EvidenceMismatchError` when the engine and the proof index disagree.
 */
export const gameEvidence = (output: Uint8Array, evidence: SuffixEvidence, index: ProofIndex): GameEvidence => {
  const { maxOccurrences, maxEntries, minMatch } = index.commitment;
  if (evidence.maxOccurrences !== maxOccurrences || evidence.minMatch !== minMatch) {
    mismatch(
      `engine parameters (minMatch ${evidence.minMatch}, maxOccurrences ${evidence.maxOccurrences}) differ from the index commitment's (${minMatch}, ${maxOccurrences})`,
    );
  }
  if (evidence.outputBytes !== output.length) mismatch("the evidence is for another output");
  const spans = evidence.matches.map((m) => ({
    start: m.outputStart,
    length: m.length,
    occurrenceCount: m.occurrenceCount,
    occurrences: m.occurrences,
  }));
  const winners = byteWinners(spans, output.length);
  const entries: EvidenceEntry[] = [];
  const scores = new Map<bigint, bigint>();
  let previousWonEnd = 0;
  evidence.matches.forEach((m, s) => {
    const start = m.outputStart;
    const end = start + m.length;
    let wonStart = -1;
    let wonEnd = -1;
    for (let p = start; p < end; p++) {
      if (winners[p] !== s) continue;
      if (wonStart < 0) wonStart = p;
      wonEnd = p + 1;
    }
    if (wonStart < 0) wonStart = wonEnd = Math.max(start, previousWonEnd);
    if (wonEnd - wonStart !== m.creditedBytes)
      mismatch(`span ${s}: won bytes are not one interval of ${m.creditedBytes}`);
    previousWonEnd = wonEnd;
    const { lo, hi } = index.range(output.subarray(start, end));
    if (hi - lo !== m.occurrenceCount) {
      mismatch(`span ${s}: ${m.occurrenceCount} occurrences in the engine, ${hi - lo} in the proof index`);
    }
    const credited = hi - lo > maxOccurrences ? [] : index.creditedIds(lo, hi);
    if (
      credited.length !== m.creditedContributions.length ||
      credited.some((id, i) => id !== m.creditedContributions[i])
    ) {
      mismatch(`span ${s}: credited contributions differ between the engine and the proof index`);
    }
    entries.push({ start, end, wonStart, wonEnd, lo, hi, credited });
    if (credited.length === 0 || m.creditedBytes === 0) return;
    const credit = spanCredit(m.creditedBytes, credited.length);
    for (const id of credited) scores.set(id, (scores.get(id) ?? 0n) + credit);
  });
  const top = [...scores.entries()]
    .filter(([, score]) => score > 0n)
    .sort(([a, x], [b, y]) => (x === y ? (a < b ? -1 : 1) : x > y ? -1 : 1))
    .slice(0, maxEntries);
  const ids = top.map(([id]) => id);
  const rankedScores = top.map(([, score]) => score);
  const weights = rankedWeights(ids, rankedScores, maxEntries).map((w) => ({
    contributionId: w.contributionId,
    weight: w.weight,
  }));
  return { entries, linked: linkEntries(entries), ranked: { ids, scores: rankedScores }, weights };
};
