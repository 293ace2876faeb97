/**
 * A tiny Llama-style decoder written straight to ONNX, with the graph shape of an `optimum-cli export
 * onnx --task text-generation-with-past` export of a Llama/Mistral model:
 *
 * - inputs `input_ids`, `attention_mask`, `position_ids` [batch, seq] int64 and
 *   `past_key_values.{i}.key|value` [batch, kv_heads, past, head_dim];
 * - outputs `logits` [batch, seq, vocab] and `present.{i}.key|value` [batch, kv_heads, past+seq, head_dim];
 * - every projection is a MatMul node named like the export's `/model/layers.{i}/self_attn/q_proj/MatMul`,
 *   which is what the LoRA rewrite (lora.ts) keys on.
 *
 * Weights come from a seeded PRNG, so the same config always yields the same bytes. The folder also
 * gets an HF-style config.json and a byte-level BPE tokenizer.json (256 byte tokens + `<s>`, `</s>`).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { onnx as OnnxNamespace } from "onnx-proto";
import { encodeModel, floatTensor, floatValues, int64Tensor, model, node, onnx, valueInfo } from "../onnx/graph.ts";
import { f32ToF16 } from "./half.ts";

export interface TinyLlamaConfig {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  readonly seed: number;
  /** Key/value heads (grouped-query attention when fewer than numHeads); numHeads by default. */
  readonly kvHeads?: number;
  /** "float16": weights, activations, KV cache and logits in half precision, as an `--fp16` export. */
  readonly dtype?: "float32" | "float16";
}

export const TINY_LLAMA: TinyLlamaConfig = {
  hiddenSize: 32,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 64,
  maxPositions: 256,
  seed: 7,
};

export const BYTE_VOCAB = 258;
export const BOS_ID = 256;
export const EOS_ID = 257;
const RMS_EPS = 1e-5;
const ROPE_THETA = 10_000;

/** mulberry32: a tiny deterministic PRNG (uniform in [0, 1)). */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const uniform = (rand: () => number, count: number, bound: number) =>
  Float32Array.from({ length: count }, () => (rand() * 2 - 1) * bound);

/** The projections a Llama layer has, as PEFT names them in `target_modules`. */
export const LLAMA_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;
export type LlamaModule = (typeof LLAMA_MODULES)[number];
export const moduleBlock = (m: LlamaModule): "self_attn" | "mlp" =>
  m === "gate_proj" || m === "up_proj" || m === "down_proj" ? "mlp" : "self_attn";

export const buildTinyLlama = (cfg: TinyLlamaConfig = TINY_LLAMA): OnnxNamespace.IModelProto => {
  const { hiddenSize: H, numLayers, numHeads: nh, intermediateSize: I, maxPositions } = cfg;
  const hd = H / nh;
  if (!Number.isInteger(hd) || hd % 2 !== 0) throw new RangeError(`hidden ${H} / heads ${nh} must be an even integer`);
  const kvh = cfg.kvHeads ?? nh;
  if (nh % kvh !== 0) throw new RangeError(`heads ${nh} must be a multiple of kv heads ${kvh}`);
  const groups = nh / kvh;
  const half = cfg.dtype === "float16";
  const rand = prng(cfg.seed);
  const nodes: OnnxNamespace.INodeProto[] = [];
  const inits: OnnxNamespace.ITensorProto[] = [];
  const add = (n: OnnxNamespace.INodeProto) => nodes.push(n);
  const weight = (name: string, rows: number, cols: number) => {
    inits.push(floatTensor(name, [rows, cols], uniform(rand, rows * cols, 1 / Math.sqrt(rows))));
    return name;
  };
  const ones = (name: string, n: number) => {
    inits.push(
      floatTensor(
        name,
        [n],
        Float32Array.from({ length: n }, () => 1 + (rand() - 0.5) * 0.2),
      ),
    );
    return name;
  };
  const i64 = (name: string, dims: number[], values: number[]) => {
    inits.push(int64Tensor(name, dims, values));
    return name;
  };
  const f32 = (name: string, values: number[]) => {
    inits.push(floatTensor(name, values.length === 1 ? [] : [values.length], values));
    return name;
  };
  const rmsNorm = (x: string, gain: string, prefix: string) => {
    add(node("Mul", [x, x], [`${prefix}/sq`], {}, { name: `${prefix}/Pow` }));
    add(node("ReduceMean", [`${prefix}/sq`], [`${prefix}/mean`], { axes: [-1], keepdims: 1 }));
    add(node("Add", [`${prefix}/mean`, "const_eps"], [`${prefix}/var`]));
    add(node("Sqrt", [`${prefix}/var`], [`${prefix}/std`]));
    add(node("Div", [x, `${prefix}/std`], [`${prefix}/normed`]));
    add(node("Mul", [`${prefix}/normed`, gain], [`${prefix}/out`]));
    return `${prefix}/out`;
  };
  const linear = (x: string, layer: number, m: LlamaModule, rows: number, cols: number) => {
    const base = `/model/layers.${layer}/${moduleBlock(m)}/${m}`;
    const w = weight(`model.layers.${layer}.${moduleBlock(m)}.${m}.weight.T`, rows, cols);
    add(node("MatMul", [x, w], [`${base}/MatMul_output_0`], {}, { name: `${base}/MatMul` }));
    return `${base}/MatMul_output_0`;
  };

  f32("const_eps", [RMS_EPS]);
  f32("const_scale", [1 / Math.sqrt(hd)]);
  f32("const_neg", [half ? -65504 : -1e9]); // -1e9 is -inf in half precision: fully masked rows would be NaN
  i64("const_heads_shape", [4], [0, 0, nh, hd]);
  i64("const_kv_heads_shape", [4], [0, 0, kvh, hd]);
  if (groups > 1) {
    i64("const_groups", [1], [groups]);
    i64("const_repeated_shape", [4], [0, nh, -1, hd]);
    i64("axes_2", [1], [2]);
  }
  i64("const_hidden_shape", [3], [0, 0, H]);
  i64("const_0", [], [0]);
  i64("const_1", [], [1]);
  i64("axes_0", [1], [0]);
  i64("axes_1", [1], [1]);
  i64("axes_12", [2], [1, 2]);
  i64("axes_3", [1], [3]);
  i64("half_start", [1], [0]);
  i64("half_mid", [1], [hd / 2]);
  i64("half_end", [1], [hd]);

  // RoPE tables, HF convention: cos/sin of [angles, angles] so rotate_half pairs i with i + hd/2.
  const cosT = new Float32Array(maxPositions * hd);
  const sinT = new Float32Array(maxPositions * hd);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < hd / 2; i++) {
      const angle = p * ROPE_THETA ** ((-2 * i) / hd);
      cosT[p * hd + i] = cosT[p * hd + i + hd / 2] = Math.cos(angle);
      sinT[p * hd + i] = sinT[p * hd + i + hd / 2] = Math.sin(angle);
    }
  }
  inits.push(floatTensor("rope_cos", [maxPositions, hd], cosT), floatTensor("rope_sin", [maxPositions, hd], sinT));
  add(node("Gather", ["rope_cos", "position_ids"], ["/rope/cos3"], { axis: 0 }));
  add(node("Gather", ["rope_sin", "position_ids"], ["/rope/sin3"], { axis: 0 }));
  add(node("Unsqueeze", ["/rope/cos3", "axes_1"], ["/rope/cos"]));
  add(node("Unsqueeze", ["/rope/sin3", "axes_1"], ["/rope/sin"]));

  // Mask: key j is visible to query i when attention_mask[b, j] = 1 and j <= past + i.
  add(node("Shape", ["input_ids"], ["/mask/s1"], { start: 1, end: 2 }));
  add(node("Shape", ["attention_mask"], ["/mask/t1"], { start: 1, end: 2 }));
  add(node("Squeeze", ["/mask/s1", "axes_0"], ["/mask/s"]));
  add(node("Squeeze", ["/mask/t1", "axes_0"], ["/mask/t"]));
  add(node("Sub", ["/mask/t", "/mask/s"], ["/mask/past"]));
  add(node("Range", ["const_0", "/mask/t", "const_1"], ["/mask/kpos"]));
  add(node("Range", ["/mask/past", "/mask/t", "const_1"], ["/mask/qpos1"]));
  add(node("Unsqueeze", ["/mask/qpos1", "axes_1"], ["/mask/qpos"]));
  add(node("LessOrEqual", ["/mask/kpos", "/mask/qpos"], ["/mask/causal"]));
  add(node("Cast", ["attention_mask"], ["/mask/am"], { to: 9 /* BOOL */ }));
  add(node("Unsqueeze", ["/mask/am", "axes_12"], ["/mask/am4"]));
  add(node("And", ["/mask/causal", "/mask/am4"], ["/mask/allowed"]));

  inits.push(floatTensor("model.embed_tokens.weight", [BYTE_VOCAB, H], uniform(rand, BYTE_VOCAB * H, 1)));
  add(node("Gather", ["model.embed_tokens.weight", "input_ids"], ["/model/embed_tokens/Gather_output_0"], { axis: 0 }));
  let x = "/model/embed_tokens/Gather_output_0";

  const rope = (t: string, prefix: string) => {
    add(node("Slice", [t, "half_start", "half_mid", "axes_3"], [`${prefix}/x1`]));
    add(node("Slice", [t, "half_mid", "half_end", "axes_3"], [`${prefix}/x2`]));
    add(node("Neg", [`${prefix}/x2`], [`${prefix}/nx2`]));
    add(node("Concat", [`${prefix}/nx2`, `${prefix}/x1`], [`${prefix}/rot`], { axis: 3 }));
    add(node("Mul", [t, "/rope/cos"], [`${prefix}/xc`]));
    add(node("Mul", [`${prefix}/rot`, "/rope/sin"], [`${prefix}/rs`]));
    add(node("Add", [`${prefix}/xc`, `${prefix}/rs`], [`${prefix}/out`]));
    return `${prefix}/out`;
  };
  const heads = (t: string, prefix: string, shape = "const_heads_shape") => {
    add(node("Reshape", [t, shape], [`${prefix}/r`]));
    add(node("Transpose", [`${prefix}/r`], [`${prefix}/t`], { perm: [0, 2, 1, 3] }));
    return `${prefix}/t`;
  };
  /** HF's repeat_kv: [b, kvh, t, d] → [b, kvh·groups, t, d], each KV head shared by `groups` query heads. */
  const repeatKv = (t: string, prefix: string) => {
    if (groups === 1) return t;
    add(node("Unsqueeze", [t, "axes_2"], [`${prefix}/u`]));
    add(node("Shape", [t], [`${prefix}/s01`], { start: 0, end: 2 }));
    add(node("Shape", [t], [`${prefix}/s23`], { start: 2, end: 4 }));
    add(node("Concat", [`${prefix}/s01`, "const_groups", `${prefix}/s23`], [`${prefix}/shape`], { axis: 0 }));
    add(node("Expand", [`${prefix}/u`, `${prefix}/shape`], [`${prefix}/e`]));
    add(node("Reshape", [`${prefix}/e`, "const_repeated_shape"], [`${prefix}/out`]));
    return `${prefix}/out`;
  };

  for (let l = 0; l < numLayers; l++) {
    const p = `/model/layers.${l}`;
    const h = rmsNorm(x, ones(`model.layers.${l}.input_layernorm.weight`, H), `${p}/input_layernorm`);
    const q = rope(heads(linear(h, l, "q_proj", H, H), `${p}/self_attn/q`), `${p}/self_attn/q_rope`);
    const k = rope(
      heads(linear(h, l, "k_proj", H, kvh * hd), `${p}/self_attn/k`, "const_kv_heads_shape"),
      `${p}/self_attn/k_rope`,
    );
    const v = heads(linear(h, l, "v_proj", H, kvh * hd), `${p}/self_attn/v`, "const_kv_heads_shape");
    add(node("Concat", [`past_key_values.${l}.key`, k], [`present.${l}.key`], { axis: 2 }));
    add(node("Concat", [`past_key_values.${l}.value`, v], [`present.${l}.value`], { axis: 2 }));
    const keys = repeatKv(`present.${l}.key`, `${p}/self_attn/repeat_k`);
    const values = repeatKv(`present.${l}.value`, `${p}/self_attn/repeat_v`);
    add(node("Transpose", [keys], [`${p}/self_attn/kT`], { perm: [0, 1, 3, 2] }));
    add(node("MatMul", [q, `${p}/self_attn/kT`], [`${p}/self_attn/qk`]));
    add(node("Mul", [`${p}/self_attn/qk`, "const_scale"], [`${p}/self_attn/scores`]));
    add(node("Where", ["/mask/allowed", `${p}/self_attn/scores`, "const_neg"], [`${p}/self_attn/masked`]));
    add(node("Softmax", [`${p}/self_attn/masked`], [`${p}/self_attn/probs`], { axis: -1 }));
    add(node("MatMul", [`${p}/self_attn/probs`, values], [`${p}/self_attn/ctx4`]));
    add(node("Transpose", [`${p}/self_attn/ctx4`], [`${p}/self_attn/ctxT`], { perm: [0, 2, 1, 3] }));
    add(node("Reshape", [`${p}/self_attn/ctxT`, "const_hidden_shape"], [`${p}/self_attn/ctx`]));
    const o = linear(`${p}/self_attn/ctx`, l, "o_proj", H, H);
    add(node("Add", [x, o], [`${p}/attn_residual`]));
    x = `${p}/attn_residual`;
    const h2 = rmsNorm(
      x,
      ones(`model.layers.${l}.post_attention_layernorm.weight`, H),
      `${p}/post_attention_layernorm`,
    );
    const gate = linear(h2, l, "gate_proj", H, I);
    const up = linear(h2, l, "up_proj", H, I);
    add(node("Sigmoid", [gate], [`${p}/mlp/sig`]));
    add(node("Mul", [gate, `${p}/mlp/sig`], [`${p}/mlp/silu`]));
    add(node("Mul", [`${p}/mlp/silu`, up], [`${p}/mlp/act`]));
    const down = linear(`${p}/mlp/act`, l, "down_proj", I, H);
    add(node("Add", [x, down], [`${p}/mlp_residual`]));
    x = `${p}/mlp_residual`;
  }
  const normed = rmsNorm(x, ones("model.norm.weight", H), "/model/norm");
  add(node("MatMul", [normed, weight("lm_head.weight.T", H, BYTE_VOCAB)], ["logits"], {}, { name: "/lm_head/MatMul" }));

  const kv = (name: string, past: string) => valueInfo(name, "float32", ["batch_size", kvh, past, hd]);
  const built = model({
    name: "tiny-llama",
    inputs: [
      valueInfo("input_ids", "int64", ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", "int64", ["batch_size", "total_sequence_length"]),
      valueInfo("position_ids", "int64", ["batch_size", "sequence_length"]),
      ...Array.from({ length: numLayers }, (_, l) => [
        kv(`past_key_values.${l}.key`, "past_sequence_length"),
        kv(`past_key_values.${l}.value`, "past_sequence_length"),
      ]).flat(),
    ],
    outputs: [
      valueInfo("logits", "float32", ["batch_size", "sequence_length", BYTE_VOCAB]),
      ...Array.from({ length: numLayers }, (_, l) => [
        kv(`present.${l}.key`, "total_sequence_length"),
        kv(`present.${l}.value`, "total_sequence_length"),
      ]).flat(),
    ],
    nodes,
    initializers: inits,
  });
  return half ? toHalf(built) : built;
};

/**
 * Half precision throughout, as an fp16 export: float initializers, the KV cache inputs/outputs and the
 * logits become float16; every op then runs in float16.
 */
const toHalf = (m: OnnxNamespace.IModelProto): OnnxNamespace.IModelProto => {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
  for (const t of m.graph!.initializer ?? []) {
    if (t.dataType !== FLOAT) continue;
    const values = floatValues(t);
    const bits = Uint16Array.from(values, f32ToF16);
    t.dataType = FLOAT16;
    t.rawData = new Uint8Array(bits.buffer);
    t.floatData = [];
  }
  for (const v of [...(m.graph!.input ?? []), ...(m.graph!.output ?? [])]) {
    if (v.type?.tensorType?.elemType === FLOAT) v.type.tensorType.elemType = FLOAT16;
  }
  return m;
};

/** GPT-2's byte ↔ printable-unicode map, which byte-level BPE vocabularies are written in. */
const bytesToUnicode = (): Map<number, string> => {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const map = new Map<number, string>(bs.map((b) => [b, String.fromCodePoint(b)]));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!map.has(b)) map.set(b, String.fromCodePoint(256 + n++));
  return map;
};

/** A byte-level BPE tokenizer.json with no merges: token id = byte value, then `<s>` and `</s>`. */
export const byteLevelTokenizerJson = () => {
  const vocab: Record<string, number> = {};
  for (const [b, ch] of bytesToUnicode()) vocab[ch] = b;
  vocab["<s>"] = BOS_ID;
  vocab["</s>"] = EOS_ID;
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(BOS_ID, "<s>"), special(EOS_ID, "</s>")],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
};

/** The HF config.json fields the operator reads (a real export's config.json has them too). */
export const hfConfig = (cfg: TinyLlamaConfig) => ({
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: cfg.hiddenSize,
  intermediate_size: cfg.intermediateSize,
  num_hidden_layers: cfg.numLayers,
  num_attention_heads: cfg.numHeads,
  num_key_value_heads: cfg.kvHeads ?? cfg.numHeads,
  torch_dtype: cfg.dtype === "float16" ? "float16" : "float32",
  max_position_embeddings: cfg.maxPositions,
  vocab_size: BYTE_VOCAB,
  rms_norm_eps: RMS_EPS,
  rope_theta: ROPE_THETA,
  bos_token_id: BOS_ID,
  eos_token_id: EOS_ID,
});

/** A Jinja chat template in the style of Zephyr's, run by the operator like a real model's. */
export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

/**
 * A base model's chat template: the messages' contents after BOS, no roles. A model fine-tuned on plain
 * text (a memorizing adapter, docs/run-a-node.md) continues the user's text as it continues a document.
 */
export const PLAIN_CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}";

/** Writes model.onnx, config.json, tokenizer.json and tokenizer_config.json into `dir`. */
export const writeTinyLlama = async (
  dir: string,
  cfg: TinyLlamaConfig = TINY_LLAMA,
  chatTemplate: string = CHAT_TEMPLATE,
) => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "model.onnx"), encodeModel(buildTinyLlama(cfg)));
  await writeFile(join(dir, "config.json"), JSON.stringify(hfConfig(cfg), null, 2));
  await writeFile(join(dir, "tokenizer.json"), JSON.stringify(byteLevelTokenizerJson()));
  await writeFile(
    join(dir, "tokenizer_config.json"),
    JSON.stringify(
      { bos_token: "<s>", eos_token: "</s>", model_max_length: cfg.maxPositions, chat_template: chatTemplate },
      null,
      2,
    ),
  );
};

/**
 * Moves every initializer of at least `minBytes` into one side file, the layout exports of models over
 * 2 GB use (`model.onnx` + `model.onnx_data`): the tensor keeps its dims and points at (location, offset, length).
 */
export const withExternalData = (
  m: OnnxNamespace.IModelProto,
  location: string,
  minBytes = 1024,
): { readonly model: OnnxNamespace.IModelProto; readonly data: Uint8Array } => {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(m).finish());
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of copy.graph?.initializer ?? []) {
    const raw = t.rawData;
    if (!raw || raw.length < minBytes) continue;
    const pad = (64 - (offset % 64)) % 64; // ORT memory-maps aligned offsets
    if (pad > 0) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(new Uint8Array(raw));
    t.externalData = [
      onnx.StringStringEntryProto.create({ key: "location", value: location }),
      onnx.StringStringEntryProto.create({ key: "offset", value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: "length", value: String(raw.length) }),
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model: copy, data };
};
