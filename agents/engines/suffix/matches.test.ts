import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeBytes } from "./engine.ts";
import { buildIndex } from "./index.ts";
import { suffixArray } from "./sais.ts";
import { bruteMatches, bruteWeights, scenario } from "./testing.ts";

const naiveSuffixArray = (text: Uint16Array): number[] =>
  Array.from({ length: text.length }, (_, i) => i).sort((a, b) => {
    for (; a < text.length && b < text.length; a++, b++) if (text[a] !== text[b]) return text[a]! - text[b]!;
    return b - a;
  });

describe("SA-IS", () => {
  it("equals a comparison sort on low-entropy texts", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 5 })
          .chain((k) =>
            fc.array(fc.integer({ min: 1, max: k - 1 }), { maxLength: 200 }).map((symbols) => ({ k, symbols })),
          ),
        ({ k, symbols }) => {
          const text = Uint16Array.from([...symbols, 0]);
          expect([...suffixArray(text, k)]).toEqual(naiveSuffixArray(text));
        },
      ),
      { seed: 5, numRuns: 400 },
    );
  });

  it("equals a comparison sort on texts spanning many induction blocks (byte symbols, in place)", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 3, max: 40 })
          .chain((k) =>
            fc
              .tuple(
                fc.array(fc.integer({ min: 1, max: k - 1 }), { minLength: 1, maxLength: 8 }),
                fc.integer({ min: 1500, max: 6000 }),
                fc.array(fc.integer({ min: 1, max: k - 1 }), { maxLength: 3000 }),
              )
              .map(([unit, repeats, noise]) => ({ k, unit, repeats, noise })),
          ),
        ({ k, unit, repeats, noise }) => {
          // a repeated unit with random symbols mixed in: long common prefixes across blocks
          const symbols = Array.from({ length: repeats }, (_, i) => unit[i % unit.length]!);
          noise.forEach((s, i) => {
            symbols[(i * 7919) % symbols.length] = s;
          });
          const text = Uint8Array.from([...symbols, 0]);
          expect([...suffixArray(text, k)]).toEqual(naiveSuffixArray(Uint16Array.from(text)));
        },
      ),
      { seed: 7, numRuns: 25 },
    );
  });
});

describe("maximal matches and weights", () => {
  it("equal the brute-force matcher's when all 256 byte values occur (16-bit symbols)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 200, maxLength: 400 }), { minLength: 2, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 4 }),
        (contents, pieces) => {
          const corpus = [...contents, Uint8Array.from({ length: 256 }, (_, b) => b)].map((content, i) => ({
            id: BigInt(i),
            content,
          }));
          const output = Uint8Array.from(
            pieces.flatMap(([d, p, l]) => {
              const source = corpus[d % corpus.length]!.content;
              return [...source.subarray(p % source.length, (p % source.length) + l), 0];
            }),
          );
          const index = Effect.runSync(buildIndex(corpus, { threads: 1 }));
          const { entries, evidence } = attributeBytes(index, output, {
            minMatch: 2,
            maxOccurrences: 4,
            maxEntries: 4,
          });
          const brute = bruteMatches(corpus, output, 2);
          expect(evidence.matches.map((m) => [m.outputStart, m.length, m.occurrenceCount])).toEqual(
            brute.map((s) => [s.start, s.length, s.occurrenceCount]),
          );
          expect(entries).toEqual(bruteWeights(brute, output.length, 4, 4).entries);
        },
      ),
      { seed: 3, numRuns: 40 },
    );
  });

  it("equal the brute-force matcher's on random and low-entropy corpora", () => {
    fc.assert(
      fc.property(scenario, ({ corpus, output, minMatch, maxOccurrences, maxShardBytes }) => {
        const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes }));
        const { entries, evidence } = attributeBytes(index, output, { minMatch, maxOccurrences, maxEntries: 4 });
        const brute = bruteMatches(corpus, output, minMatch);
        expect(evidence.matches.map((m) => [m.outputStart, m.length, m.occurrenceCount])).toEqual(
          brute.map((s) => [s.start, s.length, s.occurrenceCount]),
        );
        evidence.matches.forEach((m, s) => {
          if (m.occurrenceCount <= maxOccurrences) expect(m.occurrences).toEqual(brute[s]!.occurrences);
          else expect(m.occurrences).toHaveLength(maxOccurrences);
        });
        const expected = bruteWeights(brute, output.length, maxOccurrences, 4);
        expect(evidence.matches.map((m) => m.creditedBytes)).toEqual(expected.credited);
        expect(entries).toEqual(expected.entries);
      }),
      { seed: 42, numRuns: 600 },
    );
  });

  it("with contributions excluded, equal the brute-force matcher's over the corpus without them", () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        ({ corpus, output, minMatch, maxOccurrences, maxShardBytes }, drop) => {
          const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes }));
          const excluded = corpus.filter((_, i) => drop[i]).map((c) => c.id);
          const kept = corpus.filter((_, i) => !drop[i]);
          const options = { minMatch, maxOccurrences, maxEntries: 4 };
          const { entries, evidence } = attributeBytes(index, output, options, excluded);
          const brute = bruteMatches(kept, output, minMatch);
          expect(evidence.matches.map((m) => [m.outputStart, m.length, m.occurrenceCount])).toEqual(
            brute.map((s) => [s.start, s.length, s.occurrenceCount]),
          );
          evidence.matches.forEach((m, s) => {
            if (m.occurrenceCount <= maxOccurrences) expect(m.occurrences).toEqual(brute[s]!.occurrences);
            else expect(m.occurrences).toHaveLength(maxOccurrences);
          });
          const expected = bruteWeights(brute, output.length, maxOccurrences, 4);
          expect(evidence.matches.map((m) => m.creditedBytes)).toEqual(expected.credited);
          expect(entries).toEqual(expected.entries);
        },
      ),
      { seed: 11, numRuns: 600 },
    );
  });
});
