/** `poa demo`: the whole local network on embedded defaults (see agents/demo/demo.ts). */
import { Effect } from "effect";
import { Command, Flag } from "effect/cli";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { DEFAULT_DEMO, runDemo } from "../demo/demo.ts";
import { serveLocalOpenChat } from "./web.ts";

export const demoCommand = Command.make(
  "demo",
  {
    examples: Flag.Int("examples").pipe(
      Flag.withDefault(DEFAULT_DEMO.examples),
      Flag.withDescription("contributions in the demo datanet (training examples)"),
    ),
    queries: Flag.Int("queries").pipe(
      Flag.withDefault(DEFAULT_DEMO.queries),
      Flag.withDescription("user queries to serve"),
    ),
    chats: Flag.Int("chats").pipe(
      Flag.withDefault(DEFAULT_DEMO.chats),
      Flag.withDescription("chats with the LoRA operator's LLM adapter over the OpenAI API"),
    ),
    speeches: Flag.Int("speeches").pipe(
      Flag.withDefault(DEFAULT_DEMO.speeches),
      Flag.withDescription(
        "State of the Union addresses in the LLM adapter's datanet, one short passage of each (the adapter's training is sized for 3)",
      ),
    ),
    interval: Flag.Int("interval-ms").pipe(
      Flag.withDefault(DEFAULT_DEMO.intervalMs),
      Flag.withDescription("ms between queries"),
    ),
    honest: Flag.Boolean("honest").pipe(
      Flag.withDefault(false),
      Flag.withDescription("no injected fraud (by default one attributor corrupts one claim and loses the dispute)"),
    ),
    exit: Flag.Boolean("exit").pipe(
      Flag.withDefault(false),
      Flag.withDescription(
        "stop after the scripted part (by default Open Chat is served on the same chain until Ctrl-C)",
      ),
    ),
  },
  (flags) =>
    runDemo({
      ...DEFAULT_DEMO,
      examples: flags.examples,
      queries: flags.queries,
      chats: flags.chats,
      speeches: flags.speeches,
      intervalMs: flags.interval,
      fraud: !flags.honest,
    }).pipe(
      Effect.scoped,
      Effect.andThen(flags.exit ? Effect.void : serveLocalOpenChat(5173)),
      Effect.provide(LocalProtocol.layer()),
    ),
).pipe(
  Command.withDescription(
    "Run a local network: chain, protocol, datanets, a classifier and a LoRA-served LLM, users, operators, two attributors and a challenger",
  ),
);
