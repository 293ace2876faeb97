/**
 * TS σ throughput with witnesses:
 * `npm run bench:sigma -- [--txs 2000] [--entries 8,32] [--payers 100] [--rounds 2] [--peer-txs N] [--prefill 0]`
 *
 * Applies a batch of really signed Attribute transactions (`--entries` entries each, `--payers` users,
 * 4 operators, 64 contributions) from genesis (or from a tree pre-filled with `--prefill` random
 * accounts, not counted) with applyBatch, which checks both signatures per transaction and produces every
 * step's pre/post state and witnesses. The peer, in the same run and through the same σ code, is the
 * accounts tree before issue 19 (the depth-160 sparse Merkle tree, kept for this bench only in
 * ./legacy-tree.ts): the two rows differ by the tree alone. Each tree gets its own set of receipts
 * (same shape, different seeds) so that neither is helped by the other having filled the process-wide
 * signature-recovery cache; rounds alternate peer and new on fresh sets. Signing is not counted.
 * Reports wall and CPU time (the machine is shared: compare the ratio).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type Address, toHex } from "viem";
import { claimTransactions, encodeBatch } from "../sigma/codec.ts";
import { applyBatch, Ledger, MAX_ENTRIES_LIMIT, type SigmaContext } from "../sigma/sigma.ts";
import { AccountsTree, type Tree } from "../sigma/tree.ts";
import { accountOf, prng, randomEntries, signAttribute } from "../sigma/vectors.ts";
import { LegacyAccountsTree } from "./legacy-tree.ts";
import { benchRegistry } from "./registry.ts";

const { values } = parseArgs({
  options: {
    txs: { type: "string", default: "2000" },
    entries: { type: "string", default: "8,32" },
    payers: { type: "string", default: "100" },
    rounds: { type: "string", default: "2" },
    "peer-txs": { type: "string" },
    prefill: { type: "string", default: "0" },
  },
});
const integer = (name: string, value: string | undefined, fallback: number, min = 1) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
};
const TXS = integer("txs", values.txs, 2000);
const ENTRIES = (values.entries ?? "8,32").split(",").map((e) => integer("entries", e, 8));
const PAYERS = integer("payers", values.payers, 100);
const ROUNDS = integer("rounds", values.rounds, 2);
/** The peer is several times slower: by default it runs a quarter of the batch (its rate does not depend on the size). */
const PEER_TXS = integer("peer-txs", values["peer-txs"], Math.max(1, Math.floor(TXS / 4)));
const PREFILL = integer("prefill", values.prefill, 0, 0);
if (ENTRIES.some((k) => k > MAX_ENTRIES_LIMIT)) throw new Error(`--entries must be at most ${MAX_ENTRIES_LIMIT}`);

const CONTRIBUTIONS = 64;
const { registry, ids } = benchRegistry(CONTRIBUTIONS);
const context = (entries: number): SigmaContext => ({
  chainId: 31_337,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  protocol: accountOf("bench-protocol").address,
  referenceTime: 10n,
  maxEntries: entries,
});

const batchOf = async (ctx: SigmaContext, count: number, seed: number) => {
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
        entries: randomEntries(rng, ids, ctx.maxEntries),
      }),
    );
  }
  return claimTransactions(encodeBatch(txs), []);
};

/** A tree with `PREFILL` random accounts (earned = 1), the same keys in both kinds of tree. */
const prefilled = (tree: Tree): Tree => {
  const rng = prng(0xf111);
  for (let i = 0; i < PREFILL; i++) {
    tree.set(`0x${rng.big(160).toString(16).padStart(40, "0")}` as Address, {
      earned: 1n,
      charged: 0n,
      nonceBase: 0n,
      nonceBitmap: 0n,
    });
  }
  return tree;
};

interface Run {
  readonly txs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

const measure = async (
  tree: Tree,
  ctx: SigmaContext,
  txs: ReadonlyArray<Uint8Array>,
): Promise<{ run: Run; ledger: Ledger }> => {
  const ledger = new Ledger(tree);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await applyBatch(ledger, ctx, registry, txs);
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (result.steps.some((s) => s.outcome !== 0)) throw new Error("the batch holds invalid transactions");
  return { run: { txs: txs.length, wallMs, cpuMs: (used.user + used.system) / 1000 }, ledger };
};

const best = (runs: Run[], key: "wallMs" | "cpuMs") => Math.min(...runs.map((r) => r[key] / r.txs));
const rate = (msPerTx: number) => (1000 / msPerTx).toFixed(0);
const startLoad = loadavg()[0]!;
const rows: string[] = [];
let signMs = 0;
const baseNew = prefilled(new AccountsTree());
const baseOld = prefilled(new LegacyAccountsTree());

for (const [e, entries] of ENTRIES.entries()) {
  const ctx = context(entries);
  const signStart = performance.now();
  const sets: Array<{ peer: Uint8Array[]; fresh: Uint8Array[] }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const seed = 1000 + 100 * e + 2 * r;
    sets.push({ peer: await batchOf(ctx, PEER_TXS, seed), fresh: await batchOf(ctx, TXS, seed + 1) });
  }
  signMs += performance.now() - signStart;
  // warm-up on a small separate batch (JIT, the wasm module): both trees, same σ outcomes and totals
  {
    const warm = await batchOf(ctx, 30, 999 + e);
    const a = await measure(baseOld.clone(), ctx, warm);
    const b = await measure(baseNew.clone(), ctx, warm);
    if (a.ledger.totalCredited !== b.ledger.totalCredited) throw new Error("the two trees' σ runs disagree (warm-up)");
  }
  const peerRuns: Run[] = [];
  const newRuns: Run[] = [];
  for (const set of sets) {
    peerRuns.push((await measure(baseOld.clone(), ctx, set.peer)).run);
    newRuns.push((await measure(baseNew.clone(), ctx, set.fresh)).run);
  }
  const peerWall = best(peerRuns, "wallMs");
  const peerCpu = best(peerRuns, "cpuMs");
  const newWall = best(newRuns, "wallMs");
  const newCpu = best(newRuns, "cpuMs");
  rows.push(
    `| ${entries} | depth-160 SMT (before, peer) | ${PEER_TXS} | ${peerWall.toFixed(3)} | ${rate(peerWall)} | ${peerCpu.toFixed(3)} | ${rate(peerCpu)} | 1× |`,
    `| ${entries} | compact SMT (agents/sigma/tree.ts) | ${TXS} | ${newWall.toFixed(3)} | ${rate(newWall)} | ${newCpu.toFixed(3)} | **${rate(newCpu)}** | **${(peerCpu / newCpu).toFixed(1)}×** |`,
  );
}

console.log(
  `\nTS σ with witnesses: ${PAYERS} payers, ${PREFILL} accounts pre-filled, best of ${ROUNDS} rounds; load average ${startLoad.toFixed(1)} at start (${loadavg()[0]!.toFixed(1)} at end); signing ${(signMs / 1000).toFixed(1)} s, not counted\n`,
);
console.log(
  "| entries | accounts tree | transactions | ms / tx (wall) | tx/s (wall) | ms / tx (CPU) | tx/s (CPU) | speed-up (CPU) |",
);
console.log("|---:|---|---:|---:|---:|---:|---:|---:|");
for (const row of rows) console.log(row);
