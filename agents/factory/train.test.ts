/**
 * Training: deterministic bytes, resumption after an interruption equal to an uninterrupted run, the
 * loss going down, and the PEFT folder served unchanged by the operator generating exactly the tokens
 * of a forward pass over hand-merged weights (W + s·B·A, no LoRA side path).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoraOperator, loadTextCodec } from "../operator/operator.ts";
import { generate } from "../operator/scheduler.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import { type LlamaBase, loadBase, type Projection } from "./base.ts";
import { documentsOf, TEXTS } from "./fixtures.test-util.ts";
import { loraLayout, runSequence } from "./llama.ts";
import { readPeftParams } from "./peft.ts";
import { type Hyperparameters, trainAdapter } from "./train.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HYPER: Hyperparameters = {
  rank: 4,
  alpha: 8,
  targets: ["q_proj", "v_proj", "down_proj"],
  epochs: 4,
  lr: 0.02,
  seed: 5,
  batch: 3,
  seqLen: 24,
  checkpoints: 2,
};

describe("factory training", () => {
  const modelDir = join(dir, "model");
  let base: LlamaBase;
  let encode: (text: string) => number[];
  beforeAll(async () => {
    await writeTinyLlama(modelDir);
    base = loadBase(modelDir);
    const codec = await loadTextCodec(modelDir);
    encode = (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids;
  });
  const run = (out: string, extra: { stopAfterSteps?: number; stateEvery?: number } = {}) =>
    trainAdapter({
      base,
      baseName: "model",
      encode,
      documents: documentsOf(TEXTS),
      source: null,
      hyper: HYPER,
      out: join(dir, out),
      ...extra,
    });

  it("is deterministic, resumes to the same bytes and lowers the loss", () => {
    const a = run("a");
    const b = run("b");
    expect(a.finished && b.finished).toBe(true);
    const bytes = (d: string, f: string) => readFileSync(join(dir, d, f));
    expect(
      bytes("a", "adapter/adapter_model.safetensors").equals(bytes("b", "adapter/adapter_model.safetensors")),
    ).toBe(true);
    expect(a.recordHash).toBe(b.recordHash);
    const loss = a.record!.epochLoss;
    expect(loss.at(-1)!).toBeLessThan(loss[0]! * 0.9);
    expect(a.record!.checkpoints.map((c) => c.epoch)).toEqual([2, 4]);

    // interrupted twice (the second time between two state saves: work after the last save is redone)
    const first = run("c", { stopAfterSteps: 5, stateEvery: 2 });
    expect(first.finished).toBe(false);
    const second = run("c", { stopAfterSteps: 4, stateEvery: 3 });
    expect(second.finished).toBe(false);
    expect(second.resumedFromStep).toBe(4);
    const done = run("c", { stateEvery: 3 });
    expect(done.finished).toBe(true);
    expect(done.resumedFromStep).toBeGreaterThan(4);
    expect(
      bytes("c", "adapter/adapter_model.safetensors").equals(bytes("a", "adapter/adapter_model.safetensors")),
    ).toBe(true);
    expect(done.recordHash).toBe(a.recordHash);

    // another seed is another run: refused in the same folder, different bytes elsewhere
    expect(() => trainAdapter({ ...runInput("c"), hyper: { ...HYPER, seed: 6 } })).toThrow(/different training run/);
    const other = trainAdapter({ ...runInput("d"), hyper: { ...HYPER, seed: 6 } });
    expect(other.recordHash).not.toBe(a.recordHash);
  });
  const runInput = (out: string) => ({
    base,
    baseName: "model",
    encode,
    documents: documentsOf(TEXTS),
    source: null,
    hyper: HYPER,
    out: join(dir, out),
  });

  it("writes a PEFT folder the operator serves unchanged: its greedy tokens = our forward on merged weights", async () => {
    const trained = run("served");
    const adapterDir = join(dir, "served", "adapter");
    const layout = loraLayout(base, HYPER.targets, HYPER.rank, HYPER.alpha);
    const params = readPeftParams(adapterDir, layout);
    expect(params).toEqual(trained.params);
    // merged weights: W + s·(B·A)ᵀ in the export's [in, out] layout, then a forward with no LoRA at all
    const merged = new Map<string, Float32Array>();
    for (const t of layout.targets) {
      const p = t.projection;
      const w = Float32Array.from(p.weight);
      for (let i = 0; i < p.inFeatures; i++)
        for (let o = 0; o < p.outFeatures; o++) {
          let acc = 0;
          for (let j = 0; j < layout.rank; j++)
            acc += params[t.offsetB + o * layout.rank + j]! * params[t.offsetA + j * p.inFeatures + i]!;
          w[i * p.outFeatures + o] = w[i * p.outFeatures + o]! + layout.scale * acc;
        }
      merged.set(p.key, w);
    }
    const swap = (p: Projection): Projection => ({ ...p, weight: merged.get(p.key) ?? p.weight });
    const mergedBase: LlamaBase = {
      ...base,
      projections: base.projections.map(swap),
      layers: base.layers.map((l) => ({ ...l, proj: new Map([...l.proj].map(([k, p]) => [k, swap(p)])) })),
    };
    const noLora = loraLayout(mergedBase, ["q_proj"], 1, 1);
    const zeros = new Float64Array(noLora.size);
    const prompt = [256, ...encode("Four score and")];
    const ours: number[] = [];
    const seq = [...prompt];
    for (let i = 0; i < 8; i++) {
      const { logits } = runSequence(mergedBase, noLora, zeros, seq, new Float64Array(seq.length - 1), {
        logits: true,
      });
      const V = base.shape.vocab;
      const last = logits!.subarray((seq.length - 1) * V, seq.length * V);
      let best = 0;
      for (let o = 1; o < V; o++) if (last[o]! > last[best]!) best = o;
      ours.push(best);
      seq.push(best);
    }
    const op = await LoraOperator.open({
      modelDir,
      adaptersDir: join(dir, "served"),
      maxLoras: 2,
      maxCpuLoras: 2,
      slotRank: 8,
      maxBatch: 4,
      providers: ["cpu"],
      targetModules: null,
      threads: 1,
      loadWorkers: 0,
      log: () => {},
    });
    try {
      const served = await generate(op.scheduler, {
        adapter: "adapter",
        promptIds: prompt,
        maxTokens: 8,
        temperature: 0,
        topP: 1,
        ignoreEos: true,
      });
      const base0 = await generate(op.scheduler, {
        adapter: null,
        promptIds: prompt,
        maxTokens: 8,
        temperature: 0,
        topP: 1,
        ignoreEos: true,
      });
      expect(served.tokens).toEqual(ours);
      expect(base0.tokens).not.toEqual(ours); // the adapter changed the answer: the comparison is not vacuous
    } finally {
      await op.close();
    }
  });
});
