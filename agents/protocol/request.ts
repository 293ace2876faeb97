/**
 * The request a user pays for, and its canonical encoding (docs/protocol.md §3, "The canonical
 * request"). `requestHash` in the EIP-712 Request and Receipt is keccak256 of these bytes, never of
 * an HTTP body: two bodies that differ only in key order, whitespace, number spelling (`1` / `1.0`),
 * defaults left out or spelled out, stop-string order or content-part splitting ask the model for the
 * same thing and hash equal; anything the answer depends on (model, prompt or messages, sampling
 * parameters) changes the hash. The encoding is also the request's text in the content store: a
 * node that fetches the bytes by `requestHash` decodes the prompt from them (`decodeCanonicalRequest`).
 *
 * Layout (all integers big-endian; `str` = uint32 byte length ‖ UTF-8 bytes):
 *
 *   version 0x01 (1) ‖ kind (1: 0x01 completion, 0x02 chat) ‖ str model ‖
 *   completion: str prompt | chat: uint32 n ‖ n × (str role ‖ str content) ‖
 *   uint32 maxTokens (0: not given) ‖ float64 temperature ‖ float64 topP ‖ uint32 topK (0: off) ‖
 *   uint8 hasSeed ‖ int64 seed (0 without one) ‖ uint32 m ‖ m × str stop (sorted by bytes, distinct) ‖
 *   uint8 ignoreEos
 */
import { Data, Schema } from "effect";
import { type Hex, keccak256 } from "viem";

export const CANONICAL_REQUEST_VERSION = 1;
const KIND_COMPLETION = 1;
const KIND_CHAT = 2;
const UINT32_MAX = 2 ** 32 - 1;

/* OPENAI BODIES: what the operator accepts on /v1/completions and /v1/chat/completions */

const Stop = Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)])));
const PositiveUint32 = Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(UINT32_MAX));
const Common = {
  model: Schema.String,
  max_tokens: Schema.optional(Schema.NullOr(PositiveUint32)),
  temperature: Schema.optional(
    Schema.NullOr(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(2))),
  ),
  top_p: Schema.optional(Schema.NullOr(Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1)))),
  /** vLLM's extension: keep the k most likely tokens; 0 or -1 keeps all. */
  top_k: Schema.optional(
    Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(-1), Schema.isLessThanOrEqualTo(UINT32_MAX))),
  ),
  stream: Schema.optional(Schema.NullOr(Schema.Boolean)),
  stop: Stop,
  seed: Schema.optional(
    Schema.NullOr(
      Schema.Int.check(
        Schema.isGreaterThanOrEqualTo(Number.MIN_SAFE_INTEGER),
        Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER),
      ),
    ),
  ),
  n: Schema.optional(Schema.NullOr(Schema.Literal(1))),
  user: Schema.optional(Schema.String),
  /** vLLM's extension: generate max_tokens tokens even past end-of-sequence. */
  ignore_eos: Schema.optional(Schema.NullOr(Schema.Boolean)),
};

export const CompletionBody = Schema.Struct({
  ...Common,
  prompt: Schema.Union([Schema.String, Schema.Tuple([Schema.String])]),
});
export type CompletionBody = typeof CompletionBody.Type;

const TextPart = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String });
export const ChatRole = Schema.Literals(["system", "developer", "user", "assistant"]);
export const ChatBody = Schema.Struct({
  ...Common,
  max_completion_tokens: Schema.optional(Schema.NullOr(PositiveUint32)),
  messages: Schema.Array(
    Schema.Struct({
      role: ChatRole,
      content: Schema.Union([Schema.String, Schema.Array(TextPart)]),
    }),
  ).check(Schema.isMinLength(1)),
});
export type ChatBody = typeof ChatBody.Type;

/* THE CANONICAL REQUEST */

export interface Sampling {
  /** 0: not given (the operator's default applies). */
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  /** 0: no top-k cut. */
  readonly topK: number;
  readonly seed: number | null;
  /** Sorted by UTF-8 bytes, no duplicates. */
  readonly stop: ReadonlyArray<string>;
  readonly ignoreEos: boolean;
}

export interface ChatMessageText {
  readonly role: string;
  readonly content: string;
}

export type CanonicalRequest =
  | ({ readonly kind: "completion"; readonly model: string; readonly prompt: string } & Sampling)
  | ({ readonly kind: "chat"; readonly model: string; readonly messages: ReadonlyArray<ChatMessageText> } & Sampling);

export class CanonicalRequestError extends Data.TaggedError("CanonicalRequestError")<{ readonly message: string }> {}

const utf8 = new TextEncoder();
// with the u flag a surrogate pair is one code point, so this matches only unpaired halves
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};

const sortedStops = (stops: ReadonlyArray<string>): string[] => {
  const unique = [...new Set(stops)].map((s) => ({ s, bytes: utf8.encode(s) }));
  unique.sort((a, b) => compareBytes(a.bytes, b.bytes));
  return unique.map((u) => u.s);
};

/** The sampling parameters of an OpenAI body with its defaults filled in. */
const samplingOf = (body: CompletionBody | ChatBody): Sampling => {
  const maxTokens = ("max_completion_tokens" in body ? body.max_completion_tokens : null) ?? body.max_tokens ?? 0;
  const stop =
    body.stop === undefined || body.stop === null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  const temperature = body.temperature ?? 1;
  return {
    maxTokens,
    // -0 and 0 sample alike; the encoding must not tell them apart
    temperature: temperature === 0 ? 0 : temperature,
    topP: body.top_p ?? 1,
    topK: body.top_k != null && body.top_k > 0 ? body.top_k : 0,
    seed: body.seed ?? null,
    stop: sortedStops(stop),
    ignoreEos: body.ignore_eos === true,
  };
};

/** The canonical form of a decoded completions body. */
export const canonicalCompletion = (body: CompletionBody): CanonicalRequest => ({
  kind: "completion",
  model: body.model,
  prompt: typeof body.prompt === "string" ? body.prompt : body.prompt[0],
  ...samplingOf(body),
});

/** The canonical form of a decoded chat body (content parts joined, as the operator renders them). */
export const canonicalChat = (body: ChatBody): CanonicalRequest => ({
  kind: "chat",
  model: body.model,
  messages: body.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
  })),
  ...samplingOf(body),
});

/**
 * The canonical request of a raw OpenAI body (`chat`: /v1/chat/completions, else /v1/completions);
 * fails with the Schema's message when the body is not a valid request.
 */
export const canonicalRequestOf = (chat: boolean, body: unknown): CanonicalRequest =>
  chat
    ? canonicalChat(Schema.decodeUnknownSync(ChatBody)(body))
    : canonicalCompletion(Schema.decodeUnknownSync(CompletionBody)(body));

/* ENCODING */

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  bytes(b: Uint8Array) {
    this.parts.push(b);
    this.size += b.length;
  }
  u8(v: number) {
    this.bytes(Uint8Array.of(v));
  }
  u32(v: number, what: string) {
    if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) {
      throw new CanonicalRequestError({ message: `${what} must be an integer in [0, 2^32), got ${v}` });
    }
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    this.bytes(b);
  }
  f64(v: number, what: string) {
    if (!Number.isFinite(v)) throw new CanonicalRequestError({ message: `${what} must be finite, got ${v}` });
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v === 0 ? 0 : v);
    this.bytes(b);
  }
  i64(v: number, what: string) {
    if (!Number.isSafeInteger(v))
      throw new CanonicalRequestError({ message: `${what} must be a safe integer, got ${v}` });
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(v));
    this.bytes(b);
  }
  str(s: string, what: string) {
    if (LONE_SURROGATE.test(s)) {
      throw new CanonicalRequestError({ message: `${what} is not well-formed Unicode (a lone surrogate)` });
    }
    const b = utf8.encode(s);
    this.u32(b.length, `${what} length`);
    this.bytes(b);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** The canonical bytes of a request (throws CanonicalRequestError for values it cannot encode). */
export const encodeCanonicalRequest = (request: CanonicalRequest): Uint8Array => {
  const w = new Writer();
  w.u8(CANONICAL_REQUEST_VERSION);
  w.u8(request.kind === "completion" ? KIND_COMPLETION : KIND_CHAT);
  w.str(request.model, "model");
  if (request.kind === "completion") w.str(request.prompt, "prompt");
  else {
    w.u32(request.messages.length, "message count");
    for (const [i, m] of request.messages.entries()) {
      w.str(m.role, `messages[${i}].role`);
      w.str(m.content, `messages[${i}].content`);
    }
  }
  w.u32(request.maxTokens, "maxTokens");
  w.f64(request.temperature, "temperature");
  w.f64(request.topP, "topP");
  w.u32(request.topK, "topK");
  w.u8(request.seed === null ? 0 : 1);
  w.i64(request.seed ?? 0, "seed");
  const stop = sortedStops(request.stop);
  w.u32(stop.length, "stop count");
  for (const [i, s] of stop.entries()) w.str(s, `stop[${i}]`);
  w.u8(request.ignoreEos ? 1 : 0);
  return w.done();
};

/** `requestHash`: keccak256 of the canonical encoding. */
export const requestHashOf = (request: CanonicalRequest): Hex => keccak256(encodeCanonicalRequest(request));

/**
 * Decodes canonical bytes (e.g. fetched by `requestHash` from a peer). Strict: the bytes must be
 * exactly what `encodeCanonicalRequest` writes for the result (no trailing bytes, valid UTF-8,
 * stops sorted and distinct, flags 0 or 1), so one request has one encoding.
 */
export const decodeCanonicalRequest = (bytes: Uint8Array): CanonicalRequest => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const fail = (message: string): never => {
    throw new CanonicalRequestError({ message: `canonical request: ${message} (at byte ${at})` });
  };
  const need = (n: number) => {
    if (at + n > bytes.length) fail("truncated");
  };
  const u8 = () => {
    need(1);
    return bytes[at++]!;
  };
  const flag = (what: string) => {
    const v = u8();
    if (v > 1) fail(`${what} flag must be 0 or 1`);
    return v === 1;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(at);
    at += 4;
    return v;
  };
  const f64 = () => {
    need(8);
    const v = view.getFloat64(at);
    at += 8;
    return v;
  };
  const i64 = () => {
    need(8);
    const v = view.getBigInt64(at);
    at += 8;
    return v;
  };
  const str = () => {
    const n = u32();
    need(n);
    try {
      const s = strictUtf8.decode(bytes.subarray(at, at + n));
      at += n;
      return s;
    } catch {
      return fail("a string is not valid UTF-8");
    }
  };
  if (u8() !== CANONICAL_REQUEST_VERSION) fail("unknown version");
  const kind = u8();
  if (kind !== KIND_COMPLETION && kind !== KIND_CHAT) fail(`unknown kind ${kind}`);
  const model = str();
  let prompt = "";
  const messages: ChatMessageText[] = [];
  if (kind === KIND_COMPLETION) prompt = str();
  else {
    const n = u32();
    for (let i = 0; i < n; i++) {
      const role = str();
      messages.push({ role, content: str() });
    }
  }
  const maxTokens = u32();
  const temperature = f64();
  const topP = f64();
  const topK = u32();
  const hasSeed = flag("seed");
  const seed = i64();
  if (!hasSeed && seed !== 0n) fail("seed must be 0 without one");
  if (seed < BigInt(Number.MIN_SAFE_INTEGER) || seed > BigInt(Number.MAX_SAFE_INTEGER)) fail("seed out of range");
  const stop: string[] = [];
  const stops = u32();
  for (let i = 0; i < stops; i++) stop.push(str());
  const ignoreEos = flag("ignoreEos");
  if (at !== bytes.length) fail("trailing bytes");
  if (!Number.isFinite(temperature) || !Number.isFinite(topP)) fail("non-finite sampling parameter");
  const sampling: Sampling = {
    maxTokens,
    temperature,
    topP,
    topK,
    seed: hasSeed ? Number(seed) : null,
    stop,
    ignoreEos,
  };
  const request: CanonicalRequest =
    kind === KIND_COMPLETION
      ? { kind: "completion", model, prompt, ...sampling }
      : { kind: "chat", model, messages, ...sampling };
  const again = encodeCanonicalRequest(request);
  if (compareBytes(again, bytes) !== 0) fail("not in canonical form (stops unsorted or repeated, or -0)");
  return request;
};

/**
 * The text an attribution engine reads as the request: a completion's prompt, or a chat's message
 * contents joined by "\n" in order (roles left out).
 */
export const requestText = (request: CanonicalRequest): string =>
  request.kind === "completion" ? request.prompt : request.messages.map((m) => m.content).join("\n");

/** A completion request with default sampling: the simplest paid request (tests, simulated users). */
export const plainCompletion = (model: string, prompt: string): CanonicalRequest => ({
  kind: "completion",
  model,
  prompt,
  maxTokens: 0,
  temperature: 1,
  topP: 1,
  topK: 0,
  seed: null,
  stop: [],
  ignoreEos: false,
});
