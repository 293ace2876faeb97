/**
 * The EIP-712 messages behind every attributed inference (docs/protocol.md, "Receipts").
 *
 * - The user signs a `Request` before the answer exists: it authorises `operator` to charge at most
 *   `maxFee` for the request whose hash is `requestHash`, once (`nonce`), until `deadline`.
 * - The operator signs a `Receipt` after answering: the same request, the hash of the output it
 *   served, the fee it charged (fee ≤ maxFee) and the `attributor` it hands the receipt to, whom σ
 *   pays the attributor share (anyone may post the receipt; copying it pays the copier nothing).
 * σ checks both signatures, fee ≤ maxFee, attributor ≠ 0, the deadline against the claim's reference
 * time and replay by (user, operator, nonce). The domain's verifying contract is the AttributionLedger.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Schema } from "effect";
import {
  type Address,
  bytesToHex,
  type Hex,
  hexToBytes,
  keccak256,
  recoverAddress,
  stringToBytes,
  toBytes,
  zeroAddress,
} from "viem";
import { AddressSchema, Bytes32Schema, SignatureSchema } from "../identity/identity.ts";
import { keccak256Bytes } from "../sigma/keccak.ts";

export const EIP712_NAME = "ProofOfAttribution";
export const EIP712_VERSION = "1";

export const requestTypes = {
  Request: [
    { name: "user", type: "address" },
    { name: "operator", type: "address" },
    { name: "modelId", type: "uint256" },
    { name: "requestHash", type: "bytes32" },
    { name: "maxFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const receiptTypes = {
  Receipt: [
    { name: "user", type: "address" },
    { name: "operator", type: "address" },
    { name: "attributor", type: "address" },
    { name: "modelId", type: "uint256" },
    { name: "requestHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "fee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export interface Eip712Domain {
  readonly name: typeof EIP712_NAME;
  readonly version: typeof EIP712_VERSION;
  readonly chainId: number;
  readonly verifyingContract: Address;
}

export const attributionDomain = (chainId: number, ledger: Address): Eip712Domain => ({
  name: EIP712_NAME,
  version: EIP712_VERSION,
  chainId,
  verifyingContract: ledger,
});

export interface RequestMessage {
  readonly user: Address;
  readonly operator: Address;
  readonly modelId: bigint;
  readonly requestHash: Hex;
  readonly maxFee: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
}

export interface ReceiptMessage {
  readonly user: Address;
  readonly operator: Address;
  /** The attributor the operator hands the receipt to: σ credits the attributor share to it. */
  readonly attributor: Address;
  readonly modelId: bigint;
  readonly requestHash: Hex;
  readonly outputHash: Hex;
  readonly fee: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
}

/** keccak256 of the UTF-8 bytes: how request bodies and outputs are hashed into messages. */
export const textHash = (text: string): Hex => keccak256(toBytes(text));

/* EIP-712 HASHING with the type hashes and domain separators computed once */

const utf8Hash = (text: string): Uint8Array => hexToBytes(keccak256(stringToBytes(text)));

const encodeType = (name: string, fields: ReadonlyArray<{ readonly name: string; readonly type: string }>) =>
  `${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;

/** keccak256 of each primary type's encodeType string (EIP-712 `typeHash`). */
export const REQUEST_TYPEHASH: Hex = keccak256(stringToBytes(encodeType("Request", requestTypes.Request)));
export const RECEIPT_TYPEHASH: Hex = keccak256(stringToBytes(encodeType("Receipt", receiptTypes.Receipt)));
const DOMAIN_TYPEHASH = hexToBytes(
  keccak256(stringToBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
);
const NAME_HASH = utf8Hash(EIP712_NAME);
const VERSION_HASH = utf8Hash(EIP712_VERSION);
const requestTypeHash = hexToBytes(REQUEST_TYPEHASH);
const receiptTypeHash = hexToBytes(RECEIPT_TYPEHASH);

/** Writes 32-byte words into one buffer: static EIP-712 fields only (address, uint, bytes32). */
const words = (count: number) => {
  const out = new Uint8Array(32 * count);
  let at = 0;
  const word = {
    bytes32(value: Uint8Array | Hex) {
      const bytes = typeof value === "string" ? hexToBytes(value) : value;
      if (bytes.length !== 32) throw new Error(`expected 32 bytes, got ${bytes.length}`);
      out.set(bytes, at);
      at += 32;
      return word;
    },
    address(value: Address) {
      const bytes = hexToBytes(value);
      if (bytes.length !== 20) throw new Error(`expected an address, got ${value}`);
      out.set(bytes, at + 12);
      at += 32;
      return word;
    },
    uint(value: bigint | number, bits = 256) {
      let v = BigInt(value);
      if (v < 0n || v >= 1n << BigInt(bits)) throw new Error(`uint${bits} out of range: ${value}`);
      for (let i = 31; i >= 0 && v > 0n; i--) {
        out[at + i] = Number(v & 0xffn);
        v >>= 8n;
      }
      at += 32;
      return word;
    },
    done: () => out,
  };
  return word;
};

const separators = new Map<string, Uint8Array>();

/** The EIP-712 domain separator, computed once per (chain id, verifying contract). */
export const domainSeparator = (domain: Eip712Domain): Hex => bytesToHex(separatorBytes(domain));

const separatorBytes = (domain: Eip712Domain): Uint8Array => {
  const key = `${domain.chainId}:${domain.verifyingContract.toLowerCase()}`;
  let separator = separators.get(key);
  if (separator === undefined) {
    separator = hexToBytes(
      keccak256(
        words(5)
          .bytes32(DOMAIN_TYPEHASH)
          .bytes32(NAME_HASH)
          .bytes32(VERSION_HASH)
          .uint(domain.chainId)
          .address(domain.verifyingContract)
          .done(),
      ),
    );
    if (separators.size > 64) separators.clear();
    separators.set(key, separator);
  }
  return separator;
};

// keccak in WebAssembly straight on bytes (agents/sigma/keccak.ts, ~7× @noble/hashes; viem's keccak256 adds hex round trips)
const digest = (domain: Eip712Domain, structHash: Uint8Array): Hex => {
  const message = new Uint8Array(66);
  message[0] = 0x19;
  message[1] = 0x01;
  message.set(separatorBytes(domain), 2);
  message.set(structHash, 34);
  return bytesToHex(keccak256Bytes(message));
};

// the struct hashes (2–3 permutations) stay on @noble/hashes, as the group types' hashes do
const requestStruct = (m: RequestMessage): Uint8Array =>
  keccak_256(
    words(8)
      .bytes32(requestTypeHash)
      .address(m.user)
      .address(m.operator)
      .uint(m.modelId)
      .bytes32(m.requestHash)
      .uint(m.maxFee)
      .uint(m.nonce)
      .uint(m.deadline, 64)
      .done(),
  );

const receiptStruct = (m: ReceiptMessage): Uint8Array =>
  keccak_256(
    words(10)
      .bytes32(receiptTypeHash)
      .address(m.user)
      .address(m.operator)
      .address(m.attributor)
      .uint(m.modelId)
      .bytes32(m.requestHash)
      .bytes32(m.outputHash)
      .uint(m.fee)
      .uint(m.nonce)
      .uint(m.deadline, 64)
      .done(),
  );

/** The EIP-712 digest a user signs (`hashTypedData` of the Request, without re-deriving the type hashes). */
export const requestDigest = (domain: Eip712Domain, message: RequestMessage): Hex =>
  digest(domain, requestStruct(message));

export const requestStructHash = (m: RequestMessage): Hex => bytesToHex(requestStruct(m));
export const receiptStructHash = (m: ReceiptMessage): Hex => bytesToHex(receiptStruct(m));

/** The EIP-712 digest an operator signs. */
export const receiptDigest = (domain: Eip712Domain, message: ReceiptMessage): Hex =>
  digest(domain, receiptStruct(message));

/* ISSUE 19: THE ALLOWANCE (a user's session with one operator) AND THE RECEIPT GROUP (docs/protocol.md §3) */

/** A user authorizes `operator` to charge it up to `cap` in all, until `expiry` (tx 0x03; `nonce` spends like a request's). */
export const allowanceTypes = {
  Allowance: [
    { name: "user", type: "address" },
    { name: "operator", type: "address" },
    { name: "cap", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint64" },
  ],
} as const;

/** An operator signs `count` receipt records at once: `root` is their padded Merkle root (tx 0x04/0x05). */
export const receiptGroupTypes = {
  ReceiptGroup: [
    { name: "operator", type: "address" },
    { name: "attributor", type: "address" },
    { name: "root", type: "bytes32" },
    { name: "count", type: "uint256" },
  ],
} as const;

export interface AllowanceMessage {
  readonly user: Address;
  readonly operator: Address;
  readonly cap: bigint;
  readonly nonce: bigint;
  readonly expiry: bigint;
}

export interface ReceiptGroupMessage {
  readonly operator: Address;
  readonly attributor: Address;
  readonly root: Hex;
  readonly count: bigint;
}

export const ALLOWANCE_TYPEHASH: Hex = keccak256(stringToBytes(encodeType("Allowance", allowanceTypes.Allowance)));
export const RECEIPT_GROUP_TYPEHASH: Hex = keccak256(
  stringToBytes(encodeType("ReceiptGroup", receiptGroupTypes.ReceiptGroup)),
);
const allowanceTypeHash = hexToBytes(ALLOWANCE_TYPEHASH);
const receiptGroupTypeHash = hexToBytes(RECEIPT_GROUP_TYPEHASH);

/** The EIP-712 digest a user signs to open a session with an operator (`hashTypedData` of the Allowance). */
export const allowanceDigest = (domain: Eip712Domain, m: AllowanceMessage): Hex =>
  digest(
    domain,
    keccak_256(
      words(6)
        .bytes32(allowanceTypeHash)
        .address(m.user)
        .address(m.operator)
        .uint(m.cap)
        .uint(m.nonce)
        .uint(m.expiry, 64)
        .done(),
    ),
  );

/** The EIP-712 digest an operator signs for a group of receipt records. */
export const receiptGroupDigest = (domain: Eip712Domain, m: ReceiptGroupMessage): Hex =>
  digest(
    domain,
    keccak_256(
      words(5)
        .bytes32(receiptGroupTypeHash)
        .address(m.operator)
        .address(m.attributor)
        .bytes32(m.root)
        .uint(m.count)
        .done(),
    ),
  );

export const recoverRequestSigner = (domain: Eip712Domain, message: RequestMessage, signature: Hex) =>
  recoverAddress({ hash: requestDigest(domain, message), signature });

export const recoverReceiptSigner = (domain: Eip712Domain, message: ReceiptMessage, signature: Hex) =>
  recoverAddress({ hash: receiptDigest(domain, message), signature });

/* THE RECEIPT: one schema for the operator's answer, the attributor's intake, gossip and the store */

/** uint256 on the wire: a decimal string. */
export const Uint256 = Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: 2n ** 256n - 1n }));
/** uint64 on the wire: a decimal string. */
export const Uint64 = Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: 2n ** 64n - 1n }));

/** `RequestMessage`, user-signed (EIP-712). */
export const RequestSchema = Schema.Struct({
  user: AddressSchema,
  operator: AddressSchema,
  modelId: Uint256,
  requestHash: Bytes32Schema,
  maxFee: Uint256,
  nonce: Uint256,
  deadline: Uint64,
});

/** `ReceiptMessage`, operator-signed (EIP-712). */
export const ReceiptMessageSchema = Schema.Struct({
  user: AddressSchema,
  operator: AddressSchema,
  /** Who σ pays the attributor share (docs/protocol.md §3). */
  attributor: AddressSchema,
  modelId: Uint256,
  requestHash: Bytes32Schema,
  outputHash: Bytes32Schema,
  fee: Uint256,
  nonce: Uint256,
  deadline: Uint64,
});

/**
 * The signed receipt: the user's Request and signature, the operator's Receipt and signature. This is
 * `poa_receipt` in the operator's answers, the `receipt` of the attributor's intake, the body of a
 * `/poa/receipts/2` message and the Store's row (the latter two with an optional `attribution`:
 * `ReceiptPayload`). Its texts are content-addressed: `requestHash` is keccak256 of the canonical
 * request (agents/protocol/request.ts), `outputHash` keccak256 of the answer's UTF-8 bytes.
 */
export const SignedReceipt = Schema.Struct({
  request: RequestSchema,
  userSignature: SignatureSchema,
  receipt: ReceiptMessageSchema,
  operatorSignature: SignatureSchema,
});
export type SignedReceipt = typeof SignedReceipt.Type;

/** An attributed receipt's entry (agents/engines/engine.ts `AttributionEntry`; σ checks the weights sum). */
export const AttributionEntrySchema = Schema.Struct({
  contributionId: Uint256,
  weight: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1_000_000)),
});

/** A signed receipt, optionally with the sender's attribution (gossip `/poa/receipts/2`, the Store). */
export const ReceiptPayload = Schema.Struct({
  ...SignedReceipt.fields,
  attribution: Schema.optionalKey(Schema.Array(AttributionEntrySchema).check(Schema.isMaxLength(64))),
});
export type ReceiptPayload = typeof ReceiptPayload.Type;

/**
 * The user signature of an unpaid request (an operator that does not require payment serves requests
 * without a signed Request: user 0x0, fee 0). 65 zero bytes: no signer recovers from it, so σ and
 * every receipt check refuse such a receipt; operators never publish them.
 */
export const NO_USER_SIGNATURE: Hex = `0x${"00".repeat(65)}`;

export const isUnpaid = (r: SignedReceipt): boolean =>
  r.request.user.toLowerCase() === zeroAddress && r.userSignature === NO_USER_SIGNATURE;

/** The wire (JSON) form of a signed receipt, and back. */
export const encodeSignedReceipt = Schema.encodeSync(SignedReceipt);
export const decodeSignedReceipt = Schema.decodeUnknownSync(SignedReceipt);
