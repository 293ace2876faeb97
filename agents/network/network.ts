/**
 * Several agents in one process, each with its own chain wallet, SQLite store, metrics registry and
 * real libp2p node on loopback: what the end-to-end tests, the benchmark and the local demo run.
 *
 * `startNetwork` wires N attributors and M challengers to a deployed protocol (the LocalProtocol of
 * agents/chain) and returns handles; `runLocalNetwork` is the demo-facing wrapper: it also funds the
 * attributors, feeds a receipt stream to them and reports what happens through callbacks.
 */
import { mkdir } from "node:fs/promises";
import { Context, Effect, Layer, Option, Redacted, type Scope, Stream } from "effect";
import { type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type AgentEvent, type AttributorHandle, runAttributor } from "../attributor/attributor.ts";
import { type IntakeResult, intakeFailure, serveIntake } from "../attributor/intake.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { Chain, localChain } from "../chain/Chain.ts";
import type { Deployments } from "../chain/Deployments.ts";
import { runChallenger } from "../challenger/challenger.ts";
import type { ReceiptTexts, WeightCheck } from "../challenger/weights.ts";
import type { AttributionEngine } from "../engines/engine.ts";
import { attributionLedgerAbi, openTokenAbi, paymentEscrowAbi } from "../generated/contracts.ts";
import { Gossip, type GossipShape } from "../gossip/gossip.ts";
import { awaitMesh } from "../gossip/testing.ts";
import { ledgerAddresses } from "../ledger/addresses.ts";
import { MetricsRegistry } from "../observability/metrics.ts";
import type { SourcedReceipt } from "../receipts/source.ts";
import { agentServices } from "./wiring.ts";

export interface NetworkOptions {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly deployments: Deployments;
  readonly engine: AttributionEngine<unknown>;
  /** Chain keys of the attributors (default: anvil keys 7 and 8). */
  readonly attributorKeys?: ReadonlyArray<Hex>;
  /** Chain keys of the challengers (default: anvil key 9). */
  readonly challengerKeys?: ReadonlyArray<Hex>;
  /** Where each agent keeps its SQLite file (`<dir>/<name>.sqlite`). */
  readonly dataDir: string;
  readonly maxBatch?: number;
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  /** Worker threads checking each attributor's intake (AttributorSettings `intakeWorkers`; default theirs). */
  readonly intakeWorkers?: number;
  /** Serve each attributor's HTTP intake on a free loopback port. */
  readonly httpIntake?: boolean;
  /** Fraud injection: attributor `attributor` (0-based) corrupts its `claim`-th claim. */
  readonly corrupt?: { readonly attributor: number; readonly claim: number };
  readonly onEvent?: (event: AgentEvent) => void;
  /** Where the challengers find receipt texts to recompute weights with `engine` (default: nowhere). */
  readonly challengerTexts?: ReceiptTexts;
}

export interface AgentNode {
  readonly name: string;
  readonly address: Address;
  readonly gossip: GossipShape;
  readonly metrics: MetricsRegistry;
}

export interface AttributorNode extends AgentNode {
  readonly handle: AttributorHandle;
  /** Hands a receipt to this attributor as its HTTP intake would. */
  readonly submit: (receipt: SourcedReceipt) => Promise<IntakeResult>;
  readonly intakeUrl?: string;
}

export interface ChallengerNode extends AgentNode {
  readonly badClaims: () => ReadonlyArray<{
    readonly claimId: bigint;
    readonly claimant: Address;
    readonly latencyMs: number;
  }>;
  readonly games: () => ReadonlyArray<{
    readonly claimId: bigint;
    readonly gameId: bigint;
    readonly won: boolean;
    readonly credit: bigint;
  }>;
  /** Attribute transactions whose weights this challenger's engine computes differently. */
  readonly weightDisagreements: () => ReadonlyArray<WeightCheck & { readonly claimId: bigint }>;
}

export interface NetworkHandle {
  readonly attributors: ReadonlyArray<AttributorNode>;
  readonly challengers: ReadonlyArray<ChallengerNode>;
}

/** The services one agent runs on (./wiring.ts, with a Chain on `rpcUrl` and its key), built in the caller's scope. */
export const agentContext = (
  options: Pick<NetworkOptions, "rpcUrl" | "chainId" | "deployments" | "dataDir">,
  name: string,
  key: Hex,
  bootstrap: ReadonlyArray<string>,
) =>
  Effect.gen(function* () {
    const metrics = new MetricsRegistry();
    const chain = Chain.layer({
      rpcUrl: options.rpcUrl,
      privateKey: Option.some(Redacted.make(key)),
      deploymentsPath: Option.none(),
    });
    const layer = agentServices({
      name,
      key: Redacted.make(key),
      chainId: options.chainId,
      addresses: ledgerAddresses(options.deployments),
      dataDir: options.dataDir,
      gossip: { heartbeatMs: 100, bootstrap },
      metricsPort: 0,
      metrics,
    }).pipe(Layer.provideMerge(chain));
    const context = yield* Layer.build(layer);
    return { context, metrics };
  });

export const startNetwork = (options: NetworkOptions): Effect.Effect<NetworkHandle, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    yield* Effect.promise(() => mkdir(options.dataDir, { recursive: true }));
    const attributorKeys = options.attributorKeys ?? [ANVIL_KEYS[7], ANVIL_KEYS[8]];
    const challengerKeys = options.challengerKeys ?? [ANVIL_KEYS[9]];
    const bootstrap: string[] = [];
    const attributors: AttributorNode[] = [];
    const challengers: ChallengerNode[] = [];

    for (const [i, key] of attributorKeys.entries()) {
      const name = `attributor-${i + 1}`;
      const { context, metrics } = yield* agentContext(options, name, key, [...bootstrap]);
      const gossip = gossipOf(context);
      bootstrap.push(gossip.addresses[0]!);
      const handle = yield* runAttributor({
        name,
        engine: options.engine,
        maxBatch: options.maxBatch ?? 50,
        maxWaitMs: options.maxWaitMs ?? 1_000,
        pollMs: options.pollMs ?? 250,
        bondClaims: 8,
        ...(options.intakeWorkers === undefined ? {} : { intakeWorkers: options.intakeWorkers }),
        ...(options.corrupt?.attributor === i ? { corruptClaim: options.corrupt.claim } : {}),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      }).pipe(Effect.provideContext(context));
      const submit = (receipt: SourcedReceipt): Promise<IntakeResult> =>
        Effect.runPromise(
          handle.intake(receipt).pipe(
            Effect.map((stored): IntakeResult => ({ ok: true, stored })),
            Effect.catch((e) => Effect.succeed<IntakeResult>(intakeFailure(e))),
          ),
        );
      const intake = options.httpIntake === true ? yield* serveIntake({}, submit) : undefined;
      attributors.push({
        name,
        address: handle.address,
        gossip,
        metrics,
        handle,
        submit,
        ...(intake === undefined ? {} : { intakeUrl: intake.url }),
      });
    }
    for (const [i, key] of challengerKeys.entries()) {
      const name = `challenger-${i + 1}`;
      const { context, metrics } = yield* agentContext(options, name, key, [...bootstrap]);
      const gossip = gossipOf(context);
      bootstrap.push(gossip.addresses[0]!);
      const handle = yield* runChallenger({
        name,
        pollMs: options.pollMs ?? 250,
        engine: options.engine,
        ...(options.challengerTexts === undefined ? {} : { texts: options.challengerTexts }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      }).pipe(Effect.provideContext(context));
      challengers.push({
        name,
        address: privateKeyToAccount(key).address,
        gossip,
        metrics,
        badClaims: handle.badClaims,
        games: handle.games,
        weightDisagreements: handle.weightDisagreements,
      });
    }
    if (attributors.length + challengers.length > 1)
      yield* awaitMesh(
        [...attributors, ...challengers].map((n) => ({
          gossip: n.gossip,
          metrics: n.metrics,
          identity: { address: n.address, signDigest: () => Effect.die("unused") },
        })),
      );
    return { attributors, challengers };
  });

const gossipOf = (context: Context.Context<Gossip>): GossipShape => Context.get(context, Gossip);

export { ledgerAddresses, localChain };

export const fundAccounts = (
  options: { readonly rpcUrl: string; readonly chainId: number; readonly deployments: Deployments },
  fromKey: Hex,
  grants: {
    readonly open?: ReadonlyArray<readonly [Address, bigint]>;
    readonly escrow?: ReadonlyArray<readonly [Address, bigint]>;
  },
) =>
  Effect.tryPromise({
    try: async () => {
      const chain = localChain(options.chainId, options.rpcUrl);
      const transport = http(options.rpcUrl);
      const client = createPublicClient({ chain, transport, pollingInterval: 50 });
      const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(fromKey) });
      const addresses = ledgerAddresses(options.deployments);
      const wait = async (hash: Hex) => {
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error(`funding transaction ${hash} reverted`);
      };
      for (const [to, amount] of grants.open ?? []) {
        await wait(
          await wallet.writeContract({
            address: addresses.openToken,
            abi: openTokenAbi,
            functionName: "transfer",
            args: [to, amount],
          }),
        );
      }
      const escrow = grants.escrow ?? [];
      if (escrow.length > 0) {
        const total = escrow.reduce((sum, [, amount]) => sum + amount, 0n);
        await wait(
          await wallet.writeContract({
            address: addresses.openToken,
            abi: openTokenAbi,
            functionName: "approve",
            args: [addresses.paymentEscrow, total],
          }),
        );
        for (const [payer, amount] of escrow) {
          await wait(
            await wallet.writeContract({
              address: addresses.paymentEscrow,
              abi: paymentEscrowAbi,
              functionName: "deposit",
              args: [payer, amount],
            }),
          );
        }
      }
    },
    catch: (cause) => new Error(`funding failed: ${String(cause)}`),
  });

/** On-chain withdrawals so far (`withdrawn(account)`) for each address. */
export const withdrawnOnChain = (
  options: { readonly rpcUrl: string; readonly chainId: number; readonly deployments: Deployments },
  accounts: ReadonlyArray<Address>,
) =>
  Effect.tryPromise({
    try: async () => {
      const client = createPublicClient({ transport: http(options.rpcUrl) });
      const { ledger } = ledgerAddresses(options.deployments);
      const values = await Promise.all(
        accounts.map((account) =>
          client.readContract({
            address: ledger,
            abi: attributionLedgerAbi,
            functionName: "withdrawn",
            args: [account],
          }),
        ),
      );
      return new Map(accounts.map((a, i) => [a, values[i]!] as const));
    },
    catch: (cause) => new Error(`cannot read withdrawals: ${String(cause)}`),
  });

export interface LocalNetworkCallbacks {
  readonly onEvent?: (event: AgentEvent) => void;
}

/**
 * For the demo: given a deployed LocalProtocol, a registered model's engine and a stream of sourced
 * receipts (whose payers have escrow balances), runs 2 attributors + 1 challenger until the stream
 * ends, handing receipts round-robin to the attributors' intakes. Funds the attributors' bonds from
 * the deployer. Returns the network so the caller can read metrics and the followers' final ledgers.
 */
export const runLocalNetwork = (
  protocol: {
    readonly anvil: { readonly rpcUrl: string; readonly chainId: number };
    readonly deployments: Deployments;
    readonly deployerKey: Hex;
  },
  engine: AttributionEngine<unknown>,
  receipts: Stream.Stream<SourcedReceipt>,
  options: {
    readonly dataDir: string;
    readonly maxBatch?: number;
    readonly maxWaitMs?: number;
    /** Fraud injection, for demonstrating a dispute (see NetworkOptions.corrupt). */
    readonly corrupt?: { readonly attributor: number; readonly claim: number };
  } & LocalNetworkCallbacks,
) =>
  Effect.gen(function* () {
    const base = { rpcUrl: protocol.anvil.rpcUrl, chainId: protocol.anvil.chainId, deployments: protocol.deployments };
    const attributorKeys = [ANVIL_KEYS[7], ANVIL_KEYS[8]];
    yield* fundAccounts(base, protocol.deployerKey, {
      open: [...attributorKeys, ANVIL_KEYS[9]].map(
        (k) => [privateKeyToAccount(k).address, 1_000n * 10n ** 18n] as const,
      ),
    });
    const network = yield* startNetwork({
      ...base,
      engine,
      attributorKeys,
      challengerKeys: [ANVIL_KEYS[9]],
      dataDir: options.dataDir,
      maxBatch: options.maxBatch ?? 20,
      maxWaitMs: options.maxWaitMs ?? 2_000,
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      ...(options.corrupt === undefined ? {} : { corrupt: options.corrupt }),
    });
    let i = 0;
    yield* receipts.pipe(
      Stream.runForEach((receipt) =>
        Effect.promise(() => network.attributors[i++ % network.attributors.length]!.submit(receipt)),
      ),
    );
    return network;
  });
