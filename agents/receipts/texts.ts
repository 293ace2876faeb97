/**
 * Getting a gossiped receipt's texts: the canonical request under `requestHash` and the answer under
 * `outputHash`, from the local text store or else from peers over `/poa/text/1` (every peer's answer is
 * hash-checked by the gossip service: a lying peer costs one request and is counted in
 * `poa_gossip_fetch_total{protocol="/poa/text/1",result="hash-mismatch"}`). The texts are then checked
 * as an intake checks them (agents/protocol/texts.ts), kept in the local store, and the receipt comes
 * back sourced: ready for the node's own engine.
 */
import { Data, Effect, Stream } from "effect";
import type { Hex } from "viem";
import type { TextStoreShape } from "../content/texts.ts";
import type { FetchError, GossipShape } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
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

export interface GossipedReceiptsOptions extends ReceiptTextsDeps {
  /** Receipts whose texts are fetched at once (default 8). */
  readonly concurrency?: number;
  /** Receipts remembered as handled, so a re-gossiped copy is not fetched again (default 100 000). */
  readonly remember?: number;
  readonly log?: (line: string) => void;
}

/**
 * The gossip route into an attributor: every receipt accepted on `/poa/receipts/2` whose texts this
 * node can get (its text store, else any peer over `/poa/text/1`, each text hash-checked) is handed,
 * sourced, to `intake` (the attributor's own intake: its engine, its weights). A receipt whose texts
 * nobody serves correctly is counted (`poa_receipt_texts_total{result}`), logged and left as it was
 * (e.g. stored unattributed); the stream goes on. Runs until interrupted.
 */
export const attributeGossipedReceipts = <E>(
  options: GossipedReceiptsOptions,
  intake: (sourced: SourcedReceipt) => Effect.Effect<unknown, E>,
): Effect.Effect<void> => {
  const handled = new Set<string>();
  const remember = options.remember ?? 100_000;
  const log = options.log ?? (() => {});
  const keyOf = (r: ReceiptPayload) =>
    `${r.receipt.user.toLowerCase()}:${r.receipt.operator.toLowerCase()}:${r.receipt.nonce}`;
  return options.gossip.messages(Topics.receipts).pipe(
    Stream.mapEffect(
      (envelope) =>
        Effect.gen(function* () {
          const key = keyOf(envelope.payload);
          if (handled.has(key)) return;
          const sourced = yield* fetchReceiptTexts(options, envelope.payload);
          if (handled.size >= remember) handled.clear();
          handled.add(key);
          yield* intake(sourced);
        }).pipe(
          Effect.catch((e) => Effect.sync(() => log(`gossiped receipt from ${envelope.sender}: ${describe(e)}`))),
        ),
      { concurrency: options.concurrency ?? 8 },
    ),
    Stream.runDrain,
  );
};

const describe = (e: unknown): string =>
  typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" ? e.message : String(e);
