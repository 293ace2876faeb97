/**
 * The challenger agent: follows every posted claim (chain events, woken early by gossiped proposals),
 * rebuilds T from the claim's `ClaimData` event, re-executes σ from the parent's recomputed state and
 * compares commitments (agents/ledger/follower.ts). A wrong claim that is still pending is recorded
 * in the Store (a game row, role challenger) and reported; when a DisputeGame is deployed alongside
 * the ledger the agent opens a game against it.
 *
 * Not yet: playing the bisection to the one-step proof. The dispute branch's DisputeGame speaks to a
 * ledger interface (`IDisputeLedger`) that the AttributionLedger does not implement yet, so no game
 * can be opened against a real ledger; the detection path is what runs today.
 */
import { Effect, Option, Schedule, Semaphore, Stream } from "effect";
import type { Address } from "viem";
import type { AgentEvent } from "../attributor/attributor.ts";
import { Chain } from "../chain/Chain.ts";
import type { Trace } from "../dispute/solver.ts";
import type { AttributionEngine } from "../engines/engine.ts";
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
import { Metrics } from "../observability/metrics.ts";
import { headLagGauge, WEIGHT_DISAGREEMENTS_METRIC } from "../observability/server.ts";
import { Store } from "../store/store.ts";
import type { EvidenceChallenger } from "./evidence.ts";
import { checkClaimWeights, noTexts, type ReceiptTexts, type WeightCheck } from "./weights.ts";

export interface ChallengerConfig {
  readonly name: string;
  readonly pollMs: number;
  readonly onEvent?: (event: AgentEvent) => void;
  /**
   * The node's attribution engine: every Attribute of every σ-correct claim is recomputed with it and a
   * disagreement recorded (./weights.ts). Absent: weights are not checked.
   */
  readonly engine?: AttributionEngine<unknown>;
  /** Where the texts behind a receipt's hashes are found (default: nowhere, every Attribute `no-texts`). */
  readonly texts?: ReceiptTexts;
  /** The evidence game (agents/challenger/evidence.ts): disputes suffix weights the evidence index disagrees with. */
  readonly evidence?: EvidenceChallenger;
  /** Fault injection (crash tests): runs right after a game is opened and recorded. */
  readonly afterOpen?: () => void;
}

export const runChallenger = (config: ChallengerConfig) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const store = yield* Store;
    const gossip = yield* Gossip;
    const metrics = yield* Metrics;
    const checked = metrics.counter("poa_challenger_claims_checked_total", "Claims re-executed, by verdict");
    const errors = metrics.counter("poa_challenger_errors_total", "Failed follow steps");
    const lag = headLagGauge(metrics);
    const weightsChecked = metrics.counter(
      "poa_challenger_weights_checked_total",
      "Attribute transactions recomputed with this node's engine, by verdict",
    );
    const disagreementsGauge = metrics.gauge(
      WEIGHT_DISAGREEMENTS_METRIC,
      "Attribute transactions whose weights this node's engine computes differently (recorded in the Store)",
    );
    disagreementsGauge.set({}, (yield* store.weightDisagreements).length);
    const disagreements: Array<WeightCheck & { readonly claimId: bigint }> = [];
    const view = yield* LedgerView;
    const follower = view.follower;
    const bad: Array<{ readonly claimId: bigint; readonly claimant: Address; readonly latencyMs: number }> = [];

    const me = Option.getOrUndefined(chain.wallet)?.account.address ?? "0x0000000000000000000000000000000000000000";
    const playing = new Map<
      bigint,
      { readonly gameId: bigint; readonly claim: FollowedClaim; readonly trace: Trace }
    >();
    const results: Array<{
      readonly claimId: bigint;
      readonly gameId: bigint;
      readonly won: boolean;
      readonly credit: bigint;
    }> = [];

    /** One move in every game this challenger plays; a finished game is settled and reported. */
    const playGames = Effect.gen(function* () {
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
        config.onEvent?.({ kind: "game", agent: config.name, claimId, status: won ? "won" : "lost" });
        yield* gossip
          .publish(Topics.disputes, {
            claimId,
            gameId: entry.gameId,
            kind: "resolved",
            challenger: me,
            ...(won ? { winner: me } : {}),
          })
          .pipe(Effect.catch((e) => Effect.logWarning(`${config.name}: dispute notice not gossiped: ${e.message}`)));
      }
    });

    /** Recomputes a σ-correct claim's weights with this node's engine; records what disagrees. */
    const checkWeights = (claim: FollowedClaim) =>
      Effect.gen(function* () {
        if (config.engine === undefined) return;
        const checks = yield* checkClaimWeights(
          { referenceTime: claim.referenceTime, txs: claim.trace.txs },
          config.engine,
          config.texts ?? noTexts,
        );
        for (const c of checks) {
          weightsChecked.inc({ verdict: c.verdict });
          if (c.verdict === "engine") {
            yield* Effect.logWarning(
              `${config.name}: claim ${claim.id} tx ${c.txIndex}: the engine cannot attribute it (${c.reason ?? "?"}): weights not checked`,
            );
          }
          if (c.verdict !== "disagree") continue;
          const fresh = yield* store.recordWeightDisagreement({ claimId: claim.id, ...c });
          if (!fresh) continue;
          disagreements.push({ claimId: claim.id, ...c });
          disagreementsGauge.set({}, (yield* store.weightDisagreements).length);
          const show = (entries: WeightCheck["claimed"]) =>
            entries.map((e) => `${e.contributionId}:${e.weight}`).join(",");
          yield* Effect.logWarning(
            `${config.name}: claim ${claim.id} by ${claim.claimant}, tx ${c.txIndex} (${c.user}, ${c.operator}, ${c.nonce}), model ${c.modelId}: weights [${show(c.claimed)}] but this node's engine gives [${show(c.computed)}]`,
          );
        }
      });

    const check = Effect.gen(function* () {
      const fresh = yield* follower.sync;
      for (const claim of fresh) {
        checked.inc({ verdict: claim.correct ? "correct" : "wrong" });
        if (claim.correct) {
          yield* checkWeights(claim);
          if (config.evidence !== undefined) yield* config.evidence.check(claim);
          continue;
        }
        const latencyMs = Date.now() - claim.seenAt + 0;
        bad.push({ claimId: claim.id, claimant: claim.claimant, latencyMs });
        yield* Effect.logWarning(
          `${config.name}: claim ${claim.id} by ${claim.claimant} is wrong (claimed ${claim.claimedCommitment.slice(0, 10)}…, σ gives another state)`,
        );
        config.onEvent?.({
          kind: "badClaim",
          agent: config.name,
          claimId: claim.id,
          claimant: claim.claimant,
          latencyMs,
        });
        const addresses = view.games;
        if (addresses !== undefined && claim.status === "pending" && !playing.has(claim.id)) {
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
          config.afterOpen?.();
          config.onEvent?.({ kind: "game", agent: config.name, claimId: claim.id, status: `opened game ${gameId}` });
          yield* gossip
            .publish(Topics.disputes, { claimId: claim.id, gameId, kind: "opened", challenger: me })
            .pipe(Effect.catch((e) => Effect.logWarning(`${config.name}: dispute notice not gossiped: ${e.message}`)));
        }
      }
      yield* playGames;
      if (config.evidence !== undefined) yield* config.evidence.play;
      const head = yield* Effect.tryPromise({
        try: () => chain.publicClient.getBlockNumber({ cacheTime: 0 }),
        catch: (e) => e,
      });
      lag.set({}, Number(head - follower.lastBlock()));
    }).pipe(
      Effect.catch((e: unknown) => {
        errors.inc();
        return Effect.logWarning(`${config.name}: ${e instanceof Error ? e.message : String(e)}`);
      }),
    );

    // A gossiped proposal is a hint to look now rather than at the next poll; the chain stays the truth.
    const wake = yield* Semaphore.make(1);
    yield* Effect.forkScoped(
      gossip.messages(Topics.proposals).pipe(Stream.runForEach(() => wake.withPermits(1)(check))),
    );
    yield* Effect.forkScoped(
      wake
        .withPermits(1)(check)
        .pipe(Effect.repeat(Schedule.spaced(`${config.pollMs} millis`))),
    );
    return {
      follower,
      badClaims: () => bad as ReadonlyArray<(typeof bad)[number]>,
      games: () => results as ReadonlyArray<(typeof results)[number]>,
      /** Attribute transactions whose weights this node's engine computes differently (since start). */
      weightDisagreements: () => disagreements as ReadonlyArray<(typeof disagreements)[number]>,
    };
  });
