/**
 * A small trainer over a gradient graph: mini-batch (or full-batch) gradient descent with L2 weight
 * decay, constant learning rate, batches in a fixed order, so training is reproducible.
 * Checkpoints are taken at evenly spaced steps (the last one is the final model): TracIn sums
 * gradient dot products over them, and with a constant learning rate every checkpoint weighs the same.
 */
import type { BatchGradientSession, GradientSession } from "./runtime.ts";

export interface TrainConfig {
  readonly epochs: number;
  /** 0 = full batch. */
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** How many checkpoints to keep (≥ 1; the last is the final parameters). */
  readonly checkpoints: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  epochs: 60,
  batchSize: 0,
  learningRate: 2,
  weightDecay: 1e-3,
  checkpoints: 3,
};

export interface TrainResult {
  readonly params: Float32Array;
  readonly checkpoints: ReadonlyArray<Float32Array>;
  /** Mean training loss after each epoch. */
  readonly losses: ReadonlyArray<number>;
}

/** Mean of the per-example gradient rows of a batch, accumulated in float64 in row order. */
export const meanGradient = (grad: Float32Array, rows: number, width: number): Float64Array => {
  const out = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    for (let j = 0; j < width; j++) {
      const g = grad[base + j]!;
      if (g !== 0) out[j]! += g;
    }
  }
  for (let j = 0; j < width; j++) out[j]! /= rows;
  return out;
};

/** One mini-batch's summed loss and mean gradient at `params`. */
type BatchStep = (
  features: Float32Array,
  labels: ReadonlyArray<number>,
  params: Float32Array,
) => Promise<{ readonly lossSum: number; readonly grad: Float32Array | Float64Array }>;

/** The descent both trainers share: batches in order, SGD with weight decay, evenly spaced checkpoints. */
const descend = async (
  n: number,
  D: number,
  P: number,
  init: Float32Array,
  config: TrainConfig,
  stepAt: BatchStep,
  labels: ReadonlyArray<number>,
  features: Float32Array,
): Promise<TrainResult> => {
  const batch = config.batchSize > 0 ? Math.min(config.batchSize, n) : n;
  const batchesPerEpoch = Math.ceil(n / batch);
  const totalSteps = config.epochs * batchesPerEpoch;
  const keep = Math.max(1, config.checkpoints);
  const checkpointSteps = new Set(Array.from({ length: keep }, (_, k) => Math.round(((k + 1) * totalSteps) / keep)));
  const params = Float32Array.from(init);
  const checkpoints: Float32Array[] = [];
  const losses: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    let lossSum = 0;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const out = await stepAt(features.subarray(start * D, end * D), labels.slice(start, end), params);
      lossSum += out.lossSum;
      for (let j = 0; j < P; j++) {
        params[j] = params[j]! - config.learningRate * (out.grad[j]! + config.weightDecay * params[j]!);
      }
      step++;
      if (checkpointSteps.has(step)) checkpoints.push(Float32Array.from(params));
    }
    losses.push(lossSum / n);
  }
  return { params, checkpoints, losses };
};

/** Trains from `init` on rows (dense features [n, D]) and labels. */
export const train = (
  session: GradientSession,
  features: Float32Array,
  labels: ReadonlyArray<number>,
  init: Float32Array,
  config: TrainConfig,
): Promise<TrainResult> => {
  const P = session.info.gradientSize;
  return descend(
    labels.length,
    session.info.features,
    P,
    init,
    config,
    async (batchFeatures, batchLabels, params) => {
      const out = await session.run(batchFeatures, batchLabels, params);
      let lossSum = 0;
      for (const l of out.loss) lossSum += l;
      return { lossSum, grad: meanGradient(out.grad, batchLabels.length, P) };
    },
    labels,
    features,
  );
};

/**
 * The same descent as `train` (same batches, update and checkpoints) with the mean gradient from a batch
 * training graph (runtime.ts BatchGradientSession): equal up to float rounding, much faster, used to
 * retrain for the quality experiment's ground truth.
 */
export const trainBatch = (
  session: BatchGradientSession,
  features: Float32Array,
  labels: ReadonlyArray<number>,
  init: Float32Array,
  config: TrainConfig,
): Promise<TrainResult> =>
  descend(
    labels.length,
    session.info.features,
    session.info.gradientSize,
    init,
    config,
    async (batchFeatures, batchLabels, params) => {
      const out = await session.run(batchFeatures, batchLabels, params);
      return { lossSum: out.lossSum, grad: out.grad };
    },
    labels,
    features,
  );
