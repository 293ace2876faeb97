/**
 * The TypeScript verifier of the suffix evidence game's one-step checks: the same statements as
 * `src/evidence/SuffixChecks.sol`, failing with the same error names, so an agent knows before it
 * sends a step whether the chain will accept it (and the shared vectors hold both to one answer).
 */
import { type Hex, hexToBytes } from "viem";
import { CHUNK_SIZE, verifyChunk } from "../content/merkle.ts";
import {
  corpusLeaf,
  type EntryProof,
  type IndexCommitment,
  type IsaProof,
  isaLeaf,
  type SaLeaf,
  type SuffixOpening,
  saLeaf,
  verifyLeaf,
} from "./index.ts";

export const SCORE_DENOMINATOR = 705_600n;
export const WEIGHT_SCALE = 1_000_000n;

/** A failed check: `error` is the Solidity custom error's name. */
export class CheckFailed extends Error {
  readonly _tag = "CheckFailed";
  constructor(readonly error: string) {
    super(`evidence check failed: ${error}`);
  }
}

const fail = (error: string): never => {
  throw new CheckFailed(error);
};

export type Relation = "less" | "prefix" | "greater";

interface Suffix {
  readonly data: Uint8Array;
  readonly skip: number;
  readonly length: number;
  readonly position: bigint;
  readonly contributionId: bigint;
}

export const checkSaLeaf = (c: IndexCommitment, leaf: SaLeaf): void => {
  if (
    leaf.position >= c.totalBytes ||
    !verifyLeaf(c.saRoot, c.totalBytes, leaf.rank, saLeaf(leaf.rank, leaf.position), leaf.proof)
  ) {
    fail("SuffixIndex_BadSaLeaf");
  }
};

export const checkEntry = (c: IndexCommitment, e: EntryProof): void => {
  if (!verifyLeaf(c.corpusRoot, c.entryCount, e.entry.index, corpusLeaf(e.entry), e.proof))
    fail("SuffixIndex_BadEntry");
};

const offsetIn = (e: EntryProof, position: bigint): number => {
  if (position < e.entry.start || position - e.entry.start >= e.entry.length) fail("SuffixIndex_PositionOutsideEntry");
  return Number(position - e.entry.start);
};

/** Opens a suffix: its SA leaf, its entry, its chunks; the bytes as far as the chunks reach. */
export const open = (c: IndexCommitment, o: SuffixOpening): Suffix => {
  checkSaLeaf(c, o.sa);
  checkEntry(c, o.entry);
  const offset = offsetIn(o.entry, o.sa.position);
  const base = Number(o.run.first) * CHUNK_SIZE;
  if (base > offset) fail("SuffixIndex_ChunksAfterSuffix");
  if (o.run.proofs.length !== o.run.chunks.length) fail("SuffixIndex_BadChunk");
  const parts: Uint8Array[] = [];
  o.run.chunks.forEach((chunkHex: Hex, i) => {
    const chunk = hexToBytes(chunkHex);
    const index = Number(o.run.first) + i;
    const ok = verifyChunk(o.entry.entry.contentRoot, Number(o.entry.entry.length), {
      index,
      chunk,
      siblings: o.run.proofs[i]!,
    });
    if (!ok) fail("SuffixIndex_BadChunk");
    parts.push(chunk);
  });
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return {
    data,
    skip: offset - base,
    length: Number(o.entry.entry.length) - offset,
    position: o.sa.position,
    contributionId: o.entry.entry.contributionId,
  };
};

export const compare = (s: Suffix, pattern: Uint8Array): Relation => {
  const available = Math.max(s.data.length - s.skip, 0);
  for (let t = 0; ; t++) {
    if (t === pattern.length) return "prefix";
    if (t === s.length) return "less";
    if (t >= available) fail("SuffixIndex_ShortOpening");
    const a = s.data[s.skip + t]!;
    const b = pattern[t]!;
    if (a < b) return "less";
    if (a > b) return "greater";
  }
};

const expectRank = (o: SuffixOpening, rank: bigint) => {
  if (o.sa.rank !== rank) fail("SuffixChecks_WrongRank");
};

export const verifyOccurs = (c: IndexCommitment, pattern: Uint8Array, o: SuffixOpening): void => {
  if (compare(open(c, o), pattern) !== "prefix") fail("SuffixChecks_NotPrefix");
};

export const verifyRangeLow = (
  c: IndexCommitment,
  pattern: Uint8Array,
  lo: bigint,
  below: SuffixOpening,
  first: SuffixOpening,
): void => {
  expectRank(first, lo);
  verifyOccurs(c, pattern, first);
  if (lo > 0n) {
    expectRank(below, lo - 1n);
    if (compare(open(c, below), pattern) === "prefix") fail("SuffixChecks_BoundaryMatches");
  }
};

export const verifyRangeHigh = (
  c: IndexCommitment,
  pattern: Uint8Array,
  hi: bigint,
  last: SuffixOpening,
  above: SuffixOpening,
): void => {
  if (hi === 0n || hi > c.totalBytes) fail("SuffixChecks_BadBounds");
  expectRank(last, hi - 1n);
  verifyOccurs(c, pattern, last);
  if (hi < c.totalBytes) {
    expectRank(above, hi);
    if (compare(open(c, above), pattern) === "prefix") fail("SuffixChecks_BoundaryMatches");
  }
};

export interface RangeProof {
  readonly first: SuffixOpening;
  readonly last: SuffixOpening;
  readonly below: SuffixOpening;
  readonly above: SuffixOpening;
}

export const verifyRange = (c: IndexCommitment, pattern: Uint8Array, lo: bigint, hi: bigint, p: RangeProof): void => {
  if (lo >= hi || hi > c.totalBytes) fail("SuffixChecks_BadBounds");
  verifyRangeLow(c, pattern, lo, p.below, p.first);
  verifyRangeHigh(c, pattern, hi, p.last, p.above);
};

export interface AbsenceProof {
  readonly hasBelow: boolean;
  readonly hasAbove: boolean;
  readonly below: SuffixOpening;
  readonly above: SuffixOpening;
}

export const verifyAbsent = (c: IndexCommitment, pattern: Uint8Array, p: AbsenceProof): void => {
  if (!p.hasBelow && !p.hasAbove) fail("SuffixChecks_NotBracketed");
  if (p.hasBelow) {
    if (!p.hasAbove) expectRank(p.below, c.totalBytes - 1n);
    if (compare(open(c, p.below), pattern) !== "less") fail("SuffixChecks_NotBracketed");
  }
  if (p.hasAbove) {
    expectRank(p.above, p.hasBelow ? p.below.sa.rank + 1n : 0n);
    if (compare(open(c, p.above), pattern) !== "greater") fail("SuffixChecks_NotBracketed");
  }
};

export interface Occurrence {
  readonly sa: SaLeaf;
  readonly entry: EntryProof;
}

export const verifyCreditedSet = (
  c: IndexCommitment,
  lo: bigint,
  hi: bigint,
  occurrences: ReadonlyArray<Occurrence>,
  ids: ReadonlyArray<bigint>,
): void => {
  if (lo >= hi || hi > c.totalBytes) fail("SuffixChecks_BadBounds");
  if (hi - lo > BigInt(c.maxOccurrences)) {
    if (ids.length !== 0) fail("SuffixChecks_SetMismatch");
    return;
  }
  if (occurrences.length !== Number(hi - lo)) fail("SuffixChecks_SetMismatch");
  const distinct = new Set<bigint>();
  occurrences.forEach((occ, i) => {
    if (occ.sa.rank !== lo + BigInt(i)) fail("SuffixChecks_WrongRank");
    checkSaLeaf(c, occ.sa);
    checkEntry(c, occ.entry);
    offsetIn(occ.entry, occ.sa.position);
    distinct.add(occ.entry.entry.contributionId);
  });
  const sorted = [...distinct].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length !== ids.length || sorted.some((id, i) => id !== ids[i])) fail("SuffixChecks_SetMismatch");
};

export const checkIsaLeaf = (c: IndexCommitment, position: bigint, p: IsaProof): void => {
  if (p.rank >= c.totalBytes || !verifyLeaf(c.isaRoot, c.totalBytes, position, isaLeaf(position, p.rank), p.proof)) {
    fail("SuffixIndex_BadIsaLeaf");
  }
};

/** Burkhardt–Kärkkäinen's local order of two adjacent suffixes (docs/evidence-game.md §1.4). */
export const adjacentOrdered = (
  c: IndexCommitment,
  first: SuffixOpening,
  second: SuffixOpening,
  next1: IsaProof,
  next2: IsaProof,
): boolean => {
  expectRank(second, first.sa.rank + 1n);
  const s1 = open(c, first);
  const s2 = open(c, second);
  if (s1.data.length <= s1.skip || s2.data.length <= s2.skip) fail("SuffixIndex_ShortOpening");
  const b1 = s1.data[s1.skip]!;
  const b2 = s2.data[s2.skip]!;
  if (b1 !== b2) return b1 < b2;
  const ends1 = s1.length === 1;
  const ends2 = s2.length === 1;
  if (ends1 && ends2) return s1.position < s2.position;
  if (ends1 || ends2) return ends1;
  checkIsaLeaf(c, s1.position + 1n, next1);
  checkIsaLeaf(c, s2.position + 1n, next2);
  return next1.rank < next2.rank;
};

/** Two adjacent suffixes are out of order (the bogus-index dispute's `proveUnsorted`). */
export const verifyOrderViolation = (
  c: IndexCommitment,
  first: SuffixOpening,
  second: SuffixOpening,
  next1: IsaProof,
  next2: IsaProof,
): void => {
  if (adjacentOrdered(c, first, second, next1, next2)) fail("SuffixChecks_NoViolation");
};

/** The rule's last step: weights from a ranked top-K list (as `SuffixChecks.rankedWeights`). */
export const rankedWeights = (
  ids: ReadonlyArray<bigint>,
  scores: ReadonlyArray<bigint>,
  maxEntries: number,
): Array<{ contributionId: bigint; weight: number }> => {
  if (ids.length > maxEntries || scores.length !== ids.length) fail("SuffixChecks_BadRanking");
  let total = 0n;
  scores.forEach((score, i) => {
    if (score === 0n) fail("SuffixChecks_BadRanking");
    if (i > 0 && (score > scores[i - 1]! || (score === scores[i - 1]! && ids[i]! <= ids[i - 1]!))) {
      fail("SuffixChecks_BadRanking");
    }
    total += score;
  });
  const weights = scores.map((score) => (score * WEIGHT_SCALE) / total);
  let given = weights.reduce((a, b) => a + b, 0n);
  for (let i = 0; given < WEIGHT_SCALE && ids.length > 0; i++, given++) weights[i]! += 1n;
  return ids
    .map((contributionId, i) => ({ contributionId, weight: Number(weights[i]!) }))
    .filter((w) => w.weight > 0)
    .sort((a, b) => (a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : 0));
};

/** A credited span's score for each of its c contributions: creditedBytes · D / c². */
export const spanCredit = (creditedBytes: number, contributions: number): bigint =>
  (BigInt(creditedBytes) * SCORE_DENOMINATOR) / BigInt(contributions * contributions);

/** Runs a check and reports `"ok"` or the Solidity error name it fails with. */
export const outcome = (check: () => unknown): string => {
  try {
    check();
    return "ok";
  } catch (error) {
    if (error instanceof CheckFailed) return error.error;
    throw error;
  }
};

/** The fields of an evidence entry the one-step checks read (`EvidenceSpan` in SuffixChecks.sol). */
export interface EvidenceSpan {
  readonly start: number;
  readonly end: number;
  readonly wonStart: number;
  readonly wonEnd: number;
  readonly lo: number;
  readonly hi: number;
}

/** The span `[start, end)` of the output is maximal: neither one-byte extension occurs (`verifyMaximal`). */
export const verifyMaximal = (
  c: IndexCommitment,
  output: Uint8Array,
  start: number,
  end: number,
  left: AbsenceProof,
  right: AbsenceProof,
): void => {
  if (start >= end || end > output.length) fail("SuffixChecks_BadBounds");
  if (start > 0) verifyAbsent(c, output.subarray(start - 1, end), left);
  if (end < output.length) verifyAbsent(c, output.subarray(start, end + 1), right);
};

/** Whether span k beats span j for a byte both cover: longer, or as long and earlier. */
export const beats = (k: EvidenceSpan, j: EvidenceSpan): boolean => {
  const lk = k.end - k.start;
  const lj = j.end - j.start;
  return lk > lj || (lk === lj && k.start < j.start);
};

/** An entry malformed on its own (`verifySpanViolation`). */
export const verifySpanViolation = (c: IndexCommitment, s: EvidenceSpan, outputLength: number): void => {
  const wrong =
    s.end <= s.start ||
    s.end - s.start < c.minMatch ||
    s.end > outputLength ||
    s.wonStart < s.start ||
    s.wonEnd > s.end ||
    s.wonStart > s.wonEnd ||
    s.lo >= s.hi;
  if (!wrong) fail("SuffixChecks_NoViolation");
};

/** Two adjacent entries out of order (`verifyOrderOfEntriesViolation`). */
export const verifyOrderOfEntriesViolation = (a: EvidenceSpan, b: EvidenceSpan): void => {
  if (b.start > a.start && b.end > a.end && a.wonEnd <= b.wonStart) fail("SuffixChecks_NoViolation");
};

/** Byte p is in j's won interval but k covers it and beats j (`verifyWonByteViolation`). */
export const verifyWonByteViolation = (j: EvidenceSpan, k: EvidenceSpan, p: number): void => {
  const wrong = p >= j.wonStart && p < j.wonEnd && p >= k.start && p < k.end && beats(k, j);
  if (!wrong) fail("SuffixChecks_NoViolation");
};

/** Byte p lies between the won intervals of adjacent a, b (or an end of the list) yet k covers it. */
export const verifyUncoveredViolation = (
  a: EvidenceSpan | undefined,
  b: EvidenceSpan | undefined,
  k: EvidenceSpan,
  p: number,
): void => {
  const inGap = (a === undefined || p >= a.wonEnd) && (b === undefined || p < b.wonStart);
  if (!(inGap && p >= k.start && p < k.end)) fail("SuffixChecks_NoViolation");
};

export interface OmissionProof {
  readonly prev: EvidenceSpan | undefined;
  readonly next: EvidenceSpan | undefined;
  readonly a: number;
  readonly x: number;
  readonly occurrence: SuffixOpening;
}

/** A maximal span of ≥ minMatch bytes is missing between two adjacent entries (`verifyOmission`). */
export const verifyOmission = (c: IndexCommitment, output: Uint8Array, p: OmissionProof): void => {
  const placed =
    p.x <= output.length &&
    p.x >= p.a + c.minMatch &&
    (p.prev === undefined || (p.a > p.prev.start && p.x > p.prev.end)) &&
    (p.next === undefined || p.a < p.next.start);
  if (!placed) fail("SuffixChecks_NoViolation");
  verifyOccurs(c, output.subarray(p.a, p.x), p.occurrence);
};

/** A credited contribution with final score `score` belongs in the ranked list and is not in it. */
export const verifyRankingViolation = (
  ids: ReadonlyArray<bigint>,
  scores: ReadonlyArray<bigint>,
  maxEntries: number,
  id: bigint,
  score: bigint,
): void => {
  if (score === 0n || ids.includes(id)) fail("SuffixChecks_NoViolation");
  const count = ids.length;
  const belongs =
    count < maxEntries || score > scores[count - 1]! || (score === scores[count - 1]! && id < ids[count - 1]!);
  if (!belongs) fail("SuffixChecks_NoViolation");
};
