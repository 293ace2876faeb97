/**
 * `poa` commands run by the demo as a node operator runs them: `node --import tsx agents/cli/main.ts …`
 * as a child process, its output kept in a log file, its stdout returned when it exits with 0.
 */
import { spawn } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Data, Effect } from "effect";

export class CommandError extends Data.TaggedError("CommandError")<{ readonly message: string }> {}

const MAIN = path.join(import.meta.dirname, "..", "cli", "main.ts");

/** Runs `poa <args>` to completion; fails with the command line and the tail of its output. */
export const poaCommand = (args: ReadonlyArray<string>, logFile: string) =>
  Effect.callback<string, CommandError>((resume) => {
    writeFileSync(logFile, `poa ${args.join(" ")}\n`);
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "--import", "tsx", MAIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let output = "";
    const record = (out: boolean) => (d: Buffer) => {
      const text = d.toString();
      if (out) stdout += text;
      output += text;
      appendFileSync(logFile, text);
    };
    child.stdout.on("data", record(true));
    child.stderr.on("data", record(false));
    child.once("error", (e) =>
      resume(Effect.fail(new CommandError({ message: `poa ${args.slice(0, 3).join(" ")}: ${e.message}` }))),
    );
    child.once("exit", (code, signal) =>
      resume(
        code === 0
          ? Effect.succeed(stdout)
          : Effect.fail(
              new CommandError({
                message: `poa ${args.slice(0, 3).join(" ")} exited (${code ?? signal}): ${output.trim().split("\n").slice(-3).join(" | ")} (log ${logFile})`,
              }),
            ),
      ),
    );
    return Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
  });
