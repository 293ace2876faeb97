/**
 * Agents benchmark: `npx tsx agents/bench/agents.ts [--receipts 200] [--batch 50] [--node-only] [--clients 64]
 *   [--workers N] [--in-thread-peer [--peer-last]]`
 *
 * On a local anvil mining a block a second (an L2 makes blocks whether or not anyone transacts, and
 * finality is judged by block time) with the protocol deployed (local preset), two attributors
 * and a challenger with real libp2p nodes on loopback. Measures, in one run:
 *
 * - intake: receipts/s accepted by an attributor's intake (signature checks, engine, store, gossip);
 * - through: receipts/s from the first intake to the last receipt sitting in a posted claim;
 *   baseline in the same run: σ alone (agents/sigma applyBatch) over the same transactions as posted;
 * - receipt → finalized: wall time from a receipt's intake to the ClaimFinalized of its claim, with
 *   the challenge window itself skipped by evm_increaseTime (the local preset's window is minutes);
 * - detection: wall time from a corrupted claim being mined to the challenger flagging it, and to the
 *   challenger winning the game; baseline: the agents' poll interval;
 * - one node, chain block time aside (first, and alone with `--node-only`): one attributor takes all the
 *   receipts (users of their own) and posts them in one claim; receipts/s from its first intake to its
 *   postClaim transaction sent (the node's own work) and to that claim mined; baseline in the same run:
 *   σ alone over exactly the posted batch.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Effect, Layer } from "effect";
import { createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { AgentEvent } from "../attributor/attributor.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { advanceTime, FEE, populate } from "../e2e/setup.ts";
import { signerRecovery } from "../identity/recover.ts";
import { makeFollower } from "../ledger/follower.ts";
import { ledgerAddresses, localChain, startNetwork } from "../network/network.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource, type SourcedReceipt } from "../receipts/source.ts";
import { splitBatch } from "../sigma/codec.ts";
import { applyBatch, Ledger } from "../sigma/sigma.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
/** A non-negative integer flag (0 allowed). */
const arg0 = (name: string) => {
  const value = Number(process.argv[process.argv.indexOf(`--${name}`) + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
};
const RECEIPTS = arg("receipts", 200);
const BATCH = arg("batch", 50);
/** `--node-only`: just the one-node run (chain block time aside), e.g. to profile it. */
const NODE_ONLY = process.argv.includes("--node-only");
/** Receipts in flight at once in the one-node run (clients of its intake; the network runs keep 8). */
const CLIENTS = arg("clients", 64);
/** `--in-thread-peer`: run the one-node run again with the intake's checks on the main thread (same run's peer). */
const IN_THREAD_PEER = process.argv.includes("--in-thread-peer");
/** Worker threads checking the one-node run's intake (default: the cores but one; 0: on the main thread). */
const WORKERS = process.argv.includes("--workers") ? arg0("workers") : undefined;
const POLL_MS = 250;

/** This thread's CPU time so far, in ms (user + system; other processes' load does not count). */
const threadCpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
/** CPU seconds the intake's worker threads spent, from an attributor's metrics. */
const workerCpuSeconds = (metrics: string) =>
  Number(/^poa_attributor_intake_worker_cpu_seconds_total (\S+)$/m.exec(metrics)?.[1] ?? 0);

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

const waitFor = (check: () => boolean | Promise<boolean>, what: string, ms: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("50 millis");
    }
  });

const program = Effect.gen(function* () {
  const protocol = yield* LocalProtocol;
  const { anvil, deployments } = protocol;
  const world = yield* populate(protocol, { users: 16, escrowPerUser: FEE * BigInt(RECEIPTS + 100) });
  // the network runs use users 0–7, the one-node run users 8–15: their nonce windows never meet
  const networkUsers = world.userKeys.slice(0, 8);
  const nodeUsers = world.userKeys.slice(8);
  const addresses = ledgerAddresses(deployments);
  const engine = fixtureEngine(world.contributionIds, 3);
  const source = makeReceiptSource({
    chainId: anvil.chainId,
    ledger: addresses.ledger,
    modelId: world.modelId,
    operatorKey: world.operatorKey,
    userKeys: networkUsers,
    fee: FEE,
    attributors: [ANVIL_KEYS[7], ANVIL_KEYS[8]].map((key) => privateKeyToAccount(key).address),
  });
  const receipts: SourcedReceipt[] = [];
  for (let i = 0; i < RECEIPTS; i++) receipts.push(yield* Effect.promise(() => source.answer(i, `q${i}`, `a${i}`)));

  // one node, chain block time aside: a single attributor takes every receipt through its intake and posts
  // them in one claim (maxBatch = all of them, nothing posted before the last arrives), timed from its first
  // intake to its postClaim transaction sent (the agent's own work: intake, σ, reads, signing) and to mined
  const runNode = (workers: number | undefined, firstNonce: bigint) =>
    Effect.scoped(
      Effect.gen(function* () {
        const nodeEvents: Array<AgentEvent & { readonly at: number; readonly cpu: number }> = [];
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine,
          attributorKeys: [ANVIL_KEYS[7]],
          challengerKeys: [],
          dataDir: mkdtempSync(path.join(tmpdir(), "poa-bench-node-")),
          maxBatch: RECEIPTS,
          maxWaitMs: 600_000,
          pollMs: POLL_MS,
          ...(workers === undefined ? {} : { intakeWorkers: workers }),
          onEvent: (e) => nodeEvents.push({ ...e, at: Date.now(), cpu: threadCpuMs() }),
        });
        const attributor = network.attributors[0]!;
        const follower = attributor.handle.follower;
        const nodeSource = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: world.modelId,
          operatorKey: world.operatorKey,
          userKeys: nodeUsers,
          fee: FEE,
          firstNonce,
          attributors: [privateKeyToAccount(ANVIL_KEYS[7]).address],
        });
        const nodeReceipts: SourcedReceipt[] = [];
        for (let i = 0; i < RECEIPTS; i++) {
          nodeReceipts.push(yield* Effect.promise(() => nodeSource.answer(i, `nq${i}`, `na${i}`)));
        }
        const head = yield* Effect.promise(() =>
          createPublicClient({ transport: http(anvil.rpcUrl) }).getBlockNumber(),
        );
        yield* waitFor(() => follower.lastBlock() >= head, "the node's follower to catch up", 120_000);
        const claimsBefore = follower.claims.size;
        const recoveriesBefore = signerRecovery.stats().misses;
        const workerCpuBefore = workerCpuSeconds(attributor.metrics.render());
        const cpuStart = threadCpuMs();
        const start = Date.now();
        yield* Effect.forEach(nodeReceipts, (r) => Effect.promise(() => attributor.submit(r)), {
          concurrency: CLIENTS,
          discard: true,
        });
        const intakeDone = Date.now();
        const cpuIntakeDone = threadCpuMs();
        const workerCpu = workerCpuSeconds(attributor.metrics.render()) - workerCpuBefore;
        yield* waitFor(() => nodeEvents.some((e) => e.kind === "claimPosted"), "the node's claim", 300_000);
        const sentEvent = nodeEvents.find((e) => e.kind === "claimSent")!;
        const sent = sentEvent.at;
        const mined = nodeEvents.find((e) => e.kind === "claimPosted")!.at;
        // recoveries computed on the main thread from the first intake to the claim sent (σ's included):
        // 0 when the intake's workers did them all and σ found them in the process-wide cache
        const mainRecoveries = signerRecovery.stats().misses - recoveriesBefore;
        yield* waitFor(() => follower.claims.size > claimsBefore, "the node's follower to read its claim", 60_000);
        const claim = [...follower.claims.values()].at(-1)!;
        // peer: σ alone over exactly the batch posted (entries included), from a fresh ledger, in the claim's context
        const txs = splitBatch(claim.batch);
        const sigmaStart = performance.now();
        const sigmaCpuStart = threadCpuMs();
        yield* Effect.promise(() => applyBatch(new Ledger(), claim.trace.ctx, claim.trace.registry, txs));
        const sigmaCpu = threadCpuMs() - sigmaCpuStart;
        return {
          /** CPU ms per receipt: main thread during the intake and the build, intake workers, σ alone. */
          cpu: {
            intake: (cpuIntakeDone - cpuStart) / RECEIPTS,
            build: (sentEvent.cpu - cpuIntakeDone) / RECEIPTS,
            workers: (workerCpu * 1000) / RECEIPTS,
            sigma: sigmaCpu / RECEIPTS,
          },
          intake: (intakeDone - start) / 1000,
          sent: (sent - start) / 1000,
          mined: (mined - start) / 1000,
          build: (sent - intakeDone) / 1000,
          sigma: (performance.now() - sigmaStart) / 1000,
          included: claim.receipts.length,
          mainRecoveries,
        };
      }),
    );
  // peer in the same run (--in-thread-peer): the same node with its intake's checks on the main thread, run
  // first (the measured run then starts with a warm process: add --peer-last for the other order)
  const peerFirst = IN_THREAD_PEER && !process.argv.includes("--peer-last");
  // (nonces rise from run to run: a lower nonce after a higher one would be a replay to σ)
  const early = peerFirst ? yield* runNode(0, 0n) : undefined;
  const node = yield* runNode(WORKERS, peerFirst ? 1_000_000n : 0n);
  const peer = peerFirst ? early : IN_THREAD_PEER ? yield* runNode(0, 1_000_000n) : undefined;
  const nodeRows = [
    [
      `one node, chain block time aside: first intake → postClaim sent (${node.included} receipts in one claim)`,
      `${(RECEIPTS / node.sent).toFixed(1)} receipts/s (intake ${node.intake.toFixed(2)} s + build ${node.build.toFixed(2)} s)`,
      `σ alone: ${(RECEIPTS / node.sigma).toFixed(1)} receipts/s`,
    ],
    [
      "one node: first intake → that claim mined (1 s blocks)",
      `${(RECEIPTS / node.mined).toFixed(1)} receipts/s`,
      `intake alone: ${(RECEIPTS / node.intake).toFixed(1)} receipts/s`,
    ],
    ...(peer === undefined
      ? []
      : [
          [
            "peer: the same node, intake checks on the main thread (intakeWorkers 0): first intake → postClaim sent",
            `${(RECEIPTS / peer.sent).toFixed(1)} receipts/s (intake ${peer.intake.toFixed(2)} s + build ${peer.build.toFixed(2)} s)`,
            `σ alone: ${(RECEIPTS / peer.sigma).toFixed(1)} receipts/s; intake alone: ${(RECEIPTS / peer.intake).toFixed(1)} receipts/s`,
          ],
        ]),
  ];
  const cpuRow = (label: string, run: typeof node) => {
    const main = run.cpu.intake + run.cpu.build;
    return [
      `${label}: CPU per receipt, main thread (intake + build) / intake workers`,
      `${run.cpu.intake.toFixed(3)} + ${run.cpu.build.toFixed(3)} = ${main.toFixed(3)} ms / ${run.cpu.workers.toFixed(3)} ms → ` +
        `${(1000 / main).toFixed(0)} receipts/s for the main thread`,
      `σ alone: ${run.cpu.sigma.toFixed(3)} ms (${(1000 / run.cpu.sigma).toFixed(0)} receipts/s)`,
    ];
  };
  nodeRows.push(cpuRow("one node", node));
  if (peer !== undefined) nodeRows.push(cpuRow("peer (checks on the main thread)", peer));
  if (NODE_ONLY) {
    console.log(
      `\n${RECEIPTS} receipts, one attributor, one claim, ${CLIENTS} in flight, intake workers: ${WORKERS ?? "default"}; ` +
        `signatures recovered on the main thread: ${node.mainRecoveries}` +
        (peer === undefined ? "" : ` (peer: ${peer.mainRecoveries}, run ${peerFirst ? "first" : "last"})`) +
        "\n",
    );
    console.log("| measure | result | baseline (same run) |\n|---|---|---|");
    for (const [a, b, c] of nodeRows) console.log(`| ${a} | ${b} | ${c} |`);
    return;
  }

  const events: Array<AgentEvent & { readonly at: number }> = [];
  // phase 1 in its own scope: its agents stop before the fraud phase reuses their keys
  const measured = yield* Effect.scoped(
    Effect.gen(function* () {
      const network = yield* startNetwork({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployments,
        engine,
        dataDir: mkdtempSync(path.join(tmpdir(), "poa-bench-")),
        maxBatch: BATCH,
        maxWaitMs: 500,
        pollMs: POLL_MS,
        onEvent: (e) => events.push({ ...e, at: Date.now() }),
      });
      const chain = localChain(anvil.chainId, anvil.rpcUrl);
      const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
      const follower = yield* makeFollower(client, anvil.chainId, addresses);

      // intake → posted (the one-node run's claim came before: not counted)
      yield* follower.sync;
      const before = new Set(follower.claims.keys());
      const ours = () => [...follower.claims.values()].filter((c) => !before.has(c.id));
      const submittedAt = new Map<string, number>();
      const start = Date.now();
      yield* Effect.forEach(
        receipts,
        (r, i) =>
          Effect.promise(async () => {
            submittedAt.set(`${r.receipt.request.user.toLowerCase()}|${r.receipt.request.nonce}`, Date.now());
            await network.attributors[i % 2]!.submit(r);
          }),
        { concurrency: 8, discard: true },
      );
      const intakeSeconds = (Date.now() - start) / 1000;
      const included = () => ours().reduce((n, c) => n + c.receipts.length, 0);
      yield* waitFor(
        async () => {
          await Effect.runPromise(follower.sync);
          return included() >= RECEIPTS;
        },
        "every receipt posted",
        300_000,
      );
      const throughSeconds = (Date.now() - start) / 1000;

      // baseline: σ alone over the same transactions, as posted (entries included), from a fresh ledger
      const claim = ours()[0]!;
      const txs = ours().flatMap((c) => splitBatch(c.batch));
      const sigmaStart = performance.now();
      yield* Effect.promise(() => applyBatch(new Ledger(), claim.trace.ctx, claim.trace.registry, txs));
      const sigmaSeconds = (performance.now() - sigmaStart) / 1000;

      // receipt → finalized: the window itself is skipped (evm_increaseTime) and reported apart
      const windowSeconds = Number(follower.params.challengeWindow);
      yield* advanceTime(anvil.rpcUrl, windowSeconds);
      const finalizedAt = new Map<bigint, number>();
      yield* waitFor(
        async () => {
          await Effect.runPromise(follower.sync);
          for (const c of follower.claims.values())
            if (c.status === "final" && !finalizedAt.has(c.id)) finalizedAt.set(c.id, Date.now());
          return [...follower.claims.values()].every((c) => c.status === "final");
        },
        "every claim final",
        300_000,
      );
      const latencies: number[] = [];
      for (const c of follower.claims.values()) {
        for (const r of c.receipts) {
          const at = submittedAt.get(`${r.user.toLowerCase()}|${r.nonce}`);
          const done = finalizedAt.get(c.id);
          if (at !== undefined && done !== undefined) latencies.push((done - at) / 1000);
        }
      }

      return { intakeSeconds, throughSeconds, sigmaSeconds, latencies, windowSeconds, claims: ours().length };
    }),
  );
  const { intakeSeconds, throughSeconds, sigmaSeconds, latencies, windowSeconds } = measured;

  // detection: a second network whose attributor corrupts its first claim
  const fraud = yield* startNetwork({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployments,
    engine,
    attributorKeys: [ANVIL_KEYS[7]],
    challengerKeys: [ANVIL_KEYS[9]],
    dataDir: mkdtempSync(path.join(tmpdir(), "poa-bench-fraud-")),
    maxBatch: 5,
    maxWaitMs: 200,
    pollMs: POLL_MS,
    corrupt: { attributor: 0, claim: 1 },
    onEvent: (e) => events.push({ ...e, at: Date.now() }),
  });
  const fraudSource = makeReceiptSource({
    chainId: anvil.chainId,
    ledger: addresses.ledger,
    modelId: world.modelId,
    operatorKey: world.operatorKey,
    userKeys: networkUsers,
    fee: FEE,
    firstNonce: 1_000_000n,
  });
  for (let i = 0; i < 5; i++) {
    const r = yield* Effect.promise(() => fraudSource.answer(i, `fq${i}`, `fa${i}`));
    yield* Effect.promise(() => fraud.attributors[0]!.submit(r));
  }
  yield* waitFor(() => fraud.challengers[0]!.games().length > 0, "the game to end", 120_000);
  const posted = events.find((e) => e.kind === "claimPosted" && e.corrupt);
  const flagged = events.find((e) => e.kind === "badClaim");
  const won = events.find((e) => e.kind === "game" && e.status === "won");
  const detection = posted && flagged ? (flagged.at - posted.at) / 1000 : Number.NaN;
  const toWin = posted && won ? (won.at - posted.at) / 1000 : Number.NaN;

  const rows = [
    ["receipts through the intake (2 attributors)", `${(RECEIPTS / intakeSeconds).toFixed(1)} receipts/s`, "—"],
    [
      "receipts: first intake → last receipt in a posted claim",
      `${(RECEIPTS / throughSeconds).toFixed(1)} receipts/s`,
      `σ alone: ${(RECEIPTS / sigmaSeconds).toFixed(1)} receipts/s`,
    ],
    [
      "receipt → finalized, window skipped (add the window for wall time)",
      `p50 ${percentile(latencies, 50).toFixed(1)} s, p95 ${percentile(latencies, 95).toFixed(1)} s`,
      `window ${windowSeconds} s (local preset)`,
    ],
    ...nodeRows,
    ["challenger detection (claim mined → flagged)", `${detection.toFixed(2)} s`, `poll interval ${POLL_MS / 1000} s`],
    ["claim mined → challenger wins the game", `${toWin.toFixed(2)} s`, "—"],
  ];
  console.log(`\n${RECEIPTS} receipts, batches of ${BATCH}, ${measured.claims} claims\n`);
  console.log("| measure | result | baseline (same run) |\n|---|---|---|");
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
});

Effect.runPromise(Effect.scoped(program.pipe(Effect.provide(Layer.fresh(LocalProtocol.layer({ blockTime: 1 })))))).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
