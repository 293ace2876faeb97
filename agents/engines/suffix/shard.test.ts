import { Effect } from "effect";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { buildIndex } from "./index.ts";
import { buildSearchSample, longestPrefix, prefixRange, SAMPLE_SHIFT, setSearchSample } from "./shard.ts";

/** Longest prefix of pattern[a, a + len) found inside one contribution, by scanning every offset. */
const bruteLongest = (contents: ReadonlyArray<Uint8Array>, pattern: Uint8Array, a: number, len: number): number => {
  let best = 0;
  for (const content of contents) {
    for (let p = 0; p < content.length; p++) {
      let l = 0;
      while (l < len && p + l < content.length && content[p + l] === pattern[a + l]) l++;
      if (l > best) best = l;
    }
  }
  return best;
};

const corpusAndPatterns = fc
  .tuple(
    fc.constantFrom([0, 1], [97, 98], [0, 97, 98, 99], [97, 98, 99, 100, 101]),
    fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 12 }),
    fc.integer({ min: 1, max: 2 ** 31 }),
  )
  .map(([alphabet, lengths, seed]) => {
    let state = seed;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 8;
    };
    // a unit repeated with a few changes: long shared prefixes, many suffixes per sample gap
    const unit = Array.from({ length: 40 }, () => alphabet[next() % alphabet.length]!);
    const contents = lengths.map((length) =>
      Uint8Array.from({ length }, (_, i) => (next() % 16 === 0 ? alphabet[next() % alphabet.length]! : unit[i % 40]!)),
    );
    // patterns: pieces of contributions (often running past a contribution's end) and random bytes
    const output = Uint8Array.from({ length: 400 }, (_, i) => {
      const source = contents[Math.floor(i / 50) % contents.length]!;
      return i % 100 < 70 ? (source[(i * 7) % source.length] ?? 0) : alphabet[next() % alphabet.length]!;
    });
    return { contents, output };
  });

/** Offsets inside the contributions where pattern[a, a + len) occurs, by scanning. */
const bruteCount = (contents: ReadonlyArray<Uint8Array>, pattern: Uint8Array, a: number, len: number): number => {
  let count = 0;
  for (const content of contents) {
    for (let p = 0; p + len <= content.length; p++) {
      let l = 0;
      while (l < len && content[p + l] === pattern[a + l]) l++;
      if (l === len) count++;
    }
  }
  return count;
};

afterEach(() => setSearchSample(true));

describe("sampled search", () => {
  it("finds the brute-force longest prefix and occurrence count with and without the search sample", () => {
    let sampled = 0;
    fc.assert(
      fc.property(corpusAndPatterns, ({ contents, output }) => {
        const corpus = contents.map((content, i) => ({ id: BigInt(i + 1), content }));
        const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes: 2000 }));
        for (const shard of index.shards) expect(buildSearchSample(shard)).toBe(true);
        for (let a = 0; a < output.length; a += 3) {
          const len = Math.min(output.length - a, 12 + (a % 40));
          const expected = bruteLongest(contents, output, a, len);
          const found = (enabled: boolean) => {
            setSearchSample(enabled);
            return Math.max(...index.shards.map((shard) => longestPrefix(shard, output, a, len)));
          };
          expect(found(true)).toBe(expected);
          expect(found(false)).toBe(expected);
          if (index.shards.some((shard) => shard.sa.length > 4 << SAMPLE_SHIFT)) sampled++;
          // the suffix-array range of the pattern: as many suffixes as brute-force occurrences
          index.shards.forEach((shard, s) => {
            const next = index.shards[s + 1]?.firstContribution ?? contents.length;
            const own = contents.slice(shard.firstContribution, next);
            const m = Math.min(len, 12 + (a % 7));
            const expectedCount = bruteCount(own, output, a, m);
            for (const enabled of [true, false]) {
              setSearchSample(enabled);
              const [lo, hi] = prefixRange(shard, output, a, m);
              expect(hi - lo).toBe(expectedCount);
            }
          });
        }
      }),
      { seed: 19, numRuns: 60 },
    );
    expect(sampled).toBeGreaterThan(1000);
  });
});
