/**
 * The intake's checks on other cores: a pool of worker threads (node:worker_threads) running ./verify.ts
 * (two EIP-712 digests, two libsecp256k1 recoveries, the text hashes, the request's decoding) for the
 * receipts the intake takes, so the main thread keeps only the engine, the store and gossip (and σ).
 *
 * - Receipts asked for in the same turn of the event loop go out together, a message of up to `chunk`
 *   receipts per worker (the least loaded first), and their verdicts come back in one reply.
 * - Recovered once per node: before a receipt goes out, what the process-wide cache already holds for its
 *   signatures goes with it (`known`); every recovery a worker computes comes back and is remembered by
 *   that cache (`signerRecovery.remember`), where σ and the gossip validator find it.
 * - `threads = 0`, a Node that cannot run TypeScript in a worker (no type stripping), or a worker that
 *   fails: the same function on the main thread. A failed worker's receipts in flight are checked there
 *   again, so a broken worker never loses one; the failure is logged once.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type CachedRecovery, type Recovered, signerRecovery } from "../identity/recover.ts";
import type { Eip712Domain } from "../protocol/receipt.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { type IntakeVerdict, verifyIntake } from "./verify.ts";

export interface VerifyRequest {
  readonly seq: number;
  readonly domain: Eip712Domain;
  readonly items: ReadonlyArray<{ readonly sourced: SourcedReceipt; readonly known: ReadonlyArray<Recovered> }>;
}

export type VerifyReply =
  /** `cpuMicros`: the worker thread's CPU time since its previous reply. */
  | { readonly seq: number; readonly verdicts: ReadonlyArray<IntakeVerdict>; readonly cpuMicros: number }
  | { readonly seq: number; readonly error: string };

interface Item {
  readonly sourced: SourcedReceipt;
  readonly resolve: (verdict: IntakeVerdict) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Messages in flight on this worker, by seq. */
  readonly inFlight: Map<number, ReadonlyArray<Item>>;
  load: number;
}

export interface VerifyPoolOptions {
  readonly domain: Eip712Domain;
  /** Worker threads; default: one less than the cores (at least one). 0: on the main thread. */
  readonly threads?: number;
  /** Most receipts in one message to a worker (default 32). */
  readonly chunk?: number;
  readonly recovery?: CachedRecovery;
  readonly log?: (line: string) => void;
  /** Called with the CPU seconds each worker reply cost its thread (the attributor's metric). */
  readonly onWorkerCpu?: (seconds: number) => void;
}

/** Whether Node strips TypeScript types by itself (22.18+ by default), which ./verify-worker.ts needs. */
const workersCanRunTypeScript = (): boolean =>
  Boolean((process.features as { readonly typescript?: string | false }).typescript);

/** The default number of verifier threads: the cores but one (the main thread's), at least one. */
export const defaultVerifyThreads = (): number => Math.max(1, availableParallelism() - 1);

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private queue: Item[] = [];
  private scheduled = false;
  private seq = 0;
  private broken = false;
  private closing = false;
  private readonly domain: Eip712Domain;
  private readonly chunk: number;
  private readonly recovery: CachedRecovery;
  private readonly log: (line: string) => void;
  private readonly onWorkerCpu: (seconds: number) => void;
  /** Receipts checked by a worker thread (tests and logs read it). */
  workerVerdicts = 0;
  /** Settles once every worker has loaded its modules (or the pool fell back to the main thread). */
  readonly ready: Promise<void>;
  private started: () => void = () => {};
  private starting = 0;

  constructor(options: VerifyPoolOptions) {
    this.domain = options.domain;
    this.chunk = options.chunk ?? 32;
    this.recovery = options.recovery ?? signerRecovery;
    this.log = options.log ?? (() => {});
    this.onWorkerCpu = options.onWorkerCpu ?? (() => {});
    this.ready = new Promise<void>((resolve) => {
      this.started = resolve;
    });
    let threads = options.threads ?? defaultVerifyThreads();
    if (threads > 0 && !workersCanRunTypeScript()) {
      this.log(
        "this Node cannot run TypeScript in worker threads (no type stripping): intake checks on the main thread",
      );
      threads = 0;
    }
    this.starting = threads;
    if (threads === 0) this.started();
    for (let i = 0; i < threads; i++) {
      let worker: Worker;
      try {
        worker = new Worker(new URL("./verify-worker.ts", import.meta.url));
      } catch (e) {
        this.fail(`cannot start an intake worker (${e instanceof Error ? e.message : String(e)})`);
        return;
      }
      worker.unref();
      const slot: Slot = { worker, inFlight: new Map(), load: 0 };
      worker.on("message", (reply: VerifyReply | { readonly ready: true }) => {
        if ("ready" in reply) {
          if (--this.starting === 0) this.started();
        } else this.settle(slot, reply);
      });
      worker.on("error", (e) => this.fail(`intake worker failed (${e.message.split("\n")[0]})`));
      // workers only exit when closed: any other exit loses what they had in flight (checked here again)
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(`intake worker exited (code ${code})`);
      });
      this.slots.push(slot);
    }
  }

  /** Worker threads in use (0: on the main thread). */
  get threads(): number {
    return this.broken ? 0 : this.slots.length;
  }

  /** The verdict on one receipt with its texts (never rejects). */
  verify(sourced: SourcedReceipt): Promise<IntakeVerdict> {
    if (this.broken || this.slots.length === 0) return this.inThread(sourced);
    return new Promise<IntakeVerdict>((resolve) => {
      this.queue.push({ sourced, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Stops the workers; receipts still in flight are checked on the main thread. */
  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots.splice(0);
    this.broken = true;
    for (const slot of slots) this.rerun(slot);
    this.flush();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private inThread(sourced: SourcedReceipt): Promise<IntakeVerdict> {
    return verifyIntake(this.domain, sourced, this.recovery);
  }

  private flush() {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    if (this.broken || this.slots.length === 0) {
      for (const item of items) void this.inThread(item.sourced).then(item.resolve);
      return;
    }
    for (let at = 0; at < items.length; at += this.chunk) {
      const part = items.slice(at, at + this.chunk);
      const slot = this.slots.reduce((a, b) => (b.load < a.load ? b : a));
      const seq = ++this.seq;
      const request: VerifyRequest = {
        seq,
        domain: this.domain,
        items: part.map(({ sourced }) => ({
          sourced,
          known: [
            this.recovery.known(sourced.receipt.userSignature),
            this.recovery.known(sourced.receipt.operatorSignature),
          ].filter((k): k is Recovered => k !== undefined),
        })),
      };
      slot.inFlight.set(seq, part);
      slot.load += part.length;
      slot.worker.postMessage(request);
    }
  }

  private settle(slot: Slot, reply: VerifyReply) {
    const items = slot.inFlight.get(reply.seq);
    if (items === undefined) return;
    slot.inFlight.delete(reply.seq);
    slot.load -= items.length;
    if ("error" in reply) {
      this.log(`intake worker could not check ${items.length} receipts (${reply.error}): checked on the main thread`);
      for (const item of items) void this.inThread(item.sourced).then(item.resolve);
      return;
    }
    this.onWorkerCpu(reply.cpuMicros / 1e6);
    items.forEach((item, i) => {
      const verdict = reply.verdicts[i]!;
      for (const r of verdict.recovered) this.recovery.remember(r);
      this.workerVerdicts++;
      item.resolve(verdict);
    });
  }

  /** Checks a worker's receipts in flight on the main thread. */
  private rerun(slot: Slot) {
    for (const items of slot.inFlight.values()) {
      for (const item of items) void this.inThread(item.sourced).then(item.resolve);
    }
    slot.inFlight.clear();
    slot.load = 0;
  }

  private fail(message: string) {
    if (!this.broken) this.log(`${message}; intake checks on the main thread from now on`);
    this.broken = true;
    for (const slot of this.slots) {
      this.rerun(slot);
      void slot.worker.terminate();
    }
    if (this.starting > 0) {
      this.starting = 0;
      this.started();
    }
  }
}
