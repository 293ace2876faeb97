/**
 * The honest dispute-game solver (docs/dispute-game.md): given a claim's transactions, its parent
 * state and the claimed commitments, it computes every move of either side and the one-step proof,
 * exactly as `src/DisputeGame.sol` and `src/OneStepVerifier.sol` expect them. Each defense game of a
 * challenge is one two-party bisection, so the same moves serve the poster and every other defender.
 */
import { Data, Effect } from "effect";
import type { Hex } from "viem";
import { MalformedTransaction, txRoot } from "../sigma/codec.ts";
import {
  applyBatch,
  type BatchResult,
  commitment,
  type Ledger,
  oneStepProof,
  type RegistryView,
  type SigmaContext,
  type StateFields,
  type Step,
} from "../sigma/sigma.ts";

/** The disputed range: s_lo agreed, s_hi disputed (`Position` in src/libraries/GameTypes.sol). */
export interface Position {
  readonly lo: number;
  readonly hi: number;
}

/** A move or position the solver cannot answer (outside the claim, or a finished bisection). */
export class SolverError extends Data.TaggedError("SolverError")<{ readonly reason: string }> {
  override get message(): string {
    return `dispute solver: ${this.reason}`;
  }
}

/** The contract's midpoint rule: lo + ⌊(hi − lo) / 2⌋. */
export const midpoint = (p: Position): number => p.lo + Math.floor((p.hi - p.lo) / 2);

/** The range after the challenger's answer. */
export const narrow = (p: Position, agree: boolean): Position =>
  agree ? { lo: midpoint(p), hi: p.hi } : { lo: p.lo, hi: midpoint(p) };

/** `Position` packed as the contract packs it: lo in bits [64, 128), hi in [0, 64). */
export const packPosition = (p: Position): bigint => (BigInt(p.lo) << 64n) | BigInt(p.hi);

/** The data of one step (`StepProof` in src/interfaces/IOneStepVerifier.sol). */
export interface StepProof {
  readonly index: number;
  readonly pre: StateFields;
  readonly txBytes: Hex;
  readonly txProof: ReadonlyArray<Hex>;
  readonly witnesses: Hex;
}

/**
 * The honest execution of one claim: every intermediate commitment s_0 … s_N and every step's
 * witnesses, from σ (agents/sigma/sigma.ts).
 */
export class Trace {
  private constructor(
    readonly txs: ReadonlyArray<Uint8Array>,
    private readonly result: BatchResult,
    readonly commitments: ReadonlyArray<Hex>,
    readonly txRoot: Hex,
  ) {}

  get steps(): ReadonlyArray<Step> {
    return this.result.steps;
  }

  /** Runs σ over `txs` from `parent` (left untouched). */
  static async build(
    parent: Ledger,
    ctx: SigmaContext,
    registry: RegistryView,
    txs: ReadonlyArray<Uint8Array>,
  ): Promise<Trace> {
    if (txs.length === 0) throw new SolverError({ reason: "a claim has at least one transaction" });
    const ledger = parent.clone();
    const pre = commitment(ledger.state);
    const result = await applyBatch(ledger, ctx, registry, txs);
    const commitments = [pre, ...result.steps.map((s) => commitment(s.post))];
    return new Trace(txs, result, commitments, txRoot(txs));
  }

  get txCount(): number {
    return this.txs.length;
  }

  /** s_i's commitment. */
  commitmentAt(i: number): Hex {
    const c = this.commitments[i];
    if (c === undefined) throw new SolverError({ reason: `state ${i} is outside 0…${this.txCount}` });
    return c;
  }

  /** Whether a claim with this parent and transactions but `claimedPost` is wrong (worth a game). */
  disputes(claimedPost: Hex): boolean {
    return this.commitmentAt(this.txCount) !== claimedPost;
  }

  /**
   * Whether this node agrees with a claim with this parent and transactions and `claimedPost`: any
   * node that does may defend it against every challenge, each in its own game, committing this trace's
   * states (docs/dispute-game.md §2.1); `bisect` is the defender's move whoever posted the claim.
   */
  defends(claimedPost: Hex): boolean {
    return !this.disputes(claimedPost);
  }

  /** The defender's move (the poster's or any other agreeing node's): the honest s_mid. */
  bisect(p: Position): Hex {
    this.check(p);
    if (p.hi - p.lo < 2) throw new SolverError({ reason: `range ${p.lo}…${p.hi} is not bisected further` });
    return this.commitmentAt(midpoint(p));
  }

  /** The challenger's move: agree iff the claimant's s_mid is the honest one. */
  respond(p: Position, midCommitment: Hex): boolean {
    return this.bisect(p) === midCommitment;
  }

  /** The one-step proof of transaction `i` from the honest s_i (σ's `oneStepProof`, in the verifier's shape). */
  stepProof(i: number): StepProof {
    if (!(Number.isInteger(i) && i >= 0 && i < this.txCount)) {
      throw new SolverError({ reason: `transaction ${i} is outside 0…${this.txCount - 1}` });
    }
    const proof = oneStepProof(this.txs, this.result, i);
    return { index: i, pre: proof.pre, txBytes: proof.tx, txProof: proof.txProof, witnesses: proof.witnesses };
  }

  private check(p: Position): void {
    if (!(Number.isInteger(p.lo) && Number.isInteger(p.hi) && 0 <= p.lo && p.lo < p.hi && p.hi <= this.txCount)) {
      throw new SolverError({ reason: `position ${p.lo}…${p.hi} is not a range of ${this.txCount} transactions` });
    }
  }
}

/**
 * `Trace.build` as an Effect for the agents: an empty claim fails with SolverError, undecodable
 * transaction bytes with MalformedTransaction (naming the index); anything else is a defect.
 */
export const buildTrace = (
  parent: Ledger,
  ctx: SigmaContext,
  registry: RegistryView,
  txs: ReadonlyArray<Uint8Array>,
): Effect.Effect<Trace, SolverError | MalformedTransaction> =>
  Effect.promise(async (): Promise<Trace | SolverError | MalformedTransaction> => {
    try {
      return await Trace.build(parent, ctx, registry, txs);
    } catch (cause) {
      if (cause instanceof SolverError || cause instanceof MalformedTransaction) return cause;
      throw cause;
    }
  }).pipe(Effect.flatMap((result) => (result instanceof Trace ? Effect.succeed(result) : Effect.fail(result))));

/** One move of a game, as the contract receives it. */
export type Move =
  | { readonly kind: "bisect"; readonly position: Position; readonly commitment: Hex }
  | { readonly kind: "respond"; readonly position: Position; readonly commitment: Hex; readonly agree: boolean }
  | { readonly kind: "step"; readonly position: Position };

/** The two players, each a strategy over the positions the game reaches. */
export interface Players {
  /** The claimant's s_mid for a range. */
  readonly bisect: (p: Position) => Hex;
  /** The challenger's answer to the claimant's s_mid. */
  readonly respond: (p: Position, midCommitment: Hex) => boolean;
}

/**
 * Plays the bisection to its end (hi = lo + 1) off chain, as the contract would, and returns every
 * move including the final step. The number of moves is 2·d + 1 with ⌊log2 N⌋ ≤ d ≤ ⌈log2 N⌉.
 */
export const playBisection = (txCount: number, players: Players): { moves: Move[]; final: Position } => {
  if (!Number.isInteger(txCount) || txCount < 1) throw new SolverError({ reason: `bad transaction count ${txCount}` });
  const moves: Move[] = [];
  let p: Position = { lo: 0, hi: txCount };
  while (p.hi - p.lo > 1) {
    const mid = players.bisect(p);
    moves.push({ kind: "bisect", position: p, commitment: mid });
    const agree = players.respond(p, mid);
    moves.push({ kind: "respond", position: p, commitment: mid, agree });
    p = narrow(p, agree);
  }
  moves.push({ kind: "step", position: p });
  return { moves, final: p };
};

/** A claimant that commits the states of `commitments` (length N + 1), honest or not. */
export const claimantOf =
  (commitments: ReadonlyArray<Hex>) =>
  (p: Position): Hex => {
    const c = commitments[midpoint(p)];
    if (c === undefined) throw new SolverError({ reason: `no commitment at ${midpoint(p)}` });
    return c;
  };
