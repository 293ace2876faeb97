/**
 * Request/response protocols for bodies too large to gossip, fetched by their hash from any peer
 * and checked by the receiver, so a lying peer is detected and nothing it sends is trusted.
 *
 * Framing: every frame is unsigned-varint length-prefixed (it-length-prefixed); the requester
 * writes one request frame and closes its write side; the responder writes its frames and closes.
 *
 * `/poa/batch/1`   request  = batchHash (32 bytes)
 *                  response = one frame: status byte (0 found, 1 not found) ‖ body
 *                  check    : keccak256(body) == batchHash, body ≤ maxBodyBytes
 *
 * `/poa/text/1`    request  = keccak256 of a receipt's text (32 bytes: its requestHash or outputHash)
 *                  response = as `/poa/batch/1` (status byte ‖ text bytes)
 *                  check    : keccak256(text) == the requested hash, text ≤ 1 MiB
 *
 * `/poa/content/1` request  = contentRoot (32 bytes) ‖ byteLength (uint64 big-endian)
 *                  response = status frame (one byte: 0 found, 1 not found), then one frame per chunk
 *                             in index order: index (uint32 BE) ‖ sibling count (uint8) ‖ siblings
 *                             (32 bytes each) ‖ chunk bytes
 *                  check    : every chunk passes verifyChunk(root, byteLength, proof) (agents/content/merkle.ts)
 */
import type { Stream } from "@libp2p/interface";
import * as lp from "it-length-prefixed";
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";
import { CHUNK_SIZE, type ChunkProof, chunkCount, chunkProofs, contentRoot, verifyChunk } from "../content/merkle.ts";

export const BATCH_PROTOCOL = "/poa/batch/1";
export const CONTENT_PROTOCOL = "/poa/content/1";
/** A receipt's texts (canonical request bytes, answer bytes) by keccak256: the `/poa/batch/1` framing. */
export const TEXT_PROTOCOL = "/poa/text/1";

const FOUND = 0;
const NOT_FOUND = 1;

export type FetchFailure = "not-found" | "hash-mismatch" | "bad-chunk" | "oversize" | "protocol" | "timeout";

/** A failure the requester can attribute to the responder (or to the network, for timeouts). */
export class FetchProblem extends Error {
  constructor(
    readonly reason: FetchFailure,
    message: string,
  ) {
    super(message);
  }
}

const send = async (stream: Stream, frame: Uint8Array): Promise<void> => {
  if (!stream.send(lp.encode.single(frame))) await stream.onDrain();
};

/** Reads frames until the remote closes its side; the iterator throws on an oversize frame. */
const frames = (stream: Stream, maxDataLength: number) => lp.decode(stream, { maxDataLength });

const readFirstFrame = async (stream: Stream, maxDataLength: number): Promise<Uint8Array | undefined> => {
  for await (const frame of frames(stream, maxDataLength)) return frame.subarray();
  return undefined;
};

export type BodyLookup = (key: Hex) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** Server side of `/poa/batch/1` and `/poa/text/1` (bodies keyed by keccak256). Never throws (a broken stream is aborted). */
export const serveBatch = async (stream: Stream, lookup: BodyLookup): Promise<"found" | "missing" | "bad-request"> => {
  try {
    const request = await readFirstFrame(stream, 32);
    if (request === undefined || request.length !== 32) {
      stream.abort(new Error("bad batch request"));
      return "bad-request";
    }
    const body = await lookup(bytesToHex(request));
    await send(stream, body === undefined ? Uint8Array.of(NOT_FOUND) : concatBytes([Uint8Array.of(FOUND), body]));
    await stream.close();
    return body === undefined ? "missing" : "found";
  } catch (cause) {
    stream.abort(cause instanceof Error ? cause : new Error(String(cause)));
    return "bad-request";
  }
};

/** Client side of `/poa/batch/1` and `/poa/text/1`: the body whose keccak256 is `hash`, or a FetchProblem. */
export const requestBatch = async (stream: Stream, hash: Hex, maxBodyBytes: number): Promise<Uint8Array> => {
  await send(stream, hexToBytes(hash));
  await stream.close();
  let response: Uint8Array | undefined;
  try {
    response = await readFirstFrame(stream, maxBodyBytes + 1);
  } catch (cause) {
    throw classify(cause);
  }
  if (response === undefined || response.length === 0) throw new FetchProblem("protocol", "empty batch response");
  if (response[0] === NOT_FOUND) throw new FetchProblem("not-found", `peer does not have batch ${hash}`);
  if (response[0] !== FOUND) throw new FetchProblem("protocol", `unknown batch response status ${response[0]}`);
  const body = response.subarray(1);
  if (keccak256(body) !== hash.toLowerCase()) {
    throw new FetchProblem("hash-mismatch", `peer sent a body whose keccak256 is ${keccak256(body)}, not ${hash}`);
  }
  return body.slice();
};

const encodeChunk = (proof: ChunkProof): Uint8Array => {
  const header = new Uint8Array(5);
  const view = new DataView(header.buffer);
  view.setUint32(0, proof.index);
  view.setUint8(4, proof.siblings.length);
  return concatBytes([header, ...proof.siblings.map((s) => hexToBytes(s)), proof.chunk]);
};

const decodeChunk = (frame: Uint8Array): ChunkProof | undefined => {
  if (frame.length < 5) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const index = view.getUint32(0);
  const count = view.getUint8(4);
  const chunkStart = 5 + 32 * count;
  if (frame.length < chunkStart) return undefined;
  const siblings: Hex[] = [];
  for (let i = 0; i < count; i++) siblings.push(bytesToHex(frame.subarray(5 + 32 * i, 5 + 32 * (i + 1))));
  return { index, siblings, chunk: frame.subarray(chunkStart) };
};

/** Largest chunk frame: header, up to 32 levels of siblings, one chunk. */
const MAX_CHUNK_FRAME = 5 + 32 * 32 + CHUNK_SIZE;

/** Server side of `/poa/content/1`. Serves only content whose root and length match the request. */
export const serveContent = async (
  stream: Stream,
  lookup: BodyLookup,
): Promise<"found" | "missing" | "bad-request"> => {
  try {
    const request = await readFirstFrame(stream, 40);
    if (request === undefined || request.length !== 40) {
      stream.abort(new Error("bad content request"));
      return "bad-request";
    }
    const root = bytesToHex(request.subarray(0, 32));
    const byteLength = Number(new DataView(request.buffer, request.byteOffset + 32, 8).getBigUint64(0));
    const content = await lookup(root);
    if (content === undefined || content.length !== byteLength || content.length === 0) {
      await send(stream, Uint8Array.of(NOT_FOUND));
      await stream.close();
      return "missing";
    }
    await send(stream, Uint8Array.of(FOUND));
    for (const proof of chunkProofs(content)) await send(stream, encodeChunk(proof));
    await stream.close();
    return "found";
  } catch (cause) {
    stream.abort(cause instanceof Error ? cause : new Error(String(cause)));
    return "bad-request";
  }
};

/** Client side of `/poa/content/1`: the content under `root`, every chunk verified on arrival. */
export const requestContent = async (
  stream: Stream,
  root: Hex,
  byteLength: number,
  maxBodyBytes: number,
): Promise<Uint8Array> => {
  if (!Number.isSafeInteger(byteLength) || byteLength <= 0) {
    throw new FetchProblem("protocol", `content length must be a positive integer, got ${byteLength}`);
  }
  if (byteLength > maxBodyBytes) throw new FetchProblem("oversize", `content of ${byteLength} bytes exceeds the limit`);
  const request = new Uint8Array(40);
  request.set(hexToBytes(root), 0);
  new DataView(request.buffer).setBigUint64(32, BigInt(byteLength));
  await send(stream, request);
  await stream.close();
  const expected = chunkCount(byteLength);
  const chunks: Uint8Array[] = [];
  let status: number | undefined;
  try {
    for await (const list of frames(stream, MAX_CHUNK_FRAME)) {
      const frame = list.subarray();
      if (status === undefined) {
        status = frame[0];
        if (frame.length !== 1) throw new FetchProblem("protocol", "bad content status frame");
        if (status === NOT_FOUND) throw new FetchProblem("not-found", `peer does not have content ${root}`);
        if (status !== FOUND) throw new FetchProblem("protocol", `unknown content response status ${status}`);
        continue;
      }
      const proof = decodeChunk(frame);
      if (proof === undefined || proof.index !== chunks.length || !verifyChunk(root, byteLength, proof)) {
        throw new FetchProblem("bad-chunk", `chunk ${chunks.length} of ${root} does not verify against the root`);
      }
      chunks.push(proof.chunk.slice());
      if (chunks.length === expected) break;
    }
  } catch (cause) {
    throw classify(cause);
  }
  if (status === undefined) throw new FetchProblem("protocol", "empty content response");
  if (chunks.length !== expected) {
    throw new FetchProblem("protocol", `peer sent ${chunks.length} of ${expected} chunks of ${root}`);
  }
  const content = concatBytes(chunks);
  // verifyChunk on every chunk already pins the bytes; this re-check guards the reassembly.
  if (contentRoot(content) !== root.toLowerCase()) throw new FetchProblem("bad-chunk", "reassembled content mismatch");
  return content;
};

const classify = (cause: unknown): FetchProblem => {
  if (cause instanceof FetchProblem) return cause;
  const name = cause instanceof Error ? cause.name : "";
  const message = cause instanceof Error ? cause.message : String(cause);
  if (name === "InvalidDataLengthError" || /data length/i.test(message)) {
    return new FetchProblem("oversize", `peer sent a frame over the size limit: ${message}`);
  }
  if (name === "AbortError" || name === "TimeoutError" || /abort|timeout/i.test(message)) {
    return new FetchProblem("timeout", `request timed out: ${message}`);
  }
  return new FetchProblem("protocol", message);
};

export { classify as classifyFetchFailure };
