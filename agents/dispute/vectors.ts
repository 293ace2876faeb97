/**
 * Shared dispute-game vectors (TS solver ⇄ Solidity verifier and game). Written by `npm run vectors`
 * to `test/vectors/dispute.json`; read by `test/dispute/DisputeVectors.t.sol` (forge) and
 * `agents/dispute/solver.test.ts` (vitest).
 *
 * - `batches`: random claims chained from genesis (Attributes with 0…K+1 entries, bad signatures,
 *   replays, Settles that match and that do not); for every transaction the solver's one-step proof
 *   and the commitment it must produce.
 * - `games`: whole games the solver plays on those batches — a claimant wrong at one transaction
 *   against the honest challenger, and the honest claimant against a lying challenger.
 */
import { encodeAbiParameters, type Hex, keccak256, toHex } from "viem";
import { type AttributeTx, claimTransactions, type Debit, encodeBatch } from "../sigma/codec.ts";
import { encodeRegistry, registryView } from "../sigma/registry.ts";
import { applyBatch, commitment, Ledger, type StateFields } from "../sigma/sigma.ts";
import {
  LIVE_ALL,
  malleate,
  type Prng,
  prng,
  randomEntries,
  signAttribute,
  VECTOR_CONTEXT,
  vectorContextJson,
  vectorRegistry,
} from "../sigma/vectors.ts";
import { claimantOf, type Move, packPosition, playBisection, type StepProof, Trace } from "./solver.ts";

export const DISPUTE_VECTORS_PATH = "test/vectors/dispute.json";

const STEPS_ABI = [
  {
    type: "tuple",
    components: [
      { type: "bytes[]", name: "txs" },
      { type: "bytes32[]", name: "preRoots" },
      { type: "uint256[]", name: "preCredited" },
      { type: "uint256[]", name: "preCharged" },
      { type: "uint256[]", name: "preTxCounts" },
      { type: "bytes[]", name: "witnesses" },
      { type: "bytes32[][]", name: "txProofs" },
      { type: "bytes32[]", name: "commitments" },
    ],
  },
] as const;

const MOVES_ABI = [
  {
    type: "tuple",
    components: [
      { type: "uint8[]", name: "kinds" },
      { type: "uint128[]", name: "positions" },
      { type: "bytes32[]", name: "commitments" },
      { type: "bool[]", name: "agrees" },
      { type: "bytes32[]", name: "claimed" },
    ],
  },
] as const;

const MOVE_KIND = { bisect: 0, respond: 1, step: 2 } as const;
const ZERO_WORD: Hex = `0x${"00".repeat(32)}`;

const hash = (rng: Prng): Hex => toHex(rng.big(256), { size: 32 });

/**
 * A random claim body: mostly valid Attributes, some bad signatures and replays. With `entries`, every
 * transaction is valid with exactly entries[i] entries (the K = 8 and K = max benchmark claim).
 */
const randomAttributes = async (
  rng: Prng,
  count: number,
  nonces: Map<string, bigint>,
  entries?: ReadonlyArray<number>,
): Promise<AttributeTx[]> => {
  const out: AttributeTx[] = [];
  for (let i = 0; i < count; i++) {
    const roll = entries === undefined ? rng.below(10) : 9;
    const previous = out[rng.below(Math.max(out.length, 1))];
    if (roll === 0 && previous !== undefined) {
      out.push(previous); // a replay: invalid, only txCount moves
      continue;
    }
    const user = `user-${rng.below(3)}`;
    const nonce = nonces.get(user) ?? 0n;
    nonces.set(user, nonce + 1n);
    const fee = BigInt(1 + rng.below(1_000_000_000));
    const tx = await signAttribute(VECTOR_CONTEXT, {
      user,
      operator: `operator-${rng.below(2)}`,
      attributor: "attributor-0",
      modelId: 1n,
      requestHash: hash(rng),
      outputHash: hash(rng),
      maxFee: fee + BigInt(rng.below(1000)),
      fee,
      nonce,
      deadline: VECTOR_CONTEXT.referenceTime + BigInt(rng.below(10_000)),
      entries: randomEntries(rng, LIVE_ALL, entries?.[i] ?? rng.below(VECTOR_CONTEXT.maxEntries + 2)),
    });
    out.push(roll === 1 ? { ...tx, userSignature: malleate(tx.userSignature) } : tx);
  }
  return out;
};

/** The payers' charges left by the Attributes, as an honest attributor declares them (one tampered if asked). */
const debitsAfter = (ledger: Ledger, tamper: boolean): Debit[] =>
  ledger.tree
    .accounts()
    .filter(([, leaf]) => leaf.charged > 0n)
    .map(([payer, leaf], i) => ({ payer, amount: tamper && i === 0 ? leaf.charged + 1n : leaf.charged }))
    .sort((a, b) => (BigInt(a.payer) < BigInt(b.payer) ? -1 : 1));

const stateJson = (s: StateFields) => ({
  accountsRoot: s.accountsRoot,
  totalCredited: s.totalCredited.toString(),
  totalCharged: s.totalCharged.toString(),
  txCount: s.txCount.toString(),
  commitment: commitment(s),
});

const encodeSteps = (trace: Trace, proofs: ReadonlyArray<StepProof>): Hex =>
  encodeAbiParameters(STEPS_ABI, [
    {
      txs: proofs.map((p) => p.txBytes),
      preRoots: proofs.map((p) => p.pre.accountsRoot),
      preCredited: proofs.map((p) => p.pre.totalCredited),
      preCharged: proofs.map((p) => p.pre.totalCharged),
      preTxCounts: proofs.map((p) => p.pre.txCount),
      witnesses: proofs.map((p) => p.witnesses),
      txProofs: proofs.map((p) => [...p.txProof]),
      commitments: [...trace.commitments],
    },
  ]);

const encodeMoves = (moves: ReadonlyArray<Move>, claimed: ReadonlyArray<Hex>): Hex =>
  encodeAbiParameters(MOVES_ABI, [
    {
      kinds: moves.map((m) => MOVE_KIND[m.kind]),
      positions: moves.map((m) => packPosition(m.position)),
      commitments: moves.map((m) => (m.kind === "step" ? ZERO_WORD : m.commitment)),
      agrees: moves.map((m) => m.kind === "respond" && m.agree),
      claimed: [...claimed],
    },
  ]);

/** The accounts root a lying claimant reports: H(abi.encode(root, "lie")) (as test/dispute/utils/SyntheticClaims.sol). */
export const lieRoot = (root: Hex): Hex =>
  keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "string" }], [root, "lie"]));

/** The claimant's state i if it pretends transaction `wrongAt` credited someone σ did not (totals unchanged,
 *  so the ledger's postClaim checks cannot tell). */
export const lyingState = (trace: Trace, wrongAt: number, i: number): StateFields => {
  const honest = i === 0 ? trace.steps[0]!.pre : trace.steps[i - 1]!.post;
  return i <= wrongAt ? honest : { ...honest, accountsRoot: lieRoot(honest.accountsRoot) };
};

/** The lying claimant's commitments s_0 … s_N. */
export const lyingCommitments = (trace: Trace, wrongAt: number): Hex[] =>
  trace.commitments.map((c, i) => (i <= wrongAt ? c : commitment(lyingState(trace, wrongAt, i))));

/** Sizes of the Attribute part of each random claim (Settles are appended per payer). */
export const BATCH_SIZES = [1, 2, 7, 16, 29] as const;
/** A batch of two valid Attributes with K = 4 and K = 8 (= max) entries (benchmarked one-step proofs). */
export const K_BATCH_ENTRIES = [4, 8] as const;
/** The last batch declares one debit wrong (Settle mismatch): σ leaves totalCharged ≠ 0, so it cannot be posted. */
const TAMPERED_SIZE = 6;

export const buildDisputeVectors = async () => {
  const rng = prng(0xd15b7);
  const snapshot = vectorRegistry();
  const registry = registryView(snapshot);
  const ledger = new Ledger();
  const nonces = new Map<string, bigint>();
  const batches = [];
  const traces: Trace[] = [];
  const plans = [
    ...BATCH_SIZES.map((size) => ({ size, entries: undefined, tamper: false })),
    { size: 2, entries: K_BATCH_ENTRIES, tamper: false },
    { size: TAMPERED_SIZE, entries: undefined, tamper: true },
  ];
  for (const { size, entries, tamper } of plans) {
    const attributes = await randomAttributes(rng, size, nonces, entries);
    const batch = encodeBatch(attributes);
    const probe = ledger.clone();
    await applyBatch(probe, VECTOR_CONTEXT, registry, claimTransactions(batch, []));
    const debits = debitsAfter(probe, tamper);
    const txs = claimTransactions(batch, debits);
    const pre = ledger.state;
    const trace = await Trace.build(ledger, VECTOR_CONTEXT, registry, txs);
    await applyBatch(ledger, VECTOR_CONTEXT, registry, txs);
    const proofs = txs.map((_, i) => trace.stepProof(i));
    traces.push(trace);
    batches.push({
      name: tamper
        ? `tampered-debit-${size}`
        : entries === undefined
          ? `random-${size}`
          : `entries-${entries.join("-")}`,
      txCount: txs.length,
      txRoot: trace.txRoot,
      batch: toHex(batch),
      debitPayers: debits.map((d) => d.payer),
      debitAmounts: debits.map((d) => d.amount.toString()),
      postable: ledger.state.totalCharged === 0n,
      pre: stateJson(pre),
      post: stateJson(ledger.state),
      outcomes: trace.steps.map((s) => s.outcome),
      steps: encodeSteps(trace, proofs),
    });
  }

  const games = [];
  for (const [b, trace] of traces.entries()) {
    const n = trace.txCount;
    for (const wrongAt of [...new Set([0, Math.floor(n / 2), n - 1])]) {
      const claimed = lyingCommitments(trace, wrongAt);
      const { moves, final } = playBisection(n, {
        bisect: claimantOf(claimed),
        respond: (p, mid) => trace.respond(p, mid),
      });
      games.push({
        name: `batch ${b}: claimant wrong at ${wrongAt} vs honest challenger`,
        batch: b,
        winner: "challenger",
        stepIndex: final.lo,
        claimedPost: stateJson(lyingState(trace, wrongAt, n)),
        moves: encodeMoves(moves, claimed),
      });
    }
    const { moves, final } = playBisection(n, { bisect: (p) => trace.bisect(p), respond: () => false });
    games.push({
      name: `batch ${b}: honest claimant vs challenger that always disagrees`,
      batch: b,
      winner: "claimant",
      stepIndex: final.lo,
      claimedPost: stateJson(trace.steps[n - 1]!.post),
      moves: encodeMoves(moves, trace.commitments),
    });
  }

  return {
    context: vectorContextJson(),
    registry: encodeRegistry(snapshot),
    batchCount: batches.length,
    kBatch: BATCH_SIZES.length,
    batches,
    gameCount: games.length,
    games,
    digest: keccak256(toHex(JSON.stringify(batches.map((b) => b.steps)))),
  };
};
