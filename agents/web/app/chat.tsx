/** The chat: pick a model, stream an answer, then show who it came from and who gets paid. */
import { useEffect, useState } from "preact/hooks";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { contentRoot } from "../../content/merkle.ts";
import { FeeSplitChart } from "./charts.tsx";
import {
  type Config,
  errorLine,
  feeSplit,
  getJson,
  loadConfig,
  open,
  PageError,
  readContribution,
  readModel,
  short,
} from "./lib.ts";

/** The one receipt schema (docs/protocol.md §3) as the operator returns it in `poa_receipt`. */
interface SignedReceipt {
  readonly request: Record<string, string>;
  readonly userSignature: Hex;
  readonly receipt: {
    readonly user: Address;
    readonly operator: Address;
    readonly attributor: Address;
    readonly modelId: string;
    readonly requestHash: Hex;
    readonly outputHash: Hex;
    readonly fee: string;
    readonly nonce: string;
    readonly deadline: string;
  };
  readonly operatorSignature: Hex;
}

interface Entry {
  readonly contributionId: string;
  readonly weight: number;
}
interface SuffixMatch {
  readonly outputStart: number;
  readonly length: number;
  readonly occurrences: ReadonlyArray<{ readonly contributionId: string; readonly offset: number }>;
  readonly creditedContributions: ReadonlyArray<string>;
}
interface AttributionResult {
  readonly entries: ReadonlyArray<Entry>;
  readonly evidence:
    | { readonly method: "suffix"; readonly matches: ReadonlyArray<SuffixMatch> }
    | {
        readonly method: string;
        readonly top?: ReadonlyArray<{ readonly contributionId: string; readonly score: string }>;
      };
}

interface Message {
  readonly id: number;
  readonly prompt: string;
  answer: string;
  done: boolean;
  error?: string;
  modelId?: bigint;
  receipt?: SignedReceipt;
  attribution?: AttributionResult;
  attributionNote?: string;
}

export const receiptKey = (r: SignedReceipt["receipt"]) => `${r.user}/${r.operator}/${r.nonce}`;

/** Receipts this browser got, for the timeline page (the chain only ever sees them in a claim). */
export const saveReceipt = (r: SignedReceipt) =>
  localStorage.setItem(`poa-receipt:${receiptKey(r.receipt).toLowerCase()}`, JSON.stringify(r));

/** Reads an SSE stream of chat chunks; `onText` gets each delta; returns the last chunk's receipt. */
const readStream = async (response: Response, onText: (t: string) => void): Promise<SignedReceipt | undefined> => {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let receipt: SignedReceipt | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data) as {
          choices?: Array<{ delta?: { content?: string | null } }>;
          poa_receipt?: SignedReceipt;
          error?: unknown;
        };
        if (chunk.error !== undefined) throw new PageError(errorLine(chunk) ?? "the operator failed mid-answer");
        const text = chunk.choices?.[0]?.delta?.content;
        if (typeof text === "string" && text.length > 0) onText(text);
        if (chunk.poa_receipt !== undefined) receipt = chunk.poa_receipt;
      }
    }
  }
  return receipt;
};

export const Chat = ({
  onError,
  initialModel,
}: {
  onError: (m: string) => void;
  initialModel?: string | undefined;
}) => {
  const [config, setConfig] = useState<Config>();
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState("");
  const [user, setUser] = useState("");
  const [prompt, setPrompt] = useState("");
  const [messages, setMessages] = useState<Message[]>([]);
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  const update = () => setMessages((m) => [...m]);

  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        setConfig(c);
        const firstUser = c.demoAccounts.find((a) => a.name.startsWith("user"));
        if (firstUser) setUser(firstUser.address);
        const list = await getJson<{ data: Array<{ id: string }> }>("/api/operator/v1/models");
        const ids = list.data.map((m) => m.id).filter((id) => c.models[id] !== undefined);
        setModels(ids);
        // #/chat/<served name>: e.g. the Factory page's "Chat with it"
        // (a model chosen while the list was loading stays chosen)
        setModel((chosen) =>
          chosen !== ""
            ? chosen
            : initialModel !== undefined && ids.includes(initialModel)
              ? initialModel
              : (ids[0] ?? ""),
        );
        if (ids.length === 0) setStatus("the operator serves no model registered on this chain");
      })
      .catch((e: unknown) => setStatus(e instanceof Error ? e.message : String(e)));
  }, []);

  const send = async () => {
    if (config === undefined || prompt.trim().length === 0) return;
    const message: Message = { id: Date.now(), prompt, answer: "", done: false };
    setMessages((m) => [...m, message]);
    setPrompt("");
    setBusy(true);
    try {
      const modelIdText = config.models[model];
      if (modelIdText === undefined) throw new PageError(`unknown model "${model}": this chain has no model for it`);
      const modelId = BigInt(modelIdText);
      message.modelId = modelId;
      const onChain = await readModel(modelId);
      const account = config.demoAccounts.find((a) => a.address === user);
      const body = JSON.stringify({
        model,
        messages: [{ role: "user", content: message.prompt }],
        stream: true,
        ...config.chatParams,
      });
      // a paid chat spends the demo user's one allowance for the operator (spec B: the server signs the
      // EIP-712 Allowance once with the demo account's key, a session of 100 answers at this model's price);
      // an exhausted or expired session is renewed once
      const allowance = (renew: boolean) =>
        getJson<Record<string, string>>("/api/sign-allowance", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user: account!.address, cap: (onChain.price * 100n).toString(), renew }),
        });
      const send = async (renew: boolean): Promise<Response> => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (account !== undefined) Object.assign(headers, await allowance(renew));
        try {
          return await fetch("/api/operator/v1/chat/completions", { method: "POST", headers, body });
        } catch {
          throw new PageError("cannot reach the Open Chat server");
        }
      };
      let response = await send(false);
      if (response.status === 402 && account !== undefined) {
        const text = await response.clone().text();
        if (/allowance (exhausted|has expired)|superseded/.test(text)) response = await send(true);
      }
      if (!response.ok) {
        const text = await response.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        throw new PageError(errorLine(parsed) ?? `the operator answered HTTP ${response.status}`);
      }
      const receipt = await readStream(response, (t) => {
        message.answer += t;
        update();
      });
      message.done = true;
      update();
      if (receipt === undefined) throw new PageError("the answer came without a receipt");
      message.receipt = receipt;
      saveReceipt(receipt);
      update();
      // unpaid: no signed Request and no allowance (user 0x0); under an allowance the user signature is
      // also 65 zero bytes, but the receipt names the paying user
      if (/^0x0+$/.test(receipt.userSignature) && /^0x0+$/.test(receipt.receipt.user)) {
        message.attributionNote = "unpaid answer (no signed request): nobody attributes it";
        return update();
      }
      message.attributionNote = "waiting for the attributor…";
      update();
      const outputHash = keccak256(toBytes(message.answer));
      for (let i = 0; i < 60; i++) {
        const r = await fetch(`/api/attributor/attributions/${modelId}/${outputHash}`);
        if (r.ok) {
          message.attribution = (await r.json()) as AttributionResult;
          message.attributionNote = undefined as never;
          return update();
        }
        if (r.status !== 404) {
          message.attributionNote = errorLine(await r.json().catch(() => ({}))) ?? `attributor: HTTP ${r.status}`;
          return update();
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      message.attributionNote = "the attributor has no attribution for this answer";
      update();
    } catch (e) {
      message.error = e instanceof Error ? e.message : String(e);
      message.done = true;
      update();
      onError(message.error);
    } finally {
      setBusy(false);
    }
  };

  const users = config?.demoAccounts.filter((a) => a.name.startsWith("user")) ?? [];
  return (
    <section aria-labelledby="chat-title">
      <h1 id="chat-title">Chat</h1>
      {status !== undefined && (
        <p class="error" role="alert" data-testid="chat-status">
          {status}
        </p>
      )}
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label>
          Model
          <select value={model} onChange={(e) => setModel(e.currentTarget.value)} data-testid="model">
            {models.map((m) => (
              <option key={m} value={m}>
                {m} (model {config?.models[m]})
              </option>
            ))}
            {config !== undefined &&
              Object.keys(config.models)
                .filter((m) => !models.includes(m))
                .map((m) => (
                  <option key={m} value={m}>
                    {m} (not served)
                  </option>
                ))}
          </select>
        </label>
        <label>
          Paying user
          <select value={user} onChange={(e) => setUser(e.currentTarget.value)} data-testid="user">
            {users.map((u) => (
              <option key={u.address} value={u.address}>
                {u.name} {short(u.address)}
              </option>
            ))}
            <option value="">nobody (unpaid)</option>
          </select>
        </label>
        <label class="prompt">
          Message
          <textarea
            value={prompt}
            rows={2}
            onInput={(e) => setPrompt(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                void send();
              }
            }}
            data-testid="prompt"
          />
        </label>
        <button type="submit" disabled={busy || model === ""} data-testid="send">
          {busy ? "Answering…" : "Send"}
        </button>
      </form>
      <ol class="messages" aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} class="message" data-testid="message">
            <p class="prompt-text">
              <strong>You:</strong> {m.prompt}
            </p>
            <Answer message={m} />
          </li>
        ))}
      </ol>
    </section>
  );
};

const Answer = ({ message }: { message: Message }) => {
  const matches =
    message.attribution?.evidence.method === "suffix"
      ? (message.attribution.evidence as { matches: ReadonlyArray<SuffixMatch> }).matches
      : [];
  return (
    <div class="answer">
      <p class="answer-text" data-testid="answer" data-done={message.done ? "true" : "false"}>
        <strong>Model:</strong> <Highlighted text={message.answer} matches={matches} messageId={message.id} />
        {!message.done && (
          <span class="cursor" aria-hidden="true">
            ▍
          </span>
        )}
      </p>
      {message.error !== undefined && (
        <p class="error" role="alert" data-testid="error">
          {message.error}
        </p>
      )}
      {message.receipt !== undefined && (
        <p class="receipt-line">
          Receipt signed by operator {short(message.receipt.receipt.operator)}, fee{" "}
          {open(BigInt(message.receipt.receipt.fee))} OPEN ·{" "}
          <a href={`#/receipt/${receiptKey(message.receipt.receipt)}`} data-testid="receipt-link">
            follow this receipt
          </a>
        </p>
      )}
      {message.attributionNote !== undefined && (
        <p class="note" data-testid="attribution-note">
          {message.attributionNote}
        </p>
      )}
      {message.attribution !== undefined && message.receipt !== undefined && message.modelId !== undefined && (
        <Attribution
          result={message.attribution}
          receipt={message.receipt}
          modelId={message.modelId}
          messageId={message.id}
          answer={message.answer}
        />
      )}
    </div>
  );
};

/** UTF-8 byte ranges → string segments (a boundary inside a character moves to its start). */
const segments = (text: string, ranges: ReadonlyArray<{ start: number; end: number; index: number }>) => {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  const boundary = (b: number) => {
    let i = Math.min(b, bytes.length);
    while (i > 0 && i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i--;
    return i;
  };
  const out: Array<{ text: string; index?: number }> = [];
  let at = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const start = Math.max(boundary(r.start), at);
    const end = boundary(r.end);
    if (end <= start) continue;
    if (start > at) out.push({ text: decoder.decode(bytes.subarray(at, start)) });
    out.push({ text: decoder.decode(bytes.subarray(start, end)), index: r.index });
    at = end;
  }
  if (at < bytes.length) out.push({ text: decoder.decode(bytes.subarray(at)) });
  return out;
};

const Highlighted = ({
  text,
  matches,
  messageId,
}: {
  text: string;
  matches: ReadonlyArray<SuffixMatch>;
  messageId: number;
}) => (
  <>
    {segments(
      text,
      matches.map((m, index) => ({ start: m.outputStart, end: m.outputStart + m.length, index })),
    ).map((s, i) =>
      s.index === undefined ? (
        <span key={i}>{s.text}</span>
      ) : (
        <a key={i} href={`#src-${messageId}-${s.index}`} class="span" data-testid="span" data-match={s.index}>
          <mark>{s.text}</mark>
        </a>
      ),
    )}
  </>
);

interface Source {
  readonly contributionId: bigint;
  readonly datanetId: bigint;
  readonly contributor: Address;
  readonly status: "verified" | "mismatch" | "missing";
  readonly problem?: string;
  readonly bytes?: Uint8Array;
}

/** Fetches a contribution's bytes by its content root and checks them against the root on chain. */
const loadSource = async (id: bigint): Promise<Source> => {
  const c = await readContribution(id);
  const base = { contributionId: id, datanetId: c.datanetId, contributor: c.contributor };
  const response = await fetch(`/api/content/${c.contentRoot}`).catch(() => undefined);
  if (response === undefined || !response.ok) {
    const line =
      response === undefined
        ? "server unreachable"
        : (errorLine(await response.json().catch(() => ({}))) ?? `HTTP ${response.status}`);
    return { ...base, status: "missing", problem: `content of contribution ${id} unavailable: ${line}` };
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (contentRoot(bytes).toLowerCase() !== c.contentRoot.toLowerCase())
    return {
      ...base,
      status: "mismatch",
      problem: `the content served for contribution ${id} does not match its on-chain root ${short(c.contentRoot)}: not shown`,
    };
  return { ...base, status: "verified", bytes };
};

const Attribution = ({
  result,
  receipt,
  modelId,
  messageId,
  answer,
}: {
  result: AttributionResult;
  receipt: SignedReceipt;
  modelId: bigint;
  messageId: number;
  answer: string;
}) => {
  const [sources, setSources] = useState<Map<string, Source>>(new Map());
  const [split, setSplit] = useState<ReturnType<typeof feeSplit>>();
  const [recipients, setRecipients] = useState<{ owner: Address; protocol: string }>();
  const [problem, setProblem] = useState<string>();
  const ids = [
    ...new Set([
      ...result.entries.map((e) => e.contributionId),
      ...(result.evidence.method === "suffix"
        ? (result.evidence as { matches: ReadonlyArray<SuffixMatch> }).matches.flatMap((m) =>
            m.occurrences.slice(0, 3).map((o) => o.contributionId),
          )
        : ((result.evidence as { top?: ReadonlyArray<{ contributionId: string }> }).top ?? []).map(
            (t) => t.contributionId,
          )),
    ]),
  ];
  useEffect(() => {
    (async () => {
      const model = await readModel(modelId);
      setRecipients({ owner: model.owner, protocol: "protocol" });
      setSplit(
        feeSplit(
          BigInt(receipt.receipt.fee),
          model.split,
          result.entries.map((e) => ({ contributionId: BigInt(e.contributionId), weight: e.weight })),
        ),
      );
      const loaded = await Promise.all(ids.map((id) => loadSource(BigInt(id))));
      setSources(new Map(loaded.map((s) => [s.contributionId.toString(), s])));
    })().catch((e: unknown) => setProblem(e instanceof Error ? e.message : String(e)));
  }, []);
  const outputBytes = new TextEncoder().encode(answer);
  const decoder = new TextDecoder();
  return (
    <div class="attribution" data-testid="attribution">
      <h2>Where this answer came from</h2>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {result.entries.length === 0 && (
        <p>No contribution influenced this answer: the data share goes to the protocol.</p>
      )}
      {result.evidence.method === "suffix" && (
        <ol class="sources">
          {(result.evidence as { matches: ReadonlyArray<SuffixMatch> }).matches.map((m, k) => {
            const occurrence = m.occurrences[0];
            const source = occurrence === undefined ? undefined : sources.get(occurrence.contributionId);
            const spanText = decoder.decode(outputBytes.subarray(m.outputStart, m.outputStart + m.length));
            return (
              <li
                key={k}
                id={`src-${messageId}-${k}`}
                class="source"
                data-testid="source"
                data-contribution={occurrence?.contributionId}
              >
                <p>
                  <strong>Span {k + 1}</strong> ({m.length} bytes) found in {m.occurrences.length} place(s); credits
                  contribution(s) {m.creditedContributions.join(", ") || "none (too common)"}
                </p>
                {source === undefined && <p class="note">loading the source passage…</p>}
                {source !== undefined && (
                  <>
                    <p>
                      Contribution <a href={`#/datanets/${source.datanetId}`}>{source.contributionId.toString()}</a> in
                      datanet {source.datanetId.toString()} by{" "}
                      <a href={`#/earnings/${source.contributor}`}>{short(source.contributor)}</a>{" "}
                      {source.status === "verified" ? (
                        <span class="ok" data-testid="verified">
                          ✓ bytes match the on-chain content root
                        </span>
                      ) : null}
                    </p>
                    {source.status !== "verified" ? (
                      <p class="error" role="alert" data-testid="source-error">
                        {source.problem}
                      </p>
                    ) : (
                      <blockquote data-testid="passage">
                        …
                        {decoder.decode(
                          source.bytes!.subarray(Math.max(0, occurrence!.offset - 60), occurrence!.offset),
                        )}
                        <mark data-testid="passage-match">
                          {decoder.decode(source.bytes!.subarray(occurrence!.offset, occurrence!.offset + m.length))}
                        </mark>
                        {decoder.decode(
                          source.bytes!.subarray(occurrence!.offset + m.length, occurrence!.offset + m.length + 60),
                        )}
                        …
                      </blockquote>
                    )}
                    <span hidden data-testid="span-text">
                      {spanText}
                    </span>
                  </>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {/* the gradient engine's evidence names its scoring method (influence, tracin, datainf), not "gradient" */}
      {Array.isArray((result.evidence as { top?: unknown }).top) && (
        <>
          <h3>Credited training examples</h3>
          <ol class="sources">
            {((result.evidence as { top?: ReadonlyArray<{ contributionId: string; score: string }> }).top ?? []).map(
              (t) => {
                const source = sources.get(t.contributionId);
                return (
                  <li
                    key={t.contributionId}
                    class="source"
                    data-testid="credited"
                    data-contribution={t.contributionId}
                    data-score={t.score}
                  >
                    Contribution {t.contributionId} (score {t.score})
                    {source?.status === "verified" && (
                      <blockquote data-testid="credited-text">
                        {decoder.decode(source.bytes!.subarray(0, 240))}
                      </blockquote>
                    )}
                    {source !== undefined && source.status !== "verified" && <p class="error">{source.problem}</p>}
                  </li>
                );
              },
            )}
          </ol>
        </>
      )}
      {split !== undefined && recipients !== undefined && (
        <>
          <h3>Who gets paid (OPEN)</h3>
          <FeeSplitChart
            parts={[
              { label: `operator ${short(receipt.receipt.operator)}`, amount: split.operator },
              { label: `model owner ${short(recipients.owner)}`, amount: split.owner },
              { label: `attributor ${short(receipt.receipt.attributor)}`, amount: split.attributor },
              { label: "protocol (incl. rounding)", amount: split.protocol },
              ...split.contributions.map((c) => {
                const s = sources.get(c.contributionId.toString());
                return {
                  label: `contribution ${c.contributionId}${s ? ` by ${short(s.contributor)}` : ""} (weight ${(c.weight / 10_000).toFixed(2)}%)`,
                  amount: c.amount,
                };
              }),
            ]}
          />
        </>
      )}
    </div>
  );
};
