/**
 * `poa suffix index build --datanet N` against a real chain: anvil (--network optimism) with the
 * protocol deployed by script/Deploy.s.sol; contributions made, curated and withdrawn through the
 * registry; the index built by `poa` as a separate process from a content directory keyed by
 * content root, or fetched from peers over /poa/content/1 (a lying peer is skipped) into the
 * commitment-keyed data directory. Only contributions approved and not withdrawn at the reference time are indexed,
 * under their on-chain ids; bytes that do not match their on-chain content root are refused.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect, Layer, Option, Redacted } from "effect";
import { createPublicClient, http } from "viem";
import { afterAll } from "vitest";
import { ANVIL_KEYS } from "../../chain/anvil.ts";
import { Chain, Contracts } from "../../chain/Chain.ts";
import { LocalProtocol } from "../../chain/LocalProtocol.ts";
import { contribute, createDatanet, curate } from "../../chain/registries.ts";
import { contentRoot } from "../../content/merkle.ts";
import { startNode } from "../../gossip/testing.ts";
import { commitmentDir } from "../index-store.ts";
import { contentFileName, datanetContributions, directoryContentSource, fetchCorpus } from "./datanet.ts";
import { openIndex, readIndexHeader } from "./format.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const poa = (args: ReadonlyArray<string>) =>
  Effect.promise(
    () =>
      new Promise<Run>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "agents/cli/main.ts", ...args],
          { timeout: 90_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
      }),
  );

const dir = mkdtempSync(path.join(tmpdir(), "poa-suffix-datanet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const encoder = new TextEncoder();
const texts = {
  approved: "We hold these truths to be self-evident, that all men are created equal, endowed with rights.",
  withdrawn: "Ask not what your country can do for you; ask what you can do for your country, said he once.",
  pending: "The only thing we have to fear is fear itself, nameless, unreasoning, unjustified terror today.",
  rejected: "Government of the people, by the people, for the people, shall not perish from the earth, ever.",
  otherDatanet: "I have a dream that one day this nation will rise up and live out the true meaning of its creed.",
};

layer(LocalProtocol.layer(), { timeout: 240_000, excludeTestServices: true })(
  "poa suffix index build --datanet on a local OP Stack chain",
  (it) => {
    it.effect(
      "indexes exactly the approved, not-withdrawn contributions under their ids, and refuses bytes that do not match their root",
      () =>
        Effect.gen(function* () {
          const { anvil } = yield* LocalProtocol;
          const as = (key: `0x${string}`) => {
            const config = {
              rpcUrl: anvil.rpcUrl,
              privateKey: Option.some(Redacted.make<string>(key)),
              deploymentsPath: Option.none(),
            };
            return Contracts.layer(config).pipe(Layer.provideMerge(Chain.layer(config)));
          };
          const owner = as(ANVIL_KEYS[0]);
          const alice = as(ANVIL_KEYS[1]);
          const bob = as(ANVIL_KEYS[2]);
          const client = createPublicClient({ transport: http(anvil.rpcUrl) });
          const bytes = (text: string) => encoder.encode(text);

          const { datanetId } = yield* createDatanet("ipfs://speeches").pipe(Effect.provide(owner));
          const { datanetId: otherId } = yield* createDatanet("ipfs://other").pipe(Effect.provide(owner));
          const add = (text: string, who: typeof alice, datanet = datanetId) =>
            contribute(datanet, bytes(text), "file:x").pipe(
              Effect.map((r) => r.contributionId),
              Effect.provide(who),
            );
          const approved = yield* add(texts.approved, alice);
          const withdrawn = yield* add(texts.withdrawn, bob);
          yield* add(texts.pending, alice);
          const rejected = yield* add(texts.rejected, alice);
          const other = yield* add(texts.otherDatanet, alice, otherId);
          for (const id of [approved, withdrawn, other]) {
            yield* curate("approveContribution", id).pipe(Effect.provide(owner));
          }
          yield* curate("rejectContribution", rejected).pipe(Effect.provide(owner));
          const before = yield* Effect.promise(() => client.getBlock());
          yield* Effect.promise(() => client.request({ method: "evm_increaseTime", params: [60] } as never));
          yield* curate("withdrawContribution", withdrawn).pipe(Effect.provide(bob));

          // the operator's content directory: every contribution's bytes under its content root
          const contentDir = path.join(dir, "content");
          mkdirSync(contentDir);
          for (const text of Object.values(texts)) {
            writeFileSync(path.join(contentDir, contentFileName(contentRoot(bytes(text)))), text);
          }
          const chain = ["--rpc-url", anvil.rpcUrl];
          const build = (out: string, extra: string[] = [], content = contentDir) =>
            poa([
              "suffix",
              "index",
              "build",
              "--datanet",
              String(datanetId),
              "--content-dir",
              content,
              "--out",
              out,
              ...chain,
              ...extra,
            ]);

          const now = path.join(dir, "now.idx");
          const built = yield* build(now);
          expect(built.stderr).not.toMatch(/error/i);
          expect(built.code).toBe(0);
          expect(built.stdout).toContain(`contribution ids: ${approved}`);
          const header = yield* readIndexHeader(now);
          expect(header.contributions).toEqual([
            { id: String(approved), length: texts.approved.length, contentRoot: contentRoot(bytes(texts.approved)) },
          ]);
          expect(header.source).toMatchObject({ datanetIds: [String(datanetId)], chainId: anvil.chainId });

          // at a reference time before the withdrawal, the withdrawn contribution still counts
          const then = path.join(dir, "then.idx");
          expect((yield* build(then, ["--reference-time", String(before.timestamp)])).code).toBe(0);
          expect((yield* readIndexHeader(then)).contributions.map((c) => c.id)).toEqual([
            String(approved),
            String(withdrawn),
          ]);

          // contents fetched from peers over /poa/content/1 (no content directory): a liar serving other
          // bytes under the root is asked first and skipped; the index lands under its commitment
          const honest = yield* startNode({
            heartbeatMs: 100,
            contentSource: (root) => {
              const file = path.join(contentDir, contentFileName(root));
              return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
            },
          });
          const liar = yield* startNode({
            heartbeatMs: 100,
            contentSource: () => bytes(texts.approved.replace("equal", "EQUAL")),
          });
          const dataDir = path.join(dir, "data");
          const fromPeers = yield* poa([
            "suffix",
            "index",
            "build",
            "--datanet",
            String(datanetId),
            "--peers",
            `${liar.gossip.addresses[0]},${honest.gossip.addresses[0]}`,
            "--data-dir",
            dataDir,
            ...chain,
          ]);
          expect(fromPeers.stderr).not.toMatch(/error/i);
          expect(fromPeers.code).toBe(0);
          const commitment = (yield* openIndex(now)).commitment;
          expect(fromPeers.stdout).toContain(`commitment ${commitment}`);
          const installed = path.join(commitmentDir(dataDir, commitment), "index.idx");
          expect((yield* readIndexHeader(installed)).contributions).toEqual(header.contributions);
          // only the liar: no contents, no index
          const onlyLiar = yield* poa([
            "suffix",
            "index",
            "build",
            "--datanet",
            String(datanetId),
            "--peers",
            liar.gossip.addresses[0]!,
            "--out",
            path.join(dir, "liar.idx"),
            ...chain,
          ]);
          expect(onlyLiar.code).not.toBe(0);
          expect(onlyLiar.stderr).toMatch(
            new RegExp(`contribution ${approved}: no peer served content 0x[0-9a-f]{64}`),
          );

          // attribution names the on-chain contribution id
          const quote = `As they wrote: ${texts.approved.slice(0, 60)} and so on.`;
          const attributed = yield* poa(["suffix", "attribute", "--index", then, "--json", quote]);
          expect(attributed.code).toBe(0);
          const answer = JSON.parse(attributed.stdout) as { entries: { contributionId: string; weight: number }[] };
          expect(answer.entries).toEqual([{ contributionId: String(approved), weight: 1_000_000 }]);

          // a content file whose bytes differ from the chain's root is refused, with a clear line
          const tampered = path.join(dir, "tampered");
          mkdirSync(tampered);
          writeFileSync(
            path.join(tampered, contentFileName(contentRoot(bytes(texts.approved)))),
            texts.approved.replace("equal", "EQUAL"),
          );
          const refused = yield* build(path.join(dir, "tampered.idx"), [], tampered);
          expect(refused.code).not.toBe(0);
          expect(refused.stderr).toMatch(
            new RegExp(`contribution ${approved}: content does not match its on-chain content root .*refused`),
          );
          expect(refused.stderr).not.toMatch(/\n\s+at /);

          // a missing content file and an unknown datanet (in process: the same code the CLI runs)
          const chainRead = yield* datanetContributions([datanetId]).pipe(Effect.provide(owner));
          const empty = path.join(dir, "empty");
          mkdirSync(empty);
          const missing = yield* Effect.flip(fetchCorpus(chainRead.contributions, directoryContentSource(empty)));
          expect(missing._tag).toBe("ContentUnavailableError");
          expect(missing.message).toMatch(new RegExp(`contribution ${approved}: no readable file 0x[0-9a-f]{64}`));
          const unknown = yield* Effect.flip(datanetContributions([999n]).pipe(Effect.provide(owner)));
          expect(unknown.message).toMatch(/datanet 999 does not exist/);
        }),
      240_000,
    );
  },
);
