/**
 * keccak256 in WebAssembly, for σ's accounts tree: 161 keccak-f[1600] permutations per leaf update
 * are nearly all of σ's cost (docs/benchmarks-ledger.md), and 64-bit lanes in wasm locals run
 * keccak-f several times faster than JavaScript's 32-bit halves (@noble/hashes). The module is
 * generated here (agents/wasm/module.ts), fully unrolled, and exports:
 *
 *   pairs(table, count)      for each (left, right, out) i32 triple at table: mem[out..+32] =
 *                            keccak256(mem[left..+32] ‖ mem[right..+32]), or 32 zero bytes when
 *                            both inputs are zero (node(0, 0) = 0 of docs/protocol.md §2). Entries are
 *                            processed in order, so a path is hashed leaf to root in one call.
 *   blocks(off, n, out)      keccak256 of n pre-padded 136-byte blocks at off → mem[out..+32].
 *
 * Tested against @noble/hashes (agents/sigma/fast.test.ts).
 */
import {
  compileModule,
  encodeModule,
  type FunctionDef,
  I32,
  I64,
  instantiate,
  newMemory,
  op,
  type WasmMemory,
} from "../wasm/module.ts";

const ROUND_CONSTANTS = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];
/** ρ rotation of lane x + 5y. */
const RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

/**
 * keccak-f[1600] on the lanes held in locals a[0..24], plane by plane as XKCP's opt64 does (few values
 * live at once): each round reads state `a` and writes state `e` (25 more locals), then they swap;
 * 24 rounds leave the result back in `a`. c[0..4] holds θ's column parities, d[0..4] its D, b[0..4]
 * one plane after ρ and π.
 */
export const permutation = (a0: number[], e0: number[], b: number[], c: number[], d: number[]): number[] => {
  const code: number[] = [];
  const emit = (...parts: ReadonlyArray<ReadonlyArray<number>>) => {
    for (const p of parts) code.push(...p);
  };
  let [a, e] = [a0, e0];
  for (const rc of ROUND_CONSTANTS) {
    for (let x = 0; x < 5; x++) {
      emit(op.localGet(a[x]!));
      for (let y = 1; y < 5; y++) emit(op.localGet(a[x + 5 * y]!), op.i64Xor);
      emit(op.localSet(c[x]!));
    }
    for (let x = 0; x < 5; x++) {
      emit(
        op.localGet(c[(x + 4) % 5]!),
        op.localGet(c[(x + 1) % 5]!),
        op.i64Const(1n),
        op.i64Rotl,
        op.i64Xor,
        op.localSet(d[x]!),
      );
    }
    // output plane Y: b[X] = rotl(a[x + 5y] ^ d[x], ρ) for the (x, y) that π sends to (X, Y):
    // X = y, Y = (2x + 3y) mod 5  ⇔  y = X, x = (X + 3Y) mod 5
    for (let Y = 0; Y < 5; Y++) {
      for (let X = 0; X < 5; X++) {
        const x = (X + 3 * Y) % 5;
        const i = x + 5 * X;
        emit(op.localGet(a[i]!), op.localGet(d[x]!), op.i64Xor);
        if (RHO[i]! !== 0) emit(op.i64Const(BigInt(RHO[i]!)), op.i64Rotl);
        emit(op.localSet(b[X]!));
      }
      for (let X = 0; X < 5; X++) {
        emit(
          op.localGet(b[X]!),
          op.localGet(b[(X + 1) % 5]!),
          op.i64Const(-1n),
          op.i64Xor,
          op.localGet(b[(X + 2) % 5]!),
          op.i64And,
          op.i64Xor,
        );
        if (X === 0 && Y === 0) emit(op.i64Const(rc), op.i64Xor);
        emit(op.localSet(e[X + 5 * Y]!));
      }
    }
    [a, e] = [e, a];
  }
  return code;
};

const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);

const pairsFunction = (): FunctionDef => {
  // params: table 0, count 1; i32 locals: left 2, right 3, out 4; i64 locals from 5
  const [TABLE, COUNT, LEFT, RIGHT, OUT] = [0, 1, 2, 3, 4];
  const a = range(5, 25);
  const e = range(30, 25);
  const b = range(55, 5);
  const c = range(60, 5);
  const d = range(65, 5);
  const body: number[] = [];
  const emit = (...parts: ReadonlyArray<ReadonlyArray<number>>) => {
    for (const p of parts) body.push(...p);
  };
  emit(op.block(), op.loop());
  emit(op.localGet(COUNT), op.i32Eqz, op.brIf(1));
  emit(op.localGet(TABLE), op.i32Load(0), op.localSet(LEFT));
  emit(op.localGet(TABLE), op.i32Load(4), op.localSet(RIGHT));
  emit(op.localGet(TABLE), op.i32Load(8), op.localSet(OUT));
  for (let j = 0; j < 4; j++) emit(op.localGet(LEFT), op.i64Load(8 * j), op.localSet(a[j]!));
  for (let j = 0; j < 4; j++) emit(op.localGet(RIGHT), op.i64Load(8 * j), op.localSet(a[4 + j]!));
  // both children zero → zero node
  emit(op.localGet(a[0]!));
  for (let j = 1; j < 8; j++) emit(op.localGet(a[j]!), op.i64Or);
  emit(op.i64Eqz, op.if());
  for (let j = 0; j < 4; j++) emit(op.localGet(OUT), op.i64Const(0n), op.i64Store(8 * j));
  emit(op.else);
  // keccak padding of a 64-byte message: 0x01 at byte 64 (lane 8), 0x80 at byte 135 (lane 16)
  emit(op.i64Const(1n), op.localSet(a[8]!));
  for (let j = 9; j < 25; j++) emit(op.i64Const(j === 16 ? 1n << 63n : 0n), op.localSet(a[j]!));
  body.push(...permutation(a, e, b, c, d));
  for (let j = 0; j < 4; j++) emit(op.localGet(OUT), op.localGet(a[j]!), op.i64Store(8 * j));
  emit(op.end);
  emit(op.localGet(TABLE), op.i32Const(12), op.i32Add, op.localSet(TABLE));
  emit(op.localGet(COUNT), op.i32Const(1), op.i32Sub, op.localSet(COUNT));
  emit(op.br(0), op.end, op.end);
  return {
    name: "pairs",
    params: [I32, I32],
    results: [],
    locals: [I32, I32, I32, ...new Array<number>(65).fill(I64)] as FunctionDef["locals"],
    body,
  };
};

const blocksFunction = (): FunctionDef => {
  // params: off 0, n 1, out 2; i64 locals from 3
  const [OFF, N, OUT] = [0, 1, 2];
  const a = range(3, 25);
  const e = range(28, 25);
  const b = range(53, 5);
  const c = range(58, 5);
  const d = range(63, 5);
  const body: number[] = [];
  const emit = (...parts: ReadonlyArray<ReadonlyArray<number>>) => {
    for (const p of parts) body.push(...p);
  };
  for (let j = 0; j < 25; j++) emit(op.i64Const(0n), op.localSet(a[j]!));
  emit(op.block(), op.loop());
  emit(op.localGet(N), op.i32Eqz, op.brIf(1));
  for (let j = 0; j < 17; j++) {
    emit(op.localGet(a[j]!), op.localGet(OFF), op.i64Load(8 * j), op.i64Xor, op.localSet(a[j]!));
  }
  body.push(...permutation(a, e, b, c, d));
  emit(op.localGet(OFF), op.i32Const(136), op.i32Add, op.localSet(OFF));
  emit(op.localGet(N), op.i32Const(1), op.i32Sub, op.localSet(N));
  emit(op.br(0), op.end, op.end);
  for (let j = 0; j < 4; j++) emit(op.localGet(OUT), op.localGet(a[j]!), op.i64Store(8 * j));
  return {
    name: "blocks",
    params: [I32, I32, I32],
    results: [],
    locals: new Array<number>(65).fill(I64) as FunctionDef["locals"],
    body,
  };
};

const MAX_PAGES = 65_536;
const keccakModule = compileModule(
  encodeModule([pairsFunction(), blocksFunction()], { memory: { initial: 1, maximum: MAX_PAGES, shared: false } }),
);

export interface KeccakInstance {
  readonly memory: WasmMemory;
  /** See the module comment. */
  readonly pairs: (table: number, count: number) => void;
  readonly blocks: (offset: number, blocks: number, out: number) => void;
}

/** A fresh instance over its own growable memory (one per accounts tree, freed with it). */
export const keccakInstance = (initialPages = 1): KeccakInstance => {
  const memory = newMemory(initialPages, MAX_PAGES);
  const { pairs, blocks } = instantiate(keccakModule, memory, ["pairs", "blocks"]);
  return { memory, pairs, blocks };
};

const RATE = 136;
const shared = keccakInstance(2);
const OUT = 0;
const IN = 64;

/** keccak256 of `bytes` (any length) through the wasm permutation; a fresh 32-byte result. */
export const keccak256Bytes = (bytes: Uint8Array): Uint8Array => {
  const blocks = Math.floor(bytes.length / RATE) + 1;
  const needed = IN + blocks * RATE;
  if (needed > shared.memory.buffer.byteLength) {
    shared.memory.grow(Math.ceil((needed - shared.memory.buffer.byteLength) / 65_536));
  }
  const mem = new Uint8Array(shared.memory.buffer);
  mem.set(bytes, IN);
  mem.fill(0, IN + bytes.length, IN + blocks * RATE);
  mem[IN + bytes.length]! ^= 0x01;
  mem[IN + blocks * RATE - 1]! ^= 0x80;
  shared.blocks(IN, blocks, OUT);
  return mem.slice(OUT, OUT + 32);
};
