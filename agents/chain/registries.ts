/**
 * Programmatic access to the token and registries: each call sends one transaction (simulated
 * first) and returns the ids read from its events. The CLI and the demo both call these.
 */
import { Data, Effect } from "effect";
import type { Hex } from "viem";
import { contentRoot } from "../content/merkle.ts";
import { datanetRegistryAbi, modelRegistryAbi, openTokenAbi } from "../generated/contracts.ts";
import { Contracts } from "./Chain.ts";
import { sendContractCall } from "./tx.ts";

export class MissingEventError extends Data.TaggedError("MissingEventError")<{ readonly message: string }> {}

const addresses = Effect.gen(function* () {
  const { deployments } = yield* Contracts;
  return {
    openToken: deployments.openToken as string as Hex,
    datanetRegistry: deployments.datanetRegistry as string as Hex,
    modelRegistry: deployments.modelRegistry as string as Hex,
  };
});

const eventArg = <E extends { eventName: string; args: object }, N extends E["eventName"], K extends string>(
  events: ReadonlyArray<E>,
  name: N,
  key: K,
) =>
  Effect.gen(function* () {
    const event = events.find((e) => e.eventName === name);
    const value = event !== undefined && key in event.args ? (event.args as Record<K, unknown>)[key] : undefined;
    if (typeof value !== "bigint") return yield* new MissingEventError({ message: `no ${name} event in the receipt` });
    return value;
  });

export const createDatanet = (metadataURI: string) =>
  Effect.gen(function* () {
    const { datanetRegistry } = yield* addresses;
    const { events, hash } = yield* sendContractCall({
      address: datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "createDatanet",
      args: [metadataURI],
    });
    return { datanetId: yield* eventArg(events, "DatanetCreated", "datanetId"), hash };
  });

/** Registers `content` (non-empty) under its content root in a datanet. */
export const contribute = (datanetId: bigint, content: Uint8Array, metadataURI: string) =>
  Effect.gen(function* () {
    const { datanetRegistry } = yield* addresses;
    const root = contentRoot(content);
    const { events, hash } = yield* sendContractCall({
      address: datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contribute",
      args: [datanetId, root, BigInt(content.length), metadataURI],
    });
    return { contributionId: yield* eventArg(events, "ContributionAdded", "contributionId"), contentRoot: root, hash };
  });

export type CurationAction = "approveContribution" | "rejectContribution" | "withdrawContribution";

export const curate = (action: CurationAction, contributionId: bigint) =>
  Effect.gen(function* () {
    const { datanetRegistry } = yield* addresses;
    const { hash } = yield* sendContractCall({
      address: datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: action,
      args: [contributionId],
    });
    return { hash };
  });

export interface FeeSplit {
  readonly operatorBps: number;
  readonly ownerBps: number;
  readonly dataBps: number;
  readonly attributorBps: number;
  readonly protocolBps: number;
}

export interface ModelRegistration {
  readonly baseModelHash: Hex;
  readonly adapterHash: Hex;
  readonly parentModelId: bigint;
  readonly datanetIds: ReadonlyArray<bigint>;
  readonly method: "suffix" | "gradient";
  readonly attributionIndexCommitment: Hex;
  readonly split: FeeSplit;
  readonly price: bigint;
  readonly metadataURI: string;
}

export const registerModel = (params: ModelRegistration) =>
  Effect.gen(function* () {
    const { modelRegistry } = yield* addresses;
    const { events, hash } = yield* sendContractCall({
      address: modelRegistry,
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [{ ...params, datanetIds: [...params.datanetIds], method: params.method === "suffix" ? 0 : 1 }],
    });
    return { modelId: yield* eventArg(events, "ModelRegistered", "modelId"), hash };
  });

/** Approves exactly `amount` OPEN to the registry, then stakes it (the registry pulls it). */
export const stake = (modelId: bigint, amount: bigint) =>
  Effect.gen(function* () {
    const { openToken, modelRegistry } = yield* addresses;
    yield* sendContractCall({
      address: openToken,
      abi: openTokenAbi,
      functionName: "approve",
      args: [modelRegistry, amount],
    });
    const { hash } = yield* sendContractCall({
      address: modelRegistry,
      abi: modelRegistryAbi,
      functionName: "stake",
      args: [modelId, amount],
    });
    return { hash };
  });

/** Sends OPEN from the configured wallet (the local demo funds its users this way). */
export const transferOpen = (to: Hex, amount: bigint) =>
  Effect.gen(function* () {
    const { openToken } = yield* addresses;
    return yield* sendContractCall({
      address: openToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [to, amount],
    });
  });
