/**
 * Follower reaction: what the attributor does with what its ledger follower (agents/ledger) reads. It
 * marks the receipts of every posted claim (ours or another attributor's) as included; voids pending
 * claims built on a void one (`voidDescendant`); finalizes claims whose window has passed; withdraws this
 * attributor's earnings with a proof against the latest final state; and re-posts, exactly, its own claims
 * voided only because an ancestor was (same batch, debits and reference time, docs/protocol.md §6).
 */
import { Context, Effect, Layer, Option } from "effect";
import { type Address, bytesToHex } from "viem";
import { Chain } from "../chain/Chain.ts";
import { describeCallError, sendContractCall } from "../chain/tx.ts";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import { type FollowedClaim, fetchRegistryView } from "../ledger/follower.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { applyBatch, Outcome, type SigmaContext } from "../sigma/sigma.ts";
import { Store } from "../store/store.ts";
import { Posting } from "./posting.ts";
import { AttributorSettings, AttributorState, ChainReadError, LOST_RACE, receiptKey } from "./state.ts";

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

export const makeReactions = Effect.fn("Attributor.makeReactions")(function* () {
  const settings = yield* AttributorSettings;
  const state = yield* AttributorState;
  const posting = yield* Posting;
  const chain = yield* Chain;
  const store = yield* Store;
  const view = yield* LedgerView;
  const { name, me, metrics, emit } = state;
  const follower = view.follower;
  const seen = new Set<string>();
  let withdrawnTotal = 0n;

  const latestBlock = Effect.tryPromise({
    try: () => chain.publicClient.getBlock({ blockTag: "latest" }),
    catch: (cause) => new ChainReadError({ message: `cannot read the latest block: ${String(cause)}` }),
  });

  /** Follows the ledger; marks the receipts of new claims included and records this node's own claims. */
  const sync = Effect.gen(function* () {
    const fresh = yield* follower.sync;
    yield* markIncluded(fresh, seen).pipe(Effect.provideService(Store, store));
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
    metrics.lag.set({}, Number(head - follower.lastBlock()));
  });

  const finalize = Effect.gen(function* () {
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
          // the pending block: a finalize another agent already sent (not mined yet) is not raced
          blockTag: "pending",
        }),
      catch: (cause) => new ChainReadError({ message: `cannot read claim ${first.id}: ${String(cause)}` }),
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
    metrics.finalized.inc();
    emit({ kind: "claimFinalized", agent: name, claimId: first.id });
  }).pipe(Effect.provideService(Chain, chain));

  const withdraw = Effect.gen(function* () {
    const final = follower.finalLedger();
    if (final.id === 0n) return;
    const latestFinal = yield* Effect.tryPromise({
      try: () =>
        chain.publicClient.readContract({
          address: view.addresses.ledger,
          abi: attributionLedgerAbi,
          functionName: "latestFinalized",
          // the pending block: a finalize already sent moves the root this proof must open against
          blockTag: "pending",
        }),
      catch: (cause) => new ChainReadError({ message: `cannot read latestFinalized: ${String(cause)}` }),
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
          blockTag: "pending",
        }),
      catch: (cause) => new ChainReadError({ message: `cannot read withdrawn(${me}): ${String(cause)}` }),
    });
    if (leaf.earned <= already) return;
    const amount = leaf.earned - already;
    yield* store.upsertWithdrawal({ account: me, cumulative: leaf.earned, amount, status: "pending" });
    const { hash } = yield* sendContractCall({
      address: view.addresses.ledger,
      abi: attributionLedgerAbi,
      functionName: "withdraw",
      args: [me, leaf, bytesToHex(final.ledger.tree.proof(me))],
    });
    yield* store.upsertWithdrawal({
      account: me,
      cumulative: leaf.earned,
      amount,
      status: "confirmed",
      txHash: hash,
    });
    withdrawnTotal += amount;
    metrics.withdrawnOpen.set({}, Number(withdrawnTotal) / 1e18);
    emit({ kind: "withdrawn", agent: name, account: me, amount });
  }).pipe(Effect.provideService(Chain, chain));

  /** Voided descendants of this node's own whose exact re-post was tried and cannot be done (σ differs now). */
  const abandonedReposts = new Set<bigint>();
  const repostGraceMs = settings.repostGraceMs ?? 30_000;
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
   * A pending claim with a void ancestor can never finalize, and nobody can build on the live chain below
   * it (its parent has a live child) until it is voided. `voidDescendant` is open to anyone, one claim per
   * call: void them in chain order (a parent before its child).
   */
  const voidDescendants = Effect.gen(function* () {
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
      metrics.descendantsVoided.inc();
      yield* Effect.logInfo(`${name}: voided claim ${c.id} (built on a void claim)`);
    }
  }).pipe(Effect.provideService(Chain, chain));

  const nextRepost = () =>
    [...follower.claims.values()]
      .filter((c) => c.claimant.toLowerCase() === me.toLowerCase() && awaitsExactRepost(c))
      .sort((a, b) => (a.id < b.id ? -1 : 1))[0];

  /**
   * Re-posts this node's own claims voided only because an ancestor was, exactly: the same batch and debits
   * at the same reference time, on the live tip (the ledger accepts the old reference time through the
   * re-post right `voidDescendant` recorded). σ runs at that reference time, so receipts valid then are
   * valid now, whatever their deadlines. Posted only if σ still accepts every transaction on the new parent
   * (a receipt that another claim included meanwhile is a replay there, and its payer's Settle would no
   * longer match): otherwise the claim is given up and its receipts go back in line like any voided one.
   * True when a claim was re-posted (the build waits for the next tick).
   */
  const repostOnce = Effect.gen(function* () {
    const candidate = nextRepost();
    if (candidate === undefined) return false;
    if (posting.ownClaimUnread()) return false;
    const tip = follower.tip();
    if (!tip.honest) return false;
    if (!(yield* posting.bondFree)) return false;
    const ctx: SigmaContext = { ...candidate.trace.ctx };
    const registry = yield* fetchRegistryView(chain.publicClient, view.addresses, candidate.trace.txs);
    const ledger = tip.ledger.clone();
    const result = yield* Effect.promise(() => applyBatch(ledger, ctx, registry, candidate.trace.txs));
    const invalid = result.steps.filter((step) => step.outcome !== Outcome.Valid).length;
    if (invalid > 0 || ledger.state.totalCharged !== 0n) {
      abandonedReposts.add(candidate.id);
      metrics.reposts.inc({ result: "abandoned" });
      yield* Effect.logWarning(
        `${name}: claim ${candidate.id} (voided with its ancestor) cannot be re-posted exactly on claim ${tip.id}: σ rejects ${invalid} of its transactions there; its receipts go back in line`,
      );
      return false;
    }
    const claim = {
      parent: tip.id,
      batch: candidate.batch,
      state: ledger.state,
      referenceTime: candidate.referenceTime,
      debits: candidate.debits,
    };
    const posted = yield* posting.submit(claim);
    candidate.repostedAs = posted.claimId;
    yield* posting.record(claim, posted, candidate.batchHash);
    metrics.reposts.inc({ result: "exact" });
    metrics.posted.inc();
    emit({
      kind: "claimPosted",
      agent: name,
      claimId: posted.claimId,
      receipts: candidate.receipts.length,
      corrupt: false,
    });
    yield* Effect.logInfo(
      `${name}: re-posted claim ${candidate.id} (voided with its ancestor) exactly as claim ${posted.claimId} on claim ${tip.id}, reference time ${candidate.referenceTime}`,
    );
    return true;
  });

  /** Failed exact re-posts per voided claim: a lost race is retried; other failures give it up after 3. */
  const repostFailures = new Map<bigint, number>();
  const repostFailed = (e: unknown) =>
    Effect.gen(function* () {
      const message = e instanceof Error ? e.message : describeCallError(e);
      const candidate = nextRepost();
      if (!LOST_RACE.test(message) && candidate !== undefined) {
        const failures = (repostFailures.get(candidate.id) ?? 0) + 1;
        repostFailures.set(candidate.id, failures);
        if (failures >= 3) {
          abandonedReposts.add(candidate.id);
          metrics.reposts.inc({ result: "abandoned" });
          yield* Effect.logWarning(
            `${name}: giving up the exact re-post of claim ${candidate.id} after ${failures} failures; its receipts go back in line`,
          );
        }
      }
      yield* state.step("repost", Effect.fail(e));
      return false;
    });

  const repost = repostOnce.pipe(Effect.catch((e: unknown) => repostFailed(e)));

  return {
    sync: sync.pipe(Effect.withSpan("Attributor.sync")),
    voidDescendants: voidDescendants.pipe(Effect.withSpan("Attributor.voidDescendants")),
    finalize: finalize.pipe(Effect.withSpan("Attributor.finalize")),
    withdraw: withdraw.pipe(Effect.withSpan("Attributor.withdraw")),
    /** True when an own voided claim was re-posted this tick (a failure is counted, never fatal). */
    repost: repost.pipe(Effect.withSpan("Attributor.repost")),
    awaitsExactRepost,
    /** OPEN this attributor withdrew since start. */
    withdrawn: () => withdrawnTotal,
  };
});

export class Reactions extends Context.Service<Reactions, Effect.Success<ReturnType<typeof makeReactions>>>()(
  "poa/AttributorReactions",
) {
  /** Needs AttributorSettings, AttributorState, Posting, Chain, Store and LedgerView. */
  static readonly layer = Layer.effect(Reactions, makeReactions());
}
