/**
 * Content addressing for datanet contributions: a Merkle root over fixed-size chunks of the bytes,
 * computed exactly as `src/libraries/ContentMerkle.sol` verifies it (docs/protocol.md, "Content roots").
 *
 *   chunks     CHUNK_SIZE-byte slices of the content; the last one holds the remainder, unpadded
 *   leaf_i     keccak256(0x00 ‖ chunk_i)
 *   node       keccak256(0x01 ‖ left ‖ right); the leaf row is padded to a power of two with 0x00…00
 *   treeRoot   the single node left (a one-chunk content's tree root is its leaf)
 *   contentRoot keccak256(0x02 ‖ uint64 byteLength, big-endian ‖ treeRoot)
 */
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";

export const CHUNK_SIZE = 1024;
const ZERO = new Uint8Array(32);
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const ROOT = Uint8Array.of(2);

export class EmptyContentError extends Error {
  readonly _tag = "EmptyContentError";
  constructor() {
    super("content is empty: a contribution must hold at least one byte");
  }
}

const hash = (...parts: Uint8Array[]): Uint8Array => keccak256(concatBytes(parts), "bytes");

export const chunkCount = (byteLength: number): number => Math.ceil(byteLength / CHUNK_SIZE);

export const leafHash = (chunk: Uint8Array): Uint8Array => hash(LEAF, chunk);

const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => hash(NODE, left, right);

const lengthBytes = (byteLength: number): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(byteLength));
  return out;
};

/** All rows of the tree, leaves first; every row has even length except the single-node top row. */
const buildRows = (content: Uint8Array): Uint8Array[][] => {
  if (content.length === 0) throw new EmptyContentError();
  const leaves: Uint8Array[] = [];
  for (let offset = 0; offset < content.length; offset += CHUNK_SIZE) {
    leaves.push(leafHash(content.subarray(offset, Math.min(offset + CHUNK_SIZE, content.length))));
  }
  let width = 1;
  while (width < leaves.length) width *= 2;
  while (leaves.length < width) leaves.push(ZERO);
  const rows: Uint8Array[][] = [leaves];
  for (let row = leaves; row.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i]!, row[i + 1]!));
    rows.push(next);
    row = next;
  }
  return rows;
};

export const wrapRoot = (treeRoot: Uint8Array, byteLength: number): Hex =>
  bytesToHex(hash(ROOT, lengthBytes(byteLength), treeRoot));

/** The content root of `content` (throws EmptyContentError for empty content). */
export const contentRoot = (content: Uint8Array): Hex => {
  const rows = buildRows(content);
  return wrapRoot(rows[rows.length - 1]![0]!, content.length);
};

export interface ChunkProof {
  readonly index: number;
  readonly chunk: Uint8Array;
  readonly siblings: ReadonlyArray<Hex>;
}

/** A proof that chunk `index` of `content` is under its content root. */
export const chunkProof = (content: Uint8Array, index: number): ChunkProof => {
  const rows = buildRows(content);
  const count = chunkCount(content.length);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`chunk index ${index} out of range [0, ${count})`);
  }
  const siblings: Hex[] = [];
  let position = index;
  for (const row of rows.slice(0, -1)) {
    siblings.push(bytesToHex(row[position ^ 1]!));
    position >>= 1;
  }
  const start = index * CHUNK_SIZE;
  return { index, chunk: content.slice(start, Math.min(start + CHUNK_SIZE, content.length)), siblings };
};

/** Checks a chunk proof against a content root and byte length, as the Solidity library does. */
export const verifyChunk = (root: Hex, byteLength: number, proof: ChunkProof): boolean => {
  const count = chunkCount(byteLength);
  if (byteLength === 0 || proof.index < 0 || proof.index >= count) return false;
  const expectedSize = proof.index === count - 1 ? byteLength - proof.index * CHUNK_SIZE : CHUNK_SIZE;
  if (proof.chunk.length !== expectedSize) return false;
  let depth = 0;
  while (1 << depth < count) depth++;
  if (proof.siblings.length !== depth) return false;
  let node = leafHash(proof.chunk);
  let position = proof.index;
  for (const sibling of proof.siblings) {
    const s = hexToBytes(sibling);
    node = position & 1 ? nodeHash(s, node) : nodeHash(node, s);
    position >>= 1;
  }
  return wrapRoot(node, byteLength) === root;
};

/** Proofs for every chunk of `content`, building the tree once (servers stream these in order). */
export const chunkProofs = (content: Uint8Array): ChunkProof[] => {
  const rows = buildRows(content);
  const count = chunkCount(content.length);
  const proofs: ChunkProof[] = [];
  for (let index = 0; index < count; index++) {
    const siblings: Hex[] = [];
    let position = index;
    for (const row of rows.slice(0, -1)) {
      siblings.push(bytesToHex(row[position ^ 1]!));
      position >>= 1;
    }
    const start = index * CHUNK_SIZE;
    proofs.push({ index, chunk: content.slice(start, Math.min(start + CHUNK_SIZE, content.length)), siblings });
  }
  return proofs;
};
