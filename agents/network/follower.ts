/**
 * The chain of claims as every agent sees it: follows the ledger's events, rebuilds each claim's T from
 * the `postClaim` calldata, re-executes σ (agents/sigma) from the parent's recomputed state and
 * compares the result with the commitment the claimant posted. Attributors build on its tip and prove
 * withdrawals from its final state; challengers read its verdicts. It holds no state worth persisting:
 * after a restart it replays the ledger's events from the deployment block, which is the whole truth.
 */
import { Data, Effect } from "effect";
import {
  type Address,
  decodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  type PublicClient,
  type Transport,
  type Chain as ViemChain,
} from "viem";
import { attributionLedgerAbi, datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";
import { claimTransactions, type Debit, decodeTx } from "../sigma/codec.ts";
import { registryView } from "../sigma/registry.ts";
import {
  applyBatch,
  commitment,
  GENESIS,
  Ledger,
  type ModelFacts,
  type RegistryView,
  type SigmaContext,
  type StateFields,
} from "../sigma/sigma.ts";

export class FollowerError extends Data.TaggedError("FollowerError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export type ClaimStatus = "pending" | "final" | "void";

export interface FollowedClaim {
  readonly id: bigint;
  readonly parentId: bigint;
  readonly claimant: Address;
  readonly txHash: Hex;
  readonly blockNumber: bigint;
  readonly batch: Uint8Array;
  readonly batchHash: Hex;
  readonly debits: ReadonlyArray<Debit>;
  readonly referenceTime: bigint;
  readonly claimedCommitment: Hex;
  /** σ re-executed from the parent's recomputed state. */
  readonly computed: StateFields;
  /** The recomputed post-state (an honest party builds on and withdraws from this). */
  readonly ledger: Ledger;
  /** The claimed commitment equals the recomputed one. */
  readonly correct: boolean;
  /** Correct, and so is every ancestor: only such a claim is worth building on. */
  readonly honest: boolean;
  /** (user, nonce) of every Attribute transaction in the batch. */
  readonly receipts: ReadonlyArray<{ readonly user: Address; readonly nonce: bigint }>;
  status: ClaimStatus;
  /** What the dispute solver's Trace is built from (agents/dispute/solver.ts). */
  readonly trace: {
    readonly parent: Ledger;
    readonly ctx: SigmaContext;
    readonly registry: RegistryView;
    readonly txs: ReadonlyArray<Uint8Array>;
  };
  /** When the follower first saw the claim (ms, local clock): detection latency is measured from here. */
  readonly seenAt: number;
}

export interface LedgerAddresses {
  readonly ledger: Address;
  readonly datanetRegistry: Address;
  readonly modelRegistry: Address;
  readonly deployBlock: bigint;
}

type Client = PublicClient<Transport, ViemChain>;

const fail = (message: string) => (cause: unknown) => new FollowerError({ message, cause });

/** Reads the registry facts σ needs for `txs` and returns them as a synchronous view. */
export const fetchRegistryView = (client: Client, addresses: LedgerAddresses, txs: ReadonlyArray<Uint8Array>) =>
  Effect.tryPromise({
    try: async (): Promise<RegistryView> => {
      const modelIds = new Set<bigint>();
      const contributionIds = new Set<bigint>();
      txs.forEach((bytes, i) => {
        if (bytes[0] !== 0x01) return;
        const tx = decodeTx(bytes, i);
        if (tx.kind !== "attribute") return;
        modelIds.add(tx.modelId);
        for (const e of tx.entries) contributionIds.add(e.contributionId);
      });
      const contributions = await Promise.all(
        [...contributionIds].map(async (id) => {
          const [contributor, datanetId, approvedAt, withdrawnAt] = await client.readContract({
            address: addresses.datanetRegistry,
            abi: datanetRegistryAbi,
            functionName: "contributionForAttribution",
            args: [id],
          });
          return { id, contributor, datanetId, approvedAt: BigInt(approvedAt), withdrawnAt: BigInt(withdrawnAt) };
        }),
      );
      const datanetIds = [...new Set(contributions.map((c) => c.datanetId))];
      const models = await Promise.all(
        [...modelIds].map(async (id) => {
          const [owner, split, registeredAt, retiredAt] = await client.readContract({
            address: addresses.modelRegistry,
            abi: modelRegistryAbi,
            functionName: "modelForAttribution",
            args: [id],
          });
          const uses = await Promise.all(
            datanetIds.map((d) =>
              client.readContract({
                address: addresses.modelRegistry,
                abi: modelRegistryAbi,
                functionName: "modelUsesDatanet",
                args: [id, d],
              }),
            ),
          );
          const facts: ModelFacts & { id: bigint; datanets: bigint[] } = {
            id,
            owner,
            split,
            registeredAt: BigInt(registeredAt),
            retiredAt: BigInt(retiredAt),
            datanets: datanetIds.filter((_, i) => uses[i] === true),
          };
          return facts;
        }),
      );
      return registryView({ models, contributions });
    },
    catch: fail("cannot read the registries"),
  });

export interface LedgerParams {
  readonly protocol: Address;
  readonly maxEntries: number;
  readonly challengeWindow: bigint;
  readonly claimBond: bigint;
}

export const readLedgerParams = (client: Client, ledger: Address) =>
  Effect.tryPromise({
    try: async (): Promise<LedgerParams> => {
      const read = <F extends "PROTOCOL" | "MAX_ENTRIES" | "CHALLENGE_WINDOW" | "CLAIM_BOND">(functionName: F) =>
        client.readContract({ address: ledger, abi: attributionLedgerAbi, functionName });
      const [protocol, maxEntries, window, bond] = await Promise.all([
        read("PROTOCOL"),
        read("MAX_ENTRIES"),
        read("CHALLENGE_WINDOW"),
        read("CLAIM_BOND"),
      ]);
      return {
        protocol: protocol as Address,
        maxEntries: Number(maxEntries),
        challengeWindow: BigInt(window),
        claimBond: BigInt(bond),
      };
    },
    catch: fail(`cannot read the ledger parameters at ${ledger}`),
  });

export interface Follower {
  readonly claims: ReadonlyMap<bigint, FollowedClaim>;
  readonly params: LedgerParams;
  /** Reads new events up to the head; returns the claims first seen in this call. */
  readonly sync: Effect.Effect<ReadonlyArray<FollowedClaim>, FollowerError>;
  /** The highest live claim (its id is 0n at genesis), and its recomputed ledger. */
  readonly tip: () => { readonly id: bigint; readonly ledger: Ledger; readonly honest: boolean };
  /** The latest final claim's recomputed ledger (withdrawals are proved against it). */
  readonly finalLedger: () => { readonly id: bigint; readonly ledger: Ledger };
  readonly lastBlock: () => bigint;
}

export const makeFollower = (client: Client, chainId: number, addresses: LedgerAddresses) =>
  Effect.gen(function* () {
    const params = yield* readLedgerParams(client, addresses.ledger);
    const claims = new Map<bigint, FollowedClaim>();
    const genesis = new Ledger();
    let next = addresses.deployBlock;
    let latestFinal = 0n;

    const ledgerOf = (id: bigint): Ledger | undefined => (id === 0n ? genesis : claims.get(id)?.ledger);
    const honestOf = (id: bigint): boolean => id === 0n || claims.get(id)?.honest === true;

    const ingestPosted = (args: {
      claimId: bigint;
      parentId: bigint;
      claimant: Address;
      commitment: Hex;
      referenceTime: bigint;
      txHash: Hex;
      blockNumber: bigint;
    }) =>
      Effect.gen(function* () {
        const tx = yield* Effect.tryPromise({
          try: () => client.getTransaction({ hash: args.txHash }),
          catch: fail(`cannot read transaction ${args.txHash}`),
        });
        const call = yield* Effect.try({
          try: () => decodeFunctionData({ abi: attributionLedgerAbi, data: tx.input }),
          catch: fail(`claim ${args.claimId}: transaction ${args.txHash} is not a direct postClaim call`),
        });
        if (call.functionName !== "postClaim") {
          return yield* new FollowerError({ message: `claim ${args.claimId}: ${args.txHash} is not postClaim` });
        }
        const [, batchHex, , , debitArgs] = call.args;
        const batch = Uint8Array.from(Buffer.from(batchHex.slice(2), "hex"));
        const debits: Debit[] = debitArgs.map((d) => ({ payer: getAddress(d.payer), amount: d.amount }));
        const txs = yield* Effect.try({
          try: () => claimTransactions(batch, debits),
          catch: fail(`claim ${args.claimId}: batch calldata does not decode`),
        });
        const parent = ledgerOf(args.parentId);
        const parentLedger = parent === undefined ? new Ledger() : parent.clone();
        const ledger = parentLedger.clone();
        const registry = yield* fetchRegistryView(client, addresses, txs);
        const ctx: SigmaContext = {
          chainId,
          ledger: addresses.ledger,
          protocol: params.protocol,
          referenceTime: args.referenceTime,
          maxEntries: params.maxEntries,
        };
        const result = yield* Effect.tryPromise({
          try: () => applyBatch(ledger, ctx, registry, txs),
          catch: fail(`claim ${args.claimId}: σ failed`),
        });
        const correct = parent !== undefined && commitment(result.post) === args.commitment;
        const receipts = txs.flatMap((bytes, i) => {
          if (bytes[0] !== 0x01) return [];
          const decoded = decodeTx(bytes, i);
          return decoded.kind === "attribute" ? [{ user: decoded.user, nonce: decoded.nonce }] : [];
        });
        const claim: FollowedClaim = {
          id: args.claimId,
          parentId: args.parentId,
          claimant: args.claimant,
          txHash: args.txHash,
          blockNumber: args.blockNumber,
          batch,
          batchHash: keccak256(batch),
          debits,
          referenceTime: args.referenceTime,
          claimedCommitment: args.commitment,
          computed: result.post,
          ledger,
          correct,
          honest: correct && honestOf(args.parentId),
          receipts,
          status: "pending",
          trace: { parent: parentLedger, ctx, registry, txs },
          seenAt: Date.now(),
        };
        claims.set(claim.id, claim);
        return claim;
      });

    const sync = Effect.gen(function* () {
      const head = yield* Effect.tryPromise({
        try: () => client.getBlockNumber({ cacheTime: 0 }),
        catch: fail("cannot read the chain head"),
      });
      if (head < next) return [];
      const events = yield* Effect.tryPromise({
        try: () =>
          client.getContractEvents({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            strict: true,
            fromBlock: next,
            toBlock: head,
          }),
        catch: fail(`cannot read ledger events ${next}..${head}`),
      });
      const fresh: FollowedClaim[] = [];
      for (const event of events) {
        if (event.eventName === "ClaimPosted") {
          const a = event.args;
          if (claims.has(a.claimId)) continue;
          fresh.push(
            yield* ingestPosted({
              claimId: a.claimId,
              parentId: a.parentId,
              claimant: getAddress(a.claimant),
              commitment: a.commitment,
              referenceTime: BigInt(a.referenceTime),
              txHash: event.transactionHash,
              blockNumber: event.blockNumber,
            }),
          );
        } else if (event.eventName === "ClaimFinalized") {
          const claim = claims.get(event.args.claimId);
          if (claim !== undefined) claim.status = "final";
          if (event.args.claimId > latestFinal) latestFinal = event.args.claimId;
        } else if (event.eventName === "ClaimVoided") {
          const claim = claims.get(event.args.claimId);
          if (claim !== undefined) claim.status = "void";
        }
      }
      next = head + 1n;
      return fresh;
    }).pipe(Effect.withSpan("Follower.sync"));

    const follower: Follower = {
      claims,
      params,
      sync,
      tip: () => {
        let best: FollowedClaim | undefined;
        for (const claim of claims.values())
          if (claim.status !== "void" && (best === undefined || claim.id > best.id)) best = claim;
        return best === undefined
          ? { id: 0n, ledger: genesis, honest: true }
          : { id: best.id, ledger: best.ledger, honest: best.honest };
      },
      finalLedger: () => ({ id: latestFinal, ledger: ledgerOf(latestFinal) ?? genesis }),
      lastBlock: () => next - 1n,
    };
    return follower;
  });

export const genesisState = GENESIS;
