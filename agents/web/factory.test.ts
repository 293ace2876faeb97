/** The factory's HTTP API without a chain or a browser: request checks, clear errors, jobs kept across restarts. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "@effect/vitest";
import { Effect, Schema } from "effect";
import { freePort } from "../chain/anvil.ts";
import { Deployments } from "../chain/Deployments.ts";
import type { Job } from "./factory.ts";
import { serveWeb, type WebServerOptions } from "./server.ts";

const deployments = Schema.decodeUnknownSync(Deployments)({
  chainId: 31337,
  openToken: "0x0000000000000000000000000000000000000001",
  datanetRegistry: "0x0000000000000000000000000000000000000002",
  modelRegistry: "0x0000000000000000000000000000000000000003",
});

const HASH = `0x${"ab".repeat(32)}`;

/** A job as an earlier server wrote it: published as model 12, and one still "training" when it stopped. */
const earlierJob = (number: number, status: Job["status"], published: boolean): Job => ({
  id: `job-${number}`,
  number,
  createdAt: 1,
  params: {
    base: "tiny",
    datanets: ["1"],
    rank: 4,
    alpha: 8,
    targets: ["q_proj"],
    epochs: 1,
    lr: 0.01,
    seed: 1,
    batch: 8,
    seqLen: 64,
    checkpoints: 1,
  },
  adapter: `factory-${number}`,
  status,
  referenceTime: 100,
  contributions: [{ id: "1", datanetId: "1", contentRoot: HASH, bytes: 10 }],
  steps: 2,
  points: [
    { step: 1, epoch: 0, loss: 5.5 },
    { step: 2, epoch: 0, loss: 5.25 },
  ],
  ...(published
    ? {
        result: {
          recordHash: HASH,
          indexCommitment: HASH,
          adapterHash: HASH,
          baseModelHash: HASH,
          baseName: "model",
          epochLoss: [5.25],
          examples: 3,
        },
        published: { modelId: "12", price: "100" },
      }
    : {}),
});

const withFactory = <A>(
  f: (url: string, jobsDir: string) => Promise<A>,
  prepare?: (jobsDir: string) => Promise<void>,
) =>
  Effect.gen(function* () {
    const root = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-web-factory-"))),
      (d) => Effect.promise(() => rm(d, { recursive: true, force: true })),
    );
    const baseDir = path.join(root, "base");
    const jobsDir = path.join(root, "jobs");
    yield* Effect.promise(async () => {
      await mkdir(path.join(root, "dist"));
      await writeFile(path.join(root, "dist", "index.html"), "<!doctype html>");
      await mkdir(baseDir);
      await writeFile(
        path.join(baseDir, "config.json"),
        JSON.stringify({ num_hidden_layers: 3, hidden_size: 48, vocab_size: 300, max_position_embeddings: 32 }),
      );
      await mkdir(jobsDir);
      await prepare?.(jobsDir);
    });
    const dead = `http://127.0.0.1:${yield* Effect.promise(freePort)}`;
    const options: WebServerOptions = {
      distDir: path.join(root, "dist"),
      chainId: 31337,
      deployments,
      rpcUrl: dead,
      contentDir: root,
      factory: { bases: { tiny: baseDir }, jobsDir },
    };
    const web = yield* serveWeb(options);
    return yield* Effect.promise(() => f(web.url, jobsDir));
  }).pipe(Effect.scoped);

const post = async (url: string, body: string) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return {
    status: response.status,
    message: ((await response.json()) as { error?: { message: string } }).error?.message,
  };
};

const good = {
  base: "tiny",
  datanets: ["1"],
  rank: 4,
  alpha: 8,
  targets: ["q_proj"],
  epochs: 2,
  lr: 0.01,
  seed: 1,
  seqLen: 16,
};

it.effect("bad training requests get their status and one line; the chain being down is named", () =>
  withFactory(async (url) => {
    const bases = (await fetch(`${url}/api/factory/bases`).then((r) => r.json())) as {
      bases: Array<{ name: string; layers: number; hidden: number }>;
      targets: string[];
    };
    expect(bases.bases).toEqual([{ name: "tiny", layers: 3, hidden: 48, vocab: 300, maxPositions: 32 }]);
    expect(bases.targets).toContain("down_proj");
    const jobs = `${url}/api/factory/jobs`;
    expect(await post(jobs, "{")).toEqual({ status: 400, message: "body is not JSON" });
    const rank = await post(jobs, JSON.stringify({ ...good, rank: 0 }));
    expect(rank.status).toBe(400);
    expect(rank.message).toMatch(/bad training request: .*between 1 and 64.*rank/);
    const target = await post(jobs, JSON.stringify({ ...good, targets: ["lm_head"] }));
    expect(target.status).toBe(400);
    expect(target.message).toContain("targets");
    const datanet = await post(jobs, JSON.stringify({ ...good, datanets: ["0x1"] }));
    expect(datanet.status).toBe(400);
    expect((await post(jobs, JSON.stringify({ ...good, datanets: [] }))).status).toBe(400);
    expect(await post(jobs, JSON.stringify({ ...good, base: "big" }))).toEqual({
      status: 404,
      message: 'unknown base model "big" (this server has: tiny)',
    });
    expect(await post(jobs, JSON.stringify({ ...good, seqLen: 33 }))).toEqual({
      status: 400,
      message: "seqLen 33 exceeds the base model's 32 positions",
    });
    expect((await post(jobs, JSON.stringify({ ...good, targets: ["q_proj", "q_proj"] }))).status).toBe(400);
    const down = await post(jobs, JSON.stringify(good));
    expect(down.status).toBe(502);
    expect(down.message).toContain("chain unreachable");
    const list = (await fetch(jobs).then((r) => r.json())) as { jobs: unknown[]; running: null };
    expect(list).toEqual({ jobs: [], running: null });
    expect(await fetch(`${jobs}/job-9`).then((r) => r.status)).toBe(404);
    expect((await post(`${jobs}/job-9/cancel`, "{}")).status).toBe(404);
    expect((await fetch(`${url}/api/factory/nothing`)).status).toBe(404);
  }),
);

it.effect("a restarted server shows earlier jobs: a training one as interrupted, a published one in the chat", () =>
  withFactory(
    async (url, jobsDir) => {
      const list = (await fetch(`${url}/api/factory/jobs`).then((r) => r.json())) as {
        jobs: Array<{ id: string; status: string; pointCount: number }>;
      };
      expect(list.jobs.map((j) => [j.id, j.status, j.pointCount])).toEqual([
        ["job-2", "interrupted", 2],
        ["job-1", "published", 2],
      ]);
      const onDisk = JSON.parse(await readFile(path.join(jobsDir, "job-2", "job.json"), "utf8")) as Job;
      expect(onDisk.status).toBe("interrupted");
      expect(onDisk.points).toEqual(earlierJob(2, "training", false).points);
      const config = (await fetch(`${url}/api/config`).then((r) => r.json())) as {
        models: Record<string, string>;
        factory: boolean;
      };
      expect(config.factory).toBe(true);
      expect(config.models["factory-1"]).toBe("12");
      // a published job is not published again, nor resumed; an interrupted one is not cancelled
      expect((await post(`${url}/api/factory/jobs/job-1/serve`, JSON.stringify({ modelId: "13" }))).status).toBe(409);
      expect((await post(`${url}/api/factory/jobs/job-1/resume`, "{}")).status).toBe(409);
      expect((await post(`${url}/api/factory/jobs/job-2/cancel`, "{}")).status).toBe(409);
    },
    async (jobsDir) => {
      for (const job of [earlierJob(1, "published", true), earlierJob(2, "training", false)]) {
        await mkdir(path.join(jobsDir, job.id));
        await writeFile(path.join(jobsDir, job.id, "job.json"), JSON.stringify(job));
      }
      // not a job this server wrote: ignored
      await mkdir(path.join(jobsDir, "job-7"));
      await writeFile(path.join(jobsDir, "job-7", "job.json"), '{"id": 7}');
    },
  ),
);

it.effect("a server without a factory says so", () =>
  Effect.gen(function* () {
    const root = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(path.join(tmpdir(), "poa-web-nofactory-"))),
      (d) => Effect.promise(() => rm(d, { recursive: true, force: true })),
    );
    const web = yield* serveWeb({ distDir: root, chainId: 31337, deployments, rpcUrl: "http://127.0.0.1:1" });
    const answer = yield* Effect.promise(() => fetch(`${web.url}/api/factory/jobs`));
    expect(answer.status).toBe(503);
    expect(((yield* Effect.promise(() => answer.json())) as { error: { message: string } }).error.message).toContain(
      "no model factory configured",
    );
  }).pipe(Effect.scoped),
);
