/**
 * Worker-thread entry of the suffix engine service (service.ts): holds every index the process has
 * opened (one copy each, opened lazily: see format.ts), answers queries, and between queries
 * reads and checks the blocks no query has touched yet, a few milliseconds at a time, so a
 * query waits at most one step. Query work never runs on the agent's event loop.
 */
import { parentPort } from "node:worker_threads";
import { Effect, Exit } from "effect";
import { toWire, type WireReply } from "../worker-client.ts";
import { attributeBytes, type ResolvedOptions } from "./engine.ts";
import { type OpenedIndex, openIndex } from "./format.ts";

export type QueryRequest =
  | { readonly id: number; readonly kind: "open"; readonly path: string }
  | {
      readonly id: number;
      readonly kind: "attribute";
      readonly path: string;
      readonly output: Uint8Array;
      readonly options: ResolvedOptions;
      /** Contributions to leave out (withdrawn or not yet approved at the reference time). */
      readonly exclude: ReadonlyArray<bigint>;
    }
  | { readonly id: number; readonly kind: "status"; readonly path: string }
  | { readonly id: number; readonly kind: "contributions"; readonly path: string }
  | { readonly id: number; readonly kind: "awaitVerified"; readonly path: string }
  | { readonly id: number; readonly kind: "close"; readonly path: string };

export interface IndexStatus {
  readonly commitment: `0x${string}`;
  readonly contributions: number;
  readonly totalBytes: number;
  readonly blockCount: number;
  readonly verifiedBlocks: number;
  readonly verified: boolean;
}

/** Blocks checked per background step (16 KiB blocks: 1 MiB, about a millisecond). */
const STEP_BLOCKS = 64;

const port = parentPort;
if (port !== null) {
  const indexes = new Map<string, OpenedIndex>();
  const waiters = new Map<string, number[]>();
  /** Indexes whose background pass is done: every block checked, then the search samples built. */
  const finished = new Set<string>();
  const reply = (message: WireReply): void => port.postMessage(message);
  const status = (opened: OpenedIndex): IndexStatus => ({
    commitment: opened.commitment,
    contributions: opened.index.contributions.length,
    totalBytes: opened.index.totalBytes,
    blockCount: opened.blockCount,
    verifiedBlocks: opened.verifiedBlocks(),
    verified: opened.verifiedBlocks() === opened.blockCount,
  });

  const open = (path: string): OpenedIndex => {
    const known = indexes.get(path);
    if (known !== undefined) return known;
    const exit = Effect.runSyncExit(openIndex(path, { verify: "lazy" }));
    if (Exit.isFailure(exit)) {
      const reason = exit.cause.reasons[0];
      throw reason !== undefined && reason._tag === "Fail" ? reason.error : new Error(String(exit.cause));
    }
    indexes.set(path, exit.value);
    schedule();
    return exit.value;
  };

  // background verification: one step per turn of the worker's event loop
  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(step);
  };
  const step = (): void => {
    scheduled = false;
    for (const [path, opened] of indexes) {
      let done: boolean;
      try {
        done = opened.verifyStep(STEP_BLOCKS);
      } catch (cause) {
        // a corrupt block: every waiter hears it; queries touching it fail the same way
        for (const id of waiters.get(path) ?? []) reply({ id, ok: false, error: toWire(cause) });
        waiters.delete(path);
        opened.close();
        indexes.delete(path);
        continue;
      }
      if (done) {
        finished.add(path);
        for (const id of waiters.get(path) ?? []) reply({ id, ok: true, value: status(opened) });
        waiters.delete(path);
      } else {
        schedule();
        return;
      }
    }
  };

  port.on("message", (request: QueryRequest) => {
    try {
      switch (request.kind) {
        case "open":
        case "status":
          reply({ id: request.id, ok: true, value: status(open(request.path)) });
          return;
        case "contributions":
          reply({ id: request.id, ok: true, value: open(request.path).index.contributions.map((c) => c.id) });
          return;
        case "attribute": {
          const opened = open(request.path);
          reply({
            id: request.id,
            ok: true,
            value: attributeBytes(opened.index, request.output, request.options, request.exclude),
          });
          return;
        }
        case "awaitVerified": {
          const opened = open(request.path);
          if (finished.has(request.path)) {
            reply({ id: request.id, ok: true, value: status(opened) });
          } else {
            waiters.set(request.path, [...(waiters.get(request.path) ?? []), request.id]);
            schedule();
          }
          return;
        }
        case "close":
          indexes.get(request.path)?.close();
          indexes.delete(request.path);
          finished.delete(request.path);
          reply({ id: request.id, ok: true, value: null });
          return;
      }
    } catch (cause) {
      reply({ id: request.id, ok: false, error: toWire(cause) });
    }
  });
}
