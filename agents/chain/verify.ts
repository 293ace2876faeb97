/**
 * `poa deployments verify`: checks a deployment on chain against the build and its preset
 * (docs/deploy-opstack.md §4). Every check is one line of the report; any failing check makes the
 * command exit non-zero.
 *
 * - code: each contract's runtime code equals the forge artifact's `deployedBytecode`, the bytes of
 *   its immutables masked (their values are checked through the getters below);
 * - addresses: each CREATE2 address is the standard deployer's for the preset's salt and the build's
 *   init code with the expected constructor arguments, and the escrow, ledger and game are the
 *   CoreDeployer's CREATE 1, 2 and 3, so the addresses themselves prove what was deployed;
 * - wiring: every cross-contract reference; parameters: every constructor value against the preset;
 * - the token's supply is its fixed maximum.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Data, Effect, Schema } from "effect";
import {
  type Abi,
  type AbiEvent,
  type Address,
  createPublicClient,
  encodeAbiParameters,
  encodeDeployData,
  getContractAddress,
  type Hex,
  http,
  isAddressEqual,
  keccak256,
  parseAbi,
  parseAbiItem,
} from "viem";
import {
  attributionLedgerAbi,
  disputeGameAbi,
  evidenceGameAbi,
  modelRegistryAbi,
  openTokenAbi,
  paymentEscrowAbi,
} from "../generated/contracts.ts";
import { type Deployments, loadDeployments } from "./Deployments.ts";

/** The deterministic deployment proxy every CREATE2 of script/Deploy.s.sol goes through. */
export const CREATE2_DEPLOYER: Address = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
/** OpenToken's fixed supply: 1,000,000,000 OPEN with 18 decimals (src/OpenToken.sol). */
export const OPEN_SUPPLY = 1_000_000_000n * 10n ** 18n;

export class VerifyError extends Data.TaggedError("VerifyError")<{ readonly message: string }> {}

/** A decimal integer given as a JSON number or a decimal string (big values do not fit a double). */
const Uint = Schema.Union([Schema.Number, Schema.String]);

/** A preset file (script/presets/<name>.json, docs/deploy-opstack.md §2). */
export const PresetFile = Schema.Struct({
  name: Schema.String,
  salt: Schema.String,
  modelRegistry: Schema.Struct({ minStake: Uint, unstakeDelay: Uint }),
  ledger: Schema.Struct({
    challengeWindow: Uint,
    maxReferenceLag: Uint,
    unbondDelay: Uint,
    claimBond: Uint,
    maxEntries: Uint,
    burnBps: Uint,
  }),
  escrow: Schema.Struct({ withdrawalNotice: Uint }),
  dispute: Schema.Struct({ maxClockDuration: Uint, clockExtension: Uint, challengeBond: Uint, burnBps: Uint }),
  economics: Schema.Struct({ gasPriceWei: Uint, gameGas: Uint, openPerEth: Uint }),
});
export type PresetFile = typeof PresetFile.Type;

const big = (value: number | string, key: string): Effect.Effect<bigint, VerifyError> =>
  (typeof value === "number" ? Number.isSafeInteger(value) && value >= 0 : /^[0-9]+$/.test(value))
    ? Effect.succeed(BigInt(value))
    : Effect.fail(new VerifyError({ message: `preset ${key}: ${value} is not a non-negative integer` }));

/** The preset's values as bigints. */
export interface Preset {
  readonly name: string;
  readonly salt: Hex;
  readonly minStake: bigint;
  readonly unstakeDelay: bigint;
  readonly challengeWindow: bigint;
  readonly maxReferenceLag: bigint;
  readonly unbondDelay: bigint;
  readonly claimBond: bigint;
  readonly maxEntries: bigint;
  readonly ledgerBurnBps: bigint;
  readonly escrowNotice: bigint;
  readonly maxClockDuration: bigint;
  readonly clockExtension: bigint;
  readonly challengeBond: bigint;
  readonly gameBurnBps: bigint;
}

const readJson = (file: string, what: string) =>
  Effect.tryPromise({
    try: async () => JSON.parse(await readFile(file, "utf8")) as unknown,
    catch: () => new VerifyError({ message: `cannot read ${what} ${file} as JSON` }),
  });

export const loadPreset = (file: string) =>
  Effect.gen(function* () {
    const raw = yield* readJson(file, "preset file");
    const p = yield* Schema.decodeUnknownEffect(PresetFile)(raw).pipe(
      Effect.mapError((e) => new VerifyError({ message: `preset file ${file}: ${e.message}` })),
    );
    if (!/^0x[0-9a-fA-F]{64}$/.test(p.salt)) {
      return yield* new VerifyError({ message: `preset file ${file}: salt must be 32 bytes of hex` });
    }
    return {
      name: p.name,
      salt: p.salt as Hex,
      minStake: yield* big(p.modelRegistry.minStake, "modelRegistry.minStake"),
      unstakeDelay: yield* big(p.modelRegistry.unstakeDelay, "modelRegistry.unstakeDelay"),
      challengeWindow: yield* big(p.ledger.challengeWindow, "ledger.challengeWindow"),
      maxReferenceLag: yield* big(p.ledger.maxReferenceLag, "ledger.maxReferenceLag"),
      unbondDelay: yield* big(p.ledger.unbondDelay, "ledger.unbondDelay"),
      claimBond: yield* big(p.ledger.claimBond, "ledger.claimBond"),
      maxEntries: yield* big(p.ledger.maxEntries, "ledger.maxEntries"),
      ledgerBurnBps: yield* big(p.ledger.burnBps, "ledger.burnBps"),
      escrowNotice: yield* big(p.escrow.withdrawalNotice, "escrow.withdrawalNotice"),
      maxClockDuration: yield* big(p.dispute.maxClockDuration, "dispute.maxClockDuration"),
      clockExtension: yield* big(p.dispute.clockExtension, "dispute.clockExtension"),
      challengeBond: yield* big(p.dispute.challengeBond, "dispute.challengeBond"),
      gameBurnBps: yield* big(p.dispute.burnBps, "dispute.burnBps"),
    } satisfies Preset;
  });

const Artifact = Schema.Struct({
  abi: Schema.Array(Schema.Unknown),
  bytecode: Schema.Struct({ object: Schema.String }),
  deployedBytecode: Schema.Struct({
    object: Schema.String,
    immutableReferences: Schema.optional(
      Schema.Record(Schema.String, Schema.Array(Schema.Struct({ start: Schema.Number, length: Schema.Number }))),
    ),
  }),
});
type Artifact = typeof Artifact.Type;

const loadArtifact = (dir: string, contract: string) =>
  Effect.gen(function* () {
    const file = path.join(dir, `${contract}.sol`, `${contract}.json`);
    const raw = yield* readJson(file, "forge artifact (run `forge build` first)");
    return yield* Schema.decodeUnknownEffect(Artifact)(raw).pipe(
      Effect.mapError((e) => new VerifyError({ message: `forge artifact ${file}: ${e.message}` })),
    );
  });

/** Runtime code with every immutable's bytes zeroed (the compiler leaves zeros there in the artifact). */
export const maskImmutables = (code: Hex, artifact: Artifact): string => {
  const hex = code.slice(2).toLowerCase().split("");
  for (const refs of Object.values(artifact.deployedBytecode.immutableReferences ?? {})) {
    for (const { start, length } of refs) {
      for (let i = 2 * start; i < 2 * (start + length) && i < hex.length; i++) hex[i] = "0";
    }
  }
  return hex.join("");
};

export interface Check {
  readonly section: "code" | "address" | "wiring" | "parameter" | "token" | "chain";
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const coreDeployerAbi = parseAbi([
  "function ESCROW() view returns (address)",
  "function LEDGER() view returns (address)",
  "function GAME() view returns (address)",
]);

export interface VerifyOptions {
  readonly rpcUrl: string;
  readonly deploymentsFile: string;
  /** Overrides the preset file named in the deployments file. */
  readonly presetFile?: string;
  /** forge's output directory (default `out`). */
  readonly artifactsDir?: string;
}

const KEYS = [
  ["openToken", "OpenToken"],
  ["datanetRegistry", "DatanetRegistry"],
  ["modelRegistry", "ModelRegistry"],
  ["oneStepVerifier", "OneStepVerifier"],
  ["coreDeployer", "CoreDeployer"],
  ["paymentEscrow", "PaymentEscrow"],
  ["attributionLedger", "AttributionLedger"],
  ["disputeGame", "DisputeGame"],
  ["evidenceVerifier", "EvidenceVerifier"],
  ["evidenceViolations", "EvidenceViolations"],
  ["evidenceDefenses", "EvidenceDefenses"],
  ["evidenceGame", "EvidenceGame"],
] as const;
type Key = (typeof KEYS)[number][0];

const show = (v: unknown) => (typeof v === "string" ? v : String(v));
const same = (a: unknown, b: unknown) =>
  typeof a === "string" && typeof b === "string" && a.startsWith("0x") && a.length === 42 && b.length === 42
    ? isAddressEqual(a as Address, b as Address)
    : a === b;

/** Runs every check; fails only when the inputs cannot be read (a mismatch is a failing check, not an error). */
export const verifyDeployment = (options: VerifyOptions) =>
  Effect.gen(function* () {
    const deployments: Deployments = yield* loadDeployments(options.deploymentsFile).pipe(
      Effect.mapError((e) => new VerifyError({ message: e.message })),
    );
    const addresses = {} as Record<Key, Address>;
    for (const [key] of KEYS) {
      const value = deployments[key];
      if (value === undefined) {
        return yield* new VerifyError({
          message: `${options.deploymentsFile} has no ${key} (not written by script/Deploy.s.sol?)`,
        });
      }
      addresses[key] = value as string as Address;
    }
    const presetPath =
      options.presetFile ?? deployments.presetFile ?? `script/presets/${deployments.preset ?? "local"}.json`;
    const preset = yield* loadPreset(presetPath);
    const treasury = (deployments.treasury ?? deployments.deployer) as string as Address | undefined;
    if (treasury === undefined) return yield* new VerifyError({ message: "deployments file names no treasury" });
    const dir = options.artifactsDir ?? "out";
    const artifacts = {} as Record<Key, Artifact>;
    for (const [key, contract] of KEYS) artifacts[key] = yield* loadArtifact(dir, contract);

    const client = createPublicClient({ transport: http(options.rpcUrl, { retryCount: 2 }) });
    const rpc = <A>(what: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (e) => new VerifyError({ message: `${what}: ${String(e).split("\n")[0]}` }) });

    const checks: Check[] = [];
    const expect = (section: Check["section"], name: string, actual: unknown, expected: unknown) =>
      checks.push({
        section,
        name,
        ok: same(actual, expected),
        detail: same(actual, expected) ? show(actual) : `chain has ${show(actual)}, expected ${show(expected)}`,
      });

    const chainId = yield* rpc("eth_chainId", () => client.getChainId());
    expect("chain", "chain id", chainId, deployments.chainId);

    // --- code ---
    for (const [key, contract] of KEYS) {
      const code = (yield* rpc(`eth_getCode ${key}`, () => client.getCode({ address: addresses[key] }))) ?? "0x";
      const artifact = artifacts[key];
      const ok =
        code.length > 2 &&
        maskImmutables(code, artifact) === maskImmutables(artifact.deployedBytecode.object as Hex, artifact);
      checks.push({
        section: "code",
        name: `${contract} code`,
        ok,
        detail: ok
          ? `${(code.length - 2) / 2} bytes, keccak ${keccak256(code).slice(0, 10)}…`
          : code.length <= 2
            ? `no code at ${addresses[key]}`
            : `code at ${addresses[key]} differs from out/${contract}.sol`,
      });
    }

    // --- addresses: CREATE2 from the build's init code and the expected arguments ---
    const initCode = (key: Key, args: ReadonlyArray<unknown>) =>
      encodeDeployData({
        abi: artifacts[key].abi as Abi,
        bytecode: artifacts[key].bytecode.object as Hex,
        args: args as never,
      });
    // The salt the deploy used (DEPLOY_SALT may override the preset's): the deployment file records it.
    const salt = (deployments.salt ?? preset.salt) as Hex;
    if (!/^0x[0-9a-fA-F]{64}$/.test(salt)) {
      return yield* new VerifyError({ message: `${options.deploymentsFile}: salt must be 32 bytes of hex` });
    }
    const create2 = (init: Hex) =>
      getContractAddress({ opcode: "CREATE2", from: CREATE2_DEPLOYER, salt, bytecode: init });
    const a = addresses;
    expect(
      "address",
      "OpenToken = CREATE2(salt, init(treasury))",
      a.openToken,
      create2(initCode("openToken", [treasury])),
    );
    expect(
      "address",
      "DatanetRegistry = CREATE2(salt, init)",
      a.datanetRegistry,
      create2(initCode("datanetRegistry", [])),
    );
    expect(
      "address",
      "ModelRegistry = CREATE2(salt, init(token, datanets, stake rules))",
      a.modelRegistry,
      create2(initCode("modelRegistry", [a.openToken, a.datanetRegistry, preset.minStake, preset.unstakeDelay])),
    );
    expect(
      "address",
      "OneStepVerifier = CREATE2(salt, init)",
      a.oneStepVerifier,
      create2(initCode("oneStepVerifier", [])),
    );
    const coreArgs = [
      {
        token: a.openToken,
        escrow: "0x0000000000000000000000000000000000000000",
        contributions: a.datanetRegistry,
        models: a.modelRegistry,
        protocol: treasury,
        challengeWindow: preset.challengeWindow,
        maxReferenceLag: preset.maxReferenceLag,
        unbondDelay: preset.unbondDelay,
        claimBond: preset.claimBond,
        maxEntries: preset.maxEntries,
        burnBps: Number(preset.ledgerBurnBps),
      },
      preset.escrowNotice,
      {
        verifier: a.oneStepVerifier,
        maxClockDuration: preset.maxClockDuration,
        clockExtension: preset.clockExtension,
        challengeBond: preset.challengeBond,
        burnBps: Number(preset.gameBurnBps),
      },
    ];
    expect(
      "address",
      "CoreDeployer = CREATE2(salt, init(preset))",
      a.coreDeployer,
      create2(initCode("coreDeployer", coreArgs)),
    );
    const created = (nonce: bigint) => getContractAddress({ from: a.coreDeployer, nonce });
    expect("address", "PaymentEscrow = CoreDeployer CREATE 1", a.paymentEscrow, created(1n));
    expect("address", "AttributionLedger = CoreDeployer CREATE 2", a.attributionLedger, created(2n));
    expect("address", "DisputeGame = CoreDeployer CREATE 3", a.disputeGame, created(3n));
    expect(
      "address",
      "EvidenceVerifier = CREATE2(salt, init)",
      a.evidenceVerifier,
      create2(initCode("evidenceVerifier", [])),
    );
    const evidenceArgs = [
      a.openToken,
      a.attributionLedger,
      a.modelRegistry,
      a.evidenceVerifier,
      preset.maxClockDuration,
      preset.clockExtension,
      preset.challengeBond,
      Number(preset.gameBurnBps),
    ];
    expect(
      "address",
      "EvidenceViolations = CREATE2(salt, init(token, ledger, models, verifier, game parameters))",
      a.evidenceViolations,
      create2(initCode("evidenceViolations", evidenceArgs)),
    );
    expect(
      "address",
      "EvidenceDefenses = CREATE2(salt, init(token, ledger, models, verifier, game parameters))",
      a.evidenceDefenses,
      create2(initCode("evidenceDefenses", evidenceArgs)),
    );
    expect(
      "address",
      "EvidenceGame = CREATE2(salt, init(violations, defenses))",
      a.evidenceGame,
      create2(initCode("evidenceGame", [a.evidenceViolations, a.evidenceDefenses])),
    );

    // --- wiring and parameters, read from the chain ---
    // A getter that reverts (no such contract there) is a failing check, not an error of the command.
    const readOrRevert = (address: Address, abi: Abi, functionName: string) =>
      Effect.promise(() =>
        client.readContract({ address, abi, functionName }).then(
          (value): { readonly value: unknown } | { readonly reverted: string } => ({ value }),
          (e: unknown) => ({ reverted: String(e).split("\n")[0] ?? "reverted" }),
        ),
      );
    const wire = (name: string, address: Address, abi: Abi, fn: string, expected: unknown, section: Check["section"]) =>
      readOrRevert(address, abi, fn).pipe(
        Effect.map((r) =>
          "value" in r
            ? expect(section, `${name}.${fn}`, r.value, expected)
            : checks.push({ section, name: `${name}.${fn}`, ok: false, detail: `call failed at ${address}` }),
        ),
      );
    const ledgerAbi = attributionLedgerAbi as Abi;
    const gameAbi = disputeGameAbi as Abi;
    const evidenceAbi = evidenceGameAbi as Abi;
    const modelsAbi = modelRegistryAbi as Abi;
    const escrowAbi = paymentEscrowAbi as Abi;
    const coreAbi = coreDeployerAbi as Abi;
    yield* Effect.all(
      [
        wire("CoreDeployer", a.coreDeployer, coreAbi, "ESCROW", a.paymentEscrow, "wiring"),
        wire("CoreDeployer", a.coreDeployer, coreAbi, "LEDGER", a.attributionLedger, "wiring"),
        wire("CoreDeployer", a.coreDeployer, coreAbi, "GAME", a.disputeGame, "wiring"),
        wire("ModelRegistry", a.modelRegistry, modelsAbi, "OPEN_TOKEN", a.openToken, "wiring"),
        wire("ModelRegistry", a.modelRegistry, modelsAbi, "DATANET_REGISTRY", a.datanetRegistry, "wiring"),
        wire("ModelRegistry", a.modelRegistry, modelsAbi, "MIN_STAKE", preset.minStake, "parameter"),
        wire("ModelRegistry", a.modelRegistry, modelsAbi, "UNSTAKE_DELAY", preset.unstakeDelay, "parameter"),
        wire("PaymentEscrow", a.paymentEscrow, escrowAbi, "TOKEN", a.openToken, "wiring"),
        wire("PaymentEscrow", a.paymentEscrow, escrowAbi, "LEDGER", a.attributionLedger, "wiring"),
        wire("PaymentEscrow", a.paymentEscrow, escrowAbi, "NOTICE_PERIOD", preset.escrowNotice, "parameter"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "TOKEN", a.openToken, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "ESCROW", a.paymentEscrow, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "CONTRIBUTIONS", a.datanetRegistry, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "MODELS", a.modelRegistry, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "PROTOCOL", treasury, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "disputeGame", a.disputeGame, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "DEPLOYER", a.coreDeployer, "wiring"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "evidenceGame", a.evidenceGame, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "LEDGER", a.attributionLedger, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "MODELS", a.modelRegistry, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "TOKEN", a.openToken, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "VERIFIER", a.evidenceVerifier, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "VIOLATIONS", a.evidenceViolations, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "DEFENSES", a.evidenceDefenses, "wiring"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "MAX_CLOCK_DURATION", preset.maxClockDuration, "parameter"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "CLOCK_EXTENSION", preset.clockExtension, "parameter"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "CHALLENGE_BOND", preset.challengeBond, "parameter"),
        wire("EvidenceGame", a.evidenceGame, evidenceAbi, "BURN_BPS", Number(preset.gameBurnBps), "parameter"),
        wire(
          "AttributionLedger",
          a.attributionLedger,
          ledgerAbi,
          "CHALLENGE_WINDOW",
          preset.challengeWindow,
          "parameter",
        ),
        wire(
          "AttributionLedger",
          a.attributionLedger,
          ledgerAbi,
          "MAX_REFERENCE_LAG",
          preset.maxReferenceLag,
          "parameter",
        ),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "UNBOND_DELAY", preset.unbondDelay, "parameter"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "CLAIM_BOND", preset.claimBond, "parameter"),
        wire("AttributionLedger", a.attributionLedger, ledgerAbi, "MAX_ENTRIES", preset.maxEntries, "parameter"),
        wire(
          "AttributionLedger",
          a.attributionLedger,
          ledgerAbi,
          "BURN_BPS",
          Number(preset.ledgerBurnBps),
          "parameter",
        ),
        wire("DisputeGame", a.disputeGame, gameAbi, "TOKEN", a.openToken, "wiring"),
        wire("DisputeGame", a.disputeGame, gameAbi, "LEDGER", a.attributionLedger, "wiring"),
        wire("DisputeGame", a.disputeGame, gameAbi, "VERIFIER", a.oneStepVerifier, "wiring"),
        wire("DisputeGame", a.disputeGame, gameAbi, "MAX_CLOCK_DURATION", preset.maxClockDuration, "parameter"),
        wire("DisputeGame", a.disputeGame, gameAbi, "CLOCK_EXTENSION", preset.clockExtension, "parameter"),
        wire("DisputeGame", a.disputeGame, gameAbi, "CHALLENGE_BOND", preset.challengeBond, "parameter"),
        wire("DisputeGame", a.disputeGame, gameAbi, "BURN_BPS", Number(preset.gameBurnBps), "parameter"),
        wire("OpenToken", a.openToken, openTokenAbi as Abi, "totalSupply", OPEN_SUPPLY, "token"),
        wire("OpenToken", a.openToken, openTokenAbi as Abi, "MAX_SUPPLY", OPEN_SUPPLY, "token"),
      ],
      { concurrency: 8 },
    );
    // The ledger's EIP-712 domain binds this chain and this address.
    const domainRead = yield* readOrRevert(a.attributionLedger, ledgerAbi, "DOMAIN_SEPARATOR");
    const domain = "value" in domainRead ? domainRead.value : "(call failed)";
    const expectedDomain = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
        [
          keccak256(
            new TextEncoder().encode(
              "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
            ),
          ),
          keccak256(new TextEncoder().encode("ProofOfAttribution")),
          keccak256(new TextEncoder().encode("1")),
          BigInt(chainId),
          a.attributionLedger,
        ],
      ),
    );
    expect("wiring", "AttributionLedger.DOMAIN_SEPARATOR (this chain, this ledger)", domain, expectedDomain);

    // Atomic wiring: the ledger's DisputeGameSet is in the very transaction that created it (CoreDeployed).
    const from = BigInt(deployments.deployBlock ?? 0);
    const logsOf = (address: Address, event: string) =>
      Effect.promise(() =>
        client
          .getLogs({ address, event: parseAbiItem(event) as AbiEvent, fromBlock: from, toBlock: from + 10_000n })
          .then(
            (logs) => logs.map((l) => l.transactionHash),
            () => undefined,
          ),
      );
    const coreLogs = yield* logsOf(a.coreDeployer, "event CoreDeployed(address escrow, address ledger, address game)");
    const gameSet = yield* logsOf(a.attributionLedger, "event DisputeGameSet(address indexed game)");
    const atomic =
      coreLogs !== undefined && gameSet !== undefined && coreLogs.length === 1 && gameSet.length === 1
        ? coreLogs[0] === gameSet[0]
        : false;
    checks.push({
      section: "wiring",
      name: "game set in the ledger's creation transaction",
      ok: atomic,
      detail:
        coreLogs === undefined || gameSet === undefined
          ? "cannot read the deployment's logs (eth_getLogs from deployBlock)"
          : atomic
            ? `both in ${coreLogs[0]}`
            : `CoreDeployed in ${coreLogs.join(",") || "none"}, DisputeGameSet in ${gameSet.join(",") || "none"}`,
    });
    return { deployments, preset: presetPath, checks } as const;
  });

/** The one-screen report: a line per check, failures first within each section, and a verdict. */
export const formatReport = (file: string, presetPath: string, checks: ReadonlyArray<Check>): string => {
  const failed = checks.filter((c) => !c.ok);
  const lines = [`deployment ${file} (preset ${presetPath})`];
  const sections: ReadonlyArray<Check["section"]> = ["chain", "code", "address", "wiring", "parameter", "token"];
  for (const section of sections) {
    const inSection = checks.filter((c) => c.section === section);
    const bad = inSection.filter((c) => !c.ok);
    if (bad.length === 0) {
      lines.push(`  ok    ${section.padEnd(9)} ${inSection.length} checks`);
    } else {
      for (const c of bad) lines.push(`  FAIL  ${section.padEnd(9)} ${c.name}: ${c.detail}`);
      lines.push(`  ok    ${section.padEnd(9)} ${inSection.length - bad.length} other checks`);
    }
  }
  lines.push(
    failed.length === 0
      ? `verified: all ${checks.length} checks pass`
      : `NOT VERIFIED: ${failed.length} of ${checks.length} checks fail`,
  );
  return lines.join("\n");
};
