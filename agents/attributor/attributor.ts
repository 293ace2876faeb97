/**
 * The attributor agent, as services by concern (docs/agents.md "The attributor's services"), each a
 * `Context.Service` with its layer, composed here:
 *
 * - ReceiptIntake (./receipt-intake.ts): receipt acceptance, verification, dedupe; gossiped receipts
 *   without texts stored unattributed;
 * - Attribution (./attribution.ts): this node's weights, from its `Engine`;
 * - Batching (./batching.ts): when to build a claim, σ's verdicts, T and s′;
 * - Posting (./posting.ts): the bond, `postClaim` and what it posted;
 * - Reactions (./reactions.ts): what the ledger follower read: receipts included, descendants voided,
 *   claims finalized, earnings withdrawn, own voided claims re-posted exactly;
 * - Defense (./defense.ts): the dispute games of its claims (and others' it agrees with);
 * - AttributorState (./state.ts): what they share (address, rejected receipts, metrics, the step wrapper).
 *
 * `Attributor.layer` needs `AttributorSettings` (./config.ts: Effect `Config`), `Engine`, `Chain`,
 * `Store`, `Gossip`, `Metrics` and `LedgerView` (agents/network/wiring.ts builds all but the settings and
 * the engine). Its chain loop runs one step at a time, every `pollMs`, in the layer's scope: follow the
 * ledger, games, void descendants, finalize, withdraw, then an exact re-post or else a new claim.
 *
 * Restart safety: the chain is the record of what was posted. Receipts are marked as included only
 * when the follower sees them in a posted claim (ours or another attributor's), so a crash between
 * `postClaim` and the bookkeeping just replays the marking; a receipt can never be posted twice by
 * us (and if it were, σ's nonce window makes the copy a no-op that charges nobody). A rejection is
 * written before the post and is idempotent, so a crash between the two loses nothing: the valid
 * receipts are still pending and the next build redoes the same judgement.
 */
import { Context, Effect, Layer, Schedule, type Scope } from "effect";
import type { Address, Hex } from "viem";
import type { Chain } from "../chain/Chain.ts";
import { type AttributionEngine, Engine } from "../engines/engine.ts";
import type { Gossip } from "../gossip/gossip.ts";
import type { Follower } from "../ledger/follower.ts";
import { LedgerView } from "../ledger/ledger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { SourcedReceipt } from "../receipts/source.ts";
import type { Store, StoreError } from "../store/store.ts";
import { Attribution } from "./attribution.ts";
import { Batching } from "./batching.ts";
import { Defense } from "./defense.ts";
import { Posting } from "./posting.ts";
import { Reactions } from "./reactions.ts";
import { ReceiptIntake, type ReceiptIntakeShape } from "./receipt-intake.ts";
import { AttributorSettings, type AttributorSettingsShape, AttributorState, type IntakeError } from "./state.ts";

export { markIncluded } from "./reactions.ts";
export {
  type AgentEvent,
  AttributorSettings,
  type AttributorSettingsShape,
  BatchError,
  ChainReadError,
  IntakeError,
  receiptKey,
  toAttributeTx,
} from "./state.ts";

export interface AttributorShape {
  readonly address: Address;
  /** The intake: checks a receipt with its texts, attributes it, stores and gossips it; true when new here. */
  readonly intake: (sourced: SourcedReceipt) => Effect.Effect<boolean, IntakeError | StoreError>;
  /** This node's entries for a group record's texts (an operator's `POST /attribute`). */
  readonly attributeTexts: ReceiptIntakeShape["attributeTexts"];
  /** A signed receipt group with its texts (`POST /groups`): checked, stored whole; true when new here. */
  readonly intakeGroup: ReceiptIntakeShape["acceptGroup"];
  readonly follower: Follower;
  /** A batch this node posted, by hash. */
  readonly batchBody: (hash: Hex) => Uint8Array | undefined;
  /** OPEN this attributor withdrew since start. */
  readonly withdrawn: () => bigint;
}

export const makeAttributor = Effect.fn("Attributor.make")(function* () {
  const settings = yield* AttributorSettings;
  const state = yield* AttributorState;
  const intake = yield* ReceiptIntake;
  const posting = yield* Posting;
  const reactions = yield* Reactions;
  const batching = yield* Batching;
  const view = yield* LedgerView;
  const { step } = state;

  // games: every challenge of its claims answered, others' claims it agrees with defended (./defense.ts)
  const defense = yield* Defense;

  const tick = Effect.gen(function* () {
    yield* reactions.sync;
    yield* step("games", defense.step);
    yield* step("void", reactions.voidDescendants);
    yield* step("finalize", reactions.finalize);
    yield* step("withdraw", reactions.withdraw);
    // an exact re-post of a voided descendant goes first: the build after it starts from the new tip
    const reposted = yield* reactions.repost;
    if (!reposted) yield* step("build", batching.buildAndPost);
  });

  yield* step("bond", posting.ensureBond);
  yield* Effect.forkScoped(step("tick", tick).pipe(Effect.repeat(Schedule.spaced(`${settings.pollMs} millis`))));
  return {
    address: state.me,
    intake: intake.accept,
    attributeTexts: intake.attributeTexts,
    intakeGroup: intake.acceptGroup,
    follower: view.follower,
    batchBody: (hash: Hex) => state.batches.get(hash.toLowerCase()),
    withdrawn: reactions.withdrawn,
  } satisfies AttributorShape;
});

export class Attributor extends Context.Service<Attributor, AttributorShape>()("poa/Attributor") {
  /**
   * The attributor and its services, running in the layer's scope. Needs AttributorSettings, Engine,
   * Chain (with a wallet), Store, Gossip, Metrics and LedgerView.
   */
  static readonly layer = Layer.effect(Attributor, makeAttributor()).pipe(
    Layer.provide(
      Layer.mergeAll(Batching.layer, ReceiptIntake.layer.pipe(Layer.provide(Attribution.layer)), Defense.layer),
    ),
    Layer.provideMerge(Reactions.layer),
    Layer.provideMerge(Posting.layer),
    Layer.provideMerge(AttributorState.layer),
  );
}

export type AttributorRequirements = Chain | Store | Gossip | Metrics | LedgerView | Scope.Scope;

/** An attributor's settings with its engine, for callers that hold an engine value (tests, the demo). */
export interface AttributorConfig extends AttributorSettingsShape {
  readonly engine: AttributionEngine<unknown>;
}

/**
 * Starts an attributor in the caller's scope on the caller's services (agents/network/wiring.ts), with
 * these settings and engine; returns its handle.
 */
export const runAttributor = ({ engine, ...settings }: AttributorConfig) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      Attributor.layer.pipe(Layer.provide(Layer.merge(AttributorSettings.layer(settings), Engine.layer(engine)))),
    );
    return Context.get(context, Attributor);
  });

export type AttributorHandle = AttributorShape;
