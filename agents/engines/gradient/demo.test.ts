import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { WEIGHT_SCALE } from "../engine.ts";
import { sampleMessages } from "./dataset.ts";
import { trainDemoModel } from "./demo.ts";

describe("trainDemoModel", () => {
  it("trains, indexes and serves the demo's contributions under the given contribution ids", async () => {
    const ids = Array.from({ length: 80 }, (_, i) => 500n + BigInt(i) * 3n);
    const demo = await trainDemoModel({ examples: 80, seed: 4, contributionIds: ids });
    expect([...demo.contributions.keys()]).toEqual(ids);
    expect([...demo.contributions.values()]).toEqual(sampleMessages(80, 4).map((m) => m.text));
    expect(demo.commitment).toMatch(/^0x[0-9a-f]{64}$/);
    const query = sampleMessages(1, 4, 200)[0]!;
    const r = await Effect.runPromise(
      demo.engine.attribute({ modelId: demo.modelId, input: query.text, output: "spam" }),
    );
    expect(r.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
    expect(r.entries.every((e) => demo.contributions.has(e.contributionId))).toBe(true);
    expect(r.evidence.indexCommitment).toBe(demo.commitment);
    await demo.attributor.release();
  });
});
