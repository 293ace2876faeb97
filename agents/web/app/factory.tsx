/**
 * The Model Factory: choose a base model and datanets, set the main hyperparameters, train (the loss
 * curve streams in), publish (registered in ModelRegistry, signed in the page by a demo key or a browser
 * wallet, then handed to the operator by the server), then chat with it.
 */
import { useEffect, useState } from "preact/hooks";
import { createWalletClient, custom, type EIP1193Provider, type Hex, http, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { modelRegistryAbi, openTokenAbi } from "../../generated/contracts.ts";
import { LossChart } from "./charts.tsx";
import { Page, useLoad } from "./explorer.tsx";
import { type Config, chain, getJson, loadConfig, PageError, read, reloadConfig, short } from "./lib.ts";

interface Base {
  readonly name: string;
  readonly layers?: number;
  readonly hidden?: number;
  readonly vocab?: number;
  readonly error?: string;
}
interface Point {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
}
interface Job {
  readonly id: string;
  readonly createdAt: number;
  readonly params: {
    readonly base: string;
    readonly datanets: ReadonlyArray<string>;
    readonly rank: number;
    readonly alpha: number;
    readonly targets: ReadonlyArray<string>;
    readonly epochs: number;
    readonly lr: number;
    readonly seed: number;
    readonly batch: number;
  };
  readonly adapter: string;
  readonly status: string;
  readonly contributions: ReadonlyArray<{ readonly id: string; readonly datanetId: string }>;
  readonly steps: number;
  readonly points: ReadonlyArray<Point>;
  readonly error?: string;
  readonly result?: {
    readonly recordHash: Hex;
    readonly indexCommitment: Hex;
    readonly adapterHash: Hex;
    readonly baseModelHash: Hex;
    readonly baseName: string;
    readonly epochLoss: ReadonlyArray<number>;
    readonly examples: number;
  };
  readonly published?: { readonly modelId: string; readonly price: string };
}

const post = <T,>(url: string, body: unknown) =>
  getJson<T>(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;

const NewJob = () => {
  const { value, problem } = useLoad(
    () =>
      Promise.all([
        getJson<{ bases: ReadonlyArray<Base>; targets: ReadonlyArray<string> }>("/api/factory/bases"),
        getJson<{ datanets: ReadonlyArray<{ id: string; approved: number; bytes: number }> }>("/api/factory/datanets"),
      ]),
    [],
  );
  const [base, setBase] = useState("");
  const [datanets, setDatanets] = useState<ReadonlyArray<string>>([]);
  const [targets, setTargets] = useState<ReadonlyArray<string>>(["q_proj", "v_proj"]);
  const [numbers, setNumbers] = useState({ rank: "4", alpha: "8", epochs: "3", lr: "0.01", seed: "1", batch: "8" });
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const bases = value?.[0].bases ?? [];
  const chosenBase = base || bases[0]?.name || "";
  const toggle = (list: ReadonlyArray<string>, item: string, on: boolean) =>
    on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const job = await post<Job>("/api/factory/jobs", {
        base: chosenBase,
        datanets,
        targets,
        rank: Number(numbers.rank),
        alpha: Number(numbers.alpha),
        epochs: Number(numbers.epochs),
        lr: Number(numbers.lr),
        seed: Number(numbers.seed),
        batch: Number(numbers.batch),
      });
      location.hash = `#/factory/${job.id}`;
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const field = (name: keyof typeof numbers, label: string, hint: string) => (
    <label>
      {label}
      <input
        type="text"
        inputMode="decimal"
        value={numbers[name]}
        data-testid={`factory-${name}`}
        aria-describedby={`hint-${name}`}
        onInput={(e) => setNumbers({ ...numbers, [name]: (e.target as HTMLInputElement).value })}
      />
      <span class="muted small" id={`hint-${name}`}>
        {hint}
      </span>
    </label>
  );
  return (
    <section class="card" aria-labelledby="new-job">
      <h2 id="new-job">New fine-tune</h2>
      {problem !== undefined && (
        <p class="error" role="alert" data-testid="factory-load-error">
          {problem}
        </p>
      )}
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label>
          Base model
          <select value={chosenBase} data-testid="factory-base" onChange={(e) => setBase(e.currentTarget.value)}>
            {bases.map((b) => (
              <option key={b.name} value={b.name}>
                {b.name}
                {b.layers !== undefined ? ` (${b.layers} layers, hidden ${b.hidden})` : ""}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="wide">
          <legend>Datanets (approved contributions)</legend>
          {(value?.[1].datanets ?? []).map((d) => (
            <label key={d.id} class="check">
              <input
                type="checkbox"
                value={d.id}
                data-testid="factory-datanet"
                data-approved={d.approved}
                disabled={d.approved === 0}
                checked={datanets.includes(d.id)}
                onChange={(e) => setDatanets(toggle(datanets, d.id, e.currentTarget.checked))}
              />
              datanet {d.id}: {d.approved} approved ({d.bytes} bytes)
            </label>
          ))}
        </fieldset>
        {field("rank", "LoRA rank r", "1–64")}
        {field("alpha", "LoRA alpha", "scale alpha / r")}
        {field("epochs", "Epochs", "passes over the data")}
        {field("lr", "Learning rate", "Adam")}
        {field("batch", "Batch", "examples per step")}
        {field("seed", "Seed", "same seed, same adapter bytes")}
        <fieldset class="wide">
          <legend>Target projections</legend>
          {(value?.[0].targets ?? []).map((t) => (
            <label key={t} class="check">
              <input
                type="checkbox"
                value={t}
                data-testid="factory-target"
                checked={targets.includes(t)}
                onChange={(e) => setTargets(toggle(targets, t, e.currentTarget.checked))}
              />
              {t}
            </label>
          ))}
        </fieldset>
        <div class="wide">
          <button type="submit" disabled={busy || chosenBase === ""} data-testid="factory-start">
            Start training
          </button>
        </div>
      </form>
      {error !== undefined && (
        <p class="error" role="alert" data-testid="factory-error">
          {error}
        </p>
      )}
    </section>
  );
};

/** Follows a job over SSE: a snapshot, then a point per step and the job on every status change. */
const useJob = (id: string) => {
  const [job, setJob] = useState<Job>();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    let current: Job | undefined;
    const source = new EventSource(`/api/factory/jobs/${id}/events`);
    source.onmessage = (event) => {
      const m = JSON.parse(event.data as string) as
        | { type: "snapshot"; job: Job }
        | { type: "point"; point: Point; steps: number }
        | { type: "status"; job: Job };
      if (m.type === "snapshot") current = m.job;
      else if (current === undefined) return;
      else if (m.type === "point")
        current = {
          ...current,
          steps: m.steps,
          points: [...current.points.filter((p) => p.step < m.point.step), m.point],
        };
      else current = { ...m.job, points: current.points };
      setJob(current);
      setProblem(undefined);
    };
    source.onerror = () => {
      // EventSource reconnects by itself; a job that does not exist answers 404 and stays closed
      if (source.readyState === EventSource.CLOSED)
        getJson<Job>(`/api/factory/jobs/${id}`).then(setJob, (e: unknown) => setProblem(message(e)));
    };
    return () => source.close();
  }, [id]);
  return { job, problem };
};

const BPS_DEFAULT = "2000,2000,5000,500,500";
const ZERO32: Hex = `0x${"00".repeat(32)}`;

const Publish = ({ job, config }: { job: Job; config: Config }) => {
  const injected = (globalThis as { ethereum?: EIP1193Provider }).ethereum;
  const builders = config.demoAccounts;
  const [account, setAccount] = useState(
    builders.find((a) => a.name === "builder")?.address ?? builders[0]?.address ?? "wallet",
  );
  const [price, setPrice] = useState("0.01");
  const [stakeAmount, setStake] = useState("10");
  const [split, setSplit] = useState(BPS_DEFAULT);
  const [steps, setSteps] = useState<ReadonlyArray<string>>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const result = job.result!;
  const publish = async () => {
    setBusy(true);
    setError(undefined);
    const log: string[] = [];
    const say = (line: string) => {
      log.push(line);
      setSteps([...log]);
    };
    try {
      const parts = split.split(",").map((s) => Number(s.trim()));
      if (
        parts.length !== 5 ||
        parts.some((n) => !Number.isInteger(n) || n < 0) ||
        parts.reduce((a, b) => a + b) !== 10_000
      )
        throw new PageError(
          "split: five whole basis points (operator, owner, data, attributor, protocol) summing to 10000",
        );
      const [operatorBps, ownerBps, dataBps, attributorBps, protocolBps] = parts as [
        number,
        number,
        number,
        number,
        number,
      ];
      let priceWei: bigint;
      let stakeWei: bigint;
      try {
        priceWei = parseUnits(price, 18);
        stakeWei = parseUnits(stakeAmount || "0", 18);
      } catch {
        throw new PageError("price and stake are OPEN amounts like 0.01");
      }
      const chainConfig = {
        id: config.chainId,
        name: "local",
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [`${location.origin}/api/rpc`] } },
      };
      const key = builders.find((a) => a.address === account)?.key;
      if (key === undefined && injected === undefined)
        throw new PageError("no wallet: choose a demo account or install one");
      const wallet =
        key !== undefined
          ? createWalletClient({
              account: privateKeyToAccount(key),
              transport: http(`${location.origin}/api/rpc`),
              chain: chainConfig,
            })
          : createWalletClient({
              account: (await createWalletClient({ transport: custom(injected!) }).requestAddresses())[0]!,
              transport: custom(injected!),
              chain: chainConfig,
            });
      const registry = config.contracts.modelRegistry;
      const send = async (what: string, write: () => Promise<Hex>) => {
        const hash = await read(what, write);
        const receipt = await chain().waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new PageError(`${what}: transaction ${short(hash)} reverted`);
        return receipt;
      };
      const registered = async (what: string, args: Parameters<typeof registerArgs>[0]) => {
        const receipt = await send(what, () =>
          wallet.writeContract({
            address: registry,
            abi: modelRegistryAbi,
            functionName: "registerModel",
            args: [registerArgs(args)],
          }),
        );
        const [event] = parseEventLogs({ abi: modelRegistryAbi, eventName: "ModelRegistered", logs: receipt.logs });
        if (event === undefined) throw new PageError(`${what}: no ModelRegistered event`);
        return event.args.modelId;
      };
      const registerAdapter = async (): Promise<bigint> => {
        // the base model: one already registered for these weights, else register it (no datanets, data share 0)
        const count = await read("model count", () =>
          chain().readContract({ address: registry, abi: modelRegistryAbi, functionName: "modelCount" }),
        );
        let parent: bigint | undefined;
        for (let id = count; id >= 1n && id > count - 200n; id--) {
          const m = await read(`model ${id}`, () =>
            chain().readContract({ address: registry, abi: modelRegistryAbi, functionName: "getModel", args: [id] }),
          );
          if (
            m.baseModelHash.toLowerCase() === result.baseModelHash &&
            m.adapterHash === ZERO32 &&
            m.parentModelId === 0n &&
            m.retiredAt === 0n
          ) {
            parent = id;
            break;
          }
        }
        if (parent === undefined) {
          say("registering the base model…");
          parent = await registered("register base model", {
            baseModelHash: result.baseModelHash,
            adapterHash: ZERO32,
            parentModelId: 0n,
            datanetIds: [],
            attributionIndexCommitment: ZERO32,
            split: { operatorBps: 3000, ownerBps: 6500, dataBps: 0, attributorBps: 250, protocolBps: 250 },
            price: 0n,
            metadataURI: `poa-factory:base=${result.baseName}`,
          });
        }
        say(`base model ${parent}; registering the adapter…`);
        return registered("register adapter", {
          baseModelHash: result.baseModelHash,
          adapterHash: result.adapterHash,
          parentModelId: parent,
          datanetIds: job.params.datanets.map(BigInt),
          attributionIndexCommitment: result.indexCommitment,
          split: { operatorBps, ownerBps, dataBps, attributorBps, protocolBps },
          price: priceWei,
          metadataURI: `poa-factory:training-record=${result.recordHash}`,
        });
      };
      // what this browser already did for this run (a retry after a failed step must not register it twice)
      const progressKey = `poa-factory:${job.id}:${result.recordHash}`;
      const done = JSON.parse(localStorage.getItem(progressKey) ?? "{}") as { modelId?: string; staked?: boolean };
      const remember = () => localStorage.setItem(progressKey, JSON.stringify(done));
      let modelId: bigint;
      if (done.modelId !== undefined) {
        modelId = BigInt(done.modelId);
        say(`model ${modelId} was registered from this page before`);
      } else {
        modelId = await registerAdapter();
        done.modelId = modelId.toString();
        remember();
      }
      if (stakeWei > 0n && done.staked !== true) {
        say(`model ${modelId} registered; staking ${stakeAmount} OPEN…`);
        await send("approve OPEN", () =>
          wallet.writeContract({
            address: config.contracts.openToken,
            abi: openTokenAbi,
            functionName: "approve",
            args: [registry, stakeWei],
          }),
        );
        await send("stake", () =>
          wallet.writeContract({
            address: registry,
            abi: modelRegistryAbi,
            functionName: "stake",
            args: [modelId, stakeWei],
          }),
        );
        done.staked = true;
        remember();
      }
      say(`model ${modelId} registered; the operator loads the adapter…`);
      await post<Job>(`/api/factory/jobs/${job.id}/serve`, { modelId: modelId.toString() });
      await reloadConfig();
      say(`served as ${job.adapter} (model ${modelId})`);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="publish">
      <h2 id="publish">Publish</h2>
      <p class="muted">
        Registers the adapter in ModelRegistry (method gradient, its datanets, the index commitment, the training
        record's hash in its metadata URI), stakes, and hands it to the operator.
      </p>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          void publish();
        }}
      >
        <label>
          Sign with
          <select value={account} data-testid="publish-account" onChange={(e) => setAccount(e.currentTarget.value)}>
            {builders.map((a) => (
              <option key={a.address} value={a.address}>
                {a.name} ({short(a.address)})
              </option>
            ))}
            {injected !== undefined && <option value="wallet">browser wallet</option>}
          </select>
        </label>
        <label>
          Price per request (OPEN)
          <input
            type="text"
            inputMode="decimal"
            value={price}
            data-testid="publish-price"
            onInput={(e) => setPrice(e.currentTarget.value)}
          />
        </label>
        <label>
          Stake (OPEN)
          <input
            type="text"
            inputMode="decimal"
            value={stakeAmount}
            data-testid="publish-stake"
            onInput={(e) => setStake(e.currentTarget.value)}
          />
        </label>
        <label>
          Fee split (bps: operator, owner, data, attributor, protocol)
          <input
            type="text"
            value={split}
            data-testid="publish-split"
            onInput={(e) => setSplit(e.currentTarget.value)}
          />
        </label>
        <div class="wide">
          <button type="submit" disabled={busy} data-testid="publish">
            Publish
          </button>
        </div>
      </form>
      <ul role="status" data-testid="publish-status">
        {steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      {error !== undefined && (
        <p class="error" role="alert" data-testid="publish-error">
          {error}
        </p>
      )}
    </section>
  );
};

const registerArgs = (a: {
  baseModelHash: Hex;
  adapterHash: Hex;
  parentModelId: bigint;
  datanetIds: ReadonlyArray<bigint>;
  attributionIndexCommitment: Hex;
  split: { operatorBps: number; ownerBps: number; dataBps: number; attributorBps: number; protocolBps: number };
  price: bigint;
  metadataURI: string;
}) => ({ ...a, datanetIds: [...a.datanetIds], method: 1 });

const JobView = ({ id, onStatus }: { id: string; onStatus: (status: string) => void }) => {
  const { job, problem } = useJob(id);
  useEffect(() => {
    if (job !== undefined) onStatus(`${job.id}:${job.status}`);
  }, [job?.status]);
  const [config, setConfig] = useState<Config>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    loadConfig().then(setConfig, (e: unknown) => setError(message(e)));
  }, []);
  const act = (action: "cancel" | "resume") =>
    post<Job>(`/api/factory/jobs/${id}/${action}`, {}).then(
      () => setError(undefined),
      (e: unknown) => setError(message(e)),
    );
  if (job === undefined)
    return problem !== undefined ? (
      <p class="error" role="alert" data-testid="page-error">
        {problem}
      </p>
    ) : (
      <p>Loading {id}…</p>
    );
  const last = job.points[job.points.length - 1];
  const running = job.status === "training" || job.status === "indexing";
  return (
    <section class="card" aria-labelledby="job-title" data-testid="job" data-job={job.id}>
      <h2 id="job-title">
        {job.id}: {job.adapter}
      </h2>
      <dl class="facts">
        <dt>status</dt>
        <dd>
          {/* announced on status changes only, not on every step */}
          <span data-testid="job-status" data-status={job.status} role="status">
            {job.status}
            {job.status === "indexing" && " — gradient index over the checkpoints"}
          </span>
          {job.status === "training" &&
            last !== undefined &&
            ` — step ${last.step} of ${job.steps}, epoch ${last.epoch + 1} of ${job.params.epochs}`}
        </dd>
        <dt>base, data</dt>
        <dd>
          {job.params.base}; datanet {job.params.datanets.join(", ")} ({job.contributions.length} contributions
          {job.result !== undefined ? `, ${job.result.examples} examples` : ""})
        </dd>
        <dt>hyperparameters</dt>
        <dd>
          r {job.params.rank}, alpha {job.params.alpha}, {job.params.targets.join(" ")}, {job.params.epochs} epochs, lr{" "}
          {job.params.lr}, batch {job.params.batch}, seed {job.params.seed}
        </dd>
        {job.result !== undefined && (
          <>
            <dt>training record</dt>
            <dd class="mono" data-testid="record-hash">
              {job.result.recordHash}
            </dd>
            <dt>index commitment</dt>
            <dd class="mono">{job.result.indexCommitment}</dd>
          </>
        )}
        {job.published !== undefined && (
          <>
            <dt>model</dt>
            <dd data-testid="published-model" data-model={job.published.modelId}>
              {job.published.modelId} (served as {job.adapter})
            </dd>
          </>
        )}
      </dl>
      {job.steps > 0 && (
        <progress max={job.steps} value={last?.step ?? 0} aria-label="training progress">
          {last?.step ?? 0} / {job.steps}
        </progress>
      )}
      <LossChart points={job.points} steps={job.steps} />
      {job.error !== undefined && (
        <p class="error" role="alert" data-testid="job-error">
          {job.error}
        </p>
      )}
      {running && (
        <button type="button" onClick={() => void act("cancel")} data-testid="cancel">
          Cancel
        </button>
      )}
      {(job.status === "cancelled" || job.status === "failed" || job.status === "interrupted") && (
        <button type="button" onClick={() => void act("resume")} data-testid="resume">
          Resume
        </button>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {job.status === "trained" && config !== undefined && <Publish job={job} config={config} />}
      {job.published !== undefined && (
        <p>
          <a class="button" href={`#/chat/${job.adapter}`} data-testid="chat-with-it">
            Chat with it
          </a>
        </p>
      )}
    </section>
  );
};

/** Every job; reloaded when the job on the page changes status, and every few seconds. */
const Jobs = ({ version }: { version: string }) => {
  const { value, problem } = useLoad(() => getJson<{ jobs: ReadonlyArray<Job> }>("/api/factory/jobs"), [version], 5000);
  if (problem !== undefined)
    return (
      <p class="error" role="alert">
        {problem}
      </p>
    );
  if (value === undefined || value.jobs.length === 0) return null;
  return (
    <section aria-labelledby="jobs">
      <h2 id="jobs">Jobs</h2>
      <ul>
        {value.jobs.map((j) => (
          <li key={j.id} data-testid="job-link">
            <a href={`#/factory/${j.id}`}>{j.id}</a> — {j.status}, datanet {j.params.datanets.join(", ")}
            {j.published !== undefined ? `, model ${j.published.modelId}` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
};

export const Factory = ({ jobId }: { jobId?: string | undefined }) => {
  const { value, problem } = useLoad(loadConfig, []);
  const [seen, setSeen] = useState("");
  return (
    <Page
      title="Model Factory"
      problem={problem ?? (value !== undefined && !value.factory ? "this server runs no model factory" : undefined)}
    >
      {jobId !== undefined && <JobView key={jobId} id={jobId} onStatus={setSeen} />}
      <NewJob />
      <Jobs version={seen} />
    </Page>
  );
};
