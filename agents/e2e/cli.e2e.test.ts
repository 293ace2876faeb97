/**
 * The agents' CLI as real processes against a real anvil: `poa status`, `poa challenger run` serving
 * /health and /metrics, and a misconfigured `poa attributor run` failing with one clear line.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";

const poa = (args: ReadonlyArray<string>) =>
  Effect.promise(
    () =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "agents/cli/main.ts", ...args],
          { timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
      }),
  );

layer(LocalProtocol.layer(), { timeout: 120_000, excludeTestServices: true })("poa agents CLI", (it) => {
  it.effect(
    "status, a running challenger's /health and /metrics, and a clear error for a bad attributor config",
    () =>
      Effect.gen(function* () {
        const { anvil } = yield* LocalProtocol;
        const status = yield* poa(["status", "--rpc-url", anvil.rpcUrl, "--json"]);
        expect(status.code, status.stderr).toBe(0);
        expect(JSON.parse(status.stdout.trim())).toMatchObject({ claims: 0, pending: 0, final: 0, void: 0, wrong: [] });

        const bad = yield* poa(["attributor", "run", "--rpc-url", anvil.rpcUrl, "--private-key", ANVIL_KEYS[7]]);
        expect(bad.code).not.toBe(0);
        expect(bad.stderr.trim().split("\n")).toHaveLength(1);
        expect(bad.stderr).toMatch(/--fixture-contributions must list contribution ids/);

        // a fresh clone: the data directory (and its parents) does not exist yet; the agent creates it
        const dir = path.join(mkdtempSync(path.join(tmpdir(), "poa-cli-agents-")), "fresh", "challenger");
        expect(existsSync(dir)).toBe(false);
        const child = yield* Effect.acquireRelease(
          Effect.sync(() =>
            spawn(
              process.execPath,
              [
                "--import",
                "tsx",
                "agents/cli/main.ts",
                "challenger",
                "run",
                "--rpc-url",
                anvil.rpcUrl,
                "--data-dir",
                dir,
              ],
              { env: { ...process.env, POA_PRIVATE_KEY: ANVIL_KEYS[9] }, stdio: ["ignore", "pipe", "pipe"] },
            ),
          ),
          (c: ChildProcess) => Effect.sync(() => c.kill("SIGKILL")),
        );
        const metricsUrl = yield* Effect.promise(
          () =>
            new Promise<string>((resolve, reject) => {
              let out = "";
              child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /metrics (http:\/\/\S+)\/metrics/.exec(out);
                if (m?.[1] !== undefined) resolve(m[1]);
              });
              child.once("exit", (code) => reject(new Error(`challenger exited ${code}: ${out}`)));
            }),
        );
        const health = yield* Effect.promise(() =>
          fetch(`${metricsUrl}/health`).then((r) => r.json() as Promise<Record<string, unknown>>),
        );
        expect(health).toMatchObject({ agent: "challenger" });
        const metrics = yield* Effect.promise(() => fetch(`${metricsUrl}/metrics`).then((r) => r.text()));
        expect(metrics).toMatch(/poa_gossip_peers/);
        expect(existsSync(path.join(dir, "challenger.sqlite"))).toBe(true);
      }),
    180_000, // three CLI processes under tsx: ≈ 40 s alone on a loaded 2-core machine
  );
});
