/**
 * Served answers against a reference that shares no code with the serving path: the adapters are
 * written by numpy (testdata/write_safetensors.py, values in testdata/expected.json), merged into the
 * exported base weights here in plain JS (W + s·B·A, nothing from adapter.ts, cache.ts or lora.ts) and
 * run as a plain ONNX session without slot banks.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { onnx as OnnxNamespace } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, encodeModel, floatTensor, floatValues } from "../onnx/graph.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { workersCanRunTypeScript } from "./loaders.ts";
import { LoraOperator } from "./operator.ts";
import { ReceiptSigner } from "./receipts.ts";
import { generate } from "./scheduler.ts";
import { OperatorServer } from "./server.ts";
import { BYTE_VOCAB, TINY_LLAMA, writeTinyLlama } from "./testModel.ts";

const TESTDATA = join(import.meta.dirname, "testdata");
/** Served and reference logits (magnitudes ~1–10) differ only by float32 summation order. */
const TOLERANCE = 1e-4;

interface PeftExpected {
  readonly config: { r: number; lora_alpha: number; use_rslora?: boolean };
  readonly tensors: Record<string, { shape: number[]; values: number[] }>;
}

let dir: string;
let modelDir: string;
let adaptersDir: string;
let op: LoraOperator;
let expected: Record<string, PeftExpected>;

/** `W + s·B·A` into each `model.layers.L.block.module.weight.T` [in, out] initializer of the export. */
const mergeByHand = (base: OnnxNamespace.IModelProto, adapter: PeftExpected): OnnxNamespace.IModelProto => {
  const m = decodeModel(encodeModel(base));
  const { r, lora_alpha: alpha, use_rslora } = adapter.config;
  const s = use_rslora ? alpha / Math.sqrt(r) : alpha / r;
  const byName = new Map(m.graph!.initializer!.map((t, i) => [t.name!, i]));
  let merged = 0;
  for (const [name, a] of Object.entries(adapter.tensors)) {
    const k = /^base_model\.model\.(model\.layers\.\d+\.\w+\.\w+)\.lora_A\.weight$/.exec(name);
    if (!k) continue;
    const b = adapter.tensors[name.replace("lora_A", "lora_B")]!;
    const index = byName.get(`${k[1]}.weight.T`)!;
    const w = floatValues(m.graph!.initializer![index]!);
    const [inF, outF] = [a.shape[1]!, b.shape[0]!];
    for (let i = 0; i < inF; i++)
      for (let o = 0; o < outF; o++) {
        let ba = 0;
        for (let j = 0; j < r; j++) ba += b.values[o * r + j]! * a.values[j * inF + i]!;
        w[i * outF + o]! += s * ba;
      }
    m.graph!.initializer![index] = floatTensor(`${k[1]}.weight.T`, [inF, outF], w) as OnnxNamespace.TensorProto;
    merged++;
  }
  expect(merged).toBeGreaterThan(0);
  return m;
};

const feeds = (prompt: number[]) => {
  const n = prompt.length;
  const hd = TINY_LLAMA.hiddenSize / TINY_LLAMA.numHeads;
  const f: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(prompt, BigInt), [1, n]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    position_ids: new ort.Tensor(
      "int64",
      BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
      [1, n],
    ),
  };
  for (let l = 0; l < TINY_LLAMA.numLayers; l++) {
    for (const kv of ["key", "value"]) {
      f[`past_key_values.${l}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [1, TINY_LLAMA.numHeads, 0, hd]);
    }
  }
  return f;
};

/** The last position's logits of a plain session, and its greedy continuation by full recompute. */
const reference = async (m: OnnxNamespace.IModelProto, prompt: number[], steps: number) => {
  const session = await ort.InferenceSession.create(encodeModel(m));
  const last = async (tokens: number[]) => {
    const logits = (await session.run(feeds(tokens))).logits!.data as Float32Array;
    return logits.slice((tokens.length - 1) * BYTE_VOCAB, tokens.length * BYTE_VOCAB);
  };
  const first = await last(prompt);
  const tokens = [...prompt];
  const greedy: number[] = [];
  for (let s = 0; s < steps; s++) {
    const l = await last(tokens);
    const best = l.indexOf(Math.max(...l));
    greedy.push(best);
    tokens.push(best);
  }
  await session.release();
  return { logits: first, greedy };
};

/** The operator's own LoRA session, one prompt, the adapter in its slot: last position's logits. */
const served = async (adapter: string | null, prompt: number[]) => {
  let slot = 0;
  if (adapter !== null) {
    await op.cache.prefetch(adapter);
    slot = op.cache.acquireSlot(adapter)!;
  }
  const n = prompt.length;
  const empty = new Float32Array(0);
  const out = await op.session.forward({
    batch: 1,
    seqLen: n,
    pastLen: 0,
    inputIds: BigInt64Array.from(prompt, BigInt),
    attentionMask: new BigInt64Array(n).fill(1n),
    positionIds: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    past: Array.from({ length: TINY_LLAMA.numLayers }, () => ({ key: empty, value: empty })),
    slots: BigInt64Array.from([BigInt(slot)]),
  });
  if (adapter !== null) op.cache.release(adapter);
  // the graph may return every position's logits or only the last one's
  return out.logits.slice(out.logits.length - BYTE_VOCAB);
};

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

/** A PEFT adapter folder written byte by byte (F32, little endian), for the B = 0 and overflow cases. */
const writeHandAdapter = async (id: string, bValue: number, modules: string[]) => {
  const tensors: Array<[string, number[], number]> = [];
  for (let l = 0; l < TINY_LLAMA.numLayers; l++)
    for (const m of modules) {
      const p = `base_model.model.model.layers.${l}.self_attn.${m}`;
      tensors.push([`${p}.lora_A.weight`, [4, 32], 0.1], [`${p}.lora_B.weight`, [32, 4], bValue]);
    }
  const header: Record<string, object> = {};
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape[0]! * shape[1]! * 4;
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const file = Buffer.alloc(8 + json.length + offset);
  file.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(file, 8);
  let at = 8 + json.length;
  for (const [, shape, value] of tensors) {
    for (let i = 0; i < shape[0]! * shape[1]!; i++, at += 4) file.writeFloatLE(i % 3 === 0 ? value : value / 2, at);
  }
  await mkdir(join(adaptersDir, id), { recursive: true });
  await writeFile(join(adaptersDir, id, "adapter_model.safetensors"), file);
  await writeFile(
    join(adaptersDir, id, "adapter_config.json"),
    JSON.stringify({ peft_type: "LORA", r: 4, lora_alpha: 8, target_modules: modules }),
  );
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "operator-ref-"));
  modelDir = join(dir, "model");
  adaptersDir = join(dir, "adapters");
  await writeTinyLlama(modelDir);
  for (const name of ["peft-f32", "peft-f16", "peft-bf16"]) {
    await cp(join(TESTDATA, name), join(adaptersDir, name), { recursive: true });
  }
  await writeHandAdapter("zero-b", 0, ["q_proj", "v_proj"]);
  await writeHandAdapter("overflow", 1e30, ["q_proj", "k_proj"]);
  expected = JSON.parse(await readFile(join(TESTDATA, "expected.json"), "utf8"));
  op = await LoraOperator.open({
    modelDir,
    adaptersDir,
    maxLoras: 4,
    maxCpuLoras: 8,
    slotRank: 8,
    maxBatch: 8,
    providers: ["cpu"],
    targetModules: null,
    threads: 1,
    loadWorkers: 1, // whatever the core count: the served bytes come through a worker thread
    log: () => {},
  });
}, 60_000);

afterAll(async () => {
  await op?.close();
  await rm(dir, { recursive: true, force: true });
});

const PROMPT = [256, 72, 101, 108, 108, 111, 44, 32, 119];

describe("served logits equal an independently merged model", () => {
  it.each(["peft-f32", "peft-f16", "peft-bf16"])(
    `%s (numpy-written): logits within ${TOLERANCE} and the same greedy tokens`,
    async (id) => {
      const base = decodeModel(await readFile(join(modelDir, "model.onnx")));
      const ref = await reference(mergeByHand(base, expected[id]!), PROMPT, 6);
      const logits = await served(id, PROMPT);
      expect(maxAbsDiff(logits, ref.logits)).toBeLessThan(TOLERANCE);
      const baseRef = await reference(base, PROMPT, 0);
      expect(maxAbsDiff(logits, baseRef.logits)).toBeGreaterThan(1e-2); // the adapter changes the answer
      const gen = await generate(op.scheduler, {
        adapter: id,
        promptIds: PROMPT,
        maxTokens: 6,
        temperature: 0,
        topP: 1,
        ignoreEos: true,
      });
      expect(gen.tokens).toEqual(ref.greedy);
      expect(gen.adapter?.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
      if (workersCanRunTypeScript()) expect(op.loaders.workerLoads).toBeGreaterThan(0);
    },
    30_000,
  );

  it("an adapter with B = 0 answers exactly like the base model", async () => {
    const zero = await served("zero-b", PROMPT);
    const base = await served(null, PROMPT);
    expect(Array.from(zero)).toEqual(Array.from(base));
    const req = { promptIds: PROMPT, maxTokens: 8, temperature: 0, topP: 1, ignoreEos: true };
    const [a, b] = await Promise.all([
      generate(op.scheduler, { ...req, adapter: "zero-b" }),
      generate(op.scheduler, { ...req, adapter: null }),
    ]);
    expect(a.tokens).toEqual(b.tokens);
  });
});

describe("non-finite logits", () => {
  it("fail the request with a clear error, quarantine the adapter and leave its batch neighbours alone", async () => {
    const req = { promptIds: PROMPT, maxTokens: 4, temperature: 0, topP: 1, ignoreEos: true };
    const [bad, good] = await Promise.allSettled([
      generate(op.scheduler, { ...req, adapter: "overflow" }),
      generate(op.scheduler, { ...req, adapter: "peft-f32" }),
    ]);
    expect(bad).toMatchObject({
      status: "rejected",
      reason: { _tag: "NonFiniteLogitsError", adapter: "overflow", message: expect.stringMatching(/quarantined/) },
    });
    expect(good.status).toBe("fulfilled");
    expect(op.cache.quarantineReason("overflow")).toMatch(/non-finite logits/);
    expect(op.cache.isResident("overflow")).toBe(false);
    expect(op.metrics.render()).toMatch(/poa_operator_nonfinite_logits_total\{adapter="overflow"\} 1/);
    await expect(generate(op.scheduler, { ...req, adapter: "overflow" })).rejects.toMatchObject({
      _tag: "AdapterError",
      message: expect.stringMatching(/^quarantined: non-finite/),
    });

    const signer = new ReceiptSigner(
      privateKeyToAccount(generatePrivateKey()),
      attributionDomain(31337, "0x00000000000000000000000000000000000a11ce"),
      { paymentsRequired: false, now: () => BigInt(Math.floor(Date.now() / 1000)) },
    );
    const server = new OperatorServer({ operator: op, signer });
    const url = `http://127.0.0.1:${await server.listen(0)}`;
    try {
      const answer = await fetch(`${url}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "overflow", prompt: "hi", max_tokens: 2 }),
      });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/quarantined/);
      const models = (await (await fetch(`${url}/v1/models`)).json()) as {
        data: Array<{ id: string; poa_status?: string; poa_quarantine_reason?: string; poa_adapter?: unknown }>;
      };
      const entry = models.data.find((m) => m.id === "overflow")!;
      expect(entry.poa_status).toBe("quarantined");
      expect(entry.poa_quarantine_reason).toMatch(/non-finite/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/poa_operator_quarantined_adapters 1/);
      const loaded = models.data.find((m) => m.id === "peft-f32")!;
      expect(loaded.poa_adapter).toEqual({
        id: "peft-f32",
        weights_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        config_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    } finally {
      await server.close();
    }
    expect(op.unload("overflow")).toBe(true); // an admin unload lifts the quarantine
    expect(op.cache.quarantineReason("overflow")).toBeUndefined();
  });
});
