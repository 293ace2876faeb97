/**
 * Cold adapter loads in worker threads: reading, parsing (F16/BF16 widening), hashing, validating and
 * transposing an adapter run off the thread that drives the forward passes, and several adapters load
 * in parallel on a multi-core host. Results come back as transferred buffers (no copy).
 *
 * If a worker cannot start (a Node without TypeScript type stripping) or dies, the pool logs it once
 * and loads on the main thread from then on (still asynchronous, yielding between tensors), re-running
 * whatever that worker had in flight: a broken worker never loses a load.
 */
import { Worker } from "node:worker_threads";
import { AdapterError, type HostAdapter, loadAdapterDir } from "./adapter.ts";
import type { LoraTarget } from "./lora.ts";

export interface LoadRequest {
  readonly seq: number;
  readonly id: string;
  readonly dir: string;
  readonly targets: ReadonlyArray<LoraTarget>;
  readonly slotRank: number;
}

export type LoadReply =
  | { readonly seq: number; readonly ok: true; readonly adapter: HostAdapter }
  | { readonly seq: number; readonly ok: false; readonly adapterError: boolean; readonly message: string };

interface Pending {
  readonly req: LoadRequest;
  readonly worker: Worker;
  readonly resolve: (a: HostAdapter) => void;
  readonly reject: (e: unknown) => void;
}

/** Whether Node strips TypeScript types by itself (22.18+ by default), which loadWorker.ts needs. */
export const workersCanRunTypeScript = (): boolean =>
  Boolean((process.features as { readonly typescript?: string | false }).typescript);

export class AdapterLoaders {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private next = 0;
  private broken = false;
  private closing = false;
  /** Loads completed by workers (tests and logs read it). */
  workerLoads = 0;
  /**
   * Settles once every worker has loaded its modules (or the pool fell back to the main thread):
   * awaiting it keeps the workers' start-up off the first requests' critical path.
   */
  readonly ready: Promise<void>;
  private starting = 0;
  private started: () => void = () => {};

  constructor(
    count: number,
    private readonly log: (line: string) => void,
  ) {
    this.ready = new Promise<void>((resolve) => {
      this.started = resolve;
    });
    let threads = count;
    if (threads > 0 && !workersCanRunTypeScript()) {
      log("this Node cannot run TypeScript in worker threads (no type stripping): loading adapters on the main thread");
      threads = 0;
    }
    this.starting = threads;
    if (threads === 0) this.started();
    for (let i = 0; i < threads; i++) {
      let worker: Worker;
      try {
        worker = new Worker(new URL("./loadWorker.ts", import.meta.url));
      } catch (e) {
        this.fail(`cannot start an adapter-load worker (${e instanceof Error ? e.message : e})`);
        return;
      }
      worker.unref();
      worker.on("message", (reply: LoadReply | { readonly ready: true }) => {
        if ("ready" in reply) {
          if (--this.starting === 0) this.started();
        } else this.settle(reply);
      });
      worker.on("error", (e) => this.fail(`adapter-load worker failed (${e.message.split("\n")[0]})`));
      // workers only exit when closed: any other exit (even code 0) loses what they had in flight
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(`adapter-load worker exited (code ${code})`);
      });
      this.workers.push(worker);
    }
  }

  get threads(): number {
    return this.broken ? 0 : this.workers.length;
  }

  load(id: string, dir: string, targets: ReadonlyArray<LoraTarget>, slotRank: number): Promise<HostAdapter> {
    if (this.broken || this.workers.length === 0) return loadAdapterDir(id, dir, targets, slotRank);
    const worker = this.workers[this.next++ % this.workers.length]!;
    const req: LoadRequest = { seq: ++this.seq, id, dir, targets, slotRank };
    return new Promise<HostAdapter>((resolve, reject) => {
      this.pending.set(req.seq, { req, worker, resolve, reject });
      worker.postMessage(req);
    });
  }

  private settle(reply: LoadReply) {
    const p = this.pending.get(reply.seq);
    if (!p) return;
    this.pending.delete(reply.seq);
    if (reply.ok) {
      this.workerLoads++;
      p.resolve(reply.adapter);
    } else
      p.reject(
        reply.adapterError ? new AdapterError({ adapter: p.req.id, message: reply.message }) : new Error(reply.message),
      );
  }

  private fail(message: string) {
    if (!this.broken) this.log(`${message}; loading adapters on the main thread from now on`);
    this.broken = true;
    this.started();
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      loadAdapterDir(p.req.id, p.req.dir, p.req.targets, p.req.slotRank).then(p.resolve, p.reject);
    }
    this.closing = true; // the remaining workers are ours to stop now
    for (const w of this.workers) void w.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.broken = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
