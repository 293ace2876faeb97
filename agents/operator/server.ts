/**
 * The OpenAI-compatible HTTP API (node:http):
 *
 * - `POST /v1/completions`, `POST /v1/chat/completions` (with `stream: true` as server-sent events);
 *   the adapter id goes in `model` (the base model's id serves the base model, as LoRAX/vLLM do);
 * - `GET /v1/models`: the base model and the adapters on disk or registered;
 * - `POST /v1/load_lora_adapter` `{lora_name, lora_path?}` and `POST /v1/unload_lora_adapter`
 *   `{lora_name}`, vLLM's endpoints, for admins only: `Authorization: Bearer <admin token>` when a token
 *   is configured; with payments required and no token they are off (403); `lora_path` must be a
 *   folder inside the adapters dir, and a failed load registers nothing;
 * - `GET /metrics`: the operator's Prometheus counters.
 *
 * Every adapter answer names the adapter bytes that produced it: `poa_adapter` in the body (the last
 * stream chunk) and the `x-poa-adapter-sha256` header (sha256 of adapter_model.safetensors).
 * Bodies are Schema-checked; errors come back as OpenAI's `{error: {message, type, param, code}}`.
 * Each answer carries a signed receipt (`poa_receipt` in the body / the last stream chunk, and the
 * `x-poa-receipt` header for non-streaming answers); see receipts.ts for the payment headers.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Redacted, Schema } from "effect";
import { encodeSignedReceipt } from "../protocol/receipt.ts";
import { ChatBody, CompletionBody, canonicalChat, canonicalCompletion } from "../protocol/request.ts";
import { type AdapterDigest, AdapterError } from "./adapter.ts";
import type { ChatMessage, LoraOperator } from "./operator.ts";
import {
  ALLOWANCE_HEADER,
  ALLOWANCE_SIGNATURE_HEADER,
  type Authorization,
  type ModelPrice,
  PaymentError,
  RECEIPT_HEADER,
  REQUEST_HEADER,
  type ReceiptSigner,
  SIGNATURE_HEADER,
} from "./receipts.ts";
import type { FinishReason, SchedulerError } from "./scheduler.ts";

export { ChatBody, CompletionBody } from "../protocol/request.ts";

export const ADAPTER_HASH_HEADER = "x-poa-adapter-sha256";

/** The adapter that served an answer, as the body and /v1/models report it. */
const adapterJson = (id: string, d: AdapterDigest) => ({
  id,
  weights_sha256: d.weightsSha256,
  config_sha256: d.configSha256,
});

const MAX_BODY = 1 << 20;

const LoadBody = Schema.Struct({ lora_name: Schema.String, lora_path: Schema.optional(Schema.String) });
const UnloadBody = Schema.Struct({ lora_name: Schema.String });

const PoaJson = Schema.Struct({
  modelId: Schema.String.check(Schema.isPattern(/^\d+$/)),
  price: Schema.String.check(Schema.isPattern(/^\d+$/)),
});

class HttpError {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {}
}

const decode = <S extends Schema.Decoder<unknown>>(schema: S, body: unknown): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema)(body);
  } catch (e) {
    const text = (e instanceof Error ? e.message : String(e)).split("\n").map((l) => l.trim());
    throw new HttpError(400, `invalid request body: ${text.join(" ")}`, "invalid_request_error");
  }
};

/** Chat messages with their content parts joined (only text parts exist in this API). */
export const chatMessages = (
  messages: ReadonlyArray<{ role: string; content: string | ReadonlyArray<{ text: string }> }>,
): ChatMessage[] =>
  messages.map((m) => ({
    role: m.role,
    content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
  }));

const commonPrefix = (a: string, b: string): number => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

export interface ServerOptions {
  readonly operator: LoraOperator;
  readonly signer: ReceiptSigner;
  readonly maxTokensDefault?: number;
  /** Price and on-chain model id of a served model; defaults to `poa.json` in the adapter/model folder. */
  readonly price?: (adapter: string | null) => Promise<ModelPrice>;
  /** Bearer token for the admin endpoints (load/unload adapters). */
  readonly adminToken?: Redacted.Redacted<string>;
}

export class OperatorServer {
  readonly server: Server;
  constructor(private readonly opts: ServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => this.fail(res, e));
    });
  }

  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async defaultPrice(adapter: string | null): Promise<ModelPrice> {
    const op = this.opts.operator;
    const dir = adapter === null ? op.options.modelDir : op.adapterDir(adapter);
    let text: string;
    try {
      text = await readFile(join(dir, "poa.json"), "utf8");
    } catch {
      return { modelId: 0n, price: 0n };
    }
    try {
      const p = Schema.decodeUnknownSync(PoaJson)(JSON.parse(text));
      return { modelId: BigInt(p.modelId), price: BigInt(p.price) };
    } catch {
      throw new HttpError(
        500,
        `${join(dir, "poa.json")}: expected {"modelId": "<uint>", "price": "<uint>"}`,
        "server_error",
      );
    }
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private fail(res: ServerResponse, e: unknown) {
    const err =
      e instanceof HttpError
        ? e
        : new HttpError(500, `internal error: ${e instanceof Error ? e.message : String(e)}`, "server_error");
    const body = { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
    if (res.headersSent) {
      if (!res.writableEnded) res.end(`data: ${JSON.stringify(body)}\n\ndata: [DONE]\n\n`);
      return;
    }
    this.send(res, err.status, body);
  }

  private readBody(req: IncomingMessage): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(new HttpError(413, `request body over ${MAX_BODY} bytes`, "invalid_request_error"));
          req.destroy();
        } else chunks.push(c);
      });
      req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
      req.on("error", reject);
    });
  }

  private async json(req: IncomingMessage): Promise<{ body: unknown }> {
    const raw = await this.readBody(req);
    try {
      return { body: JSON.parse(new TextDecoder().decode(raw)) };
    } catch {
      throw new HttpError(400, "request body is not valid JSON", "invalid_request_error");
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0];
    const route = `${req.method} ${path}`;
    const op = this.opts.operator;
    switch (route) {
      case "GET /metrics": {
        const text = op.metrics.render();
        res.writeHead(200, {
          "content-type": "text/plain; version=0.0.4",
          "content-length": Buffer.byteLength(text),
        });
        res.end(text);
        return;
      }
      case "GET /v1/models": {
        const created = Math.floor(Date.now() / 1000);
        const ids = [...new Set([...(await op.listAdapters()), ...op.cache.quarantinedIds().keys()])].sort();
        return this.send(res, 200, {
          object: "list",
          data: [
            { id: op.baseModelId, object: "model", created, owned_by: "operator", root: op.baseModelId, parent: null },
            ...ids.map((id) => ({
              id,
              object: "model",
              created,
              owned_by: "operator",
              root: id,
              parent: op.baseModelId,
              ...this.adapterStatus(id),
            })),
          ],
        });
      }
      case "POST /v1/completions":
      case "POST /v1/chat/completions":
        return this.complete(req, res, route === "POST /v1/chat/completions");
      case "POST /v1/load_lora_adapter": {
        this.checkAdmin(req);
        const body = decode(LoadBody, (await this.json(req)).body);
        let digest: AdapterDigest;
        try {
          digest = await op.loadAdapter(body.lora_name, body.lora_path ?? null);
        } catch (e) {
          if (!(e instanceof AdapterError)) throw e;
          throw new HttpError(400, e.message, "invalid_request_error", "adapter_load_failed", "lora_name");
        }
        return this.send(res, 200, {
          object: "lora_adapter",
          id: body.lora_name,
          loaded: true,
          poa_adapter: adapterJson(body.lora_name, digest),
        });
      }
      case "POST /v1/unload_lora_adapter": {
        this.checkAdmin(req);
        const body = decode(UnloadBody, (await this.json(req)).body);
        if (op.cache.quarantineReason(body.lora_name) === undefined && !(await op.knows(body.lora_name))) {
          throw new HttpError(
            404,
            `adapter ${body.lora_name} is not known`,
            "invalid_request_error",
            "model_not_found",
            "lora_name",
          );
        }
        if (!op.unload(body.lora_name)) {
          throw new HttpError(
            409,
            `adapter ${body.lora_name} has requests in flight`,
            "invalid_request_error",
            "adapter_busy",
          );
        }
        return this.send(res, 200, { object: "lora_adapter", id: body.lora_name, loaded: false });
      }
      default:
        throw new HttpError(404, `no route ${route}`, "invalid_request_error", "not_found");
    }
  }

  /** /v1/models' per-adapter fields: the digest of loaded bytes, and whether it is quarantined. */
  private adapterStatus(id: string) {
    const op = this.opts.operator;
    const digest = op.digestOf(id);
    const reason = op.cache.quarantineReason(id);
    return {
      poa_status: reason !== undefined ? "quarantined" : digest !== null ? "loaded" : "on_disk",
      poa_adapter: digest === null ? null : adapterJson(id, digest),
      ...(reason !== undefined ? { poa_quarantine_reason: reason } : {}),
    };
  }

  /** Admin endpoints: the configured bearer token; none configured means off when payments are required. */
  private checkAdmin(req: IncomingMessage) {
    const token = this.opts.adminToken;
    if (token === undefined) {
      if (this.opts.signer.opts.paymentsRequired) {
        throw new HttpError(
          403,
          "admin endpoints are disabled: payments are required and no admin token is configured",
          "permission_error",
          "admin_disabled",
        );
      }
      return; // a local operator without payments: open, as vLLM's are
    }
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const want = Buffer.from(Redacted.value(token));
    const got = Buffer.from(given);
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new HttpError(401, "admin endpoint: missing or wrong bearer token", "authentication_error", "unauthorized");
    }
  }

  private async complete(req: IncomingMessage, res: ServerResponse, chat: boolean) {
    const op = this.opts.operator;
    const { body: json } = await this.json(req);
    const body = chat ? decode(ChatBody, json) : decode(CompletionBody, json);
    const adapter = body.model === op.baseModelId ? null : body.model;
    if (adapter !== null && !(await op.knows(adapter))) {
      throw new HttpError(
        404,
        `The model \`${body.model}\` does not exist.`,
        "invalid_request_error",
        "model_not_found",
        "model",
      );
    }
    const price = await (this.opts.price ?? ((a) => this.defaultPrice(a)))(adapter);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const auth = await this.opts.signer.authorize(
      {
        request: header(REQUEST_HEADER),
        signature: header(SIGNATURE_HEADER),
        allowance: header(ALLOWANCE_HEADER),
        allowanceSignature: header(ALLOWANCE_SIGNATURE_HEADER),
      },
      "messages" in body ? canonicalChat(body) : canonicalCompletion(body),
      price,
    );
    if (auth instanceof PaymentError) throw new HttpError(402, auth.message, "payment_required", "payment_required");
    try {
      await this.serve(res, chat, body, auth, adapter);
    } finally {
      this.opts.signer.release(auth); // a no-op once sign() consumed the nonce
    }
  }

  private async serve(
    res: ServerResponse,
    chat: boolean,
    body: typeof CompletionBody.Type | typeof ChatBody.Type,
    auth: Authorization,
    adapter: string | null,
  ) {
    const op = this.opts.operator;

    let prompt: { text: string; templated: boolean };
    try {
      prompt =
        "messages" in body
          ? op.codec.renderChat(chatMessages(body.messages))
          : { text: typeof body.prompt === "string" ? body.prompt : body.prompt[0], templated: false };
    } catch (e) {
      throw new HttpError(
        400,
        `chat template failed: ${e instanceof Error ? e.message : e}`,
        "invalid_request_error",
        null,
        "messages",
      );
    }
    // a rendered chat template already holds the special tokens (BOS…), as transformers assumes
    const promptIds = op.tokenizer.encode(prompt.text, { add_special_tokens: !prompt.templated }).ids;
    if (promptIds.length === 0) throw new HttpError(400, "prompt is empty", "invalid_request_error", null, "prompt");
    const maxTokens =
      ("max_completion_tokens" in body ? body.max_completion_tokens : null) ??
      body.max_tokens ??
      this.opts.maxTokensDefault ??
      16;
    if (promptIds.length + 1 > op.info.maxPositions) {
      throw new HttpError(
        400,
        `prompt is ${promptIds.length} tokens; the model's context is ${op.info.maxPositions}`,
        "invalid_request_error",
        "context_length_exceeded",
        "messages",
      );
    }
    const stops =
      body.stop === undefined || body.stop === null ? [] : typeof body.stop === "string" ? [body.stop] : [...body.stop];
    const stream = body.stream === true;
    const id = `${chat ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const holdBack = Math.max(0, ...stops.map((s) => s.length - 1));

    const generated: number[] = [];
    let text = "";
    let emitted = 0;
    let stoppedAt: number | null = null;
    const chunk = (delta: string | null, finish: FinishReason | null, extra: object = {}) =>
      chat
        ? {
            id,
            object: "chat.completion.chunk",
            created,
            model: body.model,
            choices: [
              { index: 0, delta: delta === null ? {} : { content: delta }, logprobs: null, finish_reason: finish },
            ],
            ...extra,
          }
        : {
            id,
            object: "text_completion",
            created,
            model: body.model,
            choices: [{ index: 0, text: delta ?? "", logprobs: null, finish_reason: finish }],
            ...extra,
          };
    // The event stream opens with the first token, so a failed adapter load is still a plain HTTP error.
    const write = (payload: object) => {
      if (!res.headersSent) {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
        });
        if (chat) {
          const role = { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null };
          res.write(
            `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: body.model, choices: [role] })}\n\n`,
          );
        }
      }
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
    };

    // the tokenizer refuses an empty id list
    const decodeText = (ids: number[]) =>
      ids.length === 0 ? "" : op.tokenizer.decode(ids, { skip_special_tokens: true });
    const route = op.route(adapter);
    let served: AdapterDigest | null = route.digest;
    const result = await new Promise<FinishReason>((resolve, reject) => {
      const handle = route.scheduler.submit(
        {
          adapter: route.adapter,
          promptIds,
          maxTokens,
          temperature: body.temperature ?? 1,
          topP: body.top_p ?? 1,
          ...(body.top_k != null && body.top_k > 0 ? { topK: body.top_k } : {}),
          ...(body.seed != null ? { seed: body.seed } : {}),
          ...(body.ignore_eos ? { ignoreEos: true } : {}),
        },
        {
          onToken: (t) => {
            if (stoppedAt !== null) return;
            generated.push(t);
            text = decodeText(generated);
            for (const s of stops) {
              const at = text.indexOf(s);
              if (at >= 0 && (stoppedAt === null || at < stoppedAt)) stoppedAt = at;
            }
            if (stoppedAt !== null) {
              text = text.slice(0, stoppedAt);
              handle.cancel();
            }
            if (stream && stoppedAt === null) {
              // A trailing U+FFFD may be a UTF-8 character still arriving: hold back what the last few
              // tokens decode to, but no more (an invalid byte stays U+FFFD and must not stall the stream).
              const settled = text.endsWith("\uFFFD")
                ? commonPrefix(text, decodeText(generated.slice(0, -4)))
                : text.length;
              const upto = settled - holdBack;
              if (upto > emitted) {
                write(chunk(text.slice(emitted, upto), null));
                emitted = upto;
              }
            }
          },
          onDone: (finish, digest) => {
            served = digest ?? served;
            resolve(stoppedAt !== null ? "stop" : finish);
          },
          onError: (e: SchedulerError) => reject(e),
        },
      );
      res.on("close", () => {
        if (!res.writableFinished) handle.cancel();
      });
    }).catch((e: SchedulerError) => {
      switch (e._tag) {
        case "AdapterError":
          throw new HttpError(
            400,
            `adapter ${e.adapter}: ${e.message}`,
            "invalid_request_error",
            "adapter_invalid",
            "model",
          );
        case "NonFiniteLogitsError":
          throw new HttpError(500, e.message, "server_error", "non_finite_logits", e.adapter === null ? null : "model");
        case "GenerationError":
          throw new HttpError(503, e.message, "server_error");
      }
    });

    if (res.destroyed) return; // the client left mid-answer: nothing was delivered, nothing to sign
    const receipt = encodeSignedReceipt(await this.opts.signer.sign(auth, text));
    const poaAdapter = adapter === null || served === null ? null : adapterJson(adapter, served);
    const adapterHeader: Record<string, string> = poaAdapter
      ? { [ADAPTER_HASH_HEADER]: poaAdapter.weights_sha256 }
      : {};
    const usage = {
      prompt_tokens: promptIds.length,
      completion_tokens: generated.length,
      total_tokens: promptIds.length + generated.length,
    };
    if (stream) {
      if (text.length > emitted) write(chunk(text.slice(emitted), null));
      write(chunk(null, result, { usage, poa_receipt: receipt, poa_adapter: poaAdapter }));
      res.end("data: [DONE]\n\n");
      return;
    }
    const answer = chat
      ? {
          id,
          object: "chat.completion",
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: text, refusal: null },
              logprobs: null,
              finish_reason: result,
            },
          ],
          usage,
          poa_receipt: receipt,
          poa_adapter: poaAdapter,
        }
      : {
          id,
          object: "text_completion",
          created,
          model: body.model,
          choices: [{ index: 0, text, logprobs: null, finish_reason: result }],
          usage,
          poa_receipt: receipt,
          poa_adapter: poaAdapter,
        };
    this.send(res, 200, answer, {
      [RECEIPT_HEADER]: JSON.stringify(receipt),
      ...adapterHeader,
    });
  }
}
