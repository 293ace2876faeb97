/**
 * The Model Factory's LoRA-gradient engine as a long-lived Effect service, like the suffix and gradient
 * engines' (one worker thread, query-worker.ts, holding each index directory once). The resolver
 * (resolver.ts) uses it for a gradient model whose index directory is a factory adapter (kind "lora").
 *
 *   const lora = yield* LoraEngineService;
 *   const status = yield* lora.open("/data/indexes/0xab…");        // checks every file, recomputes the commitment
 *   const { entries } = yield* lora.attribute(dir, { modelId, input: prompt, output: answer }, { method: "datainf", maxEntries: K });
 */
import { Context, Effect, Layer } from "effect";
import type { FactoryEvidence } from "../../factory/attribution.ts";
import type { Attribution, AttributionRequest } from "../engine.ts";
import { EngineError } from "../engine.ts";
import { makeWorkerClient, type WireError } from "../worker-client.ts";
import type { LoraModelStatus, LoraQueryOptions } from "./query-worker.ts";

export type { LoraModelStatus, LoraQueryOptions } from "./query-worker.ts";

/** DataInf: the factory's default (docs/quality-factory.md); K = 32 unless the agent passes the ledger's. */
export const DEFAULT_LORA_OPTIONS: LoraQueryOptions = { method: "datainf", maxEntries: 32 };

export interface LoraEngineServiceShape {
  /** Loads and checks an index directory once per process; reports its commitment and rows. */
  readonly open: (dir: string) => Effect.Effect<LoraModelStatus, EngineError>;
  /** Attributes an answer (`output`, after the prompt `input`), withholding credit from `exclude`. */
  readonly attribute: (
    dir: string,
    request: AttributionRequest,
    options?: LoraQueryOptions,
    exclude?: ReadonlyArray<bigint>,
  ) => Effect.Effect<Attribution<FactoryEvidence>, EngineError>;
  /** Releases one directory (a later query loads it again). */
  readonly close: (dir: string) => Effect.Effect<void, EngineError>;
}

/** Failures come back as EngineError; `cause` keeps the worker's tag (LoraIndexError, LoraRequestError, …). */
const fromWire = (error: WireError): EngineError =>
  new EngineError({ method: "gradient", message: error.message, cause: error });

export class LoraEngineService extends Context.Service<LoraEngineService, LoraEngineServiceShape>()(
  "poa/LoraEngineService",
) {
  /** The live service: one worker thread for the process, stopped when the scope closes. */
  static readonly layer = Layer.effect(
    LoraEngineService,
    Effect.gen(function* () {
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => makeWorkerClient(new URL("./query-worker.ts", import.meta.url), "lora query", fromWire)),
        (c) => c.stop,
      );
      return {
        open: (dir) => client.call<LoraModelStatus>({ kind: "open", dir }),
        attribute: (dir, request, options = DEFAULT_LORA_OPTIONS, exclude = []) =>
          client.call<Attribution<FactoryEvidence>>({ kind: "attribute", dir, request, options, exclude }),
        close: (dir) => client.call<void>({ kind: "close", dir }),
      } satisfies LoraEngineServiceShape;
    }),
  );
}
