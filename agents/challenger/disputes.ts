/**
 * The challenger's dispute games (`Disputes` service, docs/dispute-game.md, agents/ledger/games.ts): a
 * game opened against a wrong pending claim (or, after a restart, the one already opened resumed from the
 * Store), one bisection move per game per tick, and a decided game settled, recorded and gossiped.
 */
import { Context, Effect, Layer, Option } from "effect";
import { Chain } from "../chain/Chain.ts";
import type { Trace } from "../dispute/solver.ts";
import { Gossip } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
import type { FollowedClaim } from "../ledger/follower.ts";
import {
  ChallengeStatusCode,
  challengerMove,
  openGame,
  readChallenge,
  settleAfterGame,
  traceOf,
} from "../ledger/games.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { Store } from "../store/store.ts";
import { ChallengerSettings } from "./settings.ts";

export interface GameResult {
  readonly claimId: bigint;
  readonly gameId: bigint;
  readonly won: boolean;
  readonly credit: bigint;
}

export const makeDisputes = Effect.fn("Challenger.makeDisputes")(function* () {
  const settings = yield* ChallengerSettings;
  const chain = yield* Chain;
  const store = yield* Store;
  const gossip = yield* Gossip;
  const view = yield* LedgerView;
  const { name } = settings;
  const me = Option.getOrUndefined(chain.wallet)?.account.address ?? "0x0000000000000000000000000000000000000000";
  const playing = new Map<bigint, { readonly gameId: bigint; readonly claim: FollowedClaim; readonly trace: Trace }>();
  const results: GameResult[] = [];

  /** Opens (or resumes) the game against a wrong claim, when a dispute game is deployed and the claim is pending. */
  const dispute = (claim: FollowedClaim) =>
    Effect.gen(function* () {
      const addresses = view.games;
      if (addresses === undefined || claim.status !== "pending" || playing.has(claim.id)) return;
      // after a restart, the game this challenger already opened is resumed, not opened again
      const resumed = (yield* store.games("open")).find((g) => g.role === "challenger" && g.claimId === claim.id);
      const gameId = resumed?.gameId ?? (yield* openGame(addresses, claim.id));
      playing.set(claim.id, { gameId, claim, trace: yield* traceOf(claim) });
      yield* store.upsertGame({
        gameId,
        claimId: claim.id,
        role: "challenger",
        status: "open",
        state: { detectedAt: Date.now(), claimant: claim.claimant, opened: true },
      });
      settings.afterOpen?.();
      settings.onEvent?.({ kind: "game", agent: name, claimId: claim.id, status: `opened game ${gameId}` });
      yield* gossip
        .publish(Topics.disputes, { claimId: claim.id, gameId, kind: "opened", challenger: me })
        .pipe(Effect.catch((e) => Effect.logWarning(`${name}: dispute notice not gossiped: ${e.message}`)));
    }).pipe(Effect.provideService(Chain, chain));

  /** One move in every game this challenger plays; a finished game is settled and reported. */
  const play = Effect.gen(function* () {
    const addresses = view.games;
    if (addresses === undefined) return;
    for (const [claimId, entry] of playing) {
      const move = yield* challengerMove(addresses, entry.gameId, entry.trace);
      if (move !== "over") continue;
      // The challenge is decided: won when it voided the claim or shared in its void (docs/dispute-game.md §6).
      const final = yield* readChallenge(addresses, entry.gameId);
      const won = final.status === ChallengeStatusCode.Sustained;
      const credit = yield* settleAfterGame(addresses, me, entry.claim);
      playing.delete(claimId);
      results.push({ claimId, gameId: entry.gameId, won, credit });
      yield* store.upsertGame({
        gameId: entry.gameId,
        claimId,
        role: "challenger",
        status: won ? "won" : "lost",
        state: { finalStatus: final.status, credit: credit.toString() },
      });
      settings.onEvent?.({ kind: "game", agent: name, claimId, status: won ? "won" : "lost" });
      yield* gossip
        .publish(Topics.disputes, {
          claimId,
          gameId: entry.gameId,
          kind: "resolved",
          challenger: me,
          ...(won ? { winner: me } : {}),
        })
        .pipe(Effect.catch((e) => Effect.logWarning(`${name}: dispute notice not gossiped: ${e.message}`)));
    }
  }).pipe(Effect.provideService(Chain, chain));

  return {
    dispute: (claim: FollowedClaim) => dispute(claim).pipe(Effect.withSpan("Challenger.dispute")),
    play: play.pipe(Effect.withSpan("Challenger.play")),
    results: (): ReadonlyArray<GameResult> => results,
  };
});

export class Disputes extends Context.Service<Disputes, Effect.Success<ReturnType<typeof makeDisputes>>>()(
  "poa/ChallengerDisputes",
) {
  /** Needs ChallengerSettings, Chain, Store, Gossip and LedgerView. */
  static readonly layer = Layer.effect(Disputes, makeDisputes());
}
