/**
 * LoraEngineService: a factory run installed as a network index directory (`installLoraIndex`: run +
 * base model under its commitment) is checked file by file when the worker loads it; answers from the
 * worker equal the factory's attributor run in this thread on the run folder itself; withheld credit;
 * a directory with one tampered file (checkpoint, base config, training record) is refused with a
 * message naming the file, and the service keeps answering.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { afterAll, beforeAll } from "vitest";
import { loadBase } from "../../factory/base.ts";
import { documentsOf, TEXTS } from "../../factory/fixtures.test-util.ts";
import { indexRun, type OpenedRun, openRun, runAttributor } from "../../factory/run.ts";
import { trainAdapter } from "../../factory/train.ts";
import { loadTextCodec } from "../../operator/operator.ts";
import { writeTinyLlama } from "../../operator/testModel.ts";
import { installLoraIndex } from "./load.ts";
import { LoraEngineService } from "./service.ts";

const dir = mkdtempSync(join(tmpdir(), "poa-lora-service-"));
const modelDir = join(dir, "model");
const runDir = join(dir, "run");
let run: OpenedRun;
let installed: { readonly dir: string; readonly commitment: `0x${string}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await writeTinyLlama(modelDir);
  const codec = await loadTextCodec(modelDir);
  trainAdapter({
    base: loadBase(modelDir),
    baseName: "model",
    encode: (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids,
    documents: documentsOf(TEXTS),
    source: null,
    hyper: {
      rank: 4,
      alpha: 8,
      targets: ["q_proj", "v_proj"],
      epochs: 2,
      lr: 0.02,
      seed: 3,
      batch: 2,
      seqLen: 24,
      checkpoints: 2,
    },
    out: runDir,
  });
  run = await openRun(runDir, modelDir);
  indexRun(run, { dims: 16, seed: 7 });
  installed = await installLoraIndex(join(dir, "data"), runDir, modelDir);
}, 120_000);

const requests = [
  { modelId: 3n, input: "Four score and", output: " seven years ago our fathers" },
  { modelId: 3n, input: "We hold these", output: " truths to be self-evident" },
  { modelId: 3n, input: "", output: "Ask not what your country can do" },
];

/** A copy of the installed directory with `file` changed by `edit`. */
const tampered = (name: string, file: string, edit: (bytes: Buffer) => Buffer) => {
  const copy = join(dir, name);
  cpSync(installed.dir, copy, { recursive: true });
  writeFileSync(join(copy, file), edit(readFileSync(join(copy, file))));
  return copy;
};

layer(LoraEngineService.layer, { timeout: 120_000 })("LoraEngineService", (it) => {
  it.effect("answers on the worker equal the factory attributor run in this thread on the run folder", () =>
    Effect.gen(function* () {
      const service = yield* LoraEngineService;
      const status = yield* service.open(installed.dir);
      const reference = runAttributor(run);
      expect(status.commitment).toBe(reference.commitment);
      expect(status.commitment).toBe(installed.commitment);
      expect(status.contributionIds).toEqual([1n, 2n, 3n, 4n]);
      for (const method of ["datainf", "tracin"] as const) {
        const actual = yield* Effect.forEach(
          requests,
          (r) => service.attribute(installed.dir, r, { method, maxEntries: 3 }),
          { concurrency: "unbounded" },
        );
        for (const [i, r] of requests.entries()) {
          const expected = yield* Effect.promise(() =>
            reference.score(run.encode(r.input), run.encode(r.output), method, 3),
          );
          expect(actual[i]!.entries).toEqual(expected.entries);
          expect(actual[i]!.entries.length).toBeGreaterThan(0);
          expect(actual[i]!.evidence.indexCommitment).toBe(installed.commitment);
        }
      }
    }),
  );

  it.effect("withholds credit from excluded contributions", () =>
    Effect.gen(function* () {
      const service = yield* LoraEngineService;
      const r = requests[0]!;
      const all = yield* service.attribute(installed.dir, r, { method: "datainf", maxEntries: 4 });
      const first = all.entries[0]!.contributionId;
      const without = yield* service.attribute(installed.dir, r, { method: "datainf", maxEntries: 4 }, [first]);
      expect(without.entries.map((e) => e.contributionId)).not.toContain(first);
      // the others keep their order (their scores are unchanged; DataInf's ranking does not renormalise)
      expect(without.entries.map((e) => e.contributionId)).toEqual(
        all.entries.map((e) => e.contributionId).filter((id) => id !== first),
      );
    }),
  );

  it.effect("a tampered file is refused with a message naming it; the service keeps answering", () =>
    Effect.gen(function* () {
      const service = yield* LoraEngineService;
      const flip = (b: Buffer) => {
        const c = Buffer.from(b);
        c[c.length - 3] = c[c.length - 3]! ^ 1;
        return c;
      };
      const cases: ReadonlyArray<[string, string, RegExp]> = [
        ["bad-ck", "ck-1.safetensors", /ck-1\.safetensors does not match its hash in training\.json/],
        ["bad-config", "config.json", /config\.json is not the base model file training\.json names/],
        [
          "bad-record",
          "training.json",
          /index\.bin was built for training record 0x[0-9a-f]{64}, training\.json hashes to/,
        ],
      ];
      for (const [name, file, message] of cases) {
        const copy = tampered(name, file, file.endsWith(".json") ? (b) => Buffer.from(`${b.toString()} `) : flip);
        const failed = yield* Effect.flip(service.open(copy));
        expect(failed.message).toMatch(message);
        expect((failed.cause as { _tag: string })._tag).toBe("LoraIndexError");
        const also = yield* Effect.flip(service.attribute(copy, requests[0]!));
        expect(also.message).toMatch(message);
      }
      const ok = yield* service.attribute(installed.dir, requests[1]!);
      expect(ok.entries.reduce((s, e) => s + e.weight, 0)).toBe(1_000_000);
    }),
  );
});
