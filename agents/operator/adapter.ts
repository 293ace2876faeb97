/**
 * PEFT LoRA adapters as users already have them: a folder with `adapter_config.json` (r, lora_alpha,
 * target_modules, …) and `adapter_model.safetensors` holding
 * `base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight` [r, in] and
 * `….lora_B.weight` [out, r]. Loading validates the adapter against the base model's targets and the
 * operator's slot rank, and converts it to the operator's layout (Aᵀ, s·Bᵀ).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Data, Schema } from "effect";
import type { AdapterFactors, LoraTarget } from "./lora.ts";
import { type FloatTensor, parseSafetensorsAsync, SafetensorsError, serializeSafetensors } from "./safetensors.ts";
import { type LlamaModule, moduleBlock, prng, uniform } from "./testModel.ts";

export class AdapterError extends Data.TaggedError("AdapterError")<{
  readonly adapter: string;
  readonly message: string;
}> {}

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));

export const AdapterConfig = Schema.Struct({
  peft_type: Schema.optional(Schema.Literal("LORA")),
  r: PositiveInt,
  lora_alpha: Schema.Number,
  /** A list (suffix match on module names), a regex string (full match) or "all-linear", as in PEFT. */
  target_modules: Schema.Union([Schema.Array(Schema.String), Schema.String]),
  /** Per-module rank / alpha overrides, keyed by a regex matched against the end of the module name. */
  rank_pattern: Schema.optional(Schema.NullOr(Schema.Record(Schema.String, PositiveInt))),
  alpha_pattern: Schema.optional(Schema.NullOr(Schema.Record(Schema.String, Schema.Number))),
  use_rslora: Schema.optional(Schema.Boolean),
  use_dora: Schema.optional(Schema.Boolean),
  modules_to_save: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  layers_to_transform: Schema.optional(Schema.NullOr(Schema.Union([Schema.Int, Schema.Array(Schema.Int)]))),
  fan_in_fan_out: Schema.optional(Schema.Boolean),
  bias: Schema.optional(Schema.String),
  base_model_name_or_path: Schema.optional(Schema.NullOr(Schema.String)),
});
export type AdapterConfig = typeof AdapterConfig.Type;
const decodeConfig = Schema.decodeUnknownExit(AdapterConfig);

/** Adapter ids travel in the OpenAI `model` field and name folders: keep them to a safe alphabet. */
export const ADAPTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Which bytes an adapter was built from: sha256 of each file, hex, as `sha256sum` prints it. */
export interface AdapterDigest {
  readonly weightsSha256: string;
  readonly configSha256: string;
}

export interface HostAdapter extends AdapterFactors {
  readonly id: string;
  /** The largest per-target scale (alpha / r, or alpha / sqrt(r) with rsLoRA); per target it is folded into bT. */
  readonly scale: number;
  /** Bytes held in host memory (the compact r-rank factors). */
  readonly bytes: number;
  readonly digest: AdapterDigest;
}

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const KEY = /^base_model\.model\.(?:model\.)?layers\.(\d+)\.(?:[\w]+\.)*?(\w+_proj)\.lora_([AB])\.weight$/;

/** PEFT's module name for a target, as `named_modules()` of the base model spells it. */
const moduleName = (t: LoraTarget) => `model.layers.${t.layer}.${t.block ? `${t.block}.` : ""}${t.module}`;

const compile = (pattern: string, anchored: (p: string) => string, what: string, fail: (m: string) => AdapterError) => {
  try {
    return new RegExp(anchored(pattern), "u");
  } catch {
    throw fail(`${what}: "${pattern}" is not a regular expression this operator can run`);
  }
};

/**
 * Validates and converts a parsed adapter. `targets` are the base model's projections. The conversion
 * yields to the event loop between targets, so a big adapter never stalls the scheduler's batches.
 * `configBytes` (the file as read) is only hashed; pass the JSON text's bytes when building in memory.
 */
export const adapterFromParts = async (
  id: string,
  configJson: unknown,
  safetensors: Uint8Array,
  targets: ReadonlyArray<LoraTarget>,
  slotRank: number,
  configBytes: Uint8Array = new TextEncoder().encode(JSON.stringify(configJson)),
): Promise<HostAdapter> => {
  const fail = (message: string) => new AdapterError({ adapter: id, message });
  const decoded = decodeConfig(configJson);
  if (decoded._tag === "Failure")
    throw fail("adapter_config.json: expected a PEFT LoRA config with r, lora_alpha, target_modules");
  const cfg = decoded.value;
  if (cfg.use_dora)
    throw fail("DoRA adapters (use_dora: true) are not supported: their magnitude vector cannot be served as B·A");
  if (cfg.modules_to_save && cfg.modules_to_save.length > 0) {
    throw fail(
      `modules_to_save [${cfg.modules_to_save.join(", ")}] is not supported: those modules replace base weights, ` +
        "which a shared base model cannot do per request (merge the adapter instead)",
    );
  }
  if (cfg.fan_in_fan_out) throw fail("fan_in_fan_out adapters (GPT-2 Conv1D) are not supported");
  if (cfg.bias !== undefined && cfg.bias !== "none") throw fail(`bias "${cfg.bias}" is not supported, only "none"`);
  const layers =
    cfg.layers_to_transform == null
      ? null
      : new Set(typeof cfg.layers_to_transform === "number" ? [cfg.layers_to_transform] : cfg.layers_to_transform);
  const tm = cfg.target_modules;
  const baseModules = new Set(targets.map((t) => t.module));
  let targeted: (t: LoraTarget) => boolean;
  if (tm === "all-linear")
    targeted = () => true; // every projection; lm_head is never a target here
  else if (typeof tm === "string") {
    const re = compile(tm, (p) => `^(?:${p})$`, "target_modules", fail);
    targeted = (t) => re.test(moduleName(t));
  } else {
    for (const m of tm) {
      if (!baseModules.has(m)) throw fail(`target module ${m} is not a LoRA-able projection of the base model`);
    }
    targeted = (t) => tm.includes(t.module);
  }
  const patterns = (record: Readonly<Record<string, number>> | null | undefined, what: string) =>
    Object.entries(record ?? {}).map(([p, v]) => [compile(p, (q) => `(?:^|.*\\.)(?:${q})$`, what, fail), v] as const);
  const rankPatterns = patterns(cfg.rank_pattern, "rank_pattern");
  const alphaPatterns = patterns(cfg.alpha_pattern, "alpha_pattern");
  const pick = (ps: ReadonlyArray<readonly [RegExp, number]>, name: string, fallback: number) =>
    ps.find(([re]) => re.test(name))?.[1] ?? fallback;
  let file: Awaited<ReturnType<typeof parseSafetensorsAsync>>;
  try {
    file = await parseSafetensorsAsync(safetensors);
  } catch (e) {
    throw fail(`adapter_model.safetensors: ${e instanceof SafetensorsError ? e.message : String(e)}`);
  }
  const byKey = new Map(targets.map((t) => [t.key, t]));
  const pairs = new Map<string, { a?: FloatTensor; b?: FloatTensor }>();
  for (const [name, tensor] of file.tensors) {
    if (name.includes("lora_magnitude_vector")) throw fail(`tensor ${name}: DoRA weights are not supported`);
    if (name.includes("modules_to_save")) throw fail(`tensor ${name}: modules_to_save weights are not supported`);
    const m = KEY.exec(name);
    if (!m) throw fail(`unexpected tensor ${name} (only lora_A / lora_B weights of projections are supported)`);
    const key = `layers.${m[1]}.${m[2]}`;
    const t = byKey.get(key);
    if (!t) throw fail(`tensor ${name}: the base model has no projection ${key}`);
    if (!targeted(t) || (layers !== null && !layers.has(t.layer))) {
      throw fail(`tensor ${name}: module ${moduleName(t)} is not in target_modules`);
    }
    const pair = pairs.get(key) ?? {};
    if (m[3] === "A") pair.a = tensor;
    else pair.b = tensor;
    pairs.set(key, pair);
  }
  if (pairs.size === 0) throw fail("adapter_model.safetensors holds no LoRA weights");
  const factors = new Map<string, { aT: Float32Array; bT: Float32Array; rank: number }>();
  let bytes = 0;
  let maxRank = 0;
  let maxScale = 0;
  for (const [key, { a, b }] of pairs) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const t = byKey.get(key)!;
    if (!a || !b) throw fail(`${key}: lora_A and lora_B must both be present`);
    const name = moduleName(t);
    const r = pick(rankPatterns, name, cfg.r);
    const alpha = pick(alphaPatterns, name, cfg.lora_alpha);
    if (r > slotRank) throw fail(`${name}: rank ${r} exceeds the operator's slot rank ${slotRank}`);
    const scale = cfg.use_rslora ? alpha / Math.sqrt(r) : alpha / r;
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
    factors.set(key, { aT, bT, rank: r });
    bytes += aT.byteLength + bT.byteLength;
    maxRank = Math.max(maxRank, r);
    maxScale = Math.max(maxScale, scale);
  }
  return {
    id,
    rank: maxRank,
    scale: maxScale,
    factors,
    bytes,
    digest: { weightsSha256: sha256Hex(safetensors), configSha256: sha256Hex(configBytes) },
  };
};

/** Reads `<dir>/adapter_config.json` and `<dir>/adapter_model.safetensors`. */
export const loadAdapterDir = async (
  id: string,
  dir: string,
  targets: ReadonlyArray<LoraTarget>,
  slotRank: number,
): Promise<HostAdapter> => {
  let configBytes: Uint8Array;
  let weights: Uint8Array;
  try {
    [configBytes, weights] = await Promise.all([
      readFile(join(dir, "adapter_config.json")),
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
    json = JSON.parse(new TextDecoder().decode(configBytes));
  } catch {
    throw new AdapterError({ adapter: id, message: "adapter_config.json is not JSON" });
  }
  return adapterFromParts(id, json, weights, targets, slotRank, configBytes);
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
