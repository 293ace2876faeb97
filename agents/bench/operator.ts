/**
 * LoRA operator benchmark: throughput and latency of one batched LoRA graph serving 1, 10, 100 and
 * 1,000 adapters in a uniform random mix, against the same model with no adapters (plain graph) and
 * against one merged session per adapter; cold adapter load time; memory per adapter in each tier.
 *
 *   npx tsx agents/bench/operator.ts [--ep cpu|cuda|webgpu] [--hidden 256 --layers 4 --intermediate 704]
 *     [--requests 64] [--max-tokens 16] [--prompt 32] [--adapters 1,10,100,1000] [--slots 32]
 *     [--max-batch 32] [--merged-max 10] [--threads 2] [--repeat 5] [--passes 200]
 *
 * Every request is submitted at t=0 (closed batch of offered load); adapters are cold at the start
 * of each row, so their disk loads count against that row's throughput.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeModel, encodeModel } from "../onnx/graph.ts";
import { loadAdapterDir } from "../operator/adapter.ts";
import { testAdapterId, writeTestSetup } from "../operator/fixtures.ts";
import { lastPositionLogits, listTargets, mergeAdapter } from "../operator/lora.ts";
import { LoraOperator } from "../operator/operator.ts";
import type { ForwardInput } from "../operator/runtime.ts";
import { createSession, DecoderSession, type ExecutionProvider, openModelDir } from "../operator/runtime.ts";
import { type GenerationRequest, Scheduler } from "../operator/scheduler.ts";
import { prng, type TinyLlamaConfig } from "../operator/testModel.ts";

interface BenchOptions {
  readonly ep: ExecutionProvider;
  readonly model: TinyLlamaConfig;
  readonly requests: number;
  readonly maxTokens: number;
  readonly promptLength: number;
  readonly adapterCounts: ReadonlyArray<number>;
  readonly slots: number;
  readonly maxBatch: number;
  readonly mergedMax: number;
  readonly threads: number;
  /** Rounds: every setup runs once per round, from a cold start; the median round by tokens/s is reported. */
  readonly repeat: number;
  /** Timed forward passes per variant in the pass table. */
  readonly passes: number;
}

const uniformKv = (n: number, rand: () => number) => Float32Array.from({ length: n }, () => rand() - 0.5);

interface Row {
  readonly name: string;
  readonly tokens: number;
  readonly seconds: number;
  /** CPU seconds the whole process used (ORT threads included): steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  /** Mean rows per decode pass. */
  readonly meanBatch: number;
  readonly p50: number;
  readonly p95: number;
}

/** A full batch through a fresh scheduler first, so ORT's allocations and JIT are warm. */
const warmUp = (scheduler: Scheduler, reqs: ReadonlyArray<GenerationRequest>) =>
  drive(
    "warm-up",
    reqs.map((req) => ({ scheduler, req: { ...req, adapter: null } })),
  );

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
};

/** Submits every request at once to its scheduler and measures tokens/s and per-request latency. */
const drive = async (
  name: string,
  requests: ReadonlyArray<{ scheduler: Scheduler; req: GenerationRequest }>,
): Promise<Row> => {
  const schedulers = [...new Set(requests.map((r) => r.scheduler))];
  const before = schedulers.map((s) => ({ ...s.passes }));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let tokens = 0;
  const latencies = await Promise.all(
    requests.map(
      ({ scheduler, req }) =>
        new Promise<number>((resolve, reject) => {
          const start = performance.now();
          scheduler.submit(req, {
            onToken: () => tokens++,
            onDone: () => resolve(performance.now() - start),
            onError: reject,
          });
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  let passes = 0;
  let rows = 0;
  schedulers.forEach((s, i) => {
    passes += s.passes.decode - before[i]!.decode;
    rows += s.passes.decodeRows - before[i]!.decodeRows;
  });
  return {
    name,
    tokens,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    meanBatch: passes === 0 ? 0 : rows / passes,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
  };
};

export const runOperatorBench = async (o: BenchOptions, log: (line: string) => void = console.error) => {
  const dir = await mkdtemp(join(tmpdir(), "operator-bench-"));
  const maxAdapters = Math.max(...o.adapterCounts);
  try {
    log(`writing model (hidden ${o.model.hiddenSize}, ${o.model.numLayers} layers) and ${maxAdapters} adapters…`);
    const setup = await writeTestSetup(dir, { adapters: maxAdapters, config: o.model });
    const rand = prng(99);
    const prompts = Array.from({ length: o.requests }, () =>
      Array.from({ length: o.promptLength }, () => Math.floor(rand() * 256)),
    );
    // every request generates exactly maxTokens, so every setup does the same work whatever its weights
    const request = (i: number, adapter: string | null): GenerationRequest => ({
      adapter,
      promptIds: prompts[i]!,
      maxTokens: o.maxTokens,
      temperature: 0,
      topP: 1,
      ignoreEos: true,
    });
    const warm = prompts.slice(0, o.maxBatch).map((_, i) => request(i, null));
    const pick = (n: number) => Array.from({ length: o.requests }, () => Math.floor(rand() * n));
    const opened = await openModelDir(setup.modelDir);
    // the baseline gets the same last-position-logits rewrite the LoRA graph has: only the side paths differ
    const baseBytes = (() => {
      const m = decodeModel(encodeModel(opened.base));
      lastPositionLogits(m);
      return encodeModel(m);
    })();
    const quiet = (line: string) => log(`  ${line}`);
    const open = () =>
      LoraOperator.open({
        modelDir: setup.modelDir,
        adaptersDir: setup.adaptersDir,
        maxLoras: o.slots,
        maxCpuLoras: Math.max(o.slots, Math.min(maxAdapters, 1024)),
        slotRank: 8,
        maxBatch: o.maxBatch,
        providers: [o.ep],
        targetModules: null,
        threads: o.threads,
        log: quiet,
      });
    // Each runner measures one setup from a cold start. Runners are interleaved round by round, so a
    // load spike on a shared machine hits every setup alike; each row reports its median round.
    const runners: Array<{ readonly name: string; readonly run: () => Promise<Row> }> = [];
    // 1. the plain exported graph, no LoRA side paths at all
    runners.push({
      name: "base model, no LoRA graph",
      run: async () => {
        const { session, provider } = await createSession(baseBytes, [o.ep], () => {}, o.threads);
        const scheduler = new Scheduler(new DecoderSession(session, opened.info, provider), null, {
          maxBatch: o.maxBatch,
        });
        await warmUp(scheduler, warm);
        const row = await drive(
          "base model, no LoRA graph",
          prompts.map((_, i) => ({ scheduler, req: request(i, null) })),
        );
        await scheduler.close();
        await session.release();
        return row;
      },
    });
    // 2. the LoRA graph, every row on slot 0 (the side paths' cost, no adapter)
    runners.push({
      name: "LoRA graph, base rows only",
      run: async () => {
        const op = await open();
        await warmUp(op.scheduler, warm);
        const row = await drive(
          "LoRA graph, base rows only",
          prompts.map((_, i) => ({ scheduler: op.scheduler, req: request(i, null) })),
        );
        await op.close();
        return row;
      },
    });
    // 3. the LoRA graph with N adapters in a uniform mix, all cold at the start
    // "cold": every adapter starts on disk; "host-warm": every adapter already parsed in the host tier
    // (a long-running operator whose max_cpu_loras holds them all), only slot swaps remain.
    for (const [n, hostWarm] of o.adapterCounts.flatMap(
      (n) =>
        [
          [n, false],
          [n, true],
        ] as const,
    )) {
      const ids = pick(n);
      const name = `LoRA graph, ${n} adapter${n === 1 ? "" : "s"} (uniform, ${hostWarm ? "host-warm" : "cold"})`;
      runners.push({
        name,
        run: async () => {
          const op = await open();
          await warmUp(op.scheduler, warm);
          if (hostWarm) for (const i of new Set(ids)) await op.cache.prefetch(testAdapterId(i));
          const row = await drive(
            name,
            prompts.map((_, i) => ({ scheduler: op.scheduler, req: request(i, testAdapterId(ids[i]!)) })),
          );
          await op.close();
          return row;
        },
      });
    }
    // 4. one merged session per adapter (W + sBA baked in): batching only within an adapter
    const targets = listTargets(opened.base);
    for (const n of o.adapterCounts.filter((c) => c <= o.mergedMax)) {
      const ids = pick(n);
      const name = `merged session per adapter, ${n} adapter${n === 1 ? "" : "s"}`;
      const adapters = await Promise.all(
        Array.from({ length: n }, (_, a) =>
          loadAdapterDir(testAdapterId(a), join(setup.adaptersDir, testAdapterId(a)), targets, 8),
        ),
      );
      const merged = adapters.map((a) => encodeModel(mergeAdapter(opened.base, a)));
      runners.push({
        name,
        run: async () => {
          const t0 = performance.now();
          const sessions: Array<{ scheduler: Scheduler; session: { release: () => Promise<void> } }> = [];
          for (const bytes of merged) {
            const { session, provider } = await createSession(bytes, [o.ep], () => {}, o.threads);
            const scheduler = new Scheduler(new DecoderSession(session, opened.info, provider), null, {
              maxBatch: o.maxBatch,
            });
            await warmUp(scheduler, warm);
            sessions.push({ scheduler, session });
          }
          log(`  merged sessions: ${((performance.now() - t0) / n).toFixed(1)} ms per adapter to open and warm`);
          // merged sessions take adapter null: the adapter is in the weights
          const row = await drive(
            name,
            prompts.map((_, i) => ({ scheduler: sessions[ids[i]!]!.scheduler, req: request(i, null) })),
          );
          for (const s of sessions) {
            await s.scheduler.close();
            await s.session.release();
          }
          return row;
        },
      });
    }
    const results = runners.map(() => [] as Row[]);
    for (let round = 0; round < o.repeat; round++) {
      // a fresh order each round, so no setup always follows the same neighbour (GC debt, warm caches)
      const order = runners.map((_, i) => i).sort(() => rand() - 0.5);
      for (const i of order) results[i]!.push(await runners[i]!.run());
      log(`  round ${round + 1}/${o.repeat} done`);
    }
    const rows = results.map((runs) => {
      const sorted = [...runs].sort((a, b) => a.tokens / a.seconds - b.tokens / b.seconds);
      return sorted[Math.floor(sorted.length / 2)]!;
    });
    // One decode pass in isolation (no scheduling, no loads): the plain graph, the LoRA graph with every
    // row on slot 0, and the LoRA graph with every row on a different adapter, interleaved pass by pass.
    const passes: Array<{ name: string; ms: number[] }> = [];
    {
      const { session: plainOrt, provider } = await createSession(baseBytes, [o.ep], () => {}, o.threads);
      const plain = new DecoderSession(plainOrt, opened.info, provider);
      const op = await open();
      const B = o.maxBatch;
      const slotsFull = new BigInt64Array(B); // rows beyond the slot count stay on the base model
      for (let b = 0; b < Math.min(B, o.slots, maxAdapters); b++) {
        await op.cache.prefetch(testAdapterId(b));
        slotsFull[b] = BigInt(op.cache.acquireSlot(testAdapterId(b))!);
      }
      const P = o.promptLength + o.maxTokens / 2;
      const { kvHeads, headDim, numLayers } = opened.info;
      const kv = () => uniformKv(B * kvHeads * P * headDim, rand);
      const past = Array.from({ length: numLayers }, () => ({ key: kv(), value: kv() }));
      const input = (slots?: BigInt64Array): ForwardInput => ({
        batch: B,
        seqLen: 1,
        pastLen: P,
        inputIds: BigInt64Array.from({ length: B }, (_, b) => BigInt(b)),
        attentionMask: new BigInt64Array(B * (P + 1)).fill(1n),
        positionIds: new BigInt64Array(B).fill(BigInt(P)),
        past,
        ...(slots ? { slots } : {}),
      });
      const variants: Array<{ name: string; run: () => Promise<unknown> }> = [
        { name: "plain graph", run: () => plain.forward(input()) },
        { name: "LoRA graph, all rows slot 0", run: () => op.session.forward(input(new BigInt64Array(B))) },
        {
          name: `LoRA graph, ${Math.min(B, o.slots, maxAdapters)} different adapters in the batch`,
          run: () => op.session.forward(input(slotsFull)),
        },
      ];
      for (const v of variants) passes.push({ name: v.name, ms: [] });
      for (let i = 0; i < 5; i++) for (const v of variants) await v.run(); // warm
      for (let i = 0; i < o.passes; i++) {
        for (const [k, v] of variants.entries()) {
          const t0 = performance.now();
          await v.run();
          passes[k]!.ms.push(performance.now() - t0);
        }
      }
      await op.close();
      await plainOrt.release();
    }

    // cold load: disk → host (read, parse, validate, transpose), host → slot (bank write)
    let memory: { slotBytes: number; hostBytes: number; diskBytes: number; coldLoadMs: number; installMs: number };
    {
      const op = await open();
      const sample = Math.min(20, maxAdapters);
      let hostBytes = 0;
      let diskBytes = 0;
      const t0 = performance.now();
      for (let i = 0; i < sample; i++) hostBytes += (await op.cache.prefetch(testAdapterId(i))).bytes;
      const coldLoadMs = (performance.now() - t0) / sample;
      const t1 = performance.now();
      for (let i = 0; i < sample; i++) {
        op.cache.acquireSlot(testAdapterId(i));
        op.cache.release(testAdapterId(i));
      }
      const installMs = (performance.now() - t1) / sample;
      for (let i = 0; i < sample; i++) {
        diskBytes += (await stat(join(setup.adaptersDir, testAdapterId(i), "adapter_model.safetensors"))).size;
      }
      memory = {
        slotBytes: op.cache.bytesPerSlot,
        hostBytes: hostBytes / sample,
        diskBytes: diskBytes / sample,
        coldLoadMs,
        installMs,
      };
      await op.close();
    }
    const baseline = rows[0]!.tokens / rows[0]!.seconds;
    const baselineCpu = rows[0]!.tokens / rows[0]!.cpuSeconds;
    const table = [
      `| setup | tokens | wall s | tokens/s | vs no-LoRA | tokens/CPU-s | vs no-LoRA (CPU) | mean decode batch | p50 ms | p95 ms |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
      ...rows.map((r) => {
        const tps = r.tokens / r.seconds;
        const cps = r.tokens / r.cpuSeconds;
        return `| ${r.name} | ${r.tokens} | ${r.seconds.toFixed(2)} | ${tps.toFixed(1)} | ${((100 * tps) / baseline).toFixed(0)}% | ${cps.toFixed(1)} | ${((100 * cps) / baselineCpu).toFixed(0)}% | ${r.meanBatch.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} |`;
      }),
      "",
      `| one decode pass, batch ${o.maxBatch}, past ${o.promptLength + o.maxTokens / 2} (${o.passes} interleaved passes) | median ms | vs plain |`,
      `|---|---:|---:|`,
      ...passes.map(
        (p) =>
          `| ${p.name} | ${percentile(p.ms, 0.5).toFixed(3)} | ${((100 * percentile(passes[0]!.ms, 0.5)) / percentile(p.ms, 0.5)).toFixed(0)}% |`,
      ),
      "",
      `| adapter memory (rank mix 2/4/8, ${targets.length} targets) | bytes |`,
      `|---|---:|`,
      `| disk (safetensors, average) | ${memory.diskBytes.toFixed(0)} |`,
      `| host tier (compact rank-r factors, average) | ${memory.hostBytes.toFixed(0)} |`,
      `| device tier (one slot, padded to rank 8) | ${memory.slotBytes} |`,
      "",
      `| cold load | ms |`,
      `|---|---:|`,
      `| disk → host (read, parse, validate, transpose) | ${memory.coldLoadMs.toFixed(2)} |`,
      `| host → slot (bank write) | ${memory.installMs.toFixed(3)} |`,
    ].join("\n");
    return table;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const main = async () => {
  const { values } = parseArgs({
    options: {
      ep: { type: "string", default: "cpu" },
      hidden: { type: "string", default: "64" },
      layers: { type: "string", default: "2" },
      heads: { type: "string", default: "4" },
      intermediate: { type: "string", default: "128" },
      requests: { type: "string", default: "64" },
      "max-tokens": { type: "string", default: "16" },
      prompt: { type: "string", default: "16" },
      adapters: { type: "string", default: "1,10,100,1000" },
      slots: { type: "string", default: "32" },
      "max-batch": { type: "string", default: "32" },
      "merged-max": { type: "string", default: "10" },
      threads: { type: "string", default: "2" },
      repeat: { type: "string", default: "5" },
      passes: { type: "string", default: "200" },
    },
  });
  const int = (name: keyof typeof values) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: expected a positive integer`);
    return v;
  };
  /** --hidden, --intermediate and --heads take comma lists: one table per size, each with its own baseline. */
  const list = (name: "hidden" | "intermediate" | "heads") => {
    const xs = String(values[name])
      .split(",")
      .map((x) => Number(x));
    if (!xs.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`--${name}: positive integers`);
    return xs;
  };
  if (!["cpu", "cuda", "webgpu"].includes(String(values.ep))) throw new Error("--ep: cpu, cuda or webgpu");
  const [hiddens, intermediates, heads] = [list("hidden"), list("intermediate"), list("heads")];
  const load = () =>
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`;
  for (const [k, hidden] of hiddens.entries()) {
    const opts: BenchOptions = {
      ep: values.ep as ExecutionProvider,
      model: {
        hiddenSize: hidden,
        numLayers: int("layers"),
        numHeads: heads[k] ?? heads[0]!,
        intermediateSize: intermediates[k] ?? intermediates[0]!,
        maxPositions: 512,
        seed: 7,
      },
      requests: int("requests"),
      maxTokens: int("max-tokens"),
      promptLength: int("prompt"),
      adapterCounts: String(values.adapters)
        .split(",")
        .map((s) => Number(s))
        .filter((n) => Number.isInteger(n) && n > 0),
      slots: int("slots"),
      maxBatch: int("max-batch"),
      mergedMax: int("merged-max"),
      threads: int("threads"),
      repeat: int("repeat"),
      passes: int("passes"),
    };
    console.log(
      `LoRA operator bench: ep ${opts.ep}, hidden ${hidden}, ${opts.model.numLayers} layers, ` +
        `${opts.requests} requests × ${opts.maxTokens} tokens, prompt ${opts.promptLength}, ${opts.slots} slots, ` +
        `batch ${opts.maxBatch} (${load()})\n`,
    );
    console.log(await runOperatorBench(opts));
    console.log(`\n(${load()} at the end)\n`);
  }
};

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
