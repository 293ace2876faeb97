/**
 * The evidence of an evidence dispute (docs/evidence-game.md §3.2, §3.4), byte for byte as
 * `src/evidence/EvidenceGame.sol` reads it:
 *
 *   Entry j       = (span (uint32 start, end, wonStart, wonEnd, uint64 lo, hi),
 *                    credits (uint64 id, uint256 runningScore, uint32 prev, uint32 next)[])
 *   leaf j        = H(0x20 ‖ uint32 j ‖ abi.encode(entry))
 *   evidence root = the SuffixIndex tree over leaves 0 … J−1: node H(0x01 ‖ l ‖ r), the leaf row
 *                   padded with zero words to 2^⌈log2 J⌉, a proof is exactly ⌈log2 J⌉ siblings
 *                   (a one-leaf tree's root is its leaf; J = 0 has root 0x00…00 and no openings)
 *   links         for each credited id c of entry j: runningScore = Σ of c's credit over entries ≤ j,
 *                   prev / next = the previous / next entry crediting c, or NO_ENTRY = 2^32 − 1
 *   credit        (wonEnd − wonStart) · D / |credits|², D = 705,600
 *   ranked top K  the ids with final score > 0, by (score descending, id ascending), first K
 *
 * Shared vectors: `agents/evidence/vectors.ts` (test/vectors/evidence.json, field `entries`).
 */
import { bytesToHex, concatBytes, encodeAbiParameters, type Hex, hexToBytes, keccak256 } from "viem";
import { CHUNK_SIZE, chunkCount, chunkProof, contentRoot } from "../content/merkle.ts";
import type { ChunkRun } from "./index.ts";
import { MerkleTree, treeDepth, verifyLeaf } from "./index.ts";
import { rankedWeights, spanCredit } from "./verify.ts";

/** `prev` / `next` of a credit with no previous / next credit. */
export const NO_ENTRY = 0xffff_ffff;
/** The leaf tag of an evidence entry. */
export const EVIDENCE_LEAF_TAG = 0x20;
/** The largest output an evidence dispute takes (EvidenceGame.MAX_OUTPUT). */
export const MAX_OUTPUT = 16_384;

/** `EvidenceSpan` of src/evidence/SuffixChecks.sol. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly wonStart: number;
  readonly wonEnd: number;
  readonly lo: bigint;
  readonly hi: bigint;
}

/** `Credit` of src/interfaces/IEvidenceGame.sol. */
export interface Credit {
  readonly id: bigint;
  readonly runningScore: bigint;
  readonly prev: number;
  readonly next: number;
}

/** `EvidenceEntry` of src/interfaces/IEvidenceGame.sol. */
export interface Entry {
  readonly span: Span;
  readonly credits: ReadonlyArray<Credit>;
}

/** `EntryOpening` of src/interfaces/IEvidenceGame.sol. */
export interface EntryOpening {
  readonly index: number;
  readonly entry: Entry;
  readonly proof: ReadonlyArray<Hex>;
}

/** What the suffix engine's evidence gives per span (agents/engines/suffix/evidence.ts `EvidenceEntry`). */
export interface SpanEvidence {
  readonly start: number;
  readonly end: number;
  readonly wonStart: number;
  readonly wonEnd: number;
  readonly lo: number | bigint;
  readonly hi: number | bigint;
  /** The credited contribution ids, strictly ascending (empty when the span is too common). */
  readonly credited: ReadonlyArray<bigint>;
}

export const SPAN_COMPONENTS = [
  { name: "start", type: "uint32" },
  { name: "end", type: "uint32" },
  { name: "wonStart", type: "uint32" },
  { name: "wonEnd", type: "uint32" },
  { name: "lo", type: "uint64" },
  { name: "hi", type: "uint64" },
] as const;

export const CREDIT_COMPONENTS = [
  { name: "id", type: "uint64" },
  { name: "runningScore", type: "uint256" },
  { name: "prev", type: "uint32" },
  { name: "next", type: "uint32" },
] as const;

/** The ABI parameter of one entry (`abi.encode(entry)` in Solidity). */
export const ENTRY_ABI = [
  {
    type: "tuple",
    components: [
      { name: "span", type: "tuple", components: SPAN_COMPONENTS },
      { name: "credits", type: "tuple[]", components: CREDIT_COMPONENTS },
    ],
  },
] as const;

/** `abi.encode(entry)`. */
export const encodeEntry = (entry: Entry): Hex =>
  encodeAbiParameters(ENTRY_ABI, [
    {
      span: entry.span,
      credits: entry.credits.map((c) => ({ id: c.id, runningScore: c.runningScore, prev: c.prev, next: c.next })),
    },
  ]);

const u32 = (value: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
};

/** evidenceLeaf_j = H(0x20 ‖ uint32 j ‖ abi.encode(entry)). */
export const evidenceLeaf = (index: number, entry: Entry): Hex =>
  keccak256(concatBytes([Uint8Array.of(EVIDENCE_LEAF_TAG), u32(index), hexToBytes(encodeEntry(entry))]));

/** A contribution's credit from one entry: creditedBytes · D / c² (0 for an entry crediting no one). */
export const entryCredit = (span: Pick<Span, "wonStart" | "wonEnd">, credits: number): bigint =>
  credits === 0 ? 0n : spanCredit(span.wonEnd - span.wonStart, credits);

/**
 * The entries of §3.2 from the engine's spans (sorted by start): each credited id gets its running score
 * and its links to the previous and next entries crediting it.
 */
export const linkEntries = (spans: ReadonlyArray<SpanEvidence>): Entry[] => {
  const running = new Map<bigint, bigint>();
  const last = new Map<bigint, number>();
  const prevs: number[][] = [];
  const scores: bigint[][] = [];
  spans.forEach((s, j) => {
    const credit = entryCredit(s, s.credited.length);
    prevs.push(
      s.credited.map((id) => {
        const p = last.get(id);
        last.set(id, j);
        return p ?? NO_ENTRY;
      }),
    );
    scores.push(
      s.credited.map((id) => {
        const score = (running.get(id) ?? 0n) + credit;
        running.set(id, score);
        return score;
      }),
    );
  });
  // next = the entry whose prev names this one.
  const nexts = spans.map((s) => s.credited.map(() => NO_ENTRY));
  spans.forEach((s, j) => {
    s.credited.forEach((id, slot) => {
      const p = prevs[j]![slot]!;
      if (p === NO_ENTRY) return;
      const pSlot = spans[p]!.credited.indexOf(id);
      nexts[p]![pSlot] = j;
    });
  });
  return spans.map((s, j) => ({
    span: {
      start: s.start,
      end: s.end,
      wonStart: s.wonStart,
      wonEnd: s.wonEnd,
      lo: BigInt(s.lo),
      hi: BigInt(s.hi),
    },
    credits: s.credited.map((id, slot) => ({
      id,
      runningScore: scores[j]![slot]!,
      prev: prevs[j]![slot]!,
      next: nexts[j]![slot]!,
    })),
  }));
};

/** Every contribution's final score: the running score of its credit with no next. */
export const finalScores = (entries: ReadonlyArray<Entry>): Map<bigint, { score: bigint; entry: number }> => {
  const out = new Map<bigint, { score: bigint; entry: number }>();
  entries.forEach((e, j) => {
    for (const c of e.credits) if (c.next === NO_ENTRY) out.set(c.id, { score: c.runningScore, entry: j });
  });
  return out;
};

/** The ranked top K: ids with final score > 0 by (score descending, id ascending), the first `maxEntries`. */
export const rankedList = (
  entries: ReadonlyArray<Entry>,
  maxEntries: number,
): { ids: ReadonlyArray<bigint>; scores: ReadonlyArray<bigint> } => {
  const top = [...finalScores(entries).entries()]
    .filter(([, f]) => f.score > 0n)
    .sort(([a, x], [b, y]) => (x.score === y.score ? (a < b ? -1 : 1) : x.score > y.score ? -1 : 1))
    .slice(0, maxEntries);
  return { ids: top.map(([id]) => id), scores: top.map(([, f]) => f.score) };
};

/** The tx's entry bytes `(uint64 id ‖ uint32 weight)*` the ranked list must reproduce. */
export const rankedWeightBytes = (ids: ReadonlyArray<bigint>, scores: ReadonlyArray<bigint>, maxEntries: number) => {
  const weights = rankedWeights(ids, scores, maxEntries);
  const out = new Uint8Array(weights.length * 12);
  const view = new DataView(out.buffer);
  weights.forEach((w, i) => {
    view.setBigUint64(i * 12, w.contributionId);
    view.setUint32(i * 12 + 8, w.weight);
  });
  return out;
};

/** The evidence tree over J entries: root and openings. */
export class EvidenceTree {
  readonly entries: ReadonlyArray<Entry>;
  readonly leaves: ReadonlyArray<Hex>;
  private readonly tree: MerkleTree | undefined;

  constructor(entries: ReadonlyArray<Entry>) {
    this.entries = entries;
    this.leaves = entries.map((e, j) => evidenceLeaf(j, e));
    this.tree = entries.length === 0 ? undefined : new MerkleTree(this.leaves);
  }

  get root(): Hex {
    return this.tree === undefined ? bytesToHex(new Uint8Array(32)) : this.tree.root;
  }

  get count(): number {
    return this.entries.length;
  }

  opening(index: number): EntryOpening {
    if (this.tree === undefined || index < 0 || index >= this.entries.length) {
      throw new RangeError(`entry ${index} out of range [0, ${this.entries.length})`);
    }
    return { index, entry: this.entries[index]!, proof: this.tree.proof(index) };
  }
}

/** Checks an entry opening against an evidence root of J entries, as EvidenceGame does. */
export const verifyEntryOpening = (root: Hex, count: number, o: EntryOpening): boolean =>
  o.proof.length === treeDepth(count) &&
  verifyLeaf(root, BigInt(count), BigInt(o.index), evidenceLeaf(o.index, o.entry), o.proof);

/** The output's content root (docs/protocol.md §7), which the game stores at the opening. */
export const outputRoot = (output: Uint8Array): Hex => contentRoot(output);

/**
 * The output chunks covering `[from, to)` with their proofs against `outputRoot(output)`: the `ChunkRun`
 * a step that reads output bytes takes. An empty range gives an empty run.
 */
export const outputRun = (output: Uint8Array, from: number, to: number): ChunkRun => {
  if (to <= from) return { first: 0n, chunks: [], proofs: [] };
  const first = Math.floor(from / CHUNK_SIZE);
  const last = Math.min(Math.ceil(to / CHUNK_SIZE), chunkCount(output.length)) - 1;
  const chunks: Hex[] = [];
  const proofs: Hex[][] = [];
  for (let i = first; i <= last; i++) {
    const p = chunkProof(output, i);
    chunks.push(bytesToHex(p.chunk));
    proofs.push([...p.siblings]);
  }
  return { first: BigInt(first), chunks, proofs };
};
