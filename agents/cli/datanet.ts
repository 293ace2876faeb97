/** `poa datanet …`: create datanets, contribute files (content root computed locally), curate. */
import { readFile } from "node:fs/promises";
import { Data, Effect } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { type CurationAction, contribute, createDatanet, curate } from "../chain/registries.ts";
import { type ClientFlagValues, clientFlags, parseId, report, withProtocol } from "./common.ts";

export class ContentFileError extends Data.TaggedError("ContentFileError")<{ readonly message: string }> {}

const createCommand = (flags: ClientFlagValues & { readonly uri: string }) =>
  Effect.gen(function* () {
    const { datanetId, hash } = yield* createDatanet(flags.uri).pipe(withProtocol(flags));
    yield* report(flags.json, { datanetId, tx: hash }, `datanet ${datanetId} created (tx ${hash})`);
  });

const contributeCommand = (
  flags: ClientFlagValues & { readonly datanet: string; readonly file: string; readonly uri: string },
) =>
  Effect.gen(function* () {
    const datanetId = yield* parseId("--datanet", flags.datanet);
    const content = yield* Effect.tryPromise({
      try: () => readFile(flags.file),
      catch: () => new ContentFileError({ message: `cannot read ${flags.file}` }),
    });
    if (content.length === 0) {
      return yield* new ContentFileError({ message: `${flags.file} is empty: nothing to contribute` });
    }
    const uri = flags.uri.length > 0 ? flags.uri : `file:${flags.file}`;
    const added = yield* contribute(datanetId, content, uri).pipe(withProtocol(flags));
    yield* report(
      flags.json,
      {
        contributionId: added.contributionId,
        datanetId,
        contentRoot: added.contentRoot,
        byteLength: content.length,
        tx: added.hash,
      },
      `content root ${added.contentRoot} (${content.length} bytes)\ncontribution ${added.contributionId} added to datanet ${datanetId} (tx ${added.hash})`,
    );
  });

const curateCommand =
  (action: CurationAction, verb: string) => (flags: ClientFlagValues & { readonly contribution: string }) =>
    Effect.gen(function* () {
      const contributionId = yield* parseId("contribution id", flags.contribution);
      const { hash } = yield* curate(action, contributionId).pipe(withProtocol(flags));
      yield* report(flags.json, { contributionId, tx: hash }, `contribution ${contributionId} ${verb} (tx ${hash})`);
    });

const contributionArg = { ...clientFlags, contribution: Argument.String("contribution-id") };

export const datanetCommand = Command.make("datanet").pipe(
  Command.withDescription("Datanets: pools of contributed data"),
  Command.withSubcommands([
    Command.make(
      "create",
      { ...clientFlags, uri: Flag.String("uri").pipe(Flag.withDescription("metadata URI")) },
      createCommand,
    ).pipe(Command.withDescription("Create a datanet; you become its owner and curator")),
    Command.make(
      "contribute",
      {
        ...clientFlags,
        datanet: Flag.String("datanet").pipe(Flag.withDescription("datanet id")),
        uri: Flag.String("uri").pipe(Flag.withDefault(""), Flag.withDescription("metadata URI (default file:<path>)")),
        file: Argument.String("file"),
      },
      contributeCommand,
    ).pipe(Command.withDescription("Contribute a file: prints its content root and the contribution id")),
    Command.make("approve", contributionArg, curateCommand("approveContribution", "approved")).pipe(
      Command.withDescription("Approve a pending contribution (curator only)"),
    ),
    Command.make("reject", contributionArg, curateCommand("rejectContribution", "rejected")).pipe(
      Command.withDescription("Reject a pending contribution (curator only)"),
    ),
    Command.make("withdraw", contributionArg, curateCommand("withdrawContribution", "withdrawn")).pipe(
      Command.withDescription("Withdraw your contribution from future attribution"),
    ),
  ]),
);
