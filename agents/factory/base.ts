/**
 * The base model the factory fine-tunes, read from the operator's model folder (`model.onnx` +
 * `config.json` + `tokenizer.json`): a Llama-family decoder exported the way `optimum-cli export onnx
 * --task text-generation-with-past` names it (the operator's tiny test model has the same names).
 *
 * Nothing about the size is assumed: hidden size, layers, heads, KV heads, vocabulary, RMSNorm epsilon
 * and RoPE theta come from `config.json`; every weight is found in the graph by what the export calls
 * it and its shape is checked against the config. Projection weights are the MatMul initializers the
 * LoRA rewrite keys on (`/model/layers.{i}/…/{q,k,v,o,gate,up,down}_proj/MatMul`), stored [in, out].
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Data, Schema } from "effect";
import type { onnx as OnnxNamespace } from "onnx-proto";
import { dataType, decodeModel, floatValues, onnx } from "../onnx/graph.ts";
import { f16ToF32 } from "../operator/half.ts";

export class BaseModelError extends Data.TaggedError("BaseModelError")<{ readonly message: string }> {}

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));

/** The config.json fields the factory reads (an HF Llama/Mistral config has them all). */
export const LlamaConfigJson = Schema.Struct({
  model_type: Schema.optional(Schema.String),
  hidden_size: PositiveInt,
  intermediate_size: PositiveInt,
  num_hidden_layers: PositiveInt,
  num_attention_heads: PositiveInt,
  num_key_value_heads: Schema.optional(PositiveInt),
  head_dim: Schema.optional(PositiveInt),
  vocab_size: PositiveInt,
  max_position_embeddings: PositiveInt,
  rms_norm_eps: Schema.optional(Schema.Number),
  rope_theta: Schema.optional(Schema.Number),
  rope_scaling: Schema.optional(Schema.NullOr(Schema.Unknown)),
  hidden_act: Schema.optional(Schema.String),
  bos_token_id: Schema.optional(Schema.NullOr(Schema.Int)),
  eos_token_id: Schema.optional(Schema.NullOr(Schema.Union([Schema.Int, Schema.Array(Schema.Int)]))),
});

export interface LlamaShape {
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediate: number;
  readonly vocab: number;
  readonly maxPositions: number;
  readonly eps: number;
  readonly ropeTheta: number;
  readonly bosId: number | null;
}

/** A LoRA-able projection: PEFT's module name parts and its [in, out] weight. */
export interface Projection {
  /** `layers.{layer}.{module}`, the operator's target key. */
  readonly key: string;
  readonly layer: number;
  /** `self_attn` or `mlp`: the module path between the layer and the projection. */
  readonly block: string;
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [in, out] row-major, as the export's MatMul holds it. */
  readonly weight: Float32Array;
}

export interface LlamaLayer {
  readonly inputNorm: Float32Array;
  readonly postNorm: Float32Array;
  readonly proj: ReadonlyMap<string, Projection>;
}

export interface LlamaBase {
  readonly dir: string;
  readonly shape: LlamaShape;
  /** [vocab, hidden] */
  readonly embed: Float32Array;
  readonly layers: ReadonlyArray<LlamaLayer>;
  readonly finalNorm: Float32Array;
  /** [hidden, vocab] */
  readonly lmHead: Float32Array;
  /** Every projection in graph order (the order the operator lists its targets in). */
  readonly projections: ReadonlyArray<Projection>;
}

export const MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;

const PROJECTION = /\/layers\.(\d+)\/((?:[\w.]+\/)*)(\w+_proj)\/MatMul$/;

const fail = (message: string) => new BaseModelError({ message });

/** The float values of an initializer: float32 or float16, inline or in the export's external data file. */
const tensorValues = (t: OnnxNamespace.ITensorProto, modelDir: string): Float32Array => {
  let raw = t.rawData ?? new Uint8Array(0);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entry = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
    const location = entry("location");
    if (!location) throw fail(`${t.name}: external data without a location`);
    const file = readFileSync(join(modelDir, location));
    const offset = Number(entry("offset") ?? 0);
    const length = Number(entry("length") ?? file.byteLength - offset);
    raw = file.subarray(offset, offset + length);
  }
  if (t.dataType === dataType.float32) {
    if (raw.byteLength > 0) return floatValues({ rawData: raw });
    return Float32Array.from(t.floatData ?? []);
  }
  if (t.dataType === onnx.TensorProto.DataType.FLOAT16) {
    const copy = new Uint8Array(raw);
    return Float32Array.from(new Uint16Array(copy.buffer, 0, copy.byteLength >> 1), f16ToF32);
  }
  throw fail(`${t.name}: weights of ONNX type ${t.dataType} (quantized?) are not supported, only float32/float16`);
};

/** Reads and checks the base model of `modelDir` (the operator's `--model-dir`). */
export const loadBase = (modelDir: string): LlamaBase => {
  const read = (name: string) => {
    try {
      return readFileSync(join(modelDir, name));
    } catch (e) {
      throw fail(`cannot read ${join(modelDir, name)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
  let configRaw: unknown;
  try {
    configRaw = JSON.parse(read("config.json").toString("utf8"));
  } catch (e) {
    if (e instanceof BaseModelError) throw e;
    throw fail(`${join(modelDir, "config.json")} is not JSON`);
  }
  const decoded = Schema.decodeUnknownExit(LlamaConfigJson)(configRaw);
  if (decoded._tag === "Failure") throw fail(`config.json: not a Llama-family config (${String(decoded.cause)})`);
  const c = decoded.value;
  if (c.model_type !== undefined && !["llama", "mistral"].includes(c.model_type)) {
    throw fail(`config.json: model_type "${c.model_type}" is not a Llama-family decoder (llama, mistral)`);
  }
  if (c.rope_scaling != null) throw fail("config.json: rope_scaling is not supported (plain RoPE only)");
  if (c.hidden_act !== undefined && c.hidden_act !== "silu") throw fail(`config.json: hidden_act ${c.hidden_act}`);
  const heads = c.num_attention_heads;
  const kvHeads = c.num_key_value_heads ?? heads;
  const headDim = c.head_dim ?? c.hidden_size / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0 || heads % kvHeads !== 0) {
    throw fail(`config.json: ${heads} heads over ${kvHeads} KV heads of size ${headDim} do not fit`);
  }
  const shape: LlamaShape = {
    hidden: c.hidden_size,
    layers: c.num_hidden_layers,
    heads,
    kvHeads,
    headDim,
    intermediate: c.intermediate_size,
    vocab: c.vocab_size,
    maxPositions: c.max_position_embeddings,
    eps: c.rms_norm_eps ?? 1e-6,
    ropeTheta: c.rope_theta ?? 10_000,
    bosId: c.bos_token_id ?? null,
  };
  let graph: OnnxNamespace.IGraphProto;
  try {
    graph = decodeModel(read("model.onnx")).graph ?? {};
  } catch (e) {
    if (e instanceof BaseModelError) throw e;
    throw fail(`${join(modelDir, "model.onnx")} is not an ONNX model`);
  }
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const values = (name: string, expected: number): Float32Array => {
    const t = inits.get(name);
    if (!t) throw fail(`model.onnx has no initializer ${name}`);
    const v = tensorValues(t, dirname(join(modelDir, "model.onnx")));
    if (v.length !== expected) throw fail(`${name}: ${v.length} values, config.json implies ${expected}`);
    return v;
  };
  const H = shape.hidden;
  const projections: Projection[] = [];
  let lmHead: Float32Array | null = null;
  for (const n of graph.node ?? []) {
    if (n.opType !== "MatMul") continue;
    if (n.name === "/lm_head/MatMul") {
      lmHead = values(n.input?.[1] ?? "", H * shape.vocab);
      continue;
    }
    const m = PROJECTION.exec(n.name ?? "");
    if (!m) continue;
    const t = inits.get(n.input?.[1] ?? "");
    if (t?.dims?.length !== 2) throw fail(`${n.name}: the weight is not a 2-D initializer`);
    const [inF, outF] = t.dims.map(Number) as [number, number];
    projections.push({
      key: `layers.${m[1]}.${m[3]}`,
      layer: Number(m[1]),
      block: m[2]!.split("/").filter(Boolean).join("."),
      module: m[3]!,
      inFeatures: inF,
      outFeatures: outF,
      weight: values(t.name!, inF * outF),
    });
  }
  if (lmHead === null) throw fail("model.onnx has no /lm_head/MatMul (a tied or fused LM head is not supported)");
  const qDim = heads * headDim;
  const kvDim = kvHeads * headDim;
  const I = shape.intermediate;
  const expectedShape: Record<string, readonly [number, number]> = {
    q_proj: [H, qDim],
    k_proj: [H, kvDim],
    v_proj: [H, kvDim],
    o_proj: [qDim, H],
    gate_proj: [H, I],
    up_proj: [H, I],
    down_proj: [I, H],
  };
  const layers: LlamaLayer[] = [];
  for (let l = 0; l < shape.layers; l++) {
    const proj = new Map<string, Projection>();
    for (const p of projections.filter((q) => q.layer === l)) proj.set(p.module, p);
    for (const mod of MODULES) {
      const p = proj.get(mod);
      if (!p) throw fail(`model.onnx: layer ${l} has no ${mod} MatMul`);
      const [i, o] = expectedShape[mod]!;
      if (p.inFeatures !== i || p.outFeatures !== o) {
        throw fail(`${p.key}: weight [${p.inFeatures}, ${p.outFeatures}], config.json implies [${i}, ${o}]`);
      }
    }
    layers.push({
      inputNorm: values(`model.layers.${l}.input_layernorm.weight`, H),
      postNorm: values(`model.layers.${l}.post_attention_layernorm.weight`, H),
      proj,
    });
  }
  if (projections.some((p) => p.layer >= shape.layers)) throw fail("model.onnx has more layers than config.json");
  return {
    dir: modelDir,
    shape,
    embed: values("model.embed_tokens.weight", shape.vocab * H),
    layers,
    finalNorm: values("model.norm.weight", H),
    lmHead,
    projections,
  };
};
