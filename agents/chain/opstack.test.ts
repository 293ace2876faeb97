/**
 * The L1 data fee on a local OP Stack chain: anvil with the GasPriceOracle and L1Block predeploys
 * installed from @eth-optimism/contracts-bedrock. Our FastLZ + Fjord computation must give exactly the
 * oracle's own `getL1Fee` for the same bytes (a real claim's transaction, and random inputs of every
 * compressibility), and viem's OP Stack `estimateL1Fee` must agree for the same transaction.
 */
import { readFileSync } from "node:fs";
import { Effect } from "effect";
import {
  createPublicClient,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  http,
  parseGwei,
  serializeTransaction,
  toHex,
} from "viem";
import { estimateL1Fee } from "viem/op-stack";
import { describe, expect, it } from "vitest";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import { prng } from "../sigma/vectors.ts";
import { startAnvil } from "./anvil.ts";
import {
  fjordL1Fee,
  GAS_PRICE_ORACLE,
  gasPriceOracleAbi,
  installL1FeePredeploys,
  OP_MAINNET_L1_FEES,
} from "./opstack.ts";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A postClaim of the shared σ vectors' first batch (calldata as an attributor sends it). */
const claimCalldata = (): Hex => {
  const vectors = JSON.parse(readFileSync("test/vectors/sigma.json", "utf8")) as {
    batches: { batch: Hex; debitPayers: Hex[]; debitAmounts: string[] }[];
  };
  const b = vectors.batches[0]!;
  return encodeFunctionData({
    abi: attributionLedgerAbi,
    functionName: "postClaim",
    args: [
      3n,
      b.batch,
      { accountsRoot: `0x${"ab".repeat(32)}`, totalCredited: 10n ** 18n, totalCharged: 0n, txCount: 12n },
      1_700_000_000n,
      b.debitPayers.map((payer, i) => ({ payer, amount: BigInt(b.debitAmounts[i]!) })),
    ],
  });
};

describe("L1 data fee on anvil with the OP Stack predeploys", () => {
  it("our FastLZ + Fjord fee equals the oracle's getL1Fee and viem's estimateL1Fee, for a claim and random bytes", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const anvil = yield* startAnvil();
          yield* installL1FeePredeploys(anvil.rpcUrl, OP_MAINNET_L1_FEES);
          const client = createPublicClient({ transport: http(anvil.rpcUrl) });
          const oracle = (data: Hex) =>
            Effect.promise(() =>
              client.readContract({
                address: GAS_PRICE_ORACLE,
                abi: gasPriceOracleAbi,
                functionName: "getL1Fee",
                args: [data],
              }),
            );
          const read = (
            functionName: "isFjord" | "l1BaseFee" | "blobBaseFee" | "baseFeeScalar" | "blobBaseFeeScalar",
          ) =>
            Effect.promise(() =>
              client.readContract({ address: GAS_PRICE_ORACLE, abi: gasPriceOracleAbi, functionName }),
            );
          expect(yield* read("isFjord")).toBe(true);
          expect(yield* read("l1BaseFee")).toBe(OP_MAINNET_L1_FEES.l1BaseFee);
          expect(yield* read("blobBaseFee")).toBe(OP_MAINNET_L1_FEES.blobBaseFee);
          expect(yield* read("baseFeeScalar")).toBe(OP_MAINNET_L1_FEES.baseFeeScalar);
          expect(yield* read("blobBaseFeeScalar")).toBe(OP_MAINNET_L1_FEES.blobBaseFeeScalar);

          // A claim's transaction, serialized unsigned exactly as viem's estimateL1Fee does it.
          const data = claimCalldata();
          const tx = serializeTransaction({
            chainId: anvil.chainId,
            type: "eip1559",
            to: LEDGER,
            data,
            gas: 300_000n,
            maxFeePerGas: parseGwei("5"),
            maxPriorityFeePerGas: parseGwei("1"),
            nonce: 1,
          });
          const ours = fjordL1Fee(hexToBytes(tx), OP_MAINNET_L1_FEES);
          expect(ours).toBeGreaterThan(0n);
          expect(ours).toBe(yield* oracle(tx));
          const viaViem = yield* Effect.promise(() =>
            estimateL1Fee(client, {
              chain: { id: anvil.chainId } as never,
              account: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
              to: LEDGER,
              data,
              gasPriceOracleAddress: GAS_PRICE_ORACLE,
            }),
          );
          expect(viaViem).toBe(ours);

          // Random inputs of every compressibility, short and long (incompressible, runs, repeated words).
          const rng = prng(7);
          for (let i = 0; i < 40; i++) {
            const length = [0, 1, 12, 13, 14, 40, 300, 2_000, 9_000][i % 9]! + rng.below(50);
            const bytes = new Uint8Array(length);
            const alphabet = [1, 2, 4, 256][i % 4]!;
            const period = 1 + rng.below(70);
            for (let j = 0; j < length; j++)
              bytes[j] = i % 3 === 0 ? (bytes[j % period] ?? rng.below(alphabet)) : rng.below(alphabet);
            if (i % 3 === 0) for (let j = 0; j < Math.min(period, length); j++) bytes[j] = rng.below(256);
            for (let j = period; j < length && i % 3 === 0; j++) bytes[j] = bytes[j - period]!;
            const hex = toHex(bytes);
            expect(fjordL1Fee(bytes, OP_MAINNET_L1_FEES), `case ${i} (${length} bytes)`).toBe(yield* oracle(hex));
          }
        }),
      ),
    );
  }, 60_000);
});
