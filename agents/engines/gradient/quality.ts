/**
 * The quality experiment: does predicted influence track the real effect of removing a training example?
 *
 * On SpamAssassin messages: train softmax regression (full-batch gradient descent, L2) on `train`
 * examples, index them, then for `loo` training examples retrain without that example and measure
 * the change of each test message's loss. Ground truth Δ_i,t = loss_t(θ₋ᵢ) − loss_t(θ̃) where both θ₋ᵢ and
 * θ̃ are `retrainSteps` more steps from the trained θ* (without / with example i), so unfinished
 * convergence cancels out. Removing a helpful example raises the test loss, so Δ > 0 ⇔ proponent,
 * the same sign convention as the engine's scores. Reported: mean Spearman ρ over test messages of
 * (score_i,t, Δ_i,t) for TracIn (all checkpoints and final only), DataInf and random scores.
 *
 * The near-tie experiment: perturb the last bit of every nonzero feature of a query (x · (1 ± 2^-23),
 * signs random) and count how often any integer weight changes.
 */
import { DEFAULT_INDEX_OPTIONS, indexModel, specOf, type TrainedModel, trainModel } from "./bundle.ts";
import { prng, sampleMessages } from "./dataset.ts";
import { entriesFor, makeAttributor } from "./engine.ts";
import { featurizeBatch } from "./features.ts";
import { embeddingDistance, finalSegments } from "./gradient-index.ts";
import { GradientSession } from "./runtime.ts";
import { datainfScores, segmentDotsJs, topScores } from "./score.ts";
import { train } from "./train.ts";

export interface QualityOptions {
  readonly train: number;
  readonly test: number;
  readonly loo: number;
  readonly family: "softmax" | "mlp";
  /** Hidden width (mlp). */
  readonly hidden: number;
  readonly buckets: number;
  readonly dims: number;
  readonly epochs: number;
  readonly retrainSteps: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly seed: number;
  readonly tiePerturbations: number;
}

export const DEFAULT_QUALITY: QualityOptions = {
  train: 200,
  test: 10,
  loo: 60,
  family: "softmax",
  hidden: 8,
  buckets: 4096,
  dims: 512,
  epochs: 300,
  retrainSteps: 100,
  learningRate: 4,
  weightDecay: 1e-2,
  seed: 2024,
  tiePerturbations: 20,
};

/** Spearman's ρ with average ranks for ties. */
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

/** Relative perturbation sizes tried, as powers of two: 2^-23 is float32's last bit. */
export const PERTURBATION_BITS = [23, 20, 16, 12] as const;

/** Perturbed queries at one size, and how many changed the embedding / TracIn weights / DataInf weights. */
export interface TieCount {
  readonly bits: number;
  readonly queries: number;
  readonly embedding: number;
  readonly tracin: number;
  readonly datainf: number;
  /** The largest embeddingDistance seen: the near-tie tolerance accepts ≤ 1. */
  readonly maxQuanta: number;
}

export interface QualityResult {
  readonly options: QualityOptions;
  readonly testAccuracy: number;
  readonly rho: Readonly<Record<"tracin" | "tracinFinal" | "datainf" | "random", { mean: number; sd: number }>>;
  /** Perturbed queries, and how many changed the embedding / the TracIn weights / the DataInf weights. */
  readonly ties: ReadonlyArray<TieCount>;
  readonly seconds: number;
}

const stats = (xs: ReadonlyArray<number>) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, sd };
};

const lossesAt = async (session: GradientSession, features: Float32Array, labels: number[], params: Float32Array) =>
  (await session.run(features, labels, params)).loss;

export const runQuality = async (
  options: QualityOptions = DEFAULT_QUALITY,
  log: (line: string) => void = () => {},
): Promise<QualityResult> => {
  const started = performance.now();
  const all = sampleMessages(options.train + options.test, options.seed);
  const trainSet = all.slice(0, options.train);
  const testSet = all.slice(options.train);
  const trainConfig = {
    epochs: options.epochs,
    batchSize: 0,
    learningRate: options.learningRate,
    weightDecay: options.weightDecay,
    checkpoints: 3,
  };
  const trained: TrainedModel = await trainModel(trainSet, {
    family: options.family,
    buckets: options.buckets,
    hidden: options.hidden,
    seed: options.seed,
    train: trainConfig,
  });
  log(`trained: final loss ${trained.manifest.losses.at(-1)?.toFixed(4)}`);
  const indexed = await indexModel(
    trained,
    trainSet.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(i + 1) })),
    { ...DEFAULT_INDEX_OPTIONS, dims: options.dims },
  );
  log(`indexed: commitment ${indexed.commitment}`);
  const session = await GradientSession.create(trained.gradientGraph);
  const spec = specOf(trained.manifest);
  const X = featurizeBatch(
    trainSet.map((m) => m.text),
    { buckets: spec.features },
  );
  const y = trainSet.map((m) => m.label);
  const Xt = featurizeBatch(
    testSet.map((m) => m.text),
    { buckets: spec.features },
  );
  const yt = testSet.map((m) => m.label);
  const thetaStar = trained.checkpoints[trained.checkpoints.length - 1]!;
  const testOut = await session.run(Xt, yt, thetaStar);
  const testAccuracy =
    yt.filter((label, t) => (testOut.probs[2 * t + 1]! > testOut.probs[2 * t]! ? 1 : 0) === label).length / yt.length;
  const retrain = { ...trainConfig, epochs: options.retrainSteps, checkpoints: 1 };
  const reference = await train(session, X, y, thetaStar, retrain);
  const base = await lossesAt(session, Xt, yt, reference.params);
  // leave-one-out on a seeded subset of training rows
  const rand = prng(options.seed ^ 0x5eed);
  const rows = Array.from({ length: options.train }, (_, i) => i)
    .map((i) => ({ i, key: rand() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, options.loo)
    .map((r) => r.i);
  const D = spec.features;
  const delta: number[][] = testSet.map(() => []);
  for (const [k, i] of rows.entries()) {
    const keep = Array.from({ length: options.train }, (_, j) => j).filter((j) => j !== i);
    const Xi = new Float32Array(keep.length * D);
    keep.forEach((j, r) => {
      Xi.set(X.subarray(j * D, (j + 1) * D), r * D);
    });
    const out = await train(
      session,
      Xi,
      keep.map((j) => y[j]!),
      thetaStar,
      retrain,
    );
    const losses = await lossesAt(session, Xt, yt, out.params);
    testSet.forEach((_, t) => {
      delta[t]!.push(losses[t]! - base[t]!);
    });
    if ((k + 1) % 10 === 0) log(`leave-one-out ${k + 1}/${rows.length}`);
  }
  // predicted influence
  const attributor = await makeAttributor(indexed);
  const h = indexed.index.header;
  const S = h.segments.length;
  const finals = new Set(finalSegments(h));
  const rho = { tracin: [] as number[], tracinFinal: [] as number[], datainf: [] as number[], random: [] as number[] };
  for (let t = 0; t < testSet.length; t++) {
    const q = await attributor.scoreFeatures(Xt.subarray(t * D, (t + 1) * D), yt[t]!, "tracin");
    const dots = segmentDotsJs(indexed.index, q.embedding);
    const dataInf = datainfScores(indexed.index, q.embedding, dots);
    const finalOnly = Array.from({ length: h.count }, (_, i) => {
      let s = 0;
      for (const si of finals) s += dots[i * S + si]! * 2 ** indexed.index.exponents[i * S + si]!;
      return s;
    });
    const truth = delta[t]!;
    rho.tracin.push(
      spearman(
        rows.map((i) => q.raw[i]!),
        truth,
      ),
    );
    rho.tracinFinal.push(
      spearman(
        rows.map((i) => finalOnly[i]!),
        truth,
      ),
    );
    rho.datainf.push(
      spearman(
        rows.map((i) => dataInf[i]!),
        truth,
      ),
    );
    rho.random.push(
      spearman(
        rows.map(() => rand()),
        truth,
      ),
    );
  }
  // near-tie: perturb every nonzero query feature by a relative 2^-bits (23 = float32's last bit)
  const key = (method: "tracin" | "datainf", scores: Float64Array) =>
    JSON.stringify(
      entriesFor(topScores(indexed.index.ids, scores, 8), 8).map((e) => [String(e.contributionId), e.weight]),
    ) + method;
  const ties: TieCount[] = [];
  for (const bits of PERTURBATION_BITS) {
    const tie = { bits, queries: 0, embedding: 0, tracin: 0, datainf: 0, maxQuanta: 0 };
    for (let t = 0; t < testSet.length; t++) {
      const row = Xt.slice(t * D, (t + 1) * D);
      const base = await attributor.scoreFeatures(row, yt[t]!, "tracin");
      const baseDataInf = await attributor.scoreFeatures(row, yt[t]!, "datainf");
      for (let p = 0; p < options.tiePerturbations; p++) {
        const perturbed = Float32Array.from(row, (v) => (v === 0 ? 0 : v * (1 + (rand() < 0.5 ? -1 : 1) * 2 ** -bits)));
        const r = await attributor.scoreFeatures(perturbed, yt[t]!, "tracin");
        const rd = await attributor.scoreFeatures(perturbed, yt[t]!, "datainf");
        tie.queries++;
        const sameEmbedding =
          r.embedding.vector.every((v, k) => v === base.embedding.vector[k]) &&
          r.embedding.exponents.every((e, k) => e === base.embedding.exponents[k]);
        if (!sameEmbedding) tie.embedding++;
        tie.maxQuanta = Math.max(tie.maxQuanta, embeddingDistance(base.embedding, r.embedding, indexed.index.header));
        if (key("tracin", r.scores) !== key("tracin", base.scores)) tie.tracin++;
        if (key("datainf", rd.scores) !== key("datainf", baseDataInf.scores)) tie.datainf++;
      }
    }
    ties.push(tie);
  }
  await attributor.release();
  await session.release();
  return {
    options,
    testAccuracy,
    rho: {
      tracin: stats(rho.tracin),
      tracinFinal: stats(rho.tracinFinal),
      datainf: stats(rho.datainf),
      random: stats(rho.random),
    },
    ties,
    seconds: (performance.now() - started) / 1000,
  };
};

export const formatQuality = (r: QualityResult): string => {
  const o = r.options;
  const row = (name: string, s: { mean: number; sd: number }) =>
    `| ${name} | ${s.mean.toFixed(3)} | ${s.sd.toFixed(3)} |`;
  const pct = (n: number, of: number) => `${n} (${((100 * n) / Math.max(1, of)).toFixed(1)}%)`;
  return [
    `${o.family === "softmax" ? "Softmax regression" : `MLP (hidden ${o.hidden}, ReLU)`}, ${o.buckets} hashed buckets, lr ${o.learningRate}, ${o.epochs} steps, ${o.train} training / ${o.test} test messages (seed ${o.seed}), ` +
      `test accuracy ${(100 * r.testAccuracy).toFixed(1)}%, projection dims ${o.dims}, leave-one-out on ${o.loo} examples, ` +
      `${r.seconds.toFixed(1)} s.`,
    "",
    "| scores | mean Spearman ρ vs leave-one-out | sd over test messages |",
    "|---|---|---|",
    row("TracIn (3 checkpoints, the engine's)", r.rho.tracin),
    row("TracIn (final checkpoint only)", r.rho.tracinFinal),
    row("DataInf (final checkpoint)", r.rho.datainf),
    row("random", r.rho.random),
    "",
    "| relative perturbation of every nonzero query feature | queries | embedding changed | TracIn weights changed | DataInf weights changed | largest embedding change (quanta) |",
    "|---|---|---|---|---|---|",
    ...r.ties.map(
      (t) =>
        `| 2^-${t.bits}${t.bits === 23 ? " (float32 last bit)" : ""} | ${t.queries} | ${pct(t.embedding, t.queries)} | ${pct(t.tracin, t.queries)} | ${pct(t.datainf, t.queries)} | ${t.maxQuanta} |`,
    ),
  ].join("\n");
};

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const result = await runQuality(DEFAULT_QUALITY, (l) => console.error(l));
  console.log(formatQuality(result));
}
