/**
 * Payment authorisation and receipts for served answers (agents/protocol/receipt.ts holds the types).
 *
 * A paying request carries the user's EIP-712 `Request` in two headers:
 *
 *   x-poa-request:   {"user":"0x…","operator":"0x…","modelId":"7","requestHash":"0x…",
 *                     "maxFee":"1000","nonce":"1","deadline":"1767225600"}   (uints as decimal strings)
 *   x-poa-signature: 0x… (65-byte signature over the Request, by `user`)
 *
 * `requestHash` is keccak256 of the exact HTTP request body bytes. The operator checks: operator is
 * itself, modelId is the served model's, requestHash matches, deadline not passed, maxFee ≥ price,
 * (user, nonce) neither used nor held by a request in flight, and the signature recovers `user`. The
 * nonce is only held while the answer is generated: `sign` consumes it, `release` (a failed
 * generation, a client gone before the answer) frees it for a retry. When payments are required a request
 * without valid headers is refused (HTTP 402); when they are not (the local default) an unsigned
 * request is served with a fee-0 receipt for user 0x0.
 *
 * Every answer gets a Receipt signed by the operator key: returned in the body (`poa_receipt`) and the
 * `x-poa-receipt` header, and handed to `onReceipt` (the agents gossip it). The Receipt names the
 * attributor the operator hands it to (`attributor` option; default the operator itself): σ pays the
 * attributor share to that address, whoever posts the receipt (docs/protocol.md §3).
 */
import { Data, Schema } from "effect";
import { type Address, type Hex, isHex, keccak256, zeroAddress } from "viem";
import type { LocalAccount } from "viem/accounts";
import {
  type Eip712Domain,
  type ReceiptMessage,
  type RequestMessage,
  receiptTypes,
  recoverRequestSigner,
  textHash,
} from "../protocol/receipt.ts";

export const REQUEST_HEADER = "x-poa-request";
export const SIGNATURE_HEADER = "x-poa-signature";
export const RECEIPT_HEADER = "x-poa-receipt";

export class PaymentError extends Data.TaggedError("PaymentError")<{ readonly message: string }> {}

const Uint = Schema.String.check(Schema.isPattern(/^(0|[1-9][0-9]{0,77})$/));
const AddressString = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{40}$/));
const Bytes32 = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{64}$/));

export const RequestJson = Schema.Struct({
  user: AddressString,
  operator: AddressString,
  modelId: Uint,
  requestHash: Bytes32,
  maxFee: Uint,
  nonce: Uint,
  deadline: Uint,
});
export type RequestJson = typeof RequestJson.Type;

export const requestToJson = (m: RequestMessage): RequestJson => ({
  user: m.user,
  operator: m.operator,
  modelId: m.modelId.toString(),
  requestHash: m.requestHash,
  maxFee: m.maxFee.toString(),
  nonce: m.nonce.toString(),
  deadline: m.deadline.toString(),
});

export interface ReceiptJson {
  readonly user: Address;
  readonly operator: Address;
  readonly attributor: Address;
  readonly modelId: string;
  readonly requestHash: Hex;
  readonly outputHash: Hex;
  readonly fee: string;
  readonly nonce: string;
  readonly deadline: string;
}

export interface SignedReceipt {
  readonly receipt: ReceiptJson;
  /** The operator's signature over the Receipt. */
  readonly signature: Hex;
  /** The user's Request and signature, when the request carried them. */
  readonly request: { readonly message: RequestJson; readonly signature: Hex } | null;
}

/** What the served model costs and which on-chain model it is. */
export interface ModelPrice {
  readonly modelId: bigint;
  readonly price: bigint;
}

export interface Authorization {
  readonly user: Address;
  readonly modelId: bigint;
  readonly requestHash: Hex;
  readonly fee: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
  readonly request: SignedReceipt["request"];
  /** `user:nonce` held for this request until `sign` or `release`; null for unsigned requests. */
  readonly hold: string | null;
}

export class ReceiptSigner {
  private readonly seen = new Set<string>();
  private readonly held = new Set<string>();
  private counter = 0n;

  constructor(
    readonly account: LocalAccount,
    readonly domain: Eip712Domain,
    readonly opts: {
      readonly paymentsRequired: boolean;
      readonly now: () => bigint;
      /** The attributor named in every Receipt (paid the attributor share); default this operator. */
      readonly attributor?: Address;
      readonly onReceipt?: (receipt: SignedReceipt) => void;
    },
  ) {}

  get address(): Address {
    return this.account.address;
  }

  /** Checks the request headers; returns what the receipt will say, or a PaymentError. */
  async authorize(
    headers: { readonly request: string | undefined; readonly signature: string | undefined },
    body: Uint8Array,
    price: ModelPrice,
  ): Promise<Authorization | PaymentError> {
    const requestHash = keccak256(body);
    if (headers.request === undefined && headers.signature === undefined) {
      if (this.opts.paymentsRequired) {
        return new PaymentError({
          message: `payment required: send a signed EIP-712 Request in ${REQUEST_HEADER} and ${SIGNATURE_HEADER}`,
        });
      }
      this.counter++;
      return {
        user: zeroAddress,
        modelId: price.modelId,
        requestHash,
        fee: 0n,
        nonce: this.counter,
        deadline: this.opts.now() + 3600n,
        request: null,
        hold: null,
      };
    }
    if (headers.request === undefined || headers.signature === undefined) {
      return new PaymentError({ message: `${REQUEST_HEADER} and ${SIGNATURE_HEADER} must be sent together` });
    }
    let json: RequestJson;
    try {
      json = Schema.decodeUnknownSync(RequestJson)(JSON.parse(headers.request));
    } catch (e) {
      return new PaymentError({
        message: `${REQUEST_HEADER}: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ")}`,
      });
    }
    const signature = headers.signature;
    if (!isHex(signature) || signature.length !== 132)
      return new PaymentError({ message: `${SIGNATURE_HEADER}: expected a 65-byte hex signature` });
    const message: RequestMessage = {
      user: json.user as Address,
      operator: json.operator as Address,
      modelId: BigInt(json.modelId),
      requestHash: json.requestHash as Hex,
      maxFee: BigInt(json.maxFee),
      nonce: BigInt(json.nonce),
      deadline: BigInt(json.deadline),
    };
    if (message.operator.toLowerCase() !== this.address.toLowerCase()) {
      return new PaymentError({
        message: `request authorises operator ${message.operator}, this operator is ${this.address}`,
      });
    }
    if (message.modelId !== price.modelId) {
      return new PaymentError({
        message: `request is for model ${message.modelId}, the served model is ${price.modelId}`,
      });
    }
    if (message.requestHash.toLowerCase() !== requestHash) {
      return new PaymentError({ message: "requestHash does not match keccak256 of the request body" });
    }
    if (message.deadline <= this.opts.now()) return new PaymentError({ message: "request deadline has passed" });
    if (message.maxFee < price.price) {
      return new PaymentError({ message: `maxFee ${message.maxFee} is below the model's price ${price.price}` });
    }
    let signer: Address;
    try {
      signer = await recoverRequestSigner(this.domain, message, signature);
    } catch {
      return new PaymentError({ message: `${SIGNATURE_HEADER}: not a valid signature` });
    }
    if (signer.toLowerCase() !== message.user.toLowerCase()) {
      return new PaymentError({ message: `signature is by ${signer}, not by the request's user ${message.user}` });
    }
    const key = `${message.user.toLowerCase()}:${message.nonce}`;
    if (this.seen.has(key))
      return new PaymentError({ message: `nonce ${message.nonce} already used by ${message.user}` });
    if (this.held.has(key)) {
      return new PaymentError({
        message: `nonce ${message.nonce} of ${message.user} is in use by a request in flight`,
      });
    }
    this.held.add(key);
    return {
      user: message.user,
      modelId: message.modelId,
      requestHash,
      fee: price.price,
      nonce: message.nonce,
      deadline: message.deadline,
      request: { message: json, signature },
      hold: key,
    };
  }

  /** Frees an authorised request's nonce without consuming it (nothing was served). */
  release(auth: Authorization): void {
    if (auth.hold !== null) this.held.delete(auth.hold);
  }

  /** Consumes the request's nonce, signs the receipt for a served output and hands it to the gossip hook. */
  async sign(auth: Authorization, output: string): Promise<SignedReceipt> {
    if (auth.hold !== null) {
      this.seen.add(auth.hold);
      this.held.delete(auth.hold);
    }
    const message: ReceiptMessage = {
      user: auth.user,
      operator: this.address,
      attributor: this.opts.attributor ?? this.address,
      modelId: auth.modelId,
      requestHash: auth.requestHash,
      outputHash: textHash(output),
      fee: auth.fee,
      nonce: auth.nonce,
      deadline: auth.deadline,
    };
    const signature = await this.account.signTypedData({
      domain: this.domain,
      types: receiptTypes,
      primaryType: "Receipt",
      message,
    });
    const signed: SignedReceipt = {
      receipt: {
        ...message,
        modelId: message.modelId.toString(),
        fee: message.fee.toString(),
        nonce: message.nonce.toString(),
        deadline: message.deadline.toString(),
      },
      signature,
      request: auth.request,
    };
    try {
      this.opts.onReceipt?.(signed);
    } catch {
      // a failing gossip hook must not fail the answer
    }
    return signed;
  }
}
