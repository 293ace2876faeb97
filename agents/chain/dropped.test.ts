/**
 * A transaction the node drops while its receipt is awaited fails `sendContractCall` within seconds.
 *
 * The multi-process e2e (agents/e2e/processes.e2e.test.ts) once timed out waiting for every paid receipt:
 * an attributor's `postClaim` was mined and taken back by the test's `anvil_reorg` (which drops the block's
 * transactions) before the attributor, slowed by a loaded machine and cut off by the RPC outage, had read its
 * receipt. viem's `waitForTransactionReceipt` never learns that a transaction is gone and waits out its
 * 180 s timeout, and the attributor's whole chain loop (follow the ledger, post claims) waited with it, with
 * the receipts only it held. Here the node drops the transaction from its pool (`anvil_dropTransaction`):
 * the same state, a hash the node no longer knows, without a race. A transaction that stays pending longer
 * than the drop check is still awaited, and its receipt returned once it is mined.
 */
import { expect, it } from "@effect/vitest";
import { Deferred, Effect, Exit, Fiber, Option, Redacted } from "effect";
import type { Hex } from "viem";
import { ANVIL_KEYS, startAnvil } from "./anvil.ts";
import { Chain } from "./Chain.ts";
import { DROP_CHECK, sendContractCall } from "./tx.ts";

/** A contract whose every call stops at once: `poke()` simulates and succeeds. */
const STOPPER = "0x00000000000000000000000000000000000057a1" as const;
const stopperAbi = [
  { type: "function", name: "poke", inputs: [], outputs: [], stateMutability: "nonpayable" },
] as const;

const rpc = (url: string, method: string, params: ReadonlyArray<unknown>) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as {
      readonly result?: unknown;
      readonly error?: { readonly message: string };
    };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  });

/** A chain that mines only when told (automine off), a stopper contract, and a Chain service with a key. */
const manualChain = Effect.gen(function* () {
  const anvil = yield* startAnvil();
  yield* rpc(anvil.rpcUrl, "anvil_setCode", [STOPPER, "0x00"]);
  yield* rpc(anvil.rpcUrl, "evm_setAutomine", [false]);
  const chain = yield* Effect.gen(function* () {
    return yield* Chain;
  }).pipe(
    Effect.provide(
      Chain.layer({
        rpcUrl: anvil.rpcUrl,
        privateKey: Option.some(Redacted.make<string>(ANVIL_KEYS[0])),
        deploymentsPath: Option.none(),
      }),
    ),
  );
  return { anvil, chain };
});

/** `poke()` sent in a fiber; resolves with the fiber once the node has accepted the transaction. */
const pokeInBackground = (chain: Chain["Service"]) =>
  Effect.gen(function* () {
    const sent = yield* Deferred.make<Hex>();
    const fiber = yield* sendContractCall(
      { address: STOPPER, abi: stopperAbi, functionName: "poke", args: [] },
      { onSent: (hash) => Deferred.doneUnsafe(sent, Exit.succeed(hash)) },
    ).pipe(Effect.provideService(Chain, chain), Effect.forkChild);
    return { fiber, hash: yield* Deferred.await(sent) };
  });

it.live(
  "a transaction dropped before its receipt was read fails the call in seconds, not after viem's 180 s",
  () =>
    Effect.gen(function* () {
      const { anvil, chain } = yield* manualChain;
      const { fiber, hash } = yield* pokeInBackground(chain);
      yield* rpc(anvil.rpcUrl, "anvil_dropTransaction", [hash]);
      const started = Date.now();
      const exit = yield* Fiber.await(fiber).pipe(Effect.timeout("30 seconds"));
      const waited = Date.now() - started;
      expect(Exit.isFailure(exit)).toBe(true);
      const error = Exit.isFailure(exit) ? String(exit.cause) : "";
      expect(error).toContain(`transaction ${hash} was dropped`);
      // at least the misses in a row it takes (a drop is not declared on one look)
      expect(waited).toBeGreaterThanOrEqual((DROP_CHECK.misses - 1) * DROP_CHECK.everyMs);
    }).pipe(Effect.scoped),
  60_000,
);

it.live(
  "a transaction pending longer than the drop check is still awaited, and its receipt returned once mined",
  () =>
    Effect.gen(function* () {
      const { anvil, chain } = yield* manualChain;
      const { fiber, hash } = yield* pokeInBackground(chain);
      // pending for more than a whole drop check, then mined
      yield* Effect.sleep(`${(DROP_CHECK.misses + 1) * DROP_CHECK.everyMs} millis`);
      yield* rpc(anvil.rpcUrl, "evm_mine", []);
      const result = yield* Fiber.join(fiber).pipe(Effect.timeout("30 seconds"));
      expect(result.hash).toBe(hash);
      expect(result.receipt.status).toBe("success");
    }).pipe(Effect.scoped),
  60_000,
);
