/** What every page shares: the server's config, a viem client over /api/rpc, typed reads, the fee split. */
import { type Address, createPublicClient, formatUnits, type Hex, http, type PublicClient } from "viem";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  disputeGameAbi,
  modelRegistryAbi,
} from "../../generated/contracts.ts";

export interface DemoAccount {
  readonly name: string;
  readonly address: Address;
  readonly key: Hex;
}

export interface Config {
  readonly chainId: number;
  readonly contracts: {
    readonly openToken: Address;
    readonly datanetRegistry: Address;
    readonly modelRegistry: Address;
    readonly paymentEscrow: Address | null;
    readonly attributionLedger: Address | null;
    readonly disputeGame: Address | null;
  };
  readonly deployBlock: number;
  readonly operator: boolean;
  readonly attributor: boolean;
  readonly demoAccounts: ReadonlyArray<DemoAccount>;
  readonly models: Readonly<Record<string, string>>;
  readonly operatorAddress: Address;
  readonly chatParams: Readonly<Record<string, unknown>>;
  /** Whether the server runs the Model Factory (agents/web/factory.ts). */
  readonly factory: boolean;
}

/** A failure the page shows as one line. */
export class PageError extends Error {}

/** Reads an /api JSON answer; a non-2xx answer becomes a PageError carrying the server's one line. */
export const getJson = async <T>(url: string, init?: RequestInit): Promise<T> => {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new PageError(`cannot reach the Open Chat server (${url})`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PageError(`${url}: HTTP ${response.status}, not JSON`);
  }
  if (!response.ok) throw new PageError(errorLine(body) ?? `${url}: HTTP ${response.status}`);
  return body as T;
};

/** The message of `{error: "…"}` or OpenAI's `{error: {message}}`. */
export const errorLine = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return undefined;
};

let configPromise: Promise<Config> | undefined;
export const loadConfig = (): Promise<Config> => {
  configPromise ??= getJson<Config>("/api/config");
  return configPromise;
};
/** Forgets the cached config (the served models change when the factory publishes an adapter). */
export const reloadConfig = (): Promise<Config> => {
  configPromise = undefined;
  return loadConfig();
};

let client: PublicClient | undefined;
export const chain = (): PublicClient => {
  client ??= createPublicClient({
    transport: http(`${location.origin}/api/rpc`, { retryCount: 0, timeout: 10_000 }),
    // waiting for a transaction's receipt (Withdraw, Publish) polls at this interval (viem's default: 4 s)
    pollingInterval: 500,
  }) as PublicClient;
  return client;
};

/** A chain read whose failure reads as one line ("chain unreachable" when the RPC is down). */
export const read = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
  try {
    return await f();
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const details = (cause as { details?: string }).details;
    const line = (details ?? message).split("\n")[0] ?? message;
    throw new PageError(
      `${what}: ${/unreachable|fetch|HTTP request failed/i.test(line) ? `chain unreachable (${line})` : line}`,
    );
  }
};

export const open = (wei: bigint, digits = 6): string => {
  const [whole, frac = ""] = formatUnits(wei, 18).split(".");
  return frac.length === 0 ? whole! : `${whole}.${frac.slice(0, digits).replace(/0+$/, "") || "0"}`;
};

export const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;

export const CLAIM_STATUS = ["none", "pending", "final", "void"] as const;
export const GAME_STATUS = ["none", "in progress", "claimant won", "challenger won", "refunded"] as const;
export const CONTRIBUTION_STATUS = ["none", "pending", "approved", "rejected", "withdrawn"] as const;
export const METHODS = ["suffix", "gradient"] as const;

export const ledger = async () => {
  const c = await loadConfig();
  if (c.contracts.attributionLedger === null) throw new PageError("this deployment has no AttributionLedger");
  return c.contracts.attributionLedger;
};

export const readModel = async (modelId: bigint) => {
  const c = await loadConfig();
  return read(`model ${modelId}`, () =>
    chain().readContract({
      address: c.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "getModel",
      args: [modelId],
    }),
  );
};

export const readContribution = async (id: bigint) => {
  const c = await loadConfig();
  return read(`contribution ${id}`, () =>
    chain().readContract({
      address: c.contracts.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getContribution",
      args: [id],
    }),
  );
};

export const readDatanet = async (id: bigint) => {
  const c = await loadConfig();
  return read(`datanet ${id}`, () =>
    chain().readContract({
      address: c.contracts.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getDatanet",
      args: [id],
    }),
  );
};

export const readClaim = async (id: bigint) => {
  const address = await ledger();
  return read(`claim ${id}`, () =>
    chain().readContract({ address, abi: attributionLedgerAbi, functionName: "claim", args: [id] }),
  );
};

export const readWithdrawn = async (account: Address) => {
  const address = await ledger();
  return read("withdrawn", () =>
    chain().readContract({ address, abi: attributionLedgerAbi, functionName: "withdrawn", args: [account] }),
  );
};

export const challengeWindow = async () => {
  const address = await ledger();
  return read("challenge window", () =>
    chain().readContract({ address, abi: attributionLedgerAbi, functionName: "CHALLENGE_WINDOW" }),
  );
};

export const latestTime = async () =>
  read("latest block", async () => (await chain().getBlock({ blockTag: "latest" })).timestamp);

/** Every game opened against a claim, with its moves (positions unpacked: [lo, hi)). */
export const gamesOf = async (claimId: bigint) => {
  const c = await loadConfig();
  const address = c.contracts.disputeGame;
  if (address === null) return [];
  const fromBlock = BigInt(c.deployBlock);
  const opened = await read("dispute games", () =>
    chain().getContractEvents({ address, abi: disputeGameAbi, eventName: "GameOpened", args: { claimId }, fromBlock }),
  );
  return Promise.all(
    opened.map(async (event) => {
      const gameId = event.args.gameId!;
      const [game, bisected, responded, stepped] = await Promise.all([
        read("game", () =>
          chain().readContract({ address, abi: disputeGameAbi, functionName: "game", args: [gameId] }),
        ),
        read("moves", () =>
          chain().getContractEvents({
            address,
            abi: disputeGameAbi,
            eventName: "Bisected",
            args: { gameId },
            fromBlock,
          }),
        ),
        read("moves", () =>
          chain().getContractEvents({
            address,
            abi: disputeGameAbi,
            eventName: "Responded",
            args: { gameId },
            fromBlock,
          }),
        ),
        read("moves", () =>
          chain().getContractEvents({
            address,
            abi: disputeGameAbi,
            eventName: "Stepped",
            args: { gameId },
            fromBlock,
          }),
        ),
      ]);
      const ranges = [event.args.position!, ...responded.map((r) => r.args.position!)].map(unpack);
      return {
        gameId,
        status: GAME_STATUS[game.status] ?? String(game.status),
        challenger: game.challenger,
        ranges,
        bisections: bisected.length,
        steppedAt: stepped[0]?.args.index,
        current: unpack(game.position),
      };
    }),
  );
};

export const unpack = (position: bigint) => ({ lo: position >> 64n, hi: position & ((1n << 64n) - 1n) });

/** docs/protocol.md §4: one receipt's fee split (floor division; all rounding dust to the protocol). */
export const feeSplit = (
  fee: bigint,
  split: { operatorBps: number; ownerBps: number; attributorBps: number; protocolBps: number },
  entries: ReadonlyArray<{ contributionId: bigint; weight: number }>,
) => {
  const bps = (share: number) => (fee * BigInt(share)) / 10_000n;
  const operator = bps(split.operatorBps);
  const owner = bps(split.ownerBps);
  const attributor = bps(split.attributorBps);
  const protocol = bps(split.protocolBps);
  const data = fee - operator - owner - attributor - protocol;
  const contributions = entries.map((e) => ({ ...e, amount: (data * BigInt(e.weight)) / 1_000_000n }));
  const dust = data - contributions.reduce((s, c) => s + c.amount, 0n);
  return { operator, owner, attributor, protocol: protocol + dust, data, contributions };
};
