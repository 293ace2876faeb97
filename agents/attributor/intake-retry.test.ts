/**
 * An engine failure that says nothing about the receipt (the registry or an index could not be read: the
 * RPC endpoint is down, no peer serves the index yet) does not refuse the receipt for good: the HTTP
 * intake answers 503 (the operator's publisher sends it again, docs/lora-operator.md) and nothing is
 * stored; once the engine can read again the same receipt is taken (202) and attributed. A failure about
 * the receipt itself (a model that is not registered) is still a 400, stored unattributed.
 * (Found by agents/e2e/processes.e2e.test.ts on the registry engines: during its RPC outage both
 * attributors answered 400 "cannot read the model count" and the receipts were lost.)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect, Schema } from "effect";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { FEE, populate } from "../e2e/setup.ts";
import { type AttributionEngine, EngineError } from "../engines/engine.ts";
import { ModelReadError, UnknownModelError } from "../engines/resolver.ts";
import { ledgerAddresses, startNetwork } from "../network/network.ts";
import { ReceiptWithTexts, toReceiptWithTexts } from "../protocol/texts.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { makeStore, openDatabase } from "../store/store.ts";

const wire = Schema.encodeSync(ReceiptWithTexts);

layer(LocalProtocol.layer(), { timeout: 90_000, excludeTestServices: true })("attributor intake", (it) => {
  it.effect("an engine that cannot read the chain gets 503 (send again), not a refusal for good", () =>
    Effect.gen(function* () {
      const protocol = yield* LocalProtocol;
      const { anvil, deployments } = protocol;
      const w = yield* populate(protocol, { users: 2, escrowPerUser: FEE * 10n });
      const fixture = fixtureEngine(w.contributionIds, 3);
      let registryDown = true;
      // the registry engine's failures, as asAttributionEngine (agents/engines/resolver.ts) wraps them
      const engine: AttributionEngine<unknown> = {
        method: "registry",
        attribute: (request) =>
          request.output === "unknown model"
            ? Effect.fail(
                new EngineError({
                  method: "registry",
                  message: "model 999 is not registered",
                  cause: new UnknownModelError({ modelId: 999n, message: "model 999 is not registered" }),
                }),
              )
            : registryDown
              ? Effect.fail(
                  new EngineError({
                    method: "registry",
                    message: "cannot read the model count from ModelRegistry: HTTP request failed",
                    cause: new ModelReadError({ modelId: request.modelId, message: "HTTP request failed" }),
                  }),
                )
              : fixture.attribute(request),
      };
      const dataDir = mkdtempSync(path.join(tmpdir(), "poa-intake-retry-"));
      const network = yield* startNetwork({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployments,
        engine,
        dataDir,
        attributorKeys: [ANVIL_KEYS[7]],
        challengerKeys: [],
        httpIntake: true,
        maxBatch: 1,
        maxWaitMs: 200,
        pollMs: 100,
      });
      const intake = `${network.attributors[0]!.intakeUrl!}/receipts`;
      const source = makeReceiptSource({
        chainId: anvil.chainId,
        ledger: ledgerAddresses(deployments).ledger,
        modelId: w.modelId,
        operatorKey: w.operatorKey,
        userKeys: w.userKeys,
        fee: FEE,
      });
      const post = (r: Awaited<ReturnType<typeof source.answer>>) =>
        Effect.promise(() =>
          fetch(intake, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(wire(toReceiptWithTexts(r))),
          }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: string } })),
        );
      const db = yield* Effect.acquireRelease(
        Effect.sync(() => openDatabase({ path: path.join(dataDir, "attributor-1.sqlite") })),
        (d) => Effect.sync(() => d.close()),
      );
      const store = makeStore(db);

      const r = yield* Effect.promise(() => source.answer(0, "q", "an answer"));
      const down = yield* post(r);
      expect(down.status).toBe(503);
      expect(down.body.error).toMatch(/^receipt not taken yet: engine: cannot read the model count/);
      expect(yield* store.rejectedReceipts).toEqual([]);
      expect((yield* store.receiptCounts).total).toBe(0);

      // the chain answers again: the same receipt, sent again, is taken and attributed
      registryDown = false;
      expect((yield* post(r)).status).toBe(202);
      expect((yield* store.receiptCounts).total).toBe(1);
      expect(yield* store.rejectedReceipts).toEqual([]);

      // a failure about the receipt itself is still a refusal
      const unknown = yield* Effect.promise(() => source.answer(1, "q", "unknown model"));
      const refused = yield* post(unknown);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe("receipt refused: engine: model 999 is not registered");
      expect((yield* store.rejectedReceipts).length).toBe(1);

      // checked in the intake's worker threads (./verify-pool.ts): a receipt signed by the user for another
      // request is refused with its reason, counted, and nothing is stored
      const other = yield* Effect.promise(() => source.answer(2, "q2", "another answer"));
      const swapped = yield* post({ ...other, receipt: { ...other.receipt, userSignature: r.receipt.userSignature } });
      expect(swapped).toEqual({ status: 400, body: { error: "receipt refused: user-signature" } });
      expect(network.attributors[0]!.metrics.render()).toMatch(
        /poa_attributor_receipts_rejected_total\{reason="user-signature"\} 1/,
      );
      expect((yield* store.receiptCounts).total).toBe(2);
    }),
  );
});
