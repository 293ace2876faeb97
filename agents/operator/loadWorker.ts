/**
 * Worker-thread entry for cold adapter loads (see loaders.ts): reads, parses, validates and converts
 * one PEFT folder per message and transfers the factors back without copying them.
 */
import { parentPort } from "node:worker_threads";
import { AdapterError, loadAdapterDir } from "./adapter.ts";
import type { LoadReply, LoadRequest } from "./loaders.ts";

parentPort?.on("message", (req: LoadRequest) => {
  loadAdapterDir(req.id, req.dir, req.targets, req.slotRank).then(
    (adapter) => {
      const transfer = [...adapter.factors.values()]
        .flatMap((f) => [f.aT.buffer, f.bT.buffer])
        .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      parentPort!.postMessage({ seq: req.seq, ok: true, adapter } satisfies LoadReply, transfer);
    },
    (e: unknown) => {
      const reply: LoadReply = {
        seq: req.seq,
        ok: false,
        adapterError: e instanceof AdapterError,
        message: e instanceof Error ? e.message : String(e),
      };
      parentPort!.postMessage(reply);
    },
  );
});

// modules are loaded: tell the pool (loaders.ts) this thread can take loads
parentPort?.postMessage({ ready: true });
