/**
 * `--threads`: training, indexing and attribution with example gradients on worker threads give the
 * same bytes (adapter, checkpoints, training record, index) and the same scores as one thread, for
 * 1 and 2 threads (pool.ts sums in example order, so the count does not enter the arithmetic). The reference is the single-thread run (no worker involved).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTextCodec } from "../operator/operator.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import { loadBase } from "./base.ts";
import { documentsOf, TEXTS } from "./fixtures.test-util.ts";
import { makeGradPool } from "./pool.ts";
import { indexRunThreaded, openRun, runAttributor } from "./run.ts";
import { type Hyperparameters, type TrainInput, trainAdapter, trainAdapterThreaded } from "./train.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-threads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HYPER: Hyperparameters = {
  rank: 2,
  alpha: 4,
  targets: ["q_proj", "v_proj", "up_proj"],
  epochs: 2,
  lr: 0.02,
  seed: 11,
  batch: 3,
  seqLen: 20,
  checkpoints: 2,
};

describe("factory --threads", () => {
  const modelDir = join(dir, "model");
  let input: (out: string) => TrainInput;
  beforeAll(async () => {
    await writeTinyLlama(modelDir);
    const base = loadBase(modelDir);
    const codec = await loadTextCodec(modelDir);
    input = (out) => ({
      base,
      baseName: "model",
      encode: (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids,
      documents: documentsOf(TEXTS),
      source: null,
      hyper: HYPER,
      out: join(dir, out),
    });
  });

  it("train, index and attribute: identical results for 1 and 2 threads", async () => {
    const reference = trainAdapter(input("t1"));
    expect(reference.finished).toBe(true);
    const files = ["adapter/adapter_model.safetensors", "training.json", "checkpoints/ck-0.safetensors", "index.bin"];
    const refRun = await openRun(join(dir, "t1"), modelDir);
    const refIndex = await indexRunThreaded(refRun, { dims: 16, seed: 7 }, 1);
    const refAttributor = runAttributor(refRun);
    const prompt = refRun.encode("Four score and");
    const answer = refRun.encode(" seven years ago our fathers");
    const refScores = await refAttributor.score(prompt, answer, "datainf", 4);
    // one pool of 2 workers for the three stages (a worker's start is most of the cost here)
    const threads = 2;
    const out = "t2";
    const pool = makeGradPool(loadBase(modelDir), reference.layout, threads);
    try {
      const trained = await trainAdapterThreaded(input(out), pool);
      expect(trained.recordHash).toBe(reference.recordHash);
      const run = await openRun(join(dir, out), modelDir);
      const indexed = await indexRunThreaded(run, { dims: 16, seed: 7 }, pool);
      expect(indexed.commitment).toBe(refIndex.commitment);
      for (const f of files) expect(readFileSync(join(dir, out, f)), f).toEqual(readFileSync(join(dir, "t1", f)));
      let ticks = 0;
      const scored = await runAttributor(run, pool, () => void ticks++).score(prompt, answer, "datainf", 4);
      expect([...scored.raw]).toEqual([...refScores.raw]);
      expect(scored.entries).toEqual(refScores.entries);
      expect(ticks).toBe(HYPER.checkpoints);
    } finally {
      await pool.close();
    }
  }, 120_000);
});
