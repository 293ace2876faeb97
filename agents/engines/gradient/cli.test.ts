/**
 * `poa gradient train` then `poa gradient index --data-dir` (separate processes): the index files land
 * in `<data-dir>/indexes/<commitment>/` under the commitment printed, which the files recompute
 * (loadIndexed recomputes it from every row).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commitmentDir, listIndexDir } from "../index-store.ts";
import { loadIndexed } from "./bundle.ts";

const dir = mkdtempSync(path.join(tmpdir(), "poa-gradient-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const poa = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "agents/cli/main.ts", ...args],
      { timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });

describe("poa gradient index --data-dir", () => {
  it("copies the index files under the commitment it prints", async () => {
    const model = path.join(dir, "model");
    const dataDir = path.join(dir, "data");
    const trained = await poa([
      "gradient",
      "train",
      "--out",
      model,
      "--examples",
      "40",
      "--epochs",
      "3",
      "--buckets",
      "256",
    ]);
    expect(trained.code).toBe(0);
    const indexed = await poa(["gradient", "index", "--model", model, "--dims", "32", "--data-dir", dataDir]);
    expect(indexed.stderr).not.toMatch(/error/i);
    expect(indexed.code).toBe(0);
    const commitment = /commitment (0x[0-9a-f]{64})/.exec(indexed.stdout)?.[1] as `0x${string}`;
    const installed = commitmentDir(dataDir, commitment);
    expect(indexed.stdout).toContain(`copied to ${installed}`);
    expect(
      listIndexDir(installed, "gradient")
        ?.files.map((f) => f.name)
        .sort(),
    ).toEqual(["checkpoints.bin", "gradient.onnx", "index.bin", "model.json"].sort());
    expect(loadIndexed(installed).commitment).toBe(commitment);
  }, 240_000);
});
