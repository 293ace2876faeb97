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
import { type Address, type Hex, hashTypedData, keccak256, recoverTypedDataAddress, toBytes } from "viem";

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

export const requestDigest = (domain: Eip712Domain, message: RequestMessage): Hex =>
  hashTypedData({ domain, types: requestTypes, primaryType: "Request", message });

export const receiptDigest = (domain: Eip712Domain, message: ReceiptMessage): Hex =>
  hashTypedData({ domain, types: receiptTypes, primaryType: "Receipt", message });

export const recoverRequestSigner = (domain: Eip712Domain, message: RequestMessage, signature: Hex) =>
  recoverTypedDataAddress({ domain, types: requestTypes, primaryType: "Request", message, signature });

export const recoverReceiptSigner = (domain: Eip712Domain, message: ReceiptMessage, signature: Hex) =>
  recoverTypedDataAddress({ domain, types: receiptTypes, primaryType: "Receipt", message, signature });
