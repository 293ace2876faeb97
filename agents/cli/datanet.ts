/** `poa datanet …`: create datanets, contribute files (content root computed locally), curate. */
import { readFile } from "node:fs/promises";
import { Data, Effect } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { Contracts } from "../chain/Chain.ts";
import { sendContractCall } from "../chain/tx.ts";
import { contentRoot } from "../content/merkle.ts";
import { datanetRegistryAbi } from "../generated/contracts.ts";
import { type ClientFlagValues, clientFlags, parseId, report, withProtocol } from "./common.ts";

export class ContentFileError extends Data.TaggedError("ContentFileError")<{ readonly message: string }> {}

const registry = Effect.gen(function* () {
  return (yield* Contracts).deployments.datanetRegistry as string as `0x${string}`;
});

const findEvent = <E extends { eventName: string }, N extends E["eventName"]>(events: ReadonlyArray<E>, name: N) =>
  events.find((e): e is Extract<E, { eventName: N }> => e.eventName === name);

export const createDatanet = (flags: ClientFlagValues & { readonly uri: string }) =>
  Effect.gen(function* () {
    const { events, hash } = yield* sendContractCall({
      address: yield* registry,
      abi: datanetRegistryAbi,
      functionName: "createDatanet",
      args: [flags.uri],
    });
    const created = findEvent(events, "DatanetCreated");
    const datanetId = created?.args.datanetId;
    yield* report(flags.json, { datanetId, tx: hash }, `datanet ${datanetId} created (tx ${hash})`);
    return datanetId;
  }).pipe(withProtocol(flags));

export const contributeFile = (
  flags: ClientFlagValues & { readonly datanet: string; readonly file: string; readonly uri: string },
) =>
  Effect.gen(function* () {
    const datanetId = yield* parseId("--datanet", flags.datanet);
    const content = yield* Effect.tryPromise({
      try: () => readFile(flags.file),
      catch: () => new ContentFileError({ message: `cannot read ${flags.file}` }),
    });
    if (content.length === 0)
      return yield* new ContentFileError({ message: `${flags.file} is empty: nothing to contribute` });
    const root = contentRoot(content);
    const { events, hash } = yield* Effect.gen(function* () {
      return yield* sendContractCall({
        address: yield* registry,
        abi: datanetRegistryAbi,
        functionName: "contribute",
        args: [datanetId, root, BigInt(content.length), flags.uri.length > 0 ? flags.uri : `file:${flags.file}`],
      });
    }).pipe(withProtocol(flags));
    const added = findEvent(events, "ContributionAdded");
    const contributionId = added?.args.contributionId;
    yield* report(
      flags.json,
      { contributionId, datanetId, contentRoot: root, byteLength: content.length, tx: hash },
      `content root ${root} (${content.length} bytes)\ncontribution ${contributionId} added to datanet ${datanetId} (tx ${hash})`,
    );
    return contributionId;
  });

const curate =
  (action: "approveContribution" | "rejectContribution" | "withdrawContribution", verb: string) =>
  (flags: ClientFlagValues & { readonly contribution: string }) =>
    Effect.gen(function* () {
      const contributionId = yield* parseId("contribution id", flags.contribution);
      const { hash } = yield* Effect.gen(function* () {
        return yield* sendContractCall({
          address: yield* registry,
          abi: datanetRegistryAbi,
          functionName: action,
          args: [contributionId],
        });
      }).pipe(withProtocol(flags));
      yield* report(flags.json, { contributionId, tx: hash }, `contribution ${contributionId} ${verb} (tx ${hash})`);
    });

export const datanetCommand = Command.make("datanet").pipe(
  Command.withDescription("Datanets: pools of contributed data"),
  Command.withSubcommands([
    Command.make(
      "create",
      { ...clientFlags, uri: Flag.String("uri").pipe(Flag.withDescription("metadata URI")) },
      createDatanet,
    ).pipe(Command.withDescription("Create a datanet; you become its owner and curator")),
    Command.make(
      "contribute",
      {
        ...clientFlags,
        datanet: Flag.String("datanet").pipe(Flag.withDescription("datanet id")),
        uri: Flag.String("uri").pipe(Flag.withDefault(""), Flag.withDescription("metadata URI (default file:<path>)")),
        file: Argument.String("file"),
      },
      contributeFile,
    ).pipe(Command.withDescription("Contribute a file: prints its content root and the contribution id")),
    Command.make(
      "approve",
      { ...clientFlags, contribution: Argument.String("contribution-id") },
      curate("approveContribution", "approved"),
    ).pipe(Command.withDescription("Approve a pending contribution (curator only)")),
    Command.make(
      "reject",
      { ...clientFlags, contribution: Argument.String("contribution-id") },
      curate("rejectContribution", "rejected"),
    ).pipe(Command.withDescription("Reject a pending contribution (curator only)")),
    Command.make(
      "withdraw",
      { ...clientFlags, contribution: Argument.String("contribution-id") },
      curate("withdrawContribution", "withdrawn"),
    ).pipe(Command.withDescription("Withdraw your contribution from future attribution")),
  ]),
);
