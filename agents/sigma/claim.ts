/**
 * What an honest attributor posts (docs/protocol.md §5–6): from signed receipts and the parent's state,
 * the batch calldata, the per-payer debits (exactly what σ charged), s′ and every step.
 */
import type { Hex } from "viem";
import { type BatchItem, claimTransactions, type Debit, encodeBatch, splitBatch, txRoot } from "./codec.ts";
import {
  applyBatch,
  applyTx,
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
 * σ runs once over the receipts: the debits are read from the state after them, then the settles follow.
 */
export const buildClaim = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  receipts: ReadonlyArray<BatchItem>,
): Promise<BuiltClaim> => {
  const batch = encodeBatch(receipts);
  const head = await applyBatch(ledger, ctx, registry, splitBatch(batch));
  return completeClaim(ledger, ctx, registry, batch, head);
};

/**
 * Finishes a claim whose batch σ already ran: `ledger` is the state after `batch` (applied by
 * `applyBatch` from the parent's post-state, `head` its result), so only the settles remain. The same
 * claim as `buildClaim` of the batch's receipts on the parent's state, without running σ over them again.
 */
export const completeClaim = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  batch: Uint8Array,
  head: BatchResult,
): Promise<BuiltClaim> => {
  const debits = pendingDebits(ledger);
  const txs = claimTransactions(batch, debits);
  if (head.steps.length !== txs.length - debits.length) {
    throw new RangeError(`σ ran ${head.steps.length} steps, the batch has ${txs.length - debits.length} transactions`);
  }
  const steps = [...head.steps];
  for (let i = steps.length; i < txs.length; i++) steps.push(await applyTx(ledger, ctx, registry, txs[i]!, i));
  const result: BatchResult = { steps, post: ledger.state };
  return { batch, debits, txs, txRoot: txRoot(txs), newState: result.post, result };
};
