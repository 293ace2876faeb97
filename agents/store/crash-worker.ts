/**
 * A deterministic batching workload for the crash test (agents/store/store.test.ts): stores the
 * receipts of batch i in small groups (one transaction each, as the intake commits them) and one by one, then saves the batch and advances the cursor to i in one
 * transaction; on restart it resumes after the cursor. The test kills it with SIGKILL mid-way.
 *
 *   node --import tsx agents/store/crash-worker.ts <db> <batches> <receipts per batch> [delay ms]
 */
import { pathToFileURL } from "node:url";
import { Effect, Option } from "effect";
import { type Hex, keccak256, stringToBytes } from "viem";
import type { ReceiptPayload } from "../gossip/messages.ts";
import { makeStore, openDatabase, type StoreShape } from "./store.ts";

export const AGENT = "crash-worker";
export const CURSOR = "batches";
const USER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const OPERATOR = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const hex32 = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const sig = (n: number): Hex => `0x${n.toString(16).padStart(130, "0")}`;

export const workloadReceipt = (nonce: number, operator: Hex = OPERATOR): ReceiptPayload => {
  const request = {
    user: USER,
    operator,
    modelId: 1n,
    requestHash: hex32(nonce),
    maxFee: 100n,
    nonce: BigInt(nonce),
    deadline: 4_000_000_000n,
  } as const;
  const { maxFee: _maxFee, ...rest } = request;
  return {
    request,
    userSignature: sig(nonce),
    receipt: { ...rest, attributor: OPERATOR, outputHash: hex32(nonce + 1), fee: 10n + BigInt(nonce % 7) },
    operatorSignature: sig(nonce + 1),
  };
};

const sleep = (ms: number) => {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** Runs (or resumes) the workload; calls `onBatch` after each committed batch. */
export const runWorkload = (
  store: StoreShape,
  batches: number,
  perBatch: number,
  delayMs = 0,
  onBatch: (index: number) => void = () => {},
): void => {
  const done = Effect.runSync(store.getCursor(AGENT, CURSOR)).pipe(Option.getOrElse(() => 0));
  for (let index = done + 1; index <= batches; index++) {
    const nonces = Array.from({ length: perBatch }, (_, j) => index * 1000 + j);
    // the intake's group commit (Store.addReceipts): odd groups of up to 3 receipts, one transaction each,
    // and single receipts between them (addReceipt)
    for (let at = 0; at < nonces.length; ) {
      const group = nonces.slice(at, at + (at % 2 === 0 ? 3 : 1));
      if (group.length === 1) Effect.runSync(store.addReceipt(workloadReceipt(group[0]!)));
      else Effect.runSync(store.addReceipts(group.map((nonce) => workloadReceipt(nonce))));
      sleep(delayMs * group.length);
      at += group.length;
    }
    const body = stringToBytes(JSON.stringify({ index, nonces }));
    Effect.runSync(
      store.saveBatch(
        { hash: keccak256(body), parentClaim: BigInt(index - 1), body, txCount: perBatch, newStateRoot: hex32(index) },
        nonces.map((nonce) => ({ user: USER, operator: OPERATOR, nonce: BigInt(nonce) })),
        { agent: AGENT, name: CURSOR, position: index },
      ),
    );
    onBatch(index);
  }
};

const main = () => {
  const [path, batches, perBatch, delay] = process.argv.slice(2);
  if (path === undefined || batches === undefined || perBatch === undefined) {
    process.stderr.write("usage: crash-worker.ts <db> <batches> <receipts per batch> [delay ms]\n");
    process.exit(2);
  }
  const db = openDatabase({ path });
  runWorkload(makeStore(db), Number(batches), Number(perBatch), Number(delay ?? 0), (index) =>
    process.stdout.write(`batch ${index}\n`),
  );
  db.close();
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
