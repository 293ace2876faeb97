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

/** Logits of the last (real) position of each row. */
const lastLogits = (logits: Float32Array, batch: number, seqLen: number) =>
  Array.from({ length: batch }, (_, b) =>
    logits.slice(((b + 1) * seqLen - 1) * BYTE_VOCAB, (b + 1) * seqLen * BYTE_VOCAB),
  );

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
    const servedLast = lastLogits(served.logits, 4, 6);
    const refs = [
      mergeAdapter(base, adapters[2]!),
      base,
      mergeAdapter(base, adapters[0]!),
      mergeAdapter(base, adapters[1]!),
    ];
    for (let b = 0; b < 4; b++) {
      const ref = await (await plain(refs[b]!)).forward(promptBatch([prompts[b]!]));
      const refLast = lastLogits(ref.logits, 1, prompts[b]!.length)[0]!;
      expect(maxAbsDiff(servedLast[b]!, refLast)).toBeLessThan(1e-4);
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
    expect(out.logits).toHaveLength(3 * BYTE_VOCAB);
    await session.release();
  });
});
