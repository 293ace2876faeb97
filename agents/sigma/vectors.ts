/**
 * Shared σ test vectors (docs/protocol.md): random batches applied one after another from genesis,
 * with every intermediate commitment and every step's witnesses. Written by `npm run vectors` to
 * `test/vectors/sigma.json`; read by `test/ledger/SigmaVectors.t.sol` (forge) and
 * `agents/sigma/vectors.test.ts` (vitest).
 */
import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { attributionDomain, receiptTypes, requestTypes } from "../protocol/receipt.ts";
import { type AttributeTx, claimTransactions, type Debit, type Entry, encodeBatch, txProof, txRoot } from "./codec.ts";
import { encodeRegistry, type RegistrySnapshot, registryView } from "./registry.ts";
import { applyBatch, commitment, Ledger, type SigmaContext, type StateFields } from "./sigma.ts";

export const SIGMA_VECTORS_PATH = "test/vectors/sigma.json";
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A small deterministic PRNG (xorshift32). */
export const prng = (seed: number) => {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    next,
    below: (n: number) => next() % n,
    big: (bits: number) => {
      let v = 0n;
      for (let b = 0; b < bits; b += 32) v = (v << 32n) | BigInt(next());
      return v & ((1n << BigInt(bits)) - 1n);
    },
  };
};
export type Prng = ReturnType<typeof prng>;

export const keyOf = (label: string): Hex => keccak256(toHex(`poa-sigma-vectors:${label}`));
export const accountOf = (label: string) => privateKeyToAccount(keyOf(label));

export interface UnsignedAttribute {
  readonly user: string;
  readonly operator: string;
  /** The label of the attributor the operator names in its Receipt. */
  readonly attributor: string;
  readonly modelId: bigint;
  readonly requestHash: Hex;
  readonly outputHash: Hex;
  readonly maxFee: bigint;
  readonly fee: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
  readonly entries: ReadonlyArray<Entry>;
}

/** The zero address, for an attributor label that names nobody. */
export const NOBODY = "nobody";
const addressOf = (label: string): Address =>
  label === NOBODY ? "0x0000000000000000000000000000000000000000" : accountOf(label).address;

/** Signs a receipt with the labelled keys (the user's Request, the operator's Receipt). */
export const signAttribute = async (
  ctx: Pick<SigmaContext, "chainId" | "ledger">,
  tx: UnsignedAttribute,
  signers: { readonly user?: string; readonly operator?: string } = {},
): Promise<AttributeTx> => {
  const domain = attributionDomain(ctx.chainId, ctx.ledger);
  const user = accountOf(tx.user);
  const operator = accountOf(tx.operator);
  const request = {
    user: user.address,
    operator: operator.address,
    modelId: tx.modelId,
    requestHash: tx.requestHash,
    maxFee: tx.maxFee,
    nonce: tx.nonce,
    deadline: tx.deadline,
  };
  const userSignature = await accountOf(signers.user ?? tx.user).signTypedData({
    domain,
    types: requestTypes,
    primaryType: "Request",
    message: request,
  });
  const operatorSignature = await accountOf(signers.operator ?? tx.operator).signTypedData({
    domain,
    types: receiptTypes,
    primaryType: "Receipt",
    message: { ...request, attributor: addressOf(tx.attributor), outputHash: tx.outputHash, fee: tx.fee },
  });
  return {
    kind: "attribute",
    ...request,
    attributor: addressOf(tx.attributor),
    outputHash: tx.outputHash,
    fee: tx.fee,
    userSignature,
    operatorSignature,
    entries: tx.entries,
  };
};

/** The same signature with s → n − s and v flipped: valid ECDSA, rejected by the low-s rule. */
export const malleate = (signature: Hex): Hex => {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  return `${signature.slice(0, 66)}${(CURVE_ORDER - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
};

/** Random weights summing to WEIGHT_SCALE over `n` distinct ascending contribution ids. */
export const randomEntries = (rng: Prng, ids: ReadonlyArray<bigint>, n: number): Entry[] => {
  const pool = [...ids];
  const chosen: bigint[] = [];
  for (let i = 0; i < n && pool.length > 0; i++) chosen.push(pool.splice(rng.below(pool.length), 1)[0]!);
  chosen.sort((a, b) => (a < b ? -1 : 1));
  const raw = chosen.map(() => 1 + rng.below(1000));
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((r) => Math.max(1, Math.floor((r * WEIGHT_SCALE) / total)));
  const excess = weights.reduce((a, b) => a + b, 0) - WEIGHT_SCALE;
  const top = weights.indexOf(Math.max(...weights));
  if (chosen.length > 0) weights[top] = weights[top]! - excess;
  return chosen.map((contributionId, j) => ({ contributionId, weight: weights[j]! }));
};

const REFERENCE_TIME = 1_000n;
export const VECTOR_CONTEXT: SigmaContext = {
  chainId: 31_337,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  protocol: accountOf("protocol").address,
  referenceTime: REFERENCE_TIME,
  maxEntries: 8,
};

/** The registry snapshot behind every vector: good, retired, future and mis-split models; live and dead contributions. */
export const vectorRegistry = (): RegistrySnapshot => {
  const owner = (label: string) => accountOf(label).address;
  const split = (
    operatorBps: number,
    ownerBps: number,
    dataBps: number,
    attributorBps: number,
    protocolBps: number,
  ) => ({
    operatorBps,
    ownerBps,
    dataBps,
    attributorBps,
    protocolBps,
  });
  const models = [
    {
      id: 1n,
      owner: owner("owner-1"),
      split: split(2000, 2000, 5000, 500, 500),
      registeredAt: 100n,
      retiredAt: 0n,
      datanets: [1n, 2n],
    },
    {
      id: 2n,
      owner: owner("owner-2"),
      split: split(2000, 2000, 5000, 500, 500),
      registeredAt: 100n,
      retiredAt: 500n,
      datanets: [1n],
    },
    {
      id: 3n,
      owner: owner("owner-3"),
      split: split(2000, 2000, 4999, 500, 500),
      registeredAt: 100n,
      retiredAt: 0n,
      datanets: [1n],
    },
    {
      id: 4n,
      owner: owner("owner-4"),
      split: split(3333, 1111, 4445, 111, 1000),
      registeredAt: 100n,
      retiredAt: 0n,
      datanets: [1n],
    },
    {
      id: 5n,
      owner: owner("owner-5"),
      split: split(2000, 2000, 5000, 500, 500),
      registeredAt: 2_000n,
      retiredAt: 0n,
      datanets: [1n],
    },
    // owner = operator 0, retired only after the reference time (still active at t).
    {
      id: 6n,
      owner: owner("operator-0"),
      split: split(0, 10000, 0, 0, 0),
      registeredAt: 1_000n,
      retiredAt: 1_001n,
      datanets: [2n],
    },
    {
      id: 7n,
      owner: owner("owner-7"),
      split: split(0, 0, 10000, 0, 0),
      registeredAt: 100n,
      retiredAt: 0n,
      datanets: [1n, 2n],
    },
  ];
  const contributorLabels = [
    "contributor-0",
    "contributor-1",
    "contributor-2",
    "contributor-3",
    "user-0",
    "operator-1",
  ];
  const contributions = Array.from({ length: 40 }, (_, i) => {
    const id = BigInt(i + 1);
    const contributor = owner(contributorLabels[i % contributorLabels.length]!);
    return {
      id,
      contributor,
      datanetId: i < 30 ? BigInt(1 + (i % 2)) : 3n,
      approvedAt: 200n + BigInt(i),
      withdrawnAt: 0n,
    };
  });
  // Dead or not-yet-live contributions (ids 31..40 are in datanet 3, which no model uses).
  const patch = (id: number, change: Partial<(typeof contributions)[number]>) => {
    contributions[id - 1] = { ...contributions[id - 1]!, ...change };
  };
  patch(25, { approvedAt: 0n }); // pending / rejected
  patch(26, { approvedAt: 1_001n }); // approved after t
  patch(27, { withdrawnAt: 900n }); // withdrawn before t
  patch(28, { withdrawnAt: 1_000n }); // withdrawn exactly at t: no longer live
  patch(29, { withdrawnAt: 1_001n }); // withdrawn after t: still live
  patch(24, { approvedAt: 1_000n }); // approved exactly at t: live
  // Accounts-tree chains (docs/protocol.md §2): contributors whose keys share many low bits, so that
  // their paths run deep: 21 and 23 differ only in bit 159 (the deepest split, d = 160), 19 leaves
  // their shared path at bit 40.
  for (const [id, key] of CHAIN_KEYS) patch(id, { contributor: getAddress(`0x${key.toString(16).padStart(40, "0")}`) });
  return { models, contributions };
};

const CHAIN_BASE = 0xc0ffee01n;
/** Contribution id → its contributor's key, for the chain cases. */
export const CHAIN_KEYS: ReadonlyArray<readonly [number, bigint]> = [
  [19, CHAIN_BASE ^ (1n << 40n)],
  [21, CHAIN_BASE],
  [23, CHAIN_BASE | (1n << 159n)],
];

/** Live contributions at t: ids 1..24 (odd ids in datanet 1, even in 2), 29 (withdrawn after t), 30. */
export const LIVE_ALL = [...Array.from({ length: 24 }, (_, i) => BigInt(i + 1)), 29n, 30n];
export const LIVE_DATANET1 = LIVE_ALL.filter((id) => id % 2n === 1n);

interface BatchPlan {
  readonly name: string;
  readonly txs: ReadonlyArray<AttributeTx>;
  readonly debits: (ledger: Ledger) => Debit[];
}

const honestDebits = (ledger: Ledger): Debit[] =>
  ledger.tree
    .accounts()
    .filter(([, leaf]) => leaf.charged > 0n)
    .map(([payer, leaf]) => ({ payer, amount: leaf.charged }))
    .sort((a, b) => (BigInt(a.payer) < BigInt(b.payer) ? -1 : 1));

const hash = (rng: Prng): Hex => toHex(rng.big(256), { size: 32 });

const planBatches = async (rng: Prng): Promise<BatchPlan[]> => {
  const ctx = VECTOR_CONTEXT;
  // one replay window per (user, operator) (§2)
  const nonces = new Map<string, bigint>();
  const nextNonce = (user: string, operator: string) => {
    const n = nonces.get(`${user}|${operator}`) ?? 0n;
    nonces.set(`${user}|${operator}`, n + 1n);
    return n;
  };
  const base = (over: Partial<UnsignedAttribute> = {}): UnsignedAttribute => {
    const user = over.user ?? `user-${rng.below(3)}`; // user-3 is kept for the nonce-window cases
    const operator = over.operator ?? `operator-${rng.below(2)}`;
    const fee = over.fee ?? BigInt(1 + rng.below(1_000_000_000));
    return {
      user,
      operator,
      attributor: `attributor-${rng.below(2)}`,
      modelId: 1n,
      requestHash: hash(rng),
      outputHash: hash(rng),
      maxFee: fee + BigInt(rng.below(1000)),
      fee,
      nonce: over.nonce ?? nextNonce(user, operator),
      deadline: REFERENCE_TIME + BigInt(rng.below(10_000)),
      entries: randomEntries(rng, LIVE_DATANET1, 1 + rng.below(8)),
      ...over,
    };
  };
  const sign = (tx: UnsignedAttribute, signers?: { user?: string; operator?: string }) =>
    signAttribute(ctx, tx, signers);
  const entriesOf = (...pairs: Array<[number, number]>): Entry[] =>
    pairs.map(([id, weight]) => ({ contributionId: BigInt(id), weight }));

  const valid: AttributeTx[] = [];
  for (let i = 0; i < 24; i++) {
    const modelId = [1n, 4n, 6n, 7n][i % 4]!;
    const ids = modelId === 4n ? LIVE_DATANET1 : modelId === 6n ? LIVE_ALL.filter((id) => id % 2n === 0n) : LIVE_ALL;
    valid.push(await sign(base({ modelId, entries: randomEntries(rng, ids, rng.below(9)) })));
  }

  const good = await sign(base({ user: "user-1" }));
  const signatures: AttributeTx[] = [
    await sign(base(), { user: "stranger" }),
    await sign(base(), { operator: "stranger" }),
    await sign(base(), { user: "operator-0" }),
    { ...(await sign(base())), userSignature: malleate(good.userSignature) },
    { ...good, userSignature: malleate(good.userSignature) },
    { ...good, operatorSignature: malleate(good.operatorSignature) },
    { ...good, userSignature: `${good.userSignature.slice(0, 130)}1d` as Hex },
    { ...good, userSignature: `0x${"00".repeat(64)}1b` },
    { ...good, fee: good.fee - 1n },
    { ...good, operatorSignature: good.userSignature },
    // the attributor is signed by the operator: a copier cannot rename it
    { ...good, attributor: accountOf("stranger").address },
    await sign(base({ attributor: NOBODY })),
    good,
    await sign(base()),
    // the operator may name itself, the user or the model owner: one leaf touched twice
    await sign(base({ attributor: "operator-0", operator: "operator-0" })),
    await sign(base({ attributor: "user-1", user: "user-1" })),
  ];

  const far = 10_000n;
  const u3 = (nonce: bigint, operator = "operator-0") => base({ user: "user-3", operator, nonce });
  const replays: AttributeTx[] = [
    valid[0]!,
    good,
    await sign(base({ user: "user-2", operator: "operator-1", nonce: 3n })),
    await sign(u3(far)),
    await sign(u3(far - 255n)),
    await sign(u3(far - 256n)),
    await sign(u3(far - 255n)),
    await sign(u3(far + 300n)),
    await sign(u3(far + 44n)),
    await sign(u3(far + 45n)),
    await sign(u3(far + 45n)),
    await sign(u3((1n << 64n) - 1n)),
    await sign(u3((1n << 64n) - 2n)),
    // windows are per (user, operator): operator-1's window of user-3 is untouched by the above
    await sign(u3(7n, "operator-1")),
    await sign(u3(7n, "operator-1")),
    // user-3 self-signs a zero-fee receipt as its own operator, at the top nonce: only the
    // (user-3, user-3) window moves; operator-1's next receipt of user-3 stays valid
    await sign(base({ user: "user-3", operator: "user-3", nonce: (1n << 64n) - 1n, fee: 0n, maxFee: 0n })),
    await sign(u3(8n, "operator-1")),
  ];

  const registry: AttributeTx[] = [
    await sign(base({ modelId: 99n })),
    await sign(base({ modelId: 2n })),
    await sign(base({ modelId: 3n })),
    await sign(base({ modelId: 5n })),
    await sign(base({ entries: entriesOf([1, 500_000], [41, 500_000]) })),
    await sign(base({ entries: entriesOf([26, 1_000_000]) })),
    await sign(base({ entries: entriesOf([27, 1_000_000]) })),
    await sign(base({ entries: entriesOf([28, 1_000_000]) })),
    await sign(base({ entries: entriesOf([29, 1_000_000]) })),
    await sign(base({ entries: entriesOf([30, 999_999], [31, 1]) })),
    await sign(base({ entries: entriesOf([25, 1_000_000]) })),
    await sign(base({ entries: entriesOf([30, 1_000_000]) })),
    await sign(base({ modelId: 4n, entries: entriesOf([2, 1_000_000]) })),
  ];

  const maxK = randomEntries(rng, LIVE_ALL, VECTOR_CONTEXT.maxEntries);
  const aboveK = randomEntries(rng, LIVE_ALL, VECTOR_CONTEXT.maxEntries + 1);
  const entries: AttributeTx[] = [
    await sign(base({ entries: maxK })),
    await sign(base({ entries: aboveK })),
    await sign(base({ entries: entriesOf([3, 500_000], [3, 500_000]) })),
    await sign(base({ entries: entriesOf([5, 500_000], [3, 500_000]) })),
    await sign(base({ entries: entriesOf([3, 0], [5, 1_000_000]) })),
    await sign(base({ entries: entriesOf([3, 500_000], [5, 500_001]) })),
    await sign(base({ entries: entriesOf([3, 499_999], [5, 500_000]) })),
    await sign(base({ entries: [] })),
    await sign(base({ entries: entriesOf([1, 1_000_000]) })),
    // the chain contributors, first the deepest pair, then one splitting their chain
    await sign(base({ entries: entriesOf([21, 500_000], [23, 500_000]) })),
    await sign(base({ entries: entriesOf([19, 100_000], [21, 450_000], [23, 450_000]) })),
  ];

  const maxFee = (1n << 96n) - 1n;
  const rounding: AttributeTx[] = [
    await sign(base({ fee: 0n, maxFee: 0n })),
    await sign(base({ fee: 1n, maxFee: 1n })),
    await sign(base({ fee: 3n, entries: entriesOf([1, 333_333], [3, 333_333], [5, 333_334]) })),
    await sign(base({ fee: 9_999n, modelId: 4n, entries: entriesOf([1, 1], [3, 999_999]) })),
    await sign(base({ fee: 10_001n, modelId: 4n, entries: entriesOf([1, 999_999], [3, 1]) })),
    await sign(base({ fee: maxFee, maxFee, modelId: 4n, entries: randomEntries(rng, LIVE_DATANET1, 8) })),
    await sign(base({ fee: 1_000_001n, modelId: 7n, entries: randomEntries(rng, LIVE_ALL, 7) })),
    await sign(base({ fee: 101n, maxFee: 100n })),
    await sign(base({ deadline: REFERENCE_TIME - 1n })),
    await sign(base({ deadline: REFERENCE_TIME })),
  ];

  const tamper = (ledger: Ledger): Debit[] => {
    const honest = honestDebits(ledger);
    return honest.map((debit, i) =>
      i === 0 ? { ...debit, amount: debit.amount + 1n } : i === 1 ? { ...debit, amount: debit.amount - 1n } : debit,
    );
  };
  const mismatch: AttributeTx[] = [];
  for (let i = 0; i < 6; i++) mismatch.push(await sign(base({ user: `user-${i % 3}` })));
  const strangerDebit = (ledger: Ledger): Debit[] =>
    // a stranger's debit (no charge: mismatch) and a zero debit of an account with no leaf: σ accepts
    // it and its all-zero write to an absent key is a no-op (the key stays absent, §2)
    [
      ...tamper(ledger),
      { payer: accountOf("stranger").address, amount: 5n },
      { payer: accountOf("ghost").address, amount: 0n },
    ].sort((a, b) => (BigInt(a.payer) < BigInt(b.payer) ? -1 : 1));

  return [
    { name: "valid", txs: valid, debits: honestDebits },
    { name: "signatures", txs: signatures, debits: honestDebits },
    { name: "replays", txs: replays, debits: honestDebits },
    { name: "registry", txs: registry, debits: honestDebits },
    { name: "entries", txs: entries, debits: honestDebits },
    { name: "rounding", txs: rounding, debits: honestDebits },
    { name: "settle-mismatch", txs: mismatch, debits: strangerDebit },
  ];
};

const STEPS_COMPONENTS = [
  { type: "bytes[]", name: "txs" },
  { type: "bytes[]", name: "witnesses" },
  { type: "uint8[]", name: "outcomes" },
  { type: "bytes32[]", name: "roots" },
  { type: "uint256[]", name: "credited" },
  { type: "uint256[]", name: "charged" },
  { type: "bytes32[]", name: "commitments" },
  { type: "bytes32[][]", name: "txProofs" },
] as const;
/** One tuple, decoded by forge straight into its `Steps` struct. */
const STEPS_ABI = [{ type: "tuple", components: STEPS_COMPONENTS }] as const;

export { STEPS_ABI };

const WITHDRAWALS_ABI = [
  {
    type: "tuple",
    components: [
      { type: "address[]", name: "accounts" },
      { type: "uint256[4][]", name: "leaves" },
      { type: "bytes[]", name: "proofs" },
    ],
  },
] as const;

/** Every present account's leaf and membership proof against the ledger's current root (for withdrawals). */
const withdrawals = (ledger: Ledger): Hex => {
  const accounts = ledger.tree.accounts();
  return encodeAbiParameters(WITHDRAWALS_ABI, [
    {
      accounts: accounts.map(([account]) => account),
      leaves: accounts.map(([, leaf]) => [leaf.earned, leaf.charged, leaf.nonceBase, leaf.nonceBitmap] as const),
      proofs: accounts.map(([account]) => toHex(ledger.tree.proof(account))),
    },
  ]);
};

const stateJson = (s: StateFields) => ({
  accountsRoot: s.accountsRoot,
  totalCredited: s.totalCredited.toString(),
  totalCharged: s.totalCharged.toString(),
  txCount: s.txCount.toString(),
  commitment: commitment(s),
});

export const buildSigmaVectors = async () => {
  const rng = prng(0x51a3a);
  const snapshot = vectorRegistry();
  const registry = registryView(snapshot);
  const ledger = new Ledger();
  const plans = await planBatches(rng);
  const batches = [];
  for (const plan of plans) {
    const batch = encodeBatch(plan.txs);
    const pre = ledger.state;
    // The debits are declared from the charges the attribute txs leave, as an attributor would.
    const probe = ledger.clone();
    const attributeTxs = claimTransactions(batch, []);
    await applyBatch(probe, VECTOR_CONTEXT, registry, attributeTxs);
    const debits = plan.debits(probe);
    const txs = claimTransactions(batch, debits);
    const result = await applyBatch(ledger, VECTOR_CONTEXT, registry, txs);
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
    batches.push({
      name: plan.name,
      batch: toHex(batch),
      attributeCount: plan.txs.length,
      debitPayers: debits.map((d) => d.payer),
      debitAmounts: debits.map((d) => d.amount.toString()),
      txCount: txs.length,
      txRoot: txRoot(txs),
      pre: stateJson(pre),
      post: stateJson(result.post),
      outcomes: result.steps.map((s) => s.outcome),
      steps,
      // After the first batch: what each account can withdraw once this claim is final.
      ...(batches.length === 0 ? { withdrawals: withdrawals(ledger) } : {}),
    });
  }
  return {
    context: vectorContextJson(),
    registry: encodeRegistry(snapshot),
    batchCount: batches.length,
    batches,
    accounts: ledger.tree.accounts().map(([account, leaf]) => ({
      account: account as Address,
      earned: leaf.earned.toString(),
      charged: leaf.charged.toString(),
    })),
  };
};

/** The claim context every shared vector file records (sigma.json, dispute.json). */
export const vectorContextJson = () => {
  const ctx = VECTOR_CONTEXT;
  return {
    chainId: ctx.chainId,
    ledger: ctx.ledger,
    protocol: ctx.protocol,
    referenceTime: Number(ctx.referenceTime),
    maxEntries: ctx.maxEntries,
  };
};
