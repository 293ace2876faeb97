/**
 * Publishing evidence (agents/evidence/publish.ts) and commitment preimages (agents/evidence/corpus.ts):
 * entries survive the wire encoding byte for byte, a body whose entries are not those of the requested
 * evidence root is refused (one changed running score, one dropped entry), and a preimage file is read back
 * only for the commitment it hashes to.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { preimagePath, readPreimage, writePreimage } from "./corpus.ts";
import { EvidenceTree, linkEntries } from "./entry.ts";
import { commitmentHash, ProofIndex } from "./index.ts";
import { checkedEntries, decodeEntries, encodeEntries } from "./publish.ts";

const text = new TextEncoder();
const contributions = [
  { id: 3n, content: text.encode("the quick brown fox jumps over the lazy dog") },
  { id: 9n, content: text.encode("a lazy dog sleeps; the quick fox runs away") },
];
const entries = linkEntries([
  { start: 0, end: 10, wonStart: 0, wonEnd: 10, lo: 4, hi: 5, credited: [3n] },
  { start: 4, end: 19, wonStart: 10, wonEnd: 19, lo: 7, hi: 9, credited: [3n, 9n] },
  { start: 20, end: 28, wonStart: 19, wonEnd: 28, lo: 1, hi: 12, credited: [] },
  { start: 22, end: 40, wonStart: 28, wonEnd: 40, lo: 2, hi: 3, credited: [9n] },
]);

describe("published evidence", () => {
  it("round-trips the entries and checks them against the evidence root", () => {
    const root = new EvidenceTree(entries).root;
    const body = encodeEntries(entries);
    expect(decodeEntries(body)).toEqual(entries);
    expect(checkedEntries(body, root)).toEqual(entries);
    const bumped = entries.map((e, j) =>
      j === 1 ? { ...e, credits: e.credits.map((c) => ({ ...c, runningScore: c.runningScore + 1n })) } : e,
    );
    expect(() => checkedEntries(encodeEntries(bumped), root)).toThrow(/root/);
    expect(() => checkedEntries(encodeEntries(entries.slice(0, 3)), root)).toThrow(/root/);
  });

  it("reads a preimage back only for the commitment it hashes to", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "poa-preimages-"));
    const index = new ProofIndex(contributions, { minMatch: 4, maxOccurrences: 8, maxEntries: 8 }, 1234n);
    const commitment = commitmentHash(index.commitment);
    writePreimage(dir, index.commitment);
    expect(readPreimage(dir, commitment)).toEqual(index.commitment);
    // the same file under another commitment's name, or edited, is not that commitment's preimage
    const file = preimagePath(dir, commitment);
    const other = `0x${"ab".repeat(32)}` as const;
    writeFileSync(preimagePath(dir, other), readFileSync(file));
    expect(readPreimage(dir, other)).toBeUndefined();
    writeFileSync(file, readFileSync(file, "utf8").replace('"snapshotTime": "1234"', '"snapshotTime": "1235"'));
    expect(readPreimage(dir, commitment)).toBeUndefined();
  });
});
