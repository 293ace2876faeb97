/**
 * A small typed builder over the ONNX protobuf (onnx-proto), shared by everything that writes or
 * rewrites ONNX graphs: the gradient engine's model builder and the LoRA operator's graph rewrite.
 *
 * Tensors are float32 or int64 here; other element types can be added as the need arises.
 */
import { createRequire } from "node:module";
import type { onnx as OnnxNamespace } from "onnx-proto";

const require = createRequire(import.meta.url);
// onnx-proto ships CommonJS; load it through require so the protobufjs runtime initialises once.
export const onnx: typeof OnnxNamespace = (require("onnx-proto") as { onnx: typeof OnnxNamespace }).onnx;

export type DType = "float32" | "float64" | "int64" | "int32" | "int8" | "uint8" | "bool";

export const dataType: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  float64: onnx.TensorProto.DataType.DOUBLE,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** A dimension: a fixed size or a symbolic name (batch, sequence, …). */
export type Dim = number | string;

export const valueInfo = (name: string, type: DType, shape: ReadonlyArray<Dim>): OnnxNamespace.IValueInfoProto => ({
  name,
  type: {
    tensorType: {
      elemType: dataType[type],
      shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

export const floatTensor = (
  name: string,
  dims: ReadonlyArray<number>,
  values: Float32Array | ReadonlyArray<number>,
): OnnxNamespace.ITensorProto => {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`tensor ${name}: ${data.length} values for shape [${dims}]`);
  return {
    name,
    dims: [...dims],
    dataType: dataType.float32,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
};

export const int64Tensor = (name: string, dims: ReadonlyArray<number>, values: ReadonlyArray<number | bigint>) => {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return {
    name,
    dims: [...dims],
    dataType: dataType.int64,
    rawData: new Uint8Array(data.buffer),
  } satisfies OnnxNamespace.ITensorProto;
};

/** An int8 tensor (quantized weights, MatMulInteger operands). */
export const int8Tensor = (
  name: string,
  dims: ReadonlyArray<number>,
  values: Int8Array | ReadonlyArray<number>,
): OnnxNamespace.ITensorProto => {
  const data = values instanceof Int8Array ? values : Int8Array.from(values);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`tensor ${name}: ${data.length} values for shape [${dims}]`);
  return {
    name,
    dims: [...dims],
    dataType: dataType.int8,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
};

export type AttributeValue = number | string | ReadonlyArray<number> | OnnxNamespace.ITensorProto;

const attribute = (name: string, value: AttributeValue): OnnxNamespace.IAttributeProto => {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "string") return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === "number") {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (Array.isArray(value)) return { name, type: T.INTS, ints: [...value] };
  return { name, type: T.TENSOR, t: value as OnnxNamespace.ITensorProto };
};

/** A float attribute that happens to hold an integral value (e.g. alpha = 1.0). */
export const floatAttr = (name: string, value: number): OnnxNamespace.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.FLOAT,
  f: value,
});

export const node = (
  opType: string,
  inputs: ReadonlyArray<string>,
  outputs: ReadonlyArray<string>,
  attributes: Readonly<Record<string, AttributeValue>> = {},
  options: {
    readonly name?: string;
    readonly domain?: string;
    readonly extraAttributes?: OnnxNamespace.IAttributeProto[];
  } = {},
): OnnxNamespace.INodeProto => ({
  opType,
  input: [...inputs],
  output: [...outputs],
  name: options.name ?? `${opType}_${outputs[0] ?? ""}`,
  domain: options.domain ?? "",
  attribute: [...Object.entries(attributes).map(([k, v]) => attribute(k, v)), ...(options.extraAttributes ?? [])],
});

export interface GraphSpec {
  readonly name: string;
  readonly inputs: ReadonlyArray<OnnxNamespace.IValueInfoProto>;
  readonly outputs: ReadonlyArray<OnnxNamespace.IValueInfoProto>;
  readonly nodes: ReadonlyArray<OnnxNamespace.INodeProto>;
  readonly initializers?: ReadonlyArray<OnnxNamespace.ITensorProto>;
  readonly opset?: number;
}

export const DEFAULT_OPSET = 17;

export const model = (spec: GraphSpec): OnnxNamespace.IModelProto => ({
  irVersion: 8,
  producerName: "proof-of-attribution",
  opsetImport: [{ domain: "", version: spec.opset ?? DEFAULT_OPSET }],
  graph: {
    name: spec.name,
    input: [...spec.inputs],
    output: [...spec.outputs],
    node: [...spec.nodes],
    initializer: [...(spec.initializers ?? [])],
  },
});

export const encodeModel = (m: OnnxNamespace.IModelProto): Uint8Array => onnx.ModelProto.encode(m).finish();

export const decodeModel = (bytes: Uint8Array): OnnxNamespace.ModelProto => onnx.ModelProto.decode(bytes);

/** Reads a float32 initializer's values whether stored as rawData or floatData. */
export const floatValues = (t: OnnxNamespace.ITensorProto): Float32Array => {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // a fresh, aligned copy (protobuf buffers are views)
    return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
};
