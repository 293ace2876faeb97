/**
 * Evidence-game benchmark (docs/evidence-game.md §4, "Limits"):
 *
 *  1. gas and calldata of every one-step check at the tree depths of a 1 GiB corpus (n = 2^30: SA and
 *     ISA proofs of 30 siblings; 2^20 corpus entries; 1 MiB contributions: chunk proofs of 10), measured
 *     by test/evidence/EvidenceGas.t.sol, against the targets (< 1,000,000 gas, < 32 KB calldata);
 *  2. the TS proof index (canonical suffix array from the engine's SA-IS, wasm-hashed SA/ISA trees, the
 *     corpus tree) against the engine's SA-IS index on the same corpus, in the same run (the ratio is what to read; the machine
 *     is shared, so the load is printed).
 *
 *   npx tsx agents/bench/evidence.ts            (needs Node 22: source /work/shared/tools/use-node22)
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { Effect } from "effect";
import { buildIndex } from "../engines/suffix/index.ts";
import { ProofIndex } from "../evidence/index.ts";

const GAS_LIMIT = 1_000_000;
const CALLDATA_LIMIT = 32 * 1024;

const forgeTable = (): string[] => {
  const result = spawnSync(
    "npx",
    ["forge", "test", "--match-path", "test/evidence/EvidenceGas.t.sol", "--match-test", "test_gasTable", "-vv"],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`forge exited with ${result.status}`);
  }
  return result.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("|"));
};

const table = forgeTable();
console.log("## One-step checks at a 1 GiB corpus\n");
for (const line of table) console.log(line);
const rows = table.slice(2).map((line) => line.split("|").map((cell) => cell.trim()));
const worstGas = Math.max(...rows.map((r) => Number(r[6])));
const worstCalldata = Math.max(...rows.map((r) => Number(r[4])));
console.log(
  `\nworst step: ${worstGas.toLocaleString("en-US")} gas (target < ${GAS_LIMIT.toLocaleString("en-US")}), ` +
    `${worstCalldata.toLocaleString("en-US")} calldata bytes (target < ${CALLDATA_LIMIT.toLocaleString("en-US")})`,
);
if (worstGas >= GAS_LIMIT || worstCalldata >= CALLDATA_LIMIT) process.exitCode = 1;

// Build time: the proof index against the engine's index over the same low-entropy corpus.
const words = ["the ", "fund ", "shall ", "pay ", "data ", "owners ", "who ", "quoted ", "are ", "credited "];
let seed = 7;
const next = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed;
};
const contributions = Array.from({ length: 16 }, (_, i) => {
  let text = "";
  while (text.length < 4096) text += words[next() % words.length];
  return { id: BigInt(i + 1), content: new TextEncoder().encode(text) };
});
const bytes = contributions.reduce((n, c) => n + c.content.length, 0);
const time = (f: () => unknown): number => {
  const start = performance.now();
  f();
  return performance.now() - start;
};
const engineMs = time(() => Effect.runSync(buildIndex(contributions, { threads: 1 })));
const proofMs = time(() => new ProofIndex(contributions, { minMatch: 32, maxOccurrences: 8, maxEntries: 8 }, 0n));
console.log(`\n## Index build, ${bytes.toLocaleString("en-US")} bytes (load ${loadavg()[0]!.toFixed(1)})\n`);
console.log("| index | ms | ratio to the engine |");
console.log("|---|---|---|");
console.log(`| engine (SA-IS, 1 thread) | ${engineMs.toFixed(0)} | 1.0 |`);
console.log(
  `| proof index (engine SA-IS + Kasai; wasm SA/ISA trees; corpus tree) | ${proofMs.toFixed(0)} | ${(proofMs / engineMs).toFixed(1)} |`,
);
