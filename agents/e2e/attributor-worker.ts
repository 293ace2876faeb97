/**
 * One agent as a child process, for the crash tests: `tsx agents/e2e/attributor-worker.ts '<json>'`.
 * An attributor prints `READY <intake url>` once it serves; with `crashAfterFirstPost` it SIGKILLs
 * itself right after its first claim is mined, before any bookkeeping. A challenger (`role`) prints
 * `READY challenger`; with `crashAfterFirstPost` it SIGKILLs itself right after opening its first game.
 */
import { NodeRuntime } from "@effect/platform-node";
import { Effect, Schema } from "effect";
import { runAttributor } from "../attributor/attributor.ts";
import { type IntakeResult, intakeFailure, serveIntake } from "../attributor/intake.ts";
import { Deployments } from "../chain/Deployments.ts";
import { runChallenger } from "../challenger/challenger.ts";
import { agentContext } from "../network/network.ts";
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
  role: Schema.optionalKey(Schema.Literals(["attributor", "challenger"])),
  bootstrap: Schema.optionalKey(Schema.Array(Schema.String)),
});

const program = Effect.gen(function* () {
  const config = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(WorkerConfig))(process.argv[2] ?? "");
  const { context } = yield* agentContext(
    config,
    `${config.role ?? "attributor"}-worker`,
    config.key,
    config.bootstrap ?? [],
  );
  if (config.role === "challenger") {
    yield* runChallenger({
      name: "challenger-worker",
      pollMs: 100,
      ...(config.crashAfterFirstPost ? { afterOpen: () => process.kill(process.pid, "SIGKILL") } : {}),
    }).pipe(Effect.provideContext(context));
    process.stdout.write("READY challenger\n");
    return yield* Effect.never;
  }
  const handle = yield* runAttributor({
    name: "attributor-worker",
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
        Effect.catch((e) => Effect.succeed<IntakeResult>(intakeFailure(e))),
      ),
    ),
  );
  process.stdout.write(`READY ${intake.url}\n`);
  return yield* Effect.never;
});

Effect.scoped(program).pipe(NodeRuntime.runMain);
