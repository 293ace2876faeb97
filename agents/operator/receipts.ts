/**
 * Payment authorisation and receipts for served answers (agents/protocol/receipt.ts holds the types).
 *
 * A paying request carries the user's EIP-712 `Request` in two headers:
 *
 *   x-poa-request:   {"user":"0x…","operator":"0x…","modelId":"7","requestHash":"0x…",
 *                     "maxFee":"1000","nonce":"1","deadline":"1767225600"}   (uints as decimal strings)
 *   x-poa-signature: 0x… (65-byte signature over the Request, by `user`)
 *
 * `requestHash` is keccak256 of the canonical request (agents/protocol/request.ts, docs/protocol.md §3):
 * model, prompt or messages and sampling parameters, not the HTTP body's bytes. The operator checks:
 * operator is itself, modelId is the served model's, requestHash matches, deadline not passed, maxFee ≥ price,
 * (user, nonce) neither used nor held by a request in flight, and the signature recovers `user`. The
 * nonce is only held while the answer is generated: `sign` consumes it, `release` (a failed
 * generation, a client gone before the answer) frees it for a retry. When payments are required a request
 * without valid headers is refused (HTTP 402); when they are not (the local default) an unsigned
 * request is served with a fee-0 receipt for user 0x0 whose user signature is `NO_USER_SIGNATURE`
 * (σ refuses it; it is never published).
 *
 * **Or under an allowance** (spec B, docs/protocol.md §3 "Allowances and receipt groups"): the user signs
 * one EIP-712 `Allowance` per operator (a session: cap, expiry, nonce) and sends it with every request:
 *
 *   x-poa-allowance:           {"user":"0x…","operator":"0x…","cap":"100000","nonce":"1700000000000","expiry":"1767225600"}
 *   x-poa-allowance-signature: 0x… (65 bytes, by `user`)
 *
 * The operator checks it once per session (operator is itself, expiry not passed, the signature recovers
 * `user`; a higher nonce starts a new session, a lower one is refused as superseded) and serves while the
 * session's cap covers the price (what it charged plus what requests in flight hold). It numbers the
 * session's answers itself: nonce + 1, nonce + 2, … in the user's (user, operator) window (a user that also
 * sends per-request Requests to this operator keeps their nonces away from its sessions'). Such an answer
 * is not published as a per-request receipt (it has no user signature): it becomes a record of a receipt
 * group (`onRecord`, ./groups.ts), signed with others at once and posted as a 0x04 group. Which path a
 * request takes is the client's choice, per request: Request headers → 0x01, Allowance headers → a group
 * record; both at once is refused.
 *
 * Every answer gets a Receipt signed by the operator key: the signed receipt (agents/protocol/receipt.ts
 * `SignedReceipt`, the one receipt schema) is returned in the body (`poa_receipt`) and the
 * `x-poa-receipt` header, and handed with its texts to `onReceipt` (agents/operator/publish.ts sends it
 * to the attributors). The Receipt names the
 * attributor the operator hands it to (`attributor` option; default the operator itself): σ pays the
 * attributor share to that address, whoever posts the receipt (docs/protocol.md §3).
 */
import { Data, Schema } from "effect";
import { type Address, type Hex, isHex, keccak256, zeroAddress } from "viem";
import type { LocalAccount } from "viem/accounts";
import { AllowanceSchema, allowanceSigner, type SignedAllowance } from "../protocol/group.ts";
import {
  type Eip712Domain,
  NO_USER_SIGNATURE,
  type ReceiptMessage,
  type RequestMessage,
  RequestSchema,
  receiptTypes,
  recoverRequestSigner,
  type SignedReceipt,
  textHash,
} from "../protocol/receipt.ts";
import { type CanonicalRequest, encodeCanonicalRequest } from "../protocol/request.ts";
import type { ServedRecord } from "./groups.ts";

export type { SignedReceipt } from "../protocol/receipt.ts";

export const REQUEST_HEADER = "x-poa-request";
export const SIGNATURE_HEADER = "x-poa-signature";
export const RECEIPT_HEADER = "x-poa-receipt";
export const ALLOWANCE_HEADER = "x-poa-allowance";
export const ALLOWANCE_SIGNATURE_HEADER = "x-poa-allowance-signature";

export class PaymentError extends Data.TaggedError("PaymentError")<{ readonly message: string }> {}

/** The `x-poa-request` header: the protocol's Request schema (uints as decimal strings). */
export const RequestJson = RequestSchema;
export type RequestJson = typeof RequestSchema.Encoded;

export const requestToJson = (m: RequestMessage): RequestJson => Schema.encodeSync(RequestSchema)(m);

/** A signed receipt with the texts behind its hashes: what the operator hands to the attributors. */
export interface ReceiptWithTexts {
  readonly receipt: SignedReceipt;
  /** The canonical request bytes (keccak256 = requestHash). */
  readonly request: Uint8Array;
  /** The answer (keccak256 of its UTF-8 bytes = outputHash). */
  readonly output: string;
}

/** What the served model costs and which on-chain model it is. */
export interface ModelPrice {
  readonly modelId: bigint;
  readonly price: bigint;
}

export interface Authorization {
  /** The user's Request (for an unsigned request: the operator's own, user 0x0, maxFee 0). */
  readonly request: RequestMessage;
  readonly userSignature: Hex;
  readonly fee: bigint;
  /** The canonical request bytes behind `request.requestHash`. */
  readonly requestBytes: Uint8Array;
  /** `user:nonce` held for this request until `sign` or `release`; null for unsigned requests. */
  readonly hold: string | null;
  /** Served under this allowance (a group record), not a per-request Request. */
  readonly allowance?: SignedAllowance;
}

/** An allowance session: what it charged, what requests in flight hold, the next nonce it gives. */
interface Session {
  readonly signed: SignedAllowance;
  spent: bigint;
  held: bigint;
  next: bigint;
}

export type AllowanceHeaders = {
  readonly allowance?: string | undefined;
  readonly allowanceSignature?: string | undefined;
};

export class ReceiptSigner {
  private readonly seen = new Set<string>();
  private readonly held = new Set<string>();
  /** Allowance sessions by user (lowercase). */
  private readonly sessions = new Map<string, Session>();
  private counter = 0n;

  constructor(
    readonly account: LocalAccount,
    readonly domain: Eip712Domain,
    readonly opts: {
      readonly paymentsRequired: boolean;
      readonly now: () => bigint;
      /** The attributor named in every Receipt (paid the attributor share); default this operator. */
      readonly attributor?: Address;
      readonly onReceipt?: (receipt: ReceiptWithTexts) => void;
      /** Answers served under an allowance go here (./groups.ts `GroupSigner.add`) instead of `onReceipt`. */
      readonly onRecord?: (served: ServedRecord) => void;
    },
  ) {}

  get address(): Address {
    return this.account.address;
  }

  /** Checks the request headers; returns what the receipt will say, or a PaymentError. */
  async authorize(
    headers: { readonly request: string | undefined; readonly signature: string | undefined } & AllowanceHeaders,
    canonical: CanonicalRequest,
    price: ModelPrice,
  ): Promise<Authorization | PaymentError> {
    let requestBytes: Uint8Array;
    try {
      requestBytes = encodeCanonicalRequest(canonical);
    } catch (e) {
      return new PaymentError({ message: `request cannot be encoded: ${e instanceof Error ? e.message : String(e)}` });
    }
    const requestHash = keccak256(requestBytes);
    if (headers.allowance !== undefined || headers.allowanceSignature !== undefined) {
      if (headers.request !== undefined || headers.signature !== undefined) {
        return new PaymentError({
          message: `send either a Request (${REQUEST_HEADER}) or an Allowance (${ALLOWANCE_HEADER}), not both`,
        });
      }
      return this.authorizeAllowance(headers, requestHash, requestBytes, price);
    }
    if (headers.request === undefined && headers.signature === undefined) {
      if (this.opts.paymentsRequired) {
        return new PaymentError({
          message: `payment required: send a signed EIP-712 Request in ${REQUEST_HEADER} and ${SIGNATURE_HEADER}`,
        });
      }
      this.counter++;
      return {
        request: {
          user: zeroAddress,
          operator: this.address,
          modelId: price.modelId,
          requestHash,
          maxFee: 0n,
          nonce: this.counter,
          deadline: this.opts.now() + 3600n,
        },
        userSignature: NO_USER_SIGNATURE,
        fee: 0n,
        requestBytes,
        hold: null,
      };
    }
    if (headers.request === undefined || headers.signature === undefined) {
      return new PaymentError({ message: `${REQUEST_HEADER} and ${SIGNATURE_HEADER} must be sent together` });
    }
    let message: RequestMessage;
    try {
      message = Schema.decodeUnknownSync(RequestSchema)(JSON.parse(headers.request));
    } catch (e) {
      return new PaymentError({
        message: `${REQUEST_HEADER}: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ")}`,
      });
    }
    const signature = headers.signature;
    if (!isHex(signature) || signature.length !== 132)
      return new PaymentError({ message: `${SIGNATURE_HEADER}: expected a 65-byte hex signature` });
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
      return new PaymentError({
        message: "requestHash does not match keccak256 of the canonical request (docs/protocol.md §3)",
      });
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
    return { request: message, userSignature: signature, fee: price.price, requestBytes, hold: key };
  }

  /** An answer under the user's allowance session (see the file's comment). */
  private async authorizeAllowance(
    headers: AllowanceHeaders,
    requestHash: Hex,
    requestBytes: Uint8Array,
    price: ModelPrice,
  ): Promise<Authorization | PaymentError> {
    if (headers.allowance === undefined || headers.allowanceSignature === undefined) {
      return new PaymentError({
        message: `${ALLOWANCE_HEADER} and ${ALLOWANCE_SIGNATURE_HEADER} must be sent together`,
      });
    }
    if (this.opts.onRecord === undefined) {
      return new PaymentError({
        message: `this operator takes per-request signatures only (${REQUEST_HEADER}): it has no attributor to group receipts for`,
      });
    }
    let allowance: SignedAllowance["allowance"];
    try {
      allowance = Schema.decodeUnknownSync(AllowanceSchema)(JSON.parse(headers.allowance));
    } catch (e) {
      return new PaymentError({
        message: `${ALLOWANCE_HEADER}: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ")}`,
      });
    }
    const signature = headers.allowanceSignature;
    if (!isHex(signature) || signature.length !== 132)
      return new PaymentError({ message: `${ALLOWANCE_SIGNATURE_HEADER}: expected a 65-byte hex signature` });
    if (allowance.operator.toLowerCase() !== this.address.toLowerCase()) {
      return new PaymentError({
        message: `allowance authorises operator ${allowance.operator}, this operator is ${this.address}`,
      });
    }
    if (allowance.expiry <= this.opts.now()) return new PaymentError({ message: "allowance has expired" });
    const user = allowance.user.toLowerCase();
    let session = this.sessions.get(user);
    if (session !== undefined && allowance.nonce < session.signed.allowance.nonce) {
      return new PaymentError({
        message: `allowance nonce ${allowance.nonce} is superseded by nonce ${session.signed.allowance.nonce}`,
      });
    }
    if (session !== undefined && allowance.nonce === session.signed.allowance.nonce) {
      const same = session.signed.allowance;
      if (same.cap !== allowance.cap || same.expiry !== allowance.expiry || session.signed.signature !== signature) {
        return new PaymentError({ message: `allowance nonce ${allowance.nonce} was signed with other terms` });
      }
    } else {
      const signed: SignedAllowance = { allowance, signature };
      const signer = await allowanceSigner(this.domain, signed);
      if (signer === undefined || signer.toLowerCase() !== user) {
        return new PaymentError({
          message: `${ALLOWANCE_SIGNATURE_HEADER}: not signed by the allowance's user ${allowance.user}`,
        });
      }
      // a new session (a newer nonce than the one held, if any): its answers are numbered after its nonce
      session = { signed, spent: 0n, held: 0n, next: allowance.nonce + 1n };
      this.sessions.set(user, session);
    }
    const remaining = session.signed.allowance.cap - session.spent - session.held;
    if (remaining < price.price) {
      return new PaymentError({
        message: `allowance exhausted: ${remaining} left, the model's price is ${price.price}`,
      });
    }
    let key = `${user}:${session.next}`;
    while (this.seen.has(key) || this.held.has(key)) key = `${user}:${++session.next}`;
    const nonce = session.next++;
    this.held.add(key);
    session.held += price.price;
    return {
      request: {
        user: allowance.user,
        operator: this.address,
        modelId: price.modelId,
        requestHash,
        maxFee: price.price,
        nonce,
        deadline: allowance.expiry,
      },
      userSignature: NO_USER_SIGNATURE,
      fee: price.price,
      requestBytes,
      hold: key,
      allowance: session.signed,
    };
  }

  private sessionOf(auth: Authorization): Session | undefined {
    if (auth.allowance === undefined) return undefined;
    const session = this.sessions.get(auth.allowance.allowance.user.toLowerCase());
    return session?.signed.allowance.nonce === auth.allowance.allowance.nonce ? session : undefined;
  }

  /** Frees an authorised request's nonce without consuming it (nothing was served). */
  release(auth: Authorization): void {
    if (auth.hold !== null && this.held.delete(auth.hold)) {
      const session = this.sessionOf(auth);
      if (session !== undefined) session.held -= auth.fee;
    }
  }

  /** Consumes the request's nonce, signs the receipt for a served output and hands it to the gossip hook. */
  async sign(auth: Authorization, output: string): Promise<SignedReceipt> {
    if (auth.hold !== null) {
      this.seen.add(auth.hold);
      if (this.held.delete(auth.hold)) {
        const session = this.sessionOf(auth);
        if (session !== undefined) {
          session.held -= auth.fee;
          session.spent += auth.fee;
        }
      }
    }
    const { request } = auth;
    const message: ReceiptMessage = {
      user: request.user,
      operator: this.address,
      attributor: this.opts.attributor ?? this.address,
      modelId: request.modelId,
      requestHash: request.requestHash,
      outputHash: textHash(output),
      fee: auth.fee,
      nonce: request.nonce,
      deadline: request.deadline,
    };
    const operatorSignature = await this.account.signTypedData({
      domain: this.domain,
      types: receiptTypes,
      primaryType: "Receipt",
      message,
    });
    const signed: SignedReceipt = {
      request,
      userSignature: auth.userSignature,
      receipt: message,
      operatorSignature,
    };
    try {
      if (auth.allowance === undefined) this.opts.onReceipt?.({ receipt: signed, request: auth.requestBytes, output });
      else {
        // no user signature: not a 0x01 receipt, a record of the attributor's next group
        this.opts.onRecord?.({
          attributor: message.attributor,
          record: {
            user: message.user,
            modelId: message.modelId,
            requestHash: message.requestHash,
            outputHash: message.outputHash,
            fee: message.fee,
            nonce: message.nonce,
          },
          allowance: auth.allowance,
          request: auth.requestBytes,
          output,
        });
      }
    } catch {
      // a failing gossip hook must not fail the answer
    }
    return signed;
  }
}
