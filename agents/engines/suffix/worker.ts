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

export interface SortResult {
  readonly job: number;
  readonly text: Uint8Array;
  readonly sa: Uint32Array;
}

const port = parentPort;
if (port !== null) {
  port.on("message", (message: SortJob) => {
    const sa = sortShard(message.text, message.ends);
    const result: SortResult = { job: message.job, text: message.text, sa };
    port.postMessage(result, [message.text.buffer as ArrayBuffer, sa.buffer as ArrayBuffer]);
  });
}
