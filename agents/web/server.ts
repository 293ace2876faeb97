/**
 * Open Chat's HTTP server (`poa web`): the bundled app (agents/web/dist) and, under /api, what the
 * browser needs from the network, each behind one path so the page never talks to another origin:
 *
 *   GET  /api/config                   chain id, contract addresses, which upstreams are configured,
 *                                      the local demo accounts (only when the server was given them)
 *   ANY  /api/operator/<path>          the operator's OpenAI-compatible API (SSE streamed through)
 *   POST /api/rpc                      the chain's JSON-RPC endpoint
 *   ANY  /api/attributor/<path>        an attributor: its read-only API (agents/attributor/api.ts)
 *   POST /api/sign-request             {user, model, body, maxFee}: the EIP-712 Request headers for a paid
 *                                      chat, signed with a local demo account's key (only those; nonces
 *                                      counted per user by this server)
 *   POST /api/sign-allowance           {user, cap, renew?}: the user's one EIP-712 Allowance for the operator
 *                                      (spec B: a session, sent with every chat instead of a Request),
 *                                      signed once per user and kept until `renew` asks for a new session
 *   GET  /api/content/<contentRoot>    a contribution's bytes from the content directory (the browser
 *                                      checks them against the root it read from the chain)
 *
 * An upstream that is down or not configured answers 502/503 with a one-line `{"error": {"message"}}`
 * naming it; the page shows that line.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import { Data, Effect, Exit, Schema, type Scope } from "effect";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Deployments } from "../chain/Deployments.ts";
import { requestHashOfBody, signAllowanceHeaders, signRequestHeaders } from "../operator/client.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { type FactoryJobs, type FactoryOptions, makeFactoryJobs } from "./factory.ts";

export class WebServerError extends Data.TaggedError("WebServerError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface DemoAccount {
  readonly name: string;
  readonly address: string;
  /** A local development key (anvil's), handed to the page so it can sign withdrawals in the demo. */
  readonly key: string;
}

export interface WebServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** The bundle: index.html and assets/. */
  readonly distDir: string;
  readonly chainId: number;
  readonly deployments: Deployments;
  readonly rpcUrl: string;
  /** e.g. http://127.0.0.1:8000 (without /v1). */
  readonly operatorUrl?: string;
  readonly attributorApiUrl?: string;
  readonly contentDir?: string;
  readonly demoAccounts?: ReadonlyArray<DemoAccount>;
  /** Served model name (adapter id) → on-chain model id: what the page signs requests for. */
  readonly models?: Readonly<Record<string, string>>;
  /** The operator's address (the `operator` of a signed Request). */
  readonly operatorAddress?: string;
  /** Extra chat-completion fields the page sends (e.g. greedy decoding for the tiny test model). */
  readonly chatParams?: Readonly<Record<string, unknown>>;
  /** The Model Factory's pages (agents/web/factory.ts): base models, a jobs folder, the operator's adapters dir. */
  readonly factory?: FactoryOptions;
}

const MAX_BODY = 4 * 1024 * 1024;

const readBody = (request: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", () => resolve(undefined));
  });

const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

const fail = (response: ServerResponse, status: number, message: string): void =>
  sendJson(response, status, { error: { message } });

const reason = (cause: unknown): string => {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  return inner instanceof Error ? ((inner as { code?: string }).code ?? inner.message) : String(inner);
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

/** Forwards a request to `target` and streams the answer back (SSE included). */
const forward = async (
  request: IncomingMessage,
  response: ServerResponse,
  target: string,
  what: string,
): Promise<void> => {
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await readBody(request);
  if (body === undefined && request.method !== "GET" && request.method !== "HEAD")
    return fail(response, 413, "request body too large");
  const controller = new AbortController();
  response.on("close", () => controller.abort());
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method ?? "GET",
      headers: {
        "content-type": request.headers["content-type"] ?? "application/json",
        // a paying chat request's EIP-712 Request and signature (docs/lora-operator.md)
        ...Object.fromEntries(
          Object.entries(request.headers).filter(
            (e): e is [string, string] => e[0].startsWith("x-poa-") && typeof e[1] === "string",
          ),
        ),
      },
      ...(body === undefined ? {} : { body: new Uint8Array(body) }),
      signal: controller.signal,
    });
  } catch (cause) {
    return fail(response, 502, `${what} is unreachable (${reason(cause)})`);
  }
  const headers: Record<string, string> = {
    "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
    "cache-control": "no-cache",
  };
  response.writeHead(upstream.status, headers);
  if (upstream.body === null) return void response.end();
  Readable.fromWeb(upstream.body as import("node:stream/web").ReadableStream<Uint8Array>)
    .on("error", () => response.destroy())
    .pipe(response);
};

const serveStatic = async (response: ServerResponse, distDir: string, urlPath: string) => {
  const clean = path.posix.normalize(decodeURIComponent(urlPath)).replace(/^(\.\.\/?)+/, "");
  let file = path.join(distDir, clean);
  if (!file.startsWith(distDir)) return fail(response, 400, "bad path");
  const info = await stat(file).catch(() => undefined);
  // client-side routes (#/… needs nothing, but a reload of /anything gets the app)
  if (info === undefined || info.isDirectory()) file = path.join(distDir, "index.html");
  const ext = path.extname(file);
  response.writeHead(200, {
    "content-type": TYPES[ext] ?? "application/octet-stream",
    "cache-control": ext === ".html" ? "no-cache" : "max-age=3600",
  });
  createReadStream(file)
    .on("error", () => response.destroy())
    .pipe(response);
};

const HEX32 = /^0x[0-9a-f]{64}$/;

/**
 * Deadlines count chain time, which σ checks at the claim's reference time: on a local chain that was
 * fast-forwarded (the demo skips the challenge windows) it runs ahead of the wall clock, which the
 * operator checks. The later of the two.
 */
const deadlineBase = async (rpcUrl: string): Promise<bigint> => {
  const wall = BigInt(Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["latest", false] }),
    });
    const body = (await response.json()) as { result?: { timestamp?: string } };
    const chain = BigInt(body.result?.timestamp ?? "0");
    return chain > wall ? chain : wall;
  } catch {
    return wall;
  }
};

const SignAllowanceBody = Schema.Struct({
  user: Schema.String,
  cap: Schema.String.check(Schema.isPattern(/^[0-9]{1,28}$/)),
  renew: Schema.optionalKey(Schema.Boolean),
});

/** A new session's nonce is this far past every nonce the user has signed with this server. */
const SESSION_NONCE_GAP = 1_000_000n;

const SignRequestBody = Schema.Struct({
  user: Schema.String,
  model: Schema.String,
  body: Schema.String.check(Schema.isMaxLength(1_000_000)),
  maxFee: Schema.String.check(Schema.isPattern(/^[0-9]{1,78}$/)),
});

export const handle = (
  options: WebServerOptions,
  /** Served name → model id: options.models, and adapters the factory published since. */
  models: Record<string, string> = { ...options.models },
  factory?: FactoryJobs,
) => {
  /** The next nonce per demo user (the operator refuses a (user, nonce) it has seen). */
  const nonces = new Map<string, bigint>();
  /** Each demo user's current allowance session: its headers and nonce. */
  const sessions = new Map<string, { readonly headers: Record<string, string>; readonly nonce: bigint }>();
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const p = url.pathname;
    if (p.startsWith("/api/factory/")) {
      if (factory === undefined) return fail(response, 503, "no model factory configured (poa web --factory-base)");
      await factory.handle(request, response, p);
      return;
    }
    if (p === "/api/config") {
      return sendJson(response, 200, {
        chainId: options.chainId,
        contracts: {
          openToken: options.deployments.openToken,
          datanetRegistry: options.deployments.datanetRegistry,
          modelRegistry: options.deployments.modelRegistry,
          paymentEscrow: options.deployments.paymentEscrow ?? null,
          attributionLedger: options.deployments.attributionLedger ?? null,
          disputeGame: options.deployments.disputeGame ?? null,
        },
        deployBlock: options.deployments.deployBlock ?? 0,
        operator: options.operatorUrl !== undefined,
        attributor: options.attributorApiUrl !== undefined,
        demoAccounts: options.demoAccounts ?? [],
        models,
        factory: factory !== undefined,
        operatorAddress: options.operatorAddress ?? null,
        chatParams: options.chatParams ?? {},
      });
    }
    if (p.startsWith("/api/operator/")) {
      if (options.operatorUrl === undefined)
        return fail(response, 503, "no operator configured (poa web --operator-url)");
      return forward(
        request,
        response,
        options.operatorUrl + p.slice("/api/operator".length) + url.search,
        `the operator at ${options.operatorUrl}`,
      );
    }
    if (p === "/api/rpc") {
      if (request.method !== "POST") return fail(response, 405, "POST JSON-RPC here");
      return forward(request, response, options.rpcUrl, `the chain at ${options.rpcUrl}`);
    }
    if (p.startsWith("/api/attributor/")) {
      if (options.attributorApiUrl === undefined)
        return fail(response, 503, "no attributor configured (poa web --attributor-url)");
      return forward(
        request,
        response,
        options.attributorApiUrl + p.slice("/api/attributor".length),
        `the attributor at ${options.attributorApiUrl}`,
      );
    }
    if (p === "/api/sign-allowance") {
      if (request.method !== "POST") return fail(response, 405, "POST {user, cap, renew?} here");
      const raw = await readBody(request);
      let input: unknown;
      try {
        input = JSON.parse(raw?.toString("utf8") ?? "");
      } catch {
        return fail(response, 400, "body is not JSON");
      }
      const decoded = Schema.decodeUnknownExit(SignAllowanceBody)(input);
      if (Exit.isFailure(decoded)) return fail(response, 400, "expected {user, cap, renew?}");
      const { user, cap, renew } = decoded.value;
      const account = options.demoAccounts?.find((a) => a.address.toLowerCase() === user.toLowerCase());
      if (account === undefined) return fail(response, 403, `${user} is not one of this server's demo accounts`);
      const ledger = options.deployments.attributionLedger;
      if (options.operatorAddress === undefined || ledger === undefined)
        return fail(response, 503, "paid chat needs --operator-address and a deployment with an AttributionLedger");
      const held = sessions.get(account.address);
      if (held !== undefined && renew !== true) return sendJson(response, 200, held.headers);
      // the session's answers get nonce + 1, nonce + 2, … from the operator: per-request Requests and the
      // next session start past them (a user's nonces are one window per operator, docs/protocol.md §2)
      const nonce = nonces.get(account.address) ?? 0n;
      nonces.set(account.address, nonce + SESSION_NONCE_GAP);
      const headers = await signAllowanceHeaders(
        privateKeyToAccount(account.key as Hex),
        attributionDomain(options.chainId, ledger as Address),
        {
          user: account.address as Address,
          operator: options.operatorAddress as Address,
          cap: BigInt(cap),
          nonce,
          expiry: (await deadlineBase(options.rpcUrl)) + 86_400n,
        },
      );
      sessions.set(account.address, { headers, nonce });
      return sendJson(response, 200, headers);
    }
    if (p === "/api/sign-request") {
      if (request.method !== "POST") return fail(response, 405, "POST {user, model, body, maxFee} here");
      const raw = await readBody(request);
      let input: unknown;
      try {
        input = JSON.parse(raw?.toString("utf8") ?? "");
      } catch {
        return fail(response, 400, "body is not JSON");
      }
      const decoded = Schema.decodeUnknownExit(SignRequestBody)(input);
      if (Exit.isFailure(decoded)) return fail(response, 400, "expected {user, model, body, maxFee}");
      const { user, model, body, maxFee } = decoded.value;
      const account = options.demoAccounts?.find((a) => a.address.toLowerCase() === user.toLowerCase());
      if (account === undefined) return fail(response, 403, `${user} is not one of this server's demo accounts`);
      const modelId = models[model];
      if (modelId === undefined) return fail(response, 400, `unknown model "${model}": this chain has no model for it`);
      const ledger = options.deployments.attributionLedger;
      if (options.operatorAddress === undefined || ledger === undefined)
        return fail(response, 503, "paid chat needs --operator-address and a deployment with an AttributionLedger");
      let requestHash: Hex;
      try {
        requestHash = requestHashOfBody("http://operator/v1/chat/completions", body);
      } catch (cause) {
        return fail(response, 400, `not a chat request: ${reason(cause)}`);
      }
      const nonce = nonces.get(account.address) ?? 0n;
      nonces.set(account.address, nonce + 1n);
      const headers = await signRequestHeaders(
        privateKeyToAccount(account.key as Hex),
        attributionDomain(options.chainId, ledger as Address),
        {
          user: account.address as Address,
          operator: options.operatorAddress as Address,
          modelId: BigInt(modelId),
          requestHash,
          maxFee: BigInt(maxFee),
          nonce,
          deadline: (await deadlineBase(options.rpcUrl)) + 3600n,
        },
      );
      return sendJson(response, 200, headers);
    }
    if (p.startsWith("/api/content/")) {
      const root = p.slice("/api/content/".length).toLowerCase();
      if (!HEX32.test(root)) return fail(response, 400, "expected /api/content/<32-byte content root>");
      if (options.contentDir === undefined)
        return fail(response, 503, "no content directory configured (poa web --content-dir)");
      const bytes = await readFile(path.join(options.contentDir, root)).catch(() => undefined);
      if (bytes === undefined) return fail(response, 404, `no content with root ${root} here`);
      response.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
      return;
    }
    if (p.startsWith("/api/")) return fail(response, 404, `unknown API path ${p}`);
    return serveStatic(response, options.distDir, p);
  };
};

/** Serves Open Chat while the scope is open. */
export const serveWeb = (
  options: WebServerOptions,
): Effect.Effect<{ readonly url: string }, WebServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const distDir = path.resolve(options.distDir);
    const models: Record<string, string> = { ...options.models };
    const factory =
      options.factory === undefined
        ? undefined
        : yield* Effect.acquireRelease(
            Effect.try({
              try: () =>
                makeFactoryJobs(options.factory!, {
                  rpcUrl: options.rpcUrl,
                  deployments: options.deployments,
                  ...(options.operatorUrl === undefined ? {} : { operatorUrl: options.operatorUrl }),
                  ...(options.contentDir === undefined ? {} : { contentDir: options.contentDir }),
                  addModel: (name, modelId) => {
                    models[name] = modelId;
                  },
                }),
              catch: (cause) =>
                new WebServerError({
                  message: `cannot open the factory's jobs folder ${options.factory!.jobsDir}`,
                  cause,
                }),
            }),
            (jobs) => Effect.promise(() => jobs.close()),
          );
    const app = handle({ ...options, distDir }, models, factory);
    const server = createServer((request, response) => {
      app(request, response).catch((cause) => fail(response, 500, `internal error: ${reason(cause)}`));
    });
    const host = options.host ?? "127.0.0.1";
    yield* Effect.acquireRelease(
      Effect.callback<void, WebServerError>((resume) => {
        server.once("error", (cause) =>
          resume(Effect.fail(new WebServerError({ message: `cannot listen on ${host}:${options.port ?? 0}`, cause }))),
        );
        server.listen(options.port ?? 0, host, () => resume(Effect.void));
      }),
      () =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void));
          server.closeAllConnections();
        }),
    );
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return { url: `http://${host}:${port}` };
  });
