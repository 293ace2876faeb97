/**
 * The evidence defender's DisputeOpened scan runs on every poll (250 ms in the multi-process e2e). While
 * the RPC was cut it logged `evidence disputes scan: UnknownError: An error occurred in Effect.tryPromise`
 * on every poll: the chain-head read was a bare `Effect.tryPromise`, whose error drops the cause. Now the
 * read fails with a ChainError that names the cause, and `scanWithBackoff` reports a failing scan once and
 * tries it again after a doubling pause (bounded), not on every poll.
 */
import { expect, it } from "@effect/vitest";
import { Effect, Logger, Option } from "effect";
import { TestClock } from "effect/testing";
import { createPublicClient, http } from "viem";
import { freePort } from "../chain/anvil.ts";
import { Chain, ChainError, localChain } from "../chain/Chain.ts";
import { chainHead, scanWithBackoff } from "./contract.ts";

/** Every warning and info line logged while `effect` runs. */
const capturing = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<{ readonly level: string; readonly message: string }> = [];
    const logger = Logger.make((options) => {
      const message = Array.isArray(options.message) ? options.message.join(" ") : String(options.message);
      lines.push({ level: options.logLevel, message });
    });
    const result = yield* effect.pipe(Effect.provide(Logger.layer([logger])));
    return { result, lines };
  });

it.effect("a failing scan is reported once and retried after a bounded, growing pause, not on every poll", () =>
  Effect.gen(function* () {
    const POLL_MS = 250;
    const backoff = { initialMs: 1_000, maxMs: 8_000 };
    let down = true;
    let error = "cannot read the chain head: HTTP request failed. (connect ECONNREFUSED 127.0.0.1:8545)";
    const attempts: number[] = [];
    let now = 0;
    const scan = Effect.suspend(() => {
      attempts.push(now);
      return down ? Effect.fail(new ChainError({ message: error })) : Effect.void;
    });
    const gated = scanWithBackoff("attributor: evidence disputes scan", scan, backoff);
    const ran: boolean[] = [];
    /** Polls for `ms` as the agent does: one step every POLL_MS. */
    const pollFor = (ms: number) =>
      Effect.gen(function* () {
        for (let t = 0; t < ms; t += POLL_MS) {
          ran.push(yield* gated);
          yield* TestClock.adjust(`${POLL_MS} millis`);
          now += POLL_MS;
        }
      });

    // 60 s of outage: 240 polls
    const outage = yield* capturing(pollFor(60_000));
    const warnings = outage.lines.filter((l) => l.level === "Warn");
    expect(warnings.length).toBe(1);
    expect(warnings[0]!.message).toContain("ECONNREFUSED");
    // tried at the first poll, then after pauses that grow to maxMs and never beyond it (plus one poll)
    expect(attempts[0]).toBe(0);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    for (const [i, gap] of gaps.entries()) {
      expect(gap).toBeGreaterThanOrEqual(i === 0 ? backoff.initialMs : gaps[i - 1]!);
      expect(gap).toBeLessThanOrEqual(backoff.maxMs + POLL_MS);
    }
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(backoff.maxMs);
    // a handful of tries instead of 240, and never a "success" while down
    expect(attempts.length).toBeLessThanOrEqual(Math.ceil(60_000 / backoff.maxMs) + 4);
    expect(ran.every((r) => !r)).toBe(true);

    // a different error is news: reported once more
    error = "cannot read the chain head: The request took too long to respond.";
    const changed = yield* capturing(pollFor(backoff.maxMs + POLL_MS));
    expect(changed.lines.filter((l) => l.level === "Warn").map((l) => l.message)).toEqual([
      expect.stringContaining("took too long"),
    ]);

    // the chain answers again: the next due try succeeds, says so once, and from then on every poll scans
    down = false;
    const before = attempts.length;
    const back = yield* capturing(pollFor(backoff.maxMs + 10 * POLL_MS));
    expect(back.lines.filter((l) => l.level === "Warn")).toEqual([]);
    expect(back.lines.filter((l) => l.message.includes("answers again")).length).toBe(1);
    const after = attempts.slice(before);
    const firstOk = ran.lastIndexOf(false) + 1;
    expect(ran.slice(firstOk).every((r) => r)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(10);
    expect(after.slice(2).every((t, i) => t - after[i + 1]! === POLL_MS)).toBe(true);
  }),
);

it.live("a chain read that cannot reach the RPC names its cause (it was `UnknownError` without one)", () =>
  Effect.gen(function* () {
    const port = yield* Effect.promise(freePort); // nothing listens there
    const rpcUrl = `http://127.0.0.1:${port}`;
    const chain = localChain(1, rpcUrl);
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl, { retryCount: 0 }) });
    const error = yield* chainHead.pipe(
      Effect.provideService(Chain, { rpcUrl, chainId: 1, publicClient, wallet: Option.none() }),
      Effect.flip,
    );
    expect(error._tag).toBe("ChainError");
    expect(error.message).toMatch(/^cannot read the chain head: HTTP request failed\. \(.*ECONNREFUSED/);
  }),
);
