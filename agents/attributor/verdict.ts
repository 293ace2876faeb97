/**
 * What an attributor does with a receipt whose Attribute transaction σ judged at a claim's reference
 * time (docs/protocol.md §4). An invalid transaction is a no-op (nobody charged, nobody credited), and a
 * receipt included in a posted claim is done for good, so an invalid receipt must never be posted:
 *
 * - include: σ says Valid;
 * - defer: invalid only because the reference time is too early, and valid at a later one (a model
 *   registered, or a contribution approved, after it; a contribution still waiting for its curator).
 *   The receipt stays pending for a later claim. The wait is bounded: time only moves forward, so the
 *   receipt becomes valid, or fails for good (Expired past its deadline, model retired…) and is dropped;
 * - drop: invalid at every later reference time too (a bad signature, a fee above the maximum, an
 *   expired deadline, a replayed nonce, a retired model, a withdrawn contribution, an unknown id…).
 *
 * The registry facts σ reads never go back in time (ids are never reused, a split and a model's datanets
 * are fixed at registration, every status change is a timestamp that is never erased), and a claim's
 * reference time never decreases, which is what makes "permanent" permanent.
 */
import type { Address } from "viem";
import type { AttributeTx } from "../sigma/codec.ts";
import { Outcome, type RegistryView, type SigmaContext } from "../sigma/sigma.ts";

export type DeferReason = "model-registered-later" | "contribution-approved-later" | "contribution-not-approved";

export type DropReason =
  | "malformed"
  | "too-many-entries"
  | "bad-entries"
  | "fee-above-max"
  | "expired"
  | "bad-user-signature"
  | "bad-operator-signature"
  | "unknown-model"
  | "model-retired"
  | "bad-split"
  | "unknown-contribution"
  | "contribution-withdrawn"
  | "contribution-not-in-model"
  | "replay"
  | "invalid";

export type Verdict =
  | { readonly kind: "include" }
  | { readonly kind: "defer"; readonly reason: DeferReason }
  | { readonly kind: "drop"; readonly reason: DropReason };

const ZERO = "0x0000000000000000000000000000000000000000";
const isZero = (a: Address) => a.toLowerCase() === ZERO;
const include: Verdict = { kind: "include" };
const defer = (reason: DeferReason): Verdict => ({ kind: "defer", reason });
const drop = (reason: DropReason): Verdict => ({ kind: "drop", reason });

/** BadModel: deferred only when every failing condition is "registered after the reference time". */
const modelVerdict = (tx: AttributeTx, ctx: SigmaContext, registry: RegistryView): Verdict => {
  const t = ctx.referenceTime;
  const model = registry.model(tx.modelId);
  const s = model.split;
  if (isZero(model.owner)) return drop("unknown-model");
  if (model.retiredAt !== 0n && model.retiredAt <= t) return drop("model-retired");
  if (s.operatorBps + s.ownerBps + s.dataBps + s.attributorBps + s.protocolBps !== 10_000) return drop("bad-split");
  if (model.registeredAt > t) return defer("model-registered-later");
  return drop("invalid"); // σ said BadModel for a reason this function does not know: never post it
};

/** BadContribution: any entry failing for good drops it; otherwise an entry approved later defers it. */
const contributionVerdict = (tx: AttributeTx, ctx: SigmaContext, registry: RegistryView): Verdict => {
  const t = ctx.referenceTime;
  let later: Verdict | undefined;
  for (const entry of tx.entries) {
    const c = registry.contribution(entry.contributionId);
    if (isZero(c.contributor)) return drop("unknown-contribution");
    if (c.withdrawnAt !== 0n && c.withdrawnAt <= t) return drop("contribution-withdrawn");
    if (!registry.modelUsesDatanet(tx.modelId, c.datanetId)) return drop("contribution-not-in-model");
    if (c.approvedAt === 0n) later ??= defer("contribution-not-approved");
    else if (c.approvedAt > t) later ??= defer("contribution-approved-later");
  }
  return later ?? drop("invalid");
};

/** The verdict on one Attribute transaction that σ's `outcome` judged at `ctx.referenceTime`. */
export const verdictOf = (outcome: Outcome, tx: AttributeTx, ctx: SigmaContext, registry: RegistryView): Verdict => {
  switch (outcome) {
    case Outcome.Valid:
      return include;
    case Outcome.BadModel:
      return modelVerdict(tx, ctx, registry);
    case Outcome.BadContribution:
      return contributionVerdict(tx, ctx, registry);
    case Outcome.TooManyEntries:
      return drop("too-many-entries");
    case Outcome.BadEntries:
      return drop("bad-entries");
    case Outcome.FeeAboveMax:
      return drop("fee-above-max");
    case Outcome.Expired:
      return drop("expired");
    case Outcome.BadUserSignature:
      return drop("bad-user-signature");
    case Outcome.BadOperatorSignature:
      return drop("bad-operator-signature");
    case Outcome.Replay:
      return drop("replay");
    case Outcome.Malformed:
      return drop("malformed");
    default:
      return drop("invalid");
  }
};
