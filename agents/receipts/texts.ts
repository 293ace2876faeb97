/**
 * Getting a gossiped receipt's texts: the canonical request under `requestHash` and the answer under
 * `outputHash`, from the local text store or else from peers over `/poa/text/1` (every peer's answer is
 * hash-checked by the gossip service: a lying peer costs one request and is counted in
 * `poa_gossip_fetch_total{protocol="/poa/text/1",result="hash-mismatch"}`). The texts are then checked
 * as an intake checks them (agents/protocol/texts.ts), kept in the local store, and the receipt comes
 * back sourced: ready for the node's own engine.
 */
import { Data, Effect } from "effect";
import type { Hex } from "viem";
import type { TextStoreShape } from "../content/texts.ts";
import type { FetchError, GossipShape } from "../gossip/gossip.ts";
import type { MetricsRegistry } from "../observability/metrics.ts";
import type { ReceiptPayload } from "../protocol/receipt.ts";
import { checkTexts, type SourcedReceipt, textsProblemMessage } from "../protocol/texts.ts";

export class ReceiptTextsError extends Data.TaggedError("ReceiptTextsError")<{
  readonly reason: "unavailable" | "output-not-utf8" | "request-not-canonical" | "store";
  readonly message: string;
  readonly cause?: unknown;
}> {}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export interface ReceiptTextsDeps {
  readonly gossip: GossipShape;
  readonly texts: TextStoreShape;
  /** Counts `poa_receipt_texts_total{result}` (ok, or the error's reason). */
  readonly metrics?: MetricsRegistry;
}

/** The receipt with its texts, fetched from `peers` (default: every connected peer) when not held. */
export const fetchReceiptTexts = (
  deps: ReceiptTextsDeps,
  receipt: ReceiptPayload,
  peers?: ReadonlyArray<string>,
): Effect.Effect<SourcedReceipt, ReceiptTextsError> => {
  const counter = deps.metrics?.counter("poa_receipt_texts_total", "Receipt texts obtained, by result");
  const one = (hash: Hex) =>
    Effect.gen(function* () {
      const held = yield* deps.texts
        .get(hash)
        .pipe(Effect.mapError((e) => new ReceiptTextsError({ reason: "store", message: e.message, cause: e })));
      if (held !== undefined) return held;
      const fetched = yield* deps.gossip
        .fetchTextFromAny(hash, peers)
        .pipe(
          Effect.mapError(
            (e: FetchError) =>
              new ReceiptTextsError({ reason: "unavailable", message: `text ${hash}: ${e.message}`, cause: e }),
          ),
        );
      return fetched.body;
    });
  return Effect.gen(function* () {
    const request = yield* one(receipt.receipt.requestHash);
    const outputBytes = yield* one(receipt.receipt.outputHash);
    let output: string;
    try {
      output = strictUtf8.decode(outputBytes);
    } catch {
      return yield* new ReceiptTextsError({
        reason: "output-not-utf8",
        message: `the text under outputHash ${receipt.receipt.outputHash} is not UTF-8`,
      });
    }
    const checked = checkTexts(receipt, request, output);
    if (!checked.ok) {
      // the fetch checked both hashes; what is left is a request that is not canonical
      return yield* new ReceiptTextsError({
        reason: "request-not-canonical",
        message: textsProblemMessage[checked.problem],
      });
    }
    for (const bytes of [request, outputBytes]) {
      yield* deps.texts
        .put(bytes)
        .pipe(Effect.mapError((e) => new ReceiptTextsError({ reason: "store", message: e.message, cause: e })));
    }
    return checked.sourced;
  }).pipe(
    Effect.tap(() => Effect.sync(() => counter?.inc({ result: "ok" }))),
    Effect.tapError((e) => Effect.sync(() => counter?.inc({ result: e.reason }))),
    Effect.withSpan("Receipts.fetchTexts"),
  );
};
