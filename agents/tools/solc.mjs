#!/usr/bin/env node
// A native-solc command line over the npm `solc` package (solc-js), for machines with no native
// solc: forge calls `solc --version` and `solc --standard-json [--allow-paths …] [--base-path …]`.
// Every byte of the JSON output is flushed before exit: a process.exit() right after a large
// write would truncate it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");

const args = process.argv.slice(2);

const optionValues = (name) => {
  const values = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) values.push(args[++i]);
    else if (args[i].startsWith(`${name}=`)) values.push(args[i].slice(name.length + 1));
  }
  return values;
};

const writeAll = (text) =>
  new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));

const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
};

const main = async () => {
  if (args.includes("--version") || args.includes("-v")) {
    // solc-js reports "0.8.30+commit.73712a01.Emscripten.clang"; forge parses native's format.
    const [semver, commit] = solc.version().split("+");
    const commitPart = (commit ?? "").split(".").slice(0, 2).join(".");
    await writeAll(`solc, the solidity compiler commandline interface\nVersion: ${semver}+${commitPart}.Linux.g++\n`);
    return 0;
  }
  if (args.includes("--standard-json")) {
    const input = await readStdin();
    const roots = [
      ...optionValues("--base-path"),
      ...optionValues("--include-path"),
      ...optionValues("--allow-paths").flatMap((p) => p.split(",")),
      process.cwd(),
    ].filter((p) => p.length > 0);
    const findImports = (importPath) => {
      const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
      for (const candidate of candidates) {
        try {
          return { contents: readFileSync(candidate, "utf8") };
        } catch {
          // try the next root
        }
      }
      return { error: `File not found: ${importPath}` };
    };
    const output = solc.compile(input, { import: findImports });
    await writeAll(output);
    return 0;
  }
  process.stderr.write(
    `solc facade (solc-js ${solc.version()}): only --version and --standard-json are supported; got: ${args.join(" ")}\n`,
  );
  return 1;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`solc facade: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
