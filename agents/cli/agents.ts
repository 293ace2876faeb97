/**
 * `poa attributor run`, `poa challenger run`, `poa status`: the long-running agents and a summary.
 *
 * Settings go through Effect `Config` (agents/config/agents.ts): every setting is a flag and an
 * environment variable (`POA_<ROLE>_…`); the flags given are mapped onto a ConfigProvider that falls back
 * to the environment, and a bad value from either fails with a SettingError naming both. The chain
 * connection comes from the shared client flags / env / config file (agents/config/ClientConfig.ts). Keys
 * stay Redacted. Every agent serves Prometheus `/metrics` and `/health` (agents/observability).
 *
 * The agents are the layers of agents/attributor and agents/challenger on the one wiring of
 * agents/network/wiring.ts, with their `Engine`: `--engine registry` (each model's engine and index as
 * registered on chain, at most the ledger's K entries), `fixture` (the deterministic fixture engine over
 * `--fixture-contributions`) or, for a challenger, `none` (weights are not checked).
 */
import path from "node:path";
import { ConfigProvider, Console, Context, Data, Effect, Layer, Option, Redacted, Schedule } from "effect";
import { Command, Flag } from "effect/cli";
import { type Address, concat, type Hex, hexToBytes, keccak256, stringToHex } from "viem";
import { recordingEngine, serveAttributionApi } from "../attributor/api.ts";
import { Attributor } from "../attributor/attributor.ts";
import { groupIntakeOf, type IntakeResult, intakeFailure, serveIntake } from "../attributor/intake.ts";
import { Chain, ChainError, Contracts } from "../chain/Chain.ts";
import { Challenger } from "../challenger/challenger.ts";
import { storedOrPeerTexts } from "../challenger/weights.ts";
import {
  type AgentSettings,
  attributorSettingsFromConfig,
  attributorSpecs,
  challengerSettingsFromConfig,
  challengerSpecs,
  type EngineKind,
  envOf,
  type Role,
  readSettings,
  SettingError,
  type SettingSpecs,
  type Settings,
  settingsProvider,
} from "../config/agents.ts";
import { type ClientConfig, resolveClientConfig } from "../config/ClientConfig.ts";
import { fileTextStore } from "../content/texts.ts";
import { Engine } from "../engines/engine.ts";
import {
  type EvidenceFlagValues,
  evidenceChallengerOf,
  evidenceEngine,
  evidenceFlags,
  evidenceParts,
  forkEvidenceDefender,
} from "../evidence/agent.ts";
import { Gossip } from "../gossip/gossip.ts";
import { FollowerError, makeFollower } from "../ledger/follower.ts";
import { ledgerAddresses } from "../network/network.ts";
import { agentServices, registryEngine } from "../network/wiring.ts";
import { Metrics } from "../observability/metrics.ts";
import { Observability } from "../observability/server.ts";
import type { GroupWithTexts } from "../protocol/group.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { fixtureEngineLayer } from "../receipts/fixtureEngine.ts";
import { attributeGossipedReceipts } from "../receipts/texts.ts";
import { type ClientFlagValues, clientFlags, report } from "./common.ts";

export class AgentConfigError extends Data.TaggedError("AgentConfigError")<{ readonly message: string }> {}

type SettingFlags<T extends SettingSpecs> = { readonly [K in keyof T]: Flag.Flag<Option.Option<number | string>> };
type SettingFlagValues<T extends SettingSpecs> = { readonly [K in keyof T]: Option.Option<number | string> };

/** One optional flag per setting (its default and env fallback are the Config's, agents/config/agents.ts). */
const settingFlags = <T extends SettingSpecs>(role: Role, specs: T): SettingFlags<T> => {
  const flags: Record<string, Flag.Flag<Option.Option<number | string>>> = {};
  for (const [field, spec] of Object.entries(specs)) {
    const described = `${spec.description} (${spec.default === "" ? "" : `default ${spec.default}; `}env ${envOf(role, spec)})`;
    flags[field] =
      spec.kind === "int"
        ? Flag.Int(spec.flag).pipe(Flag.optional, Flag.withDescription(described))
        : Flag.String(spec.flag).pipe(Flag.optional, Flag.withDescription(described));
  }
  // one flag per field of `specs`, built just above
  return flags as SettingFlags<T>;
};

/** The settings of a role: the flags given, then the environment, then the defaults; checked. */
const roleSettings = <T extends SettingSpecs>(role: Role, specs: T, values: SettingFlagValues<T>) => {
  const given: Record<string, number | string | undefined> = {};
  for (const field of Object.keys(specs)) given[field] = Option.getOrUndefined(values[field] ?? Option.none());
  const provider = settingsProvider(role, specs, given);
  return {
    provider,
    read: readSettings(role, specs).pipe(Effect.provide(ConfigProvider.layer(provider))),
  };
};

/** The seed of an agent's libp2p key: derived from its chain key, so its peer id survives restarts. */
export const peerKeySeedOf = (key: Hex): Hex => keccak256(concat([stringToHex("poa/libp2p-peer-key/v1"), key]));

/** What an agent's layer runs on: the wiring's services, its Chain and Contracts (and its settings' provider). */
type AgentContext = Layer.Success<ReturnType<typeof agentServices>> | Chain | Contracts;

/** The agent's Chain (with the wallet) and Contracts, key and bootstrap peers; its other services: ../network/wiring.ts. */
const agentChain = (config: ClientConfig, settings: AgentSettings) =>
  Effect.gen(function* () {
    if (Option.isNone(config.privateKey)) {
      return yield* new AgentConfigError({
        message: "an agent needs a key: pass --private-key, set POA_PRIVATE_KEY or privateKey in the config file",
      });
    }
    const key = Redacted.make(Redacted.value(config.privateKey.value) as Hex);
    const chain = Layer.provideMerge(Contracts.layer(config), Chain.layer(config));
    const bootstrap = settings.bootstrap
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a.length > 0);
    // the libp2p identity follows the agent's key, so a restarted agent keeps its peer id and the
    // multiaddrs other nodes bootstrap from stay valid
    const peerKeySeed = Redacted.make(peerKeySeedOf(Redacted.value(key)));
    return { chain, key, bootstrap, peerKeySeed };
  });

const engineKindOf = (settings: AgentSettings, fallback: EngineKind): EngineKind =>
  settings.engine === "registry" || settings.engine === "fixture" || settings.engine === "none"
    ? settings.engine
    : fallback;

/**
 * Runs one agent until interrupted: its services (../network/wiring.ts) on its chain, its engine, and
 * `agent` (a layer that needs them, with the settings' ConfigProvider in context).
 */
const runAgent = <A, E>(
  role: Role,
  flags: ClientFlagValues,
  settings: AgentSettings,
  provider: ConfigProvider.ConfigProvider,
  agent: (context: { readonly texts: ReturnType<typeof fileTextStore> }) => Layer.Layer<A, E, AgentContext>,
) =>
  Effect.gen(function* () {
    const config = yield* resolveClientConfig(flags);
    const parts = yield* agentChain(config, settings);
    const program = Effect.gen(function* () {
      const { deployments } = yield* Contracts;
      const chain = yield* Chain;
      const addresses = yield* Effect.try({
        try: () => ledgerAddresses(deployments),
        catch: (e) => new AgentConfigError({ message: e instanceof Error ? e.message : String(e) }),
      });
      // receipt texts by hash: kept under the data directory and served to peers over /poa/text/1
      const texts = fileTextStore(path.join(settings.dataDir, "texts"));
      const services = agentServices({
        name: role,
        key: parts.key,
        chainId: chain.chainId,
        addresses,
        dataDir: settings.dataDir,
        gossip: {
          port: settings.gossipPort,
          bootstrap: parts.bootstrap,
          textSource: texts.lookup,
          peerKeySeed: parts.peerKeySeed,
        },
        metricsPort: settings.metricsPort,
        follower: { confirmations: settings.confirmations },
      });
      const context = yield* Layer.build(services);
      const gossip = Context.get(context, Gossip);
      const obs = Context.get(context, Observability);
      yield* Console.log(`${role} ${gossip.sender}: gossip ${gossip.addresses.join(", ")}; metrics ${obs.url}/metrics`);
      const base = Layer.mergeAll(
        Layer.succeedContext(context),
        Layer.succeedContext(yield* Effect.context<Chain | Contracts>()),
        ConfigProvider.layer(provider),
      );
      yield* Layer.build(agent({ texts }).pipe(Layer.provide(base)));
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

/** The attributor with its intake (HTTP and operators' gossip), text store and read-only attribution API. */
const attributorNode = (settings: Settings<typeof attributorSpecs>, texts: ReturnType<typeof fileTextStore>) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      // every result with its evidence kept in memory for the read-only API (agents/attributor/api.ts)
      const recorded = recordingEngine(yield* Engine);
      const context = yield* Layer.build(
        Attributor.layer.pipe(
          Layer.provide(Layer.merge(attributorSettingsFromConfig(), Engine.layer(recorded.engine))),
        ),
      );
      const handle = Context.get(context, Attributor);
      const gossip = yield* Gossip;
      // a receipt this node attributed keeps its texts here, served to peers (challengers) by hash
      const attribute = (receipt: SourcedReceipt) =>
        handle
          .intake(receipt)
          .pipe(
            Effect.tap(() =>
              Effect.forEach([hexToBytes(receipt.request), new TextEncoder().encode(receipt.output)], (bytes) =>
                texts.put(bytes),
              ).pipe(
                Effect.catchTag("TextStoreError", (e) => Effect.logWarning(`attributor: texts not kept: ${e.message}`)),
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
      // receipt groups (spec B): their texts are kept and served like receipts'
      const intakeGroup = (wire: GroupWithTexts) =>
        handle.intakeGroup(wire).pipe(
          Effect.tap(() =>
            Effect.forEach(
              wire.texts.flatMap((t) => [hexToBytes(t.request as Hex), new TextEncoder().encode(t.output)]),
              (bytes) => texts.put(bytes),
            ).pipe(
              Effect.catchTag("TextStoreError", (e) => Effect.logWarning(`attributor: texts not kept: ${e.message}`)),
            ),
          ),
        );
      const intake = yield* serveIntake(
        { port: settings.intakePort },
        (receipt) =>
          Effect.runPromise(
            attribute(receipt).pipe(
              Effect.map((stored): IntakeResult => ({ ok: true, stored })),
              Effect.catch((e) => Effect.succeed<IntakeResult>(intakeFailure(e))),
            ),
          ),
        groupIntakeOf({ attributeTexts: handle.attributeTexts, intakeGroup }),
      );
      yield* Console.log(`attributor ${handle.address}: receipts intake ${intake.url}/receipts`);
      const api = yield* serveAttributionApi(
        { host: settings.apiHost, port: settings.apiPort },
        { records: recorded.records, follower: () => handle.follower },
      );
      yield* Console.log(`attributor ${handle.address}: attribution API ${api.url}`);
    }),
  );

const attributorRun = (flags: ClientFlagValues & SettingFlagValues<typeof attributorSpecs> & EvidenceFlagValues) =>
  Effect.gen(function* () {
    const { provider, read } = roleSettings("attributor", attributorSpecs, flags);
    const settings = yield* read;
    const kind = engineKindOf(settings, "fixture");
    if (kind === "none") {
      return yield* new SettingError({
        setting: "--engine",
        message: "an attributor needs an engine (registry or fixture)",
      });
    }
    const ids = settings.fixtureContributions
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (kind === "fixture" && (ids.length === 0 || ids.some((id) => !/^[0-9]+$/.test(id)))) {
      return yield* new SettingError({
        setting: "--fixture-contributions",
        message:
          "--fixture-contributions must list contribution ids, e.g. 1,2,3 (the fixture engine attributes over them)",
      });
    }
    yield* runAgent("attributor", flags, settings, provider, ({ texts }) =>
      // the evidence game (agents/evidence/agent.ts): evidence models attributed by their index, disputes defended
      Layer.unwrap(
        Effect.gen(function* () {
          const gossip = yield* Gossip;
          const evidence = yield* evidenceParts(flags, settings.dataDir, gossip);
          const { attributionLedger } = (yield* Contracts).deployments;
          // the engines chosen by the chain are loaded once for the process (worker threads, in this scope)
          const engine =
            kind === "fixture" ? fixtureEngineLayer(ids.map(BigInt)) : registryEngine({ dataDir: settings.dataDir });
          return Layer.merge(
            attributorNode(settings, texts).pipe(Layer.provide(evidenceEngine(evidence).pipe(Layer.provide(engine)))),
            Layer.effectDiscard(
              attributionLedger === undefined
                ? Effect.void
                : forkEvidenceDefender(evidence, gossip, attributionLedger as string as Hex, settings.pollMs),
            ),
          );
        }),
      ),
    );
  });

const challengerRun = (flags: ClientFlagValues & SettingFlagValues<typeof challengerSpecs> & EvidenceFlagValues) =>
  Effect.gen(function* () {
    const { provider, read } = roleSettings("challenger", challengerSpecs, flags);
    const settings = yield* read;
    const kind = engineKindOf(settings, "registry");
    if (kind === "fixture") {
      return yield* new SettingError({
        setting: "--engine",
        message: "the challenger runs the registry engines (or none)",
      });
    }
    yield* runAgent("challenger", flags, settings, provider, ({ texts }) =>
      Layer.unwrap(
        Effect.gen(function* () {
          const gossip = yield* Gossip;
          const peerTexts = storedOrPeerTexts({ gossip, texts });
          // the evidence game (agents/evidence/agent.ts): suffix weights its index disagrees with are disputed
          const evidence = yield* evidenceParts(flags, settings.dataDir, gossip);
          const evidenceChallenger = yield* evidenceChallengerOf(evidence, gossip, peerTexts);
          // every Attribute's weights recomputed with the model's engine, on texts from its store or its peers
          const challenger =
            kind === "none"
              ? Challenger.withoutEngine
              : Challenger.withEngine.pipe(
                  Layer.provide(
                    evidenceEngine(evidence).pipe(Layer.provide(registryEngine({ dataDir: settings.dataDir }))),
                  ),
                );
          return challenger.pipe(
            Layer.provide(
              challengerSettingsFromConfig({
                texts: peerTexts,
                ...(evidenceChallenger === undefined ? {} : { evidence: evidenceChallenger }),
              }),
            ),
          );
        }),
      ),
    );
  });

export const attributorCommand = Command.make("attributor").pipe(
  Command.withDescription("The attributor agent: collects receipts, posts claims with a bond, defends them"),
  Command.withSubcommands([
    Command.make(
      "run",
      { ...clientFlags, ...settingFlags("attributor", attributorSpecs), ...evidenceFlags("ATTRIBUTOR") },
      attributorRun,
    ).pipe(Command.withDescription("Run an attributor until Ctrl-C")),
  ]),
);

export const challengerCommand = Command.make("challenger").pipe(
  Command.withDescription("The challenger agent: re-executes every claim and disputes wrong ones"),
  Command.withSubcommands([
    Command.make(
      "run",
      { ...clientFlags, ...settingFlags("challenger", challengerSpecs), ...evidenceFlags("CHALLENGER") },
      challengerRun,
    ).pipe(Command.withDescription("Run a challenger until Ctrl-C")),
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
