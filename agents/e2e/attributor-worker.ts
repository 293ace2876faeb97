/**
 * One attributor as a child process, for the crash test: `tsx agents/e2e/attributor-worker.ts '<json>'`.
 * Prints `READY <intake url>` once it serves. With `crashAfterFirstPost` it SIGKILLs itself right after
 * its first claim is mined, before any bookkeeping: the harshest point for a restart to recover from.
 */
import { NodeRuntime } from "@effect/platform-node";
import { Effect, Schema } from "effect";
import { runAttributor } from "../attributor/attributor.ts";
import { type IntakeResult, serveIntake } from "../attributor/intake.ts";
import { Deployments } from "../chain/Deployments.ts";
import { agentContext, ledgerAddresses } from "../network/network.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";

const WorkerConfig = Schema.Struct({
  rpcUrl: Schema.String,
  chainId: Schema.Number,
  deployments: Deployments,
  key: Schema.TemplateLiteral(["0x", Schema.String]),
  dataDir: Schema.String,
  contributionIds: Schema.Array(Schema.String),
  maxBatch: Schema.Number,
  crashAfterFirstPost: Schema.Boolean,
});

const program = Effect.gen(function* () {
  const config = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(WorkerConfig))(process.argv[2] ?? "");
  const { context } = yield* agentContext(config, "attributor-worker", config.key, []);
  const handle = yield* runAttributor({
    name: "attributor-worker",
    chainId: config.chainId,
    addresses: ledgerAddresses(config.deployments),
    engine: fixtureEngine(config.contributionIds.map(BigInt), 3),
    maxBatch: config.maxBatch,
    maxWaitMs: 300,
    pollMs: 100,
    bondClaims: 8,
    ...(config.crashAfterFirstPost ? { afterPost: () => process.kill(process.pid, "SIGKILL") } : {}),
  }).pipe(Effect.provideContext(context));
  const intake = yield* serveIntake({}, (receipt) =>
    Effect.runPromise(
      handle.intake(receipt).pipe(
        Effect.map((stored): IntakeResult => ({ ok: true, stored })),
        Effect.catch((e) => Effect.succeed<IntakeResult>({ ok: false, error: e.message })),
      ),
    ),
  );
  process.stdout.write(`READY ${intake.url}\n`);
  return yield* Effect.never;
});

Effect.scoped(program).pipe(NodeRuntime.runMain);
