/**
 * An in-memory snapshot of the registry views σ reads (src/interfaces/IAttributionViews.sol), and its
 * ABI encoding so the same snapshot can be loaded into the forge fixture (test/ledger/utils).
 */
import { type Address, decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";
import type { ContributionFacts, FeeSplit, ModelFacts, RegistryView } from "./sigma.ts";

const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";
const NO_SPLIT: FeeSplit = { operatorBps: 0, ownerBps: 0, dataBps: 0, attributorBps: 0, protocolBps: 0 };

export interface RegistrySnapshot {
  readonly models: ReadonlyArray<ModelFacts & { readonly id: bigint; readonly datanets: ReadonlyArray<bigint> }>;
  readonly contributions: ReadonlyArray<ContributionFacts & { readonly id: bigint }>;
}

export const registryView = (snapshot: RegistrySnapshot): RegistryView => {
  const models = new Map(snapshot.models.map((m) => [m.id, m]));
  const contributions = new Map(snapshot.contributions.map((c) => [c.id, c]));
  return {
    model: (id) => models.get(id) ?? { owner: ZERO_ADDRESS, split: NO_SPLIT, registeredAt: 0n, retiredAt: 0n },
    contribution: (id) =>
      contributions.get(id) ?? { contributor: ZERO_ADDRESS, datanetId: 0n, approvedAt: 0n, withdrawnAt: 0n },
    modelUsesDatanet: (modelId, datanetId) => models.get(modelId)?.datanets.includes(datanetId) ?? false,
  };
};

const REGISTRY_COMPONENTS = [
  { type: "uint256[]", name: "modelIds" },
  { type: "address[]", name: "owners" },
  { type: "uint16[5][]", name: "splits" },
  { type: "uint64[]", name: "registeredAt" },
  { type: "uint64[]", name: "retiredAt" },
  { type: "uint256[]", name: "useModel" },
  { type: "uint256[]", name: "useDatanet" },
  { type: "uint256[]", name: "contributionIds" },
  { type: "address[]", name: "contributors" },
  { type: "uint256[]", name: "datanetIds" },
  { type: "uint64[]", name: "approvedAt" },
  { type: "uint64[]", name: "withdrawnAt" },
] as const;
/** One tuple, so Solidity decodes it straight into a struct (`abi.decode(data, (Snapshot))`). */
const REGISTRY_ABI = [{ type: "tuple", components: REGISTRY_COMPONENTS }] as const;

/** ABI encoding read by `test/ledger/utils/RegistryFixture.sol` (`load(bytes)`). */
export const encodeRegistry = (snapshot: RegistrySnapshot): Hex => {
  const uses = snapshot.models.flatMap((m) => m.datanets.map((d) => [m.id, d] as const));
  return encodeAbiParameters(REGISTRY_ABI, [
    {
      modelIds: snapshot.models.map((m) => m.id),
      owners: snapshot.models.map((m) => m.owner),
      splits: snapshot.models.map(
        (m) =>
          [m.split.operatorBps, m.split.ownerBps, m.split.dataBps, m.split.attributorBps, m.split.protocolBps] as const,
      ),
      registeredAt: snapshot.models.map((m) => m.registeredAt),
      retiredAt: snapshot.models.map((m) => m.retiredAt),
      useModel: uses.map(([m]) => m),
      useDatanet: uses.map(([, d]) => d),
      contributionIds: snapshot.contributions.map((c) => c.id),
      contributors: snapshot.contributions.map((c) => c.contributor),
      datanetIds: snapshot.contributions.map((c) => c.datanetId),
      approvedAt: snapshot.contributions.map((c) => c.approvedAt),
      withdrawnAt: snapshot.contributions.map((c) => c.withdrawnAt),
    },
  ]);
};

export const decodeRegistry = (encoded: Hex): RegistrySnapshot => {
  const [snapshot] = decodeAbiParameters(REGISTRY_ABI, encoded);
  const { modelIds: ids, owners, splits, registeredAt, retiredAt, useModel, useDatanet } = snapshot;
  const { contributionIds: cIds, contributors, datanetIds: datanets, approvedAt: ap, withdrawnAt: wd } = snapshot;
  return {
    models: ids.map((id, i) => {
      const s = splits[i]!;
      return {
        id,
        owner: owners[i]!,
        split: { operatorBps: s[0], ownerBps: s[1], dataBps: s[2], attributorBps: s[3], protocolBps: s[4] },
        registeredAt: registeredAt[i]!,
        retiredAt: retiredAt[i]!,
        datanets: useDatanet.filter((_, u) => useModel[u] === id),
      };
    }),
    contributions: cIds.map((id, i) => ({
      id,
      contributor: contributors[i]!,
      datanetId: datanets[i]!,
      approvedAt: ap[i]!,
      withdrawnAt: wd[i]!,
    })),
  };
};
