/**
 * Exports beyond the float32 multi-head default: grouped-query attention (fewer KV heads than query
 * heads) and fp16 (weights, KV cache and logits in half precision). The reference merges the adapter
 * into the weights by hand and recomputes every step from scratch in a plain float32 session.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { onnx as OnnxNamespace } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, encodeModel, floatTensor, floatValues, onnx } from "../onnx/graph.ts";
import { f16ToF32 } from "./half.ts";
import { LoraOperator } from "./operator.ts";
import { type FloatTensor, serializeSafetensors } from "./safetensors.ts";
import { generate } from "./scheduler.ts";
import { BYTE_VOCAB, prng, TINY_LLAMA, type TinyLlamaConfig, uniform, writeTinyLlama } from "./testModel.ts";

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

interface HandAdapter {
  readonly r: number;
  readonly alpha: number;
  /** `model.layers.L.self_attn.m` → A [r, in], B [out, r] */
  readonly weights: Map<string, { a: Float32Array; b: Float32Array; inF: number; outF: number }>;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "operator-exports-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A q/k/v/o adapter with shapes for this config, written as PEFT files. */
const writeAdapter = async (dir: string, cfg: TinyLlamaConfig, seed: number): Promise<HandAdapter> => {
  const hd = cfg.hiddenSize / cfg.numHeads;
  const kv = (cfg.kvHeads ?? cfg.numHeads) * hd;
  const out = { q_proj: cfg.hiddenSize, k_proj: kv, v_proj: kv, o_proj: cfg.hiddenSize } as const;
  const rand = prng(seed);
  const r = 4;
  const weights: HandAdapter["weights"] = new Map();
  const tensors = new Map<string, FloatTensor>();
  for (let l = 0; l < cfg.numLayers; l++)
    for (const [m, outF] of Object.entries(out)) {
      const inF = cfg.hiddenSize;
      const a = uniform(rand, r * inF, 1 / Math.sqrt(inF));
      const b = uniform(rand, outF * r, 0.5);
      const name = `model.layers.${l}.self_attn.${m}`;
      weights.set(name, { a, b, inF, outF });
      tensors.set(`base_model.model.${name}.lora_A.weight`, { shape: [r, inF], data: a });
      tensors.set(`base_model.model.${name}.lora_B.weight`, { shape: [outF, r], data: b });
    }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "adapter_model.safetensors"), serializeSafetensors(tensors));
  const config = { peft_type: "LORA", r, lora_alpha: 8, target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"] };
  await writeFile(join(dir, "adapter_config.json"), JSON.stringify(config));
  return { r, alpha: 8, weights };
};

/** The export as float32 (fp16 weights widened exactly) with `W + (alpha/r)·B·A` merged in by hand. */
const float32Reference = (m: OnnxNamespace.IModelProto, adapter: HandAdapter | null): OnnxNamespace.IModelProto => {
  const copy = decodeModel(encodeModel(m));
  const graph = copy.graph!;
  graph.initializer = graph.initializer!.map((t) => {
    let values: Float32Array;
    if (t.dataType === FLOAT16) {
      const raw = new Uint8Array(t.rawData!);
      values = Float32Array.from(new Uint16Array(raw.buffer, 0, raw.byteLength / 2), f16ToF32);
    } else if (t.dataType === FLOAT) values = floatValues(t);
    else return t;
    const name = t.name!.replace(/\.weight\.T$/, "");
    const w = adapter?.weights.get(name);
    if (w) {
      const s = adapter!.alpha / adapter!.r;
      for (let i = 0; i < w.inF; i++)
        for (let o = 0; o < w.outF; o++) {
          let ba = 0;
          for (let j = 0; j < adapter!.r; j++) ba += w.b[o * adapter!.r + j]! * w.a[j * w.inF + i]!;
          values[i * w.outF + o]! += s * ba;
        }
    }
    return floatTensor(t.name!, (t.dims ?? []).map(Number), values) as OnnxNamespace.TensorProto;
  });
  for (const v of [...graph.input!, ...graph.output!]) {
    if (v.type?.tensorType?.elemType === FLOAT16) v.type.tensorType.elemType = FLOAT;
  }
  return copy;
};

/** Greedy tokens by full recompute in a plain session, and the first step's logits. */
const referenceGreedy = async (m: OnnxNamespace.IModelProto, cfg: TinyLlamaConfig, prompt: number[], steps: number) => {
  const session = await ort.InferenceSession.create(encodeModel(m));
  const kvh = cfg.kvHeads ?? cfg.numHeads;
  const tokens = [...prompt];
  const out: number[] = [];
  let first: Float32Array | null = null;
  for (let s = 0; s < steps; s++) {
    const n = tokens.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, n]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
      position_ids: new ort.Tensor(
        "int64",
        BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
        [1, n],
      ),
    };
    for (let l = 0; l < cfg.numLayers; l++)
      for (const kv of ["key", "value"])
        feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [
          1,
          kvh,
          0,
          cfg.hiddenSize / cfg.numHeads,
        ]);
    const logits = (await session.run(feeds)).logits!.data as Float32Array;
    const last = logits.slice((n - 1) * BYTE_VOCAB, n * BYTE_VOCAB);
    first ??= last;
    const best = last.indexOf(Math.max(...last));
    out.push(best);
    tokens.push(best);
  }
  await session.release();
  return { tokens: out, first: first! };
};

const setup = async (name: string, cfg: TinyLlamaConfig) => {
  const dir = join(root, name);
  await writeTinyLlama(join(dir, "model"), cfg);
  const adapters = [
    await writeAdapter(join(dir, "adapters", "a0"), cfg, 1),
    await writeAdapter(join(dir, "adapters", "a1"), cfg, 2),
  ];
  const op = await LoraOperator.open({
    modelDir: join(dir, "model"),
    adaptersDir: join(dir, "adapters"),
    maxLoras: 2,
    maxCpuLoras: 4,
    slotRank: 8,
    maxBatch: 8,
    providers: ["cpu"],
    targetModules: null,
    threads: 1,
    log: () => {},
  });
  const base = decodeModel(await readFile(join(dir, "model", "model.onnx")));
  return { op, adapters, base };
};

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

const greedy = (adapter: string | null, promptIds: number[], maxTokens: number) => ({
  adapter,
  promptIds,
  maxTokens,
  temperature: 0,
  topP: 1,
  ignoreEos: true,
});

describe("grouped-query attention exports (KV heads < attention heads)", () => {
  it.each([2, 1])(
    "%d KV heads: a staggered mixed batch generates what each hand-merged model generates by full recompute",
    async (kvHeads) => {
      const cfg = { ...TINY_LLAMA, kvHeads };
      const { op, adapters, base } = await setup(`gqa${kvHeads}`, cfg);
      expect(op.info.kvHeads).toBe(kvHeads);
      const reqs = [
        greedy("a0", [72, 105], 8),
        greedy(null, [1, 2, 3, 4, 5], 6),
        greedy("a1", [42], 9),
        greedy("a0", [33, 34, 35, 36], 5),
      ];
      const results = await Promise.all(
        reqs.map(
          (r, i) =>
            new Promise<Awaited<ReturnType<typeof generate>>>((res) =>
              setTimeout(() => res(generate(op.scheduler, r)), i * 3),
            ),
        ),
      );
      for (const [i, r] of reqs.entries()) {
        const adapter = r.adapter === null ? null : adapters[Number(r.adapter.slice(1))]!;
        const ref = await referenceGreedy(float32Reference(base, adapter), cfg, r.promptIds, r.maxTokens);
        expect(results[i]!.tokens, `request ${i}`).toEqual(ref.tokens);
      }
      expect(op.scheduler.passes.maxDecodeBatch).toBeGreaterThan(1);
      await op.close();
    },
    60_000,
  );
});

describe("fp16 exports", () => {
  it("serves adapters on a half-precision model: logits within fp16 tolerance of the float32 merge, KV cache in fp16", async () => {
    for (const kvHeads of [4, 2]) {
      const cfg = { ...TINY_LLAMA, kvHeads, dtype: "float16" as const };
      const { op, adapters, base } = await setup(`fp16-${kvHeads}`, cfg);
      expect(op.info.kvType).toBe("float16");
      const prompt = [256, 72, 101, 108, 108, 111];
      for (const [i, id] of ["a0", "a1"].entries()) {
        await op.cache.prefetch(id);
        const slot = op.cache.acquireSlot(id)!;
        const n = prompt.length;
        const out = await op.session.forward({
          batch: 1,
          seqLen: n,
          pastLen: 0,
          inputIds: BigInt64Array.from(prompt, BigInt),
          attentionMask: new BigInt64Array(n).fill(1n),
          positionIds: BigInt64Array.from({ length: n }, (_, k) => BigInt(k)),
          past: Array.from({ length: cfg.numLayers }, () => ({ key: new Uint16Array(0), value: new Uint16Array(0) })),
          slots: BigInt64Array.from([BigInt(slot)]),
        });
        op.cache.release(id);
        expect(out.present[0]!.key).toBeInstanceOf(Uint16Array);
        const ref = await referenceGreedy(float32Reference(base, adapters[i]!), cfg, prompt, 1);
        const noAdapter = await referenceGreedy(float32Reference(base, null), cfg, prompt, 1);
        // half precision keeps ~3 significant digits; logits here are a few units large
        expect(maxAbsDiff(out.logits, ref.first)).toBeLessThan(0.05);
        expect(maxAbsDiff(out.logits, noAdapter.first)).toBeGreaterThan(0.2); // the adapter matters
      }
      // continuous batching over an fp16 KV cache: finite answers for both adapters and the base model
      const results = await Promise.all([
        generate(op.scheduler, greedy("a0", prompt, 6)),
        generate(op.scheduler, greedy(null, [5, 6, 7], 6)),
        generate(op.scheduler, greedy("a1", [9], 6)),
      ]);
      for (const r of results) expect(r.tokens).toHaveLength(6);
      await op.close();
    }
  }, 60_000);
});
