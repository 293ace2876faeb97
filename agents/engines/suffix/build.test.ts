import { Effect, Exit } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BuildProgress, buildIndex, planShards } from "./index.ts";

describe("shard plan", () => {
  it("covers every contribution in order, within the size cap, one shard per thread when uncapped", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 50 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 52, max: 400 }),
        (lengths, threads, maxShardBytes) => {
          const plan = planShards(lengths, threads, maxShardBytes);
          expect(plan.flatMap(({ first, count }) => Array.from({ length: count }, (_, i) => first + i))).toEqual(
            lengths.map((_, i) => i),
          );
          for (const { first, count } of plan) {
            expect(count).toBeGreaterThan(0);
            const bytes = lengths.slice(first, first + count).reduce((sum, l) => sum + l + 1, 0);
            expect(bytes).toBeLessThanOrEqual(maxShardBytes);
          }
          if (maxShardBytes >= 51 * 40) expect(plan.length).toBeLessThanOrEqual(threads);
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe("parallel build", () => {
  it("sorts shards on worker threads exactly as inline", async () => {
    let seed = 9;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    const corpus = Array.from({ length: 12 }, (_, i) => ({
      id: BigInt(100 + i),
      content: Uint8Array.from({ length: 3000 + (next() % 4000) }, () => 97 + (next() % 3)),
    }));
    const progress: BuildProgress[] = [];
    const options = { maxShardBytes: 16_000, onProgress: (p: BuildProgress) => progress.push(p) };
    const parallel = await Effect.runPromise(buildIndex(corpus, { ...options, threads: 2 }));
    const inline = await Effect.runPromise(buildIndex(corpus, { maxShardBytes: 16_000, threads: 1 }));
    expect(parallel.shards.length).toBeGreaterThan(2);
    // two stage reports and a completion per shard; the estimate only grows and ends at the total
    expect(progress).toHaveLength(3 * parallel.shards.length);
    expect(progress.filter((p, i) => p.shardsDone > (progress[i - 1]?.shardsDone ?? 0))).toHaveLength(
      parallel.shards.length,
    );
    const total = corpus.reduce((sum, c) => sum + c.content.length, 0);
    expect(progress.at(-1)).toMatchObject({
      shardsDone: parallel.shards.length,
      bytesDone: total,
      bytesEstimated: total,
    });
    progress.forEach((p, i) => {
      if (i > 0) expect(p.bytesEstimated).toBeGreaterThanOrEqual(progress[i - 1]!.bytesEstimated);
    });
    expect(parallel.shards.map((s) => [s.firstContribution, [...s.text], [...s.sa]])).toEqual(
      inline.shards.map((s) => [s.firstContribution, [...s.text], [...s.sa]]),
    );
  });

  it("rejects duplicate ids, ids outside uint256 and contributions larger than a shard", () => {
    const content = new Uint8Array(10);
    const failure = (corpus: { id: bigint; content: Uint8Array }[], maxShardBytes = 100) => {
      const exit = Effect.runSyncExit(buildIndex(corpus, { threads: 1, maxShardBytes }));
      expect(Exit.isFailure(exit)).toBe(true);
      return String(exit);
    };
    expect(
      failure([
        { id: 1n, content },
        { id: 1n, content },
      ]),
    ).toContain("appears twice");
    expect(failure([{ id: -1n, content }])).toContain("not a uint256");
    expect(failure([{ id: 2n ** 256n, content }])).toContain("not a uint256");
    expect(failure([{ id: 1n, content }], 10)).toContain("a shard holds at most 9");
  });
});
