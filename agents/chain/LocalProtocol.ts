/**
 * A whole local protocol: anvil (`--network optimism`) plus every contract deployed by the forge
 * script, as one scoped service. The demo and the integration tests stand on it.
 */
import { rm } from "node:fs/promises";
import { Context, Effect, Layer } from "effect";
import { ANVIL_KEYS, type Anvil, type AnvilOptions, startAnvil } from "./anvil.ts";
import { type Deployments, deploymentsPath } from "./Deployments.ts";
import { deployProtocol, type Preset } from "./deploy.ts";

export class LocalProtocol extends Context.Service<
  LocalProtocol,
  { readonly anvil: Anvil; readonly deployments: Deployments; readonly deployerKey: `0x${string}` }
>()("poa/LocalProtocol") {
  static readonly layer = (options: AnvilOptions & { readonly preset?: Preset } = {}) =>
    Layer.effect(
      LocalProtocol,
      Effect.gen(function* () {
        const anvil = yield* startAnvil(options);
        const deployerKey = ANVIL_KEYS[0];
        const deployments = yield* deployProtocol({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployerKey,
          preset: options.preset ?? "local",
        });
        // The chain dies with the scope: so do its deployment file and forge's broadcast log.
        yield* Effect.addFinalizer(() =>
          Effect.promise(() =>
            Promise.all([
              rm(deploymentsPath(anvil.chainId), { force: true }),
              rm(`broadcast/Deploy.s.sol/${anvil.chainId}`, { recursive: true, force: true }),
            ]),
          ),
        );
        return { anvil, deployments, deployerKey };
      }),
    );
}
