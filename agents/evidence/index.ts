/**
 * The binding index commitment of a suffix model (docs/evidence-game.md §1), built from the
 * contributions, and every opening the one-step checks of `src/evidence/SuffixChecks.sol` take.
 *
 *   corpus   entry k = (index, contributionId, start, length, contentRoot), ascending id
 *   SA       rank → position of the canonical suffix array: suffixes stop at their contribution's
 *            end (an ended suffix sorts below its extensions), equal suffixes by position
 *   ISA      position → rank
 *   leaves   corpus H(0x10 ‖ u64 index ‖ u64 id ‖ u64 start ‖ u64 length ‖ root)
 *            SA     H(0x11 ‖ u64 rank ‖ u64 position)
 *            ISA    H(0x12 ‖ u64 position ‖ u64 rank)
 *   trees    node H(0x01 ‖ left ‖ right), leaf row padded with zero words to 2^⌈log2 size⌉
 *   commitment H(abi.encode(IndexCommitment))
 *
 * Solidity verifies what this file builds (shared vectors: `agents/evidence/vectors.ts`).
 */
import { bytesToHex, concatBytes, encodeAbiParameters, type Hex, hexToBytes, keccak256 } from "viem";
import { CHUNK_SIZE, chunkProof, contentRoot } from "../content/merkle.ts";
import { canonicalArrays } from "./canonical.ts";
import { ArrayTree, type HashTree } from "./trees.ts";

export type { HashTree } from "./trees.ts";

export const INDEX_VERSION = 1n;
export const OCCURRENCE_CAP = 8;

export interface Contribution {
  readonly id: bigint;
  readonly content: Uint8Array;
}

export interface RuleParameters {
  readonly minMatch: number;
  readonly maxOccurrences: number;
  readonly maxEntries: number;
}

/** The commitment preimage, field for field as `IndexCommitment` in `src/evidence/SuffixIndex.sol`. */
export interface IndexCommitment {
  readonly version: bigint;
  readonly snapshotTime: bigint;
  readonly entryCount: bigint;
  readonly totalBytes: bigint;
  readonly corpusRoot: Hex;
  readonly saRoot: Hex;
  readonly isaRoot: Hex;
  readonly minMatch: number;
  readonly maxOccurrences: number;
  readonly maxEntries: number;
}

export interface CorpusEntry {
  readonly index: bigint;
  readonly contributionId: bigint;
  readonly start: bigint;
  readonly length: bigint;
  readonly contentRoot: Hex;
}

export interface EntryProof {
  readonly entry: CorpusEntry;
  readonly proof: ReadonlyArray<Hex>;
}

export interface SaLeaf {
  readonly rank: bigint;
  readonly position: bigint;
  readonly proof: ReadonlyArray<Hex>;
}

export interface ChunkRun {
  readonly first: bigint;
  readonly chunks: ReadonlyArray<Hex>;
  readonly proofs: ReadonlyArray<ReadonlyArray<Hex>>;
}

export interface SuffixOpening {
  readonly sa: SaLeaf;
  readonly entry: EntryProof;
  readonly run: ChunkRun;
}

export interface IsaProof {
  readonly rank: bigint;
  readonly proof: ReadonlyArray<Hex>;
}

export const COMMITMENT_ABI = [
  {
    type: "tuple",
    components: [
      { name: "version", type: "uint64" },
      { name: "snapshotTime", type: "uint64" },
      { name: "entryCount", type: "uint64" },
      { name: "totalBytes", type: "uint64" },
      { name: "corpusRoot", type: "bytes32" },
      { name: "saRoot", type: "bytes32" },
      { name: "isaRoot", type: "bytes32" },
      { name: "minMatch", type: "uint32" },
      { name: "maxOccurrences", type: "uint32" },
      { name: "maxEntries", type: "uint32" },
    ],
  },
] as const;

export const commitmentHash = (c: IndexCommitment): Hex => keccak256(encodeAbiParameters(COMMITMENT_ABI, [c]));

const u64 = (value: bigint | number): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
};

export const corpusLeaf = (e: CorpusEntry): Hex =>
  keccak256(
    concatBytes([
      Uint8Array.of(0x10),
      u64(e.index),
      u64(e.contributionId),
      u64(e.start),
      u64(e.length),
      hexToBytes(e.contentRoot),
    ]),
  );

export const saLeaf = (rank: bigint | number, position: bigint | number): Hex =>
  keccak256(concatBytes([Uint8Array.of(0x11), u64(rank), u64(position)]));

export const isaLeaf = (position: bigint | number, rank: bigint | number): Hex =>
  keccak256(concatBytes([Uint8Array.of(0x12), u64(position), u64(rank)]));

const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  keccak256(concatBytes([Uint8Array.of(1), left, right]), "bytes");

export const treeDepth = (size: number): number => {
  let depth = 0;
  while (2 ** depth < size) depth++;
  return depth;
};

/** A binary Merkle tree kept row by row (leaves first), for roots and proofs. */
export class MerkleTree {
  private readonly rows: Uint8Array[][];

  constructor(leaves: ReadonlyArray<Hex>) {
    const width = 2 ** treeDepth(leaves.length);
    const row: Uint8Array[] = leaves.map((leaf) => hexToBytes(leaf));
    while (row.length < width) row.push(new Uint8Array(32));
    this.rows = [row];
    for (let current = row; current.length > 1; ) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < current.length; i += 2) next.push(nodeHash(current[i]!, current[i + 1]!));
      this.rows.push(next);
      current = next;
    }
  }

  get root(): Hex {
    return bytesToHex(this.rows[this.rows.length - 1]![0]!);
  }

  proof(index: number): Hex[] {
    const siblings: Hex[] = [];
    let position = index;
    for (const row of this.rows.slice(0, -1)) {
      siblings.push(bytesToHex(row[position ^ 1]!));
      position >>= 1;
    }
    return siblings;
  }
}

/** Verifies a leaf against a root with exactly ⌈log2 size⌉ siblings, as `SuffixIndex.verifyLeaf`. */
export const verifyLeaf = (root: Hex, size: bigint, index: bigint, leaf: Hex, proof: ReadonlyArray<Hex>): boolean => {
  if (index >= size || proof.length !== treeDepth(Number(size))) return false;
  let node = hexToBytes(leaf);
  let position = index;
  for (const sibling of proof) {
    const s = hexToBytes(sibling);
    node = position & 1n ? nodeHash(s, node) : nodeHash(node, s);
    position >>= 1n;
  }
  return bytesToHex(node) === root;
};

/** Compares two suffixes given as byte arrays: bytes first, an ended one is smaller. */
export const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};

export const SA_TAG = 0x11;
export const ISA_TAG = 0x12;

/** Contributions in ascending id: the corpus order. */
export const sortById = (contributions: ReadonlyArray<Contribution>): Contribution[] =>
  [...contributions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** The canonical arrays and their trees, computed elsewhere for the same contributions. */
export interface PrebuiltArrays {
  readonly sa: Uint32Array;
  readonly isa: Uint32Array;
  readonly saTree: HashTree;
  readonly isaTree: HashTree;
}

/**
 * The proof index of a corpus: the canonical suffix array over every position, from the engine's
 * SA-IS (`canonical.ts`), and the three trees; the SA and ISA trees hashed in WebAssembly chunk by
 * chunk (`trees.ts`). `reference.ts` keeps the first builder (a comparison sort and JS keccak over
 * every leaf) that the tests compare this one with.
 */
export class ProofIndex {
  readonly contributions: ReadonlyArray<Contribution>;
  readonly starts: ReadonlyArray<number>;
  readonly roots: ReadonlyArray<Hex>;
  readonly n: number;
  readonly sa: Uint32Array;
  readonly isa: Uint32Array;
  readonly corpusTree: MerkleTree;
  readonly saTree: HashTree;
  readonly isaTree: HashTree;
  readonly commitment: IndexCommitment;

  /**
   * Builds the index on this thread. `prebuilt` (from `buildProofIndex`, which hashes the two trees
   * on worker threads) supplies the arrays and trees of these same contributions.
   */
  constructor(
    contributions: ReadonlyArray<Contribution>,
    params: RuleParameters,
    snapshotTime: bigint,
    prebuilt?: PrebuiltArrays,
  ) {
    const sorted = sortById(contributions);
    this.contributions = sorted;
    const starts: number[] = [];
    let n = 0;
    for (const c of sorted) {
      starts.push(n);
      n += c.content.length;
    }
    this.starts = starts;
    this.n = n;
    this.roots = sorted.map((c) => contentRoot(c.content));
    const { sa, isa } = prebuilt ?? canonicalArrays(sorted.map((c) => c.content));
    this.sa = sa;
    this.isa = isa;
    this.corpusTree = new MerkleTree(sorted.map((_, k) => corpusLeaf(this.entry(k))));
    this.saTree = prebuilt?.saTree ?? new ArrayTree(this.sa, SA_TAG);
    this.isaTree = prebuilt?.isaTree ?? new ArrayTree(this.isa, ISA_TAG);
    this.commitment = {
      version: INDEX_VERSION,
      snapshotTime,
      entryCount: BigInt(sorted.length),
      totalBytes: BigInt(n),
      corpusRoot: this.corpusTree.root,
      saRoot: this.saTree.root,
      isaRoot: this.isaTree.root,
      minMatch: params.minMatch,
      maxOccurrences: params.maxOccurrences,
      maxEntries: params.maxEntries,
    };
  }

  /** The corpus entry holding position g. */
  entryOf(g: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= g) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The bytes of the suffix at position g (to its contribution's end). */
  suffix(g: number): Uint8Array {
    const k = this.entryOf(g);
    return this.contributions[k]!.content.subarray(g - this.starts[k]!);
  }

  entry(k: number): CorpusEntry {
    return {
      index: BigInt(k),
      contributionId: this.contributions[k]!.id,
      start: BigInt(this.starts[k]!),
      length: BigInt(this.contributions[k]!.content.length),
      contentRoot: this.roots[k]!,
    };
  }

  entryProof(k: number): EntryProof {
    return { entry: this.entry(k), proof: this.corpusTree.proof(k) };
  }

  saLeaf(rank: number): SaLeaf {
    return { rank: BigInt(rank), position: BigInt(this.sa[rank]!), proof: this.saTree.proof(rank) };
  }

  /** ISA[g + 1] with its proof (empty past the last position). */
  isaAfter(g: number): IsaProof {
    if (g + 1 >= this.n) return { rank: 0n, proof: [] };
    return { rank: BigInt(this.isa[g + 1]!), proof: this.isaTree.proof(g + 1) };
  }

  /** The opening of `rank` with the chunks for `needed` bytes of its suffix (at least one). */
  opening(rank: number, needed: number): SuffixOpening {
    const g = this.sa[rank]!;
    const k = this.entryOf(g);
    const content = this.contributions[k]!.content;
    const offset = g - this.starts[k]!;
    const end = Math.min(offset + Math.max(needed, 1), content.length);
    const first = Math.floor(offset / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const chunks: Hex[] = [];
    const proofs: Hex[][] = [];
    for (let i = first; i <= last; i++) {
      const p = chunkProof(content, i);
      chunks.push(bytesToHex(p.chunk));
      proofs.push([...p.siblings]);
    }
    return { sa: this.saLeaf(rank), entry: this.entryProof(k), run: { first: BigInt(first), chunks, proofs } };
  }

  /** The SA range [lo, hi) of a pattern; for an absent pattern lo = hi = its insertion point. */
  range(pattern: Uint8Array): { lo: number; hi: number } {
    const startsWith = (g: number) => {
      const s = this.suffix(g);
      return s.length >= pattern.length && compareBytes(s.subarray(0, pattern.length), pattern) === 0;
    };
    // First rank whose suffix is ≥ pattern (as a prefix-aware bound), then the first one past it.
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(this.suffix(this.sa[mid]!), pattern) < 0 && !startsWith(this.sa[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    hi = this.n;
    while (end < hi) {
      const mid = (end + hi) >> 1;
      if (startsWith(this.sa[mid]!)) end = mid + 1;
      else hi = mid;
    }
    return { lo, hi: end };
  }

  /** Distinct contribution ids of ranks [lo, hi), ascending. */
  creditedIds(lo: number, hi: number): bigint[] {
    const ids = new Set<bigint>();
    for (let r = lo; r < hi; r++) ids.add(this.contributions[this.entryOf(this.sa[r]!)]!.id);
    return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
