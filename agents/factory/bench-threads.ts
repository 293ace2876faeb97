/**
 * `--threads`, measured: one training batch (B sequences of T tokens, forward + LoRA backward) on the
 * "wider" test model, in this thread (the baseline: what `--threads 1` does) against the worker pool
 * (pool.ts) with 1, 2 and 4 workers, in the same run; checks the pool's gradients equal the baseline's.
 *
 *   npx tsx agents/factory/bench-threads.ts [--batch 8] [--seq 64] [--reps 5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { prng, TINY_LLAMA, writeTinyLlama } from "../operator/testModel.ts";
import { loadBase } from "./base.ts";
import { loraLayout, runSequence } from "./llama.ts";
import { makeGradPool } from "./pool.ts";

const { values } = parseArgs({
  options: {
    batch: { type: "string", default: "8" },
    seq: { type: "string", default: "64" },
    reps: { type: "string", default: "5" },
  },
});
const B = Number(values.batch);
const T = Number(values.seq);
const reps = Number(values.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => unknown) => {
  await f();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    out.push(performance.now() - t0);
  }
  return median(out);
};

const dir = mkdtempSync(join(tmpdir(), "factory-bench-threads-"));
try {
  const modelDir = join(dir, "wider");
  await writeTinyLlama(modelDir, { ...TINY_LLAMA, hiddenSize: 256, numLayers: 4, numHeads: 8, intermediateSize: 688 });
  const base = loadBase(modelDir);
  const layout = loraLayout(base, ["q_proj", "v_proj"], 8, 16);
  const rand = prng(1);
  const params = Float64Array.from({ length: layout.size }, () => (rand() - 0.5) * 0.1);
  const sequences = Array.from({ length: B }, () => ({
    tokens: Int32Array.from({ length: T }, () => Math.floor(rand() * 256)),
    weights: new Float64Array(T - 1).fill(1 / (T - 1)),
  }));
  const inThread = () => sequences.map((s) => runSequence(base, layout, params, s.tokens, s.weights, { grad: true }));
  const reference = inThread();
  const baseline = await time(inThread);
  const rows = [`| in this thread (baseline) | ${baseline.toFixed(0)} ms | 1.00× | – |`];
  for (const threads of [1, 2, 4]) {
    const pool = makeGradPool(base, layout, threads);
    try {
      const first = await pool.each(params, sequences);
      const same = first.grads.every((g, i) => g.every((x, j) => x === reference[i]!.grad![j]));
      const ms = await time(() => pool.each(params, sequences));
      rows.push(
        `| pool, ${threads} worker(s) | ${ms.toFixed(0)} ms | ${(baseline / ms).toFixed(2)}× | ${same ? "yes" : "NO"} |`,
      );
    } finally {
      await pool.close();
    }
  }
  console.log(
    `one batch: ${B} sequences × ${T} tokens, wider model (hidden 256, 4 layers), LoRA q/v r 8; median of ${reps}; ` +
      `${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)}\n`,
  );
  console.log("| gradients computed | time per batch | speed-up vs baseline | bit-identical |");
  console.log("|---|---|---|---|");
  for (const row of rows) console.log(row);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
