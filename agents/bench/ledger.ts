/**
 * Ledger benchmark (docs/benchmarks-ledger.md), on a local anvil with the real contracts:
 *
 * 1. L2 gas of `postClaim` for |T| = 1, 10, 100, 1000 Attribute transactions of 8 entries (signed receipts,
 *    σ run in TypeScript to get s′ and the debits), per attributed inference, against the naive
 *    alternative measured in the same run: one ERC-20 transfer per recipient per inference
 *    (operator, owner, attributor, protocol, 8 contributors), from a pre-funded payer to funded recipients.
 * 2. Gas of one σ step from witnesses (the one-step proof's core) at K = 1, 4 and 8 (= K max), against a tree
 *    pre-filled with `--accounts` random accounts so the proofs have realistic length.
 * 3. Calldata bytes per attributed inference.
 * 4. TS σ throughput: transactions per second applying a `--sigma` transaction batch with witnesses.
 *
 *   npx forge build && npx tsx agents/bench/ledger.ts [--sizes 1,10,100,1000] [--sigma 10000] [--accounts 5000]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Abi, type Address, createPublicClient, createWalletClient, type Hex, http, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { buildClaim } from "../sigma/claim.ts";
import { claimTransactions, encodeBatch, encodeTx } from "../sigma/codec.ts";
import { encodeRegistry, type RegistrySnapshot, registryView } from "../sigma/registry.ts";
import { applyBatch, applyTx, commitment, Ledger, type SigmaContext } from "../sigma/sigma.ts";
import { accountOf, prng, randomEntries, signAttribute } from "../sigma/vectors.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1,10,100,1000" },
    sigma: { type: "string", default: "2000" },
    accounts: { type: "string", default: "5000" },
    port: { type: "string", default: "8647" },
  },
});
const sizes = (values.sizes ?? "").split(",").map(Number);
const sigmaTxs = Number(values.sigma);
const prefill = Number(values.accounts);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !(sigmaTxs > 0) || !(prefill >= 0)) {
  process.stderr.write("usage: --sizes 1,10,100,1000 --sigma 10000 --accounts 5000 (positive integers)\n");
  process.exit(2);
}

const artifact = (file: string, name: string): { abi: Abi; bytecode: Hex } => {
  const json = JSON.parse(readFileSync(`out/${file}/${name}.json`, "utf8")) as { abi: Abi; bytecode: { object: Hex } };
  return { abi: json.abi, bytecode: json.bytecode.object };
};

const ANVIL_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const deployer = privateKeyToAccount(ANVIL_KEY);
let rpc = `http://127.0.0.1:${values.port}`;
let publicClient = createPublicClient({ chain: foundry, transport: http(rpc) });
let wallet = createWalletClient({ account: deployer, chain: foundry, transport: http(rpc) });

/** Starts anvil with `hardfork` rules (cancun: the project's evm_version; prague: EIP-7623 calldata floor). */
const startAnvil = async (hardfork: string, port: number): Promise<ChildProcess> => {
  rpc = `http://127.0.0.1:${port}`;
  publicClient = createPublicClient({ chain: foundry, transport: http(rpc) });
  wallet = createWalletClient({ account: deployer, chain: foundry, transport: http(rpc) });
  const anvil = spawn(
    "node_modules/.bin/anvil",
    [
      "--port",
      String(port),
      "--hardfork",
      hardfork,
      "--gas-limit",
      "1000000000",
      "--code-size-limit",
      "100000",
      "--silent",
    ],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    try {
      await publicClient.getChainId();
      return anvil;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error("anvil did not start");
};

const send = async (to: Address, abi: Abi, functionName: string, args: ReadonlyArray<unknown>) => {
  const hash = await wallet.writeContract({ address: to, abi, functionName, args, account: deployer, chain: foundry });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  return receipt;
};

const deploy = async (file: string, name: string, args: ReadonlyArray<unknown> = []): Promise<Address> => {
  const { abi, bytecode } = artifact(file, name);
  const hash = await wallet.deployContract({ abi, bytecode, args, account: deployer, chain: foundry });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.contractAddress == null) throw new Error(`deploying ${name} failed`);
  return receipt.contractAddress;
};

const ENTRIES = 8;
const CONTRIBUTIONS = 64;
const snapshot: RegistrySnapshot = {
  models: [
    {
      id: 1n,
      owner: accountOf("bench-owner").address,
      split: { operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500 },
      registeredAt: 1n,
      retiredAt: 0n,
      datanets: [1n],
    },
  ],
  contributions: Array.from({ length: CONTRIBUTIONS }, (_, i) => ({
    id: BigInt(i + 1),
    contributor: accountOf(`bench-contributor-${i}`).address,
    datanetId: 1n,
    approvedAt: 1n,
    withdrawnAt: 0n,
  })),
};
const registry = registryView(snapshot);
const ids = snapshot.contributions.map((c) => c.id);

/** `count` signed receipts with `entries` entries each, from `payers` users, for the ledger at `ledger`. */
const receipts = async (ctx: SigmaContext, count: number, entries: number, payers: number, seed: number) => {
  const rng = prng(seed);
  const txs = [];
  for (let i = 0; i < count; i++) {
    const fee = BigInt(1_000_000 + rng.below(1_000_000_000));
    txs.push(
      await signAttribute(ctx, {
        user: `bench-user-${i % payers}`,
        operator: `bench-operator-${i % 4}`,
        attributor: "bench-attributor",
        modelId: 1n,
        requestHash: toHex(rng.big(256), { size: 32 }),
        outputHash: toHex(rng.big(256), { size: 32 }),
        maxFee: fee,
        fee,
        nonce: BigInt(seed * 1_000_000 + Math.floor(i / payers)),
        deadline: 1n << 40n,
        entries: randomEntries(rng, ids, entries),
      }),
    );
  }
  return txs;
};

interface ChainResult {
  readonly rows: string[];
  readonly stepRows: string[];
  readonly naiveBatched: bigint;
  readonly naiveSeparate: bigint;
}

const runChain = async (hardfork: string, port: number, withSteps: boolean): Promise<ChainResult> => {
  const anvil = await startAnvil(hardfork, port);
  try {
    const chainId = await publicClient.getChainId();
    const token = await deploy("MockToken.sol", "MockToken");
    const fixture = await deploy("RegistryFixture.sol", "RegistryFixture");
    const tokenAbi = artifact("MockToken.sol", "MockToken").abi;
    const fixtureAbi = artifact("RegistryFixture.sol", "RegistryFixture").abi;
    await send(fixture, fixtureAbi, "load", [encodeRegistry(snapshot)]);
    const nonce = await publicClient.getTransactionCount({ address: deployer.address });
    const { getContractAddress } = await import("viem");
    const predicted = getContractAddress({ from: deployer.address, nonce: BigInt(nonce + 1) });
    const escrow = await deploy("PaymentEscrow.sol", "PaymentEscrow", [token, predicted, 86_400n]);
    const protocol = accountOf("bench-protocol").address;
    const ledgerAddress = await deploy("AttributionLedger.sol", "AttributionLedger", [
      {
        token,
        escrow,
        contributions: fixture,
        models: fixture,
        protocol,
        challengeWindow: 3600n,
        maxReferenceLag: 3600n,
        unbondDelay: 7200n,
        claimBond: 10n ** 18n,
        maxEntries: 8n,
        burnBps: 5000,
      },
    ]);
    if (ledgerAddress.toLowerCase() !== predicted.toLowerCase()) throw new Error("ledger address mismatch");
    const ledgerAbi = artifact("AttributionLedger.sol", "AttributionLedger").abi;
    const escrowAbi = artifact("PaymentEscrow.sol", "PaymentEscrow").abi;
    const big = 10n ** 40n;
    await send(token, tokenAbi, "mint", [deployer.address, big]);
    await send(token, tokenAbi, "approve", [ledgerAddress, big]);
    await send(token, tokenAbi, "approve", [escrow, big]);
    await send(ledgerAddress, ledgerAbi, "bond", [10n ** 21n]);

    // --- postClaim vs naive ---
    const ctx: SigmaContext = {
      chainId,
      ledger: ledgerAddress,
      protocol,
      referenceTime: 0n,
      maxEntries: 8,
    };
    const naive = await deploy("NaiveSettlement.sol", "NaiveSettlement");
    const naiveAbi = artifact("NaiveSettlement.sol", "NaiveSettlement").abi;
    await send(token, tokenAbi, "approve", [naive, big]);
    const sampleTx = (await receipts(ctx, 1, ENTRIES, 1, 99))[0]!;
    const model = snapshot.models[0]!;
    const recipients: Address[] = [sampleTx.operator, model.owner, deployer.address, protocol];
    for (const entry of sampleTx.entries)
      recipients.push(snapshot.contributions[Number(entry.contributionId) - 1]!.contributor);
    const amounts = recipients.map((_, i) => BigInt(1_000 + i));
    // Steady state: every recipient already holds tokens (no zero-to-nonzero storage writes).
    await send(naive, naiveAbi, "settle", [token, deployer.address, recipients, amounts]);
    const naiveGas = (await send(naive, naiveAbi, "settle", [token, deployer.address, recipients, amounts])).gasUsed;
    // Literal reading: one ERC-20 transfer transaction per recipient.
    let naiveSeparate = 0n;
    for (const [i, recipient] of recipients.entries()) {
      naiveSeparate += (await send(token, tokenAbi, "transfer", [recipient, amounts[i]!])).gasUsed;
    }

    const rows: string[] = [];
    let parent = 0n;
    let ledgerState = new Ledger();
    let claimIndex = 0;
    for (const size of sizes) {
      claimIndex++;
      const block = await publicClient.getBlock();
      const claimCtx = { ...ctx, referenceTime: block.timestamp - 1n };
      const payers = Math.min(size, 50);
      const txs = await receipts(claimCtx, size, ENTRIES, payers, claimIndex);
      // σ in TypeScript gives the debits and s′, as the attributor computes them.
      const next = ledgerState.clone();
      const { batch, debits, newState } = await buildClaim(next, claimCtx, registry, txs);
      for (const debit of debits) await send(escrow, escrowAbi, "deposit", [debit.payer, debit.amount]);
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
      const receipt = await send(ledgerAddress, ledgerAbi, "postClaim", [
        parent,
        toHex(batch),
        newState,
        claimCtx.referenceTime,
        debits,
      ]);
      const claimId = await publicClient.readContract({
        address: ledgerAddress,
        abi: ledgerAbi,
        functionName: "claimCount",
      });
      if (typeof claimId !== "bigint") throw new Error("claimCount is not a uint256");
      parent = claimId;
      ledgerState = next;
      const calldataBytes = (batch.length + 64 * debits.length) / size;
      const perInference = Number(receipt.gasUsed) / size;
      rows.push(
        `| ${hardfork} | ${size} | ${debits.length} | ${receipt.gasUsed} | ${Math.round(perInference)} | ${naiveGas} | ${(Number(naiveGas) / perInference).toFixed(1)}× | ${naiveSeparate} | ${(Number(naiveSeparate) / perInference).toFixed(1)}× | ${Math.round(calldataBytes)} |`,
      );
    }

    const stepRows: string[] = [];
    if (!withSteps) return { rows, stepRows, naiveBatched: naiveGas, naiveSeparate };
    // --- one σ step from witnesses (K = 1, 4 and 8 = K max) ---
    const harness = await deploy("SigmaHarness.sol", "SigmaHarness");
    const harnessAbi = artifact("SigmaHarness.sol", "SigmaHarness").abi;
    const big2 = new Ledger();
    const rng = prng(4242);
    for (let i = 0; i < prefill; i++) {
      big2.tree.set(`0x${rng.big(160).toString(16).padStart(40, "0")}` as Address, {
        earned: rng.big(64),
        charged: 0n,
        nonceBase: 0n,
        nonceBitmap: 0n,
      });
    }
    // The touched accounts already exist too (worst case for path length is an existing, deep leaf).
    const stepCtx = { ...ctx, referenceTime: 10n };
    for (const k of [1, 4, ENTRIES]) {
      const [tx] = await receipts(stepCtx, 1, k, 1, 7000 + k);
      const warm = big2.clone();
      await applyTx(warm, stepCtx, registry, encodeTx(tx!), 0); // existing leaves for every party
      const pre = warm.state;
      const [tx2] = await receipts(stepCtx, 1, k, 1, 7000 + k);
      const replayFree = { ...tx2!, nonce: tx2!.nonce + 1n };
      const signed = await signAttribute(stepCtx, {
        user: "bench-user-0",
        operator: "bench-operator-0",
        attributor: "bench-attributor",
        modelId: 1n,
        requestHash: replayFree.requestHash,
        outputHash: replayFree.outputHash,
        maxFee: replayFree.maxFee,
        fee: replayFree.fee,
        nonce: replayFree.nonce,
        deadline: replayFree.deadline,
        entries: tx!.entries,
      });
      const bytes = encodeTx(signed);
      const step = await applyTx(warm, stepCtx, registry, bytes, 0);
      if (step.outcome !== 0) throw new Error(`bench step outcome ${step.outcome}`);
      const sigmaCtx = {
        domainSeparator: (await publicClient.readContract({
          address: ledgerAddress,
          abi: ledgerAbi,
          functionName: "DOMAIN_SEPARATOR",
        })) as Hex,
        protocol: stepCtx.protocol,
        referenceTime: stepCtx.referenceTime,
        maxEntries: 8n,
        contributions: fixture,
        models: fixture,
      };
      const [post] = (await publicClient.readContract({
        address: harness,
        abi: harnessAbi,
        functionName: "applyTx",
        args: [pre, sigmaCtx, toHex(bytes), step.witnesses],
      })) as [{ accountsRoot: Hex; totalCredited: bigint; totalCharged: bigint; txCount: bigint }, number];
      if (commitment(post) !== commitment(step.post)) throw new Error("Solidity σ disagrees with TS σ in the bench");
      const receipt = await send(harness, harnessAbi, "applyTx", [pre, sigmaCtx, toHex(bytes), step.witnesses]);
      const witnessBytes = (step.witnesses.length - 2) / 2;
      stepRows.push(
        `| ${k}${k > 8 ? " (above K max)" : ""} | ${prefill} | ${receipt.gasUsed} | ${bytes.length} | ${witnessBytes} |`,
      );
    }
    return { rows, stepRows, naiveBatched: naiveGas, naiveSeparate };
  } finally {
    anvil.kill();
  }
};

const main = async () => {
  const port = Number(values.port);
  const cancun = await runChain("cancun", port, true);
  const prague = await runChain("prague", port + 1, false);
  {
    const ctx: SigmaContext = {
      chainId: 31_337,
      ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      protocol: accountOf("bench-protocol").address,
      referenceTime: 10n,
      maxEntries: 8,
    };

    // --- TS σ throughput ---
    const throughputCtx = { ...ctx, referenceTime: 10n };
    const signStart = performance.now();
    const txs = await receipts(throughputCtx, sigmaTxs, ENTRIES, 100, 555);
    const signMs = performance.now() - signStart;
    const batch = claimTransactions(encodeBatch(txs), []);
    const start = performance.now();
    const result = await applyBatch(new Ledger(), throughputCtx, registry, batch);
    const ms = performance.now() - start;
    if (result.steps.some((s) => s.outcome !== 0)) throw new Error("throughput batch has invalid transactions");

    console.log("\n### postClaim (8 entries per Attribute), anvil, gas of the whole L2 transaction\n");
    console.log(
      "| rules | \\|T\\| | payers | postClaim gas | gas / inference | naive A: 1 tx, 12 transferFrom | A ÷ ours | naive B: 12 transfer txs | B ÷ ours | calldata bytes / inference |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of [...cancun.rows, ...prague.rows]) console.log(row);
    console.log(
      "\nnaive A: one tx per inference doing 12 ERC-20 transferFrom (payer → operator, owner, attributor, protocol, 8 contributors);",
    );
    console.log(
      "naive B: the same 12 payments as 12 separate ERC-20 transfer transactions. Recipients already funded.\n",
    );
    console.log("### One σ step from witnesses (SigmaHarness.applyTx as an L2 transaction)\n");
    console.log("| K | accounts in tree | gas | tx bytes | witness bytes |");
    console.log("|---:|---:|---:|---:|---:|");
    for (const row of cancun.stepRows) console.log(row);
    console.log("\n### TS σ throughput (witnesses generated for every step)\n");
    console.log("| transactions | entries | σ time (ms) | tx/s | signing time (ms, not counted) |");
    console.log("|---:|---:|---:|---:|---:|");
    console.log(
      `| ${sigmaTxs} | ${ENTRIES} | ${ms.toFixed(0)} | ${((sigmaTxs * 1000) / ms).toFixed(0)} | ${signMs.toFixed(0)} |`,
    );
  }
};

await main();
