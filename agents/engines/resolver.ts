/**
 * Engines chosen by the chain. `EngineResolver` maps a model id to the engine and index the model
 * registered in ModelRegistry — its attribution method and attribution-index commitment — and
 * attributes requests with it:
 *
 *   1. the model is read from ModelRegistry (cached for `modelTtlMs`): an id that is not
 *      registered is `UnknownModelError`, a method this node does not serve `UnsupportedMethodError`;
 *   2. its index is looked up in `<dataDir>/indexes/<commitment>/` (index-store.ts) and checked
 *      against the commitment before its first use; a local copy that fails is moved aside
 *      (`.rejected-…`), counted, and the index is fetched from peers by commitment over
 *      `/poa/index/1` (index-peers.ts); a peer's copy is checked in full in a staging directory and
 *      installed only if it matches; a peer that serves wrong bytes is counted and the next peer
 *      is tried. No copy that matches: `IndexMismatchError` (copies were found, none matched) or
 *      `IndexUnavailableError` (none was found);
 *   3. the request runs on the method's long-lived engine service (SuffixEngineService,
 *      GradientEngineService, or LoraEngineService for a gradient model whose index directory is a
 *      Model Factory adapter: worker threads, each index loaded once per process), leaving out the
 *      contributions not attributable at the request's reference time (attributable.ts).
 *
 * Weights are always computed here, from the verified index; nothing but index bytes comes from a
 * peer. Every failure is a typed error and the resolver keeps serving other requests.
 *
 * Checks: suffix (docs/suffix-engine.md) — the commitment is sha256 of the index header, which
 * binds every block through the block table; a local index is checked at open (header and table)
 * and then block by block as queries read it, a fetched one in full before it is installed.
 * Gradient (docs/gradient-engine.md) — the commitment is recomputed from every row of index.bin,
 * and the header's hashes of gradient.onnx and checkpoints.bin are checked, whenever a model
 * directory is loaded. LoRA (agents/engines/lora/load.ts) — the commitment is recomputed from index.bin,
 * whose header binds training.json, which binds the base model files and every checkpoint; all are checked
 * whenever the directory is loaded.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { Cause, Context, Data, Deferred, Effect, Exit, Layer, Option } from "effect";
import type { Hex } from "viem";
import { Chain, Contracts } from "../chain/Chain.ts";
import type { FactoryEvidence } from "../factory/attribution.ts";
import { modelRegistryAbi } from "../generated/contracts.ts";
import { Metrics } from "../observability/metrics.ts";
import { type ContributionTimesOptions, makeContributionTimes, type RegistryReadError } from "./attributable.ts";
import {
  type Attribution,
  type AttributionEngine,
  type AttributionMethod,
  type AttributionRequest,
  Engine,
  EngineError,
} from "./engine.ts";
import type { GradientEvidence } from "./gradient/engine.ts";
import { DEFAULT_QUERY_OPTIONS, GradientEngineService, type GradientQueryOptions } from "./gradient/service.ts";
import { IndexPeers } from "./index-peers.ts";
import {
  commitmentDir,
  type IndexKind,
  installIndex,
  KINDS_OF,
  listIndexDir,
  listIndexDirFor,
  quarantineIndex,
  removeDir,
  SUFFIX_INDEX_FILE,
  stagingDir,
} from "./index-store.ts";
import { DEFAULT_LORA_OPTIONS, LoraEngineService, type LoraQueryOptions } from "./lora/service.ts";
import type { SuffixEngineOptions, SuffixEvidence } from "./suffix/engine.ts";
import { SuffixEngineService } from "./suffix/service.ts";

/* ERRORS */

export class UnknownModelError extends Data.TaggedError("UnknownModelError")<{
  readonly modelId: bigint;
  readonly message: string;
}> {}

export class UnsupportedMethodError extends Data.TaggedError("UnsupportedMethodError")<{
  readonly modelId: bigint;
  readonly method: string;
  readonly message: string;
}> {}

export class ModelReadError extends Data.TaggedError("ModelReadError")<{
  readonly modelId: bigint;
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** Copies of the index were found (locally or at peers) but none matched the registered commitment. */
export class IndexMismatchError extends Data.TaggedError("IndexMismatchError")<{
  readonly commitment: Hex;
  /** One line per refused copy: where it came from and why. */
  readonly refused: ReadonlyArray<string>;
  readonly message: string;
}> {}

/** No copy of the index: not in the data directory, and no peer served one. */
export class IndexUnavailableError extends Data.TaggedError("IndexUnavailableError")<{
  readonly commitment: Hex;
  readonly message: string;
}> {}

export type ResolveError =
  | UnknownModelError
  | UnsupportedMethodError
  | ModelReadError
  | IndexMismatchError
  | IndexUnavailableError;

export type ResolverAttributeError = ResolveError | RegistryReadError | EngineError;

/* TYPES */

export interface IndexEpoch {
  readonly commitment: Hex;
  /** Unix seconds from which this commitment is in force (until the next epoch's). */
  readonly activeFrom: bigint;
  /** Proved bogus in an index dispute (docs/evidence-game.md): never used. */
  readonly bogus: boolean;
}

export interface RegisteredModel {
  readonly modelId: bigint;
  readonly method: AttributionMethod;
  /** The current commitment (the last epoch's). */
  readonly commitment: Hex;
  readonly datanetIds: ReadonlyArray<bigint>;
  /** The model's index epochs in order (ModelRegistry `indexEpoch`): which commitment was in force when. */
  readonly epochs: ReadonlyArray<IndexEpoch>;
}

export interface PreparedModel extends RegisteredModel {
  /** The suffix index file, or the gradient model directory. */
  readonly path: string;
  /** "local", or the peer the index was fetched from. */
  readonly source: string;
}

export type EngineEvidence = SuffixEvidence | GradientEvidence | FactoryEvidence;

export interface ResolverStats {
  /** Copies refused for not matching their commitment (local or from a peer). */
  readonly indexMismatches: number;
  /** Peer requests that failed (not found, timeout, protocol) or served a mismatching copy. */
  readonly peerFailures: number;
  readonly indexesFetched: number;
  readonly indexesLoaded: number;
}

export interface EngineResolverOptions {
  /** Root of `indexes/<commitment>/`. */
  readonly dataDir: string;
  /**
   * The ledger's K (`AttributionLedger.MAX_ENTRIES`): every attribution keeps at most this many entries, whatever
   * `suffix`/`gradient` say (σ drops an Attribute with more, for good). Required, so no caller can leave it to an
   * engine's own default; the agents' wiring reads it from the chain (agents/network/wiring.ts `registryEngine`).
   */
  readonly maxEntries: number;
  /** How long a model read from ModelRegistry is reused (default 10 s; the commitment can be updated). */
  readonly modelTtlMs?: number;
  /** Methods this node serves (default both). */
  readonly methods?: ReadonlyArray<AttributionMethod>;
  readonly suffix?: SuffixEngineOptions;
  readonly gradient?: Partial<GradientQueryOptions>;
  /** Model Factory adapters (gradient models whose index is kind "lora"): the method (default DataInf); K is `maxEntries`. */
  readonly lora?: Partial<Pick<LoraQueryOptions, "method">>;
  readonly contributionTimes?: ContributionTimesOptions;
}

export interface EngineResolverShape {
  /** The model as registered (method, commitment, datanets). */
  readonly model: (modelId: bigint) => Effect.Effect<RegisteredModel, ResolveError>;
  /**
   * The model with its verified index ready (found locally or fetched; the commitment in force at
   * `referenceTime`, default the current one); loads it into its engine.
   */
  readonly prepare: (modelId: bigint, referenceTime?: bigint) => Effect.Effect<PreparedModel, ResolveError>;
  /** Attributes a request with the model's registered engine and index. */
  readonly attribute: (
    request: AttributionRequest,
  ) => Effect.Effect<Attribution<EngineEvidence>, ResolverAttributeError>;
  readonly stats: Effect.Effect<ResolverStats>;
  /** The most entries an attribution keeps (the ledger's K it was built with). */
  readonly maxEntries: number;
}

const METHODS: ReadonlyArray<AttributionMethod> = ["suffix", "gradient"];
const ZERO = `0x${"0".repeat(64)}`;

/** Runs `run` once per key at a time; concurrent callers share its result; a failure is not kept. */
const singleFlight = <A, E>() => {
  const inFlight = new Map<string, Deferred.Deferred<A, E>>();
  return (key: string, run: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.gen(function* () {
      const running = inFlight.get(key);
      if (running !== undefined) return yield* Deferred.await(running);
      const deferred = yield* Deferred.make<A, E>();
      inFlight.set(key, deferred);
      const exit = yield* Effect.exit(run).pipe(
        // the runner interrupted: waiters are interrupted too, and the next caller starts afresh
        Effect.onInterrupt(() =>
          Effect.suspend(() => {
            inFlight.delete(key);
            return Deferred.interrupt(deferred);
          }),
        ),
      );
      inFlight.delete(key);
      yield* Deferred.done(deferred, exit);
      return yield* exit;
    });
};

const describeError = (error: { readonly message: string }): string => error.message.split("\n")[0] ?? "";

export const makeEngineResolver = Effect.fn("EngineResolver.make")(function* (options: EngineResolverOptions) {
  const { publicClient } = yield* Chain;
  const { deployments } = yield* Contracts;
  const suffix = yield* SuffixEngineService;
  const gradient = yield* GradientEngineService;
  const lora = yield* LoraEngineService;
  const loraOptions: LoraQueryOptions = {
    method: options.lora?.method ?? DEFAULT_LORA_OPTIONS.method,
    maxEntries: options.maxEntries,
  };
  const indexPeers = yield* IndexPeers;
  const registry = yield* Metrics;
  const times = yield* makeContributionTimes(options.contributionTimes);
  const modelRegistry = deployments.modelRegistry as string as Hex;
  const ttl = options.modelTtlMs ?? 10_000;
  const methods = options.methods ?? METHODS;
  const suffixOptions: SuffixEngineOptions = { ...options.suffix, maxEntries: options.maxEntries };
  const gradientOptions: GradientQueryOptions = {
    ...DEFAULT_QUERY_OPTIONS,
    ...options.gradient,
    maxEntries: options.maxEntries,
  };
  const metrics = {
    indexes: registry.counter("poa_engine_index_total", "Attribution indexes looked up, by source and result"),
    attributions: registry.counter("poa_engine_attribute_total", "Attributions by the chain's engines, by result"),
  };
  const stats = { indexMismatches: 0, peerFailures: 0, indexesFetched: 0, indexesLoaded: 0 };

  /* the model, from ModelRegistry */

  const models = new Map<bigint, { readonly model: RegisteredModel; readonly at: number }>();
  const readRegistry = <A>(modelId: bigint, what: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (cause) =>
        new ModelReadError({
          modelId,
          message: `cannot read ${what} from ModelRegistry at ${modelRegistry}: ${
            cause instanceof Error ? cause.message.split("\n")[0] : String(cause)
          }`,
          cause,
        }),
    });
  const model = Effect.fn("EngineResolver.model")(function* (modelId: bigint) {
    const cached = models.get(modelId);
    if (cached !== undefined && Date.now() - cached.at < ttl) return cached.model;
    const count = yield* readRegistry(modelId, "the model count", () =>
      publicClient.readContract({ address: modelRegistry, abi: modelRegistryAbi, functionName: "modelCount" }),
    );
    if (modelId < 1n || modelId > count) {
      return yield* new UnknownModelError({
        modelId,
        message: `model ${modelId} is not registered in ModelRegistry at ${modelRegistry} (${count} models)`,
      });
    }
    const m = yield* readRegistry(modelId, `model ${modelId}`, () =>
      publicClient.readContract({
        address: modelRegistry,
        abi: modelRegistryAbi,
        functionName: "getModel",
        args: [modelId],
      }),
    );
    const method: string = m.method === 0 ? "suffix" : m.method === 1 ? "gradient" : `method #${m.method}`;
    const served = methods.find((known) => known === method);
    if (served === undefined) {
      return yield* new UnsupportedMethodError({
        modelId,
        method,
        message: `model ${modelId} is attributed by ${method}, which this node does not serve (${methods.join(", ")})`,
      });
    }
    const epochCount = yield* readRegistry(modelId, `model ${modelId}'s index epochs`, () =>
      publicClient.readContract({
        address: modelRegistry,
        abi: modelRegistryAbi,
        functionName: "indexEpochCount",
        args: [modelId],
      }),
    );
    const epochs = yield* Effect.forEach(
      Array.from({ length: Number(epochCount) }, (_, i) => BigInt(i)),
      (epoch) =>
        readRegistry(modelId, `model ${modelId}'s index epoch ${epoch}`, () =>
          publicClient.readContract({
            address: modelRegistry,
            abi: modelRegistryAbi,
            functionName: "indexEpoch",
            args: [modelId, epoch],
          }),
        ).pipe(
          Effect.map(
            (e): IndexEpoch => ({
              commitment: e.commitment.toLowerCase() as Hex,
              activeFrom: BigInt(e.activeFrom),
              bogus: e.bogus,
            }),
          ),
        ),
      { concurrency: 8 },
    );
    const registered: RegisteredModel = {
      modelId,
      method: served,
      commitment: m.attributionIndexCommitment.toLowerCase() as Hex,
      datanetIds: m.datanetIds,
      epochs,
    };
    models.set(modelId, { model: registered, at: Date.now() });
    return registered;
  });

  /* the index: checked against the commitment, from the data directory or from peers */

  /** Opens the index at `path` in its engine; Some(reason) when it does not match `commitment`. */
  const check = (method: IndexKind, path: string, commitment: Hex, full: boolean) =>
    Effect.gen(function* () {
      if (method === "lora") {
        const opened = yield* Effect.exit(lora.open(path));
        if (Exit.isFailure(opened)) return Option.some(`unusable: ${causeMessage(opened.cause)}`);
        if (opened.value.commitment !== commitment) {
          yield* Effect.ignore(lora.close(path));
          return Option.some(`its rows commit to ${opened.value.commitment}`);
        }
        return Option.none<string>();
      }
      if (method === "suffix") {
        const opened = yield* Effect.exit(suffix.open(path));
        if (Exit.isFailure(opened)) return Option.some(`unreadable: ${causeMessage(opened.cause)}`);
        if (opened.value.commitment !== commitment) {
          yield* Effect.ignore(suffix.close(path));
          return Option.some(`its header hashes to ${opened.value.commitment}`);
        }
        if (full) {
          const verified = yield* Effect.exit(suffix.awaitVerified(path));
          if (Exit.isFailure(verified)) {
            yield* Effect.ignore(suffix.close(path));
            return Option.some(`a block does not match the header: ${causeMessage(verified.cause)}`);
          }
        }
        return Option.none<string>();
      }
      const opened = yield* Effect.exit(gradient.open(path));
      if (Exit.isFailure(opened)) return Option.some(`unreadable: ${causeMessage(opened.cause)}`);
      if (opened.value.commitment !== commitment) {
        yield* Effect.ignore(gradient.close(path));
        return Option.some(`its rows commit to ${opened.value.commitment}`);
      }
      return Option.none<string>();
    });

  const close = (method: IndexKind, path: string) =>
    Effect.ignore(
      method === "suffix" ? suffix.close(path) : method === "lora" ? lora.close(path) : gradient.close(path),
    );

  const enginePath = (method: IndexKind, dir: string) => (method === "suffix" ? join(dir, SUFFIX_INDEX_FILE) : dir);

  const prepared = new Map<
    string,
    { readonly kind: IndexKind; readonly path: string; readonly source: string; readonly ids: ReadonlySet<bigint> }
  >();
  const flights = singleFlight<
    { kind: IndexKind; path: string; source: string; ids: ReadonlySet<bigint> },
    IndexMismatchError | IndexUnavailableError
  >();

  /** The index's contribution ids (what reference-time exclusion needs); a failure fails the lookup. */
  const contributionIds = (method: IndexKind, path: string, commitment: Hex) =>
    (method === "suffix"
      ? suffix.contributionIds(path)
      : method === "lora"
        ? lora.open(path).pipe(Effect.map((status) => status.contributionIds))
        : gradient.open(path).pipe(Effect.map((status) => status.contributionIds))
    ).pipe(
      Effect.map((ids) => new Set(ids)),
      Effect.mapError(
        (error) =>
          new IndexUnavailableError({
            commitment,
            message: `index ${commitment}: cannot list its contributions: ${error.message}`,
          }),
      ),
    );

  const obtain = (method: AttributionMethod, commitment: Hex) =>
    Effect.gen(function* () {
      const refused: string[] = [];
      const dir = commitmentDir(options.dataDir, commitment);
      const local = listIndexDirFor(dir, method);
      if (local !== undefined) {
        const kind = local.method;
        const path = enginePath(kind, dir);
        const problem = yield* check(kind, path, commitment, false);
        if (Option.isNone(problem)) {
          metrics.indexes.inc({ source: "local", result: "ok" });
          stats.indexesLoaded++;
          return { kind, path, source: "local", ids: yield* contributionIds(kind, path, commitment) };
        }
        refused.push(`local copy ${dir}: ${problem.value}`);
        stats.indexMismatches++;
        metrics.indexes.inc({ source: "local", result: "mismatch" });
        const moved = yield* Effect.sync(() => quarantineIndex(options.dataDir, commitment));
        yield* Effect.logWarning(`index ${commitment}: local copy refused (${problem.value}); moved to ${moved}`);
      } else if (fs.existsSync(dir)) {
        // an incomplete directory (files missing): out of the way, so a fetched copy can take its place
        const moved = yield* Effect.sync(() => quarantineIndex(options.dataDir, commitment));
        yield* Effect.logWarning(
          `index ${commitment}: local directory lacks the ${method} index files; moved to ${moved}`,
        );
      }
      const peers = yield* indexPeers.peers;
      for (const peer of peers) {
        const staging = yield* Effect.sync(() => stagingDir(options.dataDir));
        const fetched = yield* Effect.exit(indexPeers.download(peer, commitment, staging));
        if (Exit.isFailure(fetched)) {
          removeDir(staging);
          stats.peerFailures++;
          const reason = Option.match(Cause.findErrorOption(fetched.cause), {
            onNone: () => "defect",
            onSome: (e) => e.reason,
          });
          metrics.indexes.inc({ source: "peer", result: reason });
          if (reason !== "not-found") refused.push(`peer ${peer}: ${causeMessage(fetched.cause)}`);
          continue;
        }
        const kind = fetched.value.method;
        const stagedPath = enginePath(kind, staging);
        const problem = !KINDS_OF[method].includes(kind)
          ? Option.some(`it is a ${kind} index, the model's method is ${method}`)
          : listIndexDir(staging, kind) === undefined
            ? Option.some(`it lacks the files of a ${kind} index`)
            : yield* check(kind, stagedPath, commitment, true);
        yield* close(kind, stagedPath);
        if (Option.isSome(problem)) {
          removeDir(staging);
          stats.peerFailures++;
          stats.indexMismatches++;
          metrics.indexes.inc({ source: "peer", result: "mismatch" });
          refused.push(`peer ${peer}: ${problem.value}`);
          yield* Effect.logWarning(`index ${commitment}: copy from peer ${peer} refused (${problem.value})`);
          continue;
        }
        const installed = yield* Effect.sync(() => installIndex(staging, options.dataDir, commitment));
        const path = enginePath(kind, installed);
        // checked in full above; this opens the installed copy in its engine
        const reopened = yield* check(kind, path, commitment, false);
        if (Option.isSome(reopened)) {
          refused.push(`installed copy: ${reopened.value}`);
          continue;
        }
        metrics.indexes.inc({ source: "peer", result: "ok" });
        stats.indexesFetched++;
        stats.indexesLoaded++;
        return { kind, path, source: peer, ids: yield* contributionIds(kind, path, commitment) };
      }
      if (refused.length > 0) {
        return yield* new IndexMismatchError({
          commitment,
          refused,
          message: `no copy of index ${commitment} matches its commitment: ${refused.join("; ")}`,
        });
      }
      return yield* new IndexUnavailableError({
        commitment,
        message: `index ${commitment} is not in ${dir} and none of ${peers.length} peers has it`,
      });
    });

  const prepareIndex = (method: AttributionMethod, commitment: Hex) =>
    Effect.suspend(() => {
      const known = prepared.get(commitment);
      if (known !== undefined) return Effect.succeed(known);
      return flights(
        commitment,
        obtain(method, commitment).pipe(Effect.tap((ready) => Effect.sync(() => prepared.set(commitment, ready)))),
      );
    });

  const prepare = Effect.fn("EngineResolver.prepare")(function* (modelId: bigint, referenceTime?: bigint) {
    const registered = yield* model(modelId);
    const commitment = yield* commitmentAt(registered, referenceTime);
    const ready = yield* prepareIndex(registered.method, commitment);
    return { ...registered, commitment, path: ready.path, source: ready.source } satisfies PreparedModel;
  });

  /** A query found a corrupt block of a local index: forget it, move it aside; the next query refetches. */
  const invalidate = (registered: RegisteredModel, path: string) =>
    Effect.gen(function* () {
      const known = prepared.get(registered.commitment);
      if (known === undefined) return;
      prepared.delete(registered.commitment);
      stats.indexMismatches++;
      metrics.indexes.inc({ source: "local", result: "corrupt" });
      yield* close(known.kind, path);
      yield* Effect.sync(() => {
        if (fs.existsSync(commitmentDir(options.dataDir, registered.commitment))) {
          quarantineIndex(options.dataDir, registered.commitment);
        }
      });
    });

  /**
   * The commitment in force at `t` (the last index epoch active from t or earlier; no t: the current
   * one). An epoch proved bogus is never used.
   */
  const commitmentAt = (registered: RegisteredModel, t: bigint | undefined) =>
    Effect.gen(function* () {
      let epoch: IndexEpoch | undefined;
      if (t === undefined || registered.epochs.length === 0) {
        epoch = registered.epochs.at(-1) ?? { commitment: registered.commitment, activeFrom: 0n, bogus: false };
      } else {
        for (let i = registered.epochs.length - 1; i >= 0 && epoch === undefined; i--) {
          if (registered.epochs[i]!.activeFrom <= t) epoch = registered.epochs[i];
        }
        if (epoch === undefined) {
          return yield* new IndexUnavailableError({
            commitment: ZERO as Hex,
            message: `model ${registered.modelId} had no attribution index in force at ${t}`,
          });
        }
      }
      if (epoch.commitment === ZERO) {
        return yield* new IndexUnavailableError({
          commitment: epoch.commitment,
          message: `model ${registered.modelId} registered no attribution-index commitment`,
        });
      }
      if (epoch.bogus) {
        return yield* new IndexMismatchError({
          commitment: epoch.commitment,
          refused: ["ModelRegistry: proved bogus in an index dispute"],
          message: `model ${registered.modelId}'s index ${epoch.commitment} was proved bogus: refused`,
        });
      }
      return epoch.commitment;
    });

  const attribute = Effect.fn("EngineResolver.attribute")(function* (request: AttributionRequest) {
    const live = yield* model(request.modelId);
    const commitment = yield* commitmentAt(live, request.referenceTime);
    const registered = { ...live, commitment };
    const ready = yield* prepareIndex(registered.method, registered.commitment);
    const { excluded } = yield* times.excludedAt(ready.ids, request.referenceTime);
    if (registered.method === "suffix") {
      return yield* suffix
        .attribute(ready.path, new TextEncoder().encode(request.output), suffixOptions, excluded)
        .pipe(
          Effect.catchTag("IndexCorruptError", (error) =>
            invalidate(registered, ready.path).pipe(
              Effect.andThen(
                Effect.fail(
                  new EngineError({ method: "suffix", message: `${error.message}: index refused`, cause: error }),
                ),
              ),
            ),
          ),
          Effect.mapError((error) =>
            error._tag === "EngineError"
              ? error
              : new EngineError({ method: "suffix", message: error.message, cause: error }),
          ),
        );
    }
    if (ready.kind === "lora") return yield* lora.attribute(ready.path, request, loraOptions, excluded);
    return yield* gradient.attribute(ready.path, request, gradientOptions, excluded);
  });

  const service: EngineResolverShape = {
    model,
    prepare,
    attribute: (request) =>
      attribute(request).pipe(
        Effect.tap(() => Effect.sync(() => metrics.attributions.inc({ result: "ok" }))),
        Effect.tapError((error) => Effect.sync(() => metrics.attributions.inc({ result: error._tag }))),
      ),
    stats: Effect.sync(() => ({ ...stats })),
    maxEntries: options.maxEntries,
  };
  return service;
});

const causeMessage = (cause: Cause.Cause<{ readonly message: string }>): string =>
  Option.match(Cause.findErrorOption(cause), { onNone: () => Cause.pretty(cause), onSome: describeError });

export class EngineResolver extends Context.Service<EngineResolver, EngineResolverShape>()("poa/EngineResolver") {
  /**
   * The live resolver. Needs Chain and Contracts (registry reads), the engine services, IndexPeers
   * (`IndexPeers.gossip(...)` or `IndexPeers.none`) and Metrics.
   */
  static readonly layer = (options: EngineResolverOptions) => Layer.effect(EngineResolver, makeEngineResolver(options));

  /**
   * For tests of the agents: models served by given engines (no chain, no index files); any other
   * model id is UnknownModelError.
   */
  static readonly test = (
    engines: ReadonlyMap<
      bigint,
      { readonly method: AttributionMethod; readonly engine: AttributionEngine<EngineEvidence> }
    >,
    maxEntries = 8,
  ) =>
    Layer.succeed(EngineResolver, {
      model: (modelId) => {
        const served = engines.get(modelId);
        return served === undefined
          ? Effect.fail(new UnknownModelError({ modelId, message: `model ${modelId} is not registered` }))
          : Effect.succeed({ modelId, method: served.method, commitment: ZERO as Hex, datanetIds: [], epochs: [] });
      },
      prepare: (modelId) => {
        const served = engines.get(modelId);
        return served === undefined
          ? Effect.fail(new UnknownModelError({ modelId, message: `model ${modelId} is not registered` }))
          : Effect.succeed({
              modelId,
              method: served.method,
              commitment: ZERO as Hex,
              datanetIds: [],
              epochs: [],
              path: "",
              source: "test",
            });
      },
      attribute: (request) => {
        const served = engines.get(request.modelId);
        return served === undefined
          ? Effect.fail(
              new UnknownModelError({
                modelId: request.modelId,
                message: `model ${request.modelId} is not registered`,
              }),
            )
          : served.engine.attribute(request);
      },
      stats: Effect.succeed({ indexMismatches: 0, peerFailures: 0, indexesFetched: 0, indexesLoaded: 0 }),
      maxEntries,
    });

  /** The resolver with its engine services (worker threads, stopped with the layer's scope). */
  static readonly layerWithEngines = (options: EngineResolverOptions) =>
    EngineResolver.layer(options).pipe(
      Layer.provide(Layer.mergeAll(SuffixEngineService.layer, GradientEngineService.layer, LoraEngineService.layer)),
    );
}

/**
 * The attribution engine the agents use (`Engine` service, ./engine.ts) from a resolver: every request
 * goes to the engine its model registered on chain. Failures are EngineError with the typed resolver
 * error as `cause` (`UnknownModelError`, `IndexMismatchError`, …); `method` names the model's method when
 * known. The agents' wiring builds it with the ledger's K (agents/network/wiring.ts `registryEngine`).
 */
export const resolverEngine: Layer.Layer<Engine, never, EngineResolver> = Layer.effect(
  Engine,
  Effect.gen(function* () {
    return asAttributionEngine(yield* EngineResolver);
  }),
);

export { Engine };

export const asAttributionEngine = (resolver: EngineResolverShape): AttributionEngine<EngineEvidence> => ({
  method: "registry",
  attribute: (request) =>
    resolver
      .attribute(request)
      .pipe(
        Effect.mapError((error) =>
          error._tag === "EngineError"
            ? error
            : new EngineError({ method: "registry", message: error.message, cause: error }),
        ),
      ),
});
