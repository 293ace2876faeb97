import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { scoresToWeights } from "../engine.ts";
import type { IndexedModel } from "./bundle.ts";
import { entriesFor, makeAttributor } from "./engine.ts";
import { queries, smallModel } from "./fixtures.test-util.ts";
import { finalSegments } from "./gradient-index.ts";
import { datainfScores, OrtScorer, segmentDotsJs, topScores, tracinScores } from "./score.ts";

let model: IndexedModel;
beforeAll(async () => {
  model = await smallModel("mlp");
});

describe("scoring", () => {
  it("the ONNX Runtime MatMulInteger kernel equals the typed-array kernel exactly", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "js" });
    const scorer = await OrtScorer.create(2);
    for (const q of queries()) {
      const { embedding } = await attributor.score(q.text, q.label, "tracin");
      expect(await scorer.segmentDots(model.index, embedding)).toEqual(segmentDotsJs(model.index, embedding));
    }
    await attributor.release();
  });

  it("TracIn equals a BigInt brute force over the dequantized integers (up to the common factor)", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "ort" });
    const h = model.index.header;
    const S = h.segments.length;
    for (const q of queries().slice(0, 3)) {
      const { embedding } = await attributor.score(q.text, q.label, "tracin");
      const scores = tracinScores(model.index, embedding, segmentDotsJs(model.index, embedding));
      const ref = Array.from({ length: h.count }, (_, i) => {
        let total = 0n;
        h.segments.forEach((seg, s) => {
          for (let k = seg.offset; k < seg.offset + seg.dims; k++) {
            const a = BigInt(model.index.vectors[i * h.dims + k]!) << BigInt(model.index.exponents[i * S + s]!);
            const b = BigInt(embedding.vector[k]!) << BigInt(embedding.exponents[s]!);
            total += a * b;
          }
        });
        return total;
      });
      const common = 2n ** BigInt(Math.min(...model.index.exponents) + Math.min(...embedding.exponents));
      expect(Array.from(scores, (s) => BigInt(s) * common)).toEqual(ref);
    }
    await attributor.release();
  });

  it("DataInf equals the direct O(n²) closed form of Kwon et al. on the dequantized embeddings", async () => {
    const attributor = await makeAttributor(model, { threads: 1, kernel: "ort" });
    const h = model.index.header;
    const S = h.segments.length;
    const n = h.count;
    for (const q of queries().slice(0, 2)) {
      const { embedding } = await attributor.score(q.text, q.label, "datainf");
      const scores = datainfScores(model.index, embedding, segmentDotsJs(model.index, embedding));
      const G = (i: number, s: number) => {
        const seg = h.segments[s]!;
        return Array.from(
          { length: seg.dims },
          (_, k) => model.index.vectors[i * h.dims + seg.offset + k]! * 2 ** model.index.exponents[i * S + s]!,
        );
      };
      const dot = (a: number[], b: number[]) => a.reduce((t, x, k) => t + x * b[k]!, 0);
      for (let k = 0; k < n; k += 7) {
        let ref = 0;
        finalSegments(h).forEach((s, l) => {
          const seg = h.segments[s]!;
          const v = Array.from(
            { length: seg.dims },
            (_, j) => embedding.vector[seg.offset + j]! * 2 ** embedding.exponents[s]!,
          );
          const lambda = h.lambdas[l]!;
          const gk = G(k, s);
          let correction = 0;
          for (let i = 0; i < n; i++) {
            const gi = G(i, s);
            correction += (dot(v, gi) * dot(gi, gk)) / (lambda + dot(gi, gi));
          }
          ref += (dot(v, gk) - correction / n) / lambda;
        });
        expect(Math.abs(scores[k]! - ref)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref)));
      }
    }
    await attributor.release();
  });
});

describe("top-k selection", () => {
  it("topScores + scoresToWeights equals scoresToWeights over every row", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 40 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (values, k) => {
          const ids = BigUint64Array.from(values, (_, i) => BigInt((i * 7919) % 1000) + BigInt(i * 1000));
          const scores = Float64Array.from(values);
          const all = new Map<bigint, bigint>();
          values.forEach((v, i) => {
            all.set(ids[i]!, BigInt(Math.max(0, v)));
          });
          expect(entriesFor(topScores(ids, scores, k), k)).toEqual(scoresToWeights(all, k));
          const top = topScores(ids, scores, k);
          expect(top.length).toBe(Math.min(k, values.filter((v) => v > 0).length));
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});
