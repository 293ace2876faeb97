/**
 * The gradient graph contract for user-supplied graphs: one with its weights baked in as initializers
 * (no `poa.params`, a single implicit checkpoint) indexes and attributes like our params-as-inputs graph.
 */
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, floatTensor, model } from "../../onnx/graph.ts";
import { type IndexedModel, indexModel, trainModel } from "./bundle.ts";
import { sampleMessages } from "./dataset.ts";
import { makeAttributor } from "./engine.ts";
import { embeddingDistance } from "./gradient-index.ts";
import { graphInfo } from "./runtime.ts";

/** Turns our graph's parameter inputs into initializers holding `params`, as an exporter would. */
const bakeWeights = (bytes: Uint8Array, params: Float32Array): Uint8Array => {
  const decoded = decodeModel(bytes);
  const info = graphInfo(bytes);
  let offset = 0;
  const weights = info.params.map((p) => {
    const size = p.shape.reduce((x, y) => x * y, 1);
    const t = floatTensor(p.name, p.shape, params.slice(offset, offset + size));
    offset += size;
    return t;
  });
  const names = new Set(info.params.map((p) => p.name));
  const out = model({
    name: "exported-elsewhere",
    inputs: (decoded.graph?.input ?? []).filter((i) => !names.has(i.name ?? "")),
    outputs: decoded.graph?.output ?? [],
    nodes: decoded.graph?.node ?? [],
    initializers: [...(decoded.graph?.initializer ?? []), ...weights],
  });
  out.metadataProps = (decoded.metadataProps ?? []).filter((e) => e.key !== "poa.params");
  return encodeModel(out);
};

describe("user-supplied gradient graph (weights as initializers)", () => {
  it("gives the same index and weights as the params-as-inputs graph at the same parameters", async () => {
    const messages = sampleMessages(40, 21);
    const trained = await trainModel(messages, {
      family: "softmax",
      buckets: 512,
      hidden: 0,
      seed: 1,
      train: { epochs: 10, batchSize: 0, learningRate: 2, weightDecay: 1e-3, checkpoints: 1 },
    });
    const final = trained.checkpoints[0]!;
    const examples = messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(i + 1) }));
    const options = { dims: 32, seed: 3, batch: 16 };
    const ours: IndexedModel = await indexModel(trained, examples, options);
    const baked = bakeWeights(trained.gradientGraph, final);
    expect(graphInfo(baked).params).toEqual([]);
    const theirs = await indexModel(
      { ...trained, gradientGraph: baked, checkpoints: [new Float32Array(0)] },
      examples,
      options,
    );
    const h = ours.index.header;
    const S = h.segments.length;
    for (let i = 0; i < h.count; i++) {
      const row = (x: IndexedModel) => ({
        vector: x.index.vectors.subarray(i * h.dims, (i + 1) * h.dims),
        exponents: x.index.exponents.subarray(i * S, (i + 1) * S),
      });
      expect(embeddingDistance(row(ours), row(theirs), h)).toBeLessThanOrEqual(1);
    }
    const a = await makeAttributor(ours);
    const b = await makeAttributor(theirs);
    const query = sampleMessages(1, 21, 50)[0]!;
    const ra = await a.score(query.text, undefined, "tracin");
    const rb = await b.score(query.text, undefined, "tracin");
    expect(rb.label).toBe(ra.label);
    expect(embeddingDistance(ra.embedding, rb.embedding, h)).toBeLessThanOrEqual(1);
    await a.release();
    await b.release();
  });
});
