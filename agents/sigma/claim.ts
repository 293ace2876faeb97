/**
 * What an honest attributor posts (docs/protocol.md §5–6): from signed receipts and the parent's state,
 * the batch calldata, the per-payer debits (exactly what σ charged), s′ and every step.
 */
import type { Hex } from "viem";
import { type AttributeTx, claimTransactions, type Debit, encodeBatch, splitBatch, txRoot } from "./codec.ts";
import {
  applyBatch,
  type BatchResult,
  type Ledger,
  type RegistryView,
  type SigmaContext,
  type StateFields,
} from "./sigma.ts";

export interface BuiltClaim {
  /** `postClaim`'s batch argument. */
  readonly batch: Uint8Array;
  /** `postClaim`'s debits: one per charged payer, sorted by address. */
  readonly debits: ReadonlyArray<Debit>;
  /** T: the batch's transactions followed by one Settle per debit. */
  readonly txs: ReadonlyArray<Uint8Array>;
  readonly txRoot: Hex;
  /** `postClaim`'s newState (totalCharged is 0). */
  readonly newState: StateFields;
  /** Every step with its pre/post state and witnesses (for oneStepProof). */
  readonly result: BatchResult;
}

/** The debits that settle every charge left in `ledger` (sorted by payer, as postClaim requires). */
export const pendingDebits = (ledger: Ledger): Debit[] =>
  ledger.tree
    .accounts()
    .filter(([, leaf]) => leaf.charged > 0n)
    .map(([payer, leaf]) => ({ payer, amount: leaf.charged }))
    .sort((a, b) => (BigInt(a.payer) < BigInt(b.payer) ? -1 : BigInt(a.payer) > BigInt(b.payer) ? 1 : 0));

/**
 * Builds the claim of `receipts` on top of `ledger` (the parent's post-state, with no pending charge)
 * and applies it to `ledger`. Throws MalformedTransaction for a receipt that cannot be encoded.
 */
export const buildClaim = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  receipts: ReadonlyArray<AttributeTx>,
): Promise<BuiltClaim> => {
  const batch = encodeBatch(receipts);
  const probe = ledger.clone();
  await applyBatch(probe, ctx, registry, splitBatch(batch));
  const debits = pendingDebits(probe);
  const txs = claimTransactions(batch, debits);
  const result = await applyBatch(ledger, ctx, registry, txs);
  return { batch, debits, txs, txRoot: txRoot(txs), newState: result.post, result };
};
