/**
 * The challenger runs the engines too (issue 13): σ only checks that a claim's weights are well formed
 * (sorted ids, positive, summing to WEIGHT_SCALE, contributions attributable at the reference time), not
 * that they are the weights the model's engine gives for the receipt's texts. So the challenger recomputes
 * every Attribute of every claim with its own engine, on the texts behind the receipt's `requestHash` and
 * `outputHash`, and records each disagreement (Store row, metric, warning, /health notice), ready for the
 * evidence dispute of the provable-attribution issue (docs/evidence-game.md).
 *
 * The texts are not on chain: `ReceiptTexts` finds them (the node's own text store, or peers by hash).
 * A text that does not hash to the receipt's signed hash is not used.
 */
import { Effect, Option } from "effect";
import type { Address, Hex } from "viem";
import type { AttributionEngine, AttributionEntry } from "../engines/engine.ts";
import { textHash } from "../protocol/receipt.ts";
import { decodeTx } from "../sigma/codec.ts";

/** The prompt and answer behind a receipt's signed hashes, where this node can find them. */
export type ReceiptTexts = (hashes: {
  readonly requestHash: Hex;
  readonly outputHash: Hex;
}) => Effect.Effect<Option.Option<{ readonly input: string; readonly output: string }>>;

/** No texts anywhere: every Attribute is counted `no-texts`. */
export const noTexts: ReceiptTexts = () => Effect.succeed(Option.none());

export type WeightVerdict = "agree" | "disagree" | "no-texts" | "bad-texts" | "engine";

export interface WeightCheck {
  readonly txIndex: number;
  readonly user: Address;
  readonly operator: Address;
  readonly nonce: bigint;
  readonly modelId: bigint;
  readonly verdict: WeightVerdict;
  readonly claimed: ReadonlyArray<AttributionEntry>;
  /** This node's engine's entries (empty unless the engine ran). */
  readonly computed: ReadonlyArray<AttributionEntry>;
  /** Why the engine could not attribute it (verdict `engine`). */
  readonly reason?: string;
}

const sameEntries = (a: ReadonlyArray<AttributionEntry>, b: ReadonlyArray<AttributionEntry>) =>
  a.length === b.length && a.every((e, i) => e.contributionId === b[i]!.contributionId && e.weight === b[i]!.weight);

/**
 * Every well-formed Attribute transaction of a claim's T, judged against this node's engine at the claim's
 * reference time. Malformed transactions and Settles are skipped (σ already makes them no-ops).
 */
export const checkClaimWeights = (
  claim: { readonly referenceTime: bigint; readonly txs: ReadonlyArray<Uint8Array> },
  engine: AttributionEngine<unknown>,
  texts: ReceiptTexts,
) =>
  Effect.gen(function* () {
    const checks: WeightCheck[] = [];
    for (const [txIndex, bytes] of claim.txs.entries()) {
      if (bytes[0] !== 0x01) continue;
      let tx: ReturnType<typeof decodeTx>;
      try {
        tx = decodeTx(bytes, txIndex);
      } catch {
        continue;
      }
      if (tx.kind !== "attribute") continue;
      const base = {
        txIndex,
        user: tx.user,
        operator: tx.operator,
        nonce: tx.nonce,
        modelId: tx.modelId,
        claimed: tx.entries,
      };
      const found = yield* texts({ requestHash: tx.requestHash, outputHash: tx.outputHash });
      if (Option.isNone(found)) {
        checks.push({ ...base, verdict: "no-texts", computed: [] });
        continue;
      }
      const { input, output } = found.value;
      if (
        textHash(input).toLowerCase() !== tx.requestHash.toLowerCase() ||
        textHash(output).toLowerCase() !== tx.outputHash.toLowerCase()
      ) {
        checks.push({ ...base, verdict: "bad-texts", computed: [] });
        continue;
      }
      const computed = yield* engine
        // TODO(engines merge): pass `referenceTime: claim.referenceTime` once AttributionRequest carries it
        .attribute({ modelId: tx.modelId, input, output })
        .pipe(
          Effect.map((a) => ({ entries: a.entries })),
          Effect.catchTag("EngineError", (e) => Effect.succeed({ error: e.message })),
        );
      if ("error" in computed) {
        checks.push({ ...base, verdict: "engine", computed: [], reason: computed.error });
        continue;
      }
      checks.push({
        ...base,
        verdict: sameEntries(computed.entries, tx.entries) ? "agree" : "disagree",
        computed: computed.entries,
      });
    }
    return checks;
  }).pipe(Effect.withSpan("Challenger.checkClaimWeights"));
