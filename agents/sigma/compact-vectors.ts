/**
 * Shared test vectors of issue 19's compact calldata (docs/protocol.md §3–§5): Authorize (0x03), receipt
 * groups (0x04 in the batch, one σ transaction 0x05 per record) mixed with Attributes (0x01) and Settles,
 * applied from genesis batch after batch with every intermediate commitment and witness, plus byte strings
 * that postClaim must refuse (`malformedBatches`) and σ bytes that are Malformed (`malformedTxs`).
 * Written by `npm run vectors` to `test/vectors/compact.json`; read by the forge tests of the ledger and
 * σ (test/ledger/CompactGroups*.t.sol) and by agents/sigma/compact.test.ts.
 *
 * Each batch has its own reference time (`referenceTime`): sessions expire between batches.
 */
import { type Address, concatBytes, encodeAbiParameters, type Hex, toHex } from "viem";
import { allowanceTypes, attributionDomain, receiptGroupTypes } from "../protocol/receipt.ts";
import {
  type AuthorizeTx,
  type BatchItem,
  claimTransactions,
  type Debit,
  encodeBatch,
  encodeGroup,
  encodeTx,
  type GroupRecord,
  groupRoot,
  type ReceiptGroup,
  receiptGroupMessage,
  splitBatch,
  txLeaf,
  txProof,
  txRoot,
} from "./codec.ts";
import { encodeRegistry, registryView } from "./registry.ts";
import { allowanceKey, applyBatch, commitment, Ledger, type SigmaContext, type StateFields } from "./sigma.ts";
import {
  accountOf,
  LIVE_DATANET1,
  malleate,
  NOBODY,
  type Prng,
  prng,
  randomEntries,
  STEPS_ABI,
  signAttribute,
  VECTOR_CONTEXT,
  vectorContextJson,
  vectorRegistry,
} from "./vectors.ts";

export const COMPACT_VECTORS_PATH = "test/vectors/compact.json";

const addressOf = (label: string): Address =>
  label === NOBODY ? "0x0000000000000000000000000000000000000000" : accountOf(label).address;

export interface UnsignedAuthorize {
  readonly user: string;
  readonly operator: string;
  readonly cap: bigint;
  readonly nonce: bigint;
  readonly expiry: bigint;
}

/** The user's signed Allowance as an Authorize transaction (`signer` signs instead of the user: a forgery). */
export const signAuthorize = async (
  ctx: Pick<SigmaContext, "chainId" | "ledger">,
  a: UnsignedAuthorize,
  signer?: string,
): Promise<AuthorizeTx> => {
  const message = {
    user: accountOf(a.user).address,
    operator: accountOf(a.operator).address,
    cap: a.cap,
    nonce: a.nonce,
    expiry: a.expiry,
  };
  const userSignature = await accountOf(signer ?? a.user).signTypedData({
    domain: attributionDomain(ctx.chainId, ctx.ledger),
    types: allowanceTypes,
    primaryType: "Allowance",
    message,
  });
  return { kind: "authorize", ...message, userSignature };
};

/** The operator's signed group of `records` (`signer` signs instead of the operator: a forgery). */
export const signGroup = async (
  ctx: Pick<SigmaContext, "chainId" | "ledger">,
  g: { readonly operator: string; readonly attributor: string; readonly records: ReadonlyArray<GroupRecord> },
  signer?: string,
): Promise<ReceiptGroup> => {
  const operator = accountOf(g.operator).address;
  const attributor = addressOf(g.attributor);
  const operatorSignature = await accountOf(signer ?? g.operator).signTypedData({
    domain: attributionDomain(ctx.chainId, ctx.ledger),
    types: receiptGroupTypes,
    primaryType: "ReceiptGroup",
    message: receiptGroupMessage({ operator, attributor, records: g.records }),
  });
  return { kind: "group", operator, attributor, operatorSignature, records: g.records };
};

interface BatchPlan {
  readonly name: string;
  readonly referenceTime: bigint;
  readonly items: ReadonlyArray<BatchItem>;
  /** The debits, from the state after the batch's own transactions. */
  readonly debits: (ledger: Ledger) => Debit[];
}

const byPayer = (a: Debit, b: Debit) => (BigInt(a.payer) < BigInt(b.payer) ? -1 : 1);

/** What an honest attributor debits: every account's charge. */
const honestDebits = (ledger: Ledger): Debit[] =>
  ledger.tree
    .accounts()
    .filter(([, leaf]) => leaf.charged > 0n)
    .map(([payer, leaf]) => ({ payer, amount: leaf.charged }))
    .sort(byPayer);

const hash = (rng: Prng): Hex => toHex(rng.big(256), { size: 32 });

/** Live at both reference times used (1,000 and 2,000), in datanet 1 (every model here uses it). */
const LIVE = LIVE_DATANET1.filter((id) => id <= 24n);

const planBatches = async (rng: Prng): Promise<BatchPlan[]> => {
  const ctx = VECTOR_CONTEXT;
  const nonces = new Map<string, bigint>();
  /** The next nonce of a (user, operator) window: Authorize and records spend from the same window. */
  const next = (user: string, operator: string) => {
    const n = nonces.get(`${user}|${operator}`) ?? 0n;
    nonces.set(`${user}|${operator}`, n + 1n);
    return n;
  };
  const authorize = (user: string, operator: string, cap: bigint, expiry: bigint, signer?: string) =>
    signAuthorize(ctx, { user, operator, cap, nonce: next(user, operator), expiry }, signer);
  const record = (user: string, operator: string, over: Partial<GroupRecord> = {}): GroupRecord => ({
    user: accountOf(user).address,
    modelId: 1n,
    ioHash: hash(rng),
    fee: BigInt(1_000 + rng.below(1_000_000)),
    nonce: over.nonce ?? next(user, operator),
    entries: randomEntries(rng, LIVE, 1 + rng.below(8)),
    ...over,
  });
  const group = (operator: string, records: ReadonlyArray<GroupRecord>, attributor = "attributor-0", signer?: string) =>
    signGroup(ctx, { operator, attributor, records }, signer);
  const entries = (...pairs: Array<[number, number]>) =>
    pairs.map(([id, weight]) => ({ contributionId: BigInt(id), weight }));
  const attribute = (user: string, operator: string, deadline: bigint) => {
    const fee = BigInt(1 + rng.below(1_000_000));
    return signAttribute(ctx, {
      user,
      operator,
      attributor: "attributor-1",
      modelId: 1n,
      requestHash: hash(rng),
      outputHash: hash(rng),
      maxFee: fee,
      fee,
      nonce: next(user, operator),
      deadline,
      entries: randomEntries(rng, LIVE, 1 + rng.below(8)),
    });
  };

  // --- batch 0 (t = 1000): sessions open, every Authorize outcome, every 0x05 outcome, a new session ---
  const first = await authorize("cu-0", "operator-0", 10n ** 12n, 5_000n);
  const cu0Replayed = first; // the same signed Authorize again: Replay
  const b0: BatchItem[] = [
    first,
    await authorize("cu-1", "operator-0", 10n ** 9n, 1_500n),
    await authorize("cu-2", "operator-1", 3_000n, 1_000n), // expiry = t: still valid
    await authorize("cu-3", "operator-0", 10n ** 9n, 5_000n, "stranger"), // BadUserSignature
    { ...(await authorize("cu-3", "operator-0", 10n ** 9n, 5_000n)), userSignature: malleate(first.userSignature) },
    await authorize("cu-3", "operator-0", 10n ** 9n, 999n), // Expired
    cu0Replayed,
    await attribute("cu-0", "operator-0", 5_000n), // an Attribute between groups
  ];
  const cu0 = record("cu-0", "operator-0");
  b0.push(
    await group("operator-0", [
      cu0,
      record("cu-0", "operator-0", { fee: 0n, entries: [] }),
      record("cu-1", "operator-0"),
      { ...record("cu-0", "operator-0", { nonce: cu0.nonce }) }, // Replay
      record("cu-3", "operator-0"), // no session: NoAllowance
      record("cu-1", "operator-0", { fee: 2n * 10n ** 9n }), // above the remaining allowance: NoAllowance
      record("cu-0", "operator-0", { entries: randomEntries(rng, LIVE, 9) }), // TooManyEntries (K = 8)
      record("cu-0", "operator-0", { entries: entries([1, 500_000], [3, 500_001]) }), // BadEntries
      record("cu-0", "operator-0", { entries: entries([3, 500_000], [1, 500_000]) }), // BadEntries (order)
      record("cu-0", "operator-0", { modelId: 99n }), // BadModel
      record("cu-0", "operator-0", { entries: entries([26, 1_000_000]) }), // BadContribution
      record("cu-0", "operator-0", { entries: randomEntries(rng, LIVE, 8) }), // K entries
      record("cu-0", "operator-0", { fee: (1n << 80n) - 1n, entries: entries([1, 1], [3, 999_999]) }), // NoAllowance
      record("cu-0", "operator-0", { modelId: 4n, fee: 10_001n, entries: entries([1, 999_999], [3, 1]) }),
    ]),
    await group("operator-1", [record("cu-2", "operator-1"), record("cu-2", "operator-1")], NOBODY), // BadAttributor
    await group("operator-0", [record("cu-0", "operator-0")], "attributor-0", "stranger"), // BadOperatorSignature
  );
  {
    // a record changed after signing: the root postClaim computes differs from the signed one
    const signed = await group("operator-0", [record("cu-0", "operator-0"), record("cu-0", "operator-0")]);
    b0.push({ ...signed, records: [{ ...signed.records[0]!, fee: signed.records[0]!.fee + 1n }, signed.records[1]!] });
  }
  b0.push(
    // cu-2's session: cap 3,000 spent exactly, then nothing left (a zero fee still passes)
    await group("operator-1", [
      record("cu-2", "operator-1", { fee: 1_000n }),
      record("cu-2", "operator-1", { fee: 2_000n }),
      record("cu-2", "operator-1", { fee: 1n }), // NoAllowance
      record("cu-2", "operator-1", { fee: 0n }),
    ]),
    // a new session replaces cu-0's: cap 500
    await authorize("cu-0", "operator-0", 500n, 5_000n),
    await group("operator-0", [
      record("cu-0", "operator-0", { fee: 600n }), // NoAllowance under the new cap
      record("cu-0", "operator-0", { fee: 500n }),
    ]),
  );

  // --- batch 1 (t = 2000): an expired session, a renewed one, an Authorize that expired ---
  const b1: BatchItem[] = [
    await group("operator-0", [
      record("cu-1", "operator-0"), // session expired at 1,500: NoAllowance
      record("cu-0", "operator-0", { fee: 0n }),
    ]),
    await authorize("cu-1", "operator-0", 10n ** 7n, 3_000n),
    await authorize("cu-3", "operator-1", 10n ** 6n, 1_999n), // Expired
    await attribute("cu-3", "operator-1", 2_000n),
    await group("operator-0", [record("cu-1", "operator-0"), record("cu-1", "operator-0")]),
  ];

  // --- batch 2 (t = 2000): debits that do not match: one payer's off by one, and an allowance key (its
  // `charged` word is 0: an allowance is nothing to settle) ---
  const b2: BatchItem[] = [
    await authorize("cu-2", "operator-0", 10n ** 12n, 10n ** 9n),
    await group("operator-0", [
      record("cu-2", "operator-0", { fee: 10n ** 10n }),
      record("cu-0", "operator-0", { fee: 0n }),
    ]),
    await attribute("cu-1", "operator-1", 2_000n),
  ];
  const badDebits = (ledger: Ledger): Debit[] => {
    const honest = honestDebits(ledger);
    const session = allowanceKey(accountOf("cu-2").address, accountOf("operator-0").address);
    if (ledger.tree.leaf(session).nonceBase === 0n) throw new Error("compact vectors: cu-2 has no session");
    return [
      ...honest.map((d, i) => (i === 0 ? { ...d, amount: d.amount + 1n } : d)),
      { payer: session, amount: 1n },
    ].sort(byPayer);
  };

  return [
    { name: "sessions", referenceTime: 1_000n, items: b0, debits: honestDebits },
    { name: "expiry", referenceTime: 2_000n, items: b1, debits: honestDebits },
    { name: "settle-mismatch", referenceTime: 2_000n, items: b2, debits: badDebits },
  ];
};

const stateJson = (s: StateFields) => ({
  accountsRoot: s.accountsRoot,
  totalCredited: s.totalCredited.toString(),
  totalCharged: s.totalCharged.toString(),
  txCount: s.txCount.toString(),
  commitment: commitment(s),
});

/** Batch calldata postClaim must refuse with TxCodec_MalformedBatch(txIndex). */
const malformedBatches = async (rng: Prng) => {
  const ctx = VECTOR_CONTEXT;
  const user = "cu-0";
  const rec = (n: number): GroupRecord => ({
    user: accountOf(user).address,
    modelId: 1n,
    ioHash: hash(rng),
    fee: 1n,
    nonce: 1n,
    entries: randomEntries(rng, LIVE, n),
  });
  const auth = encodeTx(await signAuthorize(ctx, { user, operator: "operator-0", cap: 1n, nonce: 0n, expiry: 1n }));
  const good = encodeGroup(
    await signGroup(ctx, { operator: "operator-0", attributor: "attributor-0", records: [rec(2), rec(3)] }),
  );
  const noRecords = good.slice(0, 108);
  noRecords[41] = 0;
  noRecords[42] = 0;
  const cases: Array<{ name: string; batch: Uint8Array; txIndex: number }> = [
    { name: "group with m = 0", batch: concatBytes([auth, noRecords]), txIndex: 1 },
    { name: "group header truncated", batch: concatBytes([auth, good.slice(0, 100)]), txIndex: 1 },
    { name: "last record truncated", batch: concatBytes([auth, good.slice(0, good.length - 1)]), txIndex: 2 },
    { name: "records missing (m = 2, one record)", batch: concatBytes([good.slice(0, 108 + 81 + 14)]), txIndex: 1 },
    { name: "authorize truncated", batch: concatBytes([good, auth.slice(0, 133)]), txIndex: 2 },
    {
      name: "a 0x05 record transaction is not batch calldata",
      batch: concatBytes([auth, splitBatch(good)[0]!]),
      txIndex: 1,
    },
    {
      name: "a Settle is not batch calldata",
      batch: concatBytes([auth, encodeTx({ kind: "settle", payer: accountOf(user).address, amount: 1n })]),
      txIndex: 1,
    },
  ];
  return cases.map((c) => ({ name: c.name, batch: toHex(c.batch), txIndex: c.txIndex }));
};

/** σ bytes of the new kinds that are Malformed: σ changes nothing but txCount (no witness). */
const malformedTxs = async (rng: Prng) => {
  const ctx = VECTOR_CONTEXT;
  const auth = encodeTx(
    await signAuthorize(ctx, { user: "cu-0", operator: "operator-0", cap: 1n, nonce: 0n, expiry: 1n }),
  );
  const record: GroupRecord = {
    user: accountOf("cu-0").address,
    modelId: 1n,
    ioHash: hash(rng),
    fee: 1n,
    nonce: 1n,
    entries: randomEntries(rng, LIVE, 2),
  };
  const tx = splitBatch(
    encodeGroup(await signGroup(ctx, { operator: "operator-0", attributor: "attributor-0", records: [record] })),
  )[0]!;
  const longerN = tx.slice();
  longerN[220] = 3; // n = 3 but two entries' bytes
  return [
    { name: "authorize one byte short", tx: toHex(auth.slice(0, 133)) },
    { name: "authorize one byte long", tx: toHex(concatBytes([auth, Uint8Array.of(0)])) },
    { name: "group record one byte short", tx: toHex(tx.slice(0, tx.length - 1)) },
    { name: "group record with n larger than its entries", tx: toHex(longerN) },
    { name: "group record prefix only", tx: toHex(tx.slice(0, 140)) },
  ];
};

export const buildCompactVectors = async () => {
  const rng = prng(0xc0da7a);
  const snapshot = vectorRegistry();
  const registry = registryView(snapshot);
  const ledger = new Ledger();
  const plans = await planBatches(rng);
  const batches = [];
  for (const plan of plans) {
    const ctx: SigmaContext = { ...VECTOR_CONTEXT, referenceTime: plan.referenceTime };
    const batch = encodeBatch(plan.items);
    const pre = ledger.state;
    const probe = ledger.clone();
    await applyBatch(probe, ctx, registry, splitBatch(batch));
    const debits = plan.debits(probe);
    const txs = claimTransactions(batch, debits);
    const result = await applyBatch(ledger, ctx, registry, txs);
    const steps = encodeAbiParameters(STEPS_ABI, [
      {
        txs: txs.map((tx) => toHex(tx)),
        witnesses: result.steps.map((s) => s.witnesses),
        outcomes: result.steps.map((s) => s.outcome),
        roots: result.steps.map((s) => s.post.accountsRoot),
        credited: result.steps.map((s) => s.post.totalCredited),
        charged: result.steps.map((s) => s.post.totalCharged),
        commitments: result.steps.map((s) => commitment(s.post)),
        txProofs: txs.map((_, i) => txProof(txs, i)),
      },
    ]);
    const groups: Array<{ root: Hex; first: number; count: number }> = [];
    let index = 0;
    for (const item of plan.items) {
      if (item.kind === "group") {
        groups.push({ root: groupRoot(item.records), first: index, count: item.records.length });
        index += item.records.length;
      } else index++;
    }
    batches.push({
      name: plan.name,
      referenceTime: Number(plan.referenceTime),
      batch: toHex(batch),
      batchTxCount: txs.length - debits.length,
      debitPayers: debits.map((d) => d.payer),
      debitAmounts: debits.map((d) => d.amount.toString()),
      txCount: txs.length,
      txRoot: txRoot(txs),
      txLeaves: txs.map((tx) => toHex(txLeaf(tx))),
      groupRoots: groups.map((g) => g.root),
      groupFirstTx: groups.map((g) => g.first),
      groupCounts: groups.map((g) => g.count),
      pre: stateJson(pre),
      post: stateJson(result.post),
      outcomes: result.steps.map((s) => s.outcome),
      steps,
    });
  }
  const bad = await malformedBatches(rng);
  const badTxs = await malformedTxs(rng);
  return {
    context: vectorContextJson(),
    registry: encodeRegistry(snapshot),
    batchCount: batches.length,
    batches,
    malformedBatchCount: bad.length,
    malformedBatches: bad,
    malformedTxCount: badTxs.length,
    malformedTxs: badTxs,
  };
};
