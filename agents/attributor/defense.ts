/**
 * The attributor's side of the dispute games (docs/dispute-game.md §2, agents/ledger/games.ts), one step
 * per chain tick: every game against one of its claims gets its bisection move (the states it committed
 * to: its own σ execution, ending in the state it posted); a new challenge against a claim σ says is right
 * but someone else posted gets this node's own defense (defense is permissionless: the poster may be
 * silent), played the same way. The game clock is read before any move: a game past the clock of the side
 * to move is resolved and dropped, never moved again (`poa_attributor_games_out_of_time_total{side}`).
 */
import { Context, Effect, Layer } from "effect";
import type { Address, Hex } from "viem";
import { describeCallError } from "../chain/tx.ts";
import { defenderMove, defendGame, GameStatusCode, gamesSince, traceOf } from "../ledger/games.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { Metrics } from "../observability/metrics.ts";
import { Store } from "../store/store.ts";
import { type AgentEvent, AttributorSettings, AttributorState, LOST_RACE } from "./state.ts";

export interface DefenseOptions {
  readonly name: string;
  /** This attributor's address (its claims are defended; its own challenges are not). */
  readonly me: Address;
  readonly emit: (event: AgentEvent) => void;
  /** Whether a failure means another agent moved first (counted as a race, not an error). */
  readonly lostRace: (message: string) => boolean;
}

export const makeDefense = Effect.fn("Attributor.makeDefense")(function* (options: DefenseOptions) {
  const store = yield* Store;
  const metrics = yield* Metrics;
  const view = yield* LedgerView;
  const follower = view.follower;
  const errors = metrics.counter("poa_attributor_errors_total", "Failed steps of the chain loop, by step");
  const races = metrics.counter("poa_attributor_races_total", "Steps another agent did first, by step");
  const outOfTime = metrics.counter(
    "poa_attributor_games_out_of_time_total",
    "Defense games found past the clock of the side to move (resolved, never moved again), by side",
  );

  let nextGame = 0n;
  const defending = new Map<bigint, { readonly claimId: bigint; commitments?: ReadonlyArray<Hex> }>();
  const gamesStep = Effect.gen(function* () {
    const addresses = view.games;
    if (addresses === undefined) return;
    const { games, next } = yield* gamesSince(addresses, nextGame);
    nextGame = next;
    for (const g of games) {
      if (g.claimant.toLowerCase() !== options.me.toLowerCase()) {
        // Defense is permissionless (docs/dispute-game.md §2): a new challenge against a claim this node
        // agrees with is defended by this node too, whoever posted the claim (the poster may be silent).
        const claim = follower.claims.get(g.claimId);
        const challenge = g.gameId === g.challengeId && g.challenger.toLowerCase() !== options.me.toLowerCase();
        if (!challenge || claim === undefined || !claim.correct || claim.status !== "pending") continue;
        const own = yield* defendGame(addresses, g.challengeId).pipe(
          Effect.catch((e) =>
            Effect.as(Effect.logWarning(`${options.name}: cannot defend claim ${g.claimId}: ${e.message}`), undefined),
          ),
        );
        if (own !== undefined) {
          options.emit({ kind: "game", agent: options.name, claimId: g.claimId, status: `defense game ${own} opened` });
        }
        continue;
      }
      defending.set(g.gameId, { claimId: g.claimId });
      options.emit({ kind: "game", agent: options.name, claimId: g.claimId, status: `defending game ${g.gameId}` });
    }
    for (const [gameId, entry] of defending) {
      // one game failing (an RPC read, a lost race) never holds up the others
      yield* defenseStep(addresses, gameId, entry).pipe(
        Effect.catch((e: unknown) => {
          const message = e instanceof Error ? e.message : describeCallError(e);
          if (options.lostRace(message)) {
            races.inc({ step: "games" });
            return Effect.logDebug(`${options.name}: game ${gameId}: lost a race: ${message}`);
          }
          errors.inc({ step: "games" });
          return Effect.logWarning(`${options.name}: game ${gameId}: ${message}`);
        }),
      );
    }
  });

  /**
   * One game this node defends: the clock is read before any move, so a game past its clock is resolved
   * (counted and logged) and dropped, never moved again (a move would revert with `DisputeGame_OutOfTime`
   * at every tick); a game that ended is recorded and dropped.
   */
  const defenseStep = (
    addresses: { readonly game: Address; readonly ledger: Address; readonly openToken: Address },
    gameId: bigint,
    entry: { readonly claimId: bigint; commitments?: ReadonlyArray<Hex> },
  ) =>
    Effect.gen(function* () {
      const claim = follower.claims.get(entry.claimId);
      if (claim === undefined) return;
      if (entry.commitments === undefined) {
        const trace = yield* traceOf(claim);
        // the states this claimant committed to: its execution, ending in the state it posted
        const commitments = Array.from({ length: trace.txCount + 1 }, (_, i) => trace.commitmentAt(i));
        commitments[trace.txCount] = claim.claimedCommitment;
        entry.commitments = commitments;
      }
      const move = yield* defenderMove(addresses, gameId, entry.commitments);
      if (move.kind === "bisected" || move.kind === "waiting") return;
      if (move.kind === "outOfTime") {
        outOfTime.inc({ side: move.side });
        yield* Effect.logWarning(
          `${options.name}: game ${gameId} (claim ${entry.claimId}): the ${move.side} ran out of time; resolved, not moved`,
        );
      }
      defending.delete(gameId);
      yield* store.upsertGame({
        gameId,
        claimId: entry.claimId,
        role: "claimant",
        status:
          move.status === GameStatusCode.ClaimantWon
            ? "won"
            : move.status === GameStatusCode.ChallengerWon
              ? "lost"
              : "abandoned",
        state: { finalStatus: move.status, ...(move.kind === "outOfTime" ? { outOfTime: move.side } : {}) },
      });
      options.emit({
        kind: "game",
        agent: options.name,
        claimId: entry.claimId,
        status: `game ${gameId} over (${move.status}${move.kind === "outOfTime" ? `, ${move.side} out of time` : ""})`,
      });
    });

  return { step: gamesStep.pipe(Effect.withSpan("Attributor.games")) };
});

/** The attributor's side of the games as a service: `step` runs once per chain tick (./attributor.ts). */
export class Defense extends Context.Service<Defense, Effect.Success<ReturnType<typeof makeDefense>>>()(
  "poa/AttributorDefense",
) {
  /** Needs AttributorSettings, AttributorState, Store, Metrics and LedgerView. */
  static readonly layer = Layer.effect(
    Defense,
    Effect.gen(function* () {
      const settings = yield* AttributorSettings;
      const state = yield* AttributorState;
      return yield* makeDefense({
        name: settings.name,
        me: state.me,
        emit: state.emit,
        lostRace: (message) => LOST_RACE.test(message),
      });
    }),
  );
}
