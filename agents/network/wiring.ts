/**
 * The one wiring of an agent's services, used by the CLI (`poa attributor run`, `poa challenger run`),
 * the in-process network of the demo and the e2e tests (./network.ts) and the crash-test worker:
 * Identity (its key), Metrics (its own registry), Store (`<dataDir>/<name>.sqlite`), Gossip (receipt
 * payloads checked under the deployment's EIP-712 domain), Observability (/metrics, /health) and its
 * read model of the chain (`LedgerView`, agents/ledger/ledger.ts). It needs `Chain` (the caller's: from
 * the CLI's client config, or an RPC URL and the key). The LoRA operator's services (`operatorServices`,
 * below) are built the same way.
 */
import path from "node:path";
import { Effect, Layer, type Redacted } from "effect";
import type { Hex } from "viem";
import { TextStore } from "../content/texts.ts";
import { IndexPeers } from "../engines/index-peers.ts";
import { EngineResolver, type EngineResolverOptions, resolverEngine } from "../engines/resolver.ts";
import { checkReceipts } from "../gossip/checks.ts";
import { Gossip, type GossipConfig, type GossipError } from "../gossip/gossip.ts";
import { Identity } from "../identity/identity.ts";
import type { AgentAddresses } from "../ledger/addresses.ts";
import { type LedgerOptions, LedgerView } from "../ledger/ledger.ts";
import { Metrics, type MetricsRegistry } from "../observability/metrics.ts";
import { Observability } from "../observability/server.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { Store } from "../store/store.ts";

export interface AgentSettings {
  /** The agent's name: its Store file (`<dataDir>/<name>.sqlite`), logs and /health. */
  readonly name: string;
  readonly key: Redacted.Redacted<Hex>;
  readonly chainId: number;
  readonly addresses: AgentAddresses;
  readonly dataDir: string;
  /** Gossip settings (port, bootstrap peers, heartbeat, body sources…); receipts are checked under the ledger's domain. */
  readonly gossip: Omit<GossipConfig, "checkPayload">;
  /** Port of /metrics and /health (0 = any free port). */
  readonly metricsPort: number;
  /** The agent's metrics registry (default: a fresh one), when the caller reads it too. */
  readonly metrics?: MetricsRegistry;
  /** Follower tuning, e.g. `confirmations` (blocks it stays behind the head, so a shallow reorg takes back nothing). */
  readonly follower?: LedgerOptions["follower"];
}

/** Every service an agent runs on but `Chain`, built from its settings. */
export const agentServices = (settings: AgentSettings) => {
  const domain = attributionDomain(settings.chainId, settings.addresses.ledger);
  const base = Layer.mergeAll(
    settings.metrics === undefined ? Metrics.layer : Layer.succeed(Metrics, settings.metrics),
    Identity.layer(settings.key),
  );
  const services = Layer.mergeAll(
    Store.layer({ path: path.join(settings.dataDir, `${settings.name}.sqlite`) }),
    Gossip.layer({ ...settings.gossip, checkPayload: checkReceipts(domain) }),
    Observability.layer({ port: settings.metricsPort, agent: settings.name }),
  ).pipe(Layer.provideMerge(base));
  return LedgerView.layer({
    agent: settings.name,
    chainId: settings.chainId,
    addresses: settings.addresses,
    ...(settings.follower === undefined ? {} : { follower: settings.follower }),
  }).pipe(Layer.provideMerge(services));
};

/**
 * The engines chosen by the chain (`Engine` and its `EngineResolver`): every model attributed with the
 * engine and index it registered, indexes under `<dataDir>/indexes/<commitment>/` or fetched from peers
 * over gossip, engine work on worker threads stopped with the layer's scope. At most the ledger's K
 * entries per attribution, read from the chain by this agent's LedgerView: the one value no caller
 * passes, so no wiring can get it wrong (an engine's own default, 32, would make σ drop every Attribute
 * with more entries than K, for good). Needs LedgerView, Chain, Contracts, Gossip and Metrics.
 */
export const registryEngine = (options: Omit<EngineResolverOptions, "maxEntries">) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const view = yield* LedgerView;
      const resolver = EngineResolver.layerWithEngines({
        ...options,
        maxEntries: view.follower.params.maxEntries,
      }).pipe(Layer.provide(IndexPeers.gossip({ dataDir: options.dataDir })));
      return Layer.provideMerge(resolverEngine, resolver);
    }),
  );

export interface OperatorServicesSettings {
  /** The operator key: its gossip identity (it signs receipts with it too). */
  readonly key: Redacted.Redacted<Hex>;
  readonly chainId: number;
  /** The ledger: receipts on gossip are checked under its EIP-712 domain. */
  readonly ledger: Hex;
  /** Folder of the receipt texts (default: in memory). */
  readonly textsDir?: string;
  /** A libp2p node under the operator key, serving the texts by hash (default: none). */
  readonly gossip?: Omit<GossipConfig, "checkPayload" | "textSource">;
  /** The operator's metrics registry (default: a fresh one). */
  readonly metrics?: MetricsRegistry;
}

/**
 * The services the LoRA operator (agents/operator/service.ts) runs on, built as the agents' are: Identity,
 * Metrics, its receipt texts (TextStore) and, when it gossips, Gossip (receipt payloads checked under the
 * ledger's domain, texts served from the TextStore). It reads no chain (its receipts name the chain id and
 * ledger it was given), so it needs neither Chain nor a Store.
 */
export const operatorServices = (
  settings: OperatorServicesSettings,
): Layer.Layer<Metrics | Identity | TextStore, GossipError> => {
  const base = Layer.mergeAll(
    settings.metrics === undefined ? Metrics.layer : Layer.succeed(Metrics, settings.metrics),
    Identity.layer(settings.key),
    settings.textsDir === undefined ? TextStore.memory : TextStore.layer(settings.textsDir),
  );
  const gossip = settings.gossip;
  if (gossip === undefined) return base;
  const domain = attributionDomain(settings.chainId, settings.ledger);
  // Gossip is in the context only when the operator gossips: its layer looks for it (Effect.serviceOption)
  return Layer.unwrap(
    Effect.gen(function* () {
      const texts = yield* TextStore;
      return Gossip.layer({ ...gossip, textSource: texts.lookup, checkPayload: checkReceipts(domain) });
    }),
  ).pipe(Layer.provideMerge(base));
};
