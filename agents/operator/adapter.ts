/**
 * PEFT LoRA adapters as users already have them: a folder with `adapter_config.json` (r, lora_alpha,
 * target_modules, …) and `adapter_model.safetensors` holding
 * `base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight` [r, in] and
 * `….lora_B.weight` [out, r]. Loading validates the adapter against the base model's targets and the
 * operator's slot rank, and converts it to the operator's layout (Aᵀ, s·Bᵀ).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Data, Schema } from "effect";
import type { AdapterFactors, LoraTarget } from "./lora.ts";
import { type FloatTensor, parseSafetensors, SafetensorsError, serializeSafetensors } from "./safetensors.ts";
import { type LlamaModule, moduleBlock, prng, uniform } from "./testModel.ts";

export class AdapterError extends Data.TaggedError("AdapterError")<{
  readonly adapter: string;
  readonly message: string;
}> {}

export const AdapterConfig = Schema.Struct({
  peft_type: Schema.optional(Schema.Literal("LORA")),
  r: Schema.Int.check(Schema.isGreaterThan(0)),
  lora_alpha: Schema.Number,
  target_modules: Schema.Union([Schema.Array(Schema.String), Schema.String]),
  use_rslora: Schema.optional(Schema.Boolean),
  use_dora: Schema.optional(Schema.Boolean),
  fan_in_fan_out: Schema.optional(Schema.Boolean),
  bias: Schema.optional(Schema.String),
  base_model_name_or_path: Schema.optional(Schema.NullOr(Schema.String)),
});
export type AdapterConfig = typeof AdapterConfig.Type;
const decodeConfig = Schema.decodeUnknownExit(AdapterConfig);

/** Adapter ids travel in the OpenAI `model` field and name folders: keep them to a safe alphabet. */
export const ADAPTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface HostAdapter extends AdapterFactors {
  readonly id: string;
  readonly scale: number;
  /** Bytes held in host memory (the compact r-rank factors). */
  readonly bytes: number;
}

const KEY = /^base_model\.model\.(?:model\.)?layers\.(\d+)\.(?:[\w]+\.)*?(\w+_proj)\.lora_([AB])\.weight$/;

/**
 * Validates and converts a parsed adapter. `targets` are the base model's projections. The conversion
 * yields to the event loop between targets, so a big adapter never stalls the scheduler's batches.
 */
export const adapterFromParts = async (
  id: string,
  configJson: unknown,
  safetensors: Uint8Array,
  targets: ReadonlyArray<LoraTarget>,
  slotRank: number,
): Promise<HostAdapter> => {
  const fail = (message: string) => new AdapterError({ adapter: id, message });
  const decoded = decodeConfig(configJson);
  if (decoded._tag === "Failure")
    throw fail("adapter_config.json: expected a PEFT LoRA config with r, lora_alpha, target_modules");
  const cfg = decoded.value;
  if (cfg.use_dora) throw fail("DoRA adapters are not supported");
  if (cfg.fan_in_fan_out) throw fail("fan_in_fan_out adapters (GPT-2 Conv1D) are not supported");
  if (cfg.bias !== undefined && cfg.bias !== "none") throw fail(`bias "${cfg.bias}" is not supported, only "none"`);
  if (cfg.r > slotRank) throw fail(`rank ${cfg.r} exceeds the operator's slot rank ${slotRank}`);
  const byKey = new Map(targets.map((t) => [t.key, t]));
  const baseModules = new Set(targets.map((t) => t.module));
  const wanted = typeof cfg.target_modules === "string" ? [cfg.target_modules] : cfg.target_modules;
  for (const m of wanted) {
    if (!baseModules.has(m)) throw fail(`target module ${m} is not a LoRA-able projection of the base model`);
  }
  let file: ReturnType<typeof parseSafetensors>;
  try {
    file = parseSafetensors(safetensors);
  } catch (e) {
    throw fail(`adapter_model.safetensors: ${e instanceof SafetensorsError ? e.message : String(e)}`);
  }
  const pairs = new Map<string, { a?: FloatTensor; b?: FloatTensor }>();
  for (const [name, tensor] of file.tensors) {
    const m = KEY.exec(name);
    if (!m) throw fail(`unexpected tensor ${name} (only lora_A / lora_B weights of projections are supported)`);
    const key = `layers.${m[1]}.${m[2]}`;
    if (!byKey.has(key)) throw fail(`tensor ${name}: the base model has no projection ${key}`);
    if (!wanted.includes(m[2]!)) throw fail(`tensor ${name}: module ${m[2]} is not in target_modules`);
    const pair = pairs.get(key) ?? {};
    if (m[3] === "A") pair.a = tensor;
    else pair.b = tensor;
    pairs.set(key, pair);
  }
  if (pairs.size === 0) throw fail("adapter_model.safetensors holds no LoRA weights");
  const scale = cfg.use_rslora ? cfg.lora_alpha / Math.sqrt(cfg.r) : cfg.lora_alpha / cfg.r;
  const r = cfg.r;
  const factors = new Map<string, { aT: Float32Array; bT: Float32Array }>();
  let bytes = 0;
  for (const [key, { a, b }] of pairs) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const t = byKey.get(key)!;
    if (!a || !b) throw fail(`${key}: lora_A and lora_B must both be present`);
    const [ar, ac] = a.shape;
    const [br, bc] = b.shape;
    if (a.shape.length !== 2 || ar !== r || ac !== t.inFeatures) {
      throw fail(`${key}.lora_A: shape [${a.shape.join(", ")}], expected [${r}, ${t.inFeatures}]`);
    }
    if (b.shape.length !== 2 || br !== t.outFeatures || bc !== r) {
      throw fail(`${key}.lora_B: shape [${b.shape.join(", ")}], expected [${t.outFeatures}, ${r}]`);
    }
    const aT = new Float32Array(t.inFeatures * r);
    for (let j = 0; j < r; j++) for (let i = 0; i < t.inFeatures; i++) aT[i * r + j] = a.data[j * t.inFeatures + i]!;
    const bT = new Float32Array(r * t.outFeatures);
    for (let o = 0; o < t.outFeatures; o++)
      for (let j = 0; j < r; j++) bT[j * t.outFeatures + o] = scale * b.data[o * r + j]!;
    if (!aT.every(Number.isFinite) || !bT.every(Number.isFinite)) throw fail(`${key}: non-finite weights`);
    factors.set(key, { aT, bT });
    bytes += aT.byteLength + bT.byteLength;
  }
  return { id, rank: r, scale, factors, bytes };
};

/** Reads `<dir>/adapter_config.json` and `<dir>/adapter_model.safetensors`. */
export const loadAdapterDir = async (
  id: string,
  dir: string,
  targets: ReadonlyArray<LoraTarget>,
  slotRank: number,
): Promise<HostAdapter> => {
  let configText: string;
  let weights: Uint8Array;
  try {
    [configText, weights] = await Promise.all([
      readFile(join(dir, "adapter_config.json"), "utf8"),
      readFile(join(dir, "adapter_model.safetensors")),
    ]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AdapterError({
      adapter: id,
      message: code === "ENOENT" ? `no adapter at ${dir}` : `cannot read ${dir}: ${code}`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch {
    throw new AdapterError({ adapter: id, message: "adapter_config.json is not JSON" });
  }
  return adapterFromParts(id, json, weights, targets, slotRank);
};

/** A random PEFT adapter for tests and benches (lora_B is non-zero, unlike a freshly initialised one). */
export const randomPeftAdapter = (
  targets: ReadonlyArray<LoraTarget>,
  opts: {
    readonly seed: number;
    readonly rank: number;
    readonly alpha: number;
    readonly modules?: ReadonlyArray<string>;
  },
) => {
  const rand = prng(opts.seed);
  const modules = opts.modules ?? [...new Set(targets.map((t) => t.module))];
  const tensors = new Map<string, FloatTensor>();
  for (const t of targets) {
    if (!modules.includes(t.module)) continue;
    const prefix = `base_model.model.model.layers.${t.layer}.${moduleBlock(t.module as LlamaModule)}.${t.module}`;
    tensors.set(`${prefix}.lora_A.weight`, {
      shape: [opts.rank, t.inFeatures],
      data: uniform(rand, opts.rank * t.inFeatures, 1 / Math.sqrt(t.inFeatures)),
    });
    tensors.set(`${prefix}.lora_B.weight`, {
      shape: [t.outFeatures, opts.rank],
      data: uniform(rand, t.outFeatures * opts.rank, 0.5 / Math.sqrt(opts.rank)),
    });
  }
  const config = {
    peft_type: "LORA",
    r: opts.rank,
    lora_alpha: opts.alpha,
    target_modules: modules,
    bias: "none",
    base_model_name_or_path: "tiny-llama",
  };
  return { config, safetensors: serializeSafetensors(tensors, { format: "pt" }) };
};
