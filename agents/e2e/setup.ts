/**
 * A populated local protocol for the end-to-end tests and the agents benchmark: a datanet with
 * contributions from three contributors (approved by the curator), a model owned by a fourth account
 * and staked, payers with escrow balances, attributors with OPEN for their bonds, and the clock moved
 * past the registrations (σ only credits what was registered before a claim's reference time).
 */
import { Effect } from "effect";
import { type Address, createTestClient, type Hex, http, parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import type { LocalProtocol } from "../chain/LocalProtocol.ts";
import {
  contribute,
  createDatanet,
  curate,
  type FeeSplit,
  registerModel,
  stake,
  transferOpen,
} from "../chain/registries.ts";
import { asAccount, localAccount } from "../demo/accounts.ts";
import { fundAccounts } from "../network/network.ts";

export const SPLIT: FeeSplit = {
  operatorBps: 2000,
  ownerBps: 1500,
  dataBps: 5000,
  attributorBps: 1000,
  protocolBps: 500,
};
export const FEE = parseUnits("0.01", 18) + 7n; // an odd fee, so every split rounds

export interface Populated {
  readonly modelId: bigint;
  readonly contributionIds: ReadonlyArray<bigint>;
  readonly contributorOf: ReadonlyMap<bigint, Address>;
  readonly owner: Address;
  readonly userKeys: ReadonlyArray<Hex>;
  readonly operatorKey: Hex;
}

type Protocol = LocalProtocol["Service"];

export const advanceTime = (rpcUrl: string, seconds: number) =>
  Effect.promise(async () => {
    const client = createTestClient({ mode: "anvil", transport: http(rpcUrl) });
    await client.increaseTime({ seconds });
    await client.mine({ blocks: 1 });
  });

export const populate = (protocol: Protocol, options: { readonly users: number; readonly escrowPerUser: bigint }) =>
  Effect.gen(function* () {
    const { anvil } = protocol;
    const path = deploymentsPath(anvil.chainId);
    const curator = localAccount("curator", ANVIL_KEYS[0]);
    const contributors = [1, 2, 3].map((i) => localAccount(`contributor-${i}`, ANVIL_KEYS[i]!));
    const owner = localAccount("owner", ANVIL_KEYS[4]);
    const as = (account: typeof curator) => asAccount(anvil.rpcUrl, path, account);
    const { datanetId } = yield* createDatanet("e2e://datanet").pipe(as(curator));
    const contributorOf = new Map<bigint, Address>();
    for (const [c, account] of contributors.entries()) {
      for (let k = 0; k < 2; k++) {
        const text = new TextEncoder().encode(`contribution ${c}-${k}: ${"lorem ipsum ".repeat(10 + c + k)}`);
        const { contributionId } = yield* contribute(datanetId, text, `e2e://c/${c}/${k}`).pipe(as(account));
        contributorOf.set(contributionId, account.address);
      }
    }
    for (const id of contributorOf.keys()) yield* curate("approveContribution", id).pipe(as(curator));
    yield* transferOpen(owner.address, parseUnits("10", 18)).pipe(as(curator));
    const { modelId } = yield* registerModel({
      baseModelHash: `0x${"11".repeat(32)}`,
      adapterHash: `0x${"00".repeat(32)}`,
      parentModelId: 0n,
      datanetIds: [datanetId],
      method: "suffix",
      attributionIndexCommitment: `0x${"22".repeat(32)}`,
      split: SPLIT,
      price: FEE,
      metadataURI: "e2e://model",
    }).pipe(as(owner));
    yield* stake(modelId, parseUnits("10", 18)).pipe(as(owner));
    const userKeys = Array.from({ length: options.users }, () => generatePrivateKey());
    const base = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments: protocol.deployments };
    yield* fundAccounts(base, protocol.deployerKey, {
      open: [ANVIL_KEYS[7], ANVIL_KEYS[8], ANVIL_KEYS[9]].map(
        (k) => [privateKeyToAccount(k).address, parseUnits("1000", 18)] as const,
      ),
      escrow: userKeys.map((k) => [privateKeyToAccount(k).address, options.escrowPerUser] as const),
    });
    yield* advanceTime(anvil.rpcUrl, 5);
    return {
      modelId,
      contributionIds: [...contributorOf.keys()],
      contributorOf,
      owner: owner.address,
      userKeys,
      operatorKey: generatePrivateKey(),
    } satisfies Populated;
  });

export interface EnginesWorld {
  readonly contributorOf: Map<bigint, Address>;
  readonly owner: Address;
  readonly ownerKey: Hex;
  readonly userKeys: ReadonlyArray<Hex>;
  readonly operatorKey: Hex;
}

/**
 * The accounts of a network on the registry engines: three contributors, a model owner with OPEN for
 * stakes, payers with escrow, the agents (anvil keys 7–9) with OPEN for their bonds. Datanets come from
 * `contributeDatanet`; models are registered once their indexes exist (`registerEngineModel`).
 */
export const fundEngines = (protocol: Protocol, options: { readonly users: number; readonly escrowPerUser: bigint }) =>
  Effect.gen(function* () {
    const { anvil } = protocol;
    const curator = localAccount("curator", ANVIL_KEYS[0]);
    const owner = localAccount("owner", ANVIL_KEYS[4]);
    yield* transferOpen(owner.address, parseUnits("20", 18)).pipe(
      asAccount(anvil.rpcUrl, deploymentsPath(anvil.chainId), curator),
    );
    const userKeys = Array.from({ length: options.users }, () => generatePrivateKey());
    const base = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments: protocol.deployments };
    yield* fundAccounts(base, protocol.deployerKey, {
      open: [ANVIL_KEYS[7], ANVIL_KEYS[8], ANVIL_KEYS[9]].map(
        (k) => [privateKeyToAccount(k).address, parseUnits("1000", 18)] as const,
      ),
      escrow: userKeys.map((k) => [privateKeyToAccount(k).address, options.escrowPerUser] as const),
    });
    return {
      contributorOf: new Map(),
      owner: owner.address,
      ownerKey: owner.key,
      userKeys,
      operatorKey: generatePrivateKey(),
    } satisfies EnginesWorld;
  });

/**
 * A datanet whose contributions are `texts` (contributor k % 3 adds text k), each approved by the
 * curator; records every contributor in `world.contributorOf`.
 */
export const contributeDatanet = (protocol: Protocol, world: EnginesWorld, uri: string, texts: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { anvil } = protocol;
    const path = deploymentsPath(anvil.chainId);
    const curator = localAccount("curator", ANVIL_KEYS[0]);
    const contributors = [1, 2, 3].map((i) => localAccount(`contributor-${i}`, ANVIL_KEYS[i]!));
    const as = (account: typeof curator) => asAccount(anvil.rpcUrl, path, account);
    const { datanetId } = yield* createDatanet(uri).pipe(as(curator));
    const items: Array<{ readonly id: bigint; readonly text: string }> = [];
    for (const [k, text] of texts.entries()) {
      const account = contributors[k % contributors.length]!;
      const { contributionId } = yield* contribute(datanetId, new TextEncoder().encode(text), `${uri}/${k}`).pipe(
        as(account),
      );
      world.contributorOf.set(contributionId, account.address);
      items.push({ id: contributionId, text });
    }
    for (const { id } of items) yield* curate("approveContribution", id).pipe(as(curator));
    return { datanetId, items };
  });

/** Registers and stakes a model of `world.owner` over one datanet with its index commitment. */
export const registerEngineModel = (
  protocol: Protocol,
  world: EnginesWorld,
  model: {
    readonly method: "suffix" | "gradient";
    readonly datanetId: bigint;
    readonly commitment: Hex;
    readonly baseModelHash?: Hex;
    readonly adapterHash?: Hex;
  },
) =>
  Effect.gen(function* () {
    const owner = localAccount("owner", world.ownerKey);
    const { modelId } = yield* registerModel({
      baseModelHash: model.baseModelHash ?? `0x${"11".repeat(32)}`,
      adapterHash: model.adapterHash ?? `0x${"00".repeat(32)}`,
      parentModelId: 0n,
      datanetIds: [model.datanetId],
      method: model.method,
      attributionIndexCommitment: model.commitment,
      split: SPLIT,
      price: FEE,
      metadataURI: `e2e://${model.method}`,
    }).pipe(asAccount(protocol.anvil.rpcUrl, deploymentsPath(protocol.anvil.chainId), owner));
    yield* stake(modelId, parseUnits("10", 18)).pipe(
      asAccount(protocol.anvil.rpcUrl, deploymentsPath(protocol.anvil.chainId), owner),
    );
    return modelId;
  });
