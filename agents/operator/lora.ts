/**
 * The graph rewrite that turns a base decoder into a multi-adapter one (Punica's "one base pass plus a
 * batched per-row LoRA term"): every targeted projection `y = x·W` becomes
 *
 *     y = x·W + (x · A_bank[slot]) · B_bank[slot]
 *
 * where `lora_slot` [batch] picks one slot per row, `A_bank` [slots, in, R] holds Aᵀ and `B_bank`
 * [slots, R, out] holds s·Bᵀ (s = alpha / r, folded in at load time). Slot 0 stays zero: the base model.
 * Banks are plain graph inputs with no initializer (onnxruntime-node ignores feeds for inputs that also
 * have an initializer, so any such initializer is stripped).
 *
 * Targets are found by node name, the way `optimum-cli export onnx` names a Llama/Mistral projection:
 * `/model/layers.{i}/self_attn/q_proj/MatMul`, `/model/layers.{i}/mlp/down_proj/MatMul`, …
 */
import { Data } from "effect";
import type { onnx as OnnxNamespace } from "onnx-proto";
import { dataType, floatTensor, floatValues, int64Tensor, node, onnx, valueInfo } from "../onnx/graph.ts";
import { f16ToF32, f32ToF16 } from "./half.ts";

export class GraphRewriteError extends Data.TaggedError("GraphRewriteError")<{ readonly message: string }> {}

export interface LoraTarget {
  /** `layers.{layer}.{module}`, the key adapters use. */
  readonly key: string;
  readonly layer: number;
  readonly module: string;
  /** The module path between the layer and the projection, e.g. `self_attn` or `mlp` (PEFT's module name). */
  readonly block: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bankA: string;
  readonly bankB: string;
}

export const SLOT_INPUT = "lora_slot";

const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

const TARGET_NAME = /\/layers\.(\d+)\/((?:[\w.]+\/)*)(\w+_proj)\/MatMul$/;

interface FoundTarget {
  readonly node: OnnxNamespace.INodeProto;
  readonly layer: number;
  readonly module: string;
  readonly block: string;
  readonly weight: OnnxNamespace.ITensorProto;
}

const findTargets = (graph: OnnxNamespace.IGraphProto, modules: ReadonlySet<string> | null): FoundTarget[] => {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const found: FoundTarget[] = [];
  for (const n of graph.node ?? []) {
    if (n.opType !== "MatMul") continue;
    const m = TARGET_NAME.exec(n.name ?? "");
    if (!m || (modules !== null && !modules.has(m[3]!))) continue;
    const weight = initializers.get(n.input?.[1] ?? "");
    if (weight?.dims?.length !== 2 || (weight.dataType !== dataType.float32 && weight.dataType !== FLOAT16)) {
      throw new GraphRewriteError({
        message: `${n.name}: the weight input is not a 2-D float32 or float16 initializer (quantized exports are not supported)`,
      });
    }
    found.push({
      node: n,
      layer: Number(m[1]),
      module: m[3]!,
      block: m[2]!.split("/").filter(Boolean).join("."),
      weight,
    });
  }
  return found;
};

export interface RewriteResult {
  readonly model: OnnxNamespace.IModelProto;
  readonly targets: ReadonlyArray<LoraTarget>;
}

/**
 * Adds slot-bank LoRA side paths to every targeted projection. `modules` limits the targets (PEFT
 * `target_modules` names); by default every `*_proj` MatMul inside a layer is targeted.
 */
export const addLoraSlots = (
  base: OnnxNamespace.IModelProto,
  modules: ReadonlyArray<string> | null = null,
): RewriteResult => {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(base).finish()); // a deep copy we may mutate
  const graph = m.graph;
  if (!graph) throw new GraphRewriteError({ message: "model has no graph" });
  const found = findTargets(graph, modules === null ? null : new Set(modules));
  if (found.length === 0)
    throw new GraphRewriteError({ message: "no projection MatMul named like /layers.N/…/x_proj/MatMul found" });
  const batchDim = (() => {
    const dim = graph.input?.find((i) => i.name === "input_ids")?.type?.tensorType?.shape?.dim?.[0];
    return dim?.dimParam ? dim.dimParam : "batch_size";
  })();
  const targets: LoraTarget[] = [];
  const extraNodes = new Map<OnnxNamespace.INodeProto, OnnxNamespace.INodeProto[]>();
  for (const t of found) {
    const [inF, outF] = (t.weight.dims ?? []).map(Number) as [number, number];
    const key = `layers.${t.layer}.${t.module}`;
    const bankA = `lora.${key}.A`;
    const bankB = `lora.${key}.B`;
    const y = t.node.output![0]!;
    const p = `/lora/${key}`;
    t.node.output = [`${p}/base`];
    // fp16 exports: the side path runs in float32 on float32 banks and is cast back before the Add
    const half = t.weight.dataType === FLOAT16;
    const x = half ? `${p}/x32` : t.node.input![0]!;
    extraNodes.set(t.node, [
      ...(half ? [node("Cast", [t.node.input![0]!], [x], { to: onnx.TensorProto.DataType.FLOAT })] : []),
      node("Gather", [bankA, SLOT_INPUT], [`${p}/A`], { axis: 0 }),
      node("Gather", [bankB, SLOT_INPUT], [`${p}/B`], { axis: 0 }),
      node("MatMul", [x, `${p}/A`], [`${p}/xa`]),
      node("MatMul", [`${p}/xa`, `${p}/B`], [half ? `${p}/delta32` : `${p}/delta`]),
      ...(half ? [node("Cast", [`${p}/delta32`], [`${p}/delta`], { to: FLOAT16 })] : []),
      node("Add", [`${p}/base`, `${p}/delta`], [y], {}, { name: `${p}/Add` }),
    ]);
    graph.input!.push(valueInfo(bankA, "float32", ["lora_slots", inF, "lora_rank"]));
    graph.input!.push(valueInfo(bankB, "float32", ["lora_slots", "lora_rank", outF]));
    targets.push({
      key,
      layer: t.layer,
      module: t.module,
      block: t.block,
      inFeatures: inF,
      outFeatures: outF,
      bankA,
      bankB,
    });
  }
  graph.input!.push(valueInfo(SLOT_INPUT, "int64", [batchDim]));
  // Keep the graph topologically sorted: each side path right after its base MatMul.
  graph.node = (graph.node ?? []).flatMap((n) => [n, ...(extraNodes.get(n) ?? [])]) as OnnxNamespace.NodeProto[];
  const fed = new Set((graph.input ?? []).map((i) => i.name));
  graph.initializer = (graph.initializer ?? []).filter((i) => !(fed.has(i.name) && i.name?.startsWith("lora.")));
  lastPositionLogits(m);
  return { model: m, targets };
};

const INT64_MAX = 9223372036854775807n;

/**
 * Makes the graph's `logits` output hold only the last position: [batch, 1, vocab] instead of
 * [batch, sequence, vocab] (8 GB of float32 for a 128k vocabulary at 32 × 512 prompt tokens). When
 * `logits` comes straight from a MatMul (the LM head), its input is sliced first, so the head also runs
 * on one position; otherwise the output itself is sliced. Rows are left-padded, so the last position is
 * every row's newest token. Idempotent.
 */
export const lastPositionLogits = (m: OnnxNamespace.IModelProto): void => {
  const graph = m.graph!;
  const nodes = graph.node ?? [];
  if (nodes.some((n) => n.name === "/poa/last_position/Slice")) return;
  const producer = nodes.find((n) => n.output?.includes("logits"));
  if (!producer) throw new GraphRewriteError({ message: "model has no `logits` output" });
  graph.initializer!.push(
    int64Tensor("/poa/last_position/starts", [1], [-1n]) as OnnxNamespace.TensorProto,
    int64Tensor("/poa/last_position/ends", [1], [INT64_MAX]) as OnnxNamespace.TensorProto,
    int64Tensor("/poa/last_position/axes", [1], [1n]) as OnnxNamespace.TensorProto,
  );
  const slice = (input: string, output: string) =>
    node(
      "Slice",
      [input, "/poa/last_position/starts", "/poa/last_position/ends", "/poa/last_position/axes"],
      [output],
      {},
      { name: "/poa/last_position/Slice" },
    );
  let added: OnnxNamespace.INodeProto;
  if (producer.opType === "MatMul") {
    const hidden = producer.input![0]!;
    added = slice(hidden, "/poa/last_position/hidden");
    producer.input![0] = "/poa/last_position/hidden";
    graph.node = nodes.flatMap((n) => (n === producer ? [added, n] : [n])) as OnnxNamespace.NodeProto[];
  } else {
    producer.output = producer.output!.map((o) => (o === "logits" ? "/poa/last_position/logits_all" : o));
    added = slice("/poa/last_position/logits_all", "logits");
    graph.node = nodes.flatMap((n) => (n === producer ? [n, added] : [n])) as OnnxNamespace.NodeProto[];
  }
  const out = graph.output?.find((o) => o.name === "logits");
  const dims = out?.type?.tensorType?.shape?.dim;
  if (dims && dims.length === 3) dims[1] = { dimValue: 1 } as OnnxNamespace.TensorShapeProto.Dimension;
};

/** Lists the LoRA-able projections of a base model without rewriting it. */
export const listTargets = (base: OnnxNamespace.IModelProto): LoraTarget[] =>
  findTargets(base.graph ?? {}, null).map((t) => {
    const [inF, outF] = (t.weight.dims ?? []).map(Number) as [number, number];
    const key = `layers.${t.layer}.${t.module}`;
    return {
      key,
      layer: t.layer,
      module: t.module,
      block: t.block,
      inFeatures: inF,
      outFeatures: outF,
      bankA: `lora.${key}.A`,
      bankB: `lora.${key}.B`,
    };
  });

/**
 * One adapter's per-target factors in the operator's layout: aT = Aᵀ [in, r], bT = s·Bᵀ [r, out], where
 * r and s may differ per target (PEFT's rank_pattern / alpha_pattern). `rank` is the largest r.
 */
export interface AdapterFactors {
  readonly rank: number;
  readonly factors: ReadonlyMap<
    string,
    { readonly aT: Float32Array; readonly bT: Float32Array; readonly rank: number }
  >;
}

/** A float16 initializer's values, widened (an empty array when stored as external data). */
const halfValues = (t: OnnxNamespace.ITensorProto): Float32Array => {
  const raw = t.rawData ?? new Uint8Array(0);
  const copy = new Uint8Array(raw); // aligned
  const bits = new Uint16Array(copy.buffer, 0, copy.byteLength >> 1);
  return Float32Array.from(bits, f16ToF32);
};

/** The merged model `W' = W + s·BA` for one adapter (the "merged" serving mode), last-position logits only. */
export const mergeAdapter = (base: OnnxNamespace.IModelProto, adapter: AdapterFactors): OnnxNamespace.IModelProto => {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(base).finish());
  const graph = m.graph!;
  const found = findTargets(graph, null);
  const replaced = new Map<string, OnnxNamespace.ITensorProto>();
  for (const t of found) {
    const f = adapter.factors.get(`layers.${t.layer}.${t.module}`);
    if (!f) continue;
    const [inF, outF] = (t.weight.dims ?? []).map(Number) as [number, number];
    const half = t.weight.dataType === FLOAT16;
    const w = half ? halfValues(t.weight) : Float32Array.from(floatValues(t.weight));
    if (w.length !== inF * outF) {
      throw new GraphRewriteError({
        message: `${t.node.name}: weights stored as external data cannot be merged in memory`,
      });
    }
    const r = f.rank;
    for (let i = 0; i < inF; i++) {
      for (let j = 0; j < r; j++) {
        const a = f.aT[i * r + j]!;
        if (a === 0) continue;
        for (let o = 0; o < outF; o++) w[i * outF + o]! += a * f.bT[j * outF + o]!;
      }
    }
    replaced.set(
      t.weight.name!,
      half
        ? {
            name: t.weight.name!,
            dims: [inF, outF],
            dataType: FLOAT16,
            rawData: new Uint8Array(Uint16Array.from(w, f32ToF16).buffer),
          }
        : floatTensor(t.weight.name!, [inF, outF], w),
    );
  }
  graph.initializer = (graph.initializer ?? []).map(
    (i) => (replaced.get(i.name ?? "") ?? i) as OnnxNamespace.TensorProto,
  );
  lastPositionLogits(m);
  return m;
};
