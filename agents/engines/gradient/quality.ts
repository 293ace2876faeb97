/**
 * The quality experiment (docs/quality-gradient.md): do the engine's scores track what a training
 * example really did to an answer, better than cheap model-free baselines — at the settings the CLI
 * ships (DEFAULT_TRAIN_OPTIONS, DEFAULT_INDEX_OPTIONS, DEFAULT_EXAMPLES training messages)?
 *
 * Per seed: sample `train` + `test` SpamAssassin messages, train and index exactly as `gradient train`
 * and `gradient index` do, score every training row for each test message (true label) with every
 * method and baseline, and compare against two ground truths, both from retraining the shipped
 * procedure from its initialisation (full-batch descent, deterministic; retrainings run on worker
 * threads, retrain.ts):
 *
 *   leave-one-out (LOO)   for `loo` seeded rows i: Δ_i,t = loss_t(trained without i) − loss_t(trained on all)
 *                         (> 0: the example helped test message t — the engine's sign convention).
 *                         Reported: Spearman ρ over those rows; ρ within the rows of the query's class
 *                         (the proponents who get paid); precision of the top-k by score against the
 *                         top-k by Δ.
 *   LDS                   linear datamodeling score: `lds` random halves S_j of the training set, each
 *                         trained on; Spearman over j of Σ_{i∈S_j} score_i,t against −loss_t(S_j).
 *
 * Each metric is averaged over the test messages of a seed; the table gives the mean over seeds and a
 * 95 % confidence interval (Student t over the per-seed means).
 *
 * The near-tie experiment: perturb every nonzero feature of a query by a relative 2^-bits (23 = float32's
 * last bit) and count how often the published embedding or any integer weight changes.
 */
import {
  DEFAULT_EXAMPLES,
  DEFAULT_INDEX_OPTIONS,
  DEFAULT_TRAIN_OPTIONS,
  indexModel,
  specOf,
  trainModel,
} from "./bundle.ts";
import { type Message, prng, sampleMessages } from "./dataset.ts";
import { DEFAULT_ENGINE_OPTIONS, entriesFor, makeAttributor } from "./engine.ts";
import { featurizeBatch, tokenize } from "./features.ts";
import { embeddingDistance, type GradientIndex } from "./gradient-index.ts";
import { initialParams } from "./models.ts";
import { RetrainPool } from "./retrain.ts";
import {
  fisherPreconditioner,
  influenceScores,
  METHODS,
  type Method,
  preconditionQuery,
  segmentDotsJs,
  topScores,
} from "./score.ts";

export interface QualityOptions {
  /** Training messages (the shipped `gradient train --examples` default unless set). */
  readonly train: number;
  readonly test: number;
  /** Leave-one-out retrainings per seed. */
  readonly loo: number;
  /** Random-half retrainings per seed (LDS). */
  readonly lds: number;
  readonly seeds: ReadonlyArray<number>;
  readonly family: "softmax" | "mlp";
  /** k of the top-k precision (the protocol's K). */
  readonly topK: number;
  /** Retraining worker threads. */
  readonly workers: number;
  /** Perturbations per test query and size in the near-tie experiment (0: skip it). */
  readonly tiePerturbations: number;
  /** Also report unshipped variants (other damping, final checkpoint only) for the method choice. */
  readonly variants: boolean;
}

export const DEFAULT_QUALITY: QualityOptions = {
  train: DEFAULT_EXAMPLES,
  test: 10,
  loo: 60,
  lds: 64,
  seeds: [1, 2, 3],
  family: "softmax",
  topK: 8,
  workers: 2,
  tiePerturbations: 5,
  variants: false,
};

/** Spearman's ρ with average ranks for ties (0 when either side is constant). */
export const spearman = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const ranks = (xs: ArrayLike<number>) => {
    const order = Array.from(xs, (_, i) => i).sort((i, j) => xs[i]! - xs[j]!);
    const r = new Float64Array(xs.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && xs[order[j + 1]!] === xs[order[i]!]) j++;
      for (let k = i; k <= j; k++) r[order[k]!] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
};

/** |top-k of a ∩ top-k of b| / k, ties by position. */
export const topKPrecision = (predicted: ArrayLike<number>, truth: ArrayLike<number>, k: number): number => {
  const top = (xs: ArrayLike<number>) =>
    new Set(
      Array.from(xs, (_, i) => i)
        .sort((i, j) => xs[j]! - xs[i]! || i - j)
        .slice(0, k),
    );
  const a = top(predicted);
  let hit = 0;
  for (const i of top(truth)) if (a.has(i)) hit++;
  return hit / Math.min(k, predicted.length);
};

/** Two-sided 95 % Student t quantiles for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  readonly mean: number;
  /** Half-width of the 95 % confidence interval over seeds (NaN with one seed). */
  readonly ci: number;
}

export const interval = (xs: ReadonlyArray<number>): Interval => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, ci: Number.NaN };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, ci: ((T95[Math.min(xs.length - 2, T95.length - 1)] ?? 1.96) * sd) / Math.sqrt(xs.length) };
};

export const METRICS = ["looAll", "looWithin", "topK", "lds"] as const;
export type Metric = (typeof METRICS)[number];
type Scores = Record<Metric, number>;

/** A scorer: the engine's methods (integer path, exactly as served), variants, baselines. */
export interface ScorerRow {
  readonly name: string;
  readonly kind: "shipped" | "method" | "variant" | "baseline";
  readonly metrics: Readonly<Record<Metric, Interval>>;
  /** Per-seed means, for tests and reports. */
  readonly perSeed: ReadonlyArray<Scores>;
}

export interface TieCount {
  readonly bits: number;
  readonly queries: number;
  readonly embedding: number;
  /** Queries whose weights changed, per method. */
  readonly weights: Readonly<Record<Method, number>>;
  /** The largest embeddingDistance seen: the near-tie tolerance accepts ≤ 1. */
  readonly maxQuanta: number;
}

export interface QualityResult {
  readonly options: QualityOptions;
  readonly testAccuracy: ReadonlyArray<number>;
  readonly rows: ReadonlyArray<ScorerRow>;
  readonly ties: ReadonlyArray<TieCount>;
  readonly seconds: number;
}

/** Relative perturbation sizes tried, as powers of two: 2^-23 is float32's last bit. */
export const PERTURBATION_BITS = [23, 20, 16, 12] as const;

/** The shipped method (the engine's default). */
export const SHIPPED_METHOD: Method = DEFAULT_ENGINE_OPTIONS.method;

/** The influence damping values the variants compare with the shipped INFLUENCE_DAMPING. */
export const VARIANT_DAMPING = [2, 5, 10, 40, 100] as const;

const methodLabel = (m: Method) =>
  m === "influence" ? "influence (projected Fisher)" : m === "tracin" ? "TracIn" : "DataInf";

type ScoreFn = (t: number) => Float64Array;

const bm25 = (docs: ReadonlyArray<ReadonlyArray<string>>) => {
  const df = new Map<string, number>();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, docs.length);
  const counts = docs.map((d) => {
    const c = new Map<string, number>();
    for (const w of d) c.set(w, (c.get(w) ?? 0) + 1);
    return c;
  });
  return (query: ReadonlyArray<string>) =>
    Float64Array.from(docs, (d, i) => {
      let s = 0;
      for (const w of new Set(query)) {
        const f = counts[i]!.get(w) ?? 0;
        if (f === 0) continue;
        const n = df.get(w) ?? 0;
        const idf = Math.log((docs.length - n + 0.5) / (n + 0.5) + 1);
        s += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.length) / avg));
      }
      return s;
    });
};

const jaccard = (a: ReadonlySet<string>, b: ReadonlySet<string>) => {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
};

interface SeedOutcome {
  readonly accuracy: number;
  readonly scores: Map<string, { kind: ScorerRow["kind"]; metrics: Scores }>;
  readonly ties: TieCount[];
}

const runSeed = async (
  seed: number,
  options: QualityOptions,
  pool: RetrainPool,
  log: (line: string) => void,
): Promise<SeedOutcome> => {
  const all = sampleMessages(options.train + options.test, seed);
  const trainSet: Message[] = all.slice(0, options.train);
  const testSet: Message[] = all.slice(options.train);
  const trainOptions = { ...DEFAULT_TRAIN_OPTIONS, family: options.family };
  const trained = await trainModel(trainSet, trainOptions);
  const indexed = await indexModel(
    trained,
    trainSet.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(i + 1) })),
    DEFAULT_INDEX_OPTIONS,
  );
  const spec = specOf(trained.manifest);
  const D = spec.features;
  const X = featurizeBatch(
    trainSet.map((m) => m.text),
    { buckets: D },
  );
  const y = trainSet.map((m) => m.label);
  const Xt = featurizeBatch(
    testSet.map((m) => m.text),
    { buckets: D },
  );
  const yt = testSet.map((m) => m.label);
  const n = options.train;
  const T = options.test;

  // ---- ground truth: retrain the shipped procedure from its initialisation ----
  await pool.setup({
    spec,
    gradientGraph: trained.gradientGraph,
    features: X,
    labels: y,
    testFeatures: Xt,
    testLabels: yt,
  });
  const rand = prng(seed ^ 0x5eed);
  const looRows = Array.from({ length: n }, (_, i) => ({ i, key: rand() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, options.loo)
    .map((r) => r.i)
    .sort((a, b) => a - b);
  const subsets = Array.from({ length: options.lds }, () => {
    const keys = Array.from({ length: n }, (_, i) => ({ i, key: rand() })).sort((a, b) => a.key - b.key);
    return Int32Array.from(keys.slice(0, Math.floor(n / 2)).map((k) => k.i)).sort();
  });
  const init = initialParams(spec, trainOptions.seed);
  const everyRow = Int32Array.from({ length: n }, (_, i) => i);
  const jobs = [everyRow, ...looRows.map((i) => everyRow.filter((j) => j !== i)), ...subsets].map((keep) => ({
    keep,
    init,
    config: trainOptions.train,
  }));
  const started = performance.now();
  const losses = await pool.run(jobs, (done) => {
    if (done % 25 === 0) log(`seed ${seed}: retrained ${done}/${jobs.length}`);
  });
  log(`seed ${seed}: ${jobs.length} retrainings in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const base = losses[0]!;
  const looDelta = (t: number) => looRows.map((_, r) => losses[1 + r]![t]! - base[t]!);
  const ldsActual = (t: number) => subsets.map((_, j) => -losses[1 + looRows.length + j]![t]!);

  // ---- scorers ----
  const attributor = await makeAttributor(indexed, { threads: 1, kernel: "ort" });
  const queries = await Promise.all(
    Array.from({ length: T }, (_, t) => attributor.scoreFeatures(Xt.subarray(t * D, (t + 1) * D), yt[t]!, "tracin")),
  );
  const scorers = new Map<string, { kind: ScorerRow["kind"]; fn: ScoreFn }>();
  for (const m of METHODS) {
    const perQuery: Float64Array[] = [];
    for (let t = 0; t < T; t++) perQuery.push((await attributor.scoreEmbedding(queries[t]!.embedding, m)).raw);
    scorers.set(methodLabel(m), { kind: m === SHIPPED_METHOD ? "shipped" : "method", fn: (t) => perQuery[t]! });
  }
  if (options.variants) {
    const index: GradientIndex = indexed.index;
    for (const damping of VARIANT_DAMPING) {
      const pre = fisherPreconditioner(index, damping);
      scorers.set(`influence, damping ${damping}`, {
        kind: "variant",
        fn: (t) => {
          const psi = preconditionQuery(index, pre, queries[t]!.embedding);
          return influenceScores(index, psi, segmentDotsJs(index, psi));
        },
      });
    }
    const small = await indexModel(
      trained,
      trainSet.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(i + 1) })),
      { ...DEFAULT_INDEX_OPTIONS, dims: 256 },
    );
    const smallAttributor = await makeAttributor(small, { threads: 1, kernel: "js" });
    const smallScores: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const q = await smallAttributor.scoreFeatures(Xt.subarray(t * D, (t + 1) * D), yt[t]!, "influence");
      smallScores.push(q.raw);
    }
    await smallAttributor.release();
    scorers.set("influence, projection dims 256", { kind: "variant", fn: (t) => smallScores[t]! });
    const last = index.header.checkpointCount - 1;
    const pre = fisherPreconditioner(index);
    scorers.set("influence, final checkpoint only", {
      kind: "variant",
      fn: (t) => {
        const psi = preconditionQuery(index, pre, queries[t]!.embedding);
        const masked = Int8Array.from(psi.vector);
        for (const seg of index.header.segments) {
          if (seg.checkpoint !== last) masked.fill(0, seg.offset, seg.offset + seg.dims);
        }
        const only = { vector: masked, exponents: psi.exponents };
        return influenceScores(index, only, segmentDotsJs(index, only));
      },
    });
  }
  const sign = (t: number) => Float64Array.from(y, (label) => (label === yt[t] ? 1 : -1));
  const cos = (t: number) => {
    const out = new Float64Array(n);
    const q = Xt.subarray(t * D, (t + 1) * D);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += X[i * D + k]! * q[k]!;
      out[i] = s;
    }
    return out;
  };
  const trainTokens = trainSet.map((m) => tokenize(m.text));
  const trainSets = trainTokens.map((ts) => new Set(ts));
  const bm = bm25(trainTokens);
  const overlap = (t: number) => {
    const q = new Set(tokenize(testSet[t]!.text));
    return Float64Array.from(trainSets, (s) => jaccard(q, s));
  };
  const bmScores = (t: number) => bm(tokenize(testSet[t]!.text));
  const times = (a: Float64Array, b: Float64Array) => a.map((v, i) => v * b[i]!);
  const randomRand = prng(seed ^ 0xabcdef);
  scorers.set("random", { kind: "baseline", fn: () => Float64Array.from({ length: n }, () => randomRand()) });
  scorers.set("label agreement", { kind: "baseline", fn: sign });
  scorers.set("feature cosine", { kind: "baseline", fn: cos });
  scorers.set("label × feature cosine", { kind: "baseline", fn: (t) => times(sign(t), cos(t)) });
  scorers.set("word overlap (Jaccard)", { kind: "baseline", fn: overlap });
  scorers.set("label × word overlap", { kind: "baseline", fn: (t) => times(sign(t), overlap(t)) });
  scorers.set("BM25", { kind: "baseline", fn: bmScores });
  scorers.set("label × BM25", { kind: "baseline", fn: (t) => times(sign(t), bmScores(t)) });

  // ---- metrics ----
  const out = new Map<string, { kind: ScorerRow["kind"]; metrics: Scores }>();
  for (const [name, { kind, fn }] of scorers) {
    const acc: Scores = { looAll: 0, looWithin: 0, topK: 0, lds: 0 };
    let within = 0;
    for (let t = 0; t < T; t++) {
      const s = fn(t);
      const truth = looDelta(t);
      const predicted = looRows.map((i) => s[i]!);
      acc.looAll += spearman(predicted, truth);
      acc.topK += topKPrecision(predicted, truth, options.topK);
      const same = looRows.flatMap((i, r) => (y[i] === yt[t] ? [r] : []));
      if (same.length >= 3) {
        acc.looWithin += spearman(
          same.map((r) => predicted[r]!),
          same.map((r) => truth[r]!),
        );
        within++;
      }
      const sums = subsets.map((subset) => {
        let total = 0;
        for (const i of subset) total += s[i]!;
        return total;
      });
      acc.lds += spearman(sums, ldsActual(t));
    }
    out.set(name, {
      kind,
      metrics: {
        looAll: acc.looAll / T,
        looWithin: acc.looWithin / Math.max(1, within),
        topK: acc.topK / T,
        lds: acc.lds / T,
      },
    });
  }
  let correct = 0;
  for (let t = 0; t < T; t++) {
    const predicted = await attributor.scoreFeatures(Xt.subarray(t * D, (t + 1) * D), undefined, "tracin");
    if (predicted.label === yt[t]) correct++;
  }

  // ---- near ties ----
  const ties: TieCount[] = [];
  if (options.tiePerturbations > 0) {
    const key = (scores: Float64Array) =>
      JSON.stringify(
        entriesFor(topScores(indexed.index.ids, scores, 8), 8).map((e) => [String(e.contributionId), e.weight]),
      );
    for (const bits of PERTURBATION_BITS) {
      const weights = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Method, number>;
      const tie = { bits, queries: 0, embedding: 0, maxQuanta: 0 };
      for (let t = 0; t < T; t++) {
        const row = Xt.slice(t * D, (t + 1) * D);
        const baseQuery = queries[t]!;
        const baseKeys = new Map<Method, string>();
        for (const m of METHODS) baseKeys.set(m, key((await attributor.scoreEmbedding(baseQuery.embedding, m)).scores));
        for (let p = 0; p < options.tiePerturbations; p++) {
          const perturbed = Float32Array.from(row, (v) =>
            v === 0 ? 0 : v * (1 + (rand() < 0.5 ? -1 : 1) * 2 ** -bits),
          );
          const r = await attributor.scoreFeatures(perturbed, yt[t]!, "tracin");
          tie.queries++;
          const same =
            r.embedding.vector.every((v, k) => v === baseQuery.embedding.vector[k]) &&
            r.embedding.exponents.every((e, k) => e === baseQuery.embedding.exponents[k]);
          if (!same) {
            tie.embedding++;
            for (const m of METHODS) {
              if (key((await attributor.scoreEmbedding(r.embedding, m)).scores) !== baseKeys.get(m)) weights[m]++;
            }
          }
          tie.maxQuanta = Math.max(
            tie.maxQuanta,
            embeddingDistance(baseQuery.embedding, r.embedding, indexed.index.header),
          );
        }
      }
      ties.push({ ...tie, weights });
    }
  }
  await attributor.release();
  return { accuracy: correct / T, scores: out, ties };
};

export const runQuality = async (
  options: QualityOptions = DEFAULT_QUALITY,
  log: (line: string) => void = () => {},
): Promise<QualityResult> => {
  const started = performance.now();
  const pool = RetrainPool.create(options.workers);
  const outcomes: SeedOutcome[] = [];
  try {
    for (const seed of options.seeds) {
      outcomes.push(await runSeed(seed, options, pool, log));
      log(`seed ${seed} done`);
    }
  } finally {
    await pool.close();
  }
  const names = [...outcomes[0]!.scores.keys()];
  const rows: ScorerRow[] = names.map((name) => {
    const perSeed = outcomes.map((o) => o.scores.get(name)!.metrics);
    return {
      name,
      kind: outcomes[0]!.scores.get(name)!.kind,
      perSeed,
      metrics: Object.fromEntries(METRICS.map((m) => [m, interval(perSeed.map((s) => s[m]))])) as Record<
        Metric,
        Interval
      >,
    };
  });
  const ties = outcomes[0]!.ties.map((t, k) => {
    const all = outcomes.map((o) => o.ties[k]!);
    return {
      bits: t.bits,
      queries: all.reduce((s, x) => s + x.queries, 0),
      embedding: all.reduce((s, x) => s + x.embedding, 0),
      maxQuanta: Math.max(...all.map((x) => x.maxQuanta)),
      weights: Object.fromEntries(METHODS.map((m) => [m, all.reduce((s, x) => s + x.weights[m], 0)])) as Record<
        Method,
        number
      >,
    };
  });
  return {
    options,
    testAccuracy: outcomes.map((o) => o.accuracy),
    rows,
    ties,
    seconds: (performance.now() - started) / 1000,
  };
};

/** The best baseline on a metric (by mean over seeds), random excluded. */
export const bestBaseline = (r: QualityResult, metric: Metric): ScorerRow =>
  r.rows
    .filter((row) => row.kind === "baseline" && row.name !== "random")
    .reduce((a, b) => (b.metrics[metric].mean > a.metrics[metric].mean ? b : a));

export const formatQuality = (r: QualityResult): string => {
  const o = r.options;
  const t = DEFAULT_TRAIN_OPTIONS.train;
  const cell = (i: Interval) => `${i.mean.toFixed(3)}${Number.isNaN(i.ci) ? "" : ` ± ${i.ci.toFixed(3)}`}`;
  const best = Object.fromEntries(METRICS.map((m) => [m, Math.max(...r.rows.map((row) => row.metrics[m].mean))]));
  const shown = (row: ScorerRow, m: Metric) =>
    row.metrics[m].mean === best[m] ? `**${cell(row.metrics[m])}**` : cell(row.metrics[m]);
  const kindLabel = {
    shipped: "method (shipped default)",
    method: "method",
    variant: "variant (not shipped)",
    baseline: "baseline",
  };
  const pct = (n: number, of: number) => `${n} (${((100 * n) / Math.max(1, of)).toFixed(1)}%)`;
  const acc = r.testAccuracy.map((a) => `${(100 * a).toFixed(0)}%`).join(", ");
  return [
    `${o.family === "softmax" ? "Softmax regression" : `MLP (hidden ${DEFAULT_TRAIN_OPTIONS.hidden}, ReLU)`} at the shipped settings ` +
      `(${DEFAULT_TRAIN_OPTIONS.buckets} buckets, ${t.epochs} full-batch steps, lr ${t.learningRate}, weight decay ${t.weightDecay}, ` +
      `${t.checkpoints} checkpoints, projection dims ${DEFAULT_INDEX_OPTIONS.dims}); ${o.train} training / ${o.test} test messages per seed, ` +
      `seeds ${o.seeds.join(", ")} (test accuracy ${acc}); leave-one-out on ${o.loo} rows, LDS over ${o.lds} random halves; ` +
      `mean over seeds ± 95% CI; ${r.seconds.toFixed(0)} s.`,
    "",
    `| scores | kind | LOO Spearman ρ | LOO ρ within class | top-${o.topK} precision vs LOO top-${o.topK} | LDS (Spearman) |`,
    "|---|---|---|---|---|---|",
    ...r.rows.map(
      (row) =>
        `| ${row.name} | ${kindLabel[row.kind]} | ${shown(row, "looAll")} | ${shown(row, "looWithin")} | ${shown(row, "topK")} | ${shown(row, "lds")} |`,
    ),
    ...(r.ties.length === 0
      ? []
      : [
          "",
          `| relative perturbation of every nonzero query feature | queries | embedding changed | ${METHODS.map((m) => `${methodLabel(m)} weights changed`).join(" | ")} | largest embedding change (quanta) |`,
          `|---|---|---|${METHODS.map(() => "---|").join("")}---|`,
          ...r.ties.map(
            (tie) =>
              `| 2^-${tie.bits}${tie.bits === 23 ? " (float32 last bit)" : ""} | ${tie.queries} | ${pct(tie.embedding, tie.queries)} | ${METHODS.map((m) => pct(tie.weights[m], tie.queries)).join(" | ")} | ${tie.maxQuanta} |`,
          ),
        ]),
  ].join("\n");
};
