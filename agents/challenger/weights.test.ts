/**
 * The challenger's weight check (./weights.ts) against an engine run done here: receipts signed by a
 * simulated user and operator, each Attribute built with weights this test computed with the fixture
 * engine (or tampered with), then judged by `checkClaimWeights` with the same engine and a text lookup.
 */
import { Effect, Option } from "effect";
import { hexToBytes } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { toAttributeTx } from "../attributor/attributor.ts";
import { type AttributionEngine, EngineError, WEIGHT_SCALE } from "../engines/engine.ts";
import { MetricsRegistry } from "../observability/metrics.ts";
import { healthOf, WEIGHT_DISAGREEMENTS_METRIC } from "../observability/server.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource, type SourcedReceipt } from "../receipts/source.ts";
import { encodeTx } from "../sigma/codec.ts";
import { checkClaimWeights, noTexts, type ReceiptTexts } from "./weights.ts";

const CONTRIBUTIONS = [11n, 12n, 13n, 14n, 15n, 16n];
const MODEL = 7n;
const engine = fixtureEngine(CONTRIBUTIONS, 3);
/** The same engine, refusing one model (as a resolver refuses a model it cannot serve). */
const pickyEngine: AttributionEngine<unknown> = {
  method: engine.method,
  attribute: (request) =>
    request.modelId === MODEL
      ? engine.attribute(request)
      : Effect.fail(new EngineError({ method: "suffix", message: `model ${request.modelId} is not served here` })),
};

const answered = async (n: number, modelId = MODEL): Promise<SourcedReceipt[]> => {
  const source = makeReceiptSource({
    chainId: 31337,
    ledger: "0x0000000000000000000000000000000000000abc",
    modelId,
    operatorKey: generatePrivateKey(),
    userKeys: [generatePrivateKey()],
    fee: 1_000n,
  });
  return Promise.all(
    Array.from({ length: n }, (_, i) => source.answer(i, `question ${i}`, `answer ${i} (${modelId})`)),
  );
};

/** A text store of these receipts: canonical request bytes and answers, by the hashes their receipts sign. */
const textsOf = (receipts: ReadonlyArray<SourcedReceipt>): ReceiptTexts => {
  const byOutput = new Map(receipts.map((r) => [r.receipt.receipt.outputHash.toLowerCase(), r] as const));
  return (receipt) => {
    const r = byOutput.get(receipt.receipt.outputHash.toLowerCase());
    return Effect.succeed(
      r === undefined ? Option.none() : Option.some({ request: hexToBytes(r.request), output: r.output }),
    );
  };
};

const attributeBytes = (r: SourcedReceipt, entries: ReadonlyArray<{ contributionId: bigint; weight: number }>) =>
  encodeTx(toAttributeTx({ ...r.receipt, attribution: entries }));

/** Moves one unit of weight from the first entry to another contribution: well formed, still sums to the scale. */
const tamper = (entries: ReadonlyArray<{ contributionId: bigint; weight: number }>) => {
  const [first, ...rest] = entries;
  if (first === undefined) throw new Error("no entries to tamper with");
  const other = CONTRIBUTIONS.find((id) => !entries.some((e) => e.contributionId === id))!;
  return [
    ...rest,
    { contributionId: first.contributionId, weight: first.weight - 1 },
    { contributionId: other, weight: 1 },
  ]
    .filter((e) => e.weight > 0)
    .sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1));
};

describe("checkClaimWeights", () => {
  it("agrees with the engine's own weights, flags tampered ones with the engine's, and says why it cannot check", async () => {
    const receipts = await answered(4);
    const other = (await answered(1, MODEL + 1n))[0]!;
    // the reference: an engine run done here, not by the code under test
    const reference = await Promise.all(
      [...receipts, other].map((r) =>
        Effect.runPromise(engine.attribute({ modelId: r.receipt.request.modelId, input: r.input, output: r.output })),
      ),
    );
    for (const a of reference) expect(a.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
    const tampered = tamper(reference[1]!.entries);
    const lookup = textsOf([...receipts, other]);
    const lying: ReceiptTexts = (receipt) =>
      receipt.receipt.outputHash.toLowerCase() === receipts[3]!.receipt.receipt.outputHash.toLowerCase()
        ? Effect.succeed(Option.some({ request: hexToBytes(receipts[3]!.request), output: "not the signed answer" }))
        : lookup(receipt);
    const settle = Uint8Array.from([0x02, ...new Uint8Array(36)]);
    const txs = [
      attributeBytes(receipts[0]!, reference[0]!.entries), // 0 agree
      attributeBytes(receipts[1]!, tampered), // 1 disagree
      settle, // 2 skipped (a Settle)
      attributeBytes(receipts[2]!, reference[2]!.entries), // 3 no texts (the lookup below misses it)
      Uint8Array.from([0x01, 0x00]), // 4 skipped (malformed)
      attributeBytes(receipts[3]!, reference[3]!.entries), // 5 bad texts
      attributeBytes(other, reference[4]!.entries), // 6 the engine refuses the model
    ];
    const missing = receipts[2]!.receipt.receipt.outputHash.toLowerCase();
    const texts: ReceiptTexts = (receipt) =>
      receipt.receipt.outputHash.toLowerCase() === missing ? Effect.succeed(Option.none()) : lying(receipt);
    const checks = await Effect.runPromise(checkClaimWeights({ referenceTime: 100n, txs }, pickyEngine, texts));
    expect(checks.map((c) => [c.txIndex, c.verdict])).toEqual([
      [0, "agree"],
      [1, "disagree"],
      [3, "no-texts"],
      [5, "bad-texts"],
      [6, "engine"],
    ]);
    const flagged = checks[1]!;
    expect(flagged.claimed).toEqual(tampered);
    expect(flagged.computed).toEqual(reference[1]!.entries);
    expect(flagged.user.toLowerCase()).toBe(receipts[1]!.receipt.request.user.toLowerCase());
    expect(flagged.nonce).toBe(receipts[1]!.receipt.request.nonce);
    expect(checks[4]!.reason).toMatch(/not served here/);
  });

  it("without texts every Attribute is `no-texts`, never a verdict on the weights", async () => {
    const receipts = await answered(2);
    const txs = receipts.map((r) => attributeBytes(r, [{ contributionId: 11n, weight: WEIGHT_SCALE }]));
    const checks = await Effect.runPromise(checkClaimWeights({ referenceTime: 1n, txs }, engine, noTexts));
    expect(checks.map((c) => c.verdict)).toEqual(["no-texts", "no-texts"]);
  });

  it("a recorded disagreement is a /health notice, not a degradation", () => {
    const registry = new MetricsRegistry();
    expect(healthOf(registry, {}, Date.now()).notices).toEqual([]);
    registry.gauge(WEIGHT_DISAGREEMENTS_METRIC, "").set({}, 2);
    const health = healthOf(registry, {}, Date.now());
    expect(health.status).toBe("ok");
    expect(health.notices).toEqual([expect.stringMatching(/^2 Attribute transactions carry weights/)]);
  });
});
