/**
 * The TS half of the shared evidence vectors (`test/vectors/evidence.json`, replayed on chain by
 * `test/evidence/EvidenceVectors.t.sol`): the file is exactly what the generator writes now, and the
 * TS verifier gives every case the label it was built with (honest → ok, each forgery → its error).
 * Plus the index itself against brute force: the suffix array is sorted, ranges are exact.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ProofIndex } from "./index.ts";
import {
  buildEvidenceCases,
  buildEvidenceVectors,
  EVIDENCE_VECTORS_PATH,
  VECTOR_PARAMS,
  vectorCorpus,
} from "./vectors.ts";
import { outcome } from "./verify.ts";

describe("evidence vectors", () => {
  const { cases } = buildEvidenceCases();

  it("the committed file is what the generator writes (npm run vectors)", () => {
    const onDisk = JSON.parse(readFileSync(EVIDENCE_VECTORS_PATH, "utf8"));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(buildEvidenceVectors())));
  });

  it("covers honest proofs and every forgery kind", () => {
    const labels = new Set(cases.map((c) => c.expect));
    for (const label of [
      "ok",
      "SuffixIndex_BadSaLeaf",
      "SuffixIndex_BadEntry",
      "SuffixIndex_BadChunk",
      "SuffixChecks_NotPrefix",
      "SuffixChecks_BoundaryMatches",
      "SuffixChecks_SetMismatch",
      "SuffixChecks_NotBracketed",
      "SuffixChecks_NoViolation",
      "SuffixChecks_BadRanking",
    ]) {
      expect(labels.has(label), label).toBe(true);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))("TS verifier: %s", (_name, c) => {
    expect(outcome(c.check)).toBe(c.expect);
  });
});

describe("proof index", () => {
  const index = new ProofIndex(vectorCorpus(), VECTOR_PARAMS, 0n);

  it("the suffix array is a permutation in suffix order (brute force on every adjacent pair)", () => {
    const seen = new Set(index.sa);
    expect(seen.size).toBe(index.n);
    for (let r = 0; r + 1 < index.n; r++) {
      const a = index.suffix(index.sa[r]!);
      const b = index.suffix(index.sa[r + 1]!);
      const n = Math.min(a.length, b.length);
      let i = 0;
      while (i < n && a[i] === b[i]) i++;
      const less =
        i < n ? a[i]! < b[i]! : a.length < b.length || (a.length === b.length && index.sa[r]! < index.sa[r + 1]!);
      expect(less).toBe(true);
    }
  });

  it("ranges count every occurrence found by scanning the contributions", () => {
    const text = new TextEncoder();
    for (const word of ["abra", "cadabra", "the fund ", "zz", "a"]) {
      const pattern = text.encode(word);
      let scanned = 0;
      for (const c of index.contributions) {
        for (let i = 0; i + pattern.length <= c.content.length; i++) {
          if (pattern.every((b, j) => c.content[i + j] === b)) scanned++;
        }
      }
      const { lo, hi } = index.range(pattern);
      expect(hi - lo, word).toBe(scanned);
    }
  });
});
