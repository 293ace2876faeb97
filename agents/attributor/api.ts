/**
 * A read-only HTTP API over what an attributor knows, for Open Chat (agents/web) and any other reader:
 *
 *   GET /attributions/<modelId>/<outputHash>   the node's own engine result for that answer: entries
 *                                              (contribution, weight) and the engine's evidence (suffix
 *                                              matches, gradient top rows), bigints as decimal strings
 *   GET /receipts/<user>/<operator>/<nonce>    the claims whose batch carries that receipt (id, status,
 *                                              whether σ agrees with the claimed commitment)
 *   GET /accounts/<address>                    the account's leaf in the latest final state and its
 *                                              proof, ready for `AttributionLedger.withdraw`
 *
 * 404 with `{"error": "…"}` when the node has nothing for the key; everything else is 400 or 405.
 * Nothing here writes: evidence comes from `recordingEngine`, which wraps the engine the attributor
 * already runs and keeps the last `capacity` results in memory (evidence is not in the Store).
 */
import { createServer, type ServerResponse } from "node:http";
import { Data, Effect, type Scope } from "effect";
import { bytesToHex, type Hex, isAddress } from "viem";
import type { Attribution, AttributionEngine } from "../engines/engine.ts";
import type { Follower } from "../ledger/follower.ts";
import { textHash } from "../protocol/receipt.ts";

export class AttributionApiError extends Data.TaggedError("AttributionApiError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface AttributionRecords {
  readonly get: (modelId: bigint, outputHash: Hex) => Attribution<unknown> | undefined;
}

const recordKey = (modelId: bigint, outputHash: string) => `${modelId}:${outputHash.toLowerCase()}`;

/** Wraps an engine so that every result (with its evidence) can be read back by (model, output hash). */
export const recordingEngine = <E>(
  engine: AttributionEngine<E>,
  capacity = 10_000,
): { readonly engine: AttributionEngine<E>; readonly records: AttributionRecords } => {
  const results = new Map<string, Attribution<unknown>>();
  return {
    engine: {
      method: engine.method,
      attribute: (request) =>
        engine.attribute(request).pipe(
          Effect.tap((result) =>
            Effect.sync(() => {
              const key = recordKey(request.modelId, textHash(request.output));
              results.delete(key);
              results.set(key, result);
              // a Map iterates in insertion order: the first key is the oldest
              if (results.size > capacity) results.delete(results.keys().next().value as string);
            }),
          ),
        ),
    },
    records: { get: (modelId, outputHash) => results.get(recordKey(modelId, outputHash)) },
  };
};

/** JSON with bigints as decimal strings and byte arrays as hex. */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? bytesToHex(v) : v,
  );

const send = (response: ServerResponse, status: number, body: unknown) =>
  response
    .writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" })
    .end(toJson(body));

const HASH = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^[0-9]{1,78}$/;

export interface AttributionApiSources {
  readonly records: AttributionRecords;
  /** The attributor's ledger follower (its recomputed claims and final state). */
  readonly follower: () => Follower;
}

/** Answers one GET path; exported for tests and for embedding in another server. */
export const route = (sources: AttributionApiSources, path: string): { status: number; body: unknown } => {
  const parts = path
    .split("?")[0]!
    .split("/")
    .filter((p) => p.length > 0);
  const [kind, a, b, c] = parts;
  if (kind === "attributions" && parts.length === 3) {
    if (!UINT.test(a!) || !HASH.test(b!))
      return { status: 400, body: { error: "expected /attributions/<modelId>/<outputHash>" } };
    const found = sources.records.get(BigInt(a!), b as Hex);
    return found === undefined
      ? { status: 404, body: { error: `no attribution for model ${a} and output ${b} on this attributor (yet)` } }
      : { status: 200, body: { modelId: a, outputHash: b, entries: found.entries, evidence: found.evidence } };
  }
  if (kind === "receipts" && parts.length === 4) {
    if (!isAddress(a!) || !isAddress(b!) || !UINT.test(c!))
      return { status: 400, body: { error: "expected /receipts/<user>/<operator>/<nonce>" } };
    const nonce = BigInt(c!);
    const claims = [...sources.follower().claims.values()]
      .filter((claim) =>
        claim.receipts.some(
          (r) =>
            r.nonce === nonce &&
            r.user.toLowerCase() === a!.toLowerCase() &&
            r.operator.toLowerCase() === b!.toLowerCase(),
        ),
      )
      .map((claim) => ({ id: claim.id, status: claim.status, correct: claim.correct, claimant: claim.claimant }));
    return { status: 200, body: { user: a, operator: b, nonce: c, claims } };
  }
  if (kind === "accounts" && parts.length === 2) {
    if (!isAddress(a!)) return { status: 400, body: { error: "expected /accounts/<address>" } };
    const follower = sources.follower();
    const final = follower.finalLedger();
    const tree = final.ledger.tree;
    // what the account had earned after each claim σ agrees with (a void claim changes nothing)
    const history = [...follower.claims.values()]
      .filter((claim) => claim.correct && claim.status !== "void")
      .sort((x, y) => (x.id < y.id ? -1 : 1))
      .map((claim) => ({
        claimId: claim.id,
        status: claim.status,
        referenceTime: claim.referenceTime,
        earned: claim.ledger.tree.leaf(a).earned,
      }));
    return {
      status: 200,
      body: {
        account: a,
        finalClaimId: final.id,
        leaf: tree.leaf(a),
        // a membership proof (docs/protocol.md §2); an account with no leaf has nothing to withdraw
        proof: tree.has(a) ? bytesToHex(tree.proof(a)) : null,
        history,
      },
    };
  }
  return {
    status: 404,
    body: {
      error: "GET /attributions/<modelId>/<outputHash>, /receipts/<user>/<operator>/<nonce>, /accounts/<address>",
    },
  };
};

/** Serves the API while the scope is open. */
export const serveAttributionApi = (
  options: { readonly host?: string; readonly port?: number },
  sources: AttributionApiSources,
): Effect.Effect<{ readonly url: string }, AttributionApiError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = createServer((request, response) => {
      if (request.method !== "GET") return send(response, 405, { error: "read-only: GET only" });
      try {
        const { status, body } = route(sources, request.url ?? "/");
        send(response, status, body);
      } catch (cause) {
        send(response, 500, { error: cause instanceof Error ? cause.message : String(cause) });
      }
    });
    const host = options.host ?? "127.0.0.1";
    yield* Effect.acquireRelease(
      Effect.callback<void, AttributionApiError>((resume) => {
        server.once("error", (cause) =>
          resume(
            Effect.fail(new AttributionApiError({ message: `cannot listen on ${host}:${options.port ?? 0}`, cause })),
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
