/**
 * `--threads` for the factory: a pool of worker threads (grad-worker.ts), each holding the base model,
 * that compute sequences' losses and LoRA gradients. Work is cut into contiguous runs of sequences, one
 * per worker, and the results are put back in sequence order, so every sum the caller makes over them
 * is the same float64 sum in the same order as with one thread: results are identical for every thread
 * count (tested in threads.test.ts), not only for a given one.
 */
import { Worker } from "node:worker_threads";
import type { LlamaBase } from "./base.ts";
import type { LoraLayout } from "./llama.ts";

export interface GradWorkerData {
  readonly baseDir: string;
  readonly targets: ReadonlyArray<string>;
  readonly rank: number;
  readonly alpha: number;
}

export interface Sequence {
  readonly tokens: Int32Array;
  /** [T − 1] weights of the predictions (llama.ts runSequence). */
  readonly weights: Float64Array;
}

export interface GradTask {
  readonly id: number;
  readonly params: Float64Array;
  readonly sequences: ReadonlyArray<Sequence>;
  /** One gradient summed over the sequences (in order) instead of one per sequence. */
  readonly sum: boolean;
}

type GradReply =
  | { readonly id: number; readonly ok: true; readonly losses: Float64Array; readonly grads: Float64Array[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

export interface GradPool {
  readonly threads: number;
  /** Each sequence's loss and gradient at `params`, in order. */
  readonly each: (
    params: Float64Array,
    sequences: ReadonlyArray<Sequence>,
  ) => Promise<{ readonly losses: Float64Array; readonly grads: ReadonlyArray<Float64Array> }>;
  /**
   * For each group, the float64 sum of its sequences' gradients in order (one group per task: the
   * groups are spread over the workers).
   */
  readonly sums: (params: Float64Array, groups: ReadonlyArray<ReadonlyArray<Sequence>>) => Promise<Float64Array[]>;
  readonly close: () => Promise<void>;
}

/** Splits 0 … n − 1 into `parts` contiguous runs of near-equal size (empty runs dropped). */
const runs = (n: number, parts: number): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < parts; k++) {
    const start = Math.floor((k * n) / parts);
    const end = Math.floor(((k + 1) * n) / parts);
    if (end > start) out.push([start, end]);
  }
  return out;
};

export const makeGradPool = (base: LlamaBase, layout: LoraLayout, threads: number): GradPool => {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`--threads must be a positive integer, got ${threads}`);
  const data: GradWorkerData = { baseDir: base.dir, targets: layout.modules, rank: layout.rank, alpha: layout.alpha };
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL("./grad-worker.ts", import.meta.url), { execArgv: ["--import", "tsx"], workerData: data }),
  );
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: GradReply) => void; reject: (e: Error) => void }>();
  for (const w of workers) {
    w.on("message", (reply: GradReply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      p?.resolve(reply);
    });
    const failAll = (message: string) => {
      for (const p of pending.values()) p.reject(new Error(message));
      pending.clear();
    };
    w.on("error", (e) => failAll(`gradient worker failed: ${e.message}`));
    w.on("exit", (code) => {
      if (code !== 0) failAll(`gradient worker exited with code ${code}`);
    });
  }
  let next = 0;
  let closed = false;
  const call = (params: Float64Array, sequences: ReadonlyArray<Sequence>, sum: boolean) =>
    new Promise<{ losses: Float64Array; grads: Float64Array[] }>((resolve, reject) => {
      if (closed) return reject(new Error("the gradient pool is closed"));
      const id = nextId++;
      pending.set(id, {
        resolve: (r) => (r.ok ? resolve({ losses: r.losses, grads: r.grads }) : reject(new Error(r.message))),
        reject,
      });
      const worker = workers[next]!;
      next = (next + 1) % workers.length;
      worker.postMessage({ id, params, sequences, sum } satisfies GradTask);
    });
  return {
    threads,
    each: async (params, sequences) => {
      const parts = await Promise.all(
        runs(sequences.length, threads).map(([a, b]) => call(params, sequences.slice(a, b), false)),
      );
      const losses = new Float64Array(sequences.length);
      let at = 0;
      for (const p of parts) {
        losses.set(p.losses, at);
        at += p.losses.length;
      }
      return { losses, grads: parts.flatMap((p) => p.grads) };
    },
    sums: async (params, groups) => {
      const parts = await Promise.all(groups.map((g) => call(params, g, true)));
      return parts.map((p) => p.grads[0]!);
    },
    close: async () => {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
};
