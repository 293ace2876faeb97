/**
 * The registry the ledger and σ benchmarks attribute against: one model (a fixed fee split) over one
 * datanet of `contributions` approved contributions, each from its own contributor.
 */
import { type RegistrySnapshot, registryView } from "../sigma/registry.ts";
import { accountOf } from "../sigma/vectors.ts";

export const benchRegistry = (contributions: number) => {
  const snapshot: RegistrySnapshot = {
    models: [
      {
        id: 1n,
        owner: accountOf("bench-owner").address,
        split: { operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500 },
        registeredAt: 1n,
        retiredAt: 0n,
        datanets: [1n],
      },
    ],
    contributions: Array.from({ length: contributions }, (_, i) => ({
      id: BigInt(i + 1),
      contributor: accountOf(`bench-contributor-${i}`).address,
      datanetId: 1n,
      approvedAt: 1n,
      withdrawnAt: 0n,
    })),
  };
  return { snapshot, registry: registryView(snapshot), ids: snapshot.contributions.map((c) => c.id) };
};
