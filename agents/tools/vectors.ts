/** Writes every shared test vector file (TS ⇄ Solidity differential tests). `npm run vectors`. */
import { writeFileSync } from "node:fs";
import { buildContentVectors, CONTENT_VECTORS_PATH } from "../content/vectors.ts";
import { buildDisputeVectors, DISPUTE_VECTORS_PATH } from "../dispute/vectors.ts";
import { buildEntryVectors, ENTRY_VECTORS_PATH } from "../evidence/entry-vectors.ts";
import { buildEvidenceVectors, EVIDENCE_VECTORS_PATH } from "../evidence/vectors.ts";
import { buildCompactVectors, COMPACT_VECTORS_PATH } from "../sigma/compact-vectors.ts";
import { buildSigmaVectors, SIGMA_VECTORS_PATH } from "../sigma/vectors.ts";

const write = (path: string, value: unknown) => {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  console.log(`wrote ${path}`);
};

write(CONTENT_VECTORS_PATH, buildContentVectors());
write(SIGMA_VECTORS_PATH, await buildSigmaVectors());
write(DISPUTE_VECTORS_PATH, await buildDisputeVectors());
write(EVIDENCE_VECTORS_PATH, buildEvidenceVectors());
write(ENTRY_VECTORS_PATH, buildEntryVectors());
write(COMPACT_VECTORS_PATH, await buildCompactVectors());
