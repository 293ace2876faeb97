/**
 * Per-agent HTTP endpoint: `GET /metrics` (Prometheus text format 0.0.4, from the agent's
 * MetricsRegistry) and `GET /health` (JSON). Health is derived from the same registry, so it
 * reports what the metrics report:
 *
 *   peers    poa_gossip_peers (set by the Gossip service)
 *   headLag  poa_chain_head_lag_blocks (set by the chain-following agent loops; null until set)
 *   status   "ok", or "degraded" (HTTP 503) when peers < minPeers, headLag > maxHeadLagBlocks, or
 *            poa_follower_unreadable_claims > 0 (claims the ledger follower could not rebuild)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Context, Data, Effect, Layer } from "effect";
import { Metrics, type MetricsRegistry } from "./metrics.ts";

export const PEERS_METRIC = "poa_gossip_peers";
export const HEAD_LAG_METRIC = "poa_chain_head_lag_blocks";
/** Claims the agent's ledger follower set aside as unreadable (agents/ledger/unreadable.ts). */
export const UNREADABLE_CLAIMS_METRIC = "poa_follower_unreadable_claims";

/**
 * Attribute transactions whose weights the agent's engine computes differently (the challenger,
 * agents/challenger/weights.ts): reported in /health `notices`, not a degradation of the node itself.
 */
export const WEIGHT_DISAGREEMENTS_METRIC = "poa_challenger_weight_disagreements";

/** Evidence disputes this agent plays that are still open, by role (agents/challenger/evidence.ts, agents/attributor/evidence.ts). */
export const EVIDENCE_DISPUTES_OPEN_METRIC = "poa_evidence_disputes_open";

/** The gauge agent loops set with how many blocks they are behind the chain head. */
export const headLagGauge = (registry: MetricsRegistry) =>
  registry.gauge(HEAD_LAG_METRIC, "Blocks between the chain head and the last block this agent processed");

export interface ObservabilityConfig {
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port; 0 picks a free one (default 0). */
  readonly port?: number;
  /** Fewer gossip peers than this is degraded (default 1). */
  readonly minPeers?: number;
  /** A head lag above this is degraded (default 20 blocks). */
  readonly maxHeadLagBlocks?: number;
  /** Name reported in /health. */
  readonly agent?: string;
}

export interface Health {
  readonly agent: string;
  readonly status: "ok" | "degraded";
  readonly peers: number | null;
  readonly headLag: number | null;
  readonly uptimeSeconds: number;
  readonly problems: ReadonlyArray<string>;
  /** Findings worth an operator's attention that do not make the node unhealthy (e.g. weight disagreements). */
  readonly notices: ReadonlyArray<string>;
}

export class ObservabilityError extends Data.TaggedError("ObservabilityError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export const healthOf = (registry: MetricsRegistry, config: ObservabilityConfig, startedAt: number): Health => {
  const peersGauge = registry.gauge(PEERS_METRIC, "Connected libp2p peers");
  const lagGauge = headLagGauge(registry);
  const peers = peersGauge.isSet() ? peersGauge.get() : null;
  const headLag = lagGauge.isSet() ? lagGauge.get() : null;
  const minPeers = config.minPeers ?? 1;
  const maxLag = config.maxHeadLagBlocks ?? 20;
  const problems: string[] = [];
  if (peers !== null && peers < minPeers) problems.push(`${peers} gossip peers, want at least ${minPeers}`);
  if (headLag !== null && headLag > maxLag) problems.push(`${headLag} blocks behind the head, allowed ${maxLag}`);
  const unreadable = registry.gauge(UNREADABLE_CLAIMS_METRIC, "Claims currently unreadable");
  if (unreadable.isSet() && unreadable.get() > 0) {
    problems.push(
      `${unreadable.get()} claims could not be rebuilt from the ledger (see poa_follower_unreadable_claims_total)`,
    );
  }
  const notices: string[] = [];
  const disagreements = registry.gauge(WEIGHT_DISAGREEMENTS_METRIC, "Attribute weights the engine disputes");
  if (disagreements.isSet() && disagreements.get() > 0) {
    notices.push(
      `${disagreements.get()} Attribute transactions carry weights this node's engine computes differently (see poa_challenger_weights_checked_total)`,
    );
  }
  const evidence = registry.gauge(EVIDENCE_DISPUTES_OPEN_METRIC, "Evidence disputes in play");
  for (const role of ["challenger", "defender"]) {
    const open = evidence.get({ role });
    if (open > 0) notices.push(`${open} evidence disputes in play as ${role} (see poa_evidence_disputes_total)`);
  }
  return {
    agent: config.agent ?? "agent",
    status: problems.length === 0 ? "ok" : "degraded",
    peers,
    headLag,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    problems,
    notices,
  };
};

export interface ObservabilityShape {
  /** Base URL, e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
}

const handler =
  (registry: MetricsRegistry, config: ObservabilityConfig, startedAt: number) =>
  (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    try {
      if (path === "/metrics") {
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
        response.end(request.method === "HEAD" ? undefined : registry.render());
      } else if (path === "/health") {
        const health = healthOf(registry, config, startedAt);
        response.writeHead(health.status === "ok" ? 200 : 503, { "content-type": "application/json" });
        response.end(request.method === "HEAD" ? undefined : JSON.stringify(health));
      } else {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /health\n");
      }
    } catch (cause) {
      response.writeHead(500, { "content-type": "text/plain" }).end(`internal error: ${String(cause)}\n`);
    }
  };

export class Observability extends Context.Service<Observability, ObservabilityShape>()("poa/Observability") {
  /** Serves /metrics and /health while the layer's scope is open. */
  static readonly layer = (config: ObservabilityConfig = {}): Layer.Layer<Observability, ObservabilityError, Metrics> =>
    Layer.effect(
      Observability,
      Effect.gen(function* () {
        const registry = yield* Metrics;
        const startedAt = Date.now();
        const server = createServer(handler(registry, config, startedAt));
        const host = config.host ?? "127.0.0.1";
        yield* Effect.acquireRelease(
          Effect.callback<void, ObservabilityError>((resume) => {
            const onError = (cause: Error) =>
              resume(
                Effect.fail(new ObservabilityError({ message: `cannot listen on ${host}:${config.port ?? 0}`, cause })),
              );
            server.once("error", onError);
            server.listen(config.port ?? 0, host, () => {
              server.off("error", onError);
              resume(Effect.void);
            });
          }),
          () =>
            Effect.callback<void>((resume) => {
              server.close(() => resume(Effect.void));
              server.closeAllConnections();
            }),
        );
        const address = server.address();
        const port = typeof address === "object" && address !== null ? address.port : (config.port ?? 0);
        yield* Effect.logInfo(`metrics and health on http://${host}:${port}`);
        return { url: `http://${host}:${port}`, port };
      }),
    );
}
