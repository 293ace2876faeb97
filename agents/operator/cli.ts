/**
 * `operator serve` and `operator make-test-model`, for the main CLI (`operatorCommands`) and standalone:
 * `npx tsx agents/operator/cli.ts serve --model-dir … --adapters-dir …`.
 *
 * Every flag falls back to an environment variable with the POA_OPERATOR_ prefix (e.g.
 * POA_OPERATOR_KEY, kept Redacted; POA_OPERATOR_EP=cuda,webgpu), read through Effect Config
 * (agents/config/operator.ts): a bad value from either fails with a SettingError naming both.
 */

import { fileURLToPath } from "node:url";
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { ConfigProvider, Data, Effect, Layer, Option, Redacted } from "effect";
import { Command, Flag } from "effect/cli";
import { envOf, type SettingSpec, settingsProvider } from "../config/agents.ts";
import {
  commaList,
  OperatorSettings,
  operatorAgentConfig,
  operatorSettingsFromConfig,
  operatorSpecs,
} from "../config/operator.ts";
import { writeTestSetup } from "./fixtures.ts";
import { OperatorAgent } from "./service.ts";
import { PLAIN_CHAT_TEMPLATE, TINY_LLAMA } from "./testModel.ts";

export class OperatorCliError extends Data.TaggedError("OperatorCliError")<{ readonly message: string }> {}

const logLine = (line: string) => Effect.runSync(Effect.logInfo(line).pipe(Effect.annotateLogs("agent", "operator")));

type FlagValue = Option.Option<number | string | boolean>;

/** One optional flag per setting (its default and env fallback are the Config's, agents/config/operator.ts). */
const settingFlags = (): { readonly [K in keyof typeof operatorSpecs]: Flag.Flag<FlagValue> } => {
  const flags: Record<string, Flag.Flag<FlagValue>> = {};
  for (const [field, spec] of Object.entries(operatorSpecs) as Array<[string, SettingSpec]>) {
    const fallback = spec.default === undefined || spec.default === "" ? "" : `default ${spec.default}; `;
    const described = `${spec.description} (${fallback}env ${envOf("operator", spec)})`;
    switch (spec.kind) {
      case "int":
      case "optionalInt":
        flags[field] = Flag.Int(spec.flag).pipe(Flag.optional, Flag.withDescription(described));
        break;
      case "boolean":
        // given: true; absent: the environment's or the default
        flags[field] = Flag.Boolean(spec.flag).pipe(
          Flag.withDefault(false),
          Flag.map((on): FlagValue => (on ? Option.some(true) : Option.none())),
          Flag.withDescription(described),
        );
        break;
      case "secret":
        flags[field] = Flag.Redacted(spec.flag).pipe(
          Flag.optional,
          Flag.map(Option.map(Redacted.value)),
          Flag.withDescription(described),
        );
        break;
      default:
        flags[field] = Flag.String(spec.flag).pipe(Flag.optional, Flag.withDescription(described));
    }
  }
  // one flag per field of `operatorSpecs`, built just above
  return flags as { readonly [K in keyof typeof operatorSpecs]: Flag.Flag<FlagValue> };
};

/**
 * The operator as the CLI starts it: its settings from the Config provider in context
 * (`operatorSettingsFromConfig`), then `OperatorAgent.layer` (its services from the one wiring).
 */
export const operatorFromConfig = (log: (line: string) => void) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const settings = yield* OperatorSettings;
      return OperatorAgent.layer(yield* operatorAgentConfig(settings, log));
    }),
  ).pipe(Layer.provide(operatorSettingsFromConfig));

const serveCommand = Command.make("serve", settingFlags(), (flags) =>
  Effect.gen(function* () {
    const given: Record<string, number | string | boolean | undefined> = {};
    for (const [field, value] of Object.entries(flags)) given[field] = Option.getOrUndefined(value);
    return yield* Effect.gen(function* () {
      const agent = yield* OperatorAgent;
      const settings = yield* OperatorSettings;
      logLine(`OpenAI-compatible API on ${agent.baseUrl} (operator ${agent.address})`);
      if (agent.gossip !== undefined) logLine(`gossip ${agent.gossip.addresses.join(", ")}`);
      const intakeUrls = commaList(settings.intakeUrls);
      if (intakeUrls.length > 0) logLine(`receipts POSTed to ${intakeUrls.join(", ")}`);
      return yield* Effect.never;
    }).pipe(
      Effect.provide(Layer.merge(operatorFromConfig(logLine), operatorSettingsFromConfig)),
      Effect.provide(ConfigProvider.layer(settingsProvider("operator", operatorSpecs, given))),
    );
  }),
).pipe(Command.withDescription("serve a base model with PEFT LoRA adapters over an OpenAI-compatible API"));

const makeTestModelCommand = Command.make(
  "make-test-model",
  {
    out: Flag.String("out").pipe(Flag.withDescription("folder to write model/ and adapters/ into")),
    adapters: Flag.Int("adapters").pipe(Flag.withDescription("number of random PEFT adapters"), Flag.withDefault(16)),
    kvHeads: Flag.Int("kv-heads").pipe(
      Flag.withDescription("key/value heads (fewer than the 4 attention heads: grouped-query attention)"),
      Flag.withDefault(TINY_LLAMA.numHeads),
    ),
    fp16: Flag.Boolean("fp16").pipe(
      Flag.withDescription("half-precision weights, KV cache and logits, like an --fp16 export"),
      Flag.withDefault(false),
    ),
    plainChat: Flag.Boolean("plain-chat").pipe(
      Flag.withDescription(
        "a base model's chat template (the messages' contents after BOS, no roles): chats continue the user's text",
      ),
      Flag.withDefault(false),
    ),
  },
  (flags) =>
    Effect.gen(function* () {
      if (flags.kvHeads < 1 || TINY_LLAMA.numHeads % flags.kvHeads !== 0) {
        return yield* new OperatorCliError({
          message: `--kv-heads must divide the ${TINY_LLAMA.numHeads} attention heads`,
        });
      }
      const config = { ...TINY_LLAMA, kvHeads: flags.kvHeads, dtype: flags.fp16 ? "float16" : "float32" } as const;
      const s = yield* Effect.tryPromise({
        try: () =>
          writeTestSetup(flags.out, {
            adapters: flags.adapters,
            config,
            ...(flags.plainChat ? { chatTemplate: PLAIN_CHAT_TEMPLATE } : {}),
          }),
        catch: (e) =>
          new OperatorCliError({ message: `cannot write ${flags.out}: ${e instanceof Error ? e.message : e}` }),
      });
      logLine(`wrote ${s.modelDir} and ${s.ids.length} adapters in ${s.adaptersDir}`);
    }),
).pipe(Command.withDescription("write the tiny Llama test model (ONNX + tokenizer.json) and random PEFT adapters"));

export const operatorCommands = Command.make("operator").pipe(
  Command.withDescription("LoRA operator (OpenLoRA): one base model, many adapters, signed receipts"),
  Command.withSubcommands([serveCommand, makeTestModelCommand]),
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  Command.run(operatorCommands, { version: "0.1.0" }).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain);
}
