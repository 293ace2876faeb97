/**
 * Attribution: this node's weights for a receipt whose texts it holds, from its `Engine` (the engines its
 * models registered on chain, or the fixture engine). Weights are only ever this node's engine's: a peer's
 * attribution is only its claim about the texts.
 */
import { Context, Data, Effect, Layer } from "effect";
import { type AttributionEntry, Engine } from "../engines/engine.ts";

/** The engine could not attribute a receipt (unknown model, index unavailable, …): `reason` says why. */
export class AttributionFailed extends Data.TaggedError("AttributionFailed")<{
  readonly reason: string;
  readonly cause?: unknown;
}> {}

export interface AttributionShape {
  readonly attribute: (request: {
    readonly modelId: bigint;
    readonly input?: string;
    readonly output: string;
  }) => Effect.Effect<ReadonlyArray<AttributionEntry>, AttributionFailed>;
}

export class Attribution extends Context.Service<Attribution, AttributionShape>()("poa/Attribution") {
  /** Needs Engine. */
  static readonly layer = Layer.effect(
    Attribution,
    Effect.gen(function* () {
      const engine = yield* Engine;
      return {
        attribute: Effect.fn("Attributor.attribute")(function* (request) {
          const attribution = yield* engine
            .attribute(request)
            .pipe(Effect.mapError((e) => new AttributionFailed({ reason: `engine: ${e.message}`, cause: e })));
          return attribution.entries;
        }),
      } satisfies AttributionShape;
    }),
  );
}
