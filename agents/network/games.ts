/**
 * Playing dispute games on chain with the honest solver (agents/dispute/solver.ts): the challenger's
 * side (open, respond, step, resolve on the claimant's timeout, collect the bond, refund the pot) and
 * the claimant's side (bisect with its own trace). Both read the game from the contract on every
 * move, so a restart simply resumes from whatever the chain says: nothing about a game is local.
 */
import { Effect } from "effect";
import type { Address, Hex } from "viem";
import { Chain, ChainError } from "../chain/Chain.ts";
import { sendContractCall } from "../chain/tx.ts";
import { midpoint, type Position, Trace } from "../dispute/solver.ts";
import { attributionLedgerAbi, disputeGameAbi, openTokenAbi } from "../generated/contracts.ts";
import type { FollowedClaim } from "./follower.ts";

export const GameStatusCode = { None: 0, InProgress: 1, ClaimantWon: 2, ChallengerWon: 3, Refunded: 4 } as const;
export const SideCode = { Claimant: 0, Challenger: 1 } as const;

const MASK64 = (1n << 64n) - 1n;
export const unpackPosition = (packed: bigint): Position => ({
  lo: Number((packed >> 64n) & MASK64),
  hi: Number(packed & MASK64),
});

export interface GameAddresses {
  readonly game: Address;
  readonly ledger: Address;
  readonly openToken: Address;
}

const read = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new ChainError({ message: `cannot read ${what}`, cause }) });

export const readGame = (addresses: GameAddresses, gameId: bigint) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    return yield* read(`game ${gameId}`, () =>
      chain.publicClient.readContract({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "game",
        args: [gameId],
      }),
    );
  });

/** The honest trace of a followed claim (built once per claim by the caller's cache). */
export const traceOf = (claim: FollowedClaim) =>
  Effect.promise(() => Trace.build(claim.trace.parent, claim.trace.ctx, claim.trace.registry, claim.trace.txs));

/** Opens a game against `claimId`, paying the challenge bond; returns the game id. */
export const openGame = (addresses: GameAddresses, claimId: bigint) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const bond = yield* read("CHALLENGE_BOND", () =>
      chain.publicClient.readContract({ address: addresses.game, abi: disputeGameAbi, functionName: "CHALLENGE_BOND" }),
    );
    yield* sendContractCall({
      address: addresses.openToken,
      abi: openTokenAbi,
      functionName: "approve",
      args: [addresses.game, bond],
    });
    const { events } = yield* sendContractCall({
      address: addresses.game,
      abi: disputeGameAbi,
      functionName: "open",
      args: [claimId],
    });
    const opened = events.find((e) => e.eventName === "GameOpened");
    if (opened === undefined || !("gameId" in opened.args)) {
      return yield* new ChainError({ message: `open(${claimId}) emitted no GameOpened` });
    }
    return opened.args.gameId as bigint;
  });

export type ChallengerMove = "responded" | "stepped" | "resolved" | "waiting" | "over";

/** One challenger move in `gameId` if it is the challenger's turn (or the claimant's clock ran out). */
export const challengerMove = (addresses: GameAddresses, gameId: bigint, trace: Trace) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const g = yield* readGame(addresses, gameId);
    if (g.status !== GameStatusCode.InProgress) return "over" as ChallengerMove;
    const p = unpackPosition(g.position);
    if (g.turn === SideCode.Challenger) {
      if (p.hi - p.lo === 1) {
        const proof = trace.stepProof(p.lo);
        yield* sendContractCall({
          address: addresses.game,
          abi: disputeGameAbi,
          functionName: "step",
          args: [gameId, g.position, { ...proof, txProof: [...proof.txProof] }],
        });
        return "stepped" as ChallengerMove;
      }
      const agree = trace.respond(p, g.midCommitment);
      yield* sendContractCall({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "respond",
        args: [gameId, g.position, g.midCommitment, agree],
      });
      return "responded" as ChallengerMove;
    }
    const [used, max] = yield* read("the claimant's clock", () =>
      Promise.all([
        chain.publicClient.readContract({
          address: addresses.game,
          abi: disputeGameAbi,
          functionName: "elapsed",
          args: [gameId, SideCode.Claimant],
        }),
        chain.publicClient.readContract({
          address: addresses.game,
          abi: disputeGameAbi,
          functionName: "MAX_CLOCK_DURATION",
        }),
      ]),
    );
    if (used <= max) return "waiting" as ChallengerMove;
    yield* sendContractCall({ address: addresses.game, abi: disputeGameAbi, functionName: "resolve", args: [gameId] });
    return "resolved" as ChallengerMove;
  });

/** After a game: collect credit, and return a voided claim's pot to its payers. */
export const settleAfterGame = (addresses: GameAddresses, me: Address, claim: FollowedClaim) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const credit = yield* read("credit", () =>
      chain.publicClient.readContract({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "credit",
        args: [me],
      }),
    );
    if (credit > 0n) {
      yield* sendContractCall({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "claimCredit",
        args: [me],
      });
    }
    const onChain = yield* read(`claim ${claim.id}`, () =>
      chain.publicClient.readContract({
        address: addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "claim",
        args: [claim.id],
      }),
    );
    if (onChain.status === 3 && onChain.pot > 0n) {
      yield* sendContractCall({
        address: addresses.ledger,
        abi: attributionLedgerAbi,
        functionName: "refund",
        args: [claim.id, claim.debits.map((d) => ({ payer: d.payer, amount: d.amount }))],
      });
    }
    return credit;
  });

/**
 * The claimant's side: bisects every game against its claims when it is its turn, committing the
 * states of its own execution (`commitments`, s_0 … s_N as the claimant computed them when posting).
 */
export const claimantMove = (addresses: GameAddresses, gameId: bigint, commitments: ReadonlyArray<Hex>) =>
  Effect.gen(function* () {
    const g = yield* readGame(addresses, gameId);
    if (g.status !== GameStatusCode.InProgress || g.turn !== SideCode.Claimant) return false;
    const p = unpackPosition(g.position);
    const mid = commitments[midpoint(p)];
    if (mid === undefined) return false;
    yield* sendContractCall({
      address: addresses.game,
      abi: disputeGameAbi,
      functionName: "bisect",
      args: [gameId, g.position, mid],
    });
    return true;
  });

/** Games opened since `from` (exclusive upper bound is the current count). */
export const gamesSince = (addresses: GameAddresses, from: bigint) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const count = yield* read("gameCount", () =>
      chain.publicClient.readContract({ address: addresses.game, abi: disputeGameAbi, functionName: "gameCount" }),
    );
    const games: Array<{ readonly gameId: bigint; readonly claimant: Address; readonly claimId: bigint }> = [];
    for (let id = from; id < count; id++) {
      const g = yield* readGame(addresses, id);
      games.push({ gameId: id, claimant: g.claimant, claimId: BigInt(g.claimId) });
    }
    return { games, next: count };
  });
