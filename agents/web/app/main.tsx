/** Open Chat: a hash router over the pages, a header, and a last line of defence against blank pages. */
import { Component, type ComponentChildren, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Chat } from "./chat.tsx";
import { Claims, Datanets, Earnings, Models } from "./explorer.tsx";
import { Factory } from "./factory.tsx";
import { loadConfig } from "./lib.ts";
import { ReceiptPage } from "./receipt.tsx";

class Boundary extends Component<{ children: ComponentChildren }, { error?: string }> {
  override state: { error?: string } = {};
  override componentDidCatch(error: unknown) {
    this.setState({ error: error instanceof Error ? error.message : String(error) });
  }
  override render() {
    return this.state.error !== undefined ? (
      <p class="error" role="alert" data-testid="page-error">
        This page failed: {this.state.error}
      </p>
    ) : (
      this.props.children
    );
  }
}

const useRoute = () => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash.replace(/^#\/?/, "").split("/");
};

const NAV = [
  ["", "Chat"],
  ["datanets", "Datanets"],
  ["models", "Models"],
  ["claims", "Claims"],
  ["earnings", "Earnings"],
  ["factory", "Factory"],
] as const;

const App = () => {
  const [page, ...args] = useRoute();
  const [banner, setBanner] = useState<string>();
  const [firstAccount, setFirstAccount] = useState<string>();
  useEffect(() => {
    loadConfig()
      .then((c) => setFirstAccount(c.demoAccounts.find((a) => a.name.startsWith("contributor"))?.address))
      .catch((e: unknown) => setBanner(e instanceof Error ? e.message : String(e)));
  }, []);
  const body = (() => {
    switch (page) {
      case "":
      case undefined:
        return <Chat onError={() => {}} />;
      case "chat":
        return <Chat onError={() => {}} initialModel={args[0]} />;
      case "factory":
        return <Factory jobId={args[0]} />;
      case "datanets":
        return <Datanets />;
      case "models":
        return <Models />;
      case "claims":
        return <Claims />;
      case "earnings":
        return args[0] !== undefined || firstAccount !== undefined ? (
          <Earnings account={args[0] ?? firstAccount!} />
        ) : (
          <p>No account chosen: open #/earnings/&lt;address&gt;.</p>
        );
      case "receipt":
        return <ReceiptPage user={args[0] ?? ""} operator={args[1] ?? ""} nonce={args[2] ?? ""} />;
      default:
        return (
          <p class="error" role="alert">
            No page “{page}”.
          </p>
        );
    }
  })();
  return (
    <>
      <header>
        <a href="#/" class="brand">
          Open Chat
        </a>
        <nav aria-label="pages">
          {NAV.map(([path, label]) => (
            <a
              key={path}
              href={`#/${path}`}
              aria-current={(page === "chat" ? "" : (page ?? "")) === path ? "page" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        {banner !== undefined && (
          <p class="error" role="alert" data-testid="banner">
            {banner}
          </p>
        )}
        <Boundary key={page}>{body}</Boundary>
      </main>
    </>
  );
};

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
