/**
 * Worker-thread entry of the intake's verifier pool (./verify-pool.ts): checks each receipt of a message
 * with ./verify.ts (EIP-712 digests, libsecp256k1 recovery, text hashes) and answers with the verdicts in
 * order. Recoveries are not cached here: the main thread remembers them in the process-wide cache.
 */
import { parentPort } from "node:worker_threads";
import { jsRecovery, nativeRecovery } from "../identity/recover.ts";
import { type IntakeVerdict, verifyIntake } from "./verify.ts";
import type { VerifyReply, VerifyRequest } from "./verify-pool.ts";

const recovery = nativeRecovery ?? jsRecovery;

/** This thread's CPU time (µs) when it last answered. */
let cpuBefore = 0;
const cpuMicros = () => {
  const { user, system } = process.threadCpuUsage();
  const spent = user + system - cpuBefore;
  cpuBefore = user + system;
  return spent;
};

parentPort?.on("message", (req: VerifyRequest) => {
  void (async () => {
    const verdicts: IntakeVerdict[] = [];
    for (const item of req.items) verdicts.push(await verifyIntake(req.domain, item.sourced, recovery, item.known));
    parentPort!.postMessage({ seq: req.seq, verdicts, cpuMicros: cpuMicros() } satisfies VerifyReply);
  })().catch((e: unknown) => {
    parentPort!.postMessage({ seq: req.seq, error: e instanceof Error ? e.message : String(e) } satisfies VerifyReply);
  });
});

// modules are loaded: tell the pool this thread can take work (start-up CPU not counted)
cpuMicros();
parentPort?.postMessage({ ready: true, backend: recovery.backend });
