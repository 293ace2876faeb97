/**
 * Gossip propagation latency on loopback: N real libp2p nodes in one process (TCP + Noise + Yamux +
 * gossipsub), each bootstrapping from two earlier nodes; signed receipt envelopes are published
 * round-robin and the time from `publish` to acceptance (validator passed: schema + signature)
 * is measured at every other node (after 10 untimed warm-up messages). A 2-node network is measured in the same run as the baseline
 * (one hop: encoding, Noise, Yamux, one validation).
 *
 *   npx tsx agents/bench/gossip.ts [--nodes 20] [--messages 40] [--interval 150] [--heartbeat 1000]
 */
import { parseArgs } from "node:util";
import { Effect, Fiber, PubSub, Redacted } from "effect";
import { generatePrivateKey } from "viem/accounts";
import {
  encodeEnvelope,
  encodePayload,
  envelopeDigest,
  SeenCache,
  type UnsignedEnvelope,
  validateEnvelope,
} from "../gossip/envelope.ts";
import { signedReceipt } from "../gossip/fixtures.ts";
import { Topics } from "../gossip/messages.ts";
import { startNodes, type TestNode } from "../gossip/testing.ts";
import { Identity } from "../identity/identity.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "20" },
    messages: { type: "string", default: "40" },
    interval: { type: "string", default: "150" },
    heartbeat: { type: "string", default: "1000" },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive integer, got ${text}\n`);
    process.exit(2);
  }
  return value;
};
const nodeCount = positive("nodes", values.nodes);
const messageCount = positive("messages", values.messages);
const intervalMs = positive("interval", values.interval);
const heartbeatMs = positive("heartbeat", values.heartbeat);

interface Result {
  readonly nodes: number;
  readonly messages: number;
  readonly expected: number;
  readonly samples: ReadonlyArray<number>;
  readonly meshMs: number;
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

const measure = (count: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const meshStart = performance.now();
      const nodes: TestNode[] = yield* startNodes(count, { heartbeatMs, topics: [Topics.receipts] });
      const meshMs = performance.now() - meshStart;
      const payload = encodePayload(Topics.receipts, yield* Effect.promise(() => signedReceipt(1n)));
      const sentAt = new Map<string, number>();
      const samples: number[] = [];
      const receivers = yield* Effect.forEach(nodes, (node) =>
        Effect.gen(function* () {
          const subscription = yield* node.gossip.subscribe(Topics.receipts);
          return yield* Effect.forkScoped(
            Effect.forever(
              Effect.flatMap(PubSub.take(subscription), (envelope) =>
                Effect.sync(() => {
                  const start = sentAt.get(`${envelope.sender}:${envelope.seq}`);
                  if (start !== undefined) samples.push(performance.now() - start);
                }),
              ),
            ),
          );
        }),
      );
      // sign everything first: the measurement is propagation, not the publisher's signing
      const warmup = Math.min(10, messageCount);
      const prepared = yield* Effect.forEach(
        Array.from({ length: warmup + messageCount }, (_, i) => i),
        (i) =>
          Effect.gen(function* () {
            const node = nodes[i % nodes.length]!;
            const unsigned: UnsignedEnvelope = {
              topic: Topics.receipts,
              version: 1,
              sender: node.identity.address,
              timestamp: Date.now(),
              seq: i + 1,
              payload,
            };
            const signature = yield* node.identity.signDigest(envelopeDigest(unsigned));
            return { node, key: `${unsigned.sender}:${unsigned.seq}`, bytes: encodeEnvelope(unsigned, signature) };
          }),
      );
      // the first messages warm up the JIT and the connections; they are sent but not timed
      for (const [i, message] of prepared.entries()) {
        if (i >= warmup) sentAt.set(message.key, performance.now());
        yield* message.node.gossip.publishRaw(Topics.receipts, message.bytes);
        yield* Effect.sleep(`${intervalMs} millis`);
      }
      const expected = messageCount * (count - 1);
      const deadline = Date.now() + 10_000;
      while (samples.length < expected && Date.now() < deadline) yield* Effect.sleep("20 millis");
      yield* Effect.forEach(receivers, Fiber.interrupt, { discard: true });
      return { nodes: count, messages: messageCount, expected, samples: [...samples], meshMs } satisfies Result;
    }),
  );

const row = (label: string, result: Result): string => {
  const sorted = [...result.samples].sort((a, b) => a - b);
  const ms = (value: number) => value.toFixed(1);
  const delivered = ((100 * result.samples.length) / result.expected).toFixed(1);
  return `| ${label} | ${result.nodes} | ${result.messages} | ${result.samples.length}/${result.expected} (${delivered}%) | ${ms(quantile(sorted, 0.5))} | ${ms(quantile(sorted, 0.95))} | ${ms(sorted[sorted.length - 1] ?? Number.NaN)} | ${(result.meshMs / 1000).toFixed(1)} |`;
};

/** CPU cost of the validator (JSON, Schema, keccak, ecrecover) for one receipt envelope, in ms. */
const validationCost = Effect.gen(function* () {
  const identity = Identity.make(Redacted.make(generatePrivateKey()));
  const payload = encodePayload(Topics.receipts, yield* Effect.promise(() => signedReceipt(1n)));
  const rules = { maxMessageBytes: 1 << 20, maxAgeMs: 3_600_000, maxFutureMs: 60_000 };
  const seen = new SeenCache(100_000);
  const rounds = 200;
  const envelopes = yield* Effect.forEach(
    Array.from({ length: rounds }, (_, i) => i),
    (i) =>
      Effect.gen(function* () {
        const unsigned: UnsignedEnvelope = {
          topic: Topics.receipts,
          version: 1,
          sender: identity.address,
          timestamp: Date.now(),
          seq: i,
          payload,
        };
        return encodeEnvelope(unsigned, yield* identity.signDigest(envelopeDigest(unsigned)));
      }),
  );
  return yield* Effect.promise(async () => {
    const start = performance.now();
    for (const bytes of envelopes) {
      const verdict = await validateEnvelope(Topics.receipts, bytes, rules, seen, Date.now());
      if (verdict.result !== "accept") throw new Error(`bench envelope not accepted: ${verdict.result}`);
    }
    return { ms: (performance.now() - start) / rounds, bytes: envelopes[0]!.length };
  });
});

const program = Effect.gen(function* () {
  const cost = yield* validationCost;
  const baseline = yield* measure(2);
  const network = yield* measure(nodeCount);
  const lines = [
    `gossip propagation on loopback, one process, heartbeat ${heartbeatMs} ms, a message every ${intervalMs} ms`,
    "",
    "| network | nodes | messages | delivered | p50 ms | p95 ms | max ms | mesh formed in s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    row("baseline: one hop", baseline),
    row("mesh", network),
    "",
    `validator CPU per receipt envelope (${cost.bytes} bytes): ${cost.ms.toFixed(2)} ms; all nodes share one event loop,`,
    `so each message costs about ${(cost.ms * (nodeCount - 1)).toFixed(0)} ms of serial CPU across the ${nodeCount}-node network.`,
  ];
  yield* Effect.sync(() => process.stdout.write(`${lines.join("\n")}\n`));
});

Effect.runPromise(program).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`gossip bench failed: ${String(error)}\n`);
    process.exit(1);
  },
);
