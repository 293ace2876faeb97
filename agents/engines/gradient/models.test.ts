import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { prng } from "./dataset.ts";
import {
  buildForwardModel,
  buildGradientModel,
  buildTrainingModel,
  initialParams,
  type ModelSpec,
  parameterCount,
} from "./models.ts";
import { BatchGradientSession, GradientGraphError, GradientSession, graphInfo } from "./runtime.ts";
import { train, trainBatch } from "./train.ts";

/** Reference forward pass in float64: loss and probabilities of one row. */
const forward = (spec: ModelSpec, theta: ArrayLike<number>, x: ArrayLike<number>, y: number) => {
  const { features: D, classes: C, hidden: H } = spec;
  let input = Array.from(x);
  let width = D;
  let offset = 0;
  if (spec.family === "mlp") {
    const h = Array.from({ length: H }, (_, k) => {
      let z = theta[D * H + k]!;
      for (let j = 0; j < D; j++) z += input[j]! * theta[j * H + k]!;
      return Math.max(0, z);
    });
    offset = D * H + H;
    input = h;
    width = H;
  }
  const logits = Array.from({ length: C }, (_, c) => {
    let z = theta[offset + width * C + c]!;
    for (let j = 0; j < width; j++) z += input[j]! * theta[offset + j * C + c]!;
    return z;
  });
  const m = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - m));
  const sum = exps.reduce((a, b) => a + b, 0);
  return { loss: -Math.log(exps[y]! / sum), probs: exps.map((e) => e / sum) };
};

const randomRows = (n: number, d: number, seed: number) => {
  const rand = prng(seed);
  return Float32Array.from({ length: n * d }, () => (rand() < 0.4 ? rand() : 0));
};

describe("gradient graphs", () => {
  it("softmax regression: grad = x ⊗ (softmax(xW+b) − onehot(y)), loss and probs match float64", async () => {
    const spec: ModelSpec = { family: "softmax", features: 12, classes: 3, hidden: 0 };
    const P = parameterCount(spec);
    const rand = prng(3);
    const theta = Float32Array.from({ length: P }, () => rand() * 2 - 1);
    const x = randomRows(5, 12, 9);
    const labels = [0, 2, 1, 1, 0];
    const session = await GradientSession.create(buildGradientModel(spec));
    const out = await session.run(x, labels, theta);
    for (let r = 0; r < 5; r++) {
      const row = x.subarray(r * 12, r * 12 + 12);
      const ref = forward(spec, theta, row, labels[r]!);
      expect(out.loss[r]).toBeCloseTo(ref.loss, 5);
      const delta = ref.probs.map((p, c) => p - (c === labels[r] ? 1 : 0));
      for (let j = 0; j < 12; j++) {
        for (let c = 0; c < 3; c++) expect(out.grad[r * P + j * 3 + c]).toBeCloseTo(row[j]! * delta[c]!, 5);
      }
      for (let c = 0; c < 3; c++) expect(out.grad[r * P + 36 + c]).toBeCloseTo(delta[c]!, 5);
    }
    await session.release();
  });

  it("mlp: per-example gradient matches central finite differences of the float64 loss", async () => {
    const spec: ModelSpec = { family: "mlp", features: 10, classes: 2, hidden: 4 };
    const P = parameterCount(spec);
    const theta = initialParams(spec, 5);
    const rand = prng(8);
    for (let j = 0; j < P; j++) theta[j] = theta[j]! + (rand() - 0.5) * 0.2; // biases nonzero too
    const x = randomRows(3, 10, 4);
    const labels = [1, 0, 1];
    const session = await GradientSession.create(buildGradientModel(spec));
    const out = await session.run(x, labels, theta);
    const h = 1e-4;
    let checked = 0;
    for (let r = 0; r < 3; r++) {
      const row = x.subarray(r * 10, r * 10 + 10);
      for (let j = 0; j < P; j++) {
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[j]! += h;
        minus[j]! -= h;
        const fd = (forward(spec, plus, row, labels[r]!).loss - forward(spec, minus, row, labels[r]!).loss) / (2 * h);
        expect(Math.abs(out.grad[r * P + j]! - fd)).toBeLessThan(2e-3);
        checked++;
      }
    }
    expect(checked).toBe(3 * P);
    await session.release();
  });

  it("the forward model gives the same probabilities as the gradient graph", async () => {
    const spec: ModelSpec = { family: "mlp", features: 10, classes: 2, hidden: 4 };
    const theta = initialParams(spec, 2);
    const x = randomRows(4, 10, 1);
    const grad = await GradientSession.create(buildGradientModel(spec));
    const fwd = await ort.InferenceSession.create(buildForwardModel(spec, theta));
    const a = await grad.run(x, [0, 0, 0, 0], theta);
    const b = await fwd.run({ features: new ort.Tensor("float32", x, [4, 10]) });
    expect(Array.from(b.probs!.data as Float32Array)).toEqual(Array.from(a.probs));
    await grad.release();
  });

  it("rejects a graph without the contract's metadata with a typed error", () => {
    const bytes = buildForwardModel({ family: "softmax", features: 4, classes: 2, hidden: 0 }, new Float32Array(10));
    expect(() => graphInfo(bytes)).toThrow(/output grad missing|input label missing/);
    expect(() => graphInfo(Uint8Array.of(1, 2, 3))).toThrow(GradientGraphError);
  });
});

describe("batch training graph (the quality run's retraining)", () => {
  it("gives the same descent as the per-example gradient graph, up to float rounding", async () => {
    for (const family of ["softmax", "mlp"] as const) {
      const spec: ModelSpec = { family, features: 64, classes: 3, hidden: 5 };
      const rand = prng(17);
      const n = 23;
      const X = Float32Array.from({ length: n * spec.features }, () => (rand() < 0.2 ? rand() : 0));
      const y = Array.from({ length: n }, () => Math.floor(rand() * 3));
      const info = graphInfo(buildGradientModel(spec));
      const perExample = await GradientSession.create(buildGradientModel(spec));
      const batch = await BatchGradientSession.create(buildTrainingModel(spec), info);
      const config = { epochs: 6, batchSize: 10, learningRate: 0.7, weightDecay: 1e-2, checkpoints: 2 };
      const a = await train(perExample, X, y, initialParams(spec, 2), config);
      const b = await trainBatch(batch, X, y, initialParams(spec, 2), config);
      expect(b.checkpoints.length).toBe(a.checkpoints.length);
      const scale = Math.max(...Array.from(a.params, Math.abs));
      a.params.forEach((v, j) => {
        expect(Math.abs(v - b.params[j]!)).toBeLessThan(1e-5 * scale);
      });
      b.losses.forEach((l, e) => {
        expect(l).toBeCloseTo(a.losses[e]!, 5);
      });
      await perExample.release();
      await batch.release();
    }
  });
});
