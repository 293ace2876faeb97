/**
 * The agents' settings through Effect `Config`, one prefix per role (`POA_ATTRIBUTOR_…`,
 * `POA_CHALLENGER_…`). Each setting is a flag of `poa <role> run` and an environment variable; the CLI maps
 * the flags it was given onto a `ConfigProvider` that falls back to the environment
 * (`settingsProvider`), and every setting is read and checked here (`readSettings`), so a bad value from
 * either source fails with a `SettingError` naming the flag and the variable.
 *
 * `AttributorSettings.fromConfig` / `ChallengerSettings.fromConfig` (below) are the roles' Config layers:
 * the settings services of agents/attributor and agents/challenger read from the provider in context.
 */
import { Config, ConfigProvider, Data, Effect, Layer, Option, Redacted } from "effect";
import { AttributorSettings, type AttributorSettingsShape } from "../attributor/state.ts";
import { defaultVerifyThreads } from "../attributor/verify-pool.ts";
import { ChallengerSettings, type ChallengerSettingsShape } from "../challenger/settings.ts";

/** A setting of an agent that is missing a valid value; `setting` names its flag and environment variable. */
export class SettingError extends Data.TaggedError("SettingError")<{
  readonly setting: string;
  readonly message: string;
}> {}

export type Role = "attributor" | "challenger" | "operator";

interface IntSpec {
  readonly kind: "int";
  readonly flag: string;
  readonly description: string;
  readonly default: number;
  /** The smallest accepted value. */
  readonly min: number;
}
interface StringSpec {
  readonly kind: "string";
  readonly flag: string;
  readonly description: string;
  readonly default: string;
  /** When set, the value must be one of these (the empty string, when it is the default, means "the role's default"). */
  readonly choices?: ReadonlyArray<string>;
  /** Further checks: the problem with a value, or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
}
/** An integer without a default: absent unless given. */
interface OptionalIntSpec {
  readonly kind: "optionalInt";
  readonly flag: string;
  readonly description: string;
  readonly default: undefined;
  readonly min: number;
}
/** A string that must be given (no default). */
interface RequiredStringSpec {
  readonly kind: "requiredString";
  readonly flag: string;
  readonly description: string;
  readonly default: undefined;
  readonly check?: (value: string) => string | undefined;
}
/** true / false (also yes / no, on / off, 1 / 0). */
interface BooleanSpec {
  readonly kind: "boolean";
  readonly flag: string;
  readonly description: string;
  readonly default: boolean;
}
/** A secret (a key, a token): kept Redacted, absent unless given, never echoed in an error. */
interface SecretSpec {
  readonly kind: "secret";
  readonly flag: string;
  readonly description: string;
  readonly default: undefined;
  readonly check?: (value: string) => string | undefined;
}
export type SettingSpec = IntSpec | StringSpec | OptionalIntSpec | RequiredStringSpec | BooleanSpec | SecretSpec;
export type SettingSpecs = Readonly<Record<string, SettingSpec>>;
type SettingValue = number | string | boolean | Redacted.Redacted<string> | undefined;
export type Settings<T extends SettingSpecs> = {
  readonly [K in keyof T]: T[K] extends IntSpec
    ? number
    : T[K] extends OptionalIntSpec
      ? number | undefined
      : T[K] extends BooleanSpec
        ? boolean
        : T[K] extends SecretSpec
          ? Redacted.Redacted<string> | undefined
          : string;
};

/** The setting's key under the role's prefix: `max-batch` → `MAX_BATCH` (env `POA_ATTRIBUTOR_MAX_BATCH`). */
export const keyOf = (spec: SettingSpec) => spec.flag.toUpperCase().replaceAll("-", "_");
export const envOf = (role: Role, spec: SettingSpec) => `POA_${role.toUpperCase()}_${keyOf(spec)}`;
const nameOf = (role: Role, spec: SettingSpec) => `--${spec.flag} (env ${envOf(role, spec)})`;

const int = (flag: string, fallback: number, min: number, description: string): IntSpec => ({
  kind: "int",
  flag,
  default: fallback,
  min,
  description,
});
const string = (flag: string, fallback: string, description: string, choices?: ReadonlyArray<string>): StringSpec => ({
  kind: "string",
  flag,
  default: fallback,
  description,
  ...(choices === undefined ? {} : { choices }),
});
/** Builders of the other kinds, for role tables beyond the two agents' (e.g. ./operator.ts). */
export const settingSpec = {
  int,
  string,
  checked: (
    flag: string,
    fallback: string,
    description: string,
    check: (value: string) => string | undefined,
  ): StringSpec => ({ kind: "string", flag, default: fallback, description, check }),
  optionalInt: (flag: string, min: number, description: string): OptionalIntSpec => ({
    kind: "optionalInt",
    flag,
    default: undefined,
    min,
    description,
  }),
  required: (flag: string, description: string, check?: (value: string) => string | undefined): RequiredStringSpec => ({
    kind: "requiredString",
    flag,
    default: undefined,
    description,
    ...(check === undefined ? {} : { check }),
  }),
  boolean: (flag: string, fallback: boolean, description: string): BooleanSpec => ({
    kind: "boolean",
    flag,
    default: fallback,
    description,
  }),
  secret: (flag: string, description: string, check?: (value: string) => string | undefined): SecretSpec => ({
    kind: "secret",
    flag,
    default: undefined,
    description,
    ...(check === undefined ? {} : { check }),
  }),
};

/** Engines a node can run: `registry` (each model's as registered on chain), `fixture`, or `none`. */
export const EngineKinds = ["registry", "fixture", "none"] as const;
export type EngineKind = (typeof EngineKinds)[number];

/** Settings both agents have. */
export const agentSpecs = (role: Role) =>
  ({
    dataDir: string("data-dir", `.poa/${role}`, "directory of the agent's SQLite store, texts and indexes"),
    gossipPort: int("gossip-port", 0, 0, "libp2p TCP port, 0 = any"),
    bootstrap: string("bootstrap", "", "comma-separated multiaddrs ending in /p2p/<peer id>"),
    metricsPort: int("metrics-port", 0, 0, "port of /metrics and /health, 0 = any"),
    pollMs: int("poll-ms", 1000, 1, "milliseconds between chain polls"),
    confirmations: int(
      "confirmations",
      0,
      0,
      "act only on ledger events this many blocks deep: a reorg that shallow takes back nothing",
    ),
    engine: string(
      "engine",
      "",
      `registry (each model's engine and index as registered on chain; indexes under <data-dir>/indexes/), fixture or none (default: ${role === "attributor" ? "fixture" : "registry"})`,
      ["", ...EngineKinds],
    ),
  }) satisfies SettingSpecs;

export const attributorSpecs = {
  ...agentSpecs("attributor"),
  intakePort: int("intake-port", 0, 0, "port of the HTTP receipts intake (POST /receipts), 0 = any"),
  apiPort: int(
    "api-port",
    0,
    0,
    "port of the read-only attribution API for Open Chat (GET /attributions, /receipts, /accounts), 0 = any",
  ),
  apiHost: string(
    "api-host",
    "127.0.0.1",
    "interface of the read-only attribution API, e.g. 0.0.0.0 when `poa web` runs on another host",
  ),
  maxBatch: int("max-batch", 100, 1, "post a claim when this many receipts wait"),
  maxWaitMs: int("max-wait-ms", 10_000, 0, "…or when the oldest waiting receipt is this old"),
  bondClaims: int("bond-claims", 8, 1, "keep enough bond for this many pending claims"),
  intakeWorkers: int(
    "intake-workers",
    defaultVerifyThreads(),
    0,
    "worker threads checking intake receipts (signatures, digests, text hashes); 0 = on the main thread",
  ),
  fixtureContributions: string("fixture-contributions", "", "contribution ids for the deterministic fixture engine"),
} satisfies SettingSpecs;

export const challengerSpecs = agentSpecs("challenger");

/** The settings both agents have (what `poa <role> run` needs before its role's own). */
export type AgentSettings = Settings<ReturnType<typeof agentSpecs>>;

// every value is read as text and parsed here, so a bad value gets the same one-line message from either source
const configOf = (spec: SettingSpec): Config.Config<Option.Option<string>> =>
  spec.default === undefined
    ? Config.option(Config.String(keyOf(spec)))
    : Config.String(keyOf(spec)).pipe(Config.withDefault(String(spec.default)), Config.map(Option.some));

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  on: true,
  "1": true,
  false: false,
  no: false,
  off: false,
  "0": false,
};

const check = (
  role: Role,
  spec: SettingSpec,
  given: Option.Option<string>,
): Effect.Effect<SettingValue, SettingError> => {
  const fail = (problem: string) =>
    Effect.fail(new SettingError({ setting: nameOf(role, spec), message: `${nameOf(role, spec)} ${problem}` }));
  if (Option.isNone(given)) return spec.kind === "requiredString" ? fail("is required") : Effect.succeed(undefined);
  const raw = given.value;
  switch (spec.kind) {
    case "int":
    case "optionalInt": {
      const value = raw.trim();
      return /^-?[0-9]{1,15}$/.test(value) && Number(value) >= spec.min
        ? Effect.succeed(Number(value))
        : fail(`must be an integer ≥ ${spec.min}, got "${raw}"`);
    }
    case "boolean": {
      const value = BOOLEANS[raw.trim().toLowerCase()];
      return value === undefined ? fail(`must be true or false, got "${raw}"`) : Effect.succeed(value);
    }
    case "secret": {
      // the value is never echoed: only what is wrong with it
      const problem = spec.check?.(raw);
      return problem === undefined ? Effect.succeed(Redacted.make(raw)) : fail(problem);
    }
    case "requiredString":
    case "string": {
      if (spec.kind === "string" && spec.choices !== undefined && !spec.choices.includes(raw)) {
        return fail(`must be one of ${spec.choices.filter((c) => c !== "").join(", ")}, got "${raw}"`);
      }
      const problem = spec.check?.(raw);
      return problem === undefined ? Effect.succeed(raw) : fail(problem);
    }
  }
};

/** Reads and checks every setting of `specs` from the ConfigProvider in context; a bad value names its setting. */
export const readSettings = <T extends SettingSpecs>(role: Role, specs: T): Effect.Effect<Settings<T>, SettingError> =>
  Effect.gen(function* () {
    const values: Record<string, SettingValue> = {};
    for (const [field, spec] of Object.entries(specs)) {
      const raw = yield* configOf(spec).pipe(
        Effect.mapError(
          (e) =>
            new SettingError({
              setting: nameOf(role, spec),
              message: `${nameOf(role, spec)}: ${e.message.split("\n")[0] ?? "invalid"}`,
            }),
        ),
      );
      values[field] = yield* check(role, spec, raw);
    }
    // every field of `specs` was read with the type its spec says
    return values as Settings<T>;
  });

/**
 * The provider a role's settings are read from: the flags given on the command line (by key), then the
 * environment under `POA_<ROLE>_`.
 */
export const settingsProvider = (
  role: Role,
  specs: SettingSpecs,
  given: Readonly<Record<string, number | string | boolean | undefined>>,
  env: Record<string, string | undefined> = process.env,
): ConfigProvider.ConfigProvider => {
  const flags: Record<string, string> = {};
  for (const [field, spec] of Object.entries(specs)) {
    const value = given[field];
    if (value !== undefined) flags[keyOf(spec)] = String(value);
  }
  return ConfigProvider.orElse(
    ConfigProvider.fromUnknown(flags),
    ConfigProvider.fromEnvRecord(env).pipe(ConfigProvider.nested(`POA_${role.toUpperCase()}`)),
  );
};

/** The attributor's Config layer: `AttributorSettings` from the provider in context (`name` and hooks from the caller). */
export const attributorSettingsFromConfig = (
  extra: { readonly name?: string } & Pick<
    AttributorSettingsShape,
    "onEvent" | "batchCost" | "repostGraceMs" | "afterPost" | "corruptClaim"
  > = {},
) =>
  Layer.effect(
    AttributorSettings,
    Effect.map(readSettings("attributor", attributorSpecs), (s) => ({
      ...extra,
      name: extra.name ?? "attributor",
      maxBatch: s.maxBatch,
      maxWaitMs: s.maxWaitMs,
      pollMs: s.pollMs,
      bondClaims: s.bondClaims,
      intakeWorkers: s.intakeWorkers,
    })),
  );

/** The challenger's Config layer: `ChallengerSettings` from the provider in context. */
export const challengerSettingsFromConfig = (
  extra: { readonly name?: string } & Pick<
    ChallengerSettingsShape,
    "onEvent" | "texts" | "afterOpen" | "evidence"
  > = {},
) =>
  Layer.effect(
    ChallengerSettings,
    Effect.map(readSettings("challenger", challengerSpecs), (s) => ({
      ...extra,
      name: extra.name ?? "challenger",
      pollMs: s.pollMs,
    })),
  );
