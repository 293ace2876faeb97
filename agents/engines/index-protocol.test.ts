/**
 * `/poa/index/1` between two real libp2p nodes on loopback: files arrive byte for byte; a peer
 * without the index says so; a peer that announces files outside the method's list, more bytes
 * than the limit, or sends more or fewer bytes than it announced is refused with its reason.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "@effect/vitest";
import type { Stream } from "@libp2p/interface";
import { Effect } from "effect";
import * as lp from "it-length-prefixed";
import type { Hex } from "viem";
import { afterAll, describe } from "vitest";
import { startNode } from "../gossip/testing.ts";
import { INDEX_FRAME_BYTES, INDEX_PROTOCOL, requestIndex, serveIndex } from "./index-protocol.ts";
import { commitmentDir, localIndex } from "./index-store.ts";

const dir = mkdtempSync(join(tmpdir(), "poa-index-protocol-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const commitment = `0x${"5a".repeat(32)}` as Hex;

/** A server that answers every request with these frames, whatever was asked. */
const scripted = (frames: ReadonlyArray<Uint8Array>) => async (stream: Stream) => {
  for await (const _ of lp.decode(stream, { maxDataLength: 32 })) break;
  for (const frame of frames) if (!stream.send(lp.encode.single(frame))) await stream.onDrain();
  await stream.close();
  return "scripted";
};
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("/poa/index/1", () => {
  it.effect(
    "carries an index's files, and each kind of bad response is refused with its reason",
    () =>
      Effect.gen(function* () {
        const served = join(dir, "served");
        const gradientDir = commitmentDir(served, commitment);
        mkdirSync(gradientDir, { recursive: true });
        // larger than one frame, an empty file, and odd sizes
        const files = {
          "index.bin": Uint8Array.from({ length: INDEX_FRAME_BYTES * 2 + 17 }, (_, i) => (i * 7) & 0xff),
          "gradient.onnx": new Uint8Array(0),
          "checkpoints.bin": Uint8Array.from({ length: 1001 }, (_, i) => i & 0xff),
          "model.json": new TextEncoder().encode("{}"),
        };
        for (const [name, bytes] of Object.entries(files)) writeFileSync(join(gradientDir, name), bytes);

        const server = yield* startNode({ heartbeatMs: 100 });
        const client = yield* startNode({ heartbeatMs: 100 });
        const honest = "/test/index/honest";
        yield* server.gossip.handle(honest, (stream) => serveIndex(stream, async (c) => localIndex(served, c)));
        const address = server.gossip.addresses[0]!;
        const fetch = (protocol: string, key: Hex = commitment, max = 64 * INDEX_FRAME_BYTES) => {
          const into = mkdtempSync(join(dir, "in-"));
          return client.gossip
            .request(address, protocol, (stream) => requestIndex(stream, key, into, max))
            .pipe(Effect.map((manifest) => ({ manifest, into })));
        };

        const { manifest, into } = yield* fetch(honest);
        expect(manifest.method).toBe("gradient");
        expect(readdirSync(into).sort()).toEqual(Object.keys(files).sort());
        for (const [name, bytes] of Object.entries(files))
          expect(new Uint8Array(readFileSync(join(into, name)))).toEqual(bytes);

        const missing = yield* Effect.flip(fetch(honest, `0x${"00".repeat(32)}`));
        expect(missing.reason).toBe("not-found");
        const tooBig = yield* Effect.flip(fetch(honest, commitment, 1000));
        expect(tooBig.reason).toBe("oversize");

        const cases: ReadonlyArray<[string, ReadonlyArray<Uint8Array>, string, RegExp]> = [
          [
            "outside",
            [Uint8Array.of(0), json({ method: "suffix", files: [{ name: "../escape", bytes: 1 }] }), Uint8Array.of(1)],
            "protocol",
            /outside index\.idx/,
          ],
          [
            "more",
            [
              Uint8Array.of(0),
              json({ method: "suffix", files: [{ name: "index.idx", bytes: 2 }] }),
              Uint8Array.of(1, 2, 3),
            ],
            "protocol",
            /more than the 2 bytes/,
          ],
          [
            "fewer",
            [
              Uint8Array.of(0),
              json({ method: "suffix", files: [{ name: "index.idx", bytes: 5 }] }),
              Uint8Array.of(1, 2),
            ],
            "protocol",
            /closed the stream inside index\.idx/,
          ],
          ["manifest", [Uint8Array.of(0), json({ method: "weights", files: [] })], "protocol", /bad index manifest/],
        ];
        for (const [name, frames, reason, message] of cases) {
          const protocol = `/test/index/${name}`;
          yield* server.gossip.handle(protocol, scripted(frames));
          const refused = yield* Effect.flip(fetch(protocol));
          expect(refused.reason).toBe(reason);
          expect(refused.message).toMatch(message);
        }
        expect(INDEX_PROTOCOL).toBe("/poa/index/1");
      }).pipe(Effect.scoped),
    { timeout: 60_000 },
  );
});
