/**
 * A trained gradient model and its index, in memory and on disk (one directory):
 *
 *   model.json       ModelManifest (family, sizes, classes, training config, losses)
 *   model.onnx       the forward model, final parameters as initializers
 *   gradient.onnx    the gradient graph (models.ts contract)
 *   checkpoints.bin  container "POAGCKP" v1: header {count, size}, then count × size float32 LE
 *   index.bin        the attribution index (gradient-index.ts)
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Schema } from "effect";
import { bytesToHex, type Hex, keccak256 } from "viem";
import { GradientFileError, readContainer, writeContainer } from "./container.ts";
import { CLASSES, type Message } from "./dataset.ts";
import { featurizeBatch } from "./features.ts";
import { buildIndex, decodeIndex, encodeIndex, type GradientIndex, indexCommitment } from "./gradient-index.ts";
import { buildForwardModel, buildGradientModel, initialParams, type ModelSpec } from "./models.ts";
import { GradientSession } from "./runtime.ts";
import { DEFAULT_TRAIN, type TrainConfig, train } from "./train.ts";

export const ModelManifest = Schema.Struct({
  family: Schema.Literals(["softmax", "mlp"]),
  features: Schema.Int,
  classes: Schema.Array(Schema.String),
  hidden: Schema.Int,
  train: Schema.Struct({
    epochs: Schema.Int,
    batchSize: Schema.Int,
    learningRate: Schema.Number,
    weightDecay: Schema.Number,
    checkpoints: Schema.Int,
  }),
  losses: Schema.Array(Schema.Number),
});
export type ModelManifest = typeof ModelManifest.Type;

export interface TrainedModel {
  readonly manifest: ModelManifest;
  readonly gradientGraph: Uint8Array;
  readonly checkpoints: ReadonlyArray<Float32Array>;
}

export interface IndexedModel extends TrainedModel {
  readonly index: GradientIndex;
  readonly commitment: Hex;
}

const CKPT_MAGIC = "POAGCKP";
const CkptHeader = Schema.Struct({ count: Schema.Int, size: Schema.Int });

export const encodeCheckpoints = (checkpoints: ReadonlyArray<Float32Array>): Uint8Array => {
  const size = checkpoints[0]?.length ?? 0;
  const body = checkpoints.map((c) => {
    const out = new Uint8Array(c.length * 4);
    const view = new DataView(out.buffer);
    c.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return out;
  });
  return writeContainer(CKPT_MAGIC, 1, JSON.stringify({ count: checkpoints.length, size }), body);
};

export const decodeCheckpoints = (bytes: Uint8Array, file = "checkpoints"): Float32Array[] => {
  const { header, body } = readContainer(file, CKPT_MAGIC, 1, bytes);
  let h: typeof CkptHeader.Type;
  try {
    h = Schema.decodeUnknownSync(CkptHeader)(JSON.parse(header));
  } catch (cause) {
    throw new GradientFileError({ file, reason: "header", message: `${file}: malformed header`, cause });
  }
  if (body.length !== h.count * h.size * 4) {
    throw new GradientFileError({ file, reason: "body", message: `${file}: body length does not match header` });
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return Array.from({ length: h.count }, (_, k) =>
    Float32Array.from({ length: h.size }, (_, i) => view.getFloat32((k * h.size + i) * 4, true)),
  );
};

export const specOf = (m: ModelManifest): ModelSpec => ({
  family: m.family,
  features: m.features,
  classes: m.classes.length,
  hidden: m.hidden,
});

export interface TrainOptions {
  readonly family: "softmax" | "mlp";
  readonly buckets: number;
  readonly hidden: number;
  readonly seed: number;
  readonly train: TrainConfig;
}

/** Training messages `gradient train` samples by default (and the quality run trains on). */
export const DEFAULT_EXAMPLES = 300;

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  family: "softmax",
  buckets: 4096,
  hidden: 16,
  seed: 1,
  train: DEFAULT_TRAIN,
};

export const trainModel = async (
  messages: ReadonlyArray<Pick<Message, "text" | "label">>,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  threads = 1,
): Promise<TrainedModel> => {
  const spec: ModelSpec = {
    family: options.family,
    features: options.buckets,
    classes: CLASSES.length,
    hidden: options.hidden,
  };
  const gradientGraph = buildGradientModel(spec);
  const session = await GradientSession.create(gradientGraph, threads);
  try {
    const features = featurizeBatch(
      messages.map((m) => m.text),
      { buckets: options.buckets },
    );
    const result = await train(
      session,
      features,
      messages.map((m) => m.label),
      initialParams(spec, options.seed),
      options.train,
    );
    return {
      manifest: {
        family: options.family,
        features: options.buckets,
        classes: [...CLASSES],
        hidden: options.hidden,
        train: { ...options.train },
        losses: [...result.losses],
      },
      gradientGraph,
      checkpoints: result.checkpoints,
    };
  } finally {
    await session.release();
  }
};

export interface IndexBuildOptions {
  readonly dims: number;
  readonly seed: number;
  readonly batch: number;
}

export const DEFAULT_INDEX_OPTIONS: IndexBuildOptions = { dims: 1024, seed: 7, batch: 64 };

export const indexModel = async (
  model: TrainedModel,
  examples: ReadonlyArray<{ readonly text: string; readonly label: number; readonly contributionId: bigint }>,
  options: IndexBuildOptions = DEFAULT_INDEX_OPTIONS,
  threads = 1,
): Promise<IndexedModel> => {
  const session = await GradientSession.create(model.gradientGraph, threads);
  try {
    const index = await buildIndex(
      session,
      model.checkpoints,
      {
        features: featurizeBatch(
          examples.map((e) => e.text),
          { buckets: model.manifest.features },
        ),
        labels: examples.map((e) => e.label),
        ids: examples.map((e) => e.contributionId),
      },
      {
        ...options,
        buckets: model.manifest.features,
        classes: model.manifest.classes,
        gradientGraph: bytesToHex(keccak256(model.gradientGraph, "bytes")),
        checkpointsHash: bytesToHex(keccak256(encodeCheckpoints(model.checkpoints), "bytes")),
      },
    );
    return { ...model, index, commitment: indexCommitment(index) };
  } finally {
    await session.release();
  }
};

export const saveTrained = (dir: string, model: TrainedModel): void => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.json"), `${JSON.stringify(model.manifest, null, 2)}\n`);
  writeFileSync(join(dir, "gradient.onnx"), model.gradientGraph);
  const final = model.checkpoints[model.checkpoints.length - 1];
  if (final !== undefined) writeFileSync(join(dir, "model.onnx"), buildForwardModel(specOf(model.manifest), final));
  writeFileSync(join(dir, "checkpoints.bin"), encodeCheckpoints(model.checkpoints));
};

export const saveIndex = (dir: string, index: GradientIndex): void => {
  writeFileSync(join(dir, "index.bin"), encodeIndex(index));
};

/** Reads a file of the model directory, failing with a one-line typed error. */
export const readModelFile = (dir: string, name: string): Uint8Array => {
  try {
    return new Uint8Array(readFileSync(join(dir, name)));
  } catch (cause) {
    throw new GradientFileError({
      file: name,
      reason: "unreadable",
      message: `${join(dir, name)}: cannot read`,
      cause,
    });
  }
};

export const loadTrained = (dir: string): TrainedModel => {
  const read = (name: string) => readModelFile(dir, name);
  const manifestText = new TextDecoder().decode(read("model.json"));
  let manifest: ModelManifest;
  try {
    manifest = Schema.decodeUnknownSync(ModelManifest)(JSON.parse(manifestText));
  } catch (cause) {
    throw new GradientFileError({ file: "model.json", reason: "header", message: "model.json: malformed", cause });
  }
  return {
    manifest,
    gradientGraph: read("gradient.onnx"),
    checkpoints: decodeCheckpoints(read("checkpoints.bin"), "checkpoints.bin"),
  };
};

export const loadIndexed = (dir: string): IndexedModel => {
  const trained = loadTrained(dir);
  const index = decodeIndex(readModelFile(dir, "index.bin"), "index.bin");
  return { ...trained, index, commitment: indexCommitment(index) };
};
