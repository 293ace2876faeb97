/** The challenger's settings (`ChallengerSettings`; the CLI reads them through Effect `Config`, agents/config/agents.ts). */
import { Context, type Effect, Layer } from "effect";
import type { AgentEvent } from "../attributor/state.ts";
import type { FollowedClaim } from "../ledger/follower.ts";
import type { ReceiptTexts } from "./weights.ts";

export interface ChallengerSettingsShape {
  readonly name: string;
  readonly pollMs: number;
  readonly onEvent?: (event: AgentEvent) => void;
  /** Where the texts behind a receipt's hashes are found (default: nowhere, every Attribute `no-texts`). */
  readonly texts?: ReceiptTexts;
  /**
   * More checks of every σ-correct claim, and one more move per tick (the evidence game's challenger,
   * agents/challenger/evidence.ts); their failures are the follow step's.
   */
  readonly evidence?: {
    readonly check: (claim: FollowedClaim) => Effect.Effect<void, unknown>;
    readonly play: Effect.Effect<void, unknown>;
  };
  /** Fault injection (crash tests): runs right after a game is opened and recorded. */
  readonly afterOpen?: () => void;
}

export class ChallengerSettings extends Context.Service<ChallengerSettings, ChallengerSettingsShape>()(
  "poa/ChallengerSettings",
) {
  static readonly layer = (settings: ChallengerSettingsShape): Layer.Layer<ChallengerSettings> =>
    Layer.succeed(ChallengerSettings, settings);
}
