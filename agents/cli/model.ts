/** `poa model …`: register models and LoRA adapters, stake for them, attribute with their registered engine. */
import { readFile } from "node:fs/promises";
import { Data, Effect, Layer, Option, Redacted } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { type Hex, isHex, keccak256, parseUnits } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { requireWallet } from "../chain/Chain.ts";
import { registerModel, stake } from "../chain/registries.ts";
import { IndexPeers } from "../engines/index-peers.ts";
import { EngineResolver } from "../engines/resolver.ts";
import { Gossip, makeGossip } from "../gossip/gossip.ts";
import { Identity } from "../identity/identity.ts";
import { ledgerMaxEntries } from "../ledger/ledger.ts";
import { Metrics, MetricsRegistry } from "../observability/metrics.ts";
import { type ClientFlagValues, CliInputError, clientFlags, parseId, report, withProtocol } from "./common.ts";

export class ModelInputError extends Data.TaggedError("ModelInputError")<{ readonly message: string }> {}

const ZERO32: Hex = `0x${"00".repeat(32)}`;

/** A 32-byte hash given as 0x-hex, or the keccak256 of a file's bytes. */
const hashArg = (what: string, value: string) =>
  isHex(value) && value.length === 66
    ? Effect.succeed(value as Hex)
    : Effect.tryPromise({
        try: async () => keccak256(await readFile(value)),
        catch: () =>
          new ModelInputError({ message: `${what}: "${value}" is neither a 32-byte 0x-hex hash nor a readable file` }),
      });

const SPLIT_NAMES = ["operator", "owner", "data", "attributor", "protocol"] as const;

export const parseSplit = (value: string) => {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length !== 5 || parts.some((p) => !/^[0-9]+$/.test(p) || Number(p) > 10_000)) {
    return Effect.fail(
      new ModelInputError({
        message: `--split must be five basis-point shares ${SPLIT_NAMES.join(",")}, e.g. 2000,2000,5000,500,500`,
      }),
    );
  }
  const [operatorBps, ownerBps, dataBps, attributorBps, protocolBps] = parts.map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const sum = operatorBps + ownerBps + dataBps + attributorBps + protocolBps;
  if (sum !== 10_000)
    return Effect.fail(new ModelInputError({ message: `--split shares sum to ${sum}, must be 10000` }));
  return Effect.succeed({ operatorBps, ownerBps, dataBps, attributorBps, protocolBps });
};

const parseIdList = (value: string) =>
  value.trim() === ""
    ? Effect.succeed([] as bigint[])
    : Effect.forEach(value.split(","), (id) => parseId("--datanets entry", id.trim()));

/** Token amounts are given in OPEN (decimal, 18 decimals), e.g. "100" or "0.5". */
const parseAmount = (what: string, value: string) =>
  Effect.try({
    try: () => {
      const amount = parseUnits(value, 18);
      if (amount <= 0n) throw new Error("not positive");
      return amount;
    },
    catch: () =>
      new CliInputError({ message: `${what} must be a positive OPEN amount like 100 or 0.5, got "${value}"` }),
  });

const registerCommand = (
  flags: ClientFlagValues & {
    readonly baseModel: string;
    readonly adapter: Option.Option<string>;
    readonly parent: Option.Option<string>;
    readonly datanets: string;
    readonly method: "suffix" | "gradient";
    readonly indexCommitment: Option.Option<string>;
    readonly split: string;
    readonly price: string;
    readonly uri: string;
  },
) =>
  Effect.gen(function* () {
    const baseModelHash = yield* hashArg("--base-model", flags.baseModel);
    const adapterHash = Option.isSome(flags.adapter) ? yield* hashArg("--adapter", flags.adapter.value) : ZERO32;
    const parentModelId = Option.isSome(flags.parent) ? yield* parseId("--parent", flags.parent.value) : 0n;
    const attributionIndexCommitment = Option.isSome(flags.indexCommitment)
      ? yield* hashArg("--index-commitment", flags.indexCommitment.value)
      : ZERO32;
    const split = yield* parseSplit(flags.split);
    const datanetIds = yield* parseIdList(flags.datanets);
    const price = yield* Effect.try({
      try: () => parseUnits(flags.price, 18),
      catch: () => new CliInputError({ message: `--price must be an OPEN amount like 0.01, got "${flags.price}"` }),
    });
    const { modelId, hash } = yield* registerModel({
      baseModelHash,
      adapterHash,
      parentModelId,
      datanetIds,
      method: flags.method,
      attributionIndexCommitment,
      split,
      price,
      metadataURI: flags.uri,
    });
    yield* report(flags.json, { modelId, tx: hash }, `model ${modelId} registered (tx ${hash})`);
  }).pipe(withProtocol(flags));

const stakeCommand = (flags: ClientFlagValues & { readonly model: string; readonly amount: string }) =>
  Effect.gen(function* () {
    const modelId = yield* parseId("model id", flags.model);
    const amount = yield* parseAmount("amount", flags.amount);
    const wallet = yield* requireWallet;
    const { hash } = yield* stake(modelId, amount);
    yield* report(
      flags.json,
      { modelId, amount, staker: wallet.account.address, tx: hash },
      `staked ${flags.amount} OPEN on model ${modelId} (tx ${hash})`,
    );
  }).pipe(withProtocol(flags));

const attributeCommand = (
  flags: ClientFlagValues & {
    readonly model: string;
    readonly output: string;
    readonly input: Option.Option<string>;
    readonly referenceTime: Option.Option<string>;
    readonly dataDir: string;
    readonly peers: Option.Option<string>;
  },
) =>
  Effect.gen(function* () {
    const modelId = yield* parseId("model id", flags.model);
    const referenceTime = Option.isSome(flags.referenceTime)
      ? /^\d{1,20}$/.test(flags.referenceTime.value)
        ? BigInt(flags.referenceTime.value)
        : yield* new CliInputError({
            message: `--reference-time must be unix seconds, got "${flags.referenceTime.value}"`,
          })
      : undefined;
    const peers = Option.isSome(flags.peers) ? flags.peers.value.split(",").map((p) => p.trim()) : undefined;
    const indexPeers =
      peers === undefined
        ? IndexPeers.none
        : IndexPeers.gossip({ dataDir: flags.dataDir, peers }).pipe(
            Layer.provide(
              Layer.effect(Gossip, makeGossip({ topics: [] })).pipe(
                Layer.provide(Layer.succeed(Identity, Identity.make(Redacted.make(generatePrivateKey())))),
              ),
            ),
          );
    const result = yield* Effect.gen(function* () {
      const resolver = yield* EngineResolver;
      const prepared = yield* resolver.prepare(modelId);
      const attribution = yield* resolver.attribute({
        modelId,
        output: flags.output,
        ...(Option.isSome(flags.input) ? { input: flags.input.value } : {}),
        ...(referenceTime === undefined ? {} : { referenceTime }),
      });
      return { prepared, attribution };
    }).pipe(
      Effect.provide(
        EngineResolver.layerWithEngines({ dataDir: flags.dataDir, maxEntries: yield* ledgerMaxEntries }).pipe(
          Layer.provide(indexPeers),
          Layer.provide(Layer.succeed(Metrics, new MetricsRegistry())),
        ),
      ),
    );
    const { prepared, attribution } = result;
    yield* report(
      flags.json,
      { model: prepared, ...attribution },
      [
        `model ${modelId}: ${prepared.method}, index ${prepared.commitment} (${prepared.source === "local" ? "local" : `from ${prepared.source}`})`,
        ...(attribution.entries.length === 0
          ? ["no contribution credited"]
          : attribution.entries.map((e) => `contribution ${e.contributionId}: ${e.weight}`)),
      ].join("\n"),
    );
  }).pipe(withProtocol(flags));

export const modelCommand = Command.make("model").pipe(
  Command.withDescription("Models and LoRA adapters"),
  Command.withSubcommands([
    Command.make(
      "register",
      {
        ...clientFlags,
        baseModel: Flag.String("base-model").pipe(Flag.withDescription("base model weights file, or its 32-byte hash")),
        adapter: Flag.String("adapter").pipe(
          Flag.optional,
          Flag.withDescription("LoRA adapter file, or its 32-byte hash"),
        ),
        parent: Flag.String("parent").pipe(Flag.optional, Flag.withDescription("registered base model id (adapters)")),
        datanets: Flag.String("datanets").pipe(
          Flag.withDefault(""),
          Flag.withDescription("comma-separated datanet ids"),
        ),
        method: Flag.Literals("method", ["suffix", "gradient"]).pipe(Flag.withDescription("attribution method")),
        indexCommitment: Flag.String("index-commitment").pipe(
          Flag.optional,
          Flag.withDescription("attribution index file or hash"),
        ),
        split: Flag.String("split").pipe(
          Flag.withDefault("2000,2000,5000,500,500"),
          Flag.withDescription("fee split in bps: operator,owner,data,attributor,protocol (sum 10000)"),
        ),
        price: Flag.String("price").pipe(Flag.withDefault("0.01"), Flag.withDescription("price per request in OPEN")),
        uri: Flag.String("uri").pipe(Flag.withDefault(""), Flag.withDescription("metadata URI")),
      },
      registerCommand,
    ).pipe(Command.withDescription("Register a model or a LoRA adapter")),
    Command.make(
      "stake",
      { ...clientFlags, model: Argument.String("model-id"), amount: Argument.String("amount") },
      stakeCommand,
    ).pipe(Command.withDescription("Stake OPEN for a model you own")),
    Command.make(
      "attribute",
      {
        ...clientFlags,
        model: Argument.String("model-id"),
        output: Flag.String("output").pipe(Flag.withDescription("the model's answer")),
        input: Flag.String("input").pipe(
          Flag.optional,
          Flag.withDescription("the prompt (the gradient method uses it)"),
        ),
        referenceTime: Flag.String("reference-time").pipe(
          Flag.optional,
          Flag.withDescription("unix seconds: contributions withdrawn by then get nothing (default: latest block)"),
        ),
        dataDir: Flag.String("data-dir").pipe(
          Flag.withDescription("where indexes live: <data-dir>/indexes/<commitment>/"),
        ),
        peers: Flag.String("peers").pipe(
          Flag.optional,
          Flag.withDescription(
            "fetch a missing index from these peers over /poa/index/1 (multiaddrs, comma-separated)",
          ),
        ),
      },
      attributeCommand,
    ).pipe(
      Command.withDescription(
        "Attribute an answer with the model's registered method and index (found in --data-dir or fetched and verified)",
      ),
    ),
  ]),
);
