/**
 * Game evidence from the engine (agents/engines/suffix/evidence.ts) on the engine's own random and
 * low-entropy scenarios: the weights the chain derives from the ranked top K equal the engine's, and
 * every entry's range and credited set pass the TS verifier of the one-step checks (which the shared
 * vectors hold to the Solidity checks).
 */
import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProofIndex } from "../../evidence/index.ts";
import { verifyCreditedSet, verifyRange } from "../../evidence/verify.ts";
import { attributeBytes } from "./engine.ts";
import { gameEvidence } from "./evidence.ts";
import { buildIndex } from "./index.ts";
import { scenario } from "./testing.ts";

describe("game evidence from the engine", () => {
  it("gives the engine's weights and provable entries", () => {
    fc.assert(
      fc.property(scenario, ({ corpus, output, minMatch, maxOccurrences, maxShardBytes }) => {
        // On chain every contribution has bytes and a uint64 id; the occurrence cap is at most 8.
        const contributions = corpus
          .filter((c) => c.content.length > 0)
          .map((c, i) => ({ id: BigInt(3 * i + 1), content: c.content }));
        fc.pre(contributions.length > 0);
        const params = { minMatch, maxOccurrences: Math.min(maxOccurrences, 8), maxEntries: 8 };
        const engineIndex = Effect.runSync(buildIndex(contributions, { threads: 1, maxShardBytes }));
        const { entries, evidence } = attributeBytes(engineIndex, output, params);
        const proofIndex = new ProofIndex(contributions, params, 0n);
        const game = gameEvidence(output, evidence, proofIndex);
        expect(game.weights).toEqual(entries);
        const c = proofIndex.commitment;
        let previous: (typeof game.entries)[number] | undefined;
        for (const e of game.entries) {
          expect(e.end - e.start).toBeGreaterThanOrEqual(minMatch);
          expect(e.wonStart).toBeGreaterThanOrEqual(e.start);
          expect(e.wonEnd).toBeLessThanOrEqual(e.end);
          if (previous !== undefined) {
            expect(e.start).toBeGreaterThan(previous.start);
            expect(e.end).toBeGreaterThan(previous.end);
            expect(e.wonStart).toBeGreaterThanOrEqual(previous.wonEnd);
          }
          previous = e;
          const pattern = output.subarray(e.start, e.end);
          const open = (rank: number) => proofIndex.opening(rank, pattern.length + 1);
          const empty = open(0);
          verifyRange(c, pattern, BigInt(e.lo), BigInt(e.hi), {
            first: open(e.lo),
            last: open(e.hi - 1),
            below: e.lo > 0 ? open(e.lo - 1) : empty,
            above: e.hi < proofIndex.n ? open(e.hi) : empty,
          });
          const occurrences =
            e.hi - e.lo > c.maxOccurrences
              ? []
              : Array.from({ length: e.hi - e.lo }, (_, i) => ({
                  sa: proofIndex.saLeaf(e.lo + i),
                  entry: proofIndex.entryProof(proofIndex.entryOf(proofIndex.sa[e.lo + i]!)),
                }));
          verifyCreditedSet(c, BigInt(e.lo), BigInt(e.hi), occurrences, e.credited);
        }
      }),
      { seed: 14, numRuns: 150 },
    );
  });
});
