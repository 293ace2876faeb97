/**
 * The chain of claims as every agent sees it: follows the ledger's events, rebuilds each claim's T from
 * its `ClaimData` event (the batch and debits exactly as posted, however the claim was posted: directly
 * or through a contract wallet), checks that T's root is the `txRoot` of `ClaimPosted`, re-executes σ
 * (agents/sigma) from the parent's recomputed state and compares the result with the commitment the
 * claimant posted. Attributors build on its tip and prove withdrawals from its final state; challengers
 * read its verdicts. It holds no state worth persisting: after a restart it replays the ledger's events
 * from the deployment block, which is the whole truth.
 *
 * No single claim can stall it. A claim it cannot rebuild (no usable data, a root that does not match, σ
 * throwing, or registry reads failing `maxAttempts` times in a row) is set aside as *unreadable* with its
 * reason, reported once through `onUnreadable` (the agents record it in their Store, count it and alert on
 * /health), and the follower moves on to the next events. An unreadable claim and its descendants are
 * never built on and never challenged (nothing is known about them); they are retried every
 * `retryUnreadableMs`, and one that becomes readable joins the followed claims (`onRecovered`).
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
import { groupKey } from "../protocol/group.ts";
import { claimTransactions, type Debit, decodeTx, TX_ATTRIBUTE, TX_GROUP_RECORD, txRoot } from "../sigma/codec.ts";
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
  /** Retrying cannot help (the claim's data is what it is); absent: an RPC read that may succeed later. */
  readonly permanent?: boolean;
}> {}

/** Why a claim could not be rebuilt (the label of `poa_follower_unreadable_claims_total`). */
export type UnreadableKind = "no-data" | "undecodable" | "root-mismatch" | "sigma" | "rpc" | "parent";

/** A posted claim the follower could not rebuild: recorded, reported, and skipped. */
export interface UnreadableClaim {
  readonly id: bigint;
  readonly parentId: bigint;
  readonly claimant: Address;
  readonly txHash: Hex;
  readonly blockNumber: bigint;
  readonly kind: UnreadableKind;
  readonly reason: string;
  /** Kept up to date from ClaimFinalized / ClaimVoided like a followed claim's. */
  status: ClaimStatus;
  readonly seenAt: number;
}

export interface FollowerOptions {
  /**
   * Blocks the follower stays behind the head (default 0): it reads only events at least this deep, so
   * a reorg of at most this many blocks never takes back a claim, status or event it has acted on.
   */
  readonly confirmations?: number;
  /** Consecutive failed RPC reads of one claim before it is set aside as unreadable (default 5). */
  readonly maxAttempts?: number;
  /** How often unreadable claims are tried again (default 30 s). */
  readonly retryUnreadableMs?: number;
  /** Called once when a claim is set aside as unreadable. */
  readonly onUnreadable?: (claim: UnreadableClaim) => Effect.Effect<void>;
  /** Called when a claim set aside earlier could be rebuilt after all. */
  readonly onRecovered?: (claim: FollowedClaim) => Effect.Effect<void>;
}

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
  /**
   * (user, operator, nonce) of every Attribute (0x01) and group record (0x05) transaction in the batch (a
   * receipt's identity, protocol.md §2).
   */
  readonly receipts: ReadonlyArray<{ readonly user: Address; readonly operator: Address; readonly nonce: bigint }>;
  /** The receipt groups (0x04) in the batch, by `groupKey(operator, root)` (agents/protocol/group.ts). */
  readonly groups: ReadonlyArray<string>;
  status: ClaimStatus;
  /**
   * Why it is void (`ClaimVoided.byGame`): proved wrong by a game, or only because an ancestor was void
   * (`voidDescendant`: its poster holds the right to re-post exactly this batch, docs/protocol.md §6).
   */
  voidedBy?: "game" | "ancestor";
  /** When the follower saw it voided (ms, local clock). */
  voidedAt?: number;
  /** The claim that re-posted this voided descendant's batch (`ClaimReposted`), once there is one. */
  repostedAs?: bigint;
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
        if (bytes[0] !== TX_ATTRIBUTE && bytes[0] !== TX_GROUP_RECORD) return;
        let tx: ReturnType<typeof decodeTx>;
        try {
          tx = decodeTx(bytes, i);
        } catch {
          return; // malformed: a no-op for σ, which reads no registry fact for it
        }
        const receipt = tx.kind === "attribute" ? tx : tx.kind === "group-record" ? tx.record : undefined;
        if (receipt === undefined) return;
        modelIds.add(receipt.modelId);
        for (const e of receipt.entries) contributionIds.add(e.contributionId);
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
  /** Claims that could not be rebuilt (not in `claims`), with their reason. */
  readonly unreadable: ReadonlyMap<bigint, UnreadableClaim>;
  readonly params: LedgerParams;
  /** Reads new events up to the head; returns the claims first seen in this call. */
  readonly sync: Effect.Effect<ReadonlyArray<FollowedClaim>, FollowerError>;
  /**
   * The highest live claim (its id is 0n at genesis), and its recomputed ledger. When that claim is
   * unreadable, `honest` is false (and the ledger is genesis'): nobody should build on it.
   */
  readonly tip: () => { readonly id: bigint; readonly ledger: Ledger; readonly honest: boolean };
  /**
   * A claim that is not void itself but has a void ancestor: it can never finalize and will be voided by
   * `voidDescendant` (anyone may call it, one claim per call). Never built on.
   */
  readonly doomed: (id: bigint) => boolean;
  /** The latest final claim's recomputed ledger (withdrawals are proved against it). */
  readonly finalLedger: () => { readonly id: bigint; readonly ledger: Ledger };
  readonly lastBlock: () => bigint;
}

interface PostedEvent {
  readonly claimId: bigint;
  readonly parentId: bigint;
  readonly claimant: Address;
  readonly txRoot: Hex;
  readonly commitment: Hex;
  readonly batchSize: bigint;
  readonly referenceTime: bigint;
  readonly pot: bigint;
  readonly txHash: Hex;
  readonly blockNumber: bigint;
}

interface ClaimDataEvent {
  readonly batch: Hex;
  readonly debits: ReadonlyArray<{ readonly payer: Address; readonly amount: bigint }>;
}

const permanent = (message: string) => (cause: unknown) => new FollowerError({ message, cause, permanent: true });

const hexBytes = (hex: Hex) => Uint8Array.from(Buffer.from(hex.slice(2), "hex"));

export const makeFollower = (
  client: Client,
  chainId: number,
  addresses: LedgerAddresses,
  options: FollowerOptions = {},
) =>
  Effect.gen(function* () {
    const params = yield* readLedgerParams(client, addresses.ledger);
    const maxAttempts = options.maxAttempts ?? 5;
    const retryMs = options.retryUnreadableMs ?? 30_000;
    const claims = new Map<bigint, FollowedClaim>();
    const unreadable = new Map<
      bigint,
      UnreadableClaim & { readonly posted: PostedEvent; readonly data?: ClaimDataEvent }
    >();
    const attempts = new Map<bigint, number>();
    const genesis = new Ledger();
    let next = addresses.deployBlock;
    let latestFinal = 0n;
    let lastRetry = Date.now();

    const ledgerOf = (id: bigint): Ledger | undefined => (id === 0n ? genesis : claims.get(id)?.ledger);
    const honestOf = (id: bigint): boolean => id === 0n || claims.get(id)?.honest === true;

    /** T exactly as posted: from the ClaimData event, else (a ledger from before that event) a direct call's calldata. */
    const dataOf = (posted: PostedEvent, data: ClaimDataEvent | undefined) =>
      Effect.gen(function* () {
        if (data !== undefined) {
          return {
            batch: hexBytes(data.batch),
            debits: data.debits.map((d) => ({ payer: getAddress(d.payer), amount: d.amount })),
          };
        }
        const tx = yield* Effect.tryPromise({
          try: () => client.getTransaction({ hash: posted.txHash }),
          catch: fail(`cannot read transaction ${posted.txHash}`),
        });
        const call = yield* Effect.try({
          try: () => decodeFunctionData({ abi: attributionLedgerAbi, data: tx.input }),
          catch: permanent(
            `claim ${posted.claimId}: no ClaimData event, and ${posted.txHash} is not a direct postClaim call`,
          ),
        });
        if (call.functionName !== "postClaim") {
          return yield* new FollowerError({
            message: `claim ${posted.claimId}: no ClaimData event, and ${posted.txHash} is not a postClaim call`,
            permanent: true,
          });
        }
        const [, batchHex, , , debitArgs] = call.args;
        return {
          batch: hexBytes(batchHex),
          debits: debitArgs.map((d) => ({ payer: getAddress(d.payer), amount: d.amount })),
        };
      });

    const kindOf = (e: FollowerError): UnreadableKind =>
      e.permanent !== true
        ? "rpc"
        : /no ClaimData|not a (direct )?postClaim/.test(e.message)
          ? "no-data"
          : /does not decode/.test(e.message)
            ? "undecodable"
            : /root|batch size|pot/.test(e.message)
              ? "root-mismatch"
              : "sigma";

    const rebuild = (posted: PostedEvent, data: ClaimDataEvent | undefined, parentLedger: Ledger) =>
      Effect.gen(function* () {
        const { batch, debits } = yield* dataOf(posted, data);
        const txs = yield* Effect.try({
          try: () => claimTransactions(batch, debits),
          catch: permanent(`claim ${posted.claimId}: its batch does not decode`),
        });
        // the data is the ledger's own log, but check it against what postClaim derived and committed to
        if (BigInt(txs.length) !== posted.batchSize) {
          return yield* new FollowerError({
            message: `claim ${posted.claimId}: batch size ${txs.length} ≠ posted ${posted.batchSize}`,
            permanent: true,
          });
        }
        const root = txRoot(txs);
        if (root.toLowerCase() !== posted.txRoot.toLowerCase()) {
          return yield* new FollowerError({
            message: `claim ${posted.claimId}: tx root ${root} of its data ≠ posted ${posted.txRoot}`,
            permanent: true,
          });
        }
        const pot = debits.reduce((sum, d) => sum + d.amount, 0n);
        if (pot !== posted.pot) {
          return yield* new FollowerError({
            message: `claim ${posted.claimId}: debits sum to ${pot} ≠ posted pot ${posted.pot}`,
            permanent: true,
          });
        }
        const ledger = parentLedger.clone();
        const registry = yield* fetchRegistryView(client, addresses, txs);
        const ctx: SigmaContext = {
          chainId,
          ledger: addresses.ledger,
          protocol: params.protocol,
          referenceTime: posted.referenceTime,
          maxEntries: params.maxEntries,
        };
        const result = yield* Effect.tryPromise({
          try: () => applyBatch(ledger, ctx, registry, txs),
          catch: permanent(`claim ${posted.claimId}: σ failed`),
        });
        const groups = new Set<string>();
        const receipts = txs.flatMap((bytes, i) => {
          if (bytes[0] !== TX_ATTRIBUTE && bytes[0] !== TX_GROUP_RECORD) return [];
          try {
            const decoded = decodeTx(bytes, i);
            if (decoded.kind === "attribute") {
              return [{ user: decoded.user, operator: decoded.operator, nonce: decoded.nonce }];
            }
            if (decoded.kind === "group-record") {
              groups.add(groupKey(decoded.operator, decoded.groupRoot));
              return [
                { user: getAddress(decoded.record.user), operator: decoded.operator, nonce: decoded.record.nonce },
              ];
            }
            return [];
          } catch {
            return []; // a malformed Attribute or record is a no-op for σ: no receipt in it
          }
        });
        const correct = commitment(result.post) === posted.commitment;
        const claim: FollowedClaim = {
          id: posted.claimId,
          parentId: posted.parentId,
          claimant: posted.claimant,
          txHash: posted.txHash,
          blockNumber: posted.blockNumber,
          batch,
          batchHash: keccak256(batch),
          debits,
          referenceTime: posted.referenceTime,
          claimedCommitment: posted.commitment,
          computed: result.post,
          ledger,
          correct,
          honest: correct && honestOf(posted.parentId),
          receipts,
          groups: [...groups],
          status: "pending",
          trace: { parent: parentLedger, ctx, registry, txs },
          seenAt: Date.now(),
        };
        return claim;
      });

    const setAside = (
      posted: PostedEvent,
      data: ClaimDataEvent | undefined,
      kind: UnreadableKind,
      reason: string,
      report: boolean,
    ) =>
      Effect.gen(function* () {
        attempts.delete(posted.claimId);
        const entry = {
          id: posted.claimId,
          parentId: posted.parentId,
          claimant: posted.claimant,
          txHash: posted.txHash,
          blockNumber: posted.blockNumber,
          kind,
          reason,
          status: "pending" as ClaimStatus,
          seenAt: Date.now(),
          posted,
          ...(data === undefined ? {} : { data }),
        };
        unreadable.set(posted.claimId, entry);
        if (report && options.onUnreadable !== undefined) yield* options.onUnreadable(entry);
      });

    /**
     * Rebuilds one claim. Fails only with a transient error under `maxAttempts` (the caller stops this sync
     * there and retries at the next one); otherwise the claim is either followed or set aside.
     */
    const ingest = (posted: PostedEvent, data: ClaimDataEvent | undefined, report = true) =>
      Effect.gen(function* () {
        const parentLedger = ledgerOf(posted.parentId);
        if (parentLedger === undefined) {
          yield* setAside(
            posted,
            data,
            "parent",
            `claim ${posted.claimId}: its parent ${posted.parentId} ${unreadable.has(posted.parentId) ? "is unreadable" : "is unknown"}`,
            report,
          );
          return undefined;
        }
        const rebuilt = yield* rebuild(posted, data, parentLedger.clone()).pipe(
          Effect.map((claim) => ({ claim })),
          Effect.catchTag("FollowerError", (e) => Effect.succeed({ error: e })),
        );
        if ("claim" in rebuilt) {
          attempts.delete(posted.claimId);
          claims.set(rebuilt.claim.id, rebuilt.claim);
          return rebuilt.claim;
        }
        const e = rebuilt.error;
        const tries = (attempts.get(posted.claimId) ?? 0) + 1;
        attempts.set(posted.claimId, tries);
        if (e.permanent !== true && tries < maxAttempts) return yield* e;
        const cause = e.cause === undefined ? "" : `: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`;
        yield* setAside(
          posted,
          data,
          kindOf(e),
          `${e.message}${cause}${e.permanent === true ? "" : ` (${tries} attempts)`}`.slice(0, 1000),
          report,
        );
        return undefined;
      });

    /** Tries the unreadable claims again, oldest first (a recovered parent lets its children follow). */
    const retryUnreadable = Effect.gen(function* () {
      const recovered: FollowedClaim[] = [];
      for (const id of [...unreadable.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const entry = unreadable.get(id)!;
        if (ledgerOf(entry.parentId) === undefined) continue;
        unreadable.delete(id);
        const claim = yield* ingest(entry.posted, entry.data, false).pipe(
          Effect.catchTag("FollowerError", () => Effect.succeed(undefined)),
        );
        if (claim === undefined) {
          // still unreadable (reported once already): keep the first record
          unreadable.set(id, entry);
          continue;
        }
        claim.status = entry.status;
        recovered.push(claim);
        if (options.onRecovered !== undefined) yield* options.onRecovered(claim);
      }
      return recovered;
    });

    /**
     * A claim with the same poster, batch and reference time as a claim voided with its ancestor re-posts
     * it (whether the ledger needed the re-post right, and so emitted `ClaimReposted`, or not).
     */
    const noteRepost = (posted: FollowedClaim) => {
      for (const c of claims.values()) {
        if (
          c.id < posted.id &&
          c.status === "void" &&
          c.voidedBy === "ancestor" &&
          c.repostedAs === undefined &&
          c.batchHash === posted.batchHash &&
          c.referenceTime === posted.referenceTime &&
          c.claimant === posted.claimant
        ) {
          c.repostedAs = posted.id;
        }
      }
    };

    const confirmations = BigInt(options.confirmations ?? 0);
    const sync = Effect.gen(function* () {
      const chainHead = yield* Effect.tryPromise({
        try: () => client.getBlockNumber({ cacheTime: 0 }),
        catch: fail("cannot read the chain head"),
      });
      const head = chainHead - confirmations;
      const fresh: FollowedClaim[] = [];
      if (unreadable.size > 0 && Date.now() - lastRetry >= retryMs) {
        lastRetry = Date.now();
        fresh.push(...(yield* retryUnreadable));
      }
      if (head < next) return fresh;
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
      // ClaimData comes in the same transaction as its ClaimPosted (so in the same range)
      const dataById = new Map<bigint, ClaimDataEvent>();
      for (const event of events) {
        if (event.eventName === "ClaimData") {
          dataById.set(event.args.claimId, { batch: event.args.batch, debits: event.args.debits });
        }
      }
      for (const event of events) {
        if (event.eventName === "ClaimPosted") {
          const a = event.args;
          if (claims.has(a.claimId) || unreadable.has(a.claimId)) continue;
          const outcome = yield* ingest(
            {
              claimId: a.claimId,
              parentId: a.parentId,
              claimant: getAddress(a.claimant),
              txRoot: a.txRoot,
              commitment: a.commitment,
              batchSize: a.batchSize,
              referenceTime: BigInt(a.referenceTime),
              pot: a.pot,
              txHash: event.transactionHash,
              blockNumber: event.blockNumber,
            },
            dataById.get(a.claimId),
          ).pipe(
            Effect.map((claim) => ({ claim })),
            Effect.catchTag("FollowerError", (error) => Effect.succeed({ error })),
          );
          if ("error" in outcome) {
            // a transient failure (under maxAttempts): stop here and resume from this block at the next sync
            // (re-reading its events is idempotent); what was rebuilt so far is returned, not lost
            next = event.blockNumber;
            yield* Effect.logWarning(`follower: ${outcome.error.message}; retrying from block ${next}`);
            return fresh;
          }
          if (outcome.claim !== undefined) {
            fresh.push(outcome.claim);
            noteRepost(outcome.claim);
          }
        } else if (event.eventName === "ClaimFinalized") {
          const claim = claims.get(event.args.claimId) ?? unreadable.get(event.args.claimId);
          if (claim !== undefined) claim.status = "final";
          if (event.args.claimId > latestFinal) latestFinal = event.args.claimId;
        } else if (event.eventName === "ClaimVoided") {
          const claim = claims.get(event.args.claimId) ?? unreadable.get(event.args.claimId);
          if (claim !== undefined) claim.status = "void";
          const followed = claims.get(event.args.claimId);
          if (followed !== undefined) {
            followed.voidedBy = event.args.byGame ? "game" : "ancestor";
            followed.voidedAt = Date.now();
          }
        } else if (event.eventName === "ClaimReposted") {
          const voided = claims.get(event.args.voidedId);
          if (voided !== undefined) voided.repostedAs = event.args.claimId;
        }
      }
      next = head + 1n;
      return fresh;
    }).pipe(Effect.withSpan("Follower.sync"));

    const statusOf = (id: bigint) => claims.get(id)?.status ?? unreadable.get(id)?.status;
    const parentOf = (id: bigint) => claims.get(id)?.parentId ?? unreadable.get(id)?.parentId;
    const doomed = (id: bigint): boolean => {
      if (statusOf(id) !== "pending") return false;
      // pending claims form one chain above the last final claim (each parent has one live child): short
      for (let at = parentOf(id); at !== undefined && at !== 0n; at = parentOf(at)) {
        const status = statusOf(at);
        if (status === "void") return true;
        if (status !== "pending") return false;
      }
      return false;
    };

    const follower: Follower = {
      claims,
      unreadable,
      params,
      sync,
      doomed,
      tip: () => {
        let best: { readonly id: bigint; readonly claim?: FollowedClaim } | undefined;
        for (const claim of claims.values())
          if (claim.status !== "void" && !doomed(claim.id) && (best === undefined || claim.id > best.id))
            best = { id: claim.id, claim };
        for (const claim of unreadable.values())
          if (claim.status !== "void" && !doomed(claim.id) && (best === undefined || claim.id > best.id))
            best = { id: claim.id };
        if (best === undefined) return { id: 0n, ledger: genesis, honest: true };
        return best.claim === undefined
          ? { id: best.id, ledger: genesis, honest: false }
          : { id: best.id, ledger: best.claim.ledger, honest: best.claim.honest };
      },
      finalLedger: () => ({ id: latestFinal, ledger: ledgerOf(latestFinal) ?? genesis }),
      lastBlock: () => next - 1n,
    };
    return follower;
  });

export const genesisState = GENESIS;
