/** A receipt's way to the money: signed → in claim N → challenge window → final or disputed → withdrawable. */
import { useEffect, useState } from "preact/hooks";
import { Bisection } from "./charts.tsx";
import { CLAIM_STATUS, challengeWindow, gamesOf, getJson, latestTime, open, readClaim, short } from "./lib.ts";

interface ClaimRef {
  readonly id: string;
  readonly status: string;
  readonly correct: boolean;
  readonly claimant: string;
}

type Game = Awaited<ReturnType<typeof gamesOf>>[number];

interface View {
  readonly claims: ReadonlyArray<{
    readonly ref: ClaimRef;
    readonly status: string;
    readonly deadline: bigint;
    readonly batchSize: bigint;
    readonly pot: bigint;
    readonly games: ReadonlyArray<Game>;
  }>;
  readonly now: bigint;
}

export const ReceiptPage = ({ user, operator, nonce }: { user: string; operator: string; nonce: string }) => {
  const [view, setView] = useState<View>();
  const [problem, setProblem] = useState<string>();
  const stored = localStorage.getItem(`poa-receipt:${user}/${operator}/${nonce}`.toLowerCase());
  const receipt =
    stored === null
      ? undefined
      : (JSON.parse(stored) as { receipt: { fee: string; modelId: string; attributor: string } });

  useEffect(() => {
    let stop = false;
    const tick = async () => {
      try {
        const { claims } = await getJson<{ claims: ClaimRef[] }>(
          `/api/attributor/receipts/${user}/${operator}/${nonce}`,
        );
        const window = await challengeWindow();
        const now = await latestTime();
        const detailed = await Promise.all(
          claims.map(async (ref) => {
            const c = await readClaim(BigInt(ref.id));
            return {
              ref,
              status: CLAIM_STATUS[c.status] ?? String(c.status),
              deadline: c.postedAt + window,
              batchSize: c.batchSize,
              pot: c.pot,
              games: await gamesOf(BigInt(ref.id)),
            };
          }),
        );
        if (!stop) {
          setView({ claims: detailed, now });
          setProblem(undefined);
        }
      } catch (e) {
        if (!stop) setProblem(e instanceof Error ? e.message : String(e));
      }
      if (!stop) setTimeout(tick, 1000);
    };
    void tick();
    return () => {
      stop = true;
    };
  }, [user, operator, nonce]);

  const live = view?.claims.filter((c) => c.status !== "void") ?? [];
  const current = live[live.length - 1];
  const disputed = view?.claims.filter((c) => c.games.length > 0) ?? [];
  const steps: Array<{ label: string; done: boolean; detail?: string | undefined }> = [
    {
      label: "signed",
      done: true,
      detail: receipt ? `fee ${open(BigInt(receipt.receipt.fee))} OPEN, model ${receipt.receipt.modelId}` : undefined,
    },
    {
      label: current ? `in claim ${current.ref.id}` : "in a claim",
      done: current !== undefined,
      detail: current
        ? `posted by ${short(current.ref.claimant)}, ${current.batchSize} transactions`
        : "waiting for the attributor to post it",
    },
    {
      label: "challenge window",
      done:
        current !== undefined && (current.status === "final" || (view !== undefined && view.now >= current.deadline)),
      detail:
        current && view
          ? current.status === "final" || view.now >= current.deadline
            ? "closed"
            : `${(current.deadline - view.now).toString()} s left (chain time)`
          : undefined,
    },
    { label: "final", done: current?.status === "final" },
    {
      label: "withdrawable",
      done: current?.status === "final",
      detail: current?.status === "final" ? "earnings can be withdrawn" : undefined,
    },
  ];
  return (
    <section aria-labelledby="receipt-title">
      <h1 id="receipt-title">Receipt</h1>
      <p class="mono">
        user {short(user)} · operator {short(operator)} · nonce {nonce}
      </p>
      {problem !== undefined && (
        <p class="error" role="alert" data-testid="receipt-error">
          {problem}
        </p>
      )}
      <ol class="timeline" data-testid="timeline">
        {steps.map((s) => (
          <li key={s.label} class={s.done ? "done" : "todo"} data-testid="step" data-done={s.done ? "true" : "false"}>
            <span class="dot" aria-hidden="true">
              {s.done ? "●" : "○"}
            </span>{" "}
            <strong>{s.label}</strong>
            {s.done ? <span class="sr-only"> (done)</span> : <span class="sr-only"> (not yet)</span>}
            {s.detail !== undefined && <span class="detail"> — {s.detail}</span>}
          </li>
        ))}
      </ol>
      {current !== undefined && (
        <p data-testid="claim-status">
          Claim {current.ref.id}: <strong>{current.status}</strong>
        </p>
      )}
      {disputed.map((c) => (
        <Dispute key={c.ref.id} claimId={c.ref.id} status={c.status} size={c.batchSize} games={c.games} />
      ))}
    </section>
  );
};

export const Dispute = ({
  claimId,
  status,
  size,
  games,
}: {
  claimId: string;
  status: string;
  size: bigint;
  games: ReadonlyArray<Game>;
}) => (
  <div class="dispute" data-testid="dispute">
    <h2>
      Claim {claimId} was disputed ({status})
    </h2>
    {games.map((g) => (
      <div key={g.gameId.toString()}>
        <p>
          Game {g.gameId.toString()} by challenger {short(g.challenger)}:{" "}
          <strong data-testid="game-status">{g.status}</strong>
          {g.steppedAt !== undefined && <> · one-step proof at transaction {g.steppedAt.toString()}</>}
        </p>
        <Bisection size={size} ranges={g.ranges} />
      </div>
    ))}
  </div>
);
