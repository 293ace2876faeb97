/**
 * The LoRA operator as an Effect service: the scoped layer opens the model, the adapter tiers and the
 * scheduler, signs receipts with the operator key and serves the OpenAI-compatible API; closing the
 * scope stops the server and releases the session. With `publish`, every signed receipt goes to the
 * attributors with its texts (agents/operator/publish.ts): over gossip (the operator runs a libp2p node
 * under its own key, serving the texts by hash) and/or POSTed to intake URLs. With an intake URL, answers
 * served under a user's allowance (spec B) are grouped (./groups.ts): the first intake URL's attributor
 * gives each record's entries (`POST /attribute`), and the signed groups go out like receipts.
 *
 * `OperatorAgent.fromServices` runs on the shared services, built by the one wiring
 * (agents/network/wiring.ts `operatorServices`: Identity, Metrics, TextStore and Gossip when it gossips);
 * `OperatorAgent.layer` is it with that wiring, what the CLI (from its Config settings,
 * agents/config/operator.ts), the demo and the tests start.
 */
import { Context, Data, Effect, Layer, Option, Redacted } from "effect";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { TextStore, type TextStoreShape } from "../content/texts.ts";
import { Gossip, type GossipConfig, type GossipError, type GossipShape } from "../gossip/gossip.ts";
import { operatorServices } from "../network/wiring.ts";
import { Metrics } from "../observability/metrics.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { attributeOverHttp, GroupSigner } from "./groups.ts";
import { LoraOperator, type OperatorOptions } from "./operator.ts";
import { makeReceiptPublisher, type ReceiptPublisher } from "./publish.ts";
import { type ModelPrice, ReceiptSigner, type ReceiptWithTexts } from "./receipts.ts";
import { OperatorServer } from "./server.ts";

export class OperatorError extends Data.TaggedError("OperatorError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface OperatorAgentConfig {
  readonly operator: OperatorOptions;
  readonly host: string;
  readonly port: number;
  readonly key: Redacted.Redacted<string>;
  readonly paymentsRequired: boolean;
  /** Bearer token for the admin endpoints; without one they are off when payments are required. */
  readonly adminToken?: Redacted.Redacted<string>;
  readonly chainId: number;
  readonly ledger: Address;
  /** The attributor named in this operator's receipts (default: the operator's own address). */
  readonly attributor?: Address;
  readonly onReceipt?: (receipt: ReceiptWithTexts) => void;
  readonly price?: (adapter: string | null) => Promise<ModelPrice>;
  /** Where receipts go: gossip (a libp2p node under the operator key) and/or attributor intake URLs. */
  readonly publish?: {
    readonly intakeUrls: ReadonlyArray<string>;
    readonly gossip?: Omit<GossipConfig, "checkPayload" | "textSource">;
    /** Folder of the text store (default: in memory). */
    readonly textsDir?: string;
    /** Folder of receipts not yet handed to every intake, sent again after a restart (default: none). */
    readonly outboxDir?: string;
    readonly log?: (line: string) => void;
  };
}

export class OperatorAgent extends Context.Service<
  OperatorAgent,
  {
    readonly operator: LoraOperator;
    readonly server: OperatorServer;
    /** e.g. http://127.0.0.1:8000/v1 */
    readonly baseUrl: string;
    readonly address: Address;
    /** The receipt texts this operator holds (served over /poa/text/1 when it gossips). */
    readonly texts: TextStoreShape;
    readonly gossip: GossipShape | undefined;
    readonly publisher: ReceiptPublisher | undefined;
  }
>()("poa/OperatorAgent") {
  /**
   * The operator on the services in context: Metrics (the model's and gossip's counters, served at
   * /metrics), TextStore (the receipts' texts) and Gossip when there is one (receipts published on it).
   */
  static readonly fromServices = (
    config: OperatorAgentConfig,
  ): Layer.Layer<OperatorAgent, OperatorError, Metrics | TextStore> =>
    Layer.effect(
      OperatorAgent,
      Effect.gen(function* () {
        const metrics = yield* Metrics;
        const texts = yield* TextStore;
        const gossipService = yield* Effect.serviceOption(Gossip);
        const account = yield* Effect.try({
          try: () => privateKeyToAccount(Redacted.value(config.key) as Hex),
          catch: () => new OperatorError({ message: "operator key: expected a 32-byte hex private key" }),
        });
        const operator = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () => LoraOperator.open({ metrics, ...config.operator }),
            catch: (cause) =>
              new OperatorError({ message: cause instanceof Error ? cause.message : String(cause), cause }),
          }),
          (op) => Effect.promise(() => op.close()),
        );
        const publish = config.publish;
        // receipts go on the Gossip in context, when there is one (the wiring adds it for `publish.gossip`)
        const gossip = publish === undefined ? undefined : Option.getOrUndefined(gossipService);
        const publisher =
          publish === undefined
            ? undefined
            : yield* makeReceiptPublisher({
                intakeUrls: publish.intakeUrls,
                ...(gossip === undefined ? {} : { gossip }),
                texts,
                metrics,
                ...(publish.log === undefined ? {} : { log: publish.log }),
                ...(publish.outboxDir === undefined ? {} : { outboxDir: publish.outboxDir }),
              });
        const onReceipt = (receipt: ReceiptWithTexts) => {
          publisher?.offer(receipt);
          config.onReceipt?.(receipt);
        };
        const domain = attributionDomain(config.chainId, config.ledger);
        // allowance answers are grouped when an attributor can give their entries (the first intake URL)
        const firstIntake = publish?.intakeUrls[0];
        const groups =
          publisher === undefined || firstIntake === undefined
            ? undefined
            : yield* Effect.acquireRelease(
                Effect.sync(
                  () =>
                    new GroupSigner(account, domain, {
                      attribute: attributeOverHttp(firstIntake),
                      onGroup: (group) => publisher.offerGroup(group),
                      ...(publish?.log === undefined ? {} : { log: publish.log }),
                    }),
                ),
                (g) => Effect.promise(() => g.stop()),
              );
        const signer = new ReceiptSigner(account, domain, {
          paymentsRequired: config.paymentsRequired,
          now: () => BigInt(Math.floor(Date.now() / 1000)),
          ...(config.attributor ? { attributor: config.attributor } : {}),
          onReceipt,
          ...(groups === undefined ? {} : { onRecord: (served) => groups.add(served) }),
        });
        const server = new OperatorServer({
          operator,
          signer,
          ...(config.price ? { price: config.price } : {}),
          ...(config.adminToken ? { adminToken: config.adminToken } : {}),
        });
        const port = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () => server.listen(config.port, config.host),
            catch: (cause) => new OperatorError({ message: `cannot listen on ${config.host}:${config.port}`, cause }),
          }),
          () => Effect.promise(() => server.close()),
        );
        return {
          operator,
          server,
          baseUrl: `http://${config.host}:${port}/v1`,
          address: account.address,
          texts,
          gossip,
          publisher,
        };
      }),
    );

  /** The operator with its services from the one wiring (agents/network/wiring.ts `operatorServices`). */
  static readonly layer = (config: OperatorAgentConfig): Layer.Layer<OperatorAgent, OperatorError | GossipError> =>
    Layer.unwrap(
      Effect.try({
        try: () => {
          const key = Redacted.value(config.key) as Hex;
          privateKeyToAccount(key); // throws on a malformed key, before any service starts
          return Redacted.make(key);
        },
        catch: () => new OperatorError({ message: "operator key: expected a 32-byte hex private key" }),
      }).pipe(
        Effect.map((key) =>
          OperatorAgent.fromServices(config).pipe(
            Layer.provide(
              operatorServices({
                key,
                chainId: config.chainId,
                ledger: config.ledger,
                ...(config.publish?.textsDir === undefined ? {} : { textsDir: config.publish.textsDir }),
                ...(config.publish?.gossip === undefined ? {} : { gossip: config.publish.gossip }),
                ...(config.operator.metrics === undefined ? {} : { metrics: config.operator.metrics }),
              }),
            ),
          ),
        ),
      ),
    );
}
