/**
 * Receipt groups in the Store (migration 7): stored once by (operator, root); a gossiped (unattributed)
 * group is never pending until the intake takes it with its texts; pending groups leave the line when a
 * posted claim includes them, or for good when rejected; rows survive a reopen of the file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Option } from "effect";
import { keccak256, stringToBytes } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import type { SignedGroup } from "../protocol/group.ts";
import { makeStore, migrations, openDatabase } from "./store.ts";

const dir = mkdtempSync(join(tmpdir(), "poa-store-groups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect);

const group = (n: number): SignedGroup => ({
  operator: "0x00000000000000000000000000000000000000aA",
  attributor: "0x00000000000000000000000000000000000000bB",
  signature: `0x${"ab".repeat(65)}`,
  records: [
    {
      user: "0x00000000000000000000000000000000000000cC",
      modelId: 7n,
      requestHash: keccak256(stringToBytes(`request ${n}`)),
      outputHash: keccak256(stringToBytes(`output ${n}`)),
      fee: 10n ** 20n,
      nonce: BigInt(n),
      entries: [{ contributionId: 4_000_000_000n, weight: 1_000_000 }],
    },
  ],
  allowances: [
    {
      allowance: {
        user: "0x00000000000000000000000000000000000000cC",
        operator: "0x00000000000000000000000000000000000000aA",
        cap: 2n ** 96n - 1n,
        nonce: 2n ** 64n - 1n,
        expiry: 1_800_000_000n,
      },
      signature: `0x${"cd".repeat(65)}`,
    },
  ],
});

describe("Store: receipt groups", () => {
  it("once by key; unattributed until adopted; pending until included or rejected; kept across a reopen", () => {
    const path = join(dir, "groups.sqlite");
    const store = makeStore(openDatabase({ path }));
    expect(run(store.schemaVersion)).toBe(migrations.length);
    expect(run(store.addGroup("k1", group(1), "unattributed", "no-texts"))).toBe(true);
    expect(run(store.addGroup("k1", group(1), "unattributed", "no-texts"))).toBe(false);
    expect(run(store.pendingGroups(10))).toEqual([]);
    expect(run(store.addGroup("k1", group(1), "pending"))).toBe(true); // adopted: now it came with texts
    expect(run(store.addGroup("k1", group(1), "pending"))).toBe(false);
    expect(run(store.addGroup("k2", group(2), "pending"))).toBe(true);
    expect(run(store.addGroup("k3", group(3), "pending"))).toBe(true);
    // the big values round-trip through the JSON row (uint96, uint64, uint32 at their limits)
    expect(run(store.pendingGroups(10)).map((g) => [g.key, g.group])).toEqual([
      ["k1", group(1)],
      ["k2", group(2)],
      ["k3", group(3)],
    ]);
    expect(run(store.pendingGroups(1)).map((g) => g.key)).toEqual(["k1"]);
    const batch = keccak256("0x01");
    run(store.includeGroups(["k1"], batch));
    run(store.includeGroups(["k1"], keccak256("0x02"))); // already in a batch: left as it is
    expect(run(store.rejectGroup("k2", "BadOperatorSignature"))).toBe(true);
    expect(run(store.rejectGroup("k2", "again"))).toBe(false);
    expect(run(store.pendingGroups(10)).map((g) => g.key)).toEqual(["k3"]);

    const reopened = makeStore(openDatabase({ path }));
    expect(Option.getOrThrow(run(reopened.getGroup("k1")))).toMatchObject({ status: "pending", batchHash: batch });
    expect(Option.getOrThrow(run(reopened.getGroup("k2")))).toMatchObject({
      status: "rejected",
      reason: "BadOperatorSignature",
    });
    expect(Option.isNone(run(reopened.getGroup("k4")))).toBe(true);
  });
});
