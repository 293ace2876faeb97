/**
 * The corpus of a suffix index as it is on chain: the contributions of one or more datanets that
 * were approved at the reference time and not withdrawn by then (the rule σ applies, see
 * agents/sigma/sigma.ts), in ascending id order, each with its bytes checked against its
 * on-chain content root (agents/content/merkle.ts). Bytes come from a `ContentSource`: a local
 * directory keyed by content root (as an operator keeps them), peers over `/poa/content/1`
 * (every chunk checked against the root on arrival), or the first of several that has them.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import type { Hex } from "viem";
import { Chain, Contracts } from "../../chain/Chain.ts";
import { contentRoot } from "../../content/merkle.ts";
import { datanetRegistryAbi } from "../../generated/contracts.ts";
import type { GossipShape } from "../../gossip/gossip.ts";
import { ContentMismatchError, ContentUnavailableError, DatanetReadError } from "./errors.ts";
import type { CorpusSource } from "./format.ts";
import type { ContributionInput } from "./index.ts";

/** A contribution as the DatanetRegistry holds it (the fields the index needs). */
export interface ChainContribution {
  readonly id: bigint;
  readonly datanetId: bigint;
  readonly contentRoot: Hex;
  readonly byteLength: bigint;
  readonly approvedAt: bigint;
  readonly withdrawnAt: bigint;
}

/** Where a contribution's bytes come from; the result is checked by the caller, never trusted. */
export interface ContentSource {
  readonly describe: string;
  readonly fetch: (contribution: ChainContribution) => Effect.Effect<Uint8Array, ContentUnavailableError>;
}

/** Attributable at `t`: approved at or before t, not withdrawn at or before t. */
export const attributableAt = (c: ChainContribution, t: bigint): boolean =>
  c.approvedAt !== 0n && c.approvedAt <= t && (c.withdrawnAt === 0n || c.withdrawnAt > t);

/** The file name of a contribution's bytes in a content directory: its content root, 0x-prefixed lowercase hex. */
export const contentFileName = (root: Hex): string => root.toLowerCase();

/** A directory holding one file per contribution, named by its content root. */
export const directoryContentSource = (dir: string): ContentSource => ({
  describe: `content directory ${dir}`,
  fetch: (c) =>
    Effect.try({
      try: () => new Uint8Array(fs.readFileSync(join(dir, contentFileName(c.contentRoot)))),
      catch: (cause) =>
        new ContentUnavailableError({
          contributionId: c.id,
          contentRoot: c.contentRoot,
          message: `contribution ${c.id}: no readable file ${contentFileName(c.contentRoot)} in ${dir} (${
            cause instanceof Error && "code" in cause ? String(cause.code) : String(cause)
          })`,
        }),
    }),
});

/**
 * Peers serving `/poa/content/1` (agents/gossip/reqresp.ts): each is asked in turn until one serves
 * bytes whose every chunk verifies against the contribution's root; a peer that lies costs one request.
 */
export const peerContentSource = (gossip: GossipShape, peers?: ReadonlyArray<string>): ContentSource => ({
  describe: peers === undefined ? "connected peers" : `peers ${peers.join(", ")}`,
  fetch: (c) =>
    gossip.fetchContentFromAny(c.contentRoot, Number(c.byteLength), peers).pipe(
      Effect.map(({ body }) => body),
      Effect.mapError(
        (error) =>
          new ContentUnavailableError({
            contributionId: c.id,
            contentRoot: c.contentRoot,
            message: `contribution ${c.id}: no peer served content ${c.contentRoot} (${error.message})`,
          }),
      ),
    ),
});

/** The first source that has the bytes (e.g. the local content directory, then peers). */
export const firstContentSource = (sources: ReadonlyArray<ContentSource>): ContentSource => ({
  describe: sources.map((s) => s.describe).join(", then "),
  fetch: (c) =>
    Effect.gen(function* () {
      const misses: string[] = [];
      for (const source of sources) {
        const result = yield* Effect.result(source.fetch(c));
        if (result._tag === "Success") return result.success;
        misses.push(result.failure.message);
      }
      return yield* new ContentUnavailableError({
        contributionId: c.id,
        contentRoot: c.contentRoot,
        message: misses.length === 1 ? misses[0]! : `contribution ${c.id}: ${misses.join("; ")}`,
      });
    }),
});

/** Checks fetched bytes against the contribution's on-chain content root. */
export const checkContent = (
  c: ChainContribution,
  bytes: Uint8Array,
): Effect.Effect<Uint8Array, ContentMismatchError> => {
  const actual = bytes.length === 0 ? "(empty)" : contentRoot(bytes);
  if (actual === c.contentRoot.toLowerCase()) return Effect.succeed(bytes);
  return Effect.fail(
    new ContentMismatchError({
      contributionId: c.id,
      expectedRoot: c.contentRoot,
      actualRoot: actual,
      message:
        `contribution ${c.id}: content does not match its on-chain content root ` +
        `(chain ${c.contentRoot}, ${c.byteLength} bytes; got ${actual}, ${bytes.length} bytes): refused`,
    }),
  );
};

const READ_CONCURRENCY = 16;

/**
 * The attributable contributions of the given datanets at `referenceTime` (default: the latest
 * block's timestamp), read at one block so the picture is consistent.
 */
export const datanetContributions = Effect.fn("SuffixIndex.datanetContributions")(function* (
  datanetIds: ReadonlyArray<bigint>,
  referenceTime?: bigint,
) {
  const { publicClient, chainId } = yield* Chain;
  const { deployments } = yield* Contracts;
  const address = deployments.datanetRegistry as string as Hex;
  const read = <A>(what: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (cause) =>
        new DatanetReadError({
          message: `cannot read ${what} from the DatanetRegistry at ${address}: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`,
          cause,
        }),
    });
  const block = yield* read("the latest block", () => publicClient.getBlock());
  const blockNumber = block.number;
  const time = referenceTime ?? block.timestamp;
  for (const datanetId of datanetIds) {
    const exists = yield* read(`datanet ${datanetId}`, () =>
      publicClient.readContract({
        address,
        abi: datanetRegistryAbi,
        functionName: "datanetExists",
        args: [datanetId],
        blockNumber,
      }),
    );
    if (!exists)
      return yield* new DatanetReadError({ message: `datanet ${datanetId} does not exist on chain ${chainId}` });
  }
  const count = yield* read("the contribution count", () =>
    publicClient.readContract({ address, abi: datanetRegistryAbi, functionName: "contributionCount", blockNumber }),
  );
  const wanted = new Set(datanetIds);
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const all = yield* Effect.forEach(
    ids,
    (id) =>
      read(`contribution ${id}`, () =>
        publicClient.readContract({
          address,
          abi: datanetRegistryAbi,
          functionName: "getContribution",
          args: [id],
          blockNumber,
        }),
      ).pipe(
        Effect.map(
          (c): ChainContribution => ({
            id,
            datanetId: c.datanetId,
            contentRoot: c.contentRoot,
            byteLength: BigInt(c.byteLength),
            approvedAt: BigInt(c.approvedAt),
            withdrawnAt: BigInt(c.withdrawnAt),
          }),
        ),
      ),
    { concurrency: READ_CONCURRENCY },
  );
  const contributions = all.filter((c) => wanted.has(c.datanetId) && attributableAt(c, time));
  const source: CorpusSource = {
    chainId,
    datanetRegistry: address,
    datanetIds: datanetIds.map((id) => id.toString()),
    referenceTime: Number(time),
  };
  return { contributions, source };
});

/** Fetches and checks every contribution's bytes; the first missing or mismatching one fails the build. */
export const fetchCorpus = Effect.fn("SuffixIndex.fetchCorpus")(function* (
  contributions: ReadonlyArray<ChainContribution>,
  source: ContentSource,
) {
  const inputs: ContributionInput[] = [];
  for (const c of contributions) {
    const bytes = yield* source.fetch(c);
    inputs.push({ id: c.id, content: yield* checkContent(c, bytes) });
  }
  return inputs;
});
