/**
 * ONNX builders for the small model families the gradient engine supports:
 *
 *   softmax   softmax regression:  logits = x·W + b                       params W [D,C], b [C]
 *   mlp       one hidden layer:    logits = relu(x·W1 + b1)·W2 + b2       params W1 [D,H], b1 [H], W2 [H,C], b2 [C]
 *
 * For each family two graphs: the forward (inference) model with the parameters as initializers, and
 * the gradient graph (ONNX Runtime for Node has no training API, so backprop is written out as ONNX
 * ops). The gradient graph is the contract every gradient model, ours or user-supplied, follows
 * (docs/gradient-engine.md, "Gradient graph contract"):
 *
 *   inputs    features  float32 [N, D]     hashed bag-of-words rows (features.ts)
 *             label     int64   [N]        class index per row
 *             <params>  float32            one input per name in metadata `poa.params` (may be none,
 *                                          then the weights are initializers of the graph)
 *   outputs   grad      float32 [N, P]     per-example gradient of that row's cross-entropy loss w.r.t.
 *                                          the trainable parameters, flattened row-major, layer by layer
 *             loss      float32 [N]        per-example cross-entropy
 *             probs     float32 [N, C]     softmax probabilities
 *   metadata  poa.layers   JSON [{name, size}]          the layers partitioning P, in order (DataInf's blocks)
 *             poa.params   JSON [{name, shape}]         parameter inputs, in order; their sizes sum to P
 *             poa.classes  C, poa.features D
 */
import type { onnx as OnnxNamespace } from "onnx-proto";
import { encodeModel, floatTensor, int64Tensor, model, node, valueInfo } from "../../onnx/graph.ts";
import { prng } from "./dataset.ts";

export type Family = "softmax" | "mlp";

export interface ModelSpec {
  readonly family: Family;
  readonly features: number;
  readonly classes: number;
  /** Hidden width (mlp only). */
  readonly hidden: number;
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: ReadonlyArray<number>;
}

export interface LayerSpec {
  readonly name: string;
  readonly size: number;
}

const sizeOf = (shape: ReadonlyArray<number>): number => shape.reduce((a, b) => a * b, 1);

export const paramSpecs = (spec: ModelSpec): ReadonlyArray<ParamSpec> =>
  spec.family === "softmax"
    ? [
        { name: "W", shape: [spec.features, spec.classes] },
        { name: "b", shape: [spec.classes] },
      ]
    : [
        { name: "W1", shape: [spec.features, spec.hidden] },
        { name: "b1", shape: [spec.hidden] },
        { name: "W2", shape: [spec.hidden, spec.classes] },
        { name: "b2", shape: [spec.classes] },
      ];

/** DataInf's blocks: one per linear layer (its weight then its bias). */
export const layerSpecs = (spec: ModelSpec): ReadonlyArray<LayerSpec> =>
  spec.family === "softmax"
    ? [{ name: "linear", size: spec.features * spec.classes + spec.classes }]
    : [
        { name: "hidden", size: spec.features * spec.hidden + spec.hidden },
        { name: "output", size: spec.hidden * spec.classes + spec.classes },
      ];

export const parameterCount = (spec: ModelSpec): number =>
  paramSpecs(spec).reduce((sum, p) => sum + sizeOf(p.shape), 0);

/** Initial parameters, flat in paramSpecs order: weights uniform in ±1/sqrt(fan_in) (seeded), biases 0. */
export const initialParams = (spec: ModelSpec, seed: number): Float32Array => {
  const out = new Float32Array(parameterCount(spec));
  const rand = prng(seed);
  let offset = 0;
  for (const p of paramSpecs(spec)) {
    const n = sizeOf(p.shape);
    if (spec.family === "mlp" && p.shape.length === 2) {
      const bound = 1 / Math.sqrt(p.shape[0]!);
      for (let i = 0; i < n; i++) out[offset + i] = (rand() * 2 - 1) * bound;
    }
    offset += n;
  }
  return out;
};

const metadata = (spec: ModelSpec): OnnxNamespace.IStringStringEntryProto[] => [
  { key: "poa.layers", value: JSON.stringify(layerSpecs(spec)) },
  { key: "poa.params", value: JSON.stringify(paramSpecs(spec)) },
  { key: "poa.classes", value: String(spec.classes) },
  { key: "poa.features", value: String(spec.features) },
  { key: "poa.family", value: spec.family },
];

/** Nodes computing `logits` from `features` and the parameter tensors, plus hidden activations for mlp. */
const forwardNodes = (spec: ModelSpec): OnnxNamespace.INodeProto[] =>
  spec.family === "softmax"
    ? [node("MatMul", ["features", "W"], ["xw"]), node("Add", ["xw", "b"], ["logits"])]
    : [
        node("MatMul", ["features", "W1"], ["xw1"]),
        node("Add", ["xw1", "b1"], ["z1"]),
        node("Relu", ["z1"], ["h"]),
        node("MatMul", ["h", "W2"], ["hw2"]),
        node("Add", ["hw2", "b2"], ["logits"]),
      ];

/** Per-example outer product a ⊗ d flattened: [N, A] × [N, B] → [N, A·B]. */
const outer = (a: string, d: string, out: string): OnnxNamespace.INodeProto[] => [
  node("Unsqueeze", [a, "axis2"], [`${out}_a`]),
  node("Unsqueeze", [d, "axis1"], [`${out}_d`]),
  node("Mul", [`${out}_a`, `${out}_d`], [`${out}_outer`]),
  node("Reshape", [`${out}_outer`, "flat_shape"], [out]),
];

const splitParams = (spec: ModelSpec, params: Float32Array): OnnxNamespace.ITensorProto[] => {
  let offset = 0;
  return paramSpecs(spec).map((p) => {
    const n = sizeOf(p.shape);
    const t = floatTensor(p.name, p.shape, params.subarray(offset, offset + n));
    offset += n;
    return t;
  });
};

/** The inference model: features → probs, parameters baked in as initializers. */
export const buildForwardModel = (spec: ModelSpec, params: Float32Array): Uint8Array => {
  const m = model({
    name: `poa-${spec.family}-forward`,
    inputs: [valueInfo("features", "float32", ["N", spec.features])],
    outputs: [valueInfo("probs", "float32", ["N", spec.classes])],
    initializers: splitParams(spec, params),
    nodes: [...forwardNodes(spec), node("Softmax", ["logits"], ["probs"], { axis: -1 })],
  });
  m.metadataProps = metadata(spec);
  return encodeModel(m);
};

/** The gradient graph (the contract above), parameters as inputs so one session serves every checkpoint. */
export const buildGradientModel = (spec: ModelSpec): Uint8Array => {
  const C = spec.classes;
  const backward =
    spec.family === "softmax"
      ? [...outer("features", "delta", "gW"), node("Concat", ["gW", "delta"], ["grad"], { axis: 1 })]
      : [
          ...outer("h", "delta", "gW2"),
          node("Transpose", ["W2"], ["W2t"], { perm: [1, 0] }),
          node("MatMul", ["delta", "W2t"], ["dh"]),
          node("Greater", ["z1", "zero"], ["active"]),
          node("Cast", ["active"], ["active_f"], { to: 1 }),
          node("Mul", ["dh", "active_f"], ["dz1"]),
          ...outer("features", "dz1", "gW1"),
          node("Concat", ["gW1", "dz1", "gW2", "delta"], ["grad"], { axis: 1 }),
        ];
  const m = model({
    name: `poa-${spec.family}-gradient`,
    inputs: [
      valueInfo("features", "float32", ["N", spec.features]),
      valueInfo("label", "int64", ["N"]),
      ...paramSpecs(spec).map((p) => valueInfo(p.name, "float32", p.shape)),
    ],
    outputs: [
      valueInfo("grad", "float32", ["N", parameterCount(spec)]),
      valueInfo("loss", "float32", ["N"]),
      valueInfo("probs", "float32", ["N", C]),
    ],
    initializers: [
      int64Tensor("depth", [], [C]),
      floatTensor("onehot_values", [2], [0, 1]),
      int64Tensor("axis1", [1], [1]),
      int64Tensor("axis2", [1], [2]),
      int64Tensor("flat_shape", [2], [0, -1]),
      ...(spec.family === "mlp" ? [floatTensor("zero", [], [0])] : []),
    ],
    nodes: [
      ...forwardNodes(spec),
      node("Softmax", ["logits"], ["probs"], { axis: -1 }),
      node("LogSoftmax", ["logits"], ["logp"], { axis: -1 }),
      node("OneHot", ["label", "depth", "onehot_values"], ["onehot"], { axis: -1 }),
      node("Mul", ["onehot", "logp"], ["picked"]),
      node("ReduceSum", ["picked", "axis1"], ["neg_loss"], { keepdims: 0 }),
      node("Neg", ["neg_loss"], ["loss"]),
      node("Sub", ["probs", "onehot"], ["delta"]),
      ...backward,
    ],
  });
  m.metadataProps = metadata(spec);
  return encodeModel(m);
};

/**
 * The batch training graph of our families (not part of the contract): the mean gradient over the batch
 * (`grad` [P], scaled by the `scale` input, 1/N) and the summed loss (`loss` []), without materialising
 * the [N, P] per-example gradients — what retraining for the quality experiment runs thousands of times.
 */
export const buildTrainingModel = (spec: ModelSpec): Uint8Array => {
  const C = spec.classes;
  const backward =
    spec.family === "softmax"
      ? [
          node("Gemm", ["features", "delta_s"], ["gW"], { transA: 1 }),
          node("ReduceSum", ["delta_s", "axis0"], ["gb"], { keepdims: 0 }),
          node("Reshape", ["gW", "flat"], ["gW_flat"]),
          node("Concat", ["gW_flat", "gb"], ["grad"], { axis: 0 }),
        ]
      : [
          node("Gemm", ["h", "delta_s"], ["gW2"], { transA: 1 }),
          node("ReduceSum", ["delta_s", "axis0"], ["gb2"], { keepdims: 0 }),
          node("Transpose", ["W2"], ["W2t"], { perm: [1, 0] }),
          node("MatMul", ["delta_s", "W2t"], ["dh"]),
          node("Greater", ["z1", "zero"], ["active"]),
          node("Cast", ["active"], ["active_f"], { to: 1 }),
          node("Mul", ["dh", "active_f"], ["dz1"]),
          node("Gemm", ["features", "dz1"], ["gW1"], { transA: 1 }),
          node("ReduceSum", ["dz1", "axis0"], ["gb1"], { keepdims: 0 }),
          node("Reshape", ["gW1", "flat"], ["gW1_flat"]),
          node("Reshape", ["gW2", "flat"], ["gW2_flat"]),
          node("Concat", ["gW1_flat", "gb1", "gW2_flat", "gb2"], ["grad"], { axis: 0 }),
        ];
  const m = model({
    name: `poa-${spec.family}-training`,
    inputs: [
      valueInfo("features", "float32", ["N", spec.features]),
      valueInfo("label", "int64", ["N"]),
      valueInfo("scale", "float32", []),
      ...paramSpecs(spec).map((p) => valueInfo(p.name, "float32", p.shape)),
    ],
    outputs: [valueInfo("grad", "float32", [parameterCount(spec)]), valueInfo("loss", "float32", [])],
    initializers: [
      int64Tensor("depth", [], [C]),
      floatTensor("onehot_values", [2], [0, 1]),
      int64Tensor("axis0", [1], [0]),
      int64Tensor("flat", [1], [-1]),
      ...(spec.family === "mlp" ? [floatTensor("zero", [], [0])] : []),
    ],
    nodes: [
      ...forwardNodes(spec),
      node("Softmax", ["logits"], ["probs"], { axis: -1 }),
      node("LogSoftmax", ["logits"], ["logp"], { axis: -1 }),
      node("OneHot", ["label", "depth", "onehot_values"], ["onehot"], { axis: -1 }),
      node("Mul", ["onehot", "logp"], ["picked"]),
      node("ReduceSum", ["picked"], ["neg_loss"], { keepdims: 0 }),
      node("Neg", ["neg_loss"], ["loss"]),
      node("Sub", ["probs", "onehot"], ["delta"]),
      node("Mul", ["delta", "scale"], ["delta_s"]),
      ...backward,
    ],
  });
  return encodeModel(m);
};
