/**
 * Topic-specific payload checks to plug into `GossipConfig.checkPayload`: a receipt is only worth
 * relaying when the user really authorised the request and the operator really signed the receipt
 * for it, under the deployment's EIP-712 domain (chain id + AttributionLedger address).
 */

import { sameAddress } from "../identity/identity.ts";
import { type Eip712Domain, recoverReceiptSigner, recoverRequestSigner } from "../protocol/receipt.ts";
import type { Envelope } from "./envelope.ts";
import type { ReceiptPayload } from "./messages.ts";
import { Topics } from "./messages.ts";

export type ReceiptProblem =
  | "request-mismatch"
  | "fee-above-max"
  | "user-signature"
  | "operator-signature"
  | "attribution-weights";

/** What is wrong with a gossiped receipt under `domain`, or undefined when it is sound. Never throws. */
export const receiptProblem = async (
  domain: Eip712Domain,
  payload: ReceiptPayload,
  weightScale = 1_000_000,
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
  const user = await recoverRequestSigner(domain, request, payload.userSignature).catch(() => undefined);
  if (user === undefined || !sameAddress(user, request.user)) return "user-signature";
  const operator = await recoverReceiptSigner(domain, receipt, payload.operatorSignature).catch(() => undefined);
  if (operator === undefined || !sameAddress(operator, receipt.operator)) return "operator-signature";
  if (payload.attribution !== undefined && payload.attribution.length > 0) {
    const total = payload.attribution.reduce((sum, entry) => sum + entry.weight, 0);
    if (total !== weightScale) return "attribution-weights";
  }
  return undefined;
};

/** A `checkPayload` that verifies receipts (other topics pass through). */
export const checkReceipts =
  (domain: Eip712Domain) =>
  async (envelope: Envelope): Promise<boolean> => {
    if (envelope.topic !== Topics.receipts) return true;
    return (await receiptProblem(domain, envelope.payload)) === undefined;
  };
