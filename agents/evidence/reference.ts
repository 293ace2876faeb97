/**
 * The first proof-index builder, kept as the reference the fast one (`ProofIndex`: engine SA-IS +
 * wasm trees) is tested and benchmarked against: the canonical suffix array by a comparison sort
 * of every position (docs/evidence-game.md §1.2, written from the definition), and every tree with
 * viem's keccak256 over `saLeaf` / `isaLeaf` / `corpusLeaf` (`MerkleTree`). Quadratic on repetitive
 * text: tests and benches on small corpora only.
 */
import type { Hex } from "viem";
import { contentRoot } from "../content/merkle.ts";
import { type Contribution, compareBytes, corpusLeaf, isaLeaf, MerkleTree, saLeaf } from "./index.ts";

export interface ReferenceIndex {
  readonly sa: Uint32Array;
  readonly isa: Uint32Array;
  readonly corpusRoot: Hex;
  readonly saRoot: Hex;
  readonly isaRoot: Hex;
  readonly saTree: MerkleTree;
  readonly isaTree: MerkleTree;
}

export const referenceProofIndex = (contributions: ReadonlyArray<Contribution>): ReferenceIndex => {
  const sorted = [...contributions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const starts: number[] = [];
  let n = 0;
  for (const c of sorted) {
    starts.push(n);
    n += c.content.length;
  }
  const entryOf = (g: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= g) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const suffix = (g: number): Uint8Array => {
    const k = entryOf(g);
    return sorted[k]!.content.subarray(g - starts[k]!);
  };
  const positions = Array.from({ length: n }, (_, g) => g);
  positions.sort((a, b) => compareBytes(suffix(a), suffix(b)) || a - b);
  const sa = Uint32Array.from(positions);
  const isa = new Uint32Array(n);
  for (let r = 0; r < n; r++) isa[sa[r]!] = r;
  const corpusTree = new MerkleTree(
    sorted.map((c, k) =>
      corpusLeaf({
        index: BigInt(k),
        contributionId: c.id,
        start: BigInt(starts[k]!),
        length: BigInt(c.content.length),
        contentRoot: contentRoot(c.content),
      }),
    ),
  );
  const saTree = new MerkleTree(Array.from(sa, (g, r) => saLeaf(r, g)));
  const isaTree = new MerkleTree(Array.from(isa, (r, g) => isaLeaf(g, r)));
  return { sa, isa, corpusRoot: corpusTree.root, saRoot: saTree.root, isaRoot: isaTree.root, saTree, isaTree };
};
