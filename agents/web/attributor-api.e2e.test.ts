/**
 * `poa attributor run` as its own process serves the read-only attribution API that Open Chat reads
 * (agents/attributor/api.ts, `--api-port`): an answer it never saw is a clear 404, an answer it took at
 * its intake returns its weights, which the test recomputes by running the same engine (the fixture
 * engine over the ids the process was given) in the test process, apart from the agent.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import { keccak256, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { encodeIntakeBody } from "../attributor/intake.ts";
import { ANVIL_KEYS } from "../chain/anvil.ts";
import { LocalProtocol } from "../chain/LocalProtocol.ts";
import { ledgerAddresses } from "../network/network.ts";
import { fixtureEngine } from "../receipts/fixtureEngine.ts";
import { makeReceiptSource } from "../receipts/source.ts";

const CONTRIBUTIONS = [3n, 5n, 8n, 13n];

layer(LocalProtocol.layer(), { timeout: 120_000, excludeTestServices: true })("poa attributor run: API", (it) => {
  it.effect(
    "serves /attributions (404 for an unknown answer, the attributor's weights for a known one) and /accounts",
    () =>
      Effect.gen(function* () {
        const { anvil, deployments } = yield* LocalProtocol;
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(path.join(tmpdir(), "poa-attributor-api-"))),
          (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true })),
        );
        const key = ANVIL_KEYS[7];
        const child = yield* Effect.acquireRelease(
          Effect.sync(() =>
            spawn(
              process.execPath,
              [
                "--import",
                "tsx",
                "agents/cli/main.ts",
                "attributor",
                "run",
                "--rpc-url",
                anvil.rpcUrl,
                "--data-dir",
                dir,
                "--fixture-contributions",
                CONTRIBUTIONS.join(","),
                "--api-port",
                "0",
              ],
              { env: { ...process.env, POA_PRIVATE_KEY: key }, stdio: ["ignore", "pipe", "pipe"] },
            ),
          ),
          (c: ChildProcess) => Effect.sync(() => c.kill("SIGKILL")),
        );
        const { intakeUrl, apiUrl } = yield* Effect.promise(
          () =>
            new Promise<{ intakeUrl: string; apiUrl: string }>((resolve, reject) => {
              let out = "";
              let err = "";
              child.stderr?.on("data", (d: Buffer) => {
                err += d.toString();
              });
              child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const intake = /receipts intake (http:\/\/\S+)\/receipts/.exec(out)?.[1];
                const api = /attribution API (http:\/\/\S+)/.exec(out)?.[1];
                if (intake !== undefined && api !== undefined) resolve({ intakeUrl: intake, apiUrl: api });
              });
              child.once("exit", (code) => reject(new Error(`attributor exited ${code}: ${out}${err}`)));
            }),
        );
        const get = (p: string) =>
          Effect.promise(() =>
            fetch(`${apiUrl}${p}`).then(async (r) => ({
              status: r.status,
              body: (await r.json()) as {
                readonly error?: string;
                readonly entries?: ReadonlyArray<{ contributionId: string; weight: number }>;
              },
            })),
          );

        // an answer this attributor never saw: a clear 404
        const unknownHash = keccak256(toBytes("an answer nobody gave"));
        const unknown = yield* get(`/attributions/7/${unknownHash}`);
        expect(unknown.status).toBe(404);
        expect(unknown.body.error).toBe(
          `no attribution for model 7 and output ${unknownHash} on this attributor (yet)`,
        );
        expect((yield* get("/attributions/7/not-a-hash")).status).toBe(400);

        // a signed receipt at its intake: attributed there, then served by the API
        const attributor = privateKeyToAccount(key).address;
        const sourced = yield* Effect.promise(() =>
          makeReceiptSource({
            chainId: anvil.chainId,
            ledger: ledgerAddresses(deployments).ledger,
            modelId: 7n,
            operatorKey: ANVIL_KEYS[6],
            userKeys: [ANVIL_KEYS[5]],
            fee: 1_000n,
            attributors: [attributor],
          }).answer(0, "Where is the harbour?", "The harbour lies past the lighthouse, east of the old mill."),
        );
        const posted = yield* Effect.promise(() =>
          fetch(`${intakeUrl}/receipts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: encodeIntakeBody(sourced),
          }).then(async (r) => ({ status: r.status, body: await r.text() })),
        );
        expect(posted.status, posted.body).toBe(202);
        const outputHash = sourced.receipt.receipt.outputHash;
        const known = yield* get(`/attributions/7/${outputHash}`);
        expect(known.status).toBe(200);
        // the same engine, run here apart from the agent on the request's text and the answer
        const expected = yield* fixtureEngine(CONTRIBUTIONS).attribute({
          modelId: 7n,
          input: sourced.input,
          output: sourced.output,
        });
        expect(expected.entries.length).toBeGreaterThan(0);
        expect(known.body.entries).toEqual(
          expected.entries.map((e) => ({ contributionId: e.contributionId.toString(), weight: e.weight })),
        );

        // the follower-backed routes answer too (nothing final yet: an empty leaf and no proof)
        const account = yield* get(`/accounts/${attributor}`);
        expect(account.status).toBe(200);
        expect(account.body).toMatchObject({ account: attributor, finalClaimId: "0", proof: null });
      }),
    120_000, // the CLI under tsx: ≈ 20 s alone on a loaded 2-core machine
  );
});
