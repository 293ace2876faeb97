/**
 * Shared evidence vectors (TS index and proofs ⇄ Solidity one-step checks). Written by
 * `npm run vectors` to `test/vectors/evidence.json`; read by `test/evidence/EvidenceVectors.t.sol`
 * (forge replays every call on `SuffixChecksHarness`) and `agents/evidence/evidence.test.ts`
 * (vitest: the file is what this generator writes, and the TS verifier gives every case its label).
 *
 * Each case is a harness call built from a `ProofIndex` and labelled by construction: an honest
 * proof is `ok`, a forged one names the error its forgery must hit — never by running a verifier.
 */
import {
  bytesToHex,
  encodeFunctionData,
  encodeFunctionResult,
  type Hex,
  keccak256,
  parseAbi,
  toBytes,
  zeroHash,
} from "viem";
import { type Contribution, type IndexCommitment, ProofIndex, type SuffixOpening } from "./index.ts";
import {
  type AbsenceProof,
  outcome,
  type RangeProof,
  rankedWeights,
  verifyAbsent,
  verifyCreditedSet,
  verifyOccurs,
  verifyOrderViolation,
  verifyRange,
} from "./verify.ts";

export const EVIDENCE_VECTORS_PATH = "test/vectors/evidence.json";

export const HARNESS_ABI = parseAbi([
  "struct IndexCommitment { uint64 version; uint64 snapshotTime; uint64 entryCount; uint64 totalBytes; bytes32 corpusRoot; bytes32 saRoot; bytes32 isaRoot; uint32 minMatch; uint32 maxOccurrences; uint32 maxEntries; }",
  "struct CorpusEntry { uint64 index; uint64 contributionId; uint64 start; uint64 length; bytes32 contentRoot; }",
  "struct EntryProof { CorpusEntry entry; bytes32[] proof; }",
  "struct SaLeaf { uint64 rank; uint64 position; bytes32[] proof; }",
  "struct ChunkRun { uint64 first; bytes[] chunks; bytes32[][] proofs; }",
  "struct SuffixOpening { SaLeaf sa; EntryProof entry; ChunkRun run; }",
  "struct RangeProof { SuffixOpening first; SuffixOpening last; SuffixOpening below; SuffixOpening above; }",
  "struct AbsenceProof { bool hasBelow; bool hasAbove; SuffixOpening below; SuffixOpening above; }",
  "struct Occurrence { SaLeaf sa; EntryProof entry; }",
  "struct IsaProof { uint64 rank; bytes32[] proof; }",
  "function occurs(IndexCommitment c, bytes pattern, SuffixOpening o)",
  "function range(IndexCommitment c, bytes pattern, uint64 lo, uint64 hi, RangeProof p)",
  "function absent(IndexCommitment c, bytes pattern, AbsenceProof p)",
  "function creditedSet(IndexCommitment c, uint64 lo, uint64 hi, Occurrence[] occurrences, uint64[] ids)",
  "function orderViolation(IndexCommitment c, SuffixOpening first, SuffixOpening second, IsaProof next1, IsaProof next2)",
  "function rankedWeights(uint64[] ids, uint256[] scores, uint256 maxEntries) returns (uint64[] ids_, uint32[] weights_)",
]);

/** Solidity signatures of the errors a case may expect. */
const ERRORS: Record<string, string> = {
  SuffixIndex_BadSaLeaf: "SuffixIndex_BadSaLeaf(uint256)",
  SuffixIndex_BadEntry: "SuffixIndex_BadEntry(uint256)",
  SuffixIndex_PositionOutsideEntry: "SuffixIndex_PositionOutsideEntry(uint256,uint256)",
  SuffixIndex_BadChunk: "SuffixIndex_BadChunk(uint256)",
  SuffixChecks_NotPrefix: "SuffixChecks_NotPrefix(uint256)",
  SuffixChecks_BoundaryMatches: "SuffixChecks_BoundaryMatches(uint256)",
  SuffixChecks_NotBracketed: "SuffixChecks_NotBracketed(uint256)",
  SuffixChecks_SetMismatch: "SuffixChecks_SetMismatch()",
  SuffixChecks_WrongRank: "SuffixChecks_WrongRank(uint256,uint256)",
  SuffixChecks_NoViolation: "SuffixChecks_NoViolation()",
  SuffixChecks_BadRanking: "SuffixChecks_BadRanking(uint256)",
};

export const errorSelector = (name: string): Hex => {
  const signature = ERRORS[name];
  if (signature === undefined) throw new Error(`unknown error ${name}`);
  return keccak256(toBytes(signature)).slice(0, 10) as Hex;
};

/** One vector: the harness call, its label, and the TS check that must agree with the label. */
export interface EvidenceCase {
  readonly name: string;
  readonly call: Hex;
  readonly expect: string;
  readonly returns: Hex;
  readonly check: () => unknown;
}

const prng = (seed: number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
};

const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array): Hex => bytesToHex(b);

/** The vectors' corpus: short repeats, and two long contributions sharing a 1,500-byte passage across chunks. */
export const vectorCorpus = (): Contribution[] => {
  const next = prng(0xe71de);
  const words = ["the ", "fund ", "shall ", "pay ", "data ", "owners ", "who ", "quoted ", "are ", "credited "];
  let long = "";
  while (long.length < 2600) long += words[next() % words.length];
  const quoted = long.slice(900, 2400);
  return [
    { id: 3n, content: text("abracadabra") },
    { id: 7n, content: text("cadabra abra") },
    { id: 9n, content: text("abra") },
    { id: 12n, content: text(long) },
    { id: 15n, content: text(`as we said: ${quoted} and that is new`) },
  ];
};

export const VECTOR_PARAMS = { minMatch: 32, maxOccurrences: 8, maxEntries: 8 } as const;
export const VECTOR_SNAPSHOT = 1_700_000_000n;

const emptyOpening = (): SuffixOpening => ({
  sa: { rank: 0n, position: 0n, proof: [] },
  entry: { entry: { index: 0n, contributionId: 0n, start: 0n, length: 0n, contentRoot: zeroHash }, proof: [] },
  run: { first: 0n, chunks: [], proofs: [] },
});

export const buildEvidenceCases = (): { index: ProofIndex; cases: EvidenceCase[] } => {
  const index = new ProofIndex(vectorCorpus(), VECTOR_PARAMS, VECTOR_SNAPSHOT);
  const c: IndexCommitment = index.commitment;
  const cases: EvidenceCase[] = [];
  const add = (name: string, call: Hex, expect: string, check: () => unknown, returns: Hex = "0x") =>
    cases.push({ name, call, expect, check, returns });
  const long = vectorCorpus()[3]!.content;
  const patterns: Array<[string, Uint8Array]> = [
    ["abra", text("abra")],
    ["cadabra", text("cadabra")],
    ["passage across chunks", long.slice(950, 2350)],
    ["the ", text("the ")],
  ];

  for (const [label, pattern] of patterns) {
    // Openings with enough bytes to decide a comparison with the pattern or its one-byte extension.
    const full = (rank: number) => index.opening(rank, pattern.length + 1);
    const { lo, hi } = index.range(pattern);
    const p = hex(pattern);
    for (let r = lo; r < Math.min(hi, lo + 3); r++) {
      const o = index.opening(r, pattern.length);
      add(
        `occurs ${label} at rank ${r}`,
        encodeFunctionData({ abi: HARNESS_ABI, functionName: "occurs", args: [c, p, o] }),
        "ok",
        () => verifyOccurs(c, pattern, o),
      );
    }
    const shifted = { ...index.opening(lo, pattern.length) };
    const forged = { ...shifted, sa: { ...shifted.sa, position: shifted.sa.position + 1n } };
    add(
      `occurs ${label}: shifted offset`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "occurs", args: [c, p, forged] }),
      "SuffixIndex_BadSaLeaf",
      () => verifyOccurs(c, pattern, forged),
    );
    if (hi < index.n) {
      const other = full(hi);
      add(
        `occurs ${label}: the rank past its range`,
        encodeFunctionData({ abi: HARNESS_ABI, functionName: "occurs", args: [c, p, other] }),
        "SuffixChecks_NotPrefix",
        () => verifyOccurs(c, pattern, other),
      );
    }
    const edited = index.opening(lo, pattern.length);
    const wrongEntry = {
      ...edited,
      entry: { ...edited.entry, entry: { ...edited.entry.entry, start: edited.entry.entry.start + 1n } },
    };
    add(
      `occurs ${label}: edited corpus entry`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "occurs", args: [c, p, wrongEntry] }),
      "SuffixIndex_BadEntry",
      () => verifyOccurs(c, pattern, wrongEntry),
    );
    const k = index.entryOf(index.sa[lo]!);
    const otherK = (k + 1) % index.contributions.length;
    const chunkOfOther = { ...edited, run: index.opening(index.isa[index.starts[otherK]!]!, 1).run };
    add(
      `occurs ${label}: chunk of another contribution`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "occurs", args: [c, p, chunkOfOther] }),
      "SuffixIndex_BadChunk",
      () => verifyOccurs(c, pattern, chunkOfOther),
    );

    const rp = (a: number, b: number): RangeProof => ({
      first: full(a),
      last: full(b - 1),
      below: a > 0 ? full(a - 1) : emptyOpening(),
      above: b < index.n ? full(b) : emptyOpening(),
    });
    const honest = rp(lo, hi);
    add(
      `range ${label}`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "range", args: [c, p, BigInt(lo), BigInt(hi), honest] }),
      "ok",
      () => verifyRange(c, pattern, BigInt(lo), BigInt(hi), honest),
    );
    if (hi - lo >= 2) {
      const top = rp(lo, hi - 1);
      add(
        `range ${label}: truncated top`,
        encodeFunctionData({ abi: HARNESS_ABI, functionName: "range", args: [c, p, BigInt(lo), BigInt(hi - 1), top] }),
        "SuffixChecks_BoundaryMatches",
        () => verifyRange(c, pattern, BigInt(lo), BigInt(hi - 1), top),
      );
      const bottom = rp(lo + 1, hi);
      add(
        `range ${label}: truncated bottom`,
        encodeFunctionData({
          abi: HARNESS_ABI,
          functionName: "range",
          args: [c, p, BigInt(lo + 1), BigInt(hi), bottom],
        }),
        "SuffixChecks_BoundaryMatches",
        () => verifyRange(c, pattern, BigInt(lo + 1), BigInt(hi), bottom),
      );
    }
    const ids = index.creditedIds(lo, hi);
    const occ = Array.from({ length: hi - lo }, (_, i) => ({
      sa: index.saLeaf(lo + i),
      entry: index.entryProof(index.entryOf(index.sa[lo + i]!)),
    }));
    const tooCommon = hi - lo > VECTOR_PARAMS.maxOccurrences;
    const honestOcc = tooCommon ? [] : occ;
    const honestIds = tooCommon ? [] : ids;
    add(
      `credited set ${label}`,
      encodeFunctionData({
        abi: HARNESS_ABI,
        functionName: "creditedSet",
        args: [c, BigInt(lo), BigInt(hi), honestOcc, honestIds],
      }),
      "ok",
      () => verifyCreditedSet(c, BigInt(lo), BigInt(hi), honestOcc, honestIds),
    );
    if (!tooCommon && occ.length >= 2) {
      const skipped = occ.slice(0, -1);
      add(
        `credited set ${label}: skipped occurrence`,
        encodeFunctionData({
          abi: HARNESS_ABI,
          functionName: "creditedSet",
          args: [c, BigInt(lo), BigInt(hi), skipped, ids],
        }),
        "SuffixChecks_SetMismatch",
        () => verifyCreditedSet(c, BigInt(lo), BigInt(hi), skipped, ids),
      );
    }
    if (!tooCommon) {
      const extra = [...ids, 1000n];
      add(
        `credited set ${label}: extra contribution`,
        encodeFunctionData({
          abi: HARNESS_ABI,
          functionName: "creditedSet",
          args: [c, BigInt(lo), BigInt(hi), occ, extra],
        }),
        "SuffixChecks_SetMismatch",
        () => verifyCreditedSet(c, BigInt(lo), BigInt(hi), occ, extra),
      );
    }
    if (ids.length >= 2 && !tooCommon) {
      const unsorted = [...ids].reverse();
      add(
        `credited set ${label}: unsorted ids`,
        encodeFunctionData({
          abi: HARNESS_ABI,
          functionName: "creditedSet",
          args: [c, BigInt(lo), BigInt(hi), occ, unsorted],
        }),
        "SuffixChecks_SetMismatch",
        () => verifyCreditedSet(c, BigInt(lo), BigInt(hi), occ, unsorted),
      );
    }

    // One byte more that occurs nowhere: absent, bracketed at its insertion point.
    const longer = new Uint8Array([...pattern, 0x7e]);
    const at = index.range(longer).lo;
    const ap: AbsenceProof = {
      hasBelow: at > 0,
      hasAbove: at < index.n,
      below: at > 0 ? full(at - 1) : emptyOpening(),
      above: at < index.n ? full(at) : emptyOpening(),
    };
    add(
      `absent ${label}~`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "absent", args: [c, hex(longer), ap] }),
      "ok",
      () => verifyAbsent(c, longer, ap),
    );
    const present: AbsenceProof = {
      hasBelow: lo > 0,
      hasAbove: true,
      below: lo > 0 ? full(lo - 1) : emptyOpening(),
      above: full(lo),
    };
    add(
      `absent ${label}: it occurs`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "absent", args: [c, p, present] }),
      "SuffixChecks_NotBracketed",
      () => verifyAbsent(c, pattern, present),
    );
  }

  // Every adjacent pair of the honest array is ordered: no order violation can be shown (a sample of pairs).
  for (let i = 0; i + 1 < index.n; i += 97) {
    const first = index.opening(i, 1);
    const second = index.opening(i + 1, 1);
    const n1 = index.isaAfter(index.sa[i]!);
    const n2 = index.isaAfter(index.sa[i + 1]!);
    add(
      `order pair ${i}`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "orderViolation", args: [c, first, second, n1, n2] }),
      "SuffixChecks_NoViolation",
      () => verifyOrderViolation(c, first, second, n1, n2),
    );
  }

  // Ranked weights: random scores, ranked by (score desc, id asc); the expected return is the rule applied here.
  const next = prng(0x5c0e5);
  for (let t = 0; t < 12; t++) {
    const count = 1 + (next() % 8);
    const entries = Array.from({ length: count }, (_, i) => ({
      id: BigInt(1 + 3 * i + (next() % 3)),
      score: t % 2 === 0 ? BigInt(1 + (next() % 4)) : BigInt(next()) * 705_600n + BigInt(next() % 1000),
    })).sort((a, b) => (a.score === b.score ? (a.id < b.id ? -1 : 1) : a.score > b.score ? -1 : 1));
    const ids = entries.map((e) => e.id);
    const scores = entries.map((e) => e.score);
    const weights = rankedWeights(ids, scores, 8);
    const returns = encodeFunctionResult({
      abi: HARNESS_ABI,
      functionName: "rankedWeights",
      result: [weights.map((w) => w.contributionId), weights.map((w) => w.weight)],
    });
    add(
      `ranked weights ${t}`,
      encodeFunctionData({ abi: HARNESS_ABI, functionName: "rankedWeights", args: [ids, scores, 8n] }),
      "ok",
      () => rankedWeights(ids, scores, 8),
      returns,
    );
    if (count >= 2) {
      const reversed = [...ids].reverse();
      const upScores = [...scores].reverse();
      const strictlyRanked = scores[0]! > scores[count - 1]! || ids[0]! < ids[count - 1]!;
      if (strictlyRanked) {
        add(
          `ranked weights ${t}: unsorted`,
          encodeFunctionData({ abi: HARNESS_ABI, functionName: "rankedWeights", args: [reversed, upScores, 8n] }),
          "SuffixChecks_BadRanking",
          () => rankedWeights(reversed, upScores, 8),
        );
      }
    }
  }
  return { index, cases };
};

/** The JSON written to `test/vectors/evidence.json`. */
export const buildEvidenceVectors = () => {
  const { index, cases } = buildEvidenceCases();
  return {
    commitment: {
      ...index.commitment,
      version: index.commitment.version.toString(),
      snapshotTime: index.commitment.snapshotTime.toString(),
      entryCount: index.commitment.entryCount.toString(),
      totalBytes: index.commitment.totalBytes.toString(),
    },
    names: cases.map((k) => k.name),
    calls: cases.map((k) => k.call),
    expects: cases.map((k) => k.expect),
    selectors: cases.map((k) => (k.expect === "ok" ? "0x" : errorSelector(k.expect))),
    returns: cases.map((k) => k.returns),
  };
};

export { outcome };
