/** Open Chat's server without a browser: upstream failures, path checks, request signing. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "@effect/vitest";
import { Effect, Schema } from "effect";
import { type Hex, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS, freePort } from "../chain/anvil.ts";
import { Deployments } from "../chain/Deployments.ts";
import { allowanceTypes, attributionDomain, requestTypes } from "../protocol/receipt.ts";
import { serveWeb } from "./server.ts";

const deployments = Schema.decodeUnknownSync(Deployments)({
  chainId: 31337,
  openToken: "0x0000000000000000000000000000000000000001",
  datanetRegistry: "0x0000000000000000000000000000000000000002",
  modelRegistry: "0x0000000000000000000000000000000000000003",
  attributionLedger: "0x0000000000000000000000000000000000000004",
});
const user = privateKeyToAccount(ANVIL_KEYS[4]);
const operator = privateKeyToAccount(ANVIL_KEYS[6]).address;

const withServer = <A>(f: (url: string, dead: string) => Promise<A>, rpcUrl?: string) =>
  Effect.gen(function* () {
    const root = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-web-dist-"))),
      (d) => Effect.promise(() => rm(d, { recursive: true, force: true })),
    );
    // a file next to the bundle, which no URL may reach
    const dist = path.join(root, "dist");
    yield* Effect.promise(async () => {
      await mkdir(dist);
      await writeFile(path.join(dist, "index.html"), "<!doctype html><p>app</p>");
      await writeFile(path.join(root, "secret.txt"), "SECRET");
    });
    const dead = `http://127.0.0.1:${yield* Effect.promise(freePort)}`;
    const web = yield* serveWeb({
      distDir: dist,
      chainId: 31337,
      deployments,
      rpcUrl: rpcUrl ?? dead,
      operatorUrl: dead,
      operatorAddress: operator,
      models: { "tiny-lora-0000": "7" },
      demoAccounts: [{ name: "user-1", address: user.address, key: ANVIL_KEYS[4] }],
    });
    return yield* Effect.promise(() => f(web.url, dead));
  }).pipe(Effect.scoped);

it.effect("an upstream that is down answers 502 with one line naming it", () =>
  withServer(async (url, dead) => {
    const operatorDown = await fetch(`${url}/api/operator/v1/models`);
    expect(operatorDown.status).toBe(502);
    expect(((await operatorDown.json()) as { error: { message: string } }).error.message).toContain(
      `the operator at ${dead} is unreachable`,
    );
    const chainDown = await fetch(`${url}/api/rpc`, { method: "POST", body: "{}" });
    expect(chainDown.status).toBe(502);
    const noAttributor = await fetch(`${url}/api/attributor/accounts/${user.address}`);
    expect(noAttributor.status).toBe(503);
  }),
);

it.effect("paths: content roots are checked, nothing outside the bundle is served", () =>
  withServer(async (url) => {
    expect(await (await fetch(`${url}/api/content/../../etc/passwd`)).text()).not.toContain("root:");
    expect((await fetch(`${url}/api/content/0x1234`)).status).toBe(400);
    expect(await (await fetch(`${url}/index.html`)).text()).toContain("<p>app</p>");
    for (const outside of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt"]) {
      const response = await fetch(`${url}${outside}`);
      expect(await response.text()).not.toContain("SECRET");
    }
    expect(await (await fetch(`${url}/#/claims`)).text()).toContain("<p>app</p>");
  }),
);

it.effect("sign-request: the demo user's EIP-712 Request, fresh nonces; others refused", () =>
  withServer(async (url) => {
    const sign = (body: Record<string, string>) =>
      fetch(`${url}/api/sign-request`, { method: "POST", body: JSON.stringify(body) });
    const chat = JSON.stringify({ model: "tiny-lora-0000", messages: [{ role: "user", content: "hi" }] });
    const headers: Array<Record<string, string>> = [];
    for (let i = 0; i < 2; i++) {
      const response = await sign({ user: user.address, model: "tiny-lora-0000", body: chat, maxFee: "1000" });
      expect(response.status).toBe(200);
      headers.push((await response.json()) as Record<string, string>);
    }
    const requests = headers.map((h) => JSON.parse(h["x-poa-request"]!) as Record<string, string>);
    expect(requests.map((r) => r.nonce)).toEqual(["0", "1"]);
    const request = requests[0]!;
    expect(request).toMatchObject({ user: user.address, operator, modelId: "7", maxFee: "1000" });
    const signer = await recoverTypedDataAddress({
      domain: attributionDomain(31337, deployments.attributionLedger as string as Hex),
      types: requestTypes,
      primaryType: "Request",
      message: {
        user: request.user as Hex,
        operator: request.operator as Hex,
        modelId: BigInt(request.modelId!),
        requestHash: request.requestHash as Hex,
        maxFee: BigInt(request.maxFee!),
        nonce: BigInt(request.nonce!),
        deadline: BigInt(request.deadline!),
      },
      signature: headers[0]!["x-poa-signature"] as Hex,
    });
    expect(signer).toBe(user.address);
    const stranger = privateKeyToAccount(ANVIL_KEYS[5]).address;
    expect((await sign({ user: stranger, model: "tiny-lora-0000", body: chat, maxFee: "1" })).status).toBe(403);
    const unknown = await sign({ user: user.address, model: "nope", body: chat, maxFee: "1" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('unknown model "nope"');
  }),
);

it.effect(
  "sign-allowance: one EIP-712 Allowance per demo user, kept until renewed; Requests' nonces move past it",
  () =>
    withServer(async (url) => {
      const post = (p: string, body: unknown) => fetch(`${url}${p}`, { method: "POST", body: JSON.stringify(body) });
      const allowance = async (renew?: boolean) => {
        const response = await post("/api/sign-allowance", {
          user: user.address,
          cap: "5000",
          ...(renew ? { renew } : {}),
        });
        expect(response.status).toBe(200);
        return (await response.json()) as Record<string, string>;
      };
      const first = await allowance();
      expect(await allowance()).toEqual(first); // the same session
      const message = JSON.parse(first["x-poa-allowance"]!) as Record<string, string>;
      expect(message).toMatchObject({ user: user.address, operator, cap: "5000", nonce: "0" });
      const signer = await recoverTypedDataAddress({
        domain: attributionDomain(31337, deployments.attributionLedger as string as Hex),
        types: allowanceTypes,
        primaryType: "Allowance",
        message: {
          user: message.user as Hex,
          operator: message.operator as Hex,
          cap: BigInt(message.cap!),
          nonce: BigInt(message.nonce!),
          expiry: BigInt(message.expiry!),
        },
        signature: first["x-poa-allowance-signature"] as Hex,
      });
      expect(signer).toBe(user.address);
      const renewed = JSON.parse((await allowance(true))["x-poa-allowance"]!) as Record<string, string>;
      expect(renewed.nonce).toBe("1000000");
      // a per-request Request after the sessions starts past them (the operator numbers a session's answers)
      const chat = JSON.stringify({ model: "tiny-lora-0000", messages: [{ role: "user", content: "hi" }] });
      const signed = (await (
        await post("/api/sign-request", { user: user.address, model: "tiny-lora-0000", body: chat, maxFee: "1" })
      ).json()) as Record<string, string>;
      expect((JSON.parse(signed["x-poa-request"]!) as Record<string, string>).nonce).toBe("2000000");
      const stranger = privateKeyToAccount(ANVIL_KEYS[5]).address;
      expect((await post("/api/sign-allowance", { user: stranger, cap: "1" })).status).toBe(403);
      expect((await post("/api/sign-allowance", { user: user.address, cap: "-1" })).status).toBe(400);
    }),
);

it.effect(
  "sign-request: the deadline counts from the chain's time when the chain runs ahead (a fast-forwarded local chain)",
  () =>
    Effect.gen(function* () {
      const ahead = 2_000_000_000n; // 2033, far past the wall clock
      const rpc = createServer((_request, response) =>
        response
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { timestamp: `0x${ahead.toString(16)}` } })),
      );
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => rpc.listen(0, "127.0.0.1", resolve))),
        () => Effect.promise(() => new Promise<void>((resolve) => rpc.close(() => resolve()))),
      );
      const address = rpc.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      yield* withServer(async (url) => {
        const chat = JSON.stringify({ model: "tiny-lora-0000", messages: [{ role: "user", content: "hi" }] });
        const response = await fetch(`${url}/api/sign-request`, {
          method: "POST",
          body: JSON.stringify({ user: user.address, model: "tiny-lora-0000", body: chat, maxFee: "1" }),
        });
        const request = JSON.parse(((await response.json()) as Record<string, string>)["x-poa-request"]!) as {
          deadline: string;
        };
        expect(BigInt(request.deadline)).toBeGreaterThanOrEqual(ahead + 600n);
      }, `http://127.0.0.1:${port}`);
    }).pipe(Effect.scoped),
);
