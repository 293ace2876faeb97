/** Test documents for the factory: short texts with their content roots, as a datanet would hold them. */
import { contentRoot } from "../content/merkle.ts";
import type { TrainingDocument } from "./train.ts";

export const TEXTS = [
  "The quick brown fox jumps over the lazy dog. The dog sleeps in the sun all day long.",
  "We hold these truths to be self-evident, that all men are created equal.",
  "Four score and seven years ago our fathers brought forth on this continent a new nation.",
  "Ask not what your country can do for you; ask what you can do for your country.",
];

export const documentsOf = (texts: ReadonlyArray<string>, firstId = 1): TrainingDocument[] =>
  texts.map((t, i) => {
    const bytes = new TextEncoder().encode(t);
    return { contributionId: BigInt(firstId + i), datanetId: 1n, contentRoot: contentRoot(bytes), bytes };
  });
