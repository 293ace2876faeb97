import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { bytesToHex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { WEIGHT_SCALE } from "../engine.ts";
import { type IndexedModel, saveIndex, saveTrained } from "./bundle.ts";
import {
  attributeWith,
  checkAttribution,
  DEFAULT_ENGINE_OPTIONS,
  entriesFor,
  loadGradientEngine,
  makeAttributor,
  makeGradientEngine,
  resolveRequest,
} from "./engine.ts";
import { queries, smallModel } from "./fixtures.test-util.ts";
import { integerScores, METHODS, type Method, topScores } from "./score.ts";

let one: IndexedModel;
let two: IndexedModel;
beforeAll(async () => {
  one = await smallModel("softmax", 1);
  two = await smallModel("softmax", 2);
});

const attributeAll = async (model: IndexedModel, threads: number, kernel: "ort" | "js", method: Method) => {
  const attributor = await makeAttributor(model, { threads, kernel });
  const engine = makeGradientEngine(attributor, { method, maxEntries: 8, threads, kernel });
  const results = [];
  for (const q of queries()) {
    results.push(
      await Effect.runPromise(engine.attribute({ modelId: 1n, input: q.text, output: q.label === 1 ? "spam" : "ham" })),
    );
  }
  await attributor.release();
  return results;
};

describe("gradient engine", () => {
  it("weights are positive integers summing to WEIGHT_SCALE, sorted by contribution id", async () => {
    for (const method of METHODS) {
      for (const r of await attributeAll(one, 1, "ort", method)) {
        expect(r.entries.length).toBeGreaterThan(0);
        expect(r.entries.length).toBeLessThanOrEqual(8);
        expect(r.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
        expect(r.entries.every((e) => Number.isInteger(e.weight) && e.weight > 0)).toBe(true);
        const ids = r.entries.map((e) => e.contributionId);
        expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
        expect(new Set(r.evidence.top.map((t) => t.contributionId))).toEqual(new Set(ids));
      }
    }
  });

  it("training, indexing and attribution with 1 or 2 ONNX Runtime threads give identical commitments and weights", async () => {
    expect(two.commitment).toBe(one.commitment);
    for (const method of METHODS) {
      const a = await attributeAll(one, 1, "ort", method);
      const b = await attributeAll(two, 2, "ort", method);
      const c = await attributeAll(one, 1, "js", method);
      expect(b.map((r) => r.entries)).toEqual(a.map((r) => r.entries));
      expect(c.map((r) => r.entries)).toEqual(a.map((r) => r.entries));
      expect(b.map((r) => r.evidence)).toEqual(a.map((r) => r.evidence));
    }
  });

  it("the fused query (issue 19) gives the same entries and evidence as the three passes, with and without exclusions", async () => {
    // the reference is the engine's former path: every row's integer score (score → integerScores),
    // excluded contributions set to 0, then topScores over all rows. Also on an index whose contribution ids
    // repeat (excludedRows' fallback scan; ties between rows of one id).
    const repeated = { ...one, index: { ...one.index, ids: one.index.ids.map((_, row) => 1000n + BigInt(row % 7)) } };
    const requests = [
      ...queries().map((q) => ({ modelId: 1n, input: q.text, output: q.label === 1 ? "spam" : "ham" })),
      { modelId: 1n, output: "Click here to claim your FREE prize money now" },
      { modelId: 1n, input: "are we still meeting for lunch tomorrow", output: "spam" },
    ];
    let compared = 0;
    const runs = [
      ["ort", one],
      ["js", one],
      ["ort", repeated],
    ] as const;
    for (const [kernel, model] of runs) {
      const ids = model.index.ids;
      const attributor = await makeAttributor(model, { threads: 1, kernel });
      for (const method of METHODS) {
        for (const [r, request] of requests.entries()) {
          const asked = resolveRequest(model.index.header.classes, request);
          if ("problem" in asked) throw new Error(asked.problem);
          const resolved = await attributor.score(asked.text, asked.label, method);
          const unexcluded = topScores(ids, resolved.scores, 8);
          const everyOther = [...ids].filter((_, row) => (row + r) % 2 === 0);
          const exclusions: bigint[][] = [
            [],
            unexcluded.slice(0, 1).map((t) => t.contributionId),
            unexcluded
              .slice(0, 3)
              .map((t) => t.contributionId)
              .concat([999_999n]),
            everyOther,
            [...ids],
          ];
          for (const exclude of exclusions) {
            for (const maxEntries of [1, 3, 8]) {
              const left = new Set(exclude);
              const scores = integerScores(method, resolved.raw).map((s, row) => (left.has(ids[row]!) ? 0 : s));
              const top = topScores(ids, scores, maxEntries);
              const got = await attributeWith(attributor, request, { method, maxEntries }, exclude);
              expect(got).toEqual({
                entries: entriesFor(top, maxEntries),
                evidence: {
                  method,
                  indexCommitment: model.commitment,
                  label: model.index.header.classes[resolved.label],
                  embedding: {
                    vector: bytesToHex(new Uint8Array(resolved.embedding.vector.buffer)),
                    exponents: [...resolved.embedding.exponents],
                  },
                  top,
                },
              });
              if (exclude.length === 0 && "entries" in got) {
                expect(await checkAttribution(attributor, request, got, maxEntries)).toEqual({ ok: true });
              }
              compared++;
            }
          }
        }
      }
      await attributor.release();
    }
    expect(compared).toBe(runs.length * METHODS.length * requests.length * 5 * 3);
  });

  it("a free-text output is attributed under the model's own predicted label", async () => {
    const attributor = await makeAttributor(one);
    const engine = makeGradientEngine(attributor, { method: "tracin", maxEntries: 4, threads: 1, kernel: "ort" });
    const r = await Effect.runPromise(
      engine.attribute({ modelId: 1n, output: "Click here to claim your FREE prize money now" }),
    );
    expect(["spam", "ham"]).toContain(r.evidence.label);
    expect(r.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
    await attributor.release();
  });

  it("fails with an EngineError for a model it does not serve", async () => {
    const attributor = await makeAttributor(one);
    const engine = makeGradientEngine(attributor, {
      method: "tracin",
      maxEntries: 4,
      threads: 1,
      kernel: "ort",
      modelId: 7n,
    });
    const exit = await Effect.runPromiseExit(engine.attribute({ modelId: 8n, output: "spam", input: "x" }));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("model 8 is not served by this engine");
    await attributor.release();
  });

  it("refuses an empty text and a one-word output that is not a class, with a clear error; serves the next request", async () => {
    const attributor = await makeAttributor(one);
    const engine = makeGradientEngine(attributor, { ...DEFAULT_ENGINE_OPTIONS, maxEntries: 4 });
    const message = async (request: { modelId: bigint; input?: string; output: string }) => {
      const exit = await Effect.runPromiseExit(engine.attribute(request));
      expect(Exit.isFailure(exit)).toBe(true);
      return JSON.stringify(exit);
    };
    for (const input of ["", "   ", "!!! ... ?", "a 1 b"]) {
      expect(await message({ modelId: 1n, input, output: "spam" })).toContain("empty (no words)");
    }
    expect(await message({ modelId: 1n, output: "spam" })).toContain("empty (no words)");
    for (const output of ["spma", "Hamm", "", "  "]) {
      expect(await message({ modelId: 1n, input: "win money now", output })).toContain(
        "is not a class of this model (ham, spam)",
      );
    }
    // class names are case-insensitive; a several-word output is a free-text answer
    for (const output of ["SPAM", " ham ", "you won a prize"]) {
      const r = await Effect.runPromise(engine.attribute({ modelId: 1n, input: "win money now", output }));
      expect(r.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
    }
    await attributor.release();
  });

  it("refuses an index built for other checkpoints", async () => {
    await expect(
      makeAttributor({ ...one, checkpoints: two.checkpoints.map((c) => c.map((x) => x + 1)) }),
    ).rejects.toThrow(/different checkpoints/);
  });
});

describe("loadGradientEngine", () => {
  it("serves a saved model directory in a scope and fails with an EngineError for a missing one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "poa-gradient-"));
    saveTrained(dir, one);
    saveIndex(dir, one.index);
    const q = queries()[0]!;
    const viaDir = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const engine = yield* loadGradientEngine(dir);
          return yield* engine.attribute({ modelId: 1n, input: q.text, output: q.label === 1 ? "spam" : "ham" });
        }),
      ),
    );
    const [direct] = await attributeAll(one, 1, "ort", DEFAULT_ENGINE_OPTIONS.method);
    expect(viaDir.entries).toEqual(direct!.entries);
    const exit = await Effect.runPromiseExit(Effect.scoped(loadGradientEngine(join(dir, "missing"))));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("cannot load gradient model");
  });
});

describe("checkAttribution (the challenger's check, near-tie tolerance)", () => {
  it("accepts an honest claim of every method and rejects a moved weight or an empty request", async () => {
    const attributor = await makeAttributor(one);
    const q = queries()[2]!;
    const request = { modelId: 1n, input: q.text, output: q.label === 1 ? "spam" : "ham" };
    for (const method of METHODS) {
      const engine = makeGradientEngine(attributor, { ...DEFAULT_ENGINE_OPTIONS, method, maxEntries: 8 });
      const honest = await Effect.runPromise(engine.attribute(request));
      expect(honest.evidence.method).toBe(method);
      expect(await checkAttribution(attributor, request, honest, 8)).toEqual({ ok: true });
      if (honest.entries.length >= 2) {
        const [a, b, ...rest] = honest.entries;
        const shifted = {
          ...honest,
          entries: [{ ...a!, weight: a!.weight + 1 }, { ...b!, weight: b!.weight - 1 }, ...rest],
        };
        expect(await checkAttribution(attributor, request, shifted, 8)).toMatchObject({ ok: false, reason: "weights" });
      }
      expect(await checkAttribution(attributor, { ...request, input: " " }, honest, 8)).toMatchObject({
        ok: false,
        reason: "request",
      });
    }
    await attributor.release();
  });

  it("accepts honest claims, including one from an embedding a quantum away; rejects tampering", async () => {
    const attributor = await makeAttributor(one);
    const engine = makeGradientEngine(attributor, { method: "tracin", maxEntries: 8, threads: 1, kernel: "ort" });
    const q = queries()[1]!;
    const request = { modelId: 1n, input: q.text, output: q.label === 1 ? "spam" : "ham" };
    const honest = await Effect.runPromise(engine.attribute(request));
    expect(await checkAttribution(attributor, request, honest, 8)).toEqual({ ok: true });

    // another honest node whose float gradient rounded one coordinate differently
    const own = await attributor.score(q.text, q.label, "tracin");
    const nudged = Int8Array.from(own.embedding.vector);
    const k = nudged.findIndex((v) => v !== 0 && Math.abs(v) < 127);
    nudged[k] = nudged[k]! + 1;
    const nudgedEmbedding = { vector: nudged, exponents: own.embedding.exponents };
    const { scores } = await attributor.scoreEmbedding(nudgedEmbedding, "tracin");
    const top = topScores(one.index.ids, scores, 8);
    const nearTie = {
      entries: entriesFor(top, 8),
      evidence: {
        ...honest.evidence,
        embedding: { ...honest.evidence.embedding, vector: bytesToHex(new Uint8Array(nudged.buffer)) },
        top,
      },
    };
    expect(await checkAttribution(attributor, request, nearTie, 8)).toEqual({ ok: true });

    // beyond the tolerance
    const far = Int8Array.from(own.embedding.vector);
    far[k] = far[k]! > 0 ? far[k]! - 3 : far[k]! + 3;
    const farClaim = {
      ...honest,
      evidence: {
        ...honest.evidence,
        embedding: { ...honest.evidence.embedding, vector: bytesToHex(new Uint8Array(far.buffer)) },
      },
    };
    expect(await checkAttribution(attributor, request, farClaim, 8)).toMatchObject({
      ok: false,
      reason: "embedding-tolerance",
    });

    // a weight moved from one entry to another
    const [a, b, ...rest] = honest.entries;
    const shifted = {
      ...honest,
      entries: [{ ...a!, weight: a!.weight + 1 }, { ...b!, weight: b!.weight - 1 }, ...rest],
    };
    expect(await checkAttribution(attributor, request, shifted, 8)).toMatchObject({ ok: false, reason: "weights" });

    // the other label
    const relabelled = {
      ...honest,
      evidence: { ...honest.evidence, label: honest.evidence.label === "spam" ? "ham" : "spam" },
    };
    expect(await checkAttribution(attributor, request, relabelled, 8)).toMatchObject({ ok: false, reason: "label" });
    await attributor.release();
  });
});
