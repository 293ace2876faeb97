/**
 * Worker-thread entry of the LoRA engine service (service.ts): holds every Model Factory index directory
 * the process has opened (base model, checkpoints, index rows — each loaded and checked once) and
 * answers queries, so the answer's gradient (a forward and backward pass per checkpoint) never runs on
 * the agent's event loop.
 */
import { parentPort } from "node:worker_threads";
import { bytesToHex } from "viem";
import type { FactoryEvidence, FactoryMethod } from "../../factory/attribution.ts";
import type { Attribution, AttributionRequest } from "../engine.ts";
import { toWire, type WireReply } from "../worker-client.ts";
import { type LoraIndexModel, openLoraIndex } from "./load.ts";

export interface LoraQueryOptions {
  readonly method: FactoryMethod;
  readonly maxEntries: number;
}

export type LoraQuery =
  | { readonly id: number; readonly kind: "open"; readonly dir: string }
  | {
      readonly id: number;
      readonly kind: "attribute";
      readonly dir: string;
      readonly request: AttributionRequest;
      readonly options: LoraQueryOptions;
      readonly exclude: ReadonlyArray<bigint>;
    }
  | { readonly id: number; readonly kind: "close"; readonly dir: string };

export interface LoraModelStatus {
  /** The attribution-index commitment recomputed from index.bin (after every file was checked). */
  readonly commitment: `0x${string}`;
  readonly rows: number;
  readonly contributionIds: ReadonlyArray<bigint>;
  /** keccak256 of training.json (what `poa factory publish` put in the metadataURI). */
  readonly trainingRecord: `0x${string}`;
}

/** The request's attribution: the answer's tokens (`output`) after the prompt (`input`), at every checkpoint. */
export const attributeLora = async (
  model: LoraIndexModel,
  request: AttributionRequest,
  options: LoraQueryOptions,
  exclude: ReadonlyArray<bigint>,
): Promise<Attribution<FactoryEvidence>> => {
  const answer = model.encode(request.output);
  if (answer.length === 0) throw { _tag: "LoraRequestError", message: "the answer is empty: nothing to attribute" };
  const result = await model.attributor.score(
    model.encode(request.input ?? ""),
    answer,
    options.method,
    options.maxEntries,
    new Set(exclude),
  );
  return {
    entries: result.entries,
    evidence: {
      method: options.method,
      indexCommitment: model.commitment,
      embedding: {
        vector: bytesToHex(new Uint8Array(result.embedding.vector.buffer)),
        exponents: [...result.embedding.exponents],
      },
      top: result.top,
    },
  };
};

const port = parentPort;
if (port !== null) {
  const models = new Map<string, Promise<LoraIndexModel>>();
  const reply = (message: WireReply): void => port.postMessage(message);
  const open = (dir: string): Promise<LoraIndexModel> => {
    let loading = models.get(dir);
    if (loading === undefined) {
      loading = Promise.resolve().then(() => openLoraIndex(dir));
      models.set(dir, loading);
      loading.catch(() => models.delete(dir));
    }
    return loading;
  };
  const handle = async (request: LoraQuery): Promise<unknown> => {
    switch (request.kind) {
      case "open": {
        const model = await open(request.dir);
        return {
          commitment: model.commitment,
          rows: model.attributor.index.header.count,
          contributionIds: [...model.attributor.index.ids],
          trainingRecord: model.attributor.index.header.gradientGraph as `0x${string}`,
        } satisfies LoraModelStatus;
      }
      case "attribute":
        return attributeLora(await open(request.dir), request.request, request.options, request.exclude);
      case "close":
        models.delete(request.dir);
        return null;
    }
  };
  port.on("message", (request: LoraQuery) => {
    handle(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (cause: unknown) => reply({ id: request.id, ok: false, error: toWire(cause) }),
    );
  });
}
