import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatabaseSync, DatabaseSync as Sqlite } from "node:sqlite";
import { it as effectIt } from "@effect/vitest";
import { Effect, Option, Schema } from "effect";
import { getAddress, keccak256, stringToBytes } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { ReceiptPayload } from "../gossip/messages.ts";
import { AGENT, CURSOR, OPERATOR, runWorkload, workloadReceipt } from "./crash-worker.ts";
import { makeStore, migrations, openDatabase, Store } from "./store.ts";

const dir = mkdtempSync(join(tmpdir(), "poa-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect);
const USER = workloadReceipt(0).request.user;
const OP = OPERATOR.toLowerCase();
const hash32 = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;

const dump = (db: DatabaseSync) => ({
  receipts: db
    .prepare(
      "SELECT user, nonce, operator, model_id, fee, payload, batch_hash FROM receipts ORDER BY user, CAST(nonce AS INTEGER)",
    )
    .all(),
  batches: db
    .prepare("SELECT hash, parent_claim, hex(body) AS body, tx_count, new_state_root FROM batches ORDER BY hash")
    .all(),
  cursors: db.prepare("SELECT agent, name, position FROM cursors ORDER BY agent, name").all(),
});

describe("Store", () => {
  it("migrates once, records the version and refuses a newer file", () => {
    const path = join(dir, "migrate.db");
    openDatabase({ path }).close();
    const db = openDatabase({ path });
    expect(db.prepare("SELECT version FROM schema_migrations").all()).toEqual(
      migrations.map((m) => ({ version: m.version })),
    );
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 0)").run();
    db.close();
    expect(() => openDatabase({ path })).toThrow(/newer than this agent/);
  });

  it("stores each receipt once per (user, operator, nonce) and decodes it back", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    const receipt = workloadReceipt(7);
    expect(run(store.addReceipt(receipt))).toBe(true);
    expect(run(store.addReceipt(receipt))).toBe(false);
    // same (user, operator, nonce) with a different body is still the same receipt: first one wins
    expect(run(store.addReceipt({ ...receipt, userSignature: `0x${"11".repeat(65)}` }))).toBe(false);
    expect(run(store.getReceipt({ user: USER.toLowerCase(), operator: OPERATOR, nonce: 7n }))).toEqual(
      Option.some(receipt),
    );
    expect(run(store.receiptCounts)).toEqual({ total: 1, pending: 1 });
  });

  it("keeps one receipt per operator for the same (user, nonce): both pending, both batchable", () => {
    // protocol.md §2: a user's nonces are independent per operator, so operator B's receipt with the same
    // nonce as operator A's (or as the user's self-signed one) is a different receipt that B must be paid for
    const store = makeStore(openDatabase({ path: ":memory:" }));
    const A = "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as const;
    const fromA = workloadReceipt(5, A);
    const fromB = workloadReceipt(5);
    expect(run(store.addReceipt(fromA))).toBe(true);
    expect(run(store.addReceipt(fromB))).toBe(true);
    expect(run(store.receiptCounts)).toEqual({ total: 2, pending: 2 });
    expect(run(store.pendingReceipts(10))).toEqual([fromA, fromB]);
    expect(run(store.getReceipt({ user: USER, operator: A, nonce: 5n }))).toEqual(Option.some(fromA));
    expect(run(store.getReceipt({ user: USER, operator: OPERATOR, nonce: 5n }))).toEqual(Option.some(fromB));
    const body = stringToBytes("both operators");
    const batch = { hash: keccak256(body), parentClaim: 0n, body, txCount: 2, newStateRoot: hash32(1) };
    const keys = [
      { user: USER, operator: A, nonce: 5n },
      { user: USER, operator: OPERATOR, nonce: 5n },
    ];
    expect(run(store.saveBatch(batch, keys))).toBe(true);
    expect(run(store.batchReceipts(batch.hash))).toEqual([
      { user: USER.toLowerCase(), operator: A.toLowerCase(), nonce: 5n },
      { user: USER.toLowerCase(), operator: OP, nonce: 5n },
    ]);
    expect(run(store.receiptCounts)).toEqual({ total: 2, pending: 0 });
    // a rejection names one operator's receipt only
    const other = workloadReceipt(6, A);
    run(store.addReceipt(other));
    run(store.addReceipt(workloadReceipt(6)));
    run(store.rejectReceipts([{ user: USER, operator: A, nonce: 6n, reason: "replay" }]));
    expect(run(store.pendingReceipts(10))).toEqual([workloadReceipt(6)]);
  });

  it("migrates a version-3 file to (user, operator, nonce) keys, keeping every row, its batch and rejection", () => {
    const path = join(dir, "v3.db");
    const v3 = new Sqlite(path);
    v3.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    for (const m of migrations.filter((m) => m.version <= 3)) {
      v3.exec(m.sql);
      v3.prepare("INSERT INTO schema_migrations VALUES (?, ?, 0)").run(m.version, m.name);
    }
    const body = stringToBytes("v3 batch");
    const batchHash = keccak256(body);
    v3.prepare(
      "INSERT INTO batches (hash, parent_claim, body, tx_count, new_state_root, created_at) VALUES (?, '0', ?, 1, ?, 0)",
    ).run(batchHash, body, hash32(1));
    const insert = v3.prepare(
      `INSERT INTO receipts (user, nonce, operator, model_id, fee, payload, received_at, batch_hash, rejected_reason,
         rejected_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
    );
    const encode = Schema.encodeSync(Schema.fromJsonString(ReceiptPayload));
    const rows: Array<[number, string | null, string | null]> = [
      [1, batchHash, null],
      [2, null, "expired"],
      [3, null, null],
    ];
    for (const [nonce, batch, reason] of rows) {
      const r = workloadReceipt(nonce);
      insert.run(
        USER.toLowerCase(),
        String(nonce),
        OP,
        r.receipt.modelId.toString(),
        r.receipt.fee.toString(),
        encode(r),
        batch,
        reason,
        reason === null ? null : 5,
      );
    }
    v3.close();
    const db = openDatabase({ path });
    const migrated = makeStore(db);
    expect(run(migrated.schemaVersion)).toBe(migrations.length);
    expect(run(migrated.receiptCounts)).toEqual({ total: 3, pending: 1 });
    expect(run(migrated.pendingReceipts(10))).toEqual([workloadReceipt(3)]);
    expect(run(migrated.batchReceipts(batchHash))).toEqual([{ user: USER.toLowerCase(), operator: OP, nonce: 1n }]);
    expect(run(migrated.rejectedReceipts)).toEqual([
      { user: USER.toLowerCase(), operator: OP, nonce: 2n, reason: "expired" },
    ]);
    expect(
      db
        .prepare("SELECT name FROM pragma_index_list('receipts') WHERE origin = 'c'")
        .all()
        .map((r) => r.name),
    ).toEqual(["receipts_by_batch"]);
    expect(
      db
        .prepare("SELECT name FROM pragma_table_info('receipts') WHERE pk > 0 ORDER BY pk")
        .all()
        .map((r) => r.name),
    ).toEqual(["user", "operator", "nonce"]);
    // the same (user, nonce) from another operator is now a new receipt
    expect(run(migrated.addReceipt(workloadReceipt(3, "0x90F79bf6EB2c4f870365E785982E1f101E93b906")))).toBe(true);
    db.close();
  });

  it("records a weight disagreement once per (claim, tx index) and reads it back exactly", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    const row = {
      claimId: 7n,
      txIndex: 3,
      user: getAddress(USER),
      operator: getAddress(OP),
      nonce: 2n ** 200n,
      modelId: 9n,
      claimed: [
        { contributionId: 1n, weight: 400_000 },
        { contributionId: 2n ** 70n, weight: 600_000 },
      ],
      computed: [{ contributionId: 1n, weight: 1_000_000 }],
    };
    expect(run(store.recordWeightDisagreement(row))).toBe(true);
    expect(run(store.recordWeightDisagreement({ ...row, computed: [] }))).toBe(false); // first record wins
    expect(run(store.recordWeightDisagreement({ ...row, txIndex: 1 }))).toBe(true);
    expect(run(store.weightDisagreements)).toEqual([{ ...row, txIndex: 1 }, row]);
  });

  it("keeps evidence disputes across a reopen, updated in place, filtered by status", () => {
    const path = join(dir, "evidence.sqlite");
    const first = openDatabase({ path });
    const store = makeStore(first);
    const row = {
      disputeId: 2n ** 70n,
      claimId: 4n,
      txIndex: 1,
      role: "challenger" as const,
      status: "open" as const,
      state: { modelId: "9", output: "0x6869" },
    };
    run(store.upsertEvidenceDispute(row));
    run(store.upsertEvidenceDispute({ ...row, disputeId: 3n, role: "defender", status: "won", state: {} }));
    run(store.upsertEvidenceDispute({ ...row, state: { ...row.state, lastMove: "accuse CreditedSet 0" } }));
    first.close();
    const reopened = makeStore(openDatabase({ path }));
    expect(run(reopened.evidenceDisputes("open"))).toEqual([
      { ...row, state: { ...row.state, lastMove: "accuse CreditedSet 0" } },
    ]);
    expect(run(reopened.evidenceDisputes()).map((r) => [r.disputeId, r.role, r.status])).toEqual([
      [3n, "defender", "won"],
      [2n ** 70n, "challenger", "open"],
    ]);
  });

  it("rejects receipts idempotently (first reason wins); rejected receipts leave the pending queue", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    for (const nonce of [1, 2, 3]) run(store.addReceipt(workloadReceipt(nonce)));
    const marked = run(
      store.rejectReceipts([
        { user: USER, operator: OPERATOR, nonce: 1n, reason: "expired" },
        { user: USER, operator: OPERATOR, nonce: 9n, reason: "replay" }, // not stored: nothing to mark
      ]),
    );
    expect(marked).toEqual([{ user: USER, operator: OPERATOR, nonce: 1n, reason: "expired" }]);
    expect(
      run(store.rejectReceipts([{ user: USER, operator: OPERATOR, nonce: 1n, reason: "bad-user-signature" }])),
    ).toEqual([]);
    expect(run(store.rejectedReceipts)).toEqual([
      { user: USER.toLowerCase(), operator: OP, nonce: 1n, reason: "expired" },
    ]);
    expect(run(store.receiptCounts)).toEqual({ total: 3, pending: 2 });
    expect(run(store.pendingReceipts(10)).map((r) => r.request.nonce)).toEqual([2n, 3n]);
  });

  it("migrates a version-1 file to the rejection columns, keeping its receipts pending", () => {
    const path = join(dir, "v1.db");
    const v1 = new Sqlite(path);
    v1.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    v1.exec(migrations[0]!.sql);
    v1.prepare("INSERT INTO schema_migrations VALUES (1, 'v1', 0)").run();
    const receipt = workloadReceipt(4);
    v1.prepare(
      "INSERT INTO receipts (user, nonce, operator, model_id, fee, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, 0)",
    ).run(
      USER.toLowerCase(),
      "4",
      receipt.receipt.operator.toLowerCase(),
      receipt.receipt.modelId.toString(),
      receipt.receipt.fee.toString(),
      Schema.encodeSync(Schema.fromJsonString(ReceiptPayload))(receipt),
    );
    v1.close();
    const migrated = makeStore(openDatabase({ path }));
    expect(run(migrated.schemaVersion)).toBe(migrations.length);
    expect(run(migrated.receiptCounts)).toEqual({ total: 1, pending: 1 });
    expect(run(migrated.pendingReceipts(10))).toEqual([receipt]);
    expect(
      run(migrated.rejectReceipts([{ user: USER, operator: OPERATOR, nonce: 4n, reason: "expired" }])),
    ).toHaveLength(1);
    expect(run(migrated.receiptCounts)).toEqual({ total: 1, pending: 0 });
  });

  it("saves a batch atomically and idempotently, never stealing another batch's receipts", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    for (const nonce of [1, 2, 3]) run(store.addReceipt(workloadReceipt(nonce)));
    const body = stringToBytes("batch one");
    const batch = { hash: keccak256(body), parentClaim: 0n, body, txCount: 2, newStateRoot: hash32(1) };
    const keys = [1n, 2n].map((nonce) => ({ user: USER, operator: OPERATOR, nonce }));
    const cursor = { agent: "a", name: "batches", position: 1 };
    expect(run(store.saveBatch(batch, keys, cursor))).toBe(true);
    expect(run(store.saveBatch(batch, keys, cursor))).toBe(false);
    expect(run(store.batchReceipts(batch.hash))).toEqual(
      keys.map((k) => ({ ...k, user: USER.toLowerCase(), operator: OP })),
    );
    expect(run(store.receiptCounts)).toEqual({ total: 3, pending: 1 });

    const other = stringToBytes("batch two");
    const stealing = { ...batch, hash: keccak256(other), body: other };
    const failed = Effect.runSync(
      Effect.flip(
        store.saveBatch(
          stealing,
          [
            { user: USER, operator: OPERATOR, nonce: 3n },
            { user: USER, operator: OPERATOR, nonce: 2n },
          ],
          { ...cursor, position: 2 },
        ),
      ),
    );
    expect(failed.message).toMatch(/already in batch/);
    // nothing of the failed step was written: no batch row, receipt 3 still pending, cursor unchanged
    expect(run(store.getBatch(stealing.hash))).toEqual(Option.none());
    expect(run(store.receiptCounts)).toEqual({ total: 3, pending: 1 });
    expect(run(store.getCursor("a", "batches"))).toEqual(Option.some(1));
    const missing = Effect.runSync(
      Effect.flip(store.saveBatch(stealing, [{ user: USER, operator: OPERATOR, nonce: 9n }])),
    );
    expect(missing.message).toMatch(/not stored/);
  });

  it("upserts claims, games and withdrawals, and cursors only move forward", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    const claim = {
      claimId: 3n,
      batchHash: hash32(5),
      parent: 2n,
      stateRoot: hash32(6),
      poster: USER,
      status: "posted",
      txHash: hash32(7),
      blockNumber: 10,
    } as const;
    run(store.upsertClaim(claim));
    const { txHash: _txHash, blockNumber: _blockNumber, ...bare } = claim;
    run(store.upsertClaim({ ...bare, status: "finalized" })); // keeps the known tx and block
    expect(run(store.claims())).toEqual([{ ...claim, poster: USER.toLowerCase(), status: "finalized" }]);
    expect(run(store.claims("posted"))).toEqual([]);
    run(store.upsertGame({ gameId: 1n, claimId: 3n, role: "challenger", status: "open", state: { depth: 2n } }));
    run(store.upsertGame({ gameId: 1n, claimId: 3n, role: "challenger", status: "won", state: { depth: 4n } }));
    expect(run(store.games())).toEqual([
      { gameId: 1n, claimId: 3n, role: "challenger", status: "won", state: { depth: "4" } },
    ]);
    run(store.upsertWithdrawal({ account: USER, cumulative: 50n, amount: 50n, status: "sent", txHash: hash32(8) }));
    run(store.upsertWithdrawal({ account: USER, cumulative: 50n, amount: 50n, status: "confirmed" }));
    expect(run(store.withdrawals(USER))).toEqual([
      { account: USER.toLowerCase(), cumulative: 50n, amount: 50n, status: "confirmed", txHash: hash32(8) },
    ]);
    run(store.advanceCursor({ agent: "c", name: "blocks", position: 100 }));
    run(store.advanceCursor({ agent: "c", name: "blocks", position: 90 }));
    expect(run(store.getCursor("c", "blocks"))).toEqual(Option.some(100));
    expect(run(store.getCursor("c", "other"))).toEqual(Option.none());
  });

  it("waits for another writer's lock, then fails cleanly after the busy timeout", () => {
    const path = join(dir, "busy.db");
    const holder = openDatabase({ path });
    const store = makeStore(openDatabase({ path, busyTimeoutMs: 200 }));
    holder.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    const locked = run(Effect.flip(store.addReceipt(workloadReceipt(1))));
    expect(locked._tag).toBe("StoreError");
    expect(locked.message).toMatch(/locked|busy/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    holder.exec("COMMIT");
    expect(run(store.addReceipt(workloadReceipt(1)))).toBe(true);
    holder.close();
  });

  effectIt.effect("is a scoped layer that closes the file with its scope", () =>
    Effect.gen(function* () {
      const path = join(dir, "layer.db");
      const added = yield* Effect.scoped(
        Effect.gen(function* () {
          const store = yield* Store;
          return yield* store.addReceipt(workloadReceipt(1));
        }).pipe(Effect.provide(Store.layer({ path }))),
      );
      expect(added).toBe(true);
      const again = yield* Store.use((store) => store.receiptCounts).pipe(Effect.provide(Store.layer({ path })));
      expect(again).toEqual({ total: 1, pending: 1 });
    }),
  );

  it("survives kill -9 mid-batch: nothing half-written, and the resumed run equals an uninterrupted one", async () => {
    const batches = 10;
    const perBatch = 20;
    const path = join(dir, "crash.db");
    const worker = join(import.meta.dirname, "crash-worker.ts");
    const spawnWorker = () =>
      spawn(
        process.execPath,
        [
          "--disable-warning=ExperimentalWarning",
          "--import",
          "tsx",
          worker,
          path,
          String(batches),
          String(perBatch),
          "2",
        ],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );

    // 1. kill it after a few committed batches, somewhere inside the next one
    const child = spawnWorker();
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("batch 3\n") && !child.killed) setTimeout(() => child.kill("SIGKILL"), 7);
    });
    expect(await exited).toBe("SIGKILL");

    // 2. what is on disk is consistent
    const db = openDatabase({ path });
    expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    const store = makeStore(db);
    const cursor = Option.getOrThrow(run(store.getCursor(AGENT, CURSOR)));
    expect(cursor).toBeGreaterThanOrEqual(3);
    expect(cursor).toBeLessThan(batches);
    expect(db.prepare("SELECT COUNT(*) AS n FROM batches").get()).toEqual({ n: cursor });
    const perBatchCounts = db
      .prepare("SELECT COUNT(*) AS n FROM receipts WHERE batch_hash IS NOT NULL GROUP BY batch_hash")
      .all();
    expect(perBatchCounts).toEqual(Array.from({ length: cursor }, () => ({ n: perBatch })));
    const pending = run(store.pendingReceipts(1000)).map((r) => Number(r.request.nonce));
    expect(pending.length).toBeLessThan(perBatch);
    console.info(`killed after batch ${cursor} with ${pending.length} receipts of batch ${cursor + 1} stored`);
    for (const nonce of pending) expect(Math.floor(nonce / 1000)).toBe(cursor + 1);
    db.close();

    // 3. resume to the end, and compare with a run that was never interrupted
    const resumed = spawnWorker();
    expect(await new Promise((resolve) => resumed.on("exit", (code) => resolve(code)))).toBe(0);
    const reference = openDatabase({ path: ":memory:" });
    runWorkload(makeStore(reference), batches, perBatch);
    const crashed = openDatabase({ path });
    const expected = dump(reference);
    expect(expected.receipts.length).toBe(batches * perBatch);
    expect(dump(crashed)).toEqual(expected);
    crashed.close();
    reference.close();
  }, 60_000);
});
