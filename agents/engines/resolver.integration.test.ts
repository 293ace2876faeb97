/**
 * Engines chosen by the chain, against a real chain and real libp2p nodes on loopback: anvil
 * (--network optimism) with the protocol deployed by script/Deploy.s.sol; a datanet with
 * contributions approved (one withdrawn later); a suffix model and a gradient model registered in
 * ModelRegistry with their index commitments. The resolving node starts with an empty data
 * directory and fetches each index by commitment over /poa/index/1 from a second node; a third
 * node serves a copy with one flipped byte and is tried first: it is counted and the honest peer
 * used. References are independent of the code under test: the brute-force matcher over the raw
 * contribution texts (suffix) and the gradient engine run in this thread on the raw model files.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect, Layer, Option, Redacted } from "effect";
import { createPublicClient, type Hex, http } from "viem";
import { afterAll } from "vitest";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { Chain, Contracts } from "../chain/Chain.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, registerModel } from "../chain/registries.ts";
import { sendContractCall } from "../chain/tx.ts";
import { datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";
import { Gossip } from "../gossip/gossip.ts";
import { startNode } from "../gossip/testing.ts";
import { Metrics } from "../observability/metrics.ts";
import { loadIndexed, saveIndex as saveGradientIndex, saveTrained } from "./gradient/bundle.ts";
import { makeAttributor, makeGradientEngine } from "./gradient/engine.ts";
import { smallModel } from "./gradient/fixtures.test-util.ts";
import { IndexPeers } from "./index-peers.ts";
import { commitmentDir } from "./index-store.ts";
import { Engine, EngineResolver, resolverEngine } from "./resolver.ts";
import { openIndex, saveIndex } from "./suffix/format.ts";
import { buildIndex } from "./suffix/index.ts";
import { bruteMatches, bruteWeights } from "./suffix/testing.ts";

const dir = mkdtempSync(path.join(tmpdir(), "poa-resolver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const encoder = new TextEncoder();
const texts = [
  "We hold these truths to be self-evident, that all men are created equal, endowed with rights.",
  "Ask not what your country can do for you; ask what you can do for your country, said he once.",
  "The only thing we have to fear is fear itself, nameless, unreasoning, unjustified terror today.",
];
/** The local preset's K (`AttributionLedger.MAX_ENTRIES`): what every resolver keeps at most. */
const K = 8;
const SPLIT = { operatorBps: 1000, ownerBps: 1000, dataBps: 7000, attributorBps: 500, protocolBps: 500 };

layer(LocalProtocol.layer(), { timeout: 300_000, excludeTestServices: true })(
  "EngineResolver on a local OP Stack chain with peers on loopback",
  (it) => {
    it.effect(
      "serves registered models with indexes fetched and verified by commitment; refuses what does not match",
      () =>
        Effect.gen(function* () {
          const { anvil } = yield* LocalProtocol;
          const as = (key: `0x${string}`) => {
            const config = {
              rpcUrl: anvil.rpcUrl,
              privateKey: Option.some(Redacted.make<string>(key)),
              deploymentsPath: Option.none(),
            };
            return Contracts.layer(config).pipe(Layer.provideMerge(Chain.layer(config)));
          };
          const owner = as(ANVIL_KEYS[0]);
          const contributor = as(ANVIL_KEYS[1]);
          const client = createPublicClient({ transport: http(anvil.rpcUrl) });

          // a datanet with three approved contributions
          const { datanetId } = yield* createDatanet("ipfs://speeches").pipe(Effect.provide(owner));
          const ids: bigint[] = [];
          for (const text of texts) {
            const { contributionId } = yield* contribute(datanetId, encoder.encode(text), "file:x").pipe(
              Effect.provide(contributor),
            );
            yield* curate("approveContribution", contributionId).pipe(Effect.provide(owner));
            ids.push(contributionId);
          }
          const corpus = texts.map((text, i) => ({ id: ids[i]!, content: encoder.encode(text) }));

          // node B keeps both indexes under their commitments; node C a suffix copy with a flipped byte
          const dataA = path.join(dir, "a");
          const dataB = path.join(dir, "b");
          const dataC = path.join(dir, "c");
          const built = path.join(dir, "built.idx");
          yield* saveIndex(yield* buildIndex(corpus, { threads: 1 }), built, { blockBytes: 64 });
          const suffixCommitment = (yield* openIndex(built)).commitment;
          mkdirSync(commitmentDir(dataB, suffixCommitment), { recursive: true });
          copyFileSync(built, path.join(commitmentDir(dataB, suffixCommitment), "index.idx"));
          const flipped = readFileSync(built);
          flipped[flipped.length - 3]! ^= 0x40;
          mkdirSync(commitmentDir(dataC, suffixCommitment), { recursive: true });
          writeFileSync(path.join(commitmentDir(dataC, suffixCommitment), "index.idx"), flipped);

          const trained = yield* Effect.promise(() => smallModel("softmax", 1));
          const gradientCommitment = trained.commitment;
          const gradientDir = commitmentDir(dataB, gradientCommitment);
          saveTrained(gradientDir, trained);
          saveGradientIndex(gradientDir, trained.index);

          // models registered on chain; one commits to an index whose local copy does not match
          const register = (method: "suffix" | "gradient", commitment: Hex) =>
            registerModel({
              baseModelHash: `0x${"11".repeat(32)}`,
              adapterHash: `0x${"00".repeat(32)}`,
              parentModelId: 0n,
              datanetIds: [datanetId],
              method,
              attributionIndexCommitment: commitment,
              split: SPLIT,
              price: 0n,
              metadataURI: "test://model",
            }).pipe(
              Effect.map((r) => r.modelId),
              Effect.provide(owner),
            );
          const suffixModel = yield* register("suffix", suffixCommitment);
          const gradientModel = yield* register("gradient", gradientCommitment);
          const bogus = `0x${"ab".repeat(32)}` as Hex;
          const bogusModel = yield* register("suffix", bogus);
          mkdirSync(commitmentDir(dataA, bogus), { recursive: true });
          copyFileSync(built, path.join(commitmentDir(dataA, bogus), "index.idx"));

          // A holds an incomplete directory for the gradient index (an interrupted copy by hand)
          mkdirSync(commitmentDir(dataA, gradientCommitment), { recursive: true });
          writeFileSync(path.join(commitmentDir(dataA, gradientCommitment), "model.json"), "{}");

          // three gossip nodes on loopback; A asks the liar C first
          const nodeB = yield* startNode({ heartbeatMs: 100 });
          const nodeC = yield* startNode({ heartbeatMs: 100 });
          const nodeA = yield* startNode({ heartbeatMs: 100 });
          const serve = (node: typeof nodeB, dataDir: string) =>
            Layer.build(IndexPeers.gossip({ dataDir }).pipe(Layer.provide(Layer.succeed(Gossip, node.gossip))));
          yield* serve(nodeB, dataB);
          yield* serve(nodeC, dataC);
          const chainA = as(ANVIL_KEYS[5]);
          const resolverA = EngineResolver.layerWithEngines({
            dataDir: dataA,
            maxEntries: K,
            modelTtlMs: 0,
            contributionTimes: { minSyncIntervalMs: 0 },
          }).pipe(
            Layer.provide(
              IndexPeers.gossip({
                dataDir: dataA,
                peers: [nodeC.gossip.addresses[0]!, nodeB.gossip.addresses[0]!],
              }).pipe(Layer.provide(Layer.succeed(Gossip, nodeA.gossip))),
            ),
            Layer.provide(Layer.merge(chainA, Metrics.layer)),
          );

          const quote = `As they wrote: ${texts[0]!.slice(0, 60)} and then ${texts[1]!.slice(10, 70)} indeed.`;
          const expectedWith = (kept: typeof corpus) => {
            const output = encoder.encode(quote);
            return bruteWeights(bruteMatches(kept, output, 32), output.length, 256, K).entries;
          };

          yield* Effect.gen(function* () {
            const resolver = yield* EngineResolver;
            const engine = yield* Engine;

            // suffix: fetched from B after C's copy failed its check, weights as the brute force says;
            // eight queries at once share the one fetch
            const first = yield* Effect.forEach(
              Array.from({ length: 8 }, () => 0),
              () => resolver.attribute({ modelId: suffixModel, output: quote }),
              { concurrency: "unbounded" },
            );
            for (const r of first) expect(r.entries).toEqual(expectedWith(corpus));
            const prepared = yield* resolver.prepare(suffixModel);
            expect(prepared).toMatchObject({
              method: "suffix",
              commitment: suffixCommitment,
              source: nodeB.gossip.addresses[0],
            });
            const stats = yield* resolver.stats;
            expect(stats.indexMismatches).toBe(1);
            expect(stats.peerFailures).toBe(1);
            expect(stats.indexesFetched).toBe(1);
            const answer = yield* resolver.attribute({ modelId: suffixModel, output: quote });
            expect(answer.entries).toEqual(expectedWith(corpus));
            expect(answer.entries.map((e) => e.contributionId)).toEqual([ids[0], ids[1]]);

            // a contribution withdrawn later is left out from its withdrawal time on, not before
            yield* Effect.promise(() => client.request({ method: "evm_increaseTime", params: [30] } as never));
            yield* curate("withdrawContribution", ids[1]!).pipe(Effect.provide(contributor));
            const { deployments } = yield* Effect.provide(
              Effect.gen(function* () {
                return yield* Contracts;
              }),
              owner,
            );
            const { withdrawnAt } = yield* Effect.promise(() =>
              client.readContract({
                address: deployments.datanetRegistry as Hex,
                abi: datanetRegistryAbi,
                functionName: "getContribution",
                args: [ids[1]!],
              }),
            );
            const at = (t: bigint) =>
              resolver
                .attribute({ modelId: suffixModel, output: quote, referenceTime: t })
                .pipe(Effect.map((r) => r.entries));
            expect(yield* at(BigInt(withdrawnAt))).toEqual(expectedWith(corpus.filter((c) => c.id !== ids[1])));
            expect(yield* at(BigInt(withdrawnAt) - 1n)).toEqual(expectedWith(corpus));
            // before the first approval the model was not registered yet: no index was in force
            const { approvedAt } = yield* Effect.promise(() =>
              client.readContract({
                address: deployments.datanetRegistry as Hex,
                abi: datanetRegistryAbi,
                functionName: "getContribution",
                args: [ids[0]!],
              }),
            );
            const early = yield* Effect.flip(at(BigInt(approvedAt) - 1n));
            expect(early).toMatchObject({ _tag: "IndexUnavailableError" });
            expect(early.message).toMatch(/no attribution index in force/);
            expect(yield* engine.attribute({ modelId: suffixModel, output: quote })).toMatchObject({
              entries: [{ contributionId: ids[0], weight: 1_000_000 }],
            });

            // gradient: fetched from B (C does not have it), weights equal the engine run here on the raw files
            const request = {
              modelId: gradientModel,
              input: "Win money now, click here for a free prize",
              output: "spam",
            };
            const got = yield* resolver.attribute(request);
            const attributor = yield* Effect.promise(() =>
              makeAttributor(loadIndexed(gradientDir), { threads: 1, kernel: "ort" }),
            );
            const direct = yield* makeGradientEngine(attributor, {
              method: "influence",
              maxEntries: K,
              threads: 1,
              kernel: "ort",
            }).attribute(request);
            yield* Effect.promise(() => attributor.release());
            expect(got).toEqual(direct);
            expect((yield* resolver.prepare(gradientModel)).source).toBe(nodeB.gossip.addresses[0]);

            // a local index that does not match its commitment is refused (and no peer has one that does)
            const mismatch = yield* Effect.flip(resolver.attribute({ modelId: bogusModel, output: quote }));
            expect(mismatch._tag).toBe("IndexMismatchError");
            expect(mismatch.message).toMatch(new RegExp(`local copy .*${bogus}.*header hashes to ${suffixCommitment}`));
            // the owner moves the model to the right index: the commitment in force at each reference time is used
            yield* sendContractCall({
              address: deployments.modelRegistry as Hex,
              abi: modelRegistryAbi,
              functionName: "updateIndexCommitment",
              args: [bogusModel, suffixCommitment],
            }).pipe(Effect.provide(owner));
            const epochs = (yield* resolver.model(bogusModel)).epochs;
            expect(epochs.map((e) => e.commitment)).toEqual([bogus, suffixCommitment]);
            const updatedAt = epochs[1]!.activeFrom;
            const after = yield* resolver.attribute({ modelId: bogusModel, output: quote, referenceTime: updatedAt });
            expect(after.entries).toEqual(expectedWith(corpus.filter((c) => c.id !== ids[1])));
            const before = yield* Effect.flip(
              resolver.attribute({ modelId: bogusModel, output: quote, referenceTime: updatedAt - 1n }),
            );
            expect(before).toMatchObject({ _tag: "IndexUnavailableError", commitment: bogus });
            // an unknown model is a typed error too
            const unknown = yield* Effect.flip(resolver.attribute({ modelId: 99n, output: quote }));
            expect(unknown._tag).toBe("UnknownModelError");
            const wrapped = yield* Effect.flip(engine.attribute({ modelId: 99n, output: quote }));
            expect(wrapped.cause).toMatchObject({ _tag: "UnknownModelError", modelId: 99n });
            // ... and the node keeps serving
            expect((yield* resolver.attribute({ modelId: suffixModel, output: quote })).entries).toEqual(
              expectedWith(corpus.filter((c) => c.id !== ids[1])),
            );
            expect((yield* resolver.stats).indexMismatches).toBe(2);
          }).pipe(Effect.provide(Layer.merge(resolverA, resolverEngine.pipe(Layer.provide(resolverA)))));

          // a fresh resolver (a restarted node) finds both indexes in its data directory: no peers needed
          const local = EngineResolver.layerWithEngines({ dataDir: dataA, maxEntries: K }).pipe(
            Layer.provide(Layer.mergeAll(IndexPeers.none, chainA, Metrics.layer)),
          );
          yield* Effect.gen(function* () {
            const resolver = yield* EngineResolver;
            expect((yield* resolver.prepare(suffixModel)).source).toBe("local");
            expect((yield* resolver.prepare(gradientModel)).source).toBe("local");
            expect((yield* resolver.attribute({ modelId: suffixModel, output: quote })).entries).toEqual(
              expectedWith(corpus.filter((c) => c.id !== ids[1])),
            );
          }).pipe(Effect.provide(local));

          // a node that serves only suffix models refuses a gradient model with a typed error
          const suffixOnly = EngineResolver.layerWithEngines({
            dataDir: dataA,
            maxEntries: K,
            methods: ["suffix"],
          }).pipe(Layer.provide(Layer.mergeAll(IndexPeers.none, chainA, Metrics.layer)));
          const unsupported = yield* Effect.flip(
            Effect.gen(function* () {
              return yield* (yield* EngineResolver).attribute({
                modelId: gradientModel,
                input: "free money",
                output: "spam",
              });
            }).pipe(Effect.provide(suffixOnly)),
          );
          expect(unsupported).toMatchObject({ _tag: "UnsupportedMethodError", method: "gradient" });

          // the same through the CLI, as a separate process: `poa model attribute`
          const cli = yield* Effect.promise(
            () =>
              new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
                execFile(
                  process.execPath,
                  [
                    "--import",
                    "tsx",
                    "agents/cli/main.ts",
                    "model",
                    "attribute",
                    String(suffixModel),
                    "--output",
                    quote,
                    "--data-dir",
                    dataA,
                    "--rpc-url",
                    anvil.rpcUrl,
                    "--json",
                  ],
                  { timeout: 90_000 },
                  (error, stdout, stderr) =>
                    resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
                );
              }),
          );
          expect(cli.stderr).not.toMatch(/error/i);
          expect(cli.code).toBe(0);
          const printed = JSON.parse(cli.stdout) as { entries: { contributionId: string; weight: number }[] };
          expect(printed.entries).toEqual(
            expectedWith(corpus.filter((c) => c.id !== ids[1])).map((e) => ({
              ...e,
              contributionId: String(e.contributionId),
            })),
          );
        }),
      300_000,
    );
  },
);
