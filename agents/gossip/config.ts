/**
 * The gossip node's settings as a Schema, read through Effect `Config` (file, env or flags are the
 * agent CLI's choice of ConfigProvider). With `ConfigProvider.fromEnv()` and the path
 * `["ATTRIBUTOR", "GOSSIP"]`, the keys are `ATTRIBUTOR_GOSSIP_port`, `ATTRIBUTOR_GOSSIP_bootstrap`
 * (comma-separated multiaddrs), … and the key is `ATTRIBUTOR_GOSSIP_privateKey`, always Redacted.
 */
import { Config, Schema } from "effect";
import { PrivateKeySchema } from "../identity/identity.ts";
import type { GossipConfig } from "./gossip.ts";

const Positive = Schema.Int.check(Schema.isGreaterThan(0));

export const GossipSettings = Schema.Struct({
  host: Schema.optionalKey(Schema.String),
  port: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65_535 }))),
  /** Comma-separated multiaddrs, each ending in /p2p/<peer id>. */
  bootstrap: Schema.optionalKey(Schema.String),
  maxMessageBytes: Schema.optionalKey(Positive),
  maxAgeMs: Schema.optionalKey(Positive),
  maxFutureMs: Schema.optionalKey(Positive),
  seenCacheSize: Schema.optionalKey(Positive),
  maxBodyBytes: Schema.optionalKey(Positive),
  requestTimeoutMs: Schema.optionalKey(Positive),
  heartbeatMs: Schema.optionalKey(Positive),
  /** 32 bytes of hex: the libp2p key seed that keeps the peer id stable across restarts. */
  peerKeySeed: Schema.optionalKey(Schema.Redacted(PrivateKeySchema)),
});
export type GossipSettings = typeof GossipSettings.Type;

export const toGossipConfig = ({ bootstrap, ...rest }: GossipSettings): GossipConfig => ({
  ...rest,
  bootstrap: (bootstrap ?? "")
    .split(",")
    .map((address) => address.trim())
    .filter((address) => address.length > 0),
});

/** The gossip settings under `path` (e.g. ["ATTRIBUTOR", "GOSSIP"]). */
export const gossipConfig = (path: ReadonlyArray<string>): Config.Config<GossipConfig> =>
  Config.schema(GossipSettings, [...path]).pipe(Config.map(toGossipConfig));

/** The agent's Ethereum key under `path` + "privateKey", never printed. */
export const privateKeyConfig = (path: ReadonlyArray<string>) =>
  Config.schema(Schema.Redacted(PrivateKeySchema), [...path, "privateKey"]);
