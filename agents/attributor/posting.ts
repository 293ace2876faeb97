/**
 * Posting: the attributor's writes of claims. Its bond (kept at `bondClaims` claims' worth, bonded on
 * start from the wallet's OPEN; a claim is built only when a claim's bond is free), `postClaim` of a batch
 * on a parent (the live tip ./batching.ts or ./reactions.ts chose) and the bookkeeping of what it posted:
 * the block of its latest claim (nothing is built on the tip until the follower has read that block), the
 * batch by hash and the claim row in the Store.
 */
import { Context, Effect, Layer } from "effect";
import { type Address, bytesToHex, type Hex } from "viem";
import { Chain } from "../chain/Chain.ts";
import { sendContractCall } from "../chain/tx.ts";
import { attributionLedgerAbi, openTokenAbi } from "../generated/contracts.ts";
import { LedgerView } from "../ledger/ledger.ts";
import type { Debit } from "../sigma/codec.ts";
import type { StateFields } from "../sigma/sigma.ts";
import { Store } from "../store/store.ts";
import { AttributorSettings, AttributorState, ChainReadError } from "./state.ts";

/** A claim to post: its batch and debits (σ's), the state σ computed, on `parent` at `referenceTime`. */
export interface ClaimToPost {
  readonly parent: bigint;
  readonly batch: Uint8Array;
  readonly state: StateFields;
  readonly referenceTime: bigint;
  readonly debits: ReadonlyArray<Debit>;
}

export interface PostedClaim {
  readonly claimId: bigint;
  readonly hash: Hex;
  readonly blockNumber: bigint;
}

export const makePosting = Effect.fn("Attributor.makePosting")(function* () {
  const settings = yield* AttributorSettings;
  const state = yield* AttributorState;
  const chain = yield* Chain;
  const store = yield* Store;
  const view = yield* LedgerView;
  const { me } = state;
  const follower = view.follower;
  const claimBond = follower.params.claimBond;

  const readBond = (account: Address) =>
    Effect.tryPromise({
      try: () =>
        chain.publicClient.readContract({
          address: view.addresses.ledger,
          abi: attributionLedgerAbi,
          functionName: "bondOf",
          args: [account],
        }),
      catch: (cause) => new ChainReadError({ message: `cannot read the bond of ${account}: ${String(cause)}` }),
    });

  const ensureBond = Effect.gen(function* () {
    const bond = yield* readBond(me);
    const want = claimBond * BigInt(settings.bondClaims);
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
  }).pipe(Effect.provideService(Chain, chain));

  /** Whether one more claim's bond is free (bonded − locked ≥ the ledger's claim bond). */
  const bondFree = Effect.map(readBond(me), (bond) => bond.bonded - bond.locked >= claimBond);

  /** Until the follower has read the block of this node's latest claim, the tip it sees is that claim's parent. */
  const ownClaimUnread = () => state.ownClaim.block !== undefined && follower.lastBlock() < state.ownClaim.block;

  /** Posts a claim; runs the crash hook and remembers its block before anything else. */
  const submit = Effect.fn("Attributor.postClaim")(function* (claim: ClaimToPost) {
    const result = yield* sendContractCall(
      {
        address: view.addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "postClaim",
        args: [
          claim.parent,
          bytesToHex(claim.batch),
          claim.state,
          claim.referenceTime,
          claim.debits.map((d) => ({ payer: d.payer, amount: d.amount })),
        ],
      },
      { onSent: (hash) => state.emit({ kind: "claimSent", agent: state.name, parent: claim.parent, hash }) },
    ).pipe(Effect.provideService(Chain, chain));
    settings.afterPost?.();
    state.ownClaim.block = result.receipt.blockNumber;
    const event = result.events.find((e) => e.eventName === "ClaimPosted");
    const claimId = event !== undefined && "claimId" in event.args ? (event.args.claimId as bigint) : 0n;
    return { claimId, hash: result.hash, blockNumber: result.receipt.blockNumber } satisfies PostedClaim;
  });

  /** Keeps what this node posted: the batch by hash (for peers) and the claim row. */
  const record = (claim: ClaimToPost, posted: PostedClaim, batchHash: Hex) =>
    Effect.gen(function* () {
      state.batches.set(batchHash.toLowerCase(), claim.batch);
      yield* store.upsertClaim({
        claimId: posted.claimId,
        batchHash,
        parent: claim.parent,
        stateRoot: claim.state.accountsRoot,
        poster: me,
        status: "posted",
        txHash: posted.hash,
        blockNumber: Number(posted.blockNumber),
      });
    });

  return {
    readBond,
    ensureBond: ensureBond.pipe(Effect.withSpan("Attributor.ensureBond")),
    bondFree,
    ownClaimUnread,
    submit,
    record,
  };
});

export class Posting extends Context.Service<Posting, Effect.Success<ReturnType<typeof makePosting>>>()(
  "poa/AttributorPosting",
) {
  /** Needs AttributorSettings, AttributorState, Chain, Store and LedgerView. */
  static readonly layer = Layer.effect(Posting, makePosting());
}
