/**
 * Receipts an attributor cannot attribute itself (issue 12 item 9) and claims its follower cannot
 * rebuild (item 8), in the Store: an unattributed receipt is never pending; only the node's own
 * attribution revives it, and only while it is unattributed and in no batch (a receipt σ rejected for
 * good, or one already posted, stays as it is); unreadable claims are recorded once and closed when
 * they recover; the layer creates a missing data directory.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Layer } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { workloadReceipt } from "./crash-worker.ts";
import { makeStore, openDatabase, Store, UNATTRIBUTED } from "./store.ts";

const dir = mkdtempSync(join(tmpdir(), "poa-store-unattributed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect);
const key = (n: number) => ({
  user: workloadReceipt(n).request.user.toLowerCase(),
  operator: workloadReceipt(n).request.operator.toLowerCase(),
  nonce: BigInt(n),
});
const attributed = (n: number) => ({ ...workloadReceipt(n), attribution: [{ contributionId: 3n, weight: 1_000_000 }] });

describe("Store: unattributed receipts and unreadable claims", () => {
  it("addReceipts (the intake's group commit) answers what addReceipt || adoptReceipt would, all or nothing", () => {
    const grouped = makeStore(openDatabase({ path: ":memory:" }));
    const single = makeStore(openDatabase({ path: ":memory:" }));
    for (const s of [grouped, single]) {
      run(s.addUnattributedReceipt(workloadReceipt(2), "no-texts"));
      run(s.addReceipt(attributed(3)));
    }
    // new, adopted, already stored, a duplicate within the group, new
    const receipts = [attributed(1), attributed(2), attributed(3), attributed(1), attributed(4)];
    const one = receipts.map((r) => run(single.addReceipt(r)) || run(single.adoptReceipt(r)));
    expect(one).toEqual([true, true, false, false, true]);
    expect(run(grouped.addReceipts(receipts))).toEqual(one);
    expect(run(grouped.pendingReceipts(10))).toEqual(run(single.pendingReceipts(10)));
    expect(run(grouped.addReceipts([]))).toEqual([]);

    // one row the database refuses: the whole group is rolled back, nothing of it stored
    const db = openDatabase({ path: ":memory:" });
    db.exec(`CREATE TRIGGER refuse_7 BEFORE INSERT ON receipts WHEN NEW.nonce = '7'
             BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    const store = makeStore(db);
    const failed = Effect.runSyncExit(store.addReceipts([attributed(5), attributed(6), attributed(7)]));
    expect(failed._tag).toBe("Failure");
    expect(run(store.receiptCounts)).toEqual({ total: 0, pending: 0 });
    expect(run(store.addReceipts([attributed(5), attributed(6)]))).toEqual([true, true]);
  });

  it("an unattributed receipt is never pending, and only the node's own attribution revives it", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    expect(run(store.addUnattributedReceipt(workloadReceipt(1), "no-texts"))).toBe(true);
    expect(run(store.addUnattributedReceipt(workloadReceipt(1), "no-texts"))).toBe(false); // once
    expect(run(store.receiptCounts)).toEqual({ total: 1, pending: 0 });
    expect(run(store.pendingReceipts(10))).toEqual([]);
    expect(run(store.rejectedReceipts)).toEqual([{ ...key(1), reason: `${UNATTRIBUTED} no-texts` }]);
    // addReceipt cannot overwrite it (first copy wins); adoptReceipt replaces it with the node's attribution
    expect(run(store.addReceipt(attributed(1)))).toBe(false);
    expect(run(store.adoptReceipt(attributed(1)))).toBe(true);
    expect(run(store.pendingReceipts(10))).toEqual([attributed(1)]);
    expect(run(store.rejectedReceipts)).toEqual([]);
    expect(run(store.adoptReceipt(attributed(1)))).toBe(false); // no longer unattributed
  });

  it("a receipt rejected for good, or already in a batch, is never revived", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    run(store.addReceipt(attributed(2)));
    run(store.rejectReceipts([{ ...key(2), reason: "replay" }]));
    expect(run(store.adoptReceipt(attributed(2)))).toBe(false);
    expect(run(store.rejectedReceipts)).toEqual([{ ...key(2), reason: "replay" }]);

    run(store.addUnattributedReceipt(workloadReceipt(3), "no-texts"));
    // another attributor posted it: the follower assigns it to that claim's batch
    const hash = `0x${"ab".repeat(32)}` as const;
    run(
      store.saveBatch({ hash, parentClaim: 0n, body: new Uint8Array([1]), txCount: 1, newStateRoot: hash }, [key(3)]),
    );
    expect(run(store.adoptReceipt(attributed(3)))).toBe(false);
    expect(run(store.pendingReceipts(10))).toEqual([]);
  });

  it("unreadable claims are recorded once, listed until they recover, and reopened if they fail again", () => {
    const store = makeStore(openDatabase({ path: ":memory:" }));
    const row = { claimId: 7n, txHash: `0x${"cd".repeat(32)}` as const, blockNumber: 12, kind: "rpc", reason: "x" };
    run(store.recordUnreadableClaim(row));
    run(store.recordUnreadableClaim({ ...row, reason: "y" }));
    run(store.recordUnreadableClaim({ ...row, claimId: 8n, kind: "parent" }));
    expect(run(store.unreadableClaims).map((c) => [c.claimId, c.reason])).toEqual([
      [7n, "x"],
      [8n, "x"],
    ]);
    run(store.markClaimRecovered(7n));
    expect(run(store.unreadableClaims).map((c) => c.claimId)).toEqual([8n]);
    run(store.recordUnreadableClaim(row));
    expect(run(store.unreadableClaims).map((c) => c.claimId)).toEqual([7n, 8n]);
  });

  it("the layer creates a missing data directory, parents included", async () => {
    const path = join(dir, "fresh", "nested", "agent.sqlite");
    expect(existsSync(join(dir, "fresh"))).toBe(false);
    await Effect.runPromise(Effect.scoped(Layer.build(Store.layer({ path }))));
    expect(existsSync(path)).toBe(true);
  });
});
