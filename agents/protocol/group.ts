/**
 * Spec B (docs/protocol.md §3, "Allowances and receipt groups"): a user signs one **Allowance** per
 * operator (a session: cap + expiry + nonce) instead of a Request per answer, and the operator signs a
 * **ReceiptGroup** over many receipts at once (one signature per group, naming the attributor it hands
 * the group to).
 *
 * - `Allowance(address user,address operator,uint256 cap,uint256 nonce,uint64 expiry)`: posted as an
 *   Authorize transaction (0x03); σ spends `nonce` in the (user, operator) window and sets the session's
 *   remaining allowance to `cap` and its expiry to `expiry`.
 * - `ReceiptGroup(address operator,address attributor,bytes32 root,uint256 count)`: `root` is the padded
 *   binary tree (the tx tree's rule, §5) over keccak256 of each record's bytes, `count` the number of
 *   records; posted as one 0x04 group whose records σ runs as 0x05 transactions.
 * - A record, `81 + 7·n` bytes: `user (20) ‖ modelId (uint64) ‖ ioHash (32) ‖ fee (uint96) ‖ nonce
 *   (uint64) ‖ n (1) ‖ n × (contributionId uint32 ‖ weight uint24)`, `ioHash = keccak256(requestHash ‖
 *   outputHash)`: the two hashes (and the texts behind them) travel with the group off chain.
 *
 * The domain is the receipts' (the AttributionLedger's EIP-712 domain, ./receipt.ts).
 */
import { Schema } from "effect";
import { type Address, type Hex, keccak256, recoverAddress, stringToBytes } from "viem";
import { AddressSchema, Bytes32Schema, SignatureSchema, sameAddress } from "../identity/identity.ts";
import {
  type AuthorizeTx,
  groupRoot as codecGroupRoot,
  encodeRecord as encodeCodecRecord,
  GroupEntrySchema,
  type GroupRecord,
  ioHashOf,
  type ReceiptGroup,
} from "../sigma/codec.ts";
import {
  type AllowanceMessage,
  allowanceDigest,
  allowanceTypes,
  type Eip712Domain,
  receiptGroupDigest,
  receiptGroupTypes,
} from "./receipt.ts";
import { HexBytes, MAX_TEXT_BYTES } from "./texts.ts";

export { allowanceDigest, allowanceTypes, GroupEntrySchema, ioHashOf, receiptGroupTypes };

/** Wire widths of the Authorize and record fields (a value that does not fit cannot be posted). */
export const MAX_CAP = 2n ** 96n - 1n;
export const MAX_FEE = 2n ** 96n - 1n;
export const MAX_UINT64 = 2n ** 64n - 1n;
export const MAX_CONTRIBUTION_ID = 2n ** 32n - 1n;
/** Records in one group on the gossip/intake wire (the chain allows 65,535; operators close a group at 64). */
export const MAX_GROUP_RECORDS = 1024;
/** Entries in one record on the wire (n is one byte); σ's K is lower. */
export const MAX_RECORD_ENTRIES = 255;

const uintString = (max: bigint) =>
  Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: max }));

/** The user's Allowance (EIP-712; uints as decimal strings on the wire). */
export const AllowanceSchema = Schema.Struct({
  user: AddressSchema,
  operator: AddressSchema,
  /** The most the operator may charge in this session (uint96 on chain). */
  cap: uintString(MAX_CAP),
  /** Spent in the (user, operator) nonce window like a request nonce (uint64 on chain). */
  nonce: uintString(MAX_UINT64),
  /** Unix seconds; receipts are valid while the claim's reference time ≤ expiry. */
  expiry: uintString(MAX_UINT64),
});

/** An allowance with the user's signature: the `x-poa-allowance` headers, gossip, the Store. */
export const SignedAllowance = Schema.Struct({
  allowance: AllowanceSchema,
  signature: SignatureSchema,
});
export type SignedAllowance = typeof SignedAllowance.Type;

/** The allowance's signer, or undefined when the signature does not recover. */
export const allowanceSigner = async (domain: Eip712Domain, signed: SignedAllowance): Promise<Address | undefined> => {
  try {
    return await recoverAddress({
      hash: allowanceDigest(domain, signed.allowance as AllowanceMessage),
      signature: signed.signature,
    });
  } catch {
    return undefined;
  }
};

/**
 * One receipt of a group, with the two hashes behind its ioHash (the record's bytes carry only
 * `ioHash`; whoever receives the group recomputes it, so the hashes cannot disagree with it).
 */
export const GroupReceiptSchema = Schema.Struct({
  user: AddressSchema,
  modelId: uintString(MAX_UINT64),
  requestHash: Bytes32Schema,
  outputHash: Bytes32Schema,
  fee: uintString(MAX_FEE),
  nonce: uintString(MAX_UINT64),
  entries: Schema.Array(GroupEntrySchema).check(Schema.isMaxLength(MAX_RECORD_ENTRIES)),
});
export type GroupReceipt = typeof GroupReceiptSchema.Type;

/**
 * A signed receipt group: the `/poa/groups/1` gossip payload, the body of `POST /groups` (with texts)
 * and the Store's row. `count` is `records.length`; `root` is recomputed from the records.
 */
export const SignedGroup = Schema.Struct({
  operator: AddressSchema,
  attributor: AddressSchema,
  records: Schema.Array(GroupReceiptSchema).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_GROUP_RECORDS)),
  signature: SignatureSchema,
  /**
   * The signed allowances the records spend (the latest the operator holds per user): whoever posts the
   * group puts each one's Authorize (0x03) before it unless the chain already applied it.
   */
  allowances: Schema.Array(SignedAllowance).check(Schema.isMaxLength(MAX_GROUP_RECORDS)),
});
export type SignedGroup = typeof SignedGroup.Type;

/** A group receipt as the chain's record (ioHash for the two hashes). */
export const recordOf = (r: GroupReceipt): GroupRecord => ({
  user: r.user,
  modelId: r.modelId,
  ioHash: ioHashOf(r.requestHash as Hex, r.outputHash as Hex),
  fee: r.fee,
  nonce: r.nonce,
  entries: r.entries,
});

/** A record's bytes (81 + 7·n, agents/sigma/codec.ts). Throws when a value does not fit its width. */
export const encodeRecord = (r: GroupReceipt): Uint8Array => encodeCodecRecord(recordOf(r));

/** The group's root: the tx tree's padded binary tree (§5) over keccak256 of each record's bytes. */
export const groupRoot = (records: ReadonlyArray<GroupReceipt>): Hex => codecGroupRoot(records.map(recordOf));

/** The signed group as a batch item (0x04, agents/sigma/codec.ts `encodeBatch`). */
export const receiptGroupOf = (group: SignedGroup): ReceiptGroup => ({
  kind: "group",
  operator: group.operator,
  attributor: group.attributor,
  operatorSignature: group.signature,
  records: group.records.map(recordOf),
});

/** A signed allowance as its Authorize transaction (0x03). */
export const authorizeTxOf = (signed: SignedAllowance): AuthorizeTx => ({
  kind: "authorize",
  user: signed.allowance.user,
  operator: signed.allowance.operator,
  cap: signed.allowance.cap,
  nonce: signed.allowance.nonce,
  expiry: signed.allowance.expiry,
  userSignature: signed.signature,
});

export interface GroupHeader {
  readonly operator: Address;
  readonly attributor: Address;
  readonly root: Hex;
  readonly count: bigint;
}

export const groupDigest = (domain: Eip712Domain, header: GroupHeader): Hex => receiptGroupDigest(domain, header);

export const groupHeaderOf = (group: Pick<SignedGroup, "operator" | "attributor" | "records">): GroupHeader => ({
  operator: group.operator as Address,
  attributor: group.attributor as Address,
  root: groupRoot(group.records),
  count: BigInt(group.records.length),
});

export type GroupProblem =
  | "empty"
  | "record-encoding"
  | "attributor-zero"
  | "operator-signature"
  | "entries"
  | "duplicate-nonce"
  | "allowance-signature"
  | "allowance-operator";

export const groupProblemMessage: Record<GroupProblem, string> = {
  empty: "a group holds at least one record",
  "record-encoding": "a record's values do not fit their wire widths",
  "attributor-zero": "the group names no attributor (0x0)",
  "operator-signature": "the ReceiptGroup signature does not recover the group's operator",
  entries: "a record's entries are not strictly increasing positive weights summing to 1,000,000 (or none)",
  "duplicate-nonce": "two records of one user share a nonce",
  "allowance-signature": "an allowance's signature does not recover its user",
  "allowance-operator": "an allowance names another operator than the group's",
};

/**
 * What is wrong with a signed group under `domain`, or undefined when it is sound. Never throws.
 * Checks what a relay can check without the chain: the records encode, the signature recovers the
 * operator over the recomputed root, entries are well formed (σ's rule, or none), no record repeats a
 * (user, nonce), and every allowance carried is the operator's and signed by its user. The chain-dependent checks (allowance, model, contributions, K) are σ's.
 */
export const groupProblem = async (
  domain: Eip712Domain,
  group: SignedGroup,
  weightScale = 1_000_000,
): Promise<GroupProblem | undefined> => {
  if (group.records.length === 0) return "empty";
  if (/^0x0{40}$/.test(group.attributor)) return "attributor-zero";
  let header: GroupHeader;
  try {
    header = groupHeaderOf(group);
  } catch {
    return "record-encoding";
  }
  const seen = new Set<string>();
  for (const record of group.records) {
    const key = `${record.user.toLowerCase()}|${record.nonce}`;
    if (seen.has(key)) return "duplicate-nonce";
    seen.add(key);
    if (record.entries.length > 0) {
      let sum = 0;
      for (const [j, entry] of record.entries.entries()) {
        if (entry.weight === 0) return "entries";
        if (j > 0 && entry.contributionId <= record.entries[j - 1]!.contributionId) return "entries";
        sum += entry.weight;
      }
      if (sum !== weightScale) return "entries";
    }
  }
  let signer: Address;
  try {
    signer = await recoverAddress({ hash: groupDigest(domain, header), signature: group.signature });
  } catch {
    return "operator-signature";
  }
  if (!sameAddress(signer, group.operator)) return "operator-signature";
  for (const signed of group.allowances) {
    if (!sameAddress(signed.allowance.operator, group.operator)) return "allowance-operator";
    const user = await allowanceSigner(domain, signed);
    if (user === undefined || !sameAddress(user, signed.allowance.user)) return "allowance-signature";
  }
  return undefined;
};

/** The wire (JSON) form of a group, and back. */
export const encodeSignedGroup = Schema.encodeSync(SignedGroup);
export const decodeSignedGroup = Schema.decodeUnknownSync(SignedGroup);
export const encodeSignedAllowance = Schema.encodeSync(SignedAllowance);
export const decodeSignedAllowance = Schema.decodeUnknownSync(SignedAllowance);

/**
 * A group with the texts behind each record's hashes (same order as the records): the body of the
 * attributor intake's `POST /groups`. `request` is the canonical request's bytes in hex, `output` the answer.
 */
export const GroupWithTexts = Schema.Struct({
  group: SignedGroup,
  texts: Schema.Array(
    Schema.Struct({ request: HexBytes, output: Schema.String.check(Schema.isMaxLength(MAX_TEXT_BYTES)) }),
  ).check(Schema.isMaxLength(MAX_GROUP_RECORDS)),
});
export type GroupWithTexts = typeof GroupWithTexts.Type;

/** What is wrong with a group's texts (one per record, hashing to its requestHash and outputHash), or undefined. */
export const groupTextsProblem = (wire: GroupWithTexts): string | undefined => {
  if (wire.texts.length !== wire.group.records.length) return "one request and one output per record";
  for (const [i, record] of wire.group.records.entries()) {
    const texts = wire.texts[i]!;
    if (keccak256(texts.request as Hex) !== record.requestHash.toLowerCase())
      return `record ${i}: the request bytes do not hash to its requestHash`;
    if (keccak256(stringToBytes(texts.output)) !== record.outputHash.toLowerCase())
      return `record ${i}: the output does not hash to its outputHash`;
  }
  return undefined;
};

/** A group's identity: (operator, root), as the Store and the follower key it. */
export const groupKey = (operator: string, root: string): string => `${operator.toLowerCase()}|${root.toLowerCase()}`;

/** The attributor intake's `POST /attribute` body: a group record's model and texts (agents/attributor/intake.ts). */
export const AttributeBody = Schema.Struct({
  modelId: uintString(MAX_UINT64),
  request: HexBytes,
  output: Schema.String.check(Schema.isMaxLength(MAX_TEXT_BYTES)),
});
/** `POST /attribute`'s answer: the attributor's entries for the texts ([] when its engine cannot attribute them). */
export const AttributeAnswer = Schema.Struct({ entries: Schema.Array(GroupEntrySchema) });
export type AttributeAnswer = typeof AttributeAnswer.Type;
