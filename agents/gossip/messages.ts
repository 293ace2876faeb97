/**
 * Gossip topics and their payload schemas, in one place so the protocol spec (docs/protocol.md)
 * can adjust them. Payloads travel as JSON: every uint256/uint64 as a decimal string, every
 * bytes value as 0x-hex, so the wire form is plain JSON and the signed bytes are canonical
 * (agents/gossip/envelope.ts).
 *
 * Topic names carry a version (`/poa/<name>/<version>`); a breaking payload change is a new topic.
 */
import { Schema } from "effect";
import { AddressSchema, Bytes32Schema } from "../identity/identity.ts";
import { SignedGroup } from "../protocol/group.ts";
import { ReceiptPayload } from "../protocol/receipt.ts";

export const Topics = {
  receipts: "/poa/receipts/2",
  proposals: "/poa/proposals/1",
  disputes: "/poa/disputes/1",
  groups: "/poa/groups/1",
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];
export const allTopics: ReadonlyArray<Topic> = [Topics.receipts, Topics.proposals, Topics.disputes, Topics.groups];
export const TopicSchema = Schema.Literals(allTopics);

/** The envelope format version (the `version` field); bumped with the topic suffix. */
export const ENVELOPE_VERSION = 1;

/** uint256 on the wire: a decimal string. */
export const Uint = Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: 2n ** 256n - 1n }));
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0));

/**
 * `/poa/receipts/2`: the one receipt schema (agents/protocol/receipt.ts `ReceiptPayload`: the signed
 * receipt, optionally with the sender's attribution), re-exported here with its parts.
 */
export {
  AttributionEntrySchema,
  ReceiptMessageSchema,
  ReceiptPayload,
  RequestSchema,
} from "../protocol/receipt.ts";

/**
 * `/poa/proposals/1`: an attributor announces the claim it is about to post (or has posted):
 * the batch T (fetch its body by `batchHash` over `/poa/batch/1`) and the state it leads to.
 * Provisional shape until docs/protocol.md fixes the claim fields.
 */
export const ProposalPayload = Schema.Struct({
  claimId: Schema.optionalKey(Uint),
  parent: Uint,
  batchHash: Bytes32Schema,
  bodyBytes: Count,
  prevStateRoot: Schema.optionalKey(Bytes32Schema),
  newStateRoot: Bytes32Schema,
  txCount: Count,
  txHash: Schema.optionalKey(Bytes32Schema),
});
export type ProposalPayload = typeof ProposalPayload.Type;

/** `/poa/disputes/1`: a challenger's notice about a game (so others can back off or join). */
export const DisputePayload = Schema.Struct({
  claimId: Uint,
  gameId: Schema.optionalKey(Uint),
  kind: Schema.Literals(["opened", "moved", "resolved"]),
  challenger: AddressSchema,
  disputedIndex: Schema.optionalKey(Count),
  winner: Schema.optionalKey(AddressSchema),
  txHash: Schema.optionalKey(Bytes32Schema),
});
export type DisputePayload = typeof DisputePayload.Type;

/**
 * `/poa/groups/1`: an operator's signed receipt group (spec B, agents/protocol/group.ts `SignedGroup`:
 * records with the two hashes behind each ioHash, the ReceiptGroup signature, the allowances the records
 * spend), without texts (fetched by hash over `/poa/text/1`).
 */
export { SignedGroup } from "../protocol/group.ts";

export const payloadSchemas = {
  [Topics.receipts]: ReceiptPayload,
  [Topics.groups]: SignedGroup,
  [Topics.proposals]: ProposalPayload,
  [Topics.disputes]: DisputePayload,
} as const;

export type PayloadOf<T extends Topic> = (typeof payloadSchemas)[T]["Type"];
