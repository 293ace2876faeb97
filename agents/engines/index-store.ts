/**
 * The data directory of attribution indexes, keyed by the commitment a model registered on chain:
 *
 *   <dataDir>/indexes/<commitment>/           0x + 64 lowercase hex digits
 *       index.idx                             method suffix (docs/suffix-engine.md, "Index file")
 *       index.bin, gradient.onnx,             method gradient (docs/gradient-engine.md); model.json
 *       checkpoints.bin, model.json           is informational (not bound, never read by the engine)
 *       index.bin, training.json, model.onnx, method gradient, a Model Factory LoRA adapter (kind "lora",
 *       config.json, tokenizer.json,          docs/model-factory.md): every file bound by the commitment
 *       ck-{k}.safetensors                    through training.json
 *   <dataDir>/indexes/.incoming-*             staging for indexes being fetched (removed when done)
 *   <dataDir>/indexes/.rejected-<commitment>-<ms>   a local copy that failed its commitment check
 *
 * Nothing here checks bytes: the resolver (resolver.ts) verifies every directory it uses against
 * its commitment, through the engine services (off the event loop).
 */
import * as fs from "node:fs";
import { join } from "node:path";
import type { Hex } from "viem";
import type { AttributionMethod } from "./engine.ts";

/**
 * How an index is stored: the method's own layout, or (method gradient) a Model Factory LoRA adapter
 * with its base model and checkpoints (`lora`, agents/engines/lora/).
 */
export type IndexKind = AttributionMethod | "lora";

/** The kinds of index a model of `method` may be attributed with, in lookup order. */
export const KINDS_OF: Record<AttributionMethod, ReadonlyArray<IndexKind>> = {
  suffix: ["suffix"],
  gradient: ["gradient", "lora"],
};

/** The on-chain method an index kind serves. */
export const methodOfKind = (kind: IndexKind): AttributionMethod => (kind === "lora" ? "gradient" : kind);

/** Most checkpoints a factory index directory may hold (`ck-0.safetensors` … `ck-63.safetensors`). */
export const MAX_LORA_CHECKPOINTS = 64;
export const loraCheckpointFile = (k: number): string => `ck-${k}.safetensors`;
const LORA_REQUIRED = ["index.bin", "training.json", "model.onnx", "config.json", "tokenizer.json"] as const;

/** The files of an index, by kind (what `/poa/index/1` may carry). */
export const INDEX_FILES: Record<IndexKind, ReadonlyArray<string>> = {
  suffix: ["index.idx"],
  gradient: ["index.bin", "gradient.onnx", "checkpoints.bin", "model.json"],
  lora: [...LORA_REQUIRED, ...Array.from({ length: MAX_LORA_CHECKPOINTS }, (_, k) => loraCheckpointFile(k))],
};

/** Files a directory needs to be served (model.json of a gradient model is optional; a LoRA index's checkpoints are checked against its training.json). */
const REQUIRED: Record<IndexKind, ReadonlyArray<string>> = {
  suffix: ["index.idx"],
  gradient: ["index.bin", "gradient.onnx", "checkpoints.bin"],
  lora: LORA_REQUIRED,
};

export const SUFFIX_INDEX_FILE = "index.idx";

export interface IndexListing {
  readonly method: IndexKind;
  readonly files: ReadonlyArray<{ readonly name: string; readonly path: string; readonly bytes: number }>;
}

const COMMITMENT = /^0x[0-9a-f]{64}$/;

export const indexesRoot = (dataDir: string): string => join(dataDir, "indexes");

/** `<dataDir>/indexes/<commitment>`; the commitment must be 32 bytes of hex. */
export const commitmentDir = (dataDir: string, commitment: Hex): string => {
  const key = commitment.toLowerCase();
  if (!COMMITMENT.test(key)) throw new RangeError(`not a 32-byte commitment: ${commitment}`);
  return join(indexesRoot(dataDir), key);
};

/** What a directory holds, if it holds a complete index of kind `method`. */
export const listIndexDir = (dir: string, method: IndexKind): IndexListing | undefined => {
  const files: { name: string; path: string; bytes: number }[] = [];
  for (const name of INDEX_FILES[method]) {
    const path = join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path);
    } catch {
      if (REQUIRED[method].includes(name)) return undefined;
      continue;
    }
    if (!stat.isFile()) return undefined;
    files.push({ name, path, bytes: stat.size });
  }
  return { method, files };
};

/** The index kept locally under `commitment`, whichever its method (what this node serves). */
export const localIndex = (dataDir: string, commitment: Hex): IndexListing | undefined => {
  let dir: string;
  try {
    dir = commitmentDir(dataDir, commitment);
  } catch {
    return undefined;
  }
  return listIndexDir(dir, "suffix") ?? listIndexDir(dir, "lora") ?? listIndexDir(dir, "gradient");
};

/** The complete index of one of `method`'s kinds that `dir` holds (a LoRA index before a plain gradient one). */
export const listIndexDirFor = (dir: string, method: AttributionMethod): IndexListing | undefined => {
  for (const kind of [...KINDS_OF[method]].reverse()) {
    const listing = listIndexDir(dir, kind);
    if (listing !== undefined) return listing;
  }
  return undefined;
};

/** A fresh, empty staging directory under the data directory (same file system: rename installs it). */
export const stagingDir = (dataDir: string): string => {
  fs.mkdirSync(indexesRoot(dataDir), { recursive: true });
  return fs.mkdtempSync(join(indexesRoot(dataDir), ".incoming-"));
};

/** Moves a verified staging directory into place; a copy already there (a concurrent install) wins. */
export const installIndex = (staging: string, dataDir: string, commitment: Hex): string => {
  const target = commitmentDir(dataDir, commitment);
  try {
    fs.renameSync(staging, target);
  } catch (cause) {
    if (!fs.existsSync(target)) throw cause;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return target;
};

/** Moves a local copy that failed its check out of the way (kept for inspection, never served). */
export const quarantineIndex = (dataDir: string, commitment: Hex): string => {
  const target = join(indexesRoot(dataDir), `.rejected-${commitment.toLowerCase()}-${Date.now()}`);
  fs.renameSync(commitmentDir(dataDir, commitment), target);
  return target;
};

export const removeDir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true });

/**
 * Copies the index files of `method` from `sourceDir` (e.g. a gradient model directory) into
 * `<dataDir>/indexes/<commitment>/`, through a staging directory; returns the installed directory.
 */
export const publishIndexFiles = (dataDir: string, commitment: Hex, method: IndexKind, sourceDir: string): string => {
  const listing = listIndexDir(sourceDir, method);
  if (listing === undefined) throw new Error(`${sourceDir} lacks the files of a ${method} index`);
  const staging = stagingDir(dataDir);
  try {
    for (const file of listing.files) fs.copyFileSync(file.path, join(staging, file.name));
    return installIndex(staging, dataDir, commitment);
  } catch (cause) {
    removeDir(staging);
    throw cause;
  }
};
