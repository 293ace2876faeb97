/**
 * Keeping state on the accelerator between steps when the execution provider is not the CPU:
 *
 * - KV cache: the session is created with `preferredOutputLocation: "gpu-buffer"` for every
 *   `present.*` output (onnxruntime-node's IO binding), so a decode step's present tensors stay on the
 *   device and are fed back as the next step's past as they are. They are only read back to the host
 *   when the running batch changes (a sequence joins or leaves) and rows must be regathered.
 * - Slot banks: uploaded once, then patched one slot at a time on the device by a one-node ScatterND
 *   session whose output also stays there; a step feeds the device banks without copying them.
 *
 * On the CPU both are plain host arrays (ORT reads them in place), but the same code runs when
 * `BankFeeds` is put in device mode, which is how the tests exercise the patching on a CPU-only machine.
 */
import * as ort from "onnxruntime-node";
import { encodeModel, model, node, valueInfo } from "../onnx/graph.ts";
import type { KvArray, LayerKv } from "./runtime.ts";

/** A value a step produced: host data, or a tensor the provider kept on the device. */
export const isDeviceTensor = (v: KvArray | ort.Tensor): v is ort.Tensor =>
  !ArrayBuffer.isView(v) && (v as ort.Tensor).location !== "cpu";

const toHost = async (v: KvArray | ort.Tensor): Promise<KvArray> =>
  ArrayBuffer.isView(v) ? (v as KvArray) : ((await (v as ort.Tensor).getData()) as KvArray);

/** The host copy of every layer's K/V (downloads device tensors). */
export const kvToHost = async (kv: ReadonlyArray<LayerKv>): Promise<Array<{ key: KvArray; value: KvArray }>> =>
  Promise.all(kv.map(async (l) => ({ key: await toHost(l.key), value: await toHost(l.value) })));

/** Frees device tensors of a K/V set that no later step reads (host arrays are left to the GC). */
export const disposeKv = (kv: ReadonlyArray<LayerKv> | null, keep: ReadonlyArray<LayerKv> | null = null) => {
  if (!kv) return;
  const kept = new Set<unknown>(keep?.flatMap((l) => [l.key, l.value]) ?? []);
  for (const l of kv) {
    for (const v of [l.key, l.value]) if (isDeviceTensor(v) && !kept.has(v)) v.dispose();
  }
};

/** `present.*` outputs kept on the device for a provider (none on the CPU). */
export const deviceOutputLocations = (outputNames: ReadonlyArray<string>) =>
  Object.fromEntries(outputNames.filter((n) => n.startsWith("present.")).map((n) => [n, "gpu-buffer" as const]));

export interface Bank {
  readonly name: string;
  readonly data: Float32Array;
  /** [slots, rows, cols]; a slot is rows × cols values. */
  readonly dims: readonly [number, number, number];
}

/**
 * Feeds for the slot banks. Host mode wraps the arrays. Device mode holds one device tensor per bank,
 * created by an upload on first use and patched for every slot written since (`takeDirty`).
 */
export class BankFeeds {
  private device: Map<string, ort.Tensor> | null = null;
  private sessions: { upload: ort.InferenceSession; scatter: ort.InferenceSession } | null = null;
  /** Slot writes applied on the device so far (tests and metrics read it). */
  patches = 0;

  constructor(
    private readonly banks: () => ReadonlyArray<Bank>,
    private readonly takeDirty: () => ReadonlyArray<number>,
    private readonly mode: { readonly device: boolean; readonly providers?: ReadonlyArray<string> },
  ) {}

  async feeds(): Promise<Record<string, ort.Tensor>> {
    const banks = this.banks();
    if (!this.mode.device) {
      this.takeDirty();
      return Object.fromEntries(banks.map((b) => [b.name, new ort.Tensor("float32", b.data, [...b.dims])]));
    }
    const sessions = await this.open();
    const dirty = this.takeDirty();
    if (this.device === null) {
      const device = new Map<string, ort.Tensor>();
      for (const b of banks) {
        const out = await sessions.upload.run({ x: new ort.Tensor("float32", b.data, [...b.dims]) });
        device.set(b.name, out.y!);
      }
      this.device = device;
    } else if (dirty.length > 0) {
      const indices = new ort.Tensor("int64", BigInt64Array.from(dirty, BigInt), [dirty.length, 1]);
      for (const b of banks) {
        const per = b.dims[1] * b.dims[2];
        const updates = new Float32Array(dirty.length * per);
        dirty.forEach((slot, i) => {
          updates.set(b.data.subarray(slot * per, (slot + 1) * per), i * per);
        });
        const old = this.device.get(b.name)!;
        const out = await sessions.scatter.run({
          data: old,
          indices,
          updates: new ort.Tensor("float32", updates, [dirty.length, b.dims[1], b.dims[2]]),
        });
        this.device.set(b.name, out.y!);
        if (isDeviceTensor(old)) old.dispose();
      }
      this.patches += dirty.length;
    }
    return Object.fromEntries(this.device);
  }

  private async open() {
    if (this.sessions) return this.sessions;
    const providers = [...(this.mode.providers ?? ["cpu"])];
    const onDevice = providers[0] !== "cpu";
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: providers,
      ...(onDevice ? { preferredOutputLocation: "gpu-buffer" as const } : {}),
    };
    const dims = ["slots", "rows", "cols"];
    const upload = model({
      name: "bank-upload",
      inputs: [valueInfo("x", "float32", dims)],
      outputs: [valueInfo("y", "float32", dims)],
      nodes: [node("Identity", ["x"], ["y"])],
    });
    const scatter = model({
      name: "bank-patch",
      inputs: [
        valueInfo("data", "float32", dims),
        valueInfo("indices", "int64", ["n", 1]),
        valueInfo("updates", "float32", ["n", "rows", "cols"]),
      ],
      outputs: [valueInfo("y", "float32", dims)],
      nodes: [node("ScatterND", ["data", "indices", "updates"], ["y"])],
    });
    this.sessions = {
      upload: await ort.InferenceSession.create(encodeModel(upload), options),
      scatter: await ort.InferenceSession.create(encodeModel(scatter), options),
    };
    return this.sessions;
  }

  async release(): Promise<void> {
    for (const t of this.device?.values() ?? []) if (isDeviceTensor(t)) t.dispose();
    this.device = null;
    await this.sessions?.upload.release();
    await this.sessions?.scatter.release();
    this.sessions = null;
  }
}
