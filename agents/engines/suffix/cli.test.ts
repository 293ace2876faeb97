import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeServices } from "@effect/platform-node";
import { Effect, Exit } from "effect";
import { Command } from "effect/cli";
import { afterAll, describe, expect, it, vi } from "vitest";
import { suffixCommands } from "./cli.ts";
import { makeSuffixEngine } from "./engine.ts";
import { loadIndex } from "./format.ts";
import { buildIndex } from "./index.ts";

const dir = fs.mkdtempSync(join(tmpdir(), "suffix-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const files = {
  "b/second.txt": "It was the best of times, it was the worst of times, it was the age of wisdom.",
  "a.txt": "Call me Ishmael. Some years ago, never mind how long precisely, having little money.",
  "b/third.txt": "In a hole in the ground there lived a hobbit. Not a nasty, dirty, wet hole.",
};
for (const [name, text] of Object.entries(files)) {
  fs.mkdirSync(join(dir, "corpus", name, ".."), { recursive: true });
  fs.writeFileSync(join(dir, "corpus", name), text);
}

const run = async (args: string[]) => {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const exit = await Effect.runPromiseExit(
      Command.runWith(suffixCommands, { version: "test", renderErrors: false })(args).pipe(
        Effect.provide(NodeServices.layer),
      ),
    );
    return { exit, out: lines.join("\n") };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
};

describe("suffix CLI", () => {
  it("builds an index with ids in sorted path order, describes it and attributes an output", async () => {
    const out = join(dir, "corpus.idx");
    const built = await run(["index", "build", "--out", out, "--first-id", "10", join(dir, "corpus")]);
    expect(Exit.isSuccess(built.exit)).toBe(true);
    expect(built.out).toContain("3 contributions");
    const index = await Effect.runPromise(loadIndex(out));
    // a.txt, b/second.txt, b/third.txt
    expect(index.contributions.map((c) => c.id)).toEqual([10n, 11n, 12n]);
    expect(index.contributions.map((c) => c.length)).toEqual([
      files["a.txt"].length,
      files["b/second.txt"].length,
      files["b/third.txt"].length,
    ]);

    const info = await run(["index", "info", out, "--verify"]);
    expect(info.out).toContain("contributions: 3");
    expect(info.out).toContain("checksums verified");
    expect(info.out).toMatch(/commitment \(sha256 of the header\): 0x[0-9a-f]{64}/);

    const quote = "He said: it was the best of times, it was the worst of times! and left.";
    const attributed = await run(["attribute", "--index", out, "--min-match", "16", quote]);
    expect(Exit.isSuccess(attributed.exit)).toBe(true);
    expect(attributed.out).toContain("contribution 11: weight 1000000 (100.00%)");
    expect(attributed.out).toContain("He said: i⟦1:t was the best of times, it was the worst of times⟧! and left.");

    const json = await run(["attribute", "--index", out, "--min-match", "16", "--json", quote]);
    const parsed = JSON.parse(json.out) as { entries: { contributionId: string }[] };
    expect(parsed.entries.map((e) => e.contributionId)).toEqual(["11"]);
  });

  it("takes ids from a Schema-checked manifest and rejects a bad one with a one-line error", async () => {
    const manifest = join(dir, "manifest.json");
    fs.writeFileSync(
      manifest,
      JSON.stringify([
        {
          path: "corpus/b/third.txt",
          contributionId: "115792089237316195423570985008687907853269984665640564039457584007913129639935",
        },
        { path: "corpus/a.txt", contributionId: 5 },
      ]),
    );
    const out = join(dir, "manifest.idx");
    expect(Exit.isSuccess((await run(["index", "build", "--out", out, "--manifest", manifest])).exit)).toBe(true);
    const index = await Effect.runPromise(loadIndex(out));
    expect(index.contributions.map((c) => c.id)).toEqual([2n ** 256n - 1n, 5n]);

    fs.writeFileSync(manifest, JSON.stringify([{ path: "corpus/a.txt", contributionId: -3 }]));
    const bad = await run(["index", "build", "--out", out, "--manifest", manifest]);
    expect(String(bad.exit)).toContain("SuffixCliError");
    expect(String(bad.exit)).toContain("is invalid");
  });

  it("fails with a one-line error for a corrupt index", async () => {
    const out = join(dir, "corrupt.idx");
    await run(["index", "build", "--out", out, join(dir, "corpus")]);
    const bytes = fs.readFileSync(out);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
    fs.writeFileSync(out, bytes);
    // blocks are checked when a query first reads them: this one reads the suffix array
    const quote = "He said: it was the best of times, it was the worst of times! and left.";
    const result = await run(["attribute", "--index", out, "--min-match", "16", quote]);
    expect(String(result.exit)).toMatch(/is corrupt: shard \d suffix array block \d+ checksum mismatch/);
    const info = await run(["index", "info", out, "--verify"]);
    expect(String(info.exit)).toMatch(/is corrupt: shard \d suffix array block \d+ checksum mismatch/);
  });
});

describe("suffix engine", () => {
  it("fails with an EngineError for invalid options instead of crashing", async () => {
    const index = await Effect.runPromise(buildIndex([{ id: 1n, content: new Uint8Array(4) }], { threads: 1 }));
    const engine = makeSuffixEngine(() => Effect.succeed(index), { minMatch: 0 });
    expect(engine.method).toBe("suffix");
    const exit = await Effect.runPromiseExit(engine.attribute({ modelId: 1n, output: "x" }));
    expect(String(exit)).toContain("minMatch must be a positive integer");
  });
});
