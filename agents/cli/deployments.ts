/** `poa deployments verify`: checks a deployment against the build and its preset (docs/deploy-opstack.md §4). */
import { Console, Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { formatReport, VerifyError, verifyDeployment } from "../chain/verify.ts";

const verifyCommand = Command.make(
  "verify",
  {
    rpcUrl: Flag.String("rpc-url").pipe(Flag.withDescription("RPC URL of the chain the deployment is on")),
    preset: Flag.String("preset").pipe(
      Flag.optional,
      Flag.withDescription("preset file (default: the one the deployment file names)"),
    ),
    artifacts: Flag.String("artifacts").pipe(
      Flag.withDefault("out"),
      Flag.withDescription("forge's build output (run `forge build` first)"),
    ),
    json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print the checks as JSON")),
    file: Argument.String("deployments-file"),
  },
  (flags) =>
    Effect.gen(function* () {
      const result = yield* verifyDeployment({
        rpcUrl: flags.rpcUrl,
        deploymentsFile: flags.file,
        artifactsDir: flags.artifacts,
        ...(Option.isSome(flags.preset) ? { presetFile: flags.preset.value } : {}),
      });
      const failed = result.checks.filter((c) => !c.ok).length;
      yield* flags.json
        ? Console.log(JSON.stringify({ file: flags.file, preset: result.preset, failed, checks: result.checks }))
        : Console.log(formatReport(flags.file, result.preset, result.checks));
      if (failed > 0) {
        return yield* new VerifyError({ message: `${failed} of ${result.checks.length} checks fail` });
      }
    }),
).pipe(
  Command.withDescription(
    "Check a deployment: code against the build, CREATE2 addresses, wiring, parameters against the preset, token supply",
  ),
);

export const deploymentsCommand = Command.make("deployments").pipe(
  Command.withDescription("Deployments written by script/Deploy.s.sol"),
  Command.withSubcommands([verifyCommand]),
);
