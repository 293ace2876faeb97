import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeServices } from "@effect/platform-node";
import { Effect, Exit } from "effect";
import { Command } from "effect/cli";
import { afterAll, describe, expect, it } from "vitest";
import { operatorCommands } from "./cli.ts";
import { LoraOperator } from "./operator.ts";
import { generate } from "./scheduler.ts";

const run = (args: string[]) =>
  Effect.runPromiseExit(
    Command.runWith(operatorCommands, { version: "test" })(args).pipe(Effect.provide(NodeServices.layer)),
  );

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("operator CLI", () => {
  it("make-test-model writes a model and adapters that the operator serves", async () => {
    const dir = await mkdtemp(join(tmpdir(), "operator-cli-"));
    dirs.push(dir);
    expect(Exit.isSuccess(await run(["make-test-model", "--out", dir, "--adapters", "3"]))).toBe(true);
    expect(await readdir(join(dir, "adapters"))).toEqual(["tiny-lora-0000", "tiny-lora-0001", "tiny-lora-0002"]);
    const op = await LoraOperator.open({
      modelDir: join(dir, "model"),
      adaptersDir: join(dir, "adapters"),
      maxLoras: 1,
      maxCpuLoras: 1,
      slotRank: 8,
      maxBatch: 4,
      providers: ["cpu"],
      targetModules: null,
      log: () => {},
    });
    const out = await generate(op.scheduler, {
      adapter: "tiny-lora-0002",
      promptIds: [1, 2],
      maxTokens: 3,
      temperature: 0,
      topP: 1,
    });
    expect(out.tokens.length).toBeGreaterThan(0);
    await op.close();
  });

  it("serve refuses an unknown execution provider with a one-line error", async () => {
    const exit = await run(["serve", "--model-dir", "/nonexistent", "--adapters-dir", "/nonexistent", "--ep", "tpu"]);
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(exit)).toMatch(/--ep: expected a comma list of cpu, cuda, webgpu/);
  });

  it("serve reports a missing model folder instead of crashing", async () => {
    const exit = await run(["serve", "--model-dir", "/nonexistent", "--adapters-dir", "/nonexistent", "--port", "0"]);
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(exit)).toMatch(/cannot read \/nonexistent\/config.json/);
  });
});
