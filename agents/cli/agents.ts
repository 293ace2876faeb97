/**
 * `poa attributor run`, `poa challenger run`, `poa status`: the long-running agents and a summary.
 *
 * Settings come from flags, each falling back to an environment variable (`POA_<ROLE>_…`), and the
 * chain connection from the shared client flags / env / config file (agents/config/ClientConfig.ts).
 * Keys stay Redacted. Every agent serves Prometheus `/metrics` and `/health` (agents/observability).
 *
 * The engine: `--fixture-contributions 1,2,3` runs the deterministic fixture engine over those ids
 * (agents/receipts/fixtureEngine.ts). The suffix and gradient engines plug in through the same
 * AttributionEngine interface; loading their indexes from disk here is left to their CLIs.
 */
import path from "node:path";
import { Config, Console, Context, Data, Effect, Layer, Option, Redacted, Schedule } from "effect";
import { Command, Flag } from "effect/cli";
import { type Address, concat, type Hex, hexToBytes, keccak256, stringToHex } from "viem";
import { recordingEngine, serveAttributionApi } from "../attributor/api.ts";
import { runAttributor } from "../attributor/attributor.ts";
import { type IntakeResult, intakeFailure, serveIntake } from "../attributor/intake.ts";
import { Chain, ChainError, Contracts } from "../chain/Chain.ts";
import { runChallenger } from "../challenger/challenger.ts";
import { storedOrPeerTexts } from "../challenger/weights.ts";
import { type ClientConfig, resolveClientConfig } from "../config/ClientConfig.ts";
import { fileTextStore, type TextStoreShape } from "../content/texts.ts";
import type { AttributionEngine } from "../engines/engine.ts";
import { DEFAULT_QUERY_OPTIONS } from "../engines/gradient/service.ts";
import { IndexPeers } from "../engines/index-peers.ts";
import { Engine, EngineResolver } from "../engines/resolver.ts";
import { Gossip, type GossipShape } from "../gossip/gossip.ts";
import { FollowerError, makeFollower } from "../ledger/follower.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { ledgerAddresses } from "../network/network.ts";
import { agentServices } from "../network/wiring.ts";
import { Metrics } from "../observability/metrics.ts";
import { Observability } from "../observability/server.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { attributeGossipedReceipts } from "../receipts/texts.ts";
import { type ClientFlagValues, clientFlags, report } from "./common.ts";

export class AgentConfigError extends Data.TaggedError("AgentConfigError")<{ readonly message: string }> {}

const envFlag = <A>(flag: Flag.Flag<A>, config: Config.Config<A>) => flag.pipe(Flag.withFallbackConfig(config));

const agentFlags = (role: "ATTRIBUTOR" | "CHALLENGER") => ({
  ...clientFlags,
  dataDir: envFlag(Flag.String("data-dir"), Config.String(`POA_${role}_DATA_DIR`)).pipe(
    Flag.withDefault(`.poa/${role.toLowerCase()}`),
    Flag.withDescription(`directory of the agent's SQLite store (env POA_${role}_DATA_DIR)`),
  ),
  gossipPort: envFlag(Flag.Int("gossip-port"), Config.Int(`POA_${role}_GOSSIP_PORT`)).pipe(
    Flag.withDefault(0),
    Flag.withDescription(`libp2p TCP port, 0 = any (env POA_${role}_GOSSIP_PORT)`),
  ),
  bootstrap: envFlag(Flag.String("bootstrap"), Config.String(`POA_${role}_BOOTSTRAP`)).pipe(
    Flag.withDefault(""),
    Flag.withDescription(`comma-separated multiaddrs ending in /p2p/<peer id> (env POA_${role}_BOOTSTRAP)`),
  ),
  metricsPort: envFlag(Flag.Int("metrics-port"), Config.Int(`POA_${role}_METRICS_PORT`)).pipe(
    Flag.withDefault(0),
    Flag.withDescription(`port of /metrics and /health, 0 = any (env POA_${role}_METRICS_PORT)`),
  ),
  pollMs: envFlag(Flag.Int("poll-ms"), Config.Int(`POA_${role}_POLL_MS`)).pipe(
    Flag.withDefault(1000),
    Flag.withDescription("milliseconds between chain polls"),
  ),
  confirmations: envFlag(Flag.Int("confirmations"), Config.Int(`POA_${role}_CONFIRMATIONS`)).pipe(
    Flag.withDefault(0),
    Flag.withDescription(
      `act only on ledger events this many blocks deep: a reorg that shallow takes back nothing (env POA_${role}_CONFIRMATIONS)`,
    ),
  ),
  engine: envFlag(Flag.String("engine"), Config.String(`POA_${role}_ENGINE`)).pipe(
    Flag.withDefault(""),
    Flag.withDescription(
      `registry (each model's engine and index as registered on chain; indexes under <data-dir>/indexes/), fixture or none (env POA_${role}_ENGINE; default: ${role === "ATTRIBUTOR" ? "fixture" : "registry"})`,
    ),
  ),
});

interface AgentFlagValues extends ClientFlagValues {
  readonly dataDir: string;
  readonly gossipPort: number;
  readonly bootstrap: string;
  readonly metricsPort: number;
  readonly pollMs: number;
  readonly confirmations: number;
  readonly engine: string;
}

const positive = (name: string, value: number) =>
  Number.isInteger(value) && value >= 0
    ? Effect.succeed(value)
    : Effect.fail(new AgentConfigError({ message: `${name} must be a non-negative integer, got ${value}` }));

/** The seed of an agent's libp2p key: derived from its chain key, so its peer id survives restarts. */
export const peerKeySeedOf = (key: Hex): Hex => keccak256(concat([stringToHex("poa/libp2p-peer-key/v1"), key]));

/** The agent's Chain (with the wallet) and Contracts, key and bootstrap peers; its other services: ../network/wiring.ts. */
const agentLayer = (name: string, flags: AgentFlagValues, config: ClientConfig) =>
  Effect.gen(function* () {
    yield* positive("--gossip-port", flags.gossipPort);
    yield* positive("--metrics-port", flags.metricsPort);
    yield* positive("--confirmations", flags.confirmations);
    if (Option.isNone(config.privateKey)) {
      return yield* new AgentConfigError({
        message: "an agent needs a key: pass --private-key, set POA_PRIVATE_KEY or privateKey in the config file",
      });
    }
    const key = Redacted.make(Redacted.value(config.privateKey.value) as Hex);
    const chain = Layer.provideMerge(Contracts.layer(config), Chain.layer(config));
    const bootstrap = flags.bootstrap
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a.length > 0);
    // the libp2p identity follows the agent's key, so a restarted agent keeps its peer id and the
    // multiaddrs other nodes bootstrap from stay valid
    const peerKeySeed = Redacted.make(peerKeySeedOf(Redacted.value(key)));
    return { chain, key, bootstrap, name, peerKeySeed };
  });

/** What an agent runs on besides its services: its engine (none: weights are not computed) and text store. */
interface AgentParts {
  readonly engine: AttributionEngine<unknown> | undefined;
  readonly texts: TextStoreShape;
  readonly gossip: GossipShape;
}

/**
 * `--engine`: `registry` attributes every model with the engine and index it registered on chain
 * (agents/engines/resolver.ts; indexes under `<data dir>/indexes/<commitment>/` or fetched from peers);
 * `fixture` is the deterministic fixture engine over `--fixture-contributions`; `none` computes no weights.
 */
const EngineKinds = ["registry", "fixture", "none"] as const;
type EngineKind = (typeof EngineKinds)[number];
const engineKind = (value: string, fallback: EngineKind) =>
  value === ""
    ? Effect.succeed(fallback)
    : (EngineKinds as ReadonlyArray<string>).includes(value)
      ? Effect.succeed(value as EngineKind)
      : Effect.fail(new AgentConfigError({ message: `--engine must be registry, fixture or none, got "${value}"` }));

const runAgent = (
  role: "attributor" | "challenger",
  flags: AgentFlagValues,
  engine: { readonly kind: EngineKind; readonly fixture?: AttributionEngine<unknown> },
  start: (parts: AgentParts) => Effect.Effect<void, unknown, never>,
) =>
  Effect.gen(function* () {
    const config = yield* resolveClientConfig(flags);
    const parts = yield* agentLayer(role, flags, config);
    const program = Effect.gen(function* () {
      const { deployments } = yield* Contracts;
      const chain = yield* Chain;
      const addresses = yield* Effect.try({
        try: () => ledgerAddresses(deployments),
        catch: (e) => new AgentConfigError({ message: e instanceof Error ? e.message : String(e) }),
      });
      // receipt texts by hash: kept under the data directory and served to peers over /poa/text/1
      const texts = fileTextStore(path.join(flags.dataDir, "texts"));
      const context = yield* Layer.build(
        agentServices({
          name: role,
          key: parts.key,
          chainId: chain.chainId,
          addresses,
          dataDir: flags.dataDir,
          gossip: {
            port: flags.gossipPort,
            bootstrap: parts.bootstrap,
            textSource: texts.lookup,
            peerKeySeed: parts.peerKeySeed,
          },
          metricsPort: flags.metricsPort,
          follower: { confirmations: flags.confirmations },
        }),
      );
      const gossip = Context.get(context, Gossip);
      const obs = Context.get(context, Observability);
      yield* Console.log(`${role} ${gossip.sender}: gossip ${gossip.addresses.join(", ")}; metrics ${obs.url}/metrics`);
      const chainContext = yield* Effect.context<Chain | Contracts>();
      const maxEntries = Context.get(context, LedgerView).follower.params.maxEntries;
      const attributionEngine =
        engine.kind === "fixture"
          ? engine.fixture
          : engine.kind === "none"
            ? undefined
            : Context.get(
                // the engines chosen by the chain, loaded once for the process (worker threads, in this scope)
                yield* Layer.build(
                  Engine.layer.pipe(
                    Layer.provide(
                      EngineResolver.layerWithEngines({
                        dataDir: flags.dataDir,
                        // at most the ledger's K entries (σ drops an Attribute with more, for good)
                        suffix: { maxEntries },
                        gradient: { ...DEFAULT_QUERY_OPTIONS, maxEntries },
                      }),
                    ),
                    Layer.provide(IndexPeers.gossip({ dataDir: flags.dataDir })),
                  ),
                ).pipe(Effect.provideContext(Context.merge(chainContext, context))),
                Engine,
              );
      yield* start({ engine: attributionEngine, texts, gossip }).pipe(
        Effect.provideContext(context),
        Effect.provide(Layer.succeedContext(chainContext)),
      );
      return yield* Effect.never;
    });
    // An agent (re)started while its RPC endpoint is down waits for it rather than exiting: a node
    // restarted by its supervisor during an outage must come back by itself when the RPC does.
    return yield* Effect.scoped(program).pipe(
      Effect.provide(parts.chain),
      Effect.tapError((e) =>
        rpcUnreachable(e) ? Console.error(`${role}: ${e.message}; retrying in 2 s`) : Effect.void,
      ),
      Effect.retry({ while: rpcUnreachable, schedule: Schedule.spaced("2 seconds") }),
    );
  });

/** A start-up failure that only means the RPC did not answer (retrying can help). */
const rpcUnreachable = (e: unknown): e is ChainError | FollowerError =>
  e instanceof ChainError || (e instanceof FollowerError && e.permanent !== true);

const attributorRun = (
  flags: AgentFlagValues & {
    readonly intakePort: number;
    readonly apiPort: number;
    readonly apiHost: string;
    readonly maxBatch: number;
    readonly maxWaitMs: number;
    readonly fixtureContributions: string;
  },
) =>
  Effect.gen(function* () {
    const ids = flags.fixtureContributions
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const kind = yield* engineKind(flags.engine, "fixture");
    if (kind === "fixture" && (ids.length === 0 || ids.some((id) => !/^[0-9]+$/.test(id)))) {
      return yield* new AgentConfigError({
        message:
          "--fixture-contributions must list contribution ids, e.g. 1,2,3 (the fixture engine attributes over them)",
      });
    }
    if (flags.maxBatch < 1) return yield* new AgentConfigError({ message: "--max-batch must be at least 1" });
    yield* positive("--api-port", flags.apiPort);
    if (kind === "none") return yield* new AgentConfigError({ message: "an attributor needs an engine" });
    yield* runAgent(
      "attributor",
      flags,
      { kind, fixture: fixtureEngine(ids.map(BigInt)) },
      ({ engine, texts, gossip }) =>
        Effect.gen(function* () {
          if (engine === undefined) return yield* new AgentConfigError({ message: "an attributor needs an engine" });
          // every result with its evidence kept in memory for the read-only API (agents/attributor/api.ts)
          const recorded = recordingEngine(engine);
          const handle = yield* runAttributor({
            name: "attributor",
            engine: recorded.engine,
            maxBatch: flags.maxBatch,
            maxWaitMs: flags.maxWaitMs,
            pollMs: flags.pollMs,
            bondClaims: 8,
          });
          // a receipt this node attributed keeps its texts here, served to peers (challengers) by hash
          const attribute = (receipt: SourcedReceipt) =>
            handle
              .intake(receipt)
              .pipe(
                Effect.tap(() =>
                  Effect.forEach([hexToBytes(receipt.request), new TextEncoder().encode(receipt.output)], (bytes) =>
                    texts.put(bytes),
                  ).pipe(
                    Effect.catchTag("TextStoreError", (e) =>
                      Effect.logWarning(`attributor: texts not kept: ${e.message}`),
                    ),
                  ),
                ),
              );
          // receipts gossiped by operators: texts fetched by hash from peers and checked, then this node's intake
          const metrics = yield* Metrics;
          yield* Effect.forkScoped(
            attributeGossipedReceipts(
              { gossip, texts, metrics, log: (line) => Effect.runSync(Effect.logWarning(line)) },
              attribute,
            ),
          );
          const intake = yield* serveIntake({ port: flags.intakePort }, (receipt) =>
            Effect.runPromise(
              attribute(receipt).pipe(
                Effect.map((stored): IntakeResult => ({ ok: true, stored })),
                Effect.catch((e) => Effect.succeed<IntakeResult>(intakeFailure(e))),
              ),
            ),
          );
          yield* Console.log(`attributor ${handle.address}: receipts intake ${intake.url}/receipts`);
          const api = yield* serveAttributionApi(
            { host: flags.apiHost, port: flags.apiPort },
            { records: recorded.records, follower: () => handle.follower },
          );
          yield* Console.log(`attributor ${handle.address}: attribution API ${api.url}`);
        }) as Effect.Effect<void, unknown, never>,
    );
  });

const challengerRun = (flags: AgentFlagValues) =>
  Effect.gen(function* () {
    const kind = yield* engineKind(flags.engine, "registry");
    if (kind === "fixture") {
      return yield* new AgentConfigError({ message: "the challenger runs the registry engines (or none)" });
    }
    yield* runAgent(
      "challenger",
      flags,
      { kind },
      ({ engine, texts, gossip }) =>
        runChallenger({
          name: "challenger",
          pollMs: flags.pollMs,
          // every Attribute's weights recomputed with the model's engine, on texts from its store or its peers
          ...(engine === undefined ? {} : { engine, texts: storedOrPeerTexts({ gossip, texts }) }),
        }).pipe(Effect.asVoid) as Effect.Effect<void, unknown, never>,
    );
  });

export const attributorCommand = Command.make("attributor").pipe(
  Command.withDescription("The attributor agent: collects receipts, posts claims with a bond, defends them"),
  Command.withSubcommands([
    Command.make(
      "run",
      {
        ...agentFlags("ATTRIBUTOR"),
        intakePort: envFlag(Flag.Int("intake-port"), Config.Int("POA_ATTRIBUTOR_INTAKE_PORT")).pipe(
          Flag.withDefault(0),
          Flag.withDescription("port of the HTTP receipts intake (POST /receipts), 0 = any"),
        ),
        apiPort: envFlag(Flag.Int("api-port"), Config.Int("POA_ATTRIBUTOR_API_PORT")).pipe(
          Flag.withDefault(0),
          Flag.withDescription(
            "port of the read-only attribution API for Open Chat (GET /attributions, /receipts, /accounts), 0 = any (env POA_ATTRIBUTOR_API_PORT)",
          ),
        ),
        apiHost: envFlag(Flag.String("api-host"), Config.String("POA_ATTRIBUTOR_API_HOST")).pipe(
          Flag.withDefault("127.0.0.1"),
          Flag.withDescription(
            "interface of the read-only attribution API, e.g. 0.0.0.0 when `poa web` runs on another host (env POA_ATTRIBUTOR_API_HOST)",
          ),
        ),
        maxBatch: envFlag(Flag.Int("max-batch"), Config.Int("POA_ATTRIBUTOR_MAX_BATCH")).pipe(
          Flag.withDefault(100),
          Flag.withDescription("post a claim when this many receipts wait"),
        ),
        maxWaitMs: envFlag(Flag.Int("max-wait-ms"), Config.Int("POA_ATTRIBUTOR_MAX_WAIT_MS")).pipe(
          Flag.withDefault(10_000),
          Flag.withDescription("…or when the oldest waiting receipt is this old"),
        ),
        fixtureContributions: envFlag(
          Flag.String("fixture-contributions"),
          Config.String("POA_ATTRIBUTOR_FIXTURE_CONTRIBUTIONS"),
        ).pipe(Flag.withDefault(""), Flag.withDescription("contribution ids for the deterministic fixture engine")),
      },
      attributorRun,
    ).pipe(Command.withDescription("Run an attributor until Ctrl-C")),
  ]),
);

export const challengerCommand = Command.make("challenger").pipe(
  Command.withDescription("The challenger agent: re-executes every claim and disputes wrong ones"),
  Command.withSubcommands([
    Command.make("run", agentFlags("CHALLENGER"), challengerRun).pipe(
      Command.withDescription("Run a challenger until Ctrl-C"),
    ),
  ]),
);

const statusRun = (flags: ClientFlagValues & { readonly address: Option.Option<string> }) =>
  Effect.gen(function* () {
    const config = yield* resolveClientConfig(flags);
    const program = Effect.gen(function* () {
      const { deployments } = yield* Contracts;
      const chain = yield* Chain;
      const addresses = yield* Effect.try({
        try: () => ledgerAddresses(deployments),
        catch: (e) => new AgentConfigError({ message: e instanceof Error ? e.message : String(e) }),
      });
      const follower = yield* makeFollower(chain.publicClient, chain.chainId, addresses);
      yield* follower.sync;
      const claims = [...follower.claims.values()];
      const count = (status: string) => claims.filter((c) => c.status === status).length;
      const wrong = claims.filter((c) => !c.correct).map((c) => c.id);
      const unreadable = [...follower.unreadable.values()].map((c) => ({ id: c.id, kind: c.kind, reason: c.reason }));
      const final = follower.finalLedger();
      const account = Option.getOrUndefined(flags.address) as Address | undefined;
      const earned = account === undefined ? undefined : final.ledger.tree.leaf(account).earned;
      const summary = {
        claims: claims.length,
        pending: count("pending"),
        final: count("final"),
        void: count("void"),
        wrong,
        unreadable,
        latestFinal: final.id,
        ...(account === undefined ? {} : { account, earned }),
      };
      yield* report(
        flags.json,
        summary,
        `claims ${claims.length}: ${summary.pending} pending, ${summary.final} final, ${summary.void} void; ` +
          `wrong by σ: ${wrong.length === 0 ? "none" : wrong.join(", ")}; latest final ${final.id}` +
          (unreadable.length === 0
            ? ""
            : `\nUNREADABLE (not checked, never built on): ${unreadable.map((u) => `claim ${u.id}: ${u.reason}`).join("; ")}`) +
          (account === undefined ? "" : `\n${account} earned ${earned} (final state)`),
      );
    });
    return yield* program.pipe(Effect.provide(Layer.provideMerge(Contracts.layer(config), Chain.layer(config))));
  });

export const statusCommand = Command.make(
  "status",
  {
    ...clientFlags,
    address: Flag.String("address").pipe(Flag.optional, Flag.withDescription("also show this account's earnings")),
  },
  statusRun,
).pipe(Command.withDescription("Claims (pending/final/void, wrong ones by σ) and an account's earnings"));
