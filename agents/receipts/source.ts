/**
 * A simulated receipt source: users who sign Requests and an operator who answers and signs Receipts
 * (EIP-712, agents/protocol/receipt.ts), under the deployment's domain. Each answered query comes with
 * its texts, which the attributor's engine needs and the receipt only commits to by hash: query `input`
 * is asked as a plain completion (`plainCompletion(model, input)`, model `model-<modelId>`), so
 * `requestHash` is over its canonical encoding as the operator's is. A test and benchmark double of
 * users plus operator: a real operator is `poa operator serve` (agents/operator/), real users sign
 * with agents/operator/client.ts.
 */
import { type Address, bytesToHex, type Hex, keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  attributionDomain,
  type ReceiptMessage,
  type RequestMessage,
  receiptTypes,
  requestTypes,
  textHash,
} from "../protocol/receipt.ts";
import { encodeCanonicalRequest, plainCompletion, requestText } from "../protocol/request.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";

export type { SourcedReceipt } from "../protocol/texts.ts";

export interface ReceiptSourceConfig {
  readonly chainId: number;
  readonly ledger: Address;
  readonly modelId: bigint;
  readonly operatorKey: Hex;
  readonly userKeys: ReadonlyArray<Hex>;
  readonly fee: bigint;
  readonly maxFee?: bigint;
  /** Unix seconds; default: one day after the first receipt. */
  readonly deadline?: bigint;
  /** First nonce of every user (default 0). */
  readonly firstNonce?: bigint;
  /**
   * The attributors the operator hands receipts to: answer `i` names `attributors[i % length]` in its
   * Receipt, so σ pays that one the attributor share (default: the operator itself).
   */
  readonly attributors?: ReadonlyArray<Address>;
}

export interface ReceiptSource {
  /** Serves one query: user `i % users` asks, the operator answers with `output` and names attributor `i % attributors`. */
  readonly answer: (i: number, input: string, output: string) => Promise<SourcedReceipt>;
  readonly users: ReadonlyArray<Address>;
  readonly operator: Address;
}

export const makeReceiptSource = (config: ReceiptSourceConfig): ReceiptSource => {
  const domain = attributionDomain(config.chainId, config.ledger);
  const operator = privateKeyToAccount(config.operatorKey);
  const users = config.userKeys.map((key) => privateKeyToAccount(key));
  const nonces = users.map(() => config.firstNonce ?? 0n);
  const deadline = config.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 86_400);
  const attributors = config.attributors?.length ? config.attributors : [operator.address];
  return {
    users: users.map((u) => u.address),
    operator: operator.address,
    answer: async (i, input, output) => {
      const slot = i % users.length;
      const user = users[slot]!;
      const nonce = nonces[slot]!;
      nonces[slot] = nonce + 1n;
      const canonical = plainCompletion(`model-${config.modelId}`, input);
      const requestBytes = encodeCanonicalRequest(canonical);
      const request: RequestMessage = {
        user: user.address,
        operator: operator.address,
        modelId: config.modelId,
        requestHash: keccak256(requestBytes),
        maxFee: config.maxFee ?? config.fee,
        nonce,
        deadline,
      };
      const receipt: ReceiptMessage = {
        user: user.address,
        operator: operator.address,
        attributor: attributors[i % attributors.length]!,
        modelId: config.modelId,
        requestHash: request.requestHash,
        outputHash: textHash(output),
        fee: config.fee,
        nonce,
        deadline,
      };
      const [userSignature, operatorSignature] = await Promise.all([
        user.signTypedData({ domain, types: requestTypes, primaryType: "Request", message: request }),
        operator.signTypedData({ domain, types: receiptTypes, primaryType: "Receipt", message: receipt }),
      ]);
      return {
        receipt: { request, userSignature, receipt, operatorSignature },
        request: bytesToHex(requestBytes),
        input: requestText(canonical),
        output,
      };
    },
  };
};
