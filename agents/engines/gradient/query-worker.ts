/**
 * Worker-thread entry of the gradient engine service (service.ts): holds every model directory the
 * process has opened (index rows, ONNX Runtime sessions, the influence preconditioner — each built
 * once) and answers queries, so gradient work never runs on the agent's event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { AttributionRequest } from "../engine.ts";
import { toWire, type WireReply } from "../worker-client.ts";
import { loadIndexed } from "./bundle.ts";
import { attributeWith, type GradientAttributor, type GradientEngineOptions, makeAttributor } from "./engine.ts";

export type GradientQuery =
  | { readonly id: number; readonly kind: "open"; readonly dir: string }
  | {
      readonly id: number;
      readonly kind: "attribute";
      readonly dir: string;
      readonly request: AttributionRequest;
      readonly options: Pick<GradientEngineOptions, "method" | "maxEntries">;
      readonly exclude: ReadonlyArray<bigint>;
    }
  | { readonly id: number; readonly kind: "close"; readonly dir: string };

export interface GradientModelStatus {
  /** The attribution-index commitment recomputed from the rows (gradient-index.ts). */
  readonly commitment: `0x${string}`;
  readonly rows: number;
  readonly classes: ReadonlyArray<string>;
  /** The contribution id of every row (what the resolver needs to withhold credit). */
  readonly contributionIds: ReadonlyArray<bigint>;
}

const port = parentPort;
if (port !== null) {
  // ONNX Runtime threads per session, from the service (GradientServiceOptions.threads)
  const threads =
    typeof workerData === "object" && workerData !== null && "threads" in workerData ? Number(workerData.threads) : 1;
  const models = new Map<string, Promise<GradientAttributor>>();
  const reply = (message: WireReply): void => port.postMessage(message);
  const open = (dir: string): Promise<GradientAttributor> => {
    let loading = models.get(dir);
    if (loading === undefined) {
      // makeAttributor checks the gradient graph and checkpoints against the index header
      loading = Promise.resolve().then(() => makeAttributor(loadIndexed(dir), { threads, kernel: "ort" }));
      models.set(dir, loading);
      loading.catch(() => models.delete(dir));
    }
    return loading;
  };
  const status = (attributor: GradientAttributor): GradientModelStatus => ({
    commitment: attributor.model.commitment,
    rows: attributor.model.index.header.count,
    classes: attributor.model.index.header.classes,
    contributionIds: [...attributor.model.index.ids],
  });
  const handle = async (request: GradientQuery): Promise<unknown> => {
    switch (request.kind) {
      case "open":
        return status(await open(request.dir));
      case "attribute": {
        const result = await attributeWith(await open(request.dir), request.request, request.options, request.exclude);
        if ("problem" in result) throw { _tag: "GradientRequestError", message: result.problem };
        return result;
      }
      case "close": {
        const loading = models.get(request.dir);
        models.delete(request.dir);
        if (loading !== undefined) await (await loading.catch(() => undefined))?.release();
        return null;
      }
    }
  };
  port.on("message", (request: GradientQuery) => {
    handle(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (cause: unknown) => reply({ id: request.id, ok: false, error: toWire(cause) }),
    );
  });
}
