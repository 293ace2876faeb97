/**
 * Match proofs against contribution content roots (agents/content/merkle.ts), the shape the
 * on-chain check of a suffix-method attribution will take: an occurrence (contribution, offset,
 * length) is shown real by the contribution chunks covering it, each with its Merkle proof
 * against the contribution's content root, plus the output bytes the match claims to copy.
 */
import type { Hex } from "viem";
import { CHUNK_SIZE, type ChunkProof, chunkProof, contentRoot, verifyChunk } from "../../content/merkle.ts";
import type { SuffixIndex } from "./index.ts";
import { contributionText } from "./shard.ts";

export interface OccurrenceProof {
  readonly contributionId: bigint;
  readonly contentRoot: Hex;
  readonly byteLength: number;
  readonly offset: number;
  readonly length: number;
  /** The chunks covering [offset, offset + length), in order. */
  readonly chunks: ReadonlyArray<ChunkProof>;
}

/** The bytes of a contribution in the index, or undefined when the id is not indexed. */
export const contributionBytes = (index: SuffixIndex, id: bigint): Uint8Array | undefined => {
  const position = index.contributions.findIndex((c) => c.id === id);
  if (position < 0) return undefined;
  const shard = index.shards.findLast((s) => s.firstContribution <= position);
  return shard === undefined ? undefined : contributionText(shard, position - shard.firstContribution);
};

/** Proves that contribution `id` holds `length` bytes at `offset` (undefined if out of range). */
export const proveOccurrence = (
  index: SuffixIndex,
  id: bigint,
  offset: number,
  length: number,
): OccurrenceProof | undefined => {
  const content = contributionBytes(index, id);
  if (content === undefined || length < 1 || offset < 0 || offset + length > content.length) return undefined;
  const chunks: ChunkProof[] = [];
  for (let c = Math.floor(offset / CHUNK_SIZE); c <= Math.floor((offset + length - 1) / CHUNK_SIZE); c++) {
    chunks.push(chunkProof(content, c));
  }
  return { contributionId: id, contentRoot: contentRoot(content), byteLength: content.length, offset, length, chunks };
};

/**
 * What a verifier checks: the chunks are consecutive, cover the occurrence, verify against the
 * content root, and their bytes equal output[outputStart, outputStart + length).
 */
export const verifyOccurrence = (output: Uint8Array, outputStart: number, proof: OccurrenceProof): boolean => {
  const { offset, length, chunks } = proof;
  if (length < 1 || outputStart < 0 || outputStart + length > output.length) return false;
  const first = Math.floor(offset / CHUNK_SIZE);
  const last = Math.floor((offset + length - 1) / CHUNK_SIZE);
  if (chunks.length !== last - first + 1) return false;
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.index !== first + i || !verifyChunk(proof.contentRoot, proof.byteLength, chunk)) return false;
  }
  for (let k = 0; k < length; k++) {
    const at = offset + k;
    const chunk = chunks[Math.floor(at / CHUNK_SIZE) - first]!;
    if (chunk.chunk[at % CHUNK_SIZE] !== output[outputStart + k]) return false;
  }
  return true;
};
