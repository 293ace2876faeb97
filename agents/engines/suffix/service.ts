/**
 * The suffix engine as a long-lived Effect service. The live layer starts one worker thread
 * (query-worker.ts) that holds each opened index once for the whole process (opened lazily:
 * header and block table up front, every other block read and checked on first touch, the rest
 * checked in the background) and runs every query; the agent's event loop only posts messages.
 * Closing the layer's scope stops the worker and closes the files.
 *
 *   const engine = yield* SuffixEngineService;
 *   const { entries, evidence } = yield* engine.attribute("/data/model-7.idx", bytes);
 */
import { Context, Effect, Layer } from "effect";
import type { Attribution, AttributionEngine, AttributionRequest } from "../engine.ts";
import { EngineError } from "../engine.ts";
import { makeWorkerClient, type WireError } from "../worker-client.ts";
import { type ResolvedOptions, resolveOptions, type SuffixEngineOptions, type SuffixEvidence } from "./engine.ts";
import {
  IndexCorruptError,
  type IndexFileError,
  IndexFormatError,
  IndexIoError,
  IndexTruncatedError,
} from "./errors.ts";
import type { IndexStatus, QueryRequest } from "./query-worker.ts";

export type { IndexStatus } from "./query-worker.ts";

export type SuffixServiceError = IndexFileError | EngineError;

type Request = QueryRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

const fromWire = (error: WireError): SuffixServiceError => {
  const text = (key: string): string => (typeof error[key] === "string" ? (error[key] as string) : "");
  const count = (key: string): number => (typeof error[key] === "number" ? (error[key] as number) : 0);
  const path = text("path");
  switch (error._tag) {
    case "IndexCorruptError":
      return new IndexCorruptError({ path, section: text("section"), message: error.message });
    case "IndexTruncatedError":
      return new IndexTruncatedError({
        path,
        expectedBytes: count("expectedBytes"),
        actualBytes: count("actualBytes"),
        message: error.message,
      });
    case "IndexFormatError":
      return new IndexFormatError({ path, message: error.message });
    case "IndexIoError":
      return new IndexIoError({ path, message: error.message });
    default:
      return new EngineError({ method: "suffix", message: error.message });
  }
};

export interface SuffixEngineServiceShape {
  /** Opens an index (once per process; later calls return at once): header and block table only. */
  readonly open: (path: string) => Effect.Effect<IndexStatus, SuffixServiceError>;
  /**
   * Attributes UTF-8 output bytes against the index at `path` (opened on first use), leaving out
   * the contributions in `exclude` (as if they had never been indexed).
   */
  readonly attribute: (
    path: string,
    output: Uint8Array,
    options?: SuffixEngineOptions,
    exclude?: ReadonlyArray<bigint>,
  ) => Effect.Effect<Attribution<SuffixEvidence>, SuffixServiceError>;
  readonly status: (path: string) => Effect.Effect<IndexStatus, SuffixServiceError>;
  /** The contribution ids of the index, in index order. */
  readonly contributionIds: (path: string) => Effect.Effect<ReadonlyArray<bigint>, SuffixServiceError>;
  /** Resolves once every block of the index has been read and checked (the background pass). */
  readonly awaitVerified: (path: string) => Effect.Effect<IndexStatus, SuffixServiceError>;
  /** Closes one index (a later query reopens it). */
  readonly close: (path: string) => Effect.Effect<void, SuffixServiceError>;
}

export class SuffixEngineService extends Context.Service<SuffixEngineService, SuffixEngineServiceShape>()(
  "poa/SuffixEngineService",
) {
  /** The live service: one query worker for the process, stopped when the scope closes. */
  static readonly layer = Layer.effect(
    SuffixEngineService,
    Effect.gen(function* () {
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => makeWorkerClient(new URL("./query-worker.ts", import.meta.url), "suffix query", fromWire)),
        (c) => c.stop,
      );
      const resolved = (options: SuffixEngineOptions | undefined) => {
        const value = resolveOptions(options);
        return typeof value === "string"
          ? Effect.fail(new EngineError({ method: "suffix", message: value }))
          : Effect.succeed(value);
      };
      return {
        open: (path) => client.call<IndexStatus>({ kind: "open", path } satisfies Request),
        attribute: (path, output, options, exclude = []) =>
          Effect.flatMap(resolved(options), (opts: ResolvedOptions) =>
            client.call<Attribution<SuffixEvidence>>({
              kind: "attribute",
              path,
              output,
              options: opts,
              exclude,
            } satisfies Request),
          ),
        status: (path) => client.call<IndexStatus>({ kind: "status", path } satisfies Request),
        contributionIds: (path) =>
          client.call<ReadonlyArray<bigint>>({ kind: "contributions", path } satisfies Request),
        awaitVerified: (path) => client.call<IndexStatus>({ kind: "awaitVerified", path } satisfies Request),
        close: (path) => client.call<void>({ kind: "close", path } satisfies Request),
      } satisfies SuffixEngineServiceShape;
    }),
  );
}

/**
 * An AttributionEngine on the service: `indexFor` names the index file of a model (e.g. the data
 * directory keyed by the model's attribution-index commitment).
 */
export const makeServiceEngine = (
  service: SuffixEngineServiceShape,
  indexFor: (modelId: bigint) => Effect.Effect<string, EngineError>,
  options: SuffixEngineOptions = {},
): AttributionEngine<SuffixEvidence> => ({
  method: "suffix",
  attribute: Effect.fn("SuffixEngine.attribute")(function* (request: AttributionRequest) {
    const path = yield* indexFor(request.modelId);
    return yield* service
      .attribute(path, new TextEncoder().encode(request.output), options)
      .pipe(
        Effect.mapError((error) =>
          error._tag === "EngineError"
            ? error
            : new EngineError({ method: "suffix", message: error.message, cause: error }),
        ),
      );
  }),
});
