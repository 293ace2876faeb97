import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHUNK_SIZE, chunkCount, chunkProof, chunkProofs, contentRoot, verifyChunk } from "../content/merkle.ts";

describe("chunkProofs (what /poa/content/1 serves)", () => {
  it("equals chunkProof for every chunk, and every proof verifies", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 * CHUNK_SIZE + 3 }), fc.integer(), (length, seed) => {
        const content = new Uint8Array(length).map((_, i) => (i * 131 + seed) & 0xff);
        const root = contentRoot(content);
        const proofs = chunkProofs(content);
        expect(proofs.length).toBe(chunkCount(length));
        for (const [index, proof] of proofs.entries()) {
          expect(proof).toEqual(chunkProof(content, index));
          expect(verifyChunk(root, length, proof)).toBe(true);
        }
      }),
      { numRuns: 40, seed: 7 },
    );
  });
});
