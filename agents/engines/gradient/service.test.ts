/**
 * GradientEngineService: queries run on its worker thread against a model directory loaded once,
 * and equal the engine run in this thread on the same files (the reference); withheld credit for
 * excluded contributions; a corrupt directory fails with a clear error and the service keeps
 * answering.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { afterAll, beforeAll } from "vitest";
import { scoresToWeights } from "../engine.ts";
import { loadIndexed, saveIndex, saveTrained } from "./bundle.ts";
import { makeAttributor, makeGradientEngine } from "./engine.ts";
import { queries, smallModel } from "./fixtures.test-util.ts";
import { GradientEngineService } from "./service.ts";

const dir = mkdtempSync(join(tmpdir(), "poa-gradient-service-"));
const model = join(dir, "model");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  const indexed = await smallModel("softmax", 1);
  saveTrained(model, indexed);
  saveIndex(model, indexed.index);
}, 120_000);

const requests = () =>
  queries().map((q, i) => ({
    modelId: 5n,
    input: q.text,
    output: i % 3 === 2 ? `${q.text} reply` : q.label === 1 ? "spam" : "ham",
  }));

layer(GradientEngineService.layer, { timeout: 120_000 })("GradientEngineService", (it) => {
  it.effect("concurrent queries on the worker equal the engine run in this thread on the same files", () =>
    Effect.gen(function* () {
      const service = yield* GradientEngineService;
      const status = yield* service.open(model);
      const attributor = yield* Effect.promise(() => makeAttributor(loadIndexed(model), { threads: 1, kernel: "ort" }));
      expect(status.commitment).toBe(attributor.model.commitment);
      for (const method of ["influence", "tracin", "datainf"] as const) {
        const engine = makeGradientEngine(attributor, { method, maxEntries: 8, threads: 1, kernel: "ort" });
        const expected = yield* Effect.forEach(requests(), (r) => engine.attribute(r));
        const actual = yield* Effect.forEach(
          requests(),
          (r) => service.attribute(model, r, { method, maxEntries: 8 }),
          {
            concurrency: "unbounded",
          },
        );
        expect(actual).toEqual(expected);
      }
      yield* Effect.promise(() => attributor.release());
    }),
  );

  it.effect("withholds credit from excluded contributions: the next-best rows take their place", () =>
    Effect.gen(function* () {
      const service = yield* GradientEngineService;
      for (const request of requests().slice(0, 3)) {
        const wide = yield* service.attribute(model, request, { method: "tracin", maxEntries: 12 });
        const excluded = wide.evidence.top.slice(0, 2).map((row) => row.contributionId);
        const narrowed = yield* service.attribute(model, request, { method: "tracin", maxEntries: 8 }, excluded);
        // reference: the wide ranking without the excluded rows, cut to 8, through the weight rule
        const kept = wide.evidence.top.filter((row) => !excluded.includes(row.contributionId)).slice(0, 8);
        expect(narrowed.evidence.top).toEqual(kept);
        expect(narrowed.entries).toEqual(scoresToWeights(new Map(kept.map((r) => [r.contributionId, r.score])), 8));
        for (const id of excluded) expect(narrowed.entries.some((e) => e.contributionId === id)).toBe(false);
      }
    }),
  );

  it.effect("a corrupt index or a bad request is a clear error, and the service keeps answering", () =>
    Effect.gen(function* () {
      const service = yield* GradientEngineService;
      const broken = join(dir, "broken");
      mkdirSync(broken, { recursive: true });
      for (const name of ["model.json", "gradient.onnx", "checkpoints.bin"])
        copyFileSync(join(model, name), join(broken, name));
      const bytes = readFileSync(join(model, "index.bin"));
      bytes[bytes.length - 100]! ^= 0xff;
      writeFileSync(join(broken, "index.bin"), bytes);
      const corrupt = yield* Effect.flip(service.open(broken));
      expect(corrupt._tag).toBe("EngineError");
      expect(corrupt.message).toMatch(/index\.bin/);
      const refused = yield* Effect.flip(
        service.attribute(model, { modelId: 5n, input: "hello there", output: "spma" }),
      );
      expect(refused.message).toMatch(/not a class/);
      const ok = yield* service.attribute(model, requests()[0]!);
      expect(ok.entries.length).toBeGreaterThan(0);
    }),
  );
});
