/**
 * End to end on a real chain: anvil (--network optimism) with the protocol deployed by the forge
 * script, attributors and a challenger in this process, each with its own SQLite store and a real
 * libp2p node on loopback, receipts signed by simulated users and an operator.
 *
 * What is checked is computed independently of the agents: the expected earnings of every account
 * come from a brute-force fee split over the receipts each posted claim holds (not from σ), and the
 * withdrawals are read back as token transfers.
 *
 * Receipts: POA_E2E_RECEIPTS (default 40; the 1,000 runs by hand, `POA_E2E_RECEIPTS=1000`).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect, Redacted, Schedule, Schema, Stream } from "effect";
import {
  type Abi,
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  keccak256,
  maxUint256,
  parseUnits,
  stringToBytes,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type AgentEvent, toAttributeTx } from "../attributor/attributor.ts";
import { encodeIntakeBody } from "../attributor/intake.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { attributionLedgerAbi, disputeGameAbi, openTokenAbi, paymentEscrowAbi } from "../generated/contracts.ts";
import { encodeEnvelope, encodePayload, envelopeDigest, type UnsignedEnvelope } from "../gossip/envelope.ts";
import { Topics } from "../gossip/messages.ts";
import { startNode } from "../gossip/testing.ts";
import { Identity } from "../identity/identity.ts";
import { fetchRegistryView, makeFollower } from "../ledger/follower.ts";
import { fundAccounts, ledgerAddresses, localChain, runLocalNetwork, startNetwork } from "../network/network.ts";
import { attributeOverHttp, GroupSigner, type SignedGroupWithTexts } from "../operator/groups.ts";
import { PaymentError, ReceiptSigner } from "../operator/receipts.ts";
import {
  AllowanceSchema,
  allowanceTypes,
  GroupWithTexts,
  groupHeaderOf,
  receiptGroupTypes,
} from "../protocol/group.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { plainCompletion } from "../protocol/request.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource, type SourcedReceipt } from "../receipts/source.ts";
import { buildClaim } from "../sigma/claim.ts";
import { decodeBatch, encodeTx } from "../sigma/codec.ts";
import type { SigmaContext } from "../sigma/sigma.ts";
import { advanceTime, FEE, type Populated, populate, SPLIT } from "./setup.ts";

const RECEIPTS = Number(process.env.POA_E2E_RECEIPTS ?? 40);
/** Per test, where none is given: the shared 2-core machine is often loaded (the default is 60 s). */
const E2E_TIMEOUT = 180_000;
const USERS = 4;
const CRASH_RECEIPTS = 20;

interface Worker {
  readonly url: string;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  readonly kill: () => void;
}

/** Starts agents/e2e/attributor-worker.ts and waits for its READY line (killed with the test's scope). */
const startWorker = (config: string) =>
  Effect.acquireRelease(
    Effect.callback<Worker, Error>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", "agents/e2e/attributor-worker.ts", config], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
        child.once("exit", (code, signal) => done({ code, signal })),
      );
      let out = "";
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const ready = /READY (\S+)/.exec(out);
        if (ready?.[1] !== undefined)
          resume(Effect.succeed({ url: ready[1], exited, kill: () => child.kill("SIGKILL") }));
      });
      void exited.then(({ code, signal }) => {
        if (!/READY/.test(out))
          resume(Effect.fail(new Error(`worker exited (${code ?? signal}) before READY: ${err.slice(-2000)}`)));
      });
    }),
    (worker) => Effect.sync(() => worker.kill()),
  );

const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms;
    while (!(yield* Effect.promise(async () => check()))) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`));
      yield* Effect.sleep("100 millis");
    }
  });

const dataDir = () => mkdtempSync(path.join(tmpdir(), "poa-e2e-"));

/** The expected credits of one receipt (docs/protocol.md §4), computed without σ. */
const splitOf = (
  receipt: SourcedReceipt,
  entries: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>,
  world: Populated,
  attributor: Address,
  protocol: Address,
): Array<readonly [Address, bigint]> => {
  const fee = receipt.receipt.receipt.fee;
  const op = (fee * BigInt(SPLIT.operatorBps)) / 10_000n;
  const owner = (fee * BigInt(SPLIT.ownerBps)) / 10_000n;
  const attr = (fee * BigInt(SPLIT.attributorBps)) / 10_000n;
  const prot = (fee * BigInt(SPLIT.protocolBps)) / 10_000n;
  const data = fee - op - owner - attr - prot;
  const credits: Array<readonly [Address, bigint]> = [
    [getAddress(receipt.receipt.receipt.operator), op],
    [world.owner, owner],
    [attributor, attr],
  ];
  let paid = 0n;
  for (const e of entries) {
    const amount = (data * BigInt(e.weight)) / BigInt(WEIGHT_SCALE);
    paid += amount;
    credits.push([world.contributorOf.get(e.contributionId)!, amount]);
  }
  credits.push([protocol, prot + data - paid]);
  return credits;
};

/**
 * A live chain makes blocks when nobody transacts (an OP Stack sequencer, every 2 s; the demo does the
 * same): a dispute's defense window closes by block time, which an idle anvil would never show.
 */
const liveChainBlocks = (client: ReturnType<typeof createPublicClient>) =>
  Effect.forkScoped(
    Effect.promise(() => client.request({ method: "evm_mine" as "eth_chainId" })).pipe(
      Effect.repeat(Schedule.spaced("1 second")),
    ),
  );

layer(LocalProtocol.layer(), { timeout: 240_000, excludeTestServices: true })("agents end to end", (it) => {
  let world: Populated | undefined;
  const engineFor = (w: Populated) => fixtureEngine(w.contributionIds, 3);

  it.effect(
    `${RECEIPTS} receipts → claims by 2 attributors → window → final; everyone withdraws exactly the brute-force split`,
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const { anvil, deployments } = protocol;
        world = yield* populate(protocol, { users: USERS, escrowPerUser: FEE * BigInt(RECEIPTS + 100) });
        const w = world;
        const events: AgentEvent[] = [];
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine: engineFor(w),
          dataDir: dataDir(),
          maxBatch: Math.max(5, Math.ceil(RECEIPTS / 4)),
          maxWaitMs: 400,
          pollMs: 150,
          onEvent: (e) => events.push(e),
        });
        const addresses = ledgerAddresses(deployments);
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          maxFee: FEE * 2n,
          // receipt i goes to attributor i % 2 (keys 7 and 8), which the Receipt names
          attributors: [ANVIL_KEYS[7], ANVIL_KEYS[8]].map((key) => privateKeyToAccount(key).address),
        });
        const sourced = new Map<string, SourcedReceipt>();
        for (let i = 0; i < RECEIPTS; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `question ${i}?`, `answer ${i} (${i % 7})`));
          sourced.set(`${r.receipt.request.user.toLowerCase()}|${r.receipt.request.nonce}`, r);
          // half through each attributor's intake; each gossips to the other
          const result = yield* Effect.promise(() => network.attributors[i % 2]!.submit(r));
          expect(result).toEqual({ ok: true, stored: true });
        }
        // a refused receipt: its output does not match the operator-signed hash
        const forged = yield* Effect.promise(() => source.answer(0, "forged?", "real output"));
        const refused = yield* Effect.promise(() =>
          network.attributors[0]!.submit({ ...forged, output: "another output" }),
        );
        expect(refused).toEqual({ ok: false, error: "receipt refused: output-hash" });

        const chain = localChain(anvil.chainId, anvil.rpcUrl);
        const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
        const follower = yield* makeFollower(client, anvil.chainId, addresses);
        const included = () =>
          [...follower.claims.values()].reduce((n, c) => n + (c.status !== "void" ? c.receipts.length : 0), 0);
        yield* eventually(async () => {
          await Effect.runPromise(follower.sync);
          return included() >= RECEIPTS;
        }, "every receipt to be in a posted claim");
        const claims = [...follower.claims.values()];
        expect(included()).toBe(RECEIPTS); // none twice
        expect(claims.every((c) => c.correct)).toBe(true);
        expect(network.challengers[0]!.badClaims()).toEqual([]);

        yield* advanceTime(anvil.rpcUrl, Number(follower.params.challengeWindow) + 1);
        yield* eventually(async () => {
          await Effect.runPromise(follower.sync);
          return claims.every((c) => follower.claims.get(c.id)!.status === "final");
        }, "every claim to finalize");

        // expected earnings, brute force over the receipts each claim holds
        const protocolAddress = follower.params.protocol;
        const expected = new Map<Address, bigint>();
        const engine = engineFor(w);
        for (const claim of claims) {
          for (const key of claim.receipts) {
            const r = sourced.get(`${key.user.toLowerCase()}|${key.nonce}`)!;
            const { entries } = yield* engine.attribute({ modelId: w.modelId, input: r.input, output: r.output });
            // σ pays the attributor the Receipt names, not the claim's poster (docs/protocol.md §3)
            for (const [account, amount] of splitOf(r, entries, w, r.receipt.receipt.attributor, protocolAddress)) {
              expected.set(account, (expected.get(account) ?? 0n) + amount);
            }
          }
        }
        const totalFees = FEE * BigInt(RECEIPTS);
        expect([...expected.values()].reduce((a, b) => a + b, 0n)).toBe(totalFees);
        const final = follower.finalLedger().ledger;
        for (const [account, amount] of expected) expect(final.tree.leaf(account).earned).toBe(amount);

        // the attributors withdraw by themselves
        const withdrawn = (account: Address) =>
          client.readContract({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "withdrawn",
            args: [account],
          });
        const posters = [...new Set(claims.map((c) => c.claimant))];
        yield* eventually(async () => {
          for (const a of posters) if ((await withdrawn(a)) !== expected.get(a)) return false;
          return true;
        }, "the attributors to withdraw their earnings");

        // everyone else: a withdrawal with a proof against the final root pays exactly the expected amount
        const wallet = createWalletClient({
          chain,
          transport: http(anvil.rpcUrl),
          account: privateKeyToAccount(ANVIL_KEYS[5]),
        });
        for (const [account, amount] of expected) {
          if (posters.includes(account)) continue;
          const before = yield* Effect.promise(() =>
            client.readContract({
              address: addresses.openToken,
              abi: openTokenAbi,
              functionName: "balanceOf",
              args: [account],
            }),
          );
          const hash = yield* Effect.promise(() =>
            wallet.writeContract({
              address: addresses.ledger,
              abi: attributionLedgerAbi,
              functionName: "withdraw",
              args: [account, final.tree.leaf(account), bytesToHex(final.tree.proof(account))],
            }),
          );
          yield* Effect.promise(() => client.waitForTransactionReceipt({ hash }));
          const after = yield* Effect.promise(() =>
            client.readContract({
              address: addresses.openToken,
              abi: openTokenAbi,
              functionName: "balanceOf",
              args: [account],
            }),
          );
          expect(after - before).toBe(amount);
        }
        // metrics tell the same story
        const postedTotal = network.attributors.reduce(
          (n, a) => n + a.metrics.counter("poa_attributor_claims_posted_total", "").get(),
          0,
        );
        expect(postedTotal).toBe(claims.length);
        expect(events.filter((e) => e.kind === "claimPosted").length).toBe(claims.length);
      }),
    E2E_TIMEOUT,
  );

  it.effect(
    "spec B: one allowance per user, the operator signs a receipt group → a group claim whose σ the follower recomputes to the chain's state; a bad group signature is refused and counted",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const { anvil, deployments } = protocol;
        const w = world ?? (yield* populate(protocol, { users: 2, escrowPerUser: FEE * 100n }));
        const addresses = ledgerAddresses(deployments);
        const chain = localChain(anvil.chainId, anvil.rpcUrl);
        const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
        const follower = yield* makeFollower(client, anvil.chainId, addresses);
        yield* follower.sync;
        const before = new Set(follower.claims.keys());
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine: engineFor(w),
          dataDir: dataDir(),
          attributorKeys: [ANVIL_KEYS[7]],
          challengerKeys: [ANVIL_KEYS[9]],
          maxBatch: 64,
          maxWaitMs: 300,
          pollMs: 150,
          httpIntake: true,
        });
        const attributor = network.attributors[0]!;
        const intakeUrl = `${attributor.intakeUrl!}/receipts`;
        const domain = attributionDomain(anvil.chainId, addresses.ledger);
        // a fresh operator: its (user, operator) windows are new, whatever the other tests spent
        const operator = privateKeyToAccount(generatePrivateKey());
        const users = w.userKeys.slice(0, 2).map((k) => privateKeyToAccount(k));
        const chainNow = (yield* Effect.promise(() => client.getBlock({ blockTag: "latest" }))).timestamp;
        const groups: SignedGroupWithTexts[] = [];
        const grouper = new GroupSigner(operator, domain, {
          attribute: attributeOverHttp(intakeUrl),
          onGroup: (g) => groups.push(g),
          maxWaitMs: 60_000, // closed by the flush below: one group
        });
        const signer = new ReceiptSigner(operator, domain, {
          paymentsRequired: true,
          now: () => chainNow,
          attributor: attributor.address,
          onRecord: (served) => grouper.add(served),
        });
        // each user signs ONE allowance for this operator, then chats three times under it
        const allowances = yield* Effect.promise(() =>
          Promise.all(
            users.map(async (user, k) => {
              const allowance = {
                user: user.address,
                operator: operator.address,
                cap: FEE * 10n,
                nonce: 1_000n * BigInt(k + 1),
                expiry: chainNow + 86_400n,
              };
              const signature = await user.signTypedData({
                domain,
                types: allowanceTypes,
                primaryType: "Allowance",
                message: allowance,
              });
              return { allowance: JSON.stringify(Schema.encodeSync(AllowanceSchema)(allowance)), signature };
            }),
          ),
        );
        const CHATS = 6;
        for (let i = 0; i < CHATS; i++) {
          const canonical = plainCompletion(`model-${w.modelId}`, `group question ${i}?`);
          const auth = yield* Effect.promise(() =>
            signer.authorize(
              {
                request: undefined,
                signature: undefined,
                allowance: allowances[i % 2]!.allowance,
                allowanceSignature: allowances[i % 2]!.signature,
              },
              canonical,
              { modelId: w.modelId, price: FEE },
            ),
          );
          if (auth instanceof PaymentError) return yield* Effect.fail(new Error(auth.message));
          yield* Effect.promise(() => signer.sign(auth, `group answer ${i} (${i % 5})`));
        }
        yield* Effect.promise(() => grouper.flush());
        expect(groups.length).toBe(1);
        const [signed] = groups;
        expect(signed!.group.records.length).toBe(CHATS);
        expect(signed!.group.allowances.length).toBe(2);
        const wire = {
          group: signed!.group,
          texts: signed!.texts.map((t) => ({ request: bytesToHex(t.request), output: t.output })),
        };
        const postGroup = (body: unknown) =>
          Effect.promise(() =>
            fetch(`${attributor.intakeUrl!}/groups`, { method: "POST", body: JSON.stringify(body) }).then(
              async (response) => ({ status: response.status, body: (await response.json()) as unknown }),
            ),
          );
        const encodeWire = Schema.encodeSync(GroupWithTexts);
        // a group signed by someone else than its operator: refused, counted, nothing stored
        const forger = privateKeyToAccount(generatePrivateKey());
        const forged = yield* Effect.promise(() =>
          forger.signTypedData({
            domain,
            types: receiptGroupTypes,
            primaryType: "ReceiptGroup",
            message: groupHeaderOf(signed!.group),
          }),
        );
        const refused = yield* postGroup(encodeWire({ ...wire, group: { ...wire.group, signature: forged } }));
        expect(refused.status).toBe(400);
        const rejected = attributor.metrics.counter("poa_attributor_groups_rejected_total", "");
        expect(rejected.get({ reason: "operator-signature" })).toBe(1);
        expect(yield* postGroup(encodeWire(wire))).toEqual({ status: 202, body: { stored: true } });

        yield* eventually(async () => {
          await Effect.runPromise(follower.sync);
          return [...follower.claims.values()].some((c) => !before.has(c.id) && c.groups.length > 0);
        }, "the group to be in a posted claim");
        const claim = [...follower.claims.values()].find((c) => !before.has(c.id) && c.groups.length > 0)!;
        // the follower rebuilt T from ClaimData (2 Authorizes, the group's 6 records, the Settles) and σ's
        // commitment equals the one the chain accepted
        expect(claim.correct).toBe(true);
        const items = decodeBatch(claim.batch);
        expect(items.map((item) => item.kind)).toEqual(["authorize", "authorize", "group"]);
        expect(claim.receipts.length).toBe(CHATS);
        expect(claim.debits.map((d) => [d.payer, d.amount])).toEqual(
          users.map((u) => [u.address, FEE * 3n] as const).sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1)),
        );
        // the operator's and the attributor's credits, brute force over the records (not σ)
        const op = (FEE * BigInt(SPLIT.operatorBps)) / 10_000n;
        const attr = (FEE * BigInt(SPLIT.attributorBps)) / 10_000n;
        expect(claim.ledger.tree.leaf(operator.address).earned).toBe(op * BigInt(CHATS));
        const parent = follower.claims.get(claim.parentId)?.ledger.tree.leaf(attributor.address).earned ?? 0n;
        expect(claim.ledger.tree.leaf(attributor.address).earned - parent).toBe(attr * BigInt(CHATS));
        expect(network.challengers[0]!.badClaims()).toEqual([]);
        // the records carry the attributor's engine's entries (the test runs the engine itself)
        const engine = engineFor(w);
        for (const [i, record] of signed!.group.records.entries()) {
          const { entries } = yield* engine.attribute({
            modelId: w.modelId,
            input: `group question ${i}?`,
            output: `group answer ${i} (${i % 5})`,
          });
          expect(entries.length).toBeGreaterThan(0);
          expect(record.entries).toEqual(entries.map((e) => ({ contributionId: e.contributionId, weight: e.weight })));
        }
      }),
    E2E_TIMEOUT,
  );

  it.effect(
    "kill -9 right after a claim is mined, restart: every receipt is posted exactly once",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const { anvil, deployments } = protocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const addresses = ledgerAddresses(deployments);
        const chain = localChain(anvil.chainId, anvil.rpcUrl);
        const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
        const follower = yield* makeFollower(client, anvil.chainId, addresses);
        yield* follower.sync;
        const before = new Set(follower.claims.keys());
        const dir = dataDir();
        const workerConfig = (crash: boolean) =>
          JSON.stringify({
            rpcUrl: anvil.rpcUrl,
            chainId: anvil.chainId,
            deployments,
            key: ANVIL_KEYS[8],
            dataDir: dir,
            contributionIds: w.contributionIds.map(String),
            maxBatch: 8,
            crashAfterFirstPost: crash,
          });
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 200_000n,
        });
        const receipts: SourcedReceipt[] = [];
        for (let i = 0; i < CRASH_RECEIPTS; i++) {
          receipts.push(yield* Effect.promise(() => source.answer(i, `q-crash-${i}`, `a-crash-${i}`)));
        }
        const post = (url: string, r: SourcedReceipt) =>
          fetch(`${url}/receipts`, { method: "POST", body: encodeIntakeBody(r) }).then(
            async (response) => ({ status: response.status, body: (await response.json()) as unknown }),
            () => ({ status: 0, body: "connection failed" as unknown }),
          );

        // all at once: the worker may post (and die) before the last ones arrive; those are resent below
        const first = yield* startWorker(workerConfig(true));
        const firstAnswers = yield* Effect.promise(() => Promise.all(receipts.map((r) => post(first.url, r))));
        expect(firstAnswers.filter((a) => a.status === 202).length).toBeGreaterThanOrEqual(8);
        const exit = yield* Effect.promise(() => first.exited);
        expect(exit.signal).toBe("SIGKILL");
        yield* follower.sync;
        const posted = [...follower.claims.values()].filter((c) => !before.has(c.id));
        expect(posted.length).toBe(1); // the claim it died right after
        const inFirst = new Set(posted[0]!.receipts.map((r) => `${r.user.toLowerCase()}|${r.nonce}`));

        const second = yield* startWorker(workerConfig(false));
        const secondAnswers = yield* Effect.promise(() => Promise.all(receipts.map((r) => post(second.url, r))));
        for (const [i, r] of receipts.entries()) {
          const key = `${r.receipt.request.user.toLowerCase()}|${r.receipt.request.nonce}`;
          // what the dead process stored survived it: a duplicate now, whether posted already or not
          const storedBefore = firstAnswers[i]!.status === 202;
          expect(secondAnswers[i]).toEqual({ status: 202, body: { stored: !storedBefore } });
          if (inFirst.has(key)) expect(storedBefore).toBe(true);
        }
        yield* eventually(async () => {
          await Effect.runPromise(follower.sync);
          const mine = [...follower.claims.values()].filter((c) => !before.has(c.id));
          return mine.reduce((n, c) => n + c.receipts.length, 0) >= CRASH_RECEIPTS;
        }, "the restarted attributor to post the rest");
        second.kill();
        const mine = [...follower.claims.values()].filter((c) => !before.has(c.id));
        const keys = mine.flatMap((c) => c.receipts.map((r) => `${r.user.toLowerCase()}|${r.nonce}`));
        expect(keys.length).toBe(CRASH_RECEIPTS);
        expect(new Set(keys).size).toBe(CRASH_RECEIPTS);
        const charged = mine.flatMap((c) => c.debits).reduce((sum, d) => sum + d.amount, 0n);
        expect(charged).toBe(FEE * BigInt(CRASH_RECEIPTS));
        expect(mine.every((c) => c.correct)).toBe(true);
      }),
    E2E_TIMEOUT,
  );

  it.effect(
    "bad gossip is rejected and counted; a corrupted split loses its game: claim void, pot refunded, bond slashed, receipts re-posted",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const { anvil, deployments } = protocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine: engineFor(w),
          attributorKeys: [ANVIL_KEYS[7]],
          challengerKeys: [ANVIL_KEYS[9]],
          dataDir: dataDir(),
          maxBatch: 5,
          maxWaitMs: 300,
          pollMs: 150,
          corrupt: { attributor: 0, claim: 1 },
        });
        const [attributor] = network.attributors;
        const [challenger] = network.challengers;
        const addresses = ledgerAddresses(deployments);
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 300_000n, // above the crash test's nonces: the window of §2 treats lower ones as spent,
        });

        // bad gossip from a raw node: malformed, oversized, wrongly signed and replayed
        const rogueKey = ANVIL_KEYS[6];
        const rogue = yield* startNode({ heartbeatMs: 100, bootstrap: [attributor!.gossip.addresses[0]!] }, rogueKey);
        yield* eventually(
          async () => (await Effect.runPromise(rogue.gossip.meshPeerCount(Topics.receipts))) > 0,
          "the rogue node to join the mesh",
          20_000,
        );
        const good = yield* Effect.promise(() => source.answer(0, "q-rogue", "a-rogue"));
        const payload = {
          ...good.receipt,
          attribution: [{ contributionId: w.contributionIds[0]!, weight: WEIGHT_SCALE }],
        };
        const unsigned: UnsignedEnvelope = {
          topic: Topics.receipts,
          version: 1,
          sender: rogue.identity.address,
          timestamp: Date.now(),
          seq: 7,
          payload: encodePayload(Topics.receipts, payload),
        };
        const signature = yield* rogue.identity.signDigest(envelopeDigest(unsigned));
        const otherSigner = Identity.make(Redacted.make(ANVIL_KEYS[5]));
        const wrongSignature = yield* otherSigner.signDigest(envelopeDigest(unsigned));
        yield* rogue.gossip.publishRaw(Topics.receipts, stringToBytes("{not json"));
        yield* rogue.gossip.publishRaw(Topics.receipts, new Uint8Array(300 * 1024).fill(65));
        yield* rogue.gossip.publishRaw(Topics.receipts, encodeEnvelope(unsigned, wrongSignature));
        yield* rogue.gossip.publishRaw(Topics.receipts, encodeEnvelope(unsigned, signature));
        // the same signed envelope again, re-encoded (new bytes, so gossipsub does not dedupe it): a replay
        yield* rogue.gossip.publishRaw(
          Topics.receipts,
          stringToBytes(JSON.stringify({ ...unsigned, signature }, null, 1)),
        );
        const seen = (result: string, reason: string) =>
          attributor!.metrics.counter("poa_gossip_messages_total", "").get({ topic: Topics.receipts, result, reason });
        yield* eventually(
          () =>
            seen("reject", "encoding") >= 1 &&
            seen("reject", "signature") >= 1 &&
            seen("accept", "ok") >= 1 &&
            seen("ignore", "duplicate") >= 1,
          "the attributor to count every bad message",
          20_000,
        );

        // the attributor keeps working: receipts flow in, and its first claim is the corrupted one
        const client = createPublicClient({ transport: http(anvil.rpcUrl) });
        yield* liveChainBlocks(client);
        const escrowOf = (user: Address) =>
          client.readContract({
            address: addresses.paymentEscrow,
            abi: paymentEscrowAbi,
            functionName: "balanceOf",
            args: [user],
          });
        const openOf = (account: Address) =>
          client.readContract({
            address: addresses.openToken,
            abi: openTokenAbi,
            functionName: "balanceOf",
            args: [account],
          });
        const users = w.userKeys.map((k) => privateKeyToAccount(k).address);
        const escrowBefore = yield* Effect.promise(() => Promise.all(users.map(escrowOf)));
        const challengerBefore = yield* Effect.promise(() => openOf(challenger!.address));
        const bondBefore = yield* Effect.promise(() =>
          client.readContract({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "bondOf",
            args: [attributor!.address],
          }),
        );
        const fraudReceipts: SourcedReceipt[] = [];
        for (let i = 1; i <= 5; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `q-fraud-${i}`, `a-fraud-${i}`));
          fraudReceipts.push(r);
          expect(yield* Effect.promise(() => attributor!.submit(r))).toEqual({ ok: true, stored: true });
        }
        yield* eventually(() => challenger!.badClaims().length > 0, "the challenger to flag the corrupted claim");
        const [bad] = challenger!.badClaims();
        expect(bad!.claimant).toBe(attributor!.address);

        // the challenger plays the game to the one-step proof and wins; the claim is void, its pot refunded
        yield* eventually(() => challenger!.games().length > 0, "the game to end", 90_000);
        const [game] = challenger!.games();
        expect(game).toMatchObject({ claimId: bad!.claimId, won: true });
        const follower = attributor!.handle.follower;
        // the void lands with the challenge's settlement, in the challenger's last tick: followers see it next
        yield* eventually(() => follower.claims.get(bad!.claimId)?.status === "void", "the attributor to see the void");
        const voided = yield* Effect.promise(() =>
          client.readContract({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "claim",
            args: [bad!.claimId],
          }),
        );
        expect(voided.status).toBe(3); // Void
        expect(voided.pot).toBe(0n); // refunded to the payers' escrow (the re-post below charges them once)
        const refunds = yield* Effect.promise(() =>
          client.getContractEvents({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            eventName: "PotRefunded",
            args: { claimId: bad!.claimId },
            fromBlock: 0n,
          }),
        );
        expect(refunds.map((e) => e.args.amount)).toEqual([
          follower.claims.get(bad!.claimId)!.debits.reduce((sum, d) => sum + d.amount, 0n),
        ]);
        const bondAfter = yield* Effect.promise(() =>
          client.readContract({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "bondOf",
            args: [attributor!.address],
          }),
        );
        const claimBond = follower.params.claimBond;
        expect(bondBefore.bonded - bondAfter.bonded).toBe(claimBond);
        // the challenger got its own bond back plus the unburned half of the claimant's
        const burnBps = yield* Effect.promise(() =>
          client.readContract({ address: addresses.ledger, abi: attributionLedgerAbi, functionName: "BURN_BPS" }),
        );
        const challengerAfter = yield* Effect.promise(() => openOf(challenger!.address));
        expect(challengerAfter - challengerBefore).toBe(claimBond - (claimBond * BigInt(burnBps)) / 10_000n);

        // the attributor (honest from now on) re-posts the same receipts on the last good claim: charged once
        const keyOf = (r: SourcedReceipt) => `${r.receipt.request.user.toLowerCase()}|${r.receipt.request.nonce}`;
        const wanted = fraudReceipts.map(keyOf);
        yield* eventually(() => {
          const live = [...follower.claims.values()].filter((c) => c.id > bad!.claimId && c.status !== "void");
          const have = new Set(live.flatMap((c) => c.receipts.map((r) => `${r.user.toLowerCase()}|${r.nonce}`)));
          return wanted.every((k) => have.has(k));
        }, "the voided receipts to be posted again");
        const reposted = [...follower.claims.values()].filter((c) => c.id > bad!.claimId);
        expect(reposted.every((c) => c.correct && c.parentId !== bad!.claimId)).toBe(true);
        const keys = reposted.flatMap((c) => c.receipts.map((r) => `${r.user.toLowerCase()}|${r.nonce}`));
        for (const r of fraudReceipts) {
          expect(keys).toContain(`${r.receipt.request.user.toLowerCase()}|${r.receipt.request.nonce}`);
        }
        // the rogue's receipt came by gossip only (no texts): stored unattributed, never posted with its weights
        expect(keys).not.toContain(keyOf(good));
        expect(
          attributor!.metrics.counter("poa_attributor_receipts_unattributed_total", "").get({ reason: "no-texts" }),
        ).toBe(1);
        const escrowAfter = yield* Effect.promise(() => Promise.all(users.map(escrowOf)));
        const charged = escrowBefore.reduce((sum, b, i) => sum + (b - escrowAfter[i]!), 0n);
        expect(charged).toBe(reposted.flatMap((c) => c.debits).reduce((sum, d) => sum + d.amount, 0n));
        expect(charged).toBe(FEE * BigInt(keys.length));
      }),
    // the claim is voided once its challenge's defense window (30 s on the local preset) has passed
    180_000,
  );

  it.effect(
    "kill -9 the challenger right after it opens a game, restart: it resumes that game and wins it",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const { anvil, deployments } = protocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const addresses = ledgerAddresses(deployments);
        const game = addresses.disputeGame;
        if (game === undefined) return yield* Effect.fail(new Error("no DisputeGame deployed"));
        const client = createPublicClient({ transport: http(anvil.rpcUrl) });
        yield* liveChainBlocks(client);
        const gameCount = () =>
          Effect.promise(() => client.readContract({ address: game, abi: disputeGameAbi, functionName: "gameCount" }));
        const before = yield* gameCount();
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine: engineFor(w),
          attributorKeys: [ANVIL_KEYS[8]],
          challengerKeys: [],
          dataDir: dataDir(),
          maxBatch: 3,
          maxWaitMs: 300,
          pollMs: 150,
          corrupt: { attributor: 0, claim: 1 },
        });
        const [attributor] = network.attributors;
        const dir = dataDir();
        const workerConfig = (crash: boolean) =>
          JSON.stringify({
            rpcUrl: anvil.rpcUrl,
            chainId: anvil.chainId,
            deployments,
            key: ANVIL_KEYS[9],
            dataDir: dir,
            contributionIds: [],
            maxBatch: 1,
            crashAfterFirstPost: crash,
            role: "challenger",
            bootstrap: [attributor!.gossip.addresses[0]!],
          });
        const first = yield* startWorker(workerConfig(true));
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 500_000n,
        });
        for (let i = 0; i < 3; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `q-game-crash-${i}`, `a-game-crash-${i}`));
          expect(yield* Effect.promise(() => attributor!.submit(r))).toEqual({ ok: true, stored: true });
        }
        const exit = yield* Effect.promise(() => first.exited);
        expect(exit.signal).toBe("SIGKILL");
        expect(yield* gameCount()).toBe(before + 1n);

        yield* startWorker(workerConfig(false));
        const status = () =>
          client
            .readContract({ address: game, abi: disputeGameAbi, functionName: "game", args: [before] })
            .then((g) => g.status);
        yield* eventually(async () => (await status()) !== 1, "the resumed game to end", 90_000);
        expect(yield* Effect.promise(status)).toBe(3); // ChallengerWon
        expect(yield* gameCount()).toBe(before + 1n); // resumed, not opened again
        const challengeStatus = () =>
          client
            .readContract({ address: game, abi: disputeGameAbi, functionName: "challenge", args: [before] })
            .then((c) => c.status);
        // nobody else defends the wrong claim: once the defense window has passed, the challenge voids it
        yield* eventually(async () => (await challengeStatus()) === 3, "the challenge to void the claim", 90_000);
        const g = yield* Effect.promise(() =>
          client.readContract({ address: game, abi: disputeGameAbi, functionName: "game", args: [before] }),
        );
        const claim = yield* Effect.promise(() =>
          client.readContract({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "claim",
            args: [BigInt(g.claimId)],
          }),
        );
        expect(claim.status).toBe(3); // Void
      }),
    180_000,
  );

  it.effect(
    "runLocalNetwork (the demo's entry point) turns a receipt stream into posted claims and reports them",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const { anvil, deployments } = protocol;
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: ledgerAddresses(deployments).ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 600_000n, // above every earlier test's nonces (the challenger-crash test uses 500_000): lower ones are replays
          attributors: [ANVIL_KEYS[7], ANVIL_KEYS[8]].map((key) => privateKeyToAccount(key).address),
        });
        const stream = Stream.range(0, 11).pipe(
          Stream.mapEffect((i) => Effect.promise(() => source.answer(i, `d${i}`, `o${i}`))),
        );
        const events: AgentEvent[] = [];
        const network = yield* runLocalNetwork(protocol, engineFor(w), stream, {
          dataDir: dataDir(),
          maxBatch: 4,
          maxWaitMs: 300,
          onEvent: (e) => events.push(e),
        });
        const posted = () => events.reduce((n, e) => n + (e.kind === "claimPosted" ? e.receipts : 0), 0);
        yield* eventually(() => posted() >= 12, "the streamed receipts to be posted");
        expect(posted()).toBe(12);
        expect(network.attributors).toHaveLength(2);
        // a fresh challenger replays history: the only wrong claim it finds is the one voided earlier
        const follower = network.attributors[0]!.handle.follower;
        for (const bad of network.challengers[0]!.badClaims())
          expect(follower.claims.get(bad.claimId)?.status).toBe("void");
      }),
    E2E_TIMEOUT,
  );

  it.effect(
    "a postClaim dropped before the attributor read its receipt (a reorg took it back) is posted again within seconds",
    () =>
      Effect.gen(function* () {
        // viem's receipt wait never learns that a transaction is gone and held the attributor's whole loop for
        // 180 s: the multi-process e2e missed receipts only that attributor held (agents/chain/dropped.test.ts)
        const protocol = yield* LocalProtocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const { anvil, deployments } = protocol;
        const addresses = ledgerAddresses(deployments);
        const rpc = (method: string, params: ReadonlyArray<unknown>) =>
          Effect.promise(() =>
            fetch(anvil.rpcUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
            }).then((r) => r.json()),
          );
        const events: AgentEvent[] = [];
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine: engineFor(w),
          attributorKeys: [ANVIL_KEYS[7]],
          challengerKeys: [],
          dataDir: dataDir(),
          maxBatch: 2,
          maxWaitMs: 300,
          pollMs: 100,
          onEvent: (e) => events.push(e),
        });
        const node = network.attributors[0]!;
        // the bond is in place (the attributor bonds at start): from here the chain mines only when told,
        // so the claim's transaction waits in the pool, where it is dropped before it is ever mined
        yield* Effect.acquireRelease(rpc("evm_setAutomine", [false]), () => rpc("evm_setAutomine", [true]));
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 650_000n, // above the runLocalNetwork test's nonces, below the defense test's
        });
        const receipts: SourcedReceipt[] = [];
        for (let i = 0; i < 2; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `q-drop-${i}`, `a-drop-${i}`));
          expect(yield* Effect.promise(() => node.submit(r))).toEqual({ ok: true, stored: true });
          receipts.push(r);
        }
        const sent = () => events.flatMap((e) => (e.kind === "claimSent" ? [e] : []));
        yield* eventually(() => sent().length > 0, "the attributor to send its claim", 30_000);
        const dropped = sent()[0]!.hash;
        yield* rpc("anvil_dropTransaction", [dropped]);
        yield* rpc("evm_setAutomine", [true]);
        const started = Date.now();
        const posted = () => events.filter((e) => e.kind === "claimPosted");
        yield* eventually(() => posted().length > 0, "the receipts to be posted again", 30_000);
        console.log(`agents e2e: dropped postClaim → posted again after ${Date.now() - started} ms`);
        // sent a second time (the same bytes, and so the same hash, when nothing changed meanwhile: same
        // nonce, parent and reference time), and on chain once, with both receipts
        expect(sent().length).toBeGreaterThanOrEqual(2);
        expect(sent().some((e) => e.hash === dropped)).toBe(true);
        const follower = node.handle.follower;
        const keys = new Set(receipts.map((r) => `${r.receipt.request.user.toLowerCase()}|${r.receipt.request.nonce}`));
        const holding = () =>
          [...follower.claims.values()].filter(
            (c) => c.status !== "void" && c.receipts.some((r) => keys.has(`${r.user.toLowerCase()}|${r.nonce}`)),
          );
        yield* eventually(() => holding().length === 1, "the follower to read the claim", 30_000);
        expect(holding()[0]!.receipts.filter((r) => keys.has(`${r.user.toLowerCase()}|${r.nonce}`)).length).toBe(2);
      }),
    E2E_TIMEOUT,
  );
  it.effect(
    "a challenge against an honest claim is defended by every attributor that agrees, not only its poster",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const { anvil, deployments } = protocol;
        const addresses = ledgerAddresses(deployments);
        const game = addresses.disputeGame;
        if (game === undefined) return yield* Effect.fail(new Error("no DisputeGame deployed"));
        const client = createPublicClient({ transport: http(anvil.rpcUrl) });
        yield* liveChainBlocks(client);
        // the attacker: a bare wallet with OPEN for a challenge bond, challenging a claim it knows is right
        const attacker = privateKeyToAccount(ANVIL_KEYS[6]);
        const base = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments };
        yield* fundAccounts(base, protocol.deployerKey, { open: [[attacker.address, parseUnits("1000", 18)]] });
        const network = yield* startNetwork({
          ...base,
          engine: engineFor(w),
          attributorKeys: [ANVIL_KEYS[7], ANVIL_KEYS[8]],
          challengerKeys: [],
          dataDir: dataDir(),
          maxBatch: 3,
          maxWaitMs: 300,
          pollMs: 150,
        });
        const [poster, other] = network.attributors;
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 700_000n, // above every earlier test's nonces
        });
        for (let i = 0; i < 3; i++) {
          const r = yield* Effect.promise(() => source.answer(i, `q-defend-${i}`, `a-defend-${i}`));
          expect(yield* Effect.promise(() => poster!.submit(r))).toEqual({ ok: true, stored: true });
        }
        const follower = other!.handle.follower;
        const mine = () =>
          // the claim carrying this test's receipts (a fresh follower also replays older claims)
          [...follower.claims.values()].find(
            (c) =>
              c.claimant.toLowerCase() === poster!.address.toLowerCase() &&
              c.correct &&
              c.status === "pending" &&
              c.receipts.some((r) => r.nonce >= 700_000n),
          );
        yield* eventually(() => mine() !== undefined, "the poster's claim, followed by the other attributor");
        const claimId = mine()!.id;

        const wallet = createWalletClient({
          chain: localChain(anvil.chainId, anvil.rpcUrl),
          transport: http(anvil.rpcUrl),
          account: attacker,
        });
        const send = async (hash: Hex) => {
          const receipt = await client.waitForTransactionReceipt({ hash });
          expect(receipt.status).toBe("success");
        };
        const challengeId = yield* Effect.promise(async () => {
          const id = await client.readContract({ address: game, abi: disputeGameAbi, functionName: "gameCount" });
          await send(
            await wallet.writeContract({
              address: addresses.openToken,
              abi: openTokenAbi,
              functionName: "approve",
              args: [game, maxUint256],
            }),
          );
          await send(
            await wallet.writeContract({ address: game, abi: disputeGameAbi, functionName: "open", args: [claimId] }),
          );
          return id;
        });

        // the other attributor opens its own defense within the window and plays it (its first bisection)
        const defenses = () =>
          client.getContractEvents({
            address: game,
            abi: disputeGameAbi,
            eventName: "DefenseOpened",
            args: { challengeId },
            fromBlock: 0n,
          });
        yield* eventually(async () => (await defenses()).length > 0, "the other attributor to defend the claim");
        const [opened] = yield* Effect.promise(defenses);
        expect(getAddress(opened!.args.defender!)).toBe(getAddress(other!.address));
        const defenseId = opened!.args.gameId!;
        const turn = () =>
          client
            .readContract({ address: game, abi: disputeGameAbi, functionName: "game", args: [defenseId] })
            .then((g) => g.turn);
        yield* eventually(async () => (await turn()) === 1, "the defender's first bisection (the challenger to move)");
        const g = yield* Effect.promise(() =>
          client.readContract({ address: game, abi: disputeGameAbi, functionName: "game", args: [defenseId] }),
        );
        expect(getAddress(g.claimant)).toBe(getAddress(other!.address));
        expect(g.challengeId).toBe(challengeId);
      }),
    120_000,
  );

  it.effect(
    "a wrong claim posted through a contract wallet is disputed and lost; a later direct wrong claim is caught too",
    () =>
      Effect.gen(function* () {
        const protocol = yield* LocalProtocol;
        const { anvil, deployments } = protocol;
        const w = world;
        if (w === undefined) return yield* Effect.fail(new Error("the first test populates the chain"));
        const addresses = ledgerAddresses(deployments);
        const game = addresses.disputeGame;
        if (game === undefined) return yield* Effect.fail(new Error("no DisputeGame deployed"));
        const events: AgentEvent[] = [];
        const network = yield* startNetwork({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployments,
          engine: engineFor(w),
          attributorKeys: [ANVIL_KEYS[8]],
          challengerKeys: [ANVIL_KEYS[9]],
          dataDir: dataDir(),
          maxBatch: 3,
          maxWaitMs: 300,
          pollMs: 150,
          corrupt: { attributor: 0, claim: 1 },
          onEvent: (e) => events.push(e),
        });
        const [attributor] = network.attributors;
        const [challenger] = network.challengers;
        const chain = localChain(anvil.chainId, anvil.rpcUrl);
        const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
        yield* liveChainBlocks(client);

        // a contract wallet (test/utils/ForwardingWallet.sol; the deploy's forge run builds it, else build it here)
        // owned by anvil key 6
        const artifactPath = "out/ForwardingWallet.sol/ForwardingWallet.json";
        if (!existsSync(artifactPath)) {
          execFileSync(path.resolve("node_modules", ".bin", "forge"), ["build", "test/utils/ForwardingWallet.sol"], {
            stdio: "ignore",
          });
        }
        const artifact = JSON.parse(readFileSync(artifactPath, "utf8")) as {
          readonly abi: Abi;
          readonly bytecode: { readonly object: Hex };
        };
        const owner = createWalletClient({
          chain,
          transport: http(anvil.rpcUrl),
          account: privateKeyToAccount(ANVIL_KEYS[6]),
        });
        const mined = (hash: Hex) =>
          Effect.promise(() => client.waitForTransactionReceipt({ hash })).pipe(
            Effect.tap((receipt) => Effect.sync(() => expect(receipt.status).toBe("success"))),
          );
        const deployed = yield* mined(
          yield* Effect.promise(() =>
            owner.deployContract({
              abi: artifact.abi,
              bytecode: artifact.bytecode.object,
              args: [owner.account.address],
            }),
          ),
        );
        const wallet = getAddress(deployed.contractAddress!);
        const execute = (target: Address, data: Hex) =>
          Effect.promise(() =>
            owner.writeContract({ address: wallet, abi: artifact.abi, functionName: "execute", args: [target, data] }),
          ).pipe(Effect.flatMap(mined));
        const follower = yield* makeFollower(client, anvil.chainId, addresses);
        yield* follower.sync;
        const claimBond = follower.params.claimBond;
        yield* fundAccounts({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deployments }, protocol.deployerKey, {
          open: [[wallet, claimBond]],
        });
        yield* execute(
          addresses.openToken,
          encodeFunctionData({ abi: openTokenAbi, functionName: "approve", args: [addresses.ledger, claimBond] }),
        );
        yield* execute(
          addresses.ledger,
          encodeFunctionData({ abi: attributionLedgerAbi, functionName: "bond", args: [claimBond] }),
        );

        // a wrong claim on the live tip, posted through the wallet: T is real (a signed receipt, its debit),
        // the totals add up (postClaim accepts it), the accounts root is made up
        const tip = follower.tip();
        expect(tip.honest).toBe(true);
        const source = makeReceiptSource({
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          modelId: w.modelId,
          operatorKey: w.operatorKey,
          userKeys: w.userKeys,
          fee: FEE,
          firstNonce: 800_000n, // above every earlier test's nonces (the defense test uses 700_000)
        });
        const r = yield* Effect.promise(() => source.answer(0, "q-wallet", "a-wallet"));
        const { entries } = yield* engineFor(w).attribute({ modelId: w.modelId, input: r.input, output: r.output });
        const tx = toAttributeTx({ ...r.receipt, attribution: entries });
        const block = yield* Effect.promise(() => client.getBlock({ blockTag: "latest" }));
        const parentRef = follower.claims.get(tip.id)?.referenceTime ?? 0n;
        const referenceTime = block.timestamp - 1n > parentRef ? block.timestamp - 1n : parentRef;
        const ctx: SigmaContext = {
          chainId: anvil.chainId,
          ledger: addresses.ledger,
          protocol: follower.params.protocol,
          referenceTime,
          maxEntries: follower.params.maxEntries,
        };
        const registry = yield* fetchRegistryView(client, addresses, [encodeTx(tx)]);
        const ledger = tip.ledger.clone();
        const built = yield* Effect.promise(() => buildClaim(ledger, ctx, registry, [tx]));
        expect(built.debits.length).toBe(1);
        const wrongState = { ...ledger.state, accountsRoot: keccak256(stringToBytes("not the accounts root")) };
        const posted = yield* execute(
          addresses.ledger,
          encodeFunctionData({
            abi: attributionLedgerAbi,
            functionName: "postClaim",
            args: [
              tip.id,
              bytesToHex(built.batch),
              wrongState,
              referenceTime,
              built.debits.map((d) => ({ payer: d.payer, amount: d.amount })),
            ],
          }),
        );
        // the outer transaction is the wallet's execute, not postClaim
        expect(posted.to?.toLowerCase()).toBe(wallet.toLowerCase());

        // the challenger reads it from its ClaimData, finds it wrong and opens a game
        yield* eventually(
          () => challenger!.badClaims().some((b) => b.claimant === wallet),
          "the wallet's claim to be flagged",
        );
        const bad = challenger!.badClaims().find((b) => b.claimant === wallet)!;
        yield* eventually(
          () => events.some((e) => e.kind === "game" && e.claimId === bad.claimId && e.status.startsWith("opened")),
          "the challenger to open a game",
        );
        // nobody defends the wallet's claim (the wallet never moves in its defense): its clock runs out, the
        // defense window closes, and the challenger resolves the game and then the challenge
        const maxClock = yield* Effect.promise(() =>
          client.readContract({ address: game, abi: disputeGameAbi, functionName: "MAX_CLOCK_DURATION" }),
        );
        yield* eventually(
          async () => {
            if (challenger!.games().some((g) => g.claimId === bad.claimId)) return true;
            await Effect.runPromise(advanceTime(anvil.rpcUrl, Number(maxClock) + 1));
            await new Promise((done) => setTimeout(done, 400));
            return false;
          },
          "the challenge against the wallet's claim to end",
          90_000,
        );
        expect(challenger!.games().find((g) => g.claimId === bad.claimId)).toMatchObject({ won: true });
        const voided = yield* Effect.promise(() =>
          client.readContract({
            address: addresses.ledger,
            abi: attributionLedgerAbi,
            functionName: "claim",
            args: [bad.claimId],
          }),
        );
        expect(voided.status).toBe(3); // Void
        expect(voided.pot).toBe(0n); // refunded
        // nobody's follower stalled on it or set it aside
        yield* follower.sync;
        expect(follower.unreadable.size).toBe(0);
        expect(follower.claims.get(bad.claimId)?.correct).toBe(false);
        expect(attributor!.handle.follower.unreadable.size).toBe(0);

        // later, a direct wrong claim (the attributor's first claim moves one credit to itself) is caught too
        for (let i = 1; i <= 3; i++) {
          const receipt = yield* Effect.promise(() => source.answer(i, `q-wallet-${i}`, `a-wallet-${i}`));
          expect(yield* Effect.promise(() => attributor!.submit(receipt))).toEqual({ ok: true, stored: true });
        }
        // (the challenger replays history: the earlier tests' wrong claims by this key are flagged too)
        const isDirect = (b: { readonly claimId: bigint; readonly claimant: Address }) =>
          b.claimant === attributor!.address && b.claimId > bad.claimId;
        yield* eventually(() => challenger!.badClaims().some(isDirect), "the direct wrong claim to be flagged");
        const direct = challenger!.badClaims().find(isDirect)!;
        yield* eventually(
          () => events.some((e) => e.kind === "game" && e.claimId === direct.claimId && e.status.startsWith("opened")),
          "the challenger to open a game against the direct claim",
        );
        // the poster defends and loses the bisection (played in real time: a jump of the clock mid-game could
        // run out either side's clock); once no defense game is in progress, the defense window is run out
        const opened = events.find(
          (e) => e.kind === "game" && e.claimId === direct.claimId && e.status.startsWith("opened"),
        );
        const challengeId = BigInt(/opened game (\d+)/.exec(opened?.kind === "game" ? opened.status : "")?.[1] ?? "0");
        const window = yield* Effect.promise(() =>
          client.readContract({ address: game, abi: disputeGameAbi, functionName: "defenseWindow" }),
        );
        yield* eventually(
          async () => {
            if (challenger!.games().some((g) => g.claimId === direct.claimId)) return true;
            const defenses = await client.getContractEvents({
              address: game,
              abi: disputeGameAbi,
              eventName: "DefenseOpened",
              args: { challengeId },
              fromBlock: 0n,
            });
            const statuses = await Promise.all(
              defenses.map((d) =>
                client
                  .readContract({ address: game, abi: disputeGameAbi, functionName: "game", args: [d.args.gameId!] })
                  .then((g) => g.status),
              ),
            );
            if (statuses.every((status) => status !== 1)) {
              await Effect.runPromise(advanceTime(anvil.rpcUrl, Number(window) + 1));
            }
            await new Promise((done) => setTimeout(done, 1_000));
            return false;
          },
          "the game against the direct claim to end",
          90_000,
        );
        expect(challenger!.games().find((g) => g.claimId === direct.claimId)).toMatchObject({ won: true });
      }),
    240_000,
  );
});
