/**
 * Batching: when enough receipts wait (size: `maxBatch`, or the claim's true OP Stack cost per receipt,
 * agents/chain/batchSize.ts) or the oldest has waited long enough (time: `maxWaitMs`), build T on the live
 * tip at a fresh reference time, compute s′ with σ and hand the claim to ./posting.ts, then gossip the
 * proposal. Only receipts σ accepts at the claim's reference time go in (an invalid one is a no-op, lost
 * once posted; see ./verdict.ts): one valid only at a later reference time (model registered, contribution
 * approved after it) stays pending for a later claim; one invalid for good is marked rejected in the
 * store, with its reason, and counted (`poa_attributor_receipts_dropped_total{reason}`) before anything is
 * posted. Receipts of voided claims go back in line (unless a live claim holds them or an exact re-post of
 * their claim is to come, ./reactions.ts).
 *
 * Receipt groups (spec B, docs/agents.md "Allowances and receipt groups") go in after the Attributes, each
 * whole and in order (`maxBatch` records of groups per claim, at least one group), each preceded by the
 * Authorize (0x03) of every allowance it carries that the tip's state has not applied (its nonce unspent in
 * the (user, operator) window). σ's verdict on a group is that of its records: a group with at least one
 * valid record is posted whole (its invalid records are no-ops: a group cannot be split, its signature
 * covers every record); a group with none is dropped for good (`poa_attributor_receipts_dropped_total
 * {reason="group"}`, the Store row marked rejected); a group whose valid records' payer cannot be covered
 * by the escrow waits for a later claim. Groups are not deferred by model or contribution time.
 */
import { Context, Effect, Layer, Option } from "effect";
import { type Address, getAddress, keccak256 } from "viem";
import { targetBatchSize } from "../chain/batchSize.ts";
import { Chain } from "../chain/Chain.ts";
import { paymentEscrowAbi } from "../generated/contracts.ts";
import { Gossip } from "../gossip/gossip.ts";
import { type ReceiptPayload, Topics } from "../gossip/messages.ts";
import { fetchRegistryView } from "../ledger/follower.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { authorizeTxOf, receiptGroupOf } from "../protocol/group.ts";
import { buildClaim, completeClaim } from "../sigma/claim.ts";
import { type AttributeTx, type BatchItem, encodeBatch, encodeTx, splitBatch } from "../sigma/codec.ts";
import {
  applyBatch,
  commitment,
  type Ledger,
  nonceWindowKey,
  Outcome,
  type RegistryView,
  type SigmaContext,
  spendNonce,
} from "../sigma/sigma.ts";
import { type RejectedReceipt, Store, type StoredGroup } from "../store/store.ts";
import { Posting } from "./posting.ts";
import { Reactions } from "./reactions.ts";
import {
  AttributorSettings,
  AttributorState,
  BatchError,
  ChainReadError,
  payloadKey,
  receiptKey,
  toAttributeTx,
  windowOf,
} from "./state.ts";
import { type DeferReason, verdictOf } from "./verdict.ts";

export const makeBatching = Effect.fn("Attributor.makeBatching")(function* () {
  const settings = yield* AttributorSettings;
  const state = yield* AttributorState;
  const posting = yield* Posting;
  const reactions = yield* Reactions;
  const chain = yield* Chain;
  const store = yield* Store;
  const gossip = yield* Gossip;
  const view = yield* LedgerView;
  const { name, me, metrics, rejectedKeys, emit } = state;
  const follower = view.follower;

  let pendingSince: number | undefined;
  let postedCount = 0;
  /** Receipts σ judged valid only at a later reference time, at the last build (key → reason). */
  let deferred = new Map<string, DeferReason>();

  const latestBlock = Effect.tryPromise({
    try: () => chain.publicClient.getBlock({ blockTag: "latest" }),
    catch: (cause) => new ChainReadError({ message: `cannot read the latest block: ${String(cause)}` }),
  });

  /** Builds the next claim when one is due and posts it (one claim per call at most). */
  const buildAndPost = Effect.gen(function* () {
    // until the follower has read the block of our last claim, its tip is that claim's parent and its
    // receipts look pending: building now would only repost them on the same parent and revert. (If a
    // reorg takes the claim back, the follower reads past that height without it and they are posted again.)
    if (posting.ownClaimUnread()) return;
    state.ownClaim.block = undefined;
    const tip = follower.tip();
    if (!tip.honest) return; // never build on a wrong claim: it will be voided with its descendants
    // receipts of voided claims go back in line (unless a live claim already holds them)
    const live = new Set<string>();
    for (const c of follower.claims.values()) {
      if (c.status !== "void") for (const r of c.receipts) live.add(receiptKey(r));
    }
    const requeued: ReceiptPayload[] = [];
    for (const c of follower.claims.values()) {
      if (c.status !== "void" || reactions.awaitsExactRepost(c)) continue;
      for (const r of c.receipts) {
        const key = receiptKey(r);
        if (live.has(key) || rejectedKeys.has(key)) continue;
        const stored = yield* store.getReceipt(r);
        if (Option.isSome(stored)) requeued.push(stored.value);
      }
    }
    // receipt groups: those of voided claims back in line (unless a live claim holds them), then pending ones
    const liveGroups = new Set<string>();
    for (const c of follower.claims.values()) if (c.status !== "void") for (const g of c.groups) liveGroups.add(g);
    const groupsWaiting: StoredGroup[] = [];
    for (const c of follower.claims.values()) {
      if (c.status !== "void" || reactions.awaitsExactRepost(c)) continue;
      for (const key of c.groups) {
        if (liveGroups.has(key)) continue;
        const stored = yield* store.getGroup(key);
        if (Option.isSome(stored) && stored.value.status === "pending") {
          liveGroups.add(key);
          groupsWaiting.push(stored.value);
        }
      }
    }
    for (const g of yield* store.pendingGroups(settings.maxBatch)) {
      if (liveGroups.has(g.key)) continue;
      liveGroups.add(g.key);
      groupsWaiting.push(g);
    }
    // a claim takes groups in order up to maxBatch records (at least one group)
    const groupsNow: StoredGroup[] = [];
    let groupBudget = settings.maxBatch;
    for (const g of groupsWaiting) {
      if (groupsNow.length > 0 && g.group.records.length > groupBudget) break;
      groupsNow.push(g);
      groupBudget -= g.group.records.length;
    }
    const groupRecords = groupsWaiting.reduce((n, g) => n + g.group.records.length, 0);

    const counts = yield* store.receiptCounts;
    const waiting = counts.pending + requeued.length + groupRecords;
    if (waiting === 0) {
      pendingSince = undefined;
      deferred = new Map();
      metrics.deferred.set({}, 0);
      return;
    }
    pendingSince ??= Date.now();
    // deferred receipts do not fill a batch: they wait with the clock (maxWaitMs), not with the size
    const ready = waiting - deferred.size;
    const wanted = settings.batchCost
      ? targetBatchSize({ ...settings.batchCost, maxBatch: settings.maxBatch })
      : settings.maxBatch;
    if (ready < wanted && Date.now() - pendingSince < settings.maxWaitMs) return;
    if (!(yield* posting.bondFree)) return;

    // look past the receipts deferred last time, so they never hold up a full batch of valid ones
    const receipts = [...requeued, ...(yield* store.pendingReceipts(settings.maxBatch + deferred.size))];
    const candidates: AttributeTx[] = [];
    const drops: RejectedReceipt[] = [];
    for (const r of receipts) {
      const key = payloadKey(r);
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
    if (candidates.length === 0 && drops.length === 0 && groupsNow.length === 0) return;

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
    // the Attributes, then each group after the Authorizes of its allowances the tip has not applied
    const assemble = (attributes: ReadonlyArray<AttributeTx>, groups: ReadonlyArray<StoredGroup>) => {
      const items: BatchItem[] = [...attributes];
      const slots: Array<{ readonly stored: StoredGroup; readonly first: number; readonly count: number }> = [];
      const authorized = new Set<string>();
      let at = attributes.length;
      for (const stored of groups) {
        for (const signed of stored.group.allowances) {
          const { user, operator, nonce } = signed.allowance;
          const key = `${user.toLowerCase()}|${operator.toLowerCase()}|${nonce}`;
          if (authorized.has(key)) continue;
          authorized.add(key);
          const window = tip.ledger.tree.leaf(nonceWindowKey(getAddress(user), getAddress(operator)));
          if (spendNonce(window, nonce) === undefined) continue; // applied already (or spent: a no-op)
          items.push(authorizeTxOf(signed));
          at++;
        }
        items.push(receiptGroupOf(stored.group));
        slots.push({ stored, first: at, count: stored.group.records.length });
        at += stored.group.records.length;
      }
      return { items, slots };
    };
    const probeItems = assemble(candidates, groupsNow);
    const probeBatch = encodeBatch(probeItems.items);
    const probeTxs = splitBatch(probeBatch);
    const registry = yield* fetchRegistryView(chain.publicClient, view.addresses, probeTxs);
    // σ's verdict on every candidate at this reference time, on the tip's state: an invalid receipt is
    // a no-op that would be lost once posted, so only valid ones go in (see ./verdict.ts)
    const probeLedger = tip.ledger.clone();
    const probe = yield* Effect.promise(() => applyBatch(probeLedger, ctx, registry, probeTxs));
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
    metrics.deferred.set({}, deferred.size);
    for (const reason of deferredNow.values()) metrics.deferrals.inc({ reason });

    // a group goes in whole when σ accepts at least one of its records; with none it is dropped for good
    const groupDrops: Array<{ readonly stored: StoredGroup; readonly reason: string }> = [];
    const groupsValid: Array<{ readonly stored: StoredGroup; readonly fees: Map<Address, bigint> }> = [];
    for (const slot of probeItems.slots) {
      const fees = new Map<Address, bigint>();
      const outcomes = new Set<string>();
      let validRecords = 0;
      for (let j = 0; j < slot.count; j++) {
        const outcome = probe.steps[slot.first + j]?.outcome ?? Outcome.Malformed;
        const record = slot.stored.group.records[j]!;
        if (outcome === Outcome.Valid) {
          validRecords++;
          const user = getAddress(record.user);
          fees.set(user, (fees.get(user) ?? 0n) + record.fee);
        } else outcomes.add(outcomeName(outcome));
      }
      if (validRecords === 0) groupDrops.push({ stored: slot.stored, reason: [...outcomes].join(",") });
      else groupsValid.push({ stored: slot.stored, fees });
    }

    // a payer whose escrow cannot cover its fees waits for a later batch (postClaim would revert)
    const chosen = valid.slice(0, settings.maxBatch);
    const fees = new Map<Address, bigint>();
    for (const tx of chosen) fees.set(tx.user, (fees.get(tx.user) ?? 0n) + tx.fee);
    for (const g of groupsValid) for (const [user, fee] of g.fees) fees.set(user, (fees.get(user) ?? 0n) + fee);
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
        catch: (cause) => new ChainReadError({ message: `cannot read the escrow of ${user}: ${String(cause)}` }),
      });
      if (balance >= total) funded.add(user);
    }
    const txs = chosen.filter((tx) => funded.has(tx.user));
    const groupsChosen = groupsValid.filter((g) => [...g.fees.keys()].every((user) => funded.has(user)));
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
      for (const d of marked) metrics.dropped.inc({ reason: d.reason });
      if (marked.length > 0) {
        yield* Effect.logInfo(
          `${name}: dropped ${marked.length} receipts σ rejects for good (${[...new Set(marked.map((d) => d.reason))].join(", ")})`,
        );
      }
    }
    for (const { stored, reason } of groupDrops) {
      if (yield* store.rejectGroup(stored.key, reason)) {
        metrics.dropped.inc({ reason: "group" });
        yield* Effect.logInfo(
          `${name}: dropped receipt group ${stored.key} (${stored.group.records.length} records): σ accepts none of them (${reason})`,
        );
      }
    }
    if (txs.length === 0 && groupsChosen.length === 0) {
      // nothing to post now: look again after another wait (deferred receipts ripen with the chain's clock)
      pendingSince = Date.now();
      return;
    }

    // batch, debits (exactly what σ charged) and s′: the σ module's one implementation of a claim. When every
    // candidate goes in (the usual case), the probe already ran σ over exactly this batch: only the settles remain
    const whole = txs.length === candidates.length && groupsChosen.length === probeItems.slots.length;
    const ledger = whole ? probeLedger : tip.ledger.clone();
    const items = whole
      ? probeItems.items
      : assemble(
          txs,
          groupsChosen.map((g) => g.stored),
        ).items;
    const built = yield* Effect.promise(() =>
      whole ? completeClaim(ledger, ctx, registry, probeBatch, probe) : buildClaim(ledger, ctx, registry, items),
    );
    // removing no-ops changes no other outcome; never post a claim with one anyway
    if (built.result.steps.slice(0, txs.length).some((step) => step.outcome !== Outcome.Valid)) {
      return yield* new BatchError({
        message: "σ rejects a receipt in the batch that it accepted in the probe: not posting",
      });
    }

    const corrupt = settings.corruptClaim !== undefined && postedCount + 1 === settings.corruptClaim;
    if (corrupt) {
      const records = groupsChosen.flatMap((g) => g.stored.group.records);
      corruptOneSplit(ledger, [...txs, ...records], registry, me);
    }
    const claim = { parent: tip.id, batch: built.batch, state: ledger.state, referenceTime, debits: built.debits };
    const posted = yield* posting.submit(claim);
    postedCount++;
    pendingSince = undefined;
    const batchHash = keccak256(claim.batch);
    yield* posting.record(claim, posted, batchHash);
    metrics.posted.inc();
    const records = groupsChosen.reduce((n, g) => n + g.stored.group.records.length, 0);
    emit({ kind: "claimPosted", agent: name, claimId: posted.claimId, receipts: txs.length + records, corrupt });
    yield* gossip
      .publish(Topics.proposals, {
        claimId: posted.claimId,
        parent: tip.id,
        batchHash,
        bodyBytes: claim.batch.length,
        newStateRoot: claim.state.accountsRoot,
        txCount: built.txs.length,
        txHash: posted.hash,
      })
      .pipe(Effect.catch((e) => Effect.logWarning(`${name}: proposal not gossiped: ${e.message}`)));
    yield* Effect.logInfo(
      `${name}: posted claim ${posted.claimId} (${txs.length} receipts, ${groupsChosen.length} groups of ${records} records, commitment ${commitment(claim.state).slice(0, 10)}…)`,
    );
  });

  return { buildAndPost: buildAndPost.pipe(Effect.withSpan("Attributor.build")) };
});

const outcomeName = (outcome: Outcome): string =>
  Object.entries(Outcome).find(([, code]) => code === outcome)?.[0] ?? String(outcome);

export class Batching extends Context.Service<Batching, Effect.Success<ReturnType<typeof makeBatching>>>()(
  "poa/AttributorBatching",
) {
  /** Needs AttributorSettings, AttributorState, Posting, Reactions, Chain, Store, Gossip and LedgerView. */
  static readonly layer = Layer.effect(Batching, makeBatching());
}

/**
 * Fraud injection for tests: moves the data credit of one entry of one transaction to the attributor,
 * keeping every total, so postClaim accepts the claim and only σ can tell it is wrong.
 */
const corruptOneSplit = (
  ledger: Ledger,
  txs: ReadonlyArray<{
    readonly fee: bigint;
    readonly entries: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>;
  }>,
  registry: RegistryView,
  me: Address,
) => {
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
