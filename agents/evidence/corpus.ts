/**
 * The evidence index of a suffix model at a claim's reference time (docs/evidence-game.md §1.4): the
 * index epoch in force then (the last with activeFrom ≤ t), its commitment preimage, the contributions
 * attributable at the preimage's snapshot time (bytes checked against their content roots), the proof
 * index built from them and the engine index over the same contributions. The proof index's commitment
 * must hash to the epoch's: otherwise this node cannot play (the preimage or the bytes are not the
 * owner's) and says so.
 *
 * Preimages: the owner publishes the `IndexCommitment` preimage with its commitment; a node keeps each
 * as `<dir>/<commitment>.json` (`writePreimage`), the fields of `IndexCommitment` with integers as
 * decimal strings; one it lacks is fetched from peers by its commitment (`options.fetchPreimage`), checked
 * against it and kept there. The proof index is built by `buildProofIndex` (its SA and ISA trees hashed on
 * worker threads once the corpus is large). Built indexes are cached per commitment for the life of the process.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { Data, Effect, Schema } from "effect";
import type { Hex } from "viem";
import { Chain, Contracts } from "../chain/Chain.ts";
import { type ContentSource, datanetContributions, fetchCorpus } from "../engines/suffix/datanet.ts";
import { attributeBytes } from "../engines/suffix/engine.ts";
import { type GameEvidence, gameEvidence } from "../engines/suffix/evidence.ts";
import { buildIndex, type SuffixIndex } from "../engines/suffix/index.ts";
import { modelRegistryAbi } from "../generated/contracts.ts";
import { buildProofIndex } from "./build.ts";
import { commitmentHash, type IndexCommitment, type ProofIndex } from "./index.ts";
import type { PreimageUnavailableError } from "./publish.ts";

export class EvidenceIndexError extends Data.TaggedError("EvidenceIndexError")<{
  readonly modelId: bigint;
  readonly message: string;
  readonly cause?: unknown;
}> {}

const Decimal = Schema.String.check(Schema.isPattern(/^[0-9]+$/));
const Bytes32 = Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{64}$/));

/** A preimage file: `IndexCommitment` with integers as decimal strings. */
export const PreimageFile = Schema.Struct({
  version: Decimal,
  snapshotTime: Decimal,
  entryCount: Decimal,
  totalBytes: Decimal,
  corpusRoot: Bytes32,
  saRoot: Bytes32,
  isaRoot: Bytes32,
  minMatch: Schema.Int,
  maxOccurrences: Schema.Int,
  maxEntries: Schema.Int,
});

export const preimagePath = (dir: string, commitment: Hex): string => join(dir, `${commitment.toLowerCase()}.json`);

/** Writes a commitment's preimage where `readPreimage` finds it. */
export const writePreimage = (dir: string, c: IndexCommitment): string => {
  fs.mkdirSync(dir, { recursive: true });
  const path = preimagePath(dir, commitmentHash(c));
  const file: typeof PreimageFile.Type = {
    version: c.version.toString(),
    snapshotTime: c.snapshotTime.toString(),
    entryCount: c.entryCount.toString(),
    totalBytes: c.totalBytes.toString(),
    corpusRoot: c.corpusRoot,
    saRoot: c.saRoot,
    isaRoot: c.isaRoot,
    minMatch: c.minMatch,
    maxOccurrences: c.maxOccurrences,
    maxEntries: c.maxEntries,
  };
  fs.writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
};

/** The preimage of `commitment` from `dir`, checked against it; undefined when there is none. */
export const readPreimage = (dir: string, commitment: Hex): IndexCommitment | undefined => {
  const path = preimagePath(dir, commitment);
  if (!fs.existsSync(path)) return undefined;
  const f = Schema.decodeUnknownSync(Schema.fromJsonString(PreimageFile))(fs.readFileSync(path, "utf8"));
  const c: IndexCommitment = {
    version: BigInt(f.version),
    snapshotTime: BigInt(f.snapshotTime),
    entryCount: BigInt(f.entryCount),
    totalBytes: BigInt(f.totalBytes),
    corpusRoot: f.corpusRoot as Hex,
    saRoot: f.saRoot as Hex,
    isaRoot: f.isaRoot as Hex,
    minMatch: f.minMatch,
    maxOccurrences: f.maxOccurrences,
    maxEntries: f.maxEntries,
  };
  return commitmentHash(c) === commitment.toLowerCase() ? c : undefined;
};

/** One model's evidence index for one epoch. */
export interface EvidenceIndex {
  readonly modelId: bigint;
  readonly epoch: number;
  readonly commitment: Hex;
  readonly preimage: IndexCommitment;
  readonly proof: ProofIndex;
  readonly engine: SuffixIndex;
}

/** The honest evidence of `output` under an evidence index (the engine's spans, checked against the proof index). */
export const evidenceOf = (index: EvidenceIndex, output: Uint8Array): GameEvidence => {
  const { minMatch, maxOccurrences, maxEntries } = index.preimage;
  const { evidence } = attributeBytes(index.engine, output, { minMatch, maxOccurrences, maxEntries });
  return gameEvidence(output, evidence, index.proof);
};

export interface EvidenceIndexesOptions {
  /** Where commitment preimages are kept (`<dir>/<commitment>.json`). */
  readonly preimages: string;
  /** Where contribution bytes come from (checked against their content roots). */
  readonly content: ContentSource;
  /**
   * Where a preimage missing from `preimages` comes from (peers over `/poa/evidence-preimage/1`,
   * agents/evidence/publish.ts `fetchPreimage`): it must return one that hashes to the commitment; this
   * module checks again and keeps it in `preimages`. Without it, only local preimages are played.
   */
  readonly fetchPreimage?: (commitment: Hex) => Effect.Effect<IndexCommitment, PreimageUnavailableError>;
}

/** How long a commitment no peer had a preimage for is not asked for again. */
export const PREIMAGE_RETRY_MS = 10_000;

export interface EvidenceIndexes {
  /**
   * The evidence index of `modelId` at `referenceTime`; `undefined` when the model is not a suffix model,
   * its epoch is bogus, or this node has no preimage for the epoch's commitment (it cannot play).
   */
  readonly at: (modelId: bigint, referenceTime: bigint) => Effect.Effect<EvidenceIndex | undefined, EvidenceIndexError>;
}

/** Evidence indexes read from the chain's ModelRegistry and DatanetRegistry, built once per commitment. */
export const makeEvidenceIndexes = (options: EvidenceIndexesOptions) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const contracts = yield* Contracts;
    const registry = contracts.deployments.modelRegistry as Hex;
    const built = new Map<string, EvidenceIndex>();
    /** Commitments no peer had a preimage for, and when they were asked (retried after PREIMAGE_RETRY_MS). */
    const unavailable = new Map<string, number>();
    const read = <A>(modelId: bigint, what: string, run: () => Promise<A>) =>
      Effect.tryPromise({
        try: run,
        catch: (cause) =>
          new EvidenceIndexError({
            modelId,
            message: `cannot read ${what}: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`,
            cause,
          }),
      });
    /** No preimage at all: nothing to read from the chain (the common case of a node without evidence models). */
    const nonePublished = () => {
      try {
        return !fs.readdirSync(options.preimages).some((f) => f.endsWith(".json"));
      } catch {
        return true;
      }
    };
    /**
     * A preimage from peers, checked and kept in the preimage directory; undefined when no peer has one
     * (`PreimageUnavailableError`: this node cannot play that epoch; asked again after PREIMAGE_RETRY_MS).
     */
    const fromPeers = (commitment: Hex) =>
      Effect.gen(function* () {
        const fetch = options.fetchPreimage;
        if (fetch === undefined) return undefined;
        const askedAt = unavailable.get(commitment);
        if (askedAt !== undefined && Date.now() - askedAt < PREIMAGE_RETRY_MS) return undefined;
        const fetched = yield* fetch(commitment).pipe(
          Effect.map((preimage): IndexCommitment | undefined => preimage),
          Effect.catchTag("PreimageUnavailableError", (e) =>
            Effect.logDebug(e.message).pipe(
              Effect.andThen(Effect.sync(() => unavailable.set(commitment, Date.now()))),
              Effect.as(undefined),
            ),
          ),
        );
        // a fetcher that skipped the check must not get a wrong preimage stored or played
        if (fetched === undefined || commitmentHash(fetched) !== commitment) return undefined;
        unavailable.delete(commitment);
        yield* Effect.try({
          try: () => writePreimage(options.preimages, fetched),
          catch: (cause) => cause,
        }).pipe(Effect.catch((cause) => Effect.logWarning(`cannot keep preimage ${commitment}: ${String(cause)}`)));
        return fetched;
      });
    const at = (modelId: bigint, referenceTime: bigint) =>
      Effect.gen(function* () {
        if (options.fetchPreimage === undefined && nonePublished()) return undefined;
        const { publicClient } = chain;
        const model = yield* read(modelId, `model ${modelId}`, () =>
          publicClient.readContract({
            address: registry,
            abi: modelRegistryAbi,
            functionName: "getModel",
            args: [modelId],
          }),
        ).pipe(
          // an unknown model (or an unreadable one): not this node's to play; the registry engines say why
          Effect.catchTag("EvidenceIndexError", (e) => Effect.logDebug(e.message).pipe(Effect.as(undefined))),
        );
        if (model === undefined || model.method !== 0) return undefined;
        const count = Number(
          yield* read(modelId, `model ${modelId}'s epoch count`, () =>
            publicClient.readContract({
              address: registry,
              abi: modelRegistryAbi,
              functionName: "indexEpochCount",
              args: [modelId],
            }),
          ),
        );
        let chosen: { epoch: number; commitment: Hex; bogus: boolean } | undefined;
        for (let e = count - 1; e >= 0 && chosen === undefined; e--) {
          const epoch = yield* read(modelId, `model ${modelId}'s epoch ${e}`, () =>
            publicClient.readContract({
              address: registry,
              abi: modelRegistryAbi,
              functionName: "indexEpoch",
              args: [modelId, BigInt(e)],
            }),
          );
          if (BigInt(epoch.activeFrom) <= referenceTime)
            chosen = { epoch: e, commitment: epoch.commitment.toLowerCase() as Hex, bogus: epoch.bogus };
        }
        if (chosen === undefined || chosen.bogus) return undefined;
        const key = `${modelId}:${chosen.commitment}`;
        const cached = built.get(key);
        if (cached !== undefined) return cached;
        let preimage = yield* Effect.try({
          try: () => readPreimage(options.preimages, chosen.commitment),
          catch: (cause) =>
            new EvidenceIndexError({ modelId, message: `bad preimage file for ${chosen.commitment}`, cause }),
        });
        if (preimage === undefined) {
          const fetched = yield* fromPeers(chosen.commitment);
          if (fetched === undefined) return undefined;
          preimage = fetched;
        }
        const { contributions } = yield* datanetContributions(model.datanetIds, preimage.snapshotTime).pipe(
          Effect.provideService(Chain, chain),
          Effect.provideService(Contracts, contracts),
          Effect.mapError((e) => new EvidenceIndexError({ modelId, message: e.message, cause: e })),
        );
        const inputs = yield* fetchCorpus(contributions, options.content).pipe(
          Effect.mapError((e) => new EvidenceIndexError({ modelId, message: e.message, cause: e })),
        );
        const params = {
          minMatch: preimage.minMatch,
          maxOccurrences: preimage.maxOccurrences,
          maxEntries: preimage.maxEntries,
        };
        const proof = yield* buildProofIndex(inputs, params, preimage.snapshotTime).pipe(
          Effect.mapError((e) => new EvidenceIndexError({ modelId, message: e.message, cause: e })),
        );
        if (commitmentHash(proof.commitment) !== chosen.commitment) {
          return yield* new EvidenceIndexError({
            modelId,
            message: `the corpus at ${preimage.snapshotTime} does not rebuild commitment ${chosen.commitment} (epoch ${chosen.epoch})`,
          });
        }
        const engine = yield* buildIndex(inputs, { threads: 1 }).pipe(
          Effect.mapError((e) => new EvidenceIndexError({ modelId, message: String(e), cause: e })),
        );
        const index: EvidenceIndex = {
          modelId,
          epoch: chosen.epoch,
          commitment: chosen.commitment,
          preimage,
          proof,
          engine,
        };
        built.set(key, index);
        return index;
      });
    return { at } satisfies EvidenceIndexes;
  });
