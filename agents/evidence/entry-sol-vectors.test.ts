/**
 * The reverse direction of `test/vectors/evidence-entries.json`: `test/vectors/evidence-entries-sol.json` is
 * written by Solidity (`test/evidence/SolidityEntryVectors.t.sol`, which fails when the committed file is stale)
 * from span lists it generates, links and ranks itself, with leaves from the game's `evidenceLeaf` and weight
 * bytes from `SuffixChecks.rankedWeights`. Here `agents/evidence/entry.ts` must give the same entries, leaves,
 * root, ranked list and weights from the same spans, and every opening must verify against the Solidity root.
 */
import { readFileSync } from "node:fs";
import { Schema } from "effect";
import { bytesToHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  EvidenceTree,
  encodeEntry,
  linkEntries,
  rankedList,
  rankedWeightBytes,
  type SpanEvidence,
  verifyEntryOpening,
} from "./entry.ts";

const SOL_VECTORS_PATH = "test/vectors/evidence-entries-sol.json";

const Hex = Schema.String.check(Schema.isPattern(/^0x[0-9a-f]*$/));
const Uint = Schema.String.check(Schema.isPattern(/^[0-9]+$/));
const SolSpan = Schema.Struct({
  start: Schema.Number,
  end: Schema.Number,
  wonStart: Schema.Number,
  wonEnd: Schema.Number,
  lo: Uint,
  hi: Uint,
  credited: Schema.Array(Uint),
});
const SolVectors = Schema.Struct({
  k: Schema.Number,
  cases: Schema.Array(
    Schema.Struct({
      spans: Schema.Array(SolSpan),
      entries: Schema.Array(Hex),
      leaves: Schema.Array(Hex),
      root: Hex,
      rankedIds: Schema.Array(Uint),
      rankedScores: Schema.Array(Uint),
      weights: Hex,
    }),
  ),
});

const vectors = Schema.decodeUnknownSync(Schema.fromJsonString(SolVectors))(readFileSync(SOL_VECTORS_PATH, "utf8"));

describe("evidence entries written by Solidity", () => {
  it("has cases with links and a truncated ranking", () => {
    expect(vectors.cases.length).toBe(6);
    const credits = vectors.cases.flatMap((c) => c.spans.flatMap((s) => s.credited));
    expect(credits.length).toBeGreaterThan(30);
    expect(vectors.cases.some((c) => c.rankedIds.length === vectors.k)).toBe(true);
  });

  it.each(vectors.cases.map((c, i) => [i, c] as const))("case %i: entry.ts gives Solidity's results", (_, c) => {
    const spans: SpanEvidence[] = c.spans.map((s) => ({
      start: s.start,
      end: s.end,
      wonStart: s.wonStart,
      wonEnd: s.wonEnd,
      lo: BigInt(s.lo),
      hi: BigInt(s.hi),
      credited: s.credited.map(BigInt),
    }));
    const entries = linkEntries(spans);
    expect(entries.map(encodeEntry)).toEqual(c.entries);
    const tree = new EvidenceTree(entries);
    expect(tree.leaves).toEqual(c.leaves);
    expect(tree.root).toBe(c.root);
    entries.forEach((_, j) => {
      expect(verifyEntryOpening(c.root as `0x${string}`, entries.length, tree.opening(j))).toBe(true);
    });
    const ranked = rankedList(entries, vectors.k);
    expect(ranked.ids.map(String)).toEqual(c.rankedIds);
    expect(ranked.scores.map(String)).toEqual(c.rankedScores);
    const weights =
      ranked.ids.length === 0 ? "0x" : bytesToHex(rankedWeightBytes(ranked.ids, ranked.scores, vectors.k));
    expect(weights).toBe(c.weights);
  });
});
