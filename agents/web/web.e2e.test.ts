/**
 * Open Chat in a real headless Chromium (Debian's package, driven by playwright-core) against a local
 * network on anvil: a real operator streams the answer, a real attributor attributes it with the suffix
 * engine, the chain settles it (the attributor's first claim is corrupted on purpose and disputed).
 * What the page shows is checked against what the test knows independently: the contributions' texts
 * it put on chain, the fee split recomputed here from docs/protocol.md §4, and the chain's `withdrawn`.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { chromium, type Page } from "playwright-core";
import { createPublicClient, http, keccak256, toBytes } from "viem";
import { freePort } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contentRoot } from "../content/merkle.ts";
import { trainDemoModel } from "../engines/gradient/demo.ts";
import type { GradientEvidence } from "../engines/gradient/engine.ts";
import { attributionLedgerAbi, modelRegistryAbi } from "../generated/contracts.ts";
import { factoryFlow } from "./factory-flow.test-util.ts";
import { DEMO_PROMPTS, GRADIENT_ADAPTER, GRADIENT_EXAMPLES, GRADIENT_SEED, startOpenChatNetwork } from "./local.ts";
import { serveWeb } from "./server.ts";

export const CHROMIUM = process.env.POA_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = process.env.POA_SCREENSHOTS; // e.g. docs/screenshots: write each page's picture there

const shoot = async (page: Page, name: string) => {
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
};

const chat = async (page: Page, prompt: string) => {
  await page.getByTestId("prompt").fill(prompt);
  await page.getByTestId("send").click();
  await page.locator('[data-testid="answer"][data-done="true"]').last().waitFor({ timeout: 30_000 });
};

layer(LocalProtocol.layer(), { timeout: 240_000, excludeTestServices: true })("Open Chat in Chromium", (it) => {
  it.effect(
    "chat, attribution, receipt to final, dispute, earnings and withdrawal; the Model Factory; clear messages on bad input",
    () =>
      Effect.gen(function* () {
        if (!existsSync(CHROMIUM))
          throw new Error(
            `no Chromium at ${CHROMIUM}: apt-get install chromium (what .ci/run does), or set POA_CHROMIUM`,
          );
        const network = yield* startOpenChatNetwork({ fraud: true });
        const browser = yield* Effect.acquireRelease(
          Effect.promise(() => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] })),
          (b) => Effect.promise(() => b.close()),
        );
        yield* Effect.promise(async () => {
          const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
          const pageErrors: string[] = [];
          page.on("pageerror", (e) => pageErrors.push(e.message));
          await page.goto(network.url);

          // 1. A streamed answer, its highlighted spans and their verified source passages.
          await page.getByTestId("model").locator("option").first().waitFor({ state: "attached" });
          await chat(page, DEMO_PROMPTS[0]);
          const answer = (await page.getByTestId("answer").last().innerText()).replace(/^Model:\s*/, "");
          expect(answer.length).toBeGreaterThan(10);
          await page.getByTestId("span").first().waitFor({ timeout: 30_000 });
          await page.getByTestId("verified").first().waitFor({ timeout: 10_000 });
          const sources = page.getByTestId("source");
          expect(await sources.count()).toBeGreaterThan(0);
          for (let k = 0; k < (await sources.count()); k++) {
            const source = sources.nth(k);
            const id = BigInt((await source.getAttribute("data-contribution"))!);
            const shown = await source.getByTestId("passage-match").innerText();
            const spanText = await source.getByTestId("span-text").textContent();
            const contribution = network.contributions.find((c) => c.id === id)!;
            // the passage the page shows is the contribution's own text, and it is the answer's span
            expect(contribution.text).toContain(shown);
            expect(shown).toBe(spanText);
            expect(answer).toContain(shown.slice(0, 20));
          }
          const highlighted = await page.getByTestId("span").allInnerTexts();
          expect(highlighted.join("").length).toBeGreaterThanOrEqual(16);
          await page.getByTestId("fee-split").waitFor();
          await shoot(page, "chat");

          // 2. The receipt's timeline reaches "final".
          await page.getByTestId("receipt-link").last().click();
          await page.getByTestId("claim-status").filter({ hasText: "final" }).waitFor({ timeout: 90_000 });
          const receiptUrl = page.url();
          expect(await page.locator('[data-testid="step"][data-done="true"]').count()).toBe(5);
          await shoot(page, "receipt");

          // 3. The corrupted claim's dispute, on the claims page.
          await page.goto(`${network.url}/#/claims`);
          await page.getByTestId("dispute").first().waitFor({ timeout: 60_000 });
          await page
            .getByTestId("game-status")
            .filter({ hasText: "challenger won" })
            .first()
            .waitFor({ timeout: 60_000 });
          await page.getByTestId("bisection").first().waitFor();
          await shoot(page, "claims");

          // 4. Earnings: what the page says is withdrawable is what σ credits, and what the chain pays.
          const client = createPublicClient({ transport: http(network.rpcUrl) });
          const api = await fetch(
            `${network.attributorApiUrl}/attributions/${network.modelId}/${keccak256(toBytes(answer))}`,
          ).then((r) => r.json() as Promise<{ entries: Array<{ contributionId: string; weight: number }> }>);
          const model = await client.readContract({
            address: network.web.deployments.modelRegistry as `0x${string}`,
            abi: modelRegistryAbi,
            functionName: "getModel",
            args: [network.modelId],
          });
          const fee = model.price;
          const s = model.split;
          const data =
            fee -
            (fee * BigInt(s.operatorBps)) / 10_000n -
            (fee * BigInt(s.ownerBps)) / 10_000n -
            (fee * BigInt(s.attributorBps)) / 10_000n -
            (fee * BigInt(s.protocolBps)) / 10_000n;
          const top = api.entries.reduce((a, b) => (b.weight > a.weight ? b : a));
          const owner = network.contributions.find((c) => c.id === BigInt(top.contributionId))!.contributor;
          const expected = api.entries
            .filter((e) => network.contributions.find((c) => c.id === BigInt(e.contributionId))!.contributor === owner)
            .reduce((sum, e) => sum + (data * BigInt(e.weight)) / 1_000_000n, 0n);
          await page.goto(`${network.url}/#/earnings/${owner}`);
          await page.getByTestId("withdrawable").waitFor();
          const shown = BigInt((await page.getByTestId("withdrawable").getAttribute("data-wei"))!);
          expect(shown).toBe(expected);
          await page.getByTestId("earnings-chart").waitFor();
          await shoot(page, "earnings");
          await page.getByTestId("withdraw").click();
          await page.getByTestId("withdraw-status").filter({ hasText: "withdrawn" }).waitFor({ timeout: 20_000 });
          const paid = await client.readContract({
            address: network.web.deployments.attributionLedger as `0x${string}`,
            abi: attributionLedgerAbi,
            functionName: "withdrawn",
            args: [owner],
          });
          expect(paid).toBe(expected);

          // 4b. A gradient model: the credited training examples the page shows are the attributor's, as the
          // test recomputes them: the spam classifier retrained here from the same mail (its index commitment
          // must be the one on chain, so these are the registered model's files) and the engine run on the answer.
          const gradientPage = await browser.newPage({ viewport: { width: 1100, height: 900 } });
          gradientPage.on("pageerror", (e) => pageErrors.push(e.message));
          await gradientPage.goto(network.url);
          await gradientPage.getByTestId("model").locator("option").first().waitFor({ state: "attached" });
          await gradientPage.getByTestId("model").selectOption(GRADIENT_ADAPTER);
          const gradientPrompt = "Win a FREE prize now: click here to claim your cash reward!";
          await chat(gradientPage, gradientPrompt);
          const gradientAnswer = (await gradientPage.getByTestId("answer").last().innerText()).replace(
            /^Model:\s*/,
            "",
          );
          await gradientPage.getByTestId("credited-text").first().waitFor({ timeout: 30_000 });
          const credited = await gradientPage.getByTestId("credited").evaluateAll((els) =>
            els.map((e) => ({
              contributionId: e.getAttribute("data-contribution"),
              score: e.getAttribute("data-score"),
            })),
          );
          const retrained = await trainDemoModel({
            examples: GRADIENT_EXAMPLES,
            seed: GRADIENT_SEED,
            contributionIds: network.gradient.contributions.map((c) => c.id),
            modelId: network.gradient.modelId,
          });
          const gradientModel = await client.readContract({
            address: network.web.deployments.modelRegistry as `0x${string}`,
            abi: modelRegistryAbi,
            functionName: "getModel",
            args: [network.gradient.modelId],
          });
          expect(retrained.commitment).toBe(gradientModel.attributionIndexCommitment);
          const recomputed = await Effect.runPromise(
            // the local network's convention for a chat with the gradient model (local.ts gradientRequest)
            retrained.engine.attribute({
              modelId: network.gradient.modelId,
              input: gradientPrompt,
              output: `reply: ${gradientAnswer}`,
            }),
          );
          const rows = (recomputed.evidence as GradientEvidence).top;
          expect(rows.length).toBeGreaterThan(0);
          expect(credited).toEqual(
            rows.map((t) => ({ contributionId: t.contributionId.toString(), score: t.score.toString() })),
          );
          // the attributor's entries (what the fee is split over) credit exactly those examples
          expect(recomputed.entries.map((e) => e.contributionId).sort()).toEqual(
            rows.map((t) => t.contributionId).sort(),
          );
          // each credited example shows its training message, verified against its content root
          const shownTexts = await gradientPage.getByTestId("credited-text").allTextContents();
          expect(shownTexts.length).toBe(rows.length);
          for (const [k, t] of rows.entries()) {
            const text = network.gradient.contributions.find((c) => c.id === t.contributionId)!.text;
            expect(text.startsWith(shownTexts[k]!.slice(0, 200))).toBe(true);
          }
          await shoot(gradientPage, "chat-gradient");
          await gradientPage.close();

          // 5. Explorer pages render from the chain.
          await page.goto(`${network.url}/#/datanets`);
          await page.getByTestId("datanet").first().waitFor();
          await shoot(page, "datanets");
          await page.goto(`${network.url}/#/models`);
          await page.getByTestId("model").first().waitFor();
          await shoot(page, "models");

          // 6. A phone-sized viewport: the receipt page and the chat fit the width (no sideways scrolling).
          await page.setViewportSize({ width: 390, height: 844 });
          for (const route of [receiptUrl, `${network.url}/#/`]) {
            await page.goto(route);
            await page.getByRole("heading", { level: 1 }).waitFor();
            await page.waitForTimeout(1_500);
            expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
          }
          await page.goto(receiptUrl);
          await page.getByTestId("claim-status").waitFor();
          await shoot(page, "phone");
          expect(pageErrors).toEqual([]);
          await page.close();
        });

        // 7. The Model Factory: train on a datanet, watch the loss, publish, chat with the adapter (factory-flow.test-util.ts).
        const factoryStart = Date.now();
        yield* Effect.promise(() => factoryFlow(browser, network, shoot));
        if (process.env.POA_TIMINGS !== undefined) console.log(`factory flow: ${Date.now() - factoryStart} ms`);

        // Bad input, each in its own server: operator down + chain unreachable; unknown model; tampered content.
        // (without the factory: a server on the factory's jobs folder would offer the published adapter first)
        const { factory: _factory, ...plain } = network.web;
        const dead = `http://127.0.0.1:${yield* Effect.promise(freePort)}`;
        const broken = yield* serveWeb({ ...plain, port: 0, operatorUrl: dead, rpcUrl: dead });
        const unknown = yield* serveWeb({
          ...plain,
          port: 0,
          models: { "no-such-model": network.modelId.toString() },
        });
        const tamperedDir = yield* Effect.acquireRelease(
          Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-web-tampered-"))),
          (d) => Effect.promise(() => rm(d, { recursive: true, force: true })),
        );
        yield* Effect.promise(() =>
          Promise.all(
            network.contributions.map((c) =>
              writeFile(
                path.join(tamperedDir, contentRoot(new TextEncoder().encode(c.text)).toLowerCase()),
                `${c.text}!`,
              ),
            ),
          ),
        );
        const tampered = yield* serveWeb({ ...plain, port: 0, contentDir: tamperedDir });
        yield* Effect.promise(async () => {
          const page = await browser.newPage();
          await page.goto(broken.url);
          await page.getByTestId("chat-status").filter({ hasText: "unreachable" }).waitFor({ timeout: 10_000 });
          expect(await page.getByTestId("chat-status").innerText()).toContain(`operator at ${dead}`);
          await page.goto(`${broken.url}/#/claims`);
          await page.getByTestId("page-error").filter({ hasText: "chain unreachable" }).waitFor({ timeout: 20_000 });
          await shoot(page, "error-chain");

          await page.goto(unknown.url);
          await page.getByTestId("model").locator("option").first().waitFor({ state: "attached" });
          await page.getByTestId("model").selectOption("no-such-model");
          await page.getByTestId("prompt").fill("hello");
          await page.getByTestId("send").click();
          await page.getByTestId("error").waitFor({ timeout: 10_000 });
          expect(await page.getByTestId("error").innerText()).toMatch(/no-such-model/);

          await page.goto(tampered.url);
          await page.getByTestId("model").locator("option").first().waitFor({ state: "attached" });
          await page.getByTestId("user").selectOption({
            label: `user-2 ${network.users[1]!.address.slice(0, 6)}…${network.users[1]!.address.slice(-4)}`,
          });
          await chat(page, DEMO_PROMPTS[1]);
          await page.getByTestId("source-error").first().waitFor({ timeout: 30_000 });
          expect(await page.getByTestId("source-error").first().innerText()).toContain(
            "does not match its on-chain root",
          );
          expect(await page.getByTestId("passage").count()).toBe(0);
          await shoot(page, "error-content");
          await page.close();
        });
      }).pipe(Effect.scoped),
    240_000,
  );
});
