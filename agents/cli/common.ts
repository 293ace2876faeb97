/** Flags every chain-facing command shares, the layers they build, and one-line error rendering. */
import { Console, Data, Effect, Layer, Option, type Redacted } from "effect";
import { Flag } from "effect/cli";
import { Chain, Contracts } from "../chain/Chain.ts";
import { type ClientConfig, resolveClientConfig } from "../config/ClientConfig.ts";

export const clientFlags = {
  config: Flag.String("config").pipe(
    Flag.optional,
    Flag.withDescription("JSON config file {rpcUrl, privateKey, deployments}"),
  ),
  rpcUrl: Flag.String("rpc-url").pipe(
    Flag.optional,
    Flag.withDescription("RPC URL (default http://127.0.0.1:8545; env POA_RPC_URL)"),
  ),
  privateKey: Flag.Redacted("private-key").pipe(
    Flag.optional,
    Flag.withDescription("signing key (env POA_PRIVATE_KEY)"),
  ),
  deployments: Flag.String("deployments").pipe(
    Flag.optional,
    Flag.withDescription("deployments JSON (default deployments/<chainId>.json; env POA_DEPLOYMENTS)"),
  ),
  json: Flag.Boolean("json").pipe(
    Flag.withDefault(false),
    Flag.withDescription("print one JSON object instead of text"),
  ),
};

export interface ClientFlagValues {
  readonly config: Option.Option<string>;
  readonly rpcUrl: Option.Option<string>;
  readonly privateKey: Option.Option<Redacted.Redacted<string>>;
  readonly deployments: Option.Option<string>;
  readonly json: boolean;
}

/** Chain + Contracts for a command, built from its flags, env and config file. */
export const withProtocol =
  (flags: ClientFlagValues) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const config: ClientConfig = yield* resolveClientConfig(flags);
      const layer = Contracts.layer(config).pipe(Layer.provideMerge(Chain.layer(config)));
      return yield* Effect.provide(effect, layer);
    });

const replacer = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/** Prints a result as text lines or, with --json, as one JSON object. */
export const report = (json: boolean, value: Record<string, unknown>, text: string) =>
  json ? Console.log(JSON.stringify(value, replacer)) : Console.log(text);

/** Parses a positive integer id given on the command line. */
export const parseId = (what: string, value: string) =>
  /^[0-9]+$/.test(value) && BigInt(value) > 0n
    ? Effect.succeed(BigInt(value))
    : Effect.fail(new CliInputError({ message: `${what} must be a positive integer, got "${value}"` }));

export class CliInputError extends Data.TaggedError("CliInputError")<{ readonly message: string }> {}

export const orNone = <A>(o: Option.Option<A>): A | undefined => Option.getOrUndefined(o);
