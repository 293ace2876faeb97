/**
 * TS σ throughput with witnesses: `npm run bench:sigma -- [--txs 2000] [--entries 8] [--payers 100] [--rounds 3]`
 *
 * Applies a batch of really signed Attribute transactions (8 entries each, `--payers` users, 4 operators,
 * 64 contributions) from genesis with applyBatch, which checks both signatures per transaction and
 * produces every step's pre/post state and witnesses. In the same run, the peer is the straightforward
 * σ kept in agents/sigma/reference/ (the implementation before issue 19). Each implementation gets its
 * own set of receipts (same shape, different seeds) so that neither is helped by the other having
 * filled the process-wide signature-recovery cache; rounds alternate peer and fast on fresh sets.
 * Signing is not counted. Reports wall and CPU time (the machine is shared: compare the ratio).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { toHex } from "viem";
import { claimTransactions, encodeBatch } from "../sigma/codec.ts";
import * as reference from "../sigma/reference/sigma.ts";
import { applyBatch, commitment, Ledger, type SigmaContext } from "../sigma/sigma.ts";
import { accountOf, prng, randomEntries, signAttribute } from "../sigma/vectors.ts";
import { benchRegistry } from "./registry.ts";

const { values } = parseArgs({
  options: {
    txs: { type: "string", default: "2000" },
    entries: { type: "string", default: "8" },
    payers: { type: "string", default: "100" },
    rounds: { type: "string", default: "2" },
    "peer-txs": { type: "string" },
  },
});
const positive = (name: string, value: string | undefined, fallback: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const TXS = positive("txs", values.txs, 2000);
const ENTRIES = positive("entries", values.entries, 8);
const PAYERS = positive("payers", values.payers, 100);
const ROUNDS = positive("rounds", values.rounds, 2);
/** The peer is ~30× slower: by default it runs a tenth of the batch (its rate does not depend on the size). */
const PEER_TXS = positive("peer-txs", values["peer-txs"], Math.max(1, Math.floor(TXS / 10)));
if (ENTRIES > 8) throw new Error("--entries must be at most 8 (MAX_ENTRIES_LIMIT)");

const CONTRIBUTIONS = 64;
const { registry, ids } = benchRegistry(CONTRIBUTIONS);
const ctx: SigmaContext = {
  chainId: 31_337,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  protocol: accountOf("bench-protocol").address,
  referenceTime: 10n,
  maxEntries: 8,
};

const batchOf = async (count: number, seed: number) => {
  const rng = prng(seed);
  const txs = [];
  for (let i = 0; i < count; i++) {
    const fee = BigInt(1_000_000 + rng.below(1_000_000_000));
    txs.push(
      await signAttribute(ctx, {
        user: `bench-user-${i % PAYERS}`,
        operator: `bench-operator-${i % 4}`,
        attributor: "bench-attributor",
        modelId: 1n,
        requestHash: toHex(rng.big(256), { size: 32 }),
        outputHash: toHex(rng.big(256), { size: 32 }),
        maxFee: fee,
        fee,
        nonce: BigInt(seed * 1_000_000 + Math.floor(i / PAYERS)),
        deadline: 1n << 40n,
        entries: randomEntries(rng, ids, ENTRIES),
      }),
    );
  }
  return claimTransactions(encodeBatch(txs), []);
};

interface Run {
  readonly txs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

const measure = async (apply: () => Promise<{ post: unknown }>, txs: number): Promise<Run> => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await apply();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { txs, wallMs, cpuMs: (used.user + used.system) / 1000 };
};

const signStart = performance.now();
const sets: Array<{ peer: Uint8Array[]; fast: Uint8Array[] }> = [];
for (let r = 0; r < ROUNDS; r++) {
  sets.push({ peer: await batchOf(PEER_TXS, 1000 + 2 * r), fast: await batchOf(TXS, 1001 + 2 * r) });
}
const signMs = performance.now() - signStart;
// warm-up on a small separate batch (JIT, the wasm module), both implementations
{
  const warm = await batchOf(50, 999);
  const a = await reference.applyBatch(new reference.Ledger(), ctx, registry, warm);
  const b = await applyBatch(new Ledger(), ctx, registry, warm);
  if (commitment(a.post) !== commitment(b.post)) throw new Error("fast σ and the reference disagree (warm-up)");
}

const load = loadavg()[0]!;
const peerRuns: Run[] = [];
const fastRuns: Run[] = [];
for (const set of sets) {
  peerRuns.push(await measure(() => reference.applyBatch(new reference.Ledger(), ctx, registry, set.peer), PEER_TXS));
  let result: Awaited<ReturnType<typeof applyBatch>> | undefined;
  fastRuns.push(
    await measure(async () => {
      result = await applyBatch(new Ledger(), ctx, registry, set.fast);
      return result;
    }, TXS),
  );
  if (result?.steps.some((s) => s.outcome !== 0)) throw new Error("the batch holds invalid transactions");
}

const best = (runs: Run[], key: "wallMs" | "cpuMs") => Math.min(...runs.map((r) => r[key] / r.txs));
const rate = (msPerTx: number) => (1000 / msPerTx).toFixed(0);
const peerWall = best(peerRuns, "wallMs");
const peerCpu = best(peerRuns, "cpuMs");
const fastWall = best(fastRuns, "wallMs");
const fastCpu = best(fastRuns, "cpuMs");
console.log(
  `\nTS σ with witnesses: ${ENTRIES} entries per Attribute, ${PAYERS} payers, best of ${ROUNDS} rounds; load average ${load.toFixed(1)} at start (${loadavg()[0]!.toFixed(1)} at end); signing ${(signMs / 1000).toFixed(1)} s, not counted\n`,
);
console.log(
  "| implementation | transactions | ms / tx (wall) | tx/s (wall) | ms / tx (CPU) | tx/s (CPU) | speed-up (CPU) |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|");
console.log(
  `| reference σ (before, peer) | ${PEER_TXS} | ${peerWall.toFixed(3)} | ${rate(peerWall)} | ${peerCpu.toFixed(3)} | ${rate(peerCpu)} | 1× |`,
);
console.log(
  `| fast σ (agents/sigma) | ${TXS} | ${fastWall.toFixed(3)} | ${rate(fastWall)} | ${fastCpu.toFixed(3)} | ${rate(fastCpu)} | ${(peerCpu / fastCpu).toFixed(1)}× |`,
);
