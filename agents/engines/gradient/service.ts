/**
 * The gradient engine as a long-lived Effect service, like the suffix engine's (suffix/service.ts):
 * the live layer starts one worker thread (query-worker.ts) that loads each model directory once
 * (index rows, ONNX Runtime sessions, the influence preconditioner) and runs every query; the
 * agent's event loop only posts the request and receives the attribution. Closing the layer's
 * scope stops the worker.
 *
 *   const gradient = yield* GradientEngineService;
 *   const { entries } = yield* gradient.attribute("/data/indexes/0xab…", { modelId, input, output: "spam" });
 */
import { Context, Effect, Layer } from "effect";
import type { Attribution, AttributionRequest } from "../engine.ts";
import { EngineError } from "../engine.ts";
import { makeWorkerClient, type WireError } from "../worker-client.ts";
import type { GradientEngineOptions, GradientEvidence } from "./engine.ts";
import type { GradientModelStatus } from "./query-worker.ts";

export type { GradientModelStatus } from "./query-worker.ts";

export type GradientQueryOptions = Pick<GradientEngineOptions, "method" | "maxEntries">;

export const DEFAULT_QUERY_OPTIONS: GradientQueryOptions = { method: "influence", maxEntries: 32 };

export interface GradientEngineServiceShape {
  /** Loads a model directory once per process (checked against its index header) and reports its commitment. */
  readonly open: (dir: string) => Effect.Effect<GradientModelStatus, EngineError>;
  /** Attributes a request against the model in `dir` (loaded on first use), withholding credit from `exclude`. */
  readonly attribute: (
    dir: string,
    request: AttributionRequest,
    options?: GradientQueryOptions,
    exclude?: ReadonlyArray<bigint>,
  ) => Effect.Effect<Attribution<GradientEvidence>, EngineError>;
  /** Releases one model (a later query loads it again). */
  readonly close: (dir: string) => Effect.Effect<void, EngineError>;
}

/** Failures come back as EngineError; `cause` keeps the worker's tag (GradientFileError, GradientRequestError, …). */
const fromWire = (error: WireError): EngineError =>
  new EngineError({ method: "gradient", message: error.message, cause: error });

export interface GradientServiceOptions {
  /** ONNX Runtime threads per session inside the worker (default 1). */
  readonly threads?: number;
}

export class GradientEngineService extends Context.Service<GradientEngineService, GradientEngineServiceShape>()(
  "poa/GradientEngineService",
) {
  static readonly layerWith = (options: GradientServiceOptions = {}) =>
    Layer.effect(
      GradientEngineService,
      Effect.gen(function* () {
        const client = yield* Effect.acquireRelease(
          Effect.sync(() =>
            makeWorkerClient(new URL("./query-worker.ts", import.meta.url), "gradient query", fromWire, {
              threads: options.threads ?? 1,
            }),
          ),
          (c) => c.stop,
        );
        return {
          open: (dir) => client.call<GradientModelStatus>({ kind: "open", dir }),
          attribute: (dir, request, opts = DEFAULT_QUERY_OPTIONS, exclude = []) =>
            client.call<Attribution<GradientEvidence>>({ kind: "attribute", dir, request, options: opts, exclude }),
          close: (dir) => client.call<void>({ kind: "close", dir }),
        } satisfies GradientEngineServiceShape;
      }),
    );

  /** The live service: one query worker for the process, stopped when the scope closes. */
  static readonly layer = GradientEngineService.layerWith();
}
