import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeServices } from "@effect/platform-node";
import { Context, Effect, Exit, Layer, Option, Redacted } from "effect";
import { Command } from "effect/cli";
import { afterAll, describe, expect, it } from "vitest";
import { TextStore } from "../content/texts.ts";
import { Gossip } from "../gossip/gossip.ts";
import { Topics } from "../gossip/messages.ts";
import { operatorServices } from "../network/wiring.ts";
import { Metrics } from "../observability/metrics.ts";
import { operatorCommands } from "./cli.ts";
import { LoraOperator } from "./operator.ts";
import type { ReceiptWithTexts } from "./receipts.ts";
import { generate } from "./scheduler.ts";
import { OperatorAgent } from "./service.ts";

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
    expect(String(exit)).toMatch(/--ep \(env POA_OPERATOR_EP\) must be a comma list of cpu, cuda, webgpu, got "tpu"/);
  });

  it("serve refuses an intake URL that is not http(s) with a one-line error", async () => {
    const args = ["serve", "--model-dir", "/nonexistent", "--adapters-dir", "/nonexistent"];
    const exit = await run([...args, "--intake-urls", "http://127.0.0.1:8080/receipts,ftp://x/receipts"]);
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(exit)).toMatch(
      /--intake-urls \(env POA_OPERATOR_INTAKE_URLS\) ftp:\/\/x\/receipts is not an http\(s\) URL/,
    );
  });

  it("serve reports a missing model folder instead of crashing", async () => {
    const exit = await run(["serve", "--model-dir", "/nonexistent", "--adapters-dir", "/nonexistent", "--port", "0"]);
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(exit)).toMatch(/cannot read \/nonexistent\/config.json/);
  });

  it("the OperatorAgent layer serves on a free port and hands every receipt to onReceipt", async () => {
    const dir = await mkdtemp(join(tmpdir(), "operator-agent-"));
    dirs.push(dir);
    expect(Exit.isSuccess(await run(["make-test-model", "--out", dir, "--adapters", "1"]))).toBe(true);
    const receipts: ReceiptWithTexts[] = [];
    const layer = OperatorAgent.layer({
      operator: {
        modelDir: join(dir, "model"),
        adaptersDir: join(dir, "adapters"),
        maxLoras: 1,
        maxCpuLoras: 1,
        slotRank: 8,
        maxBatch: 4,
        providers: ["cpu"],
        targetModules: null,
        log: () => {},
      },
      host: "127.0.0.1",
      port: 0,
      key: Redacted.make("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
      paymentsRequired: false,
      chainId: 31337,
      ledger: "0x0000000000000000000000000000000000000001",
      onReceipt: (r) => receipts.push(r),
    });
    const body = await Effect.runPromise(
      Effect.gen(function* () {
        const agent = yield* OperatorAgent;
        return yield* Effect.promise(() =>
          fetch(`${agent.baseUrl}/completions`, {
            method: "POST",
            body: JSON.stringify({ model: "tiny-lora-0000", prompt: "hi", max_tokens: 2 }),
          }).then((r) => r.json() as Promise<{ poa_receipt: { operatorSignature: string } }>),
        );
      }).pipe(Effect.provide(layer)),
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.receipt.operatorSignature).toBe(body.poa_receipt.operatorSignature);
    expect(receipts[0]!.receipt.receipt.operator).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // anvil account 1
  });

  it("the OperatorAgent layer passes the admin token to the admin endpoints", async () => {
    const dir = await mkdtemp(join(tmpdir(), "operator-admin-"));
    dirs.push(dir);
    expect(Exit.isSuccess(await run(["make-test-model", "--out", dir, "--adapters", "1"]))).toBe(true);
    const layer = OperatorAgent.layer({
      operator: {
        modelDir: join(dir, "model"),
        adaptersDir: join(dir, "adapters"),
        maxLoras: 1,
        maxCpuLoras: 1,
        slotRank: 8,
        maxBatch: 4,
        providers: ["cpu"],
        targetModules: null,
        loadWorkers: 0,
        log: () => {},
      },
      host: "127.0.0.1",
      port: 0,
      key: Redacted.make("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
      paymentsRequired: true,
      adminToken: Redacted.make("let-me-in"),
      chainId: 31337,
      ledger: "0x0000000000000000000000000000000000000001",
    });
    const statuses = await Effect.runPromise(
      Effect.gen(function* () {
        const agent = yield* OperatorAgent;
        const load = (token?: string) =>
          fetch(`${agent.baseUrl}/load_lora_adapter`, {
            method: "POST",
            body: JSON.stringify({ lora_name: "tiny-lora-0000" }),
            headers: token ? { authorization: `Bearer ${token}` } : {},
          }).then((r) => r.status);
        return yield* Effect.promise(async () => [await load(), await load("let-me-in")]);
      }).pipe(Effect.provide(layer)),
    );
    expect(statuses).toEqual([401, 200]);
  });

  it("OperatorAgent.fromServices runs on the wiring's Gossip, TextStore and Metrics, not its own", async () => {
    const dir = await mkdtemp(join(tmpdir(), "operator-services-"));
    dirs.push(dir);
    expect(Exit.isSuccess(await run(["make-test-model", "--out", dir, "--adapters", "1"]))).toBe(true);
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const ledger = "0x0000000000000000000000000000000000000001";
    const same = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const services = yield* Layer.build(
            operatorServices({
              key: Redacted.make(key),
              chainId: 31337,
              ledger,
              textsDir: join(dir, "texts"),
              gossip: { port: 0, topics: [Topics.receipts] },
            }),
          );
          const agent = Context.get(
            yield* Layer.build(
              OperatorAgent.fromServices({
                operator: {
                  modelDir: join(dir, "model"),
                  adaptersDir: join(dir, "adapters"),
                  maxLoras: 1,
                  maxCpuLoras: 1,
                  slotRank: 8,
                  maxBatch: 4,
                  providers: ["cpu"],
                  targetModules: null,
                  log: () => {},
                },
                host: "127.0.0.1",
                port: 0,
                key: Redacted.make(key),
                paymentsRequired: false,
                chainId: 31337,
                ledger,
                publish: { intakeUrls: [] },
              }).pipe(Layer.provide(Layer.succeedContext(services))),
            ),
            OperatorAgent,
          );
          // the wiring's type names Gossip only when there is one: read it as the operator does
          const wired = yield* Effect.serviceOption(Gossip).pipe(Effect.provide(Layer.succeedContext(services)));
          return {
            gossip: Option.isSome(wired) && agent.gossip === wired.value,
            texts: agent.texts === Context.get(services, TextStore),
            metrics: agent.operator.metrics === Context.get(services, Metrics),
            publisher: agent.publisher !== undefined,
          };
        }),
      ),
    );
    expect(same).toEqual({ gossip: true, texts: true, metrics: true, publisher: true });
  });
});
