import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { keccak256, stringToBytes } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { fileTextStore, memoryTextStore } from "./texts.ts";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("text store", () => {
  it("keeps texts by keccak256 on disk, across instances, and never serves a corrupted file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "texts-"));
    dirs.push(dir);
    const text = stringToBytes("the answer, in UTF-8: é");
    const hash = await Effect.runPromise(fileTextStore(dir).put(text));
    expect(hash).toBe(keccak256(text));
    // another instance on the same folder (a restarted node) serves it
    const reopened = fileTextStore(dir);
    expect(await Effect.runPromise(reopened.get(hash))).toEqual(text);
    expect(await reopened.lookup(hash.toUpperCase().replace("0X", "0x") as `0x${string}`)).toEqual(text);
    expect(await Effect.runPromise(reopened.get(keccak256(stringToBytes("other"))))).toBeUndefined();
    expect(await Effect.runPromise(reopened.get("0x1234"))).toBeUndefined();
    // no temporary files left behind
    expect((await readdir(join(dir, hash.slice(2, 4)))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await writeFile(join(dir, hash.slice(2, 4), hash), "flipped bytes");
    expect(await reopened.lookup(hash)).toBeUndefined();
  });

  it("in memory: a copy, not the caller's buffer", async () => {
    const store = memoryTextStore();
    const bytes = stringToBytes("abc");
    const hash = await Effect.runPromise(store.put(bytes));
    bytes[0] = 0;
    expect(await store.lookup(hash)).toEqual(stringToBytes("abc"));
  });
});
