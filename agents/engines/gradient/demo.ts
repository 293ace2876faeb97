/**
 * The local demo's default attribution source: a tiny softmax-regression spam classifier trained on a
 * few hundred SpamAssassin messages in a few seconds, indexed, and served by the gradient engine.
 */
import type { AttributionEngine } from "../engine.ts";
import { DEFAULT_TRAIN_OPTIONS, indexModel, trainModel } from "./bundle.ts";
import { CLASSES, sampleMessages } from "./dataset.ts";
import {
  DEFAULT_ENGINE_OPTIONS,
  type GradientAttributor,
  type GradientEvidence,
  makeAttributor,
  makeGradientEngine,
} from "./engine.ts";
import type { Method } from "./score.ts";

export interface DemoOptions {
  readonly examples: number;
  readonly seed: number;
  readonly method: Method;
  /** Contribution ids for the examples in order; default 1, 2, 3, … */
  readonly contributionIds?: ReadonlyArray<bigint>;
  /** The model id the engine answers for; any id when omitted. */
  readonly modelId?: bigint;
}

export interface DemoModel {
  readonly engine: AttributionEngine<GradientEvidence>;
  readonly attributor: GradientAttributor;
  /** Contribution id → the training message text (what a datanet would hold). */
  readonly contributions: ReadonlyMap<bigint, string>;
  /** The placeholder model id (0n until the model is registered on chain). */
  readonly modelId: bigint;
  /** The attribution-index commitment to register in ModelRegistry. */
  readonly commitment: `0x${string}`;
  readonly classes: ReadonlyArray<string>;
}

export const trainDemoModel = async (options: Partial<DemoOptions> = {}): Promise<DemoModel> => {
  const examples = options.examples ?? 300;
  const messages = sampleMessages(examples, options.seed ?? 11);
  const ids = messages.map((_, i) => options.contributionIds?.[i] ?? BigInt(i + 1));
  // the shipped settings (what `gradient train` / `gradient index` use and docs/quality-gradient.md measures)
  const trained = await trainModel(messages, DEFAULT_TRAIN_OPTIONS);
  const indexed = await indexModel(
    trained,
    messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: ids[i]! })),
  );
  const attributor = await makeAttributor(indexed);
  return {
    engine: makeGradientEngine(attributor, {
      ...DEFAULT_ENGINE_OPTIONS,
      method: options.method ?? DEFAULT_ENGINE_OPTIONS.method,
      ...(options.modelId === undefined ? {} : { modelId: options.modelId }),
    }),
    attributor,
    contributions: new Map(messages.map((m, i) => [ids[i]!, m.text])),
    modelId: options.modelId ?? 0n,
    commitment: indexed.commitment,
    classes: CLASSES,
  };
};
