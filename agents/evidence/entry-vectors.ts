/**
 * Shared vectors of the evidence entries (`test/vectors/evidence-entries.json`, written by `npm run vectors`,
 * replayed by `test/evidence/EntryVectors.t.sol`): for several span lists, the linked entries of
 * `linkEntries` (abi-encoded), their leaves, the evidence root and every opening, the ranked top K and the
 * tx weight bytes it gives. Forge decodes each entry, hashes it with the game's `evidenceLeaf`, verifies every
 * opening against the root, re-links the spans with its own loop and recomputes the weights on chain.
 */
import type { Hex } from "viem";
import { bytesToHex } from "viem";
import { EvidenceTree, encodeEntry, linkEntries, rankedList, rankedWeightBytes, type SpanEvidence } from "./entry.ts";

export const ENTRY_VECTORS_PATH = "test/vectors/evidence-entries.json";
export const ENTRY_VECTOR_K = 3;

/** A deterministic generator (xorshift32) so the lists are arbitrary but reproducible. */
const rng = (seed: number) => {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
};

/** `count` spans sorted by start with won intervals in order and credited ids from a small pool. */
export const vectorSpans = (seed: number, count: number): SpanEvidence[] => {
  const next = rng(seed);
  const spans: SpanEvidence[] = [];
  let start = 0;
  let end = 0;
  let wonEnd = 0;
  for (let j = 0; j < count; j++) {
    start += 1 + (next() % 7);
    end = Math.max(end + 1, start + 4 + (next() % 20));
    const wonStart = Math.max(start, wonEnd);
    const wonStop = next() % 4 === 0 ? wonStart : wonStart + (next() % (end - wonStart + 1));
    wonEnd = wonStop;
    const lo = BigInt(next() % 1000);
    const hi = lo + 1n + BigInt(next() % 12);
    const pool = [3n, 5n, 8n, 13n, 21n];
    const credited = hi - lo > 8n ? [] : pool.filter(() => next() % 3 === 0);
    spans.push({ start, end, wonStart, wonEnd: wonStop, lo, hi, credited });
  }
  return spans;
};

export interface EntryVector {
  readonly entries: ReadonlyArray<Hex>;
  readonly leaves: ReadonlyArray<Hex>;
  readonly root: Hex;
  readonly proofs: ReadonlyArray<ReadonlyArray<Hex>>;
  readonly rankedIds: ReadonlyArray<string>;
  readonly rankedScores: ReadonlyArray<string>;
  readonly weights: Hex;
}

export const buildEntryVectors = (): { k: number; cases: EntryVector[] } => {
  const lists: SpanEvidence[][] = [
    [],
    vectorSpans(1, 1),
    vectorSpans(2, 2),
    vectorSpans(3, 5),
    vectorSpans(4, 9),
    vectorSpans(5, 16),
  ];
  const cases = lists.map((spans) => {
    const entries = linkEntries(spans);
    const tree = new EvidenceTree(entries);
    const ranked = rankedList(entries, ENTRY_VECTOR_K);
    return {
      entries: entries.map(encodeEntry),
      leaves: [...tree.leaves],
      root: tree.root,
      proofs: entries.map((_, j) => [...tree.opening(j).proof]),
      rankedIds: ranked.ids.map(String),
      rankedScores: ranked.scores.map(String),
      weights:
        ranked.ids.length === 0 ? "0x" : bytesToHex(rankedWeightBytes(ranked.ids, ranked.scores, ENTRY_VECTOR_K)),
    } satisfies EntryVector;
  });
  return { k: ENTRY_VECTOR_K, cases };
};
