import { Effect, Exit } from "effect";
import fc from "fast-check";
import { type Address, bytesToHex, concatBytes, getAddress, type Hex, hexToBytes, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { buildClaim, completeClaim } from "./claim.ts";
import {
  type AttributeTx,
  claimTransactions,
  decodeTx,
  encodeBatch,
  encodeTx,
  MalformedTransaction,
  splitBatch,
  txProof,
  txRoot,
  verifyTxProof,
} from "./codec.ts";
import { registryView } from "./registry.ts";
import {
  applyBatch,
  applyBatchEffect,
  attributeCredits,
  commitment,
  Ledger,
  type ModelFacts,
  nonceWindowKey,
  Outcome,
  oneStepProof,
  spendNonce,
} from "./sigma.ts";
import { AccountsTree, decodeWitness, EMPTY_LEAF, type Leaf, leafHash, rootFrom, TREE_DEPTH } from "./tree.ts";
import {
  accountOf,
  LIVE_DATANET1,
  prng,
  randomEntries,
  signAttribute,
  type UnsignedAttribute,
  VECTOR_CONTEXT,
  vectorRegistry,
} from "./vectors.ts";

const SEED = 0x5eed;
const address = (n: bigint): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

/** Brute force: the root of a key → leaf map, computed level by level without the tree class. */
const naiveRoot = (leaves: ReadonlyMap<bigint, Leaf>): Hex => {
  let level = new Map<bigint, Uint8Array>();
  for (const [key, leaf] of leaves) {
    const hash = leafHash(leaf);
    if (hash.some((b) => b !== 0)) level.set(key, hash);
  }
  for (let depth = 0; depth < TREE_DEPTH; depth++) {
    const next = new Map<bigint, Uint8Array>();
    for (const position of level.keys()) {
      const parent = position >> 1n;
      if (next.has(parent)) continue;
      const zero = new Uint8Array(32);
      const left = level.get(parent << 1n) ?? zero;
      const right = level.get((parent << 1n) | 1n) ?? zero;
      next.set(parent, keccak256(concatBytes([left, right]), "bytes"));
    }
    level = next;
  }
  return bytesToHex(level.get(0n) ?? new Uint8Array(32));
};

const leafArb = fc.record({
  earned: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  charged: fc.bigInt({ min: 0n, max: 1000n }),
  nonceBase: fc.bigInt({ min: 0n, max: 3n }),
  nonceBitmap: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
});

describe("accounts tree", () => {
  it("matches a brute-force root and every witness opens it, after random updates", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }), leafArb), { minLength: 1, maxLength: 12 }),
        (updates) => {
          const tree = new AccountsTree();
          const model = new Map<bigint, Leaf>();
          for (const [key, leaf] of updates) {
            // Reuse keys sometimes (also via close neighbours), and sometimes clear a leaf.
            tree.set(address(key), leaf);
            model.set(key, leaf);
          }
          const [firstKey] = updates[0]!;
          tree.set(address(firstKey), EMPTY_LEAF);
          model.set(firstKey, EMPTY_LEAF);
          expect(tree.rootHex).toBe(naiveRoot(model));
          for (const key of model.keys()) {
            const { leaf, siblings, next } = decodeWitness(tree.witness(address(key)), 0);
            expect(next).toBe(tree.witness(address(key)).length);
            expect(leaf).toEqual(model.get(key));
            expect(bytesToHex(rootFrom(key, leaf, siblings))).toBe(tree.rootHex);
            const forged = { ...leaf, earned: leaf.earned + 1n };
            expect(bytesToHex(rootFrom(key, forged, siblings))).not.toBe(tree.rootHex);
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("keeps the empty tree's root at zero and a witness of an absent account is the empty leaf", () => {
    const tree = new AccountsTree();
    expect(tree.rootHex).toBe(`0x${"00".repeat(32)}`);
    tree.set(address(5n), { ...EMPTY_LEAF, earned: 1n });
    const { leaf, siblings } = decodeWitness(tree.witness(address(4n)), 0);
    expect(leaf).toEqual(EMPTY_LEAF);
    expect(bytesToHex(rootFrom(4n, leaf, siblings))).toBe(tree.rootHex);
  });
});

describe("nonce window", () => {
  it("accepts a nonce iff it is unspent and above (max spent − 256), like a set of spent nonces", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 2000n }), { maxLength: 200 }), (nonces) => {
        let leaf: Leaf = EMPTY_LEAF;
        const spent = new Set<bigint>();
        let max = -1n;
        for (const n of nonces) {
          const expected = !spent.has(n) && n >= (max >= 255n ? max - 255n : 0n);
          const result = spendNonce(leaf, n);
          expect(result !== undefined, `nonce ${n}`).toBe(expected);
          if (result !== undefined) {
            leaf = { ...leaf, nonceBase: result.base, nonceBitmap: result.bitmap };
            spent.add(n);
            if (n > max) max = n;
          }
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("fee split", () => {
  it("credits exactly the fee, whatever the split, fee and weights", () => {
    const split = fc
      .array(fc.integer({ min: 0, max: 10_000 }), { minLength: 4, maxLength: 4 })
      .filter((parts) => parts.reduce((a, b) => a + b, 0) <= 10_000);
    fc.assert(
      fc.property(
        split,
        fc.bigInt({ min: 0n, max: (1n << 96n) - 1n }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer(),
        ([op = 0, owner = 0, attr = 0, prot = 0], fee, n, seed) => {
          const model: ModelFacts = {
            owner: address(2n),
            split: {
              operatorBps: op,
              ownerBps: owner,
              attributorBps: attr,
              protocolBps: prot,
              dataBps: 10_000 - op - owner - attr - prot,
            },
            registeredAt: 0n,
            retiredAt: 0n,
          };
          const entries = randomEntries(
            prng(seed),
            Array.from({ length: 20 }, (_, i) => BigInt(i + 1)),
            n,
          );
          expect(entries.length === 0 || entries.reduce((a, e) => a + e.weight, 0) === WEIGHT_SCALE).toBe(true);
          const tx: AttributeTx = {
            kind: "attribute",
            user: address(3n),
            operator: address(1n),
            attributor: address(4n),
            modelId: 1n,
            requestHash: `0x${"00".repeat(32)}`,
            outputHash: `0x${"00".repeat(32)}`,
            maxFee: fee,
            fee,
            nonce: 0n,
            deadline: 0n,
            userSignature: `0x${"00".repeat(65)}`,
            operatorSignature: `0x${"00".repeat(65)}`,
            entries,
          };
          const credits = attributeCredits(
            tx,
            VECTOR_CONTEXT,
            model,
            entries.map((_, j) => address(100n + BigInt(j))),
          );
          expect(credits.reduce((sum, [, amount]) => sum + amount, 0n)).toBe(fee);
          expect(credits.every(([, amount]) => amount > 0n)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("codec", () => {
  it("round-trips signed receipts through batch calldata and proves each tx against the root", async () => {
    const rng = prng(7);
    const txs: AttributeTx[] = [];
    for (let i = 0; i < 5; i++) {
      txs.push(
        await signAttribute(VECTOR_CONTEXT, {
          user: "user-0",
          operator: "operator-0",
          attributor: "attributor-0",
          modelId: 1n,
          requestHash: `0x${"11".repeat(32)}`,
          outputHash: `0x${"22".repeat(32)}`,
          maxFee: 100n,
          fee: 99n,
          nonce: BigInt(i),
          deadline: 5_000n,
          entries: randomEntries(rng, LIVE_DATANET1, i * 3),
        }),
      );
    }
    const batch = encodeBatch(txs);
    const split = splitBatch(batch);
    expect(split.map((bytes, i) => decodeTx(bytes, i))).toEqual(txs);
    const all = claimTransactions(batch, [{ payer: txs[0]!.user, amount: 5n }]);
    expect(all.length).toBe(6);
    const root = txRoot(all);
    all.forEach((tx, i) => {
      expect(verifyTxProof(root, tx, i, txProof(all, i))).toBe(true);
      expect(verifyTxProof(root, tx, (i + 1) % all.length, txProof(all, i))).toBe(false);
    });
  });

  it("names the transaction index of malformed input with a typed error", async () => {
    const ledger = new Ledger();
    const registry = registryView(vectorRegistry());
    const tx = await signAttribute(VECTOR_CONTEXT, {
      user: "user-0",
      operator: "operator-0",
      attributor: "attributor-0",
      modelId: 1n,
      requestHash: `0x${"11".repeat(32)}`,
      outputHash: `0x${"22".repeat(32)}`,
      maxFee: 100n,
      fee: 99n,
      nonce: 0n,
      deadline: 5_000n,
      entries: [{ contributionId: 1n, weight: WEIGHT_SCALE }],
    });
    const good = encodeTx(tx);
    const cases: Array<[Uint8Array[], number, RegExp]> = [
      [[good, good.subarray(0, 200)], 1, /truncated/],
      [[good, good, Uint8Array.of(9, 1, 2)], 2, /unknown transaction type 9/],
      [[concatBytes([good, Uint8Array.of(0)])], 0, /expected 316 bytes, got 317/],
      [[new Uint8Array(0)], 0, /empty/],
    ];
    for (const [txs, index, reason] of cases) {
      const exit = await Effect.runPromiseExit(applyBatchEffect(ledger.clone(), VECTOR_CONTEXT, registry, txs));
      expect(Exit.isFailure(exit)).toBe(true);
      const error = await Effect.runPromise(
        Effect.flip(applyBatchEffect(ledger.clone(), VECTOR_CONTEXT, registry, txs)),
      );
      expect(error).toBeInstanceOf(MalformedTransaction);
      expect(error.index).toBe(index);
      expect(error.message).toMatch(reason);
    }
    expect(() => splitBatch(concatBytes([good, good.subarray(0, 290)]))).toThrow(/transaction 1 is malformed/);
    expect(() => encodeTx({ ...tx, fee: 1n << 96n }, 4)).toThrow(/transaction 4 is malformed: fee/);
    // And a well-formed batch still runs: the valid tx credits exactly its fee.
    const result = await applyBatch(ledger, VECTOR_CONTEXT, registry, [good]);
    expect(result.steps[0]!.outcome).toBe(Outcome.Valid);
    expect(result.post.totalCredited).toBe(99n);
    expect(hexToBytes(result.steps[0]!.witnesses).length).toBeGreaterThan(0);
  });
});

describe("one-step proofs", () => {
  it("hand out, for any step, a pre-state the witnesses open and a tx the tx root contains", async () => {
    const registry = registryView(vectorRegistry());
    const rng = prng(11);
    const signed: AttributeTx[] = [];
    for (let i = 0; i < 6; i++) {
      signed.push(
        await signAttribute(VECTOR_CONTEXT, {
          user: `user-${i % 2}`,
          operator: "operator-0",
          attributor: "attributor-0",
          modelId: 1n,
          requestHash: `0x${"33".repeat(32)}`,
          outputHash: `0x${"44".repeat(32)}`,
          maxFee: 1_000n,
          fee: 999n,
          nonce: BigInt(100 + i),
          deadline: 5_000n,
          entries: randomEntries(rng, LIVE_DATANET1, 1 + (i % 8)),
        }),
      );
    }
    const ledger = new Ledger();
    const claim = await buildClaim(ledger, VECTOR_CONTEXT, registry, signed);
    const { txs, result, debits } = claim;
    expect(claim.newState.totalCharged).toBe(0n);
    expect(claim.newState).toEqual(ledger.state);
    expect(claim.newState.totalCredited).toBe(debits.reduce((sum, d) => sum + d.amount, 0n));
    expect(claim.newState.txCount).toBe(BigInt(signed.length + debits.length));
    expect(result.steps.every((step) => step.outcome === Outcome.Valid)).toBe(true);
    const root = txRoot(txs);
    expect(claim.txRoot).toBe(root);
    for (let i = 0; i < txs.length; i++) {
      const proof = oneStepProof(txs, result, i);
      expect(verifyTxProof(root, hexToBytes(proof.tx), i, proof.txProof)).toBe(true);
      const { leaf, siblings } = decodeWitness(hexToBytes(proof.witnesses), 0);
      // an Attribute's first witness is its (user, operator) nonce window; a Settle's is the payer (§4)
      const firstKey = BigInt(
        i < signed.length ? nonceWindowKey(signed[i]!.user, signed[i]!.operator) : debits[i - signed.length]!.payer,
      );
      expect(bytesToHex(rootFrom(firstKey, leaf, siblings))).toBe(proof.pre.accountsRoot);
      expect(commitment(proof.post)).toBe(commitment(result.steps[i]!.post));
      if (i > 0) expect(proof.pre).toEqual(result.steps[i - 1]!.post);
    }
    expect(() => oneStepProof(txs, result, txs.length)).toThrow(RangeError);

    // σ once per claim: completing the batch σ already ran (the attributor's probe) gives the same claim,
    // step for step, as σ applied from scratch to the whole T (batch, then one Settle per debit)
    const probe = new Ledger();
    const head = await applyBatch(probe, VECTOR_CONTEXT, registry, splitBatch(encodeBatch(signed)));
    const completed = await completeClaim(probe, VECTOR_CONTEXT, registry, encodeBatch(signed), head);
    const scratch = await applyBatch(
      new Ledger(),
      VECTOR_CONTEXT,
      registry,
      claimTransactions(completed.batch, debits),
    );
    expect(completed.txs).toEqual(txs);
    expect(completed.debits).toEqual(debits);
    expect(completed.result).toEqual(scratch);
    expect(completed.newState).toEqual(scratch.post);
    expect(probe.state).toEqual(ledger.state);
    await expect(
      completeClaim(new Ledger(), VECTOR_CONTEXT, registry, encodeBatch(signed), {
        ...head,
        steps: head.steps.slice(1),
      }),
    ).rejects.toThrow(RangeError);
  });
});

describe("issue 12: receipts name their attributor, replay windows are per (user, operator)", () => {
  const registry = registryView(vectorRegistry());
  const receipt = (over: Partial<UnsignedAttribute>): UnsignedAttribute => ({
    user: "user-0",
    operator: "operator-0",
    attributor: "attributor-0",
    modelId: 1n,
    requestHash: `0x${"55".repeat(32)}`,
    outputHash: `0x${"66".repeat(32)}`,
    maxFee: 10_000n,
    fee: 10_000n,
    nonce: 0n,
    deadline: 5_000n,
    entries: [{ contributionId: 1n, weight: WEIGHT_SCALE }],
    ...over,
  });

  it("the window key is the low 160 bits of H(H(tag) ‖ pad32(user) ‖ pad32(operator)) (hashed by hand)", () => {
    const user = accountOf("user-0").address;
    const operator = accountOf("operator-0").address;
    const pad = (a: Address) => `${"00".repeat(12)}${a.slice(2).toLowerCase()}`;
    const tag = keccak256(new TextEncoder().encode("poa.nonces")).slice(2);
    const digest = keccak256(`0x${tag}${pad(user)}${pad(operator)}` as Hex);
    expect(nonceWindowKey(user, operator)).toBe(getAddress(`0x${digest.slice(-40)}`));
    expect(nonceWindowKey(user, operator)).not.toBe(nonceWindowKey(operator, user));
  });

  it("a user's self-signed zero-fee receipt at the top nonce does not cancel a served receipt", async () => {
    const served = await signAttribute(VECTOR_CONTEXT, receipt({ nonce: 3n }));
    const cancel = await signAttribute(
      VECTOR_CONTEXT,
      receipt({ operator: "user-0", fee: 0n, maxFee: 0n, nonce: (1n << 64n) - 1n }),
    );
    const ledger = new Ledger();
    const result = await applyBatch(ledger, VECTOR_CONTEXT, registry, [encodeTx(cancel), encodeTx(served)]);
    expect(result.steps.map((step) => step.outcome)).toEqual([Outcome.Valid, Outcome.Valid]);
    expect(ledger.tree.leaf(served.user).charged).toBe(10_000n);
    // the same operator's window still refuses the replay
    const again = await applyBatch(ledger, VECTOR_CONTEXT, registry, [encodeTx(served)]);
    expect(again.steps[0]!.outcome).toBe(Outcome.Replay);
  });

  it("pays the attributor share to the receipt's attributor, whoever posts it; renaming it breaks the signature", async () => {
    const tx = await signAttribute(VECTOR_CONTEXT, receipt({ attributor: "attributor-1" }));
    const ledger = new Ledger();
    const result = await applyBatch(ledger, VECTOR_CONTEXT, registry, [encodeTx(tx)]);
    expect(result.steps[0]!.outcome).toBe(Outcome.Valid);
    // model 1's split gives the attributor 500 bps
    expect(ledger.tree.leaf(accountOf("attributor-1").address).earned).toBe(500n);
    const copied = { ...tx, attributor: accountOf("copier").address };
    const stolen = await applyBatch(new Ledger(), VECTOR_CONTEXT, registry, [encodeTx(copied)]);
    expect(stolen.steps[0]!.outcome).toBe(Outcome.BadOperatorSignature);
    const nobody = await signAttribute(VECTOR_CONTEXT, receipt({ attributor: "nobody" }));
    const zero = await applyBatch(new Ledger(), VECTOR_CONTEXT, registry, [encodeTx(nobody)]);
    expect(zero.steps[0]!.outcome).toBe(Outcome.BadAttributor);
  });
});
