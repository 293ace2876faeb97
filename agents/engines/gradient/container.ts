/**
 * The checksummed binary container shared by the index and checkpoint files:
 *
 *   magic     8 bytes   e.g. "POAGIDX\0"
 *   version   uint32 LE
 *   hlen      uint32 LE  length of the header
 *   header    hlen bytes  UTF-8 JSON (schema-checked by the reader)
 *   body      the file's arrays, little-endian, back to back
 *   checksum  32 bytes   sha256 of everything before it
 */
import { createHash } from "node:crypto";
import { Data } from "effect";

export class GradientFileError extends Data.TaggedError("GradientFileError")<{
  readonly file: string;
  readonly reason: "unreadable" | "truncated" | "magic" | "version" | "checksum" | "header" | "body";
  readonly message: string;
  readonly cause?: unknown;
}> {}

export const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(bytes).digest());

export const writeContainer = (magic: string, version: number, header: string, body: ReadonlyArray<Uint8Array>) => {
  const magicBytes = new TextEncoder().encode(magic.padEnd(8, "\0"));
  const headerBytes = new TextEncoder().encode(header);
  const bodyLength = body.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(16 + headerBytes.length + bodyLength + 32);
  out.set(magicBytes.subarray(0, 8), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  let offset = 16 + headerBytes.length;
  for (const b of body) {
    out.set(b, offset);
    offset += b.length;
  }
  out.set(sha256(out.subarray(0, offset)), offset);
  return out;
};

export interface Container {
  readonly header: string;
  readonly body: Uint8Array;
}

export const readContainer = (file: string, magic: string, version: number, bytes: Uint8Array): Container => {
  const fail = (reason: GradientFileError["reason"], message: string) =>
    new GradientFileError({ file, reason, message: `${file}: ${message}` });
  if (bytes.length < 16 + 32) throw fail("truncated", `${bytes.length} bytes is too short`);
  const expectedMagic = new TextEncoder().encode(magic.padEnd(8, "\0")).subarray(0, 8);
  if (!expectedMagic.every((b, i) => bytes[i] === b)) throw fail("magic", "not a file of this kind (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(8, true);
  if (found !== version) throw fail("version", `version ${found} is not supported (expected ${version})`);
  const end = bytes.length - 32;
  const actual = sha256(bytes.subarray(0, end));
  if (!actual.every((b, i) => bytes[end + i] === b)) throw fail("checksum", "checksum mismatch: the file is corrupt");
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > end) throw fail("truncated", "header runs past the end");
  return {
    header: new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)),
    body: bytes.slice(16 + headerLength, end),
  };
};
