/**
 * Shared test vectors for content roots: written by `npm run vectors`, read by both
 * `test/libraries/ContentMerkle.t.sol` (forge) and `agents/content/merkle.test.ts` (vitest).
 */
import { bytesToHex } from "viem";
import { CHUNK_SIZE, chunkCount, chunkProof, contentRoot } from "./merkle.ts";

export const CONTENT_VECTORS_PATH = "test/vectors/content-merkle.json";

/** A small deterministic PRNG (xorshift32) so the vectors never depend on Math.random. */
const prng = (seed: number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
};

export const buildContentVectors = () => {
  const next = prng(0xc0ffee);
  const sizes = [
    1,
    2,
    31,
    32,
    33,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    2 * CHUNK_SIZE,
    3 * CHUNK_SIZE + 7,
    5000,
    8192,
    9001,
  ];
  const cases = sizes.map((size, n) => {
    const content = new Uint8Array(size);
    // Alternate random bytes with a low-entropy pattern (repeated text), which real datanets hold too.
    for (let i = 0; i < size; i++) content[i] = n % 2 === 0 ? next() & 0xff : "abcab"[i % 5]!.charCodeAt(0);
    const count = chunkCount(size);
    const indices = [...new Set([0, count >> 1, count - 1])];
    return {
      content: bytesToHex(content),
      length: size,
      root: contentRoot(content),
      proofCount: indices.length,
      proofs: indices.map((index) => {
        const proof = chunkProof(content, index);
        return { index, chunk: bytesToHex(proof.chunk), siblings: proof.siblings };
      }),
    };
  });
  return { chunkSize: CHUNK_SIZE, count: cases.length, cases };
};
