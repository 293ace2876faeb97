/** Running an effect as one of several local accounts: each gets its own Chain + Contracts. */
import { Effect, Layer, Option, Redacted } from "effect";
import { privateKeyToAccount } from "viem/accounts";
import { Chain, Contracts } from "../chain/Chain.ts";
import type { ClientConfig } from "../config/ClientConfig.ts";

export interface LocalAccount {
  readonly name: string;
  readonly key: `0x${string}`;
  readonly address: `0x${string}`;
}

export const localAccount = (name: string, key: `0x${string}`): LocalAccount => ({
  name,
  key,
  address: privateKeyToAccount(key).address,
});

export const asAccount =
  (rpcUrl: string, deploymentsPath: string, account: LocalAccount) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) => {
    const config: ClientConfig = {
      rpcUrl,
      privateKey: Option.some(Redacted.make(account.key)),
      deploymentsPath: Option.some(deploymentsPath),
    };
    return Effect.provide(effect, Contracts.layer(config).pipe(Layer.provideMerge(Chain.layer(config))));
  };
