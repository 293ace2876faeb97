/**
 * The addresses a forge deploy wrote to `deployments/<chainId>.json` (script/Deploy.s.sol),
 * decoded with Schema so a missing or malformed file is a clear error, not a crash.
 */
import { readFile } from "node:fs/promises";
import { Data, Effect, Schema } from "effect";
import { Address } from "../protocol/schemas.ts";

export const Deployments = Schema.Struct({
  chainId: Schema.Number,
  preset: Schema.optional(Schema.String),
  /** The preset file the deploy read (relative to the project root); `poa deployments verify` checks it. */
  presetFile: Schema.optional(Schema.String),
  /** The CREATE2 salt of every contract. */
  salt: Schema.optional(Schema.String),
  deployer: Schema.optional(Address),
  treasury: Schema.optional(Address),
  deployBlock: Schema.optional(Schema.Number),
  openToken: Address,
  datanetRegistry: Address,
  modelRegistry: Address,
  paymentEscrow: Schema.optional(Address),
  attributionLedger: Schema.optional(Address),
  disputeGame: Schema.optional(Address),
  oneStepVerifier: Schema.optional(Address),
  /** The evidence game (docs/evidence-game.md §3) and the contracts it runs on. */
  evidenceGame: Schema.optional(Address),
  evidenceVerifier: Schema.optional(Address),
  evidenceViolations: Schema.optional(Address),
  evidenceDefenses: Schema.optional(Address),
  /** The contract whose constructor made and wired the escrow, the ledger and the game. */
  coreDeployer: Schema.optional(Address),
});
export type Deployments = typeof Deployments.Type;

export class DeploymentsError extends Data.TaggedError("DeploymentsError")<{
  readonly path: string;
  readonly message: string;
}> {}

export const deploymentsPath = (chainId: number) => `deployments/${chainId}.json`;

export const loadDeployments = (path: string) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: () => new DeploymentsError({ path, message: `cannot read deployments file ${path} (deploy first?)` }),
    });
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new DeploymentsError({ path, message: `deployments file ${path} is not valid JSON` }),
    });
    return yield* Schema.decodeUnknownEffect(Deployments)(json).pipe(
      Effect.mapError((e) => new DeploymentsError({ path, message: `deployments file ${path}: ${e.message}` })),
    );
  });
