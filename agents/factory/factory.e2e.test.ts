/**
 * The factory end to end on a local chain: a datanet with three approved contributions (and one left
 * pending, which must not be trained on) → `factory train --datanet` (bytes fetched by content root and
 * checked) → `factory publish` (ModelRegistry: datanets, split, index commitment, training-record hash,
 * stake) → the operator serves the adapter folder unchanged, its receipts carry the registered model id
 * → the answer is attributed to the datanet's contributions with integer weights.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeServices } from "@effect/platform-node";
import { expect, layer } from "@effect/vitest";
import { Effect, Option, Redacted } from "effect";
import { Command } from "effect/cli";
import { createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { vi } from "vitest";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate } from "../chain/registries.ts";
import { withProtocol } from "../cli/common.ts";
import { factoryCommand } from "../cli/factory.ts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";
import { LoraOperator } from "../operator/operator.ts";
import { ReceiptSigner } from "../operator/receipts.ts";
import { OperatorServer } from "../operator/server.ts";
import { writeTinyLlama } from "../operator/testModel.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { TEXTS } from "./fixtures.test-util.ts";
import { openRun, runAttributor } from "./run.ts";

const dir = mkdtempSync(join(tmpdir(), "factory-e2e-"));

/** Runs `poa factory …` in process; returns the last JSON line it printed (or the failure, when expected). */
const factoryExit = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const exit = yield* Effect.exit(
      Command.runWith(factoryCommand, { version: "test", renderErrors: false })(args).pipe(
        Effect.provide(NodeServices.layer),
      ),
    ).pipe(Effect.ensuring(Effect.sync(() => (log.mockRestore(), err.mockRestore()))));
    return { exit, lines };
  });
const factory = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { exit, lines } = yield* factoryExit(args);
    expect(exit._tag, String(exit)).toBe("Success");
    return JSON.parse(lines.at(-1) ?? "{}") as Record<string, unknown>;
  });

layer(LocalProtocol.layer(), { timeout: 120_000, excludeTestServices: true })(
  "Model Factory on a local chain",
  (it) => {
    it.effect("datanet → train → publish → serve → attribute", () =>
      Effect.gen(function* () {
        const { anvil, deployments } = yield* LocalProtocol;
        const owner = ANVIL_KEYS[0];
        const flags = {
          config: Option.none(),
          rpcUrl: Option.some(anvil.rpcUrl),
          privateKey: Option.some(Redacted.make(owner)),
          deployments: Option.none(),
          json: true,
        };
        const contentDir = join(dir, "content");
        mkdirSync(contentDir, { recursive: true });
        const onChain = yield* Effect.gen(function* () {
          const { datanetId } = yield* createDatanet("ipfs://speeches");
          const ids: bigint[] = [];
          const roots: string[] = [];
          for (const [i, text] of [...TEXTS.slice(0, 3), "pending text that nobody approved"].entries()) {
            const bytes = new TextEncoder().encode(text);
            const c = yield* contribute(datanetId, bytes, `ipfs://speech-${i}`);
            writeFileSync(join(contentDir, c.contentRoot.toLowerCase()), bytes);
            if (i < 3) yield* curate("approveContribution", c.contributionId);
            ids.push(c.contributionId);
            roots.push(c.contentRoot.toLowerCase());
          }
          return { datanetId, ids, roots };
        }).pipe(withProtocol(flags));
        const modelDir = join(dir, "model");
        yield* Effect.promise(() => writeTinyLlama(modelDir));
        const run = join(dir, "run");
        const net = ["--rpc-url", anvil.rpcUrl, "--json"];
        // bytes that do not hash to the on-chain content root are refused before any training
        const tampered = join(contentDir, onChain.roots[1]!);
        const honest = readFileSync(tampered);
        writeFileSync(tampered, Buffer.concat([honest, Buffer.from("!")]));
        const refused = yield* factoryExit([
          "train",
          "--base",
          modelDir,
          "--datanet",
          String(onChain.datanetId),
          "--content-dir",
          contentDir,
          "--out",
          join(dir, "refused"),
          ...net,
        ]);
        expect(String(refused.exit)).toContain("does not match its on-chain content root");
        writeFileSync(tampered, honest);
        const trained = yield* factory([
          "train",
          "--base",
          modelDir,
          "--datanet",
          String(onChain.datanetId),
          "--content-dir",
          contentDir,
          "--out",
          run,
          "--epochs",
          "2",
          "--checkpoints",
          "2",
          "--seq-len",
          "32",
          "--dims",
          "32",
          ...net,
        ]);
        expect(trained.contributions).toBe(3); // the pending contribution is not training data
        const published = yield* factory([
          "publish",
          "--run",
          run,
          "--base",
          modelDir,
          "--stake",
          "10",
          "--private-key",
          owner,
          ...net,
        ]);
        expect(published.indexCommitment).toBe(trained.indexCommitment);
        const modelId = BigInt(String(published.modelId));
        const client = createPublicClient({ transport: http(anvil.rpcUrl) });
        const model = yield* Effect.promise(() =>
          client.readContract({
            address: deployments.modelRegistry as `0x${string}`,
            abi: modelRegistryAbi,
            functionName: "getModel",
            args: [modelId],
          }),
        );
        const record = JSON.parse(readFileSync(join(run, "training.json"), "utf8")) as {
          adapter: { weightsKeccak256: string };
          data: { contributions: { id: string }[] };
        };
        expect(model.attributionIndexCommitment).toBe(trained.indexCommitment);
        expect(model.adapterHash).toBe(record.adapter.weightsKeccak256);
        expect(model.metadataURI).toBe(`poa-factory:training-record=${trained.trainingRecordHash}`);
        expect(model.parentModelId).toBe(BigInt(String(published.baseModelId)));
        expect(model.method).toBe(1); // gradient
        expect(record.data.contributions.map((c) => BigInt(c.id))).toEqual(onChain.ids.slice(0, 3));
        const datanets = yield* Effect.promise(() =>
          client.readContract({
            address: deployments.modelRegistry as `0x${string}`,
            abi: modelRegistryAbi,
            functionName: "modelDatanets",
            args: [modelId],
          }),
        );
        expect(datanets).toEqual([onChain.datanetId]);
        const c1 = yield* Effect.promise(() =>
          client.readContract({
            address: deployments.datanetRegistry as `0x${string}`,
            abi: datanetRegistryAbi,
            functionName: "getContribution",
            args: [onChain.ids[0]!],
          }),
        );
        expect(c1.datanetId).toBe(onChain.datanetId);

        // served unchanged by the operator (the run folder is its adapters dir), receipts for the registered id
        const op = yield* Effect.promise(() =>
          LoraOperator.open({
            modelDir,
            adaptersDir: run,
            maxLoras: 2,
            maxCpuLoras: 2,
            slotRank: 8,
            maxBatch: 4,
            providers: ["cpu"],
            targetModules: null,
            threads: 1,
            loadWorkers: 0,
            log: () => {},
          }),
        );
        const server = new OperatorServer({
          operator: op,
          signer: new ReceiptSigner(
            privateKeyToAccount(ANVIL_KEYS[3]),
            attributionDomain(anvil.chainId, deployments.attributionLedger as `0x${string}`),
            { paymentsRequired: false, now: () => BigInt(Math.floor(Date.now() / 1000)) },
          ),
        });
        const port = yield* Effect.promise(() => server.listen(0));
        const prompt = "Four score and seven";
        const answer = yield* Effect.promise(async () => {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ model: "adapter", prompt, max_tokens: 12, temperature: 0 }),
            });
            return (await res.json()) as {
              choices: { text: string }[];
              poa_receipt: { receipt: { modelId: string } };
            };
          } finally {
            await server.close();
            await op.close();
          }
        });
        expect(answer.poa_receipt.receipt.modelId).toBe(modelId.toString());
        const opened = yield* Effect.promise(() => openRun(run, modelDir));
        const attributor = runAttributor(opened);
        expect(attributor.commitment).toBe(trained.indexCommitment);
        const text = answer.choices[0]!.text;
        const scored = yield* Effect.promise(() =>
          attributor.score(opened.encode(prompt), opened.encode(text.length > 0 ? text : " "), "datainf", 8),
        );
        expect(scored.entries.reduce((s, e) => s + e.weight, 0)).toBe(WEIGHT_SCALE);
        expect(scored.entries.every((e) => onChain.ids.slice(0, 3).includes(e.contributionId))).toBe(true);
      }),
    );
  },
);
