/**
 * Dispute-game benchmark: runs the forge measurements in test/dispute/bench (gas per move, one-step
 * proofs at K = 4 and 8 = max, whole games of 16 / 1,000 / 100,000 transactions, worst-case wall time per
 * preset) and prints them as the markdown tables of docs/benchmarks-dispute.md.
 *
 *   npx tsx agents/bench/dispute.ts            (needs Node 22: source /work/shared/tools/use-node22)
 */
import { spawnSync } from "node:child_process";

interface Row {
  readonly table: string;
  readonly key: string;
  readonly value: bigint;
}

const run = (): string => {
  const result = spawnSync("npx", ["forge", "test", "--match-path", "test/dispute/bench/*", "-vv"], {
    env: { ...process.env, DISPUTE_BENCH: "1" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`forge exited with ${result.status}`);
  }
  return result.stdout;
};

export const parseRows = (output: string): Row[] =>
  output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("BENCH|"))
    .map((line) => {
      const [, table = "", key = "", value = "0"] = line.split("|");
      return { table, key, value: BigInt(value) };
    });

const fmt = (v: bigint): string => v.toLocaleString("en-US");
const duration = (seconds: bigint): string => {
  const s = Number(seconds);
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 86_400 * 2) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(2)} days`;
};

const main = () => {
  const rows = parseRows(run());
  const get = (table: string, key: string): bigint => {
    const row = rows.find((r) => r.table === table && r.key === key);
    if (row === undefined) throw new Error(`benchmark row ${table}/${key} missing`);
    return row.value;
  };
  const out: string[] = [];
  out.push("### Gas per move (real AttributionLedger, 1,000-transaction claim)", "");
  out.push("| call | gas |", "|---|---:|");
  for (const r of rows.filter((r) => r.table === "move")) out.push(`| ${r.key} | ${fmt(r.value)} |`);
  out.push("", "### One-step proof (OneStepVerifier.verifyStep on real σ vectors)", "");
  out.push("| step | gas | proof calldata (bytes) |", "|---|---:|---:|");
  for (const r of rows.filter((r) => r.table === "step" && !r.key.endsWith("calldata bytes"))) {
    out.push(`| ${r.key} | ${fmt(r.value)} | ${fmt(get("step", `${r.key} calldata bytes`))} |`);
  }
  out.push("", "### Whole game: open + every move + step (honest challenger, claim wrong in the middle)", "");
  out.push(
    "| \\|T\\| | moves | total gas (mock ledger hooks) | total gas (real AttributionLedger) |",
    "|---:|---:|---:|---:|",
  );
  for (const n of ["16", "1000", "100000"]) {
    const real = rows.find((r) => r.table === "game-real" && r.key === `${n}.gas`);
    out.push(
      `| ${fmt(BigInt(n))} | ${get("game-mock", `${n}.moves`)} | ${fmt(get("game-mock", `${n}.gas`))} | ${real === undefined ? "— (batch not built)" : fmt(real.value)} |`,
    );
  }
  out.push("", "### Worst-case wall time of one game (both sides move at the last second their clock allows)", "");
  out.push("| preset | clock / side | extension | \\|T\\| | moves | wall time |", "|---|---:|---:|---:|---:|---:|");
  for (const preset of ["local", "testnet", "mainnet"]) {
    for (const n of ["1000", "100000"]) {
      const key = `${preset}.${n}`;
      out.push(
        `| ${preset} | ${duration(get("wall", `${key}.clock`))} | ${duration(get("wall", `${key}.extension`))} | ${fmt(BigInt(n))} | ${get("wall", `${key}.moves`)} | ${duration(get("wall", `${key}.seconds`))} |`,
      );
    }
  }
  console.log(out.join("\n"));
};

main();
