/**
 * A local network for Open Chat, in one scope: the protocol on anvil (LocalProtocol), a datanet of
 * passages from three contributors approved by its curator, a suffix-attributed model served by a
 * real LoRA operator (the tiny test Llama, its OpenAI-compatible API), one attributor (whose engine is
 * the suffix engine over the datanet, wrapped by agents/attributor/api.ts to serve its evidence), one
 * challenger, and the web server. Used by the browser test and by `poa web --local`.
 *
 * The tiny model's answers are seeded random bytes: it cannot quote anything by itself. So that an
 * answer has something to match, the datanet holds, besides ordinary passages, passages that contain
 * the model's greedy answer to the demo prompts (asked before the datanet is created). The match,
 * the weights, the claim and the payout that follow are the real machinery.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Context, Effect, Layer, Redacted, Schedule, type Scope } from "effect";
import { type Address, createPublicClient, http, keccak256, parseUnits, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { recordingEngine, serveAttributionApi } from "../attributor/api.ts";
import type { AgentEvent } from "../attributor/attributor.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, type FeeSplit, registerModel, stake } from "../chain/registries.ts";
import { contentRoot } from "../content/merkle.ts";
import { asAccount, localAccount } from "../demo/accounts.ts";
import { type AttributionEngine, type AttributionRequest, EngineError } from "../engines/engine.ts";
import { CLASSES, sampleMessages } from "../engines/gradient/dataset.ts";
import { trainDemoModel } from "../engines/gradient/demo.ts";
import { makeSuffixEngine } from "../engines/suffix/engine.ts";
import { buildIndex, type SuffixIndex } from "../engines/suffix/index.ts";
import { makeFactoryEngine } from "../factory/attribution.ts";
import { openRun, runAttributor } from "../factory/run.ts";
import { modelRegistryAbi } from "../generated/contracts.ts";
import { fundAccounts, ledgerAddresses, startNetwork } from "../network/network.ts";
import { writeTestSetup } from "../operator/fixtures.ts";
import { OperatorAgent } from "../operator/service.ts";
import { ensureBundle } from "./build.ts";
import { type DemoAccount, serveWeb, type WebServerOptions } from "./server.ts";

export const DEMO_PROMPTS = ["Tell me about the harbour at dawn.", "What did the old map say?"] as const;
/** What the page asks the operator for: greedy, a fixed length (the tiny model would stop at random). */
export const CHAT_PARAMS = { max_tokens: 64, temperature: 0, ignore_eos: true } as const;
export const ADAPTER = "tiny-lora-0000";
/** The second adapter, registered as a `gradient` model: the spam classifier's training mail credits its answers. */
export const GRADIENT_ADAPTER = "tiny-lora-0001";
/** The gradient model's training set: `sampleMessages(GRADIENT_EXAMPLES, GRADIENT_SEED)`, one contribution each. */
export const GRADIENT_EXAMPLES = 24;
export const GRADIENT_SEED = 11;
/** The Factory page's base model: the operator's tiny Llama. */
export const FACTORY_BASE = "tiny-llama";

const SPLIT: FeeSplit = { operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500 };
export const PRICE = parseUnits("0.01", 18);

const PASSAGES = [
  "The lighthouse keeper wrote every evening about the weather, the ships that passed and the gulls.",
  "Bread rises best in a warm kitchen; the baker kept the dough near the stove through the winter.",
  "A river that floods each spring leaves the fields black and rich, and the farmers plant late.",
];

/**
 * What the local gradient model attributes for a chat: the tiny Llama's answers are random bytes, often a
 * single "word" without whitespace, which the gradient engine refuses as a possibly mistyped class name;
 * so the answer is attributed as a free-text reply, `reply: <answer>` (text = prompt ‖ that, label = the
 * classifier's prediction; agents/engines/gradient/engine.ts `resolveRequest`).
 */
export const gradientRequest = (request: AttributionRequest): AttributionRequest => ({
  ...request,
  output: `reply: ${request.output}`,
});

export interface OpenChatNetworkOptions {
  /** The attributor corrupts its first claim: the challenger disputes it (and wins). */
  readonly fraud?: boolean;
  readonly webPort?: number;
  readonly log?: (line: string) => void;
  /** Where the Factory page's jobs live (default: inside the network's temporary folder). */
  readonly factoryJobsDir?: string;
}

export interface OpenChatNetwork {
  readonly url: string;
  readonly rpcUrl: string;
  readonly operatorUrl: string;
  readonly attributorApiUrl: string;
  readonly modelId: bigint;
  readonly datanetId: bigint;
  readonly contributions: ReadonlyArray<{ readonly id: bigint; readonly contributor: Address; readonly text: string }>;
  /** The gradient model (GRADIENT_ADAPTER) and its training contributions, in training order. */
  readonly gradient: {
    readonly modelId: bigint;
    readonly datanetId: bigint;
    readonly contributions: ReadonlyArray<{ readonly id: bigint; readonly text: string }>;
  };
  readonly users: ReadonlyArray<DemoAccount>;
  readonly contributors: ReadonlyArray<DemoAccount>;
  readonly events: ReadonlyArray<AgentEvent>;
  /** What the web server was started with (tests start variants of it). */
  readonly web: WebServerOptions;
}

export const startOpenChatNetwork = (
  options: OpenChatNetworkOptions = {},
): Effect.Effect<OpenChatNetwork, unknown, LocalProtocol | Scope.Scope> =>
  Effect.gen(function* () {
    const log = options.log ?? (() => {});
    const protocol = yield* LocalProtocol;
    const { anvil, deployments } = protocol;
    const dir = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-web-"))),
      (d) => Effect.promise(() => rm(d, { recursive: true, force: true })),
    );
    const distDir = yield* ensureBundle;
    const ledger: Address = ledgerAddresses(deployments).ledger;
    const attributorKey = ANVIL_KEYS[7];
    const attributorAddress = privateKeyToAccount(attributorKey).address;

    // Users with escrow.
    const users = ANVIL_KEYS.slice(4, 6).map((key, i) => ({
      name: `user-${i + 1}`,
      key,
      address: privateKeyToAccount(key).address,
    }));
    const base = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments };
    yield* fundAccounts(base, protocol.deployerKey, {
      escrow: users.map((u) => [u.address, PRICE * 100n] as const),
      // bonds: the attributor's claims and the challenger's challenges
      open: [attributorKey, ANVIL_KEYS[9]].map(
        (k) => [privateKeyToAccount(k).address, parseUnits("1000", 18)] as const,
      ),
    });

    // The agents: one attributor with the recorded suffix engine, one challenger.
    log("▶ starting an attributor and a challenger…");
    // the index exists only once the datanet does (below): until then the engine says so
    let index: SuffixIndex | undefined;
    const suffixEngine = makeSuffixEngine(() =>
      index === undefined
        ? Effect.fail(new EngineError({ method: "suffix", message: "the datanet's index is not built yet" }))
        : Effect.succeed(index),
    );
    // the gradient model's engine, once it is trained (below); its model id is known before the operator starts
    let gradientModelId = -1n;
    let gradientEngine: AttributionEngine<unknown> | undefined;
    // adapters published from the Factory page: their DataInf engine over the run's index (agents/factory)
    const factoryEngines = new Map<bigint, AttributionEngine<unknown>>();
    const recorded = recordingEngine<unknown>({
      method: "suffix",
      attribute: (request) =>
        factoryEngines.has(request.modelId)
          ? factoryEngines.get(request.modelId)!.attribute(request)
          : request.modelId !== gradientModelId
            ? suffixEngine.attribute(request)
            : gradientEngine === undefined
              ? Effect.fail(new EngineError({ method: "gradient", message: "the gradient model is not trained yet" }))
              : gradientEngine.attribute(gradientRequest(request)),
    });
    const events: AgentEvent[] = [];
    const disputed = new Set<bigint>();
    const decided = new Set<bigint>();
    const network = yield* startNetwork({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployments,
      engine: recorded.engine,
      attributorKeys: [attributorKey],
      challengerKeys: [ANVIL_KEYS[9]],
      dataDir: path.join(dir, "agents"),
      maxBatch: 1,
      maxWaitMs: 500,
      httpIntake: true,
      ...(options.fraud === true ? { corrupt: { attributor: 0, claim: 1 } } : {}),
      onEvent: (event) => {
        events.push(event);
        if (event.kind === "badClaim") disputed.add(event.claimId);
        if (event.kind === "game" && (event.status === "won" || event.status === "lost")) decided.add(event.claimId);
      },
    });
    const attributor = network.attributors[0]!;
    const api = yield* serveAttributionApi(
      {},
      { records: recorded.records, follower: () => attributor.handle.follower },
    );

    // The operator: the tiny Llama with a few adapters; ADAPTER is the registered model.
    log("▶ writing the tiny test model and starting the LoRA operator…");
    const setup = yield* Effect.promise(() => writeTestSetup(path.join(dir, "lora"), { adapters: 2 }));
    const modelId =
      (yield* Effect.promise(async () => {
        const client = createPublicClient({ transport: http(anvil.rpcUrl) });
        return client.readContract({
          address: deployments.modelRegistry as string as Address,
          abi: modelRegistryAbi,
          functionName: "modelCount",
        });
      })) + 1n;
    gradientModelId = modelId + 1n;
    yield* Effect.forEach(
      [
        [ADAPTER, modelId],
        [GRADIENT_ADAPTER, gradientModelId],
      ] as const,
      ([adapter, id]) =>
        Effect.promise(() =>
          writeFile(
            path.join(setup.adaptersDir, adapter, "poa.json"),
            JSON.stringify({ modelId: id.toString(), price: PRICE.toString() }),
          ),
        ),
    );
    const operatorKey = ANVIL_KEYS[6];
    const operatorContext = yield* Layer.build(
      OperatorAgent.layer({
        operator: {
          modelDir: setup.modelDir,
          adaptersDir: setup.adaptersDir,
          maxLoras: 2,
          maxCpuLoras: 4,
          slotRank: 8,
          maxBatch: 4,
          providers: ["cpu"],
          targetModules: null,
          loadWorkers: 0,
          log: (line) => log(`  operator: ${line}`),
        },
        host: "127.0.0.1",
        port: 0,
        key: Redacted.make(operatorKey),
        // signed requests are checked and charged; unsigned ones (the pre-ask below) are served free
        paymentsRequired: false,
        chainId: anvil.chainId,
        ledger,
        attributor: attributorAddress,
        // every paid receipt, with its texts, goes to the attributor's intake (docs/lora-operator.md)
        publish: { intakeUrls: [`${attributor.intakeUrl!}/receipts`], log: (line) => log(`  operator: ${line}`) },
      }),
    );
    const operator = Context.get(operatorContext, OperatorAgent);
    const operatorUrl = operator.baseUrl.replace(/\/v1$/, "");

    // The model's answers to the demo prompts, so the datanet can hold passages that contain them.
    const answers = yield* Effect.forEach(DEMO_PROMPTS, (prompt) =>
      Effect.promise(async () => {
        const response = await fetch(`${operator.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: ADAPTER, messages: [{ role: "user", content: prompt }], ...CHAT_PARAMS }),
        });
        if (!response.ok) throw new Error(`operator: ${response.status} ${await response.text()}`);
        const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
        return body.choices[0]!.message.content;
      }),
    );

    // The datanet: three contributors, one curator.
    log("▶ creating the datanet and its contributions…");
    const path_ = deploymentsPath(anvil.chainId);
    const curator = localAccount("curator", ANVIL_KEYS[0]);
    const contributors = ANVIL_KEYS.slice(1, 4).map((key, i) => localAccount(`contributor-${i + 1}`, key));
    const texts = [
      ...PASSAGES,
      // each answer's first and last 45 % in two contributors' passages: two spans, a gap in between
      ...answers.flatMap((a, i) => {
        const cut = Math.floor(a.length * 0.45);
        return [
          `From the archive, entry ${i + 1}: ${a.slice(0, cut)} (the rest is lost).`,
          `A copy of the ending of entry ${i + 1}: ${a.slice(a.length - cut)} (end of entry ${i + 1}).`,
        ];
      }),
    ];
    const { datanetId } = yield* createDatanet("demo://open-chat").pipe(asAccount(anvil.rpcUrl, path_, curator));
    const contentDir = path.join(dir, "content");
    yield* Effect.promise(() => mkdir(contentDir, { recursive: true }));
    const contributions: Array<{ id: bigint; contributor: Address; text: string; bytes: Uint8Array }> = [];
    for (const [i, text] of texts.entries()) {
      const who = contributors[i % contributors.length]!;
      const bytes = new TextEncoder().encode(text);
      const { contributionId } = yield* contribute(datanetId, bytes, `demo://open-chat/${i}`).pipe(
        asAccount(anvil.rpcUrl, path_, who),
      );
      contributions.push({ id: contributionId, contributor: who.address, text, bytes });
      const root = contentRoot(bytes).toLowerCase();
      yield* Effect.promise(() => writeFile(path.join(contentDir, root), bytes));
    }
    yield* Effect.forEach(contributions, (c) => curate("approveContribution", c.id), { discard: true }).pipe(
      asAccount(anvil.rpcUrl, path_, curator),
    );

    // The suffix index over the approved contributions, committed as the model's index commitment.
    index = yield* buildIndex(
      contributions.map((c) => ({ id: c.id, content: c.bytes })),
      { threads: 1 },
    );
    const commitment = keccak256(toBytes(contributions.map((c) => contentRoot(c.bytes)).join("")));
    const registered = yield* registerModel({
      baseModelHash: keccak256(toBytes("tiny-llama")),
      adapterHash: keccak256(toBytes(ADAPTER)),
      parentModelId: 0n,
      datanetIds: [datanetId],
      method: "suffix",
      attributionIndexCommitment: commitment,
      split: SPLIT,
      price: PRICE,
      metadataURI: `demo://open-chat/${ADAPTER}`,
    }).pipe(asAccount(anvil.rpcUrl, path_, curator));
    if (registered.modelId !== modelId)
      throw new Error(`model registered as ${registered.modelId}, expected ${modelId}`);
    yield* stake(modelId, parseUnits("10", 18)).pipe(asAccount(anvil.rpcUrl, path_, curator));

    // The gradient model: a second datanet of real mail contributed by the curator, the spam classifier
    // trained on it and indexed (agents/engines/gradient/demo.ts), registered for the second adapter.
    log("▶ training the gradient model on a datanet of mail…");
    const { datanetId: mailNet } = yield* createDatanet("demo://open-chat-mail").pipe(
      asAccount(anvil.rpcUrl, path_, curator),
    );
    const mail: Array<{ id: bigint; text: string }> = [];
    for (const [i, m] of sampleMessages(GRADIENT_EXAMPLES, GRADIENT_SEED).entries()) {
      const bytes = new TextEncoder().encode(m.text);
      const { contributionId } = yield* contribute(mailNet, bytes, `demo://open-chat-mail/${i}`).pipe(
        asAccount(anvil.rpcUrl, path_, curator),
      );
      mail.push({ id: contributionId, text: m.text });
      yield* Effect.promise(() => writeFile(path.join(contentDir, contentRoot(bytes).toLowerCase()), bytes));
    }
    yield* Effect.forEach(mail, (c) => curate("approveContribution", c.id), { discard: true }).pipe(
      asAccount(anvil.rpcUrl, path_, curator),
    );
    const classifier = yield* Effect.promise(() =>
      trainDemoModel({
        examples: GRADIENT_EXAMPLES,
        seed: GRADIENT_SEED,
        contributionIds: mail.map((c) => c.id),
        modelId: gradientModelId,
      }),
    );
    const gradientRegistered = yield* registerModel({
      baseModelHash: keccak256(toBytes("tiny-llama")),
      adapterHash: keccak256(toBytes(GRADIENT_ADAPTER)),
      parentModelId: 0n,
      datanetIds: [mailNet],
      method: "gradient",
      attributionIndexCommitment: classifier.commitment,
      split: SPLIT,
      price: PRICE,
      metadataURI: `demo://open-chat/${GRADIENT_ADAPTER}?classes=${CLASSES.join(",")}`,
    }).pipe(asAccount(anvil.rpcUrl, path_, curator));
    if (gradientRegistered.modelId !== gradientModelId)
      throw new Error(`model registered as ${gradientRegistered.modelId}, expected ${gradientModelId}`);
    yield* stake(gradientModelId, parseUnits("10", 18)).pipe(asAccount(anvil.rpcUrl, path_, curator));
    gradientEngine = classifier.engine as AttributionEngine<unknown>;

    // Blocks keep coming as on a live chain; claims wait out their window faster, never during a dispute.
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    const rpc = (method: string, params: unknown[] = []) =>
      Effect.promise(() => client.request({ method: method as "eth_chainId", params: params as never }));
    yield* Effect.forkScoped(
      Effect.gen(function* () {
        // a claim flagged wrong while still pending and not yet decided: its game's clocks must not be skipped
        // (a historical wrong claim, already void, is flagged too and must not stop the clock for good)
        const claims = attributor.handle.follower.claims;
        const open = [...disputed].some((id) => !decided.has(id) && claims.get(id)?.status === "pending");
        if (!open) yield* rpc("evm_increaseTime", [20]);
        yield* rpc("evm_mine");
      }).pipe(Effect.repeat(Schedule.spaced("1 second"))),
    );

    const webOptions: WebServerOptions = {
      port: options.webPort ?? 0,
      distDir,
      chainId: anvil.chainId,
      deployments,
      rpcUrl: anvil.rpcUrl,
      operatorUrl,
      attributorApiUrl: api.url,
      contentDir,
      models: { [ADAPTER]: modelId.toString(), [GRADIENT_ADAPTER]: gradientModelId.toString() },
      operatorAddress: operator.address,
      chatParams: CHAT_PARAMS,
      demoAccounts: [
        ...users.map((u) => ({ name: u.name, address: u.address, key: u.key })),
        ...contributors.map((c) => ({ name: c.name, address: c.address, key: c.key })),
        // registers and stakes the Factory page's adapters (the deployer: it holds OPEN)
        { name: "builder", address: curator.address, key: ANVIL_KEYS[0] },
      ],
      factory: {
        bases: { [FACTORY_BASE]: setup.modelDir },
        jobsDir: options.factoryJobsDir ?? path.join(dir, "factory"),
        adaptersDir: setup.adaptersDir,
        onServed: (served) => {
          void openRun(served.runDir, served.baseDir).then(
            (run) =>
              factoryEngines.set(
                served.modelId,
                makeFactoryEngine(runAttributor(run), run.encode, {
                  method: "datainf",
                  maxEntries: 16,
                  modelId: served.modelId,
                }) as AttributionEngine<unknown>,
              ),
            (e: unknown) => log(`  factory: cannot attribute ${served.adapter}: ${String(e)}`),
          );
        },
      },
    };
    const web = yield* serveWeb(webOptions);
    return {
      url: web.url,
      rpcUrl: anvil.rpcUrl,
      operatorUrl,
      attributorApiUrl: api.url,
      modelId,
      datanetId,
      contributions: contributions.map(({ id, contributor, text }) => ({ id, contributor, text })),
      gradient: { modelId: gradientModelId, datanetId: mailNet, contributions: mail },
      users: users.map((u) => ({ name: u.name, address: u.address, key: u.key })),
      contributors: contributors.map((c) => ({ name: c.name, address: c.address, key: c.key })),
      events,
      web: webOptions,
    };
  });
