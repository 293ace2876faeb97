/**
 * A small, strict reader and writer for the safetensors format (the file PEFT writes as
 * `adapter_model.safetensors`):
 *
 * | bytes        | content                                                              |
 * |--------------|----------------------------------------------------------------------|
 * | 0..8         | N, the header length, unsigned 64-bit little endian                  |
 * | 8..8+N       | UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {string: string} } |
 * | 8+N..        | the tensor bytes; offsets are relative to this point                 |
 *
 * Every tensor is checked: a known dtype, a shape whose element count matches its byte span, spans
 * inside the buffer, not overlapping and covering the buffer exactly. F32, F16 and BF16 tensors are
 * widened to float32 on read (adapters are tiny next to the base model, so this costs little).
 */
import { Data, Schema } from "effect";
import { f16ToF32 } from "./half.ts";

export class SafetensorsError extends Data.TaggedError("SafetensorsError")<{ readonly message: string }> {}

const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
type Dtype = keyof typeof DTYPE_BYTES;
const FLOAT_DTYPES: ReadonlyArray<Dtype> = ["F32", "F16", "BF16", "F64"];

const TensorEntry = Schema.Struct({
  dtype: Schema.Literals(Object.keys(DTYPE_BYTES) as [Dtype, ...Dtype[]]),
  shape: Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  data_offsets: Schema.Tuple([
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  ]),
});
const decodeEntry = Schema.decodeUnknownExit(TensorEntry);
const Metadata = Schema.Record(Schema.String, Schema.String);
const decodeMetadata = Schema.decodeUnknownExit(Metadata);

export interface FloatTensor {
  readonly shape: ReadonlyArray<number>;
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, FloatTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Header lengths above this are refused (the reference implementation uses 100 MB). */
const MAX_HEADER = 100_000_000;

const fail = (message: string) => new SafetensorsError({ message });

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const widen = (dtype: Dtype, bytes: Uint8Array, count: number): Float32Array => {
  if (dtype === "F32" && LITTLE_ENDIAN) {
    // One aligned copy. Never view `bytes.buffer` directly: a Node Buffer (what readFile returns) is a
    // view into a larger, often pooled, ArrayBuffer, and its `slice` is a view too, not a copy.
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === "F32") out[i] = view.getFloat32(i * 4, true);
    else if (dtype === "F64") out[i] = view.getFloat64(i * 8, true);
    else if (dtype === "F16") out[i] = f16ToF32(view.getUint16(i * 2, true));
    else out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!; // BF16
  }
  return out;
};

/** Parses a safetensors buffer; every float tensor comes back as float32. Throws SafetensorsError. */
export const parseSafetensors = (buffer: Uint8Array): SafetensorsFile => {
  const gen = parseSteps(buffer);
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value;
  }
};

/**
 * The same, giving the event loop a turn between tensors: a cold adapter load (hundreds of tensors to
 * widen from F16/BF16) never holds up the serving loop for more than one tensor.
 */
export const parseSafetensorsAsync = async (buffer: Uint8Array): Promise<SafetensorsFile> => {
  const gen = parseSteps(buffer);
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
};

function* parseSteps(buffer: Uint8Array): Generator<void, SafetensorsFile> {
  if (buffer.byteLength < 8) throw fail(`file is ${buffer.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, buffer.byteLength - 8))) {
    throw fail(`header length ${headerLength} does not fit in a ${buffer.byteLength}-byte file`);
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(8, 8 + n)));
  } catch (cause) {
    throw fail(`header is not UTF-8 JSON (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw fail("header is not a JSON object");
  const data = buffer.subarray(8 + n);
  const spans: Array<readonly [number, number, string]> = [];
  const tensors = new Map<string, FloatTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      const m = decodeMetadata(raw);
      if (m._tag === "Failure") throw fail("__metadata__ must map strings to strings");
      metadata = { ...m.value };
      continue;
    }
    const decoded = decodeEntry(raw);
    if (decoded._tag === "Failure") throw fail(`tensor ${name}: malformed entry ${JSON.stringify(raw)}`);
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = decoded.value;
    const count = shape.reduce((a, b) => a * b, 1);
    if (end < begin || end > data.byteLength) {
      throw fail(`tensor ${name}: bytes [${begin}, ${end}) outside the ${data.byteLength}-byte data section`);
    }
    if (end - begin !== count * DTYPE_BYTES[dtype]) {
      throw fail(`tensor ${name}: ${end - begin} bytes for ${dtype} shape [${shape.join(", ")}]`);
    }
    spans.push([begin, end, name]);
    if (!FLOAT_DTYPES.includes(dtype)) continue; // integer tensors are validated but not needed by adapters
    tensors.set(name, { shape: [...shape], data: widen(dtype, data.subarray(begin, end), count) });
    yield;
  }
  spans.sort((a, b) => a[0] - b[0]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== cursor) throw fail(`tensor ${name}: starts at ${begin}, expected ${cursor} (gap or overlap)`);
    cursor = end;
  }
  if (cursor !== data.byteLength) throw fail(`data section has ${data.byteLength - cursor} trailing bytes`);
  return { tensors, metadata };
}

/** Writes float32 tensors as safetensors (sorted by name, as the reference writer does). */
export const serializeSafetensors = (
  tensors: ReadonlyMap<string, FloatTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array => {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw fail(`tensor ${name}: ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // align the data section, like the reference writer
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const name of names) {
    const t = tensors.get(name)!;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
};
