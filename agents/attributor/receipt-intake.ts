/**
 * Intake: receipt acceptance, verification and dedupe. Receipts come from the local HTTP intake
 * (./intake.ts) or the operators' gossip (agents/receipts/texts.ts) with their texts: checked against the
 * deployment's EIP-712 domain and their hashes, attributed here (./attribution.ts), stored once per
 * (user, operator, nonce) (a user's nonces are independent per operator, docs/protocol.md §2) and gossiped.
 * Receipts from the receipts topic come without texts, so this node cannot attribute them: stored
 * unattributed, never posted, whatever weights the peer attached; the same receipt arriving later with its
 * texts is attributed here and becomes pending.
 */
import { Context, Effect, Exit, Layer, Stream } from "effect";
import { Gossip } from "../gossip/gossip.ts";
import { type ReceiptPayload, Topics } from "../gossip/messages.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import type { SourcedReceipt } from "../receipts/source.ts";
import { Store, type StoreError } from "../store/store.ts";
import { Attribution } from "./attribution.ts";
import { AttributorSettings, AttributorState, IntakeError, payloadKey } from "./state.ts";
import { VerifyPool } from "./verify-pool.ts";

/**
 * Engine failures that say nothing about the receipt: the registry or an index could not be read (RPC
 * down, no peer serving the index yet); the registry engine's EngineError carries the resolver's error
 * as its cause. Such a receipt is not refused for good: the intake answers 503 and the sender tries again.
 */
const transientCauses: ReadonlySet<string> = new Set(["ModelReadError", "RegistryReadError", "IndexUnavailableError"]);
const transientEngineFailure = (e: { readonly cause?: unknown }): boolean => {
  const engineError = e.cause as { readonly cause?: { readonly _tag?: unknown } } | undefined;
  const tag = engineError?.cause?._tag;
  return typeof tag === "string" && transientCauses.has(tag);
};

export interface ReceiptIntakeShape {
  /** Checks a receipt with its texts, attributes it, stores and gossips it; true when it was new here. */
  readonly accept: (sourced: SourcedReceipt) => Effect.Effect<boolean, IntakeError | StoreError>;
}

export const makeReceiptIntake = Effect.fn("Attributor.makeIntake")(function* () {
  const state = yield* AttributorState;
  const threads = (yield* AttributorSettings).intakeWorkers;
  const attribution = yield* Attribution;
  const store = yield* Store;
  const gossip = yield* Gossip;
  const view = yield* LedgerView;
  const { name, metrics, rejectedKeys, emit } = state;
  const domain = attributionDomain(view.chainId, view.addresses.ledger);

  /**
   * A receipt this node cannot attribute with its own engine is stored without any attribution and
   * marked unattributed (never pending, so never posted), counted and logged. Weights are never taken
   * from anyone else: a peer's attribution is only its claim about the texts.
   */
  const storeUnattributed = (payload: ReceiptPayload, reason: string) =>
    Effect.gen(function* () {
      const { attribution: _ignored, ...bare } = payload;
      const fresh = yield* store.addUnattributedReceipt(bare, reason);
      if (!fresh) return false;
      rejectedKeys.add(payloadKey(payload));
      metrics.unattributed.inc({ reason: reason.startsWith("engine") ? "engine" : reason });
      // every gossiped receipt lands here (they carry no texts): debug level; an engine failure is news
      const log = reason === "no-texts" ? Effect.logDebug : Effect.logWarning;
      yield* log(
        `${name}: receipt (${payload.request.user}, ${payload.receipt.operator}, ${payload.request.nonce}) stored unattributed (${reason}): not posted unless its texts reach this node`,
      );
      return true;
    });

  // the checks (digests, recoveries, text hashes) on other cores: ./verify-pool.ts
  const context = yield* Effect.context<never>();
  const log = (line: string) => void Effect.runForkWith(context)(Effect.logWarning(`${name}: ${line}`));
  const pool = yield* Effect.acquireRelease(
    Effect.sync(
      () =>
        new VerifyPool({
          domain,
          log,
          onWorkerCpu: (seconds) => metrics.intakeWorkerCpu.inc({}, seconds),
          ...(threads === undefined ? {} : { threads }),
        }),
    ),
    (p) => Effect.promise(() => p.close()),
  );
  yield* Effect.promise(() => pool.ready);

  /**
   * The group commit: receipts attributed in the same turn of the event loop are written in one
   * transaction (`Store.addReceipts`), and each `accept` answers only after its transaction committed
   * (nothing acknowledged is lost in a crash). If a group fails, each of its receipts is written alone, so
   * one bad row fails only its own receipt.
   */
  let writes: Array<{
    readonly payload: ReceiptPayload;
    readonly resume: (e: Effect.Effect<boolean, StoreError>) => void;
  }> = [];
  const flushWrites = () => {
    const group = writes;
    writes = [];
    const all = Effect.runSyncExit(store.addReceipts(group.map((w) => w.payload)));
    if (Exit.isSuccess(all)) {
      for (const [i, w] of group.entries()) w.resume(Effect.succeed(all.value[i] === true));
      return;
    }
    for (const w of group) {
      const one = Effect.runSyncExit(store.addReceipts([w.payload]));
      w.resume(Exit.isSuccess(one) ? Effect.succeed(one.value[0] === true) : Effect.failCause(one.cause));
    }
  };
  /** Stores an attributed receipt (new, or adopted if held unattributed): true when it was new here. */
  const write = (payload: ReceiptPayload) =>
    Effect.callback<boolean, StoreError>((resume) => {
      writes.push({ payload, resume });
      if (writes.length === 1) setImmediate(flushWrites);
    });

  const accept = Effect.fn("Attributor.intake")(function* (sourced: SourcedReceipt) {
    const refuse = (reason: string) => {
      metrics.rejected.inc({ reason });
      return new IntakeError({ message: `receipt refused: ${reason}` });
    };
    const verdict = yield* Effect.promise(() => pool.verify(sourced));
    if (!verdict.ok) return yield* refuse(verdict.reason);
    const entries = yield* attribution
      .attribute({ modelId: sourced.receipt.request.modelId, input: verdict.input, output: sourced.output })
      .pipe(
        Effect.catchTag("AttributionFailed", (e) => {
          // the registry or an index could not be read: says nothing about the receipt, send it again later
          if (transientEngineFailure(e)) {
            metrics.rejected.inc({ reason: "engine-unavailable" });
            return Effect.fail(new IntakeError({ message: `receipt not taken yet: ${e.reason}`, retryable: true }));
          }
          return storeUnattributed(sourced.receipt, e.reason).pipe(Effect.flatMap(() => Effect.fail(refuse(e.reason))));
        }),
      );
    // the node's own weights, whatever a peer attached to a copy of this receipt
    const payload: ReceiptPayload = { ...sourced.receipt, attribution: entries };
    // new, or known only unattributed until now (gossiped without texts): attributed here, now pending;
    // written (committed) before this answers
    const fresh = yield* write(payload);
    if (fresh) {
      rejectedKeys.delete(payloadKey(payload));
      metrics.received.inc({ source: "intake" });
      emit({ kind: "receipt", agent: name, source: "intake" });
      yield* gossip
        .publish(Topics.receipts, payload)
        .pipe(Effect.catch((e) => Effect.logWarning(`${name}: could not gossip a receipt: ${e.message}`)));
    }
    return fresh;
  });

  yield* Effect.forkScoped(
    gossip.messages(Topics.receipts).pipe(
      Stream.runForEach((envelope) =>
        Effect.gen(function* () {
          // no texts come with a gossiped receipt, so this node cannot attribute it: stored, never posted
          // (the peer's weights, if any, are dropped), until the same receipt reaches the intake with its texts
          if (yield* storeUnattributed(envelope.payload, "no-texts")) {
            metrics.received.inc({ source: "gossip" });
            emit({ kind: "receipt", agent: name, source: "gossip" });
          }
        }).pipe(Effect.catch((e) => Effect.logWarning(`${name}: ${e.message}`))),
      ),
    ),
  );
  return { accept } satisfies ReceiptIntakeShape;
});

export class ReceiptIntake extends Context.Service<ReceiptIntake, ReceiptIntakeShape>()("poa/ReceiptIntake") {
  /** Needs AttributorState, Attribution, Store, Gossip and LedgerView; listens to the receipts topic in its scope. */
  static readonly layer = Layer.effect(ReceiptIntake, makeReceiptIntake());
}
