import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { onnx as OnnxNamespace } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeModel } from "../onnx/graph.ts";
import { loadAdapterDir } from "./adapter.ts";
import { testAdapterId, writeTestSetup } from "./fixtures.ts";
import { mergeAdapter } from "./lora.ts";
import { LoraOperator } from "./operator.ts";
import { type GenerationRequest, generate } from "./scheduler.ts";
import { buildTinyLlama, EOS_ID, prng, withExternalData } from "./testModel.ts";

const base = buildTinyLlama();
let dir: string;
let setup: Awaited<ReturnType<typeof writeTestSetup>>;

/** Greedy decoding by full recompute (no KV cache) on a plain or merged model: the reference. */
const referenceGreedy = async (m: OnnxNamespace.IModelProto, prompt: number[], steps: number) => {
  const session = await ort.InferenceSession.create(encodeModel(m));
  const tokens = [...prompt];
  const out: number[] = [];
  const empty = new ort.Tensor("float32", new Float32Array(0), [1, 4, 0, 8]);
  for (let s = 0; s < steps; s++) {
    const n = tokens.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, n]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
      position_ids: new ort.Tensor(
        "int64",
        BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
        [1, n],
      ),
    };
    for (let l = 0; l < 2; l++) {
      feeds[`past_key_values.${l}.key`] = empty;
      feeds[`past_key_values.${l}.value`] = empty;
    }
    const logits = (await session.run(feeds)).logits!.data as Float32Array;
    const last = logits.subarray(logits.length - 258); // every position's logits, or only the last one's
    let best = 0;
    for (let i = 1; i < 258; i++) if (last[i]! > last[best]!) best = i;
    if (best === 257) break;
    out.push(best);
    tokens.push(best);
  }
  await session.release();
  return out;
};

const mergedFor = async (id: string | null) =>
  id === null
    ? base
    : mergeAdapter(
        base,
        await loadAdapterDir(id, join(setup.adaptersDir, id), (await import("./lora.ts")).listTargets(base), 8),
      );

const open = (maxLoras: number, maxCpuLoras: number, maxBatch: number, mergedAdapters: string[] = []) =>
  LoraOperator.open({
    mergedAdapters,
    modelDir: setup.modelDir,
    adaptersDir: setup.adaptersDir,
    maxLoras,
    maxCpuLoras,
    slotRank: 8,
    maxBatch,
    providers: ["cpu"],
    targetModules: null,
    threads: 1,
    log: () => {},
  });

const greedy = (adapter: string | null, promptIds: number[], maxTokens: number): GenerationRequest => ({
  adapter,
  promptIds,
  maxTokens,
  temperature: 0,
  topP: 1,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "operator-sched-"));
  setup = await writeTestSetup(dir, { adapters: 1000 });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("scheduler: continuous batching with per-sequence KV caches", () => {
  it("generates, for a mixed batch of adapters, exactly what each merged model generates by full recompute", async () => {
    const op = await open(4, 16, 8);
    const reqs = [
      greedy(testAdapterId(0), [72, 105], 10),
      greedy(testAdapterId(1), [1, 2, 3, 4, 5, 6, 7], 6),
      greedy(null, [100, 101, 102], 9),
      greedy(testAdapterId(2), [42], 12),
      greedy(testAdapterId(0), [33, 34, 35, 36], 7),
    ];
    // staggered arrivals: later requests join a batch that is already decoding
    const pending = reqs.map(
      (r, i) =>
        new Promise<Awaited<ReturnType<typeof generate>>>((res) =>
          setTimeout(() => res(generate(op.scheduler, r)), i * 3),
        ),
    );
    const results = await Promise.all(pending);
    for (const [i, r] of reqs.entries()) {
      const ref = await referenceGreedy(await mergedFor(r.adapter), [...r.promptIds], r.maxTokens);
      expect(results[i]!.tokens).toEqual(ref);
      expect(results[i]!.finish).toBe(ref.length < r.maxTokens ? "stop" : "length");
    }
    expect(op.scheduler.passes.maxDecodeBatch).toBeGreaterThan(1);
    await op.close();
  });

  it("serves a merged adapter from its own session with the same tokens as the slot banks", async () => {
    const op = await open(2, 4, 8, [testAdapterId(1)]);
    const merged = op.route(testAdapterId(1));
    expect(merged.scheduler).not.toBe(op.scheduler);
    expect(merged.adapter).toBeNull();
    const file = await readFile(join(setup.adaptersDir, testAdapterId(1), "adapter_model.safetensors"));
    expect(merged.digest?.weightsSha256).toBe(createHash("sha256").update(file).digest("hex"));
    expect(op.route(testAdapterId(2)).scheduler).toBe(op.scheduler);
    const prompt = [9, 8, 7, 6];
    const viaMerged = await generate(merged.scheduler, greedy(merged.adapter, prompt, 8));
    const viaSlots = await generate(op.scheduler, greedy(testAdapterId(1), prompt, 8));
    expect(viaMerged.tokens).toEqual(viaSlots.tokens);
    expect(viaMerged.tokens).toEqual(await referenceGreedy(await mergedFor(testAdapterId(1)), prompt, 8));
    await op.close();
  });

  it("device-mode slot banks (uploaded once, patched per slot by ScatterND) serve what host banks serve, through evictions", async () => {
    const host = await open(2, 4, 8);
    const device = await LoraOperator.open({
      modelDir: setup.modelDir,
      adaptersDir: setup.adaptersDir,
      maxLoras: 2,
      maxCpuLoras: 4,
      slotRank: 8,
      maxBatch: 8,
      providers: ["cpu"],
      targetModules: null,
      threads: 1,
      deviceBanks: true,
      log: () => {},
    });
    const reqs = [0, 1, 2, 3, 1, 4].map((i) => greedy(testAdapterId(i), [7, 8, 9, i], 5));
    for (const batch of [reqs.slice(0, 2), reqs.slice(2, 4), reqs.slice(4)]) {
      const [a, b] = await Promise.all([
        Promise.all(batch.map((r) => generate(host.scheduler, r))),
        Promise.all(batch.map((r) => generate(device.scheduler, r))),
      ]);
      expect(b.map((x) => x.tokens)).toEqual(a.map((x) => x.tokens));
    }
    expect(device.bankFeeds.patches).toBeGreaterThanOrEqual(4); // every slot install after the upload
    expect(host.bankFeeds.patches).toBe(0);
    await host.close();
    await device.close();
  });

  it("stops at end-of-sequence unless ignoreEos asks for exactly max_tokens", async () => {
    const op = await open(2, 4, 64);
    const rand = prng(99);
    const prompts = Array.from({ length: 64 }, () => Array.from({ length: 16 }, () => Math.floor(rand() * 256)));
    const normal = await Promise.all(prompts.map((p) => generate(op.scheduler, greedy(null, p, 32))));
    const stopped = normal.findIndex((r) => r.finish === "stop");
    expect(stopped).toBeGreaterThanOrEqual(0); // the seeded stream does hit </s>
    const forced = await generate(op.scheduler, { ...greedy(null, prompts[stopped]!, 32), ignoreEos: true });
    expect(forced.tokens).toHaveLength(32);
    expect(forced.finish).toBe("length");
    expect(forced.tokens.slice(0, normal[stopped]!.tokens.length)).toEqual(normal[stopped]!.tokens);
    expect(forced.tokens[normal[stopped]!.tokens.length]).toBe(EOS_ID);
    await op.close();
  });

  it("refuses a prompt that does not fit the context or the vocabulary without touching other requests", async () => {
    const op = await open(2, 4, 8);
    const results = await Promise.allSettled([
      generate(
        op.scheduler,
        greedy(
          testAdapterId(0),
          Array.from({ length: 300 }, () => 65),
          4,
        ),
      ),
      generate(op.scheduler, greedy(testAdapterId(0), [1, 999], 4)),
      generate(op.scheduler, greedy(testAdapterId(0), [1, 2, 3], 4)),
    ]);
    expect(results[0]).toMatchObject({
      status: "rejected",
      reason: { message: expect.stringMatching(/256-token context/) },
    });
    expect(results[1]).toMatchObject({ status: "rejected", reason: { message: expect.stringMatching(/\[0, 258\)/) } });
    expect(results[2]!.status).toBe("fulfilled");
    await op.close();
  });

  it("streams 1,000 adapters through 8 slots: correct tokens, each adapter loaded once per eviction, no deadlock, corrupt adapters fail alone", async () => {
    const corrupt = new Set([testAdapterId(13), testAdapterId(500), testAdapterId(999)]);
    await writeFile(join(setup.adaptersDir, testAdapterId(13), "adapter_model.safetensors"), new Uint8Array([1, 2, 3]));
    await writeFile(
      join(setup.adaptersDir, testAdapterId(500), "adapter_model.safetensors"),
      "{not safetensors at all}",
    );
    await writeFile(join(setup.adaptersDir, testAdapterId(999), "adapter_config.json"), '{"r": "eight"}');
    const op = await open(8, 64, 16);
    // a fixed-seed random stream: mostly cold adapters, some hot ones, a few corrupt, a few base requests
    const stream = fc.sample(
      fc.record({
        pick: fc.oneof(
          fc.integer({ min: 0, max: 999 }),
          fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
          fc.constantFrom(13, 500, 999),
          fc.constant(-1),
        ),
        prompt: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }),
        maxTokens: fc.integer({ min: 1, max: 3 }),
      }),
      { seed: 42, numRuns: 240 },
    );
    const outcomes = await Promise.all(
      stream.map(async (s, i) => {
        await new Promise((r) => setTimeout(r, i % 40)); // arrivals spread over time
        const adapter = s.pick < 0 ? null : testAdapterId(s.pick);
        return generate(op.scheduler, greedy(adapter, s.prompt, s.maxTokens)).then(
          (ok) => ({ adapter, ok: ok.tokens }),
          (err: { _tag?: string; adapter?: string }) => ({ adapter, err }),
        );
      }),
    );
    let checked = 0;
    const refCache = new Map<string, OnnxNamespace.IModelProto>();
    for (const [i, o] of outcomes.entries()) {
      if (o.adapter !== null && corrupt.has(o.adapter)) {
        expect("err" in o && o.err._tag).toBe("AdapterError");
        continue;
      }
      expect("ok" in o).toBe(true);
      if (i % 4 !== 0) continue; // a quarter of the stream against the merged reference keeps this fast
      const key = o.adapter ?? "";
      const merged = refCache.get(key) ?? (await mergedFor(o.adapter));
      refCache.set(key, merged);
      const s = stream[i]!;
      expect("ok" in o && o.ok).toEqual(await referenceGreedy(merged, s.prompt, s.maxTokens));
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    const { diskLoads, hostEvictions, slotLoads, slotEvictions } = op.cache.stats;
    for (const [id, n] of diskLoads) {
      if (corrupt.has(id)) continue;
      expect(n).toBeLessThanOrEqual((hostEvictions.get(id) ?? 0) + 1);
    }
    for (const [id, n] of slotLoads) expect(n).toBeLessThanOrEqual((slotEvictions.get(id) ?? 0) + 1);
    // every distinct adapter served needed a slot, and only 8 can still hold one: eviction really happened
    const served = new Set(outcomes.flatMap((o) => (o.adapter !== null && "ok" in o ? [o.adapter] : [])));
    expect(served.size).toBeGreaterThan(20);
    expect([...slotEvictions.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(served.size - 8);
    expect(op.cache.residentIds().length).toBeLessThanOrEqual(8);
    expect(op.cache.hostIds().length).toBeLessThanOrEqual(64);
    expect(op.scheduler.activeCount).toBe(0);
    await op.close();
  }, 60_000);
});

describe("a model exported with external weights (model.onnx + model.onnx_data)", () => {
  it("is rewritten beside its weight file and generates what the in-memory model generates", async () => {
    const extDir = await mkdtemp(join(tmpdir(), "operator-ext-"));
    try {
      const { model: small, data } = withExternalData(base, "model.onnx_data");
      expect(small.graph!.initializer!.some((t) => t.dataLocation === 1)).toBe(true);
      await cp(setup.modelDir, extDir, { recursive: true });
      await writeFile(join(extDir, "model.onnx"), encodeModel(small));
      await writeFile(join(extDir, "model.onnx_data"), data);
      const ext = await LoraOperator.open({
        modelDir: extDir,
        adaptersDir: setup.adaptersDir,
        maxLoras: 2,
        maxCpuLoras: 4,
        slotRank: 8,
        maxBatch: 4,
        providers: ["cpu"],
        targetModules: null,
        threads: 1,
        log: () => {},
      });
      const inMemory = await open(2, 4, 4);
      for (const adapter of [null, testAdapterId(5)]) {
        const a = await generate(ext.scheduler, greedy(adapter, [3, 1, 4, 1, 5], 8));
        const b = await generate(inMemory.scheduler, greedy(adapter, [3, 1, 4, 1, 5], 8));
        expect(a.tokens).toEqual(b.tokens);
      }
      expect((await readdir(extDir)).sort()).toContain("model.lora.onnx");
      await ext.close();
      await inMemory.close();
    } finally {
      await rm(extDir, { recursive: true, force: true });
    }
  });
});
