/**
 * What the attributor's services share (docs/agents.md "The attributor's services"): its settings
 * (`AttributorSettings`, read through Effect `Config` by ./config.ts or given by a caller), its errors,
 * events and metrics, and `AttributorState`: its address, the receipts it never posts, the batches it
 * posted, the block of its latest claim and the `step` wrapper every chain-loop step runs in (a lost race
 * is counted, not an error).
 */
import { Context, Data, Effect, Layer, Option } from "effect";
import { type Address, getAddress, type Hex } from "viem";
import type { BatchPolicy } from "../chain/batchSize.ts";
import { Chain } from "../chain/Chain.ts";
import { describeCallError } from "../chain/tx.ts";
import type { ReceiptPayload } from "../gossip/messages.ts";
import { Metrics, type MetricsRegistry } from "../observability/metrics.ts";
import { headLagGauge } from "../observability/server.ts";
import type { AttributeTx } from "../sigma/codec.ts";
import { Store } from "../store/store.ts";

/** A receipt refused (or an attributor that cannot start: no key); the message is the reason. */
export class IntakeError extends Data.TaggedError("IntakeError")<{
  readonly message: string;
  /** Not taken for now (the engine could not reach the chain or an index): send it again later. */
  readonly retryable?: boolean;
}> {}

/** A read of the chain the attributor's loop needs failed (retried at the next tick). */
export class ChainReadError extends Data.TaggedError("ChainReadError")<{ readonly message: string }> {}

/** σ disagrees with itself between the probe and the claim: nothing is posted. */
export class BatchError extends Data.TaggedError("BatchError")<{ readonly message: string }> {}

export type AgentEvent =
  | { readonly kind: "receipt"; readonly agent: string; readonly source: "intake" | "gossip" }
  | {
      readonly kind: "claimPosted";
      readonly agent: string;
      readonly claimId: bigint;
      readonly receipts: number;
      readonly corrupt: boolean;
    }
  /** A `postClaim` transaction accepted by the node, not mined yet (its `claimPosted` follows once it is). */
  | { readonly kind: "claimSent"; readonly agent: string; readonly parent: bigint; readonly hash: Hex }
  | { readonly kind: "claimFinalized"; readonly agent: string; readonly claimId: bigint }
  | { readonly kind: "withdrawn"; readonly agent: string; readonly account: Address; readonly amount: bigint }
  | {
      readonly kind: "badClaim";
      readonly agent: string;
      readonly claimId: bigint;
      readonly claimant: Address;
      readonly latencyMs: number;
    }
  | { readonly kind: "game"; readonly agent: string; readonly claimId: bigint; readonly status: string };

export interface AttributorSettingsShape {
  readonly name: string;
  /** Post when this many receipts wait… */
  readonly maxBatch: number;
  /** …or when the oldest waiting receipt has waited this long. */
  readonly maxWaitMs: number;
  /**
   * Optional: post as soon as a claim's true OP Stack cost (L2 gas + L1 data fee) per receipt meets a target,
   * instead of waiting for `maxBatch` receipts (agents/chain/batchSize.ts, docs/deploy-opstack.md §6).
   */
  readonly batchCost?: Pick<BatchPolicy, "cost" | "targetCostPerReceipt">;
  readonly pollMs: number;
  /**
   * Worker threads checking the intake's receipts (digests, signature recovery, text hashes:
   * ./verify-pool.ts); default one less than the cores, at least one; 0 checks them on the main thread.
   */
  readonly intakeWorkers?: number;
  /** Keep enough bond for this many pending claims (bonded on start from the wallet's OPEN). */
  readonly bondClaims: number;
  /** Fraud injection (tests): the n-th claim this attributor posts (1-based) moves one contributor's credit to itself. */
  readonly corruptClaim?: number;
  readonly onEvent?: (event: AgentEvent) => void;
  /**
   * How long another poster's claim voided with its ancestor is left to that poster's exact re-post before
   * this node puts its receipts (those it holds) back in line with a fresh reference time (default 30 s).
   */
  readonly repostGraceMs?: number;
  /** Fault injection (crash tests): runs right after a claim is mined, before any bookkeeping. */
  readonly afterPost?: () => void;
}

/** The attributor's settings (./config.ts reads them through Effect `Config`). */
export class AttributorSettings extends Context.Service<AttributorSettings, AttributorSettingsShape>()(
  "poa/AttributorSettings",
) {
  static readonly layer = (settings: AttributorSettingsShape): Layer.Layer<AttributorSettings> =>
    Layer.succeed(AttributorSettings, settings);
}

/** Reverts that mean another agent acted first on the same state (see `step`). */
export const LOST_RACE =
  /ParentHasLiveChild|NotPending|DisputeGame_WrongPosition|DisputeGame_WrongMove|transaction 0x[0-9a-f]+ reverted/;

export const toAttributeTx = (p: ReceiptPayload): AttributeTx => ({
  kind: "attribute",
  user: getAddress(p.request.user),
  operator: getAddress(p.request.operator),
  attributor: getAddress(p.receipt.attributor),
  modelId: p.request.modelId,
  requestHash: p.request.requestHash,
  outputHash: p.receipt.outputHash,
  maxFee: p.request.maxFee,
  fee: p.receipt.fee,
  nonce: p.request.nonce,
  deadline: p.request.deadline,
  userSignature: p.userSignature,
  operatorSignature: p.operatorSignature,
  entries: (p.attribution ?? []).map((e) => ({ contributionId: e.contributionId, weight: e.weight })),
});

/** A receipt's identity as a map key: (user, operator, nonce), protocol.md §2. */
export const receiptKey = (r: { readonly user: string; readonly operator: string; readonly nonce: bigint }) =>
  `${r.user.toLowerCase()}|${r.operator.toLowerCase()}|${r.nonce}`;

/** A payload's identity as a map key (the operator as the receipt names it). */
export const payloadKey = (p: ReceiptPayload) =>
  receiptKey({ user: p.request.user, operator: p.receipt.operator, nonce: p.request.nonce });

/** A (user, operator) nonce window as a map key. */
export const windowOf = (r: { readonly user: string; readonly operator: string }) =>
  `${r.user.toLowerCase()}|${r.operator.toLowerCase()}`;

const makeMetrics = (metrics: MetricsRegistry) => ({
  received: metrics.counter("poa_attributor_receipts_total", "Receipts stored, by source"),
  rejected: metrics.counter("poa_attributor_receipts_rejected_total", "Intake receipts refused, by reason"),
  posted: metrics.counter("poa_attributor_claims_posted_total", "Claims this attributor posted"),
  finalized: metrics.counter("poa_attributor_claims_finalized_total", "Claims this attributor finalized"),
  withdrawnOpen: metrics.gauge("poa_attributor_withdrawn_open", "OPEN this attributor withdrew (whole tokens)"),
  errors: metrics.counter("poa_attributor_errors_total", "Failed steps of the chain loop, by step"),
  races: metrics.counter("poa_attributor_races_total", "Steps another agent did first, by step"),
  dropped: metrics.counter(
    "poa_attributor_receipts_dropped_total",
    "Receipts never posted because σ rejects them for good, by reason",
  ),
  deferrals: metrics.counter(
    "poa_attributor_receipt_deferrals_total",
    "Times a receipt was left for a later claim (valid only at a later reference time), by reason",
  ),
  deferred: metrics.gauge("poa_attributor_receipts_deferred", "Receipts waiting for a later claim"),
  unattributed: metrics.counter(
    "poa_attributor_receipts_unattributed_total",
    "Receipts stored but never posted because this attributor could not attribute them itself, by reason",
  ),
  descendantsVoided: metrics.counter(
    "poa_attributor_descendants_voided_total",
    "Pending claims this attributor voided because an ancestor was void (voidDescendant)",
  ),
  reposts: metrics.counter(
    "poa_attributor_reposts_total",
    "Own claims voided with their ancestor: re-posted exactly (same batch, debits, reference time) or given up, by result",
  ),
  intakeWorkerCpu: metrics.counter(
    "poa_attributor_intake_worker_cpu_seconds_total",
    "CPU time the intake's worker threads spent checking receipts (digests, signature recovery, text hashes)",
  ),
  lag: headLagGauge(metrics),
});

export type AttributorMetrics = ReturnType<typeof makeMetrics>;

export interface AttributorStateShape {
  readonly name: string;
  /** This attributor's address (its wallet's). */
  readonly me: Address;
  readonly emit: (event: AgentEvent) => void;
  readonly metrics: AttributorMetrics;
  /**
   * Receipts never to post: rejected for good, or not attributed by this node (both also in the store,
   * which keeps them out of `pendingReceipts`; an unattributed one comes back when its texts arrive).
   */
  readonly rejectedKeys: Set<string>;
  /** Batches this node posted, by lowercase hash (served to peers that ask). */
  readonly batches: Map<string, Uint8Array>;
  /** The block of this node's latest claim until its follower has read that far (see ./batching.ts). */
  readonly ownClaim: { block: bigint | undefined };
  /** Runs one step of the chain loop: a failure is logged and counted (a lost race as a race), never fatal. */
  readonly step: <R>(name: string, effect: Effect.Effect<void, unknown, R>) => Effect.Effect<void, never, R>;
}

export const makeAttributorState = Effect.fn("Attributor.state")(function* () {
  const settings = yield* AttributorSettings;
  const chain = yield* Chain;
  const store = yield* Store;
  const wallet = Option.getOrUndefined(chain.wallet);
  if (wallet === undefined) return yield* new IntakeError({ message: `${settings.name}: no signing key configured` });
  const metrics = makeMetrics(yield* Metrics);
  const rejectedKeys = new Set((yield* store.rejectedReceipts).map(receiptKey));
  const step = <R>(name: string, effect: Effect.Effect<void, unknown, R>) =>
    effect.pipe(
      Effect.catch((e: unknown) => {
        const message = e instanceof Error ? e.message : describeCallError(e);
        // Another agent moved first (posted on the same parent, finalized the same claim, made the
        // game move): expected between honest peers, and the next tick starts from the new state.
        if (LOST_RACE.test(message)) {
          metrics.races.inc({ step: name });
          return Effect.logDebug(`${settings.name}: ${name}: lost a race: ${message}`);
        }
        metrics.errors.inc({ step: name });
        return Effect.logWarning(`${settings.name}: ${name}: ${message}`);
      }),
    );
  return {
    name: settings.name,
    me: wallet.account.address,
    emit: (event: AgentEvent) => settings.onEvent?.(event),
    metrics,
    rejectedKeys,
    batches: new Map(),
    ownClaim: { block: undefined },
    step,
  } satisfies AttributorStateShape;
});

export class AttributorState extends Context.Service<AttributorState, AttributorStateShape>()("poa/AttributorState") {
  /** Needs AttributorSettings, Chain (with a wallet), Store and Metrics. */
  static readonly layer = Layer.effect(AttributorState, makeAttributorState());
}
