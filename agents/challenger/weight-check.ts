/**
 * Weight checks (`WeightChecker` service): every Attribute of every σ-correct claim recomputed with this
 * node's `Engine` on the receipt's texts (./weights.ts), each disagreement recorded in the Store, counted
 * and logged. `WeightChecker.layer` needs Engine; `WeightChecker.off` checks nothing (a challenger run
 * with `--engine none`).
 */
import { Context, Effect, Layer } from "effect";
import { Engine } from "../engines/engine.ts";
import type { FollowedClaim } from "../ledger/follower.ts";
import { Metrics } from "../observability/metrics.ts";
import { WEIGHT_DISAGREEMENTS_METRIC } from "../observability/server.ts";
import { Store, type StoreError } from "../store/store.ts";
import { ChallengerSettings } from "./settings.ts";
import { checkClaimWeights, noTexts, type WeightCheck } from "./weights.ts";

export interface WeightCheckerShape {
  /** Recomputes a σ-correct claim's weights with this node's engine; records what disagrees. */
  readonly check: (claim: FollowedClaim) => Effect.Effect<void, StoreError>;
  /** Attribute transactions whose weights this node's engine computes differently (since start). */
  readonly disagreements: () => ReadonlyArray<WeightCheck & { readonly claimId: bigint }>;
}

export class WeightChecker extends Context.Service<WeightChecker, WeightCheckerShape>()("poa/WeightChecker") {
  /** Needs Engine, ChallengerSettings, Store and Metrics. */
  static readonly layer = Layer.effect(
    WeightChecker,
    Effect.gen(function* () {
      const settings = yield* ChallengerSettings;
      const engine = yield* Engine;
      const store = yield* Store;
      const metrics = yield* Metrics;
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
      const name = settings.name;

      const check = Effect.fn("Challenger.checkWeights")(function* (claim: FollowedClaim) {
        const checks = yield* checkClaimWeights(
          { referenceTime: claim.referenceTime, txs: claim.trace.txs },
          engine,
          settings.texts ?? noTexts,
        );
        for (const c of checks) {
          weightsChecked.inc({ verdict: c.verdict });
          if (c.verdict === "engine") {
            yield* Effect.logWarning(
              `${name}: claim ${claim.id} tx ${c.txIndex}: the engine cannot attribute it (${c.reason ?? "?"}): weights not checked`,
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
            `${name}: claim ${claim.id} by ${claim.claimant}, tx ${c.txIndex} (${c.user}, ${c.operator}, ${c.nonce}), model ${c.modelId}: weights [${show(c.claimed)}] but this node's engine gives [${show(c.computed)}]`,
          );
        }
      });
      return { check, disagreements: () => disagreements } satisfies WeightCheckerShape;
    }),
  );

  /** No engine: weights are not checked (the metrics are still registered, at zero). */
  static readonly off = Layer.effect(
    WeightChecker,
    Effect.gen(function* () {
      const store = yield* Store;
      const metrics = yield* Metrics;
      metrics.counter(
        "poa_challenger_weights_checked_total",
        "Attribute transactions recomputed with this node's engine, by verdict",
      );
      metrics
        .gauge(
          WEIGHT_DISAGREEMENTS_METRIC,
          "Attribute transactions whose weights this node's engine computes differently (recorded in the Store)",
        )
        .set({}, (yield* store.weightDisagreements).length);
      return { check: () => Effect.void, disagreements: () => [] } satisfies WeightCheckerShape;
    }),
  );
}
