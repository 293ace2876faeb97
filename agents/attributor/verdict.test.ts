/**
 * The attributor's verdict on a receipt against σ itself, over random registry facts and reference
 * times: include exactly when σ says Valid; a dropped receipt is invalid at every later reference time
 * (even if every contribution still waiting were approved right away); a deferred one is valid at some
 * later reference time (once those contributions are approved).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AttributeTx, encodeTx } from "../sigma/codec.ts";
import { type RegistrySnapshot, registryView } from "../sigma/registry.ts";
import { applyTx, Ledger, Outcome, type SigmaContext } from "../sigma/sigma.ts";
import { accountOf, malleate, signAttribute, VECTOR_CONTEXT } from "../sigma/vectors.ts";
import { verdictOf } from "./verdict.ts";

const HORIZON = 24; // every timestamp below is in [0, HORIZON]
const SPLIT = { operatorBps: 2000, ownerBps: 1500, dataBps: 5000, attributorBps: 1000, protocolBps: 500 };

const signed = new Map<bigint, AttributeTx>();
const txWithDeadline = async (deadline: bigint): Promise<AttributeTx> => {
  const cached = signed.get(deadline);
  if (cached !== undefined) return cached;
  const tx = await signAttribute(VECTOR_CONTEXT, {
    user: "user",
    operator: "operator",
    attributor: "attributor",
    modelId: 1n,
    requestHash: `0x${"aa".repeat(32)}`,
    outputHash: `0x${"bb".repeat(32)}`,
    maxFee: 1_000n,
    fee: 1_000n,
    nonce: 0n,
    deadline,
    entries: [
      { contributionId: 1n, weight: 400_000 },
      { contributionId: 2n, weight: 600_000 },
    ],
  });
  signed.set(deadline, tx);
  return tx;
};

const time = fc.integer({ min: 0, max: HORIZON }).map(BigInt);
const maybeTime = fc.oneof(fc.constant(0n), time);
/** A registry fact pattern: ids may be unknown, windows may be empty, open or closed. */
const scenario = fc.record({
  t: time,
  deadline: time,
  modelKnown: fc.integer({ min: 0, max: 7 }).map((n) => n !== 0),
  registeredAt: time,
  retiredAfter: maybeTime,
  usesDatanet2: fc.boolean(),
  contributions: fc.tuple(
    ...[1, 2].map(() =>
      fc.record({
        known: fc.integer({ min: 0, max: 7 }).map((n) => n !== 0),
        datanet: fc.constantFrom(1n, 2n),
        approvedAt: maybeTime, // 0: pending (or rejected)
        withdrawnAfter: maybeTime,
      }),
    ),
  ),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

const snapshotOf = (s: Scenario, approvePendingAt?: bigint): RegistrySnapshot => ({
  models: s.modelKnown
    ? [
        {
          id: 1n,
          owner: accountOf("owner").address,
          split: SPLIT,
          registeredAt: s.registeredAt,
          retiredAt: s.retiredAfter === 0n ? 0n : s.registeredAt + s.retiredAfter,
          datanets: s.usesDatanet2 ? [1n, 2n] : [1n],
        },
      ]
    : [],
  contributions: s.contributions.flatMap((c, i) => {
    if (!c.known) return [];
    const approvedAt = c.approvedAt === 0n && approvePendingAt !== undefined ? approvePendingAt : c.approvedAt;
    return [
      {
        id: BigInt(i + 1),
        contributor: accountOf(`contributor-${i}`).address,
        datanetId: c.datanet,
        approvedAt,
        // only an approved contribution can be withdrawn
        withdrawnAt: c.approvedAt === 0n || c.withdrawnAfter === 0n ? 0n : c.approvedAt + c.withdrawnAfter,
      },
    ];
  }),
});

const outcomeAt = async (tx: AttributeTx, snapshot: RegistrySnapshot, referenceTime: bigint): Promise<Outcome> => {
  const ctx: SigmaContext = { ...VECTOR_CONTEXT, referenceTime };
  return (await applyTx(new Ledger(), ctx, registryView(snapshot), encodeTx(tx), 0)).outcome;
};

/** Every reference time after t where σ's answer may change (it is constant between them). */
const laterTimes = (s: RegistrySnapshot, t: bigint, deadline: bigint): bigint[] => {
  const points = new Set<bigint>([t + 1n, deadline, deadline + 1n]);
  for (const m of s.models) for (const x of [m.registeredAt, m.retiredAt]) points.add(x);
  for (const c of s.contributions) for (const x of [c.approvedAt, c.withdrawnAt]) points.add(x);
  return [...points].filter((x) => x > t);
};

describe("verdictOf", () => {
  it("includes exactly what σ accepts, drops only what σ never accepts later, defers only what it will", async () => {
    let defers = 0;
    let drops = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const tx = await txWithDeadline(s.deadline);
        const facts = snapshotOf(s);
        const ctx: SigmaContext = { ...VECTOR_CONTEXT, referenceTime: s.t };
        const outcome = await outcomeAt(tx, facts, s.t);
        const verdict = verdictOf(outcome, tx, ctx, registryView(facts));
        expect(verdict.kind === "include").toBe(outcome === Outcome.Valid);
        if (verdict.kind === "include") return;
        // the most permissive future: every pending contribution approved right after t
        const future = snapshotOf(s, s.t + 1n);
        const later = await Promise.all(laterTimes(future, s.t, s.deadline).map((t2) => outcomeAt(tx, future, t2)));
        const validLater = later.includes(Outcome.Valid);
        if (verdict.kind === "defer") defers++;
        else drops++;
        expect(validLater).toBe(verdict.kind === "defer");
      }),
      { seed: 0x5eed, numRuns: 400 },
    );
    // the generator reaches both branches often
    expect(defers).toBeGreaterThanOrEqual(10);
    expect(drops).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it("drops signature, fee, deadline and entry failures for good", async () => {
    const tx = await txWithDeadline(10n);
    const snapshot = snapshotOf({
      t: 5n,
      deadline: 10n,
      modelKnown: true,
      registeredAt: 8n, // after t = 5, before the deadline: deferred if nothing else were wrong
      retiredAfter: 0n,
      usesDatanet2: true,
      contributions: [
        { known: true, datanet: 1n, approvedAt: 1n, withdrawnAfter: 0n },
        { known: true, datanet: 2n, approvedAt: 1n, withdrawnAfter: 0n },
      ],
    });
    const facts = registryView(snapshot);
    const cases: Array<[AttributeTx, bigint, string]> = [
      [{ ...tx, userSignature: malleate(tx.userSignature) }, 5n, "bad-user-signature"],
      [{ ...tx, operatorSignature: malleate(tx.operatorSignature) }, 5n, "bad-operator-signature"],
      [{ ...tx, fee: tx.maxFee + 1n }, 5n, "fee-above-max"],
      [tx, 11n, "expired"],
      [{ ...tx, entries: [{ contributionId: 1n, weight: 1 }] }, 5n, "bad-entries"],
    ];
    for (const [bad, t, reason] of cases) {
      const outcome = await outcomeAt(bad, snapshot, t);
      expect(verdictOf(outcome, bad, { ...VECTOR_CONTEXT, referenceTime: t }, facts)).toEqual({
        kind: "drop",
        reason,
      });
    }
    // and the same receipt, signed right, waits for the model's registration
    const outcome = await outcomeAt(tx, snapshot, 5n);
    expect(outcome).toBe(Outcome.BadModel);
    expect(verdictOf(outcome, tx, { ...VECTOR_CONTEXT, referenceTime: 5n }, facts)).toEqual({
      kind: "defer",
      reason: "model-registered-later",
    });
  });
});
