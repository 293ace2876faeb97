/**
 * The gradient attribution engine (method "gradient"): for a (text, label) pair it computes the
 * loss gradient through ONNX Runtime at every checkpoint, embeds it with the index's quantization rule,
 * scores every indexed training example with TracIn or DataInf (score.ts), and turns the positive
 * scores into integer weights with the shared scoresToWeights.
 *
 * What is attributed: the request's `output` names the class the model answered ("spam"/"ham") and
 * `input` is the text it classified. When `output` is not a class name (a free-text answer), the
 * text is `output` (after `input`, when given) and the label is the model's own prediction.
 */
import { Effect } from "effect";
import { bytesToHex, type Hex, hexToBytes, keccak256 } from "viem";
import {
  type Attribution,
  type AttributionEngine,
  type AttributionEntry,
  type AttributionRequest,
  EngineError,
  scoresToWeights,
} from "../engine.ts";
import { encodeCheckpoints, type IndexedModel, loadIndexed } from "./bundle.ts";
import { GradientFileError } from "./container.ts";
import { featurizeBatch, tokenize } from "./features.ts";
import { type Embedding, embeddingDistance, embedQuery, NEAR_TIE_QUANTA, projections } from "./gradient-index.ts";
import { GradientSession } from "./runtime.ts";
import {
  datainfScores,
  fisherPreconditioner,
  influenceScores,
  integerScores,
  jsKernel,
  type Method,
  OrtScorer,
  type Preconditioner,
  preconditionQuery,
  type ScoredRow,
  segmentDotsJs,
  topCombinedScores,
  topScores,
  tracinScores,
} from "./score.ts";

export interface GradientEvidence {
  readonly method: Method;
  readonly indexCommitment: Hex;
  readonly label: string;
  /** The query's embedding: int8 vector (hex) and one exponent per segment. */
  readonly embedding: { readonly vector: Hex; readonly exponents: ReadonlyArray<number> };
  /** The top positive rows: index row, contribution id and integer score, best first. */
  readonly top: ReadonlyArray<{ readonly row: number; readonly contributionId: bigint; readonly score: bigint }>;
}

export interface GradientEngineOptions {
  readonly method: Method;
  /** Entries kept (the protocol's K). */
  readonly maxEntries: number;
  /** Only this model id is served when set. */
  readonly modelId?: bigint;
  /** ONNX Runtime intra-op threads (results do not depend on it). */
  readonly threads: number;
  /** Score with the typed-array kernel instead of ONNX Runtime (same integers). */
  readonly kernel: "ort" | "js";
}

export const DEFAULT_ENGINE_OPTIONS: GradientEngineOptions = {
  method: "influence",
  maxEntries: 8,
  threads: 1,
  kernel: "ort",
};

export interface QueryResult {
  readonly label: number;
  readonly embedding: Embedding;
  /** Integer score per index row (integral float64 values; see score.ts). */
  readonly scores: Float64Array;
  readonly raw: Float64Array;
}

export interface GradientAttributor {
  readonly model: IndexedModel;
  /** Integer scores of every index row for (text, label); label undefined = the model's prediction. */
  readonly score: (text: string, label: number | undefined, method: Method) => Promise<QueryResult>;
  /** The same from a features row (the near-tie experiment perturbs features directly). */
  readonly scoreFeatures: (features: Float32Array, label: number | undefined, method: Method) => Promise<QueryResult>;
  /** Scores of every row for a given (e.g. claimed) embedding: everything after the float step. */
  readonly scoreEmbedding: (
    embedding: Embedding,
    method: Method,
  ) => Promise<{ raw: Float64Array; scores: Float64Array }>;
  /**
   * The rows whose contribution id is in `exclude`, as a mask for topEmbedding (undefined when none): an
   * id → row map built on the first call (a linear scan with a Set when ids repeat in the index).
   */
  readonly excludedRows: (exclude: ReadonlyArray<bigint>) => Uint8Array | undefined;
  /** The query's label (undefined = the model's prediction) and embedding, nothing scored. */
  readonly embed: (text: string, label: number | undefined) => Promise<{ label: number; embedding: Embedding }>;
  /**
   * The k best rows for an embedding (topScores over scoreEmbedding's scores), rows with `excluded[row]` ≠ 0
   * scored 0. TracIn and influence take the fused pass (topCombinedScores, issue 19); DataInf needs
   * every score first (its integer grid is relative to the best one) and keeps the three passes.
   */
  readonly topEmbedding: (
    embedding: Embedding,
    method: Method,
    k: number,
    excluded?: Uint8Array,
  ) => Promise<ScoredRow[]>;
  readonly release: () => Promise<void>;
}

const argmax = (probs: Float32Array): number => {
  let best = 0;
  for (let c = 1; c < probs.length; c++) if (probs[c]! > probs[best]!) best = c;
  return best;
};

export const makeAttributor = async (
  model: IndexedModel,
  options: Pick<GradientEngineOptions, "threads" | "kernel"> = DEFAULT_ENGINE_OPTIONS,
): Promise<GradientAttributor> => {
  const header = model.index.header;
  if (bytesToHex(keccak256(model.gradientGraph, "bytes")) !== header.gradientGraph) {
    throw new GradientFileError({
      file: "index.bin",
      reason: "header",
      message: "index.bin: built for a different gradient graph",
    });
  }
  if (bytesToHex(keccak256(encodeCheckpoints(model.checkpoints), "bytes")) !== header.checkpoints) {
    throw new GradientFileError({
      file: "index.bin",
      reason: "header",
      message: "index.bin: built for different checkpoints",
    });
  }
  const session = await GradientSession.create(model.gradientGraph, options.threads);
  const scorer = await OrtScorer.create(options.threads);
  const proj = projections(header);
  let preconditioner: Preconditioner | undefined;
  const dotsOf = (embedding: Embedding) =>
    options.kernel === "ort" ? scorer.segmentDots(model.index, embedding) : segmentDotsJs(model.index, embedding);
  const scoreEmbedding = async (embedding: Embedding, method: Method) => {
    let raw: Float64Array;
    if (method === "influence") {
      preconditioner ??= fisherPreconditioner(model.index);
      const psi = preconditionQuery(model.index, preconditioner, embedding);
      raw = influenceScores(model.index, psi, await dotsOf(psi));
    } else {
      const dots = await dotsOf(embedding);
      raw =
        method === "tracin"
          ? tracinScores(model.index, embedding, dots)
          : await datainfScores(model.index, embedding, dots, options.kernel === "ort" ? scorer : jsKernel);
    }
    return { raw, scores: integerScores(method, raw) };
  };
  const topEmbedding = async (embedding: Embedding, method: Method, k: number, excluded?: Uint8Array) => {
    if (method !== "tracin" && method !== "influence") {
      let { scores } = await scoreEmbedding(embedding, method);
      if (excluded !== undefined) scores = scores.map((score, row) => (excluded[row] !== 0 ? 0 : score));
      return topScores(model.index.ids, scores, k);
    }
    let query = embedding;
    if (method === "influence") {
      preconditioner ??= fisherPreconditioner(model.index);
      query = preconditionQuery(model.index, preconditioner, embedding);
    }
    return topCombinedScores(method, model.index, query, await dotsOf(query), k, excluded);
  };
  const embedFeatures = async (features: Float32Array, label: number | undefined) => {
    const final = model.checkpoints[model.checkpoints.length - 1]!;
    const resolved = label ?? argmax((await session.run(features, [0], final)).probs);
    const grads: Float32Array[] = [];
    for (const ck of model.checkpoints) grads.push((await session.run(features, [resolved], ck)).grad);
    return { label: resolved, embedding: embedQuery(header, proj, grads) };
  };
  const scoreFeatures = async (
    features: Float32Array,
    label: number | undefined,
    method: Method,
  ): Promise<QueryResult> => {
    const { label: resolved, embedding } = await embedFeatures(features, label);
    return { label: resolved, embedding, ...(await scoreEmbedding(embedding, method)) };
  };
  // contribution id → its row; null when an id repeats (then exclusion scans every row)
  let rowOf: Map<bigint, number> | null | undefined;
  const excludedRows = (exclude: ReadonlyArray<bigint>): Uint8Array | undefined => {
    if (exclude.length === 0) return undefined;
    const ids = model.index.ids;
    if (rowOf === undefined) {
      const map = new Map<bigint, number>();
      for (let row = 0; row < ids.length; row++) map.set(ids[row]!, row);
      rowOf = map.size === ids.length ? map : null;
    }
    const excluded = new Uint8Array(ids.length);
    if (rowOf === null) {
      const left = new Set(exclude);
      for (let row = 0; row < ids.length; row++) if (left.has(ids[row]!)) excluded[row] = 1;
    } else {
      for (const id of exclude) {
        const row = rowOf.get(id);
        if (row !== undefined) excluded[row] = 1;
      }
    }
    return excluded;
  };
  const featuresOf = (text: string) => featurizeBatch([text], { buckets: header.buckets });
  return {
    model,
    score: (text, label, method) => scoreFeatures(featuresOf(text), label, method),
    scoreFeatures,
    scoreEmbedding,
    excludedRows,
    embed: (text, label) => embedFeatures(featuresOf(text), label),
    topEmbedding,
    release: async () => {
      await session.release();
      await scorer.release();
    },
  };
};

/** The weights of a query: scoresToWeights over its top rows (contribution ids are unique per index). */
export const entriesFor = (top: ReadonlyArray<ScoredRow>, maxEntries: number): ReadonlyArray<AttributionEntry> =>
  scoresToWeights(new Map(top.map((t) => [t.contributionId, t.score])), maxEntries);

/** Why a request cannot be attributed (empty text, an output that is neither a class nor free text). */
export type RequestProblem = { readonly problem: string };

/**
 * The (text, label) a request stands for. `output` names a class (case-insensitive) → text = `input`,
 * label = that class; otherwise `output` is a free-text answer → text = `input` ‖ `output`, label = the
 * model's prediction. Refused, with a message: a text without a single word (empty or punctuation only:
 * its features are all zero, so every score would be the bias term alone), and a one-word output that
 * is not a class name (a mistyped class would otherwise silently switch to free-text mode).
 */
export const resolveRequest = (
  classes: ReadonlyArray<string>,
  request: AttributionRequest,
): { readonly text: string; readonly label: number | undefined } | RequestProblem => {
  const output = request.output.trim();
  const named = classes.indexOf(output.toLowerCase());
  if (named < 0 && !/\s/.test(output)) {
    return {
      problem:
        `output "${output}" is not a class of this model (${classes.join(", ")})` +
        (output === "" ? "" : "; a free-text answer has more than one word"),
    };
  }
  const text =
    named >= 0
      ? (request.input ?? "")
      : request.input === undefined
        ? request.output
        : `${request.input}\n${request.output}`;
  if (tokenize(text).length === 0) {
    return { problem: "the text to attribute is empty (no words): nothing to attribute" };
  }
  return { text, label: named >= 0 ? named : undefined };
};

/**
 * Attributes one request with an attributor: the engine below and the gradient service's worker
 * (service.ts) both run this. Rows whose contribution is in `exclude` (withdrawn, or not yet approved,
 * at the request's reference time) get score 0 before the top K are picked; the model and the
 * preconditioner still include them (the model was trained on them), only the credit is withheld.
 */
export const attributeWith = async (
  attributor: GradientAttributor,
  request: AttributionRequest,
  options: Pick<GradientEngineOptions, "method" | "maxEntries">,
  exclude: ReadonlyArray<bigint> = [],
): Promise<Attribution<GradientEvidence> | RequestProblem> => {
  const header = attributor.model.index.header;
  const resolved = resolveRequest(header.classes, request);
  if ("problem" in resolved) return resolved;
  const result = await attributor.embed(resolved.text, resolved.label);
  const excluded = attributor.excludedRows(exclude);
  const top = await attributor.topEmbedding(result.embedding, options.method, options.maxEntries, excluded);
  return {
    entries: entriesFor(top, options.maxEntries),
    evidence: {
      method: options.method,
      indexCommitment: attributor.model.commitment,
      label: header.classes[result.label] ?? String(result.label),
      embedding: {
        vector: bytesToHex(new Uint8Array(result.embedding.vector.buffer)),
        exponents: [...result.embedding.exponents],
      },
      top,
    },
  };
};

export const makeGradientEngine = (
  attributor: GradientAttributor,
  options: GradientEngineOptions = DEFAULT_ENGINE_OPTIONS,
): AttributionEngine<GradientEvidence> => {
  const fail = (message: string, cause?: unknown) =>
    new EngineError({ method: "gradient", message, ...(cause === undefined ? {} : { cause }) });
  return {
    method: "gradient",
    attribute: Effect.fn("GradientEngine.attribute")(function* (request: AttributionRequest) {
      if (options.modelId !== undefined && request.modelId !== options.modelId) {
        return yield* Effect.fail(fail(`model ${request.modelId} is not served by this engine`));
      }
      const result = yield* Effect.tryPromise({
        try: () => attributeWith(attributor, request, options),
        catch: (cause) => fail(`gradient attribution failed: ${String(cause)}`, cause),
      });
      if ("problem" in result) return yield* Effect.fail(fail(result.problem));
      return result;
    }),
  };
};

/**
 * Loads a model directory (bundle.ts) and serves it as a scoped engine: the ONNX Runtime sessions are
 * released when the scope closes. Fails with an EngineError carrying the file/graph error as cause.
 */
export const loadGradientEngine = (dir: string, options: GradientEngineOptions = DEFAULT_ENGINE_OPTIONS) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => makeAttributor(loadIndexed(dir), options),
      catch: (cause) =>
        new EngineError({
          method: "gradient",
          message: `cannot load gradient model ${dir}: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause,
        }),
    }),
    (attributor) => Effect.promise(() => attributor.release()),
  ).pipe(Effect.map((attributor) => makeGradientEngine(attributor, options)));

export type CheckResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason:
        | "request"
        | "commitment"
        | "label"
        | "embedding-shape"
        | "embedding-tolerance"
        | "weights"
        | "evidence";
      readonly message: string;
    };

/**
 * The challenger's check of a claimed gradient attribution (docs/gradient-engine.md, near-tie policy):
 * the claimed embedding must be within NEAR_TIE_QUANTA of the one recomputed here, and the entries
 * and top rows must equal, exactly, what the claimed embedding gives. So an honest attributor whose
 * float gradient differed in its last bits passes, and any other deviation fails.
 */
export const checkAttribution = async (
  attributor: GradientAttributor,
  request: AttributionRequest,
  claimed: Attribution<GradientEvidence>,
  maxEntries: number,
): Promise<CheckResult> => {
  const { model } = attributor;
  const header = model.index.header;
  const evidence = claimed.evidence;
  if (evidence.indexCommitment !== model.commitment) {
    return { ok: false, reason: "commitment", message: "evidence names another index commitment" };
  }
  const resolved = resolveRequest(header.classes, request);
  if ("problem" in resolved) return { ok: false, reason: "request", message: resolved.problem };
  const { text, label } = resolved;
  const own = await attributor.embed(text, label);
  if (header.classes[own.label] !== evidence.label) {
    return { ok: false, reason: "label", message: `label ${evidence.label}, recomputed ${header.classes[own.label]}` };
  }
  const bytes = hexToBytes(evidence.embedding.vector);
  if (bytes.length !== header.dims || evidence.embedding.exponents.length !== header.segments.length) {
    return { ok: false, reason: "embedding-shape", message: "embedding has the wrong width" };
  }
  const embedding: Embedding = {
    vector: new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length),
    exponents: Uint8Array.from(evidence.embedding.exponents),
  };
  const distance = embeddingDistance(embedding, own.embedding, header);
  if (distance > NEAR_TIE_QUANTA) {
    return {
      ok: false,
      reason: "embedding-tolerance",
      message: `embedding is ${distance} quanta from the recomputed one (tolerance ${NEAR_TIE_QUANTA})`,
    };
  }
  const top = await attributor.topEmbedding(embedding, evidence.method, maxEntries);
  const entries = entriesFor(top, maxEntries);
  const same = <A>(a: A, b: A) => JSON.stringify(a, bigintJson) === JSON.stringify(b, bigintJson);
  if (!same(entries, claimed.entries)) {
    return { ok: false, reason: "weights", message: "entries differ from those the claimed embedding gives" };
  }
  if (!same(top, evidence.top)) {
    return { ok: false, reason: "evidence", message: "top rows differ from those the claimed embedding gives" };
  }
  return { ok: true };
};

const bigintJson = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
