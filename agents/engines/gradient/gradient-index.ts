/**
 * The attribution index of a gradient model: per training example (its contribution id), the
 * quantized, projected loss gradient at every checkpoint (quantize.ts), plus DataInf's precomputed
 * statistics (per-segment squared norms and per-layer damping λ).
 *
 * File (container.ts, magic "POAGIDX", version 1): header JSON (IndexHeader), then the body
 *   ids        count × uint64 LE     contribution ids, in row order
 *   exponents  count × S × uint8     row exponent per segment
 *   vectors    count × dims × int8   the embeddings, row-major
 *   norms      count × S × int32 LE  Σ v² per segment (DataInf statistics)
 *
 * Commitment (bytes32, the model's attribution-index commitment in ModelRegistry):
 *   leaf_i     keccak256(0x00 ‖ uint64 i ‖ uint64 contributionId_i ‖ exponents_i ‖ vector_i)   (big-endian ints)
 *   node       keccak256(0x01 ‖ left ‖ right), the leaf row padded to a power of two with 32 zero bytes
 *   commitment keccak256(0x03 ‖ keccak256(header JSON bytes) ‖ uint64 count ‖ treeRoot)
 * The header binds the gradient graph and checkpoints by hash, so the commitment fixes the whole method.
 */
import { Schema } from "effect";
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";
import { GradientFileError, readContainer, writeContainer } from "./container.ts";
import { fracBitsFor, projectSegment, rademacher, type Segment, toInt8 } from "./quantize.ts";
import type { GradientSession } from "./runtime.ts";

export const INDEX_MAGIC = "POAGIDX";
export const INDEX_VERSION = 1;
/** Embedding width limit: keeps an int8 dot product below 2^31 (127² · 2^17) and scores exact. */
export const MAX_DIMS = 8192;

const SegmentSchema = Schema.Struct({
  checkpoint: Schema.Int,
  layer: Schema.Int,
  paramOffset: Schema.Int,
  size: Schema.Int,
  offset: Schema.Int,
  dims: Schema.Int,
  fracBits: Schema.Int,
});

export const IndexHeader = Schema.Struct({
  version: Schema.Literal(INDEX_VERSION),
  gradientGraph: Schema.String,
  checkpoints: Schema.String,
  checkpointCount: Schema.Int,
  layers: Schema.Array(Schema.Struct({ name: Schema.String, size: Schema.Int })),
  buckets: Schema.Int,
  classes: Schema.Array(Schema.String),
  projection: Schema.Struct({ seed: Schema.Int, dims: Schema.Int }),
  segments: Schema.Array(SegmentSchema),
  dims: Schema.Int,
  count: Schema.Int,
  /** DataInf damping per layer, on the final checkpoint: 0.1 · mean over rows and dims of (v · 2^e)². */
  lambdas: Schema.Array(Schema.Number),
});
export type IndexHeader = typeof IndexHeader.Type;

export interface GradientIndex {
  readonly header: IndexHeader;
  readonly ids: BigUint64Array;
  readonly exponents: Uint8Array;
  readonly vectors: Int8Array;
  readonly norms: Int32Array;
}

export const segmentCount = (h: IndexHeader): number => h.segments.length;

/** Segment indices of the final checkpoint, one per layer: where DataInf works. */
export const finalSegments = (h: IndexHeader): number[] =>
  h.segments.flatMap((s, i) => (s.checkpoint === h.checkpointCount - 1 ? [i] : []));

export const projections = (h: IndexHeader): Array<Int8Array | null> =>
  h.layers.map((l, i) =>
    l.size <= h.projection.dims ? null : rademacher(h.projection.seed, i, l.size, h.projection.dims),
  );

export interface Embedding {
  readonly vector: Int8Array;
  readonly exponents: Uint8Array;
}

/** Steps 1–3 of quantize.ts for one gradient row at one checkpoint, written into `into` at `row`. */
const embedInto = (
  h: IndexHeader,
  proj: ReadonlyArray<Int8Array | null>,
  checkpoint: number,
  grad: Float32Array,
  gradOffset: number,
  vector: Int8Array,
  vectorOffset: number,
  exponents: Uint8Array,
  exponentOffset: number,
) => {
  h.segments.forEach((s, si) => {
    if (s.checkpoint !== checkpoint) return;
    const p = projectSegment(grad, gradOffset, s, proj[s.layer] ?? null);
    exponents[exponentOffset + si] = toInt8(p, vector, vectorOffset + s.offset);
  });
};

export interface IndexInput {
  readonly features: Float32Array;
  readonly labels: ReadonlyArray<number>;
  readonly ids: ReadonlyArray<bigint>;
}

export interface IndexOptions {
  readonly dims: number;
  readonly seed: number;
  readonly batch: number;
  readonly buckets: number;
  readonly classes: ReadonlyArray<string>;
  readonly gradientGraph: Hex;
  readonly checkpointsHash: Hex;
}

/** Builds the index: pass 1 fixes each segment's fixed-point scale, pass 2 embeds every row. */
export const buildIndex = async (
  session: GradientSession,
  checkpoints: ReadonlyArray<Float32Array>,
  input: IndexInput,
  options: IndexOptions,
): Promise<GradientIndex> => {
  const n = input.labels.length;
  const { layers, gradientSize: P, features: D } = session.info;
  if (input.ids.length !== n || input.features.length !== n * D) throw new RangeError("index input: lengths differ");
  if (new Set(input.ids).size !== n) throw new RangeError("index input: contribution ids must be unique");
  // |p| ≤ 2^24 · size must stay below 2^53 for the projection to be exact in float64
  if (layers.some((l) => l.size > 2 ** 28)) throw new RangeError("index input: a layer has more than 2^28 parameters");
  const layerOffsets = layers.map((_, i) => layers.slice(0, i).reduce((s, l) => s + l.size, 0));
  const maxAbs = checkpoints.map(() => layers.map(() => 0));
  const forBatches = async (ck: number, f: (grad: Float32Array, start: number, rows: number) => void) => {
    for (let start = 0; start < n; start += options.batch) {
      const end = Math.min(n, start + options.batch);
      const out = await session.run(
        input.features.subarray(start * D, end * D),
        input.labels.slice(start, end),
        checkpoints[ck]!,
      );
      f(out.grad, start, end - start);
    }
  };
  for (let ck = 0; ck < checkpoints.length; ck++) {
    await forBatches(ck, (grad) => {
      const m = maxAbs[ck]!;
      layers.forEach((l, li) => {
        for (let r = 0; r < grad.length / P; r++) {
          const base = r * P + layerOffsets[li]!;
          for (let j = 0; j < l.size; j++) m[li] = Math.max(m[li]!, Math.abs(grad[base + j]!));
        }
      });
    });
  }
  const segments: Segment[] = [];
  let dims = 0;
  for (let ck = 0; ck < checkpoints.length; ck++) {
    layers.forEach((l, li) => {
      const width = Math.min(l.size, options.dims);
      segments.push({
        checkpoint: ck,
        layer: li,
        paramOffset: layerOffsets[li]!,
        size: l.size,
        offset: dims,
        dims: width,
        fracBits: fracBitsFor(maxAbs[ck]![li]!),
      });
      dims += width;
    });
  }
  if (dims > MAX_DIMS) throw new RangeError(`embedding width ${dims} exceeds ${MAX_DIMS}: lower --dims or checkpoints`);
  const S = segments.length;
  const partial: IndexHeader = {
    version: INDEX_VERSION,
    gradientGraph: options.gradientGraph,
    checkpoints: options.checkpointsHash,
    checkpointCount: checkpoints.length,
    layers: layers.map((l) => ({ name: l.name, size: l.size })),
    buckets: options.buckets,
    classes: [...options.classes],
    projection: { seed: options.seed, dims: options.dims },
    segments,
    dims,
    count: n,
    lambdas: [],
  };
  const proj = projections(partial);
  const vectors = new Int8Array(n * dims);
  const exponents = new Uint8Array(n * S);
  for (let ck = 0; ck < checkpoints.length; ck++) {
    await forBatches(ck, (grad, start, rows) => {
      for (let r = 0; r < rows; r++) {
        embedInto(partial, proj, ck, grad, r * P, vectors, (start + r) * dims, exponents, (start + r) * S);
      }
    });
  }
  const norms = computeNorms(partial, vectors);
  const lambdas = finalSegments(partial).map((si) => {
    const s = segments[si]!;
    let total = 0;
    for (let i = 0; i < n; i++) total += norms[i * S + si]! * 4 ** exponents[i * S + si]!;
    return (0.1 * total) / (n * s.dims);
  });
  return {
    header: { ...partial, lambdas },
    ids: BigUint64Array.from(input.ids),
    exponents,
    vectors,
    norms,
  };
};

export const computeNorms = (h: IndexHeader, vectors: Int8Array): Int32Array => {
  const S = h.segments.length;
  const norms = new Int32Array(h.count * S);
  for (let i = 0; i < h.count; i++) {
    h.segments.forEach((s, si) => {
      let sum = 0;
      const base = i * h.dims + s.offset;
      for (let k = 0; k < s.dims; k++) sum += vectors[base + k]! * vectors[base + k]!;
      norms[i * S + si] = sum;
    });
  }
  return norms;
};

/** The query side: embed one gradient row (from the same checkpoint's graph run) with the index's rule. */
export const embedQuery = (
  h: IndexHeader,
  proj: ReadonlyArray<Int8Array | null>,
  gradsPerCheckpoint: ReadonlyArray<Float32Array>,
): Embedding => {
  const vector = new Int8Array(h.dims);
  const exponents = new Uint8Array(h.segments.length);
  gradsPerCheckpoint.forEach((grad, ck) => {
    embedInto(h, proj, ck, grad, 0, vector, 0, exponents, 0);
  });
  return { vector, exponents };
};

/** The near-tie tolerance: a recomputed embedding within this many quanta of the claimed one is accepted. */
export const NEAR_TIE_QUANTA = 1;

/**
 * Distance between two embeddings of the same index, in quanta of the coarser one:
 * max over coordinates of |v'_k·2^e' − v_k·2^e| / 2^max(e, e') (docs/gradient-engine.md, near-tie policy).
 */
export const embeddingDistance = (a: Embedding, b: Embedding, h: IndexHeader): number => {
  let worst = 0;
  h.segments.forEach((seg, s) => {
    const ea = a.exponents[s]!;
    const eb = b.exponents[s]!;
    const unit = 2 ** Math.max(ea, eb);
    for (let k = seg.offset; k < seg.offset + seg.dims; k++) {
      worst = Math.max(worst, Math.abs(a.vector[k]! * 2 ** ea - b.vector[k]! * 2 ** eb) / unit);
    }
  });
  return worst;
};

const headerJson = (h: IndexHeader): string => JSON.stringify(Schema.encodeSync(IndexHeader)(h));

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export const encodeIndex = (index: GradientIndex): Uint8Array => {
  const ids = new Uint8Array(index.ids.length * 8);
  const idView = new DataView(ids.buffer);
  index.ids.forEach((id, i) => {
    idView.setBigUint64(i * 8, id, true);
  });
  const norms = new Uint8Array(index.norms.length * 4);
  const normView = new DataView(norms.buffer);
  index.norms.forEach((v, i) => {
    normView.setInt32(i * 4, v, true);
  });
  return writeContainer(INDEX_MAGIC, INDEX_VERSION, headerJson(index.header), [
    ids,
    index.exponents,
    bytesOf(index.vectors),
    norms,
  ]);
};

export const decodeIndex = (bytes: Uint8Array, file = "index"): GradientIndex => {
  const { header: raw, body } = readContainer(file, INDEX_MAGIC, INDEX_VERSION, bytes);
  let header: IndexHeader;
  try {
    header = Schema.decodeUnknownSync(IndexHeader)(JSON.parse(raw));
  } catch (cause) {
    throw new GradientFileError({ file, reason: "header", message: `${file}: malformed index header`, cause });
  }
  const { count: n, dims } = header;
  const S = header.segments.length;
  const expected = n * 8 + n * S + n * dims + n * S * 4;
  if (body.length !== expected) {
    throw new GradientFileError({
      file,
      reason: "body",
      message: `${file}: body is ${body.length} bytes, expected ${expected}`,
    });
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const ids = new BigUint64Array(n);
  for (let i = 0; i < n; i++) ids[i] = view.getBigUint64(i * 8, true);
  let offset = n * 8;
  const exponents = body.slice(offset, offset + n * S);
  offset += n * S;
  const vectors = new Int8Array(body.slice(offset, offset + n * dims).buffer);
  offset += n * dims;
  const norms = new Int32Array(n * S);
  for (let i = 0; i < n * S; i++) norms[i] = view.getInt32(offset + i * 4, true);
  if (new Set(ids).size !== n) {
    throw new GradientFileError({ file, reason: "body", message: `${file}: duplicate contribution id` });
  }
  return { header, ids, exponents, vectors, norms };
};

const u64 = (v: bigint | number): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(v));
  return out;
};

const ZERO = new Uint8Array(32);

/** The leaf of row i (see the commitment above). */
export const rowLeaf = (index: GradientIndex, i: number): Uint8Array => {
  const { dims } = index.header;
  const S = index.header.segments.length;
  return keccak256(
    concatBytes([
      Uint8Array.of(0),
      u64(i),
      u64(index.ids[i]!),
      index.exponents.subarray(i * S, (i + 1) * S),
      bytesOf(index.vectors.subarray(i * dims, (i + 1) * dims)),
    ]),
    "bytes",
  );
};

const nodeHash = (left: Uint8Array, right: Uint8Array) =>
  keccak256(concatBytes([Uint8Array.of(1), left, right]), "bytes");

/** Every row of the Merkle tree, leaves first, padded to a power of two. */
const treeRows = (index: GradientIndex): Uint8Array[][] => {
  let row: Uint8Array[] = [];
  for (let i = 0; i < index.header.count; i++) row.push(rowLeaf(index, i));
  let width = 1;
  while (width < row.length) width *= 2;
  while (row.length < width) row.push(ZERO);
  const rows = [row];
  while (row.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i]!, row[i + 1]!));
    rows.push(next);
    row = next;
  }
  return rows;
};

const headerHash = (h: IndexHeader): Uint8Array => keccak256(new TextEncoder().encode(headerJson(h)), "bytes");

const wrap = (hHash: Uint8Array, count: number, root: Uint8Array): Hex =>
  bytesToHex(keccak256(concatBytes([Uint8Array.of(3), hHash, u64(count), root]), "bytes"));

/** The attribution-index commitment (bytes32) described above. */
export const indexCommitment = (index: GradientIndex): Hex => {
  const rows = treeRows(index);
  return wrap(headerHash(index.header), index.header.count, rows[rows.length - 1]![0]!);
};

/** What opens one committed row: its data and Merkle path (what a challenger exhibits on chain). */
export interface RowProof {
  readonly row: number;
  readonly contributionId: bigint;
  readonly exponents: Uint8Array;
  readonly vector: Int8Array;
  readonly siblings: ReadonlyArray<Hex>;
}

export const rowProof = (index: GradientIndex, i: number): RowProof => {
  const { count, dims } = index.header;
  if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`row ${i} out of range [0, ${count})`);
  const S = index.header.segments.length;
  const rows = treeRows(index);
  const siblings: Hex[] = [];
  let position = i;
  for (const row of rows.slice(0, -1)) {
    siblings.push(bytesToHex(row[position ^ 1]!));
    position >>= 1;
  }
  return {
    row: i,
    contributionId: index.ids[i]!,
    exponents: index.exponents.slice(i * S, (i + 1) * S),
    vector: index.vectors.slice(i * dims, (i + 1) * dims),
    siblings,
  };
};

/** Checks a row proof against a commitment, given the index header (whose hash the commitment binds). */
export const verifyRow = (commitment: Hex, header: IndexHeader, proof: RowProof): boolean => {
  const S = header.segments.length;
  if (proof.row < 0 || proof.row >= header.count) return false;
  if (proof.exponents.length !== S || proof.vector.length !== header.dims) return false;
  let depth = 0;
  while (1 << depth < header.count) depth++;
  if (proof.siblings.length !== depth) return false;
  let node = keccak256(
    concatBytes([Uint8Array.of(0), u64(proof.row), u64(proof.contributionId), proof.exponents, bytesOf(proof.vector)]),
    "bytes",
  );
  let position = proof.row;
  for (const sibling of proof.siblings) {
    const s = hexToBytes(sibling);
    node = position & 1 ? nodeHash(s, node) : nodeHash(node, s);
    position >>= 1;
  }
  return wrap(headerHash(header), header.count, node) === commitment;
};
