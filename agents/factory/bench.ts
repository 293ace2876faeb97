/**
 * Why the factory's gradients are TypeScript, measured: per training example (one sequence of T tokens,
 * batch 1, one thread), ONNX Runtime's forward pass of the exported base graph (full-sequence logits,
 * the cheapest thing an ORT gradient graph would also have to do) against our TypeScript forward and
 * forward + backward over the LoRA factors, for the operator's tiny test model and a wider one.
 *
 *   npx tsx agents/factory/bench.ts [--seq 64] [--reps 20]
 *
 * Prints a markdown table (median ms per sequence and the ratio to ORT's forward in the same run).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { prng, TINY_LLAMA, type TinyLlamaConfig, writeTinyLlama } from "../operator/testModel.ts";
import { loadBase } from "./base.ts";
import { loraLayout, runSequence } from "./llama.ts";

const { values } = parseArgs({
  options: { seq: { type: "string", default: "64" }, reps: { type: "string", default: "20" } },
});
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

const configs: ReadonlyArray<[string, TinyLlamaConfig]> = [
  ["tiny (hidden 32, 2 layers)", TINY_LLAMA],
  [
    "wider (hidden 256, 4 layers, MLP 688)",
    { ...TINY_LLAMA, hiddenSize: 256, numLayers: 4, numHeads: 8, intermediateSize: 688 },
  ],
];

const dir = mkdtempSync(join(tmpdir(), "factory-bench-"));
const rows: string[] = [];
try {
  for (const [name, cfg] of configs) {
    const modelDir = join(dir, name.split(" ")[0]!);
    await writeTinyLlama(modelDir, cfg);
    const base = loadBase(modelDir);
    const session = await ort.InferenceSession.create(join(modelDir, "model.onnx"), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
    const rand = prng(1);
    const ids = Array.from({ length: T }, () => Math.floor(rand() * 256));
    const hd = cfg.hiddenSize / cfg.numHeads;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, T]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(T).fill(1n), [1, T]),
      position_ids: new ort.Tensor(
        "int64",
        BigInt64Array.from(ids, (_, i) => BigInt(i)),
        [1, T],
      ),
    };
    for (let l = 0; l < cfg.numLayers; l++) {
      for (const kv of ["key", "value"]) {
        feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [1, cfg.numHeads, 0, hd]);
      }
    }
    const layout = loraLayout(base, ["q_proj", "v_proj"], 8, 16);
    const params = Float64Array.from({ length: layout.size }, () => (rand() - 0.5) * 0.1);
    const weights = new Float64Array(T - 1).fill(1 / (T - 1));
    const ortFwd = await time(() => session.run(feeds));
    const tsFwd = await time(() => runSequence(base, layout, params, ids, weights));
    const tsBoth = await time(() => runSequence(base, layout, params, ids, weights, { grad: true }));
    await session.release();
    const r = (x: number) => `${x.toFixed(2)} ms (${(x / ortFwd).toFixed(1)}×)`;
    rows.push(`| ${name} | ${ortFwd.toFixed(2)} ms (1.0×) | ${r(tsFwd)} | ${r(tsBoth)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`T = ${T} tokens, batch 1, 1 thread, median of ${reps}; load average ${loadavg()[0]!.toFixed(2)}\n`);
console.log("| model | ORT forward (baseline) | TS forward | TS forward + LoRA backward |");
console.log("|---|---|---|---|");
for (const row of rows) console.log(row);
