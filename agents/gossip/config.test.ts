import { ConfigProvider, Effect, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { gossipConfig, privateKeyConfig } from "./config.ts";

const KEY = `0x${"ab".repeat(32)}`;
const provider = (env: Record<string, string>) => ConfigProvider.fromEnv({ env });

describe("gossip config", () => {
  it("reads settings and a redacted key from the environment", async () => {
    const env = provider({
      A_GOSSIP_port: "4001",
      A_GOSSIP_bootstrap: " /ip4/127.0.0.1/tcp/4002/p2p/x , /ip4/127.0.0.1/tcp/4003/p2p/y,",
      A_GOSSIP_maxMessageBytes: "65536",
      A_GOSSIP_privateKey: KEY,
    });
    const withSeed = await Effect.runPromise(
      gossipConfig(["A", "GOSSIP"]).parse(provider({ A_GOSSIP_peerKeySeed: KEY })),
    );
    expect(withSeed.peerKeySeed === undefined ? undefined : Redacted.value(withSeed.peerKeySeed)).toBe(KEY);
    const config = await Effect.runPromise(gossipConfig(["A", "GOSSIP"]).parse(env));
    expect(config).toEqual({
      port: 4001,
      maxMessageBytes: 65536,
      bootstrap: ["/ip4/127.0.0.1/tcp/4002/p2p/x", "/ip4/127.0.0.1/tcp/4003/p2p/y"],
    });
    const key = await Effect.runPromise(privateKeyConfig(["A", "GOSSIP"]).parse(env));
    expect(Redacted.value(key)).toBe(KEY);
    expect(String(key)).not.toContain("abab");
  });

  it("refuses a bad port and a malformed key with a config error", async () => {
    const bad = provider({ A_GOSSIP_port: "70000", A_GOSSIP_privateKey: "0x1234" });
    const port = await Effect.runPromise(Effect.flip(gossipConfig(["A", "GOSSIP"]).parse(bad)));
    expect(port._tag).toBe("ConfigError");
    const key = await Effect.runPromise(Effect.flip(privateKeyConfig(["A", "GOSSIP"]).parse(bad)));
    expect(key._tag).toBe("ConfigError");
  });
});
