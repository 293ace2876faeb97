/**
 * EvidenceGame on chain (src/interfaces/IEvidenceGame.sol): reads, and every move of both sides built
 * from the game model (./game.ts) with its Merkle openings — entry openings against the evidence root
 * (./entry.ts), output chunk runs against the output root, suffix openings against the index
 * commitment (./index.ts). Every move is simulated before it is sent (agents/chain/tx.ts), so a move the
 * chain would refuse fails here with the contract's error and costs nothing.
 */
import { Cause, Clock, Effect, Exit } from "effect";
import type { Address, Hex } from "viem";
import { Chain, ChainError } from "../chain/Chain.ts";
import { describeCallError, sendContractCall } from "../chain/tx.ts";
import { evidenceGameAbi, openTokenAbi } from "../generated/contracts.ts";
import { type EvidenceTree, outputRun } from "./entry.ts";
import { ACCUSATION_CODE, type Accusation, type AccusationKind, type Defense, type Violation } from "./game.ts";
import type { IndexCommitment, ProofIndex } from "./index.ts";

export const DisputeStatusCode = { None: 0, InProgress: 1, ClaimantWon: 2, ChallengerWon: 3, Refunded: 4 } as const;
export const SideCode = { Claimant: 0, Challenger: 1 } as const;

/** How an ended dispute came out for one side: its own win, its loss, or a refund. */
export const outcomeFor = (side: "claimant" | "challenger", status: number): "won" | "lost" | "refunded" => {
  if (status === DisputeStatusCode.Refunded) return "refunded";
  const claimantWon = status === DisputeStatusCode.ClaimantWon;
  return claimantWon === (side === "claimant") ? "won" : "lost";
};

export interface EvidenceAddresses {
  readonly game: Address;
  readonly openToken: Address;
}

/**
 * A failed read in one line: viem's short message, and the innermost cause when it says more (the
 * socket error behind "HTTP request failed.", e.g. `connect ECONNREFUSED 127.0.0.1:8545`).
 */
export const describeReadError = (error: unknown): string => {
  const head = describeCallError(error);
  let root: unknown = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const detail = root !== error && root instanceof Error ? root.message.split("\n")[0] : undefined;
  return detail === undefined || head.includes(detail) ? head : `${head} (${detail})`;
};

const read = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => new ChainError({ message: `cannot read ${what}: ${describeReadError(cause)}`, cause }),
  });

/** The chain head, read fresh (no cache): where a scan of events ends. */
export const chainHead = Effect.gen(function* () {
  const chain = yield* Chain;
  return yield* read("the chain head", () => chain.publicClient.getBlockNumber({ cacheTime: 0 }));
});

/** Any other read the evidence agents make (the ledger's claim of a dispute), failing with a ChainError. */
export const readChain = <A>(what: string, call: (c: Chain["Service"]) => Promise<A>) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    return yield* read(what, () => call(chain));
  });

const view = <A>(game: Address, what: string, call: (c: Chain["Service"]) => Promise<A>) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    return yield* read(what, () => call(chain));
  }).pipe(Effect.withSpan(`EvidenceGame.${what.split(" ")[0]}`), Effect.annotateSpans({ game }));

export const readDispute = (game: Address, id: bigint) =>
  view(game, `dispute ${id}`, (c) =>
    c.publicClient.readContract({ address: game, abi: evidenceGameAbi, functionName: "dispute", args: [id] }),
  );

export type DisputeView = Effect.Success<ReturnType<typeof readDispute>>;

export const elapsed = (game: Address, id: bigint, side: number) =>
  view(game, `elapsed ${id}`, (c) =>
    c.publicClient.readContract({ address: game, abi: evidenceGameAbi, functionName: "elapsed", args: [id, side] }),
  );

export const maxClock = (game: Address) =>
  view(game, "MAX_CLOCK_DURATION", (c) =>
    c.publicClient.readContract({ address: game, abi: evidenceGameAbi, functionName: "MAX_CLOCK_DURATION" }),
  );

export const creditOf = (game: Address, account: Address) =>
  view(game, `credit of ${account}`, (c) =>
    c.publicClient.readContract({ address: game, abi: evidenceGameAbi, functionName: "credit", args: [account] }),
  );

/** The DisputeOpened events in [fromBlock, toBlock] (the output bytes are in them). */
export const openedDisputes = (game: Address, fromBlock: bigint, toBlock: bigint) =>
  view(game, `DisputeOpened logs ${fromBlock}..${toBlock}`, (c) =>
    c.publicClient.getContractEvents({
      address: game,
      abi: evidenceGameAbi,
      eventName: "DisputeOpened",
      fromBlock,
      toBlock,
      strict: true,
    }),
  ).pipe(
    Effect.map((logs) =>
      logs.map((l) => ({
        disputeId: l.args.disputeId,
        claimId: l.args.claimId,
        txIndex: Number(l.args.txIndex),
        challenger: l.args.challenger,
        output: l.args.output,
        blockNumber: l.blockNumber,
      })),
    ),
  );

/** The `Answered` event of a dispute: the ranked list (ids, scores) the chain hashed. */
export const answeredRanking = (game: Address, id: bigint) =>
  view(game, `Answered of ${id}`, (c) =>
    c.publicClient.getContractEvents({
      address: game,
      abi: evidenceGameAbi,
      eventName: "Answered",
      args: { disputeId: id },
      fromBlock: 0n,
      strict: true,
    }),
  ).pipe(
    Effect.map((logs) => {
      const last = logs[logs.length - 1];
      return last === undefined ? undefined : { ids: last.args.ids, scores: last.args.scores };
    }),
  );

/** Opens a dispute on Attribute `txIndex` of `claimId`, bonding CHALLENGE_BOND; returns the dispute id. */
export const openDispute = (
  addresses: EvidenceAddresses,
  claimId: bigint,
  txIndex: number,
  tx: Hex,
  txProof: ReadonlyArray<Hex>,
  output: Hex,
) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const bond = yield* read("CHALLENGE_BOND", () =>
      chain.publicClient.readContract({
        address: addresses.game,
        abi: evidenceGameAbi,
        functionName: "CHALLENGE_BOND",
      }),
    );
    yield* sendContractCall({
      address: addresses.openToken,
      abi: openTokenAbi,
      functionName: "approve",
      args: [addresses.game, bond],
    });
    const { events } = yield* sendContractCall({
      address: addresses.game,
      abi: evidenceGameAbi,
      functionName: "open",
      args: [claimId, BigInt(txIndex), tx, txProof, output],
    });
    const opened = events.find((e) => e.eventName === "DisputeOpened");
    if (opened === undefined || !("disputeId" in opened.args)) {
      return yield* new ChainError({ message: `open(${claimId}, ${txIndex}) emitted no DisputeOpened` });
    }
    return opened.args.disputeId as bigint;
  });

/** The defender's answer: its epoch and preimage, evidence root and count, ranked top K. */
export const answerDispute = (
  game: Address,
  id: bigint,
  epoch: number,
  commitment: IndexCommitment,
  tree: EvidenceTree,
  ranked: { readonly ids: ReadonlyArray<bigint>; readonly scores: ReadonlyArray<bigint> },
) =>
  sendContractCall({
    address: game,
    abi: evidenceGameAbi,
    functionName: "answer",
    args: [id, BigInt(epoch), commitment, tree.root, tree.count, ranked.ids, ranked.scores],
  });

export const accuse = (game: Address, id: bigint, a: Accusation) =>
  sendContractCall({
    address: game,
    abi: evidenceGameAbi,
    functionName: "accuse",
    args: [id, ACCUSATION_CODE[a.kind], a.index],
  });

/** The accusation pending in a dispute, by name (undefined for none). */
export const accusationOf = (code: number): AccusationKind | undefined =>
  (Object.entries(ACCUSATION_CODE) as Array<[AccusationKind, number]>).find(([, v]) => v === code)?.[0];

/** The defender's proof of the pending accusation. */
export const defend = (
  game: Address,
  id: bigint,
  c: IndexCommitment,
  tree: EvidenceTree,
  output: Uint8Array,
  a: Accusation,
  d: Defense,
  ranked: { readonly ids: ReadonlyArray<bigint>; readonly scores: ReadonlyArray<bigint> },
) => {
  if (d.kind === "RankedScore") {
    return sendContractCall({
      address: game,
      abi: evidenceGameAbi,
      functionName: "defendRankedScore",
      args: [id, ranked.ids, ranked.scores, tree.opening(d.entry)],
    });
  }
  const e = tree.opening(a.index);
  const { start, end } = e.entry.span;
  switch (d.kind) {
    case "RangeLow":
    case "RangeHigh":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "defendRange",
        args: [id, c, e, outputRun(output, start, end), d.a, d.b],
      });
    case "MaximalLeft":
    case "MaximalRight": {
      const left = d.kind === "MaximalLeft";
      const free = left ? start === 0 : end >= output.length;
      const run = free ? outputRun(output, 0, 0) : outputRun(output, left ? start - 1 : start, left ? end : end + 1);
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "defendMaximal",
        args: [id, c, e, run, d.absence],
      });
    }
    case "CreditedSet":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "defendCreditedSet",
        args: [id, c, e, d.occurrences],
      });
  }
};

const dummy = (tree: EvidenceTree) => tree.opening(0);

/** The challenger's proof of a violation against the defender's evidence `tree`. */
export const prove = (
  game: Address,
  id: bigint,
  c: IndexCommitment,
  tree: EvidenceTree,
  output: Uint8Array,
  index: ProofIndex,
  v: Violation,
  ranked: { readonly ids: ReadonlyArray<bigint>; readonly scores: ReadonlyArray<bigint> },
) => {
  const J = tree.count;
  const open = (j: number) => tree.opening(j);
  switch (v.kind) {
    case "EntryMalformed":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveEntryMalformed",
        args: [id, c, open(v.entry)],
      });
    case "EntriesOutOfOrder":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveEntriesOutOfOrder",
        args: [id, open(v.entry), open(v.entry + 1)],
      });
    case "WonByte":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveWonByte",
        args: [id, open(v.entry), open(v.by), v.position],
      });
    case "Uncovered": {
      const hasA = v.after >= 0;
      const hasB = v.after + 1 < J;
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveUncovered",
        args: [
          id,
          hasA,
          hasA ? open(v.after) : dummy(tree),
          hasB,
          hasB ? open(v.after + 1) : dummy(tree),
          open(v.by),
          v.position,
        ],
      });
    }
    case "Omission": {
      const hasPrev = v.after >= 0;
      const hasNext = v.after + 1 < J;
      const filler = J > 0 ? dummy(tree) : emptyOpening;
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveOmission",
        args: [
          id,
          c,
          hasPrev,
          hasPrev ? open(v.after) : filler,
          hasNext,
          hasNext ? open(v.after + 1) : filler,
          v.a,
          v.x,
          outputRun(output, v.a, v.x),
          index.opening(v.rank, v.x - v.a),
        ],
      });
    }
    case "FirstCredit":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveFirstCredit",
        args: [id, open(v.entry), v.slot],
      });
    case "BrokenLink":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveBrokenLink",
        args: [id, open(v.a), open(v.b), v.id],
      });
    case "SkippedCredit":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveSkippedCredit",
        args: [id, open(v.entry), open(v.skipped), v.id],
      });
    case "RankingOmission":
      return sendContractCall({
        address: game,
        abi: evidenceGameAbi,
        functionName: "proveRankingOmission",
        args: [id, ranked.ids, ranked.scores, open(v.entry), v.slot],
      });
  }
};

/** An entry opening for an absent side when there are no entries at all (ignored by the chain). */
const emptyOpening = {
  index: 0,
  entry: { span: { start: 0, end: 0, wonStart: 0, wonEnd: 0, lo: 0n, hi: 0n }, credits: [] },
  proof: [],
} as const;

export const resolveDispute = (game: Address, id: bigint) =>
  sendContractCall({ address: game, abi: evidenceGameAbi, functionName: "resolve", args: [id] });

export const claimEvidenceCredit = (game: Address, account: Address) =>
  sendContractCall({ address: game, abi: evidenceGameAbi, functionName: "claimCredit", args: [account] });

/**
 * Resolves `id` when the side to move has used up its clock (true when it sent `resolve`). The chain
 * decides: `resolve` is simulated first and refused while the mover still has time.
 */
export const resolveIfOutOfTime = (game: Address, id: bigint, d: DisputeView) =>
  Effect.gen(function* () {
    if (d.status !== DisputeStatusCode.InProgress) return false;
    const used = yield* elapsed(game, id, d.turn);
    const limit = yield* maxClock(game);
    if (used <= limit) return false;
    yield* resolveDispute(game, id);
    return true;
  });

/**
 * Runs one dispute's (or one claim's) step so that its failure — a typed error or a defect such as a
 * mismatch between the engine and the proof index — is logged and the agent goes on with the others.
 */
export const isolated = <A, E, R>(what: string, step: Effect.Effect<A, E, R>) =>
  step.pipe(
    Effect.asVoid,
    Effect.catchCause((cause) =>
      Cause.hasInterrupts(cause)
        ? Effect.failCause(cause)
        : Effect.logWarning(`${what}: ${Cause.pretty(cause).split("\n")[0]}`),
    ),
  );

/** How a failing scan is retried (see `scanWithBackoff`). */
export interface ScanBackoff {
  /** The pause after the first failure (doubled after each further one). */
  readonly initialMs: number;
  /** The longest pause. */
  readonly maxMs: number;
}

/**
 * The default back-off: 1 s doubling to 10 s. The longest pause stays far inside a side's clock
 * (`MAX_CLOCK_DURATION`: 300 s on the local preset, hours on the others) and its extension (30 s locally),
 * so a dispute found late by one pause still has its clock.
 */
export const SCAN_BACKOFF: ScanBackoff = { initialMs: 1_000, maxMs: 10_000 };

/**
 * Wraps a chain scan run on every poll (the DisputeOpened scan) so that an unreachable or failing RPC is
 * reported once, with its cause, and not on every poll: after a failure the scan is skipped for a pause
 * that doubles with each further failure (`backoff`); the same error again is logged at debug level only,
 * a different one as a warning; the first success after failures is logged with how many there were.
 * The returned effect succeeds with whether the scan ran and succeeded (callers skip work that needs the
 * chain when it did not). An interruption is not caught.
 */
export const scanWithBackoff = <E, R>(what: string, scan: Effect.Effect<void, E, R>, backoff = SCAN_BACKOFF) => {
  let failures = 0;
  let nextAt = 0;
  let reported: string | undefined;
  return Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    if (now < nextAt) return false;
    const exit = yield* Effect.exit(scan);
    if (Exit.isSuccess(exit)) {
      if (failures > 0) yield* Effect.logInfo(`${what}: the chain answers again (after ${failures} failed scans)`);
      failures = 0;
      nextAt = 0;
      reported = undefined;
      return true;
    }
    if (Cause.hasInterrupts(exit.cause)) return yield* Effect.failCause(exit.cause);
    failures++;
    const pauseMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
    nextAt = now + pauseMs;
    const message = Cause.pretty(exit.cause).split("\n")[0]!;
    if (message === reported) {
      yield* Effect.logDebug(`${what}: ${message} (failure ${failures}; next try in ${pauseMs} ms)`);
    } else {
      reported = message;
      yield* Effect.logWarning(
        `${what}: ${message}; trying again after ${pauseMs} ms, backing off to every ${backoff.maxMs} ms (logged again only if the error changes)`,
      );
    }
    return false;
  });
};
