/**
 * Worker-thread entry of `buildProofIndex`: hashes one ArrayTree per message. The values travel in
 * and back out as a transferred buffer (never copied), with the tree's kept rows.
 */
import { parentPort } from "node:worker_threads";
import { ArrayTree } from "./trees.ts";

export interface TreeJob {
  readonly values: Uint32Array;
  readonly tag: number;
}

export interface TreeReply {
  readonly values: Uint32Array;
  readonly rows: ReadonlyArray<Uint8Array>;
}

const port = parentPort;
if (port !== null) {
  port.on("message", (message: TreeJob) => {
    const tree = new ArrayTree(message.values, message.tag);
    const reply: TreeReply = { values: message.values, rows: tree.keptRows };
    port.postMessage(reply, [
      message.values.buffer as ArrayBuffer,
      ...tree.keptRows.map((row) => row.buffer as ArrayBuffer),
    ]);
  });
}
