/**
 * σ in TypeScript (docs/protocol.md §4): applies transactions to an in-memory accounts tree and
 * records, for every step, the pre/post state commitments and the witnesses the on-chain library
 * (`src/libraries/Sigma.sol`) needs to re-execute that step from proofs alone.
 *
 * Issue 19 made it fast: the accounts tree is a compact sparse Merkle tree (docs/protocol.md §2) whose
 * trie caches every node and hashes in wasm (./tree.ts, ./keccak.ts), and keys and witnesses are
 * handled as bytes, not through viem's encoders. A straightforward σ on a reference tree that recomputes
 * everything from the set of leaves is kept in ./reference/ and every step is tested equal to it
 * (./fast.test.ts, ./vectors.test.ts); docs/benchmarks-ledger.md has the numbers. σ reaches the tree only
 * through `Tree` (leaf, witness, update), so the bench can run it on the depth-160 tree it replaced.
 */
import { Effect } from "effect";
import { type Address, bytesToHex, encodeAbiParameters, getAddress, type Hex, keccak256, stringToHex } from "viem";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { signerRecovery } from "../identity/recover.ts";
import {
  allowanceDigest,
  attributionDomain,
  receiptDigest,
  receiptGroupDigest,
  requestDigest,
} from "../protocol/receipt.ts";
import {
  type AttributeTx,
  type AuthorizeTx,
  allowanceMessage,
  decodeTx,
  type Entry,
  type GroupRecordTx,
  MalformedTransaction,
  type SettleTx,
  txProof,
} from "./codec.ts";
import { keccak256Bytes } from "./keccak.ts";
import { AccountsTree, type Leaf, type Tree } from "./tree.ts";

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
  /** A 0x05 record without a live session: no allowance, an expired one, or less remaining than its fee. */
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
    readonly tree: Tree = new AccountsTree(),
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

const NONCE_WINDOW_TAG = Buffer.from(keccak256(stringToHex("poa.nonces")).slice(2), "hex");

/** nonceWindowKey in lower case (the tree reads keys as numbers: the checksum is σ's waste). */
const windowKeyHex = (user: Address, operator: Address): Address => {
  const input = Buffer.alloc(96);
  NONCE_WINDOW_TAG.copy(input, 0);
  input.write(user.slice(2), 44, 20, "hex");
  input.write(operator.slice(2), 76, 20, "hex");
  return `0x${Buffer.from(keccak256Bytes(input)).toString("hex", 12)}`;
};

/**
 * The accounts-tree key of the replay window of `user`'s requests to `operator` (§2): the low 160 bits
 * of H(H("poa.nonces") ‖ pad32(user) ‖ pad32(operator)).
 */
export const nonceWindowKey = (user: Address, operator: Address): Address => getAddress(windowKeyHex(user, operator));

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
  const request = {
    user: tx.user,
    operator: tx.operator,
    modelId: tx.modelId,
    requestHash: tx.requestHash,
    maxFee: tx.maxFee,
    nonce: tx.nonce,
    deadline: tx.deadline,
  };
  const domain = attributionDomain(ctx.chainId, ctx.ledger);
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
  tx: Pick<AttributeTx, "operator" | "attributor" | "fee" | "entries">,
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
  const windowKey = windowKeyHex(tx.user, tx.operator);
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

/* ISSUE 19: AUTHORIZE (0x03) AND GROUP RECORDS (0x05), docs/protocol.md §4 */

const ALLOWANCE_TAG = Buffer.from(keccak256(stringToHex("poa.allowance")).slice(2), "hex");

/** allowanceKey in lower case. */
const allowanceKeyHex = (user: Address, operator: Address): Address => {
  const input = Buffer.alloc(96);
  ALLOWANCE_TAG.copy(input, 0);
  input.write(user.slice(2), 44, 20, "hex");
  input.write(operator.slice(2), 76, 20, "hex");
  return `0x${Buffer.from(keccak256Bytes(input)).toString("hex", 12)}`;
};

/**
 * The accounts-tree key of `user`'s allowance to `operator` (a session: Authorize 0x03): the low 160 bits
 * of H(H("poa.allowance") ‖ pad32(user) ‖ pad32(operator)). Its leaf keeps `earned = charged = 0` (nothing
 * to withdraw or settle there), the remaining allowance in the `nonceBase` word and the expiry in the
 * `nonceBitmap` word.
 */
export const allowanceKey = (user: Address, operator: Address): Address => getAddress(allowanceKeyHex(user, operator));

/**
 * Authorize: the user's signature over its Allowance, t ≤ expiry, the nonce in the (user, operator) window
 * (witness 1), then the session at allowanceKey (witness 2): remaining := cap, expiry := expiry.
 */
const applyAuthorize = async (
  ledger: Ledger,
  ctx: SigmaContext,
  tx: AuthorizeTx,
  witnesses: Uint8Array[],
): Promise<Outcome> => {
  const domain = attributionDomain(ctx.chainId, ctx.ledger);
  const signer = await signatureSigner(allowanceDigest(domain, allowanceMessage(tx)), tx.userSignature);
  if (signer === undefined || !sameAddress(signer, tx.user)) return Outcome.BadUserSignature;
  if (ctx.referenceTime > tx.expiry) return Outcome.Expired;
  const tree = ledger.tree;
  const windowKey = windowKeyHex(tx.user, tx.operator);
  const window = spendNonce(tree.leaf(windowKey), tx.nonce);
  if (window === undefined) {
    witnesses.push(tree.witness(windowKey));
    return Outcome.Replay;
  }
  witnesses.push(tree.update(windowKey, (leaf) => ({ ...leaf, nonceBase: window.base, nonceBitmap: window.bitmap })));
  witnesses.push(
    tree.update(allowanceKeyHex(tx.user, tx.operator), (leaf) => ({
      ...leaf,
      nonceBase: tx.cap,
      nonceBitmap: tx.expiry,
    })),
  );
  return Outcome.Valid;
};

/** Check 3 of §4: ids strictly increasing, weights > 0, Σ = WEIGHT_SCALE unless empty. */
const entriesAreValid = (entries: ReadonlyArray<Entry>): boolean => {
  if (entries.length === 0) return true;
  let sum = 0;
  for (let j = 0; j < entries.length; j++) {
    const entry = entries[j]!;
    if (entry.weight === 0) return false;
    if (j > 0 && entry.contributionId <= entries[j - 1]!.contributionId) return false;
    sum += entry.weight;
  }
  return sum === WEIGHT_SCALE;
};

/** Checks 7–8 of §4 (the model, then every entry's contribution): the facts σ pays by, or the failure. */
const registryChecks = (
  modelId: bigint,
  entries: ReadonlyArray<Entry>,
  t: bigint,
  registry: RegistryView,
): { outcome: Outcome; model?: ModelFacts; contributors?: Address[] } => {
  const model = registry.model(modelId);
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
  for (const entry of entries) {
    const c = registry.contribution(entry.contributionId);
    if (
      sameAddress(c.contributor, ZERO_ADDRESS) ||
      c.approvedAt === 0n ||
      c.approvedAt > t ||
      (c.withdrawnAt !== 0n && c.withdrawnAt <= t) ||
      !registry.modelUsesDatanet(modelId, c.datanetId)
    ) {
      return { outcome: Outcome.BadContribution };
    }
    contributors.push(c.contributor);
  }
  return { outcome: Outcome.Valid, model, contributors };
};

/** The last group signature recovered: a group's records are consecutive and share it. */
let lastGroupSigner: { readonly digest: Hex; readonly signature: Hex; readonly signer: Address | undefined } = {
  digest: "0x",
  signature: "0x",
  signer: undefined,
};

const groupSigner = async (digest: Hex, signature: Hex): Promise<Address | undefined> => {
  if (lastGroupSigner.digest === digest && lastGroupSigner.signature === signature) return lastGroupSigner.signer;
  const signer = await signatureSigner(digest, signature);
  lastGroupSigner = { digest, signature, signer };
  return signer;
};

/** A group record (0x05), checks in the order of docs/protocol.md §4, then the window and 0x01's updates. */
const applyGroupRecord = async (
  ledger: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  tx: GroupRecordTx,
  witnesses: Uint8Array[],
): Promise<Outcome> => {
  const record = tx.record;
  if (record.entries.length > ctx.maxEntries) return Outcome.TooManyEntries;
  if (!entriesAreValid(record.entries)) return Outcome.BadEntries;
  if (sameAddress(tx.attributor, ZERO_ADDRESS)) return Outcome.BadAttributor;
  const domain = attributionDomain(ctx.chainId, ctx.ledger);
  const digest = receiptGroupDigest(domain, {
    operator: tx.operator,
    attributor: tx.attributor,
    root: tx.groupRoot,
    count: BigInt(tx.count),
  });
  const signer = await groupSigner(digest, tx.operatorSignature);
  if (signer === undefined || !sameAddress(signer, tx.operator)) return Outcome.BadOperatorSignature;
  const checked = registryChecks(record.modelId, record.entries, ctx.referenceTime, registry);
  if (checked.outcome !== Outcome.Valid || checked.model === undefined || checked.contributors === undefined) {
    return checked.outcome;
  }
  const tree = ledger.tree;
  const windowKey = windowKeyHex(record.user, tx.operator);
  const before = tree.leaf(windowKey);
  const window = spendNonce(before, record.nonce);
  if (window === undefined) {
    witnesses.push(tree.witness(windowKey));
    return Outcome.Replay;
  }
  const spent = { ...before, nonceBase: window.base, nonceBitmap: window.bitmap };
  const key = allowanceKeyHex(record.user, tx.operator);
  const session = tree.leaf(key);
  const fee = record.fee;
  if (session.nonceBitmap < ctx.referenceTime || session.nonceBase < fee) {
    // NoAllowance: both witnesses (the allowance's against the root after the nonce spend), then no change
    witnesses.push(tree.witness(windowKey));
    witnesses.push(tree.witnessAfter(windowKey, spent, key));
    return Outcome.NoAllowance;
  }
  witnesses.push(tree.update(windowKey, () => spent));
  witnesses.push(tree.update(key, (leaf) => ({ ...leaf, nonceBase: leaf.nonceBase - fee })));
  if (fee > 0n) witnesses.push(tree.update(record.user, (leaf) => ({ ...leaf, charged: leaf.charged + fee })));
  const paid = { operator: tx.operator, attributor: tx.attributor, fee, entries: record.entries };
  for (const [account, amount] of attributeCredits(paid, ctx, checked.model, checked.contributors)) {
    witnesses.push(tree.update(account, (leaf) => ({ ...leaf, earned: leaf.earned + amount })));
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
  const tx = decodeTx(txBytes, index);
  const pre = ledger.state;
  const witnesses: Uint8Array[] = [];
  const outcome =
    tx.kind === "settle"
      ? applySettle(ledger, tx, witnesses)
      : tx.kind === "authorize"
        ? await applyAuthorize(ledger, ctx, tx, witnesses)
        : tx.kind === "group-record"
          ? await applyGroupRecord(ledger, ctx, registry, tx, witnesses)
          : await applyAttribute(ledger, ctx, registry, tx, witnesses);
  ledger.txCount += 1n;
  return { index, outcome, pre, post: ledger.state, witnesses: `0x${Buffer.concat(witnesses).toString("hex")}` };
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
