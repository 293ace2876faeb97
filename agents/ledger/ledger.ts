/**
 * The agents' one read model of the chain (`LedgerView` service): the protocol's addresses, the ledger
 * follower (every claim rebuilt and re-executed with σ, agents/ledger/follower.ts, with the agent's
 * unreadable-claim hooks: Store row, metric, /health) and the dispute game's addresses
 * (agents/ledger/games.ts plays on them). The attributor and the challenger both read the chain
 * through it; each agent has its own (its follower is driven by its loop's `sync`).
 *
 * `LedgerView.layer({ agent, chainId, addresses })` needs Chain, Store and Metrics.
 */
import { Context, Effect, Layer } from "effect";
import { Chain, Contracts } from "../chain/Chain.ts";
import { type AgentAddresses, ledgerAddresses } from "./addresses.ts";
import { type Follower, FollowerError, type FollowerOptions, makeFollower, readLedgerParams } from "./follower.ts";
import type { GameAddresses } from "./games.ts";
import { unreadableHooks } from "./unreadable.ts";

export interface LedgerShape {
  readonly chainId: number;
  readonly addresses: AgentAddresses;
  /** The dispute game's addresses, when one is deployed. */
  readonly games: GameAddresses | undefined;
  readonly follower: Follower;
}

export interface LedgerOptions {
  /** The agent's name in logs. */
  readonly agent: string;
  readonly chainId: number;
  readonly addresses: AgentAddresses;
  /** Follower tuning (retries, unreadable claims' retry period); the unreadable hooks are the agent's. */
  readonly follower?: Omit<FollowerOptions, "onUnreadable" | "onRecovered">;
}

export const makeLedger = Effect.fn("Ledger.make")(function* (options: LedgerOptions) {
  const chain = yield* Chain;
  const follower = yield* makeFollower(chain.publicClient, options.chainId, options.addresses, {
    ...options.follower,
    ...(yield* unreadableHooks(options.agent)),
  });
  const game = options.addresses.disputeGame;
  const games: GameAddresses | undefined =
    game === undefined ? undefined : { game, ledger: options.addresses.ledger, openToken: options.addresses.openToken };
  return { chainId: options.chainId, addresses: options.addresses, games, follower } satisfies LedgerShape;
});

export class LedgerView extends Context.Service<LedgerView, LedgerShape>()("poa/LedgerView") {
  /** The live read model of one agent. Needs Chain, Store and Metrics. */
  static readonly layer = (options: LedgerOptions) => Layer.effect(LedgerView, makeLedger(options));
}

/**
 * The ledger's K (`AttributionLedger.MAX_ENTRIES`, at most this many entries per Attribute) read from the
 * deployed ledger, for a command with no LedgerView (`poa model attribute`). Needs Chain and Contracts.
 */
export const ledgerMaxEntries = Effect.gen(function* () {
  const { publicClient } = yield* Chain;
  const { deployments } = yield* Contracts;
  const addresses = yield* Effect.try({
    try: () => ledgerAddresses(deployments),
    catch: (e) => new FollowerError({ message: e instanceof Error ? e.message : String(e), permanent: true }),
  });
  return (yield* readLedgerParams(publicClient, addresses.ledger)).maxEntries;
});
