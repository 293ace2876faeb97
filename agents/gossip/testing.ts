/**
 * Builds N real gossip nodes on 127.0.0.1 in the current scope (tests, benchmarks, the local demo):
 * each with its own random Ethereum identity and metrics registry, each bootstrapping from earlier
 * nodes, and waits until every node has a gossipsub mesh on every topic it joined.
 */
import { Data, Effect, Redacted } from "effect";
import { generatePrivateKey } from "viem/accounts";
import { Identity, type IdentityShape } from "../identity/identity.ts";
import { Metrics, MetricsRegistry } from "../observability/metrics.ts";
import { type GossipConfig, type GossipShape, makeGossip } from "./gossip.ts";
import { allTopics, type Topic } from "./messages.ts";

export interface TestNode {
  readonly gossip: GossipShape;
  readonly metrics: MetricsRegistry;
  readonly identity: IdentityShape;
}

export class MeshTimeout extends Data.TaggedError("MeshTimeout")<{ readonly message: string }> {}

/** Node i bootstraps from node i−1 and from node ⌊i/2⌋ (a connected graph with short paths). */
const bootstrapFor = (i: number, started: ReadonlyArray<TestNode>): string[] => {
  if (i === 0) return [];
  const peers = new Set([i - 1, Math.floor(i / 2)]);
  return [...peers].map((j) => started[j]!.gossip.addresses[0]!);
};

export const startNode = (config: GossipConfig, privateKey = generatePrivateKey()) =>
  Effect.gen(function* () {
    const identity = Identity.make(Redacted.make(privateKey));
    const metrics = new MetricsRegistry();
    const gossip = yield* makeGossip(config).pipe(
      Effect.provideService(Identity, identity),
      Effect.provideService(Metrics, metrics),
    );
    return { gossip, metrics, identity } satisfies TestNode;
  });

/** Polls until every node has at least one mesh peer on each topic, or fails after `timeoutMs`. */
export const awaitMesh = (
  nodes: ReadonlyArray<TestNode>,
  topics: ReadonlyArray<Topic> = allTopics,
  timeoutMs = 20_000,
) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let ready = true;
      for (const node of nodes) {
        for (const topic of topics) {
          if ((yield* node.gossip.meshPeerCount(topic)) === 0) ready = false;
        }
      }
      if (ready) return;
      if (Date.now() > deadline) {
        return yield* new MeshTimeout({
          message: `gossip mesh of ${nodes.length} nodes did not form in ${timeoutMs} ms`,
        });
      }
      yield* Effect.sleep("50 millis");
    }
  });

/** Starts `count` nodes with `config`, or with `config(i)` for node i (e.g. a checker per node). */
export const startNodes = Effect.fn("Gossip.startNodes")(function* (
  count: number,
  config: GossipConfig | ((index: number) => GossipConfig) = {},
  options: { readonly awaitMesh?: boolean } = {},
) {
  const configOf = typeof config === "function" ? config : () => config;
  const nodes: TestNode[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(yield* startNode({ heartbeatMs: 100, ...configOf(i), bootstrap: bootstrapFor(i, nodes) }));
  }
  if (options.awaitMesh !== false) yield* awaitMesh(nodes, configOf(0).topics ?? allTopics);
  return nodes;
});
