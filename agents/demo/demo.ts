/**
 * The local demo (`npm start`): a whole Proof of Attribution network on embedded defaults.
 *
 *   1. anvil (--network optimism) and the protocol, deployed by script/Deploy.s.sol;
 *   2. a datanet of real mail (SpamAssassin) contributed by five contributors, approved by its curator;
 *   3. a small spam classifier trained on those contributions, its gradient index committed on chain;
 *   4. a stream of user queries, each answered and attributed by the gradient engine, with a live
 *      summary of who the answers came from and what each contributor has earned.
 *
 * Ctrl-C stops everything cleanly: anvil and every fiber live in one scope.
 */
import { Console, Effect, Fiber, Schedule } from "effect";
import { formatUnits, parseUnits } from "viem";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { deploymentsPath } from "../chain/Deployments.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate, type FeeSplit, registerModel, stake } from "../chain/registries.ts";
import { WEIGHT_SCALE } from "../engines/engine.ts";
import { CLASSES, sampleMessages } from "../engines/gradient/dataset.ts";
import { trainDemoModel } from "../engines/gradient/demo.ts";
import { asAccount, type LocalAccount, localAccount } from "./accounts.ts";

export interface DemoOptions {
  /** Training examples = contributions in the datanet. */
  readonly examples: number;
  /** User queries to serve; 0 = until Ctrl-C. */
  readonly queries: number;
  /** Milliseconds between queries. */
  readonly intervalMs: number;
  readonly seed: number;
}

export const DEFAULT_DEMO: DemoOptions = { examples: 120, queries: 40, intervalMs: 150, seed: 11 };

/** The model's fee split in basis points: operator / owner / data / attributor / protocol. */
const SPLIT: FeeSplit = { operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500 };
const PRICE = parseUnits("0.01", 18);

const open = (wei: bigint) => Number(formatUnits(wei, 18)).toFixed(4);

export const runDemo = (options: DemoOptions) =>
  Effect.gen(function* () {
    const log = (line: string) => Console.log(line);
    yield* log("▶ starting a local OP Stack chain (anvil --network optimism) and deploying the protocol…");
    const { anvil, deployments } = yield* LocalProtocol;
    const path = deploymentsPath(anvil.chainId);
    const curator = localAccount("curator", ANVIL_KEYS[0]);
    const contributors = ANVIL_KEYS.slice(1, 6).map((key, i) => localAccount(`contributor-${i + 1}`, key));
    const as = (account: LocalAccount) => asAccount(anvil.rpcUrl, path, account);
    yield* log(
      `  chain ${anvil.chainId} at ${anvil.rpcUrl}; registries ${deployments.datanetRegistry}, ${deployments.modelRegistry}`,
    );

    const { datanetId } = yield* createDatanet("demo://spam-assassin").pipe(as(curator));
    const messages = sampleMessages(options.examples, options.seed);
    yield* log(
      `▶ ${contributors.length} contributors add ${messages.length} real mail messages to datanet ${datanetId}…`,
    );
    // Each contributor sends its own messages in order (one nonce sequence per account); contributors run in parallel.
    const perContributor = contributors.map((account, c) =>
      Effect.forEach(
        messages.flatMap((m, i) => (i % contributors.length === c ? [{ m, i }] : [])),
        ({ m, i }) =>
          contribute(datanetId, new TextEncoder().encode(m.text), `demo://spam-assassin/${m.id}`).pipe(
            Effect.map(({ contributionId }) => ({ index: i, contributionId, contributor: account })),
            as(account),
          ),
      ),
    );
    const added = (yield* Effect.all(perContributor, { concurrency: "unbounded" }))
      .flat()
      .sort((a, b) => a.index - b.index);
    yield* Effect.forEach(added, ({ contributionId }) => curate("approveContribution", contributionId), {
      discard: true,
    }).pipe(as(curator));
    yield* log(`  ${added.length} contributions approved by the curator`);

    yield* log("▶ training a small spam classifier on the datanet and indexing its training gradients…");
    const model = yield* Effect.promise(() =>
      trainDemoModel({
        examples: options.examples,
        seed: options.seed,
        contributionIds: added.map((a) => a.contributionId),
      }),
    );
    const { modelId } = yield* registerModel({
      baseModelHash: model.commitment,
      adapterHash: `0x${"00".repeat(32)}`,
      parentModelId: 0n,
      datanetIds: [datanetId],
      method: "gradient",
      attributionIndexCommitment: model.commitment,
      split: SPLIT,
      price: PRICE,
      metadataURI: "demo://spam-classifier",
    }).pipe(as(curator));
    yield* stake(modelId, parseUnits("10", 18)).pipe(as(curator));
    yield* log(`  model ${modelId} registered (index commitment ${model.commitment.slice(0, 18)}…) and staked`);

    const contributorOf = new Map(added.map((a) => [a.contributionId, a.contributor.name]));
    const earnings = new Map<string, bigint>(contributors.map((c) => [c.name, 0n]));
    const queries = sampleMessages(options.queries > 0 ? options.queries : 1000, options.seed, options.examples);
    let served = 0;
    let attributed = 0;

    const summary = Effect.suspend(() => {
      const ranked = [...earnings.entries()].sort(([, a], [, b]) => (b > a ? 1 : b < a ? -1 : 0));
      return log(
        `  ── ${served} queries served, ${attributed} attributed · data earnings (OPEN): ${ranked
          .map(([name, wei]) => `${name} ${open(wei)}`)
          .join(" · ")}`,
      );
    });

    yield* log(`▶ serving user queries (price ${open(PRICE)} OPEN, ${SPLIT.dataBps / 100}% to data); Ctrl-C to stop`);
    const serve = Effect.forEach(
      queries,
      (query) =>
        Effect.gen(function* () {
          const label = CLASSES[query.label] ?? "ham";
          const attribution = yield* model.engine.attribute({ modelId: 0n, input: query.text, output: label });
          served++;
          const dataShare = (PRICE * BigInt(SPLIT.dataBps)) / 10_000n;
          if (attribution.entries.length > 0) attributed++;
          for (const entry of attribution.entries) {
            const name = contributorOf.get(entry.contributionId) ?? "unknown";
            const amount = (dataShare * BigInt(entry.weight)) / BigInt(WEIGHT_SCALE);
            earnings.set(name, (earnings.get(name) ?? 0n) + amount);
          }
          const top = attribution.entries.reduce(
            (best, e) => (e.weight > (best?.weight ?? -1) ? e : best),
            attribution.entries[0],
          );
          const subject = (query.text.split("\n")[0] ?? "").trim().slice(0, 48);
          yield* log(
            `  query ${served}: "${subject}" → ${label}; ${attribution.entries.length} contributions credited${
              top
                ? `, most: #${top.contributionId} (${contributorOf.get(top.contributionId)}, ${(top.weight / 10_000).toFixed(1)}%)`
                : ""
            }`,
          );
          if (served % 10 === 0) yield* summary;
        }).pipe(Effect.delay(options.intervalMs)),
      { discard: true },
    );
    const fiber = yield* Effect.forkChild(options.queries > 0 ? serve : serve.pipe(Effect.repeat(Schedule.forever)));
    yield* Fiber.join(fiber);
    if (served % 10 !== 0) yield* summary;
    yield* log("▶ done: stopping the chain");
    return { served, attributed, earnings, dataSharePerQuery: (PRICE * BigInt(SPLIT.dataBps)) / 10_000n };
  });
