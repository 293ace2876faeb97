/**
 * The PEFT folder against a reader that shares nothing with ours: testdata/check_peft.py (numpy, the
 * format parsed by hand, PEFT's expectations for Llama) checked the committed fixture and recorded the
 * merged deltas it computed. The fixture must still be exactly what peft.ts writes, and the deltas we
 * compute from our own reading of it must equal numpy's.
 *
 * POA_WRITE_FIXTURES=1 npx vitest run agents/factory/peft.test.ts rewrites the fixture; then run
 * python3 agents/factory/testdata/check_peft.py and commit both.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterFromParts } from "../operator/adapter.ts";
import { listTargets } from "../operator/lora.ts";
import { buildTinyLlama, hfConfig, prng, TINY_LLAMA, writeTinyLlama } from "../operator/testModel.ts";
import { type LlamaBase, loadBase } from "./base.ts";
import { loraLayout } from "./llama.ts";
import { peftFiles, readPeftParams, tensorPrefix, writePeftDir } from "./peft.ts";

const here = join(import.meta.dirname, "testdata");
const dir = mkdtempSync(join(tmpdir(), "factory-peft-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("PEFT adapter files", () => {
  let base: LlamaBase;
  beforeAll(async () => {
    await writeTinyLlama(join(dir, "model"));
    base = loadBase(join(dir, "model"));
  });
  const fixture = () => {
    const layout = loraLayout(base, ["q_proj", "down_proj"], 2, 6);
    const rand = prng(42);
    const params = Float64Array.from({ length: layout.size }, () => Math.fround(rand() - 0.5));
    return { layout, params, files: peftFiles(layout, params, "tiny-llama") };
  };

  it("writes exactly the fixture numpy checked, with the deltas numpy computed", () => {
    const { layout, params, files } = fixture();
    if (process.env.POA_WRITE_FIXTURES === "1") {
      writePeftDir(join(here, "adapter"), files);
      writeFileSync(join(here, "base_config.json"), `${JSON.stringify(hfConfig(TINY_LLAMA), null, 2)}\n`);
    }
    expect(Buffer.from(files.config).equals(readFileSync(join(here, "adapter", "adapter_config.json")))).toBe(true);
    expect(Buffer.from(files.weights).equals(readFileSync(join(here, "adapter", "adapter_model.safetensors")))).toBe(
      true,
    );
    const expected = JSON.parse(readFileSync(join(here, "expected.json"), "utf8")) as {
      ok: boolean;
      scale: number;
      deltas: Record<string, { sum: number; row0: number[] }>;
    };
    expect(expected.ok).toBe(true);
    const read = readPeftParams(join(here, "adapter"), layout);
    expect(read).toEqual(params);
    expect(Object.keys(expected.deltas).sort()).toEqual(layout.targets.map(tensorPrefix).sort());
    for (const t of layout.targets) {
      const p = t.projection;
      const r = layout.rank;
      let sum = 0;
      const row0: number[] = [];
      for (let o = 0; o < p.outFeatures; o++)
        for (let i = 0; i < p.inFeatures; i++) {
          let acc = 0;
          for (let j = 0; j < r; j++) acc += read[t.offsetB + o * r + j]! * read[t.offsetA + j * p.inFeatures + i]!;
          sum += layout.scale * acc;
          if (o === 0) row0.push(layout.scale * acc);
        }
      const e = expected.deltas[tensorPrefix(t)]!;
      expect(Math.abs(sum - e.sum)).toBeLessThan(1e-9);
      expect(Math.max(...row0.map((x, i) => Math.abs(x - e.row0[i]!)))).toBeLessThan(1e-12);
    }
  });

  it("is accepted by the operator's PEFT loader", async () => {
    const { files } = fixture();
    const targets = listTargets(buildTinyLlama());
    const config = JSON.parse(new TextDecoder().decode(files.config));
    const host = await adapterFromParts("fixture", config, files.weights, targets, 8, files.config);
    expect([...host.factors.keys()].sort()).toEqual(
      ["layers.0.q_proj", "layers.0.down_proj", "layers.1.q_proj", "layers.1.down_proj"].sort(),
    );
  });
});
