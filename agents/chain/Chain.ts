/**
 * The `Chain` service: viem clients for one RPC endpoint and, when a key is configured, a wallet.
 * The `Contracts` service on top of it knows the deployed addresses and the generated ABIs.
 */
import { Context, Data, Effect, Layer, Option, Redacted } from "effect";
import {
  type Account,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type Chain as ViemChain,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ClientConfig } from "../config/ClientConfig.ts";
import { type Deployments, deploymentsPath, loadDeployments } from "./Deployments.ts";

export class ChainError extends Data.TaggedError("ChainError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** A viem chain for an RPC endpoint whose chain id was read from it (no built-in chain list needed). */
export const localChain = (chainId: number, rpcUrl: string) =>
  defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });

export type Wallet = WalletClient<Transport, ViemChain, Account>;

export class Chain extends Context.Service<
  Chain,
  {
    readonly rpcUrl: string;
    readonly chainId: number;
    readonly publicClient: PublicClient<Transport, ViemChain>;
    readonly wallet: Option.Option<Wallet>;
  }
>()("poa/Chain") {
  static readonly layer = (config: ClientConfig) =>
    Layer.effect(
      Chain,
      Effect.gen(function* () {
        const probe = createPublicClient({ transport: http(config.rpcUrl, { retryCount: 0, timeout: 5_000 }) });
        const chainId = yield* Effect.tryPromise({
          try: () => probe.getChainId(),
          catch: (cause) => new ChainError({ message: `cannot reach the RPC at ${config.rpcUrl}`, cause }),
        });
        const chain = localChain(chainId, config.rpcUrl);
        const transport = http(config.rpcUrl, { retryCount: 2, timeout: 30_000 });
        const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
        const wallet = Option.map(config.privateKey, (key) =>
          createWalletClient({
            chain,
            transport,
            account: privateKeyToAccount(Redacted.value(key) as `0x${string}`),
          }),
        );
        return { rpcUrl: config.rpcUrl, chainId, publicClient, wallet };
      }),
    );
}

/** The wallet, or a clear error telling the user how to configure a key. */
export const requireWallet = Effect.gen(function* () {
  const chain = yield* Chain;
  if (Option.isNone(chain.wallet)) {
    return yield* new ChainError({
      message: "no signing key: pass --private-key, set POA_PRIVATE_KEY or privateKey in the config file",
    });
  }
  return chain.wallet.value;
});

export class Contracts extends Context.Service<Contracts, { readonly deployments: Deployments }>()("poa/Contracts") {
  static readonly layer = (config: ClientConfig) =>
    Layer.effect(
      Contracts,
      Effect.gen(function* () {
        const chain = yield* Chain;
        const path = Option.getOrElse(config.deploymentsPath, () => deploymentsPath(chain.chainId));
        const deployments = yield* loadDeployments(path);
        if (deployments.chainId !== chain.chainId) {
          return yield* new ChainError({
            message: `deployments file ${path} is for chain ${deployments.chainId}, but the RPC is chain ${chain.chainId}`,
          });
        }
        return { deployments };
      }),
    );
}
