/**
 * A Model Factory adapter as an attribution index of the network (kind "lora" of method gradient,
 * docs/model-factory.md "Served by the network"): the directory `<dataDir>/indexes/<commitment>/` holds
 *
 *   index.bin                     the run's gradient index (POAGIDX v1); its commitment is the registered one
 *   training.json                 the training record; keccak256 = the index header's `gradientGraph`
 *   model.onnx config.json        the base model, each file's keccak256 in training.json (`base`)
 *   tokenizer.json
 *   ck-{k}.safetensors            the LoRA checkpoints, keccak256 in training.json (`checkpoints`), whose
 *                                 hashes' hash is the index header's `checkpoints`
 *
 * so the commitment (which hashes the index header) binds every byte used to compute an answer's
 * gradient. `openLoraIndex` checks all of it before anything is served; `installLoraIndex` copies a
 * finished run (+ its base model) there.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Data } from "effect";
import { type Hex, keccak256 } from "viem";
import { checkpointsHash, type FactoryAttributor, makeFactoryAttributor } from "../../factory/attribution.ts";
import { loadBase } from "../../factory/base.ts";
import { loraLayout } from "../../factory/llama.ts";
import { paramsFromTensors } from "../../factory/peft.ts";
import { readRecord, type TrainingRecord } from "../../factory/train.ts";
import { loadTextCodec } from "../../operator/operator.ts";
import { parseSafetensors } from "../../operator/safetensors.ts";
import { decodeIndex } from "../gradient/gradient-index.ts";
import { installIndex, loraCheckpointFile, MAX_LORA_CHECKPOINTS, removeDir, stagingDir } from "../index-store.ts";

/** The directory does not hold a LoRA index that matches itself (or its commitment). */
export class LoraIndexError extends Data.TaggedError("LoraIndexError")<{
  readonly dir: string;
  readonly message: string;
}> {}

export interface LoraIndexModel {
  readonly dir: string;
  readonly commitment: Hex;
  readonly record: TrainingRecord;
  readonly attributor: FactoryAttributor;
  /** The base model's tokenizer, no special tokens (BOS is added by the query). */
  readonly encode: (text: string) => ReadonlyArray<number>;
}

const fileHash = (dir: string, name: string): Hex => {
  try {
    return keccak256(readFileSync(join(dir, name)));
  } catch {
    throw new LoraIndexError({ dir, message: `${name} is missing` });
  }
};

/** The flat name a checkpoint of the record has in an index directory. */
const checkpointName = (record: TrainingRecord, k: number): string => {
  const c = record.checkpoints.find((x) => x.index === k);
  if (c === undefined || k >= MAX_LORA_CHECKPOINTS) throw new RangeError(`no checkpoint ${k}`);
  return loraCheckpointFile(k);
};

/** Opens and checks a LoRA index directory: every file against training.json, training.json against index.bin. */
export const openLoraIndex = async (dir: string): Promise<LoraIndexModel> => {
  const fail = (message: string) => new LoraIndexError({ dir, message });
  let record: TrainingRecord;
  let recordHash: Hex;
  try {
    ({ record, hash: recordHash } = readRecord(dir));
  } catch (cause) {
    throw fail(cause instanceof Error ? cause.message : String((cause as { message?: unknown }).message ?? cause));
  }
  const index = (() => {
    try {
      return decodeIndex(new Uint8Array(readFileSync(join(dir, "index.bin"))), join(dir, "index.bin"));
    } catch (cause) {
      throw fail(`index.bin: ${(cause as { message?: unknown }).message ?? String(cause)}`);
    }
  })();
  if (index.header.gradientGraph !== recordHash) {
    throw fail(
      `index.bin was built for training record ${index.header.gradientGraph}, training.json hashes to ${recordHash}`,
    );
  }
  const checks: Array<[string, string]> = [
    ["model.onnx", record.base.modelKeccak256],
    ["config.json", record.base.configKeccak256],
    ["tokenizer.json", record.base.tokenizerKeccak256],
  ];
  for (const [name, expected] of checks) {
    if (fileHash(dir, name) !== expected) throw fail(`${name} is not the base model file training.json names`);
  }
  if (checkpointsHash(record) !== index.header.checkpoints) {
    throw fail("training.json's checkpoints are not the ones index.bin was built over");
  }
  if (record.checkpoints.length > MAX_LORA_CHECKPOINTS) {
    throw fail(`${record.checkpoints.length} checkpoints: at most ${MAX_LORA_CHECKPOINTS} travel in an index`);
  }
  let base: ReturnType<typeof loadBase>;
  try {
    base = loadBase(dir);
  } catch (cause) {
    throw fail(`base model: ${(cause as { message?: unknown }).message ?? String(cause)}`);
  }
  const h = record.hyperparameters;
  const layout = loraLayout(base, h.targets, h.rank, h.alpha);
  const checkpoints = [...record.checkpoints]
    .sort((a, b) => a.index - b.index)
    .map((c) => {
      const name = checkpointName(record, c.index);
      const bytes = (() => {
        try {
          return readFileSync(join(dir, name));
        } catch {
          throw fail(`${name} is missing`);
        }
      })();
      if (keccak256(bytes) !== c.keccak256) throw fail(`${name} does not match its hash in training.json`);
      return paramsFromTensors(layout, parseSafetensors(new Uint8Array(bytes)).tensors);
    });
  const codec = await loadTextCodec(dir);
  const attributor = makeFactoryAttributor(base, layout, checkpoints, index);
  return {
    dir,
    commitment: attributor.commitment,
    record,
    attributor,
    encode: (text) => codec.tokenizer.encode(text, { add_special_tokens: false }).ids,
  };
};

/**
 * Copies a finished factory run (`runDir`: training.json, index.bin, checkpoints/) and its base model
 * folder into `<dataDir>/indexes/<commitment>/` through a staging directory, checked as a node would
 * check it; returns the installed directory and its commitment.
 */
export const installLoraIndex = async (
  dataDir: string,
  runDir: string,
  baseDir: string,
): Promise<{ readonly dir: string; readonly commitment: Hex }> => {
  const { record } = readRecord(runDir);
  const staging = stagingDir(dataDir);
  try {
    for (const name of ["index.bin", "training.json"]) copyFileSync(join(runDir, name), join(staging, name));
    for (const name of ["model.onnx", "config.json", "tokenizer.json"]) {
      copyFileSync(join(baseDir, name), join(staging, name));
    }
    for (const c of record.checkpoints) {
      copyFileSync(join(runDir, c.file), join(staging, checkpointName(record, c.index)));
    }
    const opened = await openLoraIndex(staging);
    return { dir: installIndex(staging, dataDir, opened.commitment), commitment: opened.commitment };
  } catch (cause) {
    removeDir(staging);
    throw cause;
  }
};
