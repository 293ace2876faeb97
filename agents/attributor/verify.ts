/**
 * The intake's checks of one receipt with its texts, as a pure function of its input: the receipt against
 * the deployment's EIP-712 domain (agents/gossip/checks.ts `receiptProblem`: the user's and the operator's
 * signatures), then its texts against its hashes (agents/protocol/texts.ts `checkTexts`). The same function
 * runs on the main thread and in the intake's worker threads (./verify-pool.ts, ./verify-worker.ts), so both
 * paths accept and refuse exactly the same receipts with the same reasons.
 *
 * It returns every recovery it computed (`recovered`), so a worker's results can be remembered by the
 * process-wide cache (agents/identity/recover.ts `signerRecovery.remember`): σ and the gossip validator then
 * find them there, and a receipt is recovered once per node. `known` are results the cache already holds
 * for the receipt's signatures: used when the digest computed here is the one they were recovered for.
 */
import { type Hex, hexToBytes } from "viem";
import { receiptProblem } from "../gossip/checks.ts";
import type { Recovered, SignerRecovery } from "../identity/recover.ts";
import type { Eip712Domain } from "../protocol/receipt.ts";
import { checkTexts, type SourcedReceipt } from "../protocol/texts.ts";

export type IntakeVerdict =
  /** Sound: `input` is what the engine reads as the request (`requestText`). */
  | { readonly ok: true; readonly input: string; readonly recovered: ReadonlyArray<Recovered> }
  /** Refused for good: `reason` is the metric label and the error's reason. */
  | { readonly ok: false; readonly reason: string; readonly recovered: ReadonlyArray<Recovered> };

/** The `rejected{reason}` labels a verdict can carry (receiptProblem's, then the texts'). */
export const verdictReasons = [
  "request-mismatch",
  "fee-above-max",
  "user-signature",
  "operator-signature",
  "attribution-weights",
  "request-hash",
  "output-hash",
] as const;

const same = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

/** Checks one sourced receipt (never throws). */
export const verifyIntake = async (
  domain: Eip712Domain,
  sourced: SourcedReceipt,
  recovery: SignerRecovery,
  known: ReadonlyArray<Recovered> = [],
): Promise<IntakeVerdict> => {
  const recovered: Recovered[] = [];
  const recording: SignerRecovery = {
    backend: recovery.backend,
    recover: async (hash, signature) => {
      const hit = known.find((k) => same(k.hash, hash) && same(k.signature, signature));
      if (hit !== undefined) return hit.signer;
      const signer = await recovery.recover(hash, signature);
      recovered.push({ hash, signature, signer });
      return signer;
    },
  };
  const problem = await receiptProblem(domain, sourced.receipt, undefined, recording);
  if (problem !== undefined) return { ok: false, reason: problem, recovered };
  let request: Uint8Array;
  try {
    request = hexToBytes(sourced.request);
  } catch {
    return { ok: false, reason: "request-hash", recovered };
  }
  // the texts must be the receipt's (agents/protocol/texts.ts); the engine reads the request's text
  const texts = checkTexts(sourced.receipt, request, sourced.output);
  if (!texts.ok)
    return { ok: false, reason: texts.problem === "output-hash-mismatch" ? "output-hash" : "request-hash", recovered };
  return { ok: true, input: texts.sourced.input, recovered };
};
