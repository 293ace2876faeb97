/**
 * One decoder session in ONNX Runtime: the model folder (model.onnx + config.json + tokenizer.json, as an
 * `optimum-cli export onnx` produces), execution-provider selection with fallback, and a `forward`
 * over batched input ids, attention mask, positions and past key/values.
 */
import { readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Data, Schema } from "effect";
import type { onnx as OnnxNamespace } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { decodeModel, encodeModel, onnx } from "../onnx/graph.ts";
import { deviceOutputLocations } from "./device.ts";
import { widenHalf } from "./half.ts";
import { addLoraSlots, type LoraTarget, SLOT_INPUT } from "./lora.ts";

export class ModelError extends Data.TaggedError("ModelError")<{ readonly message: string }> {}

export const ExecutionProvider = Schema.Literals(["cpu", "cuda", "webgpu"]);
export type ExecutionProvider = typeof ExecutionProvider.Type;

const HfConfig = Schema.Struct({
  num_hidden_layers: Schema.Int,
  num_attention_heads: Schema.Int,
  num_key_value_heads: Schema.optional(Schema.Int),
  hidden_size: Schema.Int,
  head_dim: Schema.optional(Schema.Int),
  vocab_size: Schema.Int,
  max_position_embeddings: Schema.optional(Schema.Int),
  eos_token_id: Schema.optional(Schema.Union([Schema.Int, Schema.Array(Schema.Int)])),
  bos_token_id: Schema.optional(Schema.NullOr(Schema.Int)),
});

export interface ModelInfo {
  readonly numLayers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly eosIds: ReadonlyArray<number>;
  readonly bosId: number | null;
  /** Element type of the KV cache (and logits) of the export: "float16" for fp16 exports. */
  readonly kvType?: KvType;
}

export type KvType = "float32" | "float16";

/** float16 tensors travel as their bit patterns. */
export type KvArray = Float32Array | Uint16Array;

export const emptyKv = (type: KvType | undefined): KvArray =>
  type === "float16" ? new Uint16Array(0) : new Float32Array(0);

/** The element type of the export's past key/value inputs. */
const kvTypeOf = (m: OnnxNamespace.IModelProto): KvType =>
  m.graph?.input?.find((i) => i.name === "past_key_values.0.key")?.type?.tensorType?.elemType ===
  onnx.TensorProto.DataType.FLOAT16
    ? "float16"
    : "float32";

export const readModelInfo = async (modelDir: string): Promise<ModelInfo> => {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(modelDir, "config.json"), "utf8"));
  } catch (e) {
    throw new ModelError({
      message: `cannot read ${join(modelDir, "config.json")}: ${e instanceof Error ? e.message : e}`,
    });
  }
  const decoded = Schema.decodeUnknownExit(HfConfig)(json);
  if (decoded._tag === "Failure") {
    throw new ModelError({
      message: "config.json: expected num_hidden_layers, num_attention_heads, hidden_size, vocab_size",
    });
  }
  const c = decoded.value;
  const eos = c.eos_token_id;
  return {
    numLayers: c.num_hidden_layers,
    kvHeads: c.num_key_value_heads ?? c.num_attention_heads,
    headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads,
    vocabSize: c.vocab_size,
    maxPositions: c.max_position_embeddings ?? 2048,
    eosIds: eos === undefined ? [] : typeof eos === "number" ? [eos] : eos,
    bosId: c.bos_token_id ?? null,
  };
};

/** Whether the CUDA provider library sits next to onnxruntime-node's binding (the installer puts it there). */
const cudaProviderInstalled = (): boolean => {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
    const bin = join(pkg, "bin");
    return readdirSync(bin, { recursive: true }).some(
      (f) =>
        String(f).endsWith("libonnxruntime_providers_cuda.so") || String(f).endsWith("onnxruntime_providers_cuda.dll"),
    );
  } catch {
    return false;
  }
};

/**
 * Creates a session on the first provider in `wanted` that works, then CPU. A missing provider is a
 * log line, never a crash.
 */
export const createSession = async (
  model: string | Uint8Array,
  wanted: ReadonlyArray<ExecutionProvider>,
  log: (line: string) => void,
  threads?: number,
  /** Outputs to keep on the device (IO binding) when the provider is not the CPU. */
  deviceOutputs: Readonly<Record<string, "gpu-buffer">> = {},
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider; deviceOutputs: boolean }> => {
  const available = new Set(ort.listSupportedBackends().map((b) => b.name));
  const options = (ep: ExecutionProvider, bind = false): ort.InferenceSession.SessionOptions => ({
    executionProviders: [ep],
    graphOptimizationLevel: "all",
    ...(threads ? { intraOpNumThreads: threads } : {}),
    ...(bind ? { preferredOutputLocation: deviceOutputs } : {}),
  });
  const bindable = Object.keys(deviceOutputs).length > 0;
  for (const ep of wanted) {
    if (ep === "cpu") break;
    if (!available.has(ep)) {
      log(`execution provider ${ep} is not in this onnxruntime-node build; falling back`);
      continue;
    }
    if (ep === "cuda" && !cudaProviderInstalled()) {
      log(
        "execution provider cuda unavailable (libonnxruntime_providers_cuda.so not installed: " +
          "reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12); falling back",
      );
      continue;
    }
    const open = (bind: boolean) =>
      typeof model === "string"
        ? ort.InferenceSession.create(model, options(ep, bind))
        : ort.InferenceSession.create(model, options(ep, bind));
    try {
      if (bindable) {
        try {
          const session = await open(true);
          log(`execution provider: ${ep} (KV cache kept on the device)`);
          return { session, provider: ep, deviceOutputs: true };
        } catch (e) {
          log(
            `${ep}: device-resident outputs refused (${(e instanceof Error ? e.message : String(e)).split("\n")[0]})`,
          );
        }
      }
      const session = await open(false);
      log(`execution provider: ${ep}`);
      return { session, provider: ep, deviceOutputs: false };
    } catch (e) {
      log(
        `execution provider ${ep} unavailable (${(e instanceof Error ? e.message : String(e)).split("\n")[0]}); falling back`,
      );
    }
  }
  const session =
    typeof model === "string"
      ? await ort.InferenceSession.create(model, options("cpu"))
      : await ort.InferenceSession.create(model, options("cpu"));
  if (wanted.some((ep) => ep !== "cpu")) log("execution provider: cpu (fallback)");
  return { session, provider: "cpu", deviceOutputs: false };
};

/** Past keys/values of one layer for the whole batch: [batch, kvHeads, pastLen, headDim]. */
export interface LayerKv {
  /** Host data, or a tensor the provider kept on the device (see device.ts). */
  readonly key: KvArray | ort.Tensor;
  readonly value: KvArray | ort.Tensor;
}

export interface ForwardInput {
  readonly batch: number;
  readonly seqLen: number;
  readonly pastLen: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly positionIds: BigInt64Array;
  readonly past: ReadonlyArray<LayerKv>;
  /** Per-row slot indices; only for LoRA sessions. */
  readonly slots?: BigInt64Array;
}

export interface ForwardOutput {
  /** The last position's logits of every row: [batch, vocab]. */
  readonly logits: Float32Array;
  readonly present: ReadonlyArray<LayerKv>; // [batch, kvHeads, pastLen + seqLen, headDim]
}

const hostOrDevice = (t: ort.Tensor): KvArray | ort.Tensor => (t.location === "cpu" ? (t.data as KvArray) : t);

/** A decoder session; `banks` are extra feeds (the LoRA slot banks) passed on every call. */
export class DecoderSession {
  constructor(
    readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    readonly provider: ExecutionProvider,
    private readonly banks: () => Promise<Record<string, ort.Tensor>> | Record<string, ort.Tensor> = () => ({}),
  ) {}

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const { batch, seqLen, pastLen } = input;
    const { kvHeads, headDim, numLayers } = this.info;
    const kvType = this.info.kvType ?? "float32";
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", input.inputIds, [batch, seqLen]),
      attention_mask: new ort.Tensor("int64", input.attentionMask, [batch, pastLen + seqLen]),
      ...(await this.banks()),
    };
    if (this.session.inputNames.includes("position_ids")) {
      feeds.position_ids = new ort.Tensor("int64", input.positionIds, [batch, seqLen]);
    }
    if (input.slots) feeds[SLOT_INPUT] = new ort.Tensor("int64", input.slots, [batch]);
    for (let l = 0; l < numLayers; l++) {
      const kv = input.past[l]!;
      const dims = [batch, kvHeads, pastLen, headDim];
      const tensor = (v: KvArray | ort.Tensor) =>
        !ArrayBuffer.isView(v) // a previous step's present, still where the provider put it
          ? (v as ort.Tensor)
          : kvType === "float16"
            ? new ort.Tensor("float16", v as Uint16Array, dims)
            : new ort.Tensor("float32", v as Float32Array, dims);
      feeds[`past_key_values.${l}.key`] = tensor(kv.key);
      feeds[`past_key_values.${l}.value`] = tensor(kv.value);
    }
    const out = await this.session.run(feeds);
    const present: LayerKv[] = [];
    for (let l = 0; l < numLayers; l++) {
      present.push({
        key: hostOrDevice(out[`present.${l}.key`]!),
        value: hostOrDevice(out[`present.${l}.value`]!),
      });
    }
    const raw = out.logits!;
    const all =
      raw.type === "float16"
        ? widenHalf(raw.data as Uint16Array, raw.data instanceof Uint16Array)
        : (raw.data as Float32Array);
    const V = this.info.vocabSize;
    if (all.length === batch * V) return { logits: all, present }; // a graph rewritten by lastPositionLogits
    // a graph that returns every position (a plain export): keep each row's last one
    const logits = new Float32Array(batch * V);
    for (let b = 0; b < batch; b++) logits.set(all.subarray(((b + 1) * seqLen - 1) * V, (b + 1) * seqLen * V), b * V);
    return { logits, present };
  }
}

export interface OpenedModel {
  readonly info: ModelInfo;
  readonly base: OnnxNamespace.ModelProto;
  readonly modelPath: string;
}

export const openModelDir = async (modelDir: string): Promise<OpenedModel> => {
  const info = await readModelInfo(modelDir);
  const modelPath = join(modelDir, "model.onnx");
  let bytes: Uint8Array;
  try {
    bytes = await readFile(modelPath);
  } catch {
    throw new ModelError({ message: `no model.onnx in ${modelDir}` });
  }
  const base = decodeModel(bytes);
  return { info: { ...info, kvType: kvTypeOf(base) }, base, modelPath };
};

/**
 * Rewrites the base model with LoRA slot banks and opens it. The rewritten graph is written next to
 * the original (`model.lora.onnx`) so external-data weight files of big exports still resolve.
 */
export const openLoraSession = async (
  opened: OpenedModel,
  opts: {
    readonly modules: ReadonlyArray<string> | null;
    readonly providers: ReadonlyArray<ExecutionProvider>;
    readonly log: (line: string) => void;
    readonly threads?: number;
    readonly banks: () => Promise<Record<string, ort.Tensor>> | Record<string, ort.Tensor>;
  },
): Promise<{ session: DecoderSession; targets: ReadonlyArray<LoraTarget> }> => {
  const { model, targets } = addLoraSlots(opened.base, opts.modules);
  const bytes = encodeModel(model);
  const external = (model.graph?.initializer ?? []).some(
    (t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
  );
  let source: string | Uint8Array = bytes;
  if (external) {
    // external weight files are found relative to the model file, so the rewrite must sit beside it
    const path = opened.modelPath.replace(/\.onnx$/, ".lora.onnx");
    try {
      await writeFile(path, bytes);
    } catch (e) {
      throw new ModelError({
        message: `cannot write ${path} next to the external weights (${(e as NodeJS.ErrnoException).code ?? e}); make the model folder writable`,
      });
    }
    source = path;
  }
  const outputs = (model.graph?.output ?? []).map((o) => o.name ?? "");
  const { session, provider } = await createSession(
    source,
    opts.providers,
    opts.log,
    opts.threads,
    deviceOutputLocations(outputs),
  );
  return { session: new DecoderSession(session, opened.info, provider, opts.banks), targets };
};
