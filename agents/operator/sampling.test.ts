import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleToken } from "./sampling.ts";

/** The brute-force reference: softmax, sort the whole vocabulary, cut at k, then at p, draw. */
const bySorting = (logits: number[], temperature: number, topP: number, u: number, topK: number): number => {
  const max = Math.max(...logits);
  const probs = logits.map((x, i) => ({ i, p: Math.exp((x - max) / temperature) }));
  const total = probs.reduce((s, x) => s + x.p, 0);
  probs.sort((a, b) => b.p - a.p || a.i - b.i);
  const head = topK > 0 ? probs.slice(0, topK) : probs;
  const base = topK > 0 ? head.reduce((s, x) => s + x.p, 0) : total;
  let kept = 0;
  let cut = head.length;
  for (let k = 0; k < head.length; k++) {
    kept += head[k]!.p / base;
    if (kept >= topP) {
      cut = k + 1;
      break;
    }
  }
  const nucleus = head.slice(0, cut);
  let v = u * nucleus.reduce((s, x) => s + x.p, 0);
  for (const x of nucleus) {
    v -= x.p;
    if (v <= 0) return x.i;
  }
  return nucleus[nucleus.length - 1]!.i;
};

/** Plain sampling reference: inverse CDF in token-id order. */
const inIdOrder = (logits: number[], temperature: number, u: number): number => {
  const max = Math.max(...logits);
  const p = logits.map((x) => Math.exp((x - max) / temperature));
  let v = u * p.reduce((s, x) => s + x, 0);
  for (let i = 0; i < p.length; i++) {
    v -= p[i]!;
    if (v <= 0) return i;
  }
  return logits.indexOf(max);
};

/** Logits on a 1/8 grid: equal logits are true ties, distinct ones give distinct probabilities. */
const logitsArb = fc.array(
  fc.integer({ min: -160, max: 160 }).map((x) => x / 8),
  { minLength: 1, maxLength: 400 },
);

describe("sampling without sorting the vocabulary", () => {
  it("top-k / top-p pick the same token as sorting everything, for the same draw", () => {
    fc.assert(
      fc.property(
        logitsArb,
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.double({ min: 0.01, max: 0.999, noNaN: true }),
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (raw, temperature, topP, topK, u) => {
          const logits = Float32Array.from(raw);
          const values = Array.from(logits);
          expect(sampleToken(logits, temperature, topP, () => u, topK)).toBe(
            bySorting(values, temperature, topP, u, topK),
          );
          const k = Math.max(topK, 2);
          expect(sampleToken(logits, temperature, 1, () => u, k)).toBe(
            k >= values.length ? inIdOrder(values, temperature, u) : bySorting(values, temperature, 1, u, k),
          );
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it("plain sampling draws by the inverse CDF and greedy is the argmax", () => {
    fc.assert(
      fc.property(
        logitsArb,
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (raw, t, u) => {
          const logits = Float32Array.from(raw);
          expect(sampleToken(logits, t, 1, () => u)).toBe(inIdOrder(Array.from(logits), t, u));
          expect(sampleToken(logits, 0, 0.5, () => u)).toBe(Array.from(logits).indexOf(Math.max(...logits)));
        },
      ),
      { seed: 12, numRuns: 200 },
    );
  });

  it("grows the selection when the nucleus is wider than the first guess (flat distributions)", () => {
    const flat = new Float32Array(5000).fill(1);
    flat[4321] = 1.0001;
    for (const u of [0, 0.3, 0.77, 0.999]) {
      expect(sampleToken(flat, 1, 0.9, () => u)).toBe(bySorting(Array.from(flat), 1, 0.9, u, 0));
    }
  });
});
