/**
 * `poa web`: Open Chat (agents/web). `--local` starts a whole local network for it (anvil, the protocol,
 * a datanet, a suffix-attributed model on a real LoRA operator, an attributor, a challenger); otherwise
 * it serves the app in front of an existing network given by its URLs. Runs until Ctrl-C.
 */
import { Config, Console, Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { getAddress, isAddress } from "viem";
import { deploymentsPath, loadDeployments } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { resolveClientConfig } from "../config/ClientConfig.ts";
import { ensureBundle } from "../web/build.ts";
import { startOpenChatNetwork } from "../web/local.ts";
import { serveWeb } from "../web/server.ts";
import { CliInputError, clientFlags } from "./common.ts";

/** The local Open Chat network on the LocalProtocol in context; prints the URL and waits for Ctrl-C. */
export const serveLocalOpenChat = (port: number) =>
  Effect.gen(function* () {
    const network = yield* startOpenChatNetwork({ webPort: port, log: (line) => console.log(line) });
    yield* Console.log(`▶ Open Chat: ${network.url}  (chain ${network.rpcUrl}; Ctrl-C stops everything)`);
    return yield* Effect.never;
  }).pipe(Effect.scoped);

const parseModels = (specs: ReadonlyArray<string>, expected: string, value = /^[0-9]+$/) =>
  Effect.forEach(specs, (spec) => {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    return match === null || !value.test(match[2]!)
      ? Effect.fail(new CliInputError({ message: `${expected}, got "${spec}"` }))
      : Effect.succeed([match[1]!, match[2]!] as const);
  }).pipe(Effect.map((pairs) => Object.fromEntries(pairs)));

export const webCommand = Command.make(
  "web",
  {
    config: clientFlags.config,
    rpcUrl: clientFlags.rpcUrl,
    deployments: clientFlags.deployments,
    local: Flag.Boolean("local").pipe(
      Flag.withDefault(false),
      Flag.withDescription("start a local network for Open Chat (anvil, protocol, operator, attributor, challenger)"),
    ),
    port: Flag.Int("port").pipe(Flag.withDefault(5173), Flag.withDescription("port to serve Open Chat on")),
    host: Flag.String("host").pipe(Flag.withDefault("127.0.0.1"), Flag.withDescription("interface to listen on")),
    operatorUrl: Flag.String("operator-url").pipe(
      Flag.optional,
      Flag.withDescription("the operator's OpenAI-compatible API, without /v1 (e.g. http://127.0.0.1:8000)"),
    ),
    operatorAddress: Flag.String("operator-address").pipe(
      Flag.optional,
      Flag.withDescription("the operator's address (signed requests name it)"),
    ),
    attributorUrl: Flag.String("attributor-url").pipe(
      Flag.optional,
      Flag.withDescription("an attributor's read-only API (agents/attributor/api.ts)"),
    ),
    contentDir: Flag.String("content-dir").pipe(
      Flag.optional,
      Flag.withDescription("contribution bytes, one file per content root (as `suffix index build` reads them)"),
    ),
    model: Flag.String("model").pipe(
      Flag.atLeast(0),
      Flag.withDescription("<served name>=<on-chain model id>, repeatable: the models the page offers"),
    ),
    factoryBase: Flag.String("factory-base").pipe(
      Flag.atLeast(0),
      Flag.withDescription("<name>=<model folder>, repeatable: base models the Factory page trains LoRA adapters of"),
    ),
    factoryDir: Flag.String("factory-dir").pipe(
      Flag.withDefault("factory-jobs"),
      Flag.withDescription("where the Factory page's training jobs live (kept across restarts)"),
    ),
    operatorAdminToken: Flag.Redacted("operator-admin-token").pipe(
      Flag.withDescription("the operator's --admin-token: the Factory page has it load published adapters"),
      Flag.withFallbackConfig(Config.Redacted("POA_OPERATOR_ADMIN_TOKEN")),
      Flag.optional,
    ),
    operatorAdaptersDir: Flag.String("operator-adapters-dir").pipe(
      Flag.optional,
      Flag.withDescription("the operator's --adapters-dir (same machine): published adapters are copied there"),
    ),
  },
  (flags) =>
    Effect.gen(function* () {
      if (flags.local) return yield* serveLocalOpenChat(flags.port).pipe(Effect.provide(LocalProtocol.layer()));
      const client = yield* resolveClientConfig({ ...flags, privateKey: Option.none() });
      const chainId = yield* Effect.tryPromise({
        try: async () => {
          const response = await fetch(client.rpcUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
          });
          const body = (await response.json()) as { result?: string };
          if (typeof body.result !== "string") throw new Error("no chain id in the answer");
          return Number(BigInt(body.result));
        },
        catch: (cause) =>
          new CliInputError({
            message: `cannot reach the chain at ${client.rpcUrl}: ${cause instanceof Error ? cause.message : String(cause)}`,
          }),
      });
      const deployments = yield* loadDeployments(
        Option.getOrElse(client.deploymentsPath, () => deploymentsPath(chainId)),
      );
      const operatorAddress = Option.getOrUndefined(flags.operatorAddress);
      if (operatorAddress !== undefined && !isAddress(operatorAddress))
        return yield* new CliInputError({ message: `--operator-address: not an address: ${operatorAddress}` });
      const factoryBases = yield* parseModels(flags.factoryBase, "--factory-base expects <name>=<model folder>", /./);
      const distDir = yield* ensureBundle;
      const web = yield* serveWeb({
        host: flags.host,
        port: flags.port,
        distDir,
        chainId,
        deployments,
        rpcUrl: client.rpcUrl,
        models: yield* parseModels(flags.model, "--model expects <served name>=<model id>"),
        ...(flags.factoryBase.length === 0
          ? {}
          : {
              factory: {
                bases: factoryBases,
                jobsDir: flags.factoryDir,
                ...Option.match(flags.operatorAdminToken, {
                  onNone: () => ({}),
                  onSome: (operatorAdminToken) => ({ operatorAdminToken }),
                }),
                ...Option.match(flags.operatorAdaptersDir, {
                  onNone: () => ({}),
                  onSome: (adaptersDir) => ({ adaptersDir }),
                }),
              },
            }),
        ...(operatorAddress === undefined ? {} : { operatorAddress: getAddress(operatorAddress) }),
        ...Option.match(flags.operatorUrl, { onNone: () => ({}), onSome: (operatorUrl) => ({ operatorUrl }) }),
        ...Option.match(flags.attributorUrl, {
          onNone: () => ({}),
          onSome: (attributorApiUrl) => ({ attributorApiUrl }),
        }),
        ...Option.match(flags.contentDir, { onNone: () => ({}), onSome: (contentDir) => ({ contentDir }) }),
      });
      yield* Console.log(`Open Chat: ${web.url} (Ctrl-C stops it)`);
      return yield* Effect.never;
    }).pipe(Effect.scoped),
).pipe(
  Command.withDescription(
    "Open Chat: chat with a model and watch who gets paid (a web app; --local runs a network for it)",
  ),
);
