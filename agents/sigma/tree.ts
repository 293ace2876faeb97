/**
 * The accounts tree (docs/protocol.md §2): a compact sparse Merkle tree keyed by 160-bit address
 * (issue 19). A key's path follows its bits from the least significant one (bit j decides the child at
 * depth j) and stops as soon as the key is alone in its subtree: a subtree with one leaf IS that leaf's
 * node, an empty subtree is 0, so paths are ≈ log2(#leaves) + 1 deep instead of 160. Mirrors
 * `src/libraries/AccountsTree.sol`.
 *
 * - The loose functions (valueHash, leafHash, decodeWitness, applyWitness, verifyProof) are the plain
 *   definitions, for checking witnesses and proofs (@noble/hashes).
 * - The AccountsTree class is the fast one σ runs on: a pointer trie in typed arrays whose node hashes
 *   live in a wasm memory of its own (./keccak.ts); an update hashes the leaf (2 keccak blocks) and the
 *   touched path only (one wasm call). It is tested against ./reference/tree.ts, which recomputes
 *   everything from the set of leaves.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Address, concatBytes, type Hex } from "viem";
import { type KeccakInstance, keccakInstance } from "./keccak.ts";

/** The deepest a terminal can be: two distinct 160-bit keys differ in some bit < 160. */
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

/** A uint256 as 32 big-endian bytes. */
export const word = (value: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  writeWord(out, 0, value);
  return out;
};

const readWord = (bytes: Uint8Array, offset: number): bigint =>
  BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset + offset, 32).toString("hex")}`);

const keyWord = (key: bigint): Uint8Array => word(key).subarray(12);

/** valueHash(W) = H(abi.encode(earned, charged, nonceBase, nonceBitmap)) (128-byte preimage). */
export const valueHash = (leaf: Leaf): Uint8Array => {
  const words = new Uint8Array(128);
  writeLeafWords(words, 0, leaf);
  return keccak_256(words);
};

/** leafHash(k, W) = H(uint160 k ‖ valueHash(W)) (52-byte preimage): a present leaf's node, never 0. */
export const leafHash = (key: bigint, leaf: Leaf): Uint8Array =>
  keccak_256(concatBytes([keyWord(key), valueHash(leaf)]));

/** An internal node H(left ‖ right) (64-byte preimage). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => keccak_256(concatBytes([left, right]));

const keyBitOf = (key: bigint, j: number): number => Number((key >> BigInt(j)) & 1n);

/** A path's terminal: 0 the key's own leaf, 1 an empty subtree, 2 another key's leaf (k', v'). */
export type Terminal =
  | { readonly kind: 0 }
  | { readonly kind: 1 }
  | { readonly kind: 2; readonly key: bigint; readonly valueHash: Uint8Array };

export class WitnessError extends Error {
  readonly _tag = "WitnessError";
}

export interface DecodedWitness {
  /** The old words W. */
  readonly leaf: Leaf;
  /** d, the terminal's depth. */
  readonly depth: number;
  readonly terminal: Terminal;
  /** The d siblings from depth d (the terminal's sibling) up to depth 1. */
  readonly siblings: ReadonlyArray<Uint8Array>;
  /** The offset after this witness. */
  readonly next: number;
}

/** Decodes d ‖ kind ‖ (k' ‖ v') ‖ siblings at `offset` (a witness's path, or a membership proof). */
const decodePath = (
  bytes: Uint8Array,
  offset: number,
  start: number,
): Omit<DecodedWitness, "leaf"> & { readonly next: number } => {
  if (offset + 2 > bytes.length) throw new WitnessError(`witness at byte ${start} is truncated`);
  const depth = bytes[offset]!;
  const kind = bytes[offset + 1]!;
  if (depth > MAX_DEPTH) throw new WitnessError(`witness at byte ${start}: depth ${depth} > ${MAX_DEPTH}`);
  if (kind > 2) throw new WitnessError(`witness at byte ${start}: terminal kind ${kind} is not 0, 1 or 2`);
  let cursor = offset + 2;
  let terminal: Terminal;
  if (kind === 2) {
    if (cursor + 52 > bytes.length) throw new WitnessError(`witness at byte ${start} is truncated`);
    const key = BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset + cursor, 20).toString("hex")}`);
    terminal = { kind: 2, key, valueHash: bytes.slice(cursor + 20, cursor + 52) };
    cursor += 52;
  } else terminal = kind === 0 ? { kind: 0 } : { kind: 1 };
  if (cursor + 32 * depth > bytes.length) throw new WitnessError(`witness at byte ${start} is truncated`);
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) siblings.push(bytes.slice(cursor + 32 * i, cursor + 32 * i + 32));
  return { depth, terminal, siblings, next: cursor + 32 * depth };
};

/** Decodes the witness at `offset` (structure only: truncation, d > 160, kind > 2 are WitnessErrors). */
export const decodeWitness = (bytes: Uint8Array, offset: number): DecodedWitness => {
  if (offset + 128 > bytes.length) throw new WitnessError(`witness at byte ${offset} is truncated`);
  const leaf: Leaf = {
    earned: readWord(bytes, offset),
    charged: readWord(bytes, offset + 32),
    nonceBase: readWord(bytes, offset + 64),
    nonceBitmap: readWord(bytes, offset + 96),
  };
  return { leaf, ...decodePath(bytes, offset + 128, offset) };
};

/** Hashes `node` (at depth `depth` on `key`'s path) up through `siblings` to depth 0. */
const hashUp = (key: bigint, node: Uint8Array, siblings: ReadonlyArray<Uint8Array>): Uint8Array => {
  let out = node;
  for (let i = 0; i < siblings.length; i++) {
    const j = siblings.length - 1 - i; // the parent's depth
    out = keyBitOf(key, j) ? nodeHash(siblings[i]!, out) : nodeHash(out, siblings[i]!);
  }
  return out;
};

/**
 * σ's update of one leaf from its witness (§2, as `AccountsTree.sol` does it): checks the witness at
 * `offset` against `root` for `key` and returns the old words, the root after writing `next`, and the
 * offset after the witness. Any invalid witness is a WitnessError.
 */
export const applyWitness = (
  root: Uint8Array,
  key: bigint,
  next: Leaf,
  bytes: Uint8Array,
  offset: number,
): { readonly leaf: Leaf; readonly root: Uint8Array; readonly next: number } => {
  const w = decodeWitness(bytes, offset);
  const { depth: d, terminal } = w;
  let oldNode: Uint8Array;
  let newNode: Uint8Array;
  if (terminal.kind === 0) {
    oldNode = leafHash(key, w.leaf);
    newNode = leafHash(key, next);
  } else {
    if (!isEmptyLeaf(w.leaf)) throw new WitnessError(`witness at byte ${offset}: an absent key with non-zero words`);
    if (terminal.kind === 1) {
      oldNode = ZERO;
      newNode = isEmptyLeaf(next) ? ZERO : leafHash(key, next);
    } else {
      const other = terminal.key;
      const low = (1n << BigInt(d)) - 1n;
      if (other === key) throw new WitnessError(`witness at byte ${offset}: the other leaf is the key itself`);
      if ((other & low) !== (key & low)) {
        throw new WitnessError(`witness at byte ${offset}: the other leaf is not on the key's path at depth ${d}`);
      }
      oldNode = keccak_256(concatBytes([keyWord(other), terminal.valueHash]));
      if (isEmptyLeaf(next)) newNode = oldNode;
      else {
        let p = d;
        while (keyBitOf(key, p) === keyBitOf(other, p)) p++;
        const mine = leafHash(key, next);
        newNode = keyBitOf(key, p) ? nodeHash(oldNode, mine) : nodeHash(mine, oldNode);
        for (let j = p - 1; j >= d; j--) newNode = keyBitOf(key, j) ? nodeHash(ZERO, newNode) : nodeHash(newNode, ZERO);
      }
    }
  }
  if (!sameBytes(hashUp(key, oldNode, w.siblings), root)) {
    throw new WitnessError(`witness at byte ${offset} does not open the current root`);
  }
  return { leaf: w.leaf, root: hashUp(key, newNode, w.siblings), next: w.next };
};

/** Checks a withdrawal's membership proof (d ‖ kind 0 ‖ siblings) of (key, leaf) against `root`. */
export const verifyProof = (root: Uint8Array, key: bigint, leaf: Leaf, proof: Uint8Array): boolean => {
  try {
    const path = decodePath(proof, 0, 0);
    if (path.terminal.kind !== 0 || path.next !== proof.length) return false;
    return sameBytes(hashUp(key, leafHash(key, leaf), path.siblings), root);
  } catch (cause) {
    if (cause instanceof WitnessError) return false;
    throw cause;
  }
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

export const addressKey = (account: Address): bigint => BigInt(account);

/** Memory slots reserved at the start of a tree's wasm memory: slot 0 is the zero word, then scratch. */
const RESERVED_SLOTS = 128;
/** Scratch: the padded 136-byte blocks of a value hash and of a leaf hash, then the pairs table. */
const VALUE_BLOCK = 64;
const LEAF_BLOCK = 256;
const PATH_TABLE = 512;
const PAGE = 65_536;

/** What σ and its callers need of an accounts tree (the bench runs σ on the pre-issue-19 tree through it). */
export interface Tree {
  readonly root: Uint8Array;
  readonly rootHex: Hex;
  leaf(account: Address): Leaf;
  has(account: Address): boolean;
  accounts(): ReadonlyArray<readonly [Address, Leaf]>;
  witness(account: Address): Uint8Array;
  proof(account: Address): Uint8Array;
  set(account: Address, leaf: Leaf): void;
  update(account: Address, change: (leaf: Leaf) => Leaf): Uint8Array;
  witnessAfter(account: Address, leaf: Leaf, key: Address): Uint8Array;
  clone(): Tree;
}

/** The lower-case hex (no 0x) of an address: the trie's map key. */
const hexKey = (account: Address): string => account.slice(2).toLowerCase();

/**
 * An in-memory accounts tree: a binary trie over the key bits (least significant first) whose node
 * hashes live in a wasm memory of its own, 32 bytes per slot at `slot · 32` (slot 0 = the zero word,
 * the empty subtree). A node is internal (two children, one of them possibly 0 in a chain) or a leaf;
 * a leaf also owns a second slot holding its valueHash. Same answers as ./reference/tree.ts.
 */
export class AccountsTree implements Tree {
  private keccak: KeccakInstance;
  private mem: Uint8Array;
  private table: DataView;
  /** Children per slot (0 = empty subtree); a leaf slot has left < 0 (its leaf number) and right = its value slot. */
  private left: Int32Array;
  private right: Int32Array;
  /** The 20 key bytes of each leaf slot. */
  private keys: Uint8Array;
  private next = RESERVED_SLOTS;
  private rootNode = 0;
  /** Present leaves: hex key → leaf slot; the words of leaf number i (a leaf slot has left = −1 − i). */
  private readonly slots = new Map<string, number>();
  private words: Leaf[] = [];
  /** The last walk: node per depth (0 … depth), the terminal's depth and its parent link. */
  private readonly path = new Int32Array(MAX_DEPTH + 1);
  private depth = 0;
  private readonly key = Buffer.alloc(20);

  constructor(capacity = 1024) {
    const slots = Math.max(capacity, RESERVED_SLOTS * 2);
    this.keccak = keccakInstance(Math.ceil((slots * 32) / PAGE));
    this.mem = new Uint8Array(this.keccak.memory.buffer);
    this.table = new DataView(this.keccak.memory.buffer);
    this.left = new Int32Array(slots);
    this.right = new Int32Array(slots);
    this.keys = new Uint8Array(slots * 20);
  }

  get root(): Uint8Array {
    return this.mem.slice(this.rootNode * 32, this.rootNode * 32 + 32);
  }

  get rootHex(): Hex {
    return `0x${Buffer.from(this.mem.buffer, this.rootNode * 32, 32).toString("hex")}`;
  }

  leaf(account: Address): Leaf {
    const slot = this.slots.get(hexKey(account));
    return slot === undefined ? EMPTY_LEAF : this.wordsAt(slot);
  }

  has(account: Address): boolean {
    return this.slots.has(hexKey(account));
  }

  /** Every present leaf (all-zero ones included: a leaf is never deleted), by key. */
  accounts(): ReadonlyArray<readonly [Address, Leaf]> {
    return [...this.slots.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([hex, slot]) => [`0x${hex}` as Address, this.wordsAt(slot)]);
  }

  /** The witness of `account` against the current root. */
  witness(account: Address): Uint8Array {
    this.walk(account);
    return this.encodeWitness(this.leaf(account));
  }

  /** The membership proof of a present `account` (d ‖ 0 ‖ siblings), for withdrawals. */
  proof(account: Address): Uint8Array {
    if (!this.has(account)) throw new RangeError(`${account} has no leaf in the accounts tree`);
    this.walk(account);
    return this.encodeWitness(EMPTY_LEAF).slice(128);
  }

  /** Writes `leaf` at `account`; all-zero words to an absent key change nothing (no deletions). */
  set(account: Address, leaf: Leaf): void {
    this.walk(account);
    this.write(leaf);
  }

  /**
   * Replaces `account`'s leaf by `change(old leaf)` and returns the witness of the old leaf against
   * the root before the change (what σ's on-chain library consumes), walking the path once.
   */
  update(account: Address, change: (leaf: Leaf) => Leaf): Uint8Array {
    this.walk(account);
    const terminal = this.path[this.depth]!;
    const old = terminal !== 0 && this.isMine(terminal) ? this.wordsAt(terminal) : EMPTY_LEAF;
    const witness = this.encodeWitness(old);
    this.write(change(old));
    return witness;
  }

  /**
   * The witness of `key` against the root the tree would have after writing `leaf` at `account`, leaving
   * the tree as it is (σ's NoAllowance: the allowance's witness after a nonce spend that does not stay).
   * O(path), not a clone: the write is made, then undone.
   */
  witnessAfter(account: Address, leaf: Leaf, key: Address): Uint8Array {
    this.walk(account);
    const d = this.depth;
    const terminal = this.path[d]!;
    const mine = terminal !== 0 && this.isMine(terminal);
    if (!mine && isEmptyLeaf(leaf)) return this.witness(key);
    const path = this.path.slice(0, d + 1);
    const side = d > 0 ? this.bit(d - 1) : 0;
    const hashes = Array.from(path, (node) => this.mem.slice(node * 32, node * 32 + 32));
    const value = mine ? this.mem.slice(this.right[terminal]! * 32, this.right[terminal]! * 32 + 32) : undefined;
    const old = mine ? this.wordsAt(terminal) : EMPTY_LEAF;
    const next = this.next;
    const leaves = this.words.length;
    const rootNode = this.rootNode;
    this.write(leaf);
    const witness = this.witness(key);
    path.forEach((node, j) => {
      if (node !== 0) this.mem.set(hashes[j]!, node * 32);
    });
    if (mine) {
      this.mem.set(value!, this.right[terminal]! * 32);
      this.words[-1 - this.left[terminal]!] = old;
    } else {
      this.rootNode = rootNode;
      if (d > 0) {
        if (side) this.right[path[d - 1]!] = terminal;
        else this.left[path[d - 1]!] = terminal;
      }
      this.slots.delete(hexKey(account));
      this.words.length = leaves;
      this.next = next;
    }
    return witness;
  }

  clone(): AccountsTree {
    const copy = new AccountsTree(this.left.length);
    copy.mem.set(this.mem.subarray(0, this.next * 32));
    copy.left.set(this.left);
    copy.right.set(this.right);
    copy.keys.set(this.keys);
    copy.next = this.next;
    copy.rootNode = this.rootNode;
    for (const [k, v] of this.slots) copy.slots.set(k, v);
    copy.words = [...this.words];
    return copy;
  }

  private wordsAt(slot: number): Leaf {
    return this.words[-1 - this.left[slot]!]!;
  }

  private bit(j: number): number {
    return (this.key[19 - (j >> 3)]! >> (j & 7)) & 1;
  }

  /** Loads `account`'s key and fills `path[0..depth]` down to its terminal. */
  private walk(account: Address): void {
    if (this.key.write(account.slice(2), 0, 20, "hex") !== 20) throw new RangeError(`${account} is not an address`);
    let node = this.rootNode;
    let depth = 0;
    this.path[0] = node;
    while (node !== 0 && this.left[node]! >= 0) {
      node = this.bit(depth) ? this.right[node]! : this.left[node]!;
      depth++;
      this.path[depth] = node;
    }
    this.depth = depth;
  }

  /** The lowest bit index ≥ `from` where the walked key and the leaf slot `other`'s key differ. */
  private split(other: number, from: number): number {
    for (let j = from; j < MAX_DEPTH; j++) {
      const theirs = (this.keys[other * 20 + 19 - (j >> 3)]! >> (j & 7)) & 1;
      if (theirs !== this.bit(j)) return j;
    }
    return MAX_DEPTH;
  }

  private isMine(slot: number): boolean {
    const at = slot * 20;
    for (let i = 0; i < 20; i++) if (this.keys[at + i] !== this.key[i]) return false;
    return true;
  }

  /** The witness (§2) of `leaf` with the path of the last walk. */
  private encodeWitness(leaf: Leaf): Uint8Array {
    const d = this.depth;
    const terminal = this.path[d]!;
    const kind = terminal === 0 ? 1 : this.isMine(terminal) ? 0 : 2;
    const head = 130 + (kind === 2 ? 52 : 0);
    const out = new Uint8Array(head + 32 * d);
    writeLeafWords(out, 0, leaf);
    out[128] = d;
    out[129] = kind;
    if (kind === 2) {
      out.set(this.keys.subarray(terminal * 20, terminal * 20 + 20), 130);
      const value = this.right[terminal]! * 32;
      out.set(this.mem.subarray(value, value + 32), 150);
    }
    for (let j = d; j >= 1; j--) {
      const parent = this.path[j - 1]!;
      const sibling = this.bit(j - 1) ? this.left[parent]! : this.right[parent]!;
      const at = head + 32 * (d - j);
      if (sibling !== 0) out.set(this.mem.subarray(sibling * 32, sibling * 32 + 32), at);
    }
    return out;
  }

  /** Writes `leaf` at the key of the last walk and rehashes the touched path (§2's update rule). */
  private write(leaf: Leaf): void {
    const d = this.depth;
    const terminal = this.path[d]!;
    let entries = 0;
    let top: number; // the new node at depth d
    if (terminal !== 0 && this.isMine(terminal)) {
      this.hashLeaf(terminal, leaf);
      top = terminal;
    } else {
      if (isEmptyLeaf(leaf)) return; // all-zero words to an absent key: a no-op
      const mine = this.allocateLeaf();
      this.hashLeaf(mine, leaf);
      if (terminal === 0) top = mine;
      else {
        // the other leaf moves down: a fresh internal node at depth p splits it from ours, and
        // depths d … p − 1 become a chain of single-child nodes
        const p = this.split(terminal, d);
        let below = this.allocate();
        if (this.bit(p)) {
          this.left[below] = terminal;
          this.right[below] = mine;
        } else {
          this.left[below] = mine;
          this.right[below] = terminal;
        }
        entries = this.pushPair(entries, below);
        for (let j = p - 1; j >= d; j--) {
          const node = this.allocate();
          if (this.bit(j)) {
            this.left[node] = 0;
            this.right[node] = below;
          } else {
            this.left[node] = below;
            this.right[node] = 0;
          }
          entries = this.pushPair(entries, node);
          below = node;
        }
        top = below;
      }
      if (d === 0) this.rootNode = top;
      else if (this.bit(d - 1)) this.right[this.path[d - 1]!] = top;
      else this.left[this.path[d - 1]!] = top;
    }
    for (let j = d - 1; j >= 0; j--) entries = this.pushPair(entries, this.path[j]!);
    if (entries > 0) this.keccak.pairs(PATH_TABLE, entries);
  }

  private pushPair(entries: number, node: number): number {
    const at = PATH_TABLE + 12 * entries;
    this.table.setUint32(at, this.left[node]! * 32, true);
    this.table.setUint32(at + 4, this.right[node]! * 32, true);
    this.table.setUint32(at + 8, node * 32, true);
    return entries + 1;
  }

  /** Stores `leaf` in leaf slot `slot` (its key already there) and computes valueHash and leafHash. */
  private hashLeaf(slot: number, leaf: Leaf): void {
    this.words[-1 - this.left[slot]!] = leaf;
    const mem = this.mem;
    writeLeafWords(mem, VALUE_BLOCK, leaf);
    mem.fill(0, VALUE_BLOCK + 128, VALUE_BLOCK + 136);
    mem[VALUE_BLOCK + 128] = 0x01;
    mem[VALUE_BLOCK + 135] = 0x80;
    const value = this.right[slot]! * 32;
    this.keccak.blocks(VALUE_BLOCK, 1, value);
    mem.set(this.keys.subarray(slot * 20, slot * 20 + 20), LEAF_BLOCK);
    mem.copyWithin(LEAF_BLOCK + 20, value, value + 32);
    mem.fill(0, LEAF_BLOCK + 52, LEAF_BLOCK + 136);
    mem[LEAF_BLOCK + 52] = 0x01;
    mem[LEAF_BLOCK + 135] = 0x80;
    this.keccak.blocks(LEAF_BLOCK, 1, slot * 32);
  }

  /** A new leaf slot for the walked key (with its value slot). */
  private allocateLeaf(): number {
    const slot = this.allocate();
    const value = this.allocate();
    this.left[slot] = -1 - this.words.length;
    this.words.push(EMPTY_LEAF);
    this.right[slot] = value;
    this.keys.set(this.key, slot * 20);
    this.slots.set(Buffer.from(this.key).toString("hex"), slot);
    return slot;
  }

  private allocate(): number {
    const node = this.next++;
    if (node >= this.left.length) {
      const grown = this.left.length * 2;
      const left = new Int32Array(grown);
      const right = new Int32Array(grown);
      const keys = new Uint8Array(grown * 20);
      left.set(this.left);
      right.set(this.right);
      keys.set(this.keys);
      this.left = left;
      this.right = right;
      this.keys = keys;
    }
    const bytes = (node + 1) * 32;
    if (bytes > this.mem.length) {
      this.keccak.memory.grow(Math.ceil(Math.max(bytes - this.mem.length, this.mem.length) / PAGE));
      this.mem = new Uint8Array(this.keccak.memory.buffer);
      this.table = new DataView(this.keccak.memory.buffer);
    }
    return node;
  }
}

/** The leaf's four words (earned, charged, nonceBase, nonceBitmap), big-endian, at `out[at..+128]`. */
const writeLeafWords = (out: Uint8Array, at: number, leaf: Leaf): void => {
  writeWord(out, at, leaf.earned);
  writeWord(out, at + 32, leaf.charged);
  writeWord(out, at + 64, leaf.nonceBase);
  writeWord(out, at + 96, leaf.nonceBitmap);
};

const MASK64 = (1n << 64n) - 1n;

const writeWord = (out: Uint8Array, at: number, value: bigint): void => {
  if (value <= 0xffffffffn) {
    // σ's words are mostly small (fees, nonce bases): no bigint arithmetic
    out.fill(0, at, at + 28);
    const n = Number(value);
    out[at + 28] = n >>> 24;
    out[at + 29] = (n >>> 16) & 0xff;
    out[at + 30] = (n >>> 8) & 0xff;
    out[at + 31] = n & 0xff;
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + at, 32);
  view.setBigUint64(0, (value >> 192n) & MASK64);
  view.setBigUint64(8, (value >> 128n) & MASK64);
  view.setBigUint64(16, (value >> 64n) & MASK64);
  view.setBigUint64(24, value & MASK64);
};
