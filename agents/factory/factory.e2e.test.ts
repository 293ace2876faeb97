/**
 * The Model Factory end to end on a local chain, as a new user runs it (docs/model-factory.md, "Four
 * commands"): a datanet with three approved contributions (and one left pending, which must not be
 * trained on) → `factory train --datanet` (bytes fetched by content root and checked; refused while one
 * file's bytes do not hash to its on-chain root) → `factory index` → `factory publish --data-dir` (ModelRegistry:
 * datanets, split, index commitment, training-record hash, stake; the index installed for an attributor)
 * → `poa operator serve` (a process) serves the run folder unchanged; users chat through the openai
 * client, paying; the operator POSTs the receipts to an attributor process (`--engine registry`) that
 * resolves the adapter's registered commitment to the LoRA engine; a challenger process (`--engine
 * registry`) whose data directory holds a tampered copy of the index refuses it (counted, moved aside),
 * fetches the index from the attributor over /poa/index/1, recomputes every claim and agrees.
 *
 * Checked on chain against a reference computed apart from the processes: `poa factory attribute` over
 * the run folder (its own tokenizer, checkpoints and index file, in this thread), split by brute force
 * (docs/protocol.md §4): every account's final earnings are exactly that.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NodeServices } from "@effect/platform-node";
import { expect, layer } from "@effect/vitest";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { Effect, Option, Redacted } from "effect";
import { Command } from "effect/cli";
import { type Address, createPublicClient, getAddress, type Hex, hexToBytes, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { vi } from "vitest";
import { ANVIL_KEYS, freePort } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate } from "../chain/registries.ts";
import { peerKeySeedOf } from "../cli/agents.ts";
import { withProtocol } from "../cli/common.ts";
import { factoryCommand } from "../cli/factory.ts";
import { asAccount, localAccount } from "../demo/accounts.ts";
import { paidChat } from "../demo/chat.ts";
import { agentProcess } from "../e2e/faults.ts";
import { advanceTime, SPLIT } from "../e2e/setup.ts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { commitmentDir } from "../engines/index-store.ts";
import { datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";
import { makeFollower } from "../ledger/follower.ts";
import { fundAccounts, ledgerAddresses, localChain } from "../network/network.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { TEXTS } from "./fixtures.test-util.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-e2e-"));

/** Runs `poa factory …` in process; returns the last JSON line it printed (or the failure, when expected). */
const factoryExit = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const exit = yield* Effect.exit(
      Command.runWith(factoryCommand, { version: "test", renderErrors: false })(args).pipe(
        Effect.provide(NodeServices.layer),
      ),
    ).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          log.mockRestore();
          err.mockRestore();
        }),
      ),
    );
    return { exit, lines };
  });
const factory = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { exit, lines } = yield* factoryExit(args);
    expect(exit._tag, String(exit)).toBe("Success");
    return JSON.parse(lines.at(-1) ?? "{}") as Record<string, unknown>;
  });

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("250 millis");
    }
  });

layer(LocalProtocol.layer(), { timeout: 180_000, excludeTestServices: true })(
  "Model Factory on a local chain",
  (it) => {
    it.effect(
      "datanet → train → index → publish → operator serve → paid chats → attributor and challenger (--engine registry) credit as `factory attribute` says",
      () =>
        Effect.gen(function* () {
          const protocol = yield* LocalProtocol;
          const { anvil, deployments } = protocol;
          console.log(`factory e2e: logs in ${dir}`);
          const owner = ANVIL_KEYS[0];
          const flags = {
            config: Option.none(),
            rpcUrl: Option.some(anvil.rpcUrl),
            privateKey: Option.some(Redacted.make(owner)),
            deployments: Option.none(),
            json: true,
          };
          const modelDir = join(dir, "model");
          const made = writeTinyLlama(modelDir);
          const contentDir = join(dir, "content");
          mkdirSync(contentDir, { recursive: true });
          const as = (key: Hex, name: string) =>
            asAccount(anvil.rpcUrl, resolve(`deployments/${anvil.chainId}.json`), localAccount(name, key));
          const contributorOf = new Map<bigint, Address>();
          const onChain = yield* Effect.gen(function* () {
            const { datanetId } = yield* createDatanet("ipfs://speeches");
            const ids: bigint[] = [];
            const roots: string[] = [];
            for (const [i, text] of [...TEXTS.slice(0, 3), "pending text that nobody approved"].entries()) {
              const bytes = new TextEncoder().encode(text);
              const key = ANVIL_KEYS[1 + i]!;
              const c = yield* contribute(datanetId, bytes, `ipfs://speech-${i}`).pipe(as(key, `contributor-${i}`));
              writeFileSync(join(contentDir, c.contentRoot.toLowerCase()), bytes);
              if (i < 3) yield* curate("approveContribution", c.contributionId);
              contributorOf.set(c.contributionId, getAddress(privateKeyToAccount(key).address));
              ids.push(c.contributionId);
              roots.push(c.contentRoot.toLowerCase());
            }
            return { datanetId, ids, roots };
          }).pipe(withProtocol(flags));
          yield* Effect.promise(() => made);
          const run = join(dir, "run");
          const net = ["--rpc-url", anvil.rpcUrl, "--json"];
          const trainArgs = (out: string) => [
            "train",
            "--base",
            modelDir,
            "--datanet",
            String(onChain.datanetId),
            "--content-dir",
            contentDir,
            "--out",
            out,
            "--epochs",
            "2",
            "--checkpoints",
            "2",
            "--seq-len",
            "32",
            "--dims",
            "32",
            ...net,
          ];
          // 1. train: bytes that do not hash to the on-chain content root are refused before any training
          const tampered = join(contentDir, onChain.roots[1]!);
          const honest = readFileSync(tampered);
          writeFileSync(tampered, Buffer.concat([honest, Buffer.from("!")]));
          const refused = yield* factoryExit(trainArgs(join(dir, "refused")));
          expect(String(refused.exit)).toContain("does not match its on-chain content root");
          writeFileSync(tampered, honest);
          const trained = yield* factory(trainArgs(run));
          expect(trained.contributions).toBe(3); // the pending contribution is not training data
          // 2. index: rebuilding gives the same commitment
          const indexed = yield* factoryExit(["index", "--run", run, "--base", modelDir, "--dims", "32"]);
          expect(indexed.exit._tag).toBe("Success");
          expect(indexed.lines.join("\n")).toContain(`commitment ${trained.indexCommitment}`);
          // 3. publish: registered, staked, the index installed in the attributor's data directory
          const dataDirs = { attributor: join(dir, "attributor"), challenger: join(dir, "challenger") };
          const published = yield* factory([
            "publish",
            "--run",
            run,
            "--base",
            modelDir,
            "--stake",
            "10",
            "--price",
            "0.01",
            "--split",
            [SPLIT.operatorBps, SPLIT.ownerBps, SPLIT.dataBps, SPLIT.attributorBps, SPLIT.protocolBps].join(","),
            "--data-dir",
            dataDirs.attributor,
            "--private-key",
            owner,
            ...net,
          ]);
          const commitment = trained.indexCommitment as Hex;
          expect(published.indexCommitment).toBe(commitment);
          expect(published.indexDir).toBe(commitmentDir(dataDirs.attributor, commitment));
          const modelId = BigInt(String(published.modelId));
          const client = createPublicClient({ transport: http(anvil.rpcUrl) });
          const model = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.modelRegistry as Hex,
              abi: modelRegistryAbi,
              functionName: "getModel",
              args: [modelId],
            }),
          );
          const record = JSON.parse(readFileSync(join(run, "training.json"), "utf8")) as {
            adapter: { weightsKeccak256: string };
            data: { contributions: { id: string }[] };
          };
          expect(model.attributionIndexCommitment).toBe(commitment);
          expect(model.adapterHash).toBe(record.adapter.weightsKeccak256);
          expect(model.metadataURI).toBe(`poa-factory:training-record=${trained.trainingRecordHash}`);
          expect(model.parentModelId).toBe(BigInt(String(published.baseModelId)));
          expect(model.method).toBe(1); // gradient
          expect(record.data.contributions.map((c) => BigInt(c.id))).toEqual(onChain.ids.slice(0, 3));
          const datanets = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.modelRegistry as Hex,
              abi: modelRegistryAbi,
              functionName: "modelDatanets",
              args: [modelId],
            }),
          );
          expect(datanets).toEqual([onChain.datanetId]);
          const c1 = yield* Effect.promise(() =>
            client.readContract({
              address: deployments.datanetRegistry as Hex,
              abi: datanetRegistryAbi,
              functionName: "getContribution",
              args: [onChain.ids[0]!],
            }),
          );
          expect(c1.datanetId).toBe(onChain.datanetId);

          // bad input: the challenger's local copy has a tampered checkpoint, so it does not match the commitment
          const badCopy = commitmentDir(dataDirs.challenger, commitment);
          cpSync(commitmentDir(dataDirs.attributor, commitment), badCopy, { recursive: true });
          const ck = join(badCopy, "ck-1.safetensors");
          const ckBytes = readFileSync(ck);
          ckBytes[ckBytes.length - 5] = ckBytes[ckBytes.length - 5]! ^ 1;
          writeFileSync(ck, ckBytes);

          // users with escrow, attributor and challenger with OPEN for their bonds
          const userKeys = [ANVIL_KEYS[5], ANVIL_KEYS[6]] as const;
          const operatorKey = `0x${"42".repeat(32)}` as Hex;
          const attributor = privateKeyToAccount(ANVIL_KEYS[7]).address;
          const fee = BigInt(String(model.price));
          expect(fee).toBe(10n ** 16n);
          yield* fundAccounts({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments }, protocol.deployerKey, {
            open: [ANVIL_KEYS[7], ANVIL_KEYS[9]].map((k) => [privateKeyToAccount(k).address, 10n ** 21n] as const),
            escrow: userKeys.map((k) => [privateKeyToAccount(k).address, fee * 10n] as const),
          });
          yield* advanceTime(anvil.rpcUrl, 5);

          // 4. serve: `poa operator serve` on the run folder; attributor and challenger on the chain's engines
          const addresses = ledgerAddresses(deployments);
          const deploymentsFile = resolve(`deployments/${anvil.chainId}.json`);
          const [operatorPort, gossipPort, intakePort] = yield* Effect.promise(() =>
            Promise.all([freePort(), freePort(), freePort()]),
          );
          const peerKey = yield* Effect.promise(() =>
            generateKeyPairFromSeed("Ed25519", hexToBytes(peerKeySeedOf(ANVIL_KEYS[7]))),
          );
          const bootstrap = `/ip4/127.0.0.1/tcp/${gossipPort}/p2p/${peerIdFromPrivateKey(peerKey).toString()}`;
          const operator = yield* agentProcess({
            name: "operator",
            args: [
              "operator",
              "serve",
              "--model-dir",
              modelDir,
              "--adapters-dir",
              run,
              "--port",
              String(operatorPort),
              "--require-payment",
              "--chain-id",
              String(anvil.chainId),
              "--ledger",
              addresses.ledger,
              "--attributor",
              attributor,
              "--intake-urls",
              `http://127.0.0.1:${intakePort}/receipts`,
              "--data-dir",
              join(dir, "operator"),
            ],
            env: { POA_OPERATOR_KEY: operatorKey },
            logFile: join(dir, "operator.log"),
            ready: /OpenAI-compatible API on (\S+)/,
          });
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
              String(intakePort),
              "--max-batch",
              "3",
              "--max-wait-ms",
              "1000",
            ],
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[7] },
            logFile: join(dir, "attributor.log"),
            ready: /receipts intake (\S+)\/receipts/,
          });
          const challenger = yield* agentProcess({
            name: "challenger",
            args: ["challenger", "run", ...agentFlags("challenger", 0), "--bootstrap", bootstrap],
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[9] },
            logFile: join(dir, "challenger.log"),
            ready: /gossip (\S+?)[,;]/,
          });
          const [baseUrl] = yield* Effect.promise(() =>
            Promise.all([operator.start(), a1.start(), challenger.start()]),
          );

          // paid chats through the openai client
          const chatConfig = {
            baseUrl: baseUrl!,
            chainId: anvil.chainId,
            ledger: addresses.ledger,
            operator: privateKeyToAccount(operatorKey).address,
            modelId,
            adapter: "adapter",
            maxFee: fee,
            deadline: BigInt(Math.floor(Date.now() / 1000) + 86_400),
          };
          const prompts = ["Four score and seven", "We hold these truths", "The quick brown fox"];
          const answers: SourcedReceipt[] = [];
          for (const [i, prompt] of prompts.entries()) {
            const user = privateKeyToAccount(userKeys[i % 2]!);
            answers.push(
              yield* Effect.promise(() => paidChat(chatConfig, user, BigInt(i >> 1), prompt, { maxTokens: 8 })),
            );
          }
          for (const a of answers) expect(a.receipt.receipt.modelId).toBe(modelId);

          // the reference: `poa factory attribute` over the run folder, split by brute force
          const follower = yield* makeFollower(
            createPublicClient({
              chain: localChain(anvil.chainId, anvil.rpcUrl),
              transport: http(anvil.rpcUrl),
              pollingInterval: 100,
            }),
            anvil.chainId,
            addresses,
          );
          const K = follower.params.maxEntries;
          const expected = new Map<Address, bigint>();
          const credit = (account: Address, amount: bigint) =>
            expected.set(getAddress(account), (expected.get(getAddress(account)) ?? 0n) + amount);
          let creditedData = 0;
          for (const a of answers) {
            const reference = yield* factory([
              "attribute",
              "--run",
              run,
              "--base",
              modelDir,
              "--prompt",
              a.input,
              "--answer",
              a.output,
              "--method",
              "datainf",
              "--top",
              String(K),
              "--json",
            ]);
            const entries = (reference.entries as { contributionId: string; weight: number }[]).map((e) => ({
              contributionId: BigInt(e.contributionId),
              weight: e.weight,
            }));
            const r = a.receipt.receipt;
            const bps = (share: number) => (r.fee * BigInt(share)) / 10_000n;
            const data =
              r.fee - bps(SPLIT.operatorBps) - bps(SPLIT.ownerBps) - bps(SPLIT.attributorBps) - bps(SPLIT.protocolBps);
            credit(r.operator, bps(SPLIT.operatorBps));
            credit(privateKeyToAccount(owner).address, bps(SPLIT.ownerBps));
            credit(r.attributor, bps(SPLIT.attributorBps));
            let paid = 0n;
            for (const e of entries) {
              const amount = (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE);
              paid += amount;
              credit(contributorOf.get(e.contributionId)!, amount);
            }
            if (entries.length > 0) creditedData++;
            expect(entries.every((e) => onChain.ids.slice(0, 3).includes(e.contributionId))).toBe(true);
            credit(follower.params.protocol, bps(SPLIT.protocolBps) + data - paid);
          }
          expect(creditedData).toBe(answers.length);

          // every receipt in a claim, the challenger agreeing with every one, claims final, earnings as the reference says
          const live = () => [...follower.claims.values()].filter((c) => c.status !== "void");
          yield* eventually(async () => {
            await Effect.runPromise(follower.sync);
            return live().flatMap((c) => c.receipts).length >= answers.length;
          }, "every receipt to be in a claim");
          expect(live().every((c) => c.correct && c.honest)).toBe(true);
          const metricsOf = (log: string) => /metrics (http:\/\/\S+)\/metrics/.exec(log)?.[1];
          const challengerMetrics = () => fetch(`${metricsOf(challenger.log)}/metrics`).then((r) => r.text());
          let text = "";
          const verdicts = () =>
            Object.fromEntries(
              [...text.matchAll(/poa_challenger_weights_checked_total\{verdict="([^"]+)"\} (\d+)/g)].map((m) => [
                m[1]!,
                Number(m[2]),
              ]),
            );
          yield* eventually(async () => {
            text = await challengerMetrics();
            return Object.values(verdicts()).reduce((a, b) => a + b, 0) >= answers.length;
          }, "the challenger to check the weights of every Attribute").pipe(
            Effect.tapError(() => Effect.sync(() => console.log("challenger verdicts", verdicts()))),
          );
          expect(verdicts()).toEqual({ agree: answers.length });
          // the tampered local copy: refused, counted, moved aside; the copy fetched from the attributor is in place
          expect(text).toMatch(/poa_engine_index_total\{[^}]*result="mismatch"[^}]*\} 1\b/);
          expect(text).toMatch(
            /poa_engine_index_total\{[^}]*source="peer"[^}]*result="ok"[^}]*\} 1\b|poa_engine_index_total\{[^}]*result="ok"[^}]*source="peer"[^}]*\} 1\b/,
          );
          expect(readdirSync(join(dataDirs.challenger, "indexes")).some((n) => n.startsWith(".rejected-"))).toBe(true);
          expect(readFileSync(join(badCopy, "ck-1.safetensors"))).toEqual(
            readFileSync(join(commitmentDir(dataDirs.attributor, commitment), "ck-1.safetensors")),
          );

          yield* advanceTime(anvil.rpcUrl, Number(follower.params.challengeWindow) + 5);
          yield* eventually(async () => {
            await Effect.runPromise(follower.sync);
            return live().every((c) => c.status === "final");
          }, "every claim to finalize");
          const final = follower.finalLedger().ledger;
          expect([...expected.values()].reduce((a, b) => a + b, 0n)).toBe(fee * BigInt(answers.length));
          for (const [account, amount] of expected) expect(final.tree.leaf(account).earned, account).toBe(amount);
          expect(existsSync(badCopy)).toBe(true);
          expect(a1.running && challenger.running && operator.running).toBe(true);
        }),
      180_000,
    );
  },
);
