/**
 * The accounts tree (docs/protocol.md §2): a sparse Merkle tree keyed by address, depth 160,
 * with node(0, 0) = 0 so empty subtrees cost nothing. Mirrors `src/libraries/AccountsTree.sol`.
 * The loose functions (leafHash, rootFrom, …) are the plain definitions, for checking proofs; the
 * AccountsTree class is the fast one σ runs on (issue 19): its hashes are computed in wasm
 * (./keccak.ts) and its nodes are a typed-array trie.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Address, bytesToHex, concatBytes, type Hex, hexToBytes } from "viem";
import { type KeccakInstance, keccakInstance } from "./keccak.ts";

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

/** Node slots reserved at the start of a tree's wasm memory: slot 0 is the zero word, then scratch. */
const RESERVED_SLOTS = 128;
/** Scratch: the padded 136-byte block of a leaf hash, and the (left, right, out) table of a path. */
const LEAF_BLOCK = 64;
const PATH_TABLE = 256;
const PAGE = 65_536;

/** The 20 bytes of a (well-formed) address. */
const keyBytes = (account: Address): Uint8Array => Buffer.from(account.slice(2), "hex");
const keyBit = (key: Uint8Array, level: number): number => (key[19 - (level >> 3)]! >> (level & 7)) & 1;

/**
 * An in-memory accounts tree: a binary trie over the key bits (most significant first) whose node
 * hashes live in a wasm memory of its own, 32 bytes per node at `node · 32` (node 0 = the zero word,
 * the empty subtree), so that a leaf update hashes its 160-level path in one call into
 * agents/sigma/keccak.ts. Only non-empty subtrees have nodes. Same answers as the reference tree
 * (agents/sigma/reference/tree.ts), tested against it.
 */
export class AccountsTree {
  private keccak: KeccakInstance;
  private mem: Uint8Array;
  private table: DataView;
  /** Children per node (0 = empty subtree). */
  private left: Int32Array;
  private right: Int32Array;
  private free: number[] = [];
  private next = RESERVED_SLOTS;
  private rootNode = 0;
  private readonly leaves = new Map<bigint, Leaf>();
  /** The path of the last walk: node per level (0 = leaf … 160 = root) and sibling per level 0…159. */
  private readonly path = new Int32Array(TREE_DEPTH + 1);
  private readonly sibling = new Int32Array(TREE_DEPTH);

  constructor(capacity = 1024) {
    const slots = Math.max(capacity, RESERVED_SLOTS * 2);
    this.keccak = keccakInstance(Math.ceil((slots * 32) / PAGE));
    this.mem = new Uint8Array(this.keccak.memory.buffer);
    this.table = new DataView(this.keccak.memory.buffer);
    this.left = new Int32Array(slots);
    this.right = new Int32Array(slots);
  }

  get root(): Uint8Array {
    return this.mem.slice(this.rootNode * 32, this.rootNode * 32 + 32);
  }

  get rootHex(): Hex {
    return `0x${Buffer.from(this.mem.buffer, this.rootNode * 32, 32).toString("hex")}`;
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
    this.walk(keyBytes(account), false);
    return Array.from(this.sibling, (node) => this.mem.slice(node * 32, node * 32 + 32));
  }

  /** The witness of `account` against the current root. */
  witness(account: Address): Uint8Array {
    this.walk(keyBytes(account), false);
    return this.encodeWitness(this.leaf(account));
  }

  set(account: Address, leaf: Leaf): void {
    const key = keyBytes(account);
    this.walk(key, true);
    this.write(addressKey(account), key, leaf);
  }

  /**
   * Replaces `account`'s leaf by `change(old leaf)` and returns the witness of the old leaf against
   * the root before the change (what σ's on-chain library consumes), walking the path once.
   */
  update(account: Address, change: (leaf: Leaf) => Leaf): Uint8Array {
    const id = addressKey(account);
    const old = this.leaves.get(id) ?? EMPTY_LEAF;
    const key = keyBytes(account);
    this.walk(key, true);
    const witness = this.encodeWitness(old);
    this.write(id, key, change(old));
    return witness;
  }

  clone(): AccountsTree {
    const copy = new AccountsTree(this.left.length);
    copy.mem.set(this.mem.subarray(0, this.next * 32));
    copy.left.set(this.left);
    copy.right.set(this.right);
    copy.free = [...this.free];
    copy.next = this.next;
    copy.rootNode = this.rootNode;
    for (const [k, v] of this.leaves) copy.leaves.set(k, v);
    return copy;
  }

  /** Fills `path` and `sibling` for `key`; with `create`, makes the missing nodes of the path. */
  private walk(key: Uint8Array, create: boolean): void {
    if (this.rootNode === 0 && create) this.rootNode = this.allocate();
    let node = this.rootNode;
    this.path[TREE_DEPTH] = node;
    for (let level = TREE_DEPTH - 1; level >= 0; level--) {
      if (node === 0) {
        this.path[level] = 0;
        this.sibling[level] = 0;
        continue;
      }
      let child: number;
      if (keyBit(key, level)) {
        this.sibling[level] = this.left[node]!;
        child = this.right[node]!;
        if (child === 0 && create) {
          child = this.allocate();
          this.right[node] = child;
        }
      } else {
        this.sibling[level] = this.right[node]!;
        child = this.left[node]!;
        if (child === 0 && create) {
          child = this.allocate();
          this.left[node] = child;
        }
      }
      this.path[level] = child;
      node = child;
    }
  }

  /** The witness (§2) of `leaf` with the siblings of the last walk. */
  private encodeWitness(leaf: Leaf): Uint8Array {
    let present = 0;
    for (let level = 0; level < TREE_DEPTH; level++) if (this.sibling[level] !== 0) present++;
    const out = new Uint8Array(148 + 32 * present);
    writeLeafWords(out, 0, leaf);
    let cursor = 148;
    for (let level = 0; level < TREE_DEPTH; level++) {
      const node = this.sibling[level]!;
      if (node === 0) continue;
      out[147 - (level >> 3)]! |= 1 << (level & 7);
      out.set(this.mem.subarray(node * 32, node * 32 + 32), cursor);
      cursor += 32;
    }
    return out;
  }

  /** Stores `leaf` at the end of the last walk (made with `create`) and rehashes the path. */
  private write(id: bigint, key: Uint8Array, leaf: Leaf): void {
    const path = this.path;
    let from: number;
    if (isEmptyLeaf(leaf)) {
      this.leaves.delete(id);
      // drop the nodes left without a non-empty child, from the leaf up
      from = 0;
      while (from <= TREE_DEPTH) {
        const node = path[from]!;
        if (from > 0 && (this.left[node] !== 0 || this.right[node] !== 0)) break;
        this.release(node);
        if (from === TREE_DEPTH) this.rootNode = 0;
        else if (keyBit(key, from)) this.right[path[from + 1]!] = 0;
        else this.left[path[from + 1]!] = 0;
        from++;
      }
    } else {
      this.leaves.set(id, leaf);
      const block = this.mem.subarray(LEAF_BLOCK, LEAF_BLOCK + 136);
      writeLeafWords(block, 0, leaf);
      block.fill(0, 128);
      block[128] = 0x01;
      block[135] = 0x80;
      this.keccak.blocks(LEAF_BLOCK, 1, path[0]! * 32);
      from = 1;
    }
    let entries = 0;
    for (let level = from; level <= TREE_DEPTH; level++) {
      const node = path[level]!;
      const at = PATH_TABLE + 12 * entries++;
      this.table.setUint32(at, this.left[node]! * 32, true);
      this.table.setUint32(at + 4, this.right[node]! * 32, true);
      this.table.setUint32(at + 8, node * 32, true);
    }
    if (entries > 0) this.keccak.pairs(PATH_TABLE, entries);
  }

  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const node = this.next++;
    if (node >= this.left.length) {
      const grown = this.left.length * 2;
      const left = new Int32Array(grown);
      const right = new Int32Array(grown);
      left.set(this.left);
      right.set(this.right);
      this.left = left;
      this.right = right;
    }
    const bytes = (node + 1) * 32;
    if (bytes > this.mem.length) {
      this.keccak.memory.grow(Math.ceil(Math.max(bytes - this.mem.length, this.mem.length) / PAGE));
      this.mem = new Uint8Array(this.keccak.memory.buffer);
      this.table = new DataView(this.keccak.memory.buffer);
    }
    return node;
  }

  private release(node: number): void {
    this.left[node] = 0;
    this.right[node] = 0;
    this.mem.fill(0, node * 32, node * 32 + 32);
    this.free.push(node);
  }
}

/** The leaf's four words (earned, charged, nonceBase, nonceBitmap), big-endian, at `out[at..+128]`. */
const writeLeafWords = (out: Uint8Array, at: number, leaf: Leaf): void => {
  writeWord(out, at, leaf.earned);
  writeWord(out, at + 32, leaf.charged);
  writeWord(out, at + 64, leaf.nonceBase);
  writeWord(out, at + 96, leaf.nonceBitmap);
};

const writeWord = (out: Uint8Array, at: number, value: bigint): void => {
  if (value === 0n) {
    out.fill(0, at, at + 32);
    return;
  }
  const hex = value.toString(16).padStart(64, "0");
  Buffer.from(out.buffer, out.byteOffset + at, 32).write(hex, "hex");
};

export const hexWord = (bytes: Uint8Array): Hex => bytesToHex(bytes);
export const fromHexWord = (hex: Hex): Uint8Array => hexToBytes(hex);
