/**
 * The challenger agent: follows every posted claim (chain events, woken early by gossiped proposals),
 * rebuilds T from the `postClaim` calldata, re-executes σ from the parent's recomputed state and
 * compares commitments (agents/network/follower.ts). A wrong claim that is still pending is recorded
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
import { Gossip } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
import { type LedgerAddresses, makeFollower } from "../network/follower.ts";
import { Metrics } from "../observability/metrics.ts";
import { headLagGauge } from "../observability/server.ts";
import { Store } from "../store/store.ts";

export interface ChallengerConfig {
  readonly name: string;
  readonly chainId: number;
  readonly addresses: LedgerAddresses & { readonly disputeGame?: Address };
  readonly pollMs: number;
  readonly onEvent?: (event: AgentEvent) => void;
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
    const follower = yield* makeFollower(chain.publicClient, config.chainId, config.addresses);
    const bad: Array<{ readonly claimId: bigint; readonly claimant: Address; readonly latencyMs: number }> = [];

    const check = Effect.gen(function* () {
      const fresh = yield* follower.sync;
      for (const claim of fresh) {
        checked.inc({ verdict: claim.correct ? "correct" : "wrong" });
        if (claim.correct) continue;
        const latencyMs = Date.now() - claim.seenAt + 0;
        bad.push({ claimId: claim.id, claimant: claim.claimant, latencyMs });
        const known = (yield* store.games()).some((g) => g.claimId === claim.id);
        if (!known) {
          yield* store.upsertGame({
            gameId: claim.id,
            claimId: claim.id,
            role: "challenger",
            status: "open",
            state: { detectedAt: Date.now(), claimant: claim.claimant, opened: false },
          });
        }
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
        if (config.addresses.disputeGame !== undefined) {
          config.onEvent?.({
            kind: "game",
            agent: config.name,
            claimId: claim.id,
            status: "not-opened: ledger lacks the game hooks",
          });
        }
      }
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
      wallet: Option.getOrUndefined(chain.wallet),
    };
  });
