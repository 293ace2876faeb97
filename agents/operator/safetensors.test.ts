import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adapterFromParts, randomPeftAdapter } from "./adapter.ts";
import { listTargets } from "./lora.ts";
import { type FloatTensor, parseSafetensors, serializeSafetensors } from "./safetensors.ts";
import { buildTinyLlama } from "./testModel.ts";

/** A hand-written file: header JSON, then the bytes, as the reference writer lays them out. */
const handWritten = (header: object, data: Uint8Array) => {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
};

describe("safetensors reader", () => {
  it("round-trips random float32 tensors through the writer", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9._]{0,12}$/),
          fc
            .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 5 }))
            .chain(([r, c]) =>
              fc
                .array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: r * c, maxLength: r * c })
                .map((v): FloatTensor => ({ shape: [r, c], data: Float32Array.from(v) })),
            ),
          { maxKeys: 5 },
        ),
        (tensors) => {
          const file = parseSafetensors(serializeSafetensors(new Map(Object.entries(tensors)), { format: "pt" }));
          expect(file.metadata).toEqual({ format: "pt" });
          expect([...file.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
          for (const [k, t] of Object.entries(tensors)) {
            expect(file.tensors.get(k)!.shape).toEqual(t.shape);
            expect(Array.from(file.tensors.get(k)!.data)).toEqual(Array.from(t.data));
          }
        },
      ),
      { seed: 8, numRuns: 50 },
    );
  });

  it("widens F16 and BF16 like the reference (1.5, -2, 65504 / 1.0, -3.0)", () => {
    const f16 = new Uint8Array(new Uint16Array([0x3e00, 0xc000, 0x7bff]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc040]).buffer);
    const data = new Uint8Array([...f16, ...bf16]);
    const file = parseSafetensors(
      handWritten(
        {
          h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
          b: { dtype: "BF16", shape: [2], data_offsets: [6, 10] },
        },
        data,
      ),
    );
    expect(Array.from(file.tensors.get("h")!.data)).toEqual([1.5, -2, 65504]);
    expect(Array.from(file.tensors.get("b")!.data)).toEqual([1, -3]);
  });

  it.each([
    ["short file", new Uint8Array([1, 2, 3]), /shorter than/],
    ["header past the end", handWritten({}, new Uint8Array()).fill(0xff, 0, 8), /does not fit/],
    [
      "bad dtype",
      handWritten({ t: { dtype: "Q4", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /malformed/,
    ],
    [
      "size mismatch",
      handWritten({ t: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /4 bytes for F32 shape \[2\]/,
    ],
    [
      "out of bounds",
      handWritten({ t: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)),
      /outside/,
    ],
    [
      "overlap",
      handWritten(
        {
          a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          b: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
        },
        new Uint8Array(4),
      ),
      /gap or overlap/,
    ],
    [
      "trailing bytes",
      handWritten({ t: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)),
      /trailing/,
    ],
    ["not JSON", handWritten({}, new Uint8Array()).fill(0x7b, 8), /not UTF-8 JSON|does not fit/],
  ])("rejects %s with a clear message", (_name, bytes, message) => {
    expect(() => parseSafetensors(bytes)).toThrow(message);
  });
});

describe("PEFT adapter validation", () => {
  const targets = listTargets(buildTinyLlama());
  const good = randomPeftAdapter(targets, { seed: 3, rank: 4, alpha: 8 });

  it("accepts a PEFT adapter and folds alpha / r into B", async () => {
    const a = await adapterFromParts("ok", good.config, good.safetensors, targets, 8);
    expect(a.scale).toBe(2);
    expect(a.factors.size).toBe(targets.length);
  });

  it.each([
    ["rank above the slot rank", { ...good.config, r: 16 }, /rank 16 exceeds/],
    ["unknown target module", { ...good.config, target_modules: ["qkv_proj"] }, /qkv_proj is not a LoRA-able/],
    ["DoRA", { ...good.config, use_dora: true }, /DoRA/],
    ["missing alpha", { r: 4, target_modules: ["q_proj"] }, /expected a PEFT LoRA config/],
    ["weights outside target_modules", { ...good.config, target_modules: ["q_proj"] }, /not in target_modules/],
  ])("rejects %s", async (_name, config, message) => {
    await expect(adapterFromParts("bad", config, good.safetensors, targets, 8)).rejects.toThrow(message);
  });

  it("rejects an adapter whose shapes do not fit the base model", async () => {
    const wrong = randomPeftAdapter(
      targets.map((t) => ({ ...t, inFeatures: t.inFeatures + 1 })),
      { seed: 3, rank: 4, alpha: 8 },
    );
    await expect(adapterFromParts("bad", wrong.config, wrong.safetensors, targets, 8)).rejects.toThrow(
      /down_proj.lora_A: shape \[4, 65\], expected \[4, 64\]/,
    );
  });
});
