/**
 * Test support: a brute-force matcher and weight rule written straight from the definitions in
 * docs/suffix-engine.md (no suffix array, no skipping), and fast-check corpora that stress the
 * index (tiny alphabets with 0x00 bytes, long repeats, empty and one-byte contributions, outputs
 * stitched across contribution boundaries).
 */
import fc from "fast-check";
import { type AttributionEntry, scoresToWeights } from "../engine.ts";
import type { ContributionInput } from "./index.ts";

export interface BruteSpan {
  readonly start: number;
  readonly length: number;
  readonly occurrenceCount: number;
  readonly occurrences: ReadonlyArray<{ readonly contributionId: bigint; readonly offset: number }>;
}

const commonPrefix = (a: Uint8Array, i: number, b: Uint8Array, j: number): number => {
  let l = 0;
  while (i + l < a.length && j + l < b.length && a[i + l] === b[j + l]) l++;
  return l;
};

export const bruteMatches = (
  corpus: ReadonlyArray<ContributionInput>,
  output: Uint8Array,
  minMatch: number,
): BruteSpan[] => {
  const m = output.length;
  const ends: number[] = [];
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (const { content } of corpus) {
      for (let p = 0; p < content.length; p++) best = Math.max(best, commonPrefix(output, i, content, p));
    }
    ends.push(i + best);
  }
  const spans: BruteSpan[] = [];
  for (let i = 0; i < m; i++) {
    const length = ends[i]! - i;
    if (length < minMatch || (i > 0 && ends[i - 1]! >= ends[i]!)) continue;
    const occurrences: { contributionId: bigint; offset: number }[] = [];
    for (const { id, content } of corpus) {
      for (let p = 0; p + length <= content.length; p++) {
        if (commonPrefix(output, i, content, p) >= length) occurrences.push({ contributionId: id, offset: p });
      }
    }
    occurrences.sort((a, b) =>
      a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : a.offset - b.offset,
    );
    spans.push({ start: i, length, occurrenceCount: occurrences.length, occurrences });
  }
  return spans;
};

/** The weight rule, byte by byte, with a different (product) common denominator than weights.ts. */
export const bruteWeights = (
  spans: ReadonlyArray<BruteSpan>,
  outputLength: number,
  maxOccurrences: number,
  maxEntries: number,
): { readonly entries: ReadonlyArray<AttributionEntry>; readonly credited: ReadonlyArray<number> } => {
  const credited = spans.map(() => 0);
  for (let byte = 0; byte < outputLength; byte++) {
    let winner = -1;
    spans.forEach((span, s) => {
      if (span.start > byte || span.start + span.length <= byte) return;
      if (winner < 0 || span.length > spans[winner]!.length) winner = s;
    });
    if (winner >= 0) credited[winner]!++;
  }
  const counts = spans.map((span) =>
    span.occurrenceCount > maxOccurrences ? 0 : new Set(span.occurrences.map((o) => o.contributionId)).size,
  );
  const denominator = [...new Set(counts.filter((c) => c > 0))].reduce((d, c) => d * BigInt(c * c), 1n);
  const scores = new Map<bigint, bigint>();
  spans.forEach((span, s) => {
    const c = counts[s]!;
    if (c === 0) return;
    for (const id of new Set(span.occurrences.map((o) => o.contributionId))) {
      scores.set(id, (scores.get(id) ?? 0n) + (BigInt(credited[s]!) * denominator) / BigInt(c * c));
    }
  });
  return { entries: scoresToWeights(scores, maxEntries), credited };
};

const alphabets: ReadonlyArray<ReadonlyArray<number>> = [
  [0x61],
  [0x61, 0x62],
  [0x00, 0x61],
  [0x00, 0x01, 0x02],
  [0x61, 0x62, 0x63, 0x64],
  [0x00, 0x7f, 0x80, 0xff],
];

const bytesOver = (alphabet: ReadonlyArray<number>, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.array(fc.constantFrom(...alphabet), { maxLength }).map((a) => Uint8Array.from(a)),
    // long repeats of a short unit
    fc
      .tuple(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 3 }), fc.nat({ max: maxLength }))
      .map(([unit, length]) => Uint8Array.from({ length }, (_, i) => unit[i % unit.length]!)),
    fc.constant(new Uint8Array(0)),
    fc.constantFrom(...alphabet).map((b) => Uint8Array.of(b)),
  );

export interface Scenario {
  readonly corpus: ReadonlyArray<ContributionInput>;
  readonly output: Uint8Array;
  readonly minMatch: number;
  readonly maxOccurrences: number;
  readonly maxShardBytes: number;
}

/** A corpus, and an output made of random bytes and pieces of the corpus (often across a boundary). */
export const scenario: fc.Arbitrary<Scenario> = fc.constantFrom(...alphabets).chain((alphabet) =>
  fc
    .tuple(
      fc.array(bytesOver(alphabet, 40), { minLength: 1, maxLength: 7 }),
      fc.uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), { minLength: 7, maxLength: 7 }),
      fc.array(
        fc.oneof(
          bytesOver(alphabet, 12),
          fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 30 })).map(([d, p, l]) => ({ d, p, l })),
        ),
        { maxLength: 6 },
      ),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 2, max: 160 }),
    )
    .map(([contents, ids, pieces, minMatch, maxOccurrences, shardBytes]) => {
      const corpus = contents.map((content, i) => ({ id: ids[i]!, content }));
      // the corpus as one stream, so a copied piece may run over a contribution boundary
      const stream = Uint8Array.from(contents.flatMap((c) => [...c]));
      const parts = pieces.map((piece) => {
        if (piece instanceof Uint8Array) return [...piece];
        if (stream.length === 0) return [];
        const from = piece.p % stream.length;
        return [...stream.subarray(from, from + piece.l)];
      });
      const longest = Math.max(...contents.map((c) => c.length));
      return {
        corpus,
        output: Uint8Array.from(parts.flat()),
        minMatch,
        maxOccurrences,
        maxShardBytes: Math.max(shardBytes, longest + 1),
      };
    }),
);
