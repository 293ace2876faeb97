/**
 * Worker thread of the retraining pool (retrain.ts): holds one ONNX Runtime gradient session and the
 * training/test rows, and answers jobs "train on these rows from this init, return the test losses".
 */
import { parentPort } from "node:worker_threads";
import { buildTrainingModel } from "./models.ts";
import type { RetrainJob, RetrainSetup } from "./retrain.ts";
import { BatchGradientSession, GradientSession } from "./runtime.ts";
import { trainBatch } from "./train.ts";

const port = parentPort;
if (port === null) throw new Error("retrain-worker: not a worker thread");

let setup: RetrainSetup | undefined;
let session: GradientSession | undefined;
let trainer: BatchGradientSession | undefined;

const runJob = async (job: RetrainJob): Promise<Float32Array> => {
  if (setup === undefined || session === undefined || trainer === undefined)
    throw new Error("retrain-worker: not set up");
  const D = session.info.features;
  const X = new Float32Array(job.keep.length * D);
  const y: number[] = [];
  job.keep.forEach((j, r) => {
    X.set(setup!.features.subarray(j * D, (j + 1) * D), r * D);
    y.push(setup!.labels[j]!);
  });
  const out = await trainBatch(trainer, X, y, job.init, job.config);
  return (await session.run(setup.testFeatures, setup.testLabels, out.params)).loss.slice();
};

port.on("message", (message: { kind: "setup"; setup: RetrainSetup } | { kind: "job"; id: number; job: RetrainJob }) => {
  void (async () => {
    try {
      if (message.kind === "setup") {
        setup = message.setup;
        await session?.release();
        await trainer?.release();
        session = await GradientSession.create(setup.gradientGraph, 1);
        trainer = await BatchGradientSession.create(buildTrainingModel(setup.spec), session.info, 1);
        port.postMessage({ kind: "ready" });
      } else {
        const losses = await runJob(message.job);
        port.postMessage({ kind: "done", id: message.id, losses }, [losses.buffer as ArrayBuffer]);
      }
    } catch (e) {
      port.postMessage({ kind: "error", id: message.kind === "job" ? message.id : -1, message: String(e) });
    }
  })();
});
