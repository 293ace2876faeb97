/**
 * LoRA fine-tuning of a Llama-family base on datanet contributions: chunking with the model's tokenizer,
 * Adam over the LoRA factors (llama.ts gradients), checkpoints, a resumable state file, the PEFT output
 * folder and the training record. Layout of an output folder (`--out`):
 *
 *   adapter/adapter_config.json, adapter/adapter_model.safetensors   the PEFT adapter (final parameters)
 *   checkpoints/ck-{k}.safetensors                                   LoRA tensors at checkpoint k (PEFT names)
 *   state.bin                                                        resume state (container POAFTST v1)
 *   training.json                                                    the training record; its keccak256 goes on chain
 *
 * Deterministic: float64 arithmetic in a fixed order (with `--threads`, example gradients come from
 * worker threads and are summed here in example order: the same bytes for every thread count),
 * parameters rounded to float32 after every step (so the F32 adapter file holds exactly the trained values), shuffles drawn from the seed.
 * A run killed at any point resumes from its last state and ends with the same bytes as an
 * uninterrupted run (the state is written to a temp file and renamed, checkpoints before the state).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { Data, Schema } from "effect";
import { type Hex, keccak256 } from "viem";
import { readContainer, writeContainer } from "../engines/gradient/container.ts";
import { contentFileName } from "../engines/suffix/datanet.ts";
import { parseSafetensors, serializeSafetensors } from "../operator/safetensors.ts";
import { prng } from "../operator/testModel.ts";
import type { LlamaBase } from "./base.ts";
import { initialLora, type LoraLayout, loraLayout, runSequence } from "./llama.ts";
import { paramsFromTensors, peftFiles, peftTensors, writePeftDir } from "./peft.ts";
import { type GradPool, makeGradPool } from "./pool.ts";

export class TrainingError extends Data.TaggedError("TrainingError")<{ readonly message: string }> {}

/** One contribution's bytes, checked against its content root before they reach the trainer. */
export interface TrainingDocument {
  readonly contributionId: bigint;
  readonly datanetId: bigint;
  readonly contentRoot: Hex;
  readonly bytes: Uint8Array;
}

/** Where the documents came from (the datanet read of agents/engines/suffix/datanet.ts). */
export interface DataSource {
  readonly chainId: number;
  readonly datanetRegistry: string;
  readonly datanetIds: ReadonlyArray<string>;
  readonly referenceTime: number;
}

export const Hyperparameters = Schema.Struct({
  rank: Schema.Int.check(Schema.isGreaterThan(0)),
  alpha: Schema.Number.check(Schema.isGreaterThan(0)),
  targets: Schema.Array(Schema.String),
  epochs: Schema.Int.check(Schema.isGreaterThan(0)),
  lr: Schema.Number.check(Schema.isGreaterThan(0)),
  seed: Schema.Int,
  /** Examples per optimizer step. */
  batch: Schema.Int.check(Schema.isGreaterThan(0)),
  /** Tokens per training example (BOS included). */
  seqLen: Schema.Int.check(Schema.isGreaterThan(1)),
  /** Checkpoints kept for attribution (evenly spaced epochs; the last is the final adapter). */
  checkpoints: Schema.Int.check(Schema.isGreaterThan(0)),
});
export type Hyperparameters = typeof Hyperparameters.Type;

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  rank: 4,
  alpha: 8,
  targets: ["q_proj", "v_proj"],
  epochs: 3,
  lr: 1e-2,
  seed: 1,
  batch: 8,
  seqLen: 64,
  checkpoints: 3,
};

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

export interface Example {
  readonly contributionId: bigint;
  /** BOS (when the model has one) + up to seqLen − 1 content tokens. */
  readonly tokens: Int32Array;
}

/**
 * Each contribution's text (UTF-8, invalid sequences replaced) tokenized without special tokens and cut
 * into consecutive chunks of seqLen − 1 tokens, each prefixed with BOS; a trailing chunk of one token is
 * dropped (nothing to predict). Examples keep contribution order, then chunk order.
 */
export const chunkDocuments = (
  docs: ReadonlyArray<TrainingDocument>,
  encode: (text: string) => ReadonlyArray<number>,
  seqLen: number,
  bosId: number | null,
): Example[] => {
  const body = bosId === null ? seqLen : seqLen - 1;
  const examples: Example[] = [];
  for (const d of docs) {
    const ids = encode(new TextDecoder("utf-8").decode(d.bytes));
    for (let start = 0; start < ids.length; start += body) {
      const chunk = ids.slice(start, start + body);
      const tokens = bosId === null ? chunk : [bosId, ...chunk];
      if (tokens.length < 2) continue;
      examples.push({ contributionId: d.contributionId, tokens: Int32Array.from(tokens) });
    }
  }
  return examples;
};

/** Uniform weights over an example's predictions: its loss is the mean next-token cross-entropy. */
export const exampleWeights = (tokens: ArrayLike<number>) =>
  new Float64Array(tokens.length - 1).fill(1 / (tokens.length - 1));

/** The epochs after which checkpoint k is taken: ⌈(k + 1)·epochs / K⌉, k = 0 … K − 1 (the last is the final epoch). */
export const checkpointEpochs = (epochs: number, count: number): number[] => {
  if (count > epochs) throw new TrainingError({ message: `--checkpoints ${count} exceeds --epochs ${epochs}` });
  return Array.from({ length: count }, (_, k) => Math.ceil(((k + 1) * epochs) / count));
};

/** The example order of an epoch: a Fisher–Yates shuffle drawn from (seed, epoch). */
export const epochOrder = (n: number, seed: number, epoch: number): Int32Array => {
  const rand = prng((seed * 1_000_003 + epoch * 7919) >>> 0);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
};

export interface CheckpointRecord {
  readonly index: number;
  readonly epoch: number;
  readonly step: number;
  readonly file: string;
  /** keccak256 of the checkpoint's safetensors bytes. */
  readonly keccak256: Hex;
}

export interface TrainingRecord {
  readonly version: 1;
  readonly base: {
    readonly name: string;
    /** keccak256 of model.onnx: the baseModelHash registered on chain. */
    readonly modelKeccak256: Hex;
    readonly configKeccak256: Hex;
    readonly tokenizerKeccak256: Hex;
  };
  readonly data: {
    readonly source: DataSource | null;
    readonly contributions: ReadonlyArray<{
      readonly id: string;
      readonly datanetId: string;
      readonly contentRoot: Hex;
      readonly bytes: number;
      readonly examples: number;
      readonly tokens: number;
    }>;
  };
  readonly hyperparameters: Hyperparameters;
  readonly optimizer: { readonly name: "adam"; readonly beta1: number; readonly beta2: number; readonly eps: number };
  readonly checkpoints: ReadonlyArray<CheckpointRecord>;
  readonly adapter: { readonly configKeccak256: Hex; readonly weightsKeccak256: Hex };
  /** Mean example loss per epoch (what the progress bar showed). */
  readonly epochLoss: ReadonlyArray<number>;
}

export const recordHash = (recordBytes: Uint8Array): Hex => keccak256(recordBytes);

const StateHeader = Schema.Struct({
  runKey: Schema.String,
  epoch: Schema.Int,
  position: Schema.Int,
  step: Schema.Int,
  epochLossSum: Schema.Number,
  epochLoss: Schema.Array(Schema.Number),
  checkpoints: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      epoch: Schema.Int,
      step: Schema.Int,
      file: Schema.String,
      keccak256: Schema.String,
    }),
  ),
});
type StateHeader = typeof StateHeader.Type;
const STATE_MAGIC = "POAFTST";

export interface TrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly steps: number;
  /** Mean loss of the examples seen so far in this epoch. */
  readonly loss: number;
  readonly resumedAt?: number;
}

export interface TrainInput {
  readonly base: LlamaBase;
  readonly baseName: string;
  readonly encode: (text: string) => ReadonlyArray<number>;
  readonly documents: ReadonlyArray<TrainingDocument>;
  readonly source: DataSource | null;
  readonly hyper: Hyperparameters;
  readonly out: string;
  readonly onProgress?: (p: TrainProgress) => void;
  /** Write the resume state every this many steps (and at every epoch end). */
  readonly stateEvery?: number;
  /** Stop (as if killed) after this many steps in this call: tests of resumption. */
  readonly stopAfterSteps?: number;
}

export interface TrainResult {
  readonly finished: boolean;
  readonly layout: LoraLayout;
  readonly examples: ReadonlyArray<Example>;
  readonly params: Float64Array;
  readonly record?: TrainingRecord;
  readonly recordHash?: Hex;
  readonly resumedFromStep: number;
}

const writeAtomic = (file: string, bytes: Uint8Array) => {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
};

const fileKeccak = (file: string): Hex => {
  try {
    return keccak256(readFileSync(file));
  } catch {
    throw new TrainingError({ message: `cannot read ${file}` });
  }
};

const f64Bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Keeps each document's bytes as `data/<content root>` in the run folder. */
export const saveDocuments = (run: string, docs: ReadonlyArray<TrainingDocument>): void => {
  mkdirSync(join(run, "data"), { recursive: true });
  for (const d of docs) {
    const file = join(run, "data", contentFileName(d.contentRoot));
    if (existsSync(file)) continue;
    writeFileSync(`${file}.tmp`, d.bytes);
    renameSync(`${file}.tmp`, file);
  }
};

/** One optimizer step's examples at the current parameters; answered with each example's loss and gradient, in order. */
interface BatchRequest {
  readonly params: Float64Array;
  readonly examples: ReadonlyArray<Example>;
}
interface BatchResult {
  readonly losses: ArrayLike<number>;
  readonly grads: ReadonlyArray<Float64Array>;
}

const inThread = (base: LlamaBase, layout: LoraLayout, batch: BatchRequest): BatchResult => {
  const results = batch.examples.map((ex) =>
    runSequence(base, layout, batch.params, ex.tokens, exampleWeights(ex.tokens), { grad: true }),
  );
  return { losses: results.map((r) => r.loss), grads: results.map((r) => r.grad!) };
};

/** Trains (or resumes) the adapter described by `input`, writing everything under `input.out` (one thread). */
export const trainAdapter = (input: TrainInput): TrainResult => {
  const steps = trainSteps(input);
  let next = steps.next();
  while (!next.done) next = steps.next(inThread(input.base, next.value.layout, next.value.batch));
  return next.value;
};

/**
 * `trainAdapter` with each batch's example gradients computed on `threads` worker threads (pool.ts).
 * The gradients are summed here in example order, so the result is the same bytes as `trainAdapter`'s
 * for every thread count.
 */
export const trainAdapterThreaded = async (input: TrainInput, threads: number | GradPool): Promise<TrainResult> => {
  if (typeof threads === "number" && threads <= 1) return trainAdapter(input);
  const steps = trainSteps(input);
  let next = steps.next();
  if (next.done) return next.value;
  const pool = typeof threads === "number" ? makeGradPool(input.base, next.value.layout, threads) : threads;
  try {
    while (!next.done) {
      const { params, examples } = next.value.batch;
      const result = await pool.each(
        params,
        examples.map((ex) => ({ tokens: ex.tokens, weights: exampleWeights(ex.tokens) })),
      );
      next = steps.next(result);
    }
    return next.value;
  } finally {
    if (pool !== threads) await pool.close();
  }
};

function* trainSteps(
  input: TrainInput,
): Generator<{ readonly layout: LoraLayout; readonly batch: BatchRequest }, TrainResult, BatchResult> {
  const { base, hyper } = input;
  let layout: LoraLayout;
  try {
    layout = loraLayout(base, hyper.targets, hyper.rank, hyper.alpha);
  } catch (e) {
    throw new TrainingError({ message: e instanceof Error ? e.message : String(e) });
  }
  if (hyper.seqLen > base.shape.maxPositions) {
    throw new TrainingError({
      message: `--seq-len ${hyper.seqLen} exceeds the model's ${base.shape.maxPositions} positions`,
    });
  }
  const ckEpochs = checkpointEpochs(hyper.epochs, hyper.checkpoints);
  const examples = chunkDocuments(input.documents, input.encode, hyper.seqLen, base.shape.bosId);
  if (examples.length === 0) throw new TrainingError({ message: "the contributions hold no text to train on" });
  const ids = input.documents.map((d) => d.contributionId);
  if (new Set(ids).size !== ids.length) throw new TrainingError({ message: "contribution ids must be unique" });
  const out = resolve(input.out);
  mkdirSync(join(out, "checkpoints"), { recursive: true });
  saveDocuments(out, input.documents);
  const baseRecord = {
    name: input.baseName,
    modelKeccak256: fileKeccak(join(base.dir, "model.onnx")),
    configKeccak256: fileKeccak(join(base.dir, "config.json")),
    tokenizerKeccak256: fileKeccak(join(base.dir, "tokenizer.json")),
  };
  const contributions = input.documents.map((d) => {
    const own = examples.filter((e) => e.contributionId === d.contributionId);
    return {
      id: d.contributionId.toString(),
      datanetId: d.datanetId.toString(),
      contentRoot: d.contentRoot,
      bytes: d.bytes.length,
      examples: own.length,
      tokens: own.reduce((s, e) => s + e.tokens.length, 0),
    };
  });
  const runKey = keccak256(
    new TextEncoder().encode(JSON.stringify({ base: baseRecord, contributions, hyper, source: input.source })),
  );
  const n = examples.length;
  const stepsPerEpoch = Math.ceil(n / hyper.batch);
  const totalSteps = stepsPerEpoch * hyper.epochs;

  let params: Float64Array;
  let m = new Float64Array(layout.size);
  let v = new Float64Array(layout.size);
  let state: StateHeader = {
    runKey,
    epoch: 0,
    position: 0,
    step: 0,
    epochLossSum: 0,
    epochLoss: [],
    checkpoints: [],
  };
  const statePath = join(out, "state.bin");
  if (existsSync(statePath)) {
    let container: ReturnType<typeof readContainer>;
    try {
      container = readContainer(statePath, STATE_MAGIC, 1, new Uint8Array(readFileSync(statePath)));
    } catch (e) {
      throw new TrainingError({ message: `${statePath}: ${e instanceof Error ? e.message : String(e)}` });
    }
    const decoded = Schema.decodeUnknownExit(StateHeader)(JSON.parse(container.header));
    if (decoded._tag === "Failure") throw new TrainingError({ message: `${statePath}: malformed state header` });
    if (decoded.value.runKey !== runKey) {
      throw new TrainingError({
        message: `${out} holds a different training run (other data, base or hyperparameters): use another --out`,
      });
    }
    state = decoded.value;
    const body = container.body;
    const all = new Float64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    if (all.length !== 3 * layout.size) throw new TrainingError({ message: `${statePath}: body has the wrong size` });
    params = all.slice(0, layout.size);
    m = all.slice(layout.size, 2 * layout.size);
    v = all.slice(2 * layout.size);
  } else {
    params = initialLora(layout, prng(hyper.seed >>> 0));
  }
  const resumedFromStep = state.step;
  const saveState = () => {
    const body = new Float64Array(3 * layout.size);
    body.set(params, 0);
    body.set(m, layout.size);
    body.set(v, 2 * layout.size);
    writeAtomic(statePath, writeContainer(STATE_MAGIC, 1, JSON.stringify(state), [f64Bytes(body)]));
  };

  const stateEvery = input.stateEvery ?? 10;
  let stepsThisCall = 0;
  const grad = new Float64Array(layout.size);
  while (state.epoch < hyper.epochs) {
    const order = epochOrder(n, hyper.seed, state.epoch);
    while (state.position < n) {
      if (input.stopAfterSteps !== undefined && stepsThisCall >= input.stopAfterSteps) {
        return { finished: false, layout, examples, params, resumedFromStep };
      }
      const end = Math.min(n, state.position + hyper.batch);
      grad.fill(0);
      let lossSum = 0;
      const batch: ReadonlyArray<Example> = Array.from(order.subarray(state.position, end), (i) => examples[i]!);
      const computed: BatchResult = yield { layout, batch: { params, examples: batch } };
      for (let i = 0; i < batch.length; i++) {
        lossSum += computed.losses[i]!;
        const g = computed.grads[i]!;
        for (let j = 0; j < g.length; j++) grad[j]! += g[j]!;
      }
      const count = end - state.position;
      const t = state.step + 1;
      const c1 = 1 - ADAM.beta1 ** t;
      const c2 = 1 - ADAM.beta2 ** t;
      for (let j = 0; j < layout.size; j++) {
        const g = grad[j]! / count;
        m[j] = ADAM.beta1 * m[j]! + (1 - ADAM.beta1) * g;
        v[j] = ADAM.beta2 * v[j]! + (1 - ADAM.beta2) * g * g;
        params[j] = Math.fround(params[j]! - (hyper.lr * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + ADAM.eps));
      }
      state = { ...state, position: end, step: t, epochLossSum: state.epochLossSum + lossSum };
      stepsThisCall++;
      input.onProgress?.({
        epoch: state.epoch,
        epochs: hyper.epochs,
        step: state.step,
        steps: totalSteps,
        loss: state.epochLossSum / end,
        ...(resumedFromStep > 0 ? { resumedAt: resumedFromStep } : {}),
      });
      if (end === n) break;
      if (state.step % stateEvery === 0) saveState();
    }
    const epochLoss = [...state.epochLoss, state.epochLossSum / n];
    const finishedEpoch = state.epoch + 1;
    let checkpoints = state.checkpoints;
    const k = ckEpochs.indexOf(finishedEpoch);
    if (k >= 0) {
      const file = `checkpoints/ck-${k}.safetensors`;
      const bytes = serializeSafetensors(peftTensors(layout, params), { format: "pt" });
      writeAtomic(join(out, file), bytes);
      checkpoints = [
        ...checkpoints,
        { index: k, epoch: finishedEpoch, step: state.step, file, keccak256: keccak256(bytes) },
      ];
    }
    state = { ...state, epoch: finishedEpoch, position: 0, epochLossSum: 0, epochLoss, checkpoints };
    saveState();
  }
  const files = peftFiles(layout, params, input.baseName);
  writePeftDir(join(out, "adapter"), files);
  const record: TrainingRecord = {
    version: 1,
    base: baseRecord,
    data: { source: input.source, contributions },
    hyperparameters: hyper,
    optimizer: { name: "adam", ...ADAM },
    checkpoints: state.checkpoints.map((c) => ({ ...c, keccak256: c.keccak256 as Hex })),
    adapter: { configKeccak256: keccak256(files.config), weightsKeccak256: keccak256(files.weights) },
    epochLoss: state.epochLoss,
  };
  const recordBytes = new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
  writeAtomic(join(out, "training.json"), recordBytes);
  return { finished: true, layout, examples, params, record, recordHash: recordHash(recordBytes), resumedFromStep };
}

/** The parameters of every checkpoint of a finished run, verified against the record's hashes. */
export const loadCheckpoints = (out: string, record: TrainingRecord, layout: LoraLayout): Float64Array[] =>
  [...record.checkpoints]
    .sort((a, b) => a.index - b.index)
    .map((c) => {
      const bytes = readFileSync(join(out, c.file));
      if (keccak256(bytes) !== c.keccak256) {
        throw new TrainingError({ message: `${join(out, c.file)} does not match its hash in training.json` });
      }
      return paramsFromTensors(layout, parseSafetensors(bytes).tensors);
    });

export const baseNameOf = (modelDir: string) => basename(resolve(modelDir));

const HexString = Schema.String.check(Schema.isPattern(/^0x[0-9a-f]{64}$/));

/** training.json as read back (Schema-checked at the boundary). */
export const TrainingRecordSchema = Schema.Struct({
  version: Schema.Literal(1),
  base: Schema.Struct({
    name: Schema.String,
    modelKeccak256: HexString,
    configKeccak256: HexString,
    tokenizerKeccak256: HexString,
  }),
  data: Schema.Struct({
    source: Schema.NullOr(
      Schema.Struct({
        chainId: Schema.Number,
        datanetRegistry: Schema.String,
        datanetIds: Schema.Array(Schema.String),
        referenceTime: Schema.Number,
      }),
    ),
    contributions: Schema.Array(
      Schema.Struct({
        id: Schema.String,
        datanetId: Schema.String,
        contentRoot: HexString,
        bytes: Schema.Int,
        examples: Schema.Int,
        tokens: Schema.Int,
      }),
    ),
  }),
  hyperparameters: Hyperparameters,
  optimizer: Schema.Struct({
    name: Schema.Literal("adam"),
    beta1: Schema.Number,
    beta2: Schema.Number,
    eps: Schema.Number,
  }),
  checkpoints: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      epoch: Schema.Int,
      step: Schema.Int,
      file: Schema.String,
      keccak256: HexString,
    }),
  ),
  adapter: Schema.Struct({ configKeccak256: HexString, weightsKeccak256: HexString }),
  epochLoss: Schema.Array(Schema.Number),
});

/** Reads `<run>/training.json`: the record and the keccak256 of its bytes (what goes on chain). */
export const readRecord = (run: string): { readonly record: TrainingRecord; readonly hash: Hex } => {
  const file = join(run, "training.json");
  let bytes: Uint8Array;
  let json: unknown;
  try {
    bytes = readFileSync(file);
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new TrainingError({ message: `${file}: no readable training record (run \`poa factory train\` first)` });
  }
  const decoded = Schema.decodeUnknownExit(TrainingRecordSchema)(json);
  if (decoded._tag === "Failure") throw new TrainingError({ message: `${file}: not a training record` });
  return { record: decoded.value as TrainingRecord, hash: recordHash(bytes) };
};
