import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { AdapterError, loadAdapterDir } from "./adapter.ts";
import { AdapterLoaders, workersCanRunTypeScript } from "./loaders.ts";
import { listTargets } from "./lora.ts";
import { buildTinyLlama } from "./testModel.ts";

const TESTDATA = join(import.meta.dirname, "testdata");
const targets = listTargets(buildTinyLlama());

// Node < 22.18 cannot run loadWorker.ts in a worker (no type stripping): the pool then loads on the
// main thread, the path every other operator test then runs.
describe.skipIf(!workersCanRunTypeScript())("cold adapter loads in worker threads", () => {
  it("give the same adapter as a main-thread load, and keep AdapterError for bad ones", async () => {
    const logs: string[] = [];
    const loaders = new AdapterLoaders(2, (l) => logs.push(l));
    try {
      for (const name of ["peft-f32", "peft-f16", "peft-bf16"]) {
        const viaWorker = await loaders.load(name, join(TESTDATA, name), targets, 8);
        const direct = await loadAdapterDir(name, join(TESTDATA, name), targets, 8);
        expect(viaWorker.digest).toEqual(direct.digest);
        expect([...viaWorker.factors.keys()]).toEqual([...direct.factors.keys()]);
        for (const [k, f] of direct.factors) {
          expect(Array.from(viaWorker.factors.get(k)!.aT)).toEqual(Array.from(f.aT));
          expect(Array.from(viaWorker.factors.get(k)!.bT)).toEqual(Array.from(f.bT));
        }
      }
      expect(loaders.workerLoads).toBe(3);
      const dir = await mkdtemp(join(tmpdir(), "loaders-"));
      await writeFile(
        join(dir, "adapter_config.json"),
        JSON.stringify({ r: 4, lora_alpha: 8, target_modules: ["q_proj"], use_dora: true }),
      );
      await writeFile(join(dir, "adapter_model.safetensors"), "x");
      const bad = loaders.load("bad", dir, targets, 8);
      await expect(bad).rejects.toBeInstanceOf(AdapterError);
      await expect(bad).rejects.toThrow(/DoRA/);
      await rm(dir, { recursive: true, force: true });
      expect(logs).toEqual([]);
    } finally {
      await loaders.close();
    }
  });

  it("a worker that dies mid-load hands its loads to the main thread and says so once", async () => {
    const logs: string[] = [];
    const loaders = new AdapterLoaders(1, (l) => logs.push(l));
    const pending = loaders.load("peft-f32", join(TESTDATA, "peft-f32"), targets, 8);
    await (loaders as unknown as { workers: Worker[] }).workers[0]!.terminate();
    const adapter = await pending;
    expect(adapter.factors.size).toBe(6);
    expect(loaders.threads).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/main thread from now on/);
    const again = await loaders.load("peft-f16", join(TESTDATA, "peft-f16"), targets, 8);
    expect(again.factors.size).toBe(8); // k, o, gate, up × 2 layers
    await loaders.close();
  });
});
