import { Effect, Fiber } from "effect";
import { hexToBytes, stringToBytes } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { memoryTextStore } from "../content/texts.ts";
import { Topics } from "../gossip/messages.ts";
import { startNodes } from "../gossip/testing.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { makeReceiptSource } from "./source.ts";
import { attributeGossipedReceipts } from "./texts.ts";

describe("attributeGossipedReceipts (the gossip route into an attributor)", () => {
  it("hands gossiped receipts to the intake with their texts fetched by hash; a receipt without texts is counted and skipped", async () => {
    const source = makeReceiptSource({
      chainId: 31337,
      ledger: "0x00000000000000000000000000000000000a11ce",
      modelId: 4n,
      operatorKey: generatePrivateKey(),
      userKeys: [generatePrivateKey()],
      fee: 5n,
    });
    const served = memoryTextStore();
    const [first, orphan, third] = await Promise.all([
      source.answer(0, "first question", "first answer"),
      source.answer(1, "nobody has my texts", "lost"),
      source.answer(2, "third question", "third answer"),
    ]);
    for (const r of [first!, third!]) {
      await Effect.runPromise(served.put(hexToBytes(r.request)));
      await Effect.runPromise(served.put(stringToBytes(r.output)));
    }
    const intake: SourcedReceipt[] = [];
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const [operator, attributor] = yield* startNodes(2, (i) => ({
            topics: [Topics.receipts],
            ...(i === 0 ? { textSource: served.lookup } : {}),
          }));
          const texts = memoryTextStore();
          const fiber = yield* Effect.forkScoped(
            attributeGossipedReceipts({ gossip: attributor!.gossip, texts, metrics: attributor!.metrics }, (sourced) =>
              Effect.sync(() => intake.push(sourced)),
            ),
          );
          yield* Effect.sleep("200 millis");
          for (const r of [first!, orphan!, first!, third!]) {
            yield* operator!.gossip.publish(Topics.receipts, r.receipt);
            yield* Effect.sleep("100 millis");
          }
          for (let i = 0; i < 100 && intake.length < 2; i++) yield* Effect.sleep("100 millis");
          yield* Effect.sleep("300 millis");
          const counter = attributor!.metrics.counter("poa_receipt_texts_total", "");
          expect(counter.get({ result: "ok" })).toBe(2);
          expect(counter.get({ result: "unavailable" })).toBe(1);
          yield* Fiber.interrupt(fiber);
        }),
      ),
    );
    expect(intake.map((s) => [s.input, s.output])).toEqual([
      ["first question", "first answer"],
      ["third question", "third answer"],
    ]);
    expect(intake[0]!.receipt.operatorSignature).toBe(first!.receipt.operatorSignature);
  }, 60_000);
});
