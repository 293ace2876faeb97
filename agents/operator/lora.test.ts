import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeModel } from "../onnx/graph.ts";
import { adapterFromParts, type HostAdapter, randomPeftAdapter } from "./adapter.ts";
import { AdapterCache } from "./cache.ts";
import { addLoraSlots, type LoraTarget, listTargets, mergeAdapter } from "./lora.ts";
import { createSession, DecoderSession, type ForwardInput, type ModelInfo } from "./runtime.ts";
import { BYTE_VOCAB, buildTinyLlama, EOS_ID, TINY_LLAMA } from "./testModel.ts";

const info: ModelInfo = {
  numLayers: TINY_LLAMA.numLayers,
  kvHeads: TINY_LLAMA.numHeads,
  headDim: TINY_LLAMA.hiddenSize / TINY_LLAMA.numHeads,
  vocabSize: BYTE_VOCAB,
  maxPositions: TINY_LLAMA.maxPositions,
  eosIds: [EOS_ID],
  bosId: null,
};
const base = buildTinyLlama();
const SLOT_RANK = 8;

/** A left-padded prompt batch with empty past. */
const promptBatch = (prompts: number[][], slots?: number[]): ForwardInput => {
  const L = Math.max(...prompts.map((p) => p.length));
  const B = prompts.length;
  const ids = new BigInt64Array(B * L);
  const mask = new BigInt64Array(B * L);
  const pos = new BigInt64Array(B * L);
  prompts.forEach((p, b) => {
    p.forEach((tok, i) => {
      const at = b * L + (L - p.length) + i;
      ids[at] = BigInt(tok);
      mask[at] = 1n;
      pos[at] = BigInt(i);
    });
  });
  const empty = new Float32Array(0);
  return {
    batch: B,
    seqLen: L,
    pastLen: 0,
    inputIds: ids,
    attentionMask: mask,
    positionIds: pos,
    past: Array.from({ length: info.numLayers }, () => ({ key: empty, value: empty })),
    ...(slots ? { slots: BigInt64Array.from(slots, BigInt) } : {}),
  };
};

/** Row b of [batch, vocab] logits (forward returns the last position of each row). */
const row = (logits: Float32Array, b: number) => logits.slice(b * BYTE_VOCAB, (b + 1) * BYTE_VOCAB);

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe("LoRA slot-bank rewrite", () => {
  let targets: LoraTarget[];
  let adapters: HostAdapter[];
  let cache: AdapterCache;
  let lora: DecoderSession;
  const plain = async (m: Parameters<typeof encodeModel>[0]) =>
    new DecoderSession(await ort.InferenceSession.create(encodeModel(m)), info, "cpu");

  beforeAll(async () => {
    targets = listTargets(base);
    // ranks 2, 4, 8 and different module subsets: padding to the slot rank and partial targets both matter
    const specs = [
      { seed: 1, rank: 4, alpha: 8 },
      { seed: 2, rank: 8, alpha: 16, modules: ["q_proj", "v_proj"] },
      { seed: 3, rank: 2, alpha: 4, modules: ["o_proj", "gate_proj", "up_proj", "down_proj"] },
    ];
    adapters = await Promise.all(
      specs.map((s, i) => {
        const { config, safetensors } = randomPeftAdapter(targets, s);
        return adapterFromParts(`a${i}`, config, safetensors, targets, SLOT_RANK);
      }),
    );
    cache = new AdapterCache(targets, SLOT_RANK, 4, 8, async (id) => adapters.find((a) => a.id === id)!);
    for (const a of adapters) await cache.prefetch(a.id);
    const rewritten = addLoraSlots(base);
    const banks = () => {
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of targets) {
        feeds[t.bankA] = new ort.Tensor("float32", cache.banksA.get(t.key)!, [5, t.inFeatures, SLOT_RANK]);
        feeds[t.bankB] = new ort.Tensor("float32", cache.banksB.get(t.key)!, [5, SLOT_RANK, t.outFeatures]);
      }
      return feeds;
    };
    lora = new DecoderSession(await ort.InferenceSession.create(encodeModel(rewritten.model)), info, "cpu", banks);
  });

  it("finds all seven projections of every layer and strips nothing the base needs", () => {
    expect(targets.map((t) => t.key)).toHaveLength(7 * TINY_LLAMA.numLayers);
    const rewritten = addLoraSlots(base, ["q_proj"]);
    expect(rewritten.targets.map((t) => t.key)).toEqual(["layers.0.q_proj", "layers.1.q_proj"]);
    const names = new Set(rewritten.model.graph!.initializer!.map((i) => i.name));
    expect([...names].some((n) => n?.startsWith("lora."))).toBe(false);
  });

  it("returns only the last position's logits from the graph, equal to the full graph's last row", async () => {
    const rewritten = addLoraSlots(base).model;
    const out = rewritten.graph!.output!.find((o) => o.name === "logits")!;
    expect(
      out.type!.tensorType!.shape!.dim!.map((d) => (d.dimValue == null ? d.dimParam : Number(d.dimValue))),
    ).toEqual(["batch_size", 1, BYTE_VOCAB]);
    const input = promptBatch(
      [
        [1, 2, 3, 4, 5, 6, 7],
        [9, 8],
      ],
      [0, 0],
    );
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", input.inputIds, [2, 7]),
      attention_mask: new ort.Tensor("int64", input.attentionMask, [2, 7]),
      position_ids: new ort.Tensor("int64", input.positionIds, [2, 7]),
    };
    for (let l = 0; l < info.numLayers; l++)
      for (const kv of ["key", "value"])
        feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [2, 4, 0, 8]);
    const banks: Record<string, ort.Tensor> = { lora_slot: new ort.Tensor("int64", input.slots!, [2]) };
    for (const t of targets) {
      banks[t.bankA] = new ort.Tensor("float32", cache.banksA.get(t.key)!, [5, t.inFeatures, SLOT_RANK]);
      banks[t.bankB] = new ort.Tensor("float32", cache.banksB.get(t.key)!, [5, SLOT_RANK, t.outFeatures]);
    }
    const last = (await lora.session.run({ ...feeds, ...banks })).logits!;
    expect(last.dims).toEqual([2, 1, BYTE_VOCAB]);
    const plainSession = await ort.InferenceSession.create(encodeModel(base));
    const full = (await plainSession.run(feeds)).logits!;
    expect(full.dims).toEqual([2, 7, BYTE_VOCAB]);
    const fullData = full.data as Float32Array;
    for (let b = 0; b < 2; b++) {
      const want = fullData.slice(((b + 1) * 7 - 1) * BYTE_VOCAB, (b + 1) * 7 * BYTE_VOCAB);
      expect(maxAbsDiff(row(last.data as Float32Array, b), want)).toBeLessThan(1e-5);
    }
    await plainSession.release();
  });

  it("serves logits equal to the merged W + s·BA model, one adapter per batch", async () => {
    const prompts = [
      [72, 101, 108, 108, 111],
      [1, 2, 3],
    ];
    for (const a of adapters) {
      const slot = cache.acquireSlot(a.id)!;
      const served = await lora.forward(promptBatch(prompts, [slot, slot]));
      const merged = await (await plain(mergeAdapter(base, a))).forward(promptBatch(prompts));
      expect(maxAbsDiff(served.logits, merged.logits)).toBeLessThan(1e-4);
      const baseOut = await (await plain(base)).forward(promptBatch(prompts));
      expect(maxAbsDiff(served.logits, baseOut.logits)).toBeGreaterThan(1e-2); // the adapter matters
      cache.release(a.id);
    }
  });

  it("serves a mixed batch (three adapters and the base model) like four separate merged models", async () => {
    const prompts = [
      [10, 20, 30, 40],
      [50, 60],
      [70, 80, 90],
      [5, 6, 7, 8, 9, 10],
    ];
    const slots = [cache.acquireSlot("a2")!, 0, cache.acquireSlot("a0")!, cache.acquireSlot("a1")!];
    const served = await lora.forward(promptBatch(prompts, slots));
    expect(served.logits).toHaveLength(4 * BYTE_VOCAB);
    const refs = [
      mergeAdapter(base, adapters[2]!),
      base,
      mergeAdapter(base, adapters[0]!),
      mergeAdapter(base, adapters[1]!),
    ];
    for (let b = 0; b < 4; b++) {
      const ref = await (await plain(refs[b]!)).forward(promptBatch([prompts[b]!]));
      expect(maxAbsDiff(row(served.logits, b), ref.logits)).toBeLessThan(1e-4);
    }
    for (const id of ["a2", "a0", "a1"]) cache.release(id);
  });
});

describe("execution providers", () => {
  it("tries cuda then webgpu and falls back to CPU with a log line instead of crashing", async () => {
    const logs: string[] = [];
    const { session, provider } = await createSession(encodeModel(base), ["cuda", "webgpu"], (l) => logs.push(l), 1);
    expect(["cpu", "cuda", "webgpu"]).toContain(provider);
    if (provider === "cpu") {
      expect(logs.filter((l) => /cuda .*falling back|cuda .*not in this/.test(l))).toHaveLength(1);
      expect(logs.at(-1)).toBe("execution provider: cpu (fallback)");
    } else {
      expect(logs.at(-1)).toBe(`execution provider: ${provider}`);
    }
    const out = await new DecoderSession(session, info, provider).forward(promptBatch([[1, 2, 3]]));
    expect(out.logits).toHaveLength(BYTE_VOCAB);
    await session.release();
  });
});
