/**
 * The attribution-engine interface shared by the suffix-array engine (large models) and the
 * gradient engine (small models), and called by the attributor and challenger agents.
 *
 * An engine is pure and deterministic: the same model, index and output give the same integer
 * weights on every honest node. Weights are non-negative integers that sum to WEIGHT_SCALE
 * (or the entry list is empty when nothing in the index influenced the output).
 */
import { Context, Data, type Effect, Layer } from "effect";

/** The protocol's fixed scale for attribution weights: the weights of one receipt sum to this. */
export const WEIGHT_SCALE = 1_000_000;

/** One attribution entry: a contribution (its on-chain id) and its integer weight. */
export interface AttributionEntry {
  readonly contributionId: bigint;
  readonly weight: number;
}

/** What an engine returns: entries sorted by contributionId ascending, plus method-specific evidence. */
export interface Attribution<Evidence> {
  readonly entries: ReadonlyArray<AttributionEntry>;
  readonly evidence: Evidence;
}

/** The request an engine attributes: which model answered, the prompt (when the method uses it), the answer. */
export interface AttributionRequest {
  readonly modelId: bigint;
  readonly input?: string;
  readonly output: string;
  /**
   * The receipt's reference time (unix seconds): contributions not attributable then (approved
   * later, or withdrawn at or before it) get no weight — the rule σ applies. Engines chosen by the
   * chain (resolver.ts) read it; an engine over a fixed corpus ignores it.
   */
  readonly referenceTime?: bigint;
}

export type AttributionMethod = "suffix" | "gradient";

/** Who answers: one method's engine, or "registry" — the engine each model registered on chain (resolver.ts). */
export type EngineKind = AttributionMethod | "registry";

export class EngineError extends Data.TaggedError("EngineError")<{
  readonly method: EngineKind;
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface AttributionEngine<Evidence> {
  readonly method: EngineKind;
  readonly attribute: (request: AttributionRequest) => Effect.Effect<Attribution<Evidence>, EngineError>;
}

/**
 * The node's attribution engine as a service: what the attributor and challenger layers require. Its
 * layers: `registryEngine` (resolver.ts: each model's engine and index as registered on chain, at most the
 * ledger's K entries), `fixtureEngineLayer` (agents/receipts/fixtureEngine.ts) and `Engine.layer(engine)`
 * for any other implementation.
 */
export class Engine extends Context.Service<Engine, AttributionEngine<unknown>>()("poa/Engine") {
  static readonly layer = (engine: AttributionEngine<unknown>): Layer.Layer<Engine> => Layer.succeed(Engine, engine);
}

/**
 * Turns non-negative integer scores into weights summing to WEIGHT_SCALE, deterministically:
 * keep the top `maxEntries` by score (ties: lower contributionId first), give each
 * floor(score * SCALE / total), then hand the remainder out one unit at a time in the same order.
 * Returns the entries sorted by contributionId. Shared by both engines so rounding is defined once.
 */
export const scoresToWeights = (
  scores: ReadonlyMap<bigint, bigint>,
  maxEntries: number,
): ReadonlyArray<AttributionEntry> => {
  const ranked = [...scores.entries()]
    .filter(([, score]) => score > 0n)
    .sort(([idA, a], [idB, b]) => (a === b ? (idA < idB ? -1 : idA > idB ? 1 : 0) : a > b ? -1 : 1))
    .slice(0, maxEntries);
  const total = ranked.reduce((sum, [, score]) => sum + score, 0n);
  if (total === 0n) return [];
  const scale = BigInt(WEIGHT_SCALE);
  const weights = ranked.map(([id, score]) => ({ id, weight: (score * scale) / total }));
  let remainder = scale - weights.reduce((sum, w) => sum + w.weight, 0n);
  for (let i = 0; remainder > 0n; i = (i + 1) % weights.length, remainder--) {
    const slot = weights[i];
    if (slot !== undefined) slot.weight += 1n;
  }
  return weights
    .filter((w) => w.weight > 0n)
    .map((w) => ({ contributionId: w.id, weight: Number(w.weight) }))
    .sort((a, b) => (a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : 0));
};
