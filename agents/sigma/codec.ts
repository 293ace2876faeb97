/**
 * Transaction encodings, batch calldata and the transaction root (docs/protocol.md §3, §5).
 * Mirrors `src/libraries/TxCodec.sol` byte for byte.
 */
import { Data } from "effect";
import { type Address, bytesToHex, concatBytes, getAddress, type Hex, keccak256 } from "viem";

export const TX_ATTRIBUTE = 0x01;
export const TX_SETTLE = 0x02;
export const ATTRIBUTE_FIXED_LENGTH = 304;
export const ENTRY_LENGTH = 12;
export const SETTLE_LENGTH = 37;

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

export type Tx = AttributeTx | SettleTx;

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

/** Encodes one transaction; `index` only names it in errors. */
export const encodeTx = (tx: Tx, index = 0): Uint8Array => {
  if (tx.kind === "settle") {
    return concatBytes([
      Uint8Array.of(TX_SETTLE),
      fixedHex(tx.payer, 20, "payer", index),
      uint(tx.amount, 16, "amount", index),
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

/** The length of the transaction starting at `offset`, or a MalformedTransaction. */
export const txLength = (bytes: Uint8Array, offset: number, index: number): number => {
  const type = bytes[offset];
  if (type === TX_ATTRIBUTE) {
    if (offset + ATTRIBUTE_FIXED_LENGTH > bytes.length) {
      throw new MalformedTransaction({ index, reason: "attribute transaction is truncated" });
    }
    return ATTRIBUTE_FIXED_LENGTH + ENTRY_LENGTH * bytes[offset + ATTRIBUTE_FIXED_LENGTH - 1]!;
  }
  if (type === TX_SETTLE) return SETTLE_LENGTH;
  throw new MalformedTransaction({ index, reason: `unknown transaction type ${type ?? "(none)"}` });
};

/** Decodes exactly one transaction (the whole of `bytes`). */
export const decodeTx = (bytes: Uint8Array, index = 0): Tx => {
  if (bytes.length === 0) throw new MalformedTransaction({ index, reason: "empty transaction" });
  const length = txLength(bytes, 0, index);
  if (length !== bytes.length) {
    throw new MalformedTransaction({ index, reason: `expected ${length} bytes, got ${bytes.length}` });
  }
  if (bytes[0] === TX_SETTLE) {
    return { kind: "settle", payer: readAddress(bytes, 1), amount: readUint(bytes, 21, 16) };
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

/** Batch calldata (§5): the concatenation of Attribute transactions. */
export const encodeBatch = (txs: ReadonlyArray<AttributeTx>): Uint8Array =>
  concatBytes(txs.map((tx, i) => encodeTx(tx, i)));

/** Splits batch calldata into transactions' bytes, as `postClaim` does. */
export const splitBatch = (batch: Uint8Array): Uint8Array[] => {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < batch.length; ) {
    const index = out.length;
    if (batch[offset] !== TX_ATTRIBUTE) {
      throw new MalformedTransaction({ index, reason: "batch calldata holds only attribute transactions" });
    }
    const length = txLength(batch, offset, index);
    if (offset + length > batch.length) throw new MalformedTransaction({ index, reason: "entries are truncated" });
    out.push(batch.slice(offset, offset + length));
    offset += length;
  }
  return out;
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
