/**
 * The on-disk suffix index (version 1). Little-endian; sections follow each other without padding,
 * so every byte of the file is covered by a check.
 *
 *   offset  size  field
 *   0       8     magic "POASUFIX"
 *   8       4     format version (u32) = 1
 *   12      4     header length H (u32)
 *   16      32    sha256 of the header bytes
 *   48      H     header: UTF-8 JSON (IndexHeader below): contributions (decimal id, length),
 *                 shards (first contribution, count, section offsets, sha256 of each section),
 *                 and the file's total length
 *   …             per shard: text (textBytes bytes), then suffix array (u32 × (textBytes − count))
 *
 * Loading checks the magic, the version, the header checksum, the file length (a truncated
 * file fails before any section is read) and, unless told not to, each section's checksum and the
 * shard invariants, so a flipped byte anywhere is reported as IndexCorruptError.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { endianness } from "node:os";
import { Effect, Schema } from "effect";
import {
  IndexCorruptError,
  type IndexFileError,
  IndexFormatError,
  IndexIoError,
  IndexTruncatedError,
} from "./errors.ts";
import type { SuffixIndex } from "./index.ts";
import { type Shard, terminatorPositions } from "./shard.ts";

const MAGIC = "POASUFIX";
export const FORMAT_VERSION = 1;
const PREAMBLE = 48;
const READ_CHUNK = 1 << 30;

const Count = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0));
const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/));

const ShardHeader = Schema.Struct({
  firstContribution: Count,
  contributionCount: Count,
  textBytes: Count,
  textOffset: Count,
  saOffset: Count,
  textSha256: Sha256,
  saSha256: Sha256,
});

export const IndexHeader = Schema.Struct({
  format: Schema.Literal("poa-suffix-index"),
  version: Schema.Literal(FORMAT_VERSION),
  totalBytes: Count,
  fileBytes: Count,
  contributions: Schema.Array(Schema.Struct({ id: Schema.String.check(Schema.isPattern(/^\d+$/)), length: Count })),
  shards: Schema.Array(ShardHeader),
});
export type IndexHeader = typeof IndexHeader.Type;

const sha256 = (bytes: Uint8Array): string => {
  const hash = createHash("sha256");
  for (let at = 0; at < bytes.length; at += READ_CHUNK) hash.update(bytes.subarray(at, at + READ_CHUNK));
  return hash.digest("hex");
};
const bytesOf = (array: Uint32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

const ioError = (path: string, action: string) => (cause: unknown) =>
  new IndexIoError({
    path,
    message: `cannot ${action} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause,
  });

const requireLittleEndian = (path: string): Effect.Effect<void, IndexFormatError> =>
  endianness() === "LE"
    ? Effect.void
    : Effect.fail(new IndexFormatError({ path, message: "suffix index files are little-endian; this host is not" }));

/** Writes the index to `path` (through a temporary file renamed into place). */
export const saveIndex = Effect.fn("SuffixIndex.save")(function* (index: SuffixIndex, path: string) {
  yield* requireLittleEndian(path);
  const textHashes = index.shards.map((shard) => sha256(shard.text));
  const saHashes = index.shards.map((shard) => sha256(bytesOf(shard.sa)));
  // Section offsets depend on the header length, which depends on the offsets' digits: lay out
  // again until the header length stops changing (two or three rounds).
  let headerLength = 0;
  let header = new Uint8Array(0);
  let shardHeaders: Array<typeof ShardHeader.Type> = [];
  let fileBytes = 0;
  for (;;) {
    let offset = PREAMBLE + headerLength;
    shardHeaders = index.shards.map((shard, s) => {
      const textOffset = offset;
      const saOffset = textOffset + shard.text.length;
      offset = saOffset + shard.sa.byteLength;
      return {
        firstContribution: shard.firstContribution,
        contributionCount: shard.ends.length,
        textBytes: shard.text.length,
        textOffset,
        saOffset,
        textSha256: textHashes[s]!,
        saSha256: saHashes[s]!,
      };
    });
    fileBytes = offset;
    header = new TextEncoder().encode(
      JSON.stringify({
        format: "poa-suffix-index",
        version: FORMAT_VERSION,
        totalBytes: index.totalBytes,
        fileBytes,
        contributions: index.contributions.map(({ id, length }) => ({ id: id.toString(), length })),
        shards: shardHeaders,
      } satisfies IndexHeader),
    );
    if (header.length === headerLength) break;
    headerLength = header.length;
  }
  const temporary = `${path}.tmp-${process.pid}`;
  yield* Effect.try({
    try: () => {
      const fd = fs.openSync(temporary, "w");
      try {
        const preamble = new Uint8Array(PREAMBLE);
        preamble.set(new TextEncoder().encode(MAGIC), 0);
        const view = new DataView(preamble.buffer);
        view.setUint32(8, FORMAT_VERSION, true);
        view.setUint32(12, header.length, true);
        preamble.set(createHash("sha256").update(header).digest(), 16);
        let position = 0;
        const write = (bytes: Uint8Array, at: number): void => {
          if (at > position) fs.writeSync(fd, new Uint8Array(at - position), 0, at - position, position);
          for (let done = 0; done < bytes.length; ) {
            done += fs.writeSync(fd, bytes, done, Math.min(READ_CHUNK, bytes.length - done), at + done);
          }
          position = at + bytes.length;
        };
        write(preamble, 0);
        write(header, PREAMBLE);
        index.shards.forEach((shard, s) => {
          write(shard.text, shardHeaders[s]!.textOffset);
          write(bytesOf(shard.sa), shardHeaders[s]!.saOffset);
        });
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temporary, path);
    },
    catch: ioError(path, "write"),
  });
});

const readExactly = (fd: number, target: Uint8Array, position: number): number => {
  let done = 0;
  while (done < target.length) {
    const read = fs.readSync(fd, target, done, Math.min(READ_CHUNK, target.length - done), position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
};

interface OpenedIndex {
  readonly fd: number;
  readonly header: IndexHeader;
  readonly fileBytes: number;
}

const openIndex = (path: string): Effect.Effect<OpenedIndex, IndexFileError> =>
  Effect.gen(function* () {
    yield* requireLittleEndian(path);
    const fd = yield* Effect.try({ try: () => fs.openSync(path, "r"), catch: ioError(path, "open") });
    const actualBytes = fs.fstatSync(fd).size;
    const truncated = (expectedBytes: number) =>
      new IndexTruncatedError({
        path,
        expectedBytes,
        actualBytes,
        message: `${path} is truncated: ${actualBytes} bytes, expected ${expectedBytes}`,
      });
    const fail = <E>(error: E) =>
      Effect.andThen(
        Effect.sync(() => fs.closeSync(fd)),
        Effect.fail(error),
      );
    const preamble = new Uint8Array(PREAMBLE);
    const got = readExactly(fd, preamble, 0);
    if (new TextDecoder().decode(preamble.subarray(0, 8)) !== MAGIC || got < 16) {
      if (got < 8 && MAGIC.startsWith(new TextDecoder().decode(preamble.subarray(0, got)))) {
        return yield* fail(truncated(PREAMBLE));
      }
      return yield* fail(new IndexFormatError({ path, message: `${path} is not a suffix index (bad magic)` }));
    }
    const view = new DataView(preamble.buffer);
    const version = view.getUint32(8, true);
    if (version !== FORMAT_VERSION) {
      return yield* fail(
        new IndexFormatError({
          path,
          message: `${path} is index format v${version}; this build reads v${FORMAT_VERSION}`,
        }),
      );
    }
    const headerLength = view.getUint32(12, true);
    if (got < PREAMBLE || actualBytes < PREAMBLE + headerLength) return yield* fail(truncated(PREAMBLE + headerLength));
    const headerBytes = new Uint8Array(headerLength);
    readExactly(fd, headerBytes, PREAMBLE);
    if (createHash("sha256").update(headerBytes).digest().compare(preamble.subarray(16, 48)) !== 0) {
      return yield* fail(
        new IndexCorruptError({ path, section: "header", message: `${path} is corrupt: header checksum mismatch` }),
      );
    }
    const header = yield* Effect.try({
      try: () => Schema.decodeUnknownSync(IndexHeader)(JSON.parse(new TextDecoder().decode(headerBytes))),
      catch: (cause) => new IndexFormatError({ path, message: `${path} has an unreadable header: ${String(cause)}` }),
    }).pipe(Effect.tapError(() => Effect.sync(() => fs.closeSync(fd))));
    if (actualBytes !== header.fileBytes) return yield* fail(truncated(header.fileBytes));
    return { fd, header, fileBytes: actualBytes };
  });

/** Reads and checks only the header (for `index info`). */
export const readIndexHeader = Effect.fn("SuffixIndex.readHeader")(function* (path: string) {
  const { fd, header } = yield* openIndex(path);
  fs.closeSync(fd);
  return header;
});

export interface LoadOptions {
  /** Check every section's checksum and the shard invariants (default true; O(file size)). */
  readonly verify?: boolean;
}

/** Loads an index written by saveIndex; no rebuilding. */
export const loadIndex = Effect.fn("SuffixIndex.load")(function* (path: string, options: LoadOptions = {}) {
  const { fd, header } = yield* openIndex(path);
  const verify = options.verify ?? true;
  const corrupt = (section: string, what: string) =>
    new IndexCorruptError({ path, section, message: `${path} is corrupt: ${section} ${what}` });
  const result = yield* Effect.try({
    try: (): SuffixIndex | IndexCorruptError => {
      const lengths = header.contributions.map((c) => c.length);
      const shards: Shard[] = [];
      let expectedFirst = 0;
      for (const [s, entry] of header.shards.entries()) {
        const name = `shard ${s}`;
        const count = entry.contributionCount;
        const shardLengths = lengths.slice(entry.firstContribution, entry.firstContribution + count);
        const textBytes = shardLengths.reduce((sum, l) => sum + l + 1, 0);
        if (
          entry.firstContribution !== expectedFirst ||
          shardLengths.length !== count ||
          textBytes !== entry.textBytes
        ) {
          return corrupt(name, "does not match the contribution table");
        }
        expectedFirst += count;
        const text = new Uint8Array(entry.textBytes);
        readExactly(fd, text, entry.textOffset);
        const sa = new Uint32Array(entry.textBytes - count);
        readExactly(fd, bytesOf(sa), entry.saOffset);
        const ends = terminatorPositions(shardLengths);
        if (verify) {
          if (sha256(text) !== entry.textSha256) return corrupt(`${name} text`, "checksum mismatch");
          if (sha256(bytesOf(sa)) !== entry.saSha256) return corrupt(`${name} suffix array`, "checksum mismatch");
          for (let d = 0; d < ends.length; d++)
            if (text[ends[d]!] !== 0) return corrupt(`${name} text`, "misplaced terminator");
          for (let r = 0; r < sa.length; r++)
            if (sa[r]! >= text.length) return corrupt(`${name} suffix array`, "entry out of range");
        }
        shards.push({ firstContribution: entry.firstContribution, text, ends, sa });
      }
      if (expectedFirst !== header.contributions.length)
        return corrupt("header", "shards do not cover every contribution");
      return {
        contributions: header.contributions.map(({ id, length }) => ({ id: BigInt(id), length })),
        shards,
        totalBytes: header.totalBytes,
      };
    },
    catch: ioError(path, "read"),
  }).pipe(Effect.ensuring(Effect.sync(() => fs.closeSync(fd))));
  if (result instanceof IndexCorruptError) return yield* Effect.fail(result);
  return result;
});
