/**
 * The intake's checks in worker threads (./verify-pool.ts) accept and refuse exactly the receipts the
 * main-thread path does, each refusal with the reason its fault calls for (the expected reasons below are
 * written from how each receipt was broken, not read from the code); every recovery a worker makes is
 * remembered by the process-wide cache, so the receipt is not recovered again on the main thread (σ, the
 * gossip validator) nor by a worker when it comes back.
 */

import type { Hex } from "viem";
import { privateKeyToAddress, signTypedData } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { cachedRecovery, jsRecovery, nativeRecovery } from "../identity/recover.ts";
import { attributionDomain, receiptDigest, receiptTypes, requestDigest, requestTypes } from "../protocol/receipt.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { VerifyPool } from "./verify-pool.ts";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = attributionDomain(31337, LEDGER);
const source = makeReceiptSource({
  chainId: 31337,
  ledger: LEDGER,
  modelId: 1n,
  operatorKey: ANVIL_KEYS[5],
  userKeys: [ANVIL_KEYS[1], ANVIL_KEYS[2]],
  fee: 10n,
});

/** A receipt broken in one way, with the reason the intake must give (undefined: sound). */
interface Case {
  readonly name: string;
  readonly sourced: SourcedReceipt;
  readonly reason: string | undefined;
}

const flipLastHex = (h: Hex): Hex => `${h.slice(0, -1)}${h.endsWith("0") ? "1" : "0"}` as Hex;

const cases = async (): Promise<ReadonlyArray<Case>> => {
  const fresh = (i: number) => source.answer(i, `question ${i}`, `answer ${i}`);
  const out: Case[] = [];
  for (let i = 0; i < 4; i++) out.push({ name: `sound ${i}`, sourced: await fresh(i), reason: undefined });
  const a = await fresh(10);
  // the user's signature by another key (a well-formed signature, the wrong signer)
  const otherUser = await signTypedData({
    privateKey: ANVIL_KEYS[3],
    domain,
    types: requestTypes,
    primaryType: "Request",
    message: a.receipt.request,
  });
  out.push({
    name: "user signed by another key",
    sourced: { ...a, receipt: { ...a.receipt, userSignature: otherUser } },
    reason: "user-signature",
  });
  const b = await fresh(11);
  const otherOperator = await signTypedData({
    privateKey: ANVIL_KEYS[4],
    domain,
    types: receiptTypes,
    primaryType: "Receipt",
    message: b.receipt.receipt,
  });
  out.push({
    name: "receipt signed by another operator key",
    sourced: { ...b, receipt: { ...b.receipt, operatorSignature: otherOperator } },
    reason: "operator-signature",
  });
  const c = await fresh(12);
  out.push({
    name: "malformed user signature (not 65 bytes)",
    sourced: { ...c, receipt: { ...c.receipt, userSignature: "0x1234" } },
    reason: "user-signature",
  });
  const d = await fresh(13);
  out.push({
    name: "receipt's nonce differs from the request's",
    sourced: {
      ...d,
      receipt: { ...d.receipt, receipt: { ...d.receipt.receipt, nonce: d.receipt.receipt.nonce + 1n } },
    },
    reason: "request-mismatch",
  });
  const e = await fresh(14);
  out.push({
    name: "fee above the user's max",
    sourced: { ...e, receipt: { ...e.receipt, receipt: { ...e.receipt.receipt, fee: e.receipt.request.maxFee + 1n } } },
    reason: "fee-above-max",
  });
  const f = await fresh(15);
  out.push({ name: "output not the one signed", sourced: { ...f, output: `${f.output}!` }, reason: "output-hash" });
  const g = await fresh(16);
  out.push({
    name: "request bytes not the ones signed",
    sourced: { ...g, request: flipLastHex(g.request) },
    reason: "request-hash",
  });
  const h = await fresh(17);
  out.push({ name: "request not hex", sourced: { ...h, request: "0xzz" as Hex }, reason: "request-hash" });
  const k = await fresh(18);
  out.push({
    name: "peer weights that do not sum to the scale",
    sourced: { ...k, receipt: { ...k.receipt, attribution: [{ contributionId: 1n, weight: 999_999 }] } },
    reason: "attribution-weights",
  });
  return out;
};

const reasons = (verdicts: ReadonlyArray<{ readonly ok: boolean; readonly reason?: string }>) =>
  verdicts.map((v) => (v.ok ? undefined : v.reason));

describe("intake checks in worker threads", () => {
  it("accept and refuse exactly what the main thread does, with the fault's reason, and recover once", async () => {
    const all = await cases();
    const inner = nativeRecovery ?? jsRecovery;
    const mainCache = cachedRecovery(inner, 1024);
    const inThread = new VerifyPool({ domain, threads: 0, recovery: mainCache });
    const workerCache = cachedRecovery(inner, 1024);
    const pool = new VerifyPool({ domain, threads: 2, chunk: 3, recovery: workerCache });
    await pool.ready;
    expect(pool.threads).toBe(2);
    try {
      const expected = all.map((c) => c.reason);
      const main = await Promise.all(all.map((c) => inThread.verify(c.sourced)));
      const workers = await Promise.all(all.map((c) => pool.verify(c.sourced)));
      expect(reasons(main)).toEqual(expected);
      expect(reasons(workers)).toEqual(expected);
      expect(pool.workerVerdicts).toBe(all.length);
      for (const [i, v] of workers.entries()) if (v.ok) expect(v.input).toBe(`question ${i}`);

      // the workers' recoveries are in the main thread's cache: σ / the gossip validator hit it
      const sound = all[0]!.sourced.receipt;
      const before = workerCache.stats();
      expect(await workerCache.recover(requestDigest(domain, sound.request), sound.userSignature)).toBe(
        privateKeyToAddress(ANVIL_KEYS[1]),
      );
      expect(await workerCache.recover(receiptDigest(domain, sound.receipt), sound.operatorSignature)).toBe(
        privateKeyToAddress(ANVIL_KEYS[5]),
      );
      expect(workerCache.stats().misses).toBe(before.misses);

      // the same receipts again: the workers are told what the cache holds and recover nothing
      const again = await Promise.all(all.map((c) => pool.verify(c.sourced)));
      expect(reasons(again)).toEqual(expected);
      for (const [i, v] of again.entries()) {
        if (all[i]!.reason === undefined) expect(v.recovered).toEqual([]);
      }
    } finally {
      await pool.close();
    }
  }, 30_000);

  it("answers every receipt in flight when it closes (the rest checked on the main thread)", async () => {
    const sourced = await Promise.all(Array.from({ length: 40 }, (_, i) => source.answer(100 + i, `q${i}`, `a${i}`)));
    const broken = sourced.map((s, i) => (i % 4 === 0 ? { ...s, output: `${s.output} (changed)` } : s));
    const pool = new VerifyPool({ domain, threads: 1, chunk: 4, recovery: cachedRecovery(jsRecovery, 1024) });
    await pool.ready;
    const pending = broken.map((s) => pool.verify(s));
    // let the first messages reach the worker, then close with receipts still queued or in flight
    await new Promise((resolve) => setImmediate(resolve));
    await pool.close();
    const verdicts = await Promise.all(pending);
    expect(reasons(verdicts)).toEqual(broken.map((_, i) => (i % 4 === 0 ? "output-hash" : undefined)));
  }, 30_000);
});
