/**
 * `operator serve` and `operator make-test-model`, for the main CLI (`operatorCommands`) and standalone:
 * `npx tsx agents/operator/cli.ts serve --model-dir … --adapters-dir …`.
 *
 * Every flag falls back to an environment variable with the POA_OPERATOR_ prefix (e.g.
 * POA_OPERATOR_KEY, kept Redacted; POA_OPERATOR_EP=cuda,webgpu).
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { Config, Data, Effect, Option, Redacted, Schema } from "effect";
import { Command, Flag } from "effect/cli";
import { type Address, concat, type Hex, keccak256, stringToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { Topics } from "../gossip/messages.ts";
import { writeTestSetup } from "./fixtures.ts";
import { ExecutionProvider } from "./runtime.ts";
import { OperatorAgent, type OperatorAgentConfig } from "./service.ts";
import { PLAIN_CHAT_TEMPLATE, TINY_LLAMA } from "./testModel.ts";

export class OperatorCliError extends Data.TaggedError("OperatorCliError")<{ readonly message: string }> {}

const env = (name: string) => `POA_OPERATOR_${name}`;

const logLine = (line: string) => Effect.runSync(Effect.logInfo(line).pipe(Effect.annotateLogs("agent", "operator")));

const Providers = Schema.Array(ExecutionProvider);
const parseProviders = (text: string) =>
  Schema.decodeUnknownEffect(Providers)(
    text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ).pipe(
    Effect.mapError(
      () => new OperatorCliError({ message: `--ep: expected a comma list of cpu, cuda, webgpu, got "${text}"` }),
    ),
  );

const commaList = (text: string): string[] =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const PrivateKeyHex = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{64}$/));
const AddressHex = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{40}$/));

const serveCommand = Command.make(
  "serve",
  {
    modelDir: Flag.String("model-dir").pipe(
      Flag.withDescription("folder with model.onnx, config.json, tokenizer.json (an optimum export)"),
      Flag.withFallbackConfig(Config.String(env("MODEL_DIR"))),
    ),
    adaptersDir: Flag.String("adapters-dir").pipe(
      Flag.withDescription("folder of PEFT adapter folders; the folder name is the adapter id"),
      Flag.withFallbackConfig(Config.String(env("ADAPTERS_DIR"))),
    ),
    slots: Flag.Int("slots").pipe(
      Flag.withDescription("device adapter slots (vLLM max_loras)"),
      Flag.withFallbackConfig(Config.Int(env("SLOTS"))),
      Flag.withDefault(8),
    ),
    cpuLoras: Flag.Int("cpu-loras").pipe(
      Flag.withDescription("host-memory LRU size (vLLM max_cpu_loras)"),
      Flag.withFallbackConfig(Config.Int(env("CPU_LORAS"))),
      Flag.withDefault(64),
    ),
    slotRank: Flag.Int("max-rank").pipe(
      Flag.withDescription("largest adapter rank served (slot width)"),
      Flag.withFallbackConfig(Config.Int(env("MAX_RANK"))),
      Flag.withDefault(16),
    ),
    maxBatch: Flag.Int("max-batch").pipe(Flag.withFallbackConfig(Config.Int(env("MAX_BATCH"))), Flag.withDefault(32)),
    host: Flag.String("host").pipe(Flag.withFallbackConfig(Config.String(env("HOST"))), Flag.withDefault("127.0.0.1")),
    port: Flag.Int("port").pipe(Flag.withFallbackConfig(Config.Int(env("PORT"))), Flag.withDefault(8000)),
    ep: Flag.String("ep").pipe(
      Flag.withDescription("execution providers to try in order, e.g. cuda,webgpu; CPU is the fallback"),
      Flag.withFallbackConfig(Config.String(env("EP"))),
      Flag.withDefault("cpu"),
    ),
    merge: Flag.String("merge").pipe(
      Flag.withDescription("comma list of hot adapters to serve from their own merged session"),
      Flag.withFallbackConfig(Config.String(env("MERGE"))),
      Flag.withDefault(""),
    ),
    threads: Flag.Int("threads").pipe(Flag.withFallbackConfig(Config.Int(env("THREADS"))), Flag.optional),
    key: Flag.Redacted("key").pipe(
      Flag.withDescription("operator private key that signs receipts (random if absent)"),
      Flag.withFallbackConfig(Config.Redacted(env("KEY"))),
      Flag.optional,
    ),
    adminToken: Flag.Redacted("admin-token").pipe(
      Flag.withDescription("bearer token for load_lora_adapter / unload_lora_adapter (off without one when paid)"),
      Flag.withFallbackConfig(Config.Redacted(env("ADMIN_TOKEN"))),
      Flag.optional,
    ),
    payments: Flag.Boolean("require-payment").pipe(
      Flag.withDescription("refuse requests without a signed EIP-712 Request"),
      Flag.withFallbackConfig(Config.Boolean(env("REQUIRE_PAYMENT"))),
      Flag.withDefault(false),
    ),
    chainId: Flag.Int("chain-id").pipe(Flag.withFallbackConfig(Config.Int(env("CHAIN_ID"))), Flag.withDefault(31337)),
    ledger: Flag.String("ledger").pipe(
      Flag.withDescription("AttributionLedger address (EIP-712 verifying contract)"),
      Flag.withFallbackConfig(Config.String(env("LEDGER"))),
      Flag.withDefault("0x0000000000000000000000000000000000000000"),
    ),
    attributor: Flag.String("attributor").pipe(
      Flag.withDescription("attributor named in every receipt, paid the attributor share (default: this operator)"),
      Flag.withFallbackConfig(Config.String(env("ATTRIBUTOR"))),
      Flag.optional,
    ),
    intakeUrls: Flag.String("intake-urls").pipe(
      Flag.withDescription(
        "comma list of attributor intakes each receipt is POSTed to, e.g. http://127.0.0.1:8080/receipts",
      ),
      Flag.withFallbackConfig(Config.String(env("INTAKE_URLS"))),
      Flag.withDefault(""),
    ),
    gossipPort: Flag.Int("gossip-port").pipe(
      Flag.withDescription("run a libp2p node on this port (0 = any) that gossips receipts and serves their texts"),
      Flag.withFallbackConfig(Config.Int(env("GOSSIP_PORT"))),
      Flag.optional,
    ),
    bootstrap: Flag.String("bootstrap").pipe(
      Flag.withDescription("comma list of attributor multiaddrs (…/p2p/<peer id>) the gossip node dials"),
      Flag.withFallbackConfig(Config.String(env("BOOTSTRAP"))),
      Flag.withDefault(""),
    ),
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription("folder of the operator's text store (receipt texts by hash)"),
      Flag.withFallbackConfig(Config.String(env("DATA_DIR"))),
      Flag.withDefault(".poa/operator"),
    ),
  },
  (flags) =>
    Effect.gen(function* () {
      const providers = yield* parseProviders(flags.ep);
      const keyText = Option.match(flags.key, { onNone: () => generatePrivateKey() as string, onSome: Redacted.value });
      const key = yield* Schema.decodeUnknownEffect(PrivateKeyHex)(keyText).pipe(
        Effect.mapError(() => new OperatorCliError({ message: "--key: expected a 32-byte hex private key" })),
      );
      const ledger = yield* Schema.decodeUnknownEffect(AddressHex)(flags.ledger).pipe(
        Effect.mapError(() => new OperatorCliError({ message: "--ledger: expected an address" })),
      );
      const attributor = yield* Option.match(flags.attributor, {
        onNone: () => Effect.succeed(undefined),
        onSome: (text) =>
          Schema.decodeUnknownEffect(AddressHex)(text).pipe(
            Effect.mapError(() => new OperatorCliError({ message: "--attributor: expected an address" })),
          ),
      });
      const intakeUrls = commaList(flags.intakeUrls);
      for (const url of intakeUrls) {
        if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
          return yield* new OperatorCliError({ message: `--intake-urls: ${url} is not an http(s) URL` });
        }
      }
      if (flags.slots < 1 || flags.cpuLoras < 1 || flags.slotRank < 1 || flags.maxBatch < 1) {
        return yield* new OperatorCliError({
          message: "--slots, --cpu-loras, --max-rank and --max-batch must be positive",
        });
      }
      const account = privateKeyToAccount(key as Hex);
      if (Option.isNone(flags.key)) logLine(`no --key given: signing receipts with a fresh key ${account.address}`);
      const config: OperatorAgentConfig = {
        operator: {
          modelDir: flags.modelDir,
          adaptersDir: flags.adaptersDir,
          maxLoras: flags.slots,
          maxCpuLoras: flags.cpuLoras,
          slotRank: flags.slotRank,
          maxBatch: flags.maxBatch,
          providers,
          targetModules: null,
          mergedAdapters: flags.merge
            .split(",")
            .map((m) => m.trim())
            .filter((m) => m.length > 0),
          ...(Option.isSome(flags.threads) ? { threads: flags.threads.value } : {}),
          log: logLine,
        },
        host: flags.host,
        port: flags.port,
        key: Redacted.make(key),
        paymentsRequired: flags.payments,
        ...(Option.isSome(flags.adminToken) ? { adminToken: flags.adminToken.value } : {}),
        chainId: flags.chainId,
        ledger: ledger as Address,
        ...(attributor === undefined ? {} : { attributor: attributor as Address }),
        ...(intakeUrls.length === 0 && Option.isNone(flags.gossipPort)
          ? {}
          : {
              publish: {
                intakeUrls,
                textsDir: join(flags.dataDir, "texts"),
                outboxDir: join(flags.dataDir, "outbox"),
                log: logLine,
                ...(Option.isSome(flags.gossipPort)
                  ? {
                      gossip: {
                        host: flags.host,
                        port: flags.gossipPort.value,
                        bootstrap: commaList(flags.bootstrap),
                        topics: [Topics.receipts],
                        // a stable peer id across restarts, so attributors can keep it as a bootstrap peer
                        peerKeySeed: Redacted.make(keccak256(concat([stringToBytes("poa/operator/peer"), key as Hex]))),
                      },
                    }
                  : {}),
              },
            }),
      };
      return yield* Effect.gen(function* () {
        const agent = yield* OperatorAgent;
        logLine(`OpenAI-compatible API on ${agent.baseUrl} (operator ${agent.address})`);
        if (agent.gossip !== undefined) logLine(`gossip ${agent.gossip.addresses.join(", ")}`);
        if (intakeUrls.length > 0) logLine(`receipts POSTed to ${intakeUrls.join(", ")}`);
        return yield* Effect.never;
      }).pipe(Effect.provide(OperatorAgent.layer(config)));
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
