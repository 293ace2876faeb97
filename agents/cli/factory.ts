/**
 * `poa factory train | index | attribute | publish`: fine-tune a LoRA adapter on datanets, index its
 * training data's gradients, attribute an answer, register it. docs/model-factory.md.
 */
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Console, Data, Effect, Option, Schema } from "effect";
import { Command, Flag } from "effect/cli";
import { type Hex, parseUnits } from "viem";
import { Chain } from "../chain/Chain.ts";
import { registerModel, stake } from "../chain/registries.ts";
import { contentRoot } from "../content/merkle.ts";
import { installLoraIndex } from "../engines/lora/load.ts";
import { datanetContributions, directoryContentSource, fetchCorpus } from "../engines/suffix/datanet.ts";
import { FactoryMethodSchema } from "../factory/attribution.ts";
import { loadBase } from "../factory/base.ts";
import { makeGradPool } from "../factory/pool.ts";
import { DEFAULT_FACTORY_QUALITY, formatFactoryQuality, runFactoryQuality } from "../factory/quality.ts";
import { indexRunThreaded, openRun, runAttributor } from "../factory/run.ts";
import {
  baseNameOf,
  type DataSource,
  DEFAULT_HYPERPARAMETERS,
  Hyperparameters,
  readRecord,
  type TrainingDocument,
  type TrainProgress,
  trainAdapterThreaded,
} from "../factory/train.ts";
import { loadTextCodec } from "../operator/operator.ts";
import { clientFlags, report, withProtocol } from "./common.ts";
import { parseSplit } from "./model.ts";

export class FactoryCliError extends Data.TaggedError("FactoryCliError")<{ readonly message: string }> {}

const fail = (message: string) => new FactoryCliError({ message });
const describe = (e: unknown) =>
  fail(
    e instanceof Error || (typeof e === "object" && e !== null && "message" in e)
      ? String((e as { message: unknown }).message)
      : String(e),
  );
const attempt = <A>(f: () => A) => Effect.try({ try: f, catch: describe });
const attemptAsync = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: describe });

const Manifest = Schema.Array(
  Schema.Struct({
    path: Schema.String,
    contributionId: Schema.String.check(Schema.isPattern(/^[1-9]\d{0,19}$/)),
  }),
);

/** One line of progress on stderr (redrawn in place on a terminal). */
const bar = (label: string, fraction: number, tail: string, done: boolean) => {
  const width = 30;
  const filled = Math.round(Math.min(1, fraction) * width);
  const line = `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(100 * fraction).toFixed(0).padStart(3)}%  ${tail}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done ? "\n" : ""}`);
  else if (done || Math.round(fraction * 100) % 10 === 0) process.stderr.write(`${line}\n`);
};

const trainProgress = (startedAt: number) => (p: TrainProgress) =>
  bar(
    "train",
    p.step / p.steps,
    `epoch ${p.epoch + 1}/${p.epochs}  step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}${
      p.resumedAt ? `  (resumed at step ${p.resumedAt})` : ""
    }  ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
    p.step === p.steps,
  );

const indexProgress = (done: number, total: number) =>
  bar("index", done / total, `${done}/${total} contribution gradients`, done === total);

const attributeProgress = (done: number, total: number) =>
  bar("attribute", done / total, `${done}/${total} checkpoint gradients of the answer`, done === total);

const threadsFlag = Flag.Int("threads").pipe(
  Flag.withDescription("worker threads for the gradients (results are identical for every count)"),
  Flag.withDefault(1),
);

const checkThreads = (threads: number) =>
  Number.isInteger(threads) && threads >= 1 && threads <= 256
    ? Effect.void
    : Effect.fail(fail(`--threads must be an integer from 1 to 256; got ${threads}`));

const splitIds = (values: ReadonlyArray<string>) =>
  values.flatMap((v) => v.split(",").map((s) => s.trim())).filter((s) => s !== "");

const trainFlags = {
  base: Flag.String("base").pipe(Flag.withDescription("base model folder (the operator's --model-dir)")),
  datanet: Flag.String("datanet").pipe(
    Flag.withDescription("train on this datanet's approved contributions (repeat or comma-separate)"),
    Flag.atLeast(0),
  ),
  contentDir: Flag.String("content-dir").pipe(
    Flag.withDescription("contribution bytes by content root (0x… file names), checked against the chain"),
    Flag.optional,
  ),
  manifest: Flag.String("manifest").pipe(
    Flag.withDescription("offline instead of --datanet: JSON [{path, contributionId}] (experiments; nothing on chain)"),
    Flag.optional,
  ),
  out: Flag.String("out").pipe(Flag.withDescription("run folder (re-run the same command to resume)")),
  rank: Flag.Int("rank").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.rank)),
  alpha: Flag.Finite("alpha").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.alpha)),
  targets: Flag.String("targets").pipe(
    Flag.withDescription("comma-separated projections (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj)"),
    Flag.withDefault(DEFAULT_HYPERPARAMETERS.targets.join(",")),
  ),
  epochs: Flag.Int("epochs").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.epochs)),
  lr: Flag.Finite("lr").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.lr)),
  seed: Flag.Int("seed").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.seed)),
  batch: Flag.Int("batch").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.batch)),
  seqLen: Flag.Int("seq-len").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.seqLen)),
  checkpoints: Flag.Int("checkpoints").pipe(Flag.withDefault(DEFAULT_HYPERPARAMETERS.checkpoints)),
  dims: Flag.Int("dims").pipe(Flag.withDescription("index projection width per segment"), Flag.withDefault(64)),
  threads: threadsFlag,
  referenceTime: Flag.String("reference-time").pipe(
    Flag.withDescription("unix seconds: contributions approved and not withdrawn then (default: latest block)"),
    Flag.optional,
  ),
  config: clientFlags.config,
  rpcUrl: clientFlags.rpcUrl,
  deployments: clientFlags.deployments,
  json: clientFlags.json,
};

type TrainFlags = {
  readonly [K in keyof typeof trainFlags]: (typeof trainFlags)[K] extends Flag.Flag<infer A> ? A : never;
};

const readManifest = (file: string) =>
  Effect.gen(function* () {
    const raw = yield* attempt(() => JSON.parse(fs.readFileSync(file, "utf8")) as unknown);
    const entries = yield* Schema.decodeUnknownEffect(Manifest)(raw).pipe(
      Effect.mapError((e) => fail(`manifest ${file} is invalid: ${e.message}`)),
    );
    const dir = dirname(resolve(file));
    return yield* attempt(() =>
      entries.map((e): TrainingDocument => {
        const bytes = new Uint8Array(fs.readFileSync(resolve(dir, e.path)));
        if (bytes.length === 0) throw fail(`${e.path} is empty`);
        return { contributionId: BigInt(e.contributionId), datanetId: 0n, contentRoot: contentRoot(bytes), bytes };
      }),
    );
  });

const trainCommand = (f: TrainFlags) =>
  Effect.gen(function* () {
    yield* checkThreads(f.threads);
    const datanets = splitIds(f.datanet);
    let documents: TrainingDocument[];
    let source: DataSource | null = null;
    if (datanets.length > 0) {
      if (Option.isSome(f.manifest)) return yield* fail("give either --datanet or --manifest, not both");
      if (datanets.some((id) => !/^[1-9]\d{0,77}$/.test(id)))
        return yield* fail(`--datanet must be positive integer ids; got "${datanets.join(",")}"`);
      if (Option.isNone(f.contentDir))
        return yield* fail("--datanet needs --content-dir (files named by content root)");
      if (Option.isSome(f.referenceTime) && !/^\d{1,20}$/.test(f.referenceTime.value))
        return yield* fail(`--reference-time must be unix seconds; got "${f.referenceTime.value}"`);
      const read = yield* datanetContributions(
        datanets.map(BigInt),
        Option.isSome(f.referenceTime) ? BigInt(f.referenceTime.value) : undefined,
      ).pipe(withProtocol({ ...f, privateKey: Option.none() }), Effect.mapError(describe));
      if (read.contributions.length === 0)
        return yield* fail(
          `datanet ${datanets.join(",")} has no approved contributions at ${read.source.referenceTime}`,
        );
      const fetched = yield* fetchCorpus(read.contributions, directoryContentSource(f.contentDir.value)).pipe(
        Effect.mapError(describe),
      );
      documents = read.contributions.map((c, i) => ({
        contributionId: c.id,
        datanetId: c.datanetId,
        contentRoot: c.contentRoot.toLowerCase() as Hex,
        bytes: fetched[i]!.content,
      }));
      source = read.source;
    } else if (Option.isSome(f.manifest)) {
      documents = yield* readManifest(f.manifest.value);
    } else {
      return yield* fail("no training data: give --datanet N (with --content-dir) or --manifest");
    }
    const hyper: Hyperparameters = {
      rank: f.rank,
      alpha: f.alpha,
      targets: f.targets
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== ""),
      epochs: f.epochs,
      lr: f.lr,
      seed: f.seed,
      batch: f.batch,
      seqLen: f.seqLen,
      checkpoints: f.checkpoints,
    };
    yield* Schema.decodeUnknownEffect(Hyperparameters)(hyper).pipe(
      Effect.mapError((e) => fail(`hyperparameters: ${e.message.replace(/\s+/g, " ")}`)),
    );
    if (hyper.targets.length === 0) return yield* fail("--targets names no projection");
    const base = yield* attempt(() => loadBase(f.base));
    const codec = yield* attemptAsync(() => loadTextCodec(f.base));
    const out = resolve(f.out);
    const startedAt = performance.now();
    const trained = yield* attemptAsync(() =>
      trainAdapterThreaded(
        {
          base,
          baseName: baseNameOf(f.base),
          encode: (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids,
          documents,
          source,
          hyper,
          out,
          onProgress: trainProgress(startedAt),
        },
        f.threads,
      ),
    );
    const run = yield* attemptAsync(() => openRun(out, f.base));
    const { commitment } = yield* attemptAsync(() =>
      indexRunThreaded(run, { dims: f.dims, seed: 7 }, f.threads, indexProgress),
    );
    yield* report(
      f.json,
      {
        adapter: join(out, "adapter"),
        trainingRecord: join(out, "training.json"),
        trainingRecordHash: trained.recordHash,
        indexCommitment: commitment,
        contributions: documents.length,
        examples: trained.examples.length,
        epochLoss: trained.record!.epochLoss,
      },
      [
        `trained ${join(out, "adapter")} on ${documents.length} contributions (${trained.examples.length} examples)`,
        `loss per epoch: ${trained.record!.epochLoss.map((l) => l.toFixed(4)).join(", ")}`,
        `training record ${join(out, "training.json")}: ${trained.recordHash}`,
        `index ${join(out, "index.bin")}: commitment ${commitment}`,
      ].join("\n"),
    );
  });

const runFlags = {
  run: Flag.String("run").pipe(Flag.withDescription("run folder written by `factory train`")),
  base: Flag.String("base").pipe(Flag.withDescription("base model folder the run was trained on")),
};

const indexCommand = Command.make(
  "index",
  {
    ...runFlags,
    dims: Flag.Int("dims").pipe(Flag.withDefault(64)),
    seed: Flag.Int("seed").pipe(Flag.withDefault(7)),
    threads: threadsFlag,
  },
  (f) =>
    Effect.gen(function* () {
      yield* checkThreads(f.threads);
      const run = yield* attemptAsync(() => openRun(resolve(f.run), f.base));
      const { commitment, index } = yield* attemptAsync(() =>
        indexRunThreaded(run, { dims: f.dims, seed: f.seed }, f.threads, indexProgress),
      );
      yield* Console.log(
        `index ${join(run.dir, "index.bin")}: ${index.header.count} contributions, commitment ${commitment}`,
      );
    }),
).pipe(Command.withDescription("(Re)build a run's gradient index over its checkpoints"));

const attributeCommand = Command.make(
  "attribute",
  {
    ...runFlags,
    prompt: Flag.String("prompt").pipe(Flag.withDefault("")),
    answer: Flag.String("answer").pipe(Flag.withDescription("the generated answer to attribute")),
    method: Flag.Literals("method", ["datainf", "tracin"]).pipe(Flag.withDefault("datainf")),
    top: Flag.Int("top").pipe(Flag.withDefault(8)),
    threads: threadsFlag,
    json: clientFlags.json,
  },
  (f) =>
    Effect.gen(function* () {
      yield* checkThreads(f.threads);
      const method = Schema.decodeUnknownSync(FactoryMethodSchema)(f.method);
      const run = yield* attemptAsync(() => openRun(resolve(f.run), f.base));
      const answer = run.encode(f.answer);
      if (answer.length === 0) return yield* fail("--answer is empty: nothing to attribute");
      const result = yield* Effect.acquireUseRelease(
        Effect.sync(() => (f.threads > 1 ? makeGradPool(run.base, run.layout, f.threads) : undefined)),
        (pool) =>
          Effect.gen(function* () {
            const attributor = yield* attempt(() => runAttributor(run, pool, attributeProgress));
            const scored = yield* attemptAsync(() => attributor.score(run.encode(f.prompt), answer, method, f.top));
            return { ...scored, commitment: attributor.commitment };
          }),
        (pool) => Effect.promise(async () => pool?.close()),
      );
      const attributor = { commitment: result.commitment };
      yield* report(
        f.json,
        { method, indexCommitment: attributor.commitment, entries: result.entries },
        [
          `${method}, index ${attributor.commitment}`,
          ...result.entries.map(
            (e) => `contribution ${e.contributionId}: weight ${e.weight} (${(e.weight / 1e4).toFixed(2)}%)`,
          ),
        ].join("\n"),
      );
    }),
).pipe(Command.withDescription("Attribute a generated answer to the run's training contributions"));

const parseOpen = (what: string, value: string) =>
  Effect.try({
    try: () => parseUnits(value, 18),
    catch: () => fail(`${what} must be an OPEN amount like 0.01, got "${value}"`),
  });

const publishCommand = Command.make(
  "publish",
  {
    ...runFlags,
    ...clientFlags,
    baseModelId: Flag.String("base-model-id").pipe(
      Flag.withDescription("the registered base model (default: register the base model first)"),
      Flag.optional,
    ),
    split: Flag.String("split").pipe(
      Flag.withDefault("2000,2000,5000,500,500"),
      Flag.withDescription("fee split in bps: operator,owner,data,attributor,protocol (sum 10000)"),
    ),
    baseSplit: Flag.String("base-split").pipe(
      Flag.withDefault("3000,6500,0,250,250"),
      Flag.withDescription("fee split of the base model when it is registered here (no datanets: data share 0)"),
    ),
    price: Flag.String("price").pipe(Flag.withDefault("0.01"), Flag.withDescription("price per request in OPEN")),
    stakeAmount: Flag.String("stake").pipe(Flag.optional, Flag.withDescription("OPEN to stake on the adapter")),
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription(
        "also install the adapter's index (index, record, base model, checkpoints) in <dir>/indexes/<commitment>/ for an attributor",
      ),
      Flag.optional,
    ),
  },
  (f) =>
    Effect.gen(function* () {
      const dir = resolve(f.run);
      const { record, hash } = yield* attempt(() => readRecord(dir));
      const run = yield* attemptAsync(() => openRun(dir, f.base));
      const attributor = yield* attempt(() => runAttributor(run));
      if (record.data.source === null) {
        return yield* fail("this run was trained from a --manifest, not from datanets: nothing on chain to pay");
      }
      const datanetIds = record.data.source.datanetIds.map(BigInt);
      const split = yield* parseSplit(f.split);
      const price = yield* parseOpen("--price", f.price);
      const stakeAmount = Option.isSome(f.stakeAmount) ? yield* parseOpen("--stake", f.stakeAmount.value) : 0n;
      // what an attributor's data directory holds for this adapter, checked as the attributor checks it
      const dataDir = Option.getOrUndefined(f.dataDir);
      const installed =
        dataDir === undefined ? undefined : yield* attemptAsync(() => installLoraIndex(resolve(dataDir), dir, f.base));
      if (installed !== undefined && installed.commitment !== attributor.commitment) {
        return yield* fail(
          `the installed index commits to ${installed.commitment}, the run's to ${attributor.commitment}`,
        );
      }
      const registered = yield* Effect.gen(function* () {
        const { chainId } = yield* Chain;
        if (record.data.source !== null && record.data.source.chainId !== chainId) {
          return yield* fail(
            `the run's datanets are on chain ${record.data.source.chainId}, this RPC is chain ${chainId}`,
          );
        }
        let parent: bigint;
        let baseTx: Hex | null = null;
        if (Option.isSome(f.baseModelId)) {
          if (!/^[1-9]\d*$/.test(f.baseModelId.value)) return yield* fail("--base-model-id must be a positive integer");
          parent = BigInt(f.baseModelId.value);
        } else {
          const baseSplit = yield* parseSplit(f.baseSplit);
          const b = yield* registerModel({
            baseModelHash: record.base.modelKeccak256 as Hex,
            adapterHash: `0x${"00".repeat(32)}`,
            parentModelId: 0n,
            datanetIds: [],
            method: "gradient",
            attributionIndexCommitment: `0x${"00".repeat(32)}`,
            split: baseSplit,
            price: 0n,
            metadataURI: `poa-factory:base=${record.base.name}`,
          });
          parent = b.modelId;
          baseTx = b.hash;
        }
        const adapter = yield* registerModel({
          baseModelHash: record.base.modelKeccak256 as Hex,
          adapterHash: record.adapter.weightsKeccak256 as Hex,
          parentModelId: parent,
          datanetIds,
          method: "gradient",
          attributionIndexCommitment: attributor.commitment,
          split,
          price,
          metadataURI: `poa-factory:training-record=${hash}`,
        });
        const staked = stakeAmount > 0n ? yield* stake(adapter.modelId, stakeAmount) : null;
        return { parent, baseTx, adapter, staked };
      }).pipe(withProtocol(f), Effect.mapError(describe));
      // the operator reads the on-chain id and price of an adapter folder from its poa.json
      yield* attempt(() =>
        fs.writeFileSync(
          join(dir, "adapter", "poa.json"),
          `${JSON.stringify({ modelId: registered.adapter.modelId.toString(), price: price.toString() })}\n`,
        ),
      );
      yield* report(
        f.json,
        {
          modelId: registered.adapter.modelId,
          baseModelId: registered.parent,
          indexCommitment: attributor.commitment,
          trainingRecordHash: hash,
          tx: registered.adapter.hash,
          ...(registered.baseTx ? { baseTx: registered.baseTx } : {}),
          ...(registered.staked ? { stakeTx: registered.staked.hash } : {}),
          ...(installed ? { indexDir: installed.dir } : {}),
        },
        [
          `adapter registered as model ${registered.adapter.modelId} (base model ${registered.parent}, tx ${registered.adapter.hash})`,
          `datanets ${datanetIds.join(",")}, method gradient, index commitment ${attributor.commitment}`,
          `training record ${hash} (in metadataURI)`,
          ...(registered.staked ? [`staked ${Option.getOrElse(f.stakeAmount, () => "0")} OPEN`] : []),
          ...(installed ? [`index installed in ${installed.dir} (attributors: --data-dir ${dataDir})`] : []),
          `serve it: poa operator serve --model-dir ${f.base} --adapters-dir ${dir}  (adapter id "adapter")`,
        ].join("\n"),
      );
    }),
).pipe(
  Command.withDescription("Register a trained adapter in ModelRegistry (datanets, split, index commitment, stake)"),
);

const qualityCommand = Command.make(
  "quality",
  {
    seed: Flag.Int("seed").pipe(Flag.withDefault(DEFAULT_FACTORY_QUALITY.hyper.seed)),
    base: Flag.String("base").pipe(
      Flag.withDescription("base model folder (default: the operator's tiny test model)"),
      Flag.optional,
    ),
    epochs: Flag.Int("epochs").pipe(Flag.withDefault(DEFAULT_FACTORY_QUALITY.hyper.epochs)),
    bytes: Flag.Int("bytes").pipe(
      Flag.withDescription("characters of each president's address trained on"),
      Flag.withDefault(DEFAULT_FACTORY_QUALITY.bytes),
    ),
    ldsSubsets: Flag.Int("lds-subsets").pipe(
      Flag.withDescription("random halves of the contributors retrained for LDS (0: none)"),
      Flag.withDefault(DEFAULT_FACTORY_QUALITY.ldsSubsets),
    ),
    bootstrap: Flag.Int("bootstrap").pipe(Flag.withDefault(DEFAULT_FACTORY_QUALITY.bootstrap)),
    threads: threadsFlag,
  },
  (f) =>
    Effect.gen(function* () {
      yield* checkThreads(f.threads);
      if (f.ldsSubsets < 0 || f.bootstrap < 0 || f.epochs < 1 || f.bytes < 1)
        return yield* fail("--lds-subsets and --bootstrap must be ≥ 0, --epochs and --bytes ≥ 1");
      const result = yield* attemptAsync(() =>
        runFactoryQuality({
          ...DEFAULT_FACTORY_QUALITY,
          bytes: f.bytes,
          ldsSubsets: f.ldsSubsets,
          bootstrap: f.bootstrap,
          threads: f.threads,
          hyper: { ...DEFAULT_FACTORY_QUALITY.hyper, seed: f.seed, epochs: f.epochs },
          ...(Option.isSome(f.base) ? { baseDir: f.base.value } : {}),
          log: (line) => process.stderr.write(`${line}\n`),
        }),
      );
      yield* Console.log(formatFactoryQuality(result));
    }),
).pipe(Command.withDescription("SOTU presidents as contributors: attribution vs leave-one-out, LDS and baselines"));

export const factoryCommand = Command.make("factory").pipe(
  Command.withDescription("Model Factory: fine-tune LoRA adapters on datanets, attribute by gradients, publish"),
  Command.withSubcommands([
    Command.make("train", trainFlags, trainCommand).pipe(
      Command.withDescription("Fine-tune a LoRA adapter on datanet contributions (resumable), then index it"),
    ),
    indexCommand,
    attributeCommand,
    publishCommand,
    qualityCommand,
  ]),
);
