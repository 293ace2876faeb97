/** Typed failures of the suffix engine; each carries a one-line message fit for a terminal. */
import { Data } from "effect";

/** The inputs cannot make an index (duplicate ids, a contribution too large for a shard, …). */
export class IndexBuildError extends Data.TaggedError("IndexBuildError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** The index file could not be read or written at all. */
export class IndexIoError extends Data.TaggedError("IndexIoError")<{
  readonly path: string;
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** The file is not a suffix index of a version this code reads. */
export class IndexFormatError extends Data.TaggedError("IndexFormatError")<{
  readonly path: string;
  readonly message: string;
}> {}

/** The file is shorter (or longer) than its header says: an interrupted write or copy. */
export class IndexTruncatedError extends Data.TaggedError("IndexTruncatedError")<{
  readonly path: string;
  readonly expectedBytes: number;
  readonly actualBytes: number;
  readonly message: string;
}> {}

/** A checksum does not match: some byte of the file changed after it was written. */
export class IndexCorruptError extends Data.TaggedError("IndexCorruptError")<{
  readonly path: string;
  readonly section: string;
  readonly message: string;
}> {}

export type IndexFileError = IndexIoError | IndexFormatError | IndexTruncatedError | IndexCorruptError;

/** A contribution's bytes could not be found (no file under its content root, a peer without it, …). */
export class ContentUnavailableError extends Data.TaggedError("ContentUnavailableError")<{
  readonly contributionId: bigint;
  readonly contentRoot: string;
  readonly message: string;
}> {}

/** Bytes found for a contribution do not hash to its on-chain content root: refused. */
export class ContentMismatchError extends Data.TaggedError("ContentMismatchError")<{
  readonly contributionId: bigint;
  readonly expectedRoot: string;
  readonly actualRoot: string;
  readonly message: string;
}> {}

/** The datanet could not be read from the chain (unknown datanet, RPC failure). */
export class DatanetReadError extends Data.TaggedError("DatanetReadError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}
