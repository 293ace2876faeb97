/**
 * Intake: receipt acceptance, verification and dedupe. Receipts come from the local HTTP intake
 * (./intake.ts) or the operators' gossip (agents/receipts/texts.ts) with their texts: checked against the
 * deployment's EIP-712 domain and their hashes, attributed here (./attribution.ts), stored once per
 * (user, operator, nonce) (a user's nonces are independent per operator, docs/protocol.md §2) and gossiped.
 * Receipts from the receipts topic come without texts, so this node cannot attribute them: stored
 * unattributed, never posted, whatever weights the peer attached; the same receipt arriving later with its
 * texts is attributed here and becomes pending.
 */
import { Context, Effect, Layer, Stream } from "effect";
import { hexToBytes } from "viem";
import { receiptProblem } from "../gossip/checks.ts";
import { Gossip } from "../gossip/gossip.ts";
import { type ReceiptPayload, Topics } from "../gossip/messages.ts";
import { LedgerView } from "../ledger/ledger.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { checkTexts } from "../protocol/texts.ts";
import type { SourcedReceipt } from "../receipts/source.ts";
import { Store, type StoreError } from "../store/store.ts";
import { Attribution } from "./attribution.ts";
import { AttributorState, IntakeError, payloadKey } from "./state.ts";

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

  const accept = Effect.fn("Attributor.intake")(function* (sourced: SourcedReceipt) {
    const refuse = (reason: string) => {
      metrics.rejected.inc({ reason });
      return new IntakeError({ message: `receipt refused: ${reason}` });
    };
    const problem = yield* Effect.promise(() => receiptProblem(domain, sourced.receipt));
    if (problem !== undefined) return yield* refuse(problem);
    // the texts must be the receipt's (agents/protocol/texts.ts); the engine reads the request's text
    const texts = checkTexts(sourced.receipt, hexToBytes(sourced.request), sourced.output);
    if (!texts.ok) return yield* refuse(texts.problem === "output-hash-mismatch" ? "output-hash" : "request-hash");
    const entries = yield* attribution
      .attribute({ modelId: sourced.receipt.request.modelId, input: texts.sourced.input, output: sourced.output })
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
    // new, or known only unattributed until now (gossiped without texts): attributed here, now pending
    const fresh = (yield* store.addReceipt(payload)) || (yield* store.adoptReceipt(payload));
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
