/**
 * The TypeScript forward/backward against independent references: logits against ONNX Runtime running
 * the operator's own merged graph (`mergeAdapter`, the operator's PEFT loader, the exported base), and
 * gradients against central finite differences of the loss.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, encodeModel } from "../onnx/graph.ts";
import { adapterFromParts, randomPeftAdapter } from "../operator/adapter.ts";
import { listTargets, mergeAdapter } from "../operator/lora.ts";
import { parseSafetensors } from "../operator/safetensors.ts";
import { buildTinyLlama, prng, TINY_LLAMA, type TinyLlamaConfig, writeTinyLlama } from "../operator/testModel.ts";
import { type LlamaBase, loadBase, MODULES } from "./base.ts";
import { loraLayout, runSequence } from "./llama.ts";
import { paramsFromTensors } from "./peft.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-llama-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const variants: ReadonlyArray<[string, TinyLlamaConfig]> = [
  ["multi-head", TINY_LLAMA],
  [
    "grouped-query (4 heads over 2), 3 layers",
    { ...TINY_LLAMA, numLayers: 3, kvHeads: 2, hiddenSize: 48, numHeads: 4, seed: 11 },
  ],
];

/** Last-position logits of a plain ORT session over `ids` (the graph's own mask, RoPE and KV handling). */
const ortLastLogits = async (session: ort.InferenceSession, cfg: TinyLlamaConfig, ids: number[]) => {
  const T = ids.length;
  const kvh = cfg.kvHeads ?? cfg.numHeads;
  const hd = cfg.hiddenSize / cfg.numHeads;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, T]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor(
      "int64",
      BigInt64Array.from(ids, (_, i) => BigInt(i)),
      [1, T],
    ),
  };
  for (let l = 0; l < cfg.numLayers; l++) {
    feeds[`past_key_values.${l}.key`] = new ort.Tensor("float32", new Float32Array(0), [1, kvh, 0, hd]);
    feeds[`past_key_values.${l}.value`] = new ort.Tensor("float32", new Float32Array(0), [1, kvh, 0, hd]);
  }
  const out = await session.run(feeds);
  return out.logits!.data as Float32Array;
};

describe.each(variants)("LoRA Llama in TypeScript (%s)", (_name, cfg) => {
  let base: LlamaBase;
  const modelDir = join(dir, `m${cfg.seed}`);
  beforeAll(async () => {
    await writeTinyLlama(modelDir, cfg);
    base = loadBase(modelDir);
  });

  it("reads the shape from config.json and the weights from the graph", () => {
    expect(base.shape.hidden).toBe(cfg.hiddenSize);
    expect(base.shape.layers).toBe(cfg.numLayers);
    expect(base.shape.kvHeads).toBe(cfg.kvHeads ?? cfg.numHeads);
    expect(base.projections.length).toBe(cfg.numLayers * 7);
  });

  it("matches ONNX Runtime on the operator's merged graph (base + a PEFT adapter) at every position", async () => {
    const onnxModel = decodeModel(encodeModel(buildTinyLlama(cfg)));
    const targets = listTargets(onnxModel);
    const modules = ["q_proj", "v_proj", "o_proj", "down_proj", "up_proj"];
    const { config, safetensors } = randomPeftAdapter(targets, { seed: 5, rank: 4, alpha: 8, modules });
    const host = await adapterFromParts("a", config, safetensors, targets, 8);
    const session = await ort.InferenceSession.create(encodeModel(mergeAdapter(onnxModel, host)), {
      intraOpNumThreads: 1,
    });
    const layout = loraLayout(base, modules, 4, 8);
    const params = paramsFromTensors(layout, parseSafetensors(safetensors).tensors);
    const rand = prng(3);
    const ids = Array.from({ length: 12 }, () => Math.floor(rand() * 256));
    const mine = runSequence(base, layout, params, ids, new Float64Array(ids.length - 1), { logits: true });
    let worst = 0;
    let scale = 0;
    const V = base.shape.vocab;
    for (let T = 1; T <= ids.length; T++) {
      const ref = await ortLastLogits(session, cfg, ids.slice(0, T));
      for (let o = 0; o < V; o++) {
        worst = Math.max(worst, Math.abs(ref[o]! - mine.logits![(T - 1) * V + o]!));
        scale = Math.max(scale, Math.abs(ref[o]!));
      }
    }
    await session.release();
    expect(scale).toBeGreaterThan(0.5); // the adapter moves logits visibly; the comparison is not vacuous
    expect(worst).toBeLessThan(1e-4);
    // and the adapter matters: the base model's logits differ
    const baseOnly = runSequence(base, layout, new Float64Array(layout.size), ids, new Float64Array(ids.length - 1), {
      logits: true,
    });
    expect(baseOnly.logits!.reduce((m, x, i) => Math.max(m, Math.abs(x - mine.logits![i]!)), 0)).toBeGreaterThan(1e-2);
  });

  it("has gradients equal to central finite differences of the loss", () => {
    const layout = loraLayout(base, MODULES, 3, 6);
    const rand = prng(9);
    // non-zero A and B: with B = 0 (PEFT's init) half of the gradient would be trivially zero
    const params = Float64Array.from({ length: layout.size }, () => (rand() * 2 - 1) * 0.3);
    const ids = Array.from({ length: 9 }, () => Math.floor(rand() * 256));
    const weights = Float64Array.from({ length: ids.length - 1 }, (_, p) => (p < 3 ? 0 : 1 / (ids.length - 4)));
    const { grad, loss } = runSequence(base, layout, params, ids, weights, { grad: true });
    expect(Number.isFinite(loss)).toBe(true);
    const picks: number[] = [];
    for (const t of layout.targets) {
      picks.push(t.offsetA + Math.floor(rand() * (t.offsetB - t.offsetA)));
      picks.push(t.offsetB + Math.floor(rand() * (t.offsetA + t.size - t.offsetB)));
    }
    const eps = 1e-5;
    let worst = 0;
    for (const i of picks) {
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[i]! += eps;
      minus[i]! -= eps;
      const fd =
        (runSequence(base, layout, plus, ids, weights).loss - runSequence(base, layout, minus, ids, weights).loss) /
        (2 * eps);
      worst = Math.max(worst, Math.abs(fd - grad![i]!) / Math.max(1e-3, Math.abs(fd)));
    }
    expect(worst).toBeLessThan(1e-5);
    // a broken backward (e.g. a sign flip in one target) would be far outside this
    expect(grad!.some((g) => Math.abs(g) > 1e-3)).toBe(true);
  });
});
