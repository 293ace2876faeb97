/**
 * The gradient engine's exact integer kernels on WebAssembly SIMD (issue 19), row blocks on worker
 * threads that share the index in one wasm memory:
 *
 *   rowDots(index, cols, m)[i, j]    = Σ_k v_i[k] · cols[k, j]      (exact: |Σ| ≤ 128 · 127 · 8192 < 2^31)
 *   columnSums(index, rows, m)[j, k] = Σ_i rows[j, i] · v_i[k]      (int32 per 65,536-row block, float64 across)
 *
 * The same integers as score.ts's typed-array loop and ONNX Runtime's MatMulInteger (tested equal,
 * agents/engines/gradient/kernel.test.ts). Per 16 index bytes the kernel does one load, two sign
 * extensions to int16 and two `i32x4.dot_i16x8_s` (x86 `pmaddwd`) against the query pre-widened to int16,
 * four 16-byte chunks per loop turn; the query columns are interleaved per chunk so up to four share
 * each row load. The index is copied once into the kernel's memory (a shared WebAssembly.Memory, so
 * workers read it in place), at the first query of that index.
 *
 * The module is generated here (agents/wasm/module.ts): nothing is downloaded or compiled at install.
 */
import { Worker } from "node:worker_threads";
import {
  compileModule,
  encodeModule,
  type FunctionDef,
  I32,
  instantiate,
  newMemory,
  op,
  V128,
  type WasmMemory,
} from "../../wasm/module.ts";
import type { Embedding, GradientIndex } from "./gradient-index.ts";

/** Query columns one kernel call handles (each has its own accumulator). */
const MAX_COLUMNS = 4;

/**
 * dots<M>(rows, count, stride, len, q, out, outStride): for each of `count` rows (the row at rows + i·stride,
 * `len` bytes, rounded up to 16 — the query is zero there), the M dots with the int16 query columns
 * interleaved at q (chunk c of column j at q + (c·M + j)·32), stored as int32 at out + i·outStride + 4j.
 */
const dotsFunction = (M: number): FunctionDef => {
  const [ROWS, COUNT, STRIDE, LEN, Q, OUT, OUT_STRIDE] = [0, 1, 2, 3, 4, 5, 6];
  const [K, RP, QP, END] = [7, 8, 9, 10];
  const [V, LO, HI] = [11, 12, 13];
  const acc = Array.from({ length: M }, (_, j) => 14 + j);
  const body: number[] = [];
  const emit = (...parts: ReadonlyArray<ReadonlyArray<number>>) => {
    for (const p of parts) body.push(...p);
  };
  /** One 16-byte chunk at RP + delta against query chunk at QP + qDelta. */
  const chunk = (delta: number, qDelta: number) => {
    emit(op.localGet(RP), op.v128Load(delta), op.localSet(V));
    emit(op.localGet(V), op.i16x8ExtendLowI8x16S, op.localSet(LO));
    emit(op.localGet(V), op.i16x8ExtendHighI8x16S, op.localSet(HI));
    for (let j = 0; j < M; j++) {
      emit(op.localGet(acc[j]!), op.localGet(LO), op.localGet(QP), op.v128Load(qDelta + 32 * j), op.i32x4DotI16x8S);
      emit(op.i32x4Add, op.localGet(HI), op.localGet(QP), op.v128Load(qDelta + 32 * j + 16), op.i32x4DotI16x8S);
      emit(op.i32x4Add, op.localSet(acc[j]!));
    }
  };
  // END = len rounded up to 16
  emit(op.localGet(LEN), op.i32Const(15), op.i32Add, op.i32Const(-16), op.i32And, op.localSet(END));
  emit(op.block(), op.loop());
  emit(op.localGet(COUNT), op.i32Eqz, op.brIf(1));
  for (const a of acc) emit(op.v128Const0, op.localSet(a));
  emit(op.localGet(ROWS), op.localSet(RP), op.localGet(Q), op.localSet(QP), op.i32Const(0), op.localSet(K));
  // four chunks per turn while 64 bytes remain
  emit(op.block(), op.loop());
  emit(op.localGet(K), op.i32Const(64), op.i32Add, op.localGet(END), op.i32GtU, op.brIf(1));
  for (let c = 0; c < 4; c++) chunk(16 * c, 32 * M * c);
  emit(op.localGet(RP), op.i32Const(64), op.i32Add, op.localSet(RP));
  emit(op.localGet(QP), op.i32Const(128 * M), op.i32Add, op.localSet(QP));
  emit(op.localGet(K), op.i32Const(64), op.i32Add, op.localSet(K));
  emit(op.br(0), op.end, op.end);
  // the rest, one chunk per turn
  emit(op.block(), op.loop());
  emit(op.localGet(K), op.localGet(END), op.i32GeU, op.brIf(1));
  chunk(0, 0);
  emit(op.localGet(RP), op.i32Const(16), op.i32Add, op.localSet(RP));
  emit(op.localGet(QP), op.i32Const(32 * M), op.i32Add, op.localSet(QP));
  emit(op.localGet(K), op.i32Const(16), op.i32Add, op.localSet(K));
  emit(op.br(0), op.end, op.end);
  for (let j = 0; j < M; j++) {
    emit(op.localGet(OUT));
    emit(op.localGet(acc[j]!), op.i32x4ExtractLane(0), op.localGet(acc[j]!), op.i32x4ExtractLane(1), op.i32Add);
    emit(op.localGet(acc[j]!), op.i32x4ExtractLane(2), op.i32Add, op.localGet(acc[j]!), op.i32x4ExtractLane(3));
    emit(op.i32Add, op.i32Store(4 * j));
  }
  emit(op.localGet(ROWS), op.localGet(STRIDE), op.i32Add, op.localSet(ROWS));
  emit(op.localGet(OUT), op.localGet(OUT_STRIDE), op.i32Add, op.localSet(OUT));
  emit(op.localGet(COUNT), op.i32Const(1), op.i32Sub, op.localSet(COUNT));
  emit(op.br(0), op.end, op.end);
  return {
    name: `dots${M}`,
    params: [I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, I32, V128, V128, V128, ...acc.map(() => V128)] as FunctionDef["locals"],
    body,
  };
};

/**
 * colsum(rows, count, stride, len, coef, acc): acc[k] += Σ_i coef[i] · row_i[k] for k < len rounded up to 16
 * (int32 at acc + 4k; the rows at rows + i·stride, the int8 coefficients at coef + i). Rows with a zero
 * coefficient are skipped. Per 16 bytes: two sign extensions and four `i32x4.extmul_*_i16x8_s` against
 * the splatted coefficient (|product| ≤ 128², exact), added into the accumulators in memory.
 */
const colsumFunction = (): FunctionDef => {
  const [ROWS, COUNT, STRIDE, LEN, COEF, ACC] = [0, 1, 2, 3, 4, 5];
  const [K, RP, AP, END] = [6, 7, 8, 9];
  const [V, LO, HI, SPLAT] = [10, 11, 12, 13];
  const body: number[] = [];
  const emit = (...parts: ReadonlyArray<ReadonlyArray<number>>) => {
    for (const p of parts) body.push(...p);
  };
  const addInto = (delta: number, half: number, extmul: ReadonlyArray<number>) => {
    emit(op.localGet(AP), op.localGet(AP), op.v128Load(delta), op.localGet(half), op.localGet(SPLAT), extmul);
    emit(op.i32x4Add, op.v128Store(delta));
  };
  emit(op.localGet(LEN), op.i32Const(15), op.i32Add, op.i32Const(-16), op.i32And, op.localSet(END));
  emit(op.block(), op.loop());
  emit(op.localGet(COUNT), op.i32Eqz, op.brIf(1));
  emit(op.localGet(COEF), op.i32Load8S(0), op.localTee(K), op.if());
  emit(op.localGet(K), op.i16x8Splat, op.localSet(SPLAT));
  emit(op.localGet(ROWS), op.localSet(RP), op.localGet(ACC), op.localSet(AP), op.i32Const(0), op.localSet(K));
  emit(op.block(), op.loop());
  emit(op.localGet(K), op.localGet(END), op.i32GeU, op.brIf(1));
  emit(op.localGet(RP), op.v128Load(0), op.localSet(V));
  emit(op.localGet(V), op.i16x8ExtendLowI8x16S, op.localSet(LO));
  emit(op.localGet(V), op.i16x8ExtendHighI8x16S, op.localSet(HI));
  addInto(0, LO, op.i32x4ExtmulLowI16x8S);
  addInto(16, LO, op.i32x4ExtmulHighI16x8S);
  addInto(32, HI, op.i32x4ExtmulLowI16x8S);
  addInto(48, HI, op.i32x4ExtmulHighI16x8S);
  emit(op.localGet(RP), op.i32Const(16), op.i32Add, op.localSet(RP));
  emit(op.localGet(AP), op.i32Const(64), op.i32Add, op.localSet(AP));
  emit(op.localGet(K), op.i32Const(16), op.i32Add, op.localSet(K));
  emit(op.br(0), op.end, op.end);
  emit(op.end);
  emit(op.localGet(ROWS), op.localGet(STRIDE), op.i32Add, op.localSet(ROWS));
  emit(op.localGet(COEF), op.i32Const(1), op.i32Add, op.localSet(COEF));
  emit(op.localGet(COUNT), op.i32Const(1), op.i32Sub, op.localSet(COUNT));
  emit(op.br(0), op.end, op.end);
  return {
    name: "colsum",
    params: [I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, I32, V128, V128, V128, V128],
    body,
  };
};

const MAX_PAGES = 65_536;
const PAGE = 65_536;
const FUNCTIONS = ["dots1", "dots2", "dots3", "dots4", "colsum"] as const;
type KernelFunction = (typeof FUNCTIONS)[number];

let compiled: object | undefined;
/** The compiled module (once per process). */
const kernelModule = (): object => {
  compiled ??= compileModule(
    encodeModule([...Array.from({ length: MAX_COLUMNS }, (_, i) => dotsFunction(i + 1)), colsumFunction()], {
      memory: { initial: 1, maximum: MAX_PAGES, shared: true },
    }),
  );
  return compiled;
};

/** One call of a dots function: its seven arguments. */
type Job = readonly [fn: KernelFunction, ...args: number[]];

/** The worker: instantiates the module over the shared memory and runs the jobs it is sent. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { exports } = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } });
parentPort.on("message", (jobs) => {
  try {
    for (const [fn, ...args] of jobs) exports[fn](...args);
    parentPort.postMessage(null);
  } catch (error) {
    parentPort.postMessage(String(error));
  }
});
`;

/** The index copied into a kernel memory, with the threads that share it. */
interface Loaded {
  readonly memory: WasmMemory;
  readonly run: Record<KernelFunction, (...args: number[]) => number | undefined>;
  readonly workers: ReadonlyArray<Worker>;
  /** Byte offset of the index rows; scratch (query, output) follows them. */
  readonly vectors: number;
  readonly scratch: number;
  /** Calls on one index run one at a time (they share the scratch). */
  queue: Promise<unknown>;
}

const ceil16 = (n: number) => Math.ceil(n / 16) * 16;

/** Rows per int32 block of columnSums: 2^16 · 128 · 128 = 2^30 < 2^31. */
const COLSUM_BLOCK = 65_536;

/** One output column: the row bytes [offset, offset + len) against column(k), k < len. */
interface Column {
  readonly offset: number;
  readonly len: number;
  readonly column: (k: number) => number;
}

export class WasmKernel {
  private loaded = new WeakMap<Int8Array, Loaded>();
  /** Live workers (they hold their index's memory): stopped by release(), or when the index is collected. */
  private readonly workers = new Set<Worker>();
  private readonly finalizer = new FinalizationRegistry<ReadonlyArray<Worker>>((workers) => {
    for (const w of workers) {
      this.workers.delete(w);
      void w.terminate();
    }
  });

  /** `threads`: row blocks run on the calling thread plus threads − 1 workers. */
  private constructor(readonly threads: number) {}

  static create(threads = 1): WasmKernel {
    return new WasmKernel(Math.max(1, Math.floor(threads)));
  }

  /** Whether an index of this size fits a wasm memory (4 GiB with its scratch). */
  static fits(index: GradientIndex): boolean {
    const { count, dims } = index.header;
    return count * dims + PAGE * 4 + count * MAX_COLUMNS * 4 + 32 * ceil16(dims) * MAX_COLUMNS < MAX_PAGES * PAGE;
  }

  private load(index: GradientIndex): Loaded {
    const known = this.loaded.get(index.vectors);
    if (known !== undefined) return known;
    if (!WasmKernel.fits(index)) throw new RangeError("gradient kernel: the index does not fit a wasm memory");
    const { count, dims } = index.header;
    const vectors = PAGE;
    const scratch = vectors + ceil16(count * dims + 64);
    const memory = newMemory(Math.ceil(scratch / PAGE) + 1, MAX_PAGES, true);
    new Int8Array(memory.buffer, vectors, count * dims).set(index.vectors);
    const module = kernelModule();
    const workers = Array.from({ length: this.threads - 1 }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
      worker.unref();
      return worker;
    });
    const run = instantiate(module, memory, FUNCTIONS);
    const loaded: Loaded = { memory, run, workers, vectors, scratch, queue: Promise.resolve() };
    this.loaded.set(index.vectors, loaded);
    for (const w of workers) this.workers.add(w);
    if (workers.length > 0) this.finalizer.register(index.vectors, workers);
    return loaded;
  }

  /** Runs `jobs[t]` on thread t (0 = this one) and waits for all. */
  private async dispatch(loaded: Loaded, jobs: ReadonlyArray<ReadonlyArray<Job>>): Promise<void> {
    const pending = loaded.workers.map(
      (worker, w) =>
        new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => reject(error);
          worker.once("error", onError);
          worker.once("message", (reply: string | null) => {
            worker.off("error", onError);
            if (reply === null) resolve();
            else reject(new Error(`gradient kernel worker: ${reply}`));
          });
          worker.postMessage(jobs[w + 1] ?? []);
        }),
    );
    for (const [fn, ...args] of jobs[0] ?? []) loaded.run[fn](...args);
    await Promise.all(pending);
  }

  /** [count, m] int32: index row i · column j of cols ([width, m] int8, row-major). */
  rowDots = async (index: GradientIndex, cols: Int8Array, m: number): Promise<Int32Array> => {
    return this.dots(
      index,
      Array.from({ length: m }, (_, j) => ({
        offset: 0,
        len: index.header.dims,
        column: (k: number) => cols[k * m + j]!,
      })),
    );
  };

  /** [count, S] int32: the query's segment s against the same segment of every row (score.ts's segment dots). */
  segmentDots = async (index: GradientIndex, query: Embedding): Promise<Int32Array> =>
    this.dots(
      index,
      index.header.segments.map((seg) => ({
        offset: seg.offset,
        len: seg.dims,
        column: (k: number) => query.vector[seg.offset + k]!,
      })),
    );

  /**
   * Output column j = Σ_k row[offset_j + k] · column_j(k), k < len_j. Columns are grouped by range
   * (up to four per kernel call); rows are split into one contiguous block per thread.
   */
  private dots(index: GradientIndex, columns: ReadonlyArray<Column>): Promise<Int32Array> {
    const loaded = this.load(index);
    const result = loaded.queue.then(() => this.dotsNow(loaded, index, columns));
    loaded.queue = result.catch(() => undefined);
    return result;
  }

  private async dotsNow(loaded: Loaded, index: GradientIndex, columns: ReadonlyArray<Column>): Promise<Int32Array> {
    const { count, dims } = index.header;
    const m = columns.length;
    // groups of ≤ 4 columns over the same byte range
    const groups: Array<{ offset: number; len: number; first: number; size: number }> = [];
    columns.forEach((c, j) => {
      const last = groups[groups.length - 1];
      if (last && last.offset === c.offset && last.len === c.len && last.size < MAX_COLUMNS) last.size++;
      else groups.push({ offset: c.offset, len: c.len, first: j, size: 1 });
    });
    // scratch: the widened query of every group, then the output
    let at = loaded.scratch;
    const queries = groups.map((g) => {
      const offset = at;
      at += ceil16(g.len) * 2 * g.size;
      return offset;
    });
    const out = ceil16(at);
    const end = out + count * m * 4;
    if (end > loaded.memory.buffer.byteLength) {
      loaded.memory.grow(Math.ceil((end - loaded.memory.buffer.byteLength) / PAGE));
    }
    const q16 = new Int16Array(loaded.memory.buffer);
    groups.forEach((g, gi) => {
      const base = queries[gi]! / 2;
      const chunks = ceil16(g.len) / 16;
      for (let c = 0; c < chunks; c++) {
        for (let j = 0; j < g.size; j++) {
          const column = columns[g.first + j]!;
          const at16 = base + (c * g.size + j) * 16;
          for (let e = 0; e < 16; e++) {
            const k = c * 16 + e;
            q16[at16 + e] = k < g.len ? column.column(k) : 0;
          }
        }
      }
    });
    const threads = Math.min(this.threads, Math.max(1, Math.floor(count / 1024)));
    const jobs: Job[][] = Array.from({ length: threads }, () => []);
    for (let t = 0; t < threads; t++) {
      const start = Math.floor((count * t) / threads);
      const stop = Math.floor((count * (t + 1)) / threads);
      if (stop === start) continue;
      groups.forEach((g, gi) => {
        jobs[t]!.push([
          FUNCTIONS[g.size - 1]!,
          loaded.vectors + start * dims + g.offset,
          stop - start,
          dims,
          g.len,
          queries[gi]!,
          out + (start * m + g.first) * 4,
          m * 4,
        ]);
      });
    }
    await this.dispatch(loaded, jobs);
    return new Int32Array(loaded.memory.buffer, out, count * m).slice();
  }

  /**
   * [m, width] exact integers (as float64): Σ_i rows[j, i] · v_i, rows [m, n] int8 row-major — DataInf's
   * r = Σ c_i G_i (score.ts). Rows are summed in int32 blocks of COLSUM_BLOCK (|Σ| < 2^31), each block into
   * its own accumulator, blocks spread over the threads; the blocks are added in float64 (exact below 2^53).
   */
  columnSums = (index: GradientIndex, rows: Int8Array, m: number): Promise<Float64Array> => {
    const loaded = this.load(index);
    const result = loaded.queue.then(() => this.columnSumsNow(loaded, index, rows, m));
    loaded.queue = result.catch(() => undefined);
    return result;
  };

  private async columnSumsNow(loaded: Loaded, index: GradientIndex, rows: Int8Array, m: number) {
    const { count, dims } = index.header;
    const width = ceil16(dims);
    const blocks = Math.ceil(count / COLSUM_BLOCK);
    const coef = ceil16(loaded.scratch);
    const acc = ceil16(coef + m * count);
    const end = acc + m * blocks * width * 4;
    if (end > loaded.memory.buffer.byteLength) {
      loaded.memory.grow(Math.ceil((end - loaded.memory.buffer.byteLength) / PAGE));
    }
    new Int8Array(loaded.memory.buffer, coef, m * count).set(rows.subarray(0, m * count));
    new Int32Array(loaded.memory.buffer, acc, m * blocks * width).fill(0);
    const threads = Math.min(this.threads, m * blocks);
    const jobs: Job[][] = Array.from({ length: threads }, () => []);
    let next = 0;
    for (let j = 0; j < m; j++) {
      for (let b = 0; b < blocks; b++) {
        const start = b * COLSUM_BLOCK;
        const stop = Math.min(count, start + COLSUM_BLOCK);
        jobs[next++ % threads]!.push([
          "colsum",
          loaded.vectors + start * dims,
          stop - start,
          dims,
          dims,
          coef + j * count + start,
          acc + (j * blocks + b) * width * 4,
        ]);
      }
    }
    await this.dispatch(loaded, jobs);
    const sums = new Int32Array(loaded.memory.buffer, acc, m * blocks * width);
    const out = new Float64Array(m * dims);
    for (let j = 0; j < m; j++) {
      for (let b = 0; b < blocks; b++) {
        const at = (j * blocks + b) * width;
        for (let k = 0; k < dims; k++) out[j * dims + k]! += sums[at + k]!;
      }
    }
    return out;
  }

  /** Stops the worker threads (the memories go with the kernel). */
  async release(): Promise<void> {
    const workers = [...this.workers];
    this.workers.clear();
    this.loaded = new WeakMap(); // a later query loads its index again, with fresh workers
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
