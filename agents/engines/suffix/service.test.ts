import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { attributeBytes } from "./engine.ts";
import { saveIndex } from "./format.ts";
import { buildIndex, type ContributionInput } from "./index.ts";
import { makeServiceEngine, SuffixEngineService } from "./service.ts";

const dir = fs.mkdtempSync(join(tmpdir(), "suffix-service-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const encoder = new TextEncoder();
const texts = [
  "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.",
  "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.",
  "In a hole in the ground there lived a hobbit. Not a nasty, dirty, wet hole, filled with the ends of worms.",
];
const corpus: ContributionInput[] = texts.map((t, i) => ({ id: BigInt(100 + i), content: encoder.encode(t) }));
const outputs = [
  "He said: it was the best of times, it was the worst of times! Then: never mind how long precisely, having little.",
  "Nothing here is quoted from anything at all, not one long stretch of it, so nobody gets credit for this answer.",
  "In a hole in the ground there lived a hobbit. It was the age of wisdom, it was the age of foolishness.",
];
const options = { minMatch: 16, maxOccurrences: 8, maxEntries: 8 };
const run = <A, E>(effect: Effect.Effect<A, E, SuffixEngineService>) =>
  Effect.runPromiseExit(effect.pipe(Effect.provide(SuffixEngineService.layer)));

describe("suffix engine service", () => {
  const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes: 230 }));
  const path = join(dir, "service.idx");
  Effect.runSync(saveIndex(index, path, { blockBytes: 64 }));

  it("answers concurrent queries from one shared copy exactly like the in-memory index", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const service = yield* SuffixEngineService;
        const opened = yield* service.open(path);
        const answers = yield* Effect.forEach(
          [...outputs, ...outputs, ...outputs],
          (o) => service.attribute(path, encoder.encode(o), options),
          { concurrency: "unbounded" },
        );
        const verified = yield* service.awaitVerified(path);
        const engine = makeServiceEngine(service, () => Effect.succeed(path), options);
        const viaEngine = yield* engine.attribute({ modelId: 1n, output: outputs[0]! });
        return { opened, answers, verified, viaEngine };
      }),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit));
    const { opened, answers, verified, viaEngine } = exit.value;
    expect(opened.contributions).toBe(3);
    expect(opened.commitment).toMatch(/^0x[0-9a-f]{64}$/);
    answers.forEach((answer, i) => {
      expect(answer).toEqual(attributeBytes(index, encoder.encode(outputs[i % outputs.length]!), options));
    });
    expect(answers[0]!.entries.map((e) => e.contributionId)).toEqual([100n, 101n]);
    expect(verified).toMatchObject({ verified: true, verifiedBlocks: opened.blockCount });
    expect(viaEngine).toEqual(answers[0]);
  });

  it("reports a corrupt block as IndexCorruptError, a missing file as IndexIoError, and keeps serving", async () => {
    const bad = join(dir, "corrupt.idx");
    const bytes = fs.readFileSync(path);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0x40;
    fs.writeFileSync(bad, bytes);
    const exit = await run(
      Effect.gen(function* () {
        const service = yield* SuffixEngineService;
        const corrupt = yield* Effect.flip(service.awaitVerified(bad));
        const missing = yield* Effect.flip(service.attribute(join(dir, "missing.idx"), encoder.encode("x")));
        const good = yield* service.attribute(path, encoder.encode(outputs[2]!), options);
        return { corrupt, missing, good };
      }),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit));
    expect(exit.value.corrupt._tag).toBe("IndexCorruptError");
    expect(exit.value.corrupt.message).toMatch(/is corrupt: shard \d+ suffix array block \d+ checksum mismatch/);
    expect(exit.value.missing._tag).toBe("IndexIoError");
    expect(exit.value.good).toEqual(attributeBytes(index, encoder.encode(outputs[2]!), options));
  });
});
