/**
 * No single claim can stall a ledger follower (issue 12 item 8), on a real chain: an attributor posts
 * claims, and a second follower whose registry reads fail (its DatanetRegistry address points at a
 * contract without that function, as a misconfigured or flaky RPC would) cannot rebuild the first one.
 * It sets that claim aside after `maxAttempts` failed reads, reports it once, and moves on: it reaches
 * the chain head, tracks the claims' finality, never calls an unreadable tip honest, and sets the
 * descendants aside too (their parent state is unknown). Once the reads work again, a retry rebuilds
 * every claim, with the same verdicts and states as a follower that never failed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Context, Effect, Layer } from "effect";
import { createPublicClient, http } from "viem";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { type FollowedClaim, makeFollower, type UnreadableClaim } from "../ledger/follower.ts";
import { unreadableHooks } from "../ledger/unreadable.ts";
import { ledgerAddresses, localChain, startNetwork } from "../network/network.ts";
import { Metrics, MetricsRegistry } from "../observability/metrics.ts";
import { healthOf } from "../observability/server.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { commitment } from "../sigma/sigma.ts";
import { Store } from "../store/store.ts";
import { advanceTime, FEE, populate } from "./setup.ts";

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("100 millis");
    }
  });

layer(LocalProtocol.layer(), { timeout: 120_000, excludeTestServices: true })("ledger follower", (it) => {
  it.effect("a claim it cannot rebuild is set aside and reported once; the follower moves on, and recovers", () =>
    Effect.gen(function* () {
      const protocol = yield* LocalProtocol;
      const { anvil, deployments } = protocol;
      const w = yield* populate(protocol, { users: 2, escrowPerUser: FEE * 20n });
      const network = yield* startNetwork({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployments,
        engine: fixtureEngine(w.contributionIds, 3),
        dataDir: mkdtempSync(path.join(tmpdir(), "poa-follower-")),
        attributorKeys: [ANVIL_KEYS[7]],
        challengerKeys: [],
        maxBatch: 2,
        maxWaitMs: 200,
        pollMs: 100,
      });
      const attributor = network.attributors[0]!;
      const addresses = ledgerAddresses(deployments);
      const source = makeReceiptSource({
        chainId: anvil.chainId,
        ledger: addresses.ledger,
        modelId: w.modelId,
        operatorKey: w.operatorKey,
        userKeys: w.userKeys,
        fee: FEE,
      });
      for (let i = 0; i < 6; i++) {
        const r = yield* Effect.promise(() => source.answer(i, `q-follow-${i}`, `a-follow-${i}`));
        expect(yield* Effect.promise(() => attributor.submit(r))).toEqual({ ok: true, stored: true });
      }
      const client = createPublicClient({
        chain: localChain(anvil.chainId, anvil.rpcUrl),
        transport: http(anvil.rpcUrl),
      });
      const good = yield* makeFollower(client, anvil.chainId, addresses);
      yield* eventually(async () => {
        await Effect.runPromise(good.sync);
        return [...good.claims.values()].reduce((n, c) => n + c.receipts.length, 0) === 6;
      }, "the receipts to be posted");
      // finalize them (the attributor does), so the broken follower has finality events after the claims
      yield* advanceTime(anvil.rpcUrl, Number(good.params.challengeWindow) + 1);
      yield* eventually(async () => {
        await Effect.runPromise(good.sync);
        return [...good.claims.values()].every((c) => c.status === "final");
      }, "the claims to finalize");
      const ids = [...good.claims.keys()];
      expect(ids.length).toBeGreaterThanOrEqual(3);

      // a follower whose registry reads fail: the DatanetRegistry address is the ledger's (no such function)
      const broken = { ...addresses, datanetRegistry: addresses.ledger };
      const reported: UnreadableClaim[] = [];
      const recovered: FollowedClaim[] = [];
      // what an agent does with them: the Store row, the metrics, /health (agents/ledger/unreadable.ts)
      const registry = new MetricsRegistry();
      const storeContext = yield* Layer.build(Store.memory);
      const store = Context.get(storeContext, Store);
      const hooks = yield* unreadableHooks("test").pipe(
        Effect.provideContext(storeContext),
        Effect.provideService(Metrics, registry),
      );
      const follower = yield* makeFollower(client, anvil.chainId, broken, {
        maxAttempts: 3,
        retryUnreadableMs: 0,
        onUnreadable: (c) => hooks.onUnreadable!(c).pipe(Effect.andThen(Effect.sync(() => reported.push(c)))),
        onRecovered: (c) => hooks.onRecovered!(c).pipe(Effect.andThen(Effect.sync(() => recovered.push(c)))),
      });
      const head = yield* Effect.promise(() => client.getBlockNumber({ cacheTime: 0 }));
      for (let i = 0; i < 3; i++) yield* follower.sync; // the first claim fails 3 times, then is set aside
      expect(follower.lastBlock()).toBeGreaterThanOrEqual(head); // it moved on to the head
      expect(follower.claims.size).toBe(0);
      expect([...follower.unreadable.keys()].sort()).toEqual(ids.sort());
      expect(reported.map((c) => c.id).sort()).toEqual(ids.sort()); // each reported once
      expect(reported.find((c) => c.id === ids[0])).toMatchObject({ kind: "rpc" });
      expect(reported.filter((c) => c.kind === "parent").length).toBe(ids.length - 1);
      // finality still followed; an unreadable tip is never honest
      expect([...follower.unreadable.values()].every((c) => c.status === "final")).toBe(true);
      expect(follower.tip()).toMatchObject({ id: ids[ids.length - 1], honest: false });
      // recorded, counted, alerted
      expect((yield* store.unreadableClaims).map((c) => c.claimId).sort()).toEqual(ids.sort());
      const total = registry.counter("poa_follower_unreadable_claims_total", "");
      expect(total.get({ kind: "rpc" }) + total.get({ kind: "parent" })).toBe(ids.length);
      const health = healthOf(registry, { agent: "test" }, Date.now());
      expect(health.status).toBe("degraded");
      expect(health.problems.join(" ")).toMatch(new RegExp(`${ids.length} claims could not be rebuilt`));

      // the reads work again: the next sync retries and rebuilds every claim exactly as the good follower did
      (broken as { datanetRegistry: string }).datanetRegistry = addresses.datanetRegistry;
      const fresh = yield* follower.sync;
      expect(fresh.map((c) => c.id).sort()).toEqual(ids.sort());
      expect(recovered.length).toBe(ids.length);
      expect(follower.unreadable.size).toBe(0);
      for (const id of ids) {
        const a = follower.claims.get(id)!;
        const b = good.claims.get(id)!;
        expect(commitment(a.computed)).toBe(commitment(b.computed));
        expect(a.correct).toBe(true);
        expect(a.status).toBe("final");
      }
      expect(follower.tip()).toMatchObject({ id: ids[ids.length - 1], honest: true });
      expect(follower.finalLedger().id).toBe(good.finalLedger().id);
      expect(yield* store.unreadableClaims).toEqual([]);
      expect(healthOf(registry, { agent: "test" }, Date.now()).status).toBe("ok");
    }),
  );
});
