/**
 * The Gossip service: one libp2p 3 node per agent (TCP + Noise + Yamux, gossipsub, identify, ping)
 * carrying the signed envelopes of agents/gossip/envelope.ts on the versioned topics of
 * agents/gossip/messages.ts, plus the body-by-hash protocols of agents/gossip/reqresp.ts.
 *
 * gossipsub runs with `StrictNoSign` (message id = sha256 of the data): authorship is the
 * envelope's Ethereum signature, checked by the topic validators, not the libp2p peer key.
 * Validators never throw; each verdict is counted in `poa_gossip_messages_total{topic,result,reason}`.
 */
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { generateKeyPair, generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { type GossipSub, gossipsub, TopicValidatorResult } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p, Stream as Libp2pStream, PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import {
  Cause,
  Context,
  Data,
  Duration,
  Effect,
  Exit,
  Layer,
  Option,
  PubSub,
  Redacted,
  Schedule,
  type Scope,
  Stream,
} from "effect";
import { createLibp2p } from "libp2p";
import { type Address, type Hex, hexToBytes } from "viem";
import { Identity, type IdentityShape } from "../identity/identity.ts";
import { type Labels, Metrics, type MetricsRegistry } from "../observability/metrics.ts";
import { PEERS_METRIC } from "../observability/server.ts";
import {
  type Envelope,
  encodeEnvelope,
  encodePayload,
  envelopeDigest,
  SeenCache,
  type UnsignedEnvelope,
  type ValidationRules,
  validateEnvelope,
} from "./envelope.ts";
import { allTopics, ENVELOPE_VERSION, type PayloadOf, type Topic, Topics } from "./messages.ts";
import {
  BATCH_PROTOCOL,
  type BodyLookup,
  CONTENT_PROTOCOL,
  classifyFetchFailure,
  type FetchFailure,
  requestBatch,
  requestContent,
  serveBatch,
  serveContent,
  TEXT_PROTOCOL,
} from "./reqresp.ts";

export interface GossipConfig {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** TCP port; 0 picks a free one (default 0). */
  readonly port?: number;
  /**
   * 32-byte seed of the node's libp2p Ed25519 key, so its peer id (and the bootstrap multiaddrs
   * others configure) stays the same across restarts. Default: a fresh random key per start.
   */
  readonly peerKeySeed?: Redacted.Redacted<Hex>;
  /** Multiaddrs (with /p2p/<peerId>) to dial at start and keep retrying until connected. */
  readonly bootstrap?: ReadonlyArray<string>;
  /** Topics to subscribe to (default all). */
  readonly topics?: ReadonlyArray<Topic>;
  /** Largest accepted gossip message (default 256 KiB). */
  readonly maxMessageBytes?: number;
  /** Messages older than this are ignored; also the replay window (default 10 min). */
  readonly maxAgeMs?: number;
  /** Allowed clock skew into the future (default 30 s). */
  readonly maxFutureMs?: number;
  /** Replay-cache capacity in (topic, sender, seq) entries (default 200 000). */
  readonly seenCacheSize?: number;
  /** Largest body fetched over /poa/batch/1 or /poa/content/1 (default 32 MiB). */
  readonly maxBodyBytes?: number;
  /** Deadline for one fetch, dial included (default 10 s). */
  readonly requestTimeoutMs?: number;
  /**
   * gossipsub score penalty weight per invalid (rejected) message a peer delivers, applied to the
   * square of its decaying count (default −10: five rejects put a peer below the graylist threshold
   * of −80 and its traffic is ignored until the count decays, ≈ 10 % per second). 0 disables it.
   */
  readonly invalidMessagePenalty?: number;
  /** gossipsub heartbeat (default 1000 ms; tests use less to form the mesh faster). */
  readonly heartbeatMs?: number;
  readonly allowSender?: ValidationRules["allowSender"];
  readonly checkPayload?: ValidationRules["checkPayload"];
  /** How envelope signers are recovered (default: the process-wide fast, cached recovery). */
  readonly recovery?: ValidationRules["recovery"];
  /** Where served batch bodies come from (keyed by keccak256 of the body). */
  readonly batchSource?: BodyLookup;
  /** Where served contribution contents come from (keyed by content root). */
  readonly contentSource?: BodyLookup;
  /** Where served receipt texts come from (keyed by keccak256: requestHash, outputHash). */
  readonly textSource?: BodyLookup;
  /** Largest text fetched over /poa/text/1 (default 1 MiB). */
  readonly maxTextBytes?: number;
  /** Test hook: the clock validators use (default Date.now). */
  readonly now?: () => number;
}

export class GossipError extends Data.TaggedError("GossipError")<{
  readonly operation: "start" | "dial" | "publish" | "sign" | "encode";
  readonly message: string;
  readonly cause?: unknown;
}> {}

export class FetchError extends Data.TaggedError("FetchError")<{
  readonly protocol: string;
  readonly reason: FetchFailure | "dial";
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface PublishReceipt {
  readonly seq: number;
  readonly recipients: number;
  readonly bytes: number;
}

export interface GossipShape {
  readonly peerId: string;
  /** Multiaddrs including /p2p/<peerId>, to hand to other nodes as bootstrap peers. */
  readonly addresses: ReadonlyArray<string>;
  readonly sender: Address;
  readonly publish: <T extends Topic>(topic: T, payload: PayloadOf<T>) => Effect.Effect<PublishReceipt, GossipError>;
  /** Publishes bytes as they are (tests, relays); receivers still validate them. */
  readonly publishRaw: (topic: Topic, data: Uint8Array) => Effect.Effect<number, GossipError>;
  /** A subscription to accepted messages of a topic (take it before the messages arrive). */
  readonly subscribe: <T extends Topic>(
    topic: T,
  ) => Effect.Effect<PubSub.Subscription<Envelope<T>>, never, Scope.Scope>;
  /** The stream of accepted messages of a topic (from when the stream starts running). */
  readonly messages: <T extends Topic>(topic: T) => Stream.Stream<Envelope<T>>;
  readonly dial: (address: string) => Effect.Effect<void, GossipError>;
  readonly peerCount: Effect.Effect<number>;
  readonly topicPeerCount: (topic: Topic) => Effect.Effect<number>;
  /** This node's gossipsub score of a peer (below −80 its messages are ignored). */
  readonly peerScore: (peerId: string) => Effect.Effect<number>;
  /** Peers in this node's gossipsub mesh for a topic (forwarding needs at least one). */
  readonly meshPeerCount: (topic: Topic) => Effect.Effect<number>;
  /** Fetches a batch body by keccak256 hash from `peer` (peer id or multiaddr) and checks it. */
  readonly fetchBatch: (peer: string, hash: Hex) => Effect.Effect<Uint8Array, FetchError>;
  /** Fetches a contribution's content by content root from `peer`, verifying every chunk. */
  readonly fetchContent: (peer: string, root: Hex, byteLength: number) => Effect.Effect<Uint8Array, FetchError>;
  /**
   * Tries `peers` (default: every connected peer) one after another until one serves a body that
   * checks; a liar or a peer without the body only costs one request.
   */
  readonly fetchBatchFromAny: (
    hash: Hex,
    peers?: ReadonlyArray<string>,
  ) => Effect.Effect<{ readonly body: Uint8Array; readonly peer: string }, FetchError>;
  readonly fetchContentFromAny: (
    root: Hex,
    byteLength: number,
    peers?: ReadonlyArray<string>,
  ) => Effect.Effect<{ readonly body: Uint8Array; readonly peer: string }, FetchError>;
  /** Fetches a receipt's text by keccak256 from `peer` and checks the hash. */
  readonly fetchText: (peer: string, hash: Hex) => Effect.Effect<Uint8Array, FetchError>;
  /** `fetchText` from the first of `peers` (default: every connected peer) that serves a text that checks. */
  readonly fetchTextFromAny: (
    hash: Hex,
    peers?: ReadonlyArray<string>,
  ) => Effect.Effect<{ readonly body: Uint8Array; readonly peer: string }, FetchError>;
  /** Ids of the connected peers. */
  readonly peers: Effect.Effect<ReadonlyArray<string>>;
  /**
   * Serves another request/response protocol on this node (e.g. the engines' `/poa/index/1`);
   * `run` returns a result label for the served-requests metric.
   */
  readonly handle: (
    protocol: string,
    run: (stream: Libp2pStream) => Promise<string>,
  ) => Effect.Effect<void, GossipError>;
  /** Opens a `protocol` stream to `peer` (peer id or multiaddr) and runs `run` on it, within `timeoutMs`. */
  readonly request: <A>(
    peer: string,
    protocol: string,
    run: (stream: Libp2pStream) => Promise<A>,
    timeoutMs?: number,
  ) => Effect.Effect<A, FetchError>;
}

const defaults = {
  host: "127.0.0.1",
  port: 0,
  maxMessageBytes: 256 * 1024,
  maxAgeMs: 10 * 60_000,
  maxFutureMs: 30_000,
  seenCacheSize: 200_000,
  maxBodyBytes: 32 * 1024 * 1024,
  maxTextBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
  heartbeatMs: 1000,
  invalidMessagePenalty: -10,
};

/**
 * Topic score parameters that only punish invalid messages (P4). The other gossipsub score terms
 * (time in mesh, first deliveries, mesh delivery rate) are off: receipts and proposals are bursty,
 * and a quiet but honest peer must not lose its mesh place for being quiet.
 */
const topicScore = (penalty: number) => ({
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1,
  timeInMeshCap: 3600,
  firstMessageDeliveriesWeight: 0,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 2000,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 20,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: penalty,
  invalidMessageDeliveriesDecay: 0.9,
});

type Node = Libp2p<{ pubsub: GossipSub; identify: unknown; ping: unknown }>;

const target = (peer: string): PeerId | Multiaddr => (peer.startsWith("/") ? multiaddr(peer) : peerIdFromString(peer));

/** The gossipsub class has `getMeshPeers`; its exported interface does not declare it. */
const hasMesh = (value: object): value is { getMeshPeers(topic: string): ReadonlyArray<string> } =>
  "getMeshPeers" in value && typeof value.getMeshPeers === "function";

const hasScore = (value: object): value is { getScore(peerId: string): number } =>
  "getScore" in value && typeof value.getScore === "function";

const registerMetrics = (registry: MetricsRegistry) => ({
  messages: registry.counter("poa_gossip_messages_total", "Gossip messages received, by topic, verdict and reason"),
  published: registry.counter("poa_gossip_published_total", "Gossip messages published by this node, by topic"),
  fetches: registry.counter("poa_gossip_fetch_total", "Body fetches made, by protocol and result"),
  served: registry.counter("poa_gossip_served_total", "Body requests served, by protocol and result"),
  evictions: registry.gauge("poa_gossip_seen_cache_evictions", "Replay-cache entries evicted before they expired"),
  peers: registry.gauge(PEERS_METRIC, "Connected libp2p peers"),
  topicPeers: registry.gauge("poa_gossip_topic_peers", "Peers subscribed to each topic"),
});

/** Starts a gossip node in the current scope; the node stops when the scope closes. */
export const makeGossip = Effect.fn("Gossip.make")(function* (config: GossipConfig) {
  const identity: IdentityShape = yield* Identity;
  const registry = yield* Metrics;
  const settings = { ...defaults, ...config };
  const topics = config.topics ?? allTopics;
  const now = config.now ?? Date.now;
  const metrics = registerMetrics(registry);
  const rules: ValidationRules = {
    maxMessageBytes: settings.maxMessageBytes,
    maxAgeMs: settings.maxAgeMs,
    maxFutureMs: settings.maxFutureMs,
    ...(config.allowSender === undefined ? {} : { allowSender: config.allowSender }),
    ...(config.checkPayload === undefined ? {} : { checkPayload: config.checkPayload }),
    ...(config.recovery === undefined ? {} : { recovery: config.recovery }),
  };
  const seen = new SeenCache(settings.seenCacheSize);

  const hubs: { readonly [T in Topic]: PubSub.PubSub<Envelope<T>> } = {
    [Topics.receipts]: yield* PubSub.unbounded<Envelope<typeof Topics.receipts>>(),
    [Topics.proposals]: yield* PubSub.unbounded<Envelope<typeof Topics.proposals>>(),
    [Topics.disputes]: yield* PubSub.unbounded<Envelope<typeof Topics.disputes>>(),
    [Topics.groups]: yield* PubSub.unbounded<Envelope<typeof Topics.groups>>(),
  };
  const shutdownHub = <T extends Topic>(topic: T) => PubSub.shutdown(hubs[topic]);
  yield* Effect.addFinalizer(() => Effect.forEach(allTopics, shutdownHub, { discard: true }));

  const node: Node = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: async () =>
        createLibp2p({
          privateKey:
            config.peerKeySeed === undefined
              ? await generateKeyPair("Ed25519")
              : await generateKeyPairFromSeed("Ed25519", hexToBytes(Redacted.value(config.peerKeySeed))),
          addresses: { listen: [`/ip4/${settings.host}/tcp/${settings.port}`] },
          transports: [tcp()],
          connectionEncrypters: [noise()],
          streamMuxers: [yamux()],
          services: {
            identify: identify(),
            ping: ping(),
            pubsub: gossipsub({
              globalSignaturePolicy: "StrictNoSign",
              allowPublishToZeroTopicPeers: true,
              emitSelf: false,
              heartbeatInterval: settings.heartbeatMs,
              // Let oversize messages reach the validator (so they are counted), within reason.
              maxInboundDataLength: settings.maxMessageBytes * 4,
              scoreParams: {
                topics: Object.fromEntries(topics.map((topic) => [topic, topicScore(settings.invalidMessagePenalty)])),
              },
            }),
          },
        }),
      catch: (cause) => new GossipError({ operation: "start", message: "could not start the libp2p node", cause }),
    }),
    (started) =>
      Effect.promise(async () => {
        await started.stop();
      }),
  );
  const pubsub = node.services.pubsub;

  const count = (labels: Labels) => metrics.messages.inc(labels);
  const register = <T extends Topic>(topic: T) => {
    const hub: PubSub.PubSub<Envelope<T>> = hubs[topic];
    pubsub.topicValidators.set(topic, async (_peer, message) => {
      const verdict = await validateEnvelope(topic, message.data, rules, seen, now());
      metrics.evictions.set({}, seen.evictions);
      switch (verdict.result) {
        case "accept":
          count({ topic, result: "accept", reason: "ok" });
          PubSub.publishUnsafe(hub, verdict.envelope);
          return TopicValidatorResult.Accept;
        case "reject":
          count({ topic, result: "reject", reason: verdict.reason });
          return TopicValidatorResult.Reject;
        case "ignore":
          count({ topic, result: "ignore", reason: verdict.reason });
          return TopicValidatorResult.Ignore;
      }
    });
    pubsub.subscribe(topic);
  };
  for (const topic of topics) register(topic);
  const meshPeers = (topic: Topic): number => (hasMesh(pubsub) ? pubsub.getMeshPeers(topic).length : 0);
  metrics.peers.collect(() => [[{}, node.getPeers().length]]);
  metrics.topicPeers.collect(() => topics.map((topic) => [{ topic }, pubsub.getSubscribers(topic).length] as const));

  const serve = (protocol: string, run: (stream: Libp2pStream) => Promise<string>) =>
    Effect.tryPromise({
      try: async () => {
        await node.handle(protocol, async (stream) => {
          const result = await run(stream);
          metrics.served.inc({ protocol, result });
        });
      },
      catch: (cause) => new GossipError({ operation: "start", message: `could not register ${protocol}`, cause }),
    });
  const noBody: BodyLookup = () => undefined;
  yield* serve(BATCH_PROTOCOL, (stream) => serveBatch(stream, config.batchSource ?? noBody));
  yield* serve(CONTENT_PROTOCOL, (stream) => serveContent(stream, config.contentSource ?? noBody));
  yield* serve(TEXT_PROTOCOL, (stream) => serveBatch(stream, config.textSource ?? noBody));

  const dial = Effect.fn("Gossip.dial")(function* (address: string) {
    yield* Effect.tryPromise({
      try: (signal) => node.dial(multiaddr(address), { signal }),
      catch: (cause) => new GossipError({ operation: "dial", message: `could not dial ${address}`, cause }),
    });
  });

  /** Retry dialing a bootstrap peer forever: 250 ms doubling, at most every 30 s. */
  const bootstrapRetry = Schedule.min([Schedule.exponential(Duration.millis(250), 2), Schedule.spaced("30 seconds")]);
  // Stay connected: a bootstrap peer that restarts (kill -9, a redeploy) drops the connection, and
  // dialing it again is the only way back when it is the node's one link to the mesh. Dialing a peer
  // that is still connected returns the open connection.
  for (const address of config.bootstrap ?? []) {
    yield* dial(address).pipe(
      Effect.tapError((error) => Effect.logWarning(`bootstrap dial failed, retrying: ${error.message}`)),
      Effect.retry(bootstrapRetry),
      Effect.andThen(Effect.sleep("2 seconds")),
      Effect.forever,
      Effect.forkScoped,
    );
  }

  let seq = now() * 1000;
  const publishBytes = Effect.fn("Gossip.publishRaw")(function* (topic: Topic, data: Uint8Array) {
    const result = yield* Effect.tryPromise({
      try: () => pubsub.publish(topic, data),
      catch: (cause) => new GossipError({ operation: "publish", message: `could not publish on ${topic}`, cause }),
    });
    metrics.published.inc({ topic });
    return result.recipients.length;
  });

  const publish = Effect.fn("Gossip.publish")(function* <T extends Topic>(topic: T, payload: PayloadOf<T>) {
    const encoded = yield* Effect.try({
      try: () => encodePayload(topic, payload),
      catch: (cause) => new GossipError({ operation: "encode", message: `payload does not fit ${topic}`, cause }),
    });
    seq = Math.max(seq + 1, now() * 1000);
    const unsigned: UnsignedEnvelope = {
      topic,
      version: ENVELOPE_VERSION,
      sender: identity.address,
      timestamp: now(),
      seq,
      payload: encoded,
    };
    const signature = yield* identity
      .signDigest(envelopeDigest(unsigned))
      .pipe(Effect.mapError((e) => new GossipError({ operation: "sign", message: e.message, cause: e })));
    const data = encodeEnvelope(unsigned, signature);
    const recipients = yield* publishBytes(topic, data);
    return { seq: unsigned.seq, recipients, bytes: data.length };
  });

  const fetchWith = <A>(
    protocol: string,
    peer: string,
    run: (stream: Libp2pStream) => Promise<A>,
    timeoutMs: number = settings.requestTimeoutMs,
  ): Effect.Effect<A, FetchError> =>
    Effect.tryPromise({
      try: async () => {
        const signal = AbortSignal.timeout(timeoutMs);
        let stream: Libp2pStream;
        try {
          stream = await node.dialProtocol(target(peer), protocol, { signal });
        } catch (cause) {
          const reason = signal.aborted ? "timeout" : "dial";
          throw new FetchError({ protocol, reason, message: `could not open ${protocol} to ${peer}`, cause });
        }
        const onAbort = () => stream.abort(new Error(`${protocol} request timed out`));
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          return await run(stream);
        } catch (cause) {
          if (signal.aborted) {
            throw new FetchError({
              protocol,
              reason: "timeout",
              message: `${protocol} request to ${peer} took over ${timeoutMs} ms`,
              cause,
            });
          }
          throw cause;
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      },
      catch: (cause) => {
        if (cause instanceof FetchError) return cause;
        const problem = classifyFetchFailure(cause);
        return new FetchError({ protocol, reason: problem.reason, message: problem.message, cause });
      },
    }).pipe(
      Effect.tap(() => Effect.sync(() => metrics.fetches.inc({ protocol, result: "ok" }))),
      Effect.tapError((error) => Effect.sync(() => metrics.fetches.inc({ protocol, result: error.reason }))),
    );

  const fromAny = (
    protocol: string,
    key: Hex,
    peers: ReadonlyArray<string> | undefined,
    fetchOne: (peer: string) => Effect.Effect<Uint8Array, FetchError>,
  ) =>
    Effect.gen(function* () {
      const candidates = peers ?? node.getPeers().map((peer) => peer.toString());
      const failures: string[] = [];
      for (const peer of candidates) {
        const exit = yield* Effect.exit(fetchOne(peer));
        if (Exit.isSuccess(exit)) return { body: exit.value, peer };
        const error = Cause.findErrorOption(exit.cause);
        failures.push(`${peer}: ${Option.isSome(error) ? error.value.reason : "defect"}`);
      }
      return yield* new FetchError({
        protocol,
        reason: "not-found",
        message: `none of ${candidates.length} peers served ${key}${failures.length > 0 ? ` (${failures.join(", ")})` : ""}`,
      });
    });

  const fetchBatch = Effect.fn("Gossip.fetchBatch")((peer: string, hash: Hex) =>
    fetchWith(BATCH_PROTOCOL, peer, (stream) => requestBatch(stream, hash, settings.maxBodyBytes)),
  );
  const fetchContent = Effect.fn("Gossip.fetchContent")((peer: string, root: Hex, byteLength: number) =>
    fetchWith(CONTENT_PROTOCOL, peer, (stream) => requestContent(stream, root, byteLength, settings.maxBodyBytes)),
  );

  const fetchText = Effect.fn("Gossip.fetchText")((peer: string, hash: Hex) =>
    fetchWith(TEXT_PROTOCOL, peer, (stream) => requestBatch(stream, hash, settings.maxTextBytes)),
  );

  const service: GossipShape = {
    peerId: node.peerId.toString(),
    addresses: node.getMultiaddrs().map((address) => address.toString()),
    sender: identity.address,
    publish,
    publishRaw: publishBytes,
    subscribe: <T extends Topic>(topic: T) => PubSub.subscribe(hubs[topic]),
    messages: <T extends Topic>(topic: T) => Stream.fromPubSub(hubs[topic]),
    dial,
    peerCount: Effect.sync(() => node.getPeers().length),
    topicPeerCount: (topic) => Effect.sync(() => pubsub.getSubscribers(topic).length),
    meshPeerCount: (topic) => Effect.sync(() => meshPeers(topic)),
    peerScore: (peerId) => Effect.sync(() => (hasScore(pubsub) ? pubsub.getScore(peerId) : 0)),
    fetchBatch,
    fetchContent,
    fetchBatchFromAny: Effect.fn("Gossip.fetchBatchFromAny")((hash: Hex, peers?: ReadonlyArray<string>) =>
      fromAny(BATCH_PROTOCOL, hash, peers, (peer) => fetchBatch(peer, hash)),
    ),
    fetchContentFromAny: Effect.fn("Gossip.fetchContentFromAny")(
      (root: Hex, byteLength: number, peers?: ReadonlyArray<string>) =>
        fromAny(CONTENT_PROTOCOL, root, peers, (peer) => fetchContent(peer, root, byteLength)),
    ),
    fetchText,
    fetchTextFromAny: Effect.fn("Gossip.fetchTextFromAny")((hash: Hex, peers?: ReadonlyArray<string>) =>
      fromAny(TEXT_PROTOCOL, hash, peers, (peer) => fetchText(peer, hash)),
    ),
    peers: Effect.sync(() => node.getPeers().map((peer) => peer.toString())),
    handle: serve,
    request: (peer, protocol, run, timeoutMs) => fetchWith(protocol, peer, run, timeoutMs),
  };
  return service;
});

export class Gossip extends Context.Service<Gossip, GossipShape>()("poa/Gossip") {
  /** The live node, started when the layer is built and stopped when its scope closes. */
  static readonly layer = (config: GossipConfig): Layer.Layer<Gossip, GossipError, Identity | Metrics> =>
    Layer.effect(Gossip, makeGossip(config));
}
