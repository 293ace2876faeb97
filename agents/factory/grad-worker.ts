/**
 * Worker-thread entry of the factory's gradient pool (pool.ts): loads the base model once, then
 * answers batches of sequences with their losses and LoRA gradients (llama.ts), each computed exactly
 * as in the calling thread (same code, same float64 operations in the same order).
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadBase } from "./base.ts";
import { loraLayout, runSequence } from "./llama.ts";
import type { GradTask, GradWorkerData } from "./pool.ts";

const port = parentPort;
if (port !== null) {
  const data = workerData as GradWorkerData;
  const base = loadBase(data.baseDir);
  const layout = loraLayout(base, data.targets, data.rank, data.alpha);
  port.on("message", (task: GradTask) => {
    try {
      const losses = new Float64Array(task.sequences.length);
      const grads: Float64Array[] = [];
      let sum: Float64Array | null = task.sum ? new Float64Array(layout.size) : null;
      task.sequences.forEach((seq, i) => {
        const r = runSequence(base, layout, task.params, seq.tokens, seq.weights, { grad: true });
        losses[i] = r.loss;
        if (sum !== null) {
          const g = r.grad!;
          for (let j = 0; j < g.length; j++) sum[j]! += g[j]!;
        } else grads.push(r.grad!);
      });
      const out = sum !== null ? [sum] : grads;
      port.postMessage({ id: task.id, ok: true, losses, grads: out }, [
        losses.buffer as ArrayBuffer,
        ...out.map((g) => g.buffer as ArrayBuffer),
      ]);
      sum = null;
    } catch (cause) {
      port.postMessage({ id: task.id, ok: false, message: cause instanceof Error ? cause.message : String(cause) });
    }
  });
}
