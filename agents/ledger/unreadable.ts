/**
 * What an agent does with a claim its ledger follower could not rebuild (agents/ledger/follower.ts):
 * records it in the Store (`unreadable_claims`), counts it (`poa_follower_unreadable_claims_total{kind}`),
 * keeps `poa_follower_unreadable_claims` at the number still unreadable (which /health reports as a
 * problem) and logs a warning; and the reverse when a claim recovers. The follower itself has moved on.
 */
import { Effect } from "effect";
import { Metrics } from "../observability/metrics.ts";
import { UNREADABLE_CLAIMS_METRIC } from "../observability/server.ts";
import { Store } from "../store/store.ts";
import type { FollowedClaim, FollowerOptions, UnreadableClaim } from "./follower.ts";

export const unreadableHooks = (agent: string) =>
  Effect.gen(function* () {
    const store = yield* Store;
    const metrics = yield* Metrics;
    const total = metrics.counter(
      "poa_follower_unreadable_claims_total",
      "Claims the ledger follower could not rebuild (set aside, not stalled on), by kind",
    );
    const open = metrics.gauge(UNREADABLE_CLAIMS_METRIC, "Claims currently unreadable: never built on or challenged");
    open.set({}, 0);
    let count = 0;
    const hooks: Pick<FollowerOptions, "onUnreadable" | "onRecovered"> = {
      onUnreadable: (claim: UnreadableClaim) =>
        Effect.gen(function* () {
          count++;
          open.set({}, count);
          total.inc({ kind: claim.kind });
          yield* Effect.logWarning(
            `${agent}: claim ${claim.id} (tx ${claim.txHash}) cannot be rebuilt, set aside: ${claim.reason}`,
          );
          yield* store
            .recordUnreadableClaim({
              claimId: claim.id,
              txHash: claim.txHash,
              blockNumber: Number(claim.blockNumber),
              kind: claim.kind,
              reason: claim.reason,
            })
            .pipe(Effect.catch((e) => Effect.logWarning(`${agent}: ${e.message}`)));
        }),
      onRecovered: (claim: FollowedClaim) =>
        Effect.gen(function* () {
          count = Math.max(0, count - 1);
          open.set({}, count);
          yield* Effect.logInfo(`${agent}: claim ${claim.id} could be rebuilt after all`);
          yield* store
            .markClaimRecovered(claim.id)
            .pipe(Effect.catch((e) => Effect.logWarning(`${agent}: ${e.message}`)));
        }),
    };
    return hooks;
  });
