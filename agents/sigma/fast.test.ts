/**
 * The fast σ (issue 19) against independent implementations of the same rules:
 * - its wasm keccak against @noble/hashes;
 * - its replay-window key against the reference's (viem's encodeAbiParameters);
 * - its accounts tree against the straightforward one kept in ./reference/tree.ts (a Map per level,
 *   noble hashes), operation by operation: roots, returned witnesses, read witnesses, siblings;
 * - σ itself against ./reference/sigma.ts over random batches mixing every kind of step (valid,
 *   replays, bad signatures, zero fees, settles that match and that do not, leaves emptied).
 * The committed vectors (vectors.test.ts) tie both to the Solidity σ as well.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import { type Address, bytesToHex, getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { type AttributeTx, encodeTx } from "./codec.ts";
import { keccak256Bytes } from "./keccak.ts";
import * as reference from "./reference/sigma.ts";
import { AccountsTree as ReferenceTree } from "./reference/tree.ts";
import { registryView } from "./registry.ts";
import { applyBatch, Ledger, MAX_ENTRIES_LIMIT, nonceWindowKey, Outcome } from "./sigma.ts";
import { AccountsTree, applyWitness, EMPTY_LEAF, isEmptyLeaf, type Leaf, verifyProof } from "./tree.ts";
import {
  LIVE_DATANET1,
  malleate,
  prng,
  randomEntries,
  signAttribute,
  VECTOR_CONTEXT,
  vectorRegistry,
} from "./vectors.ts";

const SEED = 0x19f0;
const address = (n: bigint): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const hex = (bytes: Uint8Array) => bytesToHex(bytes);

describe("wasm keccak256", () => {
  it("equals @noble/hashes on every length across the 136-byte block boundary", () => {
    for (let n = 0; n <= 600; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 255);
      expect(hex(keccak256Bytes(bytes)), `length ${n}`).toBe(hex(keccak_256(bytes)));
    }
  });

  it("equals @noble/hashes on random input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => {
        expect(hex(keccak256Bytes(bytes))).toBe(hex(keccak_256(bytes)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

const addressArb = fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }).map(address);

describe("σ's window key", () => {
  it("equals the reference's (viem's encodeAbiParameters and keccak256) for any user and operator", () => {
    fc.assert(
      fc.property(addressArb, addressArb, (user, operator) => {
        expect(nonceWindowKey(user, operator)).toBe(reference.nonceWindowKey(user, operator));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

const leafArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(EMPTY_LEAF) },
  {
    weight: 4,
    arbitrary: fc.record({
      earned: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
      charged: fc.bigInt({ min: 0n, max: 1000n }),
      nonceBase: fc.bigInt({ min: 0n, max: 3n }),
      nonceBitmap: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    }),
  },
);

describe("fast accounts tree", () => {
  it("agrees with the reference tree on every root, witness and proof, through updates, zero writes, undone writes and clones", () => {
    // keys from a small pool plus near neighbours (long shared low bits: chains, up to depth 160)
    const keyArb = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }),
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 159 })).map(([base, bit]) => {
        const pool = [0n, 1n, 0xabcdefn << 100n, (1n << 160n) - 1n];
        return pool[base]! ^ (1n << BigInt(bit));
      }),
    );
    // a quarter of the writes are all-zero words (no-ops on absent keys, zeroed leaves on present ones)
    const writeArb = fc.oneof(leafArb, leafArb, leafArb, fc.constant(EMPTY_LEAF));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("set", "update", "witness", "after", "clone"), keyArb, writeArb), {
          minLength: 1,
          maxLength: 40,
        }),
        (ops) => {
          let fast = new AccountsTree(16); // small, so the node arrays and the memory grow
          let slow = new ReferenceTree();
          const keys: bigint[] = [];
          for (const [kind, rawKey, leaf] of ops) {
            // half the time, reuse a key already written (so leaves change and empty out)
            const key = keys.length > 0 && rawKey % 2n === 0n ? keys[Number(rawKey % BigInt(keys.length))]! : rawKey;
            const account = address(key);
            const before = fast.root;
            if (kind === "set") {
              fast.set(account, leaf);
              slow.set(account, leaf);
              keys.push(key);
            } else if (kind === "update") {
              const change = (old: Leaf): Leaf =>
                isEmptyLeaf(leaf) ? leaf : { ...leaf, earned: old.earned + leaf.earned };
              const witness = fast.update(account, change);
              expect(hex(witness)).toBe(hex(slow.update(account, change)));
              // the witness, applied as σ's on-chain library does, moves the old root to the new one
              const applied = applyWitness(before, key, fast.leaf(account), witness, 0);
              expect(hex(applied.root)).toBe(slow.rootHex);
              expect(applied.next).toBe(witness.length);
              keys.push(key);
            } else if (kind === "after") {
              // a write that does not stay: the witness of another key after it, the tree unchanged
              const other = address(keys.length > 0 ? keys[Number(rawKey % BigInt(keys.length))]! : rawKey ^ 1n);
              expect(hex(fast.witnessAfter(account, leaf, other))).toBe(hex(slow.witnessAfter(account, leaf, other)));
              expect(hex(fast.root)).toBe(hex(before));
              expect(fast.has(account)).toBe(slow.has(account));
              expect(hex(fast.witness(account))).toBe(hex(slow.witness(account)));
            } else if (kind === "witness") {
              expect(hex(fast.witness(account))).toBe(hex(slow.witness(account)));
              expect(fast.has(account)).toBe(slow.has(account));
              if (slow.has(account)) {
                expect(hex(fast.proof(account))).toBe(hex(slow.proof(account)));
                expect(verifyProof(fast.root, key, fast.leaf(account), fast.proof(account))).toBe(true);
              } else expect(() => fast.proof(account)).toThrow(RangeError);
            } else {
              // the copy is independent: writing to it leaves the original as it was
              const copy = fast.clone();
              copy.set(account, { ...EMPTY_LEAF, earned: 7n });
              expect(hex(fast.root)).toBe(hex(before));
              const slowCopy = slow.clone();
              slowCopy.set(account, { ...EMPTY_LEAF, earned: 7n });
              expect(copy.rootHex).toBe(slowCopy.rootHex);
              fast = copy;
              slow = slowCopy;
            }
            expect(fast.rootHex).toBe(slow.rootHex);
            expect(fast.leaf(account)).toEqual(slow.leaf(account));
          }
          expect(fast.accounts()).toEqual(slow.accounts());
          // zeroing every leaf keeps it present (no deletions): the root stays non-zero and equal
          for (const [account] of slow.accounts()) {
            fast.set(account, EMPTY_LEAF);
            slow.set(account, EMPTY_LEAF);
          }
          expect(fast.rootHex).toBe(slow.rootHex);
          expect(fast.accounts()).toEqual(slow.accounts());
          if (slow.accounts().length > 0) expect(fast.rootHex).not.toBe(`0x${"00".repeat(32)}`);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe("fast σ", () => {
  it("produces exactly the reference σ's steps (outcome, pre, post, witnesses) over random mixed batches", async () => {
    const registry = registryView(vectorRegistry());
    const rng = prng(SEED);
    const fastLedger = new Ledger();
    const slowLedger = new reference.Ledger();
    const outcomes = new Set<number>();
    for (let round = 0; round < 3; round++) {
      const txs: Uint8Array[] = [];
      const signed: AttributeTx[] = [];
      for (let i = 0; i < 14; i++) {
        const fee = rng.below(4) === 0 ? 0n : BigInt(1 + rng.below(100_000));
        const tx = await signAttribute(VECTOR_CONTEXT, {
          user: `user-${rng.below(3)}`,
          operator: `operator-${rng.below(2)}`,
          attributor: `attributor-${rng.below(2)}`,
          modelId: 1n,
          requestHash: `0x${rng.big(256).toString(16).padStart(64, "0")}`,
          outputHash: `0x${rng.big(256).toString(16).padStart(64, "0")}`,
          maxFee: fee + BigInt(rng.below(3)),
          fee,
          // a narrow nonce range: some replays
          nonce: BigInt(round * 4 + rng.below(6)),
          deadline: 5_000n,
          entries: randomEntries(rng, LIVE_DATANET1, rng.below(9)),
        });
        const kind = rng.below(10);
        const bytes =
          kind === 0
            ? encodeTx({ ...tx, userSignature: malleate(tx.userSignature) })
            : kind === 1
              ? encodeTx({ ...tx, outputHash: `0x${"ab".repeat(32)}` })
              : encodeTx(tx);
        txs.push(bytes);
        signed.push(tx);
      }
      // settles: the exact charge of some payers (their leaf may empty out), a wrong amount for one
      const probe = slowLedger.clone();
      await reference.applyBatch(probe, VECTOR_CONTEXT, registry, txs);
      const payers = probe.tree.accounts().filter(([, leaf]) => leaf.charged > 0n);
      payers.forEach(([payer, leaf], i) => {
        txs.push(encodeTx({ kind: "settle", payer, amount: i === 0 ? leaf.charged + 1n : leaf.charged }));
      });
      txs.push(encodeTx({ kind: "settle", payer: signed[0]!.operator, amount: 0n }));
      const fast = await applyBatch(fastLedger, VECTOR_CONTEXT, registry, txs);
      const slow = await reference.applyBatch(slowLedger, VECTOR_CONTEXT, registry, txs);
      expect(fast.steps).toEqual(slow.steps);
      expect(fast.post).toEqual(slow.post);
      for (const step of fast.steps) outcomes.add(step.outcome);
    }
    // the batches did exercise the interesting paths
    for (const outcome of [Outcome.Valid, Outcome.Replay, Outcome.BadUserSignature, Outcome.BadOperatorSignature]) {
      expect(outcomes.has(outcome), `outcome ${outcome}`).toBe(true);
    }
    expect(outcomes.has(Outcome.SettleMismatch)).toBe(true);
    expect(fastLedger.tree.accounts()).toEqual(slowLedger.tree.accounts());
  });
});

describe("σ at K = 32 (MAX_ENTRIES_LIMIT)", () => {
  it("applies a 32-entry Attribute exactly like the reference, refuses 33 entries and a K of 33", async () => {
    // every contribution live in datanet 1, so model 7 (datanets 1 and 2, all of the fee to data) takes 32 of them
    const snapshot = vectorRegistry();
    const registry = registryView({
      ...snapshot,
      contributions: snapshot.contributions.map((c) => ({ ...c, datanetId: 1n, approvedAt: 200n, withdrawnAt: 0n })),
    });
    const ctx = { ...VECTOR_CONTEXT, maxEntries: MAX_ENTRIES_LIMIT };
    expect(MAX_ENTRIES_LIMIT).toBe(32);
    expect(reference.MAX_ENTRIES_LIMIT).toBe(32);
    const ids = Array.from({ length: 40 }, (_, i) => BigInt(i + 1));
    const rng = prng(SEED + 32);
    const attribute = (n: number, nonce: bigint) =>
      signAttribute(ctx, {
        user: "user-0",
        operator: "operator-0",
        attributor: "attributor-0",
        modelId: 7n,
        requestHash: `0x${"11".repeat(32)}`,
        outputHash: `0x${"22".repeat(32)}`,
        maxFee: 10_000_000n,
        fee: 10_000_000n,
        nonce,
        deadline: 5_000n,
        entries: randomEntries(rng, ids, n),
      });
    const txs = [encodeTx(await attribute(32, 0n)), encodeTx(await attribute(33, 1n))];
    const fast = await applyBatch(new Ledger(), ctx, registry, txs);
    const slow = await reference.applyBatch(new reference.Ledger(), ctx, registry, txs);
    expect(fast.steps).toEqual(slow.steps);
    expect(fast.steps.map((s) => s.outcome)).toEqual([Outcome.Valid, Outcome.TooManyEntries]);
    await expect(applyBatch(new Ledger(), { ...ctx, maxEntries: 33 }, registry, txs)).rejects.toThrow(/exceeds 32/);
  });
});
