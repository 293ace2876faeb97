/**
 * Sending a contract call: simulate first (so a revert comes back as the contract's custom error,
 * decoded by the ABI, before any gas is spent), then send, wait for the receipt and decode its events.
 * A transaction the node drops while its receipt is awaited (a reorg took its block back and the
 * transaction with it, or the pool evicted it) fails the call within seconds (`DROP_CHECK`) instead of
 * holding the caller for viem's 180 s receipt timeout.
 */
import { Effect } from "effect";
import {
  type Abi,
  BaseError,
  type ContractFunctionArgs,
  type ContractFunctionName,
  ContractFunctionRevertedError,
  type Hex,
  parseEventLogs,
  TransactionNotFoundError,
  toFunctionSelector,
} from "viem";
import { formatAbiItem } from "viem/utils";
import { Chain, ChainError, requireWallet } from "./Chain.ts";

/**
 * The custom error of `abi` whose selector `data` starts with. A node may return a revert's selector without
 * its arguments (anvil does when estimating gas under interval mining), which viem cannot decode: the name
 * is still known, and it is what callers match a revert by (e.g. a lost race, agents/attributor/state.ts).
 */
const errorBySelector = (abi: Abi, data: Hex): string | undefined => {
  const selector = data.slice(0, 10).toLowerCase();
  for (const item of abi) {
    if (item.type === "error" && toFunctionSelector(formatAbiItem(item)) === selector) return item.name;
  }
  return undefined;
};

/**
 * A one-line description of a failed call: the decoded custom error when there is one, else the error of
 * `abi` (the called contract's) that the revert's selector names, its arguments not returned.
 */
export const describeCallError = (error: unknown, abi?: Abi): string => {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName;
      if (name !== undefined) {
        const args = (revert.data?.args ?? []).map((a) => (typeof a === "bigint" ? a.toString() : String(a)));
        return `reverted with ${name}(${args.join(", ")})`;
      }
      const selector = revert.signature ?? revert.raw;
      const known = abi !== undefined && selector !== undefined ? errorBySelector(abi, selector) : undefined;
      if (known !== undefined) return `reverted with ${known}(…) (${selector?.slice(0, 10)}, arguments not returned)`;
      return `reverted: ${revert.reason ?? revert.shortMessage}`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
};

/**
 * While a sent transaction's receipt is awaited, the node is asked for the transaction every `everyMs`;
 * `misses` answers in a row that it does not know it (neither mined nor pending) mean it was dropped. A node
 * knows a transaction from the moment it accepted it, so one miss is already news; three, over four
 * seconds or more, leave room for a node behind a load balancer that has not seen it yet. A failed lookup
 * (the RPC unreachable) says nothing and is not counted.
 */
export const DROP_CHECK = { everyMs: 2_000, misses: 3 } as const;

/** Fails once the node no longer knows `hash` (see DROP_CHECK); never succeeds. */
const droppedWatch = (chain: Chain["Service"], hash: Hex, label: string) =>
  Effect.gen(function* () {
    let misses = 0;
    while (misses < DROP_CHECK.misses) {
      yield* Effect.sleep(`${DROP_CHECK.everyMs} millis`);
      const known = yield* Effect.tryPromise({
        try: () => chain.publicClient.getTransaction({ hash }),
        catch: (cause) => cause,
      }).pipe(
        Effect.map(() => true as const),
        Effect.catch((cause) =>
          Effect.succeed(cause instanceof TransactionNotFoundError ? (false as const) : undefined),
        ),
      );
      if (known === true) misses = 0;
      else if (known === false) misses++;
    }
    return yield* new ChainError({
      message: `${label}: transaction ${hash} was dropped: the node knows it no more (neither mined nor pending; a reorg took it back or the pool evicted it)`,
    });
  });

export const sendContractCall = <
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(
  call: {
    readonly address: Hex;
    readonly abi: abi;
    readonly functionName: functionName;
    readonly args: args;
  },
  options?: {
    /** Called with the transaction's hash once the node accepted it, before it is mined. */
    readonly onSent?: (hash: Hex) => void;
  },
) =>
  Effect.gen(function* () {
    const chain = yield* Chain;
    const wallet = yield* requireWallet;
    const label = `${String(call.functionName)}`;
    const { request } = yield* Effect.tryPromise({
      try: () =>
        chain.publicClient.simulateContract({
          // viem's overloads cannot see through the generic call object; the shape is checked above.
          ...(call as unknown as Parameters<typeof chain.publicClient.simulateContract>[0]),
          account: wallet.account,
        }),
      catch: (cause) => new ChainError({ message: `${label} ${describeCallError(cause, call.abi)}`, cause }),
    });
    const hash = yield* Effect.tryPromise({
      try: () => wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]),
      catch: (cause) => new ChainError({ message: `${label}: ${describeCallError(cause, call.abi)}`, cause }),
    });
    options?.onSent?.(hash);
    const receipt = yield* Effect.raceFirst(
      Effect.tryPromise({
        // the signal stops viem's polling when the drop watch wins
        try: (signal) => chain.publicClient.waitForTransactionReceipt({ hash, signal }),
        catch: (cause) => new ChainError({ message: `${label}: no receipt for ${hash}`, cause }),
      }),
      droppedWatch(chain, hash, label),
    );
    if (receipt.status !== "success") {
      return yield* new ChainError({ message: `${label}: transaction ${hash} reverted` });
    }
    const events = parseEventLogs({ abi: call.abi, logs: receipt.logs });
    return { hash, receipt, events };
  });
