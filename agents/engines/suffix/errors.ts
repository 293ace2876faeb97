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
