/**
 * The Model Factory behind Open Chat's Factory page (docs/open-chat.md "Factory"): training jobs over the
 * chain's datanets with agents/factory, one at a time, each in a worker thread, persisted on disk.
 *
 *   GET  /api/factory/bases               the base model folders this server was given (name, shape)
 *   GET  /api/factory/datanets            every datanet with its attributable (approved, not withdrawn) contributions
 *   GET  /api/factory/jobs                every job, newest first (without its loss points)
 *   POST /api/factory/jobs                {base, datanets, rank, alpha, targets, epochs, lr, seed, batch?, seqLen?}
 *   GET  /api/factory/jobs/<id>           one job with its loss points
 *   GET  /api/factory/jobs/<id>/events    SSE: {type:"snapshot", job}, then {type:"point", point} per optimizer
 *                                         step and {type:"status", job} on every status change
 *   POST /api/factory/jobs/<id>/cancel    stops a running job (its run folder keeps the last resume state)
 *   POST /api/factory/jobs/<id>/resume    continues a cancelled, failed or interrupted job from that state
 *   POST /api/factory/jobs/<id>/serve     {modelId}: the page registered the adapter (signed with its wallet);
 *                                         the server checks the chain's model against the run (adapter hash,
 *                                         index commitment, training-record hash, datanets), writes poa.json,
 *                                         hands the folder to the operator and offers it in the chat
 *
 * Layout of `jobsDir`: `<id>/job.json` (JobSchema) and `<id>/run/` (the factory's run folder:
 * docs/model-factory.md). A server restarted on the same folder shows every job; one that was training
 * when the server stopped is "interrupted" and resumes from its last state.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cp } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { Data, Effect, Layer, Option, Redacted, Schema } from "effect";
import { type Address, createPublicClient, http } from "viem";
import { Chain, Contracts, localChain } from "../chain/Chain.ts";
import type { Deployments } from "../chain/Deployments.ts";
import { datanetContributions, directoryContentSource, fetchCorpus } from "../engines/suffix/datanet.ts";
import { readRecord } from "../factory/train.ts";
import { datanetRegistryAbi, modelRegistryAbi } from "../generated/contracts.ts";
import type { WorkerInput, WorkerMessage } from "./factory-worker.ts";

export interface FactoryOptions {
  /** Base model name → the operator's model folder (model.onnx, config.json, tokenizer.json). */
  readonly bases: Readonly<Record<string, string>>;
  /** Where jobs live (one folder each); survives restarts. */
  readonly jobsDir: string;
  /** The operator's adapters dir: a published adapter is copied there and loaded. */
  readonly adaptersDir?: string;
  /** The operator's admin bearer token (its `--admin-token`), for `POST /v1/load_lora_adapter`. */
  readonly operatorAdminToken?: Redacted.Redacted<string>;
  /** Index projection width per segment (docs/model-factory.md `--dims`). */
  readonly dims?: number;
  /** Called once an adapter is served (the local network attaches its attribution engine here). */
  readonly onServed?: (served: {
    readonly modelId: bigint;
    readonly adapter: string;
    readonly runDir: string;
    readonly baseDir: string;
  }) => void;
}

export interface FactoryContext {
  readonly rpcUrl: string;
  readonly deployments: Deployments;
  readonly operatorUrl?: string;
  /** Contribution bytes by content root (the training data; each file is checked against the chain). */
  readonly contentDir?: string;
  /** Offers a served adapter in the chat (served name → model id). */
  readonly addModel: (name: string, modelId: string) => void;
}

export const TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;

const Id = Schema.String.check(Schema.isPattern(/^[1-9][0-9]{0,19}$/));
const Hex32 = Schema.String.check(Schema.isPattern(/^0x[0-9a-f]{64}$/));

/** A training request from the page. */
export const StartBody = Schema.Struct({
  base: Schema.String.check(Schema.isMaxLength(200)),
  datanets: Schema.Array(Id).check(Schema.isMinLength(1), Schema.isMaxLength(16)),
  rank: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 64 })),
  alpha: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(4096)),
  targets: Schema.Array(Schema.Literals(TARGETS)).check(Schema.isMinLength(1)),
  epochs: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 })),
  lr: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1)),
  seed: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 ** 31 - 1 })),
  batch: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1024 }))),
  seqLen: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 2, maximum: 8192 }))),
});
export type StartBody = typeof StartBody.Type;

const Point = Schema.Struct({ step: Schema.Int, epoch: Schema.Int, loss: Schema.Number });
export type Point = typeof Point.Type;

export const JOB_STATUS = [
  "training",
  "indexing",
  "trained",
  "published",
  "cancelled",
  "failed",
  "interrupted",
] as const;

/** `<jobsDir>/<id>/job.json`, and what the API answers for a job. */
export const JobSchema = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^job-[0-9]+$/)),
  number: Schema.Int,
  createdAt: Schema.Number,
  params: Schema.Struct({
    base: Schema.String,
    datanets: Schema.Array(Id),
    rank: Schema.Int,
    alpha: Schema.Number,
    targets: Schema.Array(Schema.String),
    epochs: Schema.Int,
    lr: Schema.Number,
    seed: Schema.Int,
    batch: Schema.Int,
    seqLen: Schema.Int,
    checkpoints: Schema.Int,
  }),
  /** The name the operator serves it under once published. */
  adapter: Schema.String,
  status: Schema.Literals(JOB_STATUS),
  /** The block time whose approved contributions it trains on (fixed at start, kept for resumption). */
  referenceTime: Schema.Number,
  contributions: Schema.Array(Schema.Struct({ id: Id, datanetId: Id, contentRoot: Hex32, bytes: Schema.Int })),
  steps: Schema.Int,
  /** Per optimizer step: the running mean example loss of the epoch so far (the CLI's progress bar). */
  points: Schema.Array(Point),
  /** The step the last (re)start continued from: its run folder's last saved state (0: from scratch). */
  resumedFrom: Schema.optional(Schema.Int),
  error: Schema.optional(Schema.String),
  result: Schema.optional(
    Schema.Struct({
      recordHash: Hex32,
      indexCommitment: Hex32,
      adapterHash: Hex32,
      baseModelHash: Hex32,
      baseName: Schema.String,
      epochLoss: Schema.Array(Schema.Number),
      examples: Schema.Int,
    }),
  ),
  published: Schema.optional(Schema.Struct({ modelId: Id, price: Schema.String })),
});
export type Job = typeof JobSchema.Type;

const ServeBody = Schema.Struct({ modelId: Id });

/** A request the factory refuses, with its HTTP status and one line for the page. */
export class FactoryRequestError extends Data.TaggedError("FactoryRequestError")<{
  readonly status: number;
  readonly message: string;
}> {}
const refused = (status: number, message: string) => new FactoryRequestError({ status, message });

const firstLine = (e: unknown): string =>
  (typeof e === "object" && e !== null && "message" in e ? String((e as { message: unknown }).message) : String(e))
    .split("\n")[0]!
    .trim();

const decode = <S extends Schema.Top>(schema: S, value: unknown, what: string): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema as never)(value) as S["Type"];
  } catch (e) {
    // the schema's message names the field on its second line ("at ["rank"]")
    const text = e instanceof Error ? e.message : String(e);
    throw refused(400, `${what}: ${text.replace(/\s+/g, " ").trim().slice(0, 300)}`);
  }
};

const writeAtomic = (file: string, text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};

const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

const readJsonBody = (request: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) {
        reject(refused(413, "request body too large"));
        request.destroy();
      } else chunks.push(c);
    });
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(refused(400, "body is not JSON"));
      }
    });
    request.on("error", () => reject(refused(400, "request aborted")));
  });

const tsxLoader = import.meta.resolve("tsx");

const withoutPoints = (job: Job) => ({ ...job, points: [] as Point[], pointCount: job.points.length });

export interface FactoryJobs {
  /** Answers /api/factory/…; false when the path is not the factory's. */
  readonly handle: (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean>;
  /** Stops a running worker (the job reads "interrupted" on the next start). */
  readonly close: () => Promise<void>;
  readonly jobs: () => ReadonlyArray<Job>;
}

export const makeFactoryJobs = (options: FactoryOptions, context: FactoryContext): FactoryJobs => {
  const jobsDir = path.resolve(options.jobsDir);
  mkdirSync(jobsDir, { recursive: true });
  const jobs = new Map<string, Job>();
  const listeners = new Map<string, Set<(message: unknown) => void>>();
  /** The job training now; `stop` ends its worker and gives the job that status. */
  let running: { readonly id: string; readonly stop: (status: Job["status"]) => Promise<void> } | undefined;
  let starting = false;

  const jobDir = (id: string) => path.join(jobsDir, id);
  const runDir = (id: string) => path.join(jobDir(id), "run");
  const persist = (job: Job) => writeAtomic(path.join(jobDir(job.id), "job.json"), `${JSON.stringify(job)}\n`);
  const emit = (id: string, message: unknown) => {
    for (const l of listeners.get(id) ?? []) l(message);
  };
  const update = (id: string, change: Partial<Job>, save = true, drop?: "error") => {
    const job = { ...jobs.get(id)!, ...change } as Job;
    if (drop !== undefined) delete (job as { error?: string }).error;
    jobs.set(id, job);
    if (save) persist(job);
    if (change.status !== undefined || change.result !== undefined || change.published !== undefined)
      emit(id, { type: "status", job: withoutPoints(job) });
    return job;
  };

  // Jobs from an earlier run of the server: a job that was training is interrupted; served ones are offered again.
  for (const entry of readdirSync(jobsDir, { withFileTypes: true })) {
    const file = path.join(jobsDir, entry.name, "job.json");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    let job: Job;
    try {
      job = Schema.decodeUnknownSync(JobSchema)(JSON.parse(readFileSync(file, "utf8")));
    } catch {
      continue; // not a job folder this server wrote
    }
    if (job.status === "training" || job.status === "indexing")
      job = { ...job, status: "interrupted", error: "the server stopped while this job was running" };
    jobs.set(job.id, job);
    persist(job);
    if (job.published !== undefined) context.addModel(job.adapter, job.published.modelId);
  }

  const publicClient = createPublicClient({ transport: http(context.rpcUrl, { retryCount: 0, timeout: 15_000 }) });
  const protocolLayer = Layer.mergeAll(
    Layer.effect(
      Chain,
      Effect.tryPromise({
        try: async () => {
          const chainId = await publicClient.getChainId();
          const chain = localChain(chainId, context.rpcUrl);
          return {
            rpcUrl: context.rpcUrl,
            chainId,
            publicClient: createPublicClient({ chain, transport: http(context.rpcUrl, { retryCount: 1 }) }),
            wallet: Option.none(),
          };
        },
        catch: (cause) => refused(502, `chain unreachable at ${context.rpcUrl} (${firstLine(cause)})`),
      }),
    ),
    Layer.succeed(Contracts, { deployments: context.deployments }),
  );
  /** The datanets' attributable contributions at `referenceTime` (default: the latest block), as the factory reads them. */
  const readDatanets = (ids: ReadonlyArray<bigint>, referenceTime?: bigint) =>
    Effect.runPromise(
      datanetContributions(ids, referenceTime).pipe(
        Effect.provide(protocolLayer),
        Effect.mapError((e) =>
          e instanceof FactoryRequestError ? e : refused(/does not exist/.test(firstLine(e)) ? 404 : 502, firstLine(e)),
        ),
      ),
    ).catch((e: unknown) => {
      throw e instanceof FactoryRequestError ? e : refused(502, firstLine(e));
    });

  const baseDirOf = (name: string) => {
    const dir = options.bases[name];
    if (dir === undefined)
      throw refused(404, `unknown base model "${name}" (this server has: ${Object.keys(options.bases).join(", ")})`);
    return dir;
  };

  const baseInfo = (name: string, dir: string) => {
    try {
      const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>;
      return {
        name,
        layers: Number(config.num_hidden_layers),
        hidden: Number(config.hidden_size),
        vocab: Number(config.vocab_size),
        maxPositions: Number(config.max_position_embeddings),
      };
    } catch {
      return { name, error: `${dir}/config.json is not readable` };
    }
  };

  /** Starts (or resumes) a job's training in a worker: reads the data at the job's reference time and checks every byte. */
  const train = async (job: Job) => {
    const baseDir = baseDirOf(job.params.base);
    if (context.contentDir === undefined)
      throw refused(503, "no content directory configured (poa web --content-dir): no training data");
    const read = await readDatanets(job.params.datanets.map(BigInt), BigInt(job.referenceTime));
    if (read.contributions.length === 0)
      throw refused(
        400,
        `datanet ${job.params.datanets.join(", ")} has no approved contributions at ${job.referenceTime}`,
      );
    const fetched = await Effect.runPromise(
      fetchCorpus(read.contributions, directoryContentSource(context.contentDir)).pipe(
        Effect.mapError((e) => refused(422, firstLine(e))),
      ),
    );
    const input: WorkerInput = {
      baseDir,
      out: runDir(job.id),
      documents: read.contributions.map((c, i) => ({
        contributionId: c.id.toString(),
        datanetId: c.datanetId.toString(),
        contentRoot: c.contentRoot.toLowerCase(),
        bytes: fetched[i]!.content,
      })),
      source: read.source,
      hyper: {
        rank: job.params.rank,
        alpha: job.params.alpha,
        targets: job.params.targets,
        epochs: job.params.epochs,
        lr: job.params.lr,
        seed: job.params.seed,
        batch: job.params.batch,
        seqLen: job.params.seqLen,
        checkpoints: job.params.checkpoints,
      },
      dims: options.dims ?? 64,
    };
    mkdirSync(runDir(job.id), { recursive: true });
    update(
      job.id,
      {
        status: "training",
        contributions: read.contributions.map((c) => ({
          id: c.id.toString(),
          datanetId: c.datanetId.toString(),
          contentRoot: c.contentRoot.toLowerCase(),
          bytes: Number(c.byteLength),
        })),
      },
      true,
      "error",
    );
    const worker = new Worker(new URL("./factory-worker.ts", import.meta.url), {
      execArgv: ["--import", tsxLoader],
      workerData: input,
    });
    let lastSave = 0;
    let settled = false;
    const finish = (change: Partial<Job>) => {
      if (settled) return;
      settled = true;
      if (running?.id === job.id) running = undefined;
      update(job.id, change);
      void worker.terminate();
    };
    running = {
      id: job.id,
      stop: async (status) => {
        finish({ status });
        await worker.terminate();
      },
    };
    worker.on("message", (m: WorkerMessage) => {
      if (settled) return;
      switch (m.kind) {
        case "progress": {
          const point = { step: m.step, epoch: m.epoch, loss: m.loss };
          // a resumed run redoes the steps after its last state: those points are replaced
          const points = [...jobs.get(job.id)!.points.filter((p) => p.step < m.step), point];
          const now = Date.now();
          const save = now - lastSave > 500;
          if (save) lastSave = now;
          update(job.id, { points, steps: m.steps, resumedFrom: m.resumedAt ?? 0 }, save);
          emit(job.id, { type: "point", point, steps: m.steps });
          return;
        }
        case "indexing":
          update(job.id, { status: "indexing" });
          return;
        case "done": {
          let record: ReturnType<typeof readRecord>;
          try {
            record = readRecord(runDir(job.id));
          } catch (e) {
            return finish({ status: "failed", error: firstLine(e) });
          }
          return finish({
            status: "trained",
            result: {
              recordHash: m.recordHash,
              indexCommitment: m.indexCommitment,
              adapterHash: record.record.adapter.weightsKeccak256,
              baseModelHash: record.record.base.modelKeccak256,
              baseName: record.record.base.name,
              epochLoss: [...m.epochLoss],
              examples: m.examples,
            },
          });
        }
        case "error":
          return finish({ status: "failed", error: m.message });
      }
    });
    worker.on("error", (e) => finish({ status: "failed", error: `the training worker failed: ${firstLine(e)}` }));
    worker.on("exit", (code) => {
      if (!settled) finish({ status: "failed", error: `the training worker exited (${code})` });
    });
  };

  const start = async (raw: unknown): Promise<Job> => {
    const body = decode(StartBody, raw, "bad training request");
    const baseDir = baseDirOf(body.base);
    if (running !== undefined)
      throw refused(409, `job ${running.id} is still training: wait for it or cancel it first`);
    if (starting) throw refused(409, "another job is being started");
    starting = true;
    try {
      return await startChecked(body, baseDir);
    } finally {
      starting = false;
    }
  };

  const startChecked = async (body: StartBody, baseDir: string): Promise<Job> => {
    const batch = body.batch ?? 8;
    const seqLen = body.seqLen ?? 64;
    const checkpoints = Math.min(3, body.epochs);
    const info = baseInfo(body.base, baseDir);
    if ("maxPositions" in info && seqLen > info.maxPositions)
      throw refused(400, `seqLen ${seqLen} exceeds the base model's ${info.maxPositions} positions`);
    if (new Set(body.targets).size !== body.targets.length) throw refused(400, "targets names a projection twice");
    const datanets = [...new Set(body.datanets)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // the data it will train on: every datanet must exist and hold approved contributions now
    const read = await readDatanets(datanets.map(BigInt));
    const empty = datanets.filter((d) => !read.contributions.some((c) => c.datanetId === BigInt(d)));
    if (empty.length > 0) throw refused(400, `datanet ${empty.join(", ")} has no approved contributions to train on`);
    const number = Math.max(0, ...[...jobs.values()].map((j) => j.number)) + 1;
    const id = `job-${number}`;
    mkdirSync(jobDir(id), { recursive: true });
    const job: Job = {
      id,
      number,
      createdAt: Date.now(),
      params: { ...body, datanets, batch, seqLen, checkpoints },
      adapter: `factory-${number}`,
      status: "training",
      referenceTime: read.source.referenceTime,
      contributions: [],
      steps: 0,
      points: [],
    };
    jobs.set(id, job);
    persist(job);
    try {
      await train(job);
    } catch (e) {
      update(id, { status: "failed", error: e instanceof FactoryRequestError ? e.message : firstLine(e) });
      throw e;
    }
    return jobs.get(id)!;
  };

  const jobOf = (id: string) => {
    const job = jobs.get(id);
    if (job === undefined) throw refused(404, `no factory job ${id}`);
    return job;
  };

  /** The page registered the adapter: check the chain's model against the run, then serve it. */
  const serve = async (job: Job, raw: unknown): Promise<Job> => {
    const { modelId } = decode(ServeBody, raw, "expected {modelId}");
    if (job.published !== undefined) {
      if (job.published.modelId === modelId) return job;
      throw refused(409, `${job.id} is already served as model ${job.published.modelId}`);
    }
    if (job.status !== "trained" || job.result === undefined)
      throw refused(409, `${job.id} is ${job.status}: only a trained job can be published`);
    if (options.adaptersDir === undefined)
      throw refused(503, "no operator adapters dir configured (poa web --operator-adapters-dir)");
    const result = job.result;
    let model: Awaited<ReturnType<typeof readModel>>;
    const readModel = (id: bigint) =>
      publicClient.readContract({
        address: context.deployments.modelRegistry as string as Address,
        abi: modelRegistryAbi,
        functionName: "getModel",
        args: [id],
      });
    try {
      model = await readModel(BigInt(modelId));
    } catch (e) {
      throw refused(502, `cannot read model ${modelId}: ${firstLine(e)}`);
    }
    const problems = [
      model.owner === "0x0000000000000000000000000000000000000000" ? "it does not exist" : undefined,
      model.adapterHash.toLowerCase() !== result.adapterHash ? "its adapterHash is not this adapter's" : undefined,
      model.baseModelHash.toLowerCase() !== result.baseModelHash ? "its baseModelHash is not this base's" : undefined,
      model.attributionIndexCommitment.toLowerCase() !== result.indexCommitment
        ? "its index commitment is not this run's"
        : undefined,
      model.metadataURI !== `poa-factory:training-record=${result.recordHash}`
        ? "its metadataURI does not carry this training record's hash"
        : undefined,
      model.method !== 1 ? "its method is not gradient" : undefined,
      [...model.datanetIds].map(String).sort().join(",") !== [...job.params.datanets].sort().join(",")
        ? "its datanets are not the ones trained on"
        : undefined,
    ].filter((p) => p !== undefined);
    if (problems.length > 0) throw refused(400, `model ${modelId} is not this adapter: ${problems.join("; ")}`);
    const price = model.price.toString();
    const adapterDir = path.join(runDir(job.id), "adapter");
    writeAtomic(path.join(adapterDir, "poa.json"), `${JSON.stringify({ modelId, price })}\n`);
    await cp(adapterDir, path.join(options.adaptersDir, job.adapter), { recursive: true, force: true });
    if (context.operatorUrl !== undefined) {
      let loaded: Response;
      try {
        loaded = await fetch(`${context.operatorUrl}/v1/load_lora_adapter`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(options.operatorAdminToken === undefined
              ? {}
              : { authorization: `Bearer ${Redacted.value(options.operatorAdminToken)}` }),
          },
          body: JSON.stringify({ lora_name: job.adapter }),
        });
      } catch (e) {
        throw refused(502, `the operator at ${context.operatorUrl} is unreachable (${firstLine(e)})`);
      }
      // without admin rights (403) the operator still serves every folder in its adapters dir on first use;
      // any other refusal means the adapter does not load
      if (!loaded.ok && loaded.status !== 403)
        throw refused(502, `the operator refused the adapter: ${(await loaded.text()).slice(0, 300)}`);
    }
    context.addModel(job.adapter, modelId);
    options.onServed?.({
      modelId: BigInt(modelId),
      adapter: job.adapter,
      runDir: runDir(job.id),
      baseDir: baseDirOf(job.params.base),
    });
    return update(job.id, { status: "published", published: { modelId, price } });
  };

  const events = (request: IncomingMessage, response: ServerResponse, job: Job) => {
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const send = (message: unknown) => response.write(`data: ${JSON.stringify(message)}\n\n`);
    send({ type: "snapshot", job: jobs.get(job.id) ?? job });
    const set = listeners.get(job.id) ?? new Set();
    listeners.set(job.id, set);
    set.add(send);
    request.on("close", () => set.delete(send));
  };

  const route = async (request: IncomingMessage, response: ServerResponse, p: string): Promise<void> => {
    const method = request.method ?? "GET";
    if (p === "/api/factory/bases" && method === "GET")
      return sendJson(response, 200, {
        bases: Object.entries(options.bases).map(([name, dir]) => baseInfo(name, dir)),
        targets: TARGETS,
      });
    if (p === "/api/factory/datanets" && method === "GET") {
      const count = await publicClient
        .readContract({
          address: context.deployments.datanetRegistry as string as Address,
          abi: datanetRegistryAbi,
          functionName: "datanetCount",
        })
        .catch((e: unknown) => {
          throw refused(502, `chain unreachable at ${context.rpcUrl} (${firstLine(e)})`);
        });
      const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
      const read = ids.length === 0 ? { contributions: [] } : await readDatanets(ids);
      return sendJson(response, 200, {
        datanets: ids.map((id) => ({
          id: id.toString(),
          approved: read.contributions.filter((c) => c.datanetId === id).length,
          bytes: read.contributions.filter((c) => c.datanetId === id).reduce((s, c) => s + Number(c.byteLength), 0),
        })),
      });
    }
    if (p === "/api/factory/jobs") {
      if (method === "GET")
        return sendJson(response, 200, {
          jobs: [...jobs.values()].sort((a, b) => b.number - a.number).map(withoutPoints),
          running: running?.id ?? null,
        });
      if (method === "POST") return sendJson(response, 202, await start(await readJsonBody(request)));
      throw refused(405, "GET or POST /api/factory/jobs");
    }
    const match = /^\/api\/factory\/jobs\/(job-[0-9]+)(?:\/(events|cancel|resume|serve))?$/.exec(p);
    if (match === null) throw refused(404, `unknown factory path ${p}`);
    const job = jobOf(match[1]!);
    const action = match[2];
    if (action === undefined) return sendJson(response, 200, job);
    if (action === "events") return events(request, response, job);
    if (method !== "POST") throw refused(405, `POST /api/factory/jobs/${job.id}/${action}`);
    if (action === "cancel") {
      if (running?.id !== job.id) throw refused(409, `${job.id} is not running (it is ${job.status})`);
      await running.stop("cancelled");
      return sendJson(response, 200, jobs.get(job.id));
    }
    if (action === "resume") {
      if (!["cancelled", "failed", "interrupted"].includes(job.status))
        throw refused(409, `${job.id} is ${job.status}: only a cancelled, failed or interrupted job resumes`);
      if (running !== undefined) throw refused(409, `job ${running.id} is still training: wait or cancel it`);
      await train(job);
      return sendJson(response, 202, jobs.get(job.id));
    }
    return sendJson(response, 200, await serve(job, await readJsonBody(request)));
  };

  return {
    handle: async (request, response, p) => {
      if (!p.startsWith("/api/factory/")) return false;
      try {
        await route(request, response, p);
      } catch (e) {
        const error = e instanceof FactoryRequestError ? e : refused(500, `internal error: ${firstLine(e)}`);
        if (!response.headersSent) sendJson(response, error.status, { error: { message: error.message } });
        else response.end();
      }
      return true;
    },
    close: async () => {
      await running?.stop("interrupted");
    },
    jobs: () => [...jobs.values()],
  };
};
