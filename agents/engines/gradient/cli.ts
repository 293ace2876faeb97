/**
 * `gradient train | index | attribute | quality`, exported as `gradientCommands` for the main CLI and
 * runnable standalone: `npx tsx agents/engines/gradient/cli.ts train --out /tmp/spam`.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { Data, Effect, Option, Schema } from "effect";
import { Command, Flag } from "effect/cli";
import { publishIndexFiles } from "../index-store.ts";
import {
  DEFAULT_EXAMPLES,
  DEFAULT_INDEX_OPTIONS,
  DEFAULT_TRAIN_OPTIONS,
  indexModel,
  loadIndexed,
  loadTrained,
  readModelFile,
  saveIndex,
  saveTrained,
  trainModel,
} from "./bundle.ts";
import { sampleMessages } from "./dataset.ts";
import { DEFAULT_ENGINE_OPTIONS, makeAttributor, makeGradientEngine } from "./engine.ts";
import { DEFAULT_QUALITY, formatQuality, runQuality } from "./quality.ts";
import { METHODS } from "./score.ts";

export class GradientCliError extends Data.TaggedError("GradientCliError")<{ readonly message: string }> {}

const Examples = Schema.Array(
  Schema.Struct({ contributionId: Schema.String, label: Schema.Literals([0, 1]), text: Schema.String }),
);

const attempt = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (e) => new GradientCliError({ message: `${what}: ${e instanceof Error ? e.message : String(e)}` }),
  });

const print = (line: string) => Effect.sync(() => console.log(line));

const threads = Flag.Int("threads").pipe(Flag.withDescription("ONNX Runtime intra-op threads"), Flag.withDefault(1));
const modelDir = Flag.String("model").pipe(Flag.withDescription("model directory (from `gradient train`)"));

const trainCommand = Command.make(
  "train",
  {
    out: Flag.String("out").pipe(Flag.withDescription("directory to write the model into")),
    examples: Flag.Int("examples").pipe(
      Flag.withDescription("SpamAssassin messages to train on"),
      Flag.withDefault(DEFAULT_EXAMPLES),
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("sampling seed"), Flag.withDefault(11)),
    family: Flag.Literals("family", ["softmax", "mlp"]).pipe(Flag.withDefault("softmax" as const)),
    buckets: Flag.Int("buckets").pipe(
      Flag.withDescription("hash buckets (power of two)"),
      Flag.withDefault(DEFAULT_TRAIN_OPTIONS.buckets),
    ),
    hidden: Flag.Int("hidden").pipe(
      Flag.withDescription("mlp hidden width"),
      Flag.withDefault(DEFAULT_TRAIN_OPTIONS.hidden),
    ),
    epochs: Flag.Int("epochs").pipe(Flag.withDefault(DEFAULT_TRAIN_OPTIONS.train.epochs)),
    learningRate: Flag.Finite("lr").pipe(Flag.withDefault(DEFAULT_TRAIN_OPTIONS.train.learningRate)),
    checkpoints: Flag.Int("checkpoints").pipe(Flag.withDefault(DEFAULT_TRAIN_OPTIONS.train.checkpoints)),
    threads,
  },
  (f) =>
    Effect.gen(function* () {
      if (f.examples < 2 || f.examples > 6046) {
        return yield* new GradientCliError({ message: "--examples must be between 2 and 6046" });
      }
      if (f.checkpoints < 1 || f.epochs < 1) {
        return yield* new GradientCliError({ message: "--epochs and --checkpoints must be at least 1" });
      }
      const messages = sampleMessages(f.examples, f.seed);
      const trained = yield* attempt("train", () =>
        trainModel(
          messages,
          {
            family: f.family,
            buckets: f.buckets,
            hidden: f.hidden,
            seed: f.seed,
            train: {
              ...DEFAULT_TRAIN_OPTIONS.train,
              epochs: f.epochs,
              learningRate: f.learningRate,
              checkpoints: f.checkpoints,
            },
          },
          f.threads,
        ),
      );
      yield* attempt(`write ${f.out}`, async () => {
        saveTrained(f.out, trained);
        const examples = messages.map((m, i) => ({ contributionId: String(i + 1), label: m.label, text: m.text }));
        writeFileSync(join(f.out, "examples.json"), JSON.stringify(examples));
      });
      yield* print(
        `trained ${f.family} on ${f.examples} messages: loss ${trained.manifest.losses.at(-1)?.toFixed(4)}; wrote ${f.out}`,
      );
    }),
).pipe(Command.withDescription("train a small spam classifier on SpamAssassin (checkpoints for TracIn)"));

const indexCommand = Command.make(
  "index",
  {
    model: modelDir,
    dims: Flag.Int("dims").pipe(
      Flag.withDescription("projection dimension per layer"),
      Flag.withDefault(DEFAULT_INDEX_OPTIONS.dims),
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("projection seed"), Flag.withDefault(DEFAULT_INDEX_OPTIONS.seed)),
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription("also copy the index files to <data-dir>/indexes/<commitment>/, where nodes look for them"),
      Flag.optional,
    ),
    threads,
  },
  (f) =>
    Effect.gen(function* () {
      if (f.dims < 1) return yield* new GradientCliError({ message: "--dims must be positive" });
      const trained = yield* attempt("load model", async () => loadTrained(f.model));
      const examples = yield* attempt("examples.json", async () =>
        Schema.decodeUnknownSync(Examples)(
          JSON.parse(new TextDecoder().decode(readModelFile(f.model, "examples.json"))),
        ),
      );
      const started = performance.now();
      const indexed = yield* attempt("index", () =>
        indexModel(
          trained,
          examples.map((e) => ({ text: e.text, label: e.label, contributionId: BigInt(e.contributionId) })),
          { ...DEFAULT_INDEX_OPTIONS, dims: f.dims, seed: f.seed },
          f.threads,
        ),
      );
      yield* attempt("write index", async () => saveIndex(f.model, indexed.index));
      const seconds = (performance.now() - started) / 1000;
      const dataDir = Option.getOrUndefined(f.dataDir);
      const published =
        dataDir === undefined
          ? undefined
          : yield* attempt("publish index", async () =>
              publishIndexFiles(dataDir, indexed.commitment, "gradient", f.model),
            );
      yield* print(
        `indexed ${indexed.index.header.count} examples × ${indexed.index.header.dims} dims in ${seconds.toFixed(2)} s\ncommitment ${indexed.commitment}` +
          (published === undefined ? "" : `\ncopied to ${published}`),
      );
    }),
).pipe(Command.withDescription("build the quantized gradient index and print its commitment (bytes32)"));

const attributeCommand = Command.make(
  "attribute",
  {
    model: modelDir,
    text: Flag.String("text").pipe(Flag.withDescription("the input the model classified")),
    output: Flag.String("output").pipe(
      Flag.withDescription("the answer: a class name (spam/ham) or free text"),
      Flag.withDefault(""),
    ),
    method: Flag.Literals("method", METHODS).pipe(Flag.withDefault(DEFAULT_ENGINE_OPTIONS.method)),
    top: Flag.Int("top").pipe(
      Flag.withDescription("entries kept"),
      Flag.withDefault(DEFAULT_ENGINE_OPTIONS.maxEntries),
    ),
    threads,
  },
  (f) =>
    Effect.gen(function* () {
      const model = yield* attempt("load model", async () => loadIndexed(f.model));
      const attributor = yield* attempt("open model", () =>
        makeAttributor(model, { threads: f.threads, kernel: "ort" }),
      );
      const engine = makeGradientEngine(attributor, { ...DEFAULT_ENGINE_OPTIONS, method: f.method, maxEntries: f.top });
      const request =
        f.output === "" ? { modelId: 0n, output: f.text } : { modelId: 0n, input: f.text, output: f.output };
      const result = yield* engine.attribute(request).pipe(Effect.ensuring(Effect.promise(() => attributor.release())));
      yield* print(JSON.stringify(result, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    }),
).pipe(Command.withDescription("attribute a classification to the training examples (TracIn or DataInf)"));

const qualityCommand = Command.make(
  "quality",
  {
    train: Flag.Int("train").pipe(
      Flag.withDescription("training messages per seed"),
      Flag.withDefault(DEFAULT_QUALITY.train),
    ),
    test: Flag.Int("test").pipe(Flag.withDescription("test messages per seed"), Flag.withDefault(DEFAULT_QUALITY.test)),
    loo: Flag.Int("loo").pipe(Flag.withDescription("leave-one-out retrainings"), Flag.withDefault(DEFAULT_QUALITY.loo)),
    lds: Flag.Int("lds").pipe(
      Flag.withDescription("random-half retrainings (LDS)"),
      Flag.withDefault(DEFAULT_QUALITY.lds),
    ),
    seeds: Flag.String("seeds").pipe(
      Flag.withDescription("comma-separated sampling seeds (the CI is over them)"),
      Flag.withDefault(DEFAULT_QUALITY.seeds.join(",")),
    ),
    family: Flag.Literals("family", ["softmax", "mlp"]).pipe(Flag.withDefault(DEFAULT_QUALITY.family)),
    workers: Flag.Int("workers").pipe(
      Flag.withDescription("retraining worker threads"),
      Flag.withDefault(DEFAULT_QUALITY.workers),
    ),
    ties: Flag.Int("ties").pipe(
      Flag.withDescription("near-tie perturbations per query and size (0: skip)"),
      Flag.withDefault(DEFAULT_QUALITY.tiePerturbations),
    ),
    variants: Flag.Boolean("variants").pipe(
      Flag.withDescription("also report the unshipped variants"),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    Effect.gen(function* () {
      const seeds = f.seeds.split(",").map((x) => Number.parseInt(x.trim(), 10));
      if (seeds.length === 0 || seeds.some((x) => !Number.isInteger(x) || x < 0)) {
        return yield* new GradientCliError({ message: "--seeds must be a comma-separated list of integers ≥ 0" });
      }
      if (f.loo > f.train || f.loo < 3 || f.test < 1 || f.lds < 3 || f.workers < 1 || f.train + f.test > 6046) {
        return yield* new GradientCliError({
          message: "need 3 ≤ --loo ≤ --train, --lds ≥ 3, --test ≥ 1, --workers ≥ 1, --train + --test ≤ 6046",
        });
      }
      const result = yield* attempt("quality", () =>
        runQuality(
          {
            ...DEFAULT_QUALITY,
            train: f.train,
            test: f.test,
            loo: f.loo,
            lds: f.lds,
            seeds,
            family: f.family,
            workers: f.workers,
            tiePerturbations: f.ties,
            variants: f.variants,
          },
          (line) => console.error(line),
        ),
      );
      yield* print(formatQuality(result));
    }),
).pipe(
  Command.withDescription(
    "every method and baseline against leave-one-out and LDS retraining, at the shipped train/index settings",
  ),
);

export const gradientCommands = Command.make("gradient").pipe(
  Command.withDescription("gradient attribution engine for small models (TracIn, DataInf over ONNX gradients)"),
  Command.withSubcommands([trainCommand, indexCommand, attributeCommand, qualityCommand]),
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  Command.run(gradientCommands, { version: "0.1.0" }).pipe(
    Effect.catchTag("GradientCliError", (e) =>
      Effect.sync(() => {
        console.error(`error: ${e.message}`);
        process.exitCode = 1;
      }),
    ),
    Effect.provide(NodeServices.layer),
    NodeRuntime.runMain,
  );
}
