/**
 * The test setup `operator make-test-model` writes and the tests and bench use: the tiny Llama in
 * `<dir>/model` and N random PEFT adapters in `<dir>/adapters/tiny-lora-NNNN`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomPeftAdapter } from "./adapter.ts";
import { listTargets } from "./lora.ts";
import { buildTinyLlama, TINY_LLAMA, type TinyLlamaConfig, writeTinyLlama } from "./testModel.ts";

export const testAdapterId = (i: number) => `tiny-lora-${String(i).padStart(4, "0")}`;

/** Rank of test adapter i: 2, 4 or 8, so slot padding is always exercised. */
export const testAdapterRank = (i: number) => [2, 4, 8][i % 3]!;

export const writeTestSetup = async (
  dir: string,
  opts: { readonly adapters: number; readonly config?: TinyLlamaConfig; readonly chatTemplate?: string },
): Promise<{ modelDir: string; adaptersDir: string; ids: string[] }> => {
  const config = opts.config ?? TINY_LLAMA;
  const modelDir = join(dir, "model");
  const adaptersDir = join(dir, "adapters");
  await writeTinyLlama(modelDir, config, opts.chatTemplate);
  const targets = listTargets(buildTinyLlama(config));
  const ids: string[] = [];
  for (let i = 0; i < opts.adapters; i++) {
    const id = testAdapterId(i);
    const rank = testAdapterRank(i);
    const { config: cfg, safetensors } = randomPeftAdapter(targets, { seed: 1000 + i, rank, alpha: 2 * rank });
    const at = join(adaptersDir, id);
    await mkdir(at, { recursive: true });
    await writeFile(join(at, "adapter_config.json"), JSON.stringify(cfg, null, 2));
    await writeFile(join(at, "adapter_model.safetensors"), safetensors);
    ids.push(id);
  }
  return { modelDir, adaptersDir, ids };
};
