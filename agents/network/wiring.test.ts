/**
 * The one wiring's engine (./wiring.ts `registryEngine`) on a deployed ledger: the engines chosen by the
 * chain keep at most the ledger's K entries, read from the chain, not an engine's own default (32), which
 * would make σ drop every Attribute with more entries than K for good. The reference is the ledger's
 * `MAX_ENTRIES` read directly with viem.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect, Layer, Option, Redacted } from "effect";
import { createPublicClient, http } from "viem";
import { afterAll } from "vitest";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { Chain, Contracts } from "../chain/Chain.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { EngineResolver } from "../engines/resolver.ts";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import { ledgerAddresses } from "../ledger/addresses.ts";
import { agentServices, registryEngine } from "./wiring.ts";

const dir = mkdtempSync(path.join(tmpdir(), "poa-wiring-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

layer(LocalProtocol.layer(), { timeout: 120_000, excludeTestServices: true })("agents' wiring", (it) => {
  it.effect("the registry engine keeps at most the ledger's K entries, read from the chain", () =>
    Effect.gen(function* () {
      const { anvil, deployments } = yield* LocalProtocol;
      const key = ANVIL_KEYS[7];
      const config = {
        rpcUrl: anvil.rpcUrl,
        privateKey: Option.some(Redacted.make<string>(key)),
        deploymentsPath: Option.none(),
      };
      const chain = Contracts.layer(config).pipe(Layer.provideMerge(Chain.layer(config)));
      const services = agentServices({
        name: "wiring",
        key: Redacted.make(key),
        chainId: anvil.chainId,
        addresses: ledgerAddresses(deployments),
        dataDir: dir,
        gossip: { heartbeatMs: 100 },
        metricsPort: 0,
      }).pipe(Layer.provideMerge(chain));
      const k = yield* Effect.promise(() =>
        createPublicClient({ transport: http(anvil.rpcUrl) }).readContract({
          address: ledgerAddresses(deployments).ledger,
          abi: attributionLedgerAbi,
          functionName: "MAX_ENTRIES",
        }),
      );
      const resolver = yield* Effect.gen(function* () {
        return yield* EngineResolver;
      }).pipe(Effect.provide(registryEngine({ dataDir: dir }).pipe(Layer.provideMerge(services))));
      expect(resolver.maxEntries).toBe(Number(k));
      // the engines' own default would differ: this deployment's K is below it
      expect(Number(k)).toBeLessThan(32);
    }),
  );
});
