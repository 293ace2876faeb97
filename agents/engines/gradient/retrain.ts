/**
 * A pool of worker threads that retrain a small model on subsets of its training rows (leave-one-out,
 * random halves for the linear datamodeling score), each worker with its own ONNX Runtime session
 * (1 intra-op thread), so retrainings run in parallel on the machine's cores. Results do not depend
 * on the number of workers: each job is the same deterministic full-batch training run.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ModelSpec } from "./models.ts";
import type { TrainConfig } from "./train.ts";

export interface RetrainSetup {
  /** The model family (for the batch training graph) and its gradient graph (for the test losses). */
  readonly spec: ModelSpec;
  readonly gradientGraph: Uint8Array;
  /** Training rows [n, D] and labels. */
  readonly features: Float32Array;
  readonly labels: ReadonlyArray<number>;
  /** Test rows [T, D] and labels: a job returns their losses after training. */
  readonly testFeatures: Float32Array;
  readonly testLabels: ReadonlyArray<number>;
}

export interface RetrainJob {
  /** Training rows to keep, in order. */
  readonly keep: Int32Array;
  readonly init: Float32Array;
  readonly config: TrainConfig;
}

type Reply =
  | { kind: "ready" }
  | { kind: "done"; id: number; losses: Float32Array }
  | { kind: "error"; id: number; message: string };

const tsxLoader = import.meta.resolve("tsx");

export class RetrainPool {
  private constructor(private readonly workers: ReadonlyArray<Worker>) {}

  static create(size = Math.max(1, availableParallelism())): RetrainPool {
    return new RetrainPool(
      Array.from(
        { length: Math.max(1, size) },
        () => new Worker(new URL("./retrain-worker.ts", import.meta.url), { execArgv: ["--import", tsxLoader] }),
      ),
    );
  }

  /** Sends the model and rows to every worker (again for each new model). */
  async setup(setup: RetrainSetup): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: Reply) => {
              w.off("message", onMessage);
              w.off("error", reject);
              if (m.kind === "ready") resolve();
              else reject(new Error(`retrain worker: ${m.kind === "error" ? m.message : "unexpected reply"}`));
            };
            w.on("message", onMessage);
            w.once("error", reject);
            w.postMessage({ kind: "setup", setup });
          }),
      ),
    );
  }

  /** Runs every job; the test losses of job k at position k. */
  async run(jobs: ReadonlyArray<RetrainJob>, progress: (done: number) => void = () => {}): Promise<Float32Array[]> {
    const results: Float32Array[] = new Array(jobs.length);
    let next = 0;
    let done = 0;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const dispatch = () => {
              if (next >= jobs.length) {
                w.off("message", onMessage);
                resolve();
                return;
              }
              const id = next++;
              w.postMessage({ kind: "job", id, job: jobs[id] });
            };
            const onMessage = (m: Reply) => {
              if (m.kind === "done") {
                results[m.id] = m.losses;
                progress(++done);
                dispatch();
              } else {
                w.off("message", onMessage);
                reject(new Error(`retrain worker: ${m.kind === "error" ? m.message : "unexpected reply"}`));
              }
            };
            w.on("message", onMessage);
            dispatch();
          }),
      ),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
