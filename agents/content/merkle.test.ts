import { readFileSync } from "node:fs";
import fc from "fast-check";
import { bytesToHex, hexToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { CHUNK_SIZE, chunkCount, chunkProof, contentRoot, EmptyContentError, verifyChunk } from "./merkle.ts";
import { buildContentVectors, CONTENT_VECTORS_PATH } from "./vectors.ts";

describe("content roots", () => {
  it("the committed shared vectors are what the generator writes today", () => {
    const committed = JSON.parse(readFileSync(CONTENT_VECTORS_PATH, "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildContentVectors())));
  });

  it("rejects empty content", () => {
    expect(() => contentRoot(new Uint8Array())).toThrow(EmptyContentError);
  });

  it("every chunk proves against the root; any tampering fails", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 6 * CHUNK_SIZE }), fc.nat(), (content, pick) => {
        const root = contentRoot(content);
        const index = pick % chunkCount(content.length);
        const proof = chunkProof(content, index);
        expect(verifyChunk(root, content.length, proof)).toBe(true);
        // Wrong length, flipped chunk byte, wrong index: all rejected.
        expect(verifyChunk(root, content.length + 1, proof)).toBe(false);
        const flipped = proof.chunk.slice();
        flipped[pick % flipped.length]! ^= 1;
        expect(verifyChunk(root, content.length, { ...proof, chunk: flipped })).toBe(false);
        if (chunkCount(content.length) > 1) {
          expect(verifyChunk(root, content.length, { ...proof, index: index ^ 1 })).toBe(false);
        }
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it("roots differ when only the length differs (trailing zero bytes are content)", () => {
    const a = new Uint8Array(10);
    const b = new Uint8Array(11);
    expect(contentRoot(a)).not.toEqual(contentRoot(b));
  });

  it("one chunk's tree root is its leaf; the proof is empty", () => {
    const proof = chunkProof(hexToBytes("0x68656c6c6f"), 0);
    expect(proof.siblings).toEqual([]);
    expect(bytesToHex(proof.chunk)).toBe("0x68656c6c6f");
  });
});
