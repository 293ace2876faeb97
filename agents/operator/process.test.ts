/**
 * `poa operator serve` as its own OS process (the CLI, its flags and environment), handing receipts
 * to an attributor intake over HTTP and to a libp2p peer over gossip on loopback. The peer fetches
 * the texts by hash from the operator process; after a restart the operator still serves them from
 * its data directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit, PubSub, Scope } from "effect";
import OpenAI from "openai";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { serveIntake } from "../attributor/intake.ts";
import { memoryTextStore } from "../content/texts.ts";
import { checkReceipts, receiptProblem } from "../gossip/checks.ts";
import { Topics } from "../gossip/messages.ts";
import { startNode } from "../gossip/testing.ts";
import { attributionDomain, textHash } from "../protocol/receipt.ts";
import type { SourcedReceipt } from "../protocol/texts.ts";
import { fetchReceiptTexts } from "../receipts/texts.ts";
import { payingFetch } from "./client.ts";
import { testAdapterId, writeTestSetup } from "./fixtures.ts";

const operatorKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const userKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const ledger: Address = "0x00000000000000000000000000000000000a11ce";
const attributor: Address = "0x000000000000000000000000000000000000a77b";
const domain = attributionDomain(31337, ledger);

const scope = Effect.runSync(Scope.make());
const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.provide(effect, scope));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Effect.runPromise(Scope.close(scope, Exit.void));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Starts the operator process; resolves with its API base URL and gossip address once it says them. */
const startOperator = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ child: ChildProcess; baseUrl: string; gossip: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "agents/operator/cli.ts", "serve", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let out = "";
    const timer = setTimeout(() => reject(new Error(`operator did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const api = /OpenAI-compatible API on (http:\/\/\S+\/v1)/.exec(out);
      const gossip = /gossip (\/ip4\/\S+\/p2p\/\w+)/.exec(out);
      if (api && gossip) {
        clearTimeout(timer);
        resolve({ child, baseUrl: api[1]!, gossip: gossip[1]! });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`operator exited with ${code}:\n${out}`)));
  });

describe("poa operator serve (a separate process)", () => {
  it("POSTs each paid receipt to the intake, gossips it, serves its texts by hash, also after a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "operator-process-"));
    dirs.push(dir);
    const setup = await writeTestSetup(dir, { adapters: 1 });
    await writeFile(
      join(setup.adaptersDir, testAdapterId(0), "poa.json"),
      JSON.stringify({ modelId: "7", price: "1000" }),
    );
    const peer = await run(
      startNode({ heartbeatMs: 100, topics: [Topics.receipts], checkPayload: checkReceipts(domain) }),
    );
    const gossiped = await run(peer.gossip.subscribe(Topics.receipts));
    const received: SourcedReceipt[] = [];
    const intake = await run(
      serveIntake({ port: 0 }, async (sourced) => {
        received.push(sourced);
        return { ok: true, stored: true };
      }),
    );
    const args = [
      "--model-dir",
      setup.modelDir,
      "--adapters-dir",
      setup.adaptersDir,
      "--port",
      "0",
      "--require-payment",
      "--ledger",
      ledger,
      "--attributor",
      attributor,
      "--gossip-port",
      "0",
      "--bootstrap",
      peer.gossip.addresses[0]!,
      "--data-dir",
      join(dir, "operator"),
    ];
    // the key and the intake come from the environment, as a deployment would pass them
    const env = { POA_OPERATOR_KEY: operatorKey, POA_OPERATOR_INTAKE_URLS: `${intake.url}/receipts` };
    const first = await startOperator(args, env);
    const user = privateKeyToAccount(userKey);
    let nonce = 1n;
    const client = new OpenAI({
      baseURL: first.baseUrl,
      apiKey: "unused",
      maxRetries: 0,
      fetch: payingFetch({
        user,
        domain,
        operator: privateKeyToAccount(operatorKey).address,
        modelId: 7n,
        maxFee: 1000n,
        nonce: () => nonce++,
      }),
    });
    // publish only once the two nodes know each other's subscriptions (exchanged right after the dial)
    for (let i = 0; i < 300 && (await Effect.runPromise(peer.gossip.topicPeerCount(Topics.receipts))) === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    const answer = await client.completions.create({
      model: testAdapterId(0),
      prompt: "Hi",
      max_tokens: 4,
      temperature: 0,
    });
    const text = answer.choices[0]!.text;

    const envelope = await Effect.runPromise(PubSub.take(gossiped).pipe(Effect.timeout("30 seconds")));
    const receipt = envelope.payload;
    expect(receipt.receipt).toMatchObject({ attributor, fee: 1000n, modelId: 7n, outputHash: textHash(text) });
    expect(await receiptProblem(domain, receipt)).toBeUndefined();
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    expect(received[0]!.receipt.operatorSignature).toBe(receipt.operatorSignature);
    expect(received[0]!.input).toBe("Hi");

    const fetched = await Effect.runPromise(
      fetchReceiptTexts({ gossip: peer.gossip, texts: memoryTextStore() }, receipt, [first.gossip]),
    );
    expect(fetched.output).toBe(text);

    // kill -9 and restart on the same data directory: same peer id, the texts are still served
    first.child.kill("SIGKILL");
    const second = await startOperator(args, env);
    expect(second.gossip.split("/p2p/")[1]).toBe(first.gossip.split("/p2p/")[1]);
    const again = await Effect.runPromise(
      fetchReceiptTexts({ gossip: peer.gossip, texts: memoryTextStore() }, receipt, [second.gossip]),
    );
    expect(again.input).toBe("Hi");
    expect(again.output).toBe(text);
  }, 180_000);
});
