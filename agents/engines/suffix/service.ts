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
import { Worker } from "node:worker_threads";
import { Context, Effect, Layer } from "effect";
import type { Attribution, AttributionEngine, AttributionRequest } from "../engine.ts";
import { EngineError } from "../engine.ts";
import { type ResolvedOptions, resolveOptions, type SuffixEngineOptions, type SuffixEvidence } from "./engine.ts";
import {
  IndexCorruptError,
  type IndexFileError,
  IndexFormatError,
  IndexIoError,
  IndexTruncatedError,
} from "./errors.ts";
import type { IndexStatus, QueryReply, QueryRequest, WireError } from "./query-worker.ts";

export type { IndexStatus } from "./query-worker.ts";

export type SuffixServiceError = IndexFileError | EngineError;

type Request = QueryRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

const fromWire = (error: WireError): SuffixServiceError => {
  const path = error.path ?? "";
  switch (error._tag) {
    case "IndexCorruptError":
      return new IndexCorruptError({ path, section: error.section ?? "", message: error.message });
    case "IndexTruncatedError":
      return new IndexTruncatedError({
        path,
        expectedBytes: error.expectedBytes ?? 0,
        actualBytes: error.actualBytes ?? 0,
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
  /** Resolves once every block of the index has been read and checked (the background pass). */
  readonly awaitVerified: (path: string) => Effect.Effect<IndexStatus, SuffixServiceError>;
  /** Closes one index (a later query reopens it). */
  readonly close: (path: string) => Effect.Effect<void, SuffixServiceError>;
}

/** The worker client: one worker, requests matched to replies by id; a crashed worker restarts. */
const makeClient = () => {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, (reply: QueryReply) => void>();
  const start = (): Worker => {
    const started = new Worker(new URL("./query-worker.ts", import.meta.url), { execArgv: ["--import", "tsx"] });
    started.unref();
    started.on("message", (reply: QueryReply) => {
      const resolve = pending.get(reply.id);
      pending.delete(reply.id);
      resolve?.(reply);
    });
    const failAll = (message: string): void => {
      if (worker === started) worker = undefined;
      for (const [id, resolve] of pending) resolve({ id, ok: false, error: { _tag: "EngineError", message } });
      pending.clear();
    };
    started.on("error", (cause) => failAll(`suffix query worker failed: ${cause.message}`));
    started.on("exit", (code) => failAll(`suffix query worker exited with code ${code}`));
    return started;
  };
  const call = <A>(request: Request): Effect.Effect<A, SuffixServiceError> =>
    Effect.flatMap(
      Effect.callback<QueryReply>((resume) => {
        const id = nextId++;
        pending.set(id, (reply) => resume(Effect.succeed(reply)));
        worker ??= start();
        // keep the process alive while a query is out, not while the worker idles
        worker.ref();
        const message = { ...request, id } as QueryRequest;
        worker.postMessage(message);
      }),
      (reply) => {
        if (pending.size === 0) worker?.unref();
        return reply.ok ? Effect.succeed(reply.value as A) : Effect.fail(fromWire(reply.error));
      },
    );
  const stop = Effect.promise(async () => {
    const running = worker;
    worker = undefined;
    if (running !== undefined) await running.terminate();
  });
  return { call, stop };
};

export class SuffixEngineService extends Context.Service<SuffixEngineService, SuffixEngineServiceShape>()(
  "poa/SuffixEngineService",
) {
  /** The live service: one query worker for the process, stopped when the scope closes. */
  static readonly layer = Layer.effect(
    SuffixEngineService,
    Effect.gen(function* () {
      const client = yield* Effect.acquireRelease(Effect.sync(makeClient), (c) => c.stop);
      const resolved = (options: SuffixEngineOptions | undefined) => {
        const value = resolveOptions(options);
        return typeof value === "string"
          ? Effect.fail(new EngineError({ method: "suffix", message: value }))
          : Effect.succeed(value);
      };
      return {
        open: (path) => client.call<IndexStatus>({ kind: "open", path }),
        attribute: (path, output, options, exclude = []) =>
          Effect.flatMap(resolved(options), (opts: ResolvedOptions) =>
            client.call<Attribution<SuffixEvidence>>({ kind: "attribute", path, output, options: opts, exclude }),
          ),
        status: (path) => client.call<IndexStatus>({ kind: "status", path }),
        awaitVerified: (path) => client.call<IndexStatus>({ kind: "awaitVerified", path }),
        close: (path) => client.call<void>({ kind: "close", path }),
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
