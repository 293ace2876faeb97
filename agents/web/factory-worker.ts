/**
 * One factory training job in a worker thread (agents/web/factory.ts starts it): trains (or resumes) the
 * LoRA adapter with agents/factory's `trainAdapter`, then builds the run's gradient index, posting each
 * optimizer step's progress to the server. Terminating the worker is how a job is cancelled; the run
 * folder's state file lets the same job resume.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Schema } from "effect";
import type { Hex } from "viem";
import { loadBase } from "../factory/base.ts";
import { indexRun, openRun } from "../factory/run.ts";
import { baseNameOf, Hyperparameters, trainAdapter } from "../factory/train.ts";
import { loadTextCodec } from "../operator/operator.ts";

export const WorkerInput = Schema.Struct({
  baseDir: Schema.String,
  out: Schema.String,
  documents: Schema.Array(
    Schema.Struct({
      contributionId: Schema.String,
      datanetId: Schema.String,
      contentRoot: Schema.String,
      bytes: Schema.Uint8Array,
    }),
  ),
  source: Schema.Struct({
    chainId: Schema.Number,
    datanetRegistry: Schema.String,
    datanetIds: Schema.Array(Schema.String),
    referenceTime: Schema.Number,
  }),
  hyper: Hyperparameters,
  dims: Schema.Int,
});
export type WorkerInput = typeof WorkerInput.Type;

export type WorkerMessage =
  | {
      readonly kind: "progress";
      readonly step: number;
      readonly steps: number;
      readonly epoch: number;
      readonly loss: number;
      /** The step the run resumed from (its last saved state), when it did. */
      readonly resumedAt?: number;
    }
  | { readonly kind: "indexing" }
  | {
      readonly kind: "done";
      readonly recordHash: Hex;
      readonly indexCommitment: Hex;
      readonly epochLoss: ReadonlyArray<number>;
      readonly examples: number;
    }
  | { readonly kind: "error"; readonly message: string };

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

const main = async () => {
  const input = Schema.decodeUnknownSync(WorkerInput)(workerData);
  const base = loadBase(input.baseDir);
  const codec = await loadTextCodec(input.baseDir);
  const trained = trainAdapter({
    base,
    baseName: baseNameOf(input.baseDir),
    encode: (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids,
    documents: input.documents.map((d) => ({
      contributionId: BigInt(d.contributionId),
      datanetId: BigInt(d.datanetId),
      contentRoot: d.contentRoot.toLowerCase() as Hex,
      bytes: d.bytes,
    })),
    source: input.source,
    hyper: input.hyper,
    out: input.out,
    onProgress: (p) =>
      post({
        kind: "progress",
        step: p.step,
        steps: p.steps,
        epoch: p.epoch,
        loss: p.loss,
        ...(p.resumedAt === undefined ? {} : { resumedAt: p.resumedAt }),
      }),
  });
  post({ kind: "indexing" });
  const run = await openRun(input.out, input.baseDir);
  const { commitment } = indexRun(run, { dims: input.dims, seed: 7 });
  post({
    kind: "done",
    recordHash: trained.recordHash!,
    indexCommitment: commitment,
    epochLoss: trained.record!.epochLoss,
    examples: trained.examples.length,
  });
};

main().catch((e: unknown) =>
  post({
    kind: "error",
    message:
      typeof e === "object" && e !== null && "message" in e ? String((e as { message: unknown }).message) : String(e),
  }),
);
