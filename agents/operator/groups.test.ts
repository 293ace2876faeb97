/**
 * The operator's side of spec B: a user's allowance authorises answers up to its cap (./receipts.ts), and
 * the answers become records of signed receipt groups (./groups.ts). Groups are checked with the gossip
 * validator's `groupProblem` and a signer recovered here with viem (not the code under test).
 */
import { Effect, Redacted, Schema } from "effect";
import { type Address, keccak256, recoverTypedDataAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { checkReceipts } from "../gossip/checks.ts";
import { encodeEnvelope, encodePayload, envelopeDigest, SeenCache, validateEnvelope } from "../gossip/envelope.ts";
import { Topics } from "../gossip/messages.ts";
import { Identity } from "../identity/identity.ts";
import {
  AllowanceSchema,
  allowanceTypes,
  groupProblem,
  groupRoot,
  receiptGroupTypes,
  type SignedGroup,
} from "../protocol/group.ts";
import { attributionDomain } from "../protocol/receipt.ts";
import { encodeCanonicalRequest, plainCompletion } from "../protocol/request.ts";
import { GroupSigner, type ServedRecord, type SignedGroupWithTexts } from "./groups.ts";
import { PaymentError, ReceiptSigner } from "./receipts.ts";

const domain = attributionDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const operator = privateKeyToAccount(generatePrivateKey());
const attributor: Address = privateKeyToAccount(generatePrivateKey()).address;
const price = { modelId: 7n, price: 100n };
const NOW = 1_800_000_000n;

const allowanceOf = async (
  user = privateKeyToAccount(generatePrivateKey()),
  overrides: Partial<{ cap: bigint; nonce: bigint; expiry: bigint }> = {},
) => {
  const allowance = {
    user: user.address,
    operator: operator.address,
    cap: 250n,
    nonce: 10n,
    expiry: NOW + 600n,
    ...overrides,
  };
  const signature = await user.signTypedData({
    domain,
    types: allowanceTypes,
    primaryType: "Allowance",
    message: allowance,
  });
  return {
    user,
    allowance,
    headers: {
      allowance: JSON.stringify(Schema.encodeSync(AllowanceSchema)(allowance)),
      allowanceSignature: signature,
    },
  };
};

const setup = (options: { maxRecords?: number; maxWaitMs?: number } = {}) => {
  const groups: SignedGroupWithTexts[] = [];
  const asked: ServedRecord[] = [];
  const grouper = new GroupSigner(operator, domain, {
    // the attributor's entries: a fixed split, [] for the prompt "unattributable"
    attribute: async (served) => {
      asked.push(served);
      return new TextDecoder().decode(served.request).includes("unattributable")
        ? []
        : [
            { contributionId: 3n, weight: 700_000 },
            { contributionId: 9n, weight: 300_000 },
          ];
    },
    onGroup: (g) => groups.push(g),
    maxWaitMs: options.maxWaitMs ?? 60_000,
    ...(options.maxRecords === undefined ? {} : { maxRecords: options.maxRecords }),
  });
  const receipts: unknown[] = [];
  const signer = new ReceiptSigner(operator, domain, {
    paymentsRequired: true,
    now: () => NOW,
    attributor,
    onReceipt: (r) => receipts.push(r),
    onRecord: (served) => grouper.add(served),
  });
  const serve = async (headers: { allowance: string; allowanceSignature: string }, prompt: string) => {
    const auth = await signer.authorize(
      { request: undefined, signature: undefined, ...headers },
      plainCompletion("m", prompt),
      price,
    );
    if (auth instanceof PaymentError) return auth;
    return signer.sign(auth, `answer to ${prompt}`);
  };
  return { groups, asked, grouper, signer, receipts, serve };
};

describe("answers under an allowance", () => {
  it("are charged against the cap, numbered after the allowance's nonce, and grouped into one signed group", async () => {
    const { groups, grouper, receipts, serve } = setup();
    const a = await allowanceOf();
    const first = await serve(a.headers, "one");
    const second = await serve(a.headers, "two");
    expect(first).not.toBeInstanceOf(PaymentError);
    expect(second).not.toBeInstanceOf(PaymentError);
    // 250 covers two answers at 100, not a third
    const third = await serve(a.headers, "three");
    expect(third).toBeInstanceOf(PaymentError);
    expect((third as PaymentError).message).toMatch(/allowance exhausted: 50 left/);
    await grouper.flush();
    expect(receipts).toEqual([]); // no per-request receipt is published for them
    expect(groups.length).toBe(1);
    const { group, texts } = groups[0]!;
    expect(group.records.map((r) => [r.user, r.nonce, r.fee])).toEqual([
      [a.user.address, 11n, 100n],
      [a.user.address, 12n, 100n],
    ]);
    expect(group.allowances).toEqual([{ allowance: a.allowance, signature: a.headers.allowanceSignature }]);
    expect(texts.map((t) => keccak256(t.request))).toEqual(group.records.map((r) => r.requestHash));
    // the signature recovers the operator over ReceiptGroup(operator, attributor, root, count) (viem)
    const signer = await recoverTypedDataAddress({
      domain,
      types: receiptGroupTypes,
      primaryType: "ReceiptGroup",
      message: { operator: operator.address, attributor, root: groupRoot(group.records), count: 2n },
      signature: group.signature,
    });
    expect(signer).toBe(operator.address);
    expect(await groupProblem(domain, group)).toBeUndefined();
  });

  it("refuses a forged, expired, foreign or superseded allowance and both paths at once", async () => {
    const { serve, signer } = setup();
    const a = await allowanceOf();
    const forged = { ...a.headers, allowance: a.headers.allowance.replace('"cap":"250"', '"cap":"999"') };
    expect(((await serve(forged, "x")) as PaymentError).message).toMatch(/not signed by the allowance's user/);
    const expired = await allowanceOf(undefined, { expiry: NOW });
    expect(((await serve(expired.headers, "x")) as PaymentError).message).toMatch(/expired/);
    const user = privateKeyToAccount(generatePrivateKey());
    const newer = await allowanceOf(user, { nonce: 50n });
    const older = await allowanceOf(user, { nonce: 40n });
    expect(await serve(newer.headers, "x")).not.toBeInstanceOf(PaymentError);
    expect(((await serve(older.headers, "x")) as PaymentError).message).toMatch(/superseded by nonce 50/);
    const both = await signer.authorize(
      { request: "{}", signature: "0x00", ...a.headers },
      plainCompletion("m", "x"),
      price,
    );
    expect(both).toBeInstanceOf(PaymentError);
    const noGroups = new ReceiptSigner(operator, domain, { paymentsRequired: true, now: () => NOW });
    const refused = await noGroups.authorize(
      { request: undefined, signature: undefined, ...a.headers },
      plainCompletion("m", "x"),
      price,
    );
    expect((refused as PaymentError).message).toMatch(/per-request signatures only/);
  });

  it("a released answer gives its hold back to the session", async () => {
    const { signer, serve } = setup();
    const a = await allowanceOf();
    const held = await signer.authorize(
      { request: undefined, signature: undefined, ...a.headers },
      plainCompletion("m", "x"),
      price,
    );
    expect(held).not.toBeInstanceOf(PaymentError);
    const held2 = await signer.authorize(
      { request: undefined, signature: undefined, ...a.headers },
      plainCompletion("m", "y"),
      price,
    );
    expect(held2).not.toBeInstanceOf(PaymentError);
    expect(await serve(a.headers, "z")).toBeInstanceOf(PaymentError); // 200 held, 50 left
    signer.release(held as Exclude<typeof held, PaymentError>);
    expect(await serve(a.headers, "z")).not.toBeInstanceOf(PaymentError);
  });
});

describe("GroupSigner", () => {
  it("closes a group at maxRecords, and at a user's new session; a record the attributor cannot attribute has no entries", async () => {
    const { groups, grouper, serve } = setup({ maxRecords: 3 });
    const user = privateKeyToAccount(generatePrivateKey());
    const first = await allowanceOf(user, { cap: 10_000n, nonce: 100n });
    for (const prompt of ["a", "b", "c", "d"]) await serve(first.headers, prompt);
    const second = await allowanceOf(user, { cap: 10_000n, nonce: 500n });
    await serve(second.headers, "unattributable");
    await grouper.flush();
    expect(groups.map((g) => g.group.records.map((r) => r.nonce))).toEqual([[101n, 102n, 103n], [104n], [501n]]);
    expect(groups[2]!.group.allowances[0]!.allowance.nonce).toBe(500n);
    expect(groups[2]!.group.records[0]!.entries).toEqual([]);
    for (const g of groups) expect(await groupProblem(domain, g.group)).toBeUndefined();
  });

  it("closes a group after maxWaitMs", async () => {
    const { groups, serve } = setup({ maxWaitMs: 50 });
    await serve((await allowanceOf()).headers, "a");
    for (let i = 0; i < 100 && groups.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(groups.length).toBe(1);
  });

  it("retries attribute until the attributor answers; the group waits for it", async () => {
    let calls = 0;
    const groups: SignedGroupWithTexts[] = [];
    const grouper = new GroupSigner(operator, domain, {
      attribute: async () => {
        calls++;
        if (calls < 3) throw new Error("unreachable");
        return [{ contributionId: 1n, weight: 1_000_000 }];
      },
      onGroup: (g) => groups.push(g),
      retryMs: 5,
    });
    const user = privateKeyToAccount(generatePrivateKey());
    const a = await allowanceOf(user);
    grouper.add({
      attributor,
      record: {
        user: user.address,
        modelId: 7n,
        requestHash: keccak256("0x01"),
        outputHash: keccak256("0x02"),
        fee: 1n,
        nonce: 11n,
      },
      allowance: { allowance: a.allowance, signature: a.headers.allowanceSignature as `0x${string}` },
      request: encodeCanonicalRequest(plainCompletion("m", "x")),
      output: "y",
    });
    await grouper.flush();
    expect(calls).toBe(3);
    expect(groups[0]!.group.records[0]!.entries).toEqual([{ contributionId: 1n, weight: 1_000_000 }]);
  });
});

describe("/poa/groups/1 validation", () => {
  const envelopeOf = async (group: SignedGroup) => {
    const identity = Identity.make(Redacted.make(generatePrivateKey()));
    const unsigned = {
      topic: Topics.groups,
      version: 1,
      sender: identity.address,
      timestamp: Date.now(),
      seq: 1,
      payload: encodePayload(Topics.groups, group),
    };
    return encodeEnvelope(unsigned, await Effect.runPromise(identity.signDigest(envelopeDigest(unsigned))));
  };
  const rules = {
    maxMessageBytes: 1 << 20,
    maxAgeMs: 60_000,
    maxFutureMs: 60_000,
    checkPayload: checkReceipts(domain),
  };

  it("accepts an operator's group and rejects one with a bad signature or a tampered record (reason payload)", async () => {
    const { groups, grouper, serve } = setup();
    await serve((await allowanceOf()).headers, "a");
    await serve((await allowanceOf()).headers, "b");
    await grouper.flush();
    const group = groups[0]!.group;
    const check = async (g: SignedGroup) =>
      validateEnvelope(Topics.groups, await envelopeOf(g), rules, new SeenCache(16), Date.now());
    expect((await check(group)).result).toBe("accept");
    const other = await privateKeyToAccount(generatePrivateKey()).signTypedData({
      domain,
      types: receiptGroupTypes,
      primaryType: "ReceiptGroup",
      message: { operator: operator.address, attributor, root: groupRoot(group.records), count: 2n },
    });
    expect(await check({ ...group, signature: other })).toMatchObject({ result: "reject", reason: "payload" });
    const tampered = { ...group, records: [{ ...group.records[0]!, fee: 1n }, group.records[1]!] };
    expect(await check(tampered)).toMatchObject({ result: "reject", reason: "payload" });
  });
});
