import { Effect, Exit } from "effect";
import fc from "fast-check";
import {
  type Address,
  bytesToHex,
  concatBytes,
  encodeAbiParameters,
  encodePacked,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
} from "viem";
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
import { AccountsTree, applyWitness, EMPTY_LEAF, type Leaf, verifyProof, WitnessError } from "./tree.ts";
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

/** leafHash by hand with viem's ABI encoders (not the tree module's code). */
const viemLeaf = (key: bigint, leaf: Leaf): Hex =>
  keccak256(
    encodePacked(
      ["uint160", "bytes32"],
      [
        key,
        keccak256(
          encodeAbiParameters(
            [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
            [leaf.earned, leaf.charged, leaf.nonceBase, leaf.nonceBitmap],
          ),
        ),
      ],
    ),
  );
const viemNode = (left: Hex, right: Hex): Hex => keccak256(concatBytes([hexToBytes(left), hexToBytes(right)]));
const ZERO_HEX: Hex = `0x${"00".repeat(32)}`;
const leafArb = fc.record({
  earned: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  charged: fc.bigInt({ min: 0n, max: 1000n }),
  nonceBase: fc.bigInt({ min: 0n, max: 3n }),
  nonceBitmap: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
});
const one: Leaf = { ...EMPTY_LEAF, earned: 1n };
const two: Leaf = { ...EMPTY_LEAF, charged: 2n };

describe("accounts tree (compact sparse Merkle tree, §2)", () => {
  it("has the hand-computed roots: empty, one leaf, a split at bit 0, a chain, a zeroed leaf", () => {
    const tree = new AccountsTree();
    expect(tree.rootHex).toBe(ZERO_HEX);
    tree.set(address(5n), EMPTY_LEAF); // all-zero words to an absent key: a no-op
    expect(tree.rootHex).toBe(ZERO_HEX);
    tree.set(address(5n), one);
    expect(tree.rootHex).toBe(viemLeaf(5n, one)); // a lone leaf sits at the root
    tree.set(address(6n), two); // 5 = …101, 6 = …110: they differ at bit 0
    expect(tree.rootHex).toBe(viemNode(viemLeaf(6n, two), viemLeaf(5n, one)));
    // 0b1000 shares bits 0-2 with 0 (…000): a chain over depths 1, 2 under the root's left child
    const chain = new AccountsTree();
    chain.set(address(0n), one);
    chain.set(address(8n), two);
    chain.set(address(1n), one);
    const split = viemNode(viemLeaf(0n, one), viemLeaf(8n, two)); // depth 3
    const left = viemNode(viemNode(split, ZERO_HEX), ZERO_HEX); // depths 2, 1: bit 1 and bit 2 of both are 0
    expect(chain.rootHex).toBe(viemNode(left, viemLeaf(1n, one)));
    // a zeroed leaf stays present: its hash is leafHash(k, 0, 0, 0, 0), not 0
    chain.set(address(1n), EMPTY_LEAF);
    expect(chain.rootHex).toBe(viemNode(left, viemLeaf(1n, EMPTY_LEAF)));
    expect(chain.has(address(1n))).toBe(true);
    expect(chain.accounts().map(([a]) => BigInt(a))).toEqual([0n, 1n, 8n]);
  });

  it("every witness opens the root (applyWitness), and a forged old word does not", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }), leafArb), { minLength: 1, maxLength: 12 }),
        fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }),
        (updates, absent) => {
          const tree = new AccountsTree();
          for (const [key, leaf] of updates) tree.set(address(key), leaf);
          for (const key of [...updates.map(([k]) => k), absent]) {
            const witness = tree.witness(address(key));
            const leaf = tree.leaf(address(key));
            // writing the same words back is a read: the root stays
            expect(bytesToHex(applyWitness(tree.root, key, leaf, witness, 0).root)).toBe(tree.rootHex);
            const forged = witness.slice();
            forged[31] = forged[31]! ^ 1; // earned's low bit
            expect(() => applyWitness(tree.root, key, leaf, forged, 0)).toThrow(WitnessError);
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("rejects every invalid witness of §2 with WitnessError", () => {
    const tree = new AccountsTree();
    const keys = [0n, 8n, 1n, 0xc0ffeen, 0xc0ffeen | (1n << 159n), 77n << 20n];
    for (const [i, key] of keys.entries()) tree.set(address(key), { ...EMPTY_LEAF, earned: BigInt(i + 1) });
    const root = tree.root;
    const write: Leaf = { ...EMPTY_LEAF, earned: 99n };
    const fails = (key: bigint, bytes: Uint8Array, next: Leaf = write) =>
      expect(() => applyWitness(root, key, next, bytes, 0)).toThrow(WitnessError);
    const member = tree.witness(address(0xc0ffeen)); // kind 0 at depth 160
    expect(member[128]).toBe(160);
    expect(member[129]).toBe(0);
    const empty = tree.witness(address(2n)); // …010: bit 0 = 0 like 0 and 8; bit 1 = 1 is empty
    expect(empty[129]).toBe(1);
    const other = tree.witness(address(3n)); // …011: bit 0 = 1 with 1 only, bit 1 = 1 ≠ 1's → the other leaf 1
    expect(other[129]).toBe(2);
    for (const [key, witness] of [
      [0xc0ffeen, member],
      [2n, empty],
      [3n, other],
    ] as const) {
      expect(() => applyWitness(root, key, write, witness, 0)).not.toThrow();
      // truncated anywhere
      for (let n = 0; n < witness.length; n++) fails(key, witness.slice(0, n));
      // kind > 2
      for (const kind of [3, 255]) {
        const bad = witness.slice();
        bad[129] = kind;
        fails(key, bad);
      }
      // a wrong sibling or terminal byte: the old root does not match
      for (let at = 130; at < witness.length; at += 17) {
        const bad = witness.slice();
        bad[at] = bad[at]! ^ 0x40;
        fails(key, bad);
      }
    }
    // d > 160 (with enough bytes behind it)
    const deep = concatBytes([member.slice(0, 128), Uint8Array.of(161, 0), new Uint8Array(32 * 161)]);
    fails(0xc0ffeen, deep);
    // kind 1 / 2 with non-zero old words
    for (const [key, witness] of [
      [2n, empty],
      [3n, other],
    ] as const) {
      const bad = witness.slice();
      bad[127] = 1;
      fails(key, bad);
    }
    // kind 2 whose other leaf is the key itself, or is off the key's low d bits
    const self = other.slice();
    self.set(hexToBytes(address(3n)), 130);
    fails(3n, self);
    const offPath = other.slice();
    offPath.set(hexToBytes(address(1n ^ (1n << BigInt(other[128]! - 1)))), 130);
    fails(3n, offPath);
    // a member witness of a key presented as another key's
    fails(0xc0ffeen | (1n << 159n), member);
    // membership proofs: kind 0 only, exact length, the right leaf
    const proof = tree.proof(address(8n));
    const eight = tree.leaf(address(8n));
    expect(verifyProof(root, 8n, eight, proof)).toBe(true);
    expect(verifyProof(root, 8n, { ...eight, earned: eight.earned + 1n }, proof)).toBe(false);
    expect(verifyProof(root, 8n, eight, concatBytes([proof, new Uint8Array(1)]))).toBe(false);
    expect(verifyProof(root, 2n, EMPTY_LEAF, empty.slice(128))).toBe(false);
    expect(() => tree.proof(address(2n))).toThrow(RangeError);
  });

  it("writing all-zero words through a kind 1 or kind 2 witness changes nothing", () => {
    const tree = new AccountsTree();
    tree.set(address(1n), one);
    tree.set(address(2n), two);
    for (const key of [4n, 3n]) {
      const witness = tree.update(address(key), (leaf) => leaf);
      expect(bytesToHex(applyWitness(tree.root, key, EMPTY_LEAF, witness, 0).root)).toBe(tree.rootHex);
      expect(tree.has(address(key))).toBe(false);
    }
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
      // an Attribute's first witness is its (user, operator) nonce window; a Settle's is the payer (§4)
      const firstKey = BigInt(
        i < signed.length ? nonceWindowKey(signed[i]!.user, signed[i]!.operator) : debits[i - signed.length]!.payer,
      );
      const witnesses = hexToBytes(proof.witnesses);
      const pre = hexToBytes(proof.pre.accountsRoot);
      const { leaf } = applyWitness(pre, firstKey, EMPTY_LEAF, witnesses, 0); // opens the pre-state root
      expect(bytesToHex(applyWitness(pre, firstKey, leaf, witnesses, 0).root)).toBe(proof.pre.accountsRoot);
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
