/**
 * Which contributions are attributable at a receipt's reference time t, as the DatanetRegistry
 * says: approved at or before t and not withdrawn at or before t (the rule σ applies,
 * docs/registries.md). An index is built from the contributions attributable when it was built;
 * a query at another t must leave out those withdrawn since (or approved only after t).
 *
 * Kept incrementally from the registry's `ContributionApproved` and `ContributionWithdrawn` events
 * (each time is the timestamp of the event's block, which is what the registry stores), scanned
 * from the deployment block. A query whose t is past the last scanned block triggers a scan (at
 * most one at a time, at most one per `minSyncIntervalMs`); a t past the chain head is answered
 * with the head's state, so agents should attribute at reference times the chain has reached. A
 * query without t uses the latest scanned block, rescanned at most once a second.
 */
import { Data, Effect, Semaphore } from "effect";
import type { Hex } from "viem";
import { Chain, Contracts } from "../chain/Chain.ts";
import { datanetRegistryAbi } from "../generated/contracts.ts";

export class RegistryReadError extends Data.TaggedError("RegistryReadError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface ContributionTimesOptions {
  /** At most one scan per this many milliseconds while queries ask past the head (default 0: every time). */
  readonly minSyncIntervalMs?: number;
  /** Blocks per getLogs call (default 10 000). */
  readonly logRange?: bigint;
}

export interface ContributionTimesShape {
  /**
   * The contributions among `ids` that are not attributable at `t` (default: the latest block's
   * time), and the t used.
   */
  readonly excludedAt: (
    ids: ReadonlySet<bigint>,
    t: bigint | undefined,
  ) => Effect.Effect<{ readonly time: bigint; readonly excluded: ReadonlyArray<bigint> }, RegistryReadError>;
}

export const makeContributionTimes = Effect.fn("ContributionTimes.make")(function* (
  options: ContributionTimesOptions = {},
) {
  const { publicClient } = yield* Chain;
  const { deployments } = yield* Contracts;
  const address = deployments.datanetRegistry as string as Hex;
  const minInterval = options.minSyncIntervalMs ?? 0;
  const range = options.logRange ?? 10_000n;
  const read = <A>(what: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (cause) =>
        new RegistryReadError({
          message: `cannot read ${what} from the DatanetRegistry at ${address}: ${
            cause instanceof Error ? cause.message.split("\n")[0] : String(cause)
          }`,
          cause,
        }),
    });

  // approvals in block order (so by time); withdrawals by id
  const approvals: { readonly id: bigint; readonly at: bigint }[] = [];
  const withdrawnAt = new Map<bigint, bigint>();
  let scannedTo = BigInt(deployments.deployBlock ?? 0) - 1n;
  let scannedTime = -1n;
  let lastScan = 0;
  const lock = yield* Semaphore.make(1);
  const blockTimes = new Map<bigint, bigint>();
  const timeOf = (blockNumber: bigint) =>
    Effect.gen(function* () {
      const known = blockTimes.get(blockNumber);
      if (known !== undefined) return known;
      const block = yield* read(`block ${blockNumber}`, () => publicClient.getBlock({ blockNumber }));
      blockTimes.set(blockNumber, block.timestamp);
      return block.timestamp;
    });

  const scan = Effect.gen(function* () {
    const head = yield* read("the latest block", () => publicClient.getBlock());
    for (let from = scannedTo + 1n; from <= head.number; from += range) {
      const to = from + range - 1n < head.number ? from + range - 1n : head.number;
      const [approved, withdrawn] = yield* Effect.all([
        read("approvals", () =>
          publicClient.getContractEvents({
            address,
            abi: datanetRegistryAbi,
            eventName: "ContributionApproved",
            fromBlock: from,
            toBlock: to,
          }),
        ),
        read("withdrawals", () =>
          publicClient.getContractEvents({
            address,
            abi: datanetRegistryAbi,
            eventName: "ContributionWithdrawn",
            fromBlock: from,
            toBlock: to,
          }),
        ),
      ]);
      for (const event of approved) {
        const id = event.args.contributionId;
        if (id !== undefined && event.blockNumber !== null)
          approvals.push({ id, at: yield* timeOf(event.blockNumber) });
      }
      for (const event of withdrawn) {
        const id = event.args.contributionId;
        if (id !== undefined && event.blockNumber !== null) withdrawnAt.set(id, yield* timeOf(event.blockNumber));
      }
      scannedTo = to;
    }
    scannedTo = head.number;
    scannedTime = head.timestamp;
    blockTimes.clear();
  });

  /** Nothing to scan: t is covered, or (no t: "now") the last scan is under a second old. */
  const fresh = (t: bigint | undefined): boolean =>
    scannedTime >= 0n &&
    (t === undefined
      ? Date.now() - lastScan < Math.max(minInterval, 1000)
      : t <= scannedTime || Date.now() - lastScan < minInterval);
  const syncFor = (t: bigint | undefined) =>
    Effect.suspend(() =>
      fresh(t)
        ? Effect.void
        : lock.withPermits(1)(
            Effect.suspend(() => {
              if (fresh(t)) return Effect.void;
              lastScan = Date.now();
              return scan;
            }),
          ),
    );

  const service: ContributionTimesShape = {
    excludedAt: Effect.fn("ContributionTimes.excludedAt")(function* (ids: ReadonlySet<bigint>, t: bigint | undefined) {
      yield* syncFor(t);
      const time = t ?? scannedTime;
      // an id the registry never approved (an index built from files) is left as it is
      const excluded = new Set<bigint>();
      for (const [id, at] of withdrawnAt) if (at <= time && ids.has(id)) excluded.add(id);
      for (let i = approvals.length - 1; i >= 0 && approvals[i]!.at > time; i--) {
        if (ids.has(approvals[i]!.id)) excluded.add(approvals[i]!.id);
      }
      return { time, excluded: [...excluded].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
    }),
  };
  return service;
});
