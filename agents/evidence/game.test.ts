/**
 * The evidence game's moves (agents/evidence/game.ts) on the engine's random and low-entropy scenarios:
 *
 *   - honest evidence (agents/engines/suffix/evidence.ts) lists exactly the maximal spans a brute-force
 *     search finds (agents/engines/suffix/testing.ts: no suffix array), its ranked list gives the brute-force
 *     rule's weights, its links sum the credits, and the claimant answers every claimant-burden accusation
 *     against every entry and ranked position with a proof the TS verifier accepts;
 *   - the challenger finds no accusation against honest evidence;
 *   - every lie (a credited set rewritten to the liar's own contribution, an inflated range, a span that
 *     does not occur, a span that is not maximal, an omitted span, a won byte moved to a shorter span, a
 *     wrong running score, a ranked list with a made-up score or a left-out contribution), made internally
 *     consistent (links and ranking recomputed from the lie), yields an accusation the liar loses: a
 *     challenger witness the verifier accepts, or a claimant-burden accusation the liar has no proof for.
 */
import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeBytes } from "../engines/suffix/engine.ts";
import { type EvidenceEntry, type GameEvidence, gameEvidence } from "../engines/suffix/evidence.ts";
import { buildIndex } from "../engines/suffix/index.ts";
import { bruteMatches, bruteWeights, scenario } from "../engines/suffix/testing.ts";
import { entryCredit, finalScores, linkEntries, rankedList } from "./entry.ts";
import {
  type Accusation,
  type AccusationKind,
  answerAccusation,
  findMove,
  judgeViolation,
  type Move,
  type PublishedEvidence,
} from "./game.ts";
import { ProofIndex } from "./index.ts";

interface Case {
  readonly output: Uint8Array;
  readonly index: ProofIndex;
  readonly honest: GameEvidence;
  readonly brute: ReturnType<typeof bruteMatches>;
  readonly ids: ReadonlyArray<bigint>;
  readonly maxOccurrences: number;
}

const cases = scenario
  .map(({ corpus, output, minMatch, maxOccurrences, maxShardBytes }): Case | undefined => {
    const contributions = corpus
      .filter((c) => c.content.length > 0)
      .map((c, i) => ({ id: BigInt(3 * i + 1), content: c.content }));
    if (contributions.length === 0) return undefined;
    const params = { minMatch, maxOccurrences: Math.min(maxOccurrences, 8), maxEntries: 4 };
    const engineIndex = Effect.runSync(buildIndex(contributions, { threads: 1, maxShardBytes }));
    const { evidence } = attributeBytes(engineIndex, output, params);
    const index = new ProofIndex(contributions, params, 0n);
    return {
      output,
      index,
      honest: gameEvidence(output, evidence, index),
      brute: bruteMatches(contributions, output, minMatch),
      ids: contributions.map((c) => c.id),
      maxOccurrences: params.maxOccurrences,
    };
  })
  .filter((c): c is Case => c !== undefined);

/** A lie made consistent downstream: links and ranking recomputed from the edited spans. */
const consistent = (spans: ReadonlyArray<EvidenceEntry>): PublishedEvidence => {
  const entries = linkEntries(spans);
  return { entries, ranked: rankedList(entries, 4) };
};

const published = (g: GameEvidence): PublishedEvidence => ({ entries: g.linked, ranked: g.ranked });

/** The liar loses accusation `a`: its witness verifies, or the liar has no proof that verifies. */
const loses = (c: Case, theirs: PublishedEvidence, m: Move) =>
  m.type === "accuse"
    ? answerAccusation(m.accusation, theirs, c.output, c.index) === undefined
    : judgeViolation(c.index, m, theirs, c.output);

const LIES: ReadonlyArray<{ name: string; lie: (c: Case, pick: number) => PublishedEvidence | undefined }> = [
  {
    name: "a credited set rewritten to the liar's own contribution",
    lie: (c, pick) => {
      const E = c.honest.entries;
      const j = E.findIndex((e, i) => i >= pick % Math.max(E.length, 1) && e.wonEnd > e.wonStart);
      if (j < 0) return undefined;
      const own = c.ids.find((id) => !(E[j]!.credited.length === 1 && E[j]!.credited[0] === id));
      if (own === undefined) return undefined;
      return consistent(E.map((e, i) => (i === j ? { ...e, credited: [own] } : e)));
    },
  },
  {
    name: "an inflated occurrence range",
    lie: (c, pick) => {
      const E = c.honest.entries;
      if (E.length === 0 || c.index.n < 2) return undefined;
      const j = pick % E.length;
      const e = E[j]!;
      const hi = e.hi < c.index.n ? e.hi + 1 : e.hi;
      const lo = hi === e.hi ? e.lo - 1 : e.lo;
      return consistent(E.map((x, i) => (i === j ? { ...x, lo, hi } : x)));
    },
  },
  {
    name: "a span that does not occur, crediting the liar",
    lie: (c) => {
      const m = c.output.length;
      const min = c.index.commitment.minMatch;
      const E = c.honest.entries;
      // a window of the output that occurs nowhere, at least minMatch long, not overlapping a listed span
      for (let a = 0; a + min <= m; a++) {
        const x = a + min;
        if (
          c.index.range(c.output.subarray(a, x)).hi > 0 &&
          c.index.range(c.output.subarray(a, x)).lo < c.index.range(c.output.subarray(a, x)).hi
        )
          continue;
        if (E.some((e) => e.start < x && a < e.end)) continue;
        const fake = { start: a, end: x, wonStart: a, wonEnd: x, lo: 0, hi: 1, credited: [c.ids[0]!] };
        const entries = [...E, fake].sort((p, q) => p.start - q.start);
        return consistent(entries);
      }
      return undefined;
    },
  },
  {
    name: "a span cut short (not maximal)",
    lie: (c, pick) => {
      const E = c.honest.entries;
      const min = c.index.commitment.minMatch;
      const j = E.findIndex((e, i) => i >= pick % Math.max(E.length, 1) && e.end - e.start > min);
      if (j < 0) return undefined;
      const e = E[j]!;
      const end = e.end - 1;
      if (j > 0 && end <= E[j - 1]!.end) return undefined;
      const { lo, hi } = c.index.range(c.output.subarray(e.start, end));
      const credited = hi - lo > c.maxOccurrences ? [] : c.index.creditedIds(lo, hi);
      return consistent(
        E.map((x, i) =>
          i === j
            ? {
                ...x,
                end,
                wonEnd: Math.min(x.wonEnd, end),
                wonStart: Math.min(x.wonStart, end),
                lo,
                hi,
                credited,
              }
            : x,
        ),
      );
    },
  },
  {
    name: "an omitted span",
    lie: (c, pick) => {
      const E = c.honest.entries;
      if (E.length === 0) return undefined;
      const j = pick % E.length;
      return consistent(E.filter((_, i) => i !== j));
    },
  },
  {
    name: "won bytes moved from a longer span to a shorter one",
    lie: (c) => {
      const E = c.honest.entries;
      for (let j = 0; j + 1 < E.length; j++) {
        const a = E[j]!;
        const b = E[j + 1]!;
        // b won a byte of a's span that a also covers: give it to a if a is the shorter one
        if (
          b.wonStart < a.end &&
          b.wonEnd > b.wonStart &&
          b.wonStart === a.wonEnd &&
          a.end - a.start < b.end - b.start
        ) {
          return consistent(
            E.map((x, i) =>
              i === j ? { ...x, wonEnd: x.wonEnd + 1 } : i === j + 1 ? { ...x, wonStart: x.wonStart + 1 } : x,
            ),
          );
        }
      }
      return undefined;
    },
  },
  {
    name: "a running score inflated",
    lie: (c, pick) => {
      const E = c.honest.linked;
      const j = E.findIndex((e, i) => i >= pick % Math.max(E.length, 1) && e.credits.length > 0);
      if (j < 0) return undefined;
      const entries = E.map((e, i) =>
        i === j
          ? { ...e, credits: e.credits.map((x, s) => (s === 0 ? { ...x, runningScore: x.runningScore + 1n } : x)) }
          : e,
      );
      return { entries, ranked: rankedList(entries, 4) };
    },
  },
  {
    name: "a ranked score made up",
    lie: (c) => {
      const { ids, scores } = c.honest.ranked;
      if (ids.length === 0) return undefined;
      return { entries: c.honest.linked, ranked: { ids, scores: scores.map((s, i) => (i === 0 ? s + 1n : s)) } };
    },
  },
  {
    name: "a credited contribution left out of the ranking",
    lie: (c) => {
      const { ids, scores } = c.honest.ranked;
      if (ids.length === 0) return undefined;
      return { entries: c.honest.linked, ranked: { ids: ids.slice(0, -1), scores: scores.slice(0, -1) } };
    },
  },
];

const sameWeights = (a: PublishedEvidence, b: PublishedEvidence) =>
  a.ranked.ids.length === b.ranked.ids.length &&
  a.ranked.ids.every((id, i) => id === b.ranked.ids[i] && a.ranked.scores[i] === b.ranked.scores[i]);

describe("evidence game moves", () => {
  it("honest evidence: brute-force spans and weights, every claimant accusation answered, no accusation found", () => {
    fc.assert(
      fc.property(cases, (c) => {
        const E = c.honest.entries;
        expect(E.map((e) => [e.start, e.end])).toEqual(c.brute.map((s) => [s.start, s.start + s.length]));
        const brute = bruteWeights(c.brute, c.output.length, c.maxOccurrences, 4);
        expect(c.honest.weights).toEqual(brute.entries);
        E.forEach((e, j) => {
          expect(e.wonEnd - e.wonStart).toBe(brute.credited[j]);
        });
        // links: each final running score is the sum of the credits, by brute force
        const sums = new Map<bigint, bigint>();
        for (const e of E)
          for (const id of e.credited) sums.set(id, (sums.get(id) ?? 0n) + entryCredit(e, e.credited.length));
        expect(new Map([...finalScores(c.honest.linked)].map(([id, f]) => [id, f.score]))).toEqual(sums);
        const honest = published(c.honest);
        const accusations: Accusation[] = [];
        const kinds: AccusationKind[] = ["RangeLow", "RangeHigh", "MaximalLeft", "MaximalRight", "CreditedSet"];
        for (let j = 0; j < E.length; j++) for (const kind of kinds) accusations.push({ kind, index: j });
        for (let r = 0; r < c.honest.ranked.ids.length; r++) accusations.push({ kind: "RankedScore", index: r });
        for (const a of accusations) expect(answerAccusation(a, honest, c.output, c.index), a.kind).toBeDefined();
        expect(findMove(honest, honest, c.output, c.index)).toBeUndefined();
      }),
      { seed: 14, numRuns: 60 },
    );
  });

  for (const { name, lie } of LIES) {
    it(`the liar loses: ${name}`, () => {
      let lies = 0;
      fc.assert(
        fc.property(cases, fc.nat(), (c, pick) => {
          const theirs = lie(c, pick);
          fc.pre(theirs !== undefined && !sameEvidence(theirs, published(c.honest)));
          lies++;
          const a = findMove(theirs, published(c.honest), c.output, c.index);
          // evidence no accusation reaches must give the honest weights (no wrong weight vector finalizes)
          if (a === undefined) {
            expect(sameWeights(theirs, published(c.honest))).toBe(true);
            return;
          }
          expect(loses(c, theirs, a), show(a)).toBe(true);
        }),
        { seed: 14, numRuns: 60 },
      );
      expect(lies).toBeGreaterThan(10);
    });
  }
});

const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === "bigint" ? v.toString() : v));

const sameEvidence = (a: PublishedEvidence, b: PublishedEvidence) => show(a) === show(b);
