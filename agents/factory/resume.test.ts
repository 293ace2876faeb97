/**
 * `poa factory train` as a real process, killed with SIGKILL mid-training and started again with the
 * same arguments: it resumes from its state file and ends with exactly the adapter, training record and
 * index of an uninterrupted run (computed in process, which also checks the CLI adds nothing of its own).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentRoot } from "../content/merkle.ts";
import { loadTextCodec } from "../operator/operator.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import { loadBase } from "./base.ts";
import { TEXTS } from "./fixtures.test-util.ts";
import { indexRun, openRun } from "./run.ts";
import { DEFAULT_HYPERPARAMETERS, trainAdapter } from "./train.ts";

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

    // the uninterrupted run, in process, with the CLI's defaults for the flags not given above
    const base = loadBase(join(dir, "model"));
    const codec = await loadTextCodec(join(dir, "model"));
    const whole = trainAdapter({
      base,
      baseName: "model",
      encode: (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids,
      documents: manifest.map((m) => {
        const bytes = new Uint8Array(readFileSync(join(dir, m.path)));
        return { contributionId: BigInt(m.contributionId), datanetId: 0n, contentRoot: contentRoot(bytes), bytes };
      }),
      source: null,
      hyper: { ...DEFAULT_HYPERPARAMETERS, epochs: 3, batch: 2, seqLen: 24, checkpoints: 3 },
      out: join(dir, "whole"),
    });
    const wholeIndex = indexRun(await openRun(join(dir, "whole"), join(dir, "model")));

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
    expect(last(resumed.stdout).trainingRecordHash).toBe(whole.recordHash);
    expect(last(resumed.stdout).indexCommitment).toBe(wholeIndex.commitment);
    const weights = (d: string) => readFileSync(join(dir, d, "adapter", "adapter_model.safetensors"));
    expect(weights("killed").equals(weights("whole"))).toBe(true);
  }, 150_000);
});
