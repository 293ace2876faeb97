/**
 * How a command finds the chain: RPC URL, signing key and deployments file, from (highest first)
 * flags, environment (POA_RPC_URL, POA_PRIVATE_KEY, POA_DEPLOYMENTS, POA_CONFIG) and a JSON config
 * file. Everything is Schema-validated; the key stays Redacted.
 */
import { readFile } from "node:fs/promises";
import { Config, Data, Effect, Option, Redacted, Schema } from "effect";
import { PrivateKey } from "../protocol/schemas.ts";

export const ConfigFile = Schema.Struct({
  rpcUrl: Schema.optional(Schema.String),
  privateKey: Schema.optional(PrivateKey),
  deployments: Schema.optional(Schema.String),
});
export type ConfigFile = typeof ConfigFile.Type;

export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

export interface ClientConfig {
  readonly rpcUrl: string;
  readonly privateKey: Option.Option<Redacted.Redacted<string>>;
  /** Explicit deployments file; otherwise deployments/<chainId>.json. */
  readonly deploymentsPath: Option.Option<string>;
}

export interface ClientFlags {
  readonly config: Option.Option<string>;
  readonly rpcUrl: Option.Option<string>;
  readonly privateKey: Option.Option<Redacted.Redacted<string>>;
  readonly deployments: Option.Option<string>;
}

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

export const readConfigFile = (path: string) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: () => new ConfigError({ message: `cannot read config file ${path}` }),
    });
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new ConfigError({ message: `config file ${path} is not valid JSON` }),
    });
    return yield* Schema.decodeUnknownEffect(ConfigFile)(json, { onExcessProperty: "error" }).pipe(
      Effect.mapError((e) => new ConfigError({ message: `config file ${path}: ${e.message}` })),
    );
  });

const env = {
  config: Config.String("POA_CONFIG").pipe(Config.option),
  rpcUrl: Config.String("POA_RPC_URL").pipe(Config.option),
  privateKey: Config.Redacted("POA_PRIVATE_KEY").pipe(Config.option),
  deployments: Config.String("POA_DEPLOYMENTS").pipe(Config.option),
};

const first = <A>(...options: ReadonlyArray<Option.Option<A>>): Option.Option<A> =>
  options.find(Option.isSome) ?? Option.none();

export const resolveClientConfig = (flags: ClientFlags) =>
  Effect.gen(function* () {
    const fromEnv = yield* Effect.all({
      config: env.config,
      rpcUrl: env.rpcUrl,
      privateKey: env.privateKey,
      deployments: env.deployments,
    }).pipe(Effect.mapError((e) => new ConfigError({ message: `environment: ${String(e)}` })));
    const configPath = first(flags.config, fromEnv.config);
    const file: ConfigFile = Option.isSome(configPath) ? yield* readConfigFile(configPath.value) : {};
    const privateKey = first(
      flags.privateKey,
      fromEnv.privateKey,
      Option.fromNullishOr(file.privateKey).pipe(Option.map(Redacted.make)),
    );
    if (Option.isSome(privateKey) && !Schema.is(PrivateKey)(Redacted.value(privateKey.value))) {
      return yield* new ConfigError({ message: "private key must be 0x followed by 64 hex digits" });
    }
    return {
      rpcUrl: Option.getOrElse(
        first(flags.rpcUrl, fromEnv.rpcUrl, Option.fromNullishOr(file.rpcUrl)),
        () => DEFAULT_RPC_URL,
      ),
      privateKey,
      deploymentsPath: first(flags.deployments, fromEnv.deployments, Option.fromNullishOr(file.deployments)),
    } satisfies ClientConfig;
  });
