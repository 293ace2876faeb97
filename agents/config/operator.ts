/**
 * The LoRA operator's settings through Effect `Config`, the same mechanism as the agents' (./agents.ts):
 * one table (`operatorSpecs`), each setting a flag of `poa operator serve` and a `POA_OPERATOR_…`
 * environment variable, read and checked from the ConfigProvider in context, so a bad value from either
 * source fails with a `SettingError` naming the flag and the variable.
 *
 * `operatorSettingsFromConfig` is the operator's Config layer (`OperatorSettings`);
 * `operatorAgentConfig` turns the settings into what agents/operator/service.ts `OperatorAgent` runs on.
 */
import { join } from "node:path";
import { Context, Effect, Layer, Redacted } from "effect";
import { type Address, concat, type Hex, keccak256, stringToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { Topics } from "../gossip/messages.ts";
import type { ExecutionProvider } from "../operator/runtime.ts";
import type { OperatorAgentConfig } from "../operator/service.ts";
import { readSettings, type Settings, settingSpec as s } from "./agents.ts";

/** A comma list, blanks dropped. */
export const commaList = (text: string): string[] =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const PROVIDERS: ReadonlyArray<ExecutionProvider> = ["cpu", "cuda", "webgpu"];
const isProvider = (item: string): item is ExecutionProvider => (PROVIDERS as ReadonlyArray<string>).includes(item);

const providersCheck = (text: string) =>
  commaList(text).every(isProvider) ? undefined : `must be a comma list of cpu, cuda, webgpu, got "${text}"`;
const urlsCheck = (text: string) => {
  const bad = commaList(text).find((url) => !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol));
  return bad === undefined ? undefined : `${bad} is not an http(s) URL`;
};
const addressCheck = (optional: boolean) => (text: string) =>
  (optional && text === "") || /^0x[0-9a-fA-F]{40}$/.test(text) ? undefined : `must be an address, got "${text}"`;
const keyCheck = (text: string) => (/^0x[0-9a-fA-F]{64}$/.test(text) ? undefined : "must be a 32-byte hex private key");

/** `poa operator serve`'s settings (flag, default, environment variable `POA_OPERATOR_<FLAG>`). */
export const operatorSpecs = {
  modelDir: s.required("model-dir", "folder with model.onnx, config.json, tokenizer.json (an optimum export)"),
  adaptersDir: s.required("adapters-dir", "folder of PEFT adapter folders; the folder name is the adapter id"),
  slots: s.int("slots", 8, 1, "device adapter slots (vLLM max_loras)"),
  cpuLoras: s.int("cpu-loras", 64, 1, "host-memory LRU size (vLLM max_cpu_loras)"),
  maxRank: s.int("max-rank", 16, 1, "largest adapter rank served (slot width)"),
  maxBatch: s.int("max-batch", 32, 1, "sequences decoded together"),
  host: s.string("host", "127.0.0.1", "interface of the OpenAI-compatible API (and of the gossip node)"),
  port: s.int("port", 8000, 0, "port of the OpenAI-compatible API, 0 = any"),
  ep: s.checked(
    "ep",
    "cpu",
    "execution providers to try in order, e.g. cuda,webgpu; CPU is the fallback",
    providersCheck,
  ),
  merge: s.string("merge", "", "comma list of hot adapters to serve from their own merged session"),
  threads: s.optionalInt("threads", 0, "ONNX Runtime intra-op threads (default: its own)"),
  key: s.secret("key", "operator private key that signs receipts (random if absent)", keyCheck),
  adminToken: s.secret(
    "admin-token",
    "bearer token for load_lora_adapter / unload_lora_adapter (off without one when paid)",
  ),
  requirePayment: s.boolean("require-payment", false, "refuse requests without a signed EIP-712 Request"),
  chainId: s.int("chain-id", 31337, 1, "chain id of the EIP-712 domain"),
  ledger: s.checked(
    "ledger",
    "0x0000000000000000000000000000000000000000",
    "AttributionLedger address (EIP-712 verifying contract)",
    addressCheck(false),
  ),
  attributor: s.checked(
    "attributor",
    "",
    "attributor named in every receipt, paid the attributor share (default: this operator)",
    addressCheck(true),
  ),
  intakeUrls: s.checked(
    "intake-urls",
    "",
    "comma list of attributor intakes each receipt is POSTed to, e.g. http://127.0.0.1:8080/receipts",
    urlsCheck,
  ),
  gossipPort: s.optionalInt(
    "gossip-port",
    0,
    "run a libp2p node on this port (0 = any) that gossips receipts and serves their texts",
  ),
  bootstrap: s.string("bootstrap", "", "comma list of attributor multiaddrs (…/p2p/<peer id>) the gossip node dials"),
  dataDir: s.string("data-dir", ".poa/operator", "folder of the operator's text store (receipt texts by hash)"),
} as const;

export type OperatorSettingsShape = Settings<typeof operatorSpecs>;

/** The operator's settings, read and checked (flags over `POA_OPERATOR_…` over the defaults). */
export class OperatorSettings extends Context.Service<OperatorSettings, OperatorSettingsShape>()(
  "poa/OperatorSettings",
) {}

/** The operator's Config layer: `OperatorSettings` from the provider in context. */
export const operatorSettingsFromConfig = Layer.effect(OperatorSettings, readSettings("operator", operatorSpecs));

/** The seed of the operator's libp2p key: derived from its key, so its peer id survives restarts. */
export const operatorPeerKeySeed = (key: Hex): Redacted.Redacted<Hex> =>
  Redacted.make(keccak256(concat([stringToBytes("poa/operator/peer"), key])));

/**
 * What `OperatorAgent` runs on, from the settings: a fresh key when none is set (said in the log), receipts
 * published when there are intake URLs or a gossip port.
 */
export const operatorAgentConfig = (settings: OperatorSettingsShape, log: (line: string) => void) =>
  Effect.sync((): OperatorAgentConfig => {
    // the key's form was checked with the setting
    const key = (settings.key === undefined ? generatePrivateKey() : Redacted.value(settings.key)) as Hex;
    if (settings.key === undefined) {
      log(`no --key given: signing receipts with a fresh key ${privateKeyToAccount(key).address}`);
    }
    const intakeUrls = commaList(settings.intakeUrls);
    return {
      operator: {
        modelDir: settings.modelDir,
        adaptersDir: settings.adaptersDir,
        maxLoras: settings.slots,
        maxCpuLoras: settings.cpuLoras,
        slotRank: settings.maxRank,
        maxBatch: settings.maxBatch,
        providers: commaList(settings.ep).filter(isProvider),
        targetModules: null,
        mergedAdapters: commaList(settings.merge),
        ...(settings.threads === undefined ? {} : { threads: settings.threads }),
        log,
      },
      host: settings.host,
      port: settings.port,
      key: Redacted.make(key),
      paymentsRequired: settings.requirePayment,
      ...(settings.adminToken === undefined ? {} : { adminToken: settings.adminToken }),
      chainId: settings.chainId,
      // both checked as addresses with their settings
      ledger: settings.ledger as Address,
      ...(settings.attributor === "" ? {} : { attributor: settings.attributor as Address }),
      ...(intakeUrls.length === 0 && settings.gossipPort === undefined
        ? {}
        : {
            publish: {
              intakeUrls,
              textsDir: join(settings.dataDir, "texts"),
              outboxDir: join(settings.dataDir, "outbox"),
              log,
              ...(settings.gossipPort === undefined
                ? {}
                : {
                    gossip: {
                      host: settings.host,
                      port: settings.gossipPort,
                      bootstrap: commaList(settings.bootstrap),
                      topics: [Topics.receipts, Topics.groups],
                      // a stable peer id across restarts, so attributors can keep it as a bootstrap peer
                      peerKeySeed: operatorPeerKeySeed(key),
                    },
                  }),
            },
          }),
    };
  });
