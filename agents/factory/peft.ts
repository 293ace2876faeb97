/**
 * The factory's output: a PEFT LoRA folder, exactly what `peft`'s `model.save_pretrained()` writes for
 * a Llama model and what the operator loads (agents/operator/adapter.ts):
 *
 * - `adapter_config.json`: `peft_type: "LORA"`, `task_type: "CAUSAL_LM"`, `r`, `lora_alpha`,
 *   `target_modules` (a sorted list of module names), `lora_dropout: 0`, `bias: "none"`,
 *   `use_rslora: false`, `use_dora: false`, `fan_in_fan_out: false`, `base_model_name_or_path`.
 * - `adapter_model.safetensors`: F32 tensors
 *   `base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight` [r, in] and
 *   `….lora_B.weight` [out, r], header `__metadata__ {"format": "pt"}` (what PEFT's torch save writes).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FloatTensor, parseSafetensors, serializeSafetensors } from "../operator/safetensors.ts";
import type { LoraLayout, LoraTargetSlot } from "./llama.ts";

export const tensorPrefix = (t: LoraTargetSlot) =>
  `base_model.model.model.layers.${t.projection.layer}.${t.projection.block ? `${t.projection.block}.` : ""}${t.projection.module}`;

export const peftConfig = (layout: LoraLayout, baseName: string) => ({
  alpha_pattern: {},
  auto_mapping: null,
  base_model_name_or_path: baseName,
  bias: "none",
  fan_in_fan_out: false,
  inference_mode: true,
  init_lora_weights: true,
  layers_pattern: null,
  layers_to_transform: null,
  lora_alpha: layout.alpha,
  lora_dropout: 0,
  modules_to_save: null,
  peft_type: "LORA",
  r: layout.rank,
  rank_pattern: {},
  revision: null,
  target_modules: [...layout.modules].sort(),
  task_type: "CAUSAL_LM",
  use_dora: false,
  use_rslora: false,
});

/** The adapter's tensors (float32, as written). */
export const peftTensors = (layout: LoraLayout, params: Float64Array): Map<string, FloatTensor> => {
  const tensors = new Map<string, FloatTensor>();
  for (const t of layout.targets) {
    const aSize = t.offsetB - t.offsetA;
    tensors.set(`${tensorPrefix(t)}.lora_A.weight`, {
      shape: [layout.rank, t.projection.inFeatures],
      data: Float32Array.from(params.subarray(t.offsetA, t.offsetA + aSize)),
    });
    tensors.set(`${tensorPrefix(t)}.lora_B.weight`, {
      shape: [t.projection.outFeatures, layout.rank],
      data: Float32Array.from(params.subarray(t.offsetB, t.offsetA + t.size)),
    });
  }
  return tensors;
};

export interface PeftFiles {
  readonly config: Uint8Array;
  readonly weights: Uint8Array;
}

export const peftFiles = (layout: LoraLayout, params: Float64Array, baseName: string): PeftFiles => ({
  config: new TextEncoder().encode(`${JSON.stringify(peftConfig(layout, baseName), null, 2)}\n`),
  weights: serializeSafetensors(peftTensors(layout, params), { format: "pt" }),
});

/** Writes the folder atomically per file (temp name, then rename). */
export const writePeftDir = (dir: string, files: PeftFiles): void => {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of [
    ["adapter_config.json", files.config],
    ["adapter_model.safetensors", files.weights],
  ] as const) {
    writeFileSync(join(dir, `${name}.tmp`), bytes);
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
  }
};

/** The flat parameter vector of an adapter in this layout (every target's A and B must be present). */
export const paramsFromTensors = (layout: LoraLayout, tensors: ReadonlyMap<string, FloatTensor>): Float64Array => {
  const params = new Float64Array(layout.size);
  for (const t of layout.targets) {
    const a = tensors.get(`${tensorPrefix(t)}.lora_A.weight`);
    const b = tensors.get(`${tensorPrefix(t)}.lora_B.weight`);
    if (!a || !b) throw new RangeError(`${tensorPrefix(t)}: lora_A / lora_B missing`);
    if (a.data.length !== t.offsetB - t.offsetA || b.data.length !== t.offsetA + t.size - t.offsetB) {
      throw new RangeError(`${tensorPrefix(t)}: shapes do not match rank ${layout.rank}`);
    }
    params.set(a.data, t.offsetA);
    params.set(b.data, t.offsetB);
  }
  return params;
};

export const readPeftParams = (dir: string, layout: LoraLayout): Float64Array =>
  paramsFromTensors(layout, parseSafetensors(readFileSync(join(dir, "adapter_model.safetensors"))).tensors);
