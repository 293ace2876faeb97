/**
 * The reference accounts tree (docs/protocol.md §2): a sparse Merkle tree keyed by address, depth 160,
 * with node(0, 0) = 0 so empty subtrees cost nothing; one Map per level. The fast tree (../tree.ts) is
 * tested against it. Do not optimise this file.
 */
// @noble/hashes is viem's own hash library (installed with it); called directly it is ~3× faster than
// viem's keccak256 wrapper on 64-byte inputs, which dominates σ's cost (160 levels per leaf update).
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Address, bytesToHex, concatBytes, type Hex, hexToBytes } from "viem";

export const TREE_DEPTH = 160;
const ZERO = new Uint8Array(32);

export interface Leaf {
  readonly earned: bigint;
  readonly charged: bigint;
  readonly nonceBase: bigint;
  readonly nonceBitmap: bigint;
}

export const EMPTY_LEAF: Leaf = { earned: 0n, charged: 0n, nonceBase: 0n, nonceBitmap: 0n };

const isZero = (word: Uint8Array): boolean => {
  for (let i = 0; i < word.length; i++) if (word[i] !== 0) return false;
  return true;
};

export const word = (value: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

const readWord = (bytes: Uint8Array, offset: number): bigint => {
  let v = 0n;
  for (let i = 0; i < 32; i++) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
};

export const isEmptyLeaf = (leaf: Leaf): boolean =>
  leaf.earned === 0n && leaf.charged === 0n && leaf.nonceBase === 0n && leaf.nonceBitmap === 0n;

/** `leafHash` of §2: zero for the empty leaf, else H(abi.encode(four words)). */
export const leafHash = (leaf: Leaf): Uint8Array =>
  isEmptyLeaf(leaf)
    ? ZERO
    : keccak_256(concatBytes([word(leaf.earned), word(leaf.charged), word(leaf.nonceBase), word(leaf.nonceBitmap)]));

const pair = new Uint8Array(64);

/** `node` of §2: zero when both children are zero. */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => {
  if (isZero(left) && isZero(right)) return ZERO;
  pair.set(left, 0);
  pair.set(right, 32);
  return keccak_256(pair);
};

/** A Merkle path of one leaf: 160 siblings from level 0 up (zero words included). */
export type Siblings = ReadonlyArray<Uint8Array>;

/** Encodes a path as the compressed proof of §2: uint160 bitmap ‖ non-zero siblings. */
export const encodeProof = (siblings: Siblings): Uint8Array => {
  let bitmap = 0n;
  const present: Uint8Array[] = [];
  siblings.forEach((sibling, level) => {
    if (!isZero(sibling)) {
      bitmap |= 1n << BigInt(level);
      present.push(sibling);
    }
  });
  return concatBytes([word(bitmap).subarray(12), ...present]);
};

/** A witness (§2): the leaf's four words ‖ its compressed proof. */
export const encodeWitness = (leaf: Leaf, siblings: Siblings): Uint8Array =>
  concatBytes([
    word(leaf.earned),
    word(leaf.charged),
    word(leaf.nonceBase),
    word(leaf.nonceBitmap),
    encodeProof(siblings),
  ]);

export class WitnessError extends Error {
  readonly _tag = "WitnessError";
}

/** Decodes the witness at `offset`; returns the leaf, the full sibling path and the next offset. */
export const decodeWitness = (
  bytes: Uint8Array,
  offset: number,
): { readonly leaf: Leaf; readonly siblings: Siblings; readonly next: number } => {
  if (offset + 148 > bytes.length) throw new WitnessError(`witness at byte ${offset} is truncated`);
  const leaf: Leaf = {
    earned: readWord(bytes, offset),
    charged: readWord(bytes, offset + 32),
    nonceBase: readWord(bytes, offset + 64),
    nonceBitmap: readWord(bytes, offset + 96),
  };
  let bitmap = 0n;
  for (let i = 0; i < 20; i++) bitmap = (bitmap << 8n) | BigInt(bytes[offset + 128 + i] ?? 0);
  let cursor = offset + 148;
  const siblings: Uint8Array[] = [];
  for (let level = 0; level < TREE_DEPTH; level++) {
    if ((bitmap >> BigInt(level)) & 1n) {
      if (cursor + 32 > bytes.length) throw new WitnessError(`witness at byte ${offset} is truncated`);
      siblings.push(bytes.slice(cursor, cursor + 32));
      cursor += 32;
    } else siblings.push(ZERO);
  }
  return { leaf, siblings, next: cursor };
};

/** The root obtained by hashing `leaf` at `key` up through `siblings`. */
export const rootFrom = (key: bigint, leaf: Leaf, siblings: Siblings): Uint8Array => {
  let node = leafHash(leaf);
  for (let level = 0; level < TREE_DEPTH; level++) {
    const sibling = siblings[level] ?? ZERO;
    node = (key >> BigInt(level)) & 1n ? nodeHash(sibling, node) : nodeHash(node, sibling);
  }
  return node;
};

export const addressKey = (account: Address): bigint => BigInt(account);

/** An in-memory accounts tree: only non-zero nodes are stored, level by level. */
export class AccountsTree {
  /** levels[i] maps a position at level i (key >> i) to its non-zero node; levels[160] holds the root. */
  private readonly levels: Array<Map<bigint, Uint8Array>> = Array.from({ length: TREE_DEPTH + 1 }, () => new Map());
  private readonly leaves = new Map<bigint, Leaf>();

  get root(): Uint8Array {
    return this.levels[TREE_DEPTH]!.get(0n) ?? ZERO;
  }

  get rootHex(): Hex {
    return bytesToHex(this.root);
  }

  leaf(account: Address): Leaf {
    return this.leaves.get(addressKey(account)) ?? EMPTY_LEAF;
  }

  /** Every non-empty leaf (for snapshots and withdrawals). */
  accounts(): ReadonlyArray<readonly [Address, Leaf]> {
    return [...this.leaves.entries()].map(([key, leaf]) => [
      `0x${key.toString(16).padStart(40, "0")}` as Address,
      leaf,
    ]);
  }

  siblings(account: Address): Siblings {
    let position = addressKey(account);
    const out: Uint8Array[] = [];
    for (let level = 0; level < TREE_DEPTH; level++) {
      out.push(this.levels[level]!.get(position ^ 1n) ?? ZERO);
      position >>= 1n;
    }
    return out;
  }

  /** The witness of `account` against the current root. */
  witness(account: Address): Uint8Array {
    return encodeWitness(this.leaf(account), this.siblings(account));
  }

  set(account: Address, leaf: Leaf): void {
    this.write(addressKey(account), leaf, undefined);
  }

  /**
   * Replaces `account`'s leaf by `change(old leaf)` and returns the witness of the old leaf against
   * the root before the change (what σ's on-chain library consumes), fetching the path once.
   */
  update(account: Address, change: (leaf: Leaf) => Leaf): Uint8Array {
    const key = addressKey(account);
    const old = this.leaves.get(key) ?? EMPTY_LEAF;
    const siblings = this.siblings(account);
    this.write(key, change(old), siblings);
    return encodeWitness(old, siblings);
  }

  private write(key: bigint, leaf: Leaf, siblings: Siblings | undefined): void {
    if (isEmptyLeaf(leaf)) this.leaves.delete(key);
    else this.leaves.set(key, leaf);
    let node = leafHash(leaf);
    let position = key;
    for (let level = 0; level <= TREE_DEPTH; level++) {
      const row = this.levels[level]!;
      if (isZero(node)) row.delete(position);
      else row.set(position, node);
      if (level === TREE_DEPTH) break;
      const sibling = siblings?.[level] ?? row.get(position ^ 1n) ?? ZERO;
      node = position & 1n ? nodeHash(sibling, node) : nodeHash(node, sibling);
      position >>= 1n;
    }
  }

  clone(): AccountsTree {
    const copy = new AccountsTree();
    this.levels.forEach((row, i) => {
      for (const [k, v] of row) copy.levels[i]!.set(k, v);
    });
    for (const [k, v] of this.leaves) copy.leaves.set(k, v);
    return copy;
  }
}

export const hexWord = (bytes: Uint8Array): Hex => bytesToHex(bytes);
export const fromHexWord = (hex: Hex): Uint8Array => hexToBytes(hex);
