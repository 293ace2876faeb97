/**
 * Operator → attributors: every signed receipt, with its texts, goes to the attributors.
 *
 * - The texts (canonical request bytes, answer bytes) go into the operator's text store, served to any
 *   peer by keccak256 over `/poa/text/1`.
 * - The receipt is published on `/poa/receipts/2` (the one receipt schema, no attribution), when the
 *   operator runs a gossip node: an attributor that receives it fetches the texts by hash
 *   (agents/receipts/texts.ts) and attributes it with its own engine.
 * - It is POSTed with its texts (`ReceiptWithTexts`) to each configured intake URL
 *   (`http://attributor:8080/receipts`), retried with backoff while the attributor is unreachable or
 *   answers 5xx; a 4xx (the attributor refuses the receipt) is logged and not retried.
 *
 * The Receipt names the attributor the operator hands it to (`--attributor`); σ pays that address the
 * attributor share whoever posts it. Unpaid receipts (no user signature) are never published.
 * Counted in `poa_operator_receipts_published_total{route,result}`; a failure never fails the answer.
 */
import { Effect, Queue, Schedule, Schema, type Scope } from "effect";
import { bytesToHex } from "viem";
import type { TextStoreShape } from "../content/texts.ts";
import type { GossipShape } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
import type { MetricsRegistry } from "../observability/metrics.ts";
import { isUnpaid } from "../protocol/receipt.ts";
import { ReceiptWithTexts as ReceiptWithTextsSchema } from "../protocol/texts.ts";
import type { ReceiptWithTexts } from "./receipts.ts";

export interface PublisherConfig {
  /** Attributor intake endpoints each receipt is POSTed to, e.g. `http://127.0.0.1:8080/receipts`. */
  readonly intakeUrls: ReadonlyArray<string>;
  /** The operator's gossip node; absent: no gossip. */
  readonly gossip?: GossipShape;
  readonly texts: TextStoreShape;
  readonly metrics: MetricsRegistry;
  readonly log?: (line: string) => void;
  /** Attempts per intake URL while it is unreachable (default 6: ≈ 6 s of backoff). */
  readonly attempts?: number;
}

export interface ReceiptPublisher {
  /** Queues a receipt for publication (never blocks, never throws: the answer is already served). */
  readonly offer: (receipt: ReceiptWithTexts) => void;
  /** Resolves when every receipt offered so far has been handled (tests, shutdown). */
  readonly drained: Effect.Effect<void>;
}

class DeliveryFailure {
  constructor(
    readonly retryable: boolean,
    readonly message: string,
  ) {}
}

const encodeWire = Schema.encodeSync(ReceiptWithTextsSchema);

/** Starts the publisher's fiber in the current scope. */
export const makeReceiptPublisher = (config: PublisherConfig): Effect.Effect<ReceiptPublisher, never, Scope.Scope> =>
  Effect.gen(function* () {
    const published = config.metrics.counter(
      "poa_operator_receipts_published_total",
      "Signed receipts handed to attributors, by route (gossip, intake, skipped) and result",
    );
    const log = config.log ?? (() => {});
    const queue = yield* Queue.unbounded<ReceiptWithTexts>();
    let offered = 0;
    let handled = 0;

    const post = (url: string, body: string) =>
      Effect.tryPromise({
        try: async (signal) => {
          const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
          });
          const text = await response.text();
          if (response.status >= 500) throw new DeliveryFailure(true, `${url} answered ${response.status}: ${text}`);
          if (response.status >= 400)
            throw new DeliveryFailure(false, `${url} refused it (${response.status}): ${text}`);
        },
        catch: (cause) =>
          cause instanceof DeliveryFailure
            ? cause
            : new DeliveryFailure(
                true,
                `${url} unreachable: ${cause instanceof Error ? cause.message : String(cause)}`,
              ),
      }).pipe(
        Effect.retry({
          schedule: Schedule.exponential("200 millis"),
          times: (config.attempts ?? 6) - 1,
          while: (failure) => failure.retryable,
        }),
      );

    const publishOne = Effect.fn("Operator.publishReceipt")(function* (item: ReceiptWithTexts) {
      const { receipt } = item;
      const id = `${receipt.receipt.user}/${receipt.receipt.nonce}`;
      if (isUnpaid(receipt)) {
        published.inc({ route: "skipped", result: "unpaid" });
        return;
      }
      const stored = yield* Effect.forEach([item.request, new TextEncoder().encode(item.output)], (bytes) =>
        config.texts.put(bytes),
      ).pipe(Effect.result);
      if (stored._tag === "Failure") log(`receipt ${id}: texts not stored: ${stored.failure.message}`);
      const gossip = config.gossip;
      if (gossip !== undefined) {
        yield* gossip.publish(Topics.receipts, receipt).pipe(
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => published.inc({ route: "gossip", result: "ok" })),
            onFailure: (e) =>
              Effect.sync(() => {
                published.inc({ route: "gossip", result: "error" });
                log(`receipt ${id}: gossip publish failed: ${e.message}`);
              }),
          }),
        );
      }
      if (config.intakeUrls.length > 0) {
        const body = JSON.stringify(encodeWire({ receipt, request: bytesToHex(item.request), output: item.output }));
        yield* Effect.forEach(
          config.intakeUrls,
          (url) =>
            post(url, body).pipe(
              Effect.matchEffect({
                onSuccess: () => Effect.sync(() => published.inc({ route: "intake", result: "ok" })),
                onFailure: (failure) =>
                  Effect.sync(() => {
                    published.inc({ route: "intake", result: failure.retryable ? "unreachable" : "refused" });
                    log(`receipt ${id}: ${failure.message}`);
                  }),
              }),
            ),
          { concurrency: "unbounded", discard: true },
        );
      }
    });

    yield* Effect.forkScoped(
      Effect.forever(
        Queue.take(queue).pipe(
          Effect.flatMap((item) => publishOne(item).pipe(Effect.ensuring(Effect.sync(() => handled++)))),
        ),
      ),
    );
    return {
      offer: (receipt) => {
        offered++;
        Queue.offerUnsafe(queue, receipt);
      },
      drained: Effect.suspend(() => {
        const target = offered;
        return Effect.sleep("20 millis").pipe(Effect.repeat({ until: () => handled >= target }), Effect.asVoid);
      }),
    } satisfies ReceiptPublisher;
  });
