/**
 * The evidence game's moves, as the agents play them (docs/evidence-game.md §3): the accusations a
 * challenger can make against one entry (or a pair, or the ranked list) of a claimant's evidence, the
 * proof each side supplies, and the two decisions an agent takes:
 *
 *   - `findAccusation` (challenger): diff the claimant's published evidence with this node's own, in the
 *     order below, and name the first accusation the claimant cannot answer, with the witness when the
 *     burden is the challenger's;
 *   - `answerAccusation` (claimant): the proof of a claimant-burden accusation from the proof index, or
 *     nothing when the fact is false (the claimant then loses on its clock; sending a proof that does not
 *     verify would only revert).
 *
 * The order of the diff follows the dependencies of the rule: a malformed entry or an out-of-order pair
 * first, then each entry's own facts (its span occurs with exactly its SA range, is maximal, credits
 * exactly its set), then what is missing (an omitted maximal span), then who won which bytes, then the
 * running-score links, then the ranked list. When every earlier piece agrees with this node's evidence,
 * a difference in a later piece has a witness (docs/evidence-game.md §3.3, "why the omission check is
 * exact"), so an evidence whose weights differ from the rule's always yields an accusation the claimant
 * loses, and honest evidence yields none.
 *
 * `judge` is the referee in TypeScript: the verdict the chain's one-step checks give (agents/evidence/
 * verify.ts mirrors src/evidence/SuffixChecks.sol), used by the tests and by both agents to know a move
 * will land before sending it.
 */
import type { EvidenceEntry } from "../engines/suffix/evidence.ts";
import { entryCredit } from "../engines/suffix/evidence.ts";
import type { IndexCommitment, ProofIndex, SuffixOpening } from "./index.ts";
import {
  type AbsenceProof,
  CheckFailed,
  type EvidenceSpan,
  type Occurrence,
  rankedWeights,
  verifyAbsent,
  verifyCreditedSet,
  verifyOmission,
  verifyOrderOfEntriesViolation,
  verifyRangeHigh,
  verifyRangeLow,
  verifyRankingViolation,
  verifySpanViolation,
  verifyUncoveredViolation,
  verifyWonByteViolation,
} from "./verify.ts";

/** A claimant's evidence as published: entries sorted by output start, and the ranked top K. */
export interface PublishedEvidence {
  readonly entries: ReadonlyArray<EvidenceEntry>;
  readonly ranked: { readonly ids: ReadonlyArray<bigint>; readonly scores: ReadonlyArray<bigint> };
}

/** Accusations whose proof the claimant supplies (its clock runs). */
export type ClaimantAccusation =
  | { readonly kind: "rangeLow"; readonly entry: number }
  | { readonly kind: "rangeHigh"; readonly entry: number }
  | { readonly kind: "maximalLeft"; readonly entry: number }
  | { readonly kind: "maximalRight"; readonly entry: number }
  | { readonly kind: "creditedSet"; readonly entry: number }
  /** Entry's running score for credited id #slot is not its own credit: the claimant shows the link into it. */
  | { readonly kind: "headScore"; readonly entry: number; readonly slot: number }
  /** Ranked position `rank`: the claimant shows the final link of its id with that score. */
  | { readonly kind: "rankScore"; readonly rank: number };

/** Accusations the challenger proves at once (the chain checks its witness; no answer). */
export type ChallengerAccusation =
  | { readonly kind: "span"; readonly entry: number }
  | { readonly kind: "order"; readonly entry: number }
  | { readonly kind: "omission"; readonly after: number; readonly a: number; readonly x: number; readonly rank: number }
  | { readonly kind: "wonByte"; readonly entry: number; readonly by: number; readonly position: number }
  | { readonly kind: "uncovered"; readonly after: number; readonly by: number; readonly position: number }
  /** The link of entry's id #slot to its next entry is wrong (next does not credit it, or the sum is off). */
  | { readonly kind: "link"; readonly entry: number; readonly slot: number }
  /** Entry's id #slot links past `skipped`, which credits it too. */
  | { readonly kind: "skipped"; readonly entry: number; readonly slot: number; readonly skipped: number }
  /** Entry's id #slot has its final link (next = J) with a score that belongs in the ranked list. */
  | { readonly kind: "rankMissing"; readonly entry: number; readonly slot: number };

export type Accusation = ClaimantAccusation | ChallengerAccusation;

export const CLAIMANT_BURDEN: ReadonlySet<Accusation["kind"]> = new Set([
  "rangeLow",
  "rangeHigh",
  "maximalLeft",
  "maximalRight",
  "creditedSet",
  "headScore",
  "rankScore",
]);

export const claimantBurden = (a: Accusation): a is ClaimantAccusation => CLAIMANT_BURDEN.has(a.kind);

/** The claimant's proof of a claimant-burden accusation. */
export type ClaimantProof =
  | { readonly kind: "rangeLow"; readonly below: SuffixOpening; readonly first: SuffixOpening }
  | { readonly kind: "rangeHigh"; readonly last: SuffixOpening; readonly above: SuffixOpening }
  | { readonly kind: "maximalLeft" | "maximalRight"; readonly absence: AbsenceProof }
  | { readonly kind: "creditedSet"; readonly occurrences: ReadonlyArray<Occurrence> }
  | { readonly kind: "headScore"; readonly previous: number }
  | { readonly kind: "rankScore"; readonly entry: number; readonly slot: number };

const span = (e: EvidenceEntry): EvidenceSpan => e;

/** The absence proof of a pattern that occurs nowhere: the two ranks bracketing its insertion point. */
export const absenceProof = (index: ProofIndex, pattern: Uint8Array): AbsenceProof | undefined => {
  const { lo, hi } = index.range(pattern);
  if (hi > lo) return undefined;
  const open = (rank: number) => index.opening(rank, pattern.length);
  const hasBelow = lo > 0;
  const hasAbove = lo < index.n;
  const dummy = open(0);
  return { hasBelow, hasAbove, below: hasBelow ? open(lo - 1) : dummy, above: hasAbove ? open(lo) : dummy };
};

/** The SA leaves of [lo, hi) with their corpus entries (none when the span is too common). */
export const occurrencesOf = (index: ProofIndex, lo: number, hi: number): Occurrence[] =>
  hi - lo > index.commitment.maxOccurrences
    ? []
    : Array.from({ length: hi - lo }, (_, i) => ({
        sa: index.saLeaf(lo + i),
        entry: index.entryProof(index.entryOf(index.sa[lo + i]!)),
      }));

/**
 * The claimant's proof of accusation `a` against its evidence `ev`, from its proof index; `undefined`
 * when it has none that verifies (the accused fact is false).
 */
export const answerAccusation = (
  a: ClaimantAccusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
): ClaimantProof | undefined => {
  const proof = buildAnswer(a, ev, output, index);
  if (proof === undefined) return undefined;
  return judgeClaimant(index.commitment, a, ev, output, proof) ? proof : undefined;
};

const buildAnswer = (
  a: ClaimantAccusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
): ClaimantProof | undefined => {
  const J = ev.entries.length;
  const rankIn = (rank: number) => rank >= 0 && rank < index.n;
  switch (a.kind) {
    case "rangeLow":
    case "rangeHigh": {
      const e = ev.entries[a.entry];
      if (e === undefined) return undefined;
      const pattern = output.subarray(e.start, e.end);
      const open = (rank: number) => index.opening(rankIn(rank) ? rank : 0, pattern.length);
      if (!rankIn(e.lo) || !rankIn(e.hi - 1)) return undefined;
      return a.kind === "rangeLow"
        ? { kind: "rangeLow", below: open(e.lo - 1), first: open(e.lo) }
        : { kind: "rangeHigh", last: open(e.hi - 1), above: open(e.hi) };
    }
    case "maximalLeft":
    case "maximalRight": {
      const e = ev.entries[a.entry];
      if (e === undefined) return undefined;
      const left = a.kind === "maximalLeft";
      if (left ? e.start === 0 : e.end >= output.length) {
        // the side is free at the output's end: any proof passes
        return {
          kind: a.kind,
          absence: { hasBelow: false, hasAbove: false, below: index.opening(0, 1), above: index.opening(0, 1) },
        };
      }
      const absence = absenceProof(index, output.subarray(left ? e.start - 1 : e.start, left ? e.end : e.end + 1));
      return absence === undefined ? undefined : { kind: a.kind, absence };
    }
    case "creditedSet": {
      const e = ev.entries[a.entry];
      if (e === undefined || e.lo >= e.hi || e.hi > index.n) return undefined;
      return { kind: "creditedSet", occurrences: occurrencesOf(index, e.lo, e.hi) };
    }
    case "headScore": {
      const id = ev.entries[a.entry]?.credited[a.slot];
      const e = ev.entries[a.entry];
      if (id === undefined || e === undefined) return undefined;
      // a head's running score is its own credit: the accusation fails without a proof
      if (e.links[a.slot]?.runningScore === entryCredit(e)) return { kind: "headScore", previous: -1 };
      for (let i = a.entry - 1; i >= 0; i--) {
        const slot = ev.entries[i]!.credited.indexOf(id);
        if (slot >= 0 && ev.entries[i]!.links[slot]?.nextEntry === a.entry) return { kind: "headScore", previous: i };
      }
      return undefined;
    }
    case "rankScore": {
      const id = ev.ranked.ids[a.rank];
      if (id === undefined) return undefined;
      for (let j = J - 1; j >= 0; j--) {
        const slot = ev.entries[j]!.credited.indexOf(id);
        if (slot >= 0 && ev.entries[j]!.links[slot]?.nextEntry === J) return { kind: "rankScore", entry: j, slot };
      }
      return undefined;
    }
  }
};

const holds = (check: () => void): boolean => {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof CheckFailed) return false;
    throw error;
  }
};

/** Whether the claimant's proof of `a` passes the chain's check (true: the claimant answered it). */
export const judgeClaimant = (
  c: IndexCommitment,
  a: ClaimantAccusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  proof: ClaimantProof,
): boolean => {
  if (proof.kind !== a.kind && !(a.kind.startsWith("maximal") && proof.kind === a.kind)) return false;
  const J = ev.entries.length;
  switch (a.kind) {
    case "rangeLow":
    case "rangeHigh":
    case "maximalLeft":
    case "maximalRight":
    case "creditedSet": {
      const e = ev.entries[a.entry];
      if (e === undefined) return false;
      const pattern = output.subarray(e.start, e.end);
      return holds(() => {
        if (proof.kind === "rangeLow") verifyRangeLow(c, pattern, BigInt(e.lo), proof.below, proof.first);
        else if (proof.kind === "rangeHigh") verifyRangeHigh(c, pattern, BigInt(e.hi), proof.last, proof.above);
        else if (proof.kind === "creditedSet")
          verifyCreditedSet(c, BigInt(e.lo), BigInt(e.hi), proof.occurrences, e.credited);
        else if (proof.kind === "maximalLeft") {
          if (e.start > 0) verifyAbsent(c, output.subarray(e.start - 1, e.end), proof.absence);
        } else if (proof.kind === "maximalRight") {
          if (e.end < output.length) verifyAbsent(c, output.subarray(e.start, e.end + 1), proof.absence);
        }
      });
    }
    case "headScore": {
      if (proof.kind !== "headScore") return false;
      const e = ev.entries[a.entry];
      const id = e?.credited[a.slot];
      const link = e?.links[a.slot];
      if (e === undefined || id === undefined || link === undefined) return false;
      // the accusation stands only when the running score is not the entry's own credit
      if (link.runningScore === entryCredit(e)) return true;
      const prev = ev.entries[proof.previous];
      if (prev === undefined || proof.previous >= a.entry) return false;
      const slot = prev.credited.indexOf(id);
      return slot >= 0 && prev.links[slot]?.nextEntry === a.entry;
    }
    case "rankScore": {
      if (proof.kind !== "rankScore") return false;
      const id = ev.ranked.ids[a.rank];
      const score = ev.ranked.scores[a.rank];
      const e = ev.entries[proof.entry];
      const link = e?.links[proof.slot];
      return (
        id !== undefined &&
        e !== undefined &&
        link !== undefined &&
        e.credited[proof.slot] === id &&
        link.nextEntry === J &&
        link.runningScore === score
      );
    }
  }
};

/** Whether a challenger-burden accusation's witness passes the chain's check (true: the claimant loses). */
export const judgeChallenger = (
  c: IndexCommitment,
  a: ChallengerAccusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
): boolean => {
  const E = ev.entries;
  const J = E.length;
  return holds(() => {
    switch (a.kind) {
      case "span":
        return verifySpanViolation(c, span(E[a.entry]!), output.length);
      case "order":
        return verifyOrderOfEntriesViolation(span(E[a.entry]!), span(E[a.entry + 1]!));
      case "omission": {
        const prev = a.after >= 0 ? E[a.after] : undefined;
        const next = E[a.after + 1];
        if (a.after >= J || (a.after >= 0 && prev === undefined)) throw new CheckFailed("SuffixChecks_NoViolation");
        return verifyOmission(c, output, {
          prev,
          next,
          a: a.a,
          x: a.x,
          occurrence: index.opening(a.rank, a.x - a.a),
        });
      }
      case "wonByte":
        return verifyWonByteViolation(span(E[a.entry]!), span(E[a.by]!), a.position);
      case "uncovered":
        return verifyUncoveredViolation(
          a.after >= 0 ? span(E[a.after]!) : undefined,
          a.after + 1 < J ? span(E[a.after + 1]!) : undefined,
          span(E[a.by]!),
          a.position,
        );
      case "link": {
        const e = E[a.entry]!;
        const id = e.credited[a.slot]!;
        const link = e.links[a.slot]!;
        if (link.nextEntry >= J) throw new CheckFailed("SuffixChecks_NoViolation");
        const n = E[link.nextEntry]!;
        const slot = n.credited.indexOf(id);
        const ok =
          link.nextEntry > a.entry && slot >= 0 && n.links[slot]!.runningScore === link.runningScore + entryCredit(n);
        if (ok) throw new CheckFailed("SuffixChecks_NoViolation");
        return;
      }
      case "skipped": {
        const e = E[a.entry]!;
        const id = e.credited[a.slot]!;
        const k = E[a.skipped]!;
        const ok = !(a.skipped > a.entry && a.skipped < e.links[a.slot]!.nextEntry && k.credited.includes(id));
        if (ok) throw new CheckFailed("SuffixChecks_NoViolation");
        return;
      }
      case "rankMissing": {
        const e = E[a.entry]!;
        const link = e.links[a.slot]!;
        if (link.nextEntry !== J) throw new CheckFailed("SuffixChecks_NoViolation");
        return verifyRankingViolation(
          ev.ranked.ids,
          ev.ranked.scores,
          c.maxEntries,
          e.credited[a.slot]!,
          link.runningScore,
        );
      }
    }
  });
};

/** Whether the ranked list gives exactly the claimed weights (checked by the chain at the answer). */
export const rankedGives = (
  ranked: PublishedEvidence["ranked"],
  maxEntries: number,
  weights: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>,
): boolean => {
  try {
    const w = rankedWeights(ranked.ids, ranked.scores, maxEntries);
    return (
      w.length === weights.length &&
      w.every((x, i) => x.contributionId === weights[i]!.contributionId && x.weight === weights[i]!.weight)
    );
  } catch (error) {
    if (error instanceof CheckFailed) return false;
    throw error;
  }
};

const sameIds = (a: ReadonlyArray<bigint>, b: ReadonlyArray<bigint>) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The challenger's move: the first accusation (in the rule's order) against `theirs` that the claimant
 * cannot answer, judged with this node's own honest evidence `mine` of the same output and index; or
 * `undefined` when `theirs` is as good as `mine` (same spans, ranges, sets, won bytes, links, ranking).
 */
export const findAccusation = (
  theirs: PublishedEvidence,
  mine: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
): Accusation | undefined => {
  const c = index.commitment;
  const T = theirs.entries;
  const J = T.length;
  const challenger = (a: ChallengerAccusation) => (judgeChallenger(c, a, theirs, output, index) ? a : undefined);

  // 1. malformed entries, out-of-order pairs
  for (let j = 0; j < J; j++) {
    const a = challenger({ kind: "span", entry: j });
    if (a !== undefined) return a;
  }
  for (let j = 0; j + 1 < J; j++) {
    const a = challenger({ kind: "order", entry: j });
    if (a !== undefined) return a;
  }
  // 2. each entry's own facts
  for (let j = 0; j < J; j++) {
    const e = T[j]!;
    const pattern = output.subarray(e.start, e.end);
    const { lo, hi } = index.range(pattern);
    if (hi === lo || e.lo !== lo) return { kind: "rangeLow", entry: j };
    if (e.hi !== hi) return { kind: "rangeHigh", entry: j };
    if (
      e.start > 0 &&
      index.range(output.subarray(e.start - 1, e.end)).hi > index.range(output.subarray(e.start - 1, e.end)).lo
    )
      return { kind: "maximalLeft", entry: j };
    if (e.end < output.length) {
      const r = index.range(output.subarray(e.start, e.end + 1));
      if (r.hi > r.lo) return { kind: "maximalRight", entry: j };
    }
    const truth = hi - lo > c.maxOccurrences ? [] : index.creditedIds(lo, hi);
    if (!sameIds(truth, e.credited)) return { kind: "creditedSet", entry: j };
    if (e.links.length !== e.credited.length) return { kind: "creditedSet", entry: j };
  }
  // 3. an omitted maximal span (every listed one is a true maximal span now)
  const M = mine.entries;
  const listed = new Set(T.map((e) => e.start));
  for (const m of M) {
    if (listed.has(m.start)) continue;
    let after = -1;
    while (after + 1 < J && T[after + 1]!.start < m.start) after++;
    const a = challenger({ kind: "omission", after, a: m.start, x: m.end, rank: m.lo });
    if (a !== undefined) return a;
  }
  // 4. won bytes (the listed spans are exactly `mine`'s now)
  const owner = (entries: ReadonlyArray<EvidenceEntry>, p: number) =>
    entries.findIndex((e) => p >= e.wonStart && p < e.wonEnd);
  for (let j = 0; j < J; j++) {
    const t = T[j]!;
    const m = M[j]!;
    for (let p = t.wonStart; p < t.wonEnd; p++) {
      if (p >= m.wonStart && p < m.wonEnd) continue;
      const a = challenger({ kind: "wonByte", entry: j, by: owner(M, p), position: p });
      if (a !== undefined) return a;
    }
    for (let p = m.wonStart; p < m.wonEnd; p++) {
      if (p >= t.wonStart && p < t.wonEnd) continue;
      const holder = owner(T, p);
      const a =
        holder >= 0
          ? challenger({ kind: "wonByte", entry: holder, by: j, position: p })
          : challenger({ kind: "uncovered", after: lastBefore(T, p), by: j, position: p });
      if (a !== undefined) return a;
    }
  }
  // 5. running-score links (spans, sets and won bytes agree: every credit is right)
  for (let j = 0; j < J; j++) {
    const t = T[j]!;
    const m = M[j]!;
    for (let s = 0; s < t.credited.length; s++) {
      const tl = t.links[s]!;
      const ml = m.links[s]!;
      if (tl.runningScore === ml.runningScore && tl.nextEntry === ml.nextEntry) continue;
      const id = t.credited[s]!;
      let previous = -1;
      for (let i = j - 1; i >= 0 && previous < 0; i--) if (T[i]!.credited.includes(id)) previous = i;
      if (tl.runningScore !== ml.runningScore) {
        if (previous < 0) return { kind: "headScore", entry: j, slot: s };
        const a = challenger({ kind: "link", entry: previous, slot: T[previous]!.credited.indexOf(id) });
        if (a !== undefined) return a;
      }
      const a =
        tl.nextEntry > ml.nextEntry
          ? challenger({ kind: "skipped", entry: j, slot: s, skipped: ml.nextEntry })
          : challenger({ kind: "link", entry: j, slot: s });
      if (a !== undefined) return a;
    }
  }
  // 6. the ranked list (every final score is right now)
  for (let r = 0; r < theirs.ranked.ids.length; r++) {
    const a: ClaimantAccusation = { kind: "rankScore", rank: r };
    if (answerAccusation(a, theirs, output, index) === undefined) return a;
  }
  for (let j = 0; j < J; j++) {
    for (let s = 0; s < T[j]!.credited.length; s++) {
      const a = challenger({ kind: "rankMissing", entry: j, slot: s });
      if (a !== undefined) return a;
    }
  }
  return undefined;
};

/** The last entry whose won interval ends at or before byte p (−1 for none). */
const lastBefore = (entries: ReadonlyArray<EvidenceEntry>, p: number): number => {
  let after = -1;
  while (after + 1 < entries.length && entries[after + 1]!.wonEnd <= p && entries[after + 1]!.wonStart <= p) after++;
  return after;
};
