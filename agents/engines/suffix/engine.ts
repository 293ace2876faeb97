/**
 * The suffix-array attribution engine (method "suffix"): output → maximal matches against the
 * model's index → integer weights, with the matches as evidence for future on-chain match proofs
 * (each occurrence names a contribution and a byte offset, which with the output span picks the
 * contribution chunks to prove against its content root; see proof.ts).
 */
import { Effect } from "effect";
import type { Attribution, AttributionEngine, AttributionRequest } from "../engine.ts";
import { EngineError } from "../engine.ts";
import type { SuffixIndex } from "./index.ts";
import { DEFAULT_MAX_OCCURRENCES, DEFAULT_MIN_MATCH, findMatches, makeExclusion } from "./matches.ts";
import { weightsFromSpans } from "./weights.ts";

export interface SuffixEngineOptions {
  /** Shortest span (bytes) that counts as a match. */
  readonly minMatch?: number;
  /** Spans occurring more often than this credit nobody, and list only this many occurrences. */
  readonly maxOccurrences?: number;
  /** At most this many attribution entries (the protocol's K). */
  readonly maxEntries?: number;
}

export const DEFAULT_MAX_ENTRIES = 32;

export interface SuffixMatchEvidence {
  readonly outputStart: number;
  readonly length: number;
  /** Output bytes this span won (longest covering span, ties to the earlier start). */
  readonly creditedBytes: number;
  readonly occurrenceCount: number;
  /** Every occurrence when occurrenceCount ≤ maxOccurrences, else a sample (see SpanMatch). */
  readonly occurrences: ReadonlyArray<{ readonly contributionId: bigint; readonly offset: number }>;
  /** Distinct contributions the span credits; empty when it is too common to attribute. */
  readonly creditedContributions: ReadonlyArray<bigint>;
}

export interface SuffixEvidence {
  readonly method: "suffix";
  readonly minMatch: number;
  readonly maxOccurrences: number;
  /** Offsets and lengths count bytes of the output's UTF-8 encoding. */
  readonly outputBytes: number;
  readonly matches: ReadonlyArray<SuffixMatchEvidence>;
}

export interface ResolvedOptions {
  readonly minMatch: number;
  readonly maxOccurrences: number;
  readonly maxEntries: number;
}

export const resolveOptions = (options: SuffixEngineOptions = {}): ResolvedOptions | string => {
  const resolved = {
    minMatch: options.minMatch ?? DEFAULT_MIN_MATCH,
    maxOccurrences: options.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES,
    maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) return `${name} must be a positive integer, got ${value}`;
  }
  return resolved;
};

/**
 * Attributes UTF-8 output bytes against an index (pure; the engine below wraps it). `exclude`
 * names contributions to leave out (withdrawn or not yet approved at the request's reference
 * time): the result is the one an index without them would give.
 */
export const attributeBytes = (
  index: SuffixIndex,
  output: Uint8Array,
  options: ResolvedOptions,
  exclude: Iterable<bigint> = [],
): Attribution<SuffixEvidence> => {
  const spans = findMatches(index, output, options, makeExclusion(index, exclude));
  const { entries, credited } = weightsFromSpans(spans, options.maxOccurrences, options.maxEntries);
  return {
    entries,
    evidence: {
      method: "suffix",
      minMatch: options.minMatch,
      maxOccurrences: options.maxOccurrences,
      outputBytes: output.length,
      matches: credited.map(({ match, creditedBytes, contributions }) => ({
        outputStart: match.start,
        length: match.length,
        creditedBytes,
        occurrenceCount: match.occurrenceCount,
        occurrences: match.occurrences,
        creditedContributions: [...contributions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      })),
    },
  };
};

/**
 * An engine over per-model indexes: `indexFor` resolves the index of the datanets a model was
 * registered against (one shared index is `() => Effect.succeed(index)`).
 */
export const makeSuffixEngine = (
  indexFor: (modelId: bigint) => Effect.Effect<SuffixIndex, EngineError>,
  options: SuffixEngineOptions = {},
): AttributionEngine<SuffixEvidence> => {
  const resolved = resolveOptions(options);
  return {
    method: "suffix",
    attribute: Effect.fn("SuffixEngine.attribute")(function* (request: AttributionRequest) {
      if (typeof resolved === "string") return yield* new EngineError({ method: "suffix", message: resolved });
      const index = yield* indexFor(request.modelId);
      // an index opened lazily (format.ts) reads and checks blocks as the query touches them
      return yield* Effect.try({
        try: () => attributeBytes(index, new TextEncoder().encode(request.output), resolved),
        catch: (cause) =>
          new EngineError({ method: "suffix", message: cause instanceof Error ? cause.message : String(cause), cause }),
      });
    }),
  };
};
