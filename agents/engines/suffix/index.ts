/**
 * The suffix index: the contributions of one or more datanets, split into shards of whole
 * contributions, each shard with its suffix array. Shards sort in parallel on worker threads.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { Effect } from "effect";
import { IndexBuildError } from "./errors.ts";
import { layoutShardText, type Shard, sortShard, terminatorPositions } from "./shard.ts";
import type { SortJob, SortReply } from "./worker.ts";

/** A contribution as the index knows it: its on-chain id and its byte length. */
export interface IndexedContribution {
  readonly id: bigint;
  readonly length: number;
}

export interface SuffixIndex {
  /** In index order: shard by shard, contributions in the order they were given. */
  readonly contributions: ReadonlyArray<IndexedContribution>;
  readonly shards: ReadonlyArray<Shard>;
  readonly totalBytes: number;
}

export interface ContributionInput {
  readonly id: bigint;
  readonly content: Uint8Array;
}

export interface BuildProgress {
  readonly shardsDone: number;
  readonly shardCount: number;
  /** Corpus bytes of the shards sorted so far. */
  readonly bytesDone: number;
  /** bytesDone plus a third of a running shard's bytes per SA-IS stage it has finished. */
  readonly bytesEstimated: number;
  readonly totalBytes: number;
}

export interface BuildOptions {
  /** Worker threads sorting shards at once (default: available parallelism); with 1, or a single
   * shard, the calling thread sorts (no worker start-up, but it blocks the event loop meanwhile). */
  readonly threads?: number;
  /** Largest shard text (contribution bytes plus one terminator each). */
  readonly maxShardBytes?: number;
  readonly onProgress?: (progress: BuildProgress) => void;
}

/** Suffix positions are signed 32-bit inside SA-IS, so a shard text stays below 2^31 bytes. */
export const SHARD_LIMIT = 2 ** 31 - 2;
export const DEFAULT_MAX_SHARD_BYTES = 2 ** 30;
const UINT256_MAX = 2n ** 256n - 1n;

/**
 * Splits contributions (in order) into shards: a shard closes once it reaches the corpus spread
 * over the threads (so every core has a shard to sort) and never exceeds maxShardBytes. A
 * contribution is never split, so no match is lost at a shard edge.
 */
export const planShards = (
  lengths: ReadonlyArray<number>,
  threads: number,
  maxShardBytes: number,
): ReadonlyArray<{ readonly first: number; readonly count: number }> => {
  const total = lengths.reduce((sum, length) => sum + length + 1, 0);
  const target = Math.max(1, Math.min(maxShardBytes, Math.ceil(total / Math.max(1, threads))));
  const plan: { first: number; count: number }[] = [];
  let first = 0;
  let size = 0;
  for (let i = 0; i < lengths.length; i++) {
    const bytes = lengths[i]! + 1;
    if (i > first && size + bytes > maxShardBytes) {
      plan.push({ first, count: i - first });
      first = i;
      size = 0;
    }
    size += bytes;
    if (size >= target) {
      plan.push({ first, count: i + 1 - first });
      first = i + 1;
      size = 0;
    }
  }
  if (lengths.length > first) plan.push({ first, count: lengths.length - first });
  return plan;
};

const validate = (inputs: ReadonlyArray<ContributionInput>, maxShardBytes: number): IndexBuildError | undefined => {
  if (!Number.isInteger(maxShardBytes) || maxShardBytes < 2 || maxShardBytes > SHARD_LIMIT) {
    return new IndexBuildError({ message: `maxShardBytes must be an integer in [2, ${SHARD_LIMIT}]` });
  }
  const seen = new Set<bigint>();
  for (const { id, content } of inputs) {
    if (id < 0n || id > UINT256_MAX) return new IndexBuildError({ message: `contribution id ${id} is not a uint256` });
    if (seen.has(id)) return new IndexBuildError({ message: `contribution id ${id} appears twice` });
    seen.add(id);
    if (content.length + 1 > maxShardBytes) {
      return new IndexBuildError({
        message: `contribution ${id} has ${content.length} bytes; a shard holds at most ${maxShardBytes - 1}`,
      });
    }
  }
  return undefined;
};

interface PendingShard {
  readonly firstContribution: number;
  text: Uint8Array;
  readonly ends: Uint32Array;
  sa?: Uint32Array;
}

/** Sorts shards on a pool of worker threads; resolves when all are sorted. */
const sortOnWorkers = (
  shards: PendingShard[],
  threads: number,
  onStage: (job: number, stage: 1 | 2) => void,
  onDone: (job: number) => void,
  signal: AbortSignal,
): Promise<void> =>
  new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let failed = false;
    const stop = (): void => {
      for (const worker of workers) void worker.terminate();
    };
    const fail = (cause: unknown): void => {
      if (failed) return;
      failed = true;
      stop();
      reject(cause);
    };
    signal.addEventListener("abort", () => fail(new Error("interrupted")));
    const feed = (worker: Worker): void => {
      const job = next++;
      const shard = shards[job];
      if (shard === undefined) return;
      const message: SortJob = { job, text: shard.text, ends: shard.ends };
      worker.postMessage(message, [shard.text.buffer as ArrayBuffer]);
    };
    for (let w = 0; w < Math.min(threads, shards.length); w++) {
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { execArgv: ["--import", "tsx"] });
      workers.push(worker);
      worker.on("message", (result: SortReply) => {
        if (result.kind === "stage") {
          onStage(result.job, result.stage);
          return;
        }
        const shard = shards[result.job]!;
        shard.text = result.text;
        shard.sa = result.sa;
        done++;
        onDone(result.job);
        if (done === shards.length) {
          stop();
          resolve();
        } else feed(worker);
      });
      worker.on("error", fail);
      worker.on("exit", (code) => {
        if (code !== 0 && done < shards.length) fail(new Error(`sort worker exited with code ${code}`));
      });
      feed(worker);
    }
  });

/** Builds an index over the given contributions (kept in the given order). */
export const buildIndex = Effect.fn("SuffixIndex.build")(function* (
  inputs: ReadonlyArray<ContributionInput>,
  options: BuildOptions = {},
) {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const maxShardBytes = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  const invalid = validate(inputs, maxShardBytes);
  if (invalid !== undefined) return yield* Effect.fail(invalid);
  const lengths = inputs.map((input) => input.content.length);
  const totalBytes = lengths.reduce((sum, length) => sum + length, 0);
  const pending: PendingShard[] = planShards(lengths, threads, maxShardBytes).map(({ first, count }) => ({
    firstContribution: first,
    text: layoutShardText(inputs.slice(first, first + count).map((input) => input.content)),
    ends: terminatorPositions(lengths.slice(first, first + count)),
  }));
  let shardsDone = 0;
  let bytesDone = 0;
  const stages = pending.map(() => 0);
  // measured before the texts travel to the workers (a transferred buffer reads as empty here)
  const shardBytes = pending.map((shard) => shard.text.length - shard.ends.length);
  const emit = (): void => {
    const running = pending.reduce(
      (sum, shard, s) => sum + (shard.sa === undefined ? (stages[s]! * shardBytes[s]!) / 3 : 0),
      0,
    );
    options.onProgress?.({
      shardsDone,
      shardCount: pending.length,
      bytesDone,
      bytesEstimated: bytesDone + Math.round(running),
      totalBytes,
    });
  };
  const stage = (job: number, done: 1 | 2): void => {
    stages[job] = done;
    emit();
  };
  const report = (job: number): void => {
    shardsDone++;
    bytesDone += shardBytes[job]!;
    emit();
  };
  const sorted =
    threads === 1 || pending.length <= 1
      ? Effect.sync(() => {
          pending.forEach((shard, job) => {
            shard.sa = sortShard(shard.text, shard.ends, (done) => stage(job, done));
            report(job);
          });
        })
      : Effect.tryPromise({
          try: (signal) => sortOnWorkers(pending, threads, stage, report, signal),
          catch: (cause) => new IndexBuildError({ message: `sorting shards failed: ${String(cause)}`, cause }),
        });
  yield* sorted;
  const index: SuffixIndex = {
    contributions: inputs.map(({ id, content }) => ({ id, length: content.length })),
    shards: pending.map(({ firstContribution, text, ends, sa }) => ({
      firstContribution,
      text,
      ends,
      sa: sa ?? new Uint32Array(0),
    })),
    totalBytes,
  };
  return index;
});
