import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redacted } from "effect";
import OpenAI from "openai";
import { keccak256, toBytes, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attributionDomain,
  decodeSignedReceipt,
  NO_USER_SIGNATURE,
  recoverReceiptSigner,
  recoverRequestSigner,
  requestDigest,
  type SignedReceipt,
  textHash,
} from "../protocol/receipt.ts";
import { requestHashOfBody } from "./client.ts";
import { testAdapterId, writeTestSetup } from "./fixtures.ts";
import { LoraOperator } from "./operator.ts";
import { REQUEST_HEADER, ReceiptSigner, type ReceiptWithTexts, requestToJson, SIGNATURE_HEADER } from "./receipts.ts";
import { generate } from "./scheduler.ts";
import { ADAPTER_HASH_HEADER, OperatorServer } from "./server.ts";

const operatorKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const userKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const domain = attributionDomain(31337, "0x00000000000000000000000000000000000a11ce");
const now = () => BigInt(Math.floor(Date.now() / 1000));

let dir: string;
let op: LoraOperator;
const servers: OperatorServer[] = [];
const gossiped: ReceiptWithTexts[] = [];

// requestHash vectors written by agents/protocol/testdata/canonical_request.py (independent of request.ts)
const pythonHash = (group: string): string =>
  JSON.parse(
    readFileSync(new URL("../protocol/testdata/canonical_request.json", import.meta.url), "utf8"),
  ).vectors.find((v: { group: string }) => v.group === group).requestHash;

type WireReceipt = { poa_receipt: unknown };
const receiptOf = (answer: unknown): SignedReceipt => decodeSignedReceipt((answer as WireReceipt).poa_receipt);

const start = async (paymentsRequired: boolean, adminToken?: string) => {
  const signer = new ReceiptSigner(privateKeyToAccount(operatorKey), domain, {
    paymentsRequired,
    now,
    onReceipt: (r) => gossiped.push(r),
  });
  const server = new OperatorServer({
    operator: op,
    signer,
    ...(adminToken ? { adminToken: Redacted.make(adminToken) } : {}),
  });
  servers.push(server);
  const port = await server.listen(0);
  return `http://127.0.0.1:${port}/v1`;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "operator-api-"));
  const setup = await writeTestSetup(dir, { adapters: 4 });
  await writeFile(join(setup.adaptersDir, testAdapterId(3), "adapter_model.safetensors"), "garbage");
  await writeFile(
    join(setup.adaptersDir, testAdapterId(1), "poa.json"),
    JSON.stringify({ modelId: "7", price: "1000" }),
  );
  op = await LoraOperator.open({
    modelDir: setup.modelDir,
    adaptersDir: setup.adaptersDir,
    maxLoras: 2,
    maxCpuLoras: 4,
    slotRank: 8,
    maxBatch: 8,
    providers: ["cpu"],
    targetModules: null,
    threads: 1,
    log: () => {},
  });
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await op.close();
  await rm(dir, { recursive: true, force: true });
});

describe("OpenAI-compatible API (openai client on 127.0.0.1)", () => {
  it("lists the base model and the adapters", async () => {
    const client = new OpenAI({ baseURL: await start(false), apiKey: "unused" });
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(["model", ...[0, 1, 2, 3].map(testAdapterId)]);
  });

  it("completes with an adapter exactly as the scheduler generates, with a receipt over the body and the text", async () => {
    let sentBody = "";
    const client = new OpenAI({
      baseURL: await start(false),
      apiKey: "unused",
      fetch: async (url, init) => {
        sentBody = String(init?.body ?? "");
        return fetch(url, init);
      },
    });
    const res = await client.completions.create({
      model: testAdapterId(0),
      prompt: "Hello",
      max_tokens: 8,
      temperature: 0,
    });
    const direct = await generate(op.scheduler, {
      adapter: testAdapterId(0),
      promptIds: op.tokenizer.encode("Hello").ids,
      maxTokens: 8,
      temperature: 0,
      topP: 1,
    });
    expect(res.object).toBe("text_completion");
    expect(res.choices[0]!.text).toBe(op.tokenizer.decode(direct.tokens, { skip_special_tokens: true }));
    expect(res.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: direct.tokens.length,
      total_tokens: 5 + direct.tokens.length,
    });
    const signed = receiptOf(res);
    const { receipt, operatorSignature } = signed;
    expect(await recoverReceiptSigner(domain, receipt, operatorSignature)).toBe(
      privateKeyToAccount(operatorKey).address,
    );
    expect(receipt.outputHash).toBe(textHash(res.choices[0]!.text));
    // requestHash is over the canonical request (as the Python implementation computes it), not the body
    expect(receipt.requestHash).toBe(pythonHash("operator-hello"));
    expect(receipt.requestHash).toBe(requestHashOfBody("http://x/v1/completions", sentBody));
    expect(receipt.requestHash).not.toBe(keccak256(toBytes(sentBody)));
    expect(receipt.user).toBe(zeroAddress);
    expect(signed.userSignature).toBe(NO_USER_SIGNATURE);
    expect(signed.request).toMatchObject({ user: zeroAddress, requestHash: receipt.requestHash, nonce: receipt.nonce });
    // the texts handed to onReceipt hash to the receipt's hashes
    const handed = gossiped.at(-1)!;
    expect(handed.receipt.operatorSignature).toBe(operatorSignature);
    expect(keccak256(handed.request)).toBe(receipt.requestHash);
    expect(textHash(handed.output)).toBe(receipt.outputHash);
  });

  it("streams chat tokens (SSE) that add up to the non-streamed answer", async () => {
    const client = new OpenAI({ baseURL: await start(false), apiKey: "unused" });
    const messages = [
      { role: "system" as const, content: "be brief" },
      { role: "user" as const, content: "Hi there" },
    ];
    const whole = await client.chat.completions.create({
      model: testAdapterId(2),
      messages,
      max_tokens: 12,
      temperature: 0,
    });
    expect(whole.object).toBe("chat.completion");
    const stream = await client.chat.completions.create({
      model: testAdapterId(2),
      messages,
      max_tokens: 12,
      temperature: 0,
      stream: true,
    });
    let text = "";
    let chunks = 0;
    let last: unknown;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? "";
      chunks++;
      last = c;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(chunks).toBeGreaterThan(2);
    expect((last as { choices: Array<{ finish_reason: string }> }).choices[0]!.finish_reason).toBe(
      whole.choices[0]!.finish_reason,
    );
    expect(receiptOf(last).receipt.outputHash).toBe(textHash(text));
    // streamed or not, the same request: the same requestHash (the Python implementation's)
    expect(receiptOf(last).receipt.requestHash).toBe(pythonHash("operator-chat"));
    expect(receiptOf(whole).receipt.requestHash).toBe(pythonHash("operator-chat"));
    const direct = await generate(op.scheduler, {
      adapter: testAdapterId(2),
      promptIds: op.tokenizer.encode("<s><|system|>\nbe brief\n<|user|>\nHi there\n<|assistant|>\n", {
        add_special_tokens: false,
      }).ids,
      maxTokens: 12,
      temperature: 0,
      topP: 1,
    });
    expect(whole.choices[0]!.message.content).toBe(op.tokenizer.decode(direct.tokens, { skip_special_tokens: true }));
  });

  it("answers bad input with OpenAI-style errors, and a corrupt adapter fails only its own requests", async () => {
    const client = new OpenAI({ baseURL: await start(false), apiKey: "unused", maxRetries: 0 });
    await expect(client.completions.create({ model: "nope", prompt: "x" })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    await expect(client.completions.create({ model: "model", prompt: "x", max_tokens: -1 })).rejects.toMatchObject({
      status: 400,
      type: "invalid_request_error",
    });
    const [bad, good] = await Promise.allSettled([
      client.completions.create({ model: testAdapterId(3), prompt: "x", max_tokens: 2 }),
      client.completions.create({ model: testAdapterId(0), prompt: "x", max_tokens: 2 }),
    ]);
    expect(bad).toMatchObject({ status: "rejected", reason: { status: 400, code: "adapter_invalid" } });
    expect(good.status).toBe("fulfilled");
    const raw = await fetch(`${await start(false)}/completions`, { method: "POST", body: "{not json" });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
  });

  it("stops generating when the client disconnects, and signs no receipt for it", async () => {
    const base = await start(false);
    const receiptsBefore = gossiped.length;
    const passesBefore = op.scheduler.passes.decode;
    await new Promise<void>((resolve) => {
      const req = request(`${base}/completions`, { method: "POST" });
      req.on("error", () => resolve()); // our own hang-up
      req.end(JSON.stringify({ model: testAdapterId(0), prompt: "x", max_tokens: 250, ignore_eos: true }));
      const hangUpOnceRunning = () =>
        op.scheduler.passes.decode > passesBefore ? req.destroy() : setTimeout(hangUpOnceRunning, 1);
      hangUpOnceRunning();
    });
    for (let i = 0; i < 200 && op.scheduler.activeCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(op.scheduler.activeCount).toBe(0);
    expect(op.scheduler.passes.decode - passesBefore).toBeLessThan(240);
    await new Promise((r) => setTimeout(r, 50));
    expect(gossiped.length).toBe(receiptsBefore);
  });

  it("loads and unloads adapters through vLLM's endpoints", async () => {
    const base = await start(false);
    const post = (path: string, body: object) =>
      fetch(`${base}/${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    const alias = await post("load_lora_adapter", {
      lora_name: "alias-a",
      lora_path: join(dir, "adapters", testAdapterId(2)),
    });
    expect(alias.status).toBe(200);
    expect(op.cache.isInHost("alias-a")).toBe(true);
    expect((await post("load_lora_adapter", { lora_name: testAdapterId(3) })).status).toBe(400);
    expect((await post("load_lora_adapter", { lora_name: "../etc" })).status).toBe(400);
    expect((await post("unload_lora_adapter", { lora_name: "alias-a" })).status).toBe(200);
    expect(op.cache.isInHost("alias-a")).toBe(false);
    expect((await post("unload_lora_adapter", { lora_name: "never-loaded" })).status).toBe(404);
  });

  it("with payments on: refuses unsigned requests, serves a signed one with its fee, refuses a replay", async () => {
    const base = await start(true);
    const user = privateKeyToAccount(userKey);
    const operator = privateKeyToAccount(operatorKey).address;
    const signing = (nonce: bigint, maxFee: bigint) =>
      new OpenAI({
        baseURL: base,
        apiKey: "unused",
        maxRetries: 0,
        fetch: async (url, init) => {
          const request = {
            user: user.address,
            operator,
            modelId: 7n,
            requestHash: requestHashOfBody(String(url), String(init?.body ?? "")),
            maxFee,
            nonce,
            deadline: now() + 600n,
          };
          const signature = await user.sign({ hash: requestDigest(domain, request) });
          const headers = new Headers(init?.headers);
          headers.set(REQUEST_HEADER, JSON.stringify(requestToJson(request)));
          headers.set(SIGNATURE_HEADER, signature);
          return fetch(url, { ...init, headers });
        },
      });
    const plain = new OpenAI({ baseURL: base, apiKey: "unused", maxRetries: 0 });
    const body = { model: testAdapterId(1), prompt: "pay", max_tokens: 3, temperature: 0 };
    await expect(plain.completions.create(body)).rejects.toMatchObject({ status: 402, code: "payment_required" });
    await expect(signing(1n, 999n).completions.create(body)).rejects.toMatchObject({ status: 402 });
    const paid = await signing(2n, 1000n).completions.create(body);
    const receipt = receiptOf(paid);
    expect(receipt.receipt).toMatchObject({ user: user.address, modelId: 7n, fee: 1000n, nonce: 2n });
    expect(receipt.request.user).toBe(user.address);
    expect(await recoverRequestSigner(domain, receipt.request, receipt.userSignature)).toBe(user.address);
    await expect(signing(2n, 1000n).completions.create(body)).rejects.toMatchObject({
      status: 402,
      message: expect.stringMatching(/nonce 2 already used/),
    });
  });

  const post = (base: string, path: string, body: object, token?: string) =>
    fetch(`${base}/${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  it("admin endpoints: off when payments are required without a token, bearer token checked when configured", async () => {
    const paidNoToken = await start(true);
    const refused = await post(paidNoToken, "load_lora_adapter", { lora_name: testAdapterId(0) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("admin_disabled");
    expect((await post(paidNoToken, "unload_lora_adapter", { lora_name: testAdapterId(0) })).status).toBe(403);

    const withToken = await start(true, "s3cret-admin");
    expect((await post(withToken, "load_lora_adapter", { lora_name: testAdapterId(0) })).status).toBe(401);
    expect((await post(withToken, "load_lora_adapter", { lora_name: testAdapterId(0) }, "wrong-admin!")).status).toBe(
      401,
    );
    const ok = await post(withToken, "load_lora_adapter", { lora_name: testAdapterId(0) }, "s3cret-admin");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { poa_adapter: { weights_sha256: string } }).poa_adapter.weights_sha256).toMatch(
      /^[0-9a-f]{64}$/,
    );
    const unauthorisedUnload = await post(withToken, "unload_lora_adapter", { lora_name: testAdapterId(0) });
    expect(unauthorisedUnload.status).toBe(401);
  });

  it("load_lora_adapter reads only folders inside the adapters dir and registers nothing when loading fails", async () => {
    const base = await start(false);
    const outside = [
      join(dir, "model"), // a real folder of the server, outside the adapters dir
      "/etc",
      `../model`,
      `${testAdapterId(0)}/../../model`,
    ];
    for (const lora_path of outside) {
      const r = await post(base, "load_lora_adapter", { lora_name: "escape", lora_path });
      expect(r.status, lora_path).toBe(400);
    }
    // a symlink inside the adapters dir that points outside it is outside
    await symlink(join(dir, "model"), join(dir, "adapters", "link-out"));
    expect((await post(base, "load_lora_adapter", { lora_name: "escape", lora_path: "link-out" })).status).toBe(400);
    expect((await post(base, "load_lora_adapter", { lora_name: "link-out" })).status).toBe(400);
    // a corrupt adapter inside the dir under a new id: refused, and the id stays unknown
    const bad = await post(base, "load_lora_adapter", { lora_name: "alias-bad", lora_path: testAdapterId(3) });
    expect(bad.status).toBe(400);
    expect(await op.knows("alias-bad")).toBe(false);
    expect(await op.knows("escape")).toBe(false);
    expect(await op.listAdapters()).not.toContain("alias-bad");
    const client = new OpenAI({ baseURL: base, apiKey: "unused", maxRetries: 0 });
    await expect(client.completions.create({ model: "alias-bad", prompt: "x", max_tokens: 1 })).rejects.toMatchObject({
      status: 404,
    });
    // a relative path inside the dir works, and the answer names the adapter bytes
    const good = await post(base, "load_lora_adapter", { lora_name: "alias-good", lora_path: testAdapterId(2) });
    expect(good.status).toBe(200);
    const answer = await fetch(`${base}/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "alias-good", prompt: "x", max_tokens: 2 }),
    });
    const json = (await answer.json()) as { poa_adapter: { id: string; weights_sha256: string } };
    const fileHash = createHash("sha256")
      .update(await readFile(join(dir, "adapters", testAdapterId(2), "adapter_model.safetensors")))
      .digest("hex");
    expect(json.poa_adapter).toMatchObject({ id: "alias-good", weights_sha256: fileHash });
    expect(answer.headers.get(ADAPTER_HASH_HEADER)).toBe(fileHash);
    expect((await post(base, "unload_lora_adapter", { lora_name: "alias-good" })).status).toBe(200);
  });

  it("a paid request whose generation fails does not burn its nonce", async () => {
    const base = await start(true);
    const user = privateKeyToAccount(userKey);
    const operator = privateKeyToAccount(operatorKey).address;
    const paid = async (body: object, nonce: bigint, modelId: bigint) => {
      const text = JSON.stringify(body);
      const request = {
        user: user.address,
        operator,
        modelId,
        requestHash: requestHashOfBody(`${base}/completions`, text),
        maxFee: 1000n,
        nonce,
        deadline: now() + 600n,
      };
      return fetch(`${base}/completions`, {
        method: "POST",
        body: text,
        headers: {
          [REQUEST_HEADER]: JSON.stringify(requestToJson(request)),
          [SIGNATURE_HEADER]: await user.sign({ hash: requestDigest(domain, request) }),
        },
      });
    };
    // adapter 3 is corrupt: its generation fails after the payment was authorised
    const failed = await paid({ model: testAdapterId(3), prompt: "pay", max_tokens: 2 }, 41n, 0n);
    expect(failed.status).toBe(400);
    const retried = await paid({ model: testAdapterId(1), prompt: "pay", max_tokens: 2, temperature: 0 }, 41n, 7n);
    expect(retried.status).toBe(200);
    const replay = await paid({ model: testAdapterId(1), prompt: "again", max_tokens: 2 }, 41n, 7n);
    expect(replay.status).toBe(402);
  });

  it("seed makes sampling reproducible; top_k 1 is greedy", async () => {
    const client = new OpenAI({ baseURL: await start(false), apiKey: "unused", maxRetries: 0 });
    const sample = async (extra: object) =>
      (
        await client.completions.create({
          model: testAdapterId(0),
          prompt: "Once",
          max_tokens: 12,
          temperature: 1,
          ...extra,
        } as never)
      ).choices[0]!.text;
    const first = await sample({ seed: 42 });
    expect(await sample({ seed: 42 })).toBe(first);
    const others = await Promise.all([43, 44, 45].map((seed) => sample({ seed })));
    expect(others.some((t) => t !== first)).toBe(true);
    const greedy = await sample({ temperature: 0, ignore_eos: true });
    expect(await sample({ top_k: 1, seed: 7, ignore_eos: true })).toBe(greedy);
  });

  it("stop sequences cut the answer before the first match and finish with stop", async () => {
    const client = new OpenAI({ baseURL: await start(false), apiKey: "unused", maxRetries: 0 });
    const body = { model: testAdapterId(1), prompt: "abc", max_tokens: 24, temperature: 0, ignore_eos: true };
    const full = (await client.completions.create(body as never)).choices[0]!.text;
    const at = [...full].findIndex((_, i) => /^[\x20-\x7e]{2}$/.test(full.slice(i, i + 2)) && i > 0);
    expect(at).toBeGreaterThan(0); // the tiny model's greedy text has some printable pair
    const stop = full.slice(at, at + 2);
    const cut = (await client.completions.create({ ...body, stop: ["\u0000never", stop] } as never)).choices[0]!;
    expect(cut.text).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.finish_reason).toBe("stop");
  });
});
