/**
 * Issue 19's compact calldata (Authorize 0x03, receipt groups 0x04, group records 0x05), against
 * independent implementations of the same bytes and rules:
 * - the codec against viem's `encodePacked` (the spec's layouts written by another tool), its group root
 *   against a recursive Merkle root, its digests against viem's `hashTypedData`; round trips (bytes and the
 *   JSON Schemas) and malformed input, which fails with a typed MalformedTransaction naming the tx;
 * - the committed vectors (test/vectors/compact.json, also read by forge) replayed by the fast σ and by the
 *   reference σ (./reference/sigma.ts decodes the new kinds itself, with viem);
 * - the fast σ against the reference σ on random batches mixing 0x01, 0x03, 0x05 and Settles;
 * - brute force: a 0x05 record pays every account exactly what the equivalent 0x01 pays.
 */
import { readFileSync } from "node:fs";
import { Effect, Exit, Schema } from "effect";
import fc from "fast-check";
import {
  type Address,
  concatBytes,
  decodeAbiParameters,
  encodePacked,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBytes,
  keccak256,
  toHex,
} from "viem";
import { describe, expect, it } from "vitest";
import {
  allowanceDigest,
  allowanceTypes,
  attributionDomain,
  receiptGroupDigest,
  receiptGroupTypes,
} from "../protocol/receipt.ts";
import {
  type AuthorizeTx,
  AuthorizeTxSchema,
  type BatchItem,
  claimTransactions,
  decodeBatch,
  decodeTx,
  encodeBatch,
  encodeGroup,
  encodeRecord,
  encodeTx,
  type GroupRecord,
  groupRoot,
  groupTransactions,
  ioHashOf,
  MalformedTransaction,
  type ReceiptGroup,
  ReceiptGroupSchema,
  splitBatch,
  splitBatchEffect,
  txLeaf,
  txRoot,
  verifyTxProof,
} from "./codec.ts";
import { COMPACT_VECTORS_PATH, signAuthorize, signGroup } from "./compact-vectors.ts";
import * as reference from "./reference/sigma.ts";
import { decodeRegistry, registryView } from "./registry.ts";
import {
  allowanceKey,
  applyBatch,
  applyTx,
  commitment,
  Ledger,
  nonceWindowKey,
  Outcome,
  type SigmaContext,
} from "./sigma.ts";
import {
  accountOf,
  LIVE_DATANET1,
  malleate,
  prng,
  randomEntries,
  STEPS_ABI,
  signAttribute,
  VECTOR_CONTEXT,
  vectorRegistry,
} from "./vectors.ts";

const SEED = 0x1905;
const addressArb = fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }).map((n) => getAddress(toHex(n, { size: 20 })));
const bytesArb = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
const uintArb = (bytes: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(8 * bytes)) - 1n });
const recordArb: fc.Arbitrary<GroupRecord> = fc.record({
  user: addressArb,
  modelId: uintArb(8),
  ioHash: bytesArb(32),
  fee: uintArb(12),
  nonce: uintArb(8),
  entries: fc.array(fc.record({ contributionId: uintArb(4), weight: fc.integer({ min: 0, max: 0xffffff }) }), {
    maxLength: 12,
  }),
});
const authorizeArb: fc.Arbitrary<AuthorizeTx> = fc.record({
  kind: fc.constant("authorize" as const),
  user: addressArb,
  operator: addressArb,
  cap: uintArb(12),
  nonce: uintArb(8),
  expiry: uintArb(8),
  userSignature: bytesArb(65),
});
const groupArb: fc.Arbitrary<ReceiptGroup> = fc.record({
  kind: fc.constant("group" as const),
  operator: addressArb,
  attributor: addressArb,
  operatorSignature: bytesArb(65),
  records: fc.array(recordArb, { minLength: 1, maxLength: 9 }),
});

/** The spec's record layout, written by viem's encodePacked. */
const packedRecord = (r: GroupRecord): Hex =>
  encodePacked(
    ["address", "uint64", "bytes32", "uint96", "uint64", "uint8", ...r.entries.flatMap(() => ["uint32", "uint24"])],
    [
      r.user,
      r.modelId,
      r.ioHash,
      r.fee,
      r.nonce,
      r.entries.length,
      ...r.entries.flatMap((e) => [Number(e.contributionId), e.weight]),
    ] as never,
  );

/** A padded binary Merkle root, recursively (the tx tree's rule, §5). */
const merkle = (leaves: ReadonlyArray<Hex>): Hex => {
  let width = 1;
  while (width < leaves.length) width *= 2;
  const node = (from: number, size: number): Hex => {
    if (size === 1) return leaves[from] ?? `0x${"00".repeat(32)}`;
    return keccak256(concatBytes([hexToBytes(node(from, size / 2)), hexToBytes(node(from + size / 2, size / 2))]));
  };
  return node(0, width);
};

describe("codec: the new kinds' bytes", () => {
  it("Authorize is the spec's 134 bytes and decodes back", () => {
    fc.assert(
      fc.property(authorizeArb, (tx) => {
        const bytes = encodeTx(tx);
        expect(toHex(bytes)).toBe(
          encodePacked(
            ["uint8", "address", "address", "uint96", "uint64", "uint64", "bytes"],
            [3, tx.user, tx.operator, tx.cap, tx.nonce, tx.expiry, tx.userSignature],
          ),
        );
        expect(bytes.length).toBe(134);
        expect(decodeTx(bytes)).toEqual(tx);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("a group is 0x04 ‖ header ‖ records, each record one 0x05 transaction over the group's Merkle root", () => {
    fc.assert(
      fc.property(groupArb, (group) => {
        const records = group.records.map(packedRecord);
        const root = merkle(records.map((r) => keccak256(r)));
        expect(groupRoot(group.records)).toBe(root);
        const header = encodePacked(
          ["uint8", "address", "address", "uint16", "bytes"],
          [4, group.operator, group.attributor, group.records.length, group.operatorSignature],
        );
        const bytes = encodeGroup(group);
        expect(toHex(bytes)).toBe(toHex(concatBytes([hexToBytes(header), ...records.map((r) => hexToBytes(r))])));
        const txs = splitBatch(bytes);
        expect(txs.length).toBe(group.records.length);
        txs.forEach((tx, i) => {
          expect(toHex(tx)).toBe(
            encodePacked(
              ["uint8", "address", "address", "bytes32", "uint16", "bytes", "bytes"],
              [5, group.operator, group.attributor, root, group.records.length, group.operatorSignature, records[i]!],
            ),
          );
          expect(tx.length).toBe(221 + 7 * group.records[i]!.entries.length);
          const decoded = decodeTx(tx, i);
          expect(decoded).toEqual(groupTransactions(group)[i]);
          expect(encodeTx(decoded)).toEqual(tx);
        });
        expect(toHex(encodeRecord(group.records[0]!))).toBe(records[0]);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("a batch of mixed items decodes to the same items and expands to T in order", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(authorizeArb, groupArb), { minLength: 1, maxLength: 6 }), (items) => {
        const batch = encodeBatch(items);
        const decoded = decodeBatch(batch);
        expect(decoded.length).toBe(items.length);
        let first = 0;
        decoded.forEach((item, i) => {
          const original = items[i]!;
          if (item.kind === "group") {
            const { groupRoot: root, firstTx, ...group } = item;
            expect(group).toEqual(original);
            expect(firstTx).toBe(first);
            expect(root).toBe(groupRoot(item.records));
            first += item.records.length;
          } else {
            expect(item).toEqual(original);
            first++;
          }
        });
        expect(encodeBatch(decoded.map((item) => (item.kind === "group" ? { ...item } : item)))).toEqual(batch);
        const expected = items.flatMap((item) =>
          item.kind === "group" ? groupTransactions(item).map((tx) => encodeTx(tx)) : [encodeTx(item)],
        );
        expect(splitBatch(batch)).toEqual(expected);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("ioHash = H(requestHash ‖ outputHash)", () => {
    const a = toHex(1n, { size: 32 });
    const b = toHex(2n, { size: 32 });
    expect(ioHashOf(a, b)).toBe(keccak256(`0x${a.slice(2)}${b.slice(2)}`));
  });

  it("the JSON Schemas round-trip and refuse what does not fit the wire", () => {
    fc.assert(
      fc.property(authorizeArb, groupArb, (auth, group) => {
        const authJson = Schema.encodeSync(AuthorizeTxSchema)(auth);
        expect(JSON.parse(JSON.stringify(authJson)).cap).toBe(auth.cap.toString());
        expect(Schema.decodeUnknownSync(AuthorizeTxSchema)(JSON.parse(JSON.stringify(authJson)))).toEqual(auth);
        const groupJson = JSON.parse(JSON.stringify(Schema.encodeSync(ReceiptGroupSchema)(group)));
        expect(Schema.decodeUnknownSync(ReceiptGroupSchema)(groupJson)).toEqual(group);
      }),
      { seed: SEED, numRuns: 30 },
    );
    const decodeAuth = Schema.decodeUnknownExit(AuthorizeTxSchema);
    const good = {
      kind: "authorize",
      user: accountOf("a").address,
      operator: accountOf("b").address,
      cap: "1",
      nonce: "0",
      expiry: "10",
      userSignature: `0x${"11".repeat(65)}`,
    };
    expect(Exit.isSuccess(decodeAuth(good))).toBe(true);
    expect(Exit.isFailure(decodeAuth({ ...good, cap: (1n << 96n).toString() }))).toBe(true);
    expect(Exit.isFailure(decodeAuth({ ...good, expiry: "-1" }))).toBe(true);
    expect(Exit.isFailure(decodeAuth({ ...good, userSignature: "0x11" }))).toBe(true);
    const decodeGroup = Schema.decodeUnknownExit(ReceiptGroupSchema);
    const record = {
      user: good.user,
      modelId: "1",
      ioHash: `0x${"22".repeat(32)}`,
      fee: "5",
      nonce: "3",
      entries: [{ contributionId: "7", weight: 1_000_000 }],
    };
    const groupJson = {
      kind: "group",
      operator: good.operator,
      attributor: good.user,
      operatorSignature: good.userSignature,
      records: [record],
    };
    expect(Exit.isSuccess(decodeGroup(groupJson))).toBe(true);
    expect(Exit.isFailure(decodeGroup({ ...groupJson, records: [] }))).toBe(true);
    expect(
      Exit.isFailure(
        decodeGroup({ ...groupJson, records: [{ ...record, entries: [{ contributionId: "4294967296", weight: 1 }] }] }),
      ),
    ).toBe(true);
    expect(Exit.isFailure(decodeGroup({ ...groupJson, records: [{ ...record, weight: 1 << 24 }] }))).toBe(false);
    expect(
      Exit.isFailure(
        decodeGroup({ ...groupJson, records: [{ ...record, entries: [{ contributionId: "1", weight: 1 << 24 }] }] }),
      ),
    ).toBe(true);
  });
});

describe("codec: malformed input fails typed, naming the transaction", () => {
  const group: ReceiptGroup = {
    kind: "group",
    operator: accountOf("op").address,
    attributor: accountOf("at").address,
    operatorSignature: `0x${"33".repeat(65)}`,
    records: [0, 1, 2].map((i) => ({
      user: accountOf(`u${i}`).address,
      modelId: 1n,
      ioHash: toHex(BigInt(i), { size: 32 }),
      fee: 10n,
      nonce: BigInt(i),
      entries: [{ contributionId: 1n, weight: 1_000_000 }],
    })),
  };
  const auth: AuthorizeTx = {
    kind: "authorize",
    user: accountOf("u").address,
    operator: group.operator,
    cap: 1n,
    nonce: 0n,
    expiry: 1n,
    userSignature: group.operatorSignature,
  };
  const malformedAt = (f: () => unknown): number => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedTransaction);
      return (error as MalformedTransaction).index;
    }
    throw new Error("did not throw");
  };

  it("splitBatch refuses m = 0, truncated headers and records, and kinds that are not batch items", () => {
    const a = encodeTx(auth);
    const g = encodeGroup(group);
    const empty = g.slice(0, 108);
    empty[41] = 0;
    empty[42] = 0;
    expect(malformedAt(() => splitBatch(concatBytes([a, empty])))).toBe(1);
    expect(malformedAt(() => splitBatch(concatBytes([a, a, g.slice(0, 107)])))).toBe(2);
    expect(malformedAt(() => splitBatch(concatBytes([a, g.slice(0, g.length - 1)])))).toBe(3);
    expect(malformedAt(() => splitBatch(concatBytes([g, a.slice(0, 100)])))).toBe(3);
    expect(malformedAt(() => splitBatch(concatBytes([a, splitBatch(g)[0]!])))).toBe(1);
    expect(malformedAt(() => splitBatch(concatBytes([g, Uint8Array.of(2)])))).toBe(3);
    expect(() => splitBatch(concatBytes([g, Uint8Array.of(9)]))).toThrow(/transaction 3 is malformed/);
  });

  it("splitBatchEffect fails with the tagged error", () => {
    const exit = Effect.runSyncExit(
      splitBatchEffect(encodeGroup(group).slice(0, 150)).pipe(
        Effect.catchTag("MalformedTransaction", (e) => Effect.succeed(`caught ${e.index}`)),
      ),
    );
    expect(exit).toEqual(Exit.succeed("caught 0"));
  });

  it("decodeTx refuses wrong lengths; encoders refuse values that do not fit", () => {
    const a = encodeTx(auth);
    const r = splitBatch(encodeGroup(group))[1]!;
    expect(malformedAt(() => decodeTx(a.slice(0, 133), 7))).toBe(7);
    expect(malformedAt(() => decodeTx(concatBytes([a, Uint8Array.of(0)]), 7))).toBe(7);
    expect(malformedAt(() => decodeTx(r.slice(0, r.length - 1), 4))).toBe(4);
    expect(malformedAt(() => decodeTx(r.slice(0, 140), 4))).toBe(4);
    expect(malformedAt(() => decodeTx(Uint8Array.of(4, ...new Uint8Array(107)), 2))).toBe(2);
    expect(malformedAt(() => encodeTx({ ...auth, cap: 1n << 96n }, 5))).toBe(5);
    expect(malformedAt(() => encodeTx({ ...auth, expiry: -1n }, 5))).toBe(5);
    const big = { ...group.records[0]!, entries: [{ contributionId: 1n << 32n, weight: 1 }] };
    expect(malformedAt(() => encodeBatch([auth, { ...group, records: [group.records[0]!, big] }]))).toBe(2);
    expect(malformedAt(() => encodeBatch([auth, { ...group, records: [] }]))).toBe(1);
  });
});

describe("allowanceKey", () => {
  it("equals the reference's (viem's encodeAbiParameters) and differs from the window key", () => {
    fc.assert(
      fc.property(addressArb, addressArb, (user, operator) => {
        expect(allowanceKey(user, operator)).toBe(reference.allowanceKey(user, operator));
        expect(allowanceKey(user, operator)).not.toBe(nonceWindowKey(user, operator));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("EIP-712: Allowance and ReceiptGroup digests", () => {
  it("equal viem's hashTypedData", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        addressArb,
        authorizeArb,
        groupArb,
        (chainId, ledger, auth, group) => {
          const domain = attributionDomain(chainId, ledger);
          const allowance = {
            user: auth.user,
            operator: auth.operator,
            cap: auth.cap,
            nonce: auth.nonce,
            expiry: auth.expiry,
          };
          expect(allowanceDigest(domain, allowance)).toBe(
            hashTypedData({ domain, types: allowanceTypes, primaryType: "Allowance", message: allowance }),
          );
          const message = {
            operator: group.operator,
            attributor: group.attributor,
            root: group.records[0]!.ioHash,
            count: 7n,
          };
          expect(receiptGroupDigest(domain, message)).toBe(
            hashTypedData({ domain, types: receiptGroupTypes, primaryType: "ReceiptGroup", message }),
          );
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});

const HexString = Schema.String.pipe(Schema.check(Schema.isPattern(/^0x[0-9a-fA-F]*$/)));
const StateJson = Schema.Struct({ commitment: HexString });
const CompactJson = Schema.Struct({
  context: Schema.Struct({ chainId: Schema.Number, ledger: HexString, protocol: HexString, maxEntries: Schema.Number }),
  registry: HexString,
  batchCount: Schema.Number,
  batches: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      referenceTime: Schema.Number,
      batch: HexString,
      batchTxCount: Schema.Number,
      debitPayers: Schema.Array(HexString),
      debitAmounts: Schema.Array(Schema.String),
      txCount: Schema.Number,
      txRoot: HexString,
      txLeaves: Schema.Array(HexString),
      groupRoots: Schema.Array(HexString),
      groupFirstTx: Schema.Array(Schema.Number),
      groupCounts: Schema.Array(Schema.Number),
      pre: StateJson,
      post: StateJson,
      outcomes: Schema.Array(Schema.Number),
      steps: HexString,
    }),
  ),
  malformedBatches: Schema.Array(Schema.Struct({ name: Schema.String, batch: HexString, txIndex: Schema.Number })),
  malformedTxs: Schema.Array(Schema.Struct({ name: Schema.String, tx: HexString })),
});

describe("compact.json (shared with forge)", () => {
  const vectors = Schema.decodeUnknownSync(CompactJson)(JSON.parse(readFileSync(COMPACT_VECTORS_PATH, "utf8")));
  const registry = registryView(decodeRegistry(vectors.registry as Hex));
  const base = {
    chainId: vectors.context.chainId,
    ledger: vectors.context.ledger as Address,
    protocol: vectors.context.protocol as Address,
    maxEntries: vectors.context.maxEntries,
  };

  it("the fast and the reference σ reproduce every step, from the batch calldata alone", async () => {
    const fast = new Ledger();
    const slow = new reference.Ledger();
    const seen = new Set<number>();
    for (const batch of vectors.batches) {
      const ctx: SigmaContext = { ...base, referenceTime: BigInt(batch.referenceTime) };
      const debits = batch.debitPayers.map((payer, i) => ({
        payer: payer as Address,
        amount: BigInt(batch.debitAmounts[i]!),
      }));
      const txs = claimTransactions(hexToBytes(batch.batch as Hex), debits);
      expect(txs.length).toBe(batch.txCount);
      expect(txRoot(txs)).toBe(batch.txRoot);
      expect(txs.map((tx) => toHex(txLeaf(tx)))).toEqual(batch.txLeaves);
      const groups = decodeBatch(hexToBytes(batch.batch as Hex)).filter((item) => item.kind === "group");
      expect(groups.map((g) => g.groupRoot)).toEqual(batch.groupRoots);
      expect(groups.map((g) => g.firstTx)).toEqual(batch.groupFirstTx);
      expect(groups.map((g) => g.records.length)).toEqual(batch.groupCounts);
      const [steps] = decodeAbiParameters(STEPS_ABI, batch.steps as Hex);
      expect(steps.txs).toEqual(txs.map((tx) => toHex(tx)));
      expect(commitment(fast.state)).toBe(batch.pre.commitment);
      const result = await applyBatch(fast, ctx, registry, txs);
      const again = await reference.applyBatch(slow, ctx, registry, txs);
      result.steps.forEach((step, i) => {
        const label = `${batch.name} step ${i}`;
        expect(step.outcome, label).toBe(steps.outcomes[i]);
        expect(step.witnesses, label).toBe(steps.witnesses[i]);
        expect(commitment(step.post), label).toBe(steps.commitments[i]);
        expect(verifyTxProof(batch.txRoot as Hex, txs[i]!, i, steps.txProofs[i]!), label).toBe(true);
        expect(again.steps[i]!.outcome, label).toBe(step.outcome);
        expect(again.steps[i]!.witnesses, label).toBe(step.witnesses);
        seen.add(step.outcome);
      });
      expect(commitment(result.post)).toBe(batch.post.commitment);
      expect(result.steps.map((s) => s.outcome)).toEqual(batch.outcomes);
    }
    // the outcomes a 0x03 / 0x05 can have, and Settle's two
    for (const o of [
      Outcome.Valid,
      Outcome.TooManyEntries,
      Outcome.BadEntries,
      Outcome.Expired,
      Outcome.BadUserSignature,
      Outcome.BadOperatorSignature,
      Outcome.BadModel,
      Outcome.BadContribution,
      Outcome.Replay,
      Outcome.SettleMismatch,
      Outcome.BadAttributor,
      Outcome.NoAllowance,
    ]) {
      expect(seen.has(o), `outcome ${o}`).toBe(true);
    }
  });

  it("every malformed batch fails at the named tx index; every malformed σ transaction throws", async () => {
    for (const c of vectors.malformedBatches) {
      let index = -1;
      try {
        splitBatch(hexToBytes(c.batch as Hex));
      } catch (error) {
        if (error instanceof MalformedTransaction) index = error.index;
      }
      expect(index, c.name).toBe(c.txIndex);
    }
    for (const c of vectors.malformedTxs) {
      const ctx = { ...base, referenceTime: 1_000n };
      await expect(applyTx(new Ledger(), ctx, registry, hexToBytes(c.tx as Hex), 3), c.name).rejects.toThrow(
        MalformedTransaction,
      );
      await expect(
        reference.applyTx(new reference.Ledger(), ctx, registry, hexToBytes(c.tx as Hex), 3),
        c.name,
      ).rejects.toThrow(MalformedTransaction);
    }
  });
});

const registry = registryView(vectorRegistry());
const LIVE = LIVE_DATANET1.filter((id) => id <= 24n);

describe("fast σ = reference σ on random mixed batches (0x01, 0x03, 0x05, Settle)", () => {
  it("step by step: outcomes, witnesses, states", async () => {
    const rng = prng(SEED);
    const ctx = VECTOR_CONTEXT;
    const users = ["mu-0", "mu-1", "mu-2"];
    const operators = ["operator-0", "operator-1"];
    const pick = <T>(xs: ReadonlyArray<T>): T => xs[rng.below(xs.length)]!;
    const nonces = new Map<string, bigint>();
    const nonce = (user: string, operator: string) => {
      // mostly fresh, sometimes a replay of the last one
      const key = `${user}|${operator}`;
      const n = nonces.get(key) ?? 0n;
      if (n > 0n && rng.below(8) === 0) return n - 1n;
      nonces.set(key, n + 1n);
      return n;
    };
    const fast = new Ledger();
    const slow = new reference.Ledger();
    for (let round = 0; round < 3; round++) {
      const items: BatchItem[] = [];
      for (let i = 0; i < 10; i++) {
        const user = pick(users);
        const operator = pick(operators);
        const kind = rng.below(4);
        if (kind === 0) {
          const tx = await signAuthorize(ctx, {
            user,
            operator,
            cap: BigInt(rng.below(4_000_000)),
            nonce: nonce(user, operator),
            expiry: ctx.referenceTime - 2n + BigInt(rng.below(6)),
          });
          items.push(rng.below(6) === 0 ? { ...tx, userSignature: malleate(tx.userSignature) } : tx);
        } else if (kind === 1) {
          const fee = BigInt(rng.below(3) === 0 ? 0 : 1 + rng.below(1_000_000));
          items.push(
            await signAttribute(ctx, {
              user,
              operator,
              attributor: "attributor-0",
              modelId: pick([1n, 4n, 7n]),
              requestHash: toHex(rng.big(256), { size: 32 }),
              outputHash: toHex(rng.big(256), { size: 32 }),
              maxFee: fee,
              fee,
              nonce: nonce(user, operator),
              deadline: ctx.referenceTime + 10n,
              entries: randomEntries(rng, LIVE, rng.below(9)),
            }),
          );
        } else {
          const records: GroupRecord[] = [];
          const m = 1 + rng.below(5);
          for (let j = 0; j < m; j++) {
            const u = pick(users);
            records.push({
              user: accountOf(u).address,
              modelId: pick([1n, 4n, 7n, 99n]),
              ioHash: toHex(rng.big(256), { size: 32 }),
              fee: BigInt(rng.below(3) === 0 ? 0 : 1 + rng.below(1_500_000)),
              nonce: nonce(u, operator),
              entries: randomEntries(rng, LIVE, rng.below(10)),
            });
          }
          const signer = rng.below(8) === 0 ? "stranger" : undefined;
          items.push(await signGroup(ctx, { operator, attributor: pick(["attributor-0", "mu-0"]), records }, signer));
        }
      }
      const batch = encodeBatch(items);
      const probe = fast.clone();
      await applyBatch(probe, ctx, registry, splitBatch(batch));
      const debits = probe.tree
        .accounts()
        .filter(([, leaf]) => leaf.charged > 0n)
        .map(([payer, leaf], i) => ({ payer, amount: leaf.charged + (i === 0 ? 1n : 0n) }))
        .sort((a, b) => (BigInt(a.payer) < BigInt(b.payer) ? -1 : 1));
      const txs = claimTransactions(batch, debits);
      const a = await applyBatch(fast, ctx, registry, txs);
      const b = await reference.applyBatch(slow, ctx, registry, txs);
      expect(a.steps.length).toBe(txs.length);
      a.steps.forEach((step, i) => {
        const other = b.steps[i]!;
        expect(step.outcome, `round ${round} step ${i}`).toBe(other.outcome);
        expect(step.witnesses, `round ${round} step ${i}`).toBe(other.witnesses);
        expect(commitment(step.post), `round ${round} step ${i}`).toBe(reference.commitment(other.post));
      });
    }
  }, 120_000);
});

describe("brute force: a 0x05 record pays what the equivalent 0x01 pays", () => {
  it("same leaves for every account and the same totals", async () => {
    const rng = prng(SEED + 1);
    const ctx = VECTOR_CONTEXT;
    for (let trial = 0; trial < 12; trial++) {
      const modelId = [1n, 4n, 7n][trial % 3]!;
      const fee = trial === 0 ? 0n : trial === 1 ? (1n << 96n) - 1n : rng.big(1 + rng.below(90));
      const entries = randomEntries(rng, LIVE, rng.below(9));
      const operator = trial % 4 === 0 ? "owner-1" : "operator-0"; // the operator may own the model
      const attributor = ["attributor-0", "tu-0", operator][trial % 3]!;
      const single = await signAttribute(ctx, {
        user: "tu-0",
        operator,
        attributor,
        modelId,
        requestHash: toHex(rng.big(256), { size: 32 }),
        outputHash: toHex(rng.big(256), { size: 32 }),
        maxFee: fee,
        fee,
        nonce: 0n,
        deadline: ctx.referenceTime,
        entries,
      });
      const viaAttribute = new Ledger();
      const one = await applyTx(viaAttribute, ctx, registry, encodeTx(single), 0);
      expect(one.outcome).toBe(Outcome.Valid);

      const viaGroup = new Ledger();
      const auth = await signAuthorize(ctx, { user: "tu-0", operator, cap: fee, nonce: 0n, expiry: ctx.referenceTime });
      expect((await applyTx(viaGroup, ctx, registry, encodeTx(auth), 0)).outcome).toBe(Outcome.Valid);
      const group = await signGroup(ctx, {
        operator,
        attributor,
        records: [
          {
            user: accountOf("tu-0").address,
            modelId,
            ioHash: ioHashOf(single.requestHash, single.outputHash),
            fee,
            nonce: 1n,
            entries,
          },
        ],
      });
      const [recordTx] = splitBatch(encodeBatch([group]));
      expect((await applyTx(viaGroup, ctx, registry, recordTx!, 1)).outcome).toBe(Outcome.Valid);

      // every account's money words (the window and the allowance leaves hold none)
      const money = (ledger: Ledger) =>
        new Map(
          ledger.tree
            .accounts()
            .filter(([, leaf]) => leaf.earned > 0n || leaf.charged > 0n)
            .map(([a, l]) => [a.toLowerCase(), [l.earned, l.charged]]),
        );
      expect(money(viaGroup)).toEqual(money(viaAttribute));
      if (fee > 10_000n) expect(money(viaGroup).size).toBeGreaterThan(2);
      expect(viaGroup.totalCredited).toBe(viaAttribute.totalCredited);
      expect(viaGroup.totalCharged).toBe(viaAttribute.totalCharged);
      // the session is spent exactly; the 0x05 spent nonce 1 where the 0x01 spent 0
      const user = accountOf("tu-0").address;
      const op = accountOf(operator).address;
      expect(viaAttribute.tree.leaf(nonceWindowKey(user, op)).nonceBitmap).toBe(1n);
      expect(viaGroup.tree.leaf(nonceWindowKey(user, op)).nonceBitmap).toBe(3n);
      expect(viaGroup.tree.leaf(allowanceKey(user, op))).toEqual({
        earned: 0n,
        charged: 0n,
        nonceBase: 0n,
        nonceBitmap: ctx.referenceTime,
      });
    }
  }, 60_000);
});
