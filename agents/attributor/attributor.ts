/**
 * The attributor agent. Background fibers, all in the caller's scope:
 *
 * - intake: receipts from the local HTTP intake (with their texts: attributed here through the
 *   AttributionEngine, then gossiped) and from the receipts topic (without texts, so this node cannot
 *   attribute them: stored as unattributed, never posted, whatever weights the peer attached; the same
 *   receipt arriving later at the intake with its texts is attributed here and becomes pending);
 *   every receipt is stored once per (user, operator, nonce) (a user's nonces are independent per
 *   operator, docs/protocol.md §2). Weights are only ever this node's engine's;
 * - the chain loop, one step at a time: follow the ledger (agents/ledger/follower.ts) and mark the
 *   receipts every posted claim included; finalize claims whose window has passed; withdraw this
 *   attributor's earnings with a proof against the latest final state; and, when enough receipts
 *   wait (size) or the oldest has waited long enough (time), build T on the live tip, compute s′ with σ,
 *   post the claim with its bond and gossip the proposal. Only receipts σ accepts at the claim's
 *   reference time go in (an invalid one is a no-op, lost once posted; see ./verdict.ts): one valid
 *   only at a later reference time (model registered, contribution approved after it) stays pending
 *   for a later claim; one invalid for good is marked rejected in the store, with its reason, and
 *   counted (`poa_attributor_receipts_dropped_total{reason}`) before anything is posted.
 *
 * Restart safety: the chain is the record of what was posted. Receipts are marked as included only
 * when the follower sees them in a posted claim (ours or another attributor's), so a crash between
 * `postClaim` and the bookkeeping just replays the marking; a receipt can never be posted twice by
 * us (and if it were, σ's nonce window makes the copy a no-op that charges nobody). A rejection is
 * written before the post and is idempotent, so a crash between the two loses nothing: the valid
 * receipts are still pending and the next build redoes the same judgement.
 */
import { Data, Effect, Option, Schedule, type Scope, Stream } from "effect";
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, keccak256 } from "viem";
import { type BatchPolicy, targetBatchSize } from "../chain/batchSize.ts";
import { Chain } from "../chain/Chain.ts";
import { describeCallError, sendContractCall } from "../chain/tx.ts";
import type { AttributionEngine } from "../engines/engine.ts";
import { attributionLedgerAbi, openTokenAbi, paymentEscrowAbi } from "../generated/contracts.ts";
import { receiptProblem } from "../gossip/checks.ts";
import { Gossip } from "../gossip/gossip.ts";
import { type ReceiptPayload, Topics } from "../gossip/messages.ts";
import { type FollowedClaim, type Follower, fetchRegistryView } from "../ledger/follower.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { Metrics } from "../observability/metrics.ts";
import { headLagGauge } from "../observability/server.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { checkTexts } from "../protocol/texts.ts";
import type { SourcedReceipt } from "../receipts/source.ts";
import { buildClaim } from "../sigma/claim.ts";
import { type AttributeTx, encodeBatch, encodeTx, splitBatch } from "../sigma/codec.ts";
import { applyBatch, commitment, type Ledger, Outcome, type RegistryView, type SigmaContext } from "../sigma/sigma.ts";
import { encodeProof } from "../sigma/tree.ts";
import { type RejectedReceipt, Store } from "../store/store.ts";
import { makeDefense } from "./defense.ts";
import { type DeferReason, verdictOf } from "./verdict.ts";

export class IntakeError extends Data.TaggedError("IntakeError")<{
  readonly message: string;
  /** Not taken for now (the engine could not reach the chain or an index): send it again later. */
  readonly retryable?: boolean;
}> {}

/**
 * Engine failures that say nothing about the receipt: the registry or an index could not be read (RPC
 * down, no peer serving the index yet). Such a receipt is not refused for good: the sender tries again.
 */
const transientEngineCauses: ReadonlySet<string> = new Set([
  "ModelReadError",
  "RegistryReadError",
  "IndexUnavailableError",
]);
const transientEngineError = (e: { readonly cause?: unknown }) => {
  const tag = (e.cause as { readonly _tag?: unknown } | undefined)?._tag;
  return typeof tag === "string" && transientEngineCauses.has(tag);
};

export interface AttributorConfig {
  readonly name: string;
  readonly engine: AttributionEngine<unknown>;
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

export type AgentEvent =
  | { readonly kind: "receipt"; readonly agent: string; readonly source: "intake" | "gossip" }
  | {
      readonly kind: "claimPosted";
      readonly agent: string;
      readonly claimId: bigint;
      readonly receipts: number;
      readonly corrupt: boolean;
    }
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

/** Reverts that mean another agent acted first on the same state (see `step`). */
const LOST_RACE =
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
/** A (user, operator) nonce window as a map key. */
const windowOf = (r: { readonly user: string; readonly operator: string }) =>
  `${r.user.toLowerCase()}|${r.operator.toLowerCase()}`;

/** Marks the receipts of posted claims as included (idempotent); returns how many claims were new. */
export const markIncluded = (claims: ReadonlyArray<FollowedClaim>, seen: Set<string>) =>
  Effect.gen(function* () {
    const store = yield* Store;
    for (const claim of claims) {
      const keys: Array<{ user: Address; operator: Address; nonce: bigint }> = [];
      for (const r of claim.receipts) {
        const key = receiptKey(r);
        if (seen.has(key)) continue; // a replayed copy in a later claim: the first one owns it
        seen.add(key);
        if (Option.isSome(yield* store.getReceipt(r))) keys.push(r);
      }
      yield* store.saveBatch(
        {
          hash: claim.batchHash,
          parentClaim: claim.parentId,
          body: claim.batch,
          txCount: claim.receipts.length + claim.debits.length,
          newStateRoot: claim.computed.accountsRoot,
        },
        keys,
      );
    }
  });

export const runAttributor = (config: AttributorConfig) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const store = yield* Store;
    const gossip = yield* Gossip;
    const metrics = yield* Metrics;
    const view = yield* LedgerView;
    const wallet = Option.getOrUndefined(chain.wallet);
    if (wallet === undefined) return yield* new IntakeError({ message: `${config.name}: no signing key configured` });
    const me = wallet.account.address;
    const emit = (event: AgentEvent) => config.onEvent?.(event);
    const domain = attributionDomain(view.chainId, view.addresses.ledger);
    const received = metrics.counter("poa_attributor_receipts_total", "Receipts stored, by source");
    const rejected = metrics.counter("poa_attributor_receipts_rejected_total", "Intake receipts refused, by reason");
    const posted_ = metrics.counter("poa_attributor_claims_posted_total", "Claims this attributor posted");
    const finalized = metrics.counter("poa_attributor_claims_finalized_total", "Claims this attributor finalized");
    const withdrawnWei = metrics.gauge("poa_attributor_withdrawn_open", "OPEN this attributor withdrew (whole tokens)");
    const errors = metrics.counter("poa_attributor_errors_total", "Failed steps of the chain loop, by step");
    const races = metrics.counter("poa_attributor_races_total", "Steps another agent did first, by step");
    const dropped = metrics.counter(
      "poa_attributor_receipts_dropped_total",
      "Receipts never posted because σ rejects them for good, by reason",
    );
    const deferrals = metrics.counter(
      "poa_attributor_receipt_deferrals_total",
      "Times a receipt was left for a later claim (valid only at a later reference time), by reason",
    );
    const deferredGauge = metrics.gauge("poa_attributor_receipts_deferred", "Receipts waiting for a later claim");
    const unattributed = metrics.counter(
      "poa_attributor_receipts_unattributed_total",
      "Receipts stored but never posted because this attributor could not attribute them itself, by reason",
    );
    const descendantsVoided = metrics.counter(
      "poa_attributor_descendants_voided_total",
      "Pending claims this attributor voided because an ancestor was void (voidDescendant)",
    );
    const reposts = metrics.counter(
      "poa_attributor_reposts_total",
      "Own claims voided with their ancestor: re-posted exactly (same batch, debits, reference time) or given up, by result",
    );
    const lag = headLagGauge(metrics);
    const batches = new Map<string, Uint8Array>();
    const keyOf = (p: ReceiptPayload) =>
      receiptKey({ user: p.request.user, operator: p.receipt.operator, nonce: p.request.nonce });
    /**
     * Receipts never to post: rejected for good, or not attributed by this node (both also in the store,
     * which keeps them out of `pendingReceipts`; an unattributed one comes back when its texts arrive).
     */
    const rejectedKeys = new Set((yield* store.rejectedReceipts).map(receiptKey));

    /**
     * A receipt this node cannot attribute with its own engine is stored without any attribution and
     * marked unattributed (never pending, so never posted), counted and logged. Weights are never taken
     * from anyone else: a peer's attribution is only its claim about the texts.
     */
    const storeUnattributed = (payload: ReceiptPayload, reason: string) =>
      Effect.gen(function* () {
        const { attribution: _ignored, ...bare } = payload;
        const fresh = yield* store.addUnattributedReceipt(bare, reason);
        if (!fresh) return false;
        rejectedKeys.add(keyOf(payload));
        unattributed.inc({ reason: reason.startsWith("engine") ? "engine" : reason });
        // every gossiped receipt lands here (they carry no texts): debug level; an engine failure is news
        const log = reason === "no-texts" ? Effect.logDebug : Effect.logWarning;
        yield* log(
          `${config.name}: receipt (${payload.request.user}, ${payload.receipt.operator}, ${payload.request.nonce}) stored unattributed (${reason}): not posted unless its texts reach this node`,
        );
        return true;
      });
    let withdrawnTotal = 0n;

    /** Intake: checks a receipt with its texts, attributes it, stores and gossips it. */
    const intake = Effect.fn("Attributor.intake")(function* (sourced: SourcedReceipt) {
      const refuse = (reason: string) => {
        rejected.inc({ reason });
        return new IntakeError({ message: `receipt refused: ${reason}` });
      };
      const problem = yield* Effect.promise(() => receiptProblem(domain, sourced.receipt));
      if (problem !== undefined) return yield* refuse(problem);
      // the texts must be the receipt's (agents/protocol/texts.ts); the engine reads the request's text
      const texts = checkTexts(sourced.receipt, hexToBytes(sourced.request), sourced.output);
      if (!texts.ok) return yield* refuse(texts.problem === "output-hash-mismatch" ? "output-hash" : "request-hash");
      const attribution = yield* config.engine
        .attribute({ modelId: sourced.receipt.request.modelId, input: texts.sourced.input, output: sourced.output })
        .pipe(
          Effect.catch((e) => {
            if (transientEngineError(e)) {
              rejected.inc({ reason: "engine-unavailable" });
              return Effect.fail(
                new IntakeError({ message: `receipt not taken yet: engine: ${e.message}`, retryable: true }),
              );
            }
            return storeUnattributed(sourced.receipt, `engine: ${e.message}`).pipe(
              Effect.flatMap(() => Effect.fail(refuse(`engine: ${e.message}`))),
            );
          }),
        );
      // the node's own weights, whatever a peer attached to a copy of this receipt
      const payload: ReceiptPayload = { ...sourced.receipt, attribution: attribution.entries };
      // new, or known only unattributed until now (gossiped without texts): attributed here, now pending
      const fresh = (yield* store.addReceipt(payload)) || (yield* store.adoptReceipt(payload));
      if (fresh) {
        rejectedKeys.delete(keyOf(payload));
        received.inc({ source: "intake" });
        emit({ kind: "receipt", agent: config.name, source: "intake" });
        yield* gossip
          .publish(Topics.receipts, payload)
          .pipe(Effect.catch((e) => Effect.logWarning(`${config.name}: could not gossip a receipt: ${e.message}`)));
      }
      return fresh;
    });

    const fromGossip = gossip.messages(Topics.receipts).pipe(
      Stream.runForEach((envelope) =>
        Effect.gen(function* () {
          // no texts come with a gossiped receipt, so this node cannot attribute it: stored, never posted
          // (the peer's weights, if any, are dropped), until the same receipt reaches the intake with its texts
          if (yield* storeUnattributed(envelope.payload, "no-texts")) {
            received.inc({ source: "gossip" });
            emit({ kind: "receipt", agent: config.name, source: "gossip" });
          }
        }).pipe(Effect.catch((e) => Effect.logWarning(`${config.name}: ${e.message}`))),
      ),
    );
    yield* Effect.forkScoped(fromGossip);

    // ---- chain side ----
    const follower: Follower = view.follower;
    const claimBond = follower.params.claimBond;
    const seen = new Set<string>();

    const ensureBond = Effect.gen(function* () {
      const bond = yield* readBond(me);
      const want = claimBond * BigInt(config.bondClaims);
      if (bond.bonded >= want) return;
      const amount = want - bond.bonded;
      yield* sendContractCall({
        address: view.addresses.openToken,
        abi: openTokenAbi,
        functionName: "approve",
        args: [view.addresses.ledger, amount],
      });
      yield* sendContractCall({
        address: view.addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "bond",
        args: [amount],
      });
    });

    const readBond = (account: Address) =>
      Effect.tryPromise({
        try: () =>
          chain.publicClient.readContract({
            address: view.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "bondOf",
            args: [account],
          }),
        catch: (cause) => new IntakeError({ message: `cannot read the bond of ${account}: ${String(cause)}` }),
      });

    const latestBlock = Effect.tryPromise({
      try: () => chain.publicClient.getBlock({ blockTag: "latest" }),
      catch: (cause) => new IntakeError({ message: `cannot read the latest block: ${String(cause)}` }),
    });

    const finalizeStep = Effect.gen(function* () {
      const pending = [...follower.claims.values()]
        .filter((c) => c.status === "pending")
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const first = pending[0];
      if (first === undefined) return;
      const parent = follower.claims.get(first.parentId);
      if (first.parentId !== 0n && parent?.status !== "final") return;
      const onChain = yield* Effect.tryPromise({
        try: () =>
          chain.publicClient.readContract({
            address: view.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "claim",
            args: [first.id],
          }),
        catch: (cause) => new IntakeError({ message: `cannot read claim ${first.id}: ${String(cause)}` }),
      });
      const block = yield* latestBlock;
      if (onChain.status !== 1 || onChain.openGames > 0) return;
      if (block.timestamp < BigInt(onChain.postedAt) + follower.params.challengeWindow) return;
      yield* sendContractCall({
        address: view.addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "finalize",
        args: [first.id],
      });
      finalized.inc();
      emit({ kind: "claimFinalized", agent: config.name, claimId: first.id });
    });

    const withdrawStep = Effect.gen(function* () {
      const final = follower.finalLedger();
      if (final.id === 0n) return;
      const latestFinal = yield* Effect.tryPromise({
        try: () =>
          chain.publicClient.readContract({
            address: view.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "latestFinalized",
          }),
        catch: (cause) => new IntakeError({ message: `cannot read latestFinalized: ${String(cause)}` }),
      });
      if (latestFinal !== final.id) return; // the follower catches up at the next tick; prove against that root
      const leaf = final.ledger.tree.leaf(me);
      const already = yield* Effect.tryPromise({
        try: () =>
          chain.publicClient.readContract({
            address: view.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "withdrawn",
            args: [me],
          }),
        catch: (cause) => new IntakeError({ message: `cannot read withdrawn(${me}): ${String(cause)}` }),
      });
      if (leaf.earned <= already) return;
      const amount = leaf.earned - already;
      yield* store.upsertWithdrawal({ account: me, cumulative: leaf.earned, amount, status: "pending" });
      const { hash } = yield* sendContractCall({
        address: view.addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "withdraw",
        args: [me, leaf, bytesToHex(encodeProof(final.ledger.tree.siblings(me)))],
      });
      yield* store.upsertWithdrawal({
        account: me,
        cumulative: leaf.earned,
        amount,
        status: "confirmed",
        txHash: hash,
      });
      withdrawnTotal += amount;
      withdrawnWei.set({}, Number(withdrawnTotal) / 1e18);
      emit({ kind: "withdrawn", agent: config.name, account: me, amount });
    });

    let pendingSince: number | undefined;
    let postedCount = 0;
    /** Receipts σ judged valid only at a later reference time, at the last build (key → reason). */
    let deferred = new Map<string, DeferReason>();

    /** The block of this node's latest claim until its follower has read that far (see buildStep). */
    let ownClaimBlock: bigint | undefined;

    /** Voided descendants of this node's own whose exact re-post was tried and cannot be done (σ differs now). */
    const abandonedReposts = new Set<bigint>();
    const repostGraceMs = config.repostGraceMs ?? 30_000;
    /**
     * A claim voided only because an ancestor was keeps its receipts for the exact re-post (same batch,
     * debits and reference time, docs/protocol.md §6), so that receipts past their deadline or the
     * reference-time lag by now are not lost: its receipts are not put back in line with a fresh reference
     * time while that re-post is to come: by this node when it posted the claim (until it finds the re-post
     * impossible), by another poster for `repostGraceMs` after the void (then this node takes them, if it
     * holds them, rather than lose them with a silent poster).
     */
    const awaitsExactRepost = (c: FollowedClaim) => {
      if (c.voidedBy !== "ancestor" || c.repostedAs !== undefined) return false;
      if (c.claimant.toLowerCase() === me.toLowerCase()) return !abandonedReposts.has(c.id);
      return Date.now() - (c.voidedAt ?? 0) < repostGraceMs;
    };

    /**
     * Follower reaction: a pending claim with a void ancestor can never finalize, and nobody can build on
     * the live chain below it (its parent has a live child) until it is voided. `voidDescendant` is open to
     * anyone, one claim per call: void them in chain order (a parent before its child).
     */
    const voidDescendantsStep = Effect.gen(function* () {
      const doomed = [...follower.claims.values()]
        .filter((c) => c.status === "pending" && follower.doomed(c.id))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      for (const c of doomed) {
        yield* sendContractCall({
          address: view.addresses.ledger,
          abi: attributionLedgerAbi,
          functionName: "voidDescendant",
          args: [c.id],
        });
        c.status = "void"; // the follower reads the event at the next sync; its child is next in this loop
        c.voidedBy = "ancestor";
        c.voidedAt = Date.now();
        descendantsVoided.inc();
        yield* Effect.logInfo(`${config.name}: voided claim ${c.id} (built on a void claim)`);
      }
    });

    /**
     * Re-posts this node's own claims voided only because an ancestor was, exactly: the same batch and debits
     * at the same reference time, on the live tip (the ledger accepts the old reference time through the
     * re-post right `voidDescendant` recorded). σ runs at that reference time, so receipts valid then are
     * valid now, whatever their deadlines. Posted only if σ still accepts every transaction on the new parent
     * (a receipt that another claim included meanwhile is a replay there, and its payer's Settle would no
     * longer match): otherwise the claim is given up and its receipts go back in line like any voided one.
     */
    const repostStep = Effect.gen(function* () {
      const candidate = [...follower.claims.values()]
        .filter((c) => c.claimant.toLowerCase() === me.toLowerCase() && awaitsExactRepost(c))
        .sort((a, b) => (a.id < b.id ? -1 : 1))[0];
      if (candidate === undefined) return false;
      if (ownClaimBlock !== undefined && follower.lastBlock() < ownClaimBlock) return false;
      const tip = follower.tip();
      if (!tip.honest) return false;
      const bond = yield* readBond(me);
      if (bond.bonded - bond.locked < claimBond) return false;
      const ctx: SigmaContext = { ...candidate.trace.ctx };
      const registry = yield* fetchRegistryView(chain.publicClient, view.addresses, candidate.trace.txs);
      const ledger = tip.ledger.clone();
      const result = yield* Effect.promise(() => applyBatch(ledger, ctx, registry, candidate.trace.txs));
      const invalid = result.steps.filter((step) => step.outcome !== Outcome.Valid).length;
      if (invalid > 0 || ledger.state.totalCharged !== 0n) {
        abandonedReposts.add(candidate.id);
        reposts.inc({ result: "abandoned" });
        yield* Effect.logWarning(
          `${config.name}: claim ${candidate.id} (voided with its ancestor) cannot be re-posted exactly on claim ${tip.id}: σ rejects ${invalid} of its transactions there; its receipts go back in line`,
        );
        return false;
      }
      const state = ledger.state;
      const posted = yield* sendContractCall({
        address: view.addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "postClaim",
        args: [
          tip.id,
          bytesToHex(candidate.batch),
          state,
          candidate.referenceTime,
          candidate.debits.map((d) => ({ payer: d.payer, amount: d.amount })),
        ],
      });
      config.afterPost?.();
      ownClaimBlock = posted.receipt.blockNumber;
      const event = posted.events.find((e) => e.eventName === "ClaimPosted");
      const claimId = event !== undefined && "claimId" in event.args ? (event.args.claimId as bigint) : 0n;
      candidate.repostedAs = claimId;
      batches.set(candidate.batchHash.toLowerCase(), candidate.batch);
      yield* store.upsertClaim({
        claimId,
        batchHash: candidate.batchHash,
        parent: tip.id,
        stateRoot: state.accountsRoot,
        poster: me,
        status: "posted",
        txHash: posted.hash,
        blockNumber: Number(posted.receipt.blockNumber),
      });
      reposts.inc({ result: "exact" });
      posted_.inc();
      emit({ kind: "claimPosted", agent: config.name, claimId, receipts: candidate.receipts.length, corrupt: false });
      yield* Effect.logInfo(
        `${config.name}: re-posted claim ${candidate.id} (voided with its ancestor) exactly as claim ${claimId} on claim ${tip.id}, reference time ${candidate.referenceTime}`,
      );
      return true;
    });

    /** Failed exact re-posts per voided claim: a lost race is retried; other failures give it up after 3. */
    const repostFailures = new Map<bigint, number>();
    const repostFailed = (e: unknown) =>
      Effect.gen(function* () {
        const message = e instanceof Error ? e.message : describeCallError(e);
        const candidate = [...follower.claims.values()]
          .filter((c) => c.claimant.toLowerCase() === me.toLowerCase() && awaitsExactRepost(c))
          .sort((a, b) => (a.id < b.id ? -1 : 1))[0];
        if (!LOST_RACE.test(message) && candidate !== undefined) {
          const failures = (repostFailures.get(candidate.id) ?? 0) + 1;
          repostFailures.set(candidate.id, failures);
          if (failures >= 3) {
            abandonedReposts.add(candidate.id);
            reposts.inc({ result: "abandoned" });
            yield* Effect.logWarning(
              `${config.name}: giving up the exact re-post of claim ${candidate.id} after ${failures} failures; its receipts go back in line`,
            );
          }
        }
        yield* step("repost", Effect.fail(e));
        return false;
      });

    const buildStep = Effect.gen(function* () {
      // until the follower has read the block of our last claim, its tip is that claim's parent and its
      // receipts look pending: building now would only repost them on the same parent and revert. (If a
      // reorg takes the claim back, the follower reads past that height without it and they are posted again.)
      if (ownClaimBlock !== undefined && follower.lastBlock() < ownClaimBlock) return;
      ownClaimBlock = undefined;
      const tip = follower.tip();
      if (!tip.honest) return; // never build on a wrong claim: it will be voided with its descendants
      // receipts of voided claims go back in line (unless a live claim already holds them)
      const live = new Set<string>();
      for (const c of follower.claims.values()) {
        if (c.status !== "void") for (const r of c.receipts) live.add(receiptKey(r));
      }
      const requeued: ReceiptPayload[] = [];
      for (const c of follower.claims.values()) {
        if (c.status !== "void" || awaitsExactRepost(c)) continue;
        for (const r of c.receipts) {
          const key = receiptKey(r);
          if (live.has(key) || rejectedKeys.has(key)) continue;
          const stored = yield* store.getReceipt(r);
          if (Option.isSome(stored)) requeued.push(stored.value);
        }
      }
      const counts = yield* store.receiptCounts;
      const waiting = counts.pending + requeued.length;
      if (waiting === 0) {
        pendingSince = undefined;
        deferred = new Map();
        deferredGauge.set({}, 0);
        return;
      }
      pendingSince ??= Date.now();
      // deferred receipts do not fill a batch: they wait with the clock (maxWaitMs), not with the size
      const ready = waiting - deferred.size;
      const wanted = config.batchCost
        ? targetBatchSize({ ...config.batchCost, maxBatch: config.maxBatch })
        : config.maxBatch;
      if (ready < wanted && Date.now() - pendingSince < config.maxWaitMs) return;
      const bond = yield* readBond(me);
      if (bond.bonded - bond.locked < claimBond) return;

      // look past the receipts deferred last time, so they never hold up a full batch of valid ones
      const receipts = [...requeued, ...(yield* store.pendingReceipts(config.maxBatch + deferred.size))];
      const candidates: AttributeTx[] = [];
      const drops: RejectedReceipt[] = [];
      for (const r of receipts) {
        const key = keyOf(r);
        if (live.has(key) || rejectedKeys.has(key)) continue;
        live.add(key);
        const tx = toAttributeTx(r);
        // a receipt whose values do not fit the wire widths can never be included (protocol.md §3)
        const fits = yield* Effect.try({ try: () => encodeTx(tx), catch: () => false }).pipe(
          Effect.orElseSucceed(() => false),
        );
        if (fits === false) drops.push({ user: tx.user, operator: tx.operator, nonce: tx.nonce, reason: "malformed" });
        else candidates.push(tx);
      }
      if (candidates.length === 0 && drops.length === 0) return;

      const block = yield* latestBlock;
      const parent = follower.claims.get(tip.id);
      const parentRef = parent?.referenceTime ?? 0n;
      const referenceTime = block.timestamp - 1n > parentRef ? block.timestamp - 1n : parentRef;
      const ctx: SigmaContext = {
        chainId: view.chainId,
        ledger: view.addresses.ledger,
        protocol: follower.params.protocol,
        referenceTime,
        maxEntries: follower.params.maxEntries,
      };
      const registry = yield* fetchRegistryView(
        chain.publicClient,
        view.addresses,
        candidates.map((tx) => encodeTx(tx)),
      );
      // σ's verdict on every candidate at this reference time, on the tip's state: an invalid receipt is
      // a no-op that would be lost once posted, so only valid ones go in (see ./verdict.ts)
      const probe = yield* Effect.promise(() =>
        applyBatch(tip.ledger.clone(), ctx, registry, splitBatch(encodeBatch(candidates))),
      );
      const valid: AttributeTx[] = [];
      const replays: AttributeTx[] = [];
      const deferredNow = new Map<string, DeferReason>();
      for (const [i, tx] of candidates.entries()) {
        const verdict = verdictOf(probe.steps[i]?.outcome ?? Outcome.Malformed, tx, ctx, registry);
        if (verdict.kind === "include") valid.push(tx);
        else if (verdict.kind === "defer") deferredNow.set(receiptKey(tx), verdict.reason);
        else if (verdict.reason === "replay") replays.push(tx);
        else drops.push({ user: tx.user, operator: tx.operator, nonce: tx.nonce, reason: verdict.reason });
      }
      deferred = deferredNow;
      deferredGauge.set({}, deferred.size);
      for (const reason of deferredNow.values()) deferrals.inc({ reason });

      // a payer whose escrow cannot cover its fees waits for a later batch (postClaim would revert)
      const chosen = valid.slice(0, config.maxBatch);
      const fees = new Map<Address, bigint>();
      for (const tx of chosen) fees.set(tx.user, (fees.get(tx.user) ?? 0n) + tx.fee);
      const funded = new Set<Address>();
      for (const [user, total] of fees) {
        const balance = yield* Effect.tryPromise({
          try: () =>
            chain.publicClient.readContract({
              address: view.addresses.paymentEscrow,
              abi: paymentEscrowAbi,
              functionName: "balanceOf",
              args: [user],
            }),
          catch: (cause) => new IntakeError({ message: `cannot read the escrow of ${user}: ${String(cause)}` }),
        });
        if (balance >= total) funded.add(user);
      }
      const txs = chosen.filter((tx) => funded.has(tx.user));
      // a replay may come from a later nonce of the same (user, operator) window in this very batch (that
      // window moves, protocol.md §2): it is permanent only if every valid receipt of that window goes in as
      // σ just ran it (another operator's receipts never touch it)
      const leftOut = new Set(valid.filter((tx) => !txs.includes(tx)).map(windowOf));
      for (const tx of replays) {
        if (!leftOut.has(windowOf(tx))) {
          drops.push({ user: tx.user, operator: tx.operator, nonce: tx.nonce, reason: "replay" });
        }
      }

      // permanent failures: recorded before anything is posted (idempotent, so a crash here is harmless)
      if (drops.length > 0) {
        const marked = yield* store.rejectReceipts(drops);
        for (const d of drops) rejectedKeys.add(receiptKey(d));
        for (const d of marked) dropped.inc({ reason: d.reason });
        if (marked.length > 0) {
          yield* Effect.logInfo(
            `${config.name}: dropped ${marked.length} receipts σ rejects for good (${[...new Set(marked.map((d) => d.reason))].join(", ")})`,
          );
        }
      }
      if (txs.length === 0) {
        // nothing to post now: look again after another wait (deferred receipts ripen with the chain's clock)
        pendingSince = Date.now();
        return;
      }

      const ledger = tip.ledger.clone();
      // batch, debits (exactly what σ charged) and s′: the σ module's one implementation of a claim
      const built = yield* Effect.promise(() => buildClaim(ledger, ctx, registry, txs));
      // removing no-ops changes no other outcome; never post a claim with one anyway
      if (built.result.steps.slice(0, txs.length).some((step) => step.outcome !== Outcome.Valid)) {
        return yield* new IntakeError({
          message: "σ rejects a receipt in the batch that it accepted in the probe: not posting",
        });
      }
      const debits = built.debits;

      const corrupt = config.corruptClaim !== undefined && postedCount + 1 === config.corruptClaim;
      if (corrupt) corruptOneSplit(ledger, txs, registry, me);
      const state = ledger.state;
      const batch = built.batch;
      const batchHex = bytesToHex(batch);
      const result = yield* sendContractCall({
        address: view.addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "postClaim",
        args: [
          tip.id,
          batchHex,
          state,
          BigInt(referenceTime),
          debits.map((d) => ({ payer: d.payer, amount: d.amount })),
        ],
      });
      config.afterPost?.();
      ownClaimBlock = result.receipt.blockNumber;
      postedCount++;
      pendingSince = undefined;
      const event = result.events.find((e) => e.eventName === "ClaimPosted");
      const claimId = event !== undefined && "claimId" in event.args ? (event.args.claimId as bigint) : 0n;
      const batchHash = keccak256(batch);
      batches.set(batchHash.toLowerCase(), batch);
      yield* store.upsertClaim({
        claimId,
        batchHash,
        parent: tip.id,
        stateRoot: state.accountsRoot,
        poster: me,
        status: "posted",
        txHash: result.hash,
        blockNumber: Number(result.receipt.blockNumber),
      });
      posted_.inc();
      emit({ kind: "claimPosted", agent: config.name, claimId, receipts: txs.length, corrupt });
      yield* gossip
        .publish(Topics.proposals, {
          claimId,
          parent: tip.id,
          batchHash,
          bodyBytes: batch.length,
          newStateRoot: state.accountsRoot,
          txCount: built.txs.length,
          txHash: result.hash,
        })
        .pipe(Effect.catch((e) => Effect.logWarning(`${config.name}: proposal not gossiped: ${e.message}`)));
      yield* Effect.logInfo(
        `${config.name}: posted claim ${claimId} (${txs.length} receipts, commitment ${commitment(state).slice(0, 10)}…)`,
      );
    });

    const step = (name: string, effect: Effect.Effect<void, unknown, Chain | Store>) =>
      effect.pipe(
        Effect.catch((e: unknown) => {
          const message = e instanceof Error ? e.message : describeCallError(e);
          // Another agent moved first (posted on the same parent, finalized the same claim, made the
          // game move): expected between honest peers, and the next tick starts from the new state.
          if (LOST_RACE.test(message)) {
            races.inc({ step: name });
            return Effect.logDebug(`${config.name}: ${name}: lost a race: ${message}`);
          }
          errors.inc({ step: name });
          return Effect.logWarning(`${config.name}: ${name}: ${message}`);
        }),
      );

    // ---- games: every challenge of its claims answered, others' claims it agrees with defended (./defense.ts) ----
    const defense = yield* makeDefense({ name: config.name, me, emit, lostRace: (message) => LOST_RACE.test(message) });
    const gamesStep = defense.step;

    const tick = Effect.gen(function* () {
      const fresh = yield* follower.sync;
      yield* markIncluded(fresh, seen);
      for (const claim of fresh) {
        if (claim.claimant.toLowerCase() === me.toLowerCase()) {
          yield* store.upsertClaim({
            claimId: claim.id,
            batchHash: claim.batchHash,
            parent: claim.parentId,
            stateRoot: claim.computed.accountsRoot,
            poster: me,
            status: "posted",
            txHash: claim.txHash,
            blockNumber: Number(claim.blockNumber),
          });
        }
      }
      const head = yield* Effect.tryPromise({
        try: () => chain.publicClient.getBlockNumber({ cacheTime: 0 }),
        catch: (e) => e,
      });
      lag.set({}, Number(head - follower.lastBlock()));
      yield* step("games", gamesStep);
      yield* step("void", voidDescendantsStep);
      yield* step("finalize", finalizeStep);
      yield* step("withdraw", withdrawStep);
      // an exact re-post of a voided descendant goes first: the build after it starts from the new tip
      const reposted = yield* repostStep.pipe(Effect.catch((e: unknown) => repostFailed(e)));
      if (!reposted) yield* step("build", buildStep);
    });

    yield* step("bond", ensureBond);
    yield* Effect.forkScoped(step("tick", tick).pipe(Effect.repeat(Schedule.spaced(`${config.pollMs} millis`))));
    return {
      address: me,
      intake,
      follower,
      batchBody: (hash: Hex) => batches.get(hash.toLowerCase()),
      withdrawn: () => withdrawnTotal,
    };
  });

export type AttributorHandle = Effect.Success<ReturnType<typeof runAttributor>>;

/**
 * Fraud injection for tests: moves the data credit of one entry of one transaction to the attributor,
 * keeping every total, so postClaim accepts the claim and only σ can tell it is wrong.
 */
const corruptOneSplit = (ledger: Ledger, txs: ReadonlyArray<AttributeTx>, registry: RegistryView, me: Address) => {
  for (const tx of txs) {
    const entry = tx.entries[0];
    if (entry === undefined) continue;
    const contributor = registry.contribution(entry.contributionId).contributor;
    const victim = ledger.tree.leaf(contributor);
    if (victim.earned === 0n || contributor.toLowerCase() === me.toLowerCase()) continue;
    const amount = victim.earned < tx.fee / 10n ? victim.earned : tx.fee / 10n;
    ledger.tree.set(contributor, { ...victim, earned: victim.earned - amount });
    const mine = ledger.tree.leaf(me);
    ledger.tree.set(me, { ...mine, earned: mine.earned + amount });
    return;
  }
};

export type AttributorRequirements = Chain | Store | Gossip | Metrics | LedgerView | Scope.Scope;
