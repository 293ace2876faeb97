/**
 * The network as separate OS processes, with faults: anvil (--network optimism) behind a TCP proxy
 * that the test can cut, `poa operator serve`, two `poa attributor run` and one `poa challenger run`,
 * each started with `node --import tsx agents/cli/main.ts …` exactly as docs/run-a-node.md tells a
 * node operator. Users chat through the `openai` npm client, signing an EIP-712 Request per call.
 *
 * Faults, at seeded random points of the run (POA_E2E_SEED; the seed is printed): kill -9 of the
 * operator, of one attributor and of the challenger, each started again with the same flags; an
 * `anvil_reorg` of a few blocks under the agents; and the agents' RPC endpoint unreachable for
 * POA_E2E_OUTAGE_S seconds (default 30).
 *
 * Engines chosen by the chain, one model per method: the operator serves a LoRA adapter of the tiny
 * test Llama that `poa factory train` fine-tuned on the suffix datanet (three short passages of State of
 * the Union addresses) until greedy decoding continues a passage from its first words, registered with
 * the suffix index commitment `poa suffix index build --datanet` prints; next to it the spam classifier
 * (gradient) over a datanet of mail, whose paid receipts a second operator key signs and POSTs to the
 * intakes. Both attributors run `--engine registry` (each built the suffix index, the classifier's files
 * under its commitment); the challenger starts without indexes and fetches each over /poa/index/1.
 *
 * Checked on chain, against what the test computes itself (the brute-force span search over the raw
 * passages for the adapter's answers, the gradient engine run in this thread on the raw model files for
 * the classifier's, and a brute-force fee split, not σ): every chat answer quotes a passage, every paid
 * receipt is in exactly one live claim, every account's final earnings equal the split, each payer was
 * charged exactly once per receipt, every contributor's withdrawal transfers exactly its share, the
 * attributors withdraw by themselves, the challenger recomputed weights and disagreed with none, and
 * every agent process is still up and healthy at the end.
 *
 * Bad input at an attributor's intake (an answer that does not hash to its receipt, a body that is not
 * JSON, a validly signed receipt for a model that is not registered) gets a one-line error or is
 * dropped and counted, and never stops the node.
 *
 * Scale: POA_E2E_CHATS chat requests (default 12) and one classifier receipt per 3 chats.
 *
 * Receipts travel as a node operator deploys them: the operator gossips each signed receipt (attributors
 * fetch its texts by hash from the operator) and POSTs it with its texts to both attributors' intakes
 * (`--intake-urls`, kept in its outbox until taken); the test never touches them. (The classifier is no
 * LLM the LoRA operator serves: its receipts are signed by a second operator key in the test and POSTed
 * to both intakes, as an operator does.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { Effect, Schema } from "effect";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  hexToBytes,
  http,
  keccak256,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS, freePort } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { peerKeySeedOf } from "../cli/agents.ts";
import { contentRoot } from "../content/merkle.ts";
import { ChatError, paidChat } from "../demo/chat.ts";
import { MEMORIZE, sotuPassages } from "../demo/sotu.ts";
import { type AttributionEntry, WEIGHT_SCALE } from "../engines/engine.ts";
import { indexModel, loadIndexed, saveIndex, saveTrained, trainModel } from "../engines/gradient/bundle.ts";
import { sampleMessages } from "../engines/gradient/dataset.ts";
import { makeAttributor, makeGradientEngine } from "../engines/gradient/engine.ts";
import { commitmentDir } from "../engines/index-store.ts";
import { contentFileName } from "../engines/suffix/datanet.ts";
import { bruteMatches, bruteWeights } from "../engines/suffix/testing.ts";
import { attributionLedgerAbi, openTokenAbi, paymentEscrowAbi } from "../generated/contracts.ts";
import { makeFollower } from "../ledger/follower.ts";
import { ledgerAddresses, localChain } from "../network/network.ts";
import { ReceiptWithTexts, textsProblemMessage, toReceiptWithTexts } from "../protocol/texts.ts";
import type { SourcedReceipt } from "../receipts/source.ts";
import { makeReceiptSource } from "../receipts/source.ts";
import { type AgentProcess, agentProcess, reorg, seeded, tcpProxy } from "./faults.ts";
import {
  advanceTime,
  contributeDatanet,
  type EnginesWorld,
  FEE,
  fundEngines,
  registerEngineModel,
  SPLIT,
} from "./setup.ts";

const encodeReceiptWithTexts = Schema.encodeSync(ReceiptWithTexts);
const encoder = new TextEncoder();

const CHATS = Number(process.env.POA_E2E_CHATS ?? 12);
/** Classifier receipts: one every this many chats. */
const CLASSIFIER_EVERY = 3;
const OUTAGE_S = Number(process.env.POA_E2E_OUTAGE_S ?? 30);
const SEED = Number(process.env.POA_E2E_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** POA_E2E_FAULTS=0 runs the same traffic without faults (to tell a fault's effect from a plain bug). */
const FAULTS = process.env.POA_E2E_FAULTS !== "0";
/** The reorg takes back the next claim mined and every block after it, at most this many. */
const REORG_DEPTH = 3;
/** The agents act on ledger events this deep, one more than the deepest reorg the test makes. */
const CONFIRMATIONS = REORG_DEPTH + 1;
const USERS = 3;
/** `factory train --out <run>` writes the adapter folder `<run>/adapter`: the run folder is an adapters dir. */
const ADAPTER = "adapter";
/** The suffix engine's minimum match (DEFAULT_MIN_MATCH) and occurrence cap, for the brute-force reference. */
const MIN_MATCH = 32;
const MAX_OCCURRENCES = 256;

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("250 millis");
    }
  });

/** The expected credits of one receipt (docs/protocol.md §4), computed without σ. */
const splitOf = (
  answer: SourcedReceipt,
  entries: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>,
  world: EnginesWorld,
  protocol: Address,
): Array<readonly [Address, bigint]> => {
  const fee = answer.receipt.receipt.fee;
  const bps = (share: number) => (fee * BigInt(share)) / 10_000n;
  const data = fee - bps(SPLIT.operatorBps) - bps(SPLIT.ownerBps) - bps(SPLIT.attributorBps) - bps(SPLIT.protocolBps);
  const credits: Array<readonly [Address, bigint]> = [
    [getAddress(answer.receipt.receipt.operator), bps(SPLIT.operatorBps)],
    [world.owner, bps(SPLIT.ownerBps)],
    [getAddress(answer.receipt.receipt.attributor), bps(SPLIT.attributorBps)],
  ];
  let paid = 0n;
  for (const e of entries) {
    const amount = (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE);
    paid += amount;
    credits.push([world.contributorOf.get(e.contributionId)!, amount]);
  }
  credits.push([protocol, bps(SPLIT.protocolBps) + data - paid]);
  return credits;
};

/** The `npm run poa -- <command> <subcommand> --flag …` commands of a markdown page, with their flags. */
const documentedCommands = (markdown: string) =>
  [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((block) => block[1]!.replace(/\\\n\s*/g, " "))
    .join("\n")
    .split("\n")
    .flatMap((line) => {
      const m = /npm run poa -- (\S+) (\S+)(.*)$/.exec(line);
      if (m === null || m[1]!.startsWith("--")) return [];
      return [{ command: `${m[1]} ${m[2]}`, flags: new Set(m[3]!.split(/\s+/).filter((t) => t.startsWith("--"))) }];
    });

const health = (url: string) =>
  fetch(`${url}/health`)
    .then((r) => r.json() as Promise<{ readonly status: string; readonly problems?: ReadonlyArray<string> }>)
    .catch(() => ({ status: "unreachable" }));

// A time limit, not a duration: the run takes 140 s on the shared 2-core machine at load 8 and 330 s at load
// 20 (the adapter's training alone then takes over two minutes instead of ~17 s).
const LIMIT_MS = 480_000;

layer(LocalProtocol.layer(), { timeout: LIMIT_MS, excludeTestServices: true })(
  "separate processes with faults",
  (it) => {
    it.effect(
      `operator, 2 attributors, challenger as processes on registry engines; kill -9, reorg, ${OUTAGE_S} s RPC outage; every paid receipt credited once`,
      () =>
        Effect.gen(function* () {
          const protocol = yield* LocalProtocol;
          const { anvil, deployments } = protocol;
          const rng = seeded(SEED);
          console.log(`processes e2e: seed ${SEED} (POA_E2E_SEED to replay), ${CHATS} chats`);
          const dir = mkdtempSync(path.join(tmpdir(), "poa-procs-"));
          const startedAt = Date.now();
          const lap = (what: string) =>
            console.log(`processes e2e: ${what} at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
          // the operator's base model (the tiny test Llama, a base model's chat template), written while the chain is populated
          const make = yield* agentProcess({
            name: "make-test-model",
            args: ["operator", "make-test-model", "--out", path.join(dir, "lora"), "--adapters", "0", "--plain-chat"],
            logFile: path.join(dir, "make-test-model.log"),
            ready: /wrote .* adapters/,
          });
          const made = make.start();
          made.catch(() => {}); // awaited below; a failure surfaces there
          const classifierReceipts = Math.ceil(CHATS / CLASSIFIER_EVERY);
          const escrowed = FEE * BigInt(Math.ceil((CHATS + classifierReceipts) / USERS) + 2);
          const world = yield* fundEngines(protocol, { users: USERS, escrowPerUser: escrowed });
          // the suffix datanet: short passages of State of the Union addresses, one contribution each
          const passages = sotuPassages(MEMORIZE.passages, MEMORIZE.bytes).map((p) => p.text);
          const sotu = yield* contributeDatanet(protocol, world, "e2e://sotu", passages);
          const addresses = ledgerAddresses(deployments);
          const proxy = yield* tcpProxy(anvil.port);
          const rpc = proxy.url;
          const deploymentsFile = path.resolve(`deployments/${anvil.chainId}.json`);
          const chainFlags = ["--rpc-url", rpc, "--deployments", deploymentsFile];
          const attributor1 = privateKeyToAccount(ANVIL_KEYS[7]).address;
          const attributor2 = privateKeyToAccount(ANVIL_KEYS[8]).address;
          const dataDirOf = (role: string) => path.join(dir, role);

          // the passages' bytes, named by content root, as a datanet's content store serves them
          const contentDir = path.join(dir, "content");
          mkdirSync(contentDir);
          for (const { text } of sotu.items) {
            writeFileSync(path.join(contentDir, contentFileName(contentRoot(encoder.encode(text)))), text);
          }
          yield* Effect.promise(() => made);
          const modelDir = path.join(dir, "lora", "model");
          const runDir = path.join(dir, "run");
          // the memorizing adapter, fine-tuned on the datanet's approved contributions as they are on chain
          const train = yield* agentProcess({
            name: "factory train",
            args: [
              "factory",
              "train",
              "--base",
              modelDir,
              "--datanet",
              String(sotu.datanetId),
              "--content-dir",
              contentDir,
              "--out",
              runDir,
              ...MEMORIZE.trainFlags,
              ...chainFlags,
            ],
            logFile: path.join(dir, "factory-train.log"),
            ready: /index \S+: commitment (0x[0-9a-f]{64})/,
          });
          // each attributor builds the suffix index from the chain and the contents; the challenger fetches it
          const builds = yield* Effect.all(
            (["attributor-1", "attributor-2"] as const).map((role) =>
              agentProcess({
                name: `suffix index build (${role})`,
                args: [
                  "suffix",
                  "index",
                  "build",
                  "--datanet",
                  String(sotu.datanetId),
                  "--content-dir",
                  contentDir,
                  "--data-dir",
                  dataDirOf(role),
                  ...chainFlags,
                ],
                logFile: path.join(dir, `suffix-build-${role}.log`),
                ready: /commitment (0x[0-9a-f]{64})/,
              }),
            ),
          );
          const preparing = [train, ...builds];
          const prepared = Promise.all(preparing.map((p) => p.start(240_000))).then(async (ready) => {
            const codes = await Promise.all(preparing.map((p) => p.exited()));
            return { ready, codes };
          });
          prepared.catch(() => {}); // awaited below
          lap("chain set up; training the adapter and building the suffix indexes");

          // the gradient datanet: mail, one message per contribution, while the adapter trains
          const messages = sampleMessages(24, 5);
          const mail = yield* contributeDatanet(
            protocol,
            world,
            "e2e://mail",
            messages.map((m) => m.text),
          );

          // the agents start meanwhile: they need no model until a receipt for it comes
          const [operatorPort, gossip1, gossip2, intake1, intake2] = yield* Effect.promise(() =>
            Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]),
          );
          // an agent's peer id follows from its key (agents/cli/agents.ts), so every node can be told
          // every other's address up front and all start at once
          const multiaddrOf = (key: Hex, port: number) =>
            Effect.promise(async () => {
              const peerKey = await generateKeyPairFromSeed("Ed25519", hexToBytes(peerKeySeedOf(key)));
              return `/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(peerKey).toString()}`;
            });
          const bootstrap1 = yield* multiaddrOf(ANVIL_KEYS[7], gossip1);
          const bootstrap2 = yield* multiaddrOf(ANVIL_KEYS[8], gossip2);
          const agentFlags = (role: string, gossipPort: number) => [
            ...chainFlags,
            "--data-dir",
            dataDirOf(role),
            "--gossip-port",
            String(gossipPort),
            "--poll-ms",
            "250",
            "--confirmations",
            String(CONFIRMATIONS),
            "--engine",
            "registry",
          ];
          const attributorArgs = (n: 1 | 2, gossipPort: number, intakePort: number, bootstrap: string) => [
            "attributor",
            "run",
            ...agentFlags(`attributor-${n}`, gossipPort),
            "--intake-port",
            String(intakePort),
            "--max-batch",
            "4",
            "--max-wait-ms",
            "1500",
            ...(bootstrap === "" ? [] : ["--bootstrap", bootstrap]),
          ];
          const gossipReady = /gossip (\S+?)[,;]/;
          const a1 = yield* agentProcess({
            name: "attributor-1",
            args: attributorArgs(1, gossip1, intake1, bootstrap2),
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[7] },
            logFile: path.join(dir, "attributor-1.log"),
            ready: gossipReady,
          });
          const a2 = yield* agentProcess({
            name: "attributor-2",
            args: attributorArgs(2, gossip2, intake2, bootstrap1),
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[8] },
            logFile: path.join(dir, "attributor-2.log"),
            ready: gossipReady,
          });
          const challenger = yield* agentProcess({
            name: "challenger",
            args: ["challenger", "run", ...agentFlags("challenger", 0), "--bootstrap", `${bootstrap1},${bootstrap2}`],
            env: { POA_PRIVATE_KEY: ANVIL_KEYS[9] },
            logFile: path.join(dir, "challenger.log"),
            ready: gossipReady,
          });
          const agentsUp = Promise.all([a1.start(), a2.start(), challenger.start()]);
          agentsUp.catch(() => {}); // awaited below

          // the classifier (gradient): trained on the mail contributions under their on-chain ids, its files
          // under its commitment in each attributor's data directory
          const classifier = yield* Effect.promise(async () =>
            indexModel(
              await trainModel(
                messages,
                {
                  family: "softmax",
                  buckets: 1024,
                  hidden: 4,
                  seed: 3,
                  train: { epochs: 12, batchSize: 12, learningRate: 2, weightDecay: 1e-3, checkpoints: 2 },
                },
                1,
              ),
              messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: mail.items[i]!.id })),
              { dims: 64, seed: 9, batch: 16 },
              1,
            ),
          );
          for (const role of ["attributor-1", "attributor-2"]) {
            const at = commitmentDir(dataDirOf(role), classifier.commitment);
            mkdirSync(at, { recursive: true });
            saveTrained(at, classifier);
            saveIndex(at, classifier.index);
          }
          const { ready: built, codes } = yield* Effect.promise(() => prepared);
          expect(codes).toEqual([0, 0, 0]);
          expect(built[1]).toBe(built[2]);
          const suffixCommitment = built[1] as Hex;
          lap("adapter trained, indexes built");
          const llmModel = yield* registerEngineModel(protocol, world, {
            method: "suffix",
            datanetId: sotu.datanetId,
            commitment: suffixCommitment,
            baseModelHash: keccak256(readFileSync(path.join(modelDir, "model.onnx"))),
            adapterHash: keccak256(readFileSync(path.join(runDir, ADAPTER, "adapter_model.safetensors"))),
          });
          const classifierModel = yield* registerEngineModel(protocol, world, {
            method: "gradient",
            datanetId: mail.datanetId,
            commitment: classifier.commitment,
          });
          writeFileSync(
            path.join(runDir, ADAPTER, "poa.json"),
            JSON.stringify({ modelId: llmModel.toString(), price: FEE.toString() }),
          );
          yield* advanceTime(anvil.rpcUrl, 5);
          // set up on an automining chain (one block per transaction); from here on a block every second,
          // as a live chain makes them whether or not anyone transacts
          yield* Effect.promise(() =>
            fetch(anvil.rpcUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_setIntervalMining", params: [1] }),
            }),
          );

          const operator = yield* agentProcess({
            name: "operator",
            args: [
              "operator",
              "serve",
              "--model-dir",
              modelDir,
              "--adapters-dir",
              runDir,
              "--port",
              String(operatorPort),
              "--require-payment",
              "--chain-id",
              String(anvil.chainId),
              "--ledger",
              addresses.ledger,
              "--attributor",
              attributor1,
              "--intake-urls",
              `http://127.0.0.1:${intake1}/receipts,http://127.0.0.1:${intake2}/receipts`,
              "--data-dir",
              path.join(dir, "operator"),
              "--gossip-port",
              "0",
              "--bootstrap",
              `${bootstrap1},${bootstrap2}`,
            ],
            env: { POA_OPERATOR_KEY: world.operatorKey },
            logFile: path.join(dir, "operator.log"),
            ready: /OpenAI-compatible API on (\S+)/,
          });
          const baseUrl = yield* Effect.promise(() => operator.start());
          const [ready1] = yield* Effect.promise(() => agentsUp);
          expect(ready1).toBe(bootstrap1);
          console.log(`processes e2e: logs in ${dir}`);
          lap("agents up");
          const processes: ReadonlyArray<AgentProcess> = [operator, a1, a2, challenger];
          const processesUp = preparing;
          // docs/run-a-node.md documents exactly these commands: each of its flags is one this test passes
          const documented = documentedCommands(readFileSync("docs/run-a-node.md", "utf8"));
          expect(documented.map((d) => d.command).sort()).toEqual([
            "attributor run",
            "attributor run",
            "challenger run",
            "factory train",
            "operator make-test-model",
            "operator serve",
            "suffix index",
          ]);
          for (const doc of documented) {
            const runs = [make, ...processesUp, ...processes].filter(
              (p) => p.options.args.slice(0, 2).join(" ") === doc.command,
            );
            const missing = runs.map((run) => [...doc.flags].filter((f) => !run.options.args.includes(f)));
            expect(
              missing.some((m) => m.length === 0),
              `docs/run-a-node.md: "${doc.command} ${[...doc.flags].join(" ")}" is run here (flags not passed: ${JSON.stringify(missing)})`,
            ).toBe(true);
          }

          // users: the openai client, signing an EIP-712 Request per call (agents/demo/chat.ts); each prompt
          // is the opening words of a passage, which the memorizing adapter continues
          const operatorAddress = privateKeyToAccount(world.operatorKey).address;
          const users = world.userKeys.map((k) => privateKeyToAccount(k));
          const chatConfig = {
            baseUrl,
            chainId: anvil.chainId,
            ledger: addresses.ledger,
            operator: operatorAddress,
            modelId: llmModel,
            adapter: ADAPTER,
            maxFee: FEE,
            deadline: BigInt(Math.floor(Date.now() / 1000) + 86_400),
          };
          const answers: Array<{ readonly answer: SourcedReceipt; readonly method: "suffix" | "gradient" }> = [];
          const nonces = users.map(() => 0n);
          let chatRetries = 0;
          /** One paid chat, retried with the same nonce (nothing was signed for an unanswered one) until answered. */
          const chat = (i: number) =>
            Effect.promise(async () => {
              const slot = i % users.length;
              const nonce = nonces[slot]!;
              nonces[slot] = nonce + 1n;
              const prompt = passages[i % passages.length]!.slice(0, MEMORIZE.promptBytes);
              for (;;) {
                try {
                  return await paidChat(chatConfig, users[slot]!, nonce, prompt, {
                    maxTokens: MEMORIZE.answerTokens,
                  });
                } catch (e) {
                  if (!(e instanceof ChatError) || e.reason !== "unanswered") throw e;
                  chatRetries++;
                  await new Promise((done) => setTimeout(done, 500));
                }
              }
            });
          // the classifier's receipts: signed by a second operator key and POSTed to both intakes, as an
          // operator does (retried while an attributor restarts; one intake taking it is enough)
          const classifierSource = makeReceiptSource({
            chainId: anvil.chainId,
            ledger: addresses.ledger,
            modelId: classifierModel,
            operatorKey: `0x${"42".repeat(32)}`,
            userKeys: [...world.userKeys],
            fee: FEE,
            attributors: [attributor1],
          });
          const queries = sampleMessages(classifierReceipts, 5, 100);
          const wire = (r: SourcedReceipt) => JSON.stringify(encodeReceiptWithTexts(toReceiptWithTexts(r)));
          const intakes = [intake1, intake2].map((port) => `http://127.0.0.1:${port}/receipts`);
          type Posted = { readonly status: number; readonly body: { readonly error?: string } };
          const post = (url: string, body: string): Promise<Posted> =>
            fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body }).then(
              async (r) => ({ status: r.status, body: (await r.json()) as Posted["body"] }),
              () => ({ status: 0, body: {} }),
            );
          const classify = (k: number) =>
            Effect.promise(async () => {
              const q = queries[k]!;
              const answer = await classifierSource.answer(k, q.text, q.label === 1 ? "spam" : "ham");
              for (;;) {
                const taken = await Promise.all(intakes.map((url) => post(url, wire(answer))));
                if (taken.some((t) => t.status === 202)) return answer;
                await new Promise((done) => setTimeout(done, 500));
              }
            });

          // the test's own view of the chain, straight from anvil
          const chain = localChain(anvil.chainId, anvil.rpcUrl);
          const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 100 });
          /** Waits for the next claim to be mined, then reorgs it away with the blocks after it (≤ REORG_DEPTH). */
          const orphaned: bigint[] = [];
          const reorgNextClaim = Effect.promise(async () => {
            let from = (await client.getBlockNumber({ cacheTime: 0 })) + 1n;
            for (let tries = 0; tries < 600; tries++) {
              const head = await client.getBlockNumber({ cacheTime: 0 });
              const posted =
                head < from
                  ? []
                  : await client.getContractEvents({
                      address: addresses.ledger,
                      abi: attributionLedgerAbi,
                      eventName: "ClaimPosted",
                      fromBlock: from,
                      toBlock: head,
                    });
              const last = posted.at(-1);
              if (last !== undefined && head - last.blockNumber < BigInt(REORG_DEPTH)) {
                // let the agents see it first: the reorg must take back something they acted on
                await new Promise((done) => setTimeout(done, 600));
                const now = await client.getBlockNumber({ cacheTime: 0 });
                const depth = Number(now - last.blockNumber) + 1;
                if (depth > REORG_DEPTH) {
                  from = now + 1n;
                  continue;
                }
                await Effect.runPromise(reorg(anvil.rpcUrl, depth));
                orphaned.push(last.args.claimId ?? -1n);
                console.log(`processes e2e: reorged ${depth} blocks, claim ${last.args.claimId} orphaned`);
                return;
              }
              if (head >= from) from = head + 1n;
              await new Promise((done) => setTimeout(done, 100));
            }
            throw new Error("no claim to reorg away within 60 s");
          });

          // the faults, at seeded points of the chat sequence
          const restart = (p: AgentProcess) =>
            Effect.promise(async () => {
              await p.kill9();
              console.log(`processes e2e: kill -9 ${p.options.name}`);
              await p.start();
              console.log(`processes e2e: ${p.options.name} back`);
            });
          const victim = rng.pick([a1, a2]);
          const spots = [...Array(CHATS).keys()].slice(1);
          const at = new Map<number, Array<{ name: string; run: Effect.Effect<void, unknown> }>>();
          const plan = (name: string, run: Effect.Effect<void, unknown>) => {
            if (!FAULTS) return;
            const spot = rng.pick(spots);
            at.set(spot, [...(at.get(spot) ?? []), { name, run }]);
          };
          plan("kill -9 operator", restart(operator));
          plan(`kill -9 ${victim.options.name}`, restart(victim));
          plan("kill -9 challenger", restart(challenger));
          plan(`anvil_reorg of the next claim`, reorgNextClaim);
          plan(
            `RPC unreachable ${OUTAGE_S} s`,
            Effect.promise(async () => {
              await proxy.cut();
              await new Promise((done) => setTimeout(done, OUTAGE_S * 1000));
              await proxy.restore();
            }),
          );
          console.log(
            `processes e2e: faults ${[...at.entries()].map(([spot, fs]) => `${fs.map((f) => f.name).join(" + ")} @ chat ${spot}`).join("; ")}`,
          );

          const background: Array<Promise<void>> = [];
          for (let i = 0; i < CHATS; i++) {
            for (const fault of at.get(i) ?? []) {
              console.log(`processes e2e: ${fault.name} (chat ${i})`);
              // faults run beside the traffic: the chats go on while an agent restarts or the RPC is down
              background.push(Effect.runPromise(fault.run as Effect.Effect<void, never>));
            }
            answers.push({ answer: yield* chat(i), method: "suffix" });
            if (i % CLASSIFIER_EVERY === 0) {
              answers.push({ answer: yield* classify(i / CLASSIFIER_EVERY), method: "gradient" });
            }
          }
          yield* Effect.promise(() => Promise.all(background));
          lap("traffic and faults done");

          // bad input at attributor-1's intake: a clear one-line error each, and the node goes on (all below)
          const intakeUrl = intakes[0]!;
          // (a restarted attributor prints its gossip address before its intake listens)
          yield* eventually(
            async () => (await post(intakeUrl, "{not json")).status === 400,
            "attributor-1's intake to answer",
          );
          const first = answers[0]!.answer;
          const tampered = { ...first, output: `${first.output}!` };
          expect(yield* Effect.promise(() => post(intakeUrl, wire(tampered)))).toEqual({
            status: 400,
            body: { error: textsProblemMessage["output-hash-mismatch"] },
          });
          // validly signed, for a model that is not registered: refused with the engine's reason, never posted,
          // and the node goes on
          const unknownModel = yield* Effect.promise(() =>
            makeReceiptSource({
              chainId: anvil.chainId,
              ledger: addresses.ledger,
              modelId: 999n,
              operatorKey: world.operatorKey,
              userKeys: [world.userKeys[0]!],
              fee: FEE,
              firstNonce: 1_000n,
              attributors: [attributor1],
            }).answer(0, "which model?", "none"),
          );
          const unknown = yield* Effect.promise(() => post(intakeUrl, wire(unknownModel)));
          expect(unknown.status).toBe(400);
          expect(unknown.body.error).toMatch(/model 999 is not registered/);
          console.log(`processes e2e: ${answers.length} answers, ${chatRetries} chat retries`);

          if (FAULTS) expect(orphaned.length).toBe(1);
          const keyOf = (r: { user: string; operator: string; nonce: bigint }) =>
            `${r.user.toLowerCase()}|${r.operator.toLowerCase()}|${r.nonce}`;
          const answerOf = new Map(answers.map((a) => [keyOf(a.answer.receipt.request), a]));
          let follower = yield* makeFollower(client, anvil.chainId, addresses);
          const live = () => [...follower.claims.values()].filter((c) => c.status !== "void");
          const included = () => live().flatMap((c) => c.receipts.map(keyOf));
          yield* eventually(
            async () => {
              await Effect.runPromise(follower.sync);
              return new Set(included()).size >= answers.length;
            },
            "every paid receipt to be in a live claim",
            90_000,
          );
          // nothing lost, nothing twice, only receipts that were answered, every claim right by σ
          expect(new Set(included())).toEqual(new Set(answerOf.keys()));
          expect(included().length).toBe(answers.length);
          expect(live().every((c) => c.correct && c.honest)).toBe(true);

          yield* advanceTime(anvil.rpcUrl, Number(follower.params.challengeWindow) + 5);
          yield* eventually(
            async () => {
              await Effect.runPromise(follower.sync);
              return live().every((c) => c.status === "final");
            },
            "every claim to finalize",
            60_000,
          );
          lap("claims final");
          // a fresh follower from the chain as it is now (no state carried from before the reorg)
          follower = yield* makeFollower(client, anvil.chainId, addresses);
          yield* follower.sync;
          const claims = live();
          expect(new Set(included())).toEqual(new Set(answerOf.keys()));
          // no claim built on one that is not on chain
          for (const c of claims) expect(c.parentId === 0n || follower.claims.has(c.parentId)).toBe(true);

          // expected earnings: independent of the processes — the brute-force span search over the raw
          // passages (suffix) and the gradient engine run in this thread on the classifier's files — split
          // by brute force. Each engine answers at most the ledger's K entries.
          const K = follower.params.maxEntries;
          const corpus = sotu.items.map((p) => ({ id: p.id, content: encoder.encode(p.text) }));
          const direct = yield* Effect.promise(() =>
            makeAttributor(loadIndexed(commitmentDir(dataDirOf("attributor-1"), classifier.commitment)), {
              threads: 1,
              kernel: "ort",
            }),
          );
          const gradientEngine = makeGradientEngine(direct, {
            method: "influence",
            maxEntries: K,
            threads: 1,
            kernel: "ort",
          });
          const protocolAddress = follower.params.protocol;
          const expected = new Map<Address, bigint>();
          const quoted = new Map<bigint, number>();
          let atK = 0;
          for (const { answer, method } of answers) {
            let entries: ReadonlyArray<AttributionEntry>;
            if (method === "suffix") {
              const output = encoder.encode(answer.output);
              const spans = bruteMatches(corpus, output, MIN_MATCH);
              entries = bruteWeights(spans, output.length, MAX_OCCURRENCES, K).entries;
              // the memorizing adapter quotes the passage its prompt opens, at least MIN_MATCH bytes of it
              for (const e of entries) quoted.set(e.contributionId, (quoted.get(e.contributionId) ?? 0) + 1);
              expect(entries.length, `chat answer ${JSON.stringify(answer.output)} quotes a passage`).toBeGreaterThan(
                0,
              );
            } else {
              entries = (yield* gradientEngine.attribute({
                modelId: answer.receipt.receipt.modelId,
                input: answer.input,
                output: answer.output,
              })).entries;
              expect(entries.length).toBeGreaterThan(0);
              atK += entries.length === K ? 1 : 0;
            }
            for (const [account, amount] of splitOf(answer, entries, world, protocolAddress)) {
              expected.set(account, (expected.get(account) ?? 0n) + amount);
            }
          }
          yield* Effect.promise(() => direct.release());
          console.log(
            `processes e2e: chat answers credited per passage ${JSON.stringify(Object.fromEntries([...quoted].map(([id, n]) => [String(id), n])))}; e.g. ${JSON.stringify(answers[0]!.answer.output)}`,
          );
          // the gradient engine ranks every training example: its answers are cut to the ledger's K
          expect(atK).toBeGreaterThan(0);
          // every passage was quoted by the answers to its prompts
          expect(quoted.size).toBe(Math.min(passages.length, CHATS));
          expect([...expected.values()].reduce((a, b) => a + b, 0n)).toBe(FEE * BigInt(answers.length));
          const final = follower.finalLedger().ledger;
          for (const [account, amount] of expected) expect(final.tree.leaf(account).earned, account).toBe(amount);

          // each payer charged exactly once per answer
          for (const [slot, user] of users.entries()) {
            const balance = yield* Effect.promise(() =>
              client.readContract({
                address: addresses.paymentEscrow,
                abi: paymentEscrowAbi,
                functionName: "balanceOf",
                args: [user.address],
              }),
            );
            const count = answers.filter((a) => a.answer.receipt.request.user === user.address).length;
            expect(balance, `payer ${slot}`).toBe(escrowed - FEE * BigInt(count));
          }

          // the attributor the receipts name withdraws by itself, after everything above
          const withdrawn = (account: Address) =>
            client.readContract({
              address: addresses.ledger,
              abi: attributionLedgerAbi,
              functionName: "withdrawn",
              args: [account],
            });
          yield* eventually(
            async () => (await withdrawn(attributor1)) === (expected.get(attributor1) ?? 0n),
            "attributor-1 to withdraw its earnings by itself",
            60_000,
          );
          expect(expected.get(attributor2) ?? 0n).toBe(0n);

          // contributors: a withdrawal with a proof against the final root transfers exactly their share
          const wallet = createWalletClient({
            chain,
            transport: http(anvil.rpcUrl),
            account: privateKeyToAccount(ANVIL_KEYS[5]),
          });
          const balanceOf = (account: Address) =>
            client.readContract({
              address: addresses.openToken,
              abi: openTokenAbi,
              functionName: "balanceOf",
              args: [account],
            });
          const contributors = new Set(world.contributorOf.values());
          let paidToData = 0n;
          for (const account of contributors) {
            const amount = expected.get(account) ?? 0n;
            if (amount === 0n) continue;
            const before = yield* Effect.promise(() => balanceOf(account));
            const hash = yield* Effect.promise(() =>
              wallet.writeContract({
                address: addresses.ledger,
                abi: attributionLedgerAbi,
                functionName: "withdraw",
                args: [account, final.tree.leaf(account), bytesToHex(final.tree.proof(account))],
              }),
            );
            yield* Effect.promise(() => client.waitForTransactionReceipt({ hash }));
            expect((yield* Effect.promise(() => balanceOf(account))) - before).toBe(amount);
            paidToData += amount;
          }
          expect(paidToData).toBeGreaterThan(0n);

          const metricsOf = (p: AgentProcess) => /metrics (http:\/\/\S+)\/metrics/.exec(p.log)?.[1];
          // receipts also came by gossip, their texts fetched by hash from the operator (the gossip route)
          let gossipTexts = 0;
          for (const p of [a1, a2]) {
            const text = yield* Effect.promise(() => fetch(`${metricsOf(p)}/metrics`).then((r) => r.text()));
            gossipTexts += Number(/poa_receipt_texts_total\{result="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
          }
          expect(gossipTexts).toBeGreaterThan(0);

          // the challenger recomputed Attributes' weights with the engines it fetched, and disagreed with none
          const verdicts = Object.fromEntries(
            [
              ...(yield* Effect.promise(() =>
                fetch(`${metricsOf(challenger)}/metrics`).then((r) => r.text()),
              )).matchAll(/poa_challenger_weights_checked_total\{verdict="([^"]+)"\} (\d+)/g),
            ].map((m) => [m[1]!, Number(m[2])]),
          );
          console.log(`processes e2e: challenger verdicts since its last start ${JSON.stringify(verdicts)}`);
          expect(Object.keys(verdicts).filter((v) => v !== "agree")).toEqual([]);
          expect(existsSync(path.join(commitmentDir(dataDirOf("challenger"), suffixCommitment), "index.idx"))).toBe(
            true,
          );
          expect(existsSync(commitmentDir(dataDirOf("challenger"), classifier.commitment))).toBe(true);

          // every agent recovered by itself: still running, healthy
          for (const p of processes) expect(p.running, `${p.options.name} running`).toBe(true);
          expect(operator.starts + a1.starts + a2.starts + challenger.starts).toBe(FAULTS ? 7 : 4);
          for (const p of [a1, a2, challenger]) {
            const metrics = metricsOf(p);
            expect(metrics, `${p.options.name} metrics url`).toBeDefined();
            let last: unknown;
            yield* eventually(
              async () => {
                const h = await health(metrics!);
                last = h;
                return h.status === "ok";
              },
              `${p.options.name} to be healthy`,
              30_000,
            ).pipe(Effect.tapError(() => Effect.sync(() => console.log(`${p.options.name} health`, last))));
          }
          lap("done");
        }),
      LIMIT_MS,
    );
  },
);
