/**
 * Topic-specific payload checks to plug into `GossipConfig.checkPayload`: a receipt is only worth
 * relaying when the user really authorised the request and the operator really signed the receipt
 * for it, under the deployment's EIP-712 domain (chain id + AttributionLedger address).
 */

import type { Address, Hex } from "viem";
import { sameAddress } from "../identity/identity.ts";
import { type SignerRecovery, signerRecovery } from "../identity/recover.ts";
import { groupProblem } from "../protocol/group.ts";
import { type Eip712Domain, receiptDigest, requestDigest } from "../protocol/receipt.ts";
import type { Envelope } from "./envelope.ts";
import type { ReceiptPayload } from "./messages.ts";
import { Topics } from "./messages.ts";

export type ReceiptProblem =
  | "request-mismatch"
  | "fee-above-max"
  | "user-signature"
  | "operator-signature"
  | "attribution-weights";

/** The signer of an EIP-712 message, or undefined when it cannot be hashed or recovered. */
const signer = async (recovery: SignerRecovery, digest: () => Hex, signature: Hex): Promise<Address | undefined> => {
  try {
    return await recovery.recover(digest(), signature);
  } catch {
    return undefined;
  }
};

/**
 * What is wrong with a gossiped receipt under `domain`, or undefined when it is sound. Never throws.
 * The gossip validator and the attributor's intake both call this with the process-wide cached
 * `recovery`, so a receipt's two signatures are recovered once per node.
 */
export const receiptProblem = async (
  domain: Eip712Domain,
  payload: ReceiptPayload,
  weightScale = 1_000_000,
  recovery: SignerRecovery = signerRecovery,
): Promise<ReceiptProblem | undefined> => {
  const { request, receipt } = payload;
  const same =
    sameAddress(request.user, receipt.user) &&
    sameAddress(request.operator, receipt.operator) &&
    request.modelId === receipt.modelId &&
    request.requestHash.toLowerCase() === receipt.requestHash.toLowerCase() &&
    request.nonce === receipt.nonce &&
    request.deadline === receipt.deadline;
  if (!same) return "request-mismatch";
  if (receipt.fee > request.maxFee) return "fee-above-max";
  const user = await signer(recovery, () => requestDigest(domain, request), payload.userSignature);
  if (user === undefined || !sameAddress(user, request.user)) return "user-signature";
  const operator = await signer(recovery, () => receiptDigest(domain, receipt), payload.operatorSignature);
  if (operator === undefined || !sameAddress(operator, receipt.operator)) return "operator-signature";
  if (payload.attribution !== undefined && payload.attribution.length > 0) {
    const total = payload.attribution.reduce((sum, entry) => sum + entry.weight, 0);
    if (total !== weightScale) return "attribution-weights";
  }
  return undefined;
};

/**
 * A `checkPayload` that verifies receipts and receipt groups (agents/protocol/group.ts `groupProblem`:
 * the ReceiptGroup signature over the recomputed root, the records' entries, the allowances' signatures);
 * other topics pass through. A refused message is counted as `reason="payload"` and never relayed.
 */
export const checkReceipts =
  (domain: Eip712Domain, recovery: SignerRecovery = signerRecovery) =>
  async (envelope: Envelope): Promise<boolean> => {
    if (envelope.topic === Topics.groups) return (await groupProblem(domain, envelope.payload)) === undefined;
    if (envelope.topic !== Topics.receipts) return true;
    return (await receiptProblem(domain, envelope.payload, undefined, recovery)) === undefined;
  };
