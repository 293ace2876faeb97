/**
 * The accounts tree before issue 19's compact tree, kept ONLY as the bench's peer (agents/bench/sigma.ts):
 * the depth-160 sparse Merkle tree with node(0, 0) = 0 and its fast typed-array trie hashing in wasm,
 * as it was on main (`git show <before>:agents/sigma/tree.ts`), trimmed to what σ calls. Its witnesses are
 * the old format (four words ‖ uint160 bitmap ‖ non-zero siblings); nothing but the bench may use it.
 */
import { type Address, concatBytes, type Hex } from "viem";
import { type KeccakInstance, keccakInstance } from "../sigma/keccak.ts";
import { EMPTY_LEAF, isEmptyLeaf, type Leaf, type Tree, word } from "../sigma/tree.ts";

const TREE_DEPTH = 160;

const isZero = (bytes: Uint8Array): boolean => {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
};

/** Encodes a path as the old compressed proof: uint160 bitmap ‖ non-zero siblings. */
const encodeProof = (siblings: ReadonlyArray<Uint8Array>): Uint8Array => {
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

const addressKey = (account: Address): bigint => BigInt(account);

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
export class LegacyAccountsTree implements Tree {
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

  has(account: Address): boolean {
    return this.leaves.has(addressKey(account));
  }

  witnessAfter(account: Address, leaf: Leaf, key: Address): Uint8Array {
    const copy = this.clone();
    copy.set(account, leaf);
    return copy.witness(key);
  }

  proof(account: Address): Uint8Array {
    return encodeProof(this.siblings(account));
  }

  siblings(account: Address): ReadonlyArray<Uint8Array> {
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

  clone(): LegacyAccountsTree {
    const copy = new LegacyAccountsTree(this.left.length);
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
