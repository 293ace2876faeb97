/**
 * The attributor's side of the evidence game (docs/evidence-game.md §3, §5): it watches EvidenceGame for
 * disputes opened against the claims it posted and defends each one unattended:
 *
 *   - answer: the index epoch in force at the claim's reference time with its preimage, the evidence root
 *     and count J, and the ranked top K, all from the honest evidence of the output (agents/evidence/
 *     corpus.ts); the entries are published over `/poa/evidence/1` by their root (agents/evidence/publish.ts);
 *   - every accusation: the one-step proof from the proof index (agents/evidence/game.ts), within the clock;
 *   - the challenger out of clock: `resolve`; the dispute over: record won / lost / refunded, claim credit.
 *
 * It never answers with evidence whose ranked list does not give the Attribute's weights (the chain would
 * refuse it): a claim whose weights are not the rule's cannot be defended, and is left to lose.
 * Restart-safe: disputes are Store rows, the DisputeOpened scan resumes from a Store cursor, and the
 * evidence is recomputed deterministically from the output, so the published root is the same after a
 * restart.
 */
import { Effect, Option } from "effect";
import { type Address, type Hex, hexToBytes, keccak256, zeroAddress } from "viem";
import { Chain } from "../chain/Chain.ts";
import {
  accusationOf,
  answerDispute,
  chainHead,
  claimEvidenceCredit,
  creditOf,
  DisputeStatusCode,
  type DisputeView,
  defend,
  isolated,
  openedDisputes,
  outcomeFor,
  readChain,
  readDispute,
  resolveIfOutOfTime,
  type ScanBackoff,
  SideCode,
  scanWithBackoff,
} from "../evidence/contract.ts";
import { type EvidenceIndex, type EvidenceIndexes, evidenceOf } from "../evidence/corpus.ts";
import { type Entry, EvidenceTree, rankedWeightBytes } from "../evidence/entry.ts";
import { answerAccusation, type PublishedEvidence } from "../evidence/game.ts";
import { serveEvidenceOn } from "../evidence/publish.ts";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import type { GossipShape } from "../gossip/gossip.ts";
import { Metrics } from "../observability/metrics.ts";
import { EVIDENCE_DISPUTES_OPEN_METRIC } from "../observability/server.ts";
import { type EvidenceDisputeRow, Store } from "../store/store.ts";

export interface EvidenceDefenderConfig {
  readonly name: string;
  readonly game: Address;
  readonly ledger: Address;
  readonly indexes: EvidenceIndexes;
  readonly gossip: GossipShape;
  /** Block to start the DisputeOpened scan at on a fresh Store (default 0). */
  readonly fromBlock?: bigint;
  /** How a failing DisputeOpened scan is retried (default SCAN_BACKOFF: 1 s doubling to 10 s). */
  readonly backoff?: ScanBackoff;
  /**
   * Test only: the evidence this defender publishes instead of the honest one (a lying attributor that
   * forges evidence to match weights it rewrote). Production agents never set it.
   */
  readonly forge?: (honest: PublishedEvidence, output: Uint8Array, index: EvidenceIndex) => PublishedEvidence;
}

interface DefenderState {
  readonly output: Hex;
}

const CURSOR = { agent: "evidence-defender", name: "disputes-block" } as const;

export const makeEvidenceDefender = (config: EvidenceDefenderConfig) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const store = yield* Store;
    const metrics = yield* Metrics;
    const game = config.game;
    const me = Option.getOrUndefined(chain.wallet)?.account.address ?? zeroAddress;
    const disputes = metrics.counter(
      "poa_evidence_disputes_total",
      "Evidence disputes by role and result (opened, answered, won, lost, refunded)",
    );
    const moves = metrics.counter("poa_evidence_moves_total", "Evidence game moves sent, by role and move");
    const open = metrics.gauge(EVIDENCE_DISPUTES_OPEN_METRIC, "Evidence disputes in play");
    const refreshOpen = store
      .evidenceDisputes("open")
      .pipe(Effect.map((rows) => open.set({ role: "defender" }, rows.filter((r) => r.role === "defender").length)));
    yield* refreshOpen;

    /** Published evidence by root (served to challengers), rebuilt from the output after a restart. */
    const published = new Map<string, ReadonlyArray<Entry>>();
    yield* serveEvidenceOn(config.gossip, (root) => published.get(root.toLowerCase()));

    const evidenceFor = (d: DisputeView, output: Uint8Array) =>
      Effect.gen(function* () {
        const index = yield* config.indexes.at(d.modelId, d.referenceTime);
        if (index === undefined) return undefined;
        const honest = evidenceOf(index, output);
        const mine: PublishedEvidence = { entries: honest.linked, ranked: honest.ranked };
        const ev = config.forge === undefined ? mine : config.forge(mine, output, index);
        const tree = new EvidenceTree(ev.entries);
        published.set(tree.root.toLowerCase(), ev.entries);
        return { index, ev, tree };
      });

    /** New disputes against this node's claims since the cursor. */
    const discover = Effect.gen(function* () {
      const head = yield* chainHead;
      const cursor = yield* store.getCursor(CURSOR.agent, CURSOR.name);
      const from = Option.match(cursor, { onNone: () => config.fromBlock ?? 0n, onSome: (b) => BigInt(b) + 1n });
      if (from > head) return;
      const known = new Set((yield* store.evidenceDisputes()).map((r) => r.disputeId));
      for (const log of yield* openedDisputes(game, from, head)) {
        if (known.has(log.disputeId)) continue;
        const claim = yield* readChain(`claim ${log.claimId} of dispute ${log.disputeId}`, (c) =>
          c.publicClient.readContract({
            address: config.ledger,
            abi: attributionLedgerAbi,
            functionName: "claim",
            args: [log.claimId],
          }),
        );
        if (claim.claimant.toLowerCase() !== me.toLowerCase()) continue;
        const state: DefenderState = { output: log.output };
        yield* store.upsertEvidenceDispute({
          disputeId: log.disputeId,
          claimId: log.claimId,
          txIndex: log.txIndex,
          role: "defender",
          status: "open",
          state,
        });
        disputes.inc({ role: "defender", result: "opened" });
        yield* Effect.logWarning(
          `${config.name}: evidence dispute ${log.disputeId} opened by ${log.challenger} on claim ${log.claimId} tx ${log.txIndex}`,
        );
      }
      yield* store.advanceCursor({ ...CURSOR, position: Number(head) });
      yield* refreshOpen;
    });

    /** One move in every open dispute this node defends. */
    const play = Effect.gen(function* () {
      for (const row of yield* store.evidenceDisputes("open")) {
        if (row.role !== "defender") continue;
        yield* isolated(`${config.name}: evidence dispute ${row.disputeId}`, playOne(row));
      }
    }).pipe(Effect.withSpan("EvidenceDefender.play"));

    const playOne = (row: EvidenceDisputeRow) =>
      Effect.gen(function* () {
        const id = row.disputeId;
        const output = hexToBytes((row.state as DefenderState).output);
        const d = yield* readDispute(game, id);
        if (d.status !== DisputeStatusCode.InProgress) {
          const status = outcomeFor("claimant", d.status);
          if ((yield* creditOf(game, me)) > 0n) yield* claimEvidenceCredit(game, me);
          yield* store.upsertEvidenceDispute({ ...row, status });
          disputes.inc({ role: "defender", result: status });
          yield* refreshOpen;
          yield* Effect.logInfo(`${config.name}: evidence dispute ${id} ${status}`);
          return;
        }
        if (d.turn === SideCode.Challenger) {
          if (yield* resolveIfOutOfTime(game, id, d)) moves.inc({ role: "defender", move: "resolve" });
          return;
        }
        const built = yield* evidenceFor(d, output);
        if (built === undefined) {
          yield* Effect.logWarning(`${config.name}: dispute ${id}: no evidence index for model ${d.modelId}`);
          return;
        }
        const { index, ev, tree } = built;
        if (d.defender === zeroAddress) {
          const weights = rankedWeightBytes(ev.ranked.ids, ev.ranked.scores, index.preimage.maxEntries);
          if (keccak256(weights) !== d.weightsHash) {
            yield* Effect.logWarning(
              `${config.name}: dispute ${id}: the claim's weights are not the rule's for this output; it cannot be defended`,
            );
            return;
          }
          yield* answerDispute(game, id, index.epoch, index.preimage, tree, ev.ranked);
          moves.inc({ role: "defender", move: "answer" });
          disputes.inc({ role: "defender", result: "answered" });
          yield* Effect.logInfo(
            `${config.name}: dispute ${id}: answered with ${tree.count} entries, root ${tree.root}`,
          );
          return;
        }
        const kind = accusationOf(d.pending);
        if (kind === undefined) return;
        const accusation = { kind, index: d.accusedIndex };
        const defense = answerAccusation(accusation, ev, output, index.proof);
        if (defense === undefined) {
          yield* Effect.logWarning(`${config.name}: dispute ${id}: no proof for ${kind} ${d.accusedIndex}`);
          return;
        }
        yield* defend(game, id, index.preimage, tree, output, accusation, defense, ev.ranked);
        moves.inc({ role: "defender", move: kind });
        yield* Effect.logInfo(`${config.name}: dispute ${id}: answered ${kind} ${d.accusedIndex}`);
      });

    /**
     * Discover and play once (an agent calls this on every poll). While the scan fails (the RPC unreachable
     * or failing) it is retried with a back-off and reported once, and no move is tried: every move needs
     * the chain that just failed.
     */
    const scan = scanWithBackoff(`${config.name}: evidence disputes scan`, discover, config.backoff);
    const step = Effect.gen(function* () {
      if (yield* scan) yield* play;
    });
    return { step, published: (root: Hex) => published.get(root.toLowerCase()) } as const;
  });

export type EvidenceDefender = Effect.Success<ReturnType<typeof makeEvidenceDefender>>;
