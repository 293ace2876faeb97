/**
 * The evidence game's moves as the agents play them (docs/evidence-game.md §3, src/interfaces/
 * IEvidenceGame.sol): the claimant-burden accusations a challenger names and the proof the claimant
 * answers each with, the violations a challenger proves at once, and the two decisions an agent takes:
 *
 *   - `findMove` (challenger): diff the claimant's published evidence with this node's own and name the
 *     first move the claimant loses: a violation whose witness verifies, or an accusation the claimant has
 *     no proof for;
 *   - `answerAccusation` (claimant): the proof of an accusation from the proof index, or nothing when the
 *     accused fact is false (the claimant then loses on its clock; a proof that does not verify would
 *     only revert).
 *
 * The diff follows the rule's dependencies: a malformed entry or an out-of-order pair first, then each
 * entry's own facts (its span occurs with exactly its SA range, is maximal, credits exactly its set),
 * then an omitted maximal span, then who won which bytes, then the running-score links, then the ranked
 * list. When every earlier piece agrees with this node's evidence, a difference in a later piece has a
 * witness (§3.3 "why the omission check is exact", §3.4 "by induction along the list"), so evidence whose
 * ranked list differs from the rule's always yields a move the claimant loses, and honest evidence none.
 *
 * `judgeClaimant` / `judgeViolation` are the referee in TypeScript: the verdict EvidenceGame's one-step
 * checks give (agents/evidence/verify.ts mirrors src/evidence/SuffixChecks.sol), so both agents know a
 * move lands before they send it.
 */
import { type Entry, entryCredit, NO_ENTRY } from "./entry.ts";
import type { ProofIndex, SuffixOpening } from "./index.ts";
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
  verifyUncoveredViolation,
  verifyWonByteViolation,
} from "./verify.ts";

/** A claimant's evidence as published: entries sorted by output start, and the ranked top K. */
export interface PublishedEvidence {
  readonly entries: ReadonlyArray<Entry>;
  readonly ranked: { readonly ids: ReadonlyArray<bigint>; readonly scores: ReadonlyArray<bigint> };
}

/** `IEvidenceGame.Accusation` (claimant's burden), by name; `index` is an entry (a ranked position for RankedScore). */
export type AccusationKind = "RangeLow" | "RangeHigh" | "MaximalLeft" | "MaximalRight" | "CreditedSet" | "RankedScore";

/** The enum's value on chain. */
export const ACCUSATION_CODE: Record<AccusationKind, number> = {
  RangeLow: 1,
  RangeHigh: 2,
  MaximalLeft: 3,
  MaximalRight: 4,
  CreditedSet: 5,
  RankedScore: 6,
};

export interface Accusation {
  readonly kind: AccusationKind;
  readonly index: number;
}

/** A violation the challenger proves at once (`IEvidenceGame.prove…`); entries are named by index. */
export type Violation =
  | { readonly kind: "EntryMalformed"; readonly entry: number }
  | { readonly kind: "EntriesOutOfOrder"; readonly entry: number }
  | { readonly kind: "WonByte"; readonly entry: number; readonly by: number; readonly position: number }
  /** `after`: the entry before the gap (−1: before entry 0); `after + 1 = J`: after the last. */
  | { readonly kind: "Uncovered"; readonly after: number; readonly by: number; readonly position: number }
  | {
      readonly kind: "Omission";
      readonly after: number;
      readonly a: number;
      readonly x: number;
      /** The rank of an occurrence of output[a, x) in the proof index. */
      readonly rank: number;
    }
  | { readonly kind: "FirstCredit"; readonly entry: number; readonly slot: number }
  | { readonly kind: "BrokenLink"; readonly a: number; readonly b: number; readonly id: bigint }
  | { readonly kind: "SkippedCredit"; readonly entry: number; readonly skipped: number; readonly id: bigint }
  | { readonly kind: "RankingOmission"; readonly entry: number; readonly slot: number };

export type Move =
  | { readonly type: "accuse"; readonly accusation: Accusation }
  | ({ readonly type: "prove" } & Violation);

/** The claimant's proof of an accusation (the `defend…` call's arguments besides openings of its own entry). */
export type Defense =
  | { readonly kind: "RangeLow" | "RangeHigh"; readonly a: SuffixOpening; readonly b: SuffixOpening }
  | { readonly kind: "MaximalLeft" | "MaximalRight"; readonly absence: AbsenceProof }
  | { readonly kind: "CreditedSet"; readonly occurrences: ReadonlyArray<Occurrence> }
  /** RankedScore: the entry crediting the ranked id last, with that running score. */
  | { readonly kind: "RankedScore"; readonly entry: number };

export const spanOf = (e: Entry): EvidenceSpan => ({
  start: e.span.start,
  end: e.span.end,
  wonStart: e.span.wonStart,
  wonEnd: e.span.wonEnd,
  lo: Number(e.span.lo),
  hi: Number(e.span.hi),
});

const creditOf = (e: Entry): bigint => entryCredit(e.span, e.credits.length);

const holds = (check: () => void): boolean => {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof CheckFailed) return false;
    throw error;
  }
};

const noViolation = (): never => {
  throw new CheckFailed("EvidenceGame_NoViolation");
};

/** The absence proof of a pattern that occurs nowhere: the ranks bracketing its insertion point. */
export const absenceProof = (index: ProofIndex, pattern: Uint8Array): AbsenceProof | undefined => {
  const { lo, hi } = index.range(pattern);
  if (hi > lo) return undefined;
  const open = (rank: number) => index.opening(rank, pattern.length);
  const hasBelow = lo > 0;
  const hasAbove = lo < index.n;
  const filler = open(0);
  return { hasBelow, hasAbove, below: hasBelow ? open(lo - 1) : filler, above: hasAbove ? open(lo) : filler };
};

/** The SA leaves of [lo, hi) with their corpus entries (none when the span is too common). */
export const occurrencesOf = (index: ProofIndex, lo: number, hi: number): Occurrence[] =>
  hi - lo > index.commitment.maxOccurrences
    ? []
    : Array.from({ length: hi - lo }, (_, i) => ({
        sa: index.saLeaf(lo + i),
        entry: index.entryProof(index.entryOf(index.sa[lo + i]!)),
      }));

/** Whether `pattern` occurs in the index. */
const occurs = (index: ProofIndex, pattern: Uint8Array) => {
  const { lo, hi } = index.range(pattern);
  return hi > lo;
};

/**
 * The claimant's defense of accusation `a` against its evidence `ev`, built from its proof index and
 * checked with the referee; `undefined` when it has none (the accused fact is false).
 */
export const answerAccusation = (
  a: Accusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
): Defense | undefined => {
  const defense = buildDefense(a, ev, output, index);
  return defense !== undefined && judgeClaimant(index, a, ev, output, defense) ? defense : undefined;
};

const buildDefense = (
  a: Accusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
): Defense | undefined => {
  if (a.kind === "RankedScore") {
    const id = ev.ranked.ids[a.index];
    if (id === undefined) return undefined;
    const entry = ev.entries.findIndex((e) => e.credits.some((c) => c.id === id && c.next === NO_ENTRY));
    return entry < 0 ? undefined : { kind: "RankedScore", entry };
  }
  const e = ev.entries[a.index];
  if (e === undefined) return undefined;
  const { start, end } = e.span;
  const lo = Number(e.span.lo);
  const hi = Number(e.span.hi);
  const inRange = (rank: number) => rank >= 0 && rank < index.n;
  switch (a.kind) {
    case "RangeLow":
    case "RangeHigh": {
      if (!inRange(lo) || !inRange(hi - 1)) return undefined;
      const open = (rank: number) => index.opening(inRange(rank) ? rank : 0, end - start);
      return a.kind === "RangeLow"
        ? { kind: a.kind, a: open(lo - 1), b: open(lo) }
        : { kind: a.kind, a: open(hi - 1), b: open(hi) };
    }
    case "MaximalLeft":
    case "MaximalRight": {
      const left = a.kind === "MaximalLeft";
      if (left ? start === 0 : end >= output.length) {
        // free at the output's end: the proof is ignored
        const filler = index.opening(0, 1);
        return { kind: a.kind, absence: { hasBelow: false, hasAbove: false, below: filler, above: filler } };
      }
      const absence = absenceProof(index, output.subarray(left ? start - 1 : start, left ? end : end + 1));
      return absence === undefined ? undefined : { kind: a.kind, absence };
    }
    case "CreditedSet":
      if (lo >= hi || hi > index.n) return undefined;
      return { kind: a.kind, occurrences: occurrencesOf(index, lo, hi) };
  }
};

/** Whether the claimant's defense of `a` passes the chain's check (true: the accusation is answered). */
export const judgeClaimant = (
  index: ProofIndex,
  a: Accusation,
  ev: PublishedEvidence,
  output: Uint8Array,
  d: Defense,
): boolean => {
  const c = index.commitment;
  if (d.kind !== a.kind) return false;
  if (d.kind === "RankedScore") {
    const id = ev.ranked.ids[a.index];
    const score = ev.ranked.scores[a.index];
    const credit = ev.entries[d.entry]?.credits.find((x) => x.id === id);
    return credit !== undefined && credit.next === NO_ENTRY && credit.runningScore === score;
  }
  const e = ev.entries[a.index];
  if (e === undefined) return false;
  const { start, end } = e.span;
  if (end <= start || end > output.length) return false;
  const pattern = output.subarray(start, end);
  return holds(() => {
    switch (d.kind) {
      case "RangeLow":
        return verifyRangeLow(c, pattern, e.span.lo, d.a, d.b);
      case "RangeHigh":
        return verifyRangeHigh(c, pattern, e.span.hi, d.a, d.b);
      case "MaximalLeft":
        if (start > 0) verifyAbsent(c, output.subarray(start - 1, end), d.absence);
        return;
      case "MaximalRight":
        if (end < output.length) verifyAbsent(c, output.subarray(start, end + 1), d.absence);
        return;
      case "CreditedSet":
        return verifyCreditedSet(
          c,
          e.span.lo,
          e.span.hi,
          d.occurrences,
          e.credits.map((x) => x.id),
        );
    }
  });
};

/** An entry malformed on its own, as `proveEntryMalformed` checks it. */
const malformed = (ev: PublishedEvidence, j: number, minMatch: number, outputLength: number): boolean => {
  const e = ev.entries[j]!;
  const s = e.span;
  const J = ev.entries.length;
  if (
    s.end <= s.start ||
    s.end - s.start < minMatch ||
    s.end > outputLength ||
    s.wonStart < s.start ||
    s.wonEnd > s.end ||
    s.wonStart > s.wonEnd ||
    s.lo >= s.hi ||
    e.credits.length > 8
  )
    return true;
  return e.credits.some(
    (c, i) =>
      (i > 0 && c.id <= e.credits[i - 1]!.id) ||
      (c.prev !== NO_ENTRY && c.prev >= j) ||
      (c.next !== NO_ENTRY && (c.next <= j || c.next >= J)),
  );
};

/** Whether the challenger's violation holds against `ev` (true: the claimant loses at once). */
export const judgeViolation = (index: ProofIndex, v: Violation, ev: PublishedEvidence, output: Uint8Array): boolean => {
  const c = index.commitment;
  const E = ev.entries;
  const J = E.length;
  const at = (j: number) => {
    const e = E[j];
    if (e === undefined) return noViolation();
    return e;
  };
  return holds(() => {
    switch (v.kind) {
      case "EntryMalformed":
        if (!malformed(ev, v.entry, c.minMatch, output.length)) noViolation();
        return;
      case "EntriesOutOfOrder":
        return verifyOrderOfEntriesViolation(spanOf(at(v.entry)), spanOf(at(v.entry + 1)));
      case "WonByte":
        return verifyWonByteViolation(spanOf(at(v.entry)), spanOf(at(v.by)), v.position);
      case "Uncovered":
        return verifyUncoveredViolation(
          v.after >= 0 ? spanOf(at(v.after)) : undefined,
          v.after + 1 < J ? spanOf(at(v.after + 1)) : undefined,
          spanOf(at(v.by)),
          v.position,
        );
      case "Omission":
        if (v.after < -1 || v.after >= J || v.rank < 0 || v.rank >= index.n) noViolation();
        return verifyOmission(c, output, {
          prev: v.after >= 0 ? spanOf(at(v.after)) : undefined,
          next: v.after + 1 < J ? spanOf(at(v.after + 1)) : undefined,
          a: v.a,
          x: v.x,
          occurrence: index.opening(v.rank, v.x - v.a),
        });
      case "FirstCredit": {
        const e = at(v.entry);
        const credit = e.credits[v.slot];
        if (credit === undefined || credit.prev !== NO_ENTRY || credit.runningScore === creditOf(e)) noViolation();
        return;
      }
      case "BrokenLink": {
        const a = at(v.a);
        const b = at(v.b);
        const ca = a.credits.find((x) => x.id === v.id);
        const cb = b.credits.find((x) => x.id === v.id);
        const named = ca?.next === v.b || cb?.prev === v.a;
        const whole =
          v.a < v.b &&
          ca !== undefined &&
          cb !== undefined &&
          ca.next === v.b &&
          cb.prev === v.a &&
          cb.runningScore === ca.runningScore + creditOf(b);
        if (!named || whole) noViolation();
        return;
      }
      case "SkippedCredit": {
        const e = at(v.entry);
        const m = at(v.skipped);
        const ce = e.credits.find((x) => x.id === v.id);
        const lower = ce === undefined || ce.prev === NO_ENTRY ? -1 : ce.prev;
        const upper = ce === undefined || ce.next === NO_ENTRY ? Number.POSITIVE_INFINITY : ce.next;
        const between = ce !== undefined && v.skipped !== v.entry && v.skipped > lower && v.skipped < upper;
        if (!between || !m.credits.some((x) => x.id === v.id)) noViolation();
        return;
      }
      case "RankingOmission": {
        const e = at(v.entry);
        const credit = e.credits[v.slot];
        if (credit === undefined || credit.next !== NO_ENTRY) noViolation();
        return verifyRankingViolation(ev.ranked.ids, ev.ranked.scores, c.maxEntries, credit!.id, credit!.runningScore);
      }
    }
  });
};

/** Whether the ranked list gives exactly `weights` (checked by the chain at the answer). */
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
 * The challenger's move against `theirs`: the first (in the rule's order) that the claimant loses, judged
 * with this node's own honest evidence `mine` of the same output and index; `undefined` when `theirs`
 * is as good as `mine`. `skip` leaves out accusations already made (each may be made once).
 */
export const findMove = (
  theirs: PublishedEvidence,
  mine: PublishedEvidence,
  output: Uint8Array,
  index: ProofIndex,
  skip: (a: Accusation) => boolean = () => false,
): Move | undefined => {
  const T = theirs.entries;
  const M = mine.entries;
  const J = T.length;
  const prove = (v: Violation): Move | undefined =>
    judgeViolation(index, v, theirs, output) ? { type: "prove", ...v } : undefined;
  const accuse = (kind: AccusationKind, i: number): Move | undefined => {
    const accusation = { kind, index: i };
    if (skip(accusation) || answerAccusation(accusation, theirs, output, index) !== undefined) return undefined;
    return { type: "accuse", accusation };
  };

  // 1. malformed entries, out-of-order pairs
  for (let j = 0; j < J; j++) {
    const m = prove({ kind: "EntryMalformed", entry: j });
    if (m) return m;
  }
  for (let j = 0; j + 1 < J; j++) {
    const m = prove({ kind: "EntriesOutOfOrder", entry: j });
    if (m) return m;
  }
  // 2. each entry's own facts
  for (let j = 0; j < J; j++) {
    const e = T[j]!;
    const { start, end } = e.span;
    const move =
      accuse("RangeLow", j) ??
      accuse("RangeHigh", j) ??
      accuse("MaximalLeft", j) ??
      accuse("MaximalRight", j) ??
      accuse("CreditedSet", j);
    if (move) return move;
    if (!occurs(index, output.subarray(start, end))) return undefined; // unreachable: RangeLow stands
  }
  // 3. an omitted maximal span (every listed span is a true maximal span now)
  const listed = new Set(T.map((e) => e.span.start));
  for (const m of M) {
    if (listed.has(m.span.start)) continue;
    let after = -1;
    while (after + 1 < J && T[after + 1]!.span.start < m.span.start) after++;
    const move = prove({ kind: "Omission", after, a: m.span.start, x: m.span.end, rank: Number(m.span.lo) });
    if (move) return move;
  }
  if (J !== M.length) return undefined;
  // 4. won bytes (the listed spans are exactly mine now)
  const owner = (entries: ReadonlyArray<Entry>, p: number) =>
    entries.findIndex((e) => p >= e.span.wonStart && p < e.span.wonEnd);
  for (let j = 0; j < J; j++) {
    const t = T[j]!.span;
    const m = M[j]!.span;
    for (let p = t.wonStart; p < t.wonEnd; p++) {
      if (p >= m.wonStart && p < m.wonEnd) continue;
      const move = prove({ kind: "WonByte", entry: j, by: owner(M, p), position: p });
      if (move) return move;
    }
    for (let p = m.wonStart; p < m.wonEnd; p++) {
      if (p >= t.wonStart && p < t.wonEnd) continue;
      const holder = owner(T, p);
      const move =
        holder >= 0
          ? prove({ kind: "WonByte", entry: holder, by: j, position: p })
          : prove({ kind: "Uncovered", after: gapBefore(T, p), by: j, position: p });
      if (move) return move;
    }
  }
  // 5. running-score links (every span, set and won interval is right: every credit is)
  for (let j = 0; j < J; j++) {
    const t = T[j]!;
    const m = M[j]!;
    if (
      !sameIds(
        t.credits.map((x) => x.id),
        m.credits.map((x) => x.id),
      )
    )
      return undefined; // unreachable: CreditedSet stands
    for (let s = 0; s < t.credits.length; s++) {
      const tc = t.credits[s]!;
      const mc = m.credits[s]!;
      if (tc.runningScore === mc.runningScore && tc.prev === mc.prev && tc.next === mc.next) continue;
      const id = tc.id;
      const moves: Array<Violation> = [];
      if (tc.prev !== mc.prev) {
        if (mc.prev !== NO_ENTRY && (tc.prev === NO_ENTRY || tc.prev < mc.prev))
          moves.push({ kind: "SkippedCredit", entry: j, skipped: mc.prev, id });
        else moves.push({ kind: "BrokenLink", a: tc.prev, b: j, id });
      } else if (tc.runningScore !== mc.runningScore) {
        moves.push(
          tc.prev === NO_ENTRY
            ? { kind: "FirstCredit", entry: j, slot: s }
            : { kind: "BrokenLink", a: tc.prev, b: j, id },
        );
      } else if (mc.next !== NO_ENTRY && (tc.next === NO_ENTRY || tc.next > mc.next)) {
        moves.push({ kind: "SkippedCredit", entry: j, skipped: mc.next, id });
      } else {
        moves.push({ kind: "BrokenLink", a: j, b: tc.next, id });
      }
      for (const v of moves) {
        const move = prove(v);
        if (move) return move;
      }
    }
  }
  // 6. the ranked list (every final score is right now)
  for (let r = 0; r < theirs.ranked.ids.length; r++) {
    const move = accuse("RankedScore", r);
    if (move) return move;
  }
  for (let j = 0; j < J; j++) {
    for (let s = 0; s < T[j]!.credits.length; s++) {
      const move = prove({ kind: "RankingOmission", entry: j, slot: s });
      if (move) return move;
    }
  }
  return undefined;
};

/** The entry before the gap holding byte p: the last whose won interval ends at or before p (−1: none). */
const gapBefore = (entries: ReadonlyArray<Entry>, p: number): number => {
  let after = -1;
  while (after + 1 < entries.length && entries[after + 1]!.span.wonEnd <= p && entries[after + 1]!.span.wonStart <= p)
    after++;
  return after;
};
