/** Bad base-model folders fail with one clear BaseModelError, never a crash or a silent misread. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../operator/testModel.ts";
import { BaseModelError, loadBase } from "./base.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-base-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadBase", () => {
  const model = join(dir, "model");
  let config: Record<string, unknown>;
  beforeAll(async () => {
    await writeTinyLlama(model);
    config = JSON.parse(readFileSync(join(model, "config.json"), "utf8"));
  });
  const withConfig = (patch: Record<string, unknown>) => {
    writeFileSync(join(model, "config.json"), JSON.stringify({ ...config, ...patch }));
    try {
      return loadBase(model);
    } finally {
      writeFileSync(join(model, "config.json"), JSON.stringify(config));
    }
  };
  const fails = (f: () => unknown, message: RegExp) => {
    let error: unknown;
    try {
      f();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BaseModelError);
    expect((error as BaseModelError).message).toMatch(message);
  };

  it("refuses sizes that do not match the graph, unsupported configs and missing files", () => {
    expect(loadBase(model).shape.hidden).toBe(32);
    fails(() => withConfig({ hidden_size: 64, num_attention_heads: 4 }), /config\.json implies/);
    fails(
      () => withConfig({ intermediate_size: 65 }),
      /layers\.0\.gate_proj: weight \[32, 64\], config\.json implies \[32, 65\]/,
    );
    fails(() => withConfig({ rope_scaling: { type: "llama3", factor: 8 } }), /rope_scaling is not supported/);
    fails(() => withConfig({ model_type: "gpt2" }), /not a Llama-family decoder/);
    fails(() => withConfig({ num_hidden_layers: 3 }), /layer 2 has no q_proj MatMul/);
    fails(() => withConfig({ num_attention_heads: 3 }), /do not fit/);
    fails(() => loadBase(join(dir, "nowhere")), /cannot read .*config\.json: ENOENT/);
    writeFileSync(join(dir, "model", "model.onnx.bak"), readFileSync(join(model, "model.onnx")));
    writeFileSync(join(model, "model.onnx"), "not a model");
    try {
      fails(() => loadBase(model), /is not an ONNX model|has no initializer/);
    } finally {
      writeFileSync(join(model, "model.onnx"), readFileSync(join(dir, "model", "model.onnx.bak")));
    }
  });
});
