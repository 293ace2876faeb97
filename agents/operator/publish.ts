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
 *
 * Receipt groups (spec B, ./groups.ts) go the same ways: their records' texts into the text store, the
 * signed group (with its allowances, without texts) on `/poa/groups/1`, and the group with its texts
 * (`GroupWithTexts`) POSTed to each intake's `/groups` (the intake URL with `/receipts` replaced), retried
 * and kept in the outbox alike (`group-<root>.json`). Counted under `route="gossip-group"|"intake-group"`.
 *
 * With an `outboxDir`, each receipt is written there (one JSON file, the wire form) before the answer
 * leaves, and removed once every intake has taken or refused it: receipts an operator killed with
 * `kill -9` had not handed over yet, or that an intake did not take within the attempts, are sent again
 * (at start, and every `outboxRetryMs`). An attributor stores a receipt once, so a second copy is harmless.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Queue, Schedule, Schema, type Scope } from "effect";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import type { TextStoreShape } from "../content/texts.ts";
import type { GossipShape } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
import type { MetricsRegistry } from "../observability/metrics.ts";
import { GroupWithTexts, groupRoot } from "../protocol/group.ts";
import { isUnpaid } from "../protocol/receipt.ts";
import { ReceiptWithTexts as ReceiptWithTextsSchema } from "../protocol/texts.ts";
import type { SignedGroupWithTexts } from "./groups.ts";
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
  /** Folder of receipts not yet handed to every intake (kept across restarts); absent: in memory only. */
  readonly outboxDir?: string;
  /** How often receipts left in the outbox are tried again (default 10 s). */
  readonly outboxRetryMs?: number;
}

export interface ReceiptPublisher {
  /** Queues a receipt for publication (never blocks, never throws: the answer is already served). */
  readonly offer: (receipt: ReceiptWithTexts) => void;
  /** Queues a signed receipt group for publication (never blocks, never throws). */
  readonly offerGroup: (group: SignedGroupWithTexts) => void;
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
const decodeWire = Schema.decodeUnknownSync(Schema.fromJsonString(ReceiptWithTextsSchema));

const encodeGroupWire = Schema.encodeSync(GroupWithTexts);
const decodeGroupWire = Schema.decodeUnknownSync(Schema.fromJsonString(GroupWithTexts));

type Item =
  | { readonly kind: "receipt"; readonly item: ReceiptWithTexts }
  | { readonly kind: "group"; readonly item: SignedGroupWithTexts };

const receiptName = (item: ReceiptWithTexts) =>
  `${item.receipt.receipt.user}-${item.receipt.receipt.operator}-${item.receipt.receipt.nonce}.json`.toLowerCase();
const groupName = (item: SignedGroupWithTexts) =>
  `group-${item.group.operator}-${groupRoot(item.group.records)}.json`.toLowerCase();
const outboxName = (entry: Item) => (entry.kind === "receipt" ? receiptName(entry.item) : groupName(entry.item));

const groupBody = (item: SignedGroupWithTexts): string =>
  JSON.stringify(
    encodeGroupWire({
      group: item.group,
      texts: item.texts.map((t) => ({ request: bytesToHex(t.request), output: t.output })),
    }),
  );

/** The intake's `/groups` URL next to its `/receipts` URL. */
export const groupsUrlOf = (intakeUrl: string): string =>
  intakeUrl.endsWith("/receipts")
    ? `${intakeUrl.slice(0, -"/receipts".length)}/groups`
    : `${intakeUrl.replace(/\/$/, "")}/groups`;

/** Starts the publisher's fiber in the current scope. */
export const makeReceiptPublisher = (config: PublisherConfig): Effect.Effect<ReceiptPublisher, never, Scope.Scope> =>
  Effect.gen(function* () {
    const published = config.metrics.counter(
      "poa_operator_receipts_published_total",
      "Signed receipts handed to attributors, by route (gossip, intake, skipped) and result",
    );
    const log = config.log ?? (() => {});
    const queue = yield* Queue.unbounded<Item>();
    const outbox = config.outboxDir;
    /** Outbox files queued and not yet handled (so the sweep does not queue them twice). */
    const inFlight = new Set<string>();
    if (outbox !== undefined) mkdirSync(outbox, { recursive: true });
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

    const publishGroup = Effect.fn("Operator.publishGroup")(function* (item: SignedGroupWithTexts) {
      const id = `group ${groupRoot(item.group.records).slice(0, 10)}… (${item.group.records.length} records)`;
      const encoder = new TextEncoder();
      const stored = yield* Effect.forEach(
        item.texts.flatMap((t) => [t.request, encoder.encode(t.output)]),
        (bytes) => config.texts.put(bytes),
      ).pipe(Effect.result);
      if (stored._tag === "Failure") log(`${id}: texts not stored: ${stored.failure.message}`);
      const gossip = config.gossip;
      if (gossip !== undefined) {
        yield* gossip.publish(Topics.groups, item.group).pipe(
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => published.inc({ route: "gossip-group", result: "ok" })),
            onFailure: (e) =>
              Effect.sync(() => {
                published.inc({ route: "gossip-group", result: "error" });
                log(`${id}: gossip publish failed: ${e.message}`);
              }),
          }),
        );
      }
      let undelivered = 0;
      if (config.intakeUrls.length > 0) {
        const body = groupBody(item);
        yield* Effect.forEach(
          config.intakeUrls,
          (url) =>
            post(groupsUrlOf(url), body).pipe(
              Effect.matchEffect({
                onSuccess: () => Effect.sync(() => published.inc({ route: "intake-group", result: "ok" })),
                onFailure: (failure) =>
                  Effect.sync(() => {
                    if (failure.retryable) undelivered++;
                    published.inc({ route: "intake-group", result: failure.retryable ? "unreachable" : "refused" });
                    log(`${id}: ${failure.message}`);
                  }),
              }),
            ),
          { concurrency: "unbounded", discard: true },
        );
      }
      if (outbox !== undefined && undelivered === 0) rmSync(join(outbox, groupName(item)), { force: true });
    });

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
      let undelivered = 0;
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
                    if (failure.retryable) undelivered++;
                    published.inc({ route: "intake", result: failure.retryable ? "unreachable" : "refused" });
                    log(`receipt ${id}: ${failure.message}`);
                  }),
              }),
            ),
          { concurrency: "unbounded", discard: true },
        );
      }
      // every intake took or refused it: done; one that was unreachable gets it again from the outbox
      if (outbox !== undefined && undelivered === 0) rmSync(join(outbox, receiptName(item)), { force: true });
    });

    /** Queues every receipt in the outbox that is not queued yet. */
    const sweep = Effect.sync(() => {
      if (outbox === undefined) return;
      for (const name of readdirSync(outbox)) {
        if (!name.endsWith(".json") || inFlight.has(name)) continue;
        try {
          const text = readFileSync(join(outbox, name), "utf8");
          if (name.startsWith("group-")) {
            const wire = decodeGroupWire(text);
            inFlight.add(name);
            Queue.offerUnsafe(queue, {
              kind: "group",
              item: {
                group: wire.group,
                texts: wire.texts.map((t) => ({ request: hexToBytes(t.request as Hex), output: t.output })),
              },
            });
            continue;
          }
          const wire = decodeWire(text);
          inFlight.add(name);
          Queue.offerUnsafe(queue, {
            kind: "receipt",
            item: { receipt: wire.receipt, request: hexToBytes(wire.request as Hex), output: wire.output },
          });
        } catch (e) {
          log(`outbox ${name}: unreadable, skipped: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });

    yield* Effect.forkScoped(
      Effect.forever(
        Queue.take(queue).pipe(
          Effect.flatMap((item) =>
            (item.kind === "receipt" ? publishOne(item.item) : publishGroup(item.item)).pipe(
              Effect.ensuring(
                Effect.sync(() => {
                  handled++;
                  inFlight.delete(outboxName(item));
                }),
              ),
            ),
          ),
        ),
      ),
    );
    if (outbox !== undefined) {
      yield* Effect.forkScoped(
        sweep.pipe(Effect.repeat(Schedule.spaced(config.outboxRetryMs ?? 10_000)), Effect.delay("1 second")),
      );
    }
    const keep = (name: string, wire: string) => {
      if (outbox === undefined) return;
      try {
        writeFileSync(join(outbox, `${name}.tmp`), wire);
        renameSync(join(outbox, `${name}.tmp`), join(outbox, name));
        inFlight.add(name);
      } catch (e) {
        log(`${name}: not written to the outbox: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    return {
      offer: (receipt) => {
        offered++;
        if (outbox !== undefined && !isUnpaid(receipt.receipt)) {
          // on disk before the answer leaves: a kill -9 from here on loses nothing
          keep(
            receiptName(receipt),
            JSON.stringify(
              encodeWire({ receipt: receipt.receipt, request: bytesToHex(receipt.request), output: receipt.output }),
            ),
          );
        }
        Queue.offerUnsafe(queue, { kind: "receipt", item: receipt });
      },
      offerGroup: (group) => {
        offered++;
        keep(groupName(group), groupBody(group));
        Queue.offerUnsafe(queue, { kind: "group", item: group });
      },
      drained: Effect.suspend(() => {
        const target = offered;
        return Effect.sleep("20 millis").pipe(Effect.repeat({ until: () => handled >= target }), Effect.asVoid);
      }),
    } satisfies ReceiptPublisher;
  });
