/**
 * The protocol's contract addresses as the agents use them, from a deployment file
 * (`deployments/<chainId>.json`, agents/chain/Deployments.ts): the ledger and its registries, where to
 * start reading events, and the escrow, token and dispute game the agents transact with.
 */
import type { Address } from "viem";
import type { Deployments } from "../chain/Deployments.ts";
import type { LedgerAddresses } from "./follower.ts";

export const ledgerAddresses = (deployments: Deployments) => {
  const { attributionLedger, paymentEscrow, disputeGame } = deployments;
  if (attributionLedger === undefined || paymentEscrow === undefined) {
    throw new Error("the deployment has no AttributionLedger / PaymentEscrow (redeploy with script/Deploy.s.sol)");
  }
  return {
    ledger: attributionLedger as string as Address,
    paymentEscrow: paymentEscrow as string as Address,
    openToken: deployments.openToken as string as Address,
    datanetRegistry: deployments.datanetRegistry as string as Address,
    modelRegistry: deployments.modelRegistry as string as Address,
    deployBlock: BigInt(deployments.deployBlock ?? 0),
    ...(disputeGame === undefined ? {} : { disputeGame: disputeGame as string as Address }),
  } satisfies LedgerAddresses & Record<string, unknown>;
};

export type AgentAddresses = ReturnType<typeof ledgerAddresses>;
