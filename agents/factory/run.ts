/**
 * A factory run folder as a whole: the training data kept by content root (`data/<root>`, re-checked on
 * every read), opening a finished run against its base model, building and loading its gradient index.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Hex, keccak256 } from "viem";
import { contentRoot } from "../content/merkle.ts";
import { encodeIndex, type GradientIndex, indexCommitment } from "../engines/gradient/gradient-index.ts";
import { contentFileName } from "../engines/suffix/datanet.ts";
import { loadTextCodec } from "../operator/operator.ts";
import {
  buildLoraIndex,
  buildLoraIndexThreaded,
  checkpointsHash,
  DEFAULT_LORA_INDEX,
  type FactoryAttributor,
  type LoraIndexOptions,
  loadLoraIndex,
  makeFactoryAttributor,
} from "./attribution.ts";
import { type LlamaBase, loadBase } from "./base.ts";
import { type LoraLayout, loraLayout } from "./llama.ts";
import { type GradPool, makeGradPool } from "./pool.ts";
import {
  chunkDocuments,
  type Example,
  loadCheckpoints,
  readRecord,
  type TrainingDocument,
  TrainingError,
  type TrainingRecord,
} from "./train.ts";

/** The record's documents from `data/`, each checked against its content root. */
export const loadDocuments = (run: string, record: TrainingRecord): TrainingDocument[] =>
  record.data.contributions.map((c) => {
    const file = join(run, "data", contentFileName(c.contentRoot as Hex));
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch {
      throw new TrainingError({ message: `contribution ${c.id}: ${file} is missing` });
    }
    if (bytes.length === 0 || contentRoot(bytes) !== c.contentRoot.toLowerCase()) {
      throw new TrainingError({ message: `contribution ${c.id}: ${file} does not match its content root` });
    }
    return { contributionId: BigInt(c.id), datanetId: BigInt(c.datanetId), contentRoot: c.contentRoot as Hex, bytes };
  });

export interface OpenedRun {
  readonly dir: string;
  readonly record: TrainingRecord;
  readonly recordHash: Hex;
  readonly base: LlamaBase;
  readonly layout: LoraLayout;
  readonly checkpoints: ReadonlyArray<Float64Array>;
  readonly encode: (text: string) => number[];
  readonly examples: ReadonlyArray<Example>;
}

/** Opens a finished run with its base model folder; the base must be the one it was trained on. */
export const openRun = async (dir: string, baseDir: string): Promise<OpenedRun> => {
  const { record, hash } = readRecord(dir);
  const base = loadBase(baseDir);
  if (keccak256(readFileSync(join(baseDir, "model.onnx"))) !== record.base.modelKeccak256) {
    throw new TrainingError({ message: `${baseDir}/model.onnx is not the base model this adapter was trained on` });
  }
  const h = record.hyperparameters;
  const layout = loraLayout(base, h.targets, h.rank, h.alpha);
  const codec = await loadTextCodec(baseDir);
  const encode = (text: string) => codec.tokenizer.encode(text, { add_special_tokens: false }).ids;
  const examples = chunkDocuments(loadDocuments(dir, record), encode, h.seqLen, base.shape.bosId);
  return {
    dir,
    record,
    recordHash: hash,
    base,
    layout,
    checkpoints: loadCheckpoints(dir, record, layout),
    encode,
    examples,
  };
};

/** Builds `<run>/index.bin`; returns the index and its commitment (the ModelRegistry attribution-index commitment). */
export const indexRun = (
  run: OpenedRun,
  options: LoraIndexOptions = DEFAULT_LORA_INDEX,
  onProgress?: (done: number, total: number) => void,
): { readonly index: GradientIndex; readonly commitment: Hex } => {
  const index = buildLoraIndex(indexInput(run, onProgress), options);
  return writeRunIndex(run, index);
};

const indexInput = (run: OpenedRun, onProgress?: (done: number, total: number) => void) => ({
  base: run.base,
  layout: run.layout,
  checkpoints: run.checkpoints,
  examples: run.examples,
  recordHash: run.recordHash,
  checkpointsHash: checkpointsHash(run.record),
  ...(onProgress ? { onProgress } : {}),
});

/** `indexRun` on `threads` worker threads: the same index.bin bytes for every thread count. */
export const indexRunThreaded = async (
  run: OpenedRun,
  options: LoraIndexOptions,
  threads: number | GradPool,
  onProgress?: (done: number, total: number) => void,
): Promise<{ readonly index: GradientIndex; readonly commitment: Hex }> => {
  if (typeof threads === "number" && threads <= 1) return indexRun(run, options, onProgress);
  const pool = typeof threads === "number" ? makeGradPool(run.base, run.layout, threads) : threads;
  try {
    return writeRunIndex(run, await buildLoraIndexThreaded(indexInput(run, onProgress), options, pool));
  } finally {
    if (pool !== threads) await pool.close();
  }
};

const writeRunIndex = (run: OpenedRun, index: GradientIndex) => {
  const file = join(run.dir, "index.bin");
  writeFileSync(`${file}.tmp`, encodeIndex(index));
  renameSync(`${file}.tmp`, file);
  return { index, commitment: indexCommitment(index) };
};

/** The run's attributor over its index.bin; with a pool (pool.ts), the answer's gradients run on its threads. */
export const runAttributor = (
  run: OpenedRun,
  pool?: GradPool,
  onProgress?: (done: number, total: number) => void,
): FactoryAttributor =>
  makeFactoryAttributor(
    run.base,
    run.layout,
    run.checkpoints,
    loadLoraIndex(run.dir, run.recordHash, checkpointsHash(run.record)),
    pool,
    onProgress,
  );
