#!/usr/bin/env node
/**
 * `poa`: the Proof of Attribution command line. Every failure ends as one line on stderr and a
 * non-zero exit code, never as a bare stack trace.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { Cause, Console, Effect } from "effect";
import { CliError, Command } from "effect/cli";
import { gradientCommands } from "../engines/gradient/cli.ts";
import { suffixCommands } from "../engines/suffix/cli.ts";
import { operatorCommands } from "../operator/cli.ts";
import { attributorCommand, challengerCommand, statusCommand } from "./agents.ts";
import { datanetCommand } from "./datanet.ts";
import { demoCommand } from "./demo.ts";
import { deploymentsCommand } from "./deployments.ts";
import { factoryCommand } from "./factory.ts";
import { modelCommand } from "./model.ts";
import { webCommand } from "./web.ts";

export const rootCommand = Command.make("poa").pipe(
  Command.withDescription("Proof of Attribution: pay the people whose data an AI answer came from"),
  Command.withSubcommands([
    datanetCommand,
    modelCommand,
    suffixCommands,
    gradientCommands,
    operatorCommands,
    attributorCommand,
    challengerCommand,
    statusCommand,
    demoCommand,
    factoryCommand,
    deploymentsCommand,
    webCommand,
  ]),
);

const messageOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message.split("\n")[0] ?? error.message;
  }
  return String(error);
};

/** Prints each failure as one line, then fails with it so the runtime sets a non-zero exit code. */
export const runCli = Command.run(rootCommand, { version: "0.1.0" }).pipe(
  Effect.tapCause((cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.void;
    const failure = Cause.findErrorOption(cause);
    if (failure._tag === "Some") {
      // effect/cli has already presented its own errors (unknown flag, missing argument).
      return CliError.isCliError(failure.value) ? Effect.void : Console.error(`error: ${messageOf(failure.value)}`);
    }
    return Console.error(`internal error: ${Cause.pretty(cause).split("\n")[0]}`);
  }),
);

if (import.meta.main) {
  runCli.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain({ disableErrorReporting: true }));
}
