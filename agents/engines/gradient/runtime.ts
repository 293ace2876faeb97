/**
 * Runs a gradient graph (models.ts's contract) in ONNX Runtime: per-example gradients, losses and
 * probabilities for a batch, at a given parameter vector (checkpoint).
 */
import { Data, Schema } from "effect";
import * as ort from "onnxruntime-node";
import { decodeModel } from "../../onnx/graph.ts";

export class GradientGraphError extends Data.TaggedError("GradientGraphError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

const Layers = Schema.Array(Schema.Struct({ name: Schema.String, size: Schema.Int }));
const Params = Schema.Array(Schema.Struct({ name: Schema.String, shape: Schema.Array(Schema.Int) }));

export interface GraphInfo {
  readonly layers: ReadonlyArray<{ readonly name: string; readonly size: number }>;
  readonly params: ReadonlyArray<{ readonly name: string; readonly shape: ReadonlyArray<number> }>;
  readonly classes: number;
  readonly features: number;
  /** P: the gradient width, the sum of the layer sizes. */
  readonly gradientSize: number;
}

/** Reads and checks a gradient graph's metadata against the contract. */
export const graphInfo = (bytes: Uint8Array): GraphInfo => {
  let decoded: ReturnType<typeof decodeModel>;
  try {
    decoded = decodeModel(bytes);
  } catch (cause) {
    throw new GradientGraphError({ message: "gradient graph: not an ONNX model", cause });
  }
  const meta = new Map((decoded.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]));
  const json = (key: string): unknown => {
    const raw = meta.get(key);
    if (raw === undefined) throw new GradientGraphError({ message: `gradient graph: metadata ${key} missing` });
    try {
      return JSON.parse(raw);
    } catch (cause) {
      throw new GradientGraphError({ message: `gradient graph: metadata ${key} is not JSON`, cause });
    }
  };
  const decode = <A>(schema: Schema.Codec<A, unknown>, key: string): A => {
    try {
      return Schema.decodeUnknownSync(schema)(json(key));
    } catch (cause) {
      if (cause instanceof GradientGraphError) throw cause;
      throw new GradientGraphError({ message: `gradient graph: metadata ${key} malformed`, cause });
    }
  };
  const layers = decode(Layers, "poa.layers");
  const params = meta.has("poa.params") ? decode(Params, "poa.params") : [];
  const classes = decode(Schema.Int, "poa.classes");
  const features = decode(Schema.Int, "poa.features");
  const gradientSize = layers.reduce((s, l) => s + l.size, 0);
  const paramSize = params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  if (params.length > 0 && paramSize !== gradientSize) {
    throw new GradientGraphError({
      message: `gradient graph: params hold ${paramSize} values, layers ${gradientSize}`,
    });
  }
  const inputs = new Set((decoded.graph?.input ?? []).map((i) => i.name));
  const outputs = new Set((decoded.graph?.output ?? []).map((o) => o.name));
  for (const name of ["features", "label", ...params.map((p) => p.name)]) {
    if (!inputs.has(name)) throw new GradientGraphError({ message: `gradient graph: input ${name} missing` });
  }
  for (const name of ["grad", "loss", "probs"]) {
    if (!outputs.has(name)) throw new GradientGraphError({ message: `gradient graph: output ${name} missing` });
  }
  return { layers, params, classes, features, gradientSize };
};

export interface GradientBatch {
  /** [n, P] per-example gradients. */
  readonly grad: Float32Array;
  readonly loss: Float32Array;
  /** [n, C] */
  readonly probs: Float32Array;
}

export class GradientSession {
  private constructor(
    readonly info: GraphInfo,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(bytes: Uint8Array, threads = 1): Promise<GradientSession> {
    const info = graphInfo(bytes);
    try {
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
      });
      return new GradientSession(info, session);
    } catch (cause) {
      throw new GradientGraphError({ message: "gradient graph: ONNX Runtime rejected the model", cause });
    }
  }

  /** Gradients of `n` rows (features row-major [n, D]) at the flat parameter vector `params`. */
  async run(features: Float32Array, labels: ReadonlyArray<number>, params: Float32Array): Promise<GradientBatch> {
    const n = labels.length;
    const { features: D, gradientSize: P, classes: C } = this.info;
    if (features.length !== n * D) throw new RangeError(`features: ${features.length} values for ${n} rows of ${D}`);
    const feeds: Record<string, ort.Tensor> = {
      features: new ort.Tensor("float32", features, [n, D]),
      label: new ort.Tensor(
        "int64",
        BigInt64Array.from(labels, (l) => BigInt(l)),
        [n],
      ),
    };
    if (this.info.params.length > 0) {
      if (params.length !== P) throw new RangeError(`params: ${params.length} values, graph needs ${P}`);
      let offset = 0;
      for (const p of this.info.params) {
        const size = p.shape.reduce((a, b) => a * b, 1);
        feeds[p.name] = new ort.Tensor("float32", params.slice(offset, offset + size), [...p.shape]);
        offset += size;
      }
    }
    const out = await this.session.run(feeds);
    const grad = out.grad?.data;
    const loss = out.loss?.data;
    const probs = out.probs?.data;
    if (!(grad instanceof Float32Array && loss instanceof Float32Array && probs instanceof Float32Array)) {
      throw new GradientGraphError({ message: "gradient graph: outputs are not float32" });
    }
    if (grad.length !== n * P || probs.length !== n * C || loss.length !== n) {
      throw new GradientGraphError({ message: "gradient graph: output shapes do not match the metadata" });
    }
    return { grad, loss, probs };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * A batch training graph (models.ts `buildTrainingModel`): the mean gradient and summed loss of a batch,
 * for fast retraining; parameters are inputs, as in the gradient graph.
 */
export class BatchGradientSession {
  private constructor(
    readonly info: GraphInfo,
    private readonly session: ort.InferenceSession,
  ) {}

  /** `info` is the matching gradient graph's (same parameters and layers). */
  static async create(bytes: Uint8Array, info: GraphInfo, threads = 1): Promise<BatchGradientSession> {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
    return new BatchGradientSession(info, session);
  }

  async run(
    features: Float32Array,
    labels: ReadonlyArray<number>,
    params: Float32Array,
  ): Promise<{ grad: Float32Array; lossSum: number }> {
    const n = labels.length;
    const { features: D, gradientSize: P } = this.info;
    const feeds: Record<string, ort.Tensor> = {
      features: new ort.Tensor("float32", features, [n, D]),
      label: new ort.Tensor(
        "int64",
        BigInt64Array.from(labels, (l) => BigInt(l)),
        [n],
      ),
      scale: new ort.Tensor("float32", Float32Array.of(1 / n), []),
    };
    let offset = 0;
    for (const p of this.info.params) {
      const size = p.shape.reduce((a, b) => a * b, 1);
      feeds[p.name] = new ort.Tensor("float32", params.subarray(offset, offset + size), [...p.shape]);
      offset += size;
    }
    const out = await this.session.run(feeds);
    const grad = out.grad?.data;
    const loss = out.loss?.data;
    if (!(grad instanceof Float32Array && loss instanceof Float32Array) || grad.length !== P) {
      throw new GradientGraphError({ message: "training graph: unexpected outputs" });
    }
    return { grad, lossSum: loss[0]! };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
