/**
 * A deterministic attribution engine for tests and benchmarks: it implements the same
 * AttributionEngine interface as the suffix and gradient engines, scoring up to `perOutput`
 * contributions chosen by the output's hash. Every honest node gets the same weights.
 */
import { Effect } from "effect";
import { keccak256, toBytes } from "viem";
import { type AttributionEngine, Engine, scoresToWeights } from "../engines/engine.ts";

export const fixtureEngine = (
  contributionIds: ReadonlyArray<bigint>,
  perOutput = 3,
  maxEntries = 16,
): AttributionEngine<{ readonly picked: number }> => ({
  method: "suffix",
  attribute: (request) =>
    Effect.sync(() => {
      const digest = toBytes(keccak256(toBytes(`${request.input ?? ""}\u0000${request.output}`)));
      const scores = new Map<bigint, bigint>();
      if (contributionIds.length > 0) {
        for (let k = 0; k < perOutput; k++) {
          const id = contributionIds[(digest[2 * k]! * 256 + digest[2 * k + 1]!) % contributionIds.length]!;
          scores.set(id, (scores.get(id) ?? 0n) + BigInt(digest[16 + k]! + 1));
        }
      }
      const entries = scoresToWeights(scores, maxEntries);
      return { entries, evidence: { picked: entries.length } };
    }),
});

/** The fixture engine as the node's `Engine` service (tests, the crash worker, `--engine fixture`). */
export const fixtureEngineLayer = (contributionIds: ReadonlyArray<bigint>, perOutput = 3, maxEntries = 16) =>
  Engine.layer(fixtureEngine(contributionIds, perOutput, maxEntries));
