/**
 * `/poa/index/1`: an attribution index fetched from a peer by its commitment (the
 * `attributionIndexCommitment` a model registered in ModelRegistry), for a node that does not have
 * it in its data directory. The receiver trusts nothing it gets: it writes the files to a staging
 * directory and the resolver (resolver.ts) verifies them against the commitment before use.
 *
 *   request  = commitment (32 bytes)
 *   response = status frame (one byte: 0 found, 1 not found); when found, a manifest frame (UTF-8
 *              JSON, `IndexManifest`: `{"method": "suffix" | "gradient" | "lora", "files": [{"name", "bytes"}]}`),
 *              then every file's bytes in manifest order, in frames of at most 1 MiB
 *   checks   : by the receiver, while reading: file names from the method's list (index-store.ts),
 *              no name twice, total ≤ its limit, every file exactly its announced size; then
 *              the method's verification against the commitment (resolver.ts)
 *
 * Framing as in agents/gossip/reqresp.ts (unsigned-varint length-prefixed frames; the requester
 * closes its write side after the request).
 */
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Stream } from "@libp2p/interface";
import { Schema } from "effect";
import * as lp from "it-length-prefixed";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { classifyFetchFailure, FetchProblem } from "../gossip/reqresp.ts";
import { INDEX_FILES, type IndexListing } from "./index-store.ts";

export const INDEX_PROTOCOL = "/poa/index/1";

const FOUND = 0;
const NOT_FOUND = 1;
/** File bytes travel in frames of at most this size. */
export const INDEX_FRAME_BYTES = 1 << 20;
const MAX_MANIFEST_BYTES = 64 * 1024;

export const IndexManifest = Schema.Struct({
  /** The index kind (index-store.ts): "lora" is a Model Factory adapter of a gradient model. */
  method: Schema.Literals(["suffix", "gradient", "lora"]),
  files: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      bytes: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
    }),
  ),
});
export type IndexManifest = typeof IndexManifest.Type;

const send = async (stream: Stream, frame: Uint8Array): Promise<void> => {
  if (!stream.send(lp.encode.single(frame))) await stream.onDrain();
};

export type IndexLookup = (commitment: Hex) => Promise<IndexListing | undefined>;

/** Server side. Never throws (a broken stream is aborted). */
export const serveIndex = async (stream: Stream, lookup: IndexLookup): Promise<"found" | "missing" | "bad-request"> => {
  try {
    let request: Uint8Array | undefined;
    for await (const frame of lp.decode(stream, { maxDataLength: 32 })) {
      request = frame.subarray();
      break;
    }
    if (request === undefined || request.length !== 32) {
      stream.abort(new Error("bad index request"));
      return "bad-request";
    }
    const listing = await lookup(bytesToHex(request));
    if (listing === undefined) {
      await send(stream, Uint8Array.of(NOT_FOUND));
      await stream.close();
      return "missing";
    }
    await send(stream, Uint8Array.of(FOUND));
    const manifest: IndexManifest = {
      method: listing.method,
      files: listing.files.map(({ name, bytes }) => ({ name, bytes })),
    };
    await send(stream, new TextEncoder().encode(JSON.stringify(manifest)));
    const buffer = new Uint8Array(INDEX_FRAME_BYTES);
    for (const file of listing.files) {
      const handle = await open(file.path, "r");
      try {
        for (let offset = 0; offset < file.bytes; ) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, file.bytes - offset), offset);
          if (bytesRead === 0) throw new Error(`${file.path} is shorter than listed`);
          await send(stream, buffer.slice(0, bytesRead));
          offset += bytesRead;
        }
      } finally {
        await handle.close();
      }
    }
    await stream.close();
    return "found";
  } catch (cause) {
    stream.abort(cause instanceof Error ? cause : new Error(String(cause)));
    return "bad-request";
  }
};

const writeAll = (path: string) => {
  const out = createWriteStream(path);
  return {
    write: (chunk: Uint8Array) =>
      new Promise<void>((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve()))),
    end: () =>
      new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve()))),
  };
};

/**
 * Client side: writes the index under `commitment` into `into` (an empty staging directory) and
 * returns its manifest, or throws a FetchProblem. The files are not verified here.
 */
export const requestIndex = async (
  stream: Stream,
  commitment: Hex,
  into: string,
  maxBytes: number,
): Promise<IndexManifest> => {
  await send(stream, hexToBytes(commitment));
  await stream.close();
  let manifest: IndexManifest | undefined;
  let status: number | undefined;
  let file = 0;
  let written = 0;
  let out: ReturnType<typeof writeAll> | undefined;
  const advance = async (): Promise<void> => {
    // skip empty files, open the next one with bytes still to come
    while (manifest !== undefined && file < manifest.files.length && written === manifest.files[file]!.bytes) {
      await out?.end();
      out = undefined;
      file++;
      written = 0;
    }
    if (manifest !== undefined && file < manifest.files.length && out === undefined) {
      out = writeAll(join(into, manifest.files[file]!.name));
    }
  };
  try {
    for await (const list of lp.decode(stream, { maxDataLength: INDEX_FRAME_BYTES })) {
      const frame = list.subarray();
      if (status === undefined) {
        status = frame[0];
        if (frame.length !== 1) throw new FetchProblem("protocol", "bad index status frame");
        if (status === NOT_FOUND) throw new FetchProblem("not-found", `peer does not have index ${commitment}`);
        if (status !== FOUND) throw new FetchProblem("protocol", `unknown index response status ${status}`);
        continue;
      }
      if (manifest === undefined) {
        if (frame.length > MAX_MANIFEST_BYTES) throw new FetchProblem("oversize", "index manifest over 64 KiB");
        manifest = decodeManifest(frame, maxBytes);
        // every file is created, empty ones too
        for (const f of manifest.files) if (f.bytes === 0) await writeAll(join(into, f.name)).end();
        await advance();
        continue;
      }
      if (file >= manifest.files.length) throw new FetchProblem("protocol", "peer sent bytes past the last file");
      const current = manifest.files[file]!;
      if (written + frame.length > current.bytes) {
        throw new FetchProblem(
          "protocol",
          `peer sent more than the ${current.bytes} bytes announced for ${current.name}`,
        );
      }
      await out!.write(frame);
      written += frame.length;
      await advance();
    }
  } catch (cause) {
    await out?.end().catch(() => undefined);
    throw classifyFetchFailure(cause);
  }
  if (status === undefined || manifest === undefined) throw new FetchProblem("protocol", "empty index response");
  if (file < manifest.files.length) {
    await out?.end();
    throw new FetchProblem("protocol", `peer closed the stream inside ${manifest.files[file]!.name}`);
  }
  return manifest;
};

const decodeManifest = (frame: Uint8Array, maxBytes: number): IndexManifest => {
  let manifest: IndexManifest;
  try {
    manifest = Schema.decodeUnknownSync(IndexManifest)(JSON.parse(new TextDecoder().decode(frame)));
  } catch (cause) {
    throw new FetchProblem("protocol", `bad index manifest: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const allowed: ReadonlyArray<string> = INDEX_FILES[manifest.method];
  const names = manifest.files.map((f) => f.name);
  if (new Set(names).size !== names.length || names.some((name) => !allowed.includes(name))) {
    throw new FetchProblem("protocol", `index manifest names files outside ${allowed.join(", ")}: ${names.join(", ")}`);
  }
  const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  if (total > maxBytes) throw new FetchProblem("oversize", `index of ${total} bytes exceeds the limit of ${maxBytes}`);
  return manifest;
};
