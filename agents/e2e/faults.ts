/**
 * Fault tools for the multi-process end-to-end test (agents/e2e/processes.e2e.test.ts):
 *
 * - `seeded(seed)`: a small deterministic PRNG, so a failing run can be replayed with its seed;
 * - `TcpProxy`: a TCP forwarder in front of the RPC endpoint that the test can cut (every open
 *   connection reset, new ones refused: the port is closed) and restore;
 * - `AgentProcess`: one `poa …` command as a real OS process (`node --import tsx agents/cli/main.ts`),
 *   its output kept in a log file, which the test can `kill -9` and start again with the same flags;
 * - `reorg(rpcUrl, depth)`: anvil's `anvil_reorg`, replacing the last `depth` blocks with empty ones.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Data, Effect } from "effect";

export class FaultError extends Data.TaggedError("FaultError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** mulberry32: 32-bit state, good enough to pick fault times and victims reproducibly. */
export const seeded = (seed: number) => {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    /** An integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!,
  };
};

/**
 * Forwards 127.0.0.1:<port> to a target port. `cut()` closes the listening socket and resets every
 * forwarded connection, so clients see ECONNREFUSED / ECONNRESET until `restore()` listens again on
 * the same port.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private constructor(private readonly targetPort: number) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  static async start(targetPort: number, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    proxy.boundPort = await proxy.listen(port);
    return proxy;
  }

  private listen(port: number): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, "127.0.0.1");
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address !== null ? address.port : port);
      });
    });
  }

  /** The endpoint becomes unreachable: listener closed, open connections reset. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    if (this.server === undefined) await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

/** `TcpProxy.start` as a scoped resource. */
export const tcpProxy = (targetPort: number) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => TcpProxy.start(targetPort),
      catch: (cause) => new FaultError({ message: "cannot start the RPC proxy", cause }),
    }),
    (proxy) => Effect.promise(() => proxy.close()),
  );

export interface AgentProcessOptions {
  readonly name: string;
  /** Arguments after `poa`, e.g. ["attributor", "run", "--rpc-url", …]. */
  readonly args: ReadonlyArray<string>;
  readonly env?: Readonly<Record<string, string>>;
  /** Everything the process prints goes here (appended across restarts). */
  readonly logFile: string;
  /** A line that says the process is serving; its first capture group is kept as `ready`. */
  readonly ready: RegExp;
}

/** One `poa` command as a real OS process that can be killed with SIGKILL and started again. */
export class AgentProcess {
  private child: ChildProcess | undefined;
  /** How many times the process was started. */
  starts = 0;
  /** The `ready` capture of the latest start. */
  ready = "";
  private output = "";

  constructor(readonly options: AgentProcessOptions) {
    writeFileSync(options.logFile, "");
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Output of the current run (the log file holds every run). */
  get log(): string {
    return this.output;
  }

  /** Starts the process and waits for its ready line (fails if it exits first or after `timeoutMs`). */
  start(timeoutMs = 90_000): Promise<string> {
    this.starts++;
    this.output = "";
    const child = spawn(process.execPath, ["--import", "tsx", "agents/cli/main.ts", ...this.options.args], {
      env: { ...process.env, ...this.options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    appendFileSync(this.options.logFile, `\n===== start ${this.starts} (pid ${child.pid}) =====\n`);
    const record = (d: Buffer) => {
      const text = d.toString();
      this.output += text;
      appendFileSync(this.options.logFile, text);
    };
    child.stdout?.on("data", record);
    child.stderr?.on("data", record);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.options.name} not ready after ${timeoutMs} ms: ${this.output.slice(-1500)}`));
      }, timeoutMs);
      const check = () => {
        const m = this.options.ready.exec(this.output);
        if (m !== null) {
          clearTimeout(timer);
          child.stdout?.off("data", check);
          child.stderr?.off("data", check);
          this.ready = m[1] ?? m[0];
          resolve(this.ready);
        }
      };
      child.stdout?.on("data", check);
      child.stderr?.on("data", check);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.options.name} exited (${code ?? signal}) before ready: ${this.output.slice(-1500)}`));
      });
    });
  }

  /** Waits for the current run to end (a command that finishes, e.g. `factory train`): its exit code. */
  exited(): Promise<number | null> {
    const child = this.child;
    if (child === undefined) return Promise.resolve(null);
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** kill -9, and wait until the process is gone. */
  kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    appendFileSync(this.options.logFile, `\n===== kill -9 ${child.pid} =====\n`);
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** Stops the process for good (the test's scope closing). */
  stop(): Promise<void> {
    return this.kill9();
  }
}

/** An AgentProcess killed when the scope closes. */
export const agentProcess = (options: AgentProcessOptions) =>
  Effect.acquireRelease(
    Effect.sync(() => new AgentProcess(options)),
    (p) => Effect.promise(() => p.stop()),
  );

/** anvil_reorg: the last `depth` blocks are replaced by as many empty ones (their transactions are gone). */
export const reorg = (rpcUrl: string, depth: number) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_reorg", params: [depth, []] }),
      });
      const body = (await response.json()) as { readonly error?: { readonly message: string } };
      if (body.error !== undefined) throw new Error(body.error.message);
    },
    catch: (cause) => new FaultError({ message: `anvil_reorg ${depth} failed: ${String(cause)}`, cause }),
  });
