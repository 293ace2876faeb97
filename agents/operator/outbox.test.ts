/**
 * The publisher's outbox: a receipt is on disk before the answer leaves, stays there while no intake
 * has taken it, and a publisher started again on the same folder (an operator restarted after
 * `kill -9`) hands it over. Without the outbox the receipt of an answer already served is lost.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit, Scope } from "effect";
import { describe, expect, it } from "vitest";
import { freePort } from "../chain/anvil.ts";
import { memoryTextStore } from "../content/texts.ts";
import { MetricsRegistry } from "../observability/metrics.ts";
import { makeReceiptPublisher } from "./publish.ts";
import type { ReceiptWithTexts } from "./receipts.ts";

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const signature = `0x${"11".repeat(65)}` as const;

const item: ReceiptWithTexts = {
  receipt: {
    request: {
      user: address(0xa11ce),
      operator: address(0x0b),
      modelId: 7n,
      requestHash: hash(1),
      maxFee: 1000n,
      nonce: 3n,
      deadline: 2_000_000_000n,
    },
    userSignature: signature,
    receipt: {
      user: address(0xa11ce),
      operator: address(0x0b),
      attributor: address(0x0c),
      modelId: 7n,
      requestHash: hash(1),
      outputHash: hash(2),
      fee: 1000n,
      nonce: 3n,
      deadline: 2_000_000_000n,
    },
    operatorSignature: signature,
  },
  request: new Uint8Array([1, 2, 3]),
  output: "an answer",
};

/** An intake that records what it is sent. */
const recordingIntake = async (port: number) => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(202, { "content-type": "application/json" }).end('{"stored":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return { bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe("operator publisher outbox", () => {
  it("keeps a receipt no intake took, and a restarted publisher delivers it", async () => {
    const outboxDir = join(mkdtempSync(join(tmpdir(), "poa-outbox-")), "outbox");
    const port = await freePort();
    const intakeUrls = [`http://127.0.0.1:${port}/receipts`];

    // first life: the intake is down; the receipt is written, tried once, and left in the outbox
    const first = Effect.runSync(Scope.make());
    const publisher = await Effect.runPromise(
      Scope.provide(
        makeReceiptPublisher({
          intakeUrls,
          texts: memoryTextStore(),
          metrics: new MetricsRegistry(),
          attempts: 1,
          outboxDir,
        }),
        first,
      ),
    );
    publisher.offer(item);
    expect(readdirSync(outboxDir)).toHaveLength(1); // on disk as soon as it is offered
    await Effect.runPromise(publisher.drained);
    expect(readdirSync(outboxDir)).toHaveLength(1);
    await Effect.runPromise(Scope.close(first, Exit.void)); // the process dies

    // second life, the intake up: the outbox is swept and the receipt delivered, then removed
    const intake = await recordingIntake(port);
    const second = Effect.runSync(Scope.make());
    await Effect.runPromise(
      Scope.provide(
        makeReceiptPublisher({
          intakeUrls,
          texts: memoryTextStore(),
          metrics: new MetricsRegistry(),
          outboxDir,
          outboxRetryMs: 200,
        }),
        second,
      ),
    );
    const deadline = Date.now() + 10_000;
    while (intake.bodies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(intake.bodies).toHaveLength(1);
    const sent = JSON.parse(intake.bodies[0]!) as { receipt: { receipt: { nonce: string } }; output: string };
    expect(sent.output).toBe("an answer");
    expect(sent.receipt.receipt.nonce).toBe("3");
    while (readdirSync(outboxDir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(outboxDir)).toEqual([]);
    await Effect.runPromise(Scope.close(second, Exit.void));
    await intake.close();
    expect(existsSync(outboxDir)).toBe(true);
  }, 30_000);
});
