/**
 * The evidence game in `poa attributor run` and `poa challenger run` (docs/run-a-node.md, docs/evidence-game.md
 * §5): the flags, and what both agents build from them.
 *
 *   --evidence-game ADDRESS   the EvidenceGame contract (default: `evidenceGame` of the deployments file;
 *                             none: the agents play no evidence disputes)      env POA_<ROLE>_EVIDENCE_GAME
 *   --evidence-dir DIR        index commitment preimages, `<commitment>.json` (default <data-dir>/evidence);
 *                             served to peers and, when missing, fetched from them over /poa/evidence-preimage/1
 *   --content-dir DIR         contribution bytes by content root (default <data-dir>/content); missing ones
 *                             are fetched from peers over /poa/content/1
 *
 * With a preimage for a suffix model's epoch, both agents attribute that model with the evidence index
 * (agents/evidence/engine.ts); the attributor defends its claims in every dispute (agents/attributor/
 * evidence.ts) and the challenger opens and plays disputes against wrong weights (agents/challenger/evidence.ts).
 */
import path from "node:path";
import { Config, Effect, Layer, Option, Schedule } from "effect";
import { Flag } from "effect/cli";
import type { Address, Hex } from "viem";
import { makeEvidenceDefender } from "../attributor/evidence.ts";
import { Chain, Contracts } from "../chain/Chain.ts";
import { makeEvidenceChallenger } from "../challenger/evidence.ts";
import type { ReceiptTexts } from "../challenger/weights.ts";
import { Engine } from "../engines/engine.ts";
import { directoryContentSource, firstContentSource, peerContentSource } from "../engines/suffix/datanet.ts";
import type { GossipShape } from "../gossip/gossip.ts";
import { Metrics } from "../observability/metrics.ts";
import { makeEvidenceIndexes, readPreimage } from "./corpus.ts";
import { withEvidenceIndexes } from "./engine.ts";
import { fetchPreimage, servePreimagesOn } from "./publish.ts";

export interface EvidenceFlagValues {
  readonly evidenceGame: string;
  readonly evidenceDir: string;
  readonly contentDir: string;
}

const envFlag = <A>(flag: Flag.Flag<A>, config: Config.Config<A>) => flag.pipe(Flag.withFallbackConfig(config));

export const evidenceFlags = (role: "ATTRIBUTOR" | "CHALLENGER") => ({
  evidenceGame: envFlag(Flag.String("evidence-game"), Config.String(`POA_${role}_EVIDENCE_GAME`)).pipe(
    Flag.withDefault(""),
    Flag.withDescription(
      `EvidenceGame address (default: the deployments file's evidenceGame; env POA_${role}_EVIDENCE_GAME)`,
    ),
  ),
  evidenceDir: envFlag(Flag.String("evidence-dir"), Config.String(`POA_${role}_EVIDENCE_DIR`)).pipe(
    Flag.withDefault(""),
    Flag.withDescription("directory of index commitment preimages <commitment>.json (default <data-dir>/evidence)"),
  ),
  contentDir: envFlag(Flag.String("content-dir"), Config.String(`POA_${role}_CONTENT_DIR`)).pipe(
    Flag.withDefault(""),
    Flag.withDescription("contribution bytes named by content root (default <data-dir>/content; else from peers)"),
  ),
});

const isAddress = (value: unknown): value is Address => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);

/** The EvidenceGame address: the flag, else the deployments file's `evidenceGame`, else none. */
export const evidenceGameAddress = (flags: EvidenceFlagValues) =>
  Effect.gen(function* () {
    if (flags.evidenceGame !== "") return isAddress(flags.evidenceGame) ? flags.evidenceGame : undefined;
    const { deployments } = yield* Contracts;
    const fromFile = (deployments as unknown as Record<string, unknown>).evidenceGame;
    return isAddress(fromFile) ? fromFile : undefined;
  });

/** The evidence indexes both agents use, and the EvidenceGame address (undefined: no evidence game). */
export const evidenceParts = (flags: EvidenceFlagValues, dataDir: string, gossip: GossipShape) =>
  Effect.gen(function* () {
    const metrics = yield* Metrics;
    const preimages = flags.evidenceDir === "" ? path.join(dataDir, "evidence") : flags.evidenceDir;
    // this node's preimages to its peers; theirs, checked against the commitment, when it lacks one
    yield* servePreimagesOn(gossip, (commitment) => {
      try {
        return readPreimage(preimages, commitment);
      } catch {
        return undefined;
      }
    });
    const indexes = yield* makeEvidenceIndexes({
      preimages,
      fetchPreimage: (commitment) => fetchPreimage(gossip, metrics, commitment),
      content: firstContentSource([
        directoryContentSource(flags.contentDir === "" ? path.join(dataDir, "content") : flags.contentDir),
        peerContentSource(gossip),
      ]),
    });
    const game = yield* evidenceGameAddress(flags);
    return { indexes, game };
  });

/** The node's Engine with evidence-game suffix models attributed by their evidence index (./engine.ts). */
export const evidenceEngine = (parts: EvidenceParts) =>
  Layer.effect(
    Engine,
    Effect.gen(function* () {
      return withEvidenceIndexes(parts.indexes, yield* Engine);
    }),
  );

export type EvidenceParts = Effect.Success<ReturnType<typeof evidenceParts>>;

/** The attributor's defender, polled every `pollMs` in the caller's scope (nothing without a game address). */
export const forkEvidenceDefender = (parts: EvidenceParts, gossip: GossipShape, ledger: Hex, pollMs: number) =>
  Effect.gen(function* () {
    if (parts.game === undefined) return;
    const defender = yield* makeEvidenceDefender({
      name: "attributor",
      game: parts.game,
      ledger,
      indexes: parts.indexes,
      gossip,
    });
    yield* Effect.forkScoped(defender.step.pipe(Effect.repeat(Schedule.spaced(`${pollMs} millis`))));
  });

/** The challenger's evidence player (undefined without a game address). */
export const evidenceChallengerOf = (parts: EvidenceParts, gossip: GossipShape, texts: ReceiptTexts) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const { deployments } = yield* Contracts;
    if (parts.game === undefined || Option.isNone(chain.wallet)) return undefined;
    return yield* makeEvidenceChallenger({
      name: "challenger",
      addresses: { game: parts.game, openToken: deployments.openToken as Address },
      indexes: parts.indexes,
      texts,
      gossip,
    });
  });
