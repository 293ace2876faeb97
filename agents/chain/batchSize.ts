/**
 * How many receipts a claim should carry on an OP Stack chain (docs/deploy-opstack.md §6).
 *
 * A claim of n receipts costs its L2 execution plus its L1 data fee, both close to affine in n (the
 * ledger benchmark measures them): cost(n) = fixed + n · marginal, with
 *   fixed    = fixedGas · l2GasPrice + l1FeeFixed
 *   marginal = gasPerReceipt · l2GasPrice + l1FeePerReceipt.
 * The cost per receipt, cost(n) / n, falls with n towards `marginal`. The attributor posts once the
 * waiting receipts reach the smallest n whose cost per receipt is at most the target (capped by
 * `maxBatch`), or once the oldest receipt has waited `maxWaitMs`, whichever comes first.
 */

/** A claim's cost model, all amounts in wei. */
export interface ClaimCostModel {
  /** L2 gas of a claim besides its receipts (intrinsic gas, bond, storage of the claim). */
  readonly fixedGas: bigint;
  /** L2 gas each receipt adds (calldata, σ's tx-root hashing, debits). */
  readonly gasPerReceipt: bigint;
  /** L2 gas price, wei per gas (base fee + priority fee). */
  readonly l2GasPrice: bigint;
  /** L1 data fee of a claim besides its receipts, wei. */
  readonly l1FeeFixed: bigint;
  /** L1 data fee each receipt adds (its compressed calldata), wei. */
  readonly l1FeePerReceipt: bigint;
}

export interface BatchPolicy {
  readonly cost: ClaimCostModel;
  /** What one receipt may cost to settle, wei. */
  readonly targetCostPerReceipt: bigint;
  /** The most receipts a claim carries. */
  readonly maxBatch: number;
  /** The longest a receipt waits before a smaller, dearer claim is posted anyway. */
  readonly maxWaitMs: number;
}

/** The total cost of a claim of `n` receipts, wei. */
export const claimCost = (m: ClaimCostModel, n: number): bigint =>
  m.fixedGas * m.l2GasPrice + m.l1FeeFixed + BigInt(n) * (m.gasPerReceipt * m.l2GasPrice + m.l1FeePerReceipt);

/**
 * The smallest n ≥ 1 with cost(n) ≤ n · target, capped at `maxBatch` (the target is unreachable, or
 * reached only beyond the cap: then a full batch is the cheapest per receipt).
 */
export const targetBatchSize = (policy: Pick<BatchPolicy, "cost" | "targetCostPerReceipt" | "maxBatch">): number => {
  const m = policy.cost;
  const max = Math.max(1, Math.floor(policy.maxBatch));
  const fixed = m.fixedGas * m.l2GasPrice + m.l1FeeFixed;
  const marginal = m.gasPerReceipt * m.l2GasPrice + m.l1FeePerReceipt;
  const headroom = policy.targetCostPerReceipt - marginal;
  if (headroom <= 0n) return max;
  // fixed + n·marginal ≤ n·target  ⇔  n ≥ fixed / (target − marginal)
  const n = (fixed + headroom - 1n) / headroom;
  if (n > BigInt(max)) return max;
  return n < 1n ? 1 : Number(n);
};

export type BatchDecision =
  | { readonly post: false; readonly reason: "empty" | "waiting" }
  | { readonly post: true; readonly size: number; readonly reason: "target" | "maxWait" };

/** Whether to post now, and how many receipts, given how many wait and how long the oldest has waited. */
export const decideBatch = (policy: BatchPolicy, waiting: number, oldestWaitedMs: number): BatchDecision => {
  if (waiting <= 0) return { post: false, reason: "empty" };
  const target = targetBatchSize(policy);
  if (waiting >= target) return { post: true, size: Math.min(waiting, Math.max(1, policy.maxBatch)), reason: "target" };
  if (oldestWaitedMs >= policy.maxWaitMs) return { post: true, size: waiting, reason: "maxWait" };
  return { post: false, reason: "waiting" };
};
