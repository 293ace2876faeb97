/**
 * The CLI against a real chain: anvil (--network optimism) on a free port, the protocol deployed by
 * script/Deploy.s.sol, and `poa` run as a real process for every step. Anvil stops afterwards,
 * also when a test fails (the layer's scope closes).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { createPublicClient, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contentRoot } from "../content/merkle.ts";
import { datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const poa = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.promise(
    () =>
      new Promise<Run>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "agents/cli/main.ts", ...args],
          { env: { ...process.env, ...env }, timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
      }),
  );

const json = (run: Run): Record<string, string> => {
  expect(run.stderr, run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, string>;
};

const dir = mkdtempSync(path.join(tmpdir(), "poa-cli-"));

layer(LocalProtocol.layer(), { timeout: 180_000, excludeTestServices: true })(
  "poa CLI on a local OP Stack chain",
  (it) => {
    const owner = ANVIL_KEYS[0];
    const contributor = ANVIL_KEYS[1];
    const stranger = ANVIL_KEYS[2];

    const connection = Effect.gen(function* () {
      const { anvil } = yield* LocalProtocol;
      return ["--rpc-url", anvil.rpcUrl, "--json"];
    });

    it.effect(
      "create → contribute → approve → register → stake, then read it all back through viem",
      () =>
        Effect.gen(function* () {
          const { anvil, deployments } = yield* LocalProtocol;
          const flags = yield* connection;
          const client = createPublicClient({ transport: http(anvil.rpcUrl) });

          const created = json(
            yield* poa(["datanet", "create", "--uri", "ipfs://sotu", ...flags, "--private-key", owner]),
          );
          const datanetId = BigInt(created.datanetId!);

          const file = path.join(dir, "speech.txt");
          const text =
            "Four score and seven years ago our fathers brought forth on this continent a new nation. ".repeat(40);
          writeFileSync(file, text);
          const contributed = json(
            yield* poa([
              "datanet",
              "contribute",
              file,
              "--datanet",
              String(datanetId),
              ...flags,
              "--private-key",
              contributor,
            ]),
          );
          expect(contributed.contentRoot).toBe(contentRoot(new TextEncoder().encode(text)));
          const contributionId = BigInt(contributed.contributionId!);

          json(yield* poa(["datanet", "approve", String(contributionId), ...flags, "--private-key", owner]));

          const registered = json(
            yield* poa([
              "model",
              "register",
              "--base-model",
              `0x${"ab".repeat(32)}`,
              "--datanets",
              String(datanetId),
              "--method",
              "suffix",
              "--split",
              "2000,2000,5000,500,500",
              ...flags,
              "--private-key",
              owner,
            ]),
          );
          const modelId = BigInt(registered.modelId!);
          const minStake = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.modelRegistry as `0x${string}`,
              abi: modelRegistryAbi,
              functionName: "MIN_STAKE",
            }),
          );
          const stakeAmount = minStake > parseUnits("1", 18) ? minStake : parseUnits("1", 18);
          json(
            yield* poa([
              "model",
              "stake",
              String(modelId),
              (stakeAmount / 10n ** 18n).toString(),
              ...flags,
              "--private-key",
              owner,
            ]),
          );

          const contribution = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.datanetRegistry as `0x${string}`,
              abi: datanetRegistryAbi,
              functionName: "contributionForAttribution",
              args: [contributionId],
            }),
          );
          expect(contribution[0]).toBe(privateKeyToAccount(contributor).address);
          expect(contribution[1]).toBe(datanetId);
          expect(contribution[2]).toBeGreaterThan(0n);
          expect(contribution[3]).toBe(0n);
          const model = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.modelRegistry as `0x${string}`,
              abi: modelRegistryAbi,
              functionName: "getModel",
              args: [modelId],
            }),
          );
          expect(model.owner).toBe(privateKeyToAccount(owner).address);
          expect(model.stake).toBe((stakeAmount / 10n ** 18n) * 10n ** 18n);
          expect(model.split.dataBps).toBe(5000);
          const live = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.modelRegistry as `0x${string}`,
              abi: modelRegistryAbi,
              functionName: "isLive",
              args: [modelId],
            }),
          );
          expect(live).toBe(true);
          const uses = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.modelRegistry as `0x${string}`,
              abi: modelRegistryAbi,
              functionName: "modelUsesDatanet",
              args: [modelId, datanetId],
            }),
          );
          expect(uses).toBe(true);
        }),
      180_000,
    );

    it.effect(
      "bad input gets one clear line and a non-zero exit, never a stack trace",
      () =>
        Effect.gen(function* () {
          const flags = yield* connection;
          const expectError = (run: Run, pattern: RegExp) => {
            expect(run.code).not.toBe(0);
            expect(run.stderr).toMatch(pattern);
            expect(run.stderr).not.toMatch(/\n\s+at /); // no stack frames
          };
          const empty = path.join(dir, "empty.txt");
          writeFileSync(empty, "");
          expectError(
            yield* poa(["datanet", "contribute", empty, "--datanet", "1", ...flags, "--private-key", stranger]),
            /empty/,
          );
          const some = path.join(dir, "some.txt");
          writeFileSync(some, "some bytes");
          expectError(
            yield* poa(["datanet", "contribute", some, "--datanet", "999", ...flags, "--private-key", stranger]),
            /reverted with DatanetRegistry_\w+\(999\)/,
          );
          // A stranger is not the curator of datanet 1.
          const created = json(yield* poa(["datanet", "create", "--uri", "x", ...flags, "--private-key", owner]));
          const added = json(
            yield* poa([
              "datanet",
              "contribute",
              some,
              "--datanet",
              created.datanetId!,
              ...flags,
              "--private-key",
              stranger,
            ]),
          );
          expectError(
            yield* poa(["datanet", "approve", added.contributionId!, ...flags, "--private-key", stranger]),
            /reverted with DatanetRegistry_\w+/,
          );
          expectError(
            yield* poa([
              "model",
              "register",
              "--base-model",
              `0x${"ab".repeat(32)}`,
              "--method",
              "gradient",
              "--split",
              "5000,5000,1,0,0",
              ...flags,
              "--private-key",
              owner,
            ]),
            /sum to 10001/,
          );
          expectError(
            yield* poa([
              "model",
              "register",
              "--base-model",
              `0x${"ab".repeat(32)}`,
              "--method",
              "gradient",
              "--datanets",
              "4242",
              "--split",
              "5000,5000,0,0,0",
              ...flags,
              "--private-key",
              owner,
            ]),
            /reverted with ModelRegistry_\w+/,
          );
          expectError(
            yield* poa(["model", "stake", "999", "1", ...flags, "--private-key", owner]),
            /reverted with ModelRegistry_\w+/,
          );
          // Below the preset's minimum stake (local: 10 OPEN) on a model that exists.
          const model = json(
            yield* poa([
              "model",
              "register",
              "--base-model",
              `0x${"cd".repeat(32)}`,
              "--method",
              "gradient",
              "--split",
              "5000,5000,0,0,0",
              ...flags,
              "--private-key",
              owner,
            ]),
          );
          expectError(
            yield* poa(["model", "stake", model.modelId!, "1", ...flags, "--private-key", owner]),
            /reverted with ModelRegistry_InsufficientStake\(1000000000000000000, 10000000000000000000\)/,
          );
          expectError(
            yield* poa(["datanet", "create", "--uri", "x", "--config", path.join(dir, "missing.json")]),
            /cannot read config file/,
          );
          const malformed = path.join(dir, "malformed.json");
          writeFileSync(malformed, JSON.stringify({ rpcUrl: 42 }));
          expectError(
            yield* poa(["datanet", "create", "--uri", "x", "--config", malformed]),
            /config file .*malformed\.json/,
          );
          expectError(
            yield* poa(["datanet", "create", "--uri", "x", "--rpc-url", "http://127.0.0.1:9", "--private-key", owner]),
            /cannot reach the RPC at http:\/\/127\.0\.0\.1:9/,
          );
          expectError(yield* poa(["datanet", "create", "--uri", "x", ...flags]), /no signing key/);
        }),
      180_000,
    );
  },
);
