/**
 * The operator's settings through Effect Config: every documented `poa operator serve` flag (docs/lora-operator.md)
 * reads its `POA_OPERATOR_<NAME>` variable when the flag is absent, the flag wins over it, and a bad value
 * from either names the flag and the variable. The expected names and defaults are written out here from
 * the docs, not derived from the table they check.
 */
import { describe, expect, it } from "@effect/vitest";
import { ConfigProvider, Effect, Redacted } from "effect";
import { privateKeyToAccount } from "viem/accounts";
import { settingsProvider } from "./agents.ts";
import { OperatorSettings, operatorAgentConfig, operatorSettingsFromConfig, operatorSpecs } from "./operator.ts";

const read = (given: Record<string, number | string | boolean | undefined>, env: Record<string, string | undefined>) =>
  Effect.gen(function* () {
    return yield* OperatorSettings;
  }).pipe(
    Effect.provide(operatorSettingsFromConfig),
    Effect.provide(ConfigProvider.layer(settingsProvider("operator", operatorSpecs, given, env))),
  );

const dirs = { POA_OPERATOR_MODEL_DIR: "/m", POA_OPERATOR_ADAPTERS_DIR: "/a" };
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil account 1

// [variable, value, setting, value read] for every documented flag
const documented: ReadonlyArray<readonly [string, string, string, unknown]> = [
  ["POA_OPERATOR_MODEL_DIR", "/models/llama", "modelDir", "/models/llama"],
  ["POA_OPERATOR_ADAPTERS_DIR", "/models/adapters", "adaptersDir", "/models/adapters"],
  ["POA_OPERATOR_SLOTS", "3", "slots", 3],
  ["POA_OPERATOR_CPU_LORAS", "5", "cpuLoras", 5],
  ["POA_OPERATOR_MAX_RANK", "8", "maxRank", 8],
  ["POA_OPERATOR_MAX_BATCH", "4", "maxBatch", 4],
  ["POA_OPERATOR_HOST", "0.0.0.0", "host", "0.0.0.0"],
  ["POA_OPERATOR_PORT", "9000", "port", 9000],
  ["POA_OPERATOR_EP", "cuda,webgpu", "ep", "cuda,webgpu"],
  ["POA_OPERATOR_THREADS", "2", "threads", 2],
  ["POA_OPERATOR_MERGE", "a,b", "merge", "a,b"],
  ["POA_OPERATOR_INTAKE_URLS", "http://x:1/receipts", "intakeUrls", "http://x:1/receipts"],
  ["POA_OPERATOR_GOSSIP_PORT", "0", "gossipPort", 0],
  ["POA_OPERATOR_BOOTSTRAP", "/ip4/1.2.3.4/tcp/1/p2p/x", "bootstrap", "/ip4/1.2.3.4/tcp/1/p2p/x"],
  ["POA_OPERATOR_DATA_DIR", "/data", "dataDir", "/data"],
  ["POA_OPERATOR_REQUIRE_PAYMENT", "true", "requirePayment", true],
  ["POA_OPERATOR_CHAIN_ID", "10", "chainId", 10],
  [
    "POA_OPERATOR_LEDGER",
    "0x00000000000000000000000000000000000000aa",
    "ledger",
    "0x00000000000000000000000000000000000000aa",
  ],
  [
    "POA_OPERATOR_ATTRIBUTOR",
    "0x00000000000000000000000000000000000000bb",
    "attributor",
    "0x00000000000000000000000000000000000000bb",
  ],
];

describe("operator settings", () => {
  it.effect("the documented defaults; model and adapter folders are required", () =>
    Effect.gen(function* () {
      const settings = yield* read({}, dirs);
      expect(settings).toMatchObject({
        slots: 8,
        cpuLoras: 64,
        maxRank: 16,
        maxBatch: 32,
        host: "127.0.0.1",
        port: 8000,
        ep: "cpu",
        requirePayment: false,
        chainId: 31337,
        ledger: "0x0000000000000000000000000000000000000000",
        dataDir: ".poa/operator",
      });
      expect(settings.key).toBeUndefined();
      expect(settings.adminToken).toBeUndefined();
      expect(settings.threads).toBeUndefined();
      expect(settings.gossipPort).toBeUndefined();
      const missing = yield* Effect.flip(read({}, { POA_OPERATOR_ADAPTERS_DIR: "/a" }));
      expect(missing.message).toBe("--model-dir (env POA_OPERATOR_MODEL_DIR) is required");
    }),
  );

  it.effect("every documented variable is read when its flag is absent, and the flag wins", () =>
    Effect.gen(function* () {
      for (const [variable, value, field, expected] of documented) {
        const settings: Record<string, unknown> = yield* read({}, { ...dirs, [variable]: value });
        expect(settings[field], variable).toEqual(expected);
      }
      const key = yield* read({}, { ...dirs, POA_OPERATOR_KEY: KEY, POA_OPERATOR_ADMIN_TOKEN: "let-me-in" });
      expect(key.key === undefined ? undefined : Redacted.value(key.key)).toBe(KEY);
      expect(key.adminToken === undefined ? undefined : Redacted.value(key.adminToken)).toBe("let-me-in");
      const flagged = yield* read({ slots: 2, requirePayment: true }, { ...dirs, POA_OPERATOR_SLOTS: "3" });
      expect(flagged).toMatchObject({ slots: 2, requirePayment: true });
    }),
  );

  it.effect("a bad value names its flag and its environment variable (a secret's value is not echoed)", () =>
    Effect.gen(function* () {
      const slots = yield* Effect.flip(read({}, { ...dirs, POA_OPERATOR_SLOTS: "0" }));
      expect(slots._tag).toBe("SettingError");
      expect(slots.setting).toBe("--slots (env POA_OPERATOR_SLOTS)");
      expect(slots.message).toBe('--slots (env POA_OPERATOR_SLOTS) must be an integer ≥ 1, got "0"');
      const ep = yield* Effect.flip(read({ ep: "cuda,tpu" }, dirs));
      expect(ep.message).toBe('--ep (env POA_OPERATOR_EP) must be a comma list of cpu, cuda, webgpu, got "cuda,tpu"');
      const ledger = yield* Effect.flip(read({}, { ...dirs, POA_OPERATOR_LEDGER: "0x12" }));
      expect(ledger.message).toBe('--ledger (env POA_OPERATOR_LEDGER) must be an address, got "0x12"');
      const paid = yield* Effect.flip(read({}, { ...dirs, POA_OPERATOR_REQUIRE_PAYMENT: "maybe" }));
      expect(paid.setting).toBe("--require-payment (env POA_OPERATOR_REQUIRE_PAYMENT)");
      const gossip = yield* Effect.flip(read({}, { ...dirs, POA_OPERATOR_GOSSIP_PORT: "-1" }));
      expect(gossip.setting).toBe("--gossip-port (env POA_OPERATOR_GOSSIP_PORT)");
      const secret = "0xdeadbeefdeadbeef";
      const key = yield* Effect.flip(read({}, { ...dirs, POA_OPERATOR_KEY: secret }));
      expect(key.message).toBe("--key (env POA_OPERATOR_KEY) must be a 32-byte hex private key");
      expect(key.message).not.toContain(secret);
      const urls = yield* Effect.flip(read({ intakeUrls: "http://a/receipts,ftp://b/receipts" }, dirs));
      expect(urls.message).toBe("--intake-urls (env POA_OPERATOR_INTAKE_URLS) ftp://b/receipts is not an http(s) URL");
    }),
  );

  it.effect("the settings become the OperatorAgent's: key, publishing over gossip and intakes", () =>
    Effect.gen(function* () {
      const quiet = yield* read({}, dirs);
      const lines: string[] = [];
      const fresh = yield* operatorAgentConfig(quiet, (line) => lines.push(line));
      expect(fresh.publish).toBeUndefined();
      expect(lines).toEqual([
        `no --key given: signing receipts with a fresh key ${privateKeyToAccount(Redacted.value(fresh.key) as `0x${string}`).address}`,
      ]);
      const env = {
        ...dirs,
        POA_OPERATOR_KEY: KEY,
        POA_OPERATOR_GOSSIP_PORT: "4001",
        POA_OPERATOR_BOOTSTRAP: "/ip4/1.2.3.4/tcp/1/p2p/x, /ip4/1.2.3.4/tcp/2/p2p/y",
        POA_OPERATOR_INTAKE_URLS: "http://127.0.0.1:8080/receipts",
        POA_OPERATOR_EP: "cuda, cpu",
        POA_OPERATOR_DATA_DIR: "/data",
      };
      const config = yield* operatorAgentConfig(yield* read({}, env), () => {});
      expect(Redacted.value(config.key)).toBe(KEY);
      expect(config.operator.providers).toEqual(["cuda", "cpu"]);
      expect(config.publish).toMatchObject({
        intakeUrls: ["http://127.0.0.1:8080/receipts"],
        textsDir: "/data/texts",
        outboxDir: "/data/outbox",
        gossip: { port: 4001, bootstrap: ["/ip4/1.2.3.4/tcp/1/p2p/x", "/ip4/1.2.3.4/tcp/2/p2p/y"] },
      });
    }),
  );
});
