/**
 * Playing dispute games on chain with the honest solver (agents/dispute/solver.ts)
 * (docs/dispute-game.md §2). A challenge is one challenger against every defense opened against it in
 * time; each defense is a two-party game. The challenger's side: open a challenge, play every defense
 * game of it (respond, step, resolve a defender's timeout), settle the challenge, collect the credit,
 * refund a voided claim's pot. The defenders' side: the poster bisects in its challenge's first game,
 * and any agent that agrees with a claim opens its own defense (`defendGame`) and bisects with its own
 * trace. Everything is read from the contract on every move, so a restart resumes from the chain.
 */
import { Effect } from "effect";
import type { Address, Hex } from "viem";
import { Chain, ChainError } from "../chain/Chain.ts";
import { sendContractCall } from "../chain/tx.ts";
import { midpoint, type Position, Trace } from "../dispute/solver.ts";
import { attributionLedgerAbi, disputeGameAbi, openTokenAbi } from "../generated/contracts.ts";
import type { FollowedClaim } from "./follower.ts";

export const GameStatusCode = { None: 0, InProgress: 1, ClaimantWon: 2, ChallengerWon: 3, Refunded: 4 } as const;
export const ChallengeStatusCode = { None: 0, Open: 1, Defended: 2, Sustained: 3, Refunded: 4 } as const;
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

export const readChallenge = (addresses: GameAddresses, challengeId: bigint) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    return yield* read(`challenge ${challengeId}`, () =>
      chain.publicClient.readContract({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "challenge",
        args: [challengeId],
      }),
    );
  });

/** The ids of every defense game of a challenge (k = 0 is the poster's). */
export const defenseGames = (addresses: GameAddresses, challengeId: bigint, defenses: number) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    return yield* read(`defenses of ${challengeId}`, () =>
      Promise.all(
        Array.from({ length: defenses }, (_, k) =>
          chain.publicClient.readContract({
            address: addresses.game,
            abi: disputeGameAbi,
            functionName: "defenseGame",
            args: [challengeId, BigInt(k)],
          }),
        ),
      ),
    );
  });

/** The honest trace of a followed claim (built once per claim by the caller's cache). */
export const traceOf = (claim: FollowedClaim) =>
  Effect.promise(() => Trace.build(claim.trace.parent, claim.trace.ctx, claim.trace.registry, claim.trace.txs));

const approveBond = (addresses: GameAddresses) =>
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
  });

/** Opens a challenge against `claimId`, paying the challenge bond; returns its id (= its first game's). */
export const openGame = (addresses: GameAddresses, claimId: bigint) =>
  Effect.gen(function* () {
    yield* approveBond(addresses);
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

/**
 * Opens this agent's own defense against challenge `challengeId` (it agrees with the claim), paying the
 * bond; returns the new game's id. Only within the defense window, and never by the challenger.
 */
export const defendGame = (addresses: GameAddresses, challengeId: bigint) =>
  Effect.gen(function* () {
    yield* approveBond(addresses);
    const { events } = yield* sendContractCall({
      address: addresses.game,
      abi: disputeGameAbi,
      functionName: "defend",
      args: [challengeId],
    });
    const opened = events.find((e) => e.eventName === "DefenseOpened");
    if (opened === undefined || !("gameId" in opened.args)) {
      return yield* new ChainError({ message: `defend(${challengeId}) emitted no DefenseOpened` });
    }
    return opened.args.gameId as bigint;
  });

/** Whether `challengeId`'s defense window is still open (by the chain's latest block time). */
export const defenseWindowOpen = (addresses: GameAddresses, openedAt: bigint) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const [window, block] = yield* read("the defense window", () =>
      Promise.all([
        chain.publicClient.readContract({
          address: addresses.game,
          abi: disputeGameAbi,
          functionName: "defenseWindow",
        }),
        chain.publicClient.getBlock({ blockTag: "latest" }),
      ]),
    );
    return block.timestamp <= openedAt + window;
  });

export type ChallengerMove = "responded" | "stepped" | "resolved" | "waiting" | "over";

/**
 * The challenger's moves in challenge `challengeId`: one move in every defense game where it is its turn
 * (or a resolution where the defender ran out of time), then the settlement once every defense is beaten
 * and the defense window is closed. "over" once the challenge is decided (its moot games are resolved).
 */
export const challengerMove = (addresses: GameAddresses, challengeId: bigint, trace: Trace) =>
  Effect.gen(function* () {
    const ch = yield* readChallenge(addresses, challengeId);
    const ids = yield* defenseGames(addresses, challengeId, ch.defenses);
    let result: ChallengerMove = "waiting";
    for (const gameId of ids) {
      const move = yield* gameMove(addresses, gameId, trace, ch.status !== ChallengeStatusCode.Open);
      if (move !== "over" && move !== "waiting") result = move;
    }
    if (ch.status !== ChallengeStatusCode.Open) return "over" as ChallengerMove;
    const after = yield* readChallenge(addresses, challengeId);
    if (after.status !== ChallengeStatusCode.Open) return "over" as ChallengerMove;
    if (after.lost === after.defenses && !(yield* defenseWindowOpen(addresses, after.openedAt))) {
      yield* sendContractCall({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "resolveChallenge",
        args: [challengeId],
      });
      return "over" as ChallengerMove;
    }
    return result;
  });

/** One challenger move in one defense game (or its resolution once the defender's clock ran out, or moot). */
const gameMove = (addresses: GameAddresses, gameId: bigint, trace: Trace, moot: boolean) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const g = yield* readGame(addresses, gameId);
    if (g.status !== GameStatusCode.InProgress) return "over" as ChallengerMove;
    if (moot) {
      yield* sendContractCall({
        address: addresses.game,
        abi: disputeGameAbi,
        functionName: "resolve",
        args: [gameId],
      });
      return "resolved" as ChallengerMove;
    }
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
 * The clock of the side to move in a game in progress, by the chain's latest block: the contract's one
 * clock function (`elapsed`, docs/dispute-game.md §5), so "out of time" here is exactly when a move
 * reverts with `DisputeGame_OutOfTime` and `resolve` is accepted.
 */
export const moverClock = (addresses: GameAddresses, gameId: bigint, turn: number) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const [used, max] = yield* read(`the clock of game ${gameId}`, () =>
      Promise.all([
        chain.publicClient.readContract({
          address: addresses.game,
          abi: disputeGameAbi,
          functionName: "elapsed",
          args: [gameId, turn],
        }),
        chain.publicClient.readContract({
          address: addresses.game,
          abi: disputeGameAbi,
          functionName: "MAX_CLOCK_DURATION",
        }),
      ]),
    );
    return { used: BigInt(used), max: BigInt(max), outOfTime: BigInt(used) > BigInt(max) };
  });

/** Resolves a game whose side to move ran out of time (anyone may; the contract decides who won). */
export const resolveGame = (addresses: GameAddresses, gameId: bigint) =>
  sendContractCall({ address: addresses.game, abi: disputeGameAbi, functionName: "resolve", args: [gameId] });

export type DefenderMove =
  | { readonly kind: "bisected" }
  | { readonly kind: "waiting" }
  | { readonly kind: "over"; readonly status: number }
  /** The side to move was past its clock: the game was resolved instead of moved (`side` ran out). */
  | { readonly kind: "outOfTime"; readonly side: "defender" | "challenger"; readonly status: number };

/**
 * One defender move in one game, reading the game clock first: a game whose side to move is past its
 * clock is resolved (it is decided: moving would revert with `DisputeGame_OutOfTime` for ever), never
 * moved; a game no longer in progress is reported over. Otherwise the defender bisects when it is its
 * turn, committing the states of its own execution (`commitments`, s_0 … s_N).
 */
export const defenderMove = (addresses: GameAddresses, gameId: bigint, commitments: ReadonlyArray<Hex>) =>
  Effect.gen(function* () {
    const g = yield* readGame(addresses, gameId);
    if (g.status !== GameStatusCode.InProgress) return { kind: "over", status: g.status } as DefenderMove;
    const clock = yield* moverClock(addresses, gameId, g.turn);
    if (clock.outOfTime) {
      // someone may resolve it between the read and this call: the game is decided either way
      yield* resolveGame(addresses, gameId).pipe(
        Effect.catchTag("ChainError", (e) =>
          readGame(addresses, gameId).pipe(
            Effect.flatMap((now) => (now.status === GameStatusCode.InProgress ? Effect.fail(e) : Effect.void)),
          ),
        ),
      );
      const after = yield* readGame(addresses, gameId);
      return {
        kind: "outOfTime",
        side: g.turn === SideCode.Claimant ? "defender" : "challenger",
        status: after.status,
      } as DefenderMove;
    }
    if (g.turn !== SideCode.Claimant) return { kind: "waiting" } as DefenderMove;
    return (
      (yield* claimantMove(addresses, gameId, commitments)) ? { kind: "bisected" } : { kind: "waiting" }
    ) as DefenderMove;
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

/**
 * Games opened since `from` (exclusive upper bound is the current count). `claimant` is the game's
 * defender; a game whose id is its `challengeId` opened a challenge (its defender is the claim's poster).
 */
export const gamesSince = (addresses: GameAddresses, from: bigint) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const count = yield* read("gameCount", () =>
      chain.publicClient.readContract({ address: addresses.game, abi: disputeGameAbi, functionName: "gameCount" }),
    );
    const games: Array<{
      readonly gameId: bigint;
      readonly claimant: Address;
      readonly challenger: Address;
      readonly claimId: bigint;
      readonly challengeId: bigint;
    }> = [];
    for (let id = from; id < count; id++) {
      const g = yield* readGame(addresses, id);
      games.push({
        gameId: id,
        claimant: g.claimant,
        challenger: g.challenger,
        claimId: BigInt(g.claimId),
        challengeId: BigInt(g.challengeId),
      });
    }
    return { games, next: count };
  });
