/**
 * An attribution engine for suffix models that registered an evidence-game index commitment
 * (docs/evidence-game.md §1.3): when this node holds the epoch's preimage, the weights come from the
 * evidence index (the engine over the epoch's corpus, with the commitment's minMatch, occurrence cap and
 * K — exactly what the game judges); every other model goes to `fallback` (the registry engines).
 *
 * The registry engines look an index up by its commitment as the sha256 of an engine index header
 * (agents/engines/resolver.ts); a model whose commitment is the evidence game's `IndexCommitment` hash
 * has no such file, so without this wrapper neither the attributor nor the challenger could attribute it.
 */
import { Effect } from "effect";
import { type AttributionEngine, EngineError } from "../engines/engine.ts";
import { type EvidenceIndexes, evidenceOf } from "./corpus.ts";

export const withEvidenceIndexes = (
  indexes: EvidenceIndexes,
  fallback: AttributionEngine<unknown> | undefined,
): AttributionEngine<unknown> => ({
  method: fallback?.method ?? "suffix",
  attribute: (request) =>
    Effect.gen(function* () {
      const time = request.referenceTime ?? BigInt(Math.floor(Date.now() / 1000));
      const index = yield* indexes
        .at(request.modelId, time)
        .pipe(Effect.mapError((e) => new EngineError({ method: "suffix", message: e.message, cause: e })));
      if (index === undefined) {
        if (fallback === undefined) {
          return yield* new EngineError({
            method: "suffix",
            message: `model ${request.modelId}: no evidence index and no other engine`,
          });
        }
        return yield* fallback.attribute(request);
      }
      const evidence = yield* Effect.try({
        try: () => evidenceOf(index, new TextEncoder().encode(request.output)),
        catch: (cause) =>
          new EngineError({
            method: "suffix",
            message: cause instanceof Error ? cause.message : String(cause),
            cause,
          }),
      });
      return { entries: evidence.weights, evidence: { method: "suffix", epoch: index.epoch, ranked: evidence.ranked } };
    }),
});
