/**
 * Continuous batching across adapters. Every iteration of the loop:
 *
 * 1. admits waiting requests whose adapter holds (or can take) a slot; a request whose adapter is still
 *    on disk starts a background load and waits without holding anyone else up;
 * 2. prefills the admitted prompts in one left-padded forward pass (empty past);
 * 3. decodes one token for every running sequence in one forward pass, whatever adapter each uses:
 *    the per-row `lora_slot` picks the adapter, past key/values are left-padded to the longest.
 *
 * The running batch keeps one KV cache, left-padded per row; a decode step's `present` becomes the
 * next past without copying, and rows are only regathered when the batch changes. A sequence leaves the batch as soon
 * as it ends, and its slot is unpinned.
 */
import { Data } from "effect";
import { type AdapterDigest, AdapterError } from "./adapter.ts";
import type { AdapterCache } from "./cache.ts";
import { disposeKv, kvToHost } from "./device.ts";
import { type DecoderSession, emptyKv, type ForwardInput, type KvArray, type LayerKv } from "./runtime.ts";
import { sampleToken } from "./sampling.ts";
import { prng } from "./testModel.ts";

export class GenerationError extends Data.TaggedError("GenerationError")<{ readonly message: string }> {}

/** A forward pass gave NaN or ±Inf logits for this sequence; its adapter (if any) is quarantined. */
export class NonFiniteLogitsError extends Data.TaggedError("NonFiniteLogitsError")<{
  readonly adapter: string | null;
  readonly message: string;
}> {}

export type SchedulerError = AdapterError | GenerationError | NonFiniteLogitsError;

export interface GenerationRequest {
  readonly adapter: string | null;
  readonly promptIds: ReadonlyArray<number>;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  /** Keep only the k most likely tokens (0: all). */
  readonly topK?: number;
  /** Seeds this request's sampler: the same seed, prompt and parameters give the same tokens. */
  readonly seed?: number;
  /** Keep generating past end-of-sequence tokens up to maxTokens (vLLM's ignore_eos; benchmarks use it). */
  readonly ignoreEos?: boolean;
}

export type FinishReason = "stop" | "length";

export interface GenerationSink {
  readonly onToken: (id: number) => void;
  /** `adapter` is the digest of the adapter bytes that served the sequence (null for the base model). */
  readonly onDone: (finish: FinishReason, adapter: AdapterDigest | null) => void;
  readonly onError: (error: SchedulerError) => void;
}

export interface GenerationHandle {
  /** Ends the sequence at the next step (client gone, stop string seen). */
  readonly cancel: () => void;
}

/**
 * The running batch's past keys/values, one [batch, kvHeads, P, headDim] tensor per layer and K/V: row b
 * holds sequence b's `kvLen` positions, left-padded to P. A decode step's `present` is the next step's
 * past as is; rows are only copied when the batch changes (a sequence joins or leaves).
 */
interface BatchKv {
  readonly past: ReadonlyArray<LayerKv>;
  readonly P: number;
}

interface KvRow {
  readonly src: ReadonlyArray<LayerKv>;
  readonly row: number;
  readonly srcP: number;
  readonly len: number;
}

interface HostKvRow extends KvRow {
  readonly src: ReadonlyArray<{ readonly key: KvArray; readonly value: KvArray }>;
}

/** Builds a batch from rows of other batches: each row's last `len` positions, left-padded to the longest. */
const gatherRows = (rows: ReadonlyArray<HostKvRow>, layers: number, heads: number, dim: number): BatchKv => {
  const P = Math.max(0, ...rows.map((r) => r.len));
  const size = rows.length * heads * P * dim;
  const like = rows[0]!.src[0]!.key;
  const alloc = (): KvArray => (like instanceof Uint16Array ? new Uint16Array(size) : new Float32Array(size));
  const past = Array.from({ length: layers }, () => ({ key: alloc(), value: alloc() }));
  rows.forEach((r, b) => {
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const from = ((r.row * heads + h) * r.srcP + (r.srcP - r.len)) * dim;
        const to = ((b * heads + h) * P + (P - r.len)) * dim;
        (past[l]!.key as Float32Array).set(r.src[l]!.key.subarray(from, from + r.len * dim), to);
        (past[l]!.value as Float32Array).set(r.src[l]!.value.subarray(from, from + r.len * dim), to);
      }
    }
  });
  return { past, P };
};

interface Sequence {
  readonly req: GenerationRequest;
  readonly sink: GenerationSink;
  slot: number;
  pinned: boolean;
  digest: AdapterDigest | null;
  /** Positions of this sequence in the batch KV cache (prompt + generated, minus the newest token). */
  kvLen: number;
  lastToken: number;
  generated: number;
  cancelled: boolean;
  readonly rand: () => number;
}

export interface SchedulerOptions {
  readonly maxBatch: number;
  /**
   * Disk loads in flight at once (4 by default). Loading only just ahead of the slots keeps a long queue
   * of cold adapters from flooding the host LRU and evicting adapters before they ever run.
   */
  readonly maxConcurrentLoads?: number;
  readonly log?: (line: string) => void;
  /** Called when a sequence's logits are not finite (metrics); `adapter` is then quarantined. */
  readonly onNonFinite?: (adapter: string | null) => void;
}

/** Index of the first NaN or ±Inf value, or -1. */
const firstNonFinite = (logits: Float32Array): number => {
  for (let i = 0; i < logits.length; i++) if (!Number.isFinite(logits[i]!)) return i;
  return -1;
};

export class Scheduler {
  private readonly waiting: Sequence[] = [];
  private running: Sequence[] = [];
  private kv: BatchKv | null = null;
  private readonly loads = new Set<string>();
  private readonly active = new Set<Sequence>();
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly done: Promise<void>;
  /** Forward passes run so far, by kind (tests and metrics read it). */
  readonly passes = { prefill: 0, decode: 0, decodeRows: 0, maxDecodeBatch: 0 };

  constructor(
    private readonly session: DecoderSession,
    private readonly cache: AdapterCache | null,
    private readonly opts: SchedulerOptions,
  ) {
    this.done = this.loop();
  }

  /** Sequences submitted and not yet finished (waiting, loading, running or inside a forward pass). */
  get activeCount(): number {
    return this.active.size;
  }

  submit(req: GenerationRequest, sink: GenerationSink): GenerationHandle {
    const n = req.promptIds.length;
    if (n === 0 || n >= this.session.info.maxPositions || req.maxTokens < 1) {
      sink.onError(
        new GenerationError({
          message: `prompt of ${n} tokens and max_tokens ${req.maxTokens} do not fit a ${this.session.info.maxPositions}-token context`,
        }),
      );
      return { cancel: () => {} };
    }
    const vocab = this.session.info.vocabSize;
    if (req.promptIds.some((t) => !Number.isInteger(t) || t < 0 || t >= vocab)) {
      sink.onError(new GenerationError({ message: `prompt token ids must be integers in [0, ${vocab})` }));
      return { cancel: () => {} };
    }
    if (req.adapter !== null && this.cache === null) {
      sink.onError(new GenerationError({ message: "this operator serves no adapters" }));
      return { cancel: () => {} };
    }
    const seq: Sequence = {
      req,
      sink,
      slot: 0,
      pinned: false,
      digest: null,
      kvLen: 0,
      lastToken: 0,
      generated: 0,
      cancelled: false,
      rand: prng(req.seed ?? Math.floor(Math.random() * 2 ** 31)),
    };
    this.waiting.push(seq);
    this.active.add(seq);
    this.poke();
    return {
      cancel: () => {
        seq.cancelled = true;
        this.poke();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.poke();
    await this.done;
  }

  private poke() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private admit(): Sequence[] {
    const admitted: Sequence[] = [];
    const loadLimit = this.opts.maxConcurrentLoads ?? 4;
    for (let i = 0; i < this.waiting.length; ) {
      const seq = this.waiting[i]!;
      if (seq.cancelled) {
        this.waiting.splice(i, 1);
        this.active.delete(seq);
        seq.sink.onDone("stop", null);
        continue;
      }
      const id = seq.req.adapter;
      const quarantined = id === null ? undefined : this.cache!.quarantineReason(id);
      if (quarantined !== undefined) {
        this.waiting.splice(i, 1);
        this.active.delete(seq);
        seq.sink.onError(new AdapterError({ adapter: id!, message: `quarantined: ${quarantined}` }));
        continue;
      }
      const full = this.running.length + admitted.length >= this.opts.maxBatch;
      if (!full) {
        const slot = id === null ? 0 : this.cache!.acquireSlot(id);
        if (slot !== null) {
          seq.slot = slot;
          seq.pinned = id !== null;
          seq.digest = id === null ? null : this.cache!.digestOf(id);
          admitted.push(seq);
          this.waiting.splice(i, 1);
          continue;
        }
      } else if (this.loads.size >= loadLimit) {
        break; // nothing more to do this round
      }
      // not runnable yet: fetch its adapter ahead, a few at a time
      if (id !== null && !this.cache!.isInHost(id) && this.loads.size < loadLimit) this.startLoad(id);
      i++;
    }
    return admitted;
  }

  private startLoad(id: string) {
    if (this.loads.has(id)) return;
    this.loads.add(id);
    this.cache!.prefetch(id).then(
      () => {
        this.loads.delete(id);
        this.poke();
      },
      (e: unknown) => {
        this.loads.delete(id);
        const error =
          e instanceof AdapterError
            ? e
            : new GenerationError({ message: `adapter ${id}: ${e instanceof Error ? e.message : String(e)}` });
        this.opts.log?.(`adapter ${id} failed to load: ${error.message}`);
        for (let i = this.waiting.length - 1; i >= 0; i--) {
          const seq = this.waiting[i]!;
          if (seq.req.adapter !== id) continue;
          this.waiting.splice(i, 1);
          this.active.delete(seq);
          seq.sink.onError(error);
        }
        this.poke();
      },
    );
  }

  private finish(seq: Sequence, reason: FinishReason | GenerationError | NonFiniteLogitsError) {
    this.active.delete(seq);
    if (seq.pinned && seq.req.adapter !== null) this.cache?.release(seq.req.adapter);
    seq.pinned = false;
    if (typeof reason === "string") seq.sink.onDone(reason, seq.digest);
    else seq.sink.onError(reason);
  }

  /**
   * Samples the next token from a row's logits and emits it; returns false when the sequence is over.
   * NaN or ±Inf logits end the sequence with an error and quarantine its adapter: sampling them would
   * answer with token 0 (a NUL byte) and look like a normal answer.
   */
  private step(seq: Sequence, logits: Float32Array): boolean {
    const bad = firstNonFinite(logits);
    if (bad >= 0) {
      const id = seq.req.adapter;
      const what = id === null ? "the base model" : `adapter ${id}`;
      const message = `${what} produced non-finite logits (${logits[bad]} at token ${bad}); ${id === null ? "check the model export" : "the adapter is quarantined"}`;
      this.opts.log?.(message);
      if (id !== null) this.cache?.quarantineAdapter(id, `non-finite logits (${logits[bad]} at token ${bad})`);
      this.opts.onNonFinite?.(id);
      this.finish(seq, new NonFiniteLogitsError({ adapter: id, message }));
      return false;
    }
    return this.accept(seq, sampleToken(logits, seq.req.temperature, seq.req.topP, seq.rand, seq.req.topK ?? 0));
  }

  /** Emits a sampled token; returns false when the sequence is over. */
  private accept(seq: Sequence, token: number): boolean {
    const info = this.session.info;
    if (!seq.req.ignoreEos && info.eosIds.includes(token)) {
      this.finish(seq, "stop");
      return false;
    }
    seq.generated++;
    seq.lastToken = token;
    seq.sink.onToken(token);
    if (seq.cancelled) {
      this.finish(seq, "stop");
      return false;
    }
    if (seq.generated >= seq.req.maxTokens || seq.kvLen + 1 >= info.maxPositions) {
      this.finish(seq, "length");
      return false;
    }
    return true;
  }

  private emptyPast() {
    const empty = emptyKv(this.session.info.kvType);
    return Array.from({ length: this.session.info.numLayers }, () => ({ key: empty, value: empty }));
  }

  /** Prefills new sequences in one left-padded pass; returns the survivors' rows in its `present`. */
  private async prefill(batch: Sequence[]): Promise<{ rows: KvRow[]; seqs: Sequence[] }> {
    const info = this.session.info;
    const L = Math.max(...batch.map((s) => s.req.promptIds.length));
    const B = batch.length;
    const ids = new BigInt64Array(B * L);
    const mask = new BigInt64Array(B * L);
    const pos = new BigInt64Array(B * L);
    batch.forEach((s, b) => {
      const p = s.req.promptIds;
      for (let i = 0; i < p.length; i++) {
        const at = b * L + (L - p.length) + i;
        ids[at] = BigInt(p[i]!);
        mask[at] = 1n;
        pos[at] = BigInt(i);
      }
    });
    const input: ForwardInput = {
      batch: B,
      seqLen: L,
      pastLen: 0,
      inputIds: ids,
      attentionMask: mask,
      positionIds: pos,
      past: this.emptyPast(),
      slots: BigInt64Array.from(batch, (s) => BigInt(s.slot)),
    };
    const out = await this.session.forward(input);
    this.passes.prefill++;
    const V = info.vocabSize;
    const rows: KvRow[] = [];
    const seqs: Sequence[] = [];
    batch.forEach((s, b) => {
      s.kvLen = s.req.promptIds.length;
      const logits = out.logits.subarray(b * V, (b + 1) * V);
      if (this.step(s, logits)) {
        rows.push({ src: out.present, row: b, srcP: L, len: s.kvLen });
        seqs.push(s);
      }
    });
    return { rows, seqs };
  }

  /** One token for every running sequence; returns the survivors' rows in the pass's `present`. */
  private async decode(): Promise<{ rows: KvRow[]; seqs: Sequence[]; whole: BatchKv | null }> {
    const info = this.session.info;
    const batch = this.running;
    const kv = this.kv!;
    const B = batch.length;
    const P = kv.P;
    const mask = new BigInt64Array(B * (P + 1));
    batch.forEach((s, b) => {
      mask.fill(1n, b * (P + 1) + (P - s.kvLen), (b + 1) * (P + 1));
    });
    const out = await this.session.forward({
      batch: B,
      seqLen: 1,
      pastLen: P,
      inputIds: BigInt64Array.from(batch, (s) => BigInt(s.lastToken)),
      attentionMask: mask,
      positionIds: BigInt64Array.from(batch, (s) => BigInt(s.kvLen)),
      past: kv.past,
      slots: BigInt64Array.from(batch, (s) => BigInt(s.slot)),
    });
    this.passes.decode++;
    this.passes.decodeRows += B;
    this.passes.maxDecodeBatch = Math.max(this.passes.maxDecodeBatch, B);
    const V = info.vocabSize;
    const rows: KvRow[] = [];
    const seqs: Sequence[] = [];
    batch.forEach((s, b) => {
      s.kvLen++;
      const logits = out.logits.subarray(b * V, (b + 1) * V);
      if (this.step(s, logits)) {
        rows.push({ src: out.present, row: b, srcP: P + 1, len: s.kvLen });
        seqs.push(s);
      }
    });
    // nobody left: the present tensors are the next past as they are
    return { rows, seqs, whole: seqs.length === B ? { past: out.present, P: P + 1 } : null };
  }

  private async loop(): Promise<void> {
    const { numLayers, kvHeads, headDim } = this.session.info;
    // regathering needs host data: device-resident K/V (see device.ts) is read back once per source
    const rebuild = async (rows: ReadonlyArray<KvRow>) => {
      const host = new Map<ReadonlyArray<LayerKv>, Awaited<ReturnType<typeof kvToHost>>>();
      for (const r of rows) if (!host.has(r.src)) host.set(r.src, await kvToHost(r.src));
      return gatherRows(
        rows.map((r) => ({ ...r, src: host.get(r.src)! })),
        numLayers,
        kvHeads,
        headDim,
      );
    };
    while (!this.closed) {
      const admitted = this.admit();
      if (this.running.some((s) => s.cancelled)) {
        const kv = this.kv!;
        const keep: KvRow[] = [];
        const seqs: Sequence[] = [];
        this.running.forEach((s, b) => {
          if (s.cancelled) this.finish(s, "stop");
          else {
            keep.push({ src: kv.past, row: b, srcP: kv.P, len: s.kvLen });
            seqs.push(s);
          }
        });
        this.running = seqs;
        const old = this.kv;
        this.kv = seqs.length > 0 ? await rebuild(keep) : null;
        disposeKv(old?.past ?? null);
      }
      if (admitted.length === 0 && this.running.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      const rows: KvRow[] = [];
      const seqs: Sequence[] = [];
      let whole: BatchKv | null = null;
      if (this.running.length > 0) {
        try {
          const d = await this.decode();
          rows.push(...d.rows);
          seqs.push(...d.seqs);
          whole = d.whole;
        } catch (e) {
          this.failAll(this.running, e);
        }
      }
      if (admitted.length > 0) {
        try {
          const p = await this.prefill(admitted);
          rows.push(...p.rows);
          seqs.push(...p.seqs);
          if (p.seqs.length > 0) whole = null;
        } catch (e) {
          this.failAll(admitted, e);
        }
      }
      this.running = seqs;
      const old = this.kv;
      this.kv = seqs.length === 0 ? null : (whole ?? (await rebuild(rows)));
      // the step's inputs and any present not carried forward are dead now (frees device memory)
      disposeKv(old?.past ?? null, this.kv?.past ?? null);
      for (const r of rows) disposeKv(r.src, this.kv?.past ?? null);
      await new Promise<void>((resolve) => setImmediate(resolve)); // let I/O (HTTP, disk loads) in
    }
    for (const s of [...this.running, ...this.waiting.splice(0)]) {
      this.finish(s, new GenerationError({ message: "operator shutting down" }));
    }
    this.running = [];
    this.kv = null;
  }

  private failAll(batch: Sequence[], e: unknown) {
    const message = `forward pass failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`;
    this.opts.log?.(message);
    for (const s of batch) this.finish(s, new GenerationError({ message }));
  }
}

/** Runs one request to completion (tests, benches). */
export const generate = (scheduler: Scheduler, req: GenerationRequest) =>
  new Promise<{ tokens: number[]; finish: FinishReason; adapter: AdapterDigest | null }>((resolve, reject) => {
    const tokens: number[] = [];
    scheduler.submit(req, {
      onToken: (t) => tokens.push(t),
      onDone: (finish, adapter) => resolve({ tokens, finish, adapter }),
      onError: reject,
    });
  });
