/**
 * Transaction encodings, batch calldata and the transaction root (docs/protocol.md §3, §5).
 * Mirrors `src/libraries/TxCodec.sol` byte for byte.
 *
 * Kinds: Attribute 0x01 (user + operator signatures per receipt), Settle 0x02 (never in the batch),
 * Authorize 0x03 (a user's allowance for one operator: a session with a cap and an expiry), the receipt
 * group 0x04 (batch only: one operator signature over m records) and its records as σ transactions 0x05.
 *
 * The API, for agents (everything throws `MalformedTransaction{index, reason}`, a Data.TaggedError):
 * - `AuthorizeTx` / `ReceiptGroup` / `GroupRecord`: the structured forms; `AuthorizeTxSchema`,
 *   `ReceiptGroupSchema`, `GroupRecordSchema` are their JSON (wire) Schemas (uints as decimal strings).
 * - `allowanceMessage(tx)` / `receiptGroupMessage(group)`: the EIP-712 messages to sign
 *   (`allowanceDigest` / `receiptGroupDigest` and the viem types live in agents/protocol/receipt.ts);
 *   `groupRoot(records)`: the root the operator signs; `ioHashOf(requestHash, outputHash)`: a record's ioHash.
 *   (σ's state keys: `nonceWindowKey` and `allowanceKey` in ./sigma.ts.)
 * - `encodeBatch(items)`: postClaim's batch from Attribute / Authorize / ReceiptGroup items, in order;
 *   `decodeBatch(batch)`: the items back (what a follower reads from `ClaimData`).
 * - `splitBatch(batch)` / `claimTransactions(batch, debits)`: the claim's σ transaction list T, every
 *   group expanded to its records' 0x05 bytes (`groupTransactions(group)` for one group);
 *   `splitBatchEffect` fails typed instead of throwing.
 * - `encodeTx` / `decodeTx`: one σ transaction (0x01, 0x02, 0x03, 0x05) ⇄ bytes.
 * - `txRoot`, `txProof`, `verifyTxProof`: the tx tree over T (§5).
 */
import { Data, Effect, Schema } from "effect";
import { type Address, bytesToHex, concatBytes, getAddress, type Hex, keccak256 } from "viem";
import { AddressSchema, Bytes32Schema, SignatureSchema } from "../identity/identity.ts";
import type { AllowanceMessage, ReceiptGroupMessage } from "../protocol/receipt.ts";

export const TX_ATTRIBUTE = 0x01;
export const TX_SETTLE = 0x02;
export const ATTRIBUTE_FIXED_LENGTH = 304;
export const ENTRY_LENGTH = 12;
export const SETTLE_LENGTH = 37;
export const TX_AUTHORIZE = 0x03;
export const TX_GROUP = 0x04;
export const TX_GROUP_RECORD = 0x05;
/** `0x03 ‖ user ‖ operator ‖ cap (uint96) ‖ nonce (uint64) ‖ expiry (uint64) ‖ user signature`. */
export const AUTHORIZE_LENGTH = 134;
/** `0x04 ‖ operator ‖ attributor ‖ m (uint16) ‖ operator signature`, then m records. */
export const GROUP_HEADER_LENGTH = 108;
/** A record: `user ‖ modelId (uint64) ‖ ioHash ‖ fee (uint96) ‖ nonce (uint64) ‖ n`, then n entries. */
export const RECORD_FIXED_LENGTH = 81;
/** A record's entry: `contributionId (uint32) ‖ weight (uint24)`. */
export const RECORD_ENTRY_LENGTH = 7;
/** A 0x05 σ transaction: `0x05 ‖ operator ‖ attributor ‖ groupRoot ‖ m (uint16) ‖ operator signature ‖ record`. */
export const GROUP_TX_PREFIX_LENGTH = 140;
export const MAX_GROUP_RECORDS = 0xffff;

export interface Entry {
  readonly contributionId: bigint;
  readonly weight: number;
}

export interface AttributeTx {
  readonly kind: "attribute";
  readonly user: Address;
  readonly operator: Address;
  /** Named in the operator's Receipt: who σ pays the attributor share (never the claim's poster). */
  readonly attributor: Address;
  readonly modelId: bigint;
  readonly requestHash: Hex;
  readonly outputHash: Hex;
  readonly maxFee: bigint;
  readonly fee: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
  readonly userSignature: Hex;
  readonly operatorSignature: Hex;
  readonly entries: ReadonlyArray<Entry>;
}

export interface SettleTx {
  readonly kind: "settle";
  readonly payer: Address;
  readonly amount: bigint;
}

/** uint of `bytes` bytes on the wire, a decimal string in JSON. */
const UintString = (bytes: number) =>
  Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: (1n << BigInt(8 * bytes)) - 1n }));

/** Authorize (0x03), JSON form: the user's signed Allowance (agents/protocol/receipt.ts `allowanceTypes`). */
export const AuthorizeTxSchema = Schema.Struct({
  kind: Schema.Literal("authorize"),
  user: AddressSchema,
  operator: AddressSchema,
  cap: UintString(12),
  nonce: UintString(8),
  expiry: UintString(8),
  userSignature: SignatureSchema,
});
export type AuthorizeTx = typeof AuthorizeTxSchema.Type;

/** A record's entry: narrower than an Attribute's (uint32 id, uint24 weight). */
export const GroupEntrySchema = Schema.Struct({
  contributionId: UintString(4),
  weight: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 0xffffff })),
});

/** One receipt of a group, JSON form. `ioHash = H(requestHash ‖ outputHash)` (see `ioHashOf`). */
export const GroupRecordSchema = Schema.Struct({
  user: AddressSchema,
  modelId: UintString(8),
  ioHash: Bytes32Schema,
  fee: UintString(12),
  nonce: UintString(8),
  entries: Schema.Array(GroupEntrySchema).check(Schema.isMaxLength(255)),
});
export type GroupRecord = typeof GroupRecordSchema.Type;

/** A receipt group (0x04), JSON form: the operator's one signature over `receiptGroupMessage(group)`. */
export const ReceiptGroupSchema = Schema.Struct({
  kind: Schema.Literal("group"),
  operator: AddressSchema,
  /** Named in the signed group: σ pays every record's attributor share to it. */
  attributor: AddressSchema,
  operatorSignature: SignatureSchema,
  records: Schema.Array(GroupRecordSchema).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_GROUP_RECORDS)),
});
export type ReceiptGroup = typeof ReceiptGroupSchema.Type;

/** One record as a σ transaction (0x05): the group's signed header and the record. */
export interface GroupRecordTx {
  readonly kind: "group-record";
  readonly operator: Address;
  readonly attributor: Address;
  readonly groupRoot: Hex;
  /** m, the group's record count (signed, not checked by σ). */
  readonly count: number;
  readonly operatorSignature: Hex;
  readonly record: GroupRecord;
}

/** A σ transaction. */
export type Tx = AttributeTx | SettleTx | AuthorizeTx | GroupRecordTx;
/** What a batch holds, in order (Settles are appended by postClaim, groups expand to 0x05 transactions). */
export type BatchItem = AttributeTx | AuthorizeTx | ReceiptGroup;

/** A transaction's bytes cannot be decoded, or a value does not fit its wire width. */
export class MalformedTransaction extends Data.TaggedError("MalformedTransaction")<{
  readonly index: number;
  readonly reason: string;
}> {
  override get message(): string {
    return `transaction ${this.index} is malformed: ${this.reason}`;
  }
}

const uint = (value: bigint, bytes: number, field: string, index: number): Uint8Array => {
  if (value < 0n || value >= 1n << BigInt(8 * bytes)) {
    throw new MalformedTransaction({ index, reason: `${field} ${value} does not fit in ${bytes} bytes` });
  }
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

const fixedHex = (hex: Hex, bytes: number, field: string, index: number): Uint8Array => {
  if (!/^0x[0-9a-fA-F]*$/.test(hex) || hex.length !== 2 + 2 * bytes) {
    throw new MalformedTransaction({ index, reason: `${field} must be ${bytes} bytes` });
  }
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
};

/** A record's bytes (81 + 7·n). */
export const encodeRecord = (record: GroupRecord, index = 0): Uint8Array => {
  if (record.entries.length > 255) throw new MalformedTransaction({ index, reason: "more than 255 entries" });
  return concatBytes([
    fixedHex(record.user, 20, "user", index),
    uint(record.modelId, 8, "modelId", index),
    fixedHex(record.ioHash, 32, "ioHash", index),
    uint(record.fee, 12, "fee", index),
    uint(record.nonce, 8, "nonce", index),
    Uint8Array.of(record.entries.length),
    ...record.entries.map((entry) =>
      concatBytes([
        uint(entry.contributionId, 4, "contributionId", index),
        uint(BigInt(entry.weight), 3, "weight", index),
      ]),
    ),
  ]);
};

/** Encodes one σ transaction; `index` only names it in errors. */
export const encodeTx = (tx: Tx, index = 0): Uint8Array => {
  if (tx.kind === "settle") {
    return concatBytes([
      Uint8Array.of(TX_SETTLE),
      fixedHex(tx.payer, 20, "payer", index),
      uint(tx.amount, 16, "amount", index),
    ]);
  }
  if (tx.kind === "authorize") {
    return concatBytes([
      Uint8Array.of(TX_AUTHORIZE),
      fixedHex(tx.user, 20, "user", index),
      fixedHex(tx.operator, 20, "operator", index),
      uint(tx.cap, 12, "cap", index),
      uint(tx.nonce, 8, "nonce", index),
      uint(tx.expiry, 8, "expiry", index),
      fixedHex(tx.userSignature, 65, "userSignature", index),
    ]);
  }
  if (tx.kind === "group-record") {
    return concatBytes([
      Uint8Array.of(TX_GROUP_RECORD),
      fixedHex(tx.operator, 20, "operator", index),
      fixedHex(tx.attributor, 20, "attributor", index),
      fixedHex(tx.groupRoot, 32, "groupRoot", index),
      uint(BigInt(tx.count), 2, "m", index),
      fixedHex(tx.operatorSignature, 65, "operatorSignature", index),
      encodeRecord(tx.record, index),
    ]);
  }
  if (tx.entries.length > 255) throw new MalformedTransaction({ index, reason: "more than 255 entries" });
  return concatBytes([
    Uint8Array.of(TX_ATTRIBUTE),
    fixedHex(tx.user, 20, "user", index),
    fixedHex(tx.operator, 20, "operator", index),
    fixedHex(tx.attributor, 20, "attributor", index),
    uint(tx.modelId, 8, "modelId", index),
    fixedHex(tx.requestHash, 32, "requestHash", index),
    fixedHex(tx.outputHash, 32, "outputHash", index),
    uint(tx.maxFee, 12, "maxFee", index),
    uint(tx.fee, 12, "fee", index),
    uint(tx.nonce, 8, "nonce", index),
    uint(tx.deadline, 8, "deadline", index),
    fixedHex(tx.userSignature, 65, "userSignature", index),
    fixedHex(tx.operatorSignature, 65, "operatorSignature", index),
    Uint8Array.of(tx.entries.length),
    ...tx.entries.map((entry) =>
      concatBytes([
        uint(entry.contributionId, 8, "contributionId", index),
        uint(BigInt(entry.weight), 4, "weight", index),
      ]),
    ),
  ]);
};

const readUint = (bytes: Uint8Array, offset: number, length: number): bigint => {
  let v = 0n;
  for (let i = 0; i < length; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
};

const readAddress = (bytes: Uint8Array, offset: number): Address =>
  getAddress(bytesToHex(bytes.subarray(offset, offset + 20)));

/** The length of the record starting at `offset` (its n is at offset + 80); the caller checks the bounds. */
const recordLength = (bytes: Uint8Array, offset: number): number =>
  RECORD_FIXED_LENGTH + RECORD_ENTRY_LENGTH * bytes[offset + RECORD_FIXED_LENGTH - 1]!;

/** The length of the σ transaction starting at `offset`, or a MalformedTransaction (0x04 is no σ transaction). */
export const txLength = (bytes: Uint8Array, offset: number, index: number): number => {
  const type = bytes[offset];
  if (type === TX_ATTRIBUTE) {
    if (offset + ATTRIBUTE_FIXED_LENGTH > bytes.length) {
      throw new MalformedTransaction({ index, reason: "attribute transaction is truncated" });
    }
    return ATTRIBUTE_FIXED_LENGTH + ENTRY_LENGTH * bytes[offset + ATTRIBUTE_FIXED_LENGTH - 1]!;
  }
  if (type === TX_SETTLE) return SETTLE_LENGTH;
  if (type === TX_AUTHORIZE) return AUTHORIZE_LENGTH;
  if (type === TX_GROUP_RECORD) {
    if (offset + GROUP_TX_PREFIX_LENGTH + RECORD_FIXED_LENGTH > bytes.length) {
      throw new MalformedTransaction({ index, reason: "group record transaction is truncated" });
    }
    return GROUP_TX_PREFIX_LENGTH + recordLength(bytes, offset + GROUP_TX_PREFIX_LENGTH);
  }
  throw new MalformedTransaction({ index, reason: `unknown transaction type ${type ?? "(none)"}` });
};

/** Decodes the record at `offset` (bounds already checked). */
const readRecord = (bytes: Uint8Array, offset: number): GroupRecord => {
  const n = bytes[offset + RECORD_FIXED_LENGTH - 1]!;
  const entries = [];
  for (let j = 0; j < n; j++) {
    const at = offset + RECORD_FIXED_LENGTH + RECORD_ENTRY_LENGTH * j;
    entries.push({ contributionId: readUint(bytes, at, 4), weight: Number(readUint(bytes, at + 4, 3)) });
  }
  return {
    user: readAddress(bytes, offset),
    modelId: readUint(bytes, offset + 20, 8),
    ioHash: bytesToHex(bytes.subarray(offset + 28, offset + 60)),
    fee: readUint(bytes, offset + 60, 12),
    nonce: readUint(bytes, offset + 72, 8),
    entries,
  };
};

/** Decodes exactly one σ transaction (the whole of `bytes`). */
export const decodeTx = (bytes: Uint8Array, index = 0): Tx => {
  if (bytes.length === 0) throw new MalformedTransaction({ index, reason: "empty transaction" });
  const length = txLength(bytes, 0, index);
  if (length !== bytes.length) {
    throw new MalformedTransaction({ index, reason: `expected ${length} bytes, got ${bytes.length}` });
  }
  if (bytes[0] === TX_SETTLE) {
    return { kind: "settle", payer: readAddress(bytes, 1), amount: readUint(bytes, 21, 16) };
  }
  if (bytes[0] === TX_AUTHORIZE) {
    return {
      kind: "authorize",
      user: readAddress(bytes, 1),
      operator: readAddress(bytes, 21),
      cap: readUint(bytes, 41, 12),
      nonce: readUint(bytes, 53, 8),
      expiry: readUint(bytes, 61, 8),
      userSignature: bytesToHex(bytes.subarray(69, 134)),
    };
  }
  if (bytes[0] === TX_GROUP_RECORD) {
    return {
      kind: "group-record",
      operator: readAddress(bytes, 1),
      attributor: readAddress(bytes, 21),
      groupRoot: bytesToHex(bytes.subarray(41, 73)),
      count: Number(readUint(bytes, 73, 2)),
      operatorSignature: bytesToHex(bytes.subarray(75, 140)),
      record: readRecord(bytes, GROUP_TX_PREFIX_LENGTH),
    };
  }
  const n = bytes[ATTRIBUTE_FIXED_LENGTH - 1]!;
  const entries: Entry[] = [];
  for (let j = 0; j < n; j++) {
    const at = ATTRIBUTE_FIXED_LENGTH + ENTRY_LENGTH * j;
    entries.push({ contributionId: readUint(bytes, at, 8), weight: Number(readUint(bytes, at + 8, 4)) });
  }
  return {
    kind: "attribute",
    user: readAddress(bytes, 1),
    operator: readAddress(bytes, 21),
    attributor: readAddress(bytes, 41),
    modelId: readUint(bytes, 61, 8),
    requestHash: bytesToHex(bytes.subarray(69, 101)),
    outputHash: bytesToHex(bytes.subarray(101, 133)),
    maxFee: readUint(bytes, 133, 12),
    fee: readUint(bytes, 145, 12),
    nonce: readUint(bytes, 157, 8),
    deadline: readUint(bytes, 165, 8),
    userSignature: bytesToHex(bytes.subarray(173, 238)),
    operatorSignature: bytesToHex(bytes.subarray(238, 303)),
    entries,
  };
};

/* RECEIPT GROUPS */

/** `ioHash = H(requestHash ‖ outputHash)`: what a record carries instead of the two hashes. */
export const ioHashOf = (requestHash: Hex, outputHash: Hex): Hex =>
  keccak256(concatBytes([fixedHex(requestHash, 32, "requestHash", 0), fixedHex(outputHash, 32, "outputHash", 0)]));

/** The padded Merkle root over `H(record_i)` (the tx tree's rule, §5) of already encoded records. */
export const groupRootOfRecords = (records: ReadonlyArray<Uint8Array>): Hex => txRoot(records);

/** The group root the operator signs. */
export const groupRoot = (records: ReadonlyArray<GroupRecord>): Hex =>
  groupRootOfRecords(records.map((record, i) => encodeRecord(record, i)));

/** The EIP-712 message an operator signs for `records` (then `receiptGroupDigest`). */
export const receiptGroupMessage = (group: {
  readonly operator: Address;
  readonly attributor: Address;
  readonly records: ReadonlyArray<GroupRecord>;
}): ReceiptGroupMessage => ({
  operator: group.operator,
  attributor: group.attributor,
  root: groupRoot(group.records),
  count: BigInt(group.records.length),
});

/** The EIP-712 message a user signs to authorize an operator (then `allowanceDigest`). */
export const allowanceMessage = (tx: Omit<AuthorizeTx, "kind" | "userSignature">): AllowanceMessage => ({
  user: tx.user,
  operator: tx.operator,
  cap: tx.cap,
  nonce: tx.nonce,
  expiry: tx.expiry,
});

const checkGroupSize = (count: number, index: number) => {
  if (count < 1 || count > MAX_GROUP_RECORDS) {
    throw new MalformedTransaction({ index, reason: `a group holds 1…${MAX_GROUP_RECORDS} records, not ${count}` });
  }
};

/** A group's batch bytes (0x04 header, then the records). `index` (its first record's tx index) names it in errors. */
export const encodeGroup = (group: ReceiptGroup, index = 0): Uint8Array => {
  checkGroupSize(group.records.length, index);
  return concatBytes([
    Uint8Array.of(TX_GROUP),
    fixedHex(group.operator, 20, "operator", index),
    fixedHex(group.attributor, 20, "attributor", index),
    uint(BigInt(group.records.length), 2, "m", index),
    fixedHex(group.operatorSignature, 65, "operatorSignature", index),
    ...group.records.map((record, i) => encodeRecord(record, index + i)),
  ]);
};

/** The 0x05 σ bytes of every record of a group, from its encoded header fields and records. */
const groupTxBytes = (header: Uint8Array, records: ReadonlyArray<Uint8Array>): Uint8Array[] => {
  // header: operator ‖ attributor (40 bytes), m (2), signature (65), as in the 0x04 bytes after the type
  const root = fixedHex(groupRootOfRecords(records), 32, "groupRoot", 0);
  const prefix = concatBytes([Uint8Array.of(TX_GROUP_RECORD), header.subarray(0, 40), root, header.subarray(40, 107)]);
  return records.map((record) => concatBytes([prefix, record]));
};

/** A group's records as σ transactions (0x05), in order. */
export const groupTransactions = (group: ReceiptGroup, index = 0): GroupRecordTx[] => {
  checkGroupSize(group.records.length, index);
  const root = groupRoot(group.records);
  return group.records.map((record) => ({
    kind: "group-record",
    operator: group.operator,
    attributor: group.attributor,
    groupRoot: root,
    count: group.records.length,
    operatorSignature: group.operatorSignature,
    record,
  }));
};

/* BATCHES */

/** Batch calldata (§5): the items in order (an Attribute or Authorize as its σ bytes, a group as 0x04 bytes). */
export const encodeBatch = (items: ReadonlyArray<BatchItem>): Uint8Array => {
  const parts: Uint8Array[] = [];
  let index = 0;
  for (const item of items) {
    if (item.kind === "group") {
      parts.push(encodeGroup(item, index));
      index += item.records.length;
    } else {
      parts.push(encodeTx(item, index));
      index += 1;
    }
  }
  return concatBytes(parts);
};

/**
 * Walks batch calldata as `postClaim` does, calling `onTx` with the σ bytes of every transaction in order
 * (each group's records as 0x05 transactions) and `onGroup` with each group's header and records.
 * MalformedTransaction{index} names the σ transaction that cannot be read (for a group with m = 0 or a
 * truncated header: the index its first record would have); postClaim reverts TxCodec_MalformedBatch(index).
 */
const walkBatch = (
  batch: Uint8Array,
  onTx: (bytes: Uint8Array) => void,
  onGroup?: (header: Uint8Array, records: ReadonlyArray<Uint8Array>, first: number) => void,
): number => {
  let index = 0;
  for (let offset = 0; offset < batch.length; ) {
    const type = batch[offset];
    if (type === TX_ATTRIBUTE) {
      const length = txLength(batch, offset, index);
      if (offset + length > batch.length) throw new MalformedTransaction({ index, reason: "entries are truncated" });
      onTx(batch.slice(offset, offset + length));
      offset += length;
      index++;
    } else if (type === TX_AUTHORIZE) {
      if (offset + AUTHORIZE_LENGTH > batch.length) {
        throw new MalformedTransaction({ index, reason: "authorize transaction is truncated" });
      }
      onTx(batch.slice(offset, offset + AUTHORIZE_LENGTH));
      offset += AUTHORIZE_LENGTH;
      index++;
    } else if (type === TX_GROUP) {
      if (offset + GROUP_HEADER_LENGTH > batch.length) {
        throw new MalformedTransaction({ index, reason: "group header is truncated" });
      }
      const header = batch.slice(offset + 1, offset + GROUP_HEADER_LENGTH);
      const m = (header[40]! << 8) | header[41]!;
      if (m === 0) throw new MalformedTransaction({ index, reason: "a group with no records" });
      offset += GROUP_HEADER_LENGTH;
      const records: Uint8Array[] = [];
      for (let j = 0; j < m; j++) {
        const at = index + j;
        if (offset + RECORD_FIXED_LENGTH > batch.length || offset + recordLength(batch, offset) > batch.length) {
          throw new MalformedTransaction({ index: at, reason: `group record ${j} of ${m} is truncated` });
        }
        const length = recordLength(batch, offset);
        records.push(batch.slice(offset, offset + length));
        offset += length;
      }
      for (const tx of groupTxBytes(header, records)) onTx(tx);
      onGroup?.(header, records, index);
      index += m;
    } else {
      throw new MalformedTransaction({
        index,
        reason: `batch calldata holds attribute (0x01), authorize (0x03) and group (0x04) items, not type ${type}`,
      });
    }
  }
  return index;
};

/** Splits batch calldata into the σ transactions' bytes, as `postClaim` does (groups expand to 0x05 txs). */
export const splitBatch = (batch: Uint8Array): Uint8Array[] => {
  const out: Uint8Array[] = [];
  walkBatch(batch, (tx) => out.push(tx));
  return out;
};

/** splitBatch as an Effect: malformed calldata fails with MalformedTransaction. */
export const splitBatchEffect = (batch: Uint8Array): Effect.Effect<Uint8Array[], MalformedTransaction> =>
  Effect.try({
    try: () => splitBatch(batch),
    catch: (cause) =>
      cause instanceof MalformedTransaction ? cause : new MalformedTransaction({ index: -1, reason: String(cause) }),
  });

/** A group as read back from batch calldata, with its computed root and the tx index of its first record. */
export interface DecodedGroup extends ReceiptGroup {
  readonly groupRoot: Hex;
  readonly firstTx: number;
}

/** The batch's items in order (the inverse of encodeBatch; groups carry their root and first tx index). */
export const decodeBatch = (batch: Uint8Array): Array<AttributeTx | AuthorizeTx | DecodedGroup> => {
  const items: Array<AttributeTx | AuthorizeTx | DecodedGroup> = [];
  let index = 0;
  walkBatch(
    batch,
    (tx) => {
      if (tx[0] !== TX_GROUP_RECORD) {
        const decoded = decodeTx(tx, index);
        if (decoded.kind === "attribute" || decoded.kind === "authorize") items.push(decoded);
      }
      index++;
    },
    (header, records, first) => {
      items.push({
        kind: "group",
        operator: readAddress(header, 0),
        attributor: readAddress(header, 20),
        operatorSignature: bytesToHex(header.subarray(42, 107)),
        records: records.map((record) => readRecord(record, 0)),
        groupRoot: groupRootOfRecords(records),
        firstTx: first,
      });
    },
  );
  return items;
};

export interface Debit {
  readonly payer: Address;
  readonly amount: bigint;
}

/** The claim's transaction list T (§5): the batch's transactions followed by one Settle per debit. */
export const claimTransactions = (batch: Uint8Array, debits: ReadonlyArray<Debit>): Uint8Array[] => {
  const txs = splitBatch(batch);
  const base = txs.length;
  return [
    ...txs,
    ...debits.map((debit, i) => encodeTx({ kind: "settle", payer: debit.payer, amount: debit.amount }, base + i)),
  ];
};

const ZERO = new Uint8Array(32);
const hashPair = (left: Uint8Array, right: Uint8Array): Uint8Array => keccak256(concatBytes([left, right]), "bytes");

export const txLeaf = (txBytes: Uint8Array): Uint8Array => keccak256(txBytes, "bytes");

/** All rows of the tx tree, leaves (padded to a power of two) first. */
const txRows = (txs: ReadonlyArray<Uint8Array>): Uint8Array[][] => {
  let width = 1;
  while (width < txs.length) width *= 2;
  const leaves = txs.map(txLeaf);
  while (leaves.length < width) leaves.push(ZERO);
  const rows = [leaves];
  for (let row = leaves; row.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(hashPair(row[i]!, row[i + 1]!));
    rows.push(next);
    row = next;
  }
  return rows;
};

/** The transaction root (§5); an empty list has root 0. */
export const txRoot = (txs: ReadonlyArray<Uint8Array>): Hex => {
  if (txs.length === 0) return bytesToHex(ZERO);
  const rows = txRows(txs);
  return bytesToHex(rows[rows.length - 1]![0]!);
};

/** The inclusion proof of tx `index` (siblings from the leaf row up). */
export const txProof = (txs: ReadonlyArray<Uint8Array>, index: number): Hex[] =>
  txRows(txs)
    .slice(0, -1)
    .map((row, level) => bytesToHex(row[(index >> level) ^ 1]!));

export const verifyTxProof = (root: Hex, txBytes: Uint8Array, index: number, proof: ReadonlyArray<Hex>): boolean => {
  let node = txLeaf(txBytes);
  proof.forEach((sibling, level) => {
    const s = Uint8Array.from(Buffer.from(sibling.slice(2), "hex"));
    node = (index >> level) & 1 ? hashPair(s, node) : hashPair(node, s);
  });
  return bytesToHex(node) === root;
};
