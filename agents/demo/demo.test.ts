/**
 * The main job, small: a real chain, real registrations, an adapter fine-tuned by `poa factory train`
 * whose chats quote the datanet, a classifier, receipts over gossip and HTTP to agents on the registry
 * engines, a corrupted claim disputed and voided, and contributors withdrawing exactly what the engines'
 * weights entitle them to (σ on chain against an independent computation: brute-force span search and
 * the classifier's own gradient engine).
 */
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { DEFAULT_DEMO, runDemo } from "./demo.ts";
import { MEMORIZE } from "./sotu.ts";

layer(LocalProtocol.layer(), { timeout: 300_000, excludeTestServices: true })("local demo", (it) => {
  it.effect(
    "queries flow into claims; any corrupted claim loses its dispute; every contributor withdraws its exact share",
    () =>
      Effect.gen(function* () {
        const result = yield* runDemo({
          ...DEFAULT_DEMO,
          examples: 30,
          queries: 24,
          chats: 6,
          speeches: MEMORIZE.passages,
          intervalMs: 20,
          seed: 3,
          fraud: true,
          timeoutMs: 240_000,
        }).pipe(Effect.scoped);
        // Which attributor wins each race to post is up to timing; whenever the corrupting one posted,
        // its claim must have been disputed, lost and left unfinalized.
        expect(result.disputes.map(([, status]) => status)).toEqual(Array(result.corruptPosted).fill("won"));
        expect(result.claimsFinalized).toBe(result.claimsPosted - result.corruptPosted);
        expect(result.chats).toBe(6); // answered by the LoRA operator over the OpenAI API, each credited below
        // every answer of the memorizing adapter quotes a passage (≥ 32 bytes: the brute-force span search)
        expect(result.chatsQuoting).toBe(6);
        const paid = [...result.withdrawn.values()].reduce((a, b) => a + b, 0n);
        expect(paid).toBeGreaterThan(0n);
        for (const [contributor, amount] of result.expected) {
          expect(result.earned.get(contributor)).toBe(amount);
          if (amount > 0n) expect(result.withdrawn.get(contributor)).toBe(amount);
        }
      }),
    300_000,
  );
});
