/**
 * The challenger's side of the evidence game (docs/evidence-game.md §3, §5). For every Attribute of a
 * pending, σ-correct claim whose model is a suffix model this node holds the evidence index of
 * (agents/evidence/corpus.ts), it recomputes the honest evidence from the receipt's output; when the
 * weights it gives differ from the claimed ones it records the disagreement and opens an evidence
 * dispute (bond, the tx with its proof against the claim's txRoot, the output bytes). Then, each poll:
 *
 *   - the defender answered: fetch its published entries by evidence root (`/poa/evidence/1`), diff them
 *     with this node's own evidence and make the first move the defender loses (agents/evidence/game.ts):
 *     a violation proved at once, or an accusation it has no proof for;
 *   - the defender is to move and out of clock: `resolve`;
 *   - the dispute ended: record won / lost / refunded and claim the credit.
 *
 * Restart-safe: disputes are rows of the Store (`evidence_disputes`) and everything else is read back
 * from the chain on every move; before opening, the chain's DisputeOpened events are searched so a dispute
 * opened just before a crash is resumed, not opened twice.
 */
import { Effect, Option } from "effect";
import { type Address, bytesToHex, type Hex, hexToBytes, zeroAddress } from "viem";
import { Chain } from "../chain/Chain.ts";
import type { AttributionEntry } from "../engines/engine.ts";
import {
  accuse,
  answeredRanking,
  chainHead,
  claimEvidenceCredit,
  creditOf,
  DisputeStatusCode,
  type EvidenceAddresses,
  isolated,
  openDispute,
  openedDisputes,
  outcomeFor,
  prove,
  readDispute,
  resolveIfOutOfTime,
  SideCode,
} from "../evidence/contract.ts";
import { type EvidenceIndexes, evidenceOf } from "../evidence/corpus.ts";
import { EvidenceTree } from "../evidence/entry.ts";
import { findMove, type Move, type PublishedEvidence } from "../evidence/game.ts";
import { fetchEvidence } from "../evidence/publish.ts";
import type { GossipShape } from "../gossip/gossip.ts";
import type { FollowedClaim } from "../ledger/follower.ts";
import { Metrics } from "../observability/metrics.ts";
import { EVIDENCE_DISPUTES_OPEN_METRIC } from "../observability/server.ts";
import { checkTexts } from "../protocol/texts.ts";
import { decodeTx, txProof } from "../sigma/codec.ts";
import { type EvidenceDisputeRow, Store } from "../store/store.ts";
import { type ReceiptTexts, receiptOfTx } from "./weights.ts";

export interface EvidenceChallengerConfig {
  readonly name: string;
  readonly addresses: EvidenceAddresses;
  readonly indexes: EvidenceIndexes;
  readonly texts: ReceiptTexts;
  readonly gossip: GossipShape;
  /** Block to search DisputeOpened events from (the game's deployment block; default 0). */
  readonly fromBlock?: bigint;
}

interface ChallengerState {
  readonly modelId: string;
  readonly output: Hex;
}

const sameEntries = (a: ReadonlyArray<AttributionEntry>, b: ReadonlyArray<AttributionEntry>) =>
  a.length === b.length && a.every((e, i) => e.contributionId === b[i]!.contributionId && e.weight === b[i]!.weight);

const describe = (m: Move) =>
  m.type === "accuse" ? `accuse ${m.accusation.kind} ${m.accusation.index}` : `prove ${m.kind}`;

export const makeEvidenceChallenger = (config: EvidenceChallengerConfig) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const store = yield* Store;
    const metrics = yield* Metrics;
    const game = config.addresses.game;
    const disputes = metrics.counter(
      "poa_evidence_disputes_total",
      "Evidence disputes by role and result (opened, answered, won, lost, refunded)",
    );
    const moves = metrics.counter("poa_evidence_moves_total", "Evidence game moves sent, by role and move");
    const open = metrics.gauge(EVIDENCE_DISPUTES_OPEN_METRIC, "Evidence disputes in play");
    const refreshOpen = store
      .evidenceDisputes("open")
      .pipe(Effect.map((rows) => open.set({ role: "challenger" }, rows.filter((r) => r.role === "challenger").length)));
    yield* refreshOpen;
    const me = Option.getOrUndefined(chain.wallet)?.account.address ?? zeroAddress;
    /** The defender's entries per dispute, fetched once per evidence root. */
    const fetched = new Map<string, PublishedEvidence["entries"]>();

    /** A dispute this challenger already opened on (claim, tx), on chain (after a crash before the Store row). */
    const openedOnChain = (claimId: bigint, txIndex: number, fromBlock: bigint) =>
      Effect.gen(function* () {
        const head = yield* chainHead;
        const logs = yield* openedDisputes(game, fromBlock, head);
        return logs.find((l) => l.claimId === claimId && l.txIndex === txIndex && l.challenger === me)?.disputeId;
      });

    /** Recomputes every Attribute of a pending claim with the evidence index; opens a dispute on each mismatch. */
    const check = (claim: FollowedClaim) =>
      Effect.gen(function* () {
        if (claim.status !== "pending") return;
        const known = yield* store.evidenceDisputes();
        for (const [txIndex, bytes] of claim.trace.txs.entries()) {
          if (bytes[0] !== 0x01) continue;
          yield* isolated(`${config.name}: claim ${claim.id} tx ${txIndex}`, checkTx(claim, txIndex, bytes, known));
        }
      }).pipe(Effect.withSpan("EvidenceChallenger.check"));

    const checkTx = (
      claim: FollowedClaim,
      txIndex: number,
      bytes: Uint8Array,
      known: ReadonlyArray<EvidenceDisputeRow>,
    ) =>
      Effect.gen(function* () {
        if (known.some((r) => r.role === "challenger" && r.claimId === claim.id && r.txIndex === txIndex)) return;
        let tx: ReturnType<typeof decodeTx>;
        try {
          tx = decodeTx(bytes, txIndex);
        } catch {
          return;
        }
        if (tx.kind !== "attribute") return;
        const index = yield* config.indexes.at(tx.modelId, claim.referenceTime);
        if (index === undefined) return;
        const found = yield* config.texts(receiptOfTx(tx));
        if (Option.isNone(found)) return;
        const checked = checkTexts(receiptOfTx(tx), found.value.request, found.value.output);
        if (!checked.ok) return;
        const output = new TextEncoder().encode(checked.sourced.output);
        const mine = evidenceOf(index, output);
        if (sameEntries(mine.weights, tx.entries)) return;
        yield* store.recordWeightDisagreement({
          claimId: claim.id,
          txIndex,
          user: tx.user,
          operator: tx.operator,
          nonce: tx.nonce,
          modelId: tx.modelId,
          claimed: tx.entries,
          computed: mine.weights,
        });
        const resumed = yield* openedOnChain(claim.id, txIndex, config.fromBlock ?? claim.blockNumber);
        const disputeId =
          resumed ??
          (yield* openDispute(
            config.addresses,
            claim.id,
            txIndex,
            bytesToHex(bytes),
            txProof(claim.trace.txs, txIndex),
            bytesToHex(output),
          ));
        const state: ChallengerState = { modelId: tx.modelId.toString(), output: bytesToHex(output) };
        yield* store.upsertEvidenceDispute({
          disputeId,
          claimId: claim.id,
          txIndex,
          role: "challenger",
          status: "open",
          state,
        });
        if (resumed === undefined) disputes.inc({ role: "challenger", result: "opened" });
        yield* refreshOpen;
        yield* Effect.logWarning(
          `${config.name}: evidence dispute ${disputeId} on claim ${claim.id} tx ${txIndex}: weights [${tx.entries.map((e) => `${e.contributionId}:${e.weight}`).join(",")}] but the evidence gives [${mine.weights.map((e) => `${e.contributionId}:${e.weight}`).join(",")}]`,
        );
      });

    /** One move in every open dispute of this challenger. */
    const play = Effect.gen(function* () {
      for (const row of yield* store.evidenceDisputes("open")) {
        if (row.role !== "challenger") continue;
        yield* isolated(`${config.name}: evidence dispute ${row.disputeId}`, playOne(row));
      }
    }).pipe(Effect.withSpan("EvidenceChallenger.play"));

    const playOne = (row: EvidenceDisputeRow) =>
      Effect.gen(function* () {
        const state = row.state as ChallengerState;
        const id = row.disputeId;
        const d = yield* readDispute(game, id);
        if (d.status !== DisputeStatusCode.InProgress) {
          const status = outcomeFor("challenger", d.status);
          if ((yield* creditOf(game, me)) > 0n) yield* claimEvidenceCredit(game, me);
          yield* store.upsertEvidenceDispute({ ...row, status });
          disputes.inc({ role: "challenger", result: status });
          yield* refreshOpen;
          yield* Effect.logInfo(`${config.name}: evidence dispute ${id} ${status}`);
          return;
        }
        if (d.turn === SideCode.Claimant) {
          if (yield* resolveIfOutOfTime(game, id, d)) moves.inc({ role: "challenger", move: "resolve" });
          return;
        }
        const output = hexToBytes(state.output);
        const index = yield* config.indexes.at(d.modelId, d.referenceTime);
        if (index === undefined || index.commitment !== d.commitment.toLowerCase()) {
          yield* Effect.logWarning(`${config.name}: dispute ${id}: no evidence index for the answered commitment`);
          return;
        }
        const ranked = yield* answeredRanking(game, id);
        if (ranked === undefined) return;
        const root = d.evidenceRoot.toLowerCase();
        let entries = fetched.get(root);
        if (entries === undefined) {
          const got = yield* fetchEvidence(config.gossip, d.evidenceRoot).pipe(
            Effect.map((e) => ({ entries: e })),
            Effect.catchTag("FetchError", (e) => Effect.succeed({ error: e.message })),
          );
          if ("error" in got) {
            yield* Effect.logWarning(`${config.name}: dispute ${id}: evidence not fetched yet (${got.error})`);
            return;
          }
          if (got.entries.length !== d.entryCount) return;
          entries = got.entries;
          fetched.set(root, entries);
        }
        const theirs: PublishedEvidence = { entries, ranked };
        const mine = evidenceOf(index, output);
        const move = findMove(theirs, { entries: mine.linked, ranked: mine.ranked }, output, index.proof);
        if (move === undefined) {
          // the defender's evidence is the honest one: nothing to accuse (its weights must then be the rule's)
          yield* Effect.logWarning(`${config.name}: dispute ${id}: the answered evidence is honest; nothing to accuse`);
          return;
        }
        const tree = new EvidenceTree(entries);
        if (move.type === "accuse") yield* accuse(game, id, move.accusation);
        else yield* prove(game, id, index.preimage, tree, output, index.proof, move, ranked);
        moves.inc({ role: "challenger", move: move.type === "accuse" ? move.accusation.kind : move.kind });
        yield* store.upsertEvidenceDispute({ ...row, state: { ...state, lastMove: describe(move) } });
        yield* Effect.logInfo(`${config.name}: dispute ${id}: ${describe(move)}`);
      });

    return {
      check: (claim: FollowedClaim) => check(claim).pipe(Effect.provideService(Chain, chain)),
      play: play.pipe(Effect.provideService(Chain, chain)),
    } as const;
  });

export type EvidenceChallenger = Effect.Success<ReturnType<typeof makeEvidenceChallenger>>;

/** Unused address guard for callers that only know a deployments file. */
export const isAddress = (value: string | undefined): value is Address =>
  value !== undefined && /^0x[0-9a-fA-F]{40}$/.test(value);
