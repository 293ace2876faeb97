/**
 * The signed gossip envelope and the checks every topic validator runs on it.
 *
 * Wire format (UTF-8 JSON object, one per gossipsub message):
 *
 *   { "topic": "/poa/receipts/2", "version": 1, "sender": "0x…20 bytes", "timestamp": <ms since epoch>,
 *     "seq": <per-sender sequence number>, "payload": { …topic schema, encoded… }, "signature": "0x…65 bytes" }
 *
 * Signature: EIP-191 personal_sign by `sender` over
 *
 *   digest = keccak256( utf8( "poa-gossip:" ‖ canonicalJson(envelope without "signature") ) )
 *
 * where canonicalJson writes objects with keys sorted by UTF-16 code unit order, no whitespace,
 * strings with JSON.stringify escaping, and integers in decimal (no floats are allowed anywhere).
 * The digest is taken over the received JSON, and the schema refuses unknown keys, so what is
 * signed is exactly what is decoded. Any byte-level re-encoding of a signed envelope (key order,
 * spaces) keeps a valid signature; replays are therefore caught by (topic, sender, seq), not bytes.
 */

import { Exit, Schema } from "effect";
import { type Address, type Hex, stringToBytes } from "viem";
import { AddressSchema, recoverDigestSigner, SignatureSchema, sameAddress } from "../identity/identity.ts";
import type { SignerRecovery } from "../identity/recover.ts";
import { keccak256Bytes } from "../sigma/keccak.ts";
import { ENVELOPE_VERSION, type PayloadOf, payloadSchemas, type Topic, Topics } from "./messages.ts";

const DIGEST_PREFIX = "poa-gossip:";

export type Json = string | number | boolean | null | ReadonlyArray<Json> | { readonly [key: string]: Json };

/** Canonical JSON text of a JSON value (see the module comment); throws on non-integer numbers. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`non-integer or unsafe number ${value} in a gossip envelope`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`value of type ${typeof value} cannot appear in a gossip envelope`);
};

/** The fields the sender signs. */
export interface UnsignedEnvelope<T extends Topic = Topic> {
  readonly topic: T;
  readonly version: number;
  readonly sender: Address;
  readonly timestamp: number;
  readonly seq: number;
  /** The payload in its encoded (wire) form. */
  readonly payload: unknown;
}

const utf8 = new TextEncoder();

// keccak in WebAssembly (agents/sigma/keccak.ts): ~7× @noble/hashes on a 1.3 KB envelope, which was 14× viem's
export const envelopeDigest = (unsigned: UnsignedEnvelope): Hex =>
  `0x${Buffer.from(
    keccak256Bytes(
      utf8.encode(
        DIGEST_PREFIX +
          canonicalJson({
            topic: unsigned.topic,
            version: unsigned.version,
            sender: unsigned.sender,
            timestamp: unsigned.timestamp,
            seq: unsigned.seq,
            payload: unsigned.payload,
          }),
      ),
    ),
  ).toString("hex")}`;

/** Encodes a payload for `topic` to its wire form (throws on a payload that does not fit the schema). */
export const encodePayload = <T extends Topic>(topic: T, payload: PayloadOf<T>): unknown =>
  Schema.encodeUnknownSync(payloadSchemas[topic])(payload);

/** The wire bytes of a signed envelope. */
export const encodeEnvelope = (unsigned: UnsignedEnvelope, signature: Hex): Uint8Array =>
  stringToBytes(canonicalJson({ ...unsigned, signature }));

const envelopeSchema = <T extends Topic, P extends Schema.Top>(topic: T, payload: P) =>
  Schema.Struct({
    topic: Schema.Literal(topic),
    version: Schema.Literal(ENVELOPE_VERSION),
    sender: AddressSchema,
    timestamp: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
    seq: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
    payload,
    signature: SignatureSchema,
  });

const envelopeSchemas = {
  [Topics.receipts]: envelopeSchema(Topics.receipts, payloadSchemas[Topics.receipts]),
  [Topics.proposals]: envelopeSchema(Topics.proposals, payloadSchemas[Topics.proposals]),
  [Topics.disputes]: envelopeSchema(Topics.disputes, payloadSchemas[Topics.disputes]),
} as const;

/** A decoded, signature-checked envelope of `topic`. */
export type Envelope<T extends Topic = Topic> = (typeof envelopeSchemas)[T]["Type"];

export type RejectReason = "oversize" | "encoding" | "schema" | "signature" | "sender" | "payload" | "error";
export type IgnoreReason = "stale" | "future" | "duplicate";

export type Verdict<T extends Topic> =
  | { readonly result: "accept"; readonly envelope: Envelope<T> }
  | { readonly result: "reject"; readonly reason: RejectReason; readonly detail?: string }
  | { readonly result: "ignore"; readonly reason: IgnoreReason };

export interface ValidationRules {
  readonly maxMessageBytes: number;
  /** Messages older than this (by their own timestamp) are ignored; also the replay-window length. */
  readonly maxAgeMs: number;
  /** Messages stamped further than this in the future are ignored (clock skew allowance). */
  readonly maxFutureMs: number;
  /** Optional allow-list (later: a bonded-party lookup on chain). */
  readonly allowSender?: (sender: Address, topic: Topic) => boolean | Promise<boolean>;
  /** Optional topic-specific payload check (e.g. the receipt's EIP-712 signatures); false rejects. */
  readonly checkPayload?: (envelope: Envelope) => boolean | Promise<boolean>;
  /** How the envelope's signer is recovered; default: the process-wide fast, cached one (identity/recover.ts). */
  readonly recovery?: SignerRecovery;
}

/**
 * Remembers (topic, sender, seq) until the message would be stale anyway, so every replay is
 * either a duplicate or stale. Bounded: past `maxEntries` the oldest entries are evicted
 * (counted by the caller through `evictions`).
 */
export class SeenCache {
  private readonly expiries = new Map<string, number>();
  evictions = 0;
  constructor(private readonly maxEntries: number) {}

  has(key: string, now: number): boolean {
    const expiry = this.expiries.get(key);
    return expiry !== undefined && expiry > now;
  }

  add(key: string, expiry: number, now: number): void {
    for (const [k, e] of this.expiries) {
      if (e > now && this.expiries.size < this.maxEntries) break;
      this.expiries.delete(k);
      if (e > now) this.evictions++;
    }
    this.expiries.set(key, expiry);
  }

  get size(): number {
    return this.expiries.size;
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const strictParse = { onExcessProperty: "error" } as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Runs every check on one received message, in the order cheapest first:
 * size → UTF-8 JSON → schema → clock → replay → signature → sender → payload check.
 * Never throws: an unexpected exception becomes `reject/error`.
 */
export const validateEnvelope = async <T extends Topic>(
  topic: T,
  data: Uint8Array,
  rules: ValidationRules,
  seen: SeenCache,
  now: number,
): Promise<Verdict<T>> => {
  try {
    if (data.length > rules.maxMessageBytes) return { result: "reject", reason: "oversize" };
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(data));
    } catch {
      return { result: "reject", reason: "encoding" };
    }
    const decoded = Schema.decodeUnknownExit(envelopeSchemas[topic])(raw, strictParse);
    if (Exit.isFailure(decoded) || !isRecord(raw)) return { result: "reject", reason: "schema" };
    const envelope = decoded.value;
    if (envelope.timestamp + rules.maxAgeMs < now) return { result: "ignore", reason: "stale" };
    if (envelope.timestamp - rules.maxFutureMs > now) return { result: "ignore", reason: "future" };
    // a replay is cheap to spot before the signature check; only verified messages are remembered
    const key = `${topic}|${envelope.sender.toLowerCase()}|${envelope.seq}`;
    if (seen.has(key, now)) return { result: "ignore", reason: "duplicate" };
    const digest = envelopeDigest({
      topic,
      version: envelope.version,
      sender: envelope.sender,
      timestamp: envelope.timestamp,
      seq: envelope.seq,
      payload: raw.payload,
    });
    const signer = await recoverDigestSigner(digest, envelope.signature, rules.recovery);
    if (signer === undefined || !sameAddress(signer, envelope.sender)) {
      return { result: "reject", reason: "signature" };
    }
    if (rules.allowSender !== undefined && !(await rules.allowSender(envelope.sender, topic))) {
      return { result: "reject", reason: "sender" };
    }
    if (rules.checkPayload !== undefined && !(await rules.checkPayload(envelope))) {
      return { result: "reject", reason: "payload" };
    }
    // checked again: another copy may have been accepted while this one awaited its checks
    if (seen.has(key, now)) return { result: "ignore", reason: "duplicate" };
    seen.add(key, envelope.timestamp + rules.maxAgeMs, now);
    return { result: "accept", envelope };
  } catch (cause) {
    return { result: "reject", reason: "error", detail: String(cause) };
  }
};
