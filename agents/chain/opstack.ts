/**
 * What a transaction really costs on an OP Stack chain: L2 execution gas plus the L1 data fee, which
 * the GasPriceOracle predeploy prices (Fjord) from the FastLZ-compressed size of the signed
 * transaction. This module computes that fee itself (FastLZ length + the oracle's linear regression),
 * and installs the oracle and L1Block predeploys on a local anvil, from the
 * `@eth-optimism/contracts-bedrock` artifacts, with parameters set as the depositor account does on
 * a real chain (docs/deploy-opstack.md §6, docs/benchmarks-ledger.md).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Data, Effect } from "effect";
import {
  type Address,
  concatHex,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  numberToHex,
  parseAbi,
  publicActions,
  toFunctionSelector,
} from "viem";

/** GasPriceOracle predeploy (prices the L1 data fee). */
export const GAS_PRICE_ORACLE: Address = "0x420000000000000000000000000000000000000F";
/** L1Block predeploy (the L1 fee parameters the sequencer's deposit sets each block). */
export const L1_BLOCK: Address = "0x4200000000000000000000000000000000000015";
/** The account that sends the L1 attributes deposit transaction. */
export const DEPOSITOR: Address = "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001";

export const gasPriceOracleAbi = parseAbi([
  "function getL1Fee(bytes) view returns (uint256)",
  "function getL1GasUsed(bytes) view returns (uint256)",
  "function setEcotone()",
  "function setFjord()",
  "function isFjord() view returns (bool)",
  "function l1BaseFee() view returns (uint256)",
  "function blobBaseFee() view returns (uint256)",
  "function baseFeeScalar() view returns (uint32)",
  "function blobBaseFeeScalar() view returns (uint32)",
]);

/** The L1 fee parameters of a block (L1Block's Ecotone fields). */
export interface L1FeeParams {
  /** Scalar on the L1 base fee (6 decimals), set in the chain's SystemConfig. */
  readonly baseFeeScalar: number;
  /** Scalar on the L1 blob base fee (6 decimals), set in the chain's SystemConfig. */
  readonly blobBaseFeeScalar: number;
  /** The L1 base fee, wei. */
  readonly l1BaseFee: bigint;
  /** The L1 blob base fee, wei. */
  readonly blobBaseFee: bigint;
}

/**
 * OP Mainnet's SystemConfig scalars since Ecotone (baseFeeScalar 5,227, blobBaseFeeScalar 1,014,213),
 * with a stated L1 market: 3 gwei base fee, 1 gwei blob base fee (well above the 1 wei floor of quiet
 * blob markets, so the table is not optimistic).
 */
export const OP_MAINNET_L1_FEES: L1FeeParams = {
  baseFeeScalar: 5227,
  blobBaseFeeScalar: 1_014_213,
  l1BaseFee: 3_000_000_000n,
  blobBaseFee: 1_000_000_000n,
};

/**
 * The length of `data` compressed by FastLZ level 1, without compressing it: the same count as
 * Solady's `LibZip.flzCompress(data).length` that the GasPriceOracle uses (and op-geth's
 * `FlzCompressLen`). A hash table of 8,192 positions of 3-byte sequences; runs of literals cost one
 * byte per 32 plus the bytes, a match 2 bytes (3 when longer than 8, plus 3 per 262).
 */
export const flzCompressLen = (ib: Uint8Array): number => {
  let n = 0;
  const ht = new Uint32Array(8192);
  const u24 = (i: number) => ib[i]! | (ib[i + 1]! << 8) | (ib[i + 2]! << 16);
  const hash = (v: number) => (Math.imul(2654435769 | 0, v) >>> 19) & 0x1fff;
  const literals = (r: number) => {
    n += 0x21 * Math.floor(r / 0x20);
    const rest = r % 0x20;
    if (rest !== 0) n += rest + 1;
  };
  const match = (length: number) => {
    const l = length - 1;
    n += 3 * Math.floor(l / 262);
    n += l % 262 >= 6 ? 3 : 2;
  };
  const matchLength = (p: number, q: number, end: number) => {
    let l = 0;
    const limit = end - q;
    while (l < limit && ib[p + l] === ib[q + l]) l++;
    // op-geth counts the first mismatching byte too (its loop increments once more before stopping)
    return l < limit ? l + 1 : l;
  };
  const setNextHash = (ip: number) => {
    ht[hash(u24(ip))] = ip;
    return ip + 1;
  };
  let a = 0;
  const ipLimit = ib.length < 13 ? 0 : ib.length - 13;
  let ip = a + 2;
  while (ip < ipLimit) {
    let r = 0;
    for (;;) {
      const s = u24(ip);
      const h = hash(s);
      r = ht[h]!;
      ht[h] = ip;
      const d = ip - r;
      if (ip >= ipLimit) break;
      ip++;
      if (d <= 0x1fff && s === u24(r)) break;
    }
    if (ip >= ipLimit) break;
    ip--;
    if (ip > a) literals(ip - a);
    const l = matchLength(r + 3, ip + 3, ipLimit + 9);
    match(l);
    ip = setNextHash(setNextHash(ip + l));
    a = ip;
  }
  literals(ib.length - a);
  return n;
};

/** Fjord's linear regression from FastLZ size to estimated Brotli size, scaled by 1e6 (floor 100 bytes). */
const fjordEstimatedSize = (fastLzSize: number): bigint => {
  const estimated = -42_585_600n + 836_500n * BigInt(fastLzSize);
  return estimated < 100_000_000n ? 100_000_000n : estimated;
};

/**
 * The L1 data fee (wei) of a transaction whose unsigned RLP encoding is `unsignedTx`, as the Fjord
 * GasPriceOracle computes it: 68 bytes are added for the signature.
 */
export const fjordL1Fee = (unsignedTx: Uint8Array, params: L1FeeParams): bigint => {
  const size = fjordEstimatedSize(flzCompressLen(unsignedTx) + 68);
  const feeScaled =
    BigInt(params.baseFeeScalar) * 16n * params.l1BaseFee + BigInt(params.blobBaseFeeScalar) * params.blobBaseFee;
  return (size * feeScaled) / 1_000_000_000_000n;
};

export class OpStackError extends Data.TaggedError("OpStackError")<{ readonly message: string }> {}

const artifactCode = (contract: string) =>
  Effect.tryPromise({
    try: async () => {
      const file = path.resolve(
        "node_modules/@eth-optimism/contracts-bedrock/forge-artifacts",
        `${contract}.sol`,
        `${contract}.json`,
      );
      const json = JSON.parse(await readFile(file, "utf8")) as { deployedBytecode?: { object?: string } };
      const code = json.deployedBytecode?.object;
      if (typeof code !== "string" || !code.startsWith("0x") || code.length < 4) throw new Error("no bytecode");
      return code as Hex;
    },
    catch: (e) =>
      new OpStackError({
        message: `cannot read ${contract} from @eth-optimism/contracts-bedrock (npm ci?): ${String(e)}`,
      }),
  });

/** The packed calldata of `L1Block.setL1BlockValuesEcotone()` (no ABI encoding: fixed-width fields). */
export const ecotoneL1Values = (params: L1FeeParams, l1Number: bigint, l1Timestamp: bigint): Hex =>
  concatHex([
    toFunctionSelector("function setL1BlockValuesEcotone()"),
    numberToHex(params.baseFeeScalar, { size: 4 }),
    numberToHex(params.blobBaseFeeScalar, { size: 4 }),
    numberToHex(0n, { size: 8 }), // sequence number
    numberToHex(l1Timestamp, { size: 8 }),
    numberToHex(l1Number, { size: 8 }),
    numberToHex(params.l1BaseFee, { size: 32 }),
    numberToHex(params.blobBaseFee, { size: 32 }),
    numberToHex(0n, { size: 32 }), // L1 block hash
    numberToHex(0n, { size: 32 }), // batcher hash
  ]);

/**
 * Puts GasPriceOracle and L1Block at their predeploy addresses on an anvil, then, as the depositor
 * account: sets the L1 attributes (`setL1BlockValuesEcotone`) and activates Ecotone and Fjord pricing.
 */
export const installL1FeePredeploys = (rpcUrl: string, params: L1FeeParams = OP_MAINNET_L1_FEES) =>
  Effect.gen(function* () {
    const [oracleCode, l1BlockCode] = yield* Effect.all([artifactCode("GasPriceOracle"), artifactCode("L1Block")]);
    const client = createTestClient({ mode: "anvil", transport: http(rpcUrl) }).extend(publicActions);
    const depositor = createWalletClient({ account: DEPOSITOR, transport: http(rpcUrl) });
    const step = <A>(what: string, f: () => Promise<A>) =>
      Effect.tryPromise({
        try: f,
        catch: (e) => new OpStackError({ message: `${what}: ${String(e).split("\n")[0]}` }),
      });
    const send = (what: string, to: Address, data: Hex) =>
      step(what, async () => {
        const hash = await depositor.sendTransaction({ to, data, chain: null });
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error("reverted");
      });
    yield* step("set GasPriceOracle code", () => client.setCode({ address: GAS_PRICE_ORACLE, bytecode: oracleCode }));
    yield* step("set L1Block code", () => client.setCode({ address: L1_BLOCK, bytecode: l1BlockCode }));
    yield* step("fund depositor", () => client.setBalance({ address: DEPOSITOR, value: 10n ** 18n }));
    yield* step("impersonate depositor", () => client.impersonateAccount({ address: DEPOSITOR }));
    const block = yield* step("latest block", () => client.getBlock());
    yield* send("setL1BlockValuesEcotone", L1_BLOCK, ecotoneL1Values(params, block.number, block.timestamp));
    const fjord = yield* step("isFjord", () =>
      client.readContract({ address: GAS_PRICE_ORACLE, abi: gasPriceOracleAbi, functionName: "isFjord" }),
    );
    if (!fjord) {
      yield* send(
        "setEcotone",
        GAS_PRICE_ORACLE,
        encodeFunctionData({ abi: gasPriceOracleAbi, functionName: "setEcotone" }),
      );
      yield* send(
        "setFjord",
        GAS_PRICE_ORACLE,
        encodeFunctionData({ abi: gasPriceOracleAbi, functionName: "setFjord" }),
      );
    }
    yield* step("stop impersonating", () => client.stopImpersonatingAccount({ address: DEPOSITOR }));
  });
