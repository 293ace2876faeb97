/**
 * A local OP Stack-style chain for tests, the demo and benchmarks: `anvil --network optimism` on a
 * free loopback port, started as a scoped resource so it is stopped even when the program fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { Data, Effect, Schedule } from "effect";
import { createPublicClient, http } from "viem";

/** Anvil's well-known development keys (mnemonic "test test … junk"): for local chains only. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const satisfies ReadonlyArray<`0x${string}`>;

export class AnvilError extends Data.TaggedError("AnvilError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface Anvil {
  readonly rpcUrl: string;
  readonly port: number;
  readonly chainId: number;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const binary = (name: string) => path.resolve(process.cwd(), "node_modules", ".bin", name);

export interface AnvilOptions {
  /** Seconds between blocks (interval mining); omitted = a block per transaction. */
  readonly blockTime?: number;
  /** Chain id; defaults to a value derived from the port so parallel chains never share deployment files. */
  readonly chainId?: number;
}

const stop = (child: ChildProcess) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
      }),
  );

/** Starts anvil and waits until its RPC answers; the scope's close stops it. */
export const startAnvil = (options: AnvilOptions = {}) =>
  Effect.gen(function* () {
    const port = yield* Effect.tryPromise({
      try: freePort,
      catch: (cause) => new AnvilError({ message: "no free port", cause }),
    });
    const chainId = options.chainId ?? 900_000 + port;
    const args = ["--network", "optimism", "--port", String(port), "--chain-id", String(chainId), "--silent"];
    if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn(binary("anvil"), args, { stdio: ["ignore", "ignore", "pipe"] })),
      stop,
    );
    const stderr: string[] = [];
    child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
    const rpcUrl = `http://127.0.0.1:${port}`;
    const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
    yield* Effect.tryPromise({
      try: () => client.getChainId(),
      catch: (cause) => new AnvilError({ message: `anvil not answering on ${rpcUrl}: ${stderr.join("")}`, cause }),
    }).pipe(Effect.retry({ schedule: Schedule.spaced("100 millis"), times: 100 }));
    return { rpcUrl, port, chainId } satisfies Anvil;
  });
