import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adapterFromParts, randomPeftAdapter } from "./adapter.ts";
import { f16ToF32, f32ToF16 } from "./half.ts";
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

const TESTDATA = join(import.meta.dirname, "testdata");

/** What testdata/write_safetensors.py (numpy, not our code) says each tensor holds. */
const expected = JSON.parse(readFileSync(join(TESTDATA, "expected.json"), "utf8")) as Record<
  string,
  Record<string, { dtype: string; shape: number[]; values: number[] }>
>;

describe("safetensors reader against files written by numpy (testdata/write_safetensors.py)", () => {
  it("reads F32, F16 and BF16 tensors at non-zero, unaligned offsets of a file read from disk", () => {
    const bytes = readFileSync(join(TESTDATA, "mixed.safetensors")); // a Node Buffer, as adapters are read
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: "pt", writer: "numpy" });
    const want = expected["mixed.safetensors"]!;
    expect([...file.tensors.keys()].sort()).toEqual(Object.keys(want).sort()); // the I64 tensor is not returned
    for (const [name, t] of Object.entries(want)) {
      expect(file.tensors.get(name)!.shape, name).toEqual(t.shape);
      expect(Array.from(file.tensors.get(name)!.data), name).toEqual(t.values);
    }
  });

  it.each(["peft-f32", "peft-f16", "peft-bf16"])("reads every tensor of the PEFT adapter %s", (name) => {
    const file = parseSafetensors(readFileSync(join(TESTDATA, name, "adapter_model.safetensors")));
    const want = expected[name] as unknown as { tensors: Record<string, { shape: number[]; values: number[] }> };
    expect(file.tensors.size).toBe(Object.keys(want.tensors).length);
    for (const [key, t] of Object.entries(want.tensors)) {
      expect(file.tensors.get(key)!.shape, key).toEqual(t.shape);
      expect(Array.from(file.tensors.get(key)!.data), key).toEqual(t.values);
    }
  });

  it("reads a file that sits at an odd offset inside a larger (pooled) buffer", () => {
    const file = readFileSync(join(TESTDATA, "mixed.safetensors"));
    const want = expected["mixed.safetensors"]!;
    // Buffer.from copies small arrays into Node's shared 8 KiB pool: the view starts mid-ArrayBuffer
    const pooled = Buffer.from(new Uint8Array(file));
    const big = new Uint8Array(file.byteLength + 4099).fill(0xee);
    big.set(file, 3);
    for (const bytes of [pooled, big.subarray(3, 3 + file.byteLength)]) {
      expect(bytes.byteOffset > 0 || bytes.buffer.byteLength > bytes.byteLength).toBe(true);
      const parsed = parseSafetensors(bytes);
      for (const [name, t] of Object.entries(want))
        expect(Array.from(parsed.tensors.get(name)!.data)).toEqual(t.values);
    }
  });
});

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

  it("widens F16 and BF16 and reads F32 from hand-built bytes at non-zero offsets inside a pooled buffer", () => {
    // known bit patterns: F16 1.5, -2, 65504; BF16 1.0, -3.0; F32 0.5, -7.25 (little endian)
    const f16 = [0x00, 0x3e, 0x00, 0xc0, 0xff, 0x7b];
    const bf16 = [0x80, 0x3f, 0x40, 0xc0];
    const f32 = [0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xe8, 0xc0];
    const data = new Uint8Array([...f16, ...bf16, ...f32]);
    const file = handWritten(
      {
        h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
        b: { dtype: "BF16", shape: [2], data_offsets: [6, 10] },
        f: { dtype: "F32", shape: [2], data_offsets: [10, 18] },
      },
      data,
    );
    const pool = new Uint8Array(8192).fill(0x41); // junk everywhere else: a wrong offset reads 0x41414141
    pool.set(file, 1001);
    for (const bytes of [file, pool.subarray(1001, 1001 + file.length), Buffer.from(file)]) {
      const parsed = parseSafetensors(bytes);
      expect(Array.from(parsed.tensors.get("h")!.data)).toEqual([1.5, -2, 65504]);
      expect(Array.from(parsed.tensors.get("b")!.data)).toEqual([1, -3]);
      expect(Array.from(parsed.tensors.get("f")!.data)).toEqual([0.5, -7.25]);
    }
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

describe("PEFT configs as found in the wild", () => {
  const targets = listTargets(buildTinyLlama());
  const tensor = (shape: [number, number], seed: number): FloatTensor => ({
    shape,
    data: Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.sin(seed * 7919 + i) / 4),
  });
  /** lora_A/lora_B for (layer, module, rank) triples; attention modules only (in = out = 32). */
  const weights = (entries: ReadonlyArray<readonly [number, string, number]>) => {
    const map = new Map<string, FloatTensor>();
    entries.forEach(([layer, m, r], k) => {
      const p = `base_model.model.model.layers.${layer}.self_attn.${m}`;
      map.set(`${p}.lora_A.weight`, tensor([r, 32], 2 * k + 1));
      map.set(`${p}.lora_B.weight`, tensor([32, r], 2 * k + 2));
    });
    return { map, bytes: serializeSafetensors(map) };
  };
  /** What PEFT puts in adapter_config.json besides the LoRA fields (all of it must be tolerated). */
  const wild = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    inference_mode: true,
    lora_dropout: 0.05,
    init_lora_weights: true,
    revision: null,
    auto_mapping: null,
    layers_pattern: null,
    megatron_config: null,
    megatron_core: "megatron.core",
    loftq_config: {},
    bias: "none",
    fan_in_fan_out: false,
    modules_to_save: null,
    use_dora: false,
  };
  const bT = (a: Awaited<ReturnType<typeof adapterFromParts>>, key: string) => a.factors.get(key)!;

  it('accepts target_modules "all-linear" for every projection', async () => {
    const { bytes } = weights([
      [0, "q_proj", 4],
      [1, "o_proj", 4],
    ]);
    const a = await adapterFromParts(
      "x",
      { ...wild, r: 4, lora_alpha: 8, target_modules: "all-linear" },
      bytes,
      targets,
      8,
    );
    expect([...a.factors.keys()].sort()).toEqual(["layers.0.q_proj", "layers.1.o_proj"]);
  });

  it("matches a regex string against the full module name, as PEFT does (re.fullmatch)", async () => {
    const { bytes } = weights([
      [0, "q_proj", 4],
      [1, "q_proj", 4],
    ]);
    const cfg = { ...wild, r: 4, lora_alpha: 8 };
    await expect(
      adapterFromParts("x", { ...cfg, target_modules: ".*\\.(q_proj|v_proj)" }, bytes, targets, 8),
    ).resolves.toMatchObject({ rank: 4 });
    await expect(
      adapterFromParts("x", { ...cfg, target_modules: "model\\.layers\\.0\\..*q_proj" }, bytes, targets, 8),
    ).rejects.toThrow(/model\.layers\.1\.self_attn\.q_proj is not in target_modules/);
    // a bare name as a string is a regex that matches no full module name
    await expect(adapterFromParts("x", { ...cfg, target_modules: "q_proj" }, bytes, targets, 8)).rejects.toThrow(
      /not in target_modules/,
    );
    await expect(adapterFromParts("x", { ...cfg, target_modules: "(" }, bytes, targets, 8)).rejects.toThrow(
      /not a regular expression/,
    );
  });

  it("applies rank_pattern and alpha_pattern per module (scale = alpha / r of that module)", async () => {
    const { map, bytes } = weights([
      [0, "q_proj", 2],
      [1, "q_proj", 8],
      [0, "v_proj", 4],
    ]);
    const cfg = {
      ...wild,
      r: 4,
      lora_alpha: 8,
      target_modules: ["q_proj", "v_proj"],
      rank_pattern: { q_proj: 2, "model.layers.1.self_attn.q_proj": 8 },
      alpha_pattern: { v_proj: 32 },
    };
    // PEFT picks the first pattern key that matches the end of the module name
    const a = await adapterFromParts(
      "x",
      { ...cfg, rank_pattern: { "layers.1.self_attn.q_proj": 8, q_proj: 2 } },
      bytes,
      targets,
      8,
    );
    const expectScaled = (key: string, layer: number, m: string, r: number, scale: number) => {
      const b = map.get(`base_model.model.model.layers.${layer}.self_attn.${m}.lora_B.weight`)!;
      const f = bT(a, key);
      expect(f.rank).toBe(r);
      for (let o = 0; o < 32; o++)
        for (let j = 0; j < r; j++) expect(f.bT[j * 32 + o]).toBeCloseTo(scale * b.data[o * r + j]!, 6);
    };
    expectScaled("layers.0.q_proj", 0, "q_proj", 2, 8 / 2);
    expectScaled("layers.1.q_proj", 1, "q_proj", 8, 8 / 8);
    expectScaled("layers.0.v_proj", 0, "v_proj", 4, 32 / 4);
    expect(a.rank).toBe(8);
    // without rank_pattern the shapes contradict r and the adapter is refused instead of mis-scaled
    await expect(adapterFromParts("x", { ...cfg, rank_pattern: undefined }, bytes, targets, 8)).rejects.toThrow(
      /lora_A: shape \[2, 32\], expected \[4, 32\]/,
    );
  });

  it("uses alpha / sqrt(r) with use_rslora", async () => {
    const { map, bytes } = weights([[0, "q_proj", 4]]);
    const a = await adapterFromParts(
      "x",
      { ...wild, r: 4, lora_alpha: 8, target_modules: ["q_proj"], use_rslora: true },
      bytes,
      targets,
      8,
    );
    const b = map.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")!;
    expect(bT(a, "layers.0.q_proj").bT[0]).toBeCloseTo((8 / 2) * b.data[0]!, 6);
  });

  it.each([
    ["DoRA", { use_dora: true }, /DoRA adapters \(use_dora: true\) are not supported/],
    ["modules_to_save", { modules_to_save: ["lm_head"] }, /modules_to_save \[lm_head\] is not supported/],
  ])("refuses %s with a clear message", async (_name, extra, message) => {
    const { bytes } = weights([[0, "q_proj", 4]]);
    await expect(
      adapterFromParts("x", { ...wild, r: 4, lora_alpha: 8, target_modules: ["q_proj"], ...extra }, bytes, targets, 8),
    ).rejects.toThrow(message);
  });

  it("records sha256 of the adapter file bytes", async () => {
    const { bytes } = weights([[0, "q_proj", 4]]);
    const a = await adapterFromParts(
      "x",
      { ...wild, r: 4, lora_alpha: 8, target_modules: ["q_proj"] },
      bytes,
      targets,
      8,
    );
    expect(a.digest.weightsSha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });
});

describe("binary16 conversion (half.ts) against numpy's astype(float16)", () => {
  it("rounds float32 to float16 bit for bit and widens back exactly", () => {
    const { f32_bits, f16_bits } = JSON.parse(readFileSync(join(TESTDATA, "half.json"), "utf8")) as {
      f32_bits: number[];
      f16_bits: number[];
    };
    const values = new Float32Array(new Uint32Array(f32_bits).buffer);
    values.forEach((v, i) => {
      expect(f32ToF16(v), `${v}`).toBe(f16_bits[i]);
      const back = f16ToF32(f16_bits[i]!);
      expect(f32ToF16(back)).toBe(f16_bits[i]); // widening is exact
    });
  });
});
