/**
 * Deploys the protocol with the forge script (script/Deploy.s.sol) and reads back the addresses it
 * wrote to deployments/<chainId>.json. Used by the local demo and the integration tests.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { Data, Effect } from "effect";
import { deploymentsPath, loadDeployments } from "./Deployments.ts";

export class DeployError extends Data.TaggedError("DeployError")<{ readonly message: string }> {}

export type Preset = "local" | "testnet" | "mainnet";

/** An encrypted keystore (`cast wallet new` / `cast wallet import`) that forge signs with. */
export interface Keystore {
  readonly file: string;
  readonly password: string;
  readonly sender: `0x${string}`;
}

export interface DeployOptions {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** A raw key (local chains), or a keystore: one of the two. */
  readonly deployerKey?: `0x${string}`;
  readonly keystore?: Keystore;
  readonly preset?: Preset;
  /** Another CREATE2 salt than the preset's (a second deployment on the same chain). */
  readonly salt?: `0x${string}`;
}

const runForgeScript = (options: DeployOptions) =>
  Effect.callback<void, DeployError>((resume) => {
    const forge = path.resolve(process.cwd(), "node_modules", ".bin", "forge");
    const { DEPLOYER_PRIVATE_KEY: _inherited, DEPLOY_SALT: _salt, ...env } = process.env;
    const wallet =
      options.keystore === undefined
        ? []
        : [
            "--keystore",
            options.keystore.file,
            "--password",
            options.keystore.password,
            "--sender",
            options.keystore.sender,
          ];
    const child = spawn(
      forge,
      ["script", "script/Deploy.s.sol:Deploy", "--rpc-url", options.rpcUrl, "--broadcast", "--slow", ...wallet],
      {
        env: {
          ...env,
          ...(options.deployerKey === undefined ? {} : { DEPLOYER_PRIVATE_KEY: options.deployerKey }),
          ...(options.salt === undefined ? {} : { DEPLOY_SALT: options.salt }),
          DEPLOY_PRESET: options.preset ?? "local",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const output: string[] = [];
    child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
    child.on("error", (e) => resume(Effect.fail(new DeployError({ message: `cannot run forge: ${e.message}` }))));
    child.on("exit", (code) =>
      resume(
        code === 0
          ? Effect.void
          : Effect.fail(
              new DeployError({ message: `forge script failed (exit ${code}):\n${output.join("").slice(-4000)}` }),
            ),
      ),
    );
    return Effect.sync(() => child.kill("SIGKILL"));
  });

export const deployProtocol = (options: DeployOptions) =>
  runForgeScript(options).pipe(Effect.andThen(loadDeployments(deploymentsPath(options.chainId))));
