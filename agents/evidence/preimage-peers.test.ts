/**
 * Commitment preimages between peers (agents/evidence/publish.ts `/poa/evidence-preimage/1`): two real
 * libp2p nodes on loopback; node B, without the preimage, gets it from A (who serves its preimage
 * directory) and keeps it where `readPreimage` finds it; a peer answering with a tampered preimage (another
 * snapshot time: a preimage of another commitment) is refused, counted and skipped for the next peer; with
 * no honest peer the fetch fails with `PreimageUnavailableError`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { startNode } from "../gossip/testing.ts";
import { readPreimage, writePreimage } from "./corpus.ts";
import { commitmentHash, ProofIndex } from "./index.ts";
import { fetchPreimage, PREIMAGE_FETCH_METRIC, servePreimagesOn } from "./publish.ts";

const text = new TextEncoder();
const index = new ProofIndex(
  [
    { id: 3n, content: text.encode("the quick brown fox jumps over the lazy dog") },
    { id: 9n, content: text.encode("a lazy dog sleeps; the quick fox runs away") },
  ],
  { minMatch: 4, maxOccurrences: 8, maxEntries: 8 },
  1234n,
);
const preimage = index.commitment;
const commitment = commitmentHash(preimage);

const connected = (peers: Effect.Effect<ReadonlyArray<string>>, count: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 10_000;
    while ((yield* peers).length < count) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`fewer than ${count} peers connected`));
      yield* Effect.sleep("25 millis");
    }
  });

describe("preimages from peers", () => {
  it.live(
    "B fetches a missing preimage from A; a tampered one is refused and counted",
    () =>
      Effect.gen(function* () {
        const dirA = mkdtempSync(path.join(tmpdir(), "poa-preimages-a-"));
        const dirB = mkdtempSync(path.join(tmpdir(), "poa-preimages-b-"));
        writePreimage(dirA, preimage);
        const a = yield* startNode({});
        yield* servePreimagesOn(a.gossip, (c) => readPreimage(dirA, c));
        const liar = yield* startNode({});
        yield* servePreimagesOn(liar.gossip, (c) =>
          c === commitment ? { ...preimage, snapshotTime: preimage.snapshotTime + 1n } : undefined,
        );
        const b = yield* startNode({ bootstrap: [liar.gossip.addresses[0]!] });
        yield* connected(b.gossip.peers, 1);
        const counted = (result: string) => b.metrics.counter(PREIMAGE_FETCH_METRIC, "").get({ result });

        // only the liar: its preimage is refused, counted, and the fetch fails with the typed error
        expect(readPreimage(dirB, commitment)).toBeUndefined();
        const refused = yield* Effect.flip(fetchPreimage(b.gossip, b.metrics, commitment));
        expect(refused._tag).toBe("PreimageUnavailableError");
        expect(refused.message).toMatch(/sent a preimage of 0x/);
        expect(counted("wrong")).toBe(1);

        // the liar and A: whichever is asked first, B ends with A's preimage
        yield* b.gossip.dial(a.gossip.addresses[0]!);
        yield* connected(b.gossip.peers, 2);
        const got = yield* fetchPreimage(b.gossip, b.metrics, commitment);
        expect(got).toEqual(preimage);
        expect(counted("ok")).toBe(1);
        expect(counted("wrong")).toBeGreaterThanOrEqual(1);
        writePreimage(dirB, got);
        expect(readPreimage(dirB, commitment)).toEqual(preimage);

        // a commitment nobody has: not found everywhere, the typed error
        const unknown = `0x${"cd".repeat(32)}` as const;
        const missing = yield* Effect.flip(fetchPreimage(b.gossip, b.metrics, unknown));
        expect(missing).toMatchObject({ _tag: "PreimageUnavailableError", commitment: unknown });
        expect(counted("missing")).toBe(2);
      }).pipe(Effect.scoped),
    30_000,
  );
});
