/**
 * Real signed receipts for tests and benchmarks: a user key signs the EIP-712 Request, an operator
 * key signs the Receipt (agents/protocol/receipt.ts), exactly as the operator will.
 */
import { type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attributionDomain, receiptTypes, requestTypes } from "../protocol/receipt.ts";
import type { ReceiptPayload } from "./messages.ts";

const USER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const OPERATOR_KEY: Hex = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
/** The attributor the fixture operator names in its receipts (anvil account 7). */
export const FIXTURE_ATTRIBUTOR: Hex = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
export const fixtureDomain = attributionDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

export const signedReceipt = async (nonce: bigint, fee = 1_000n): Promise<ReceiptPayload> => {
  const user = privateKeyToAccount(USER_KEY);
  const operator = privateKeyToAccount(OPERATOR_KEY);
  const requestHash = keccak256(toHex(`prompt ${nonce}`));
  const request = {
    user: user.address,
    operator: operator.address,
    modelId: 7n,
    requestHash,
    maxFee: fee * 2n,
    nonce,
    deadline: 2_000_000_000n,
  };
  const receipt = { ...request, attributor: FIXTURE_ATTRIBUTOR, outputHash: keccak256(toHex(`answer ${nonce}`)), fee };
  const { maxFee: _maxFee, ...receiptFields } = receipt;
  const userSignature = await user.signTypedData({
    domain: fixtureDomain,
    types: requestTypes,
    primaryType: "Request",
    message: request,
  });
  const operatorSignature = await operator.signTypedData({
    domain: fixtureDomain,
    types: receiptTypes,
    primaryType: "Receipt",
    message: receiptFields,
  });
  return {
    request,
    userSignature,
    receipt: receiptFields,
    operatorSignature,
    attribution: [
      { contributionId: 1n, weight: 600_000 },
      { contributionId: 2n, weight: 400_000 },
    ],
  };
};
