/**
 * The agent's side of an engine worker thread: requests are posted with an id and matched to
 * replies; the worker is started on first use, kept unref'd while idle (it never holds the process
 * open by itself), and restarted after a crash, which fails the requests in flight.
 */
import { Worker } from "node:worker_threads";
import { Effect } from "effect";

/** A failure as it crosses the thread boundary (tag, message and a few plain fields). */
export interface WireError {
  readonly _tag: string;
  readonly message: string;
  readonly [field: string]: string | number | undefined;
}

export type WireReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** Turns any thrown value into a WireError, keeping a tagged error's tag and scalar fields. */
export const toWire = (cause: unknown): WireError => {
  if (typeof cause === "object" && cause !== null && "_tag" in cause && "message" in cause) {
    const fields: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(cause)) {
      if (typeof value === "string" || typeof value === "number") fields[key] = value;
    }
    return { ...fields, _tag: String(cause._tag), message: String(cause.message) };
  }
  return { _tag: "EngineError", message: cause instanceof Error ? cause.message : String(cause) };
};

export const makeWorkerClient = <E>(
  url: URL,
  name: string,
  fromWire: (error: WireError) => E,
  workerData?: unknown,
) => {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, (reply: WireReply) => void>();
  const start = (): Worker => {
    const started = new Worker(url, { execArgv: ["--import", "tsx"], workerData });
    started.unref();
    started.on("message", (reply: WireReply) => {
      const resolve = pending.get(reply.id);
      pending.delete(reply.id);
      resolve?.(reply);
    });
    const failAll = (message: string): void => {
      if (worker === started) worker = undefined;
      for (const [id, resolve] of pending) resolve({ id, ok: false, error: { _tag: "EngineError", message } });
      pending.clear();
    };
    started.on("error", (cause) => failAll(`${name} worker failed: ${cause.message}`));
    started.on("exit", (code) => failAll(`${name} worker exited with code ${code}`));
    return started;
  };
  const call = <A>(request: object): Effect.Effect<A, E> =>
    Effect.flatMap(
      Effect.callback<WireReply>((resume) => {
        const id = nextId++;
        pending.set(id, (reply) => resume(Effect.succeed(reply)));
        worker ??= start();
        // keep the process alive while a request is out, not while the worker idles
        worker.ref();
        worker.postMessage({ ...request, id });
      }),
      (reply) => {
        if (pending.size === 0) worker?.unref();
        return reply.ok ? Effect.succeed(reply.value as A) : Effect.fail(fromWire(reply.error));
      },
    );
  const stop = Effect.promise(async () => {
    const running = worker;
    worker = undefined;
    if (running !== undefined) await running.terminate();
  });
  return { call, stop };
};
