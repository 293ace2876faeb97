/**
 * The Factory pages driven in Chromium on the Open Chat local network (called by web.e2e.test.ts, which
 * owns the network and the browser): choose the passages datanet, train a tiny adapter (a few steps),
 * watch its loss curve, publish it (the page signs the registrations with the demo builder key), chat
 * with it. What the page shows is checked against files the factory wrote (training.json, the adapter,
 * index.bin, read here from disk) and the chain's ModelRegistry; bad requests get their one-line errors;
 * a second server on the same jobs folder (a restart) still shows the jobs and serves the adapter's name.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "@effect/vitest";
import { Effect } from "effect";
import type { Browser, Page } from "playwright-core";
import { createPublicClient, http, keccak256, parseUnits } from "viem";
import { decodeIndex, indexCommitment } from "../engines/gradient/gradient-index.ts";
import { modelRegistryAbi } from "../generated/contracts.ts";
import type { OpenChatNetwork } from "./local.ts";
import { serveWeb } from "./server.ts";

interface TrainingRecordFile {
  readonly data: { readonly contributions: ReadonlyArray<{ readonly id: string; readonly examples: number }> };
  readonly hyperparameters: { readonly batch: number; readonly epochs: number };
  readonly epochLoss: ReadonlyArray<number>;
}

const postJson = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { message: string }; id?: string } };
};

export const factoryFlow = async (
  browser: Browser,
  network: OpenChatNetwork,
  shoot: (page: Page, name: string) => Promise<void>,
) => {
  const started = Date.now();
  const lap = (what: string) => {
    if (process.env.POA_TIMINGS !== undefined) console.log(`factory flow: ${what} at ${Date.now() - started} ms`);
  };
  const jobsDir = network.web.factory!.jobsDir;
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${network.url}/#/factory`);

  // 1. Choose base and datanet (its approved count is what the test approved on chain), a tiny config.
  const datanet = page.locator(`[data-testid="factory-datanet"][value="${network.datanetId}"]`);
  await datanet.waitFor();
  expect(Number(await datanet.getAttribute("data-approved"))).toBe(network.contributions.length);
  await datanet.check();
  await page.getByTestId("factory-epochs").fill("2");
  await page.getByTestId("factory-batch").fill("4");
  await page.getByTestId("factory-seed").fill("3");
  await page.getByTestId("factory-start").click();
  await page.getByTestId("job").waitFor();
  const jobId = (await page.getByTestId("job").getAttribute("data-job"))!;
  await page.locator('[data-testid="job-status"][data-status="trained"]').waitFor({ timeout: 60_000 });

  lap("trained");
  // 2. The loss points shown are the training record's: one per optimizer step, and each epoch's last
  // point is that epoch's loss in training.json (written by the factory, read here from disk).
  const run = path.join(jobsDir, jobId, "run");
  const recordBytes = readFileSync(path.join(run, "training.json"));
  const record = JSON.parse(recordBytes.toString("utf8")) as TrainingRecordFile;
  expect(record.data.contributions.map((c) => BigInt(c.id))).toEqual(network.contributions.map((c) => c.id));
  const examples = record.data.contributions.reduce((s, c) => s + c.examples, 0);
  const steps = Math.ceil(examples / record.hyperparameters.batch) * record.hyperparameters.epochs;
  const points = await page.getByTestId("loss-point").evaluateAll((rows) =>
    rows.map((r) => ({
      step: Number(r.getAttribute("data-step")),
      epoch: Number(r.getAttribute("data-epoch")),
      loss: Number(r.getAttribute("data-loss")),
    })),
  );
  expect(points.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  const epochEnds = record.epochLoss.map((_, e) => points.filter((p) => p.epoch === e).at(-1)!.loss);
  expect(epochEnds).toEqual(record.epochLoss);
  expect(points.every((p) => Number.isFinite(p.loss) && p.loss > 0)).toBe(true);
  await page
    .getByTestId("record-hash")
    .filter({ hasText: keccak256(recordBytes) })
    .waitFor();
  await shoot(page, "factory");

  // the server serves only a model whose chain record is this run's: not, e.g., the suffix model
  const wrongModel = await postJson(`${network.url}/api/factory/jobs/${jobId}/serve`, {
    modelId: network.modelId.toString(),
  });
  expect(wrongModel.status).toBe(400);
  expect(wrongModel.body.error!.message).toContain("its adapterHash is not this adapter's");

  lap("checked");
  // 3. Publish: the page registers base + adapter and stakes (demo builder key); the server serves it.
  await page.getByTestId("publish").click();
  await page.getByTestId("chat-with-it").waitFor({ timeout: 60_000 });
  const modelId = BigInt((await page.getByTestId("published-model").getAttribute("data-model"))!);
  const client = createPublicClient({ transport: http(network.rpcUrl) });
  const model = await client.readContract({
    address: network.web.deployments.modelRegistry as `0x${string}`,
    abi: modelRegistryAbi,
    functionName: "getModel",
    args: [modelId],
  });
  expect(model.metadataURI).toBe(`poa-factory:training-record=${keccak256(recordBytes)}`);
  expect(model.adapterHash).toBe(keccak256(readFileSync(path.join(run, "adapter", "adapter_model.safetensors"))));
  expect(model.attributionIndexCommitment).toBe(
    indexCommitment(decodeIndex(new Uint8Array(readFileSync(path.join(run, "index.bin"))))),
  );
  expect(model.datanetIds).toEqual([network.datanetId]);
  expect(model.method).toBe(1);
  expect(model.stake).toBe(parseUnits("10", 18));
  expect(model.parentModelId).toBeGreaterThan(0n);

  lap("published");
  // 4. Chat with it: the answer streams from the new adapter, paid under its model id.
  await page.getByTestId("chat-with-it").click();
  const adapter = `factory-${jobId.slice("job-".length)}`;
  await page.locator(`[data-testid="model"] option[value="${adapter}"]`).waitFor({ state: "attached" });
  await page.waitForFunction(`document.querySelector('[data-testid="model"]')?.value === ${JSON.stringify(adapter)}`);

  await page.getByTestId("prompt").fill("Tell me about the lighthouse keeper.");
  await page.getByTestId("send").click();
  await page.locator('[data-testid="answer"][data-done="true"]').last().waitFor({ timeout: 30_000 });
  const answer = (await page.getByTestId("answer").last().innerText()).replace(/^Model:\s*/, "");
  expect(answer.length).toBeGreaterThan(0);
  const receiptLink = (await page.getByTestId("receipt-link").last().getAttribute("href"))!;
  expect(receiptLink).toMatch(/^#\/receipt\//);
  const receipt = JSON.parse(
    (await page.evaluate(
      `localStorage.getItem(${JSON.stringify(`poa-receipt:${receiptLink.slice("#/receipt/".length).toLowerCase()}`)})`,
    )) as string,
  ) as { receipt: { modelId: string; fee: string } };
  expect(BigInt(receipt.receipt.modelId)).toBe(modelId);
  expect(BigInt(receipt.receipt.fee)).toBe(model.price);
  // the attributor credits it by the adapter's own gradient index (DataInf): only contributions it was trained on
  await page.getByTestId("credited").first().waitFor({ timeout: 30_000 });
  const credited = await page
    .getByTestId("credited")
    .evaluateAll((els) => els.map((e) => BigInt(e.getAttribute("data-contribution")!)));
  const trained = new Set(network.contributions.map((c) => c.id));
  expect(credited.length).toBeGreaterThan(0);
  expect(credited.every((id) => trained.has(id))).toBe(true);
  const attribution = await fetch(
    `${network.attributorApiUrl}/attributions/${modelId}/${keccak256(new TextEncoder().encode(answer))}`,
  ).then((r) => r.json() as Promise<{ entries: Array<{ contributionId: string; weight: number }> }>);
  expect(attribution.entries.reduce((s, e) => s + e.weight, 0)).toBe(1_000_000);
  expect(attribution.entries.every((e) => trained.has(BigInt(e.contributionId)))).toBe(true);

  lap("chatted");
  // 5. Phone width: the job page fits 390 px.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${network.url}/#/factory/${jobId}`);
  await page.getByTestId("loss-chart").waitFor();
  expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
  await shoot(page, "factory-phone");
  expect(pageErrors).toEqual([]);
  await page.close();

  lap("phone");
  // 6. Bad requests: one line each; a job already running; cancel.
  const jobs = `${network.url}/api/factory/jobs`;
  const good = { base: "tiny-llama", datanets: [network.datanetId.toString()], rank: 4, alpha: 8 };
  const hyper = { targets: ["q_proj", "v_proj"], epochs: 200, lr: 0.01, seed: 1 };
  const unknown = await postJson(jobs, { ...good, ...hyper, datanets: ["999"] });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error!.message).toContain("datanet 999 does not exist");
  const badRank = await postJson(jobs, { ...good, ...hyper, rank: 0 });
  expect(badRank.status).toBe(400);
  expect(badRank.body.error!.message).toContain("rank");
  const badBase = await postJson(jobs, { ...good, ...hyper, base: "nope" });
  expect(badBase.status).toBe(404);
  expect(badBase.body.error!.message).toContain('unknown base model "nope"');
  const servedTwice = await postJson(`${jobs}/${jobId}/serve`, { modelId: network.modelId.toString() });
  expect(servedTwice.status).toBe(409);
  const notJson = await fetch(jobs, { method: "POST", body: "{" }).then((r) => r.status);
  expect(notJson).toBe(400);
  const long = await postJson(jobs, { ...good, ...hyper });
  expect(long.status).toBe(202);
  const again = await postJson(jobs, { ...good, ...hyper });
  expect(again.status).toBe(409);
  expect(again.body.error!.message).toContain(`job ${long.body.id} is still training`);
  const getJob = () =>
    fetch(`${jobs}/${long.body.id}`).then(
      (r) => r.json() as Promise<{ status: string; points: Array<{ step: number }>; resumedFrom?: number }>,
    );
  const waitPoints = async (n: number) => {
    for (let i = 0; i < 300; i++) {
      const job = await getJob();
      if (job.points.length >= n) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${long.body.id} made no progress`);
  };
  await waitPoints(3);
  expect((await postJson(`${jobs}/${long.body.id}/cancel`, {})).status).toBe(200);
  const stopped = await getJob();
  expect(stopped.status).toBe("cancelled");
  // resume: training continues from the run folder's last state; redone steps replace their points
  expect((await postJson(`${jobs}/${long.body.id}/resume`, {})).status).toBe(202);
  const resumed = await waitPoints(stopped.points.length + 2);
  expect(resumed.points.map((p) => p.step)).toEqual(resumed.points.map((_, i) => i + 1));
  // it continued from a saved state (one per epoch here), not from scratch
  expect(resumed.resumedFrom).toBeGreaterThan(0);
  expect(resumed.resumedFrom).toBeLessThanOrEqual(stopped.points.length);
  expect((await postJson(`${jobs}/${long.body.id}/cancel`, {})).status).toBe(200);

  lap("bad input + resume");
  // 7. A restarted server on the same jobs folder shows the jobs and still offers the published adapter.
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const restarted = yield* serveWeb({ ...network.web, port: 0 });
        const listed = yield* Effect.promise(() =>
          fetch(`${restarted.url}/api/factory/jobs`).then(
            (r) => r.json() as Promise<{ jobs: Array<{ id: string; status: string }> }>,
          ),
        );
        expect(listed.jobs.map((j) => [j.id, j.status])).toEqual([
          [long.body.id, "cancelled"],
          [jobId, "published"],
        ]);
        const config = yield* Effect.promise(() =>
          fetch(`${restarted.url}/api/config`).then((r) => r.json() as Promise<{ models: Record<string, string> }>),
        );
        expect(config.models[adapter]).toBe(modelId.toString());
      }),
    ),
  );
};
