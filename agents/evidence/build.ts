/**
 * `buildProofIndex`: the proof index with its two big trees hashed in parallel. The canonical arrays
 * are computed here (`canonical.ts`); then the SA tree and the ISA tree are hashed on two worker
 * threads (`trees-worker.ts`), each array travelling there and back as a transferred buffer, while
 * this thread builds the corpus tree. The result is exactly `new ProofIndex(...)` (tests compare
 * them); with `threads: 1` (the default below PARALLEL_FROM_BYTES) it is that call.
 */
import { Worker } from "node:worker_threads";
import { Data, Effect } from "effect";
import { canonicalArrays } from "./canonical.ts";
import { type Contribution, ISA_TAG, ProofIndex, type RuleParameters, SA_TAG, sortById } from "./index.ts";
import { ArrayTree } from "./trees.ts";
import type { TreeJob, TreeReply } from "./trees-worker.ts";

/** Below this corpus size the default is one thread: a tree worker's start-up outweighs its hashing. */
export const PARALLEL_FROM_BYTES = 8 * 2 ** 20;

/** The proof index could not be built (bad input, or a tree worker failed). */
export class ProofIndexBuildError extends Data.TaggedError("ProofIndexBuildError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** Hashes one tree on a fresh worker thread; resolves with the values back and the tree. */
const treeOnWorker = (values: Uint32Array, tag: number, signal: AbortSignal): Promise<[Uint32Array, ArrayTree]> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./trees-worker.ts", import.meta.url), { execArgv: ["--import", "tsx"] });
    let settled = false;
    const fail = (cause: unknown): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(cause);
    };
    signal.addEventListener("abort", () => fail(new Error("interrupted")));
    worker.on("message", (reply: TreeReply) => {
      settled = true;
      void worker.terminate();
      resolve([reply.values, new ArrayTree(reply.values, tag, reply.rows)]);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!settled) fail(new Error(`tree worker exited with code ${code}`));
    });
    const job: TreeJob = { values, tag };
    worker.postMessage(job, [values.buffer as ArrayBuffer]);
  });

export const buildProofIndex = Effect.fn("ProofIndex.build")(function* (
  contributions: ReadonlyArray<Contribution>,
  params: RuleParameters,
  snapshotTime: bigint,
  options: { readonly threads?: number } = {},
) {
  // two tree workers by default once hashing outweighs starting them (each loads the modules first)
  const bytes = contributions.reduce((sum, c) => sum + c.content.length, 0);
  const threads = Math.max(1, Math.floor(options.threads ?? (bytes >= PARALLEL_FROM_BYTES ? 2 : 1)));
  const make = (prebuilt?: ConstructorParameters<typeof ProofIndex>[3]) =>
    Effect.try({
      try: () => new ProofIndex(contributions, params, snapshotTime, prebuilt),
      catch: (cause) => new ProofIndexBuildError({ message: `cannot build the proof index: ${String(cause)}`, cause }),
    });
  if (threads === 1) return yield* make();
  const arrays = yield* Effect.try({
    try: () => canonicalArrays(sortById(contributions).map((c) => c.content)),
    catch: (cause) => new ProofIndexBuildError({ message: `cannot build the proof index: ${String(cause)}`, cause }),
  });
  const [[sa, saTree], [isa, isaTree]] = yield* Effect.tryPromise({
    try: (signal) => Promise.all([treeOnWorker(arrays.sa, SA_TAG, signal), treeOnWorker(arrays.isa, ISA_TAG, signal)]),
    catch: (cause) => new ProofIndexBuildError({ message: `hashing the proof trees failed: ${String(cause)}`, cause }),
  });
  return yield* make({ sa, isa, saTree, isaTree });
});
