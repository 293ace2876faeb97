/**
 * A minimal WebAssembly binary writer for the few hand-written kernels in this repo (σ's keccak,
 * the gradient dot-product kernel): a module that imports one memory and exports functions whose
 * bodies are given as raw instruction bytes. Nothing is downloaded or compiled outside Node: the
 * bytes are produced here and handed to `WebAssembly.Module`.
 *
 * Only what those kernels use is encoded (WebAssembly core 2.0 + fixed-width SIMD, which Node ≥ 16
 * enables by default). Reference: https://webassembly.github.io/spec/core/binary/.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof V128;

/** Unsigned LEB128. */
export const uleb = (value: number): number[] => {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};

/** Signed LEB128 of a bigint (i64.const / i32.const immediates). */
export const sleb = (value: bigint): number[] => {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};

const vec = (items: ReadonlyArray<ReadonlyArray<number>>): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export interface FunctionDef {
  readonly name: string;
  readonly params: ReadonlyArray<ValType>;
  readonly results: ReadonlyArray<ValType>;
  /** Locals beyond the parameters, in order. */
  readonly locals: ReadonlyArray<ValType>;
  /** The body's instructions, without the final `end`. */
  readonly body: ReadonlyArray<number>;
}

export interface ModuleOptions {
  /** Memory imported as env.memory: initial pages, and whether it is shared (threads). */
  readonly memory: { readonly initial: number; readonly maximum: number; readonly shared: boolean };
}

/** Encodes the module: one imported memory, the given functions, each exported under its name. */
export const encodeModule = (functions: ReadonlyArray<FunctionDef>, options: ModuleOptions): Uint8Array => {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const { initial, maximum, shared } = options.memory;
  const memoryImport = [
    ...name("env"),
    ...name("memory"),
    0x02,
    shared ? 0x03 : 0x01,
    ...uleb(initial),
    ...uleb(maximum),
  ];
  const codes = functions.map((f) => {
    // locals run-length encoded
    const groups: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      groups.push([...uleb(j - i), f.locals[i]!]);
      i = j;
    }
    const body = [...vec(groups), ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ]);
};

/** The instructions used by the kernels (opcodes from the spec). */
export const op = {
  block: (bt = 0x40) => [0x02, bt],
  loop: (bt = 0x40) => [0x03, bt],
  if: (bt = 0x40) => [0x04, bt],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  return: [0x0f],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Load: (offset = 0) => [0x28, 0x02, ...uleb(offset)],
  i32Load8S: (offset = 0) => [0x2c, 0x00, ...uleb(offset)],
  i64Load: (offset = 0) => [0x29, 0x03, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 0x02, ...uleb(offset)],
  i64Store: (offset = 0) => [0x37, 0x03, ...uleb(offset)],
  i32Const: (v: number) => [0x41, ...sleb(BigInt(v | 0))],
  i64Const: (v: bigint) => [0x42, ...sleb(BigInt.asIntN(64, v))],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32Ne: [0x47],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  i64Eqz: [0x50],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Or: [0x72],
  i32Shl: [0x74],
  i64And: [0x83],
  i64Or: [0x84],
  i64Xor: [0x85],
  i64Rotl: [0x89],
  // SIMD (0xfd prefix, LEB128 sub-opcode)
  v128Load: (offset = 0) => [0xfd, ...uleb(0), 0x04, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, ...uleb(11), 0x04, ...uleb(offset)],
  v128Const0: [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)],
  i16x8Splat: [0xfd, ...uleb(16)],
  i32x4ExtractLane: (lane: number) => [0xfd, ...uleb(27), lane],
  i16x8ExtendLowI8x16S: [0xfd, ...uleb(135)],
  i16x8ExtendHighI8x16S: [0xfd, ...uleb(136)],
  i32x4Add: [0xfd, ...uleb(174)],
  i32x4DotI16x8S: [0xfd, ...uleb(186)],
  i32x4ExtmulLowI16x8S: [0xfd, ...uleb(188)],
  i32x4ExtmulHighI16x8S: [0xfd, ...uleb(189)],
} as const;

/** A wasm linear memory (the slice of the WebAssembly JS API used here; tsconfig's ES lib has no wasm types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}

const isWasmApi = (value: unknown): value is WasmApi =>
  typeof value === "object" && value !== null && "Module" in value && "Instance" in value && "Memory" in value;

const api = (): WasmApi => {
  const wasm: unknown = Reflect.get(globalThis, "WebAssembly");
  if (!isWasmApi(wasm)) throw new Error("this runtime has no WebAssembly");
  return wasm;
};

/** Compiles module bytes (synchronously: the kernels are small and compiled once per process). */
export const compileModule = (bytes: Uint8Array): object => new (api().Module)(bytes);

export const newMemory = (initial: number, maximum: number, shared = false): WasmMemory =>
  new (api().Memory)({ initial, maximum, shared });

/** Instantiates `module` over `memory` (imported as env.memory) and returns its exported functions by name. */
export const instantiate = <Name extends string>(
  module: object,
  memory: WasmMemory,
  names: ReadonlyArray<Name>,
): Record<Name, (...args: number[]) => number | undefined> => {
  const { exports } = new (api().Instance)(module, { env: { memory } });
  const out: Partial<Record<Name, (...args: number[]) => number | undefined>> = {};
  for (const name of names) {
    const f = exports[name];
    if (typeof f !== "function") throw new Error(`wasm module exports no function ${name}`);
    out[name] = (...args: number[]) => Reflect.apply(f, undefined, args);
  }
  return out as Record<Name, (...args: number[]) => number | undefined>;
};
