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
import { type Address, type Hex, hexToBytes } from "viem";
import type { AttributionEngine, AttributionEntry } from "../engines/engine.ts";
import type { ReceiptPayload } from "../protocol/receipt.ts";
import { checkTexts } from "../protocol/texts.ts";
import { fetchReceiptTexts, type ReceiptTextsDeps } from "../receipts/texts.ts";
import { type AttributeTx, decodeTx } from "../sigma/codec.ts";

/**
 * The texts behind a receipt's signed hashes, where this node can find them: the canonical request bytes
 * (keccak256 = `requestHash`) and the answer (keccak256 of its UTF-8 bytes = `outputHash`). Checked here
 * against the hashes whatever the source says.
 */
export type ReceiptTexts = (
  receipt: ReceiptPayload,
) => Effect.Effect<Option.Option<{ readonly request: Uint8Array; readonly output: string }>>;

/** No texts anywhere: every Attribute is counted `no-texts`. */
export const noTexts: ReceiptTexts = () => Effect.succeed(Option.none());

/** Texts from the node's text store, else from peers over `/poa/text/1` (agents/receipts/texts.ts). */
export const storedOrPeerTexts =
  (deps: ReceiptTextsDeps): ReceiptTexts =>
  (receipt) =>
    fetchReceiptTexts(deps, receipt).pipe(
      Effect.map((sourced) => Option.some({ request: hexToBytes(sourced.request as Hex), output: sourced.output })),
      Effect.catchTag("ReceiptTextsError", () => Effect.succeed(Option.none())),
    );

/** The signed receipt an Attribute transaction carries (every field of both EIP-712 messages is in it). */
export const receiptOfTx = (tx: AttributeTx): ReceiptPayload => ({
  request: {
    user: tx.user,
    operator: tx.operator,
    modelId: tx.modelId,
    requestHash: tx.requestHash,
    maxFee: tx.maxFee,
    nonce: tx.nonce,
    deadline: tx.deadline,
  },
  userSignature: tx.userSignature,
  receipt: {
    user: tx.user,
    operator: tx.operator,
    attributor: tx.attributor,
    modelId: tx.modelId,
    requestHash: tx.requestHash,
    outputHash: tx.outputHash,
    fee: tx.fee,
    nonce: tx.nonce,
    deadline: tx.deadline,
  },
  operatorSignature: tx.operatorSignature,
});

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
      const found = yield* texts(receiptOfTx(tx));
      if (Option.isNone(found)) {
        checks.push({ ...base, verdict: "no-texts", computed: [] });
        continue;
      }
      // whatever the source, only texts that hash to the signed hashes are used
      const checked = checkTexts(receiptOfTx(tx), found.value.request, found.value.output);
      if (!checked.ok) {
        checks.push({ ...base, verdict: "bad-texts", computed: [] });
        continue;
      }
      const { input, output } = checked.sourced;
      const computed = yield* engine
        // at the claim's reference time: contributions not attributable then get no weight, as in σ
        .attribute({ modelId: tx.modelId, input, output, referenceTime: claim.referenceTime })
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
