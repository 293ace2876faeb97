/**
 * Worker-thread entry: sorts one shard per message. The text travels in and back out as a
 * transferred buffer, so a shard is never copied between threads.
 */
import { parentPort } from "node:worker_threads";
import { sortShard } from "./shard.ts";

export interface SortJob {
  readonly job: number;
  readonly text: Uint8Array;
  readonly ends: Uint32Array;
}

/** A stage of the job finished (for progress), or the job is done with its suffix array. */
export type SortReply =
  | { readonly kind: "stage"; readonly job: number; readonly stage: 1 | 2 }
  | { readonly kind: "done"; readonly job: number; readonly text: Uint8Array; readonly sa: Uint32Array };

const port = parentPort;
if (port !== null) {
  port.on("message", (message: SortJob) => {
    const sa = sortShard(message.text, message.ends, (stage) => {
      const reply: SortReply = { kind: "stage", job: message.job, stage };
      port.postMessage(reply);
    });
    const reply: SortReply = { kind: "done", job: message.job, text: message.text, sa };
    port.postMessage(reply, [message.text.buffer as ArrayBuffer, sa.buffer as ArrayBuffer]);
  });
}
