/**
 * Publishing a defender's evidence (docs/evidence-game.md §3.2, §5): the answer puts only the evidence
 * root, J and the ranked list on chain; the entries travel over libp2p by their root.
 *
 * `/poa/evidence/1`  request  = evidenceRoot (32 bytes)
 *                    response = one frame: status byte (0 found, 1 not found) ‖ abi.encode(EvidenceEntry[])
 *                    check    : the entries' evidence root (agents/evidence/entry.ts) equals the requested one
 *
 * Framing as the other request/response protocols (agents/gossip/reqresp.ts): unsigned-varint
 * length-prefixed frames; the requester writes one frame and closes its write side.
 */
import type { Stream } from "@libp2p/interface";
import { Effect } from "effect";
import * as lp from "it-length-prefixed";
import { bytesToHex, concatBytes, decodeAbiParameters, encodeAbiParameters, type Hex, hexToBytes } from "viem";
import { FetchError, type GossipShape } from "../gossip/gossip.ts";
import { CREDIT_COMPONENTS, type Entry, EvidenceTree, SPAN_COMPONENTS } from "./entry.ts";

export const EVIDENCE_PROTOCOL = "/poa/evidence/1";
/** Largest evidence body (16 KiB output: at most a few thousand entries). */
export const MAX_EVIDENCE_BYTES = 8 * 1024 * 1024;

const ENTRIES_ABI = [
  {
    type: "tuple[]",
    components: [
      { name: "span", type: "tuple", components: SPAN_COMPONENTS },
      { name: "credits", type: "tuple[]", components: CREDIT_COMPONENTS },
    ],
  },
] as const;

export const encodeEntries = (entries: ReadonlyArray<Entry>): Uint8Array =>
  hexToBytes(
    encodeAbiParameters(ENTRIES_ABI, [
      entries.map((e) => ({ span: e.span, credits: e.credits.map((c) => ({ ...c })) })),
    ]),
  );

export const decodeEntries = (body: Uint8Array): Entry[] => {
  const [entries] = decodeAbiParameters(ENTRIES_ABI, bytesToHex(body));
  return entries.map((e) => ({
    span: { ...e.span },
    credits: e.credits.map((c) => ({ id: c.id, runningScore: c.runningScore, prev: c.prev, next: c.next })),
  }));
};

const FOUND = 0;
const NOT_FOUND = 1;

const send = async (stream: Stream, frame: Uint8Array): Promise<void> => {
  if (!stream.send(lp.encode.single(frame))) await stream.onDrain();
};

const firstFrame = async (stream: Stream, max: number): Promise<Uint8Array | undefined> => {
  for await (const frame of lp.decode(stream, { maxDataLength: max })) return frame.subarray();
  return undefined;
};

/** Server side: the entries whose evidence root is requested, from `lookup`. Never throws. */
export const serveEvidence = async (
  stream: Stream,
  lookup: (root: Hex) => ReadonlyArray<Entry> | undefined,
): Promise<"found" | "missing" | "bad-request"> => {
  try {
    const request = await firstFrame(stream, 32);
    if (request === undefined || request.length !== 32) {
      stream.abort(new Error("bad evidence request"));
      return "bad-request";
    }
    const entries = lookup(bytesToHex(request));
    await send(
      stream,
      entries === undefined ? Uint8Array.of(NOT_FOUND) : concatBytes([Uint8Array.of(FOUND), encodeEntries(entries)]),
    );
    await stream.close();
    return entries === undefined ? "missing" : "found";
  } catch (cause) {
    stream.abort(cause instanceof Error ? cause : new Error(String(cause)));
    return "bad-request";
  }
};

/** Client side: the entries of `root`, checked against it; throws on anything else. */
export const requestEvidence = async (stream: Stream, root: Hex): Promise<Entry[]> => {
  await send(stream, hexToBytes(root));
  await stream.close();
  const response = await firstFrame(stream, MAX_EVIDENCE_BYTES + 1);
  if (response === undefined || response.length === 0) throw new Error("empty evidence response");
  if (response[0] === NOT_FOUND) throw new Error(`peer does not have evidence ${root}`);
  return checkedEntries(response.subarray(1), root);
};

/** The entries of a body, if their evidence root is `root`; throws otherwise (a peer's body is never trusted). */
export const checkedEntries = (body: Uint8Array, root: Hex): Entry[] => {
  const entries = decodeEntries(body);
  const got = new EvidenceTree(entries).root;
  if (got !== root.toLowerCase()) throw new Error(`peer sent evidence with root ${got}, not ${root}`);
  return entries;
};

/** Serves `lookup` over `/poa/evidence/1` on this node. */
export const serveEvidenceOn = (gossip: GossipShape, lookup: (root: Hex) => ReadonlyArray<Entry> | undefined) =>
  gossip.handle(EVIDENCE_PROTOCOL, (stream) => serveEvidence(stream, lookup));

/** The entries of `root` from the first connected peer that serves entries with that root. */
export const fetchEvidence = (gossip: GossipShape, root: Hex) =>
  Effect.gen(function* () {
    const peers = yield* gossip.peers;
    const failures: string[] = [];
    for (const peer of peers) {
      const got = yield* gossip
        .request(peer, EVIDENCE_PROTOCOL, (stream) => requestEvidence(stream, root))
        .pipe(
          Effect.map((entries) => ({ entries })),
          Effect.catch((e: FetchError) => Effect.succeed({ error: `${peer}: ${e.message}` })),
        );
      if ("entries" in got) return got.entries;
      failures.push(got.error);
    }
    return yield* new FetchError({
      protocol: EVIDENCE_PROTOCOL,
      reason: "not-found",
      message: `no peer served evidence ${root} (${failures.join("; ") || "no peers"})`,
    });
  });
