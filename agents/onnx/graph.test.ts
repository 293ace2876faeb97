import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, floatTensor, floatValues, model, node, valueInfo } from "./graph.ts";

describe("onnx graph builder", () => {
  it("builds a graph that ONNX Runtime runs: y = x·W + b", async () => {
    const w = [1, 2, 3, 4, 5, 6];
    const bytes = encodeModel(
      model({
        name: "affine",
        inputs: [valueInfo("x", "float32", ["batch", 2])],
        outputs: [valueInfo("y", "float32", ["batch", 3])],
        initializers: [floatTensor("W", [2, 3], w), floatTensor("b", [3], [0.5, -0.5, 1])],
        nodes: [node("MatMul", ["x", "W"], ["xw"]), node("Add", ["xw", "b"], ["y"])],
      }),
    );
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from([1, 1, 2, -1]), [2, 2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([5.5, 6.5, 10, -1.5, -1.5, 1]);
    expect(Array.from(floatValues(decodeModel(bytes).graph!.initializer![0]!))).toEqual(w);
  });

  it("rejects a tensor whose values do not fill its shape", () => {
    expect(() => floatTensor("bad", [2, 2], [1, 2, 3])).toThrow(/3 values for shape/);
  });
});
