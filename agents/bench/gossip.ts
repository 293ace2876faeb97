/**
 * Gossip validation cost and propagation latency on loopback.
 *
 * 1. Validator CPU per receipt envelope, old path (viem's secp256k1 recovery) and new path
 *    (libsecp256k1 through the prebuilt addon, cached per (hash, signature); and its pure-JS
 *    fallback) in the same run, interleaved in chunks so machine load hits every path alike: the
 *    envelope signature alone, and as deployed with the receipt's user and operator signatures
 *    (`checkReceipts`). Every envelope carries a distinct receipt, so every recovery is a cache miss.
 * 1b. EIP-712 hashing per receipt (its Request and Receipt digests): viem's `hashTypedData` (type and
 *    domain hashes derived on every call; what `checkReceipts` used before) against agents/protocol/
 *    receipt.ts (type hashes and domain separator precomputed, @noble/hashes keccak on bytes), interleaved.
 * 2. Propagation: N real libp2p nodes in one process (TCP + Noise + Yamux + gossipsub), each
 *    bootstrapping from two earlier nodes, validating as deployed (`checkReceipts`); signed receipt
 *    envelopes are published round-robin and the time from `publish` to acceptance is measured at
 *    every other node (after 10 untimed warm-up messages). A 2-node network is the baseline (one
 *    hop); the N-node mesh runs on the new path and, as its peer, on the old path.
 *
 *   npx tsx agents/bench/gossip.ts [--nodes 20] [--messages 40] [--interval 250] [--heartbeat 1000] [--rounds 100]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Effect, Fiber, PubSub, Redacted } from "effect";
import { hashTypedData } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { checkReceipts } from "../gossip/checks.ts";
import {
  encodeEnvelope,
  encodePayload,
  envelopeDigest,
  SeenCache,
  type UnsignedEnvelope,
  validateEnvelope,
} from "../gossip/envelope.ts";
import { fixtureDomain, signedReceipt } from "../gossip/fixtures.ts";
import { Topics } from "../gossip/messages.ts";
import { startNodes, type TestNode } from "../gossip/testing.ts";
import { Identity } from "../identity/identity.ts";
import {
  cachedRecovery,
  jsRecovery,
  nativeLoadError,
  nativeRecovery,
  RECOVERY_CACHE_ENTRIES,
  type SignerRecovery,
  viemRecovery,
} from "../identity/recover.ts";
import { receiptDigest, receiptTypes, requestDigest, requestTypes } from "../protocol/receipt.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "20" },
    messages: { type: "string", default: "40" },
    interval: { type: "string", default: "250" },
    heartbeat: { type: "string", default: "1000" },
    rounds: { type: "string", default: "100" },
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
const rounds = positive("rounds", values.rounds);

/** A fresh, empty cache over `inner` (the old path has none). */
const fresh = (inner: SignerRecovery): SignerRecovery =>
  inner.backend === "viem" ? inner : cachedRecovery(inner, RECOVERY_CACHE_ENTRIES);
const newPath: SignerRecovery = nativeRecovery ?? jsRecovery;

interface Result {
  readonly nodes: number;
  readonly messages: number;
  readonly expected: number;
  readonly samples: ReadonlyArray<number>;
  readonly meshMs: number;
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

const measure = (count: number, path: SignerRecovery) =>
  Effect.scoped(
    Effect.gen(function* () {
      // one process is one node in deployment; here every node gets its own cache
      const meshStart = performance.now();
      const nodes: TestNode[] = yield* startNodes(count, () => {
        const recovery = fresh(path);
        return {
          heartbeatMs,
          topics: [Topics.receipts],
          recovery,
          checkPayload: checkReceipts(fixtureDomain, recovery),
        };
      });
      const meshMs = performance.now() - meshStart;
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
              payload: encodePayload(Topics.receipts, yield* Effect.promise(() => signedReceipt(BigInt(i + 1)))),
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
      const deadline = Date.now() + 30_000;
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

/** ms per envelope, process CPU (user + system) and wall clock. */
interface PerEnvelope {
  readonly cpu: number;
  readonly wall: number;
}

interface Cost {
  readonly label: string;
  /** The envelope signature alone, and with the receipt checks as deployed. */
  readonly envelopeOnly: PerEnvelope;
  readonly withReceipts: PerEnvelope;
}

/**
 * CPU cost of the validator (JSON, Schema, keccak, secp256k1 recovery) for one receipt envelope, in ms,
 * for each path; `rounds` distinct envelopes (distinct receipts) per path and mode, in 5 interleaved chunks.
 */
const validationCost = Effect.gen(function* () {
  const identity = Identity.make(Redacted.make(generatePrivateKey()));
  const envelopes = yield* Effect.forEach(
    Array.from({ length: rounds + 1 }, (_, i) => i),
    (i) =>
      Effect.gen(function* () {
        const unsigned: UnsignedEnvelope = {
          topic: Topics.receipts,
          version: 1,
          sender: identity.address,
          timestamp: Date.now(),
          seq: i,
          payload: encodePayload(Topics.receipts, yield* Effect.promise(() => signedReceipt(BigInt(1_000_000 + i)))),
        };
        return encodeEnvelope(unsigned, yield* identity.signDigest(envelopeDigest(unsigned)));
      }),
  );
  const paths: ReadonlyArray<{ readonly label: string; readonly inner: SignerRecovery }> = [
    { label: "old: viem recoverAddress (noble, JS)", inner: viemRecovery },
    ...(nativeRecovery === undefined ? [] : [{ label: "new: libsecp256k1 prebuilt addon", inner: nativeRecovery }]),
    { label: "new, fallback: @noble/curves direct (JS)", inner: jsRecovery },
  ];
  const base = { maxMessageBytes: 1 << 20, maxAgeMs: 3_600_000, maxFutureMs: 60_000 };
  const runs = paths.flatMap(({ label, inner }) =>
    [false, true].map((receipts) => {
      const recovery = fresh(inner);
      const rules = receipts
        ? { ...base, recovery, checkPayload: checkReceipts(fixtureDomain, recovery) }
        : { ...base, recovery };
      return { label, receipts, rules, seen: new SeenCache(100_000), cpuMs: 0, wallMs: 0 };
    }),
  );
  const chunks = 5;
  yield* Effect.promise(async () => {
    // one untimed envelope per run (its own receipt, never timed) warms up the JIT
    for (const run of runs)
      await validateEnvelope(Topics.receipts, envelopes[rounds]!, run.rules, run.seen, Date.now());
    for (let chunk = 0; chunk < chunks; chunk++) {
      const slice = envelopes.slice(Math.floor((chunk * rounds) / chunks), Math.floor(((chunk + 1) * rounds) / chunks));
      for (const run of runs) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        for (const bytes of slice) {
          const verdict = await validateEnvelope(Topics.receipts, bytes, run.rules, run.seen, Date.now());
          if (verdict.result !== "accept")
            throw new Error(`bench envelope not accepted on ${run.label}: ${verdict.result}`);
        }
        const cpu = process.cpuUsage(cpuStart);
        run.cpuMs += (cpu.user + cpu.system) / 1000;
        run.wallMs += performance.now() - start;
      }
    }
  });
  const costs = paths.map(({ label }): Cost => {
    const of = (receipts: boolean): PerEnvelope => {
      const run = runs.find((candidate) => candidate.label === label && candidate.receipts === receipts)!;
      return { cpu: run.cpuMs / rounds, wall: run.wallMs / rounds };
    };
    return { label, envelopeOnly: of(false), withReceipts: of(true) };
  });
  return { costs, bytes: envelopes[0]!.length };
});

/** CPU and wall ms per receipt for both EIP-712 digests, viem vs precomputed, `rounds × 10` distinct receipts. */
const eip712Cost = Effect.promise(async () => {
  // distinct messages (hashing does not look at the signatures, so one signed receipt with other nonces)
  const template = await signedReceipt(2_000_000n);
  const receipts = Array.from({ length: rounds * 10 }, (_, i) => ({
    request: { ...template.request, nonce: BigInt(2_000_000 + i) },
    receipt: { ...template.receipt, nonce: BigInt(2_000_000 + i) },
  }));
  const viaViem = (r: (typeof receipts)[number]) => [
    hashTypedData({ domain: fixtureDomain, types: requestTypes, primaryType: "Request", message: r.request }),
    hashTypedData({ domain: fixtureDomain, types: receiptTypes, primaryType: "Receipt", message: r.receipt }),
  ];
  const precomputed = (r: (typeof receipts)[number]) => [
    requestDigest(fixtureDomain, r.request),
    receiptDigest(fixtureDomain, r.receipt),
  ];
  const runs = [
    { label: "viem hashTypedData (before)", hash: viaViem, cpuMs: 0, wallMs: 0 },
    { label: "precomputed type + domain hashes (agents/protocol/receipt.ts)", hash: precomputed, cpuMs: 0, wallMs: 0 },
  ];
  for (const r of receipts.slice(0, 20)) {
    const [a, b] = [viaViem(r), precomputed(r)];
    if (a[0] !== b[0] || a[1] !== b[1]) throw new Error("EIP-712 digests differ between viem and the precomputed path");
  }
  const chunks = 5;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const slice = receipts.slice((chunk * receipts.length) / chunks, ((chunk + 1) * receipts.length) / chunks);
    for (const run of runs) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      for (const r of slice) run.hash(r);
      const cpu = process.cpuUsage(cpuStart);
      run.cpuMs += (cpu.user + cpu.system) / 1000;
      run.wallMs += performance.now() - start;
    }
  }
  return runs.map((run) => ({
    label: run.label,
    cpu: run.cpuMs / receipts.length,
    wall: run.wallMs / receipts.length,
  }));
});

const program = Effect.gen(function* () {
  const load = loadavg();
  const { costs, bytes } = yield* validationCost;
  const eip712 = yield* eip712Cost;
  const old = costs[0]!;
  const baseline = yield* measure(2, newPath);
  const network = yield* measure(nodeCount, newPath);
  const networkOld = yield* measure(nodeCount, viemRecovery);
  const ratio = (value: number, reference: number) => `${(reference / value).toFixed(1)}×`;
  const lines = [
    `load average at start ${load.map((x) => x.toFixed(1)).join(" / ")} (1 / 5 / 15 min); native addon: ${nativeRecovery === undefined ? `not loaded (${nativeLoadError})` : "loaded"}`,
    "",
    `validator cost per receipt envelope (${bytes} bytes), ${rounds} distinct envelopes per cell, interleaved in 5 chunks`,
    "",
    "| path | envelope signature only: CPU ms | wall ms | CPU speed-up | + receipt checks (3 recoveries): CPU ms | wall ms | CPU speed-up |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...costs.map((cost) => {
      const cells = [
        cost.label,
        cost.envelopeOnly.cpu.toFixed(3),
        cost.envelopeOnly.wall.toFixed(3),
        ratio(cost.envelopeOnly.cpu, old.envelopeOnly.cpu),
        cost.withReceipts.cpu.toFixed(3),
        cost.withReceipts.wall.toFixed(3),
        ratio(cost.withReceipts.cpu, old.withReceipts.cpu),
      ];
      return `| ${cells.join(" | ")} |`;
    }),
    "",
    `EIP-712 digests per receipt (Request + Receipt), ${rounds * 10} distinct receipts, interleaved in 5 chunks`,
    "",
    "| hashing | CPU µs | wall µs | CPU speed-up |",
    "|---|---:|---:|---:|",
    ...eip712.map(
      (e) =>
        `| ${e.label} | ${(e.cpu * 1000).toFixed(1)} | ${(e.wall * 1000).toFixed(1)} | ${ratio(e.cpu, eip712[0]!.cpu)} |`,
    ),
    "",
    `gossip propagation on loopback, one process, receipt checks on, heartbeat ${heartbeatMs} ms, a message every ${intervalMs} ms`,
    "",
    "| network | path | nodes | messages | delivered | p50 ms | p95 ms | max ms | mesh formed in s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    row(`baseline: one hop | ${newPath.backend}`, baseline),
    row(`mesh | ${newPath.backend}`, network),
    row("mesh | viem (old)", networkOld),
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
