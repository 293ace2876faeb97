/**
 * Issue 12, the agents' side of the dispute game, on a real chain (anvil --network optimism with the
 * forge deployment): an attributor stopped and restarted on its SQLite file around a challenge.
 *
 * - A defense game already past its clock when the attributor looks at it is resolved (counted), never
 *   moved: a move would revert with `DisputeGame_OutOfTime` at every tick.
 * - A claim voided only because its ancestor lost a game is re-posted exactly (same batch, debits and
 *   reference time) on the live chain, so its receipts, past their deadline by the time of the void, are
 *   still credited. The expected credit is the fee split of docs/protocol.md §4 computed here, not by σ.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Deferred, Effect, Fiber, Option } from "effect";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  hexToBytes,
  http,
  maxUint256,
  parseUnits,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { toAttributeTx } from "../attributor/attributor.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { attributionLedgerAbi, disputeGameAbi, openTokenAbi } from "../generated/contracts.ts";
import { fetchRegistryView, makeFollower } from "../ledger/follower.ts";
import { fundAccounts, ledgerAddresses, localChain, type NetworkHandle, startNetwork } from "../network/network.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { buildClaim } from "../sigma/claim.ts";
import { encodeTx } from "../sigma/codec.ts";
import type { SigmaContext } from "../sigma/sigma.ts";
import { makeStore, openDatabase } from "../store/store.ts";
import { advanceTime, FEE, type Populated, populate, SPLIT } from "./setup.ts";

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("100 millis");
    }
  });

const dataDir = () => mkdtempSync(path.join(tmpdir(), "poa-games-"));

layer(LocalProtocol.layer(), { timeout: 240_000, excludeTestServices: true })("dispute games, agent side", (it) => {
  let world: Populated | undefined;
  const engineFor = (w: Populated) => fixtureEngine(w.contributionIds, 3);

  /** One attributor (anvil key 7) that can be stopped and started again on the same data directory. */
  const attributorRunner = (w: Populated, dir: string) => {
    const start = Effect.gen(function* () {
      const { anvil, deployments } = yield* LocalProtocol;
      const ready = yield* Deferred.make<NetworkHandle>();
      const fiber = yield* Effect.forkChild(
        Effect.scoped(
          Effect.gen(function* () {
            const network = yield* startNetwork({
              rpcUrl: anvil.rpcUrl,
              chainId: anvil.chainId,
              deployments,
              engine: engineFor(w),
              attributorKeys: [ANVIL_KEYS[7]],
              challengerKeys: [],
              dataDir: dir,
              maxBatch: 3,
              maxWaitMs: 300,
              pollMs: 150,
            });
            yield* Deferred.succeed(ready, network);
            return yield* Effect.never;
          }),
        ),
      );
      const network = yield* Deferred.await(ready);
      return { network, stop: Fiber.interrupt(fiber) };
    });
    return start;
  };

  const chainTools = Effect.gen(function* () {
    const { anvil, deployments } = yield* LocalProtocol;
    const addresses = ledgerAddresses(deployments);
    const game = addresses.disputeGame;
    if (game === undefined) return yield* Effect.fail(new Error("no DisputeGame deployed"));
    const chain = localChain(anvil.chainId, anvil.rpcUrl);
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const walletOf = (key: Hex) =>
      createWalletClient({ chain, transport: http(anvil.rpcUrl), account: privateKeyToAccount(key) });
    const mined = (hash: Promise<Hex>) =>
      Effect.promise(async () => {
        const receipt = await client.waitForTransactionReceipt({ hash: await hash });
        expect(receipt.status).toBe("success");
        return receipt;
      });
    const readGame = (id: bigint) =>
      Effect.promise(() =>
        client.readContract({ address: game, abi: disputeGameAbi, functionName: "game", args: [id] }),
      );
    /** Opens a challenge from `key` (approving the bond); returns its id. */
    const challenge = (key: Hex, claimId: bigint) =>
      Effect.gen(function* () {
        const wallet = walletOf(key);
        yield* mined(
          wallet.writeContract({
            address: addresses.openToken,
            abi: openTokenAbi,
            functionName: "approve",
            args: [game, maxUint256],
          }),
        );
        const id = yield* Effect.promise(() =>
          client.readContract({ address: game, abi: disputeGameAbi, functionName: "gameCount" }),
        );
        yield* mined(
          wallet.writeContract({ address: game, abi: disputeGameAbi, functionName: "open", args: [claimId] }),
        );
        return id;
      });
    const maxClock = yield* Effect.promise(() =>
      client.readContract({ address: game, abi: disputeGameAbi, functionName: "MAX_CLOCK_DURATION" }),
    );
    return {
      anvil,
      deployments,
      addresses,
      game,
      client,
      walletOf,
      mined,
      readGame,
      challenge,
      maxClock: Number(maxClock),
    };
  });

  it.effect(
    "a defense game already past its clock is resolved once and counted, never moved again",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const t = yield* chainTools;
        world = yield* populate(protocol, { users: 2, escrowPerUser: FEE * 100n });
        const w = world;
        const attacker = ANVIL_KEYS[6];
        yield* fundAccounts(
          { rpcUrl: t.anvil.rpcUrl, chainId: t.anvil.chainId, deployments: t.deployments },
          protocol.deployerKey,
          {
            open: [[privateKeyToAccount(attacker).address, parseUnits("1000", 18)]],
          },
        );
        const dir = dataDir();
        const run = attributorRunner(w, dir);
        const first = yield* run;
        const node = first.network.attributors[0]!;
        const source = makeReceiptSource({
          chainId: t.anvil.chainId,
          ledger: t.addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          attributors: [node.address],
        });
        for (let i = 0; i < 3; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `q-clock-${i}`, `a-clock-${i}`));
          expect(yield* Effect.promise(() => node.submit(r))).toEqual({ ok: true, stored: true });
        }
        const mine = () =>
          [...node.handle.follower.claims.values()].find(
            (c) => c.claimant === node.address && c.correct && c.status === "pending",
          );
        yield* eventually(() => mine() !== undefined, "the attributor's claim");
        const claimId = mine()!.id;
        yield* first.stop;

        // challenged while the attributor is down, which stays down past its whole clock
        const challengeId = yield* t.challenge(attacker, claimId);
        yield* advanceTime(t.anvil.rpcUrl, t.maxClock + 5);
        expect((yield* t.readGame(challengeId)).status).toBe(1); // in progress: nobody resolved it

        const second = yield* run;
        const again = second.network.attributors[0]!;
        yield* eventually(
          async () => (await Effect.runPromise(t.readGame(challengeId))).status !== 1,
          "the out-of-time game to be resolved",
          30_000,
        );
        expect((yield* t.readGame(challengeId)).status).toBe(3); // ChallengerWon: the defender's clock ran out
        const outOfTime = again.metrics.counter("poa_attributor_games_out_of_time_total", "");
        const errors = again.metrics.counter("poa_attributor_errors_total", "");
        yield* eventually(() => outOfTime.get({ side: "defender" }) === 1, "the out-of-time count");
        // several more ticks: no move retried, no error counted
        yield* Effect.sleep("1500 millis");
        expect(outOfTime.get({ side: "defender" })).toBe(1);
        expect(errors.get({ step: "games" })).toBe(0);
        yield* second.stop;
      }),
    180_000,
  );

  it.effect(
    "a claim voided only because its ancestor lost is re-posted exactly: receipts past their deadline are still credited",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const t = yield* chainTools;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const base = { rpcUrl: t.anvil.rpcUrl, chainId: t.anvil.chainId, deployments: t.deployments };
        // the attacker posts an honest claim (so honest attributors build on it) and challenges it from a sock
        const attackerKey = ANVIL_KEYS[6];
        const sockKey = ANVIL_KEYS[5];
        const attacker = privateKeyToAccount(attackerKey).address;
        yield* fundAccounts(base, protocol.deployerKey, {
          open: [
            [attacker, parseUnits("1000", 18)],
            [privateKeyToAccount(sockKey).address, parseUnits("1000", 18)],
          ],
        });
        const dir = dataDir();
        const run = attributorRunner(w, dir);
        const first = yield* run;
        const node = first.network.attributors[0]!;
        const follower = node.handle.follower;
        // a fresh data directory: this node holds no receipt of the first test, so it posts nothing by itself
        const head = yield* Effect.promise(() => t.client.getBlockNumber({ cacheTime: 0 }));
        yield* eventually(() => follower.lastBlock() >= head, "the attributor's follower to catch up");

        const bondWallet = t.walletOf(attackerKey);
        yield* t.mined(
          bondWallet.writeContract({
            address: t.addresses.openToken,
            abi: openTokenAbi,
            functionName: "approve",
            args: [t.addresses.ledger, follower.params.claimBond],
          }),
        );
        yield* t.mined(
          bondWallet.writeContract({
            address: t.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "bond",
            args: [follower.params.claimBond],
          }),
        );
        // the attacker's honest claim X on the live tip: one receipt naming the attacker as attributor
        const attackerSource = makeReceiptSource({
          chainId: t.anvil.chainId,
          ledger: t.addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 500_000n,
          attributors: [attacker],
        });
        const tip = follower.tip();
        expect(tip.honest).toBe(true);
        const r0 = yield* Effect.promise(() => attackerSource.answer(0, "q-attacker", "a-attacker"));
        const { entries } = yield* engineFor(w).attribute({ modelId: w.modelId, input: r0.input, output: r0.output });
        const tx = toAttributeTx({ ...r0.receipt, attribution: entries });
        const block = yield* Effect.promise(() => t.client.getBlock({ blockTag: "latest" }));
        const parentRef = follower.claims.get(tip.id)?.referenceTime ?? 0n;
        const referenceTime = block.timestamp - 1n > parentRef ? block.timestamp - 1n : parentRef;
        const ctx: SigmaContext = {
          chainId: t.anvil.chainId,
          ledger: t.addresses.ledger,
          protocol: follower.params.protocol,
          referenceTime,
          maxEntries: follower.params.maxEntries,
        };
        const registry = yield* fetchRegistryView(t.client, t.addresses, [encodeTx(tx)]);
        const ledger = tip.ledger.clone();
        const built = yield* Effect.promise(() => buildClaim(ledger, ctx, registry, [tx]));
        yield* t.mined(
          bondWallet.writeContract({
            address: t.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "postClaim",
            args: [
              tip.id,
              bytesToHex(built.batch),
              ledger.state,
              referenceTime,
              built.debits.map((d) => ({ payer: d.payer, amount: d.amount })),
            ],
          }),
        );
        const attackerClaim = () =>
          [...follower.claims.values()].find((c) => c.claimant === getAddress(attacker) && c.parentId === tip.id);
        yield* eventually(() => attackerClaim()?.correct === true, "the attacker's honest claim, followed");
        const x = attackerClaim()!;

        // the attributor builds B on X from receipts of a fresh operator whose deadline is one minute away
        const now = (yield* Effect.promise(() => t.client.getBlock({ blockTag: "latest" }))).timestamp;
        const operatorKey = generatePrivateKey();
        const source = makeReceiptSource({
          chainId: t.anvil.chainId,
          ledger: t.addresses.ledger,
          modelId: w.modelId,
          operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          deadline: now + 60n,
          firstNonce: 600_000n,
          attributors: [node.address],
        });
        for (let i = 0; i < 3; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `q-repost-${i}`, `a-repost-${i}`));
          expect(yield* Effect.promise(() => node.submit(r))).toEqual({ ok: true, stored: true });
        }
        const descendant = () =>
          [...follower.claims.values()].find((c) => c.claimant === node.address && c.parentId === x.id);
        yield* eventually(() => descendant() !== undefined, "the attributor's claim on the attacker's");
        const b = descendant()!;
        expect(b.correct).toBe(true);
        expect(b.receipts.length).toBe(3);
        yield* first.stop;

        // the sock challenges X; the attacker stays silent; nobody defends (the attributor is down)
        const challengeId = yield* t.challenge(sockKey, x.id);
        yield* advanceTime(t.anvil.rpcUrl, t.maxClock + 5);
        yield* t.mined(
          t
            .walletOf(sockKey)
            .writeContract({ address: t.game, abi: disputeGameAbi, functionName: "resolve", args: [challengeId] }),
        );
        const xOnChain = yield* Effect.promise(() =>
          t.client.readContract({
            address: t.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "claim",
            args: [x.id],
          }),
        );
        expect(xOnChain.status).toBe(3); // void
        const chainNow = (yield* Effect.promise(() => t.client.getBlock({ blockTag: "latest" }))).timestamp;
        expect(chainNow).toBeGreaterThan(now + 60n); // B's receipts are past their deadline now

        // restarted: it voids B (built on a void claim) and re-posts B exactly on the live chain
        const second = yield* run;
        const again = second.network.attributors[0]!;
        const reposted = () =>
          [...again.handle.follower.claims.values()].find(
            (c) => c.id > b.id && c.claimant === node.address && c.batchHash === b.batchHash,
          );
        yield* eventually(() => reposted() !== undefined, "B re-posted", 60_000);
        const bPrime = reposted()!;
        expect(bPrime.correct).toBe(true);
        expect(bPrime.referenceTime).toBe(b.referenceTime);
        expect(bPrime.parentId).toBe(x.parentId);
        const repostEvents = yield* Effect.promise(() =>
          t.client.getContractEvents({
            address: t.addresses.ledger,
            abi: attributionLedgerAbi,
            eventName: "ClaimReposted",
            fromBlock: 0n,
          }),
        );
        expect(repostEvents.map((e) => [e.args.claimId, e.args.voidedId])).toContainEqual([bPrime.id, b.id]);

        // past the window, final: the fresh operator earned its share of all three fees (docs/protocol.md §4)
        yield* advanceTime(t.anvil.rpcUrl, Number(again.handle.follower.params.challengeWindow) + 1);
        yield* eventually(
          () => again.handle.follower.claims.get(bPrime.id)?.status === "final",
          "the re-posted claim to finalize",
        );
        const operator: Address = privateKeyToAccount(operatorKey).address;
        const final = again.handle.follower.finalLedger().ledger;
        expect(final.tree.leaf(operator).earned).toBe(3n * ((FEE * BigInt(SPLIT.operatorBps)) / 10_000n));
        expect(again.metrics.counter("poa_attributor_reposts_total", "").get({ result: "exact" })).toBe(1);
        yield* second.stop;
      }),
    200_000,
  );

  it.effect(
    "the challenger recomputes every Attribute with its engine and records the one whose weights differ",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const t = yield* chainTools;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const texts = new Map<string, { request: Uint8Array; output: string }>();
        const dir = dataDir();
        const network = yield* startNetwork({
          rpcUrl: t.anvil.rpcUrl,
          chainId: t.anvil.chainId,
          deployments: t.deployments,
          engine: engineFor(w),
          attributorKeys: [],
          challengerKeys: [ANVIL_KEYS[9]],
          dataDir: dir,
          pollMs: 150,
          challengerTexts: (receipt) =>
            Effect.succeed(Option.fromNullishOr(texts.get(receipt.receipt.outputHash.toLowerCase()))),
        });
        const challenger = network.challengers[0]!;
        const follower = yield* makeFollower(t.client, t.anvil.chainId, t.addresses);
        yield* follower.sync;
        const tip = follower.tip();
        expect(tip.honest).toBe(true);

        // a bonded poster with σ-valid weights, one of them not the engine's
        const posterKey = ANVIL_KEYS[6];
        const poster = t.walletOf(posterKey);
        yield* fundAccounts(
          { rpcUrl: t.anvil.rpcUrl, chainId: t.anvil.chainId, deployments: t.deployments },
          protocol.deployerKey,
          { open: [[poster.account.address, follower.params.claimBond]] },
        );
        yield* t.mined(
          poster.writeContract({
            address: t.addresses.openToken,
            abi: openTokenAbi,
            functionName: "approve",
            args: [t.addresses.ledger, follower.params.claimBond],
          }),
        );
        yield* t.mined(
          poster.writeContract({
            address: t.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "bond",
            args: [follower.params.claimBond],
          }),
        );
        const source = makeReceiptSource({
          chainId: t.anvil.chainId,
          ledger: t.addresses.ledger,
          modelId: w.modelId,
          operatorKey: generatePrivateKey(),
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 900_000n,
          attributors: [poster.account.address],
        });
        const receipts = [
          yield* Effect.promise(() => source.answer(0, "q-weights-0", "a-weights-0")),
          yield* Effect.promise(() => source.answer(1, "q-weights-1", "a-weights-1")),
        ];
        for (const r of receipts)
          texts.set(r.receipt.receipt.outputHash.toLowerCase(), { request: hexToBytes(r.request), output: r.output });
        // the reference: the engine run by this test
        const reference = [] as Array<ReadonlyArray<{ contributionId: bigint; weight: number }>>;
        for (const r of receipts) {
          reference.push(
            (yield* engineFor(w).attribute({ modelId: w.modelId, input: r.input, output: r.output })).entries,
          );
        }
        const [first, ...rest] = reference[1]!;
        const moved = w.contributionIds.find((id) => !reference[1]!.some((e) => e.contributionId === id))!;
        const wrong = [
          ...rest,
          { contributionId: first!.contributionId, weight: first!.weight - 1000 },
          { contributionId: moved, weight: 1000 },
        ].sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1));
        const txs = [
          toAttributeTx({ ...receipts[0]!.receipt, attribution: reference[0]! }),
          toAttributeTx({ ...receipts[1]!.receipt, attribution: wrong }),
        ];
        const block = yield* Effect.promise(() => t.client.getBlock({ blockTag: "latest" }));
        const parentRef = follower.claims.get(tip.id)?.referenceTime ?? 0n;
        const referenceTime = block.timestamp - 1n > parentRef ? block.timestamp - 1n : parentRef;
        const ctx: SigmaContext = {
          chainId: t.anvil.chainId,
          ledger: t.addresses.ledger,
          protocol: follower.params.protocol,
          referenceTime,
          maxEntries: follower.params.maxEntries,
        };
        const registry = yield* fetchRegistryView(t.client, t.addresses, txs.map(encodeTx));
        const ledger = tip.ledger.clone();
        const built = yield* Effect.promise(() => buildClaim(ledger, ctx, registry, txs));
        yield* t.mined(
          poster.writeContract({
            address: t.addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "postClaim",
            args: [
              tip.id,
              bytesToHex(built.batch),
              ledger.state,
              referenceTime,
              built.debits.map((d) => ({ payer: d.payer, amount: d.amount })),
            ],
          }),
        );
        yield* follower.sync;
        const posted = [...follower.claims.values()].find(
          (c) => c.claimant === getAddress(poster.account.address) && c.parentId === tip.id,
        );
        expect(posted?.correct).toBe(true); // σ cannot tell: the weights are well formed

        yield* eventually(() => challenger.weightDisagreements().length > 0, "the challenger to flag the weights");
        yield* Effect.sleep("500 millis");
        const flagged = challenger.weightDisagreements();
        expect(flagged.length).toBe(1);
        expect(flagged[0]!.claimId).toBe(posted!.id);
        expect(flagged[0]!.txIndex).toBe(1);
        expect(flagged[0]!.claimed).toEqual(wrong);
        expect(flagged[0]!.computed).toEqual(reference[1]);
        const verdicts = challenger.metrics.counter("poa_challenger_weights_checked_total", "");
        expect(verdicts.get({ verdict: "agree" })).toBe(1);
        expect(verdicts.get({ verdict: "disagree" })).toBe(1);
        expect(challenger.metrics.gauge("poa_challenger_weight_disagreements", "").get()).toBe(1);
        // in the challenger's Store too (a restart keeps the evidence)
        const stored = makeStore(openDatabase({ path: path.join(dir, "challenger-1.sqlite") }));
        const rows = yield* stored.weightDisagreements;
        expect(rows.map((r) => [r.claimId, r.txIndex, r.computed])).toEqual([[posted!.id, 1, reference[1]]]);
      }),
    120_000,
  );
});
