/**
 * The challenger agent: follows every posted claim (chain events, woken early by gossiped proposals),
 * rebuilds T from the claim's `ClaimData` event, re-executes σ from the parent's recomputed state and
 * compares commitments (agents/ledger/follower.ts). A wrong pending claim is disputed (./disputes.ts: a
 * game opened against it when a DisputeGame is deployed, played move by move, settled); a σ-correct
 * claim has its weights recomputed with this node's engine (./weight-check.ts).
 *
 * Services (docs/agents.md "The challenger's services"): `Challenger` (the follow loop, here) on
 * `Disputes` and `WeightChecker`; `Challenger.layer` needs `ChallengerSettings`, `Engine` (or
 * `WeightChecker.off` in place of the weight checks), `Chain`, `Store`, `Gossip`, `Metrics` and `LedgerView`.
 */
import { Context, Effect, Layer, Schedule, Semaphore, Stream } from "effect";
import type { Address } from "viem";
import { Chain } from "../chain/Chain.ts";
import { type AttributionEngine, Engine } from "../engines/engine.ts";
import { Gossip } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
import type { Follower } from "../ledger/follower.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { Metrics } from "../observability/metrics.ts";
import { headLagGauge } from "../observability/server.ts";
import { Disputes, type GameResult } from "./disputes.ts";
import { ChallengerSettings, type ChallengerSettingsShape } from "./settings.ts";
import { WeightChecker } from "./weight-check.ts";
import type { WeightCheck } from "./weights.ts";

export { ChallengerSettings, type ChallengerSettingsShape } from "./settings.ts";
export { WeightChecker } from "./weight-check.ts";

export interface BadClaim {
  readonly claimId: bigint;
  readonly claimant: Address;
  readonly latencyMs: number;
}

export interface ChallengerShape {
  readonly follower: Follower;
  readonly badClaims: () => ReadonlyArray<BadClaim>;
  readonly games: () => ReadonlyArray<GameResult>;
  /** Attribute transactions whose weights this node's engine computes differently (since start). */
  readonly weightDisagreements: () => ReadonlyArray<WeightCheck & { readonly claimId: bigint }>;
}

export const makeChallenger = Effect.fn("Challenger.make")(function* () {
  const settings = yield* ChallengerSettings;
  const chain = yield* Chain;
  const gossip = yield* Gossip;
  const metrics = yield* Metrics;
  const view = yield* LedgerView;
  const disputes = yield* Disputes;
  const weights = yield* WeightChecker;
  const checked = metrics.counter("poa_challenger_claims_checked_total", "Claims re-executed, by verdict");
  const errors = metrics.counter("poa_challenger_errors_total", "Failed follow steps");
  const lag = headLagGauge(metrics);
  const follower = view.follower;
  const bad: BadClaim[] = [];

  const check = Effect.gen(function* () {
    const fresh = yield* follower.sync;
    for (const claim of fresh) {
      checked.inc({ verdict: claim.correct ? "correct" : "wrong" });
      if (claim.correct) {
        yield* weights.check(claim);
        if (settings.evidence !== undefined) yield* settings.evidence.check(claim);
        continue;
      }
      const latencyMs = Date.now() - claim.seenAt + 0;
      bad.push({ claimId: claim.id, claimant: claim.claimant, latencyMs });
      yield* Effect.logWarning(
        `${settings.name}: claim ${claim.id} by ${claim.claimant} is wrong (claimed ${claim.claimedCommitment.slice(0, 10)}…, σ gives another state)`,
      );
      settings.onEvent?.({
        kind: "badClaim",
        agent: settings.name,
        claimId: claim.id,
        claimant: claim.claimant,
        latencyMs,
      });
      yield* disputes.dispute(claim);
    }
    yield* disputes.play;
    if (settings.evidence !== undefined) yield* settings.evidence.play;
    const head = yield* Effect.tryPromise({
      try: () => chain.publicClient.getBlockNumber({ cacheTime: 0 }),
      catch: (e) => e,
    });
    lag.set({}, Number(head - follower.lastBlock()));
  }).pipe(
    Effect.withSpan("Challenger.check"),
    Effect.catch((e: unknown) => {
      errors.inc();
      return Effect.logWarning(`${settings.name}: ${e instanceof Error ? e.message : String(e)}`);
    }),
  );

  // A gossiped proposal is a hint to look now rather than at the next poll; the chain stays the truth.
  const wake = yield* Semaphore.make(1);
  yield* Effect.forkScoped(gossip.messages(Topics.proposals).pipe(Stream.runForEach(() => wake.withPermits(1)(check))));
  yield* Effect.forkScoped(
    wake
      .withPermits(1)(check)
      .pipe(Effect.repeat(Schedule.spaced(`${settings.pollMs} millis`))),
  );
  return {
    follower,
    badClaims: () => bad,
    games: disputes.results,
    weightDisagreements: weights.disagreements,
  } satisfies ChallengerShape;
});

export class Challenger extends Context.Service<Challenger, ChallengerShape>()("poa/Challenger") {
  /**
   * The challenger and its services, running in the layer's scope. Needs ChallengerSettings, a
   * WeightChecker (`WeightChecker.layer`, which needs Engine, or `WeightChecker.off`), Chain, Store,
   * Gossip, Metrics and LedgerView.
   */
  static readonly layer = Layer.effect(Challenger, makeChallenger()).pipe(Layer.provide(Disputes.layer));
  /** The challenger checking weights with its `Engine`. */
  static readonly withEngine = Challenger.layer.pipe(Layer.provide(WeightChecker.layer));
  /** The challenger without an engine: weights are not checked. */
  static readonly withoutEngine = Challenger.layer.pipe(Layer.provide(WeightChecker.off));
}

/** A challenger's settings with its engine (absent: weights are not checked), for callers holding an engine value. */
export interface ChallengerConfig extends ChallengerSettingsShape {
  readonly engine?: AttributionEngine<unknown>;
}

/** Starts a challenger in the caller's scope on the caller's services (agents/network/wiring.ts); returns its handle. */
export const runChallenger = ({ engine, ...settings }: ChallengerConfig) =>
  Effect.gen(function* () {
    const layer =
      engine === undefined ? Challenger.withoutEngine : Challenger.withEngine.pipe(Layer.provide(Engine.layer(engine)));
    const context = yield* Layer.build(layer.pipe(Layer.provide(ChallengerSettings.layer(settings))));
    return Context.get(context, Challenger);
  });
