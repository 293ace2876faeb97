/**
 * The evidence entries of the evidence game: the committed vectors are what the generator writes, the links
 * of `linkEntries` against a brute-force sum over the spans, every opening verifies and a tampered one does not,
 * and the ranked list against brute force.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { contentRoot } from "../content/merkle.ts";
import {
  EvidenceTree,
  entryCredit,
  evidenceLeaf,
  linkEntries,
  NO_ENTRY,
  outputRoot,
  outputRun,
  rankedList,
  verifyEntryOpening,
} from "./entry.ts";
import { buildEntryVectors, ENTRY_VECTORS_PATH, vectorSpans } from "./entry-vectors.ts";

describe("evidence entries", () => {
  it("the committed vectors are what the generator writes (npm run vectors)", () => {
    const onDisk = JSON.parse(readFileSync(ENTRY_VECTORS_PATH, "utf8"));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(buildEntryVectors())));
  });

  it("running scores and links match a brute-force walk over the spans", () => {
    for (const seed of [1, 2, 3, 7, 11, 40]) {
      const spans = vectorSpans(seed, 12);
      const entries = linkEntries(spans);
      entries.forEach((e, j) => {
        expect(e.credits.map((c) => c.id)).toEqual(spans[j]!.credited);
        for (const c of e.credits) {
          let sum = 0n;
          let prev = NO_ENTRY;
          let next = NO_ENTRY;
          spans.forEach((s, k) => {
            if (!s.credited.includes(c.id)) return;
            if (k <= j) sum += entryCredit(s, s.credited.length);
            if (k < j) prev = k;
            if (k > j && next === NO_ENTRY) next = k;
          });
          expect(c.runningScore).toBe(sum);
          expect(c.prev).toBe(prev);
          expect(c.next).toBe(next);
        }
      });
    }
  });

  it("every opening verifies against the root; a tampered entry or index does not", () => {
    const entries = linkEntries(vectorSpans(5, 9));
    const tree = new EvidenceTree(entries);
    for (let j = 0; j < entries.length; j++) {
      const o = tree.opening(j);
      expect(verifyEntryOpening(tree.root, entries.length, o)).toBe(true);
      expect(evidenceLeaf(j, o.entry)).toBe(tree.leaves[j]);
      const span = { ...o.entry.span, hi: o.entry.span.hi + 1n };
      expect(verifyEntryOpening(tree.root, entries.length, { ...o, entry: { ...o.entry, span } })).toBe(false);
      expect(verifyEntryOpening(tree.root, entries.length, { ...o, index: (j + 1) % entries.length })).toBe(false);
    }
    expect(new EvidenceTree([]).root).toBe(`0x${"00".repeat(32)}`);
  });

  it("the ranked list is the top K of the final scores by brute force", () => {
    const entries = linkEntries(vectorSpans(4, 16));
    const totals = new Map<bigint, bigint>();
    for (const s of vectorSpans(4, 16)) {
      for (const id of s.credited) totals.set(id, (totals.get(id) ?? 0n) + entryCredit(s, s.credited.length));
    }
    const expected = [...totals.entries()]
      .filter(([, v]) => v > 0n)
      .sort(([a, x], [b, y]) => (x !== y ? (y > x ? 1 : -1) : a < b ? -1 : 1))
      .slice(0, 2);
    const ranked = rankedList(entries, 2);
    expect(ranked.ids).toEqual(expected.map(([id]) => id));
    expect(ranked.scores).toEqual(expected.map(([, v]) => v));
  });

  it("output runs cover the asked bytes under the output's content root", () => {
    const output = new Uint8Array(5000).map((_, i) => (i * 31) % 251);
    expect(outputRoot(output)).toBe(contentRoot(output));
    const run = outputRun(output, 1000, 3100);
    expect(run.first).toBe(0n);
    expect(run.chunks.length).toBe(4);
    expect(outputRun(output, 7, 7).chunks.length).toBe(0);
  });
});
