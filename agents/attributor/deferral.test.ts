/**
 * The attributor never posts a receipt σ would judge invalid (a no-op that charges and pays nobody,
 * and is then lost): on a real chain (anvil + the deployed protocol), one attributor per test.
 *
 * - a receipt for a model registered "just now" (the claim's reference time is before the
 *   registration) is deferred, and posted and credited once the chain's clock has passed it;
 * - receipts σ rejects for good (a malleated user signature that the intake's recovery accepts, a
 *   deadline passed on chain) are never posted, are recorded as rejected in the store and counted;
 * - a user's nonces are independent per operator (protocol.md §2): the same user and nonce sent to two
 *   operators (one of them the user itself, self-signing) are two receipts, both stored and both posted.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { createPublicClient, type Hex, http } from "viem";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { registerModel } from "../chain/registries.ts";
import { asAccount, localAccount } from "../demo/accounts.ts";
import { advanceTime, FEE, type Populated, populate, SPLIT } from "../e2e/setup.ts";
import { datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";
import { makeFollower } from "../ledger/follower.ts";
import { ledgerAddresses, localChain, type NetworkOptions, startNetwork } from "../network/network.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { malleate } from "../sigma/vectors.ts";
import { makeStore, openDatabase } from "../store/store.ts";
import type { AgentEvent } from "./attributor.ts";

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 20_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("100 millis");
    }
  });

const keyOf = (r: { readonly user: string; readonly operator: string; readonly nonce: bigint }) =>
  `${r.user.toLowerCase()}|${r.operator.toLowerCase()}|${r.nonce}`;

layer(LocalProtocol.layer(), { timeout: 60_000, excludeTestServices: true })("attributor: σ-invalid receipts", (it) => {
  let world: Populated | undefined;
  const worldOf = Effect.gen(function* () {
    world ??= yield* populate(yield* LocalProtocol, { users: 3, escrowPerUser: FEE * 10n });
    return world;
  });

  /** One attributor (no challenger) on the local chain, with its own store and events. */
  const oneAttributor = (w: Populated, key: Hex, options: Pick<NetworkOptions, "maxBatch" | "maxWaitMs">) =>
    Effect.gen(function* () {
      const { anvil, deployments } = yield* LocalProtocol;
      const events: AgentEvent[] = [];
      const dataDir = mkdtempSync(path.join(tmpdir(), "poa-deferral-"));
      const network = yield* startNetwork({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployments,
        engine: fixtureEngine(w.contributionIds, 3),
        dataDir,
        attributorKeys: [key],
        challengerKeys: [],
        pollMs: 100,
        onEvent: (e) => events.push(e),
        ...options,
      });
      const addresses = ledgerAddresses(deployments);
      const client = createPublicClient({
        chain: localChain(anvil.chainId, anvil.rpcUrl),
        transport: http(anvil.rpcUrl),
      });
      const follower = yield* makeFollower(client, anvil.chainId, addresses);
      const node = network.attributors[0]!;
      const posted = () => events.filter((e) => e.kind === "claimPosted");
      const claimsWith = async (key: string) => {
        await Effect.runPromise(follower.sync);
        return [...follower.claims.values()].filter((c) => c.receipts.some((r) => keyOf(r) === key));
      };
      return { node, events, posted, follower, claimsWith, addresses, client, dataDir, anvil };
    });

  it.effect("a receipt for a model registered just now is deferred, then posted and credited", () =>
    Effect.gen(function* () {
      const w = yield* worldOf;
      const { anvil } = yield* LocalProtocol;
      const a = yield* oneAttributor(w, ANVIL_KEYS[7], { maxBatch: 1, maxWaitMs: 200 });
      // a second model, registered now (after the attributor bonded: no block follows the registration)
      const datanetId = (yield* Effect.promise(() =>
        a.client.readContract({
          address: a.addresses.datanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "getContribution",
          args: [w.contributionIds[0]!],
        }),
      )).datanetId;
      const owner = localAccount("owner-2", ANVIL_KEYS[6]);
      const { modelId } = yield* registerModel({
        baseModelHash: `0x${"33".repeat(32)}`,
        adapterHash: `0x${"00".repeat(32)}`,
        parentModelId: 0n,
        datanetIds: [datanetId],
        method: "suffix",
        attributionIndexCommitment: `0x${"44".repeat(32)}`,
        split: SPLIT,
        price: FEE,
        metadataURI: "deferral://model",
      }).pipe(asAccount(anvil.rpcUrl, deploymentsPath(anvil.chainId), owner));
      const source = makeReceiptSource({
        chainId: anvil.chainId,
        ledger: a.addresses.ledger,
        modelId,
        operatorKey: w.operatorKey,
        userKeys: [w.userKeys[0]!],
        fee: FEE,
      });
      const r = yield* Effect.promise(() => source.answer(0, "fresh model?", "fresh answer"));
      expect(yield* Effect.promise(() => a.node.submit(r))).toEqual({ ok: true, stored: true });
      const key = keyOf(r.receipt.request);

      // σ at the claim's reference time (the last block's time − 1) does not know the model yet
      const deferrals = a.node.metrics.counter("poa_attributor_receipt_deferrals_total", "");
      yield* eventually(
        () => deferrals.get({ reason: "model-registered-later" }) >= 3 || a.posted().length > 0,
        "three deferrals (or a claim)",
      );
      expect(a.posted()).toEqual([]);
      expect(yield* Effect.promise(() => a.claimsWith(key))).toEqual([]);
      expect(a.node.metrics.gauge("poa_attributor_receipts_deferred", "").get()).toBe(1);

      // the chain's clock moves past the registration: the same receipt is posted, and pays
      yield* advanceTime(anvil.rpcUrl, 5);
      yield* eventually(async () => (await a.claimsWith(key)).length > 0, "the receipt in a posted claim");
      const [claim] = yield* Effect.promise(() => a.claimsWith(key));
      expect(claim!.correct).toBe(true);
      expect(claim!.receipts.map(keyOf)).toEqual([key]);
      const [, , registeredAt] = yield* Effect.promise(() =>
        a.client.readContract({
          address: a.addresses.modelRegistry,
          abi: modelRegistryAbi,
          functionName: "modelForAttribution",
          args: [modelId],
        }),
      );
      expect(claim!.referenceTime).toBeGreaterThanOrEqual(BigInt(registeredAt));
      // credited: the new model's owner earns exactly its share of the fee (brute force, not σ)
      expect(claim!.ledger.tree.leaf(owner.address).earned).toBe((FEE * BigInt(SPLIT.ownerBps)) / 10_000n);
      expect(claim!.debits).toEqual([{ payer: r.receipt.request.user, amount: FEE }]);
      expect(a.node.metrics.counter("poa_attributor_receipts_dropped_total", "").total()).toBe(0);
    }),
  );

  it.effect("receipts σ rejects for good are never posted, recorded as rejected and counted as dropped", () =>
    Effect.gen(function* () {
      const w = yield* worldOf;
      const a = yield* oneAttributor(w, ANVIL_KEYS[8], { maxBatch: 3, maxWaitMs: 60_000 });
      const chainNow = (yield* Effect.promise(() => a.client.getBlock({ blockTag: "latest" }))).timestamp;
      const base = {
        chainId: a.anvil.chainId,
        ledger: a.addresses.ledger,
        modelId: w.modelId,
        operatorKey: w.operatorKey,
        fee: FEE,
      };
      const good = makeReceiptSource({ ...base, userKeys: [w.userKeys[1]!] });
      const shortLived = makeReceiptSource({ ...base, userKeys: [w.userKeys[2]!], deadline: chainNow + 3n });
      const valid = yield* Effect.promise(() => good.answer(0, "q0?", "a0"));
      const signed = yield* Effect.promise(() => good.answer(0, "q1?", "a1"));
      const malleated = {
        ...signed,
        receipt: { ...signed.receipt, userSignature: malleate(signed.receipt.userSignature) },
      };
      const expiring = yield* Effect.promise(() => shortLived.answer(0, "q2?", "a2"));

      // both pass the intake (its recovery takes a high-s signature; the deadline has not passed yet)
      for (const r of [expiring, malleated]) {
        expect(yield* Effect.promise(() => a.node.submit(r))).toEqual({ ok: true, stored: true });
      }
      yield* advanceTime(a.anvil.rpcUrl, 10); // the short deadline is now behind any new reference time
      expect(yield* Effect.promise(() => a.node.submit(valid))).toEqual({ ok: true, stored: true });

      yield* eventually(() => a.posted().length > 0, "a claim");
      const dropped = a.node.metrics.counter("poa_attributor_receipts_dropped_total", "");
      expect(a.posted().map((e) => (e.kind === "claimPosted" ? e.receipts : -1))).toEqual([1]);
      expect((yield* Effect.promise(() => a.claimsWith(keyOf(valid.receipt.request))))[0]!.correct).toBe(true);
      expect(dropped.get({ reason: "bad-user-signature" })).toBe(1);
      expect(dropped.get({ reason: "expired" })).toBe(1);
      expect(dropped.total()).toBe(2);

      // the store keeps them, out of the pending queue, with their reasons
      const store = makeStore(openDatabase({ path: path.join(a.dataDir, "attributor-1.sqlite") }));
      const rejected = Effect.runSync(store.rejectedReceipts);
      expect(new Map(rejected.map((r) => [keyOf(r), r.reason]))).toEqual(
        new Map([
          [keyOf(malleated.receipt.request), "bad-user-signature"],
          [keyOf(expiring.receipt.request), "expired"],
        ]),
      );
      // (the posted one leaves the queue when the attributor's follower sees its claim)
      yield* eventually(() => Effect.runSync(store.receiptCounts).pending === 0, "an empty pending queue");
      expect(Effect.runSync(store.receiptCounts)).toEqual({ total: 3, pending: 0 });

      // and they stay out: later ticks post nothing more, no claim ever holds them
      yield* Effect.sleep("1 second");
      expect(a.posted()).toHaveLength(1);
      for (const r of [malleated, expiring]) {
        expect(yield* Effect.promise(() => a.claimsWith(keyOf(r.receipt.request)))).toEqual([]);
      }
      expect(dropped.total()).toBe(2);
    }),
  );

  it.effect("the same user and nonce at two operators are two receipts, both posted (per-operator windows)", () =>
    Effect.gen(function* () {
      const w = yield* worldOf;
      const a = yield* oneAttributor(w, ANVIL_KEYS[9], { maxBatch: 2, maxWaitMs: 200 });
      const base = { chainId: a.anvil.chainId, ledger: a.addresses.ledger, modelId: w.modelId, fee: FEE };
      const userKeys = [w.userKeys[0]!];
      // the user acting as its own operator, then a real operator: both with nonce 10
      const self = makeReceiptSource({ ...base, operatorKey: w.userKeys[0]!, userKeys, firstNonce: 10n });
      const served = makeReceiptSource({ ...base, operatorKey: w.operatorKey, userKeys, firstNonce: 10n });
      const mine = yield* Effect.promise(() => self.answer(0, "self?", "self answer"));
      const theirs = yield* Effect.promise(() => served.answer(0, "served?", "served answer"));
      expect(mine.receipt.request.nonce).toBe(theirs.receipt.request.nonce);
      expect(mine.receipt.request.user).toBe(theirs.receipt.request.user);
      expect(yield* Effect.promise(() => a.node.submit(mine))).toEqual({ ok: true, stored: true });
      expect(yield* Effect.promise(() => a.node.submit(theirs))).toEqual({ ok: true, stored: true });

      for (const r of [mine, theirs]) {
        const key = keyOf(r.receipt.request);
        yield* eventually(async () => (await a.claimsWith(key)).length > 0, `receipt ${key} in a posted claim`);
        const claims = yield* Effect.promise(() => a.claimsWith(key));
        expect(claims).toHaveLength(1);
        expect(claims[0]!.correct).toBe(true);
      }
      expect(a.node.metrics.counter("poa_attributor_receipts_dropped_total", "").total()).toBe(0);
      const store = makeStore(openDatabase({ path: path.join(a.dataDir, "attributor-1.sqlite") }));
      yield* eventually(() => Effect.runSync(store.receiptCounts).pending === 0, "an empty pending queue");
      expect(Effect.runSync(store.receiptCounts)).toEqual({ total: 2, pending: 0 });
      expect(Effect.runSync(store.rejectedReceipts)).toEqual([]);
    }),
  );
});
