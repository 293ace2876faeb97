import { describe, expect, it } from "@effect/vitest";
import { Effect, Fiber, Layer, PubSub, Redacted, Stream } from "effect";
import { keccak256, stringToBytes, toHex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { chunkCount, contentRoot } from "../content/merkle.ts";
import { Identity } from "../identity/identity.ts";
import { Metrics } from "../observability/metrics.ts";
import { Observability } from "../observability/server.ts";
import { canonicalJson, encodeEnvelope, encodePayload, envelopeDigest, type UnsignedEnvelope } from "./envelope.ts";
import { signedReceipt } from "./fixtures.ts";
import { Gossip } from "./gossip.ts";
import { Topics } from "./messages.ts";
import { awaitMesh, startNode, startNodes, type TestNode } from "./testing.ts";

const receiptsSeen = (node: TestNode, result: string, reason: string) =>
  node.metrics.counter("poa_gossip_messages_total", "").get({ topic: Topics.receipts, result, reason });

/** Polls a condition on real time (the network is real), failing after `ms`. */
const eventually = (check: () => boolean, ms = 10_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error("condition not reached in time"));
      yield* Effect.sleep("25 millis");
    }
  });

/** gossipsub caches scores between heartbeats, so a penalty shows up within a heartbeat or so. */
const scoreFallsBelow = (observer: TestNode, peer: TestNode, threshold: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 10_000;
    let score = yield* observer.gossip.peerScore(peer.gossip.peerId);
    while (score >= threshold && Date.now() < deadline) {
      yield* Effect.sleep("50 millis");
      score = yield* observer.gossip.peerScore(peer.gossip.peerId);
    }
    expect(score).toBeLessThan(threshold);
  });

describe("Gossip", () => {
  it.live(
    "a signed receipt published by one of 4 nodes reaches the other 3, decoded and checked",
    () =>
      Effect.gen(function* () {
        const nodes = yield* startNodes(4);
        const subscriptions = yield* Effect.forEach(nodes, (n) => n.gossip.subscribe(Topics.receipts));
        const streamed = yield* nodes[0]!.gossip
          .messages(Topics.receipts)
          .pipe(Stream.take(1), Stream.runCollect, Effect.forkScoped);
        yield* Effect.sleep("50 millis"); // let the stream subscribe
        const payload = yield* Effect.promise(() => signedReceipt(42n));
        const published = yield* nodes[3]!.gossip.publish(Topics.receipts, payload);
        expect(published.recipients).toBeGreaterThan(0);
        for (const [i, subscription] of subscriptions.entries()) {
          if (i === 3) continue;
          const envelope = yield* PubSub.take(subscription).pipe(Effect.timeout("10 seconds"));
          expect(envelope.sender).toBe(nodes[3]!.identity.address);
          expect(envelope.seq).toBe(published.seq);
          expect(envelope.payload).toEqual(payload);
          expect(receiptsSeen(nodes[i]!, "accept", "ok")).toBe(1);
        }
        const [viaStream] = yield* Fiber.join(streamed);
        expect(viaStream?.seq).toBe(published.seq);
        // the publisher does not deliver to itself
        expect(yield* PubSub.takeUpTo(subscriptions[3]!, 10)).toEqual([]);
        expect(nodes[3]!.metrics.render()).toMatch(/poa_gossip_published_total\{topic="\/poa\/receipts\/2"\} 1/);
      }),
    60_000,
  );

  it.live(
    "malformed, oversize, unsigned, forged, stale and replayed messages are rejected or ignored and counted, the sender is graylisted, and the honest mesh keeps working",
    () =>
      Effect.gen(function* () {
        const maxMessageBytes = 4096;
        // a light penalty (−1 × count²) so that all eight messages are seen before the graylist (−80)
        const nodes = yield* startNodes(3, { maxMessageBytes, maxAgeMs: 60_000, invalidMessagePenalty: -1 });
        // node 0 (the attacker) is connected to node 1 only; node 1 must stop everything bad
        const [attacker, victim, far] = [nodes[0]!, nodes[1]!, nodes[2]!];
        const signAs = (identity: typeof attacker.identity, overrides: Partial<UnsignedEnvelope>) =>
          Effect.gen(function* () {
            const unsigned: UnsignedEnvelope = {
              topic: Topics.receipts,
              version: 1,
              sender: attacker.identity.address,
              timestamp: Date.now(),
              seq: 1,
              payload: encodePayload(Topics.receipts, yield* Effect.promise(() => signedReceipt(1n))),
              ...overrides,
            };
            const signature = yield* identity.signDigest(envelopeDigest(unsigned));
            return { unsigned, signature, bytes: encodeEnvelope(unsigned, signature) };
          });
        const mallory = Identity.make(Redacted.make(generatePrivateKey()));
        const raw = (data: Uint8Array) => attacker.gossip.publishRaw(Topics.receipts, data);

        yield* raw(stringToBytes("not json at all"));
        yield* raw(stringToBytes(canonicalJson({ topic: Topics.receipts, version: 1, payload: {} })));
        yield* raw(stringToBytes(JSON.stringify({ pad: "x".repeat(maxMessageBytes) })));
        const good = yield* signAs(attacker.identity, { seq: 10 });
        yield* raw(stringToBytes(canonicalJson(good.unsigned))); // no signature at all
        yield* raw((yield* signAs(mallory, { seq: 11 })).bytes); // signed by someone else
        yield* raw((yield* signAs(attacker.identity, { seq: 12, timestamp: Date.now() - 120_000 })).bytes);
        yield* raw(good.bytes); // valid: accepted and relayed
        // a replay that gossipsub's byte-level dedup cannot see: same envelope, different bytes
        yield* raw(stringToBytes(JSON.stringify({ signature: good.signature, ...good.unsigned }, null, 2)));

        yield* eventually(
          () =>
            receiptsSeen(victim, "reject", "encoding") === 1 &&
            receiptsSeen(victim, "reject", "schema") === 2 &&
            receiptsSeen(victim, "reject", "oversize") === 1 &&
            receiptsSeen(victim, "reject", "signature") === 1 &&
            receiptsSeen(victim, "ignore", "stale") === 1 &&
            receiptsSeen(victim, "ignore", "duplicate") === 1 &&
            receiptsSeen(victim, "accept", "ok") === 1 &&
            receiptsSeen(far, "accept", "ok") === 1,
        );
        // nothing bad travelled past the victim
        expect(receiptsSeen(far, "reject", "signature") + receiptsSeen(far, "ignore", "duplicate")).toBe(0);
        const farText = far.metrics.render();
        expect(farText).not.toMatch(/result="reject"/);
        expect(victim.metrics.render()).toMatch(
          /poa_gossip_messages_total\{reason="oversize",result="reject",topic="\/poa\/receipts\/2"\} 1/,
        );

        // five rejects cost the attacker score; honest relays lose nothing
        yield* scoreFallsBelow(victim, attacker, -10);
        expect(yield* far.gossip.peerScore(victim.gossip.peerId)).toBeGreaterThanOrEqual(0);
        // more garbage puts it below the graylist threshold, after which even its valid messages are dropped
        for (let i = 0; i < 8; i++) yield* raw(stringToBytes(`garbage ${i}`));
        yield* scoreFallsBelow(victim, attacker, -80);
        const rejectsBefore = receiptsSeen(victim, "reject", "encoding");
        // gossipsub keeps accepting from a peer for up to 1 s after it last saw a good score
        yield* Effect.sleep("1100 millis");
        yield* attacker.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(4n)));
        yield* raw(stringToBytes("more garbage"));
        yield* Effect.sleep("500 millis");
        expect(receiptsSeen(victim, "accept", "ok")).toBe(1);
        expect(receiptsSeen(victim, "reject", "encoding")).toBe(rejectsBefore);
        // and the honest part of the network still works, in both directions
        const atVictim = yield* victim.gossip.subscribe(Topics.receipts);
        const atFar = yield* far.gossip.subscribe(Topics.receipts);
        yield* far.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(2n)));
        expect((yield* PubSub.take(atVictim).pipe(Effect.timeout("10 seconds"))).sender).toBe(far.identity.address);
        yield* victim.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(3n)));
        expect((yield* PubSub.take(atFar).pipe(Effect.timeout("10 seconds"))).sender).toBe(victim.identity.address);
      }),
    60_000,
  );

  it.live(
    "an allow-list rejects senders it does not know",
    () =>
      Effect.gen(function* () {
        const trusted = generatePrivateKey();
        const trustedAddress = Identity.make(Redacted.make(trusted)).address;
        const allowSender = (sender: string) => sender === trustedAddress;
        const a = yield* startNode({ heartbeatMs: 100, allowSender }, trusted);
        const b = yield* startNode({ heartbeatMs: 100, allowSender, bootstrap: [a.gossip.addresses[0]!] });
        yield* awaitMesh([a, b]);
        const atA = yield* a.gossip.subscribe(Topics.receipts);
        const atB = yield* b.gossip.subscribe(Topics.receipts);
        yield* b.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(5n)));
        yield* a.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(6n)));
        const fromTrusted = yield* PubSub.take(atB).pipe(Effect.timeout("10 seconds"));
        expect(fromTrusted.sender).toBe(trustedAddress);
        yield* eventually(() => receiptsSeen(a, "reject", "sender") === 1);
        expect(yield* PubSub.takeUpTo(atA, 10)).toEqual([]);
      }),
    60_000,
  );

  it.live(
    "batch and content bodies are fetched by hash and a lying peer is caught",
    () =>
      Effect.gen(function* () {
        const body = stringToBytes("T: ".concat("transaction ".repeat(500)));
        const hash = keccak256(body);
        const content = new Uint8Array(3 * 1024 + 500).map((_, i) => (i * 31) % 251);
        const root = contentRoot(content);
        const forgery = content.slice();
        forgery[2048] = forgery[2048]! ^ 1;
        const honest = yield* startNode({
          batchSource: (h) => (h === hash ? body : undefined),
          contentSource: (r) => (r === root ? content : undefined),
        });
        const liar = yield* startNode({
          batchSource: () => stringToBytes("a different body"),
          contentSource: () => forgery,
        });
        const client = yield* startNode({ maxBodyBytes: 64 * 1024, requestTimeoutMs: 5_000 });

        const fetched = yield* client.gossip.fetchBatch(honest.gossip.addresses[0]!, hash);
        expect(toHex(fetched)).toBe(toHex(body));
        const lie = yield* Effect.flip(client.gossip.fetchBatch(liar.gossip.addresses[0]!, hash));
        expect(lie).toMatchObject({ _tag: "FetchError", reason: "hash-mismatch" });
        const missing = yield* Effect.flip(client.gossip.fetchBatch(honest.gossip.peerId, keccak256(toHex("nope"))));
        expect(missing).toMatchObject({ reason: "not-found" });

        expect(chunkCount(content.length)).toBe(4);
        const got = yield* client.gossip.fetchContent(honest.gossip.peerId, root, content.length);
        expect(toHex(got)).toBe(toHex(content));
        const forged = yield* Effect.flip(client.gossip.fetchContent(liar.gossip.addresses[0]!, root, content.length));
        expect(forged).toMatchObject({ reason: "bad-chunk" });
        const tooBig = yield* Effect.flip(client.gossip.fetchContent(honest.gossip.peerId, root, 1 << 20));
        expect(tooBig).toMatchObject({ reason: "oversize" });

        const fetches = client.metrics.counter("poa_gossip_fetch_total", "");
        expect(fetches.get({ protocol: "/poa/batch/1", result: "hash-mismatch" })).toBe(1);
        expect(fetches.get({ protocol: "/poa/content/1", result: "ok" })).toBe(1);
        expect(
          honest.metrics.counter("poa_gossip_served_total", "").get({ protocol: "/poa/batch/1", result: "found" }),
        ).toBe(1);
      }),
    60_000,
  );

  it.live(
    "a slow peer times out, an unreachable bootstrap peer does not stop a node",
    () =>
      Effect.gen(function* () {
        const stalling = yield* startNode({ batchSource: () => new Promise<undefined>(() => {}) });
        const client = yield* startNode({
          requestTimeoutMs: 300,
          bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${stalling.gossip.peerId}`],
        });
        const slow = yield* Effect.flip(client.gossip.fetchBatch(stalling.gossip.addresses[0]!, keccak256("0x01")));
        expect(slow).toMatchObject({ _tag: "FetchError", reason: "timeout" });
        const seed = Redacted.make(generatePrivateKey());
        const alone = yield* startNode({
          peerKeySeed: seed,
          bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${stalling.gossip.peerId}`],
        });
        // the same seed gives the same peer id (stable bootstrap addresses across restarts)
        const twin = yield* Effect.scoped(startNode({ peerKeySeed: seed }));
        expect(twin.gossip.peerId).toBe(alone.gossip.peerId);
        expect(client.gossip.peerId).not.toBe(alone.gossip.peerId);
        const published = yield* alone.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(9n)));
        expect(published.recipients).toBe(0);
      }),
    60_000,
  );

  it.live(
    "the layers compose into an agent whose /health and /metrics report its gossip",
    () =>
      Effect.gen(function* () {
        const peer = yield* startNode({ heartbeatMs: 100 });
        const agent = Layer.mergeAll(
          Gossip.layer({ heartbeatMs: 100, bootstrap: [peer.gossip.addresses[0]!] }),
          Observability.layer({ agent: "test-agent" }),
        ).pipe(Layer.provideMerge(Layer.merge(Metrics.layer, Identity.random)));
        yield* Effect.gen(function* () {
          const gossip = yield* Gossip;
          const { url } = yield* Observability;
          const inbox = yield* gossip.subscribe(Topics.receipts);
          yield* eventually(() => peer.metrics.gauge("poa_gossip_peers", "").get() === 1);
          yield* awaitMesh([peer], [Topics.receipts]);
          yield* peer.gossip.publish(Topics.receipts, yield* Effect.promise(() => signedReceipt(3n)));
          const envelope = yield* PubSub.take(inbox).pipe(Effect.timeout("10 seconds"));
          expect(envelope.sender).toBe(peer.identity.address);
          const health = yield* Effect.promise(() => fetch(`${url}/health`).then((r) => r.json()));
          expect(health).toMatchObject({ agent: "test-agent", status: "ok", peers: 1 });
          const text = yield* Effect.promise(() => fetch(`${url}/metrics`).then((r) => r.text()));
          expect(text).toContain('poa_gossip_messages_total{reason="ok",result="accept",topic="/poa/receipts/2"} 1');
          expect(text).toContain('poa_gossip_topic_peers{topic="/poa/receipts/2"} 1');
          expect((yield* Identity).address).toBe(gossip.sender);
        }).pipe(Effect.provide(agent));
      }),
    60_000,
  );

  it.live(
    "fetching from any peer skips liars and peers without the body",
    () =>
      Effect.gen(function* () {
        const body = stringToBytes("the batch everyone wants");
        const hash = keccak256(body);
        const content = new Uint8Array(1500).fill(7);
        const root = contentRoot(content);
        const liar = yield* startNode({
          batchSource: () => stringToBytes("lies"),
          contentSource: () => new Uint8Array(1500),
        });
        const empty = yield* startNode({});
        const honest = yield* startNode({
          batchSource: (h) => (h === hash ? body : undefined),
          contentSource: () => content,
        });
        const peers = [liar, empty, honest].map((n) => n.gossip.addresses[0]!);
        const client = yield* startNode({ bootstrap: peers });
        yield* eventually(() => client.metrics.gauge("poa_gossip_peers", "").get() === 3);
        const got = yield* client.gossip.fetchBatchFromAny(hash);
        expect(toHex(got.body)).toBe(toHex(body));
        expect(got.peer).toBe(honest.gossip.peerId);
        const gotContent = yield* client.gossip.fetchContentFromAny(root, content.length, peers);
        expect(gotContent.peer).toBe(peers[2]);
        expect(toHex(gotContent.body)).toBe(toHex(content));
        const nobody = yield* Effect.flip(client.gossip.fetchBatchFromAny(hash, peers.slice(0, 2)));
        expect(nobody.reason).toBe("not-found");
        expect(nobody.message).toMatch(/hash-mismatch.*not-found/);
      }),
    60_000,
  );
});
