/**
 * The factory's gradient index and TracIn / DataInf scores against formulas evaluated directly in
 * float64 on the unquantized, unprojected LoRA gradients (identity projection: dims ≥ every target's
 * size), plus determinism, the committed-row proofs and a quoted contribution winning its answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { indexCommitment, rowProof, verifyRow } from "../engines/gradient/gradient-index.ts";
import { loadTextCodec } from "../operator/operator.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import {
  answerGradient,
  buildLoraIndex,
  checkpointsHash,
  contributionGradient,
  makeFactoryAttributor,
  makeFactoryEngine,
} from "./attribution.ts";
import { loadBase } from "./base.ts";
import { documentsOf, TEXTS } from "./fixtures.test-util.ts";
import { type Hyperparameters, loadCheckpoints, type TrainResult, trainAdapter } from "./train.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-attr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HYPER: Hyperparameters = {
  rank: 2,
  alpha: 4,
  targets: ["q_proj", "v_proj"],
  epochs: 6,
  lr: 0.03,
  seed: 3,
  batch: 2,
  seqLen: 48,
  checkpoints: 2,
};

/** Normalized by the largest absolute value: compares two score vectors up to a common positive scale. */
const normalized = (xs: ArrayLike<number>) => {
  const m = Math.max(...Array.from(xs, Math.abs));
  return Array.from(xs, (x) => x / m);
};

describe("factory attribution", () => {
  const modelDir = join(dir, "model");
  let trained: TrainResult;
  let encode: (t: string) => number[];
  let checkpoints: Float64Array[];
  const base = () => loadBase(modelDir);
  beforeAll(async () => {
    await writeTinyLlama(modelDir);
    const codec = await loadTextCodec(modelDir);
    encode = (t) => codec.tokenizer.encode(t, { add_special_tokens: false }).ids;
    trained = trainAdapter({
      base: base(),
      baseName: "model",
      encode,
      documents: documentsOf(TEXTS),
      source: null,
      hyper: HYPER,
      out: join(dir, "run"),
    });
    checkpoints = loadCheckpoints(join(dir, "run"), trained.record!, trained.layout);
  }, 60_000);

  const indexWith = (dims: number) =>
    buildLoraIndex(
      {
        base: base(),
        layout: trained.layout,
        checkpoints,
        examples: trained.examples,
        recordHash: trained.recordHash!,
        checkpointsHash: checkpointsHash(trained.record!),
      },
      { dims, seed: 7 },
    );

  it("scores TracIn and DataInf like the float formulas on the exact gradients", async () => {
    const b = base();
    const layout = trained.layout;
    const index = indexWith(4096); // identity: every target (2·32 + 32·2 = 128 params) fits
    expect(index.header.segments.every((s) => s.dims === s.size)).toBe(true);
    const attributor = makeFactoryAttributor(b, layout, checkpoints, index);
    const prompt = encode("Four score");
    const answer = encode(" and seven years ago our fathers");
    const ids = [...index.ids];
    const rows = ids.map((id) => trained.examples.filter((e) => e.contributionId === id));
    const g = checkpoints.map((p) => rows.map((ex) => contributionGradient(b, layout, p, ex)));
    const q = checkpoints.map((p) => answerGradient(b, layout, p, prompt, answer));
    const dot = (x: Float32Array, y: Float32Array, from: number, to: number) => {
      let s = 0;
      for (let j = from; j < to; j++) s += x[j]! * y[j]!;
      return s;
    };
    // TracIn: Σ over checkpoints of ⟨g_q, g_i⟩
    const tracin = ids.map((_, i) => checkpoints.reduce((s, _p, ck) => s + dot(q[ck]!, g[ck]![i]!, 0, layout.size), 0));
    const t = await attributor.score(prompt, answer, "tracin", 8);
    const tn = normalized(t.raw);
    normalized(tracin).forEach((x, i) => {
      expect(Math.abs(x - tn[i]!)).toBeLessThan(2e-2);
    });
    // DataInf (Kwon et al.), final checkpoint, per layer l (each LoRA factor): λ_l = 0.1·mean(G²),
    // score_i = Σ_l (1/λ_l)(q·g_i − (1/n) Σ_j (q·g_j)(g_j·g_i)/(λ_l + |g_j|²)) — the direct O(n²) form
    const last = checkpoints.length - 1;
    const n = ids.length;
    const datainf = new Array<number>(n).fill(0);
    const factors = layout.targets.flatMap((tg) => [
      [tg.offsetA, tg.offsetB],
      [tg.offsetB, tg.offsetA + tg.size],
    ]);
    for (const [from, to] of factors as [number, number][]) {
      const G = g[last]!;
      let sq = 0;
      for (let i = 0; i < n; i++) sq += dot(G[i]!, G[i]!, from, to);
      const lambda = (0.1 * sq) / (n * (to - from));
      for (let i = 0; i < n; i++) {
        let corr = 0;
        for (let j = 0; j < n; j++) {
          corr +=
            (dot(q[last]!, G[j]!, from, to) * dot(G[j]!, G[i]!, from, to)) / (lambda + dot(G[j]!, G[j]!, from, to));
        }
        datainf[i]! += (dot(q[last]!, G[i]!, from, to) - corr / n) / lambda;
      }
    }
    const d = await attributor.score(prompt, answer, "datainf", 8);
    const dn = normalized(d.raw);
    normalized(datainf).forEach((x, i) => {
      expect(Math.abs(x - dn[i]!)).toBeLessThan(2e-2);
    });
  });

  it("is deterministic, commits rows by Merkle proof and credits a quoted contribution", async () => {
    const index = indexWith(32); // projected: 128 params per target → 32
    const again = indexWith(32);
    expect(indexCommitment(index)).toBe(indexCommitment(again));
    const commitment = indexCommitment(index);
    for (let i = 0; i < index.header.count; i++)
      expect(verifyRow(commitment, index.header, rowProof(index, i))).toBe(true);
    const attributor = makeFactoryAttributor(base(), trained.layout, checkpoints, index);
    const tracin = makeFactoryEngine(attributor, encode, { method: "tracin", maxEntries: 3 });
    const datainf = makeFactoryEngine(attributor, encode, { method: "datainf", maxEntries: 3 });
    for (const [k, text] of TEXTS.entries()) {
      const cut = Math.floor(text.length / 3);
      const request = { modelId: 1n, input: text.slice(0, cut), output: text.slice(cut) };
      const d = await Effect.runPromise(datainf.attribute(request));
      const t = await Effect.runPromise(tracin.attribute(request));
      for (const result of [d, t]) expect(result.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
      // DataInf puts the quoted contribution first; TracIn at least credits it (raw gradient dot products
      // favour large-gradient rows: docs/quality-factory.md)
      expect([...d.entries].sort((a, b) => b.weight - a.weight)[0]!.contributionId).toBe(BigInt(k + 1));
      expect(t.entries.some((e) => e.contributionId === BigInt(k + 1))).toBe(true);
      expect(await Effect.runPromise(datainf.attribute(request))).toEqual(d);
      expect(await Effect.runPromise(tracin.attribute(request))).toEqual(t);
    }
    const empty = await Effect.runPromiseExit(tracin.attribute({ modelId: 1n, input: "x", output: "" }));
    expect(String(empty)).toContain("the answer is empty");
  });
});
