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
 * 6. Compact calldata (issue 19, docs/protocol.md §3): postClaim of one receipt group (0x04, one operator
 *    signature over m records, users pre-authorized by Authorize 0x03 in an earlier claim) at |T| = `--groups`,
 *    users all distinct and 10 receipts per user, per inference against naive A and the 0x01 rows of the
 *    same run; the 30× line is naive A ÷ 30.
 * 5. True cost on an OP Stack chain: the GasPriceOracle and L1Block predeploys are installed on the anvil
 *    (@eth-optimism/contracts-bedrock, Fjord, OP Mainnet's scalars, a stated L1 market); for every postClaim,
 *    the naive settlements and the dispute moves: L2 gas, the L1 data fee (the oracle's `getL1Fee` of the
 *    unsigned transaction, checked equal to agents/chain/opstack.ts's own FastLZ computation), and the total
 *    in ETH per inference at `--l2-gwei`.
 *
 *   npx forge build && npx tsx agents/bench/ledger.ts [--sizes 1,10,100,1000] [--sigma 10000] [--accounts 5000]
 *     [--l2-gwei 0.01]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  formatEther,
  type Hash,
  type Hex,
  hexToBytes,
  http,
  parseAbi,
  parseGwei,
  serializeTransaction,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type ClaimCostModel, claimCost, targetBatchSize } from "../chain/batchSize.ts";
import {
  fjordL1Fee,
  GAS_PRICE_ORACLE,
  gasPriceOracleAbi,
  installL1FeePredeploys,
  OP_MAINNET_L1_FEES,
} from "../chain/opstack.ts";
import { buildClaim } from "../sigma/claim.ts";
import { type BatchItem, claimTransactions, encodeBatch, encodeTx, type GroupRecord } from "../sigma/codec.ts";
import { signAuthorize, signGroup } from "../sigma/compact-vectors.ts";
import { encodeRegistry } from "../sigma/registry.ts";
import { applyBatch, applyTx, commitment, Ledger, type SigmaContext } from "../sigma/sigma.ts";
import { accountOf, prng, randomEntries, signAttribute } from "../sigma/vectors.ts";
import { benchRegistry } from "./registry.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1,10,100,1000" },
    sigma: { type: "string", default: "2000" },
    accounts: { type: "string", default: "5000" },
    port: { type: "string", default: "8647" },
    "l2-gwei": { type: "string", default: "0.01" },
    groups: { type: "string", default: "1,10,100,1000" },
  },
});
const groupSizes = (values.groups ?? "")
  .split(",")
  .filter((x) => x !== "")
  .map(Number);
const sizes = (values.sizes ?? "").split(",").map(Number);
const sigmaTxs = Number(values.sigma);
const prefill = Number(values.accounts);
const l2GasPrice = parseGwei(values["l2-gwei"] ?? "0.01");
if ([...sizes, ...groupSizes].some((n) => !Number.isInteger(n) || n <= 0) || !(sigmaTxs > 0) || !(prefill >= 0)) {
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
let publicClient = createPublicClient({ chain: foundry, transport: http(rpc), pollingInterval: 50 });
let wallet = createWalletClient({ account: deployer, chain: foundry, transport: http(rpc) });

/** Starts anvil with `hardfork` rules (cancun: the project's evm_version; prague: EIP-7623 calldata floor). */
const startAnvil = async (hardfork: string, port: number): Promise<ChildProcess> => {
  rpc = `http://127.0.0.1:${port}`;
  publicClient = createPublicClient({ chain: foundry, transport: http(rpc), pollingInterval: 50 });
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

/**
 * Sends `calls` to `to` back to back with consecutive nonces (anvil mines each at once) and waits for the
 * last one only: a claim of 1,000 distinct payers needs 1,000 escrow deposits first.
 */
const sendAll = async (to: Address, abi: Abi, functionName: string, calls: ReadonlyArray<ReadonlyArray<unknown>>) => {
  if (calls.length === 0) return;
  let nonce = await publicClient.getTransactionCount({ address: deployer.address, blockTag: "pending" });
  let last: Hash | undefined;
  for (const args of calls) {
    last = await wallet.writeContract({
      address: to,
      abi,
      functionName,
      args,
      account: deployer,
      chain: foundry,
      nonce: nonce++,
      gas: 300_000n,
    });
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash: last! });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
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
const { snapshot, registry, ids } = benchRegistry(CONTRIBUTIONS);

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

/** The L1 data fee of a mined transaction: the oracle's, checked against our own computation. */
const l1FeeOf = async (hash: Hash): Promise<bigint> => {
  const tx = await publicClient.getTransaction({ hash });
  return l1FeeOfData(tx.to ?? "0x0000000000000000000000000000000000000000", tx.input, tx.nonce, tx.gas);
};

const l1FeeOfData = async (to: Address, data: Hex, nonce: number, gas: bigint): Promise<bigint> => {
  const unsigned = serializeTransaction({
    chainId: await publicClient.getChainId(),
    type: "eip1559",
    to,
    data,
    nonce,
    gas,
    maxFeePerGas: parseGwei("1"),
    maxPriorityFeePerGas: parseGwei("0.001"),
  });
  const oracle = await publicClient.readContract({
    address: GAS_PRICE_ORACLE,
    abi: gasPriceOracleAbi,
    functionName: "getL1Fee",
    args: [unsigned],
  });
  const ours = fjordL1Fee(hexToBytes(unsigned), OP_MAINNET_L1_FEES);
  if (ours !== oracle) throw new Error(`L1 fee: ours ${ours} ≠ oracle ${oracle}`);
  return oracle;
};

/** One row of the true-cost table. */
interface CostRow {
  readonly what: string;
  readonly inferences: number;
  readonly l2Gas: bigint;
  readonly l1Fee: bigint;
}

interface ChainResult {
  readonly costRows: CostRow[];
  readonly rows: string[];
  readonly groupRows: string[];
  readonly stepRows: string[];
  readonly naiveBatched: bigint;
  readonly naiveSeparate: bigint;
}

const runChain = async (hardfork: string, port: number, withSteps: boolean): Promise<ChainResult> => {
  const anvil = await startAnvil(hardfork, port);
  const costRows: CostRow[] = [];
  try {
    await Effect.runPromise(installL1FeePredeploys(rpc, OP_MAINNET_L1_FEES));
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
    // The ledger refuses claims until its dispute game is set; no game is played here, so any address will do.
    await send(ledgerAddress, ledgerAbi, "setDisputeGame", [accountOf("bench-game").address]);

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
    const naiveReceipt = await send(naive, naiveAbi, "settle", [token, deployer.address, recipients, amounts]);
    const naiveGas = naiveReceipt.gasUsed;
    costRows.push({
      what: "naive A: 1 tx, 12 transferFrom",
      inferences: 1,
      l2Gas: naiveGas,
      l1Fee: await l1FeeOf(naiveReceipt.transactionHash),
    });
    // Literal reading: one ERC-20 transfer transaction per recipient.
    let naiveSeparate = 0n;
    let naiveSeparateL1 = 0n;
    for (const [i, recipient] of recipients.entries()) {
      const r = await send(token, tokenAbi, "transfer", [recipient, amounts[i]!]);
      naiveSeparate += r.gasUsed;
      naiveSeparateL1 += await l1FeeOf(r.transactionHash);
    }
    costRows.push({ what: "naive B: 12 transfer txs", inferences: 1, l2Gas: naiveSeparate, l1Fee: naiveSeparateL1 });

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
      await sendAll(
        escrow,
        escrowAbi,
        "deposit",
        debits.map((debit) => [debit.payer, debit.amount]),
      );
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
      costRows.push({
        what: `postClaim \\|T\\| = ${size}`,
        inferences: size,
        l2Gas: receipt.gasUsed,
        l1Fee: await l1FeeOf(receipt.transactionHash),
      });
      const calldataBytes = (batch.length + 64 * debits.length) / size;
      const perInference = Number(receipt.gasUsed) / size;
      rows.push(
        `| ${hardfork} | ${size} | ${debits.length} | ${receipt.gasUsed} | ${Math.round(perInference)} | ${naiveGas} | ${(Number(naiveGas) / perInference).toFixed(1)}× | ${naiveSeparate} | ${(Number(naiveSeparate) / perInference).toFixed(1)}× | ${Math.round(calldataBytes)} |`,
      );
    }

    // --- compact calldata: one receipt group per claim, users with open sessions (issue 19 B.5) ---
    const groupRows: string[] = [];
    const perInference01 = new Map(
      rows.map((row) => {
        const cells = row.split("|").map((c) => c.trim());
        return [Number(cells[2]), Number(cells[5])] as const;
      }),
    );
    /** Posts `items` as the next claim (σ in TypeScript for s′ and the debits); every tx must be valid. */
    const postItems = async (items: ReadonlyArray<BatchItem>) => {
      const block = await publicClient.getBlock();
      const claimCtx = { ...ctx, referenceTime: block.timestamp - 1n };
      const next = ledgerState.clone();
      const built = await buildClaim(next, claimCtx, registry, items);
      const bad = built.result.steps.find((step) => step.outcome !== 0);
      if (bad !== undefined) throw new Error(`bench claim: step ${bad.index} has outcome ${bad.outcome}`);
      await sendAll(
        escrow,
        escrowAbi,
        "deposit",
        built.debits.map((debit) => [debit.payer, debit.amount]),
      );
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
      const receipt = await send(ledgerAddress, ledgerAbi, "postClaim", [
        parent,
        toHex(built.batch),
        built.newState,
        claimCtx.referenceTime,
        built.debits,
      ]);
      const claimId = await publicClient.readContract({
        address: ledgerAddress,
        abi: ledgerAbi,
        functionName: "claimCount",
      });
      if (typeof claimId !== "bigint") throw new Error("claimCount is not a uint256");
      parent = claimId;
      ledgerState = next;
      return { receipt, built };
    };
    if (groupSizes.length > 0) {
      const operator = "bench-operator-0";
      const plans = [1, 10].flatMap((perUser) =>
        groupSizes.map((size) => ({
          perUser,
          size,
          users: Array.from({ length: Math.ceil(size / perUser) }, (_, i) => `bench-gu-${perUser}-${size}-${i}`),
        })),
      );
      // Sessions are opened once, before (a user authorizes an operator once for many requests): not measured.
      const authorizations: BatchItem[] = [];
      for (const user of plans.flatMap((p) => p.users)) {
        authorizations.push(await signAuthorize(ctx, { user, operator, cap: 1n << 95n, nonce: 0n, expiry: 1n << 40n }));
      }
      for (let i = 0; i < authorizations.length; i += 500) await postItems(authorizations.slice(i, i + 500));
      const rng = prng(1905);
      for (const plan of plans) {
        const records: GroupRecord[] = [];
        for (let i = 0; i < plan.size; i++) {
          records.push({
            user: accountOf(plan.users[Math.floor(i / plan.perUser)]!).address,
            modelId: 1n,
            ioHash: toHex(rng.big(256), { size: 32 }),
            fee: BigInt(1_000_000 + rng.below(1_000_000_000)),
            nonce: BigInt(1 + (i % plan.perUser)),
            entries: randomEntries(rng, ids, ENTRIES),
          });
        }
        const group = await signGroup(ctx, { operator, attributor: "bench-attributor", records });
        const { receipt, built } = await postItems([group]);
        const perInference = Number(receipt.gasUsed) / plan.size;
        const old = perInference01.get(plan.size);
        const calldataBytes = (built.batch.length + 64 * built.debits.length) / plan.size;
        const scenario = plan.perUser === 1 ? "all distinct" : "10 per user";
        groupRows.push(
          `| ${hardfork} | ${plan.size} | ${scenario} | ${built.debits.length} | ${receipt.gasUsed} | ${Math.round(perInference)} | ${naiveGas} | ${(Number(naiveGas) / perInference).toFixed(1)}× | ${old === undefined ? "–" : `${old} (${(old / perInference).toFixed(1)}×)`} | ${Math.round(calldataBytes)} |`,
        );
        costRows.push({
          what: `postClaim group \\|T\\| = ${plan.size} (${scenario})`,
          inferences: plan.size,
          l2Gas: receipt.gasUsed,
          l1Fee: await l1FeeOf(receipt.transactionHash),
        });
      }
    }

    const stepRows: string[] = [];
    if (!withSteps) return { costRows, rows, groupRows, stepRows, naiveBatched: naiveGas, naiveSeparate };
    costRows.push(...(await disputeMoves()));
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
    return { costRows, rows, groupRows, stepRows, naiveBatched: naiveGas, naiveSeparate };
  } finally {
    anvil.kill();
  }
};

/**
 * The dispute moves' L1 data fee, from their real calldata encodings (the step's proof at its measured size
 * for K = 8: 4,032 bytes of state, tx bytes, Merkle path and witnesses, random like the hashes it holds).
 * Their L2 gas is the dispute bench's execution gas (docs/benchmarks-dispute.md, forge, not this run) plus the
 * intrinsic 21,000 and the calldata gas of these bytes.
 */
const disputeMoves = async (): Promise<CostRow[]> => {
  const abi = parseAbi([
    "function open(uint256 claimId)",
    "function bisect(uint256 gameId, uint128 position, bytes32 midCommitment)",
    "function respond(uint256 gameId, uint128 position, bytes32 midCommitment, bool agree)",
    "struct State { bytes32 accountsRoot; uint256 totalCredited; uint256 totalCharged; uint256 txCount; }",
    "struct StepProof { State pre; bytes txBytes; bytes32[] txProof; bytes witnesses; }",
    "function step(uint256 gameId, uint128 position, StepProof proof)",
    "function resolve(uint256 gameId)",
  ]);
  const rng = prng(31);
  const word = () => toHex(rng.big(256), { size: 32 });
  const randomBytes = (n: number) => toHex(Uint8Array.from({ length: n }, () => rng.below(256)));
  const game = "0x4200000000000000000000000000000000000999";
  const moves: ReadonlyArray<readonly [string, Hex, bigint]> = [
    ["open", encodeFunctionData({ abi, functionName: "open", args: [17n] }), 159_286n],
    ["bisect", encodeFunctionData({ abi, functionName: "bisect", args: [3n, 1234n, word()] }), 27_448n],
    ["respond", encodeFunctionData({ abi, functionName: "respond", args: [3n, 2469n, word(), false] }), 9_388n],
    [
      "step (K = 8 proof)",
      encodeFunctionData({
        abi,
        functionName: "step",
        args: [
          3n,
          4939n,
          {
            pre: { accountsRoot: word(), totalCredited: rng.big(80), totalCharged: rng.big(60), txCount: 1200n },
            txBytes: randomBytes(1_000),
            txProof: Array.from({ length: 11 }, word),
            witnesses: randomBytes(2_500),
          },
        ],
      }),
      617_423n,
    ],
    ["resolve", encodeFunctionData({ abi, functionName: "resolve", args: [3n] }), 86_473n],
  ];
  const rows: CostRow[] = [];
  for (const [what, data, execution] of moves) {
    const bytes = hexToBytes(data);
    const calldataGas = bytes.reduce((g, b) => g + (b === 0 ? 4n : 16n), 0n);
    rows.push({
      what: `dispute: ${what} (${bytes.length} B)`,
      inferences: 0,
      l2Gas: 21_000n + calldataGas + execution,
      l1Fee: await l1FeeOfData(game, data, 5, 2_000_000n),
    });
  }
  return rows;
};

const eth = (wei: bigint) => Number(formatEther(wei)).toExponential(3);

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
    console.log(
      "### postClaim of one receipt group (0x04, 8 entries per record), sessions opened before; gas of the whole L2 transaction\n",
    );
    console.log(
      "| rules | \\|T\\| | users | payers (debits) | postClaim gas | gas / inference | naive A | A ÷ ours | 0x01 gas / inference at that \\|T\\| (÷ ours) | calldata bytes / inference |",
    );
    console.log("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of [...cancun.groupRows, ...prague.groupRows]) console.log(row);
    console.log(
      `\n30× line: naive A ÷ 30 = ${Math.floor(Number(cancun.naiveBatched) / 30)} gas per inference (cancun), ${Math.floor(Number(prague.naiveBatched) / 30)} (prague).\n`,
    );
    console.log("### One σ step from witnesses (SigmaHarness.applyTx as an L2 transaction)\n");
    console.log("| K | accounts in tree | gas | tx bytes | witness bytes |");
    console.log("|---:|---:|---:|---:|---:|");
    for (const row of cancun.stepRows) console.log(row);
    console.log(
      `\n### True cost on an OP Stack chain (Fjord, cancun rules): L2 gas at ${values["l2-gwei"]} gwei + L1 data fee\n`,
    );
    console.log(
      `L1: base fee ${formatEther(OP_MAINNET_L1_FEES.l1BaseFee * 10n ** 9n)} gwei, blob base fee ${formatEther(OP_MAINNET_L1_FEES.blobBaseFee * 10n ** 9n)} gwei, scalars ${OP_MAINNET_L1_FEES.baseFeeScalar} / ${OP_MAINNET_L1_FEES.blobBaseFeeScalar} (OP Mainnet). L1 fee = GasPriceOracle.getL1Fee of the unsigned tx (= our FastLZ computation, checked per row).\n`,
    );
    console.log(
      "| transaction | inferences | L2 gas | L2 fee (ETH) | L1 data fee (ETH) | total (ETH) | total / inference (ETH) | L1 share | naive A ÷ ours |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    const naiveA = cancun.costRows.find((r) => r.what.startsWith("naive A"))!;
    const naiveATotal = naiveA.l2Gas * l2GasPrice + naiveA.l1Fee;
    for (const r of cancun.costRows) {
      const l2 = r.l2Gas * l2GasPrice;
      const total = l2 + r.l1Fee;
      const per = r.inferences > 0 ? total / BigInt(r.inferences) : 0n;
      console.log(
        `| ${r.what} | ${r.inferences || "–"} | ${r.l2Gas} | ${eth(l2)} | ${eth(r.l1Fee)} | ${eth(total)} | ${r.inferences > 0 ? eth(per) : "–"} | ${((Number(r.l1Fee) / Number(total)) * 100).toFixed(0)} % | ${r.inferences > 0 && r.what.startsWith("postClaim") ? `${(Number(naiveATotal) / Number(per)).toFixed(1)}×` : "–"} |`,
      );
    }
    // The attributor's batch size from these costs (agents/chain/batchSize.ts): an affine fit through the
    // two largest claims measured.
    const claims = cancun.costRows.filter((r) => r.what.startsWith("postClaim \\|T")).slice(-2);
    if (claims.length === 2) {
      const [a, b] = claims as [CostRow, CostRow];
      const dn = BigInt(b.inferences - a.inferences);
      const gasPerReceipt = (b.l2Gas - a.l2Gas) / dn;
      const l1FeePerReceipt = (b.l1Fee - a.l1Fee) / dn;
      const model: ClaimCostModel = {
        fixedGas: a.l2Gas - gasPerReceipt * BigInt(a.inferences),
        gasPerReceipt,
        l2GasPrice,
        l1FeeFixed: a.l1Fee - l1FeePerReceipt * BigInt(a.inferences),
        l1FeePerReceipt,
      };
      console.log(
        `\nBatch sizing (fit: ${model.fixedGas} gas + ${gasPerReceipt} gas/receipt, L1 ${eth(model.l1FeeFixed)} + ${eth(l1FeePerReceipt)} ETH/receipt):\n`,
      );
      console.log("| target cost per receipt (ETH) | batch size (max 1000) | cost per receipt at that size (ETH) |");
      console.log("|---:|---:|---:|");
      const marginal = gasPerReceipt * l2GasPrice + l1FeePerReceipt;
      for (const factor of [11n, 15n, 20n, 50n]) {
        const target = (marginal * factor) / 10n;
        const n = targetBatchSize({ cost: model, targetCostPerReceipt: target, maxBatch: 1000 });
        console.log(`| ${eth(target)} | ${n} | ${eth(claimCost(model, n) / BigInt(n))} |`);
      }
    }
    console.log("\n### TS σ throughput (witnesses generated for every step)\n");
    console.log("| transactions | entries | σ time (ms) | tx/s | signing time (ms, not counted) |");
    console.log("|---:|---:|---:|---:|---:|");
    console.log(
      `| ${sigmaTxs} | ${ENTRIES} | ${ms.toFixed(0)} | ${((sigmaTxs * 1000) / ms).toFixed(0)} | ${signMs.toFixed(0)} |`,
    );
  }
};

await main();
