/** `poa demo`: the whole local network on embedded defaults (see agents/demo/demo.ts). */
import { Effect } from "effect";
import { Command, Flag } from "effect/cli";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { DEFAULT_DEMO, runDemo } from "../demo/demo.ts";

export const demoCommand = Command.make(
  "demo",
  {
    examples: Flag.Int("examples").pipe(
      Flag.withDefault(DEFAULT_DEMO.examples),
      Flag.withDescription("contributions in the demo datanet (training examples)"),
    ),
    queries: Flag.Int("queries").pipe(
      Flag.withDefault(DEFAULT_DEMO.queries),
      Flag.withDescription("user queries to serve; 0 = until Ctrl-C"),
    ),
    interval: Flag.Int("interval-ms").pipe(
      Flag.withDefault(DEFAULT_DEMO.intervalMs),
      Flag.withDescription("ms between queries"),
    ),
  },
  (flags) =>
    runDemo({
      examples: flags.examples,
      queries: flags.queries,
      intervalMs: flags.interval,
      seed: DEFAULT_DEMO.seed,
    }).pipe(Effect.provide(LocalProtocol.layer())),
).pipe(
  Command.withDescription("Run a local network: chain, protocol, datanet, model and a stream of attributed queries"),
);
