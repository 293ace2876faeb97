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
 *   expired deadline, a replayed nonce, a retired model, a withdrawn contribution, an unknown id, or
 *   registry windows that no reference time before the deadline satisfies).
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
  | "never-valid"
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

/**
 * BadModel / BadContribution. Dropped for a fact that never changes (an unknown id, a split that does
 * not sum to 100 %, a contribution to a datanet the model does not use); otherwise deferred exactly when
 * some later reference time t′ ≤ deadline would find the model live and every contribution approved and
 * not withdrawn. A contribution not approved (yet) may be approved at any later time, so it closes no
 * window: such a receipt waits until it is approved, or until its deadline passes (the view cannot tell a
 * pending contribution from a rejected one).
 */
const registryVerdict = (tx: AttributeTx, ctx: SigmaContext, registry: RegistryView): Verdict => {
  const t = ctx.referenceTime;
  const model = registry.model(tx.modelId);
  const s = model.split;
  if (isZero(model.owner)) return drop("unknown-model");
  if (s.operatorBps + s.ownerBps + s.dataBps + s.attributorBps + s.protocolBps !== 10_000) return drop("bad-split");
  const contributions = tx.entries.map((entry) => registry.contribution(entry.contributionId));
  for (const c of contributions) {
    if (isZero(c.contributor)) return drop("unknown-contribution");
    if (!registry.modelUsesDatanet(tx.modelId, c.datanetId)) return drop("contribution-not-in-model");
  }
  // σ accepts a reference time t′ exactly when from ≤ t′ < until
  let from = t + 1n;
  let until = tx.deadline + 1n;
  const notBefore = (time: bigint) => {
    if (time > from) from = time;
  };
  const before = (time: bigint) => {
    if (time !== 0n && time < until) until = time;
  };
  notBefore(model.registeredAt);
  before(model.retiredAt);
  for (const c of contributions) {
    notBefore(c.approvedAt);
    before(c.withdrawnAt);
  }
  if (from < until) {
    if (model.registeredAt > t) return defer("model-registered-later");
    if (contributions.some((c) => c.approvedAt > t)) return defer("contribution-approved-later");
    return defer("contribution-not-approved");
  }
  if (model.retiredAt !== 0n && model.retiredAt <= t) return drop("model-retired");
  if (contributions.some((c) => c.withdrawnAt !== 0n && c.withdrawnAt <= t)) return drop("contribution-withdrawn");
  return drop("never-valid"); // e.g. registered after the deadline, or retired before a contribution's approval
};

/** The verdict on one Attribute transaction that σ's `outcome` judged at `ctx.referenceTime`. */
export const verdictOf = (outcome: Outcome, tx: AttributeTx, ctx: SigmaContext, registry: RegistryView): Verdict => {
  switch (outcome) {
    case Outcome.Valid:
      return include;
    case Outcome.BadModel:
    case Outcome.BadContribution:
      return registryVerdict(tx, ctx, registry);
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
