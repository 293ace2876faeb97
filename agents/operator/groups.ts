/**
 * The operator's receipt groups (spec B, docs/protocol.md §3 "Allowances and receipt groups").
 *
 * An answer served under a user's allowance (./receipts.ts) becomes a **record** (user, model, the two
 * hashes behind ioHash, fee, nonce) instead of a per-request signed receipt. Records wait here per
 * attributor; a group is closed when it holds `maxRecords` records (default 64) or its oldest record has
 * waited `maxWaitMs` (default 100 ms), whichever comes first, and signed once:
 * `ReceiptGroup(operator, attributor, root, count)` over the records' padded tree. The signed group goes
 * to `onGroup` with the texts of every record (agents/operator/publish.ts: text store, `/poa/groups/1`,
 * the attributors' `POST /groups`), with the allowances its records spend.
 *
 * **Who chooses the weights.** A record's bytes hold its entries and the operator signs the records, so
 * the entries are fixed when the group is signed. They are the attributor's: before a record joins a
 * group, `attribute` asks the named attributor (`POST /attribute` on its intake: its own engine's entries
 * for the texts, agents/attributor/intake.ts). An attributor only takes a group whose every record carries
 * exactly its own engine's entries. A record the attributor's engine cannot attribute (a model it does
 * not serve) gets no entries (n = 0, valid in σ: the data share goes unpaid to contributors, as
 * docs/protocol.md §4 says for n = 0). While the attributor cannot answer (unreachable, its engine
 * cannot read an index yet), `attribute` is retried with backoff and the group waits: records are never
 * signed with made-up weights.
 */
import { Schema } from "effect";
import { type Address, bytesToHex, type Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import {
  AttributeAnswer,
  type GroupReceipt,
  groupRoot,
  receiptGroupTypes,
  type SignedAllowance,
  type SignedGroup,
} from "../protocol/group.ts";
import type { Eip712Domain } from "../protocol/receipt.ts";

/** An answer served under an allowance: its record (entries still to come) and its texts. */
export interface ServedRecord {
  readonly attributor: Address;
  readonly record: Omit<GroupReceipt, "entries">;
  readonly allowance: SignedAllowance;
  /** The canonical request bytes (keccak256 = requestHash). */
  readonly request: Uint8Array;
  /** The answer (keccak256 of its UTF-8 bytes = outputHash). */
  readonly output: string;
}

/** A signed group and the texts of its records, in order. */
export interface SignedGroupWithTexts {
  readonly group: SignedGroup;
  readonly texts: ReadonlyArray<{ readonly request: Uint8Array; readonly output: string }>;
}

export type Entries = GroupReceipt["entries"];

export interface GroupSignerOptions {
  /** The attributor's entries for a served record; [] when its engine cannot attribute it; throws to retry. */
  readonly attribute: (served: ServedRecord) => Promise<Entries>;
  readonly onGroup: (group: SignedGroupWithTexts) => void;
  /** Records per group (default 64). */
  readonly maxRecords?: number;
  /** How long the oldest record waits before its group is closed (default 100 ms). */
  readonly maxWaitMs?: number;
  readonly log?: (line: string) => void;
  /** Delay before attribute is tried again (default 200 ms, doubling, at most 5 s). */
  readonly retryMs?: number;
}

interface Pending {
  readonly served: ServedRecord;
  readonly entries: Promise<Entries>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class GroupSigner {
  private readonly open = new Map<string, { records: Pending[]; timer: ReturnType<typeof setTimeout> | undefined }>();
  /** Groups being signed and handed on, in order (tests and shutdown wait for it). */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  signed = 0;

  constructor(
    readonly account: LocalAccount,
    readonly domain: Eip712Domain,
    readonly opts: GroupSignerOptions,
  ) {}

  /** Adds a served record to its attributor's open group; its entries are asked for at once. */
  add(served: ServedRecord): void {
    const key = served.attributor.toLowerCase();
    let open = this.open.get(key);
    // one session per user in a group: a new allowance closes the group holding the old one's records, so
    // whoever posts it puts each group's Authorize right before that group (never a later session's before
    // an earlier session's records)
    const user = served.record.user.toLowerCase();
    const nonce = served.allowance.allowance.nonce;
    if (
      open?.records.some(
        (p) => p.served.record.user.toLowerCase() === user && p.served.allowance.allowance.nonce !== nonce,
      )
    ) {
      this.close(key);
      open = undefined;
    }
    if (open === undefined) {
      open = { records: [], timer: undefined };
      this.open.set(key, open);
    }
    open.records.push({ served, entries: this.entriesOf(served) });
    if (open.records.length >= (this.opts.maxRecords ?? 64)) this.close(key);
    else if (open.timer === undefined && !this.closed) {
      open.timer = setTimeout(() => this.close(key), this.opts.maxWaitMs ?? 100);
    }
  }

  /** Closes every open group now and resolves once every group so far has been signed and handed on. */
  async flush(): Promise<void> {
    for (const key of [...this.open.keys()]) this.close(key);
    await this.chain;
  }

  /** Flushes and stops the timers (later records are grouped only at the next flush). */
  async stop(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async entriesOf(served: ServedRecord): Promise<Entries> {
    let wait = this.opts.retryMs ?? 200;
    for (;;) {
      try {
        return await this.opts.attribute(served);
      } catch (e) {
        this.opts.log?.(
          `record (${served.record.user}, ${served.record.nonce}): no entries from ${served.attributor} yet, retrying: ${e instanceof Error ? e.message : String(e)}`,
        );
        await sleep(wait);
        wait = Math.min(wait * 2, 5_000);
      }
    }
  }

  private close(key: string): void {
    const open = this.open.get(key);
    if (open === undefined) return;
    this.open.delete(key);
    if (open.timer !== undefined) clearTimeout(open.timer);
    if (open.records.length === 0) return;
    this.chain = this.chain
      .then(() => this.sign(open.records))
      .catch((e) => {
        this.opts.log?.(`receipt group not signed: ${e instanceof Error ? e.message : String(e)}`);
      });
  }

  private async sign(pending: ReadonlyArray<Pending>): Promise<void> {
    const records: GroupReceipt[] = [];
    for (const p of pending) records.push({ ...p.served.record, entries: await p.entries });
    const attributor = pending[0]!.served.attributor;
    const root: Hex = groupRoot(records);
    const signature = await this.account.signTypedData({
      domain: this.domain,
      types: receiptGroupTypes,
      primaryType: "ReceiptGroup",
      message: { operator: this.account.address, attributor, root, count: BigInt(records.length) },
    });
    // the allowance of each user in the group (one session per user per group, see add)
    const allowances = new Map<string, SignedAllowance>();
    for (const p of pending) allowances.set(p.served.allowance.allowance.user.toLowerCase(), p.served.allowance);
    const group: SignedGroup = {
      operator: this.account.address,
      attributor,
      records,
      signature,
      allowances: [...allowances.values()],
    };
    this.signed++;
    try {
      this.opts.onGroup({ group, texts: pending.map((p) => ({ request: p.served.request, output: p.served.output })) });
    } catch (e) {
      this.opts.log?.(`receipt group hook failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** The intake's `/attribute` URL next to its `/receipts` URL. */
export const attributeUrlOf = (intakeUrl: string): string =>
  intakeUrl.endsWith("/receipts")
    ? `${intakeUrl.slice(0, -"/receipts".length)}/attribute`
    : `${intakeUrl.replace(/\/$/, "")}/attribute`;

const decodeAnswer = Schema.decodeUnknownSync(AttributeAnswer);

/**
 * `attribute` over an attributor intake's `POST /attribute` (agents/attributor/intake.ts): its entries for
 * the record's texts. A 4xx answer (the attributor refuses the texts) gives no entries; an unreachable
 * attributor or a 5xx throws (GroupSigner tries again).
 */
export const attributeOverHttp =
  (intakeUrl: string) =>
  async (served: ServedRecord): Promise<Entries> => {
    const response = await fetch(attributeUrlOf(intakeUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        modelId: served.record.modelId.toString(),
        request: bytesToHex(served.request),
        output: served.output,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status >= 500) throw new Error(`${response.status}: ${text}`);
    if (response.status >= 400) return [];
    return decodeAnswer(JSON.parse(text)).entries;
  };
