/** The main job, small: a real chain, real registrations, real training and attribution. */
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { runDemo } from "./demo.ts";

layer(LocalProtocol.layer(), { timeout: 180_000, excludeTestServices: true })("local demo", (it) => {
  it.effect(
    "registers a datanet and a model on chain and pays every attributed query's data share out to contributors",
    () =>
      Effect.gen(function* () {
        const result = yield* runDemo({ examples: 25, queries: 6, intervalMs: 0, seed: 3 });
        expect(result.served).toBe(6);
        expect(result.attributed).toBeGreaterThan(0);
        const paid = [...result.earnings.values()].reduce((a, b) => a + b, 0n);
        // Each attributed query pays its data share, less at most one wei of rounding per entry (K = 8).
        const due = result.dataSharePerQuery * BigInt(result.attributed);
        expect(paid).toBeLessThanOrEqual(due);
        expect(due - paid).toBeLessThanOrEqual(BigInt(8 * result.attributed));
      }),
    180_000,
  );
});
