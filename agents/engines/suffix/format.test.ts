import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { attributeBytes } from "./engine.ts";
import { loadIndex, openIndex, readIndexHeader, saveIndex } from "./format.ts";
import { buildIndex, type ContributionInput } from "./index.ts";
import { contributionBytes } from "./proof.ts";
import { scenario } from "./testing.ts";

const dir = fs.mkdtempSync(join(tmpdir(), "suffix-format-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const encoder = new TextEncoder();
const corpus: ContributionInput[] = [
  { id: 7n, content: encoder.encode("the quick brown fox jumps over the lazy dog") },
  { id: 2n ** 255n, content: encoder.encode("a lazy dog sleeps; the quick brown fox jumps") },
  { id: 3n, content: new Uint8Array(0) },
  { id: 11n, content: Uint8Array.of(0, 0, 1, 0, 0x61) },
];
const output = encoder.encode("so the quick brown fox jumps over the lazy dog sleeps");
const options = { minMatch: 6, maxOccurrences: 8, maxEntries: 8 };

const saved = (name: string): string => {
  const path = join(dir, name);
  const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes: 60 }));
  Effect.runSync(saveIndex(index, path));
  return path;
};

const loadFailure = (path: string) => {
  const exit = Effect.runSyncExit(loadIndex(path));
  // a lazy open checks the preamble, header and block table, and fails the same way on those
  const lazy = Effect.runSyncExit(openIndex(path));
  if (Exit.isSuccess(lazy)) lazy.value.close();
  if (Exit.isSuccess(exit)) throw new Error("expected the load to fail");
  const error = exit.cause.reasons[0];
  if (error === undefined || error._tag !== "Fail") throw new Error(`expected a typed failure, got ${exit.cause}`);
  return error.error;
};

describe("index file", () => {
  it("save → load → query equals the query on the in-memory index", () => {
    fc.assert(
      fc.property(scenario, ({ corpus, output, minMatch, maxOccurrences, maxShardBytes }) => {
        const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes }));
        const path = join(dir, "roundtrip.idx");
        Effect.runSync(saveIndex(index, path));
        const loaded = Effect.runSync(loadIndex(path));
        expect(loaded.contributions).toEqual(index.contributions);
        const opts = { minMatch, maxOccurrences, maxEntries: 5 };
        expect(attributeBytes(loaded, output, opts)).toEqual(attributeBytes(index, output, opts));
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it("a lazily opened index answers exactly like the in-memory one, reading only checked blocks", () => {
    // Tiny blocks put many block edges under every search: a read that skipped its guard would
    // see an unread (zero) block and change the answer.
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 1, max: 12 }),
        ({ corpus, output, minMatch, maxOccurrences, maxShardBytes }, words) => {
          const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes }));
          const path = join(dir, "lazy.idx");
          Effect.runSync(saveIndex(index, path, { blockBytes: 4 * words }));
          const opened = Effect.runSync(openIndex(path));
          try {
            expect(opened.verifiedBlocks()).toBe(0);
            const opts = { minMatch, maxOccurrences, maxEntries: 5 };
            expect(attributeBytes(opened.index, output, opts)).toEqual(attributeBytes(index, output, opts));
            for (const { id } of corpus) {
              expect(contributionBytes(opened.index, id)).toEqual(contributionBytes(index, id));
            }
            while (!opened.verifyStep(3)) {
              // background pass, a few blocks at a time
            }
            expect(opened.verifiedBlocks()).toBe(opened.blockCount);
          } finally {
            opened.close();
          }
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it("opens lazily without reading sections, and refuses a corrupt block when a query first reads it", () => {
    const path = join(dir, "lazy-corrupt.idx");
    const index = Effect.runSync(buildIndex(corpus, { threads: 1, maxShardBytes: 60 }));
    const header = Effect.runSync(saveIndex(index, path, { blockBytes: 8 }));
    const original = fs.readFileSync(path);
    const sectionsStart = header.shards[0]!.textOffset;
    let failedQueries = 0;
    for (let position = sectionsStart; position < original.length; position++) {
      const copy = Buffer.from(original);
      copy[position] = copy[position]! ^ 0x10;
      fs.writeFileSync(path, copy);
      // the header and block table are intact: opening succeeds without reading any block
      const opened = Effect.runSync(openIndex(path));
      try {
        expect(opened.verifiedBlocks()).toBe(0);
        try {
          const answer = attributeBytes(opened.index, output, options);
          // the query never read the flipped block: its answer is the true one
          expect(answer).toEqual(attributeBytes(index, output, options));
        } catch (error) {
          failedQueries++;
          expect((error as { _tag: string })._tag).toBe("IndexCorruptError");
        }
        // the background pass finds it in any case
        expect(() => {
          while (!opened.verifyStep(4)) {
            // keep going
          }
        }).toThrow(/is corrupt: shard \d+ (text|suffix array) block \d+/);
      } finally {
        opened.close();
      }
    }
    expect(failedQueries).toBeGreaterThan(0);
  });

  it("reports the header without loading sections", () => {
    const header = Effect.runSync(readIndexHeader(saved("info.idx")));
    expect(header.contributions.map((c) => c.id)).toEqual(corpus.map((c) => c.id.toString()));
    expect(header.shards.length).toBeGreaterThan(1);
    expect(header.totalBytes).toBe(corpus.reduce((sum, c) => sum + c.content.length, 0));
  });

  it("detects a flipped byte anywhere in the file", () => {
    const path = saved("flip.idx");
    const original = fs.readFileSync(path);
    const reference = attributeBytes(Effect.runSync(loadIndex(path)), output, options);
    expect(reference.entries.length).toBeGreaterThan(0);
    // every byte of the file: preamble, header and all sections (there is no padding)
    const positions = [...original.keys()];
    for (const position of positions) {
      const copy = Buffer.from(original);
      copy[position] = copy[position]! ^ 0x10;
      fs.writeFileSync(path, copy);
      const error = loadFailure(path);
      expect(["IndexCorruptError", "IndexFormatError", "IndexTruncatedError"]).toContain(error._tag);
      if (position >= 48) expect(error._tag).toBe("IndexCorruptError");
      expect(error.message).toMatch(/corrupt|not a suffix index|format|truncated/);
    }
  });

  it("detects a truncated file before reading any section", () => {
    const path = saved("truncated.idx");
    const original = fs.readFileSync(path);
    for (const length of [0, 5, 47, 60, original.length - 1]) {
      fs.writeFileSync(path, original.subarray(0, length));
      const error = loadFailure(path);
      expect(error._tag).toBe("IndexTruncatedError");
      expect(error.message).toContain("truncated");
    }
  });

  it("rejects a file that is not an index and a missing file with typed errors", () => {
    const path = join(dir, "not-an-index.idx");
    fs.writeFileSync(path, "hello, this is not a suffix index at all, not even close");
    expect(loadFailure(path)._tag).toBe("IndexFormatError");
    expect(loadFailure(join(dir, "missing.idx"))._tag).toBe("IndexIoError");
  });
});
