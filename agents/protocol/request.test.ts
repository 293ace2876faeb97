import { readFileSync } from "node:fs";
import fc from "fast-check";
import { bytesToHex, hexToBytes, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  type CanonicalRequest,
  CanonicalRequestError,
  canonicalRequestOf,
  decodeCanonicalRequest,
  encodeCanonicalRequest,
  requestHashOf,
} from "./request.ts";

interface Vector {
  readonly group: string;
  readonly endpoint: "chat" | "completion";
  readonly body: string;
  readonly canonical: `0x${string}`;
  readonly requestHash: `0x${string}`;
}

// Written by agents/protocol/testdata/canonical_request.py (an independent Python implementation,
// keccak256 included); committed so the tests need no Python.
const vectors: ReadonlyArray<Vector> = JSON.parse(
  readFileSync(new URL("./testdata/canonical_request.json", import.meta.url), "utf8"),
).vectors;

const canonicalOf = (endpoint: "chat" | "completion", raw: string) =>
  canonicalRequestOf(endpoint === "chat", JSON.parse(raw));

describe("the canonical request against the Python implementation", () => {
  it.each(vectors.map((v) => [`${v.group}: ${v.body.slice(0, 60)}`, v] as const))("%s", (_, v) => {
    const request = canonicalOf(v.endpoint, v.body);
    expect(bytesToHex(encodeCanonicalRequest(request))).toBe(v.canonical);
    expect(requestHashOf(request)).toBe(v.requestHash);
    // the bytes decode back to the same request (what a node does with fetched request bytes)
    expect(decodeCanonicalRequest(hexToBytes(v.canonical))).toEqual(request);
  });

  it("groups: equal within, different across", () => {
    const byGroup = new Map<string, Set<string>>();
    for (const v of vectors) {
      const set = byGroup.get(v.group) ?? new Set();
      set.add(requestHashOf(canonicalOf(v.endpoint, v.body)));
      byGroup.set(v.group, set);
    }
    expect([...byGroup.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...byGroup.values()].map((s) => [...s][0])).size).toBe(byGroup.size);
    expect(byGroup.size).toBeGreaterThan(15);
  });
});

/* property tests: OpenAI bodies written in random key order and whitespace */

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const samplingArb = fc.record(
  {
    max_tokens: optional(fc.integer({ min: 1, max: 4096 })),
    temperature: optional(fc.double({ min: 0, max: 2, noNaN: true })),
    top_p: optional(fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true })),
    top_k: optional(fc.integer({ min: -1, max: 100 })),
    seed: optional(fc.option(fc.integer({ min: -1_000_000, max: 1_000_000 }), { nil: null })),
    stop: optional(fc.oneof(text, fc.array(text, { maxLength: 3 }))),
    ignore_eos: optional(fc.boolean()),
  },
  { requiredKeys: [] },
);
const completionArb = fc
  .tuple(fc.record({ model: text, prompt: text }), samplingArb)
  .map(([a, b]) => ({ chat: false, body: { ...a, ...b } as Record<string, unknown> }));
const chatArb = fc
  .tuple(
    fc.record({
      model: text,
      messages: fc.array(
        fc.record({ role: fc.constantFrom("system", "developer", "user", "assistant"), content: text }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    samplingArb,
  )
  .map(([a, b]) => ({ chat: true, body: { ...a, ...b } as Record<string, unknown> }));
const bodyArb = fc.oneof(completionArb, chatArb);

/** JSON text with keys in a shuffled order and random whitespace (never through JSON.stringify of the object). */
const writeJson = (value: unknown, rand: () => number): string => {
  const ws = () => [" ", "", "\n", "\t  "][Math.floor(rand() * 4)]!;
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => writeJson(v, rand)).join(`,${ws()}`)}${ws()}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    const entries = keys.map(
      (k) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${writeJson((value as Record<string, unknown>)[k], rand)}`,
    );
    return `{${entries.join(",")}${ws()}}`;
  }
  if (typeof value === "number" && Number.isInteger(value) && rand() < 0.5) return `${value}.0`;
  return JSON.stringify(value);
};

const seeded = (seed: number) => {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
};

describe("requestHash (property tests)", () => {
  it("is the same for the same request written with other key order, whitespace, number spelling", () => {
    fc.assert(
      fc.property(bodyArb, fc.integer(), ({ chat, body }, seed) => {
        const rand = seeded(seed);
        const a = canonicalRequestOf(chat, JSON.parse(writeJson(body, rand)));
        const b = canonicalRequestOf(chat, JSON.parse(writeJson(body, rand)));
        expect(requestHashOf(a)).toBe(requestHashOf(b));
        expect(decodeCanonicalRequest(encodeCanonicalRequest(a))).toEqual(a);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it("differs when anything the answer depends on differs", () => {
    const changes: ReadonlyArray<(r: CanonicalRequest) => CanonicalRequest> = [
      (r) => ({ ...r, model: `${r.model}x` }),
      (r) =>
        r.kind === "completion"
          ? { ...r, prompt: `${r.prompt}x` }
          : { ...r, messages: [...r.messages, { role: "user", content: "" }] },
      (r) =>
        r.kind === "completion"
          ? { ...r, prompt: `${r.prompt} ` }
          : {
              ...r,
              messages: r.messages.map((m, i) => (i === 0 ? { ...m, role: m.role === "user" ? "system" : "user" } : m)),
            },
      (r) => ({ ...r, maxTokens: r.maxTokens + 1 }),
      (r) => ({ ...r, temperature: r.temperature === 2 ? 1.5 : Math.min(2, r.temperature + 1e-9) }),
      (r) => ({ ...r, topP: r.topP === 1 ? 0.5 : 1 }),
      (r) => ({ ...r, topK: r.topK + 1 }),
      (r) => ({ ...r, seed: r.seed === null ? 0 : null }),
      (r) => ({ ...r, stop: [...r.stop, "\u0000never-a-stop"] }),
      (r) => ({ ...r, ignoreEos: !r.ignoreEos }),
      (r) =>
        r.kind === "completion"
          ? { ...r, kind: "chat", messages: [{ role: "user", content: r.prompt }] }
          : { ...r, kind: "completion", prompt: r.messages.map((m) => m.content).join("") },
    ];
    fc.assert(
      fc.property(bodyArb, fc.nat(changes.length - 1), ({ chat, body }, which) => {
        const request = canonicalRequestOf(chat, body);
        const changed = changes[which]!(request);
        expect(requestHashOf(changed)).not.toBe(requestHashOf(request));
      }),
      { numRuns: 400, seed: 14 },
    );
  });

  it("hashes with keccak256 over the canonical bytes", () => {
    const request = canonicalRequestOf(false, { model: "m", prompt: "p" });
    expect(requestHashOf(request)).toBe(keccak256(encodeCanonicalRequest(request)));
  });
});

describe("decodeCanonicalRequest refuses what the encoder never writes", () => {
  const good = encodeCanonicalRequest(canonicalRequestOf(false, { model: "m", prompt: "p", stop: ["a", "b"] }));
  const refuses = (bytes: Uint8Array) => expect(() => decodeCanonicalRequest(bytes)).toThrow(CanonicalRequestError);

  it("trailing bytes, truncation, an unknown version or kind", () => {
    refuses(Uint8Array.of(...good, 0));
    refuses(good.subarray(0, good.length - 1));
    refuses(Uint8Array.of(2, ...good.subarray(1)));
    refuses(Uint8Array.of(1, 3, ...good.subarray(2)));
  });

  it("stops out of order, a flag that is not 0/1, invalid UTF-8", () => {
    const swapped = encodeCanonicalRequest(canonicalRequestOf(false, { model: "m", prompt: "p", stop: ["a"] }));
    // hand-build stops [b, a]: replace the 1-stop tail by a 2-stop tail in the wrong order
    const tail = Uint8Array.of(0, 0, 0, 2, 0, 0, 0, 1, 0x62, 0, 0, 0, 1, 0x61, 0);
    refuses(Uint8Array.of(...swapped.subarray(0, swapped.length - 10), ...tail));
    const badFlag = good.slice();
    badFlag[badFlag.length - 1] = 2;
    refuses(badFlag);
    const badUtf8 = good.slice();
    badUtf8[6] = 0xff; // the model's one byte
    refuses(badUtf8);
  });

  it("the encoder refuses lone surrogates", () => {
    expect(() => encodeCanonicalRequest(canonicalRequestOf(false, { model: "m", prompt: "\ud800" }))).toThrow(
      CanonicalRequestError,
    );
  });
});
