/**
 * The TypeScript half of the σ differential test: re-runs σ from genesis over the committed
 * vectors (test/vectors/sigma.json) and requires every tx root, outcome, witness and intermediate
 * commitment to match what is on disk — the same file forge checks against the Solidity library.
 */
import { readFileSync } from "node:fs";
import { Schema } from "effect";
import { type Address, decodeAbiParameters, type Hex, hexToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { claimTransactions, txRoot, verifyTxProof } from "./codec.ts";
import * as reference from "./reference/sigma.ts";
import { decodeRegistry, registryView } from "./registry.ts";
import { applyBatch, commitment, Ledger, Outcome, type SigmaContext } from "./sigma.ts";
import { decodeWitness, isEmptyLeaf } from "./tree.ts";
import { accountOf, SIGMA_VECTORS_PATH, STEPS_ABI } from "./vectors.ts";

const HexString = Schema.String.pipe(Schema.check(Schema.isPattern(/^0x[0-9a-fA-F]*$/)));
const StateJson = Schema.Struct({
  accountsRoot: HexString,
  totalCredited: Schema.String,
  totalCharged: Schema.String,
  txCount: Schema.String,
  commitment: HexString,
});
const VectorsJson = Schema.Struct({
  context: Schema.Struct({
    chainId: Schema.Number,
    ledger: HexString,
    protocol: HexString,
    referenceTime: Schema.Number,
    maxEntries: Schema.Number,
  }),
  registry: HexString,
  batchCount: Schema.Number,
  batches: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      batch: HexString,
      attributeCount: Schema.Number,
      debitPayers: Schema.Array(HexString),
      debitAmounts: Schema.Array(Schema.String),
      txCount: Schema.Number,
      txRoot: HexString,
      pre: StateJson,
      post: StateJson,
      outcomes: Schema.Array(Schema.Number),
      steps: HexString,
    }),
  ),
});

const vectors = Schema.decodeUnknownSync(VectorsJson)(JSON.parse(readFileSync(SIGMA_VECTORS_PATH, "utf8")));
const ctx: SigmaContext = {
  chainId: vectors.context.chainId,
  ledger: vectors.context.ledger as Address,
  protocol: vectors.context.protocol as Address,
  referenceTime: BigInt(vectors.context.referenceTime),
  maxEntries: vectors.context.maxEntries,
};
const registry = registryView(decodeRegistry(vectors.registry as Hex));

describe("σ shared vectors (TypeScript side)", () => {
  it("reproduces every tx root, outcome, witness and intermediate commitment from genesis", async () => {
    const ledger = new Ledger();
    const seen = new Set<number>();
    expect(vectors.batches.length).toBe(vectors.batchCount);
    for (const batch of vectors.batches) {
      expect(commitment(ledger.state), `${batch.name} pre`).toBe(batch.pre.commitment);
      const debits = batch.debitPayers.map((payer, i) => ({
        payer: payer as Address,
        amount: BigInt(batch.debitAmounts[i]!),
      }));
      const txs = claimTransactions(hexToBytes(batch.batch as Hex), debits);
      expect(txs.length).toBe(batch.txCount);
      const root = txRoot(txs);
      expect(root, `${batch.name} tx root`).toBe(batch.txRoot);
      const [steps] = decodeAbiParameters(STEPS_ABI, batch.steps as Hex);
      const result = await applyBatch(ledger, ctx, registry, txs);
      result.steps.forEach((step, i) => {
        const label = `${batch.name} step ${i}`;
        expect(verifyTxProof(root, txs[i]!, i, steps.txProofs[i]!), label).toBe(true);
        expect(step.outcome, label).toBe(steps.outcomes[i]);
        expect(step.witnesses, label).toBe(steps.witnesses[i]);
        expect(commitment(step.post), label).toBe(steps.commitments[i]);
        expect(step.post.accountsRoot, label).toBe(steps.roots[i]);
        seen.add(step.outcome);
      });
      expect(commitment(result.post), `${batch.name} post`).toBe(batch.post.commitment);
    }
    // Every outcome but Malformed (which cannot be posted) and NoAllowance (a 0x05 outcome: compact.json)
    // is covered by the vectors.
    expect([...seen].sort((a, b) => a - b)).toEqual(
      Object.values(Outcome)
        .filter((o) => o !== Outcome.Malformed && o !== Outcome.NoAllowance)
        .sort((a, b) => a - b),
    );
  });

  it("conserves money: Σ earned = totalCredited and Σ charged = totalCharged after every batch", async () => {
    const ledger = new Ledger();
    for (const batch of vectors.batches) {
      const debits = batch.debitPayers.map((payer, i) => ({
        payer: payer as Address,
        amount: BigInt(batch.debitAmounts[i]!),
      }));
      await applyBatch(ledger, ctx, registry, claimTransactions(hexToBytes(batch.batch as Hex), debits));
      const leaves = ledger.tree.accounts().map(([, leaf]) => leaf);
      expect(leaves.reduce((sum, leaf) => sum + leaf.earned, 0n)).toBe(ledger.totalCredited);
      expect(leaves.reduce((sum, leaf) => sum + leaf.charged, 0n)).toBe(ledger.totalCharged);
    }
  });

  it("are reproduced by the reference σ (the reference tree) and cover every terminal kind, a depth-160 chain and zero leaves", async () => {
    const ledger = new reference.Ledger();
    const kinds = new Set<number>();
    let deepest = 0;
    let zeroLeaves = 0;
    for (const batch of vectors.batches) {
      const debits = batch.debitPayers.map((payer, i) => ({
        payer: payer as Address,
        amount: BigInt(batch.debitAmounts[i]!),
      }));
      const [steps] = decodeAbiParameters(STEPS_ABI, batch.steps as Hex);
      const result = await reference.applyBatch(
        ledger,
        ctx,
        registry,
        claimTransactions(hexToBytes(batch.batch as Hex), debits),
      );
      result.steps.forEach((step, i) => {
        expect(step.witnesses, `${batch.name} step ${i}`).toBe(steps.witnesses[i]);
        expect(step.post.accountsRoot, `${batch.name} step ${i}`).toBe(steps.roots[i]);
        const bytes = hexToBytes(step.witnesses);
        for (let offset = 0; offset < bytes.length; ) {
          const witness = decodeWitness(bytes, offset);
          kinds.add(witness.terminal.kind);
          deepest = Math.max(deepest, witness.depth);
          offset = witness.next;
        }
      });
      // settled payers keep their (now all-zero) leaves: no deletions
      zeroLeaves = Math.max(zeroLeaves, ledger.tree.accounts().filter(([, leaf]) => isEmptyLeaf(leaf)).length);
    }
    expect([...kinds].sort()).toEqual([0, 1, 2]);
    expect(deepest).toBe(160);
    expect(zeroLeaves).toBeGreaterThan(0);
    // a zero debit of an account with no leaf is a valid Settle whose all-zero write is a no-op
    const ghost = accountOf("ghost").address;
    expect(vectors.batches.some((b) => b.debitPayers.includes(ghost))).toBe(true);
    expect(ledger.tree.has(ghost)).toBe(false);
  });
});
