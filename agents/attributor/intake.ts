/**
 * The attributor's local HTTP intake: `POST /receipts` with `{ "receipt": <the signed receipt>,
 * "request": "0x<canonical request bytes>", "output": "…" }` (agents/protocol/texts.ts
 * `ReceiptWithTexts`: the texts behind the receipt's hashes, which the engine needs). The texts are
 * checked against the receipt's hashes here. Answers 202 with `{"stored": true|false}` (false: a
 * duplicate), 400 with a one-line reason.
 *
 * Receipt groups (spec B), when the caller serves them: `POST /attribute` with `{ "modelId": "7",
 * "request": "0x…", "output": "…" }` answers 200 `{"entries": [{"contributionId": "1", "weight": 600000}, …]}`
 * (this node's entries for the texts, [] when its engine cannot attribute them; 503 while it cannot run),
 * and `POST /groups` with `{ "group": <SignedGroup>, "texts": [{ "request", "output" }, …] }`
 * (agents/protocol/group.ts `GroupWithTexts`) answers 202 `{"stored": …}` or 400/503 like `/receipts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Data, Effect, Exit, Schema, type Scope } from "effect";
import type { Hex } from "viem";
import { AttributeAnswer, AttributeBody, GroupWithTexts } from "../protocol/group.ts";
import {
  checkReceiptWithTexts,
  ReceiptWithTexts,
  type SourcedReceipt,
  textsProblemMessage,
  toReceiptWithTexts,
} from "../protocol/texts.ts";

export const IntakeBody = ReceiptWithTexts;

export type AttributeResult =
  | { readonly ok: true; readonly entries: (typeof AttributeAnswer.Type)["entries"] }
  | { readonly ok: false; readonly error: string; readonly retryable?: boolean };

/** The group routes, when the caller serves them. */
export interface GroupIntake {
  readonly attribute: (body: typeof AttributeBody.Type) => Promise<AttributeResult>;
  readonly group: (wire: GroupWithTexts) => Promise<IntakeResult>;
}

export class IntakeServerError extends Data.TaggedError("IntakeServerError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export type IntakeResult =
  | { readonly ok: true; readonly stored: boolean }
  | { readonly ok: false; readonly error: string; readonly retryable?: boolean };

/** An intake failure as the HTTP intake answers it: 503 (send again later) when retryable, else 400. */
export const intakeFailure = (e: { readonly message: string; readonly retryable?: boolean }): IntakeResult =>
  e.retryable === true ? { ok: false, error: e.message, retryable: true } : { ok: false, error: e.message };

const MAX_BODY = 2 * 1024 * 1024;

const readBody = (request: IncomingMessage): Promise<string | undefined> =>
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
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", () => resolve(undefined));
  });

const send = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

/** The wire body of a sourced receipt (what a client POSTs). */
export const encodeIntakeBody = (sourced: SourcedReceipt): string =>
  JSON.stringify(Schema.encodeSync(IntakeBody)(toReceiptWithTexts(sourced)));

/** Serves the intake while the scope is open; `accept` stores one decoded receipt. */
export const serveIntake = (
  options: { readonly host?: string; readonly port?: number },
  accept: (receipt: SourcedReceipt) => Promise<IntakeResult>,
  groups?: GroupIntake,
): Effect.Effect<{ readonly url: string }, IntakeServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const decode = Schema.decodeUnknownExit(IntakeBody);
    const decodeGroup = Schema.decodeUnknownExit(GroupWithTexts);
    const decodeAttribute = Schema.decodeUnknownExit(AttributeBody);
    const encodeAnswer = Schema.encodeSync(AttributeAnswer);
    const server = createServer((request, response) => {
      void (async () => {
        const route = request.url;
        const known =
          route === "/receipts" || (groups !== undefined && (route === "/groups" || route === "/attribute"));
        if (request.method !== "POST" || !known) {
          return send(response, 404, {
            error: groups === undefined ? "POST /receipts" : "POST /receipts, /groups or /attribute",
          });
        }
        const text = await readBody(request);
        if (text === undefined) return send(response, 413, { error: "body too large" });
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return send(response, 400, { error: "body is not JSON" });
        }
        if (groups !== undefined && route === "/attribute") {
          const body = decodeAttribute(json, { onExcessProperty: "error" });
          if (Exit.isFailure(body)) return send(response, 400, { error: "body does not match the attribute schema" });
          const result = await groups.attribute(body.value);
          return result.ok
            ? send(response, 200, encodeAnswer({ entries: result.entries }))
            : send(response, result.retryable === true ? 503 : 400, { error: result.error });
        }
        if (groups !== undefined && route === "/groups") {
          const body = decodeGroup(json, { onExcessProperty: "error" });
          if (Exit.isFailure(body))
            return send(response, 400, { error: "body does not match the receipt group schema" });
          const result = await groups.group(body.value);
          return result.ok
            ? send(response, 202, { stored: result.stored })
            : send(response, result.retryable === true ? 503 : 400, { error: result.error });
        }
        const decoded = decode(json, { onExcessProperty: "error" });
        if (Exit.isFailure(decoded)) return send(response, 400, { error: "body does not match the receipt schema" });
        const texts = checkReceiptWithTexts(decoded.value);
        if (!texts.ok) return send(response, 400, { error: textsProblemMessage[texts.problem] });
        const result = await accept(texts.sourced);
        return result.ok
          ? send(response, 202, { stored: result.stored })
          : send(response, result.retryable === true ? 503 : 400, { error: result.error });
      })().catch(() => send(response, 500, { error: "internal error" }));
    });
    const host = options.host ?? "127.0.0.1";
    yield* Effect.acquireRelease(
      Effect.callback<void, IntakeServerError>((resume) => {
        server.once("error", (cause) =>
          resume(
            Effect.fail(new IntakeServerError({ message: `cannot listen on ${host}:${options.port ?? 0}`, cause })),
          ),
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

/** The group routes over an attributor's handle (agents/attributor/attributor.ts). */
export const groupIntakeOf = (handle: {
  readonly attributeTexts: (texts: {
    readonly modelId: bigint;
    readonly request: Hex;
    readonly output: string;
  }) => Effect.Effect<AttributeAnswer["entries"], { readonly message: string; readonly retryable?: boolean }>;
  readonly intakeGroup: (
    wire: GroupWithTexts,
  ) => Effect.Effect<boolean, { readonly message: string; readonly retryable?: boolean }>;
}): GroupIntake => ({
  attribute: (body) =>
    Effect.runPromise(
      handle.attributeTexts({ modelId: body.modelId, request: body.request as Hex, output: body.output }).pipe(
        Effect.map((entries): AttributeResult => ({ ok: true, entries })),
        Effect.catch((e) => Effect.succeed<AttributeResult>(intakeFailure(e) as AttributeResult)),
      ),
    ),
  group: (wire) =>
    Effect.runPromise(
      handle.intakeGroup(wire).pipe(
        Effect.map((stored): IntakeResult => ({ ok: true, stored })),
        Effect.catch((e) => Effect.succeed<IntakeResult>(intakeFailure(e))),
      ),
    ),
});
