/**
 * The text store: receipt texts (canonical request bytes, answer bytes) kept by their keccak256, the
 * hash a receipt signs (docs/protocol.md §3). An operator puts the texts of every receipt it signs and
 * serves them to peers over `/poa/text/1`; a node that fetched texts from a peer keeps them too.
 *
 * `TextStore.layer(dir)` keeps one file per text, `<dir>/<hash[2..4]>/<hash>`, written to a temporary
 * name and renamed (a crash leaves no half-written text), re-hashed on every read (a corrupted file is
 * reported missing, never served); `TextStore.memory` keeps them in a Map (tests).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Context, Data, Effect, Layer } from "effect";
import { type Hex, keccak256 } from "viem";

export class TextStoreError extends Data.TaggedError("TextStoreError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface TextStoreShape {
  /** Stores the bytes; returns their keccak256. */
  readonly put: (bytes: Uint8Array) => Effect.Effect<Hex, TextStoreError>;
  /** The bytes whose keccak256 is `hash`, if held. */
  readonly get: (hash: Hex) => Effect.Effect<Uint8Array | undefined, TextStoreError>;
  /** `get` as a promise that never rejects (gossip's `textSource`). */
  readonly lookup: (hash: Hex) => Promise<Uint8Array | undefined>;
}

const HASH = /^0x[0-9a-f]{64}$/;

const fromFunctions = (
  write: (hash: Hex, bytes: Uint8Array) => Promise<void>,
  read: (hash: Hex) => Promise<Uint8Array | undefined>,
): TextStoreShape => {
  const get = Effect.fn("TextStore.get")((hash: Hex) => {
    const key = hash.toLowerCase() as Hex;
    if (!HASH.test(key)) return Effect.succeed(undefined);
    return Effect.tryPromise({
      try: async () => {
        const bytes = await read(key);
        return bytes !== undefined && keccak256(bytes) === key ? bytes : undefined;
      },
      catch: (cause) => new TextStoreError({ message: `cannot read text ${key}`, cause }),
    });
  });
  return {
    put: Effect.fn("TextStore.put")((bytes: Uint8Array) => {
      const hash = keccak256(bytes);
      return Effect.tryPromise({
        try: () => write(hash, bytes),
        catch: (cause) => new TextStoreError({ message: `cannot store text ${hash}`, cause }),
      }).pipe(Effect.as(hash));
    }),
    get,
    lookup: (hash) => Effect.runPromise(get(hash).pipe(Effect.orElseSucceed(() => undefined))),
  };
};

/** Texts in files under `dir` (created on first use). */
export const fileTextStore = (dir: string): TextStoreShape => {
  const pathOf = (hash: Hex) => join(dir, hash.slice(2, 4), hash);
  let sequence = 0;
  return fromFunctions(
    async (hash, bytes) => {
      const path = pathOf(hash);
      await mkdir(join(dir, hash.slice(2, 4)), { recursive: true });
      const temporary = `${path}.${process.pid}.${sequence++}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    },
    async (hash) => {
      try {
        return new Uint8Array(await readFile(pathOf(hash)));
      } catch (cause) {
        if (cause instanceof Error && "code" in cause && cause.code === "ENOENT") return undefined;
        throw cause;
      }
    },
  );
};

/** Texts in a Map. */
export const memoryTextStore = (): TextStoreShape => {
  const texts = new Map<Hex, Uint8Array>();
  return fromFunctions(
    async (hash, bytes) => {
      texts.set(hash, bytes.slice());
    },
    async (hash) => texts.get(hash),
  );
};

export class TextStore extends Context.Service<TextStore, TextStoreShape>()("poa/TextStore") {
  static readonly layer = (dir: string): Layer.Layer<TextStore> => Layer.sync(TextStore, () => fileTextStore(dir));
  static readonly memory: Layer.Layer<TextStore> = Layer.sync(TextStore, memoryTextStore);
}
