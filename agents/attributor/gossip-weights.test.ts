/**
 * Issue 12 item 9: an honest attributor never adopts weights from gossip. On a real chain (anvil + the
 * deployed protocol) with real libp2p nodes on loopback:
 *
 * - a peer gossips a validly signed receipt with a made-up attribution (all of the data share to one
 *   contribution): the attributor stores it *unattributed* (no weights, reason `no-texts`), counts it and
 *   never posts it; when the same receipt reaches its intake with the texts, its own engine attributes it
 *   and the posted claim carries the engine's weights, not the peer's;
 * - a receipt whose model the engine cannot handle is refused at the intake, stored unattributed with
 *   the engine's reason, and never posted.
 *
 * The expected weights come from a second instance of the engine, run by the test on the texts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { createPublicClient, getAddress, http } from "viem";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { FEE, populate } from "../e2e/setup.ts";
import { type AttributionEngine, EngineError, WEIGHT_SCALE } from "../engines/engine.ts";
import { Topics } from "../gossip/messages.ts";
import { startNode } from "../gossip/testing.ts";
import { makeFollower } from "../ledger/follower.ts";
import { ledgerAddresses, localChain, startNetwork } from "../network/network.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { decodeTx } from "../sigma/codec.ts";
import { makeStore, openDatabase, UNATTRIBUTED } from "../store/store.ts";

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 30_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("100 millis");
    }
  });

const UNSUPPORTED = "unsupported:";

layer(LocalProtocol.layer(), { timeout: 90_000, excludeTestServices: true })("attributor: weights", (it) => {
  it.effect("gossiped weights are never adopted: stored unattributed, then attributed by the node's own engine", () =>
    Effect.gen(function* () {
      const protocol = yield* LocalProtocol;
      const { anvil, deployments } = protocol;
      const w = yield* populate(protocol, { users: 2, escrowPerUser: FEE * 10n });
      const fixture = fixtureEngine(w.contributionIds, 3);
      // the node's engine: the fixture, except for inputs it "cannot handle" (an unsupported model)
      const engine: AttributionEngine<unknown> = {
        method: fixture.method,
        attribute: (request) =>
          (request.input ?? "").startsWith(UNSUPPORTED)
            ? Effect.fail(new EngineError({ method: fixture.method, message: "model not supported" }))
            : fixture.attribute(request),
      };
      const dataDir = mkdtempSync(path.join(tmpdir(), "poa-weights-"));
      const network = yield* startNetwork({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployments,
        engine,
        dataDir,
        attributorKeys: [ANVIL_KEYS[7]],
        challengerKeys: [],
        maxBatch: 1,
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
      const counter = (name: string, labels: Record<string, string>) =>
        attributor.metrics.counter(name, "").get(labels);

      // a peer on the receipts topic
      const rogue = yield* startNode({ heartbeatMs: 100, bootstrap: [attributor.gossip.addresses[0]!] }, ANVIL_KEYS[6]);
      yield* eventually(
        async () => (await Effect.runPromise(rogue.gossip.meshPeerCount(Topics.receipts))) > 0,
        "the peer to join the mesh",
      );
      const r = yield* Effect.promise(() => source.answer(0, "q-weights", "a-weights"));
      const own = (yield* fixture.attribute({ modelId: w.modelId, input: r.input, output: r.output })).entries;
      // all of the data share to one contribution the engine does not pick alone
      const target = w.contributionIds.find((id) => !(own.length === 1 && own[0]!.contributionId === id))!;
      const forged = [{ contributionId: target, weight: WEIGHT_SCALE }];
      yield* rogue.gossip.publish(Topics.receipts, { ...r.receipt, attribution: forged });

      yield* eventually(
        () => counter("poa_attributor_receipts_total", { source: "gossip" }) === 1,
        "the gossiped receipt to be stored",
      );
      // stored without weights, rejected as unattributed (so never pending, never posted)
      const db = yield* Effect.acquireRelease(
        Effect.sync(() => openDatabase({ path: path.join(dataDir, "attributor-1.sqlite") })),
        (d) => Effect.sync(() => d.close()),
      );
      const store = makeStore(db);
      const key = {
        user: r.receipt.request.user,
        operator: r.receipt.request.operator,
        nonce: r.receipt.request.nonce,
      };
      const stored = yield* store.getReceipt(key);
      expect(stored._tag).toBe("Some");
      expect(stored._tag === "Some" ? stored.value.attribution : "missing").toBeUndefined(); // the peer's weights dropped
      const rejected = yield* store.rejectedReceipts;
      expect(rejected.map((x) => x.reason)).toEqual([`${UNATTRIBUTED} no-texts`]);
      expect(counter("poa_attributor_receipts_unattributed_total", { reason: "no-texts" })).toBe(1);
      expect((yield* store.receiptCounts).pending).toBe(0);

      // the same receipt at the intake, with its texts: the node's engine attributes it, and it is posted
      expect(yield* Effect.promise(() => attributor.submit(r))).toEqual({ ok: true, stored: true });
      const client = createPublicClient({
        chain: localChain(anvil.chainId, anvil.rpcUrl),
        transport: http(anvil.rpcUrl),
      });
      const follower = yield* makeFollower(client, anvil.chainId, addresses);
      const user = getAddress(r.receipt.request.user);
      const postedWith = async () => {
        await Effect.runPromise(follower.sync);
        for (const claim of follower.claims.values()) {
          for (const [i, bytes] of claim.trace.txs.entries()) {
            if (bytes[0] !== 0x01) continue;
            const tx = decodeTx(bytes, i);
            if (tx.kind === "attribute" && tx.user === user && tx.nonce === r.receipt.request.nonce) return tx.entries;
          }
        }
        return undefined;
      };
      yield* eventually(async () => (await postedWith()) !== undefined, "the receipt to be posted");
      const entries = yield* Effect.promise(postedWith);
      expect(entries).toEqual(own.map((e) => ({ contributionId: e.contributionId, weight: e.weight })));
      expect(entries).not.toEqual(forged);

      // a model the engine cannot handle: refused, stored unattributed with the engine's reason, never posted
      const u = yield* Effect.promise(() => source.answer(1, `${UNSUPPORTED} q`, "a"));
      const refused = yield* Effect.promise(() => attributor.submit(u));
      expect(refused).toEqual({ ok: false, error: "receipt refused: engine: model not supported" });
      expect(counter("poa_attributor_receipts_unattributed_total", { reason: "engine" })).toBe(1);
      const reasons = (yield* store.rejectedReceipts).map((x) => x.reason);
      expect(reasons).toContain(`${UNATTRIBUTED} engine: model not supported`);
      // a later claim (another receipt) goes through; the unsupported one never does
      const later = yield* Effect.promise(() => source.answer(2, "q-later", "a-later"));
      expect(yield* Effect.promise(() => attributor.submit(later))).toEqual({ ok: true, stored: true });
      const included = async (nonce: bigint, who: string) => {
        await Effect.runPromise(follower.sync);
        return [...follower.claims.values()].some((c) =>
          c.receipts.some((x) => x.nonce === nonce && x.user.toLowerCase() === who.toLowerCase()),
        );
      };
      yield* eventually(
        () => included(later.receipt.request.nonce, later.receipt.request.user),
        "the later receipt to be posted",
      );
      expect(yield* Effect.promise(() => included(u.receipt.request.nonce, u.receipt.request.user))).toBe(false);
    }),
  );
});
