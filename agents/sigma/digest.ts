/**
 * The hashes σ computes per transaction, without viem's general EIP-712 machinery (which validates and
 * re-encodes the whole typed-data tree each call: ≈ 15 % of σ once the tree was fast). The rules are the
 * ones of agents/protocol/receipt.ts (its type lists are used here, so the type strings cannot drift);
 * agents/sigma/fast.test.ts checks every function against viem's hashTypedData / encodeAbiParameters.
 *
 *   digest(domain, message) = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(typeHash ‖ enc(fields)))
 *
 * with every field of Request and Receipt one 32-byte word (address, uint256, uint64, bytes32).
 */
import { type Address, domainSeparator, type Hex, keccak256, stringToHex } from "viem";
import {
  attributionDomain,
  type ReceiptMessage,
  type RequestMessage,
  receiptTypes,
  requestTypes,
} from "../protocol/receipt.ts";
import { keccak256Bytes } from "./keccak.ts";

type Field = { readonly name: string; readonly type: string };

const typeHash = (name: string, fields: ReadonlyArray<Field>): Uint8Array =>
  keccak256Bytes(new TextEncoder().encode(`${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`));

const REQUEST_TYPEHASH = typeHash("Request", requestTypes.Request);
const RECEIPT_TYPEHASH = typeHash("Receipt", receiptTypes.Receipt);

/** Writes one field as its 32-byte word at `out[at..+32]` (`out` is zeroed by the caller). */
const writeField = (out: Buffer, at: number, type: string, value: unknown): void => {
  if (type === "address" && typeof value === "string") out.write(value.slice(2), at + 12, 20, "hex");
  else if (type === "bytes32" && typeof value === "string") out.write(value.slice(2), at, 32, "hex");
  else if (typeof value === "bigint") out.write(value.toString(16).padStart(64, "0"), at, 32, "hex");
  else throw new TypeError(`digest: unsupported field ${type}`);
};

const structHash = (hash: Uint8Array, fields: ReadonlyArray<Field>, message: object): Buffer => {
  const out = Buffer.alloc(32 * (fields.length + 1));
  out.set(hash, 0);
  fields.forEach((f, i) => {
    writeField(out, 32 * (i + 1), f.type, Reflect.get(message, f.name));
  });
  return Buffer.from(keccak256Bytes(out));
};

const separators = new Map<string, Buffer>();

/** The EIP-712 domain separator of the attribution domain (cached per chain and ledger). */
const separatorOf = (chainId: number, ledger: Address): Buffer => {
  const key = `${chainId}:${ledger.toLowerCase()}`;
  let separator = separators.get(key);
  if (separator === undefined) {
    separator = Buffer.from(domainSeparator({ domain: attributionDomain(chainId, ledger) }).slice(2), "hex");
    separators.set(key, separator);
  }
  return separator;
};

const PREFIX = Buffer.from([0x19, 0x01]);

const digest = (chainId: number, ledger: Address, struct: Buffer): Hex =>
  `0x${Buffer.from(keccak256Bytes(Buffer.concat([PREFIX, separatorOf(chainId, ledger), struct]))).toString("hex")}`;

/** = requestDigest(attributionDomain(chainId, ledger), message) of agents/protocol/receipt.ts. */
export const fastRequestDigest = (chainId: number, ledger: Address, message: RequestMessage): Hex =>
  digest(chainId, ledger, structHash(REQUEST_TYPEHASH, requestTypes.Request, message));

/** = receiptDigest(attributionDomain(chainId, ledger), message) of agents/protocol/receipt.ts. */
export const fastReceiptDigest = (chainId: number, ledger: Address, message: ReceiptMessage): Hex =>
  digest(chainId, ledger, structHash(RECEIPT_TYPEHASH, receiptTypes.Receipt, message));

const NONCE_WINDOW_TAG = Buffer.from(keccak256(stringToHex("poa.nonces")).slice(2), "hex");

/**
 * = nonceWindowKey(user, operator) of ./sigma.ts, in lower case (the tree reads keys as numbers, so the
 * checksum is irrelevant to σ): the low 160 bits of H(H("poa.nonces") ‖ pad32(user) ‖ pad32(operator)).
 */
export const fastNonceWindowKey = (user: Address, operator: Address): Address => {
  const input = Buffer.alloc(96);
  NONCE_WINDOW_TAG.copy(input, 0);
  input.write(user.slice(2), 44, 20, "hex");
  input.write(operator.slice(2), 76, 20, "hex");
  return `0x${Buffer.from(keccak256Bytes(input)).toString("hex", 12)}`;
};
