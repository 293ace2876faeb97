/**
 * The reference accounts tree (docs/protocol.md §2): the compact sparse Merkle tree of issue 19,
 * written as its definition. The tree is the set of present (key, words) leaves; every root and every
 * path is recomputed from that set by splitting it on key bits (bit 0 = the key's least significant
 * bit decides the root's children), with no cache at all. The fast tree (../tree.ts) and the witness
 * checker there are tested against it. Do not optimise this file: its value is being obviously the spec.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Address, bytesToHex, concatBytes, type Hex } from "viem";

export const MAX_DEPTH = 160;
const ZERO = new Uint8Array(32);

export interface Leaf {
  readonly earned: bigint;
  readonly charged: bigint;
  readonly nonceBase: bigint;
  readonly nonceBitmap: bigint;
}

export const EMPTY_LEAF: Leaf = { earned: 0n, charged: 0n, nonceBase: 0n, nonceBitmap: 0n };

export const isEmptyLeaf = (leaf: Leaf): boolean =>
  leaf.earned === 0n && leaf.charged === 0n && leaf.nonceBase === 0n && leaf.nonceBitmap === 0n;

const bytesOf = (value: bigint, size: number): Uint8Array => {
  const out = new Uint8Array(size);
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

const bit = (key: bigint, j: number): number => Number((key >> BigInt(j)) & 1n);

/** valueHash(W) = H(abi.encode(earned, charged, nonceBase, nonceBitmap)). */
export const valueHash = (leaf: Leaf): Uint8Array =>
  keccak_256(
    concatBytes([
      bytesOf(leaf.earned, 32),
      bytesOf(leaf.charged, 32),
      bytesOf(leaf.nonceBase, 32),
      bytesOf(leaf.nonceBitmap, 32),
    ]),
  );

/** leafHash(k, W) = H(uint160 k ‖ valueHash(W)) — 52 bytes. */
export const leafHash = (key: bigint, leaf: Leaf): Uint8Array =>
  keccak_256(concatBytes([bytesOf(key, 20), valueHash(leaf)]));

/** An internal node: H(left ‖ right) — 64 bytes. */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => keccak_256(concatBytes([left, right]));

/** The node of the subtree holding exactly `keys` (all sharing their low `depth` bits). */
const subtree = (leaves: ReadonlyMap<bigint, Leaf>, keys: ReadonlyArray<bigint>, depth: number): Uint8Array => {
  if (keys.length === 0) return ZERO;
  if (keys.length === 1) return leafHash(keys[0]!, leaves.get(keys[0]!)!);
  const left = keys.filter((k) => bit(k, depth) === 0);
  const right = keys.filter((k) => bit(k, depth) === 1);
  return nodeHash(subtree(leaves, left, depth + 1), subtree(leaves, right, depth + 1));
};

/** The keys whose low `depth` bits equal `key`'s. */
const sharing = (keys: ReadonlyArray<bigint>, key: bigint, depth: number): bigint[] => {
  const mask = (1n << BigInt(depth)) - 1n;
  return keys.filter((k) => (k & mask) === (key & mask));
};

export type Terminal =
  | { readonly kind: 0 }
  | { readonly kind: 1 }
  | { readonly kind: 2; readonly key: bigint; readonly valueHash: Uint8Array };

/** The path of a key: its terminal at depth d and the d siblings from depth d up to depth 1. */
export interface Path {
  readonly depth: number;
  readonly terminal: Terminal;
  readonly siblings: ReadonlyArray<Uint8Array>;
}

/** The four words ‖ d ‖ kind ‖ (k' ‖ v') ‖ siblings — a witness of §2. */
export const encodeWitness = (leaf: Leaf, path: Path): Uint8Array =>
  concatBytes([
    bytesOf(leaf.earned, 32),
    bytesOf(leaf.charged, 32),
    bytesOf(leaf.nonceBase, 32),
    bytesOf(leaf.nonceBitmap, 32),
    encodePath(path),
  ]);

/** d ‖ kind ‖ (k' ‖ v') ‖ siblings (a witness without its words; with kind 0, a membership proof). */
export const encodePath = (path: Path): Uint8Array =>
  concatBytes([
    Uint8Array.of(path.depth, path.terminal.kind),
    ...(path.terminal.kind === 2 ? [bytesOf(path.terminal.key, 20), path.terminal.valueHash] : []),
    ...path.siblings,
  ]);

const toKey = (account: Address): bigint => BigInt(account);
const toAddress = (key: bigint): Address => `0x${key.toString(16).padStart(40, "0")}`;

/** The reference accounts tree: a map of present leaves; everything else is recomputed on demand. */
export class AccountsTree {
  private readonly leaves = new Map<bigint, Leaf>();

  get root(): Uint8Array {
    return subtree(this.leaves, [...this.leaves.keys()], 0);
  }

  get rootHex(): Hex {
    return bytesToHex(this.root);
  }

  leaf(account: Address): Leaf {
    return this.leaves.get(toKey(account)) ?? EMPTY_LEAF;
  }

  has(account: Address): boolean {
    return this.leaves.has(toKey(account));
  }

  /** Every present leaf (all-zero ones included: a leaf is never deleted), by key. */
  accounts(): ReadonlyArray<readonly [Address, Leaf]> {
    return [...this.leaves.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, leaf]) => [toAddress(k), leaf]);
  }

  /** The path of `account`: walk down while the subtree on the key's side holds ≥ 2 leaves. */
  path(account: Address): Path {
    const key = toKey(account);
    const keys = [...this.leaves.keys()];
    let depth = 0;
    for (;;) {
      const here = sharing(keys, key, depth);
      if (here.length === 0) return { depth, terminal: { kind: 1 }, siblings: this.siblingsOf(key, depth) };
      if (here.length === 1) {
        const other = here[0]!;
        const terminal: Terminal =
          other === key ? { kind: 0 } : { kind: 2, key: other, valueHash: valueHash(this.leaves.get(other)!) };
        return { depth, terminal, siblings: this.siblingsOf(key, depth) };
      }
      depth++;
    }
  }

  /** Siblings of `key`'s path from depth `depth` up to depth 1: the subtree across bit j − 1 at depth j. */
  private siblingsOf(key: bigint, depth: number): Uint8Array[] {
    const keys = [...this.leaves.keys()];
    const out: Uint8Array[] = [];
    for (let j = depth; j >= 1; j--) {
      const across = key ^ (1n << BigInt(j - 1));
      out.push(subtree(this.leaves, sharing(keys, across, j), j));
    }
    return out;
  }

  /** The witness of `account` against the current root. */
  witness(account: Address): Uint8Array {
    return encodeWitness(this.leaf(account), this.path(account));
  }

  /** The membership proof of a present `account` (d ‖ 0 ‖ siblings), for withdrawals. */
  proof(account: Address): Uint8Array {
    if (!this.has(account)) throw new RangeError(`${account} has no leaf in the accounts tree`);
    return encodePath(this.path(account));
  }

  /** Writes `leaf` at `account`; all-zero words to an absent key change nothing (no deletions). */
  set(account: Address, leaf: Leaf): void {
    const key = toKey(account);
    if (this.leaves.has(key) || !isEmptyLeaf(leaf)) this.leaves.set(key, leaf);
  }

  /** Replaces the leaf by `change(old)` and returns the witness of the old leaf against the old root. */
  update(account: Address, change: (leaf: Leaf) => Leaf): Uint8Array {
    const old = this.leaf(account);
    const witness = this.witness(account);
    this.set(account, change(old));
    return witness;
  }

  /** The witness of `key` after writing `leaf` at `account`, on a copy: the tree is left as it is. */
  witnessAfter(account: Address, leaf: Leaf, key: Address): Uint8Array {
    const copy = this.clone();
    copy.set(account, leaf);
    return copy.witness(key);
  }

  clone(): AccountsTree {
    const copy = new AccountsTree();
    for (const [k, v] of this.leaves) copy.leaves.set(k, v);
    return copy;
  }
}
