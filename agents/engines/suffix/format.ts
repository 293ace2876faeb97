/**
 * The on-disk suffix index (version 2). Little-endian; every byte after the preamble is under a
 * check, and a reader may verify the bulk of the file lazily, block by block, as it first reads it.
 *
 *   offset  size        field
 *   0       8           magic "POASUFIX"
 *   8       4           format version (u32) = 2
 *   12      4           header length H (u32)
 *   16      32          sha256 of the header bytes
 *   48      H           header: UTF-8 JSON (IndexHeader below)
 *   48 + H  32 × B      block table: the hash of every block of every section, in file order
 *   …                   per shard: text (textBytes bytes), then suffix array (u32 × (textBytes − count))
 *
 * Each section (one shard's text, one shard's suffix array) is cut into blocks of `blockBytes`
 * bytes (the last block of a section holds the rest). A block's hash is sha256(0x00 ‖ block); the
 * header holds `blocksRoot`, the Merkle root over the block hashes (node = sha256(0x01 ‖ left ‖
 * right), the row padded with zero hashes to a power of two), so the header checksum transitively
 * covers every byte, and one block can be proved against the root with log₂(B) hashes.
 *
 * Opening reads the preamble, the header and the block table only (a few MB at 1 GiB) and checks
 * them; section blocks are read and checked against their hash the first time a query touches
 * them (or by `verifyStep`, which a service runs in the background). No answer ever reads a byte
 * that was not checked.
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
import { buildSearchSample, type Shard, type ShardGuard, terminatorPositions } from "./shard.ts";

const MAGIC = "POASUFIX";
export const FORMAT_VERSION = 2;
const PREAMBLE = 48;
const IO_CHUNK = 1 << 30;
const HASH_BYTES = 32;
/** Default block (16 KiB): a cold block costs ~10–20 µs to read and check; the table is 0.2 % of the file. */
export const DEFAULT_BLOCK_BYTES = 1 << 14;
/** Search-sample keys the background pass fills per block of its budget (about as long as checking one). */
const SAMPLES_PER_BLOCK = 64;

const Count = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0));
const Hash32 = Schema.String.check(Schema.isPattern(/^0x[0-9a-f]{64}$/));

const ShardHeader = Schema.Struct({
  firstContribution: Count,
  contributionCount: Count,
  textBytes: Count,
  textOffset: Count,
  saOffset: Count,
});

/** Where the corpus came from, when it was built from a datanet on chain. */
export const CorpusSource = Schema.Struct({
  chainId: Count,
  datanetRegistry: Schema.String.check(Schema.isPattern(/^0x[0-9a-fA-F]{40}$/)),
  datanetIds: Schema.Array(Schema.String.check(Schema.isPattern(/^\d{1,78}$/))),
  /** Unix seconds: approved at or before it, and not withdrawn at or before it. */
  referenceTime: Count,
});
export type CorpusSource = typeof CorpusSource.Type;

export const IndexHeader = Schema.Struct({
  format: Schema.Literal("poa-suffix-index"),
  version: Schema.Literal(FORMAT_VERSION),
  totalBytes: Count,
  fileBytes: Count,
  blockBytes: Count.check(Schema.isGreaterThanOrEqualTo(4)),
  blockCount: Count,
  blocksRoot: Hash32,
  /** sha256 of the block table as stored (checked at open; blocksRoot is checked by the full pass). */
  blockTableSha256: Hash32,
  source: Schema.optional(CorpusSource),
  contributions: Schema.Array(
    Schema.Struct({
      id: Schema.String.check(Schema.isPattern(/^\d{1,78}$/)),
      length: Count,
      contentRoot: Schema.optional(Hash32),
    }),
  ),
  shards: Schema.Array(ShardHeader),
});
export type IndexHeader = typeof IndexHeader.Type;

const hex = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes).toString("hex")}`;
const bytesOf = (array: Uint32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** sha256(0x00 ‖ block). */
export const blockHash = (block: Uint8Array): Buffer => createHash("sha256").update(LEAF).update(block).digest();

/** Merkle root over block hashes (row padded with zero hashes to a power of two). */
export const merkleRoot = (leaves: ReadonlyArray<Uint8Array>): `0x${string}` => {
  if (leaves.length === 0) return hex(new Uint8Array(HASH_BYTES));
  let width = 1;
  while (width < leaves.length) width *= 2;
  const zero = new Uint8Array(HASH_BYTES);
  let row: Uint8Array[] = [...leaves];
  while (row.length < width) row.push(zero);
  while (row.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) {
      next.push(
        createHash("sha256")
          .update(NODE)
          .update(row[i]!)
          .update(row[i + 1]!)
          .digest(),
      );
    }
    row = next;
  }
  return hex(row[0]!);
};

/** The sections of an index in file order, each with its size in bytes. */
const sectionSizes = (shards: ReadonlyArray<{ textBytes: number; contributionCount: number }>): number[] =>
  shards.flatMap((s) => [s.textBytes, 4 * (s.textBytes - s.contributionCount)]);
const blocksIn = (bytes: number, blockBytes: number): number => Math.ceil(bytes / blockBytes);

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

export interface SaveOptions {
  readonly blockBytes?: number;
  /** Recorded in the header when the corpus was read from a datanet on chain. */
  readonly source?: CorpusSource;
  /** Content roots of the contributions, in index order (recorded in the header). */
  readonly contentRoots?: ReadonlyArray<`0x${string}`>;
}

/** Writes the index to `path` (through a temporary file renamed into place); returns its header. */
export const saveIndex = Effect.fn("SuffixIndex.save")(function* (
  index: SuffixIndex,
  path: string,
  options: SaveOptions = {},
) {
  yield* requireLittleEndian(path);
  const blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
  if (!Number.isInteger(blockBytes) || blockBytes < 4 || blockBytes % 4 !== 0) {
    return yield* new IndexIoError({ path, message: `block size ${blockBytes} must be a positive multiple of 4` });
  }
  const sections = index.shards.flatMap((shard) => [shard.text, bytesOf(shard.sa)]);
  const hashes: Uint8Array[] = [];
  for (const section of sections) {
    for (let at = 0; at < section.length; at += blockBytes) {
      hashes.push(blockHash(section.subarray(at, Math.min(section.length, at + blockBytes))));
    }
  }
  const blocksRoot = merkleRoot(hashes);
  const table = new Uint8Array(HASH_BYTES * hashes.length);
  hashes.forEach((h, i) => {
    table.set(h, i * HASH_BYTES);
  });
  // Section offsets depend on the header length, which depends on the offsets' digits: lay out
  // again until the header length stops changing (two or three rounds).
  let headerLength = 0;
  let header = new Uint8Array(0);
  let shardHeaders: Array<typeof ShardHeader.Type> = [];
  for (;;) {
    let offset = PREAMBLE + headerLength + HASH_BYTES * hashes.length;
    shardHeaders = index.shards.map((shard) => {
      const textOffset = offset;
      const saOffset = textOffset + shard.text.length;
      offset = saOffset + shard.sa.byteLength;
      return {
        firstContribution: shard.firstContribution,
        contributionCount: shard.ends.length,
        textBytes: shard.text.length,
        textOffset,
        saOffset,
      };
    });
    const value: IndexHeader = {
      format: "poa-suffix-index",
      version: FORMAT_VERSION,
      totalBytes: index.totalBytes,
      fileBytes: offset,
      blockBytes,
      blockCount: hashes.length,
      blocksRoot,
      blockTableSha256: hex(createHash("sha256").update(table).digest()),
      ...(options.source === undefined ? {} : { source: options.source }),
      contributions: index.contributions.map(({ id, length }, i) => {
        const root = options.contentRoots?.[i];
        return root === undefined
          ? { id: id.toString(), length }
          : { id: id.toString(), length, contentRoot: root.toLowerCase() as `0x${string}` };
      }),
      shards: shardHeaders,
    };
    header = new TextEncoder().encode(JSON.stringify(value));
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
        const write = (bytes: Uint8Array): void => {
          for (let done = 0; done < bytes.length; ) {
            done += fs.writeSync(fd, bytes, done, Math.min(IO_CHUNK, bytes.length - done), position + done);
          }
          position += bytes.length;
        };
        write(preamble);
        write(header);
        write(table);
        for (const section of sections) write(section);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temporary, path);
    },
    catch: ioError(path, "write"),
  });
  return yield* Effect.try({
    try: () => Schema.decodeUnknownSync(IndexHeader)(JSON.parse(new TextDecoder().decode(header))),
    catch: ioError(path, "re-read the header of"),
  });
});

const readExactly = (fd: number, target: Uint8Array, position: number): number => {
  let done = 0;
  while (done < target.length) {
    const read = fs.readSync(fd, target, done, Math.min(IO_CHUNK, target.length - done), position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
};

interface OpenedFile {
  readonly fd: number;
  readonly header: IndexHeader;
  /** sha256 of the header bytes: binds the whole file (the header holds the blocks' Merkle root). */
  readonly headerHash: `0x${string}`;
  readonly table: Uint8Array;
}

const openFile = (path: string): Effect.Effect<OpenedFile, IndexFileError> =>
  Effect.gen(function* () {
    yield* requireLittleEndian(path);
    const fd = yield* Effect.try({ try: () => fs.openSync(path, "r"), catch: ioError(path, "open") });
    const close = Effect.sync(() => fs.closeSync(fd));
    return yield* Effect.gen(function* () {
      const actualBytes = fs.fstatSync(fd).size;
      const truncated = (expectedBytes: number) =>
        new IndexTruncatedError({
          path,
          expectedBytes,
          actualBytes,
          message: `${path} is truncated: ${actualBytes} bytes, expected ${expectedBytes}`,
        });
      const preamble = new Uint8Array(PREAMBLE);
      const got = readExactly(fd, preamble, 0);
      const magic = new TextDecoder().decode(preamble.subarray(0, Math.min(8, got)));
      if (magic !== MAGIC || got < 16) {
        if (got < 16 && MAGIC.startsWith(magic)) return yield* truncated(PREAMBLE);
        return yield* new IndexFormatError({ path, message: `${path} is not a suffix index (bad magic)` });
      }
      const view = new DataView(preamble.buffer);
      const version = view.getUint32(8, true);
      if (version !== FORMAT_VERSION) {
        return yield* new IndexFormatError({
          path,
          message: `${path} is index format v${version}; this build reads v${FORMAT_VERSION} (rebuild the index)`,
        });
      }
      const headerLength = view.getUint32(12, true);
      if (got < PREAMBLE || actualBytes < PREAMBLE + headerLength) return yield* truncated(PREAMBLE + headerLength);
      const headerBytes = new Uint8Array(headerLength);
      readExactly(fd, headerBytes, PREAMBLE);
      const headerDigest = createHash("sha256").update(headerBytes).digest();
      if (headerDigest.compare(preamble.subarray(16, 48)) !== 0) {
        return yield* new IndexCorruptError({
          path,
          section: "header",
          message: `${path} is corrupt: header checksum mismatch`,
        });
      }
      const header = yield* Effect.try({
        try: () => Schema.decodeUnknownSync(IndexHeader)(JSON.parse(new TextDecoder().decode(headerBytes))),
        catch: (cause) => new IndexFormatError({ path, message: `${path} has an unreadable header: ${String(cause)}` }),
      });
      if (actualBytes !== header.fileBytes) return yield* truncated(header.fileBytes);
      const corrupt = (section: string, what: string) =>
        new IndexCorruptError({ path, section, message: `${path} is corrupt: ${section} ${what}` });
      // the layout must follow from the header alone: sections back to back after the table
      const sizes = sectionSizes(header.shards);
      const blockCount = sizes.reduce((sum, size) => sum + blocksIn(size, header.blockBytes), 0);
      if (header.blockBytes % 4 !== 0 || blockCount !== header.blockCount) {
        return yield* corrupt("header", "block layout does not match the shards");
      }
      let offset = PREAMBLE + headerLength + HASH_BYTES * blockCount;
      let expectedFirst = 0;
      for (const [s, entry] of header.shards.entries()) {
        const lengths = header.contributions
          .slice(entry.firstContribution, entry.firstContribution + entry.contributionCount)
          .map((c) => c.length);
        const textBytes = lengths.reduce((sum, l) => sum + l + 1, 0);
        if (
          entry.firstContribution !== expectedFirst ||
          lengths.length !== entry.contributionCount ||
          textBytes !== entry.textBytes ||
          entry.textOffset !== offset ||
          entry.saOffset !== offset + entry.textBytes
        ) {
          return yield* corrupt(`shard ${s}`, "does not match the contribution table");
        }
        expectedFirst += entry.contributionCount;
        offset = entry.saOffset + 4 * (entry.textBytes - entry.contributionCount);
      }
      if (expectedFirst !== header.contributions.length || offset !== header.fileBytes) {
        return yield* corrupt("header", "shards do not cover every contribution");
      }
      const table = new Uint8Array(HASH_BYTES * blockCount);
      readExactly(fd, table, PREAMBLE + headerLength);
      if (hex(createHash("sha256").update(table).digest()) !== header.blockTableSha256) {
        return yield* corrupt("block table", "checksum mismatch");
      }
      return { fd, header, headerHash: hex(headerDigest), table };
    }).pipe(Effect.tapError(() => close));
  });

/** Reads and checks only the header (for `index info`). */
export const readIndexHeader = Effect.fn("SuffixIndex.readHeader")(function* (path: string) {
  const { fd, header } = yield* openFile(path);
  fs.closeSync(fd);
  return header;
});

/** An opened index: queries read it through the shards' guards, which load and check blocks. */
export interface OpenedIndex {
  readonly path: string;
  /** Guarded until every block is checked (verifyStep returned true), plain arrays afterwards. */
  readonly index: SuffixIndex;
  readonly header: IndexHeader;
  /** sha256 of the header; binds the contribution table, the layout and (via blocksRoot) every block. */
  readonly commitment: `0x${string}`;
  readonly blockCount: number;
  /** Blocks read and checked so far. */
  readonly verifiedBlocks: () => number;
  /** Reads and checks up to `maxBlocks` blocks not read yet; true once every block is checked. */
  readonly verifyStep: (maxBlocks: number) => boolean;
  /** Closes the file (the index must not be queried afterwards). */
  readonly close: () => void;
}

export interface OpenOptions {
  /**
   * "lazy" (default): check blocks as they are first read; "full": read and check every block
   * before returning; "none": read everything, check nothing beyond the header (tests, benches).
   */
  readonly verify?: "lazy" | "full" | "none";
}

interface Section {
  readonly name: string;
  readonly fileOffset: number;
  readonly bytes: Uint8Array;
  readonly firstBlock: number;
  readonly loaded: Uint8Array;
  /** Extra check of a freshly read block (terminators, suffix-array range). */
  readonly check: (from: number, to: number) => boolean;
}

/** Opens an index written by saveIndex without reading its sections up front (see OpenOptions). */
export const openIndex = Effect.fn("SuffixIndex.open")(function* (path: string, options: OpenOptions = {}) {
  const { fd, header, headerHash, table } = yield* openFile(path);
  const mode = options.verify ?? "lazy";
  const { blockBytes } = header;
  let verified = 0;
  let closed = false;
  const sections: Section[] = [];
  const shards: Shard[] = [];
  let firstBlock = 0;
  for (const [s, entry] of header.shards.entries()) {
    const lengths = header.contributions
      .slice(entry.firstContribution, entry.firstContribution + entry.contributionCount)
      .map((c) => c.length);
    const ends = terminatorPositions(lengths);
    // calloc'd: pages cost memory only once a block is read into them
    const text = new Uint8Array(entry.textBytes);
    const sa = new Uint32Array(entry.textBytes - entry.contributionCount);
    const textSection: Section = {
      name: `shard ${s} text`,
      fileOffset: entry.textOffset,
      bytes: text,
      firstBlock,
      loaded: new Uint8Array(blocksIn(text.length, blockBytes)),
      check: (from, to) => {
        // every terminator inside [from, to) reads 0x00
        let lo = 0;
        let hi = ends.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (ends[mid]! < from) lo = mid + 1;
          else hi = mid;
        }
        for (let d = lo; d < ends.length && ends[d]! < to; d++) if (text[ends[d]!] !== 0) return false;
        return true;
      },
    };
    firstBlock += textSection.loaded.length;
    const saBytes = bytesOf(sa);
    const saSection: Section = {
      name: `shard ${s} suffix array`,
      fileOffset: entry.saOffset,
      bytes: saBytes,
      firstBlock,
      loaded: new Uint8Array(blocksIn(saBytes.length, blockBytes)),
      check: (from, to) => {
        for (let r = from >>> 2; r < to >>> 2; r++) if (sa[r]! >= text.length) return false;
        return true;
      },
    };
    firstBlock += saSection.loaded.length;
    sections.push(textSection, saSection);
    const load = (section: Section, block: number): void => {
      if (closed) throw new IndexIoError({ path, message: `${path} is closed` });
      const from = block * blockBytes;
      const to = Math.min(section.bytes.length, from + blockBytes);
      const target = section.bytes.subarray(from, to);
      let read: number;
      try {
        read = readExactly(fd, target, section.fileOffset + from);
      } catch (cause) {
        throw ioError(path, "read")(cause);
      }
      const expected = table.subarray(
        (section.firstBlock + block) * HASH_BYTES,
        (section.firstBlock + block + 1) * HASH_BYTES,
      );
      if (mode !== "none") {
        if (read !== target.length || blockHash(target).compare(expected) !== 0) {
          target.fill(0);
          throw new IndexCorruptError({
            path,
            section: section.name,
            message: `${path} is corrupt: ${section.name} block ${block} checksum mismatch`,
          });
        }
        if (!section.check(from, to)) {
          target.fill(0);
          throw new IndexCorruptError({
            path,
            section: section.name,
            message: `${path} is corrupt: ${section.name} block ${block} ${section === textSection ? "misplaced terminator" : "entry out of range"}`,
          });
        }
      }
      section.loaded[block] = 1;
      verified++;
    };
    const blockOf = (byte: number): number => Math.floor(byte / blockBytes);
    const guard: ShardGuard = {
      textAt: (p) => {
        const b = blockOf(p);
        if (textSection.loaded[b] === 0 && p < text.length) load(textSection, b);
        return (b + 1) * blockBytes;
      },
      text: (from, to) => {
        const end = Math.min(to, text.length);
        if (from >= end) return;
        for (let b = blockOf(from), last = blockOf(end - 1); b <= last; b++) {
          if (textSection.loaded[b] === 0) load(textSection, b);
        }
      },
      sa: (from, to) => {
        const end = Math.min(to, sa.length);
        if (from >= end) return;
        for (let b = blockOf(4 * from), last = blockOf(4 * end - 1); b <= last; b++) {
          if (saSection.loaded[b] === 0) load(saSection, b);
        }
      },
    };
    shards.push({ firstContribution: entry.firstContribution, text, ends, sa, guard });
  }
  const index: SuffixIndex = {
    contributions: header.contributions.map(({ id, length }) => ({ id: BigInt(id), length })),
    shards,
    totalBytes: header.totalBytes,
  };
  // once every block is checked, queries read plain arrays (no guard calls on the hot path)
  let current = index;
  let rootChecked = false;
  const finish = (): void => {
    if (rootChecked) return;
    const leaves: Uint8Array[] = [];
    for (let b = 0; b < header.blockCount; b++) leaves.push(table.subarray(b * HASH_BYTES, (b + 1) * HASH_BYTES));
    if (merkleRoot(leaves) !== header.blocksRoot) {
      throw new IndexCorruptError({
        path,
        section: "block table",
        message: `${path} is corrupt: block table does not match blocksRoot`,
      });
    }
    rootChecked = true;
    current = {
      ...index,
      shards: shards.map(({ firstContribution, text, ends, sa }) => ({ firstContribution, text, ends, sa })),
    };
  };
  // the blocks not read yet, in file order (a cursor: every step resumes where the last stopped)
  // Texts first: every search step reads the text at a random place, while its suffix-array reads
  // narrow to one block, so warm texts help cold queries most.
  const order = [...sections.keys()].sort((a, b) => (a & 1) - (b & 1) || a - b);
  let cursorSection = 0;
  let cursorBlock = 0;
  let sampleShard = 0;
  const verifyStep = (maxBlocks: number): boolean => {
    let budget = maxBlocks;
    while (cursorSection < order.length) {
      const s = order[cursorSection]!;
      const section = sections[s]!;
      while (cursorBlock < section.loaded.length) {
        if (section.loaded[cursorBlock] === 0) {
          if (budget <= 0) return false;
          const shard = shards[s >> 1]!;
          const from = cursorBlock * blockBytes;
          if ((s & 1) === 0) shard.guard!.text(from, from + 1);
          else shard.guard!.sa(from / 4, from / 4 + 1);
          budget--;
        }
        cursorBlock++;
      }
      cursorSection++;
      cursorBlock = 0;
    }
    finish();
    // then the search samples of the now plain shards (shard.ts), in steps of the same size
    while (sampleShard < current.shards.length) {
      if (!buildSearchSample(current.shards[sampleShard]!, Math.max(1, maxBlocks) * SAMPLES_PER_BLOCK)) return false;
      sampleShard++;
    }
    return true;
  };
  const opened: OpenedIndex = {
    path,
    get index() {
      return current;
    },
    header,
    commitment: headerHash,
    blockCount: header.blockCount,
    verifiedBlocks: () => verified,
    verifyStep,
    close: () => {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
  if (mode !== "lazy") {
    yield* Effect.try({
      try: () => {
        while (!verifyStep(1 << 20)) {
          // keep going
        }
      },
      catch: (cause) =>
        cause instanceof IndexCorruptError || cause instanceof IndexIoError ? cause : ioError(path, "read")(cause),
    }).pipe(Effect.tapError(() => Effect.sync(opened.close)));
  }
  return opened;
});

/**
 * Loads a whole index into memory, checking every block (or none with `verify: false`), and
 * closes the file: the index needs no guard afterwards.
 */
export const loadIndex = Effect.fn("SuffixIndex.load")(function* (path: string, options: { verify?: boolean } = {}) {
  const opened = yield* openIndex(path, { verify: options.verify === false ? "none" : "full" });
  opened.close();
  return {
    ...opened.index,
    shards: opened.index.shards.map(({ firstContribution, text, ends, sa }) => ({ firstContribution, text, ends, sa })),
  } satisfies SuffixIndex;
});
