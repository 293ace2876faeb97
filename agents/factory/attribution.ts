/**
 * Gradient attribution for a factory adapter: TracIn and DataInf over the LoRA parameters, on the
 * gradient engine's index format, commitment and integer scoring (agents/engines/gradient/).
 *
 * - A training row is one contribution: its gradient at a checkpoint is the sum over its examples
 *   (chunks) of the gradient of each example's mean next-token loss, i.e. the gradient of the
 *   contribution's share of the training objective. TracIn over examples summed per contribution equals
 *   TracIn of that sum (it is linear), so one row per contribution loses nothing for TracIn.
 * - Index layers are the LoRA factors (`layers.{i}.{module}.lora_A`, then `.lora_B`), in the adapter's
 *   parameter order; segments are (checkpoint, factor), each projected to `dims` (Rademacher, exact
 *   integers, int8 rows) exactly as docs/gradient-engine.md specifies, except that every segment shares one
 *   fixed-point scale (the largest F with max |g| · 2^F ≤ 2^24 over all rows and segments), so that the
 *   shared TracIn kernel's sum over segments is the plain sum of dot products.
 * - A query is a generated answer: the gradient, at every checkpoint, of the mean cross-entropy of the
 *   answer's tokens given the prompt (BOS ‖ prompt ‖ answer, only the answer's predictions weighted).
 * - Header: `gradientGraph` = keccak256 of training.json (it binds the base model, the data, the
 *   hyperparameters and every checkpoint's hash), `checkpoints` = keccak256 of the checkpoint files'
 *   keccak256s concatenated in order, `buckets` 0, `classes` [].
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Schema } from "effect";
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";
import {
  type AttributionEngine,
  type AttributionEntry,
  type AttributionRequest,
  EngineError,
  scoresToWeights,
} from "../engines/engine.ts";
import {
  computeNorms,
  decodeIndex,
  type Embedding,
  embedQuery,
  finalSegments,
  type GradientIndex,
  INDEX_VERSION,
  type IndexHeader,
  indexCommitment,
  MAX_DIMS,
  projections,
} from "../engines/gradient/gradient-index.ts";
import { fracBitsFor, projectSegment, type Segment, toInt8 } from "../engines/gradient/quantize.ts";
import {
  datainfScores,
  integerScores,
  type ScoredRow,
  segmentDotsJs,
  topScores,
  tracinScores,
} from "../engines/gradient/score.ts";
import type { LlamaBase } from "./base.ts";
import { type LoraLayout, runSequence } from "./llama.ts";
import type { GradPool } from "./pool.ts";
import { type Example, exampleWeights, type TrainingRecord } from "./train.ts";

export type FactoryMethod = "tracin" | "datainf";

export interface LoraIndexOptions {
  /** Projection width per (checkpoint, target) segment. */
  readonly dims: number;
  readonly seed: number;
}

export const DEFAULT_LORA_INDEX: LoraIndexOptions = { dims: 64, seed: 7 };

/** The training objective's gradient restricted to one contribution's examples, at `params` (float32). */
export const contributionGradient = (
  base: LlamaBase,
  layout: LoraLayout,
  params: Float64Array,
  examples: ReadonlyArray<Example>,
): Float32Array => {
  const sum = new Float64Array(layout.size);
  for (const ex of examples) {
    const g = runSequence(base, layout, params, ex.tokens, exampleWeights(ex.tokens), { grad: true }).grad!;
    for (let j = 0; j < g.length; j++) sum[j]! += g[j]!;
  }
  return Float32Array.from(sum);
};

/** BOS ‖ prompt ‖ answer, with weight 1/|answer| on each prediction of an answer token. */
export const answerSequence = (
  bosId: number | null,
  promptIds: ReadonlyArray<number>,
  answerIds: ReadonlyArray<number>,
): { readonly tokens: number[]; readonly weights: Float64Array } => {
  const head = bosId === null ? [...promptIds] : [bosId, ...promptIds];
  if (head.length === 0) throw new RangeError("an answer needs a prompt or a BOS token before it");
  if (answerIds.length === 0) throw new RangeError("the answer has no tokens");
  const tokens = [...head, ...answerIds];
  const weights = new Float64Array(tokens.length - 1);
  for (let p = head.length - 1; p < tokens.length - 1; p++) weights[p] = 1 / answerIds.length;
  return { tokens, weights };
};

export const answerGradient = (
  base: LlamaBase,
  layout: LoraLayout,
  params: Float64Array,
  promptIds: ReadonlyArray<number>,
  answerIds: ReadonlyArray<number>,
): Float32Array => {
  const { tokens, weights } = answerSequence(base.shape.bosId, promptIds, answerIds);
  return Float32Array.from(runSequence(base, layout, params, tokens, weights, { grad: true }).grad!);
};

/** keccak256 of the checkpoint hashes, in checkpoint order: the index header's `checkpoints`. */
export const checkpointsHash = (record: TrainingRecord): Hex =>
  keccak256(concatBytes([...record.checkpoints].sort((a, b) => a.index - b.index).map((c) => hexToBytes(c.keccak256))));

export interface LoraIndexInput {
  readonly base: LlamaBase;
  readonly layout: LoraLayout;
  /** Parameters at each checkpoint, in order (the last is the final adapter). */
  readonly checkpoints: ReadonlyArray<Float64Array>;
  readonly examples: ReadonlyArray<Example>;
  readonly recordHash: Hex;
  readonly checkpointsHash: Hex;
  readonly onProgress?: (done: number, total: number) => void;
}

/** The training examples grouped by contribution, ascending id (the index's row order). */
const contributionsOf = (examples: ReadonlyArray<Example>) => {
  const byId = new Map<bigint, Example[]>();
  for (const ex of examples) byId.set(ex.contributionId, [...(byId.get(ex.contributionId) ?? []), ex]);
  const ids = [...byId.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ids, groups: ids.map((id) => byId.get(id)!) };
};

/** The index: one row per contribution (ascending id), per-checkpoint LoRA gradients quantized and projected. */
export const buildLoraIndex = (
  input: LoraIndexInput,
  options: LoraIndexOptions = DEFAULT_LORA_INDEX,
): GradientIndex => {
  const { layout, checkpoints } = input;
  const { ids, groups } = contributionsOf(input.examples);
  const n = ids.length;
  const P = layout.size;
  const grads = checkpoints.map(() => new Float32Array(n * P));
  const total = n * checkpoints.length;
  checkpoints.forEach((params, ck) => {
    ids.forEach((_, i) => {
      grads[ck]!.set(contributionGradient(input.base, layout, params, groups[i]!), i * P);
      input.onProgress?.(ck * n + i + 1, total);
    });
  });
  return loraIndexFromGradients(input, ids, grads, options);
};

/**
 * `buildLoraIndex` with the contribution gradients computed on the pool's worker threads (pool.ts): the
 * same sums in the same order, so the same index (and commitment) for every thread count.
 */
export const buildLoraIndexThreaded = async (
  input: LoraIndexInput,
  options: LoraIndexOptions,
  pool: GradPool,
): Promise<GradientIndex> => {
  const { layout, checkpoints } = input;
  const { ids, groups } = contributionsOf(input.examples);
  const n = ids.length;
  const P = layout.size;
  const sequences = groups.map((g) => g.map((ex) => ({ tokens: ex.tokens, weights: exampleWeights(ex.tokens) })));
  const grads = checkpoints.map(() => new Float32Array(n * P));
  let done = 0;
  for (const [ck, params] of checkpoints.entries()) {
    const sums = await pool.sums(params, sequences);
    sums.forEach((sum, i) => {
      grads[ck]!.set(Float32Array.from(sum), i * P);
      input.onProgress?.(++done, n * checkpoints.length);
    });
  }
  return loraIndexFromGradients(input, ids, grads, options);
};

const loraIndexFromGradients = (
  input: LoraIndexInput,
  ids: ReadonlyArray<bigint>,
  grads: ReadonlyArray<Float32Array>,
  options: LoraIndexOptions,
): GradientIndex => {
  const { layout, checkpoints } = input;
  const n = ids.length;
  const P = layout.size;
  // A and B are separate layers: their gradients differ in scale by orders of magnitude early in training
  // (B starts at zero), and one int8 exponent for both would round A's to nothing
  const layers = layout.targets.flatMap((t) => [
    { name: `${t.projection.key}.lora_A`, size: t.offsetB - t.offsetA, offset: t.offsetA },
    { name: `${t.projection.key}.lora_B`, size: t.offsetA + t.size - t.offsetB, offset: t.offsetB },
  ]);
  // One fixed-point scale for every segment: the shared TracIn kernel sums segment dot products weighted
  // by the row exponents only, so per-segment scales 2^F_s would weigh segment s by 2^(2·F_s).
  let maxAbs = 0;
  for (const g of grads) for (const x of g) maxAbs = Math.max(maxAbs, Math.abs(x));
  const fracBits = fracBitsFor(maxAbs);
  const segments: Segment[] = [];
  let dims = 0;
  checkpoints.forEach((_, ck) => {
    layers.forEach((l, li) => {
      const width = Math.min(l.size, options.dims);
      segments.push({
        checkpoint: ck,
        layer: li,
        paramOffset: l.offset,
        size: l.size,
        offset: dims,
        dims: width,
        fracBits,
      });
      dims += width;
    });
  });
  if (dims > MAX_DIMS) {
    throw new RangeError(`embedding width ${dims} exceeds ${MAX_DIMS}: lower --dims, the checkpoints or the targets`);
  }
  const S = segments.length;
  const partial: IndexHeader = {
    version: INDEX_VERSION,
    gradientGraph: input.recordHash,
    checkpoints: input.checkpointsHash,
    checkpointCount: checkpoints.length,
    layers: layers.map((l) => ({ name: l.name, size: l.size })),
    buckets: 0,
    classes: [],
    projection: { seed: options.seed, dims: options.dims },
    segments,
    dims,
    count: n,
    lambdas: [],
  };
  const proj = projections(partial);
  const vectors = new Int8Array(n * dims);
  const exponents = new Uint8Array(n * S);
  segments.forEach((s, si) => {
    const g = grads[s.checkpoint]!;
    for (let i = 0; i < n; i++) {
      exponents[i * S + si] = toInt8(projectSegment(g, i * P, s, proj[s.layer] ?? null), vectors, i * dims + s.offset);
    }
  });
  const norms = computeNorms(partial, vectors);
  const lambdas = finalSegments(partial).map((si) => {
    const s = segments[si]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += norms[i * S + si]! * 4 ** exponents[i * S + si]!;
    return (0.1 * sum) / (n * s.dims);
  });
  return { header: { ...partial, lambdas }, ids: BigUint64Array.from(ids), exponents, vectors, norms };
};

export interface AnswerScores {
  readonly embedding: Embedding;
  /** Raw float scores per row (TracIn: exact integers; DataInf: float64 in a fixed order). */
  readonly raw: Float64Array;
  /** Integer scores (integerScores). */
  readonly scores: Float64Array;
  readonly top: ReadonlyArray<ScoredRow>;
  readonly entries: ReadonlyArray<AttributionEntry>;
}

export interface FactoryAttributor {
  readonly index: GradientIndex;
  readonly commitment: Hex;
  readonly score: (
    promptIds: ReadonlyArray<number>,
    answerIds: ReadonlyArray<number>,
    method: FactoryMethod,
    maxEntries: number,
    /** Contributions whose credit is withheld (score 0 before the top K are chosen; docs/engines.md). */
    exclude?: ReadonlySet<bigint>,
  ) => Promise<AnswerScores>;
}

export const makeFactoryAttributor = (
  base: LlamaBase,
  layout: LoraLayout,
  checkpoints: ReadonlyArray<Float64Array>,
  index: GradientIndex,
  /** Worker threads for the answer's gradients (one checkpoint per task); the same bits as in this thread. */
  pool?: GradPool,
  onProgress?: (done: number, total: number) => void,
): FactoryAttributor => {
  if (index.header.checkpointCount !== checkpoints.length) {
    throw new RangeError(`index has ${index.header.checkpointCount} checkpoints, the run ${checkpoints.length}`);
  }
  const proj = projections(index.header);
  const commitment = indexCommitment(index);
  return {
    index,
    commitment,
    score: async (promptIds, answerIds, method, maxEntries, exclude) => {
      let done = 0;
      const tick = () => onProgress?.(++done, checkpoints.length);
      const grads =
        pool === undefined
          ? checkpoints.map((params) => {
              const g = answerGradient(base, layout, params, promptIds, answerIds);
              tick();
              return g;
            })
          : await (() => {
              const sequence = answerSequence(base.shape.bosId, promptIds, answerIds);
              return Promise.all(
                checkpoints.map((params) =>
                  pool
                    .each(params, [{ tokens: Int32Array.from(sequence.tokens), weights: sequence.weights }])
                    .then((r) => {
                      tick();
                      return Float32Array.from(r.grads[0]!);
                    }),
                ),
              );
            })();
      const embedding = embedQuery(index.header, proj, grads);
      const dots = segmentDotsJs(index, embedding);
      const raw =
        method === "tracin" ? tracinScores(index, embedding, dots) : await datainfScores(index, embedding, dots);
      let scores = integerScores(method, raw);
      if (exclude !== undefined && exclude.size > 0) {
        scores = scores.map((score, row) => (exclude.has(index.ids[row]!) ? 0 : score));
      }
      const top = topScores(index.ids, scores, maxEntries);
      return {
        embedding,
        raw,
        scores,
        top,
        entries: scoresToWeights(new Map(top.map((t) => [t.contributionId, t.score])), maxEntries),
      };
    },
  };
};

export interface FactoryEvidence {
  readonly method: FactoryMethod;
  readonly indexCommitment: Hex;
  readonly embedding: { readonly vector: Hex; readonly exponents: ReadonlyArray<number> };
  readonly top: ReadonlyArray<ScoredRow>;
}

/**
 * The factory adapter as an `AttributionEngine` (method "gradient"): `input` is the prompt, `output` the
 * answer, both tokenized with the model's tokenizer (no special tokens; BOS is added before the prompt).
 */
export const makeFactoryEngine = (
  attributor: FactoryAttributor,
  encode: (text: string) => ReadonlyArray<number>,
  options: { readonly method: FactoryMethod; readonly maxEntries: number; readonly modelId?: bigint },
): AttributionEngine<FactoryEvidence> => {
  const fail = (message: string, cause?: unknown) =>
    new EngineError({ method: "gradient", message, ...(cause === undefined ? {} : { cause }) });
  return {
    method: "gradient",
    attribute: Effect.fn("FactoryEngine.attribute")(function* (request: AttributionRequest) {
      if (options.modelId !== undefined && request.modelId !== options.modelId) {
        return yield* Effect.fail(fail(`model ${request.modelId} is not served by this engine`));
      }
      const answer = encode(request.output);
      if (answer.length === 0) return yield* Effect.fail(fail("the answer is empty: nothing to attribute"));
      const result = yield* Effect.tryPromise({
        try: () => attributor.score(encode(request.input ?? ""), answer, options.method, options.maxEntries),
        catch: (cause) => fail(`factory attribution failed: ${String(cause)}`, cause),
      });
      return {
        entries: result.entries,
        evidence: {
          method: options.method,
          indexCommitment: attributor.commitment,
          embedding: {
            vector: bytesToHex(new Uint8Array(result.embedding.vector.buffer)),
            exponents: [...result.embedding.exponents],
          },
          top: result.top,
        },
      };
    }),
  };
};

/** Reads `<run>/index.bin` (checksummed container) and checks it was built for this run. */
export const loadLoraIndex = (run: string, recordHash: Hex, ckHash: Hex): GradientIndex => {
  // a copy: decodeIndex views the body at its buffer offset, and a Node Buffer is a view into a larger pool
  const index = decodeIndex(new Uint8Array(readFileSync(join(run, "index.bin"))), join(run, "index.bin"));
  if (index.header.gradientGraph !== recordHash)
    throw new RangeError(`${run}/index.bin was built for another training record`);
  if (index.header.checkpoints !== ckHash) throw new RangeError(`${run}/index.bin was built for other checkpoints`);
  return index;
};

export const FactoryMethodSchema = Schema.Literals(["tracin", "datainf"]);
