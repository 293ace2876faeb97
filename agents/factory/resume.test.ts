/**
 * `poa factory train` as a real process, killed with SIGKILL mid-training and started again with the
 * same arguments: it resumes from its state file and ends with exactly the adapter and training record
 * of an uninterrupted run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../operator/testModel.ts";
import { TEXTS } from "./fixtures.test-util.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (out: string): ChildProcess =>
  spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "agents/cli/main.ts",
      "factory",
      "train",
      "--base",
      join(dir, "model"),
      "--manifest",
      join(dir, "manifest.json"),
      "--out",
      out,
      "--epochs",
      "3",
      "--batch",
      "2",
      "--seq-len",
      "24",
      "--checkpoints",
      "3",
      "--json",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );

const finish = (child: ChildProcess) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += String(d)));
    child.stderr!.on("data", (d) => (stderr += String(d)));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });

describe("factory train after kill -9", () => {
  it("resumes to the bytes of an uninterrupted run", async () => {
    await writeTinyLlama(join(dir, "model"));
    mkdirSync(join(dir, "docs"));
    // long enough that a kill lands mid-run: the four texts, repeated
    const manifest = TEXTS.map((t, i) => {
      writeFileSync(join(dir, "docs", `${i}.txt`), `${t} `.repeat(6));
      return { path: `docs/${i}.txt`, contributionId: String(i + 1) };
    });
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));

    const whole = await finish(start(join(dir, "whole")));
    expect(whole.code, whole.stderr).toBe(0);

    const killed = start(join(dir, "killed"));
    const done = finish(killed);
    // kill once the first resume state is on disk (training is under way, far from its end)
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, "killed", "state.bin"))) {
          clearInterval(poll);
          killed.kill("SIGKILL");
          resolve();
        }
      }, 20);
    });
    const dead = await done;
    expect(dead.code).toBe(null); // killed, not finished
    expect(existsSync(join(dir, "killed", "training.json"))).toBe(false);

    const resumed = await finish(start(join(dir, "killed")));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed at step \d+/);
    const last = (s: string) => JSON.parse(s.trim().split("\n").at(-1)!) as Record<string, string>;
    expect(last(resumed.stdout).trainingRecordHash).toBe(last(whole.stdout).trainingRecordHash);
    expect(last(resumed.stdout).indexCommitment).toBe(last(whole.stdout).indexCommitment);
    const weights = (d: string) => readFileSync(join(dir, d, "adapter", "adapter_model.safetensors"));
    expect(weights("killed").equals(weights("whole"))).toBe(true);
  }, 60_000);
});
