/**
 * Where a node gets attribution indexes it does not have: its peers, over `/poa/index/1`
 * (index-protocol.ts) on the gossip node. The same layer serves this node's own data directory to
 * its peers. `IndexPeers.none` is a node that only uses its local data directory.
 */
import { Context, Effect, Layer } from "effect";
import type { Hex } from "viem";
import { FetchError, Gossip } from "../gossip/gossip.ts";
import { INDEX_PROTOCOL, type IndexManifest, requestIndex, serveIndex } from "./index-protocol.ts";
import { localIndex } from "./index-store.ts";

export interface IndexPeersShape {
  /** Peers to ask, in order (connected peers, or the configured list). */
  readonly peers: Effect.Effect<ReadonlyArray<string>>;
  /** Writes the peer's files for `commitment` into `into`; nothing is verified here. */
  readonly download: (peer: string, commitment: Hex, into: string) => Effect.Effect<IndexManifest, FetchError>;
}

export interface IndexPeersOptions {
  /** The data directory this node serves from (`<dataDir>/indexes/<commitment>/`). */
  readonly dataDir: string;
  /** Largest index accepted, all files together (default 16 GiB). */
  readonly maxIndexBytes?: number;
  /** Time limit of one download (default 10 minutes). */
  readonly timeoutMs?: number;
  /** Ask these peers (ids or multiaddrs) instead of every connected peer. */
  readonly peers?: ReadonlyArray<string>;
}

export class IndexPeers extends Context.Service<IndexPeers, IndexPeersShape>()("poa/IndexPeers") {
  /** Fetch from and serve to gossip peers. */
  static readonly gossip = (options: IndexPeersOptions) =>
    Layer.effect(
      IndexPeers,
      Effect.gen(function* () {
        const gossip = yield* Gossip;
        const maxBytes = options.maxIndexBytes ?? 16 * 2 ** 30;
        yield* gossip.handle(INDEX_PROTOCOL, (stream) =>
          serveIndex(stream, async (commitment) => localIndex(options.dataDir, commitment)),
        );
        const peers = options.peers;
        return {
          peers: peers === undefined ? gossip.peers : Effect.succeed(peers),
          download: (peer, commitment, into) =>
            gossip.request(
              peer,
              INDEX_PROTOCOL,
              (stream) => requestIndex(stream, commitment, into, maxBytes),
              options.timeoutMs ?? 600_000,
            ),
        } satisfies IndexPeersShape;
      }),
    );

  /** No peers: indexes come from the local data directory only. */
  static readonly none = Layer.succeed(IndexPeers, {
    peers: Effect.succeed([]),
    download: (peer) =>
      Effect.fail(
        new FetchError({ protocol: INDEX_PROTOCOL, reason: "dial", message: `no peers configured (${peer})` }),
      ),
  });
}
