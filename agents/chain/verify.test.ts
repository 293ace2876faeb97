/**
 * `poa deployments verify` against a real chain: anvil (--network optimism) with the protocol deployed
 * by script/Deploy.s.sol. The script's own output passes every check; a tampered deployment file, a
 * preset that disagrees with the chain and replaced code each fail, and the CLI exits non-zero.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { createTestClient, getAddress, http, keccak256, toHex } from "viem";
import { deploymentsPath } from "./Deployments.ts";
import { deployProtocol } from "./deploy.ts";
import { LocalProtocol } from "./LocalProtocol.ts";
import { verifyDeployment } from "./verify.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const poa = (args: ReadonlyArray<string>) =>
  Effect.promise(
    () =>
      new Promise<Run>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "agents/cli/main.ts", ...args],
          { timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
      }),
  );

const dir = mkdtempSync(path.join(tmpdir(), "poa-verify-"));

layer(LocalProtocol.layer(), { timeout: 180_000, excludeTestServices: true })("poa deployments verify", (it) => {
  it.effect(
    "the deploy script's output passes every check, through the CLI too",
    () =>
      Effect.gen(function* () {
        const { anvil } = yield* LocalProtocol;
        const file = deploymentsPath(anvil.chainId);
        const result = yield* verifyDeployment({ rpcUrl: anvil.rpcUrl, deploymentsFile: file });
        expect(result.checks.filter((c) => !c.ok)).toEqual([]);
        expect(result.checks.length).toBeGreaterThan(40);
        expect(result.checks.find((c) => c.name === "game set in the ledger's creation transaction")?.ok).toBe(true);
        const run = yield* poa(["deployments", "verify", "--rpc-url", anvil.rpcUrl, file]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/verified: all \d+ checks pass/);
        expect(run.stdout.split("\n").length).toBeLessThan(25);
      }),
    120_000,
  );

  it.effect(
    "a tampered deployment file fails, and the CLI exits non-zero",
    () =>
      Effect.gen(function* () {
        const { anvil } = yield* LocalProtocol;
        const original = JSON.parse(readFileSync(deploymentsPath(anvil.chainId), "utf8")) as Record<string, unknown>;
        // The game's address swapped for the escrow's: code, address and wiring checks catch it.
        const tampered = path.join(dir, "tampered.json");
        writeFileSync(tampered, JSON.stringify({ ...original, disputeGame: original.paymentEscrow }));
        const result = yield* verifyDeployment({ rpcUrl: anvil.rpcUrl, deploymentsFile: tampered });
        const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
        expect(failed).toContain("DisputeGame code");
        expect(failed).toContain("DisputeGame = CoreDeployer CREATE 3");
        expect(failed).toContain("AttributionLedger.disputeGame");
        // The ledger named as the escrow: its creation transaction set no game.
        const swapped = path.join(dir, "swapped.json");
        writeFileSync(swapped, JSON.stringify({ ...original, attributionLedger: original.paymentEscrow }));
        const swappedResult = yield* verifyDeployment({ rpcUrl: anvil.rpcUrl, deploymentsFile: swapped });
        expect(swappedResult.checks.filter((c) => !c.ok).map((c) => c.name)).toContain(
          "game set in the ledger's creation transaction",
        );
        const run = yield* poa(["deployments", "verify", "--rpc-url", anvil.rpcUrl, tampered]);
        expect(run.code).not.toBe(0);
        expect(run.stdout).toMatch(/NOT VERIFIED/);
        expect(run.stdout).toMatch(/FAIL {2}code {6}DisputeGame code/);
      }),
    120_000,
  );

  it.effect(
    "a preset whose parameter differs from the chain fails on exactly that parameter (and the addresses)",
    () =>
      Effect.gen(function* () {
        const { anvil } = yield* LocalProtocol;
        const preset = JSON.parse(readFileSync("script/presets/local.json", "utf8")) as {
          ledger: Record<string, unknown>;
        };
        preset.ledger.challengeWindow = 301;
        const wrong = path.join(dir, "wrong-preset.json");
        writeFileSync(wrong, JSON.stringify(preset));
        const result = yield* verifyDeployment({
          rpcUrl: anvil.rpcUrl,
          deploymentsFile: deploymentsPath(anvil.chainId),
          presetFile: wrong,
        });
        const failed = result.checks.filter((c) => !c.ok);
        expect(failed.map((c) => c.name).sort()).toEqual([
          "AttributionLedger.CHALLENGE_WINDOW",
          "CoreDeployer = CREATE2(salt, init(preset))",
        ]);
        expect(failed[0]?.detail ?? failed[1]?.detail).toBeDefined();
        expect(failed.find((c) => c.name === "AttributionLedger.CHALLENGE_WINDOW")?.detail).toBe(
          "chain has 300, expected 301",
        );
      }),
    120_000,
  );

  it.effect(
    "replaced code at a contract's address fails its code check",
    () =>
      Effect.gen(function* () {
        const { anvil } = yield* LocalProtocol;
        const file = deploymentsPath(anvil.chainId);
        const deployments = JSON.parse(readFileSync(file, "utf8")) as { oneStepVerifier: `0x${string}` };
        const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
        yield* Effect.promise(() => test.setCode({ address: deployments.oneStepVerifier, bytecode: "0x6000" }));
        const result = yield* verifyDeployment({ rpcUrl: anvil.rpcUrl, deploymentsFile: file });
        expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["OneStepVerifier code"]);
      }),
    120_000,
  );

  it.effect(
    "a deployment signed from an encrypted keystore (no raw key in the environment) passes too",
    () =>
      Effect.gen(function* () {
        const { anvil } = yield* LocalProtocol;
        const keystores = mkdtempSync(path.join(tmpdir(), "poa-keystore-"));
        const cast = path.resolve("node_modules/.bin/cast");
        const out = execFileSync(cast, ["wallet", "new", keystores, "--unsafe-password", "pw"], { encoding: "utf8" });
        const file = /keystore file: (\S+)/.exec(out)?.[1];
        const sender = getAddress(/Address:\s+(0x[0-9a-fA-F]{40})/.exec(out)?.[1] ?? "");
        expect(file).toBeDefined();
        const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
        yield* Effect.promise(() => test.setBalance({ address: sender, value: 10n ** 19n }));
        const deployed = yield* deployProtocol({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          keystore: { file: file!, password: "pw", sender },
          salt: keccak256(toHex("keystore run")),
        });
        expect(deployed.deployer).toBe(sender);
        expect(deployed.treasury).toBe(sender);
        const result = yield* verifyDeployment({
          rpcUrl: anvil.rpcUrl,
          deploymentsFile: deploymentsPath(anvil.chainId),
        });
        expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      }),
    180_000,
  );
});
