/**
 * The agents' persistence: one SQLite file per agent through Node's built-in `node:sqlite`.
 *
 * - WAL journal, `synchronous = NORMAL` (a committed transaction survives a process crash; only an OS
 *   crash or power loss may lose the last transactions, never corrupt the file), a busy timeout.
 * - Versioned migrations recorded in `schema_migrations`; a file from a newer version is refused.
 * - Every write is idempotent (`INSERT … ON CONFLICT DO NOTHING` or an upsert), and every step that
 *   writes more than one row runs in one transaction, so an agent killed at any instruction
 *   restarts from a consistent state and simply redoes its last step.
 * - Rows are decoded with Schema on the way out: the file is a boundary like the wire.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Context, Data, Effect, Layer, Option, Schema } from "effect";
import { type Address, getAddress, type Hex } from "viem";
import { type ReceiptPayload as Receipt, ReceiptPayload } from "../gossip/messages.ts";
import { Bytes32Schema } from "../identity/identity.ts";

export class StoreError extends Data.TaggedError("StoreError")<{
  readonly operation: string;
  readonly message: string;
  readonly cause?: unknown;
}> {}

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Append only: never edit a released migration, add the next version. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "receipts, batches, claims, games, withdrawals, cursors",
    sql: `
      CREATE TABLE receipts (
        user        TEXT    NOT NULL,            -- lower-case address
        nonce       TEXT    NOT NULL,            -- uint256, decimal
        operator    TEXT    NOT NULL,
        model_id    TEXT    NOT NULL,
        fee         TEXT    NOT NULL,
        payload     TEXT    NOT NULL,            -- the gossip wire form (JSON) of the receipt
        received_at INTEGER NOT NULL,
        batch_hash  TEXT REFERENCES batches(hash),
        PRIMARY KEY (user, nonce)
      );
      CREATE INDEX receipts_by_batch ON receipts (batch_hash);
      CREATE TABLE batches (
        hash           TEXT    PRIMARY KEY,      -- keccak256(body)
        parent_claim   TEXT    NOT NULL,
        body           BLOB    NOT NULL,
        tx_count       INTEGER NOT NULL,
        new_state_root TEXT    NOT NULL,
        created_at     INTEGER NOT NULL
      );
      CREATE TABLE claims (
        claim_id     TEXT    PRIMARY KEY,
        batch_hash   TEXT    NOT NULL,
        parent       TEXT    NOT NULL,
        state_root   TEXT    NOT NULL,
        poster       TEXT    NOT NULL,
        status       TEXT    NOT NULL,
        tx_hash      TEXT,
        block_number INTEGER,
        updated_at   INTEGER NOT NULL
      );
      CREATE TABLE games (
        game_id    TEXT    PRIMARY KEY,
        claim_id   TEXT    NOT NULL,
        role       TEXT    NOT NULL,
        status     TEXT    NOT NULL,
        state      TEXT    NOT NULL,             -- the agent's game state, JSON
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE withdrawals (
        account    TEXT    NOT NULL,
        cumulative TEXT    NOT NULL,             -- cumulative earnings proved by this withdrawal
        amount     TEXT    NOT NULL,
        status     TEXT    NOT NULL,
        tx_hash    TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, cumulative)
      );
      CREATE TABLE cursors (
        agent      TEXT    NOT NULL,
        name       TEXT    NOT NULL,
        position   INTEGER NOT NULL,             -- e.g. the last fully processed block
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (agent, name)
      );
    `,
  },
  {
    version: 2,
    name: "receipts rejected before posting (σ judged them invalid for good)",
    sql: `
      ALTER TABLE receipts ADD COLUMN rejected_reason TEXT;  -- NULL: not rejected
      ALTER TABLE receipts ADD COLUMN rejected_at     INTEGER;
    `,
  },
  {
    version: 3,
    name: "claims the ledger follower could not rebuild",
    sql: `
      CREATE TABLE unreadable_claims (
        claim_id     TEXT    PRIMARY KEY,
        tx_hash      TEXT    NOT NULL,
        block_number INTEGER NOT NULL,
        kind         TEXT    NOT NULL,           -- no-data, undecodable, root-mismatch, sigma, rpc, parent
        reason       TEXT    NOT NULL,
        seen_at      INTEGER NOT NULL,
        recovered_at INTEGER                     -- NULL: still unreadable
      );
    `,
  },
  {
    version: 4,
    name: "receipts keyed by (user, operator, nonce): a user's nonces are independent per operator",
    sql: `
      CREATE TABLE receipts_v4 (
        user            TEXT    NOT NULL,        -- lower-case address
        nonce           TEXT    NOT NULL,        -- uint256, decimal
        operator        TEXT    NOT NULL,        -- lower-case address
        model_id        TEXT    NOT NULL,
        fee             TEXT    NOT NULL,
        payload         TEXT    NOT NULL,        -- the gossip wire form (JSON) of the receipt
        received_at     INTEGER NOT NULL,
        batch_hash      TEXT REFERENCES batches(hash),
        rejected_reason TEXT,                    -- NULL: not rejected
        rejected_at     INTEGER,
        PRIMARY KEY (user, operator, nonce)
      );
      INSERT INTO receipts_v4 (rowid, user, nonce, operator, model_id, fee, payload, received_at, batch_hash,
                               rejected_reason, rejected_at)
        SELECT rowid, lower(user), nonce, lower(operator), model_id, fee, payload, received_at, batch_hash,
               rejected_reason, rejected_at
        FROM receipts ORDER BY rowid;
      DROP TABLE receipts;
      ALTER TABLE receipts_v4 RENAME TO receipts;
      CREATE INDEX receipts_by_batch ON receipts (batch_hash);
    `,
  },
  {
    version: 5,
    name: "Attribute transactions whose weights this agent's engine computes differently",
    sql: `
      CREATE TABLE weight_disagreements (
        claim_id   TEXT    NOT NULL,
        tx_index   INTEGER NOT NULL,             -- the Attribute's index in the claim's T
        user       TEXT    NOT NULL,             -- lower-case address
        operator   TEXT    NOT NULL,             -- lower-case address
        nonce      TEXT    NOT NULL,
        model_id   TEXT    NOT NULL,
        claimed    TEXT    NOT NULL,             -- JSON [{contributionId, weight}], as posted
        computed   TEXT    NOT NULL,             -- JSON [{contributionId, weight}], this agent's engine
        seen_at    INTEGER NOT NULL,
        PRIMARY KEY (claim_id, tx_index)
      );
    `,
  },
  {
    version: 6,
    name: "evidence disputes this agent plays (docs/evidence-game.md §5)",
    sql: `
      CREATE TABLE evidence_disputes (
        dispute_id TEXT    PRIMARY KEY,          -- EvidenceGame dispute id
        claim_id   TEXT    NOT NULL,
        tx_index   INTEGER NOT NULL,             -- the disputed Attribute's index in the claim's T
        role       TEXT    NOT NULL,             -- challenger | defender
        status     TEXT    NOT NULL,             -- open | won | lost | refunded
        state      TEXT    NOT NULL,             -- the agent's dispute state, JSON
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX evidence_disputes_by_claim ON evidence_disputes (claim_id, tx_index);
    `,
  },
];

/** An evidence dispute this agent plays (agents/challenger/evidence.ts, agents/attributor/evidence.ts). */
export interface EvidenceDisputeRow {
  readonly disputeId: bigint;
  readonly claimId: bigint;
  readonly txIndex: number;
  readonly role: "challenger" | "defender";
  readonly status: "open" | "won" | "lost" | "refunded";
  /** The agent's own serialisable state. */
  readonly state: unknown;
}

/** One Attribute of a posted claim whose weights this agent's engine computes differently (evidence to dispute). */
export interface WeightDisagreementRow {
  readonly claimId: bigint;
  readonly txIndex: number;
  readonly user: Address;
  readonly operator: Address;
  readonly nonce: bigint;
  readonly modelId: bigint;
  readonly claimed: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>;
  readonly computed: ReadonlyArray<{ readonly contributionId: bigint; readonly weight: number }>;
}

/** Prefix of the rejection reason of a receipt this agent could not attribute itself (no texts, engine). */
export const UNATTRIBUTED = "unattributed:";

export const ClaimStatus = Schema.Literals(["proposed", "posted", "challenged", "finalized", "voided"]);
export type ClaimStatus = typeof ClaimStatus.Type;
export const GameStatus = Schema.Literals(["open", "won", "lost", "abandoned"]);
export const WithdrawalStatus = Schema.Literals(["pending", "sent", "confirmed"]);

/** Attribution entries as the weight_disagreements table keeps them (ids as decimal strings). */
const StoredEntries = Schema.Array(Schema.Struct({ contributionId: Schema.String, weight: Schema.Number }));

const Text = Schema.String;
const Int = Schema.Number;
const NullableHash = Schema.NullOr(Bytes32Schema);

const BatchRow = Schema.Struct({
  hash: Bytes32Schema,
  parent_claim: Text,
  body: Schema.Uint8Array,
  tx_count: Int,
  new_state_root: Bytes32Schema,
  created_at: Int,
});
const ClaimRow = Schema.Struct({
  claim_id: Text,
  batch_hash: Bytes32Schema,
  parent: Text,
  state_root: Bytes32Schema,
  poster: Text,
  status: ClaimStatus,
  tx_hash: NullableHash,
  block_number: Schema.NullOr(Int),
  updated_at: Int,
});
const GameRow = Schema.Struct({
  game_id: Text,
  claim_id: Text,
  role: Schema.Literals(["claimant", "challenger"]),
  status: GameStatus,
  state: Text,
  updated_at: Int,
});
const EvidenceDisputeDbRow = Schema.Struct({
  dispute_id: Text,
  claim_id: Text,
  tx_index: Int,
  role: Schema.Literals(["challenger", "defender"]),
  status: Schema.Literals(["open", "won", "lost", "refunded"]),
  state: Text,
  updated_at: Int,
});
const WithdrawalRow = Schema.Struct({
  account: Text,
  cumulative: Text,
  amount: Text,
  status: WithdrawalStatus,
  tx_hash: NullableHash,
  updated_at: Int,
});
const ReceiptRow = Schema.Struct({ payload: Schema.fromJsonString(ReceiptPayload) });

export interface Batch {
  readonly hash: Hex;
  readonly parentClaim: bigint;
  readonly body: Uint8Array;
  readonly txCount: number;
  readonly newStateRoot: Hex;
}
export interface Claim {
  readonly claimId: bigint;
  readonly batchHash: Hex;
  readonly parent: bigint;
  readonly stateRoot: Hex;
  readonly poster: string;
  readonly status: ClaimStatus;
  readonly txHash?: Hex;
  readonly blockNumber?: number;
}
export interface Game {
  readonly gameId: bigint;
  readonly claimId: bigint;
  readonly role: "claimant" | "challenger";
  readonly status: typeof GameStatus.Type;
  /** The agent's own serialisable game state. */
  readonly state: unknown;
}
export interface Withdrawal {
  readonly account: string;
  readonly cumulative: bigint;
  readonly amount: bigint;
  readonly status: typeof WithdrawalStatus.Type;
  readonly txHash?: Hex;
}
export interface CursorUpdate {
  readonly agent: string;
  readonly name: string;
  readonly position: number;
}
/** A receipt's identity: a user's nonces are independent per operator (docs/protocol.md §2). */
export interface ReceiptKey {
  readonly user: string;
  readonly operator: string;
  readonly nonce: bigint;
}
export interface RejectedReceipt extends ReceiptKey {
  readonly reason: string;
}

export interface UnreadableClaimRow {
  readonly claimId: bigint;
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly kind: string;
  readonly reason: string;
}

export interface StoreShape {
  readonly schemaVersion: Effect.Effect<number, StoreError>;
  /** Stores a receipt once per (user, operator, nonce); true when it was new. */
  readonly addReceipt: (receipt: Receipt) => Effect.Effect<boolean, StoreError>;
  readonly getReceipt: (key: ReceiptKey) => Effect.Effect<Option.Option<Receipt>, StoreError>;
  /** Receipts not yet in a batch and not rejected, oldest first. */
  readonly pendingReceipts: (limit: number) => Effect.Effect<ReadonlyArray<Receipt>, StoreError>;
  /** `pending`: not yet in a batch and not rejected. */
  readonly receiptCounts: Effect.Effect<{ readonly total: number; readonly pending: number }, StoreError>;
  /**
   * Atomically marks stored receipts as rejected with a reason (they leave `pendingReceipts`).
   * Idempotent: a receipt already rejected keeps its first reason; returns the receipts newly marked.
   */
  readonly rejectReceipts: (
    rejected: ReadonlyArray<RejectedReceipt>,
  ) => Effect.Effect<ReadonlyArray<RejectedReceipt>, StoreError>;
  /** Every rejected receipt with its reason, oldest rejection first. */
  readonly rejectedReceipts: Effect.Effect<ReadonlyArray<RejectedReceipt>, StoreError>;
  /**
   * Stores a receipt this agent cannot attribute itself (a gossiped receipt has no texts; the engine may
   * not handle its model), once per (user, operator, nonce) like `addReceipt`, but already rejected with
   * `UNATTRIBUTED + reason`, in one statement: it is never pending, so never posted. True when it was new.
   */
  readonly addUnattributedReceipt: (receipt: Receipt, reason: string) => Effect.Effect<boolean, StoreError>;
  /**
   * Replaces the payload of a receipt stored as unattributed (rejected with an `unattributed:` reason, in
   * no batch) by `receipt` and makes it pending again: this agent has now attributed it itself. True when
   * a row changed.
   */
  readonly adoptReceipt: (receipt: Receipt) => Effect.Effect<boolean, StoreError>;
  /**
   * The intake's group commit: each receipt stored (`addReceipt`) or, when it is held unattributed, adopted
   * (`adoptReceipt`), all in one transaction: either every one is written or none is. For each, in order,
   * true when it was new here or adopted (what `addReceipt || adoptReceipt` answers one at a time).
   */
  readonly addReceipts: (receipts: ReadonlyArray<Receipt>) => Effect.Effect<ReadonlyArray<boolean>, StoreError>;
  /** Records a claim the follower could not rebuild (first record wins; a recovered one is reopened). */
  readonly recordUnreadableClaim: (claim: UnreadableClaimRow) => Effect.Effect<void, StoreError>;
  readonly markClaimRecovered: (claimId: bigint) => Effect.Effect<void, StoreError>;
  /** Claims still unreadable, by id. */
  readonly unreadableClaims: Effect.Effect<ReadonlyArray<UnreadableClaimRow>, StoreError>;
  /** Records a weight disagreement once per (claim, tx index); true when it was new. */
  readonly recordWeightDisagreement: (row: WeightDisagreementRow) => Effect.Effect<boolean, StoreError>;
  /** Every recorded weight disagreement, by claim and tx index. */
  readonly weightDisagreements: Effect.Effect<ReadonlyArray<WeightDisagreementRow>, StoreError>;
  /** Inserts or updates an evidence dispute (status, state). */
  readonly upsertEvidenceDispute: (row: EvidenceDisputeRow) => Effect.Effect<void, StoreError>;
  /** Evidence disputes, by id; only those with `status` when given. */
  readonly evidenceDisputes: (
    status?: EvidenceDisputeRow["status"],
  ) => Effect.Effect<ReadonlyArray<EvidenceDisputeRow>, StoreError>;
  /**
   * Atomically: stores the batch (once), assigns its receipts to it, and advances the cursor if given.
   * Fails (writing nothing) when a receipt is missing or already in another batch.
   */
  readonly saveBatch: (
    batch: Batch,
    receipts: ReadonlyArray<ReceiptKey>,
    cursor?: CursorUpdate,
  ) => Effect.Effect<boolean, StoreError>;
  readonly getBatch: (hash: Hex) => Effect.Effect<Option.Option<Batch>, StoreError>;
  readonly batchReceipts: (hash: Hex) => Effect.Effect<ReadonlyArray<ReceiptKey>, StoreError>;
  /** Inserts or updates a claim (status, tx, block); with a cursor, both in one transaction. */
  readonly upsertClaim: (claim: Claim, cursor?: CursorUpdate) => Effect.Effect<void, StoreError>;
  readonly claims: (status?: ClaimStatus) => Effect.Effect<ReadonlyArray<Claim>, StoreError>;
  readonly upsertGame: (game: Game) => Effect.Effect<void, StoreError>;
  readonly games: (status?: typeof GameStatus.Type) => Effect.Effect<ReadonlyArray<Game>, StoreError>;
  readonly upsertWithdrawal: (withdrawal: Withdrawal) => Effect.Effect<void, StoreError>;
  readonly withdrawals: (account?: string) => Effect.Effect<ReadonlyArray<Withdrawal>, StoreError>;
  readonly getCursor: (agent: string, name: string) => Effect.Effect<Option.Option<number>, StoreError>;
  /** Moves a cursor forward (never back: a replayed older step cannot rewind it). */
  readonly advanceCursor: (cursor: CursorUpdate) => Effect.Effect<void, StoreError>;
}

export interface StoreConfig {
  /** File path, or ":memory:" for a throwaway database. */
  readonly path: string;
  /** How long a writer waits for a lock held by another connection (default 5 s). */
  readonly busyTimeoutMs?: number;
  /** Test hook for the timestamps written to rows (default Date.now). */
  readonly now?: () => number;
}

const lower = (address: string) => address.toLowerCase();
const parseJson = (text: string): unknown => JSON.parse(text);

/** Opens (creating or migrating) the database; synchronous, used by the layer and by scripts. */
export const openDatabase = (config: StoreConfig): DatabaseSync => {
  const db = new DatabaseSync(config.path, { timeout: config.busyTimeoutMs ?? 5_000 });
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    const row = db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").get();
    const current = Number(row?.v ?? 0);
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > latest) {
      throw new Error(`database schema version ${current} is newer than this agent's ${latest}; upgrade the agent`);
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      transaction(db, () => {
        db.exec(migration.sql);
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
          migration.version,
          migration.name,
          Date.now(),
        );
      });
    }
    return db;
  } catch (cause) {
    db.close();
    throw cause;
  }
};

/** Runs `body` in one IMMEDIATE transaction (rolled back if it throws). */
export const transaction = <A>(db: DatabaseSync, body: () => A): A => {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = body();
    db.exec("COMMIT");
    return result;
  } catch (cause) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw cause;
  }
};

const decodeRows = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  rows: ReadonlyArray<unknown>,
): ReadonlyArray<S["Type"]> => rows.map((row) => Schema.decodeUnknownSync(schema)(row));

export const makeStore = (db: DatabaseSync, now: () => number = Date.now): StoreShape => {
  const lift =
    <Args extends ReadonlyArray<unknown>, A>(operation: string, f: (...args: Args) => A) =>
    (...args: Args): Effect.Effect<A, StoreError> =>
      Effect.try({
        try: () => f(...args),
        catch: (cause) =>
          cause instanceof StoreError
            ? cause
            : new StoreError({ operation, message: `${operation} failed: ${String(cause)}`, cause }),
      }).pipe(Effect.withSpan(`Store.${operation}`));

  const encodeReceipt = Schema.encodeSync(Schema.fromJsonString(ReceiptPayload));
  const statements = {
    addReceipt: db.prepare(
      `INSERT INTO receipts (user, nonce, operator, model_id, fee, payload, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user, operator, nonce) DO NOTHING`,
    ),
    getReceipt: db.prepare("SELECT payload FROM receipts WHERE user = ? AND operator = ? AND nonce = ?"),
    pending: db.prepare(
      "SELECT payload FROM receipts WHERE batch_hash IS NULL AND rejected_reason IS NULL ORDER BY rowid LIMIT ?",
    ),
    counts: db.prepare(
      `SELECT COUNT(*) AS total,
         COALESCE(SUM(CASE WHEN batch_hash IS NULL AND rejected_reason IS NULL THEN 1 ELSE 0 END), 0) AS pending
       FROM receipts`,
    ),
    rejectReceipt: db.prepare(
      `UPDATE receipts SET rejected_reason = ?, rejected_at = ?
       WHERE user = ? AND operator = ? AND nonce = ? AND rejected_reason IS NULL`,
    ),
    rejected: db.prepare(
      "SELECT user, operator, nonce, rejected_reason FROM receipts WHERE rejected_reason IS NOT NULL ORDER BY rejected_at, rowid",
    ),
    addUnattributed: db.prepare(
      `INSERT INTO receipts (user, nonce, operator, model_id, fee, payload, received_at, rejected_reason, rejected_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user, operator, nonce) DO NOTHING`,
    ),
    adoptReceipt: db.prepare(
      `UPDATE receipts SET payload = ?, rejected_reason = NULL, rejected_at = NULL
       WHERE user = ? AND operator = ? AND nonce = ? AND batch_hash IS NULL AND rejected_reason LIKE '${UNATTRIBUTED}%'`,
    ),
    recordUnreadable: db.prepare(
      `INSERT INTO unreadable_claims (claim_id, tx_hash, block_number, kind, reason, seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (claim_id) DO UPDATE SET recovered_at = NULL`,
    ),
    recovered: db.prepare("UPDATE unreadable_claims SET recovered_at = ? WHERE claim_id = ? AND recovered_at IS NULL"),
    unreadable: db.prepare(
      "SELECT * FROM unreadable_claims WHERE recovered_at IS NULL ORDER BY CAST(claim_id AS INTEGER)",
    ),
    recordDisagreement: db.prepare(
      `INSERT INTO weight_disagreements (claim_id, tx_index, user, operator, nonce, model_id, claimed, computed, seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id, tx_index) DO NOTHING`,
    ),
    disagreements: db.prepare("SELECT * FROM weight_disagreements ORDER BY CAST(claim_id AS INTEGER), tx_index"),
    upsertEvidenceDispute: db.prepare(
      `INSERT INTO evidence_disputes (dispute_id, claim_id, tx_index, role, status, state, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dispute_id) DO UPDATE SET status = excluded.status, state = excluded.state,
         updated_at = excluded.updated_at`,
    ),
    evidenceDisputes: db.prepare("SELECT * FROM evidence_disputes ORDER BY CAST(dispute_id AS INTEGER)"),
    insertBatch: db.prepare(
      `INSERT INTO batches (hash, parent_claim, body, tx_count, new_state_root, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
    ),
    receiptBatch: db.prepare("SELECT batch_hash FROM receipts WHERE user = ? AND operator = ? AND nonce = ?"),
    assignReceipt: db.prepare(
      "UPDATE receipts SET batch_hash = ? WHERE user = ? AND operator = ? AND nonce = ? AND batch_hash IS NULL",
    ),
    getBatch: db.prepare("SELECT * FROM batches WHERE hash = ?"),
    batchReceipts: db.prepare("SELECT user, operator, nonce FROM receipts WHERE batch_hash = ? ORDER BY rowid"),
    upsertClaim: db.prepare(
      `INSERT INTO claims (claim_id, batch_hash, parent, state_root, poster, status, tx_hash, block_number, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (claim_id) DO UPDATE SET status = excluded.status,
         tx_hash = COALESCE(excluded.tx_hash, claims.tx_hash),
         block_number = COALESCE(excluded.block_number, claims.block_number),
         updated_at = excluded.updated_at`,
    ),
    upsertGame: db.prepare(
      `INSERT INTO games (game_id, claim_id, role, status, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (game_id) DO UPDATE SET status = excluded.status, state = excluded.state,
         updated_at = excluded.updated_at`,
    ),
    upsertWithdrawal: db.prepare(
      `INSERT INTO withdrawals (account, cumulative, amount, status, tx_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, cumulative) DO UPDATE SET status = excluded.status,
         tx_hash = COALESCE(excluded.tx_hash, withdrawals.tx_hash), updated_at = excluded.updated_at`,
    ),
    getCursor: db.prepare("SELECT position FROM cursors WHERE agent = ? AND name = ?"),
    advanceCursor: db.prepare(
      `INSERT INTO cursors (agent, name, position, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (agent, name) DO UPDATE SET position = MAX(cursors.position, excluded.position),
         updated_at = excluded.updated_at`,
    ),
  };

  const advance = (cursor: CursorUpdate) => {
    if (!Number.isSafeInteger(cursor.position) || cursor.position < 0) {
      throw new StoreError({ operation: "advanceCursor", message: `bad cursor position ${cursor.position}` });
    }
    statements.advanceCursor.run(cursor.agent, cursor.name, cursor.position, now());
  };
  const receiptsOf = (rows: ReadonlyArray<unknown>) => decodeRows(ReceiptRow, rows).map((row) => row.payload);
  const toBatch = (row: typeof BatchRow.Type): Batch => ({
    hash: row.hash,
    parentClaim: BigInt(row.parent_claim),
    body: row.body,
    txCount: row.tx_count,
    newStateRoot: row.new_state_root,
  });

  const insertReceipt = (receipt: Receipt): boolean =>
    Number(
      statements.addReceipt.run(
        lower(receipt.request.user),
        receipt.request.nonce.toString(),
        lower(receipt.receipt.operator),
        receipt.receipt.modelId.toString(),
        receipt.receipt.fee.toString(),
        encodeReceipt(receipt),
        now(),
      ).changes,
    ) === 1;
  const adopt = (receipt: Receipt): boolean =>
    Number(
      statements.adoptReceipt.run(
        encodeReceipt(receipt),
        lower(receipt.request.user),
        lower(receipt.receipt.operator),
        receipt.request.nonce.toString(),
      ).changes,
    ) === 1;

  return {
    schemaVersion: lift("schemaVersion", () =>
      Number(db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get()?.v ?? 0),
    )(),
    addReceipt: lift("addReceipt", insertReceipt),
    addReceipts: lift("addReceipts", (receipts: ReadonlyArray<Receipt>) =>
      receipts.length === 0
        ? []
        : transaction(db, () => receipts.map((receipt) => insertReceipt(receipt) || adopt(receipt))),
    ),
    getReceipt: lift("getReceipt", (key: ReceiptKey) => {
      const row = statements.getReceipt.get(lower(key.user), lower(key.operator), key.nonce.toString());
      return row === undefined ? Option.none() : Option.some(receiptsOf([row])[0]!);
    }),
    pendingReceipts: lift("pendingReceipts", (limit: number) => receiptsOf(statements.pending.all(limit))),
    receiptCounts: lift("receiptCounts", () => {
      const row = statements.counts.get();
      return { total: Number(row?.total ?? 0), pending: Number(row?.pending ?? 0) };
    })(),
    rejectReceipts: lift("rejectReceipts", (rejected: ReadonlyArray<RejectedReceipt>) =>
      transaction(db, () => {
        const marked: RejectedReceipt[] = [];
        for (const r of rejected) {
          const changes = statements.rejectReceipt.run(
            r.reason,
            now(),
            lower(r.user),
            lower(r.operator),
            r.nonce.toString(),
          ).changes;
          if (Number(changes) === 1) marked.push(r);
        }
        return marked;
      }),
    ),
    rejectedReceipts: lift("rejectedReceipts", () =>
      statements.rejected.all().map(
        (row): RejectedReceipt => ({
          user: String(row.user),
          operator: String(row.operator),
          nonce: BigInt(String(row.nonce)),
          reason: String(row.rejected_reason),
        }),
      ),
    )(),
    addUnattributedReceipt: lift("addUnattributedReceipt", (receipt: Receipt, reason: string) => {
      const at = now();
      const result = statements.addUnattributed.run(
        lower(receipt.request.user),
        receipt.request.nonce.toString(),
        lower(receipt.receipt.operator),
        receipt.receipt.modelId.toString(),
        receipt.receipt.fee.toString(),
        encodeReceipt(receipt),
        at,
        `${UNATTRIBUTED} ${reason}`,
        at,
      );
      return Number(result.changes) === 1;
    }),
    adoptReceipt: lift("adoptReceipt", adopt),
    recordUnreadableClaim: lift("recordUnreadableClaim", (claim: UnreadableClaimRow) => {
      statements.recordUnreadable.run(
        claim.claimId.toString(),
        claim.txHash.toLowerCase(),
        claim.blockNumber,
        claim.kind,
        claim.reason,
        now(),
      );
    }),
    markClaimRecovered: lift("markClaimRecovered", (claimId: bigint) => {
      statements.recovered.run(now(), claimId.toString());
    }),
    unreadableClaims: lift("unreadableClaims", () =>
      statements.unreadable.all().map(
        (row): UnreadableClaimRow => ({
          claimId: BigInt(String(row.claim_id)),
          txHash: String(row.tx_hash) as Hex,
          blockNumber: Number(row.block_number),
          kind: String(row.kind),
          reason: String(row.reason),
        }),
      ),
    )(),
    recordWeightDisagreement: lift("recordWeightDisagreement", (row: WeightDisagreementRow) => {
      const entries = (list: WeightDisagreementRow["claimed"]) =>
        JSON.stringify(list.map((e) => ({ contributionId: e.contributionId.toString(), weight: e.weight })));
      return (
        Number(
          statements.recordDisagreement.run(
            row.claimId.toString(),
            row.txIndex,
            lower(row.user),
            lower(row.operator),
            row.nonce.toString(),
            row.modelId.toString(),
            entries(row.claimed),
            entries(row.computed),
            now(),
          ).changes,
        ) === 1
      );
    }),
    weightDisagreements: lift("weightDisagreements", () =>
      statements.disagreements.all().map((row): WeightDisagreementRow => {
        const entries = (text: unknown) =>
          Schema.decodeUnknownSync(StoredEntries)(JSON.parse(String(text))).map((e) => ({
            contributionId: BigInt(e.contributionId),
            weight: e.weight,
          }));
        return {
          claimId: BigInt(String(row.claim_id)),
          txIndex: Number(row.tx_index),
          user: getAddress(String(row.user)),
          operator: getAddress(String(row.operator)),
          nonce: BigInt(String(row.nonce)),
          modelId: BigInt(String(row.model_id)),
          claimed: entries(row.claimed),
          computed: entries(row.computed),
        };
      }),
    )(),
    upsertEvidenceDispute: lift("upsertEvidenceDispute", (row: EvidenceDisputeRow) => {
      statements.upsertEvidenceDispute.run(
        row.disputeId.toString(),
        row.claimId.toString(),
        row.txIndex,
        row.role,
        row.status,
        JSON.stringify(row.state, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
        now(),
      );
    }),
    evidenceDisputes: lift("evidenceDisputes", (status?: EvidenceDisputeRow["status"]) =>
      decodeRows(EvidenceDisputeDbRow, statements.evidenceDisputes.all())
        .filter((row) => status === undefined || row.status === status)
        .map(
          (row): EvidenceDisputeRow => ({
            disputeId: BigInt(row.dispute_id),
            claimId: BigInt(row.claim_id),
            txIndex: row.tx_index,
            role: row.role,
            status: row.status,
            state: JSON.parse(row.state),
          }),
        ),
    ),
    saveBatch: lift("saveBatch", (batch: Batch, receipts: ReadonlyArray<ReceiptKey>, cursor?: CursorUpdate) =>
      transaction(db, () => {
        const inserted =
          Number(
            statements.insertBatch.run(
              batch.hash.toLowerCase(),
              batch.parentClaim.toString(),
              batch.body,
              batch.txCount,
              batch.newStateRoot,
              now(),
            ).changes,
          ) === 1;
        for (const key of receipts) {
          const user = lower(key.user);
          const operator = lower(key.operator);
          const nonce = key.nonce.toString();
          const row = statements.receiptBatch.get(user, operator, nonce);
          if (row === undefined) {
            throw new StoreError({
              operation: "saveBatch",
              message: `receipt (${user}, ${operator}, ${nonce}) is not stored`,
            });
          }
          if (row.batch_hash !== null && row.batch_hash !== batch.hash.toLowerCase()) {
            throw new StoreError({
              operation: "saveBatch",
              message: `receipt (${user}, ${operator}, ${nonce}) is already in batch ${String(row.batch_hash)}`,
            });
          }
          statements.assignReceipt.run(batch.hash.toLowerCase(), user, operator, nonce);
        }
        if (cursor !== undefined) advance(cursor);
        return inserted;
      }),
    ),
    getBatch: lift("getBatch", (hash: Hex) => {
      const row = statements.getBatch.get(hash.toLowerCase());
      return row === undefined ? Option.none() : Option.some(toBatch(decodeRows(BatchRow, [row])[0]!));
    }),
    batchReceipts: lift("batchReceipts", (hash: Hex) =>
      statements.batchReceipts.all(hash.toLowerCase()).map((row) => ({
        user: String(row.user),
        operator: String(row.operator),
        nonce: BigInt(String(row.nonce)),
      })),
    ),
    upsertClaim: lift("upsertClaim", (claim: Claim, cursor?: CursorUpdate) =>
      transaction(db, () => {
        statements.upsertClaim.run(
          claim.claimId.toString(),
          claim.batchHash.toLowerCase(),
          claim.parent.toString(),
          claim.stateRoot,
          lower(claim.poster),
          claim.status,
          claim.txHash ?? null,
          claim.blockNumber ?? null,
          now(),
        );
        if (cursor !== undefined) advance(cursor);
      }),
    ),
    claims: lift("claims", (status?: ClaimStatus) => {
      const rows =
        status === undefined
          ? db.prepare("SELECT * FROM claims ORDER BY CAST(claim_id AS INTEGER)").all()
          : db.prepare("SELECT * FROM claims WHERE status = ? ORDER BY CAST(claim_id AS INTEGER)").all(status);
      return decodeRows(ClaimRow, rows).map(
        (row): Claim => ({
          claimId: BigInt(row.claim_id),
          batchHash: row.batch_hash,
          parent: BigInt(row.parent),
          stateRoot: row.state_root,
          poster: row.poster,
          status: row.status,
          ...(row.tx_hash === null ? {} : { txHash: row.tx_hash }),
          ...(row.block_number === null ? {} : { blockNumber: row.block_number }),
        }),
      );
    }),
    upsertGame: lift("upsertGame", (game: Game) => {
      statements.upsertGame.run(
        game.gameId.toString(),
        game.claimId.toString(),
        game.role,
        game.status,
        JSON.stringify(game.state, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
        now(),
      );
    }),
    games: lift("games", (status?: typeof GameStatus.Type) => {
      const rows =
        status === undefined
          ? db.prepare("SELECT * FROM games ORDER BY rowid").all()
          : db.prepare("SELECT * FROM games WHERE status = ? ORDER BY rowid").all(status);
      return decodeRows(GameRow, rows).map(
        (row): Game => ({
          gameId: BigInt(row.game_id),
          claimId: BigInt(row.claim_id),
          role: row.role,
          status: row.status,
          state: parseJson(row.state),
        }),
      );
    }),
    upsertWithdrawal: lift("upsertWithdrawal", (w: Withdrawal) => {
      statements.upsertWithdrawal.run(
        lower(w.account),
        w.cumulative.toString(),
        w.amount.toString(),
        w.status,
        w.txHash ?? null,
        now(),
      );
    }),
    withdrawals: lift("withdrawals", (account?: string) => {
      const rows =
        account === undefined
          ? db.prepare("SELECT * FROM withdrawals ORDER BY rowid").all()
          : db.prepare("SELECT * FROM withdrawals WHERE account = ? ORDER BY rowid").all(lower(account));
      return decodeRows(WithdrawalRow, rows).map(
        (row): Withdrawal => ({
          account: row.account,
          cumulative: BigInt(row.cumulative),
          amount: BigInt(row.amount),
          status: row.status,
          ...(row.tx_hash === null ? {} : { txHash: row.tx_hash }),
        }),
      );
    }),
    getCursor: lift("getCursor", (agent: string, name: string) => {
      const row = statements.getCursor.get(agent, name);
      return row === undefined ? Option.none() : Option.some(Number(row.position));
    }),
    advanceCursor: lift("advanceCursor", advance),
  };
};

export class Store extends Context.Service<Store, StoreShape>()("poa/Store") {
  /** Opens the database when the layer is built and closes it with the layer's scope. */
  static readonly layer = (config: StoreConfig): Layer.Layer<Store, StoreError> =>
    Layer.effect(
      Store,
      Effect.acquireRelease(
        Effect.try({
          try: () => {
            // a fresh clone has no data directory yet: create it (and its parents)
            if (config.path !== ":memory:" && !config.path.startsWith("file:")) {
              mkdirSync(path.dirname(path.resolve(config.path)), { recursive: true });
            }
            return openDatabase(config);
          },
          catch: (cause) =>
            new StoreError({ operation: "open", message: `could not open ${config.path}: ${String(cause)}`, cause }),
        }),
        (db) => Effect.sync(() => db.close()),
      ).pipe(Effect.map((db) => makeStore(db, config.now))),
    );
  /** A throwaway in-memory database (tests). */
  static readonly memory: Layer.Layer<Store, StoreError> = Store.layer({ path: ":memory:" });
}
