/**
 * Gradient engine benchmark: embedding throughput (indexing), query latency over synthetic int8
 * indexes of 10k / 100k / 1M rows at projection dims 256 and 1024, index bytes per example.
 * Kernels compared in the same run: ONNX Runtime MatMulInteger (1 and 2 threads) against the plain
 * typed-array loop (the reference). Results go to docs/benchmarks-gradient.md.
 *
 * The "kernel" section (issue 19) times the query's pass over the index, 1M × 1024 by default, for the
 * old path (ORT MatMulInteger, 1 and 2 threads), a float32 GEMV peer over the same rows converted to
 * float32 (ORT MatMul: what the same memory-bound pass costs on a tuned native kernel) and the wasm SIMD
 * kernel (kernel.ts) on 1 and 2 threads; it checks the integers are identical and reports CPU time too.
 *
 *   npx tsx agents/bench/gradient.ts [--sizes 10000,100000,1000000] [--dims 256,1024] [--repeat 5] [--embed 600]
 *                                    [--max-mib 300]   (synthetic indexes larger than this are skipped)
 *                                    [--sections embed,query,kernel] [--kernel-rows 1000000] [--kernel-dims 1024]
 *                                    [--skip-fp32]   (leave out the float32 GEMV peer: it needs 4× the index in memory)
 *                                    [--engine-rows 200000] [--engine-dims 64]
 *
 * The "engine" section (issue 19, not in the default sections) times whole engine queries (attributeWith: text →
 * gradients on ORT → embedding → index pass → top 8 → weights; none or 10 contributions excluded) on a trained softmax
 * model whose real index rows (300 messages) are repeated to --engine-rows rows under distinct contribution ids,
 * against the engine's former three passes (attributor.score → integer scores of every row → exclusion → topScores)
 * on the same attributor and queries, checking both give the same entries and evidence.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { DEFAULT_TRAIN_OPTIONS, indexModel, trainModel } from "../engines/gradient/bundle.ts";
import { sampleMessages } from "../engines/gradient/dataset.ts";
import { attributeWith, entriesFor, makeAttributor, resolveRequest } from "../engines/gradient/engine.ts";
import {
  type Embedding,
  encodeIndex,
  finalSegments,
  type GradientIndex,
  type IndexHeader,
} from "../engines/gradient/gradient-index.ts";
import { WasmKernel } from "../engines/gradient/kernel.ts";
import {
  datainfScores,
  fisherPreconditioner,
  integerScores,
  OrtScorer,
  preconditionQuery,
  segmentDotsJs,
  topCombinedScores,
  topScores,
  tracinScores,
} from "../engines/gradient/score.ts";
import { encodeModel, model, node, valueInfo } from "../onnx/graph.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,100000,1000000" },
    dims: { type: "string", default: "256,1024" },
    repeat: { type: "string", default: "5" },
    embed: { type: "string", default: "600" },
    "max-mib": { type: "string", default: "300" },
    sections: { type: "string", default: "embed,query,kernel" },
    "kernel-rows": { type: "string", default: "1000000" },
    "kernel-dims": { type: "string", default: "1024" },
    "skip-fp32": { type: "boolean", default: false },
    "engine-rows": { type: "string", default: "200000" },
    "engine-dims": { type: "string", default: "64" },
  },
});
const sections = new Set(args.sections.split(","));
const list = (s: string) =>
  s
    .split(",")
    .map((x) => Number.parseInt(x, 10))
    .filter((x) => Number.isInteger(x) && x > 0);
const sizes = list(args.sizes);
const dimsList = list(args.dims);
const repeat = Math.max(1, Number.parseInt(args.repeat, 10) || 5);
const maxMiB = Number.parseInt(args["max-mib"], 10) || 300;
const embedCount = Math.max(50, Number.parseInt(args.embed, 10) || 600);

const gemvModel = encodeModel(
  model({
    name: "fp32-gemv",
    inputs: [valueInfo("rows", "float32", ["n", "d"]), valueInfo("query", "float32", ["d", 1])],
    outputs: [valueInfo("out", "float32", ["n", 1])],
    nodes: [node("MatMul", ["rows", "query"], ["out"])],
  }),
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => unknown | Promise<unknown>): Promise<number> => {
  await f(); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t = performance.now();
    await f();
    runs.push(performance.now() - t);
  }
  return median(runs);
};

// ---- embedding throughput (real model, real messages) ----
if (sections.has("embed")) {
  console.log(`## Embedding throughput (${embedCount} SpamAssassin messages, 1 ORT thread)\n`);
  console.log(
    "| model | parameters P | checkpoints | dims/layer | embedding width | examples/s | index bytes/example |",
  );
  console.log("|---|---|---|---|---|---|---|");
  const messages = sampleMessages(embedCount, 99);
  const examples = messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(i + 1) }));
  for (const family of ["softmax", "mlp"] as const) {
    const trained = await trainModel(messages.slice(0, 100), {
      ...DEFAULT_TRAIN_OPTIONS,
      family,
      train: { ...DEFAULT_TRAIN_OPTIONS.train, epochs: 2, learningRate: family === "mlp" ? 0.5 : 2 },
    });
    for (const dims of family === "mlp" ? [256] : dimsList) {
      const t = performance.now();
      const indexed = await indexModel(trained, examples, { dims, seed: 7, batch: 64 });
      const seconds = (performance.now() - t) / 1000;
      const bytes = encodeIndex(indexed.index).length;
      const P = indexed.index.header.layers.reduce((s, l) => s + l.size, 0);
      console.log(
        `| ${family} | ${P} | ${trained.checkpoints.length} | ${dims} | ${indexed.index.header.dims} | ${(embedCount / seconds).toFixed(0)} | ${(bytes / embedCount).toFixed(0)} |`,
      );
    }
  }
}

// ---- query latency (synthetic int8 index) ----
const synthetic = (count: number, dims: number): GradientIndex => {
  const vectors = new Int8Array(count * dims);
  let s = 0x1234567;
  for (let i = 0; i < vectors.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    vectors[i] = ((s >>> 16) % 255) - 127;
  }
  const exponents = Uint8Array.from({ length: count }, (_, i) => 10 + (i % 8));
  const norms = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let n = 0;
    for (let k = 0; k < dims; k++) n += vectors[i * dims + k]! ** 2;
    norms[i] = n;
  }
  const header: IndexHeader = {
    version: 1,
    gradientGraph: "0x",
    checkpoints: "0x",
    checkpointCount: 1,
    layers: [{ name: "linear", size: 1 << 20 }],
    buckets: 4096,
    classes: ["ham", "spam"],
    projection: { seed: 1, dims },
    segments: [{ checkpoint: 0, layer: 0, paramOffset: 0, size: 1 << 20, offset: 0, dims, fracBits: 24 }],
    dims,
    count,
    lambdas: [1e9],
  };
  return { header, ids: BigUint64Array.from({ length: count }, (_, i) => BigInt(i + 1)), exponents, vectors, norms };
};

/** The previous DataInf (before the integer kernel): two float64 typed-array passes, kept here as the peer. */
const datainfFloatPasses = (index: GradientIndex, query: Embedding, dots: Int32Array): Float64Array => {
  const { count: n, segments, lambdas } = index.header;
  const S = segments.length;
  const out = new Float64Array(n);
  finalSegments(index.header).forEach((s, l) => {
    const seg = segments[s]!;
    const lambda = lambdas[l]!;
    const qScale = 2 ** query.exponents[s]!;
    const r = new Float64Array(seg.dims);
    for (let i = 0; i < n; i++) {
      const d = dots[i * S + s]!;
      if (d === 0) continue;
      const g = 2 ** index.exponents[i * S + s]!;
      const c = (d * qScale * g) / (lambda + index.norms[i * S + s]! * g * g);
      const coef = (c * g) / n;
      const row = i * index.header.dims + seg.offset;
      for (let k = 0; k < seg.dims; k++) r[k]! += coef * index.vectors[row + k]!;
    }
    for (let i = 0; i < n; i++) {
      const row = i * index.header.dims + seg.offset;
      let rDot = 0;
      for (let k = 0; k < seg.dims; k++) rDot += r[k]! * index.vectors[row + k]!;
      const g = 2 ** index.exponents[i * S + s]!;
      out[i]! += (g * (dots[i * S + s]! * qScale - rDot)) / lambda;
    }
  });
  return out;
};

/** The first `rows` rows of an index (the influence preconditioner's timing does not depend on its values). */
const head = (index: GradientIndex, rows: number): GradientIndex => {
  const count = Math.min(rows, index.header.count);
  const { dims } = index.header;
  const S = index.header.segments.length;
  return {
    header: { ...index.header, count },
    ids: index.ids.subarray(0, count),
    exponents: index.exponents.subarray(0, count * S),
    vectors: index.vectors.subarray(0, count * dims),
    norms: index.norms.subarray(0, count * S),
  };
};

// the old path: ORT MatMulInteger for the row dots too (before issue 19)
const ort1 = await OrtScorer.create(1, undefined, "ort");
const ort2 = await OrtScorer.create(2, undefined, "ort");
// the engine's scorer now: row dots on the wasm kernel (2 threads), DataInf's column sums on ORT
const now2 = await OrtScorer.create(2);
if (sections.has("query")) {
  console.log(
    `\n## Query latency, synthetic int8 index (median of ${repeat}; load average ${loadavg()[0]!.toFixed(1)})\n`,
  );
  console.log(
    "| rows | dims | index MiB | dots: typed-array loop (peer) ms | dots: ORT MatMulInteger 1 thread ms | 2 threads ms | speed-up (best ORT vs peer) | dots: wasm kernel 2 threads ms | TracIn query total ms | influence query total ms | DataInf, float64 typed-array passes (before) ms | DataInf, integer kernel (now) ms | DataInf now / TracIn |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const count of sizes) {
    for (const dims of dimsList) {
      const mib = (count * dims) / 2 ** 20;
      if (mib > maxMiB) {
        console.log(
          `| ${count.toLocaleString("en")} | ${dims} | ${mib.toFixed(0)} | skipped: over --max-mib ${maxMiB} | | | | | | | | | |`,
        );
        continue;
      }
      const index = synthetic(count, dims);
      const query = { vector: index.vectors.slice(0, dims), exponents: Uint8Array.of(12) };
      const js = await time(() => segmentDotsJs(index, query));
      const o1 = await time(() => ort1.segmentDots(index, query));
      const o2 = await time(() => ort2.segmentDots(index, query));
      const w2 = await time(() => now2.segmentDots(index, query));
      const total = await time(async () => {
        const dots = await now2.segmentDots(index, query);
        return entriesFor(topCombinedScores("tracin", index, query, dots, 8), 8);
      });
      // the preconditioner is built once per index at load (O(n·dims²)); here from the first rows, for timing
      const pre = fisherPreconditioner(head(index, 2 * dims));
      const influence = await time(async () => {
        const psi = preconditionQuery(index, pre, query);
        const dots = await now2.segmentDots(index, psi);
        return entriesFor(topCombinedScores("influence", index, psi, dots, 8), 8);
      });
      const before = await time(async () => {
        const dots = await ort2.segmentDots(index, query);
        const scores = integerScores("datainf", datainfFloatPasses(index, query, dots));
        return entriesFor(topScores(index.ids, scores, 8), 8);
      });
      const dataInf = await time(async () => {
        const dots = await now2.segmentDots(index, query);
        const scores = integerScores("datainf", await datainfScores(index, query, dots, now2));
        return entriesFor(topScores(index.ids, scores, 8), 8);
      });
      console.log(
        `| ${count.toLocaleString("en")} | ${dims} | ${((count * dims) / 2 ** 20).toFixed(0)} | ${js.toFixed(1)} | ${o1.toFixed(1)} | ${o2.toFixed(1)} | ${(js / Math.min(o1, o2)).toFixed(1)}× | ${w2.toFixed(1)} | ${total.toFixed(1)} | ${influence.toFixed(1)} | ${before.toFixed(1)} | ${dataInf.toFixed(1)} | ${(dataInf / total).toFixed(1)}× |`,
      );
    }
  }
}

// ---- issue 19: the query's pass over a large index ----
if (sections.has("kernel")) {
  const count = Number.parseInt(args["kernel-rows"], 10);
  const dims = Number.parseInt(args["kernel-dims"], 10);
  const index = synthetic(count, dims);
  const query = { vector: index.vectors.slice(0, dims), exponents: Uint8Array.of(12) };
  /** Median wall ms and median CPU ms (this process, all threads) over `repeat` runs after a warm-up. */
  const timeCpu = async (f: () => unknown | Promise<unknown>) => {
    await f();
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      await f();
      walls.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpus.push((used.user + used.system) / 1000);
    }
    return { wall: median(walls), cpu: median(cpus) };
  };
  const same = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const reference = await ort1.segmentDots(index, query);
  const rows: Array<[string, { wall: number; cpu: number }]> = [];
  rows.push(["ORT MatMulInteger, 1 thread (before)", await timeCpu(() => ort1.segmentDots(index, query))]);
  rows.push(["ORT MatMulInteger, 2 threads (before)", await timeCpu(() => ort2.segmentDots(index, query))]);
  for (const threads of [1, 2]) {
    const kernel = WasmKernel.create(threads);
    const loadStart = performance.now();
    const dots = await kernel.segmentDots(index, query);
    const loadMs = performance.now() - loadStart;
    if (!same(dots, reference)) throw new Error("wasm kernel and MatMulInteger disagree");
    rows.push([
      `wasm SIMD kernel, ${threads} thread${threads > 1 ? "s" : ""} (first query, copying the index in: ${loadMs.toFixed(0)} ms)`,
      await timeCpu(() => kernel.segmentDots(index, query)),
    ]);
    if (threads === 2) {
      // after the dots: the three passes (tracinScores, integerScores, topScores) before, the fused pass now
      const threePasses = (d: Int32Array) =>
        entriesFor(topScores(index.ids, integerScores("tracin", tracinScores(index, query, d)), 8), 8);
      const fused = (d: Int32Array) => entriesFor(topCombinedScores("tracin", index, query, d, 8), 8);
      const bigints = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
      const rowsBefore = topScores(index.ids, integerScores("tracin", tracinScores(index, query, dots)), 8);
      if (
        JSON.stringify(rowsBefore, bigints) !==
        JSON.stringify(topCombinedScores("tracin", index, query, dots, 8), bigints)
      ) {
        throw new Error("the fused TracIn pass and the three passes disagree");
      }
      rows.push(["TracIn after the dots: three passes (before)", await timeCpu(() => threePasses(dots))]);
      rows.push(["TracIn after the dots: one fused pass (now)", await timeCpu(() => fused(dots))]);
      rows.push([
        "TracIn query total on the wasm kernel, 2 threads, three passes (before)",
        await timeCpu(async () => threePasses(await kernel.segmentDots(index, query))),
      ]);
      rows.push([
        "TracIn query total on the wasm kernel, 2 threads, fused pass (now: dots, scores, top 8)",
        await timeCpu(async () => fused(await kernel.segmentDots(index, query))),
      ]);
    }
    await kernel.release();
  }
  // the float32 peer: the same rows as float32 (4× the bytes), one ORT MatMul [n, d] × [d, 1]
  const fp32 = args["skip-fp32"] ? new Float32Array(0) : Float32Array.from(index.vectors);
  for (const threads of args["skip-fp32"] ? [] : [1, 2]) {
    const session = await ort.InferenceSession.create(gemvModel, { intraOpNumThreads: threads, interOpNumThreads: 1 });
    const q = new ort.Tensor("float32", Float32Array.from(query.vector), [dims, 1]);
    const rowsTensor = new ort.Tensor("float32", fp32, [count, dims]);
    const run = async () => (await session.run({ rows: rowsTensor, query: q })).out?.data;
    const out = await run();
    if (!(out instanceof Float32Array) || !out.every((x, i) => x === reference[i])) {
      throw new Error("the float32 GEMV peer is not exact here");
    }
    rows.push([
      `float32 GEMV peer (ORT MatMul, ${threads} thread${threads > 1 ? "s" : ""}, rows pre-converted)`,
      await timeCpu(run),
    ]);
    await session.release();
  }
  const base = rows[0]![1].wall;
  console.log(
    `\n## Query pass over ${count.toLocaleString("en")} × ${dims} int8 rows (${((count * dims) / 2 ** 20).toFixed(0)} MiB; median of ${repeat}; load average ${loadavg()[0]!.toFixed(1)})\n`,
  );
  console.log("| kernel | wall ms | CPU ms (all threads) | wall vs ORT MatMulInteger 1 thread |");
  console.log("|---|---:|---:|---:|");
  for (const [name, t] of rows) {
    console.log(`| ${name} | ${t.wall.toFixed(1)} | ${t.cpu.toFixed(1)} | ${(base / t.wall).toFixed(2)}× |`);
  }
}
// ---- issue 19: whole engine queries, fused pass (now) against the three passes (before) ----
if (sections.has("engine")) {
  const rows = Number.parseInt(args["engine-rows"], 10);
  const dims = Number.parseInt(args["engine-dims"], 10);
  const messages = sampleMessages(300, 99);
  const trained = await trainModel(messages.slice(0, 100), {
    ...DEFAULT_TRAIN_OPTIONS,
    train: { ...DEFAULT_TRAIN_OPTIONS.train, epochs: 2, learningRate: 2 },
  });
  const indexed = await indexModel(
    trained,
    messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(i + 1) })),
    { dims, seed: 7, batch: 64 },
  );
  // the real rows repeated to `rows` rows, each under its own contribution id
  const real = indexed.index;
  const S = real.header.segments.length;
  const width = real.header.dims;
  const n = real.header.count;
  const tiled: GradientIndex = {
    header: { ...real.header, count: rows },
    ids: BigUint64Array.from({ length: rows }, (_, i) => BigInt(i + 1)),
    exponents: new Uint8Array(rows * S).map((_, j) => real.exponents[j % (n * S)]!),
    vectors: new Int8Array(rows * width).map((_, j) => real.vectors[j % (n * width)]!),
    norms: new Int32Array(rows * S).map((_, j) => real.norms[j % (n * S)]!),
  };
  const attributor = await makeAttributor({ ...indexed, index: tiled }, { threads: 2, kernel: "ort" });
  const requests = sampleMessages(8, 5, 100).map((m) => ({
    modelId: 1n,
    input: m.text,
    output: m.label === 1 ? "spam" : "ham",
  }));
  const excludeTen = Array.from({ length: 10 }, (_, i) => BigInt(1 + i * 7));
  type Request = (typeof requests)[number];
  const threePasses = async (request: Request, method: "tracin" | "influence", exclude: ReadonlyArray<bigint>) => {
    const asked = resolveRequest(tiled.header.classes, request);
    if ("problem" in asked) throw new Error(asked.problem);
    const result = await attributor.score(asked.text, asked.label, method);
    let scores = result.scores;
    if (exclude.length > 0) {
      const left = new Set(exclude);
      scores = scores.map((score, row) => (left.has(tiled.ids[row]!) ? 0 : score));
    }
    const top = topScores(tiled.ids, scores, 8);
    return { entries: entriesFor(top, 8), top, embedding: result.embedding };
  };
  const embedOnly = async (request: Request) => {
    const asked = resolveRequest(tiled.header.classes, request);
    if ("problem" in asked) throw new Error(asked.problem);
    return attributor.embed(asked.text, asked.label);
  };
  const bigints = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
  const perQuery = async (f: (request: Request) => Promise<unknown>) =>
    (await time(async () => {
      for (const request of requests) await f(request);
    })) / requests.length;
  /** Before and now timed alternately (the load drifts): median wall and CPU ms (all threads) per query. */
  const pair = async (fs: ReadonlyArray<(request: Request) => Promise<unknown>>) => {
    const all = async (f: (request: Request) => Promise<unknown>) => {
      for (const request of requests) await f(request);
    };
    for (const f of fs) await all(f);
    const walls = fs.map((): number[] => []);
    const cpus = fs.map((): number[] => []);
    for (let r = 0; r < repeat; r++) {
      for (const [j, f] of fs.entries()) {
        const cpu = process.cpuUsage();
        const t = performance.now();
        await all(f);
        walls[j]!.push((performance.now() - t) / requests.length);
        const used = process.cpuUsage(cpu);
        cpus[j]!.push((used.user + used.system) / 1000 / requests.length);
      }
    }
    return fs.map((_, j) => ({ wall: median(walls[j]!), cpu: median(cpus[j]!) }));
  };
  const table: Array<[string, number, number, { wall: number; cpu: number }, { wall: number; cpu: number }]> = [];
  for (const method of ["tracin", "influence"] as const) {
    for (const exclude of [[], excludeTen]) {
      // the preconditioner (influence) is built on the first query, at load in a served engine
      for (const request of requests) {
        const before = await threePasses(request, method, exclude);
        const now = await attributeWith(attributor, request, { method, maxEntries: 8 }, exclude);
        if ("problem" in now) throw new Error(now.problem);
        if (
          JSON.stringify([before.entries, before.top], bigints) !==
          JSON.stringify([now.entries, now.evidence.top], bigints)
        ) {
          throw new Error(`${method}: the fused engine query differs from the three passes`);
        }
      }
      const embedMs = await perQuery(embedOnly);
      const [before, now] = await pair([
        (r) => threePasses(r, method, exclude),
        (r) => attributeWith(attributor, r, { method, maxEntries: 8 }, exclude),
      ]);
      table.push([method, exclude.length, embedMs, before!, now!]);
    }
  }
  await attributor.release();
  console.log(
    `\n## Engine query end to end, ${rows.toLocaleString("en")} rows × ${width} (${((rows * width) / 2 ** 20).toFixed(0)} MiB; ${requests.length} queries, K = 8; before and now alternated, median of ${repeat}; load average ${loadavg()[0]!.toFixed(1)})\n`,
  );
  console.log(
    "| method | contributions excluded | text → embedding only ms | three passes (before) wall ms/query | CPU ms | fused pass (now) wall ms/query | CPU ms | before / now (wall) | (CPU) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [method, excluded, embedMs, before, now] of table) {
    console.log(
      `| ${method} | ${excluded} | ${embedMs.toFixed(1)} | ${before.wall.toFixed(1)} | ${before.cpu.toFixed(1)} | ${now.wall.toFixed(1)} | ${now.cpu.toFixed(1)} | ${(before.wall / now.wall).toFixed(2)}× | ${(before.cpu / now.cpu).toFixed(2)}× |`,
    );
  }
}
await ort1.release();
await ort2.release();
await now2.release();
