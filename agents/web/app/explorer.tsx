/** Explorer pages: datanets, models and adapters, claims and disputes, a contributor's earnings. */

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Address, createWalletClient, custom, type EIP1193Provider, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { attributionLedgerAbi, datanetRegistryAbi, modelRegistryAbi } from "../../generated/contracts.ts";
import { Bisection, LineChart } from "./charts.tsx";
import {
  CLAIM_STATUS,
  CONTRIBUTION_STATUS,
  chain,
  gamesOf,
  getJson,
  ledger,
  loadConfig,
  METHODS,
  open,
  read,
  readClaim,
  readContribution,
  readDatanet,
  readModel,
  readWithdrawn,
  short,
} from "./lib.ts";
import { Dispute } from "./receipt.tsx";

/** Loads once (or every `refreshMs`), shows one line on failure, never a blank page. */
export const useLoad = <T,>(load: () => Promise<T>, deps: ReadonlyArray<unknown>, refreshMs?: number) => {
  const [value, setValue] = useState<T>();
  const [problem, setProblem] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stop = false;
    load()
      .then((v) => {
        if (!stop) {
          setValue(v);
          setProblem(undefined);
        }
      })
      .catch((e: unknown) => !stop && setProblem(e instanceof Error ? e.message : String(e)));
    const timer = refreshMs === undefined ? undefined : setTimeout(() => setTick((t) => t + 1), refreshMs);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { value, problem, reload: () => setTick((t) => t + 1) };
};

export const Page = ({
  title,
  problem,
  children,
}: {
  title: string;
  problem?: string | undefined;
  children?: ComponentChildren;
}) => (
  <section aria-labelledby="page-title">
    <h1 id="page-title">{title}</h1>
    {problem !== undefined && (
      <p class="error" role="alert" data-testid="page-error">
        {problem}
      </p>
    )}
    {children}
  </section>
);

const range = (n: bigint) => Array.from({ length: Number(n) }, (_, i) => BigInt(i + 1));

export const Datanets = () => {
  const { value, problem } = useLoad(async () => {
    const c = await loadConfig();
    const [datanets, contributions] = await Promise.all([
      read("datanets", () =>
        chain().readContract({
          address: c.contracts.datanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "datanetCount",
        }),
      ),
      read("contributions", () =>
        chain().readContract({
          address: c.contracts.datanetRegistry,
          abi: datanetRegistryAbi,
          functionName: "contributionCount",
        }),
      ),
    ]);
    const all = await Promise.all(range(contributions).map(async (id) => ({ id, ...(await readContribution(id)) })));
    return Promise.all(
      range(datanets).map(async (id) => ({
        id,
        ...(await readDatanet(id)),
        contributions: all.filter((x) => x.datanetId === id),
      })),
    );
  }, []);
  return (
    <Page title="Datanets" problem={problem}>
      {value?.length === 0 && <p>No datanet yet.</p>}
      {value?.map((d) => (
        <article key={d.id.toString()} class="card" id={`datanet-${d.id}`} data-testid="datanet">
          <h2>
            Datanet {d.id.toString()} <span class="muted">{d.metadataURI}</span>
          </h2>
          <p>
            owner {short(d.owner)} · curator {short(d.curator)} · {d.contributionCount} contributions, {d.approvedCount}{" "}
            approved
          </p>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">id</th>
                  <th scope="col">contributor</th>
                  <th scope="col">bytes</th>
                  <th scope="col">curator decision</th>
                  <th scope="col">content root</th>
                </tr>
              </thead>
              <tbody>
                {d.contributions.map((x) => (
                  <tr key={x.id.toString()}>
                    <td>{x.id.toString()}</td>
                    <td>
                      <a href={`#/earnings/${x.contributor}`}>{short(x.contributor)}</a>
                    </td>
                    <td class="num">{x.byteLength.toString()}</td>
                    <td>{CONTRIBUTION_STATUS[x.status] ?? x.status}</td>
                    <td class="mono">{short(x.contentRoot)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </article>
      ))}
    </Page>
  );
};

export const Models = () => {
  const { value, problem } = useLoad(async () => {
    const c = await loadConfig();
    const count = await read("models", () =>
      chain().readContract({ address: c.contracts.modelRegistry, abi: modelRegistryAbi, functionName: "modelCount" }),
    );
    const served = new Map(Object.entries(c.models).map(([name, id]) => [id, name]));
    return Promise.all(
      range(count).map(async (id) => ({ id, served: served.get(id.toString()), ...(await readModel(id)) })),
    );
  }, []);
  return (
    <Page title="Models and adapters" problem={problem}>
      {value?.map((m) => (
        <article key={m.id.toString()} class="card" data-testid="model">
          <h2>
            Model {m.id.toString()} {m.served !== undefined && <span class="muted">served as {m.served}</span>}
          </h2>
          <dl class="facts">
            <dt>method</dt>
            <dd>{METHODS[m.method] ?? m.method}</dd>
            <dt>kind</dt>
            <dd>{m.parentModelId === 0n ? "base model" : `adapter of model ${m.parentModelId}`}</dd>
            <dt>index commitment</dt>
            <dd class="mono">{short(m.attributionIndexCommitment)}</dd>
            <dt>datanets</dt>
            <dd>{m.datanetIds.map((d) => d.toString()).join(", ")}</dd>
            <dt>price</dt>
            <dd>{open(m.price)} OPEN</dd>
            <dt>stake</dt>
            <dd>{open(m.stake)} OPEN</dd>
            <dt>fee split</dt>
            <dd>
              operator {m.split.operatorBps / 100}% · owner {m.split.ownerBps / 100}% · data {m.split.dataBps / 100}% ·
              attributor {m.split.attributorBps / 100}% · protocol {m.split.protocolBps / 100}%
            </dd>
            <dt>owner</dt>
            <dd>{short(m.owner)}</dd>
          </dl>
        </article>
      ))}
    </Page>
  );
};

export const Claims = () => {
  const { value, problem } = useLoad(
    async () => {
      const address = await ledger();
      const count = await read("claims", () =>
        chain().readContract({ address, abi: attributionLedgerAbi, functionName: "claimCount" }),
      );
      return Promise.all(
        range(count).map(async (id) => ({ id, claim: await readClaim(id), games: await gamesOf(id) })),
      );
    },
    [],
    2000,
  );
  return (
    <Page title="Claims and disputes" problem={problem}>
      {value?.length === 0 && <p>No claim yet.</p>}
      <div class="scroll">
        <table data-testid="claims">
          <thead>
            <tr>
              <th scope="col">claim</th>
              <th scope="col">status</th>
              <th scope="col">claimant</th>
              <th scope="col">transactions</th>
              <th scope="col">pot (OPEN)</th>
              <th scope="col">disputes</th>
            </tr>
          </thead>
          <tbody>
            {value?.map(({ id, claim, games }) => (
              <tr key={id.toString()} data-testid="claim-row">
                <td>{id.toString()}</td>
                <td>{CLAIM_STATUS[claim.status] ?? claim.status}</td>
                <td>{short(claim.claimant)}</td>
                <td class="num">{claim.txCount.toString()}</td>
                <td class="num">{open(claim.pot)}</td>
                <td>{games.length === 0 ? "—" : games.map((g) => g.status).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {value
        ?.filter((c) => c.games.length > 0)
        .map((c) => (
          <Dispute
            key={c.id.toString()}
            claimId={c.id.toString()}
            status={CLAIM_STATUS[c.claim.status] ?? ""}
            size={c.claim.batchSize}
            games={c.games}
          />
        ))}
      {value === undefined && problem === undefined && <Bisection size={1n} ranges={[]} />}
    </Page>
  );
};

interface AccountView {
  readonly finalClaimId: string;
  readonly leaf: { earned: string; charged: string; nonceBase: string; nonceBitmap: string };
  /** The membership proof of the account's leaf (docs/protocol.md §2); null when it has no leaf. */
  readonly proof: Hex | null;
  readonly history: ReadonlyArray<{ claimId: string; status: string; earned: string }>;
}

export const Earnings = ({ account }: { account: string }) => {
  const [withdrawing, setWithdrawing] = useState<string>();
  const { value, problem, reload } = useLoad(
    async () => {
      const c = await loadConfig();
      const [view, withdrawn] = await Promise.all([
        getJson<AccountView>(`/api/attributor/accounts/${account}`),
        readWithdrawn(account as Address),
      ]);
      return { view, withdrawn, demo: c.demoAccounts, config: c };
    },
    [account],
    3000,
  );
  const earned = value === undefined ? 0n : BigInt(value.view.leaf.earned);
  const withdrawable = value === undefined ? 0n : earned - value.withdrawn;
  const key = value?.demo.find((a) => a.address.toLowerCase() === account.toLowerCase())?.key;
  // outside the local demo: a wallet the browser injects (EIP-1193), which signs for its own account
  const injected = (globalThis as { ethereum?: EIP1193Provider }).ethereum;
  const withdraw = async () => {
    if (value === undefined || (key === undefined && injected === undefined)) return;
    const proof = value.view.proof;
    if (proof === null) {
      setWithdrawing("nothing to withdraw: the account has no leaf in the final state");
      return;
    }
    setWithdrawing("sending the withdrawal…");
    try {
      const address = await ledger();
      const chainConfig = {
        id: value.config.chainId,
        name: "local",
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [`${location.origin}/api/rpc`] } },
      };
      const wallet =
        key !== undefined
          ? createWalletClient({
              account: privateKeyToAccount(key),
              transport: http(`${location.origin}/api/rpc`),
              chain: chainConfig,
            })
          : createWalletClient({
              account: (await createWalletClient({ transport: custom(injected!) }).requestAddresses())[0]!,
              transport: custom(injected!),
              chain: chainConfig,
            });
      const leaf = value.view.leaf;
      const hash = await wallet.writeContract({
        address,
        abi: attributionLedgerAbi,
        functionName: "withdraw",
        args: [
          account as Address,
          {
            earned: BigInt(leaf.earned),
            charged: BigInt(leaf.charged),
            nonceBase: BigInt(leaf.nonceBase),
            nonceBitmap: BigInt(leaf.nonceBitmap),
          },
          proof,
        ],
      });
      await chain().waitForTransactionReceipt({ hash });
      setWithdrawing(`withdrawn (transaction ${short(hash)})`);
      reload();
    } catch (e) {
      setWithdrawing(`withdrawal failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
    }
  };
  return (
    <Page title="Earnings" problem={problem}>
      <p>
        Account <span class="mono">{account}</span>
        {value !== undefined && (
          <>
            {" "}
            · choose:{" "}
            {value.demo.map((a) => (
              <a key={a.address} href={`#/earnings/${a.address}`} class="chip">
                {a.name}
              </a>
            ))}
          </>
        )}
      </p>
      {value !== undefined && (
        <>
          <dl class="facts" data-testid="earnings">
            <dt>earned (final claim {value.view.finalClaimId})</dt>
            <dd data-testid="earned">{open(earned, 18)}</dd>
            <dt>withdrawn (on chain)</dt>
            <dd data-testid="withdrawn">{open(value.withdrawn, 18)}</dd>
            <dt>withdrawable</dt>
            <dd data-testid="withdrawable" data-wei={withdrawable.toString()}>
              {open(withdrawable, 18)} OPEN
            </dd>
          </dl>
          <LineChart
            label="earned OPEN after each claim"
            points={value.view.history.map((h) => ({ x: h.claimId, y: BigInt(h.earned) }))}
          />
          {key !== undefined || injected !== undefined ? (
            <button type="button" disabled={withdrawable <= 0n} onClick={() => void withdraw()} data-testid="withdraw">
              Withdraw {open(withdrawable)} OPEN
            </button>
          ) : (
            <p class="note">
              Withdrawing needs this account's key (the local demo's accounts have one) or a browser wallet.
            </p>
          )}
          {withdrawing !== undefined && (
            <p role="status" data-testid="withdraw-status">
              {withdrawing}
            </p>
          )}
        </>
      )}
    </Page>
  );
};
