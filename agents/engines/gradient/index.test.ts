import { beforeAll, describe, expect, it } from "vitest";
import type { IndexedModel } from "./bundle.ts";
import { GradientFileError } from "./container.ts";
import { smallModel } from "./fixtures.test-util.ts";
import {
  decodeIndex,
  encodeIndex,
  finalSegments,
  indexCommitment,
  MAX_DIMS,
  rowProof,
  verifyRow,
} from "./gradient-index.ts";

let model: IndexedModel;
beforeAll(async () => {
  model = await smallModel("mlp");
});

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

const errorOf = (f: () => unknown): GradientFileError => {
  try {
    f();
  } catch (e) {
    if (e instanceof GradientFileError) return e;
    throw e;
  }
  throw new Error("expected a GradientFileError");
};

describe("gradient index", () => {
  it("lays out one segment per (checkpoint, layer): projected when large, identity when small", () => {
    const h = model.index.header;
    expect(h.segments.map((s) => [s.checkpoint, s.layer, s.dims])).toEqual([
      [0, 0, 64],
      [0, 1, 10],
      [1, 0, 64],
      [1, 1, 10],
    ]);
    expect(h.dims).toBe(148);
    expect(h.dims).toBeLessThanOrEqual(MAX_DIMS);
    expect(finalSegments(h)).toEqual([2, 3]);
    expect(h.lambdas).toHaveLength(2);
    expect(h.lambdas.every((l) => l > 0)).toBe(true);
    expect(model.index.vectors.some((v) => v !== 0)).toBe(true);
  });

  it("round-trips through its file format with the same commitment", () => {
    const bytes = encodeIndex(model.index);
    const back = decodeIndex(bytes);
    expect(back.header).toEqual(model.index.header);
    expect(back.ids).toEqual(model.index.ids);
    expect(back.vectors).toEqual(model.index.vectors);
    expect(back.exponents).toEqual(model.index.exponents);
    expect(back.norms).toEqual(model.index.norms);
    expect(indexCommitment(back)).toBe(model.commitment);
    expect(model.commitment).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("the commitment changes when one embedding value changes", () => {
    const vectors = Int8Array.from(model.index.vectors);
    vectors[vectors.length - 1] = vectors[vectors.length - 1]! === 5 ? 6 : 5;
    expect(indexCommitment({ ...model.index, vectors })).not.toBe(model.commitment);
  });

  it("rejects corruption anywhere in the file with a typed checksum error", () => {
    const bytes = encodeIndex(model.index);
    for (const at of [20, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1]) {
      const e = errorOf(() => decodeIndex(flip(bytes, at), "index.bin"));
      expect(e.reason).toBe("checksum");
      expect(e.message).toBe("index.bin: checksum mismatch: the file is corrupt");
    }
  });

  it("rejects a wrong magic, an unknown version and a truncated file", () => {
    const bytes = encodeIndex(model.index);
    expect(errorOf(() => decodeIndex(flip(bytes, 0))).reason).toBe("magic");
    const v2 = Uint8Array.from(bytes);
    v2[8] = 2;
    expect(errorOf(() => decodeIndex(v2)).reason).toBe("version");
    expect(errorOf(() => decodeIndex(bytes.subarray(0, 30))).reason).toBe("truncated");
  });
});

describe("row proofs", () => {
  it("every row opens against the commitment; a changed value, id or sibling does not", () => {
    const h = model.index.header;
    for (const i of [0, 1, Math.floor(h.count / 2), h.count - 1]) {
      const proof = rowProof(model.index, i);
      expect(verifyRow(model.commitment, h, proof)).toBe(true);
      const vector = Int8Array.from(proof.vector);
      vector[3] = vector[3]! === 0 ? 1 : 0;
      expect(verifyRow(model.commitment, h, { ...proof, vector })).toBe(false);
      expect(verifyRow(model.commitment, h, { ...proof, contributionId: proof.contributionId + 1n })).toBe(false);
      const siblings = [...proof.siblings];
      siblings[0] = `0x${"00".repeat(31)}01`;
      expect(verifyRow(model.commitment, h, { ...proof, siblings })).toBe(false);
      expect(verifyRow(model.commitment, { ...h, lambdas: [1, 2] }, proof)).toBe(false);
    }
  });
});
