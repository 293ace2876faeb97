import { readFileSync } from "node:fs";
import { Effect } from "effect";
import * as fc from "fast-check";
import { type Hex, hexToBytes, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { claimTransactions, encodeBatch, verifyTxProof } from "../sigma/codec.ts";
import { registryView } from "../sigma/registry.ts";
import { commitment, Ledger } from "../sigma/sigma.ts";
import { LIVE_ALL, prng, randomEntries, signAttribute, VECTOR_CONTEXT, vectorRegistry } from "../sigma/vectors.ts";
import { buildTrace, claimantOf, midpoint, playBisection, SolverError, Trace } from "./solver.ts";
import { buildDisputeVectors, DISPUTE_VECTORS_PATH, lyingCommitments } from "./vectors.ts";

const word = (tag: string, i: number): Hex => toHex(`${tag}:${i}`.padEnd(32, "."), { size: 32 });
const ceilLog2 = (n: number) => Math.ceil(Math.log2(n));
const floorLog2 = (n: number) => Math.floor(Math.log2(n));

/** A claimed state list against an honest one: equal at 0, different at N, arbitrary in between. */
const claimArb = fc
  .integer({ min: 1, max: 5_000 })
  .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.boolean(), { minLength: n + 1, maxLength: n + 1 })));

describe("playBisection", () => {
  it("an honest challenger ends on a step with s_lo right and s_hi wrong, in 2·d + 1 moves", () => {
    fc.assert(
      fc.property(claimArb, ([n, differs]) => {
        const honest = Array.from({ length: n + 1 }, (_, i) => word("h", i));
        const claimed = honest.map((h, i) => (i > 0 && (i === n || differs[i]) ? word("c", i) : h));
        const { moves, final } = playBisection(n, {
          bisect: claimantOf(claimed),
          respond: (p, mid) => honest[midpoint(p)] === mid,
        });
        expect(final.hi - final.lo).toBe(1);
        expect(claimed[final.lo]).toBe(honest[final.lo]);
        expect(claimed[final.hi]).not.toBe(honest[final.hi]);
        expect(moves.length).toBeGreaterThanOrEqual(2 * floorLog2(n) + 1);
        expect(moves.length).toBeLessThanOrEqual(2 * ceilLog2(n) + 1);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it("against an honest claimant any challenger ends on a step between two of the claimant's own states", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        (n, answers) => {
          const honest = Array.from({ length: n + 1 }, (_, i) => word("h", i));
          let k = 0;
          const { moves, final } = playBisection(n, { bisect: claimantOf(honest), respond: () => answers[k++ % 20]! });
          // Replays the contract's bookkeeping: agree moves s_mid into lo, disagree into hi.
          let lo = honest[0];
          let hi = honest[n];
          for (const m of moves) {
            if (m.kind !== "respond") continue;
            if (m.agree) lo = m.commitment;
            else hi = m.commitment;
          }
          expect(final.hi - final.lo).toBe(1);
          expect(lo).toBe(honest[final.lo]);
          expect(hi).toBe(honest[final.hi]);
        },
      ),
      { seed: 99, numRuns: 200 },
    );
  });

  it("rejects an empty claim with a typed error", () => {
    expect(() => playBisection(0, { bisect: () => word("x", 0), respond: () => true })).toThrow(SolverError);
  });
});

describe("permissionless defense (docs/dispute-game.md §2.1)", () => {
  it("each defender plays its own game: a silent or lying poster never touches the honest defender's states", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        (n, lies, answers) => {
          const honest = Array.from({ length: n + 1 }, (_, i) => word("h", i));
          // the poster's game: its midpoints are garbage wherever it lies
          const posterStates = honest.map((h, i) => (i > 0 && i < n && lies[i % 16] ? word("p", i) : h));
          let k = 0;
          const challenger = () => answers[k++ % 16]!;
          playBisection(n, { bisect: claimantOf(posterStates), respond: challenger });
          // the third party's game: a fresh game from (0, N), whatever happened in the poster's
          const replay = (moves: ReturnType<typeof playBisection>["moves"]) => {
            let lo = honest[0];
            let hi = honest[n];
            for (const m of moves) {
              if (m.kind !== "respond") continue;
              if (m.agree) lo = m.commitment;
              else hi = m.commitment;
            }
            return { lo, hi };
          };
          const { moves, final } = playBisection(n, { bisect: claimantOf(honest), respond: challenger });
          const ends = replay(moves);
          // both ends are the honest defender's own states: the step confirms s_hi, the defense wins
          expect(ends.lo).toBe(honest[final.lo]);
          expect(ends.hi).toBe(honest[final.hi]);
        },
      ),
      { seed: 77, numRuns: 300 },
    );
  });
});

describe("Trace", () => {
  const build = async () => {
    const rng = prng(7);
    const registry = registryView(vectorRegistry());
    const txs = [];
    for (let i = 0; i < 5; i++) {
      txs.push(
        await signAttribute(VECTOR_CONTEXT, {
          user: `user-${i % 2}`,
          operator: "operator-0",
          attributor: "attributor-0",
          modelId: 1n,
          requestHash: word("r", i),
          outputHash: word("o", i),
          maxFee: 1_000n,
          fee: 1_000n,
          nonce: BigInt(i),
          deadline: 5_000n,
          entries: randomEntries(rng, LIVE_ALL, 8),
        }),
      );
    }
    const parent = new Ledger();
    return {
      parent,
      trace: await Trace.build(parent, VECTOR_CONTEXT, registry, claimTransactions(encodeBatch(txs), [])),
    };
  };

  it("opens every step: the pre-state is s_i, the tx proof verifies, the parent is untouched", async () => {
    const { parent, trace } = await build();
    expect(parent.state.txCount).toBe(0n);
    expect(trace.commitmentAt(0)).toBe(commitment(parent.state));
    for (let i = 0; i < trace.txCount; i++) {
      const p = trace.stepProof(i);
      expect(commitment(p.pre)).toBe(trace.commitmentAt(i));
      expect(verifyTxProof(trace.txRoot, hexToBytes(p.txBytes), i, p.txProof)).toBe(true);
      expect(p.witnesses.length).toBeGreaterThan(2);
    }
    expect(trace.disputes(trace.commitmentAt(trace.txCount))).toBe(false);
    expect(trace.disputes(lyingCommitments(trace, 2)[trace.txCount]!)).toBe(true);
  });

  it("buildTrace fails typed on bad input: an empty claim, undecodable bytes (naming the index)", async () => {
    const registry = registryView(vectorRegistry());
    const empty = await Effect.runPromise(Effect.flip(buildTrace(new Ledger(), VECTOR_CONTEXT, registry, [])));
    expect(empty._tag).toBe("SolverError");
    const bad = await Effect.runPromise(
      Effect.flip(buildTrace(new Ledger(), VECTOR_CONTEXT, registry, [Uint8Array.of(2, 1), Uint8Array.of(7)])),
    );
    expect(bad._tag).toBe("MalformedTransaction");
    expect(bad.message).toMatch(/transaction 0/);
    const { trace } = await build();
    const ok = await Effect.runPromise(buildTrace(new Ledger(), VECTOR_CONTEXT, registry, trace.txs));
    expect(ok.commitments).toEqual(trace.commitments);
  });

  it("names bad positions and indices in typed errors", async () => {
    const { trace } = await build();
    expect(() => trace.stepProof(5)).toThrow(/transaction 5 is outside/);
    expect(() => trace.bisect({ lo: 2, hi: 3 })).toThrow(SolverError);
    expect(() => trace.bisect({ lo: 3, hi: 9 })).toThrow(/not a range of 5/);
    expect(() => trace.commitmentAt(-1)).toThrow(SolverError);
  });
});

describe("shared vectors", () => {
  it("test/vectors/dispute.json is what the solver produces now (forge replays the same file)", async () => {
    const onDisk: unknown = JSON.parse(readFileSync(DISPUTE_VECTORS_PATH, "utf8"));
    const fresh: unknown = JSON.parse(JSON.stringify(await buildDisputeVectors()));
    expect(fresh).toEqual(onDisk);
  });
});
