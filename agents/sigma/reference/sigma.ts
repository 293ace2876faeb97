/**
 * The straightforward σ (docs/protocol.md §4), kept as the reference the fast σ (../sigma.ts) is
 * tested against (agents/sigma/fast.test.ts): the reference accounts tree (./tree.ts, every root and
 * path recomputed from the set of leaves through @noble/hashes), viem's EIP-712 hashing. Do not
 * optimise this file; its value is being obviously the spec.
 */
import { Effect } from "effect";
import {
  type Address,
  bytesToHex,
  concatBytes,
  encodeAbiParameters,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBigInt,
  keccak256,
  sliceHex,
  stringToHex,
} from "viem";
import { WEIGHT_SCALE } from "../../engines/engine.ts";
import { signerRecovery } from "../../identity/recover.ts";
import {
  allowanceTypes,
  attributionDomain,
  receiptDigest,
  receiptGroupTypes,
  requestDigest,
} from "../../protocol/receipt.ts";
import { type AttributeTx, decodeTx, MalformedTransaction, type SettleTx, txProof } from "../codec.ts";
import { AccountsTree, type Leaf } from "./tree.ts";

export const MAX_ENTRIES_LIMIT = 32;
const BPS = 10_000n;
const SCALE = BigInt(WEIGHT_SCALE);
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** Outcome codes, identical to `Sigma.Outcome` in Solidity. */
export const Outcome = {
  Valid: 0,
  TooManyEntries: 1,
  BadEntries: 2,
  FeeAboveMax: 3,
  Expired: 4,
  BadUserSignature: 5,
  BadOperatorSignature: 6,
  BadModel: 7,
  BadContribution: 8,
  Replay: 9,
  SettleMismatch: 10,
  Malformed: 11,
  BadAttributor: 12,
  NoAllowance: 13,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface FeeSplit {
  readonly operatorBps: number;
  readonly ownerBps: number;
  readonly dataBps: number;
  readonly attributorBps: number;
  readonly protocolBps: number;
}

export interface ModelFacts {
  readonly owner: Address;
  readonly split: FeeSplit;
  readonly registeredAt: bigint;
  readonly retiredAt: bigint;
}

export interface ContributionFacts {
  readonly contributor: Address;
  readonly datanetId: bigint;
  readonly approvedAt: bigint;
  readonly withdrawnAt: bigint;
}

/**
 * The registry lookups σ may make (src/interfaces/IAttributionViews.sol), as plain data so σ can run
 * from a snapshot. Unknown ids answer with a zero owner / contributor, as the contracts do.
 */
export interface RegistryView {
  readonly model: (modelId: bigint) => ModelFacts;
  readonly contribution: (contributionId: bigint) => ContributionFacts;
  readonly modelUsesDatanet: (modelId: bigint, datanetId: bigint) => boolean;
}

export interface SigmaContext {
  readonly chainId: number;
  readonly ledger: Address;
  readonly protocol: Address;
  readonly referenceTime: bigint;
  readonly maxEntries: number;
}

export interface StateFields {
  readonly accountsRoot: Hex;
  readonly totalCredited: bigint;
  readonly totalCharged: bigint;
  readonly txCount: bigint;
}

export const GENESIS: StateFields = {
  accountsRoot: `0x${"00".repeat(32)}`,
  totalCredited: 0n,
  totalCharged: 0n,
  txCount: 0n,
};

/** `commitment(s)` of §1. */
export const commitment = (state: StateFields): Hex =>
  keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
      [state.accountsRoot, state.totalCredited, state.totalCharged, state.txCount],
    ),
  );

export interface Step {
  readonly index: number;
  readonly outcome: Outcome;
  readonly pre: StateFields;
  readonly post: StateFields;
  /** The witnesses consumed by this step, concatenated in order (§2). */
  readonly witnesses: Hex;
}

/** The mutable ledger σ works on: the tree plus the three counters. */
export class Ledger {
  constructor(
    readonly tree: AccountsTree = new AccountsTree(),
    public totalCredited = 0n,
    public totalCharged = 0n,
    public txCount = 0n,
  ) {}

  get state(): StateFields {
    return {
      accountsRoot: this.tree.rootHex,
      totalCredited: this.totalCredited,
      totalCharged: this.totalCharged,
      txCount: this.txCount,
    };
  }

  clone(): Ledger {
    return new Ledger(this.tree.clone(), this.totalCredited, this.totalCharged, this.txCount);
  }
}

const NONCE_WINDOW_TAG = keccak256(stringToHex("poa.nonces"));

/**
 * The accounts-tree key of the replay window of `user`'s requests to `operator` (§2): the low 160 bits
 * of H(H("poa.nonces") ‖ pad32(user) ‖ pad32(operator)).
 */
export const nonceWindowKey = (user: Address, operator: Address): Address =>
  getAddress(
    `0x${keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "address" }, { type: "address" }],
        [NONCE_WINDOW_TAG, user, operator],
      ),
    ).slice(26)}`,
  );

/** The nonce window of §2: the updated (base, bitmap), or undefined for a replay. */
export const spendNonce = (leaf: Leaf, nonce: bigint): { base: bigint; bitmap: bigint } | undefined => {
  const { nonceBase: base, nonceBitmap: bitmap } = leaf;
  if (nonce < base) return undefined;
  if (nonce < base + 256n) {
    const bit = 1n << (nonce - base);
    return bitmap & bit ? undefined : { base, bitmap: bitmap | bit };
  }
  const newBase = nonce - 255n;
  const shift = newBase - base;
  const shifted = shift >= 256n ? 0n : bitmap >> shift;
  return { base: newBase, bitmap: shifted | (1n << 255n) };
};

const signatureSigner = async (hash: Hex, signature: Hex): Promise<Address | undefined> => {
  const v = Number.parseInt(signature.slice(130, 132), 16);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  if (v !== 27 && v !== 28) return undefined;
  if (s === 0n || s > HALF_CURVE_ORDER) return undefined;
  return await signerRecovery.recover(hash, signature);
};

const sameAddress = (a: Address, b: Address): boolean => a.toLowerCase() === b.toLowerCase();

/** Checks 2–8 of §4 (no state read). */
const statelessOutcome = async (
  tx: AttributeTx,
  ctx: SigmaContext,
  registry: RegistryView,
): Promise<{ outcome: Outcome; model?: ModelFacts; contributors?: Address[] }> => {
  if (tx.entries.length > ctx.maxEntries) return { outcome: Outcome.TooManyEntries };
  if (tx.entries.length > 0) {
    let sum = 0;
    for (let j = 0; j < tx.entries.length; j++) {
      const entry = tx.entries[j]!;
      if (entry.weight === 0) return { outcome: Outcome.BadEntries };
      if (j > 0 && entry.contributionId <= tx.entries[j - 1]!.contributionId) return { outcome: Outcome.BadEntries };
      sum += entry.weight;
    }
    if (sum !== WEIGHT_SCALE) return { outcome: Outcome.BadEntries };
  }
  if (tx.fee > tx.maxFee) return { outcome: Outcome.FeeAboveMax };
  if (ctx.referenceTime > tx.deadline) return { outcome: Outcome.Expired };
  if (sameAddress(tx.attributor, ZERO_ADDRESS)) return { outcome: Outcome.BadAttributor };
  const domain = attributionDomain(ctx.chainId, ctx.ledger);
  const request = {
    user: tx.user,
    operator: tx.operator,
    modelId: tx.modelId,
    requestHash: tx.requestHash,
    maxFee: tx.maxFee,
    nonce: tx.nonce,
    deadline: tx.deadline,
  };
  const userSigner = await signatureSigner(requestDigest(domain, request), tx.userSignature);
  if (userSigner === undefined || !sameAddress(userSigner, tx.user)) return { outcome: Outcome.BadUserSignature };
  const receipt = { ...request, attributor: tx.attributor, outputHash: tx.outputHash, fee: tx.fee };
  const operatorSigner = await signatureSigner(receiptDigest(domain, receipt), tx.operatorSignature);
  if (operatorSigner === undefined || !sameAddress(operatorSigner, tx.operator)) {
    return { outcome: Outcome.BadOperatorSignature };
  }
  const t = ctx.referenceTime;
  const model = registry.model(tx.modelId);
  const s = model.split;
  if (
    sameAddress(model.owner, ZERO_ADDRESS) ||
    model.registeredAt > t ||
    (model.retiredAt !== 0n && model.retiredAt <= t) ||
    s.operatorBps + s.ownerBps + s.dataBps + s.attributorBps + s.protocolBps !== 10_000
  ) {
    return { outcome: Outcome.BadModel };
  }
  const contributors: Address[] = [];
  for (const entry of tx.entries) {
    const c = registry.contribution(entry.contributionId);
    if (
      sameAddress(c.contributor, ZERO_ADDRESS) ||
      c.approvedAt === 0n ||
      c.approvedAt > t ||
      (c.withdrawnAt !== 0n && c.withdrawnAt <= t) ||
      !registry.modelUsesDatanet(tx.modelId, c.datanetId)
    ) {
      return { outcome: Outcome.BadContribution };
    }
    contributors.push(c.contributor);
  }
  return { outcome: Outcome.Valid, model, contributors };
};

/** The credits of a valid Attribute tx in update order (§4), zero amounts dropped. */
export const attributeCredits = (
  tx: AttributeTx,
  ctx: Pick<SigmaContext, "protocol">,
  model: ModelFacts,
  contributors: ReadonlyArray<Address>,
): Array<readonly [Address, bigint]> => {
  const fee = tx.fee;
  const s = model.split;
  const op = (fee * BigInt(s.operatorBps)) / BPS;
  const owner = (fee * BigInt(s.ownerBps)) / BPS;
  const attr = (fee * BigInt(s.attributorBps)) / BPS;
  const prot = (fee * BigInt(s.protocolBps)) / BPS;
  const data = fee - op - owner - attr - prot;
  const credits: Array<readonly [Address, bigint]> = [
    [tx.operator, op],
    [model.owner, owner],
    [tx.attributor, attr],
  ];
  let assigned = 0n;
  tx.entries.forEach((entry, j) => {
    const amount = (data * BigInt(entry.weight)) / SCALE;
    assigned += amount;
    credits.push([contributors[j]!, amount]);
  });
  credits.push([ctx.protocol, prot + data - assigned]);
  return credits.filter(([, amount]) => amount > 0n);
};

const applyAttribute = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  tx: AttributeTx,
  witnesses: Uint8Array[],
): Promise<Outcome> => {
  const checked = await statelessOutcome(tx, ctx, registry);
  if (checked.outcome !== Outcome.Valid || checked.model === undefined || checked.contributors === undefined) {
    return checked.outcome;
  }
  const tree = ledger.tree;
  const windowKey = nonceWindowKey(tx.user, tx.operator);
  const window = spendNonce(tree.leaf(windowKey), tx.nonce);
  if (window === undefined) {
    witnesses.push(tree.witness(windowKey));
    return Outcome.Replay;
  }
  witnesses.push(tree.update(windowKey, (leaf) => ({ ...leaf, nonceBase: window.base, nonceBitmap: window.bitmap })));
  if (tx.fee > 0n) witnesses.push(tree.update(tx.user, (leaf) => ({ ...leaf, charged: leaf.charged + tx.fee })));
  for (const [account, amount] of attributeCredits(tx, ctx, checked.model, checked.contributors)) {
    witnesses.push(tree.update(account, (leaf) => ({ ...leaf, earned: leaf.earned + amount })));
  }
  ledger.totalCredited += tx.fee;
  ledger.totalCharged += tx.fee;
  return Outcome.Valid;
};

const applySettle = (ledger: Ledger, tx: SettleTx, witnesses: Uint8Array[]): Outcome => {
  const tree = ledger.tree;
  const leaf = tree.leaf(tx.payer);
  if (leaf.charged !== tx.amount || tx.amount > ledger.totalCharged) {
    witnesses.push(tree.witness(tx.payer));
    return Outcome.SettleMismatch;
  }
  witnesses.push(tree.update(tx.payer, (old) => ({ ...old, charged: 0n })));
  ledger.totalCharged -= tx.amount;
  return Outcome.Valid;
};

/*
 * ISSUE 19: Authorize (0x03) and a group's record (0x05), read straight from the bytes of the spec
 * (docs/protocol.md §3) with viem, independently of ../codec.ts, and checked in the spec's order.
 */

interface ReferenceAuthorize {
  readonly user: Address;
  readonly operator: Address;
  readonly cap: bigint;
  readonly nonce: bigint;
  readonly expiry: bigint;
  readonly signature: Hex;
}

interface ReferenceGroupRecord {
  readonly operator: Address;
  readonly attributor: Address;
  readonly root: Hex;
  readonly count: bigint;
  readonly signature: Hex;
  readonly user: Address;
  readonly modelId: bigint;
  readonly fee: bigint;
  readonly nonce: bigint;
  readonly entries: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>;
}

/** The key of a user's allowance to an operator: as the window key, under the tag H("poa.allowance"). */
export const allowanceKey = (user: Address, operator: Address): Address =>
  getAddress(
    `0x${keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "address" }, { type: "address" }],
        [keccak256(stringToHex("poa.allowance")), user, operator],
      ),
    ).slice(26)}`,
  );

const field = (hex: Hex, from: number, length: number): Hex => sliceHex(hex, from, from + length, { strict: true });
const uintField = (hex: Hex, from: number, length: number): bigint => hexToBigInt(field(hex, from, length));
const addressField = (hex: Hex, from: number): Address => getAddress(field(hex, from, 20));

const readAuthorize = (bytes: Uint8Array, index: number): ReferenceAuthorize => {
  if (bytes.length !== 134)
    throw new MalformedTransaction({ index, reason: `authorize is 134 bytes, not ${bytes.length}` });
  const hex = bytesToHex(bytes);
  return {
    user: addressField(hex, 1),
    operator: addressField(hex, 21),
    cap: uintField(hex, 41, 12),
    nonce: uintField(hex, 53, 8),
    expiry: uintField(hex, 61, 8),
    signature: field(hex, 69, 65),
  };
};

const readGroupRecord = (bytes: Uint8Array, index: number): ReferenceGroupRecord => {
  const n = bytes.length > 220 ? bytes[220]! : -1;
  if (n < 0 || bytes.length !== 221 + 7 * n) {
    throw new MalformedTransaction({ index, reason: `a group record of ${bytes.length} bytes` });
  }
  const hex = bytesToHex(bytes);
  const entries = [];
  for (let j = 0; j < n; j++) {
    entries.push({
      contributionId: uintField(hex, 221 + 7 * j, 4),
      weight: Number(uintField(hex, 225 + 7 * j, 3)),
    });
  }
  return {
    operator: addressField(hex, 1),
    attributor: addressField(hex, 21),
    root: field(hex, 41, 32),
    count: uintField(hex, 73, 2),
    signature: field(hex, 75, 65),
    user: addressField(hex, 140),
    modelId: uintField(hex, 160, 8),
    fee: uintField(hex, 200, 12),
    nonce: uintField(hex, 212, 8),
    entries,
  };
};

const applyAuthorize = async (
  ledger: Ledger,
  ctx: SigmaContext,
  tx: ReferenceAuthorize,
  witnesses: Uint8Array[],
): Promise<Outcome> => {
  const digest = hashTypedData({
    domain: attributionDomain(ctx.chainId, ctx.ledger),
    types: allowanceTypes,
    primaryType: "Allowance",
    message: { user: tx.user, operator: tx.operator, cap: tx.cap, nonce: tx.nonce, expiry: tx.expiry },
  });
  const signer = await signatureSigner(digest, tx.signature);
  if (signer === undefined || !sameAddress(signer, tx.user)) return Outcome.BadUserSignature;
  if (tx.expiry < ctx.referenceTime) return Outcome.Expired;
  const tree = ledger.tree;
  const key = nonceWindowKey(tx.user, tx.operator);
  const spent = spendNonce(tree.leaf(key), tx.nonce);
  if (spent === undefined) {
    witnesses.push(tree.witness(key));
    return Outcome.Replay;
  }
  witnesses.push(tree.update(key, (leaf) => ({ ...leaf, nonceBase: spent.base, nonceBitmap: spent.bitmap })));
  witnesses.push(
    tree.update(allowanceKey(tx.user, tx.operator), (leaf) => ({ ...leaf, nonceBase: tx.cap, nonceBitmap: tx.expiry })),
  );
  return Outcome.Valid;
};

const applyGroupRecord = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  tx: ReferenceGroupRecord,
  witnesses: Uint8Array[],
): Promise<Outcome> => {
  // 2. n ≤ K; 3. entries
  if (tx.entries.length > ctx.maxEntries) return Outcome.TooManyEntries;
  if (tx.entries.some((e, j) => e.weight === 0 || (j > 0 && e.contributionId <= tx.entries[j - 1]!.contributionId))) {
    return Outcome.BadEntries;
  }
  if (tx.entries.length > 0 && tx.entries.reduce((sum, e) => sum + e.weight, 0) !== WEIGHT_SCALE) {
    return Outcome.BadEntries;
  }
  // 4. attributor; 5. the operator's signature over the group
  if (sameAddress(tx.attributor, ZERO_ADDRESS)) return Outcome.BadAttributor;
  const digest = hashTypedData({
    domain: attributionDomain(ctx.chainId, ctx.ledger),
    types: receiptGroupTypes,
    primaryType: "ReceiptGroup",
    message: { operator: tx.operator, attributor: tx.attributor, root: tx.root, count: tx.count },
  });
  const signer = await signatureSigner(digest, tx.signature);
  if (signer === undefined || !sameAddress(signer, tx.operator)) return Outcome.BadOperatorSignature;
  // 6–7. the model and the contributions, exactly as for an Attribute
  const t = ctx.referenceTime;
  const model = registry.model(tx.modelId);
  const s = model.split;
  const modelLive =
    !sameAddress(model.owner, ZERO_ADDRESS) &&
    model.registeredAt <= t &&
    (model.retiredAt === 0n || model.retiredAt > t) &&
    s.operatorBps + s.ownerBps + s.dataBps + s.attributorBps + s.protocolBps === 10_000;
  if (!modelLive) return Outcome.BadModel;
  const contributors: Address[] = [];
  for (const entry of tx.entries) {
    const c = registry.contribution(entry.contributionId);
    const live =
      !sameAddress(c.contributor, ZERO_ADDRESS) &&
      c.approvedAt !== 0n &&
      c.approvedAt <= t &&
      (c.withdrawnAt === 0n || c.withdrawnAt > t) &&
      registry.modelUsesDatanet(tx.modelId, c.datanetId);
    if (!live) return Outcome.BadContribution;
    contributors.push(c.contributor);
  }
  // 8. the session in the (user, operator) window
  const tree = ledger.tree;
  const key = nonceWindowKey(tx.user, tx.operator);
  const spent = spendNonce(tree.leaf(key), tx.nonce);
  if (spent === undefined) {
    witnesses.push(tree.witness(key));
    return Outcome.Replay;
  }
  const sessionKey = allowanceKey(tx.user, tx.operator);
  const allowance = tree.leaf(sessionKey);
  const remaining = allowance.nonceBase;
  const expiry = allowance.nonceBitmap;
  if (expiry < t || remaining < tx.fee) {
    // no-op; the allowance's witness is against the root after the nonce spend (made on a copy)
    const after = tree.clone();
    after.update(key, (leaf) => ({ ...leaf, nonceBase: spent.base, nonceBitmap: spent.bitmap }));
    witnesses.push(tree.witness(key), after.witness(sessionKey));
    return Outcome.NoAllowance;
  }
  witnesses.push(tree.update(key, (leaf) => ({ ...leaf, nonceBase: spent.base, nonceBitmap: spent.bitmap })));
  witnesses.push(tree.update(sessionKey, (leaf) => ({ ...leaf, nonceBase: remaining - tx.fee })));
  if (tx.fee > 0n) witnesses.push(tree.update(tx.user, (leaf) => ({ ...leaf, charged: leaf.charged + tx.fee })));
  // the Attribute's split, written out again
  const fee = tx.fee;
  const op = (fee * BigInt(s.operatorBps)) / BPS;
  const owner = (fee * BigInt(s.ownerBps)) / BPS;
  const attr = (fee * BigInt(s.attributorBps)) / BPS;
  const prot = (fee * BigInt(s.protocolBps)) / BPS;
  const data = fee - op - owner - attr - prot;
  const amounts = tx.entries.map((e) => (data * BigInt(e.weight)) / SCALE);
  const credits: Array<readonly [Address, bigint]> = [
    [tx.operator, op],
    [model.owner, owner],
    [tx.attributor, attr],
    ...amounts.map((amount, j) => [contributors[j]!, amount] as const),
    [ctx.protocol, prot + data - amounts.reduce((a, b) => a + b, 0n)],
  ];
  for (const [account, amount] of credits) {
    if (amount > 0n) witnesses.push(tree.update(account, (leaf) => ({ ...leaf, earned: leaf.earned + amount })));
  }
  ledger.totalCredited += fee;
  ledger.totalCharged += fee;
  return Outcome.Valid;
};

/**
 * Applies one transaction (its bytes) to `ledger` in place and returns the step record.
 * Throws MalformedTransaction (naming `index`) when the bytes do not decode.
 */
export const applyTx = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  txBytes: Uint8Array,
  index: number,
): Promise<Step> => {
  if (ctx.maxEntries > MAX_ENTRIES_LIMIT) {
    throw new MalformedTransaction({ index, reason: `maxEntries ${ctx.maxEntries} exceeds ${MAX_ENTRIES_LIMIT}` });
  }
  const pre = ledger.state;
  const witnesses: Uint8Array[] = [];
  let outcome: Outcome;
  if (txBytes[0] === 0x03) {
    outcome = await applyAuthorize(ledger, ctx, readAuthorize(txBytes, index), witnesses);
  } else if (txBytes[0] === 0x05) {
    outcome = await applyGroupRecord(ledger, ctx, registry, readGroupRecord(txBytes, index), witnesses);
  } else {
    const tx = decodeTx(txBytes, index);
    outcome =
      tx.kind === "settle"
        ? applySettle(ledger, tx, witnesses)
        : tx.kind === "attribute"
          ? await applyAttribute(ledger, ctx, registry, tx, witnesses)
          : Outcome.Malformed;
  }
  ledger.txCount += 1n;
  return { index, outcome, pre, post: ledger.state, witnesses: bytesToHex(concatBytes(witnesses)) };
};

export interface BatchResult {
  readonly steps: ReadonlyArray<Step>;
  readonly post: StateFields;
}

/** Applies a whole transaction list; every intermediate commitment is `commitment(steps[i].post)`. */
export const applyBatch = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  txs: ReadonlyArray<Uint8Array>,
): Promise<BatchResult> => {
  const steps: Step[] = [];
  for (let i = 0; i < txs.length; i++) steps.push(await applyTx(ledger, ctx, registry, txs[i]!, i));
  return { steps, post: ledger.state };
};

/** Everything a one-step proof of step `index` needs (docs/protocol.md §6, "Hooks for the dispute game"). */
export interface OneStepProof {
  readonly index: number;
  /** s_index, to open against the agreed commitment. */
  readonly pre: StateFields;
  /** s_index+1 as σ computes it. */
  readonly post: StateFields;
  readonly tx: Hex;
  /** Siblings of the tx leaf from the leaf row up, against the claim's txRoot. */
  readonly txProof: ReadonlyArray<Hex>;
  readonly witnesses: Hex;
}

/** The one-step proof of step `index` of a batch applied with applyBatch over `txs`. */
export const oneStepProof = (txs: ReadonlyArray<Uint8Array>, result: BatchResult, index: number): OneStepProof => {
  const step = result.steps[index];
  const tx = txs[index];
  if (step === undefined || tx === undefined) {
    throw new RangeError(`step ${index} out of range [0, ${Math.min(txs.length, result.steps.length)})`);
  }
  return {
    index,
    pre: step.pre,
    post: step.post,
    tx: bytesToHex(tx),
    txProof: txProof(txs, index),
    witnesses: step.witnesses,
  };
};

/** The same as applyBatch, as an Effect: malformed input fails typed, anything else is a defect. */
export const applyBatchEffect = (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  txs: ReadonlyArray<Uint8Array>,
): Effect.Effect<BatchResult, MalformedTransaction> =>
  Effect.promise(async (): Promise<BatchResult | MalformedTransaction> => {
    try {
      return await applyBatch(ledger, ctx, registry, txs);
    } catch (cause) {
      if (cause instanceof MalformedTransaction) return cause;
      throw cause;
    }
  }).pipe(
    Effect.flatMap((result) => (result instanceof MalformedTransaction ? Effect.fail(result) : Effect.succeed(result))),
  );
