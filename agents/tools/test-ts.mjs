#!/usr/bin/env node
/**
 * `npm run test:ts`: the vitest suite as two vitest processes at once (vitest.config.ts): `--project heavy`
 * (the CPU-heavy files, one at a time) and `--project light` (every other file, one at a time). Each output
 * line is prefixed with its project; the exit code is the first non-zero one. With arguments
 * (`npm run test:ts -- agents/x.test.ts`), plain `vitest run <arguments>` instead.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

const vitest = path.resolve("node_modules", ".bin", "vitest");
const extra = process.argv.slice(2);

const run = (args, prefix) =>
  new Promise((resolve) => {
    const child = spawn(vitest, ["run", ...args], {
      stdio: ["ignore", prefix === undefined ? "inherit" : "pipe", prefix === undefined ? "inherit" : "pipe"],
      env: prefix === undefined ? process.env : { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "1" },
    });
    if (prefix !== undefined) {
      for (const [stream, out] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        createInterface({ input: stream }).on("line", (line) => out.write(`${prefix} ${line}\n`));
      }
    }
    child.on("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });

const started = Date.now();
const codes =
  extra.length > 0
    ? [await run(extra)]
    : await Promise.all([run(["--project", "heavy"], "[heavy]"), run(["--project", "light"], "[light]")]);
if (extra.length === 0) {
  console.log(`test:ts: heavy ${codes[0] === 0 ? "passed" : "FAILED"}, light ${codes[1] === 0 ? "passed" : "FAILED"}`);
  console.log(`test:ts: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
process.exit(codes.find((c) => c !== 0) ?? 0);
