/**
 * Operator → attributors, for real: the OperatorAgent layer (model, HTTP API, libp2p node, publisher)
 * on loopback; a separate libp2p peer that validates receipts as an attributor does and fetches their
 * texts by hash; a real attributor intake (HTTP) the operator POSTs to. A user pays through the openai
 * client. The receipt that arrives passes σ.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, Effect, Exit, Layer, PubSub, Redacted, Scope } from "effect";
import OpenAI from "openai";
import { type Address, bytesToHex, keccak256, stringToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toAttributeTx } from "../attributor/attributor.ts";
import { serveIntake } from "../attributor/intake.ts";
import { memoryTextStore } from "../content/texts.ts";
import { checkReceipts, receiptProblem } from "../gossip/checks.ts";
import type { Envelope } from "../gossip/envelope.ts";
import { Topics } from "../gossip/messages.ts";
import { startNode, type TestNode } from "../gossip/testing.ts";
import { attributionDomain, type ReceiptPayload, textHash } from "../protocol/receipt.ts";
import { decodeCanonicalRequest, requestText } from "../protocol/request.ts";
import { checkReceiptWithTexts, type SourcedReceipt, toReceiptWithTexts } from "../protocol/texts.ts";
import { fetchReceiptTexts } from "../receipts/texts.ts";
import { encodeTx } from "../sigma/codec.ts";
import { applyTx, Ledger, Outcome, type RegistryView } from "../sigma/sigma.ts";
import { paidRequest, payingFetch } from "./client.ts";
import { testAdapterId, writeTestSetup } from "./fixtures.ts";
import { OperatorAgent } from "./service.ts";

const operatorKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const userKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const ledgerAddress: Address = "0x00000000000000000000000000000000000a11ce";
const attributor: Address = "0x000000000000000000000000000000000000a77b";
const chainId = 31337;
const domain = attributionDomain(chainId, ledgerAddress);
const modelId = 7n;
const price = 1000n;

let dir: string;
const scope = Effect.runSync(Scope.make());
const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.provide(effect, scope));

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void));
  await rm(dir, { recursive: true, force: true });
});

let peer: TestNode;
let liar: TestNode;
let operator: OperatorAgent["Service"];
const intakeReceived: SourcedReceipt[] = [];
let gossiped: PubSub.Subscription<Envelope<typeof Topics.receipts>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "operator-publish-"));
  const setup = await writeTestSetup(dir, { adapters: 1 });
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    join(setup.adaptersDir, testAdapterId(0), "poa.json"),
    JSON.stringify({ modelId: modelId.toString(), price: price.toString() }),
  );
  // the attributor side: a libp2p peer validating receipts as `poa attributor run` does, and an intake
  peer = await run(startNode({ heartbeatMs: 100, topics: [Topics.receipts], checkPayload: checkReceipts(domain) }));
  gossiped = await run(peer.gossip.subscribe(Topics.receipts));
  const intake = await run(
    serveIntake({ port: 0 }, async (sourced) => {
      intakeReceived.push(sourced);
      return { ok: true, stored: true };
    }),
  );
  // a peer that answers every text request with bytes that do not hash to what was asked
  liar = await run(
    startNode({ heartbeatMs: 100, topics: [Topics.receipts], textSource: () => stringToBytes("not the text") }),
  );
  const layer = OperatorAgent.layer({
    operator: {
      modelDir: setup.modelDir,
      adaptersDir: setup.adaptersDir,
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
    key: Redacted.make(operatorKey),
    paymentsRequired: false,
    chainId,
    ledger: ledgerAddress,
    attributor,
    publish: {
      intakeUrls: [`${intake.url}/receipts`],
      gossip: { port: 0, heartbeatMs: 100, topics: [Topics.receipts], bootstrap: [peer.gossip.addresses[0]!] },
    },
  });
  const context = await run(Layer.build(layer));
  operator = Context.get(context, OperatorAgent);
  await run(peer.gossip.dial(liar.gossip.addresses[0]!));
  // wait for the operator and the peer to share a receipts mesh
  for (let i = 0; i < 200 && (await Effect.runPromise(operator.gossip!.meshPeerCount(Topics.receipts))) === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}, 120_000);

describe("operator → attributors", () => {
  it("a paid answer's receipt reaches a libp2p peer and the intake; the peer fetches its texts by hash; σ accepts it", async () => {
    const user = privateKeyToAccount(userKey);
    let nonce = 5n;
    const client = new OpenAI({
      baseURL: operator.baseUrl,
      apiKey: "unused",
      maxRetries: 0,
      fetch: payingFetch({ user, domain, operator: operator.address, modelId, maxFee: price, nonce: () => nonce++ }),
    });
    const answer = await client.chat.completions.create({
      model: testAdapterId(0),
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "Which datanet taught you this?" },
      ],
      max_tokens: 6,
      temperature: 0,
    });
    const text = answer.choices[0]!.message.content ?? "";

    // gossip: the peer's validator (both signatures, under the deployment's domain) accepted it
    const envelope = await Effect.runPromise(PubSub.take(gossiped).pipe(Effect.timeout("20 seconds")));
    const receipt: ReceiptPayload = envelope.payload;
    expect(envelope.sender).toBe(operator.address);
    expect(receipt.receipt).toMatchObject({ user: user.address, attributor, modelId, fee: price, nonce: 5n });
    expect(receipt.receipt.outputHash).toBe(textHash(text));
    expect(await receiptProblem(domain, receipt)).toBeUndefined();

    // texts by hash from the operator over /poa/text/1, checked, decoded
    const texts = memoryTextStore();
    const sourced = await Effect.runPromise(
      fetchReceiptTexts({ gossip: peer.gossip, texts, metrics: peer.metrics }, receipt, [operator.gossip!.peerId]),
    );
    expect(sourced.output).toBe(text);
    const request = decodeCanonicalRequest(Buffer.from(sourced.request.slice(2), "hex"));
    expect(request).toMatchObject({ kind: "chat", model: testAdapterId(0), maxTokens: 6, temperature: 0 });
    expect(sourced.input).toBe(requestText(request));
    expect(sourced.input).toBe("be brief\nWhich datanet taught you this?");
    // kept locally: a second fetch needs no peer
    expect(await Effect.runPromise(texts.get(receipt.receipt.requestHash))).toEqual(
      Buffer.from(sourced.request.slice(2), "hex"),
    );

    // the intake got the same receipt with its texts
    await Effect.runPromise(operator.publisher!.drained);
    expect(intakeReceived).toHaveLength(1);
    expect(intakeReceived[0]!.receipt.operatorSignature).toBe(receipt.operatorSignature);
    expect(intakeReceived[0]!.output).toBe(text);
    expect(intakeReceived[0]!.request).toBe(sourced.request);

    // σ (agents/sigma) accepts it: signatures, fee ≤ maxFee, attributor ≠ 0, deadline, model
    const registry: RegistryView = {
      model: (id) => ({
        owner:
          id === modelId ? "0x000000000000000000000000000000000000000b" : "0x0000000000000000000000000000000000000000",
        split: { operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500 },
        registeredAt: 1n,
        retiredAt: 0n,
      }),
      contribution: () => ({
        contributor: "0x0000000000000000000000000000000000000000",
        datanetId: 0n,
        approvedAt: 0n,
        withdrawnAt: 0n,
      }),
      modelUsesDatanet: () => false,
    };
    const ledger = new Ledger();
    const tx = encodeTx({ ...toAttributeTx(receipt), entries: [] });
    const ctx = {
      chainId,
      ledger: ledgerAddress,
      protocol: "0x000000000000000000000000000000000000000c" as Address,
      referenceTime: BigInt(Math.floor(Date.now() / 1000)),
      maxEntries: 8,
    };
    const step = await applyTx(ledger, ctx, registry, tx, 0);
    expect(step.outcome).toBe(Outcome.Valid);
    expect(ledger.totalCredited).toBe(price);
    const published = operator.operator.metrics.counter("poa_operator_receipts_published_total", "");
    expect(published.get({ route: "intake", result: "ok" })).toBe(1);
    expect(published.get({ route: "gossip", result: "ok" })).toBe(1);
  }, 60_000);

  it("a peer serving wrong text is caught and counted; the fetch goes on to an honest peer; the node keeps working", async () => {
    const user = privateKeyToAccount(userKey);
    let nonce = 100n;
    const client = new OpenAI({
      baseURL: operator.baseUrl,
      apiKey: "unused",
      maxRetries: 0,
      fetch: payingFetch({ user, domain, operator: operator.address, modelId, maxFee: price, nonce: () => nonce++ }),
    });
    await client.completions.create({ model: testAdapterId(0), prompt: "Hello", max_tokens: 4, temperature: 0 });
    const receipt = (await Effect.runPromise(PubSub.take(gossiped).pipe(Effect.timeout("20 seconds")))).payload;
    const texts = memoryTextStore();
    const deps = { gossip: peer.gossip, texts, metrics: peer.metrics };
    const mismatches = () =>
      peer.metrics.counter("poa_gossip_fetch_total", "").get({ protocol: "/poa/text/1", result: "hash-mismatch" });
    const before = mismatches();

    // only the liar: a clear, typed error, counted
    const refused = await Effect.runPromise(Effect.flip(fetchReceiptTexts(deps, receipt, [liar.gossip.peerId])));
    expect(refused._tag).toBe("ReceiptTextsError");
    expect(refused.reason).toBe("unavailable");
    expect(refused.message).toMatch(/hash-mismatch/);
    expect(mismatches()).toBe(before + 1);
    expect(peer.metrics.counter("poa_receipt_texts_total", "").get({ result: "unavailable" })).toBe(1);
    expect(await Effect.runPromise(texts.get(receipt.receipt.requestHash))).toBeUndefined();

    // the liar first, then the operator: the liar costs one request per text, the texts arrive
    const sourced = await Effect.runPromise(
      fetchReceiptTexts(deps, receipt, [liar.gossip.peerId, operator.gossip!.peerId]),
    );
    expect(keccak256(Buffer.from(sourced.request.slice(2), "hex"))).toBe(receipt.receipt.requestHash);
    expect(sourced.input).toBe("Hello");
    expect(mismatches()).toBe(before + 3);
  }, 60_000);

  it("paidRequest returns the checked receipt with its texts, ready for an intake; refusals carry the status", async () => {
    const config = {
      baseUrl: operator.baseUrl,
      user: privateKeyToAccount(userKey),
      domain,
      operator: operator.address,
      modelId,
      maxFee: price,
    };
    const body = { model: testAdapterId(0), messages: [{ role: "user", content: "hi there" }], max_tokens: 3 };
    const sourced = await paidRequest(config, 900n, body);
    expect(sourced.input).toBe("hi there");
    expect(sourced.receipt.receipt).toMatchObject({ fee: price, nonce: 900n, attributor });
    const checked = checkReceiptWithTexts(toReceiptWithTexts(sourced));
    expect(checked.ok).toBe(true);
    expect(await receiptProblem(domain, sourced.receipt)).toBeUndefined();
    // the same nonce again: the operator refuses it (402), nothing else is signed
    await expect(paidRequest(config, 900n, body)).rejects.toMatchObject({ _tag: "PaidRequestError", status: 402 });
    // a Request naming another operator is refused too
    await expect(
      paidRequest({ ...config, operator: "0x0000000000000000000000000000000000000bad" }, 901n, body),
    ).rejects.toMatchObject({ status: 402 });
    await Effect.runPromise(operator.publisher!.drained);
  }, 60_000);

  it("unpaid answers are served but never published", async () => {
    const metric = () =>
      operator.operator.metrics
        .counter("poa_operator_receipts_published_total", "")
        .get({ route: "skipped", result: "unpaid" });
    const before = metric();
    const client = new OpenAI({ baseURL: operator.baseUrl, apiKey: "unused", maxRetries: 0 });
    await client.completions.create({ model: testAdapterId(0), prompt: "free", max_tokens: 2 });
    await Effect.runPromise(operator.publisher!.drained);
    expect(metric()).toBe(before + 1);
    expect(bytesToHex(new Uint8Array(0))).toBe("0x");
  }, 60_000);
});
