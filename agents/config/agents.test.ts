/**
 * The agents' settings through Effect Config: flags (mapped onto the provider) over the environment
 * (`POA_<ROLE>_…`) over the defaults; a bad value from either names its flag and its variable.
 */
import { describe, expect, it } from "@effect/vitest";
import { ConfigProvider, Effect, Layer } from "effect";
import { AttributorSettings } from "../attributor/state.ts";
import {
  attributorSettingsFromConfig,
  attributorSpecs,
  challengerSpecs,
  readSettings,
  settingsProvider,
} from "./agents.ts";

const read = (given: Record<string, number | string | undefined>, env: Record<string, string | undefined>) =>
  readSettings("attributor", attributorSpecs).pipe(
    Effect.provide(ConfigProvider.layer(settingsProvider("attributor", attributorSpecs, given, env))),
  );

describe("agent settings", () => {
  it.effect("defaults, then the environment, then the flags", () =>
    Effect.gen(function* () {
      const defaults = yield* read({}, {});
      expect(defaults).toMatchObject({ maxBatch: 100, maxWaitMs: 10_000, pollMs: 1000, dataDir: ".poa/attributor" });
      const env = { POA_ATTRIBUTOR_MAX_BATCH: "7", POA_ATTRIBUTOR_DATA_DIR: "/data", POA_CHALLENGER_POLL_MS: "5" };
      const fromEnv = yield* read({}, env);
      expect(fromEnv).toMatchObject({ maxBatch: 7, dataDir: "/data", pollMs: 1000 });
      const fromFlags = yield* read({ maxBatch: 3 }, env);
      expect(fromFlags).toMatchObject({ maxBatch: 3, dataDir: "/data" });
      // the challenger reads its own prefix only
      const challenger = yield* readSettings("challenger", challengerSpecs).pipe(
        Effect.provide(ConfigProvider.layer(settingsProvider("challenger", challengerSpecs, {}, env))),
      );
      expect(challenger).toMatchObject({ pollMs: 5, dataDir: ".poa/challenger" });
    }),
  );

  it.effect("a bad value names its flag and its environment variable", () =>
    Effect.gen(function* () {
      const notInt = yield* Effect.flip(read({}, { POA_ATTRIBUTOR_MAX_BATCH: "lots" }));
      expect(notInt._tag).toBe("SettingError");
      expect(notInt.setting).toBe("--max-batch (env POA_ATTRIBUTOR_MAX_BATCH)");
      expect(notInt.message).toMatch(/^--max-batch \(env POA_ATTRIBUTOR_MAX_BATCH\)/);
      const tooSmall = yield* Effect.flip(read({ maxBatch: 0 }, {}));
      expect(tooSmall.message).toBe('--max-batch (env POA_ATTRIBUTOR_MAX_BATCH) must be an integer ≥ 1, got "0"');
      expect(notInt.message).toBe('--max-batch (env POA_ATTRIBUTOR_MAX_BATCH) must be an integer ≥ 1, got "lots"');
      const negative = yield* Effect.flip(read({}, { POA_ATTRIBUTOR_GOSSIP_PORT: "-1" }));
      expect(negative.setting).toBe("--gossip-port (env POA_ATTRIBUTOR_GOSSIP_PORT)");
      const engine = yield* Effect.flip(read({ engine: "magic" }, {}));
      expect(engine.message).toBe(
        '--engine (env POA_ATTRIBUTOR_ENGINE) must be one of registry, fixture, none, got "magic"',
      );
    }),
  );

  it.effect("the attributor's Config layer gives its settings service", () =>
    Effect.gen(function* () {
      const settings = yield* AttributorSettings;
      expect(settings).toMatchObject({ name: "a-1", maxBatch: 9, maxWaitMs: 10_000, bondClaims: 8 });
    }).pipe(
      Effect.provide(
        attributorSettingsFromConfig({ name: "a-1" }).pipe(
          Layer.provide(
            ConfigProvider.layer(
              settingsProvider("attributor", attributorSpecs, {}, { POA_ATTRIBUTOR_MAX_BATCH: "9" }),
            ),
          ),
        ),
      ),
    ),
  );
});
