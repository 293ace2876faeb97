/**
 * Publishing a defender's evidence (docs/evidence-game.md §3.2, §5): the answer puts only the evidence
 * root, J and the ranked list on chain; the entries travel over libp2p by their root. Index commitment
 * preimages travel the same way by their commitment (`/poa/evidence-preimage/1`, below).
 *
 * `/poa/evidence/1`  request  = evidenceRoot (32 bytes)
 *                    response = one frame: status byte (0 found, 1 not found) ‖ abi.encode(EvidenceEntry[])
 *                    check    : the entries' evidence root (agents/evidence/entry.ts) equals the requested one
 *
 * Framing as the other request/response protocols (agents/gossip/reqresp.ts): unsigned-varint
 * length-prefixed frames; the requester writes one frame and closes its write side.
 */
import type { Stream } from "@libp2p/interface";
import { Data, Effect } from "effect";
import * as lp from "it-length-prefixed";
import { bytesToHex, concatBytes, decodeAbiParameters, encodeAbiParameters, type Hex, hexToBytes } from "viem";
import { FetchError, type GossipShape } from "../gossip/gossip.ts";
import type { MetricsRegistry } from "../observability/metrics.ts";
import { CREDIT_COMPONENTS, type Entry, EvidenceTree, SPAN_COMPONENTS } from "./entry.ts";
import { COMMITMENT_ABI, commitmentHash, type IndexCommitment } from "./index.ts";

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

/**
 * `/poa/evidence-preimage/1`: a suffix model's `IndexCommitment` preimage by its commitment, for a node
 * whose `--evidence-dir` lacks it (docs/evidence-game.md §5).
 *
 *   request  = commitment (32 bytes)
 *   response = one frame: status byte (0 found, 1 not found) ‖ abi.encode(IndexCommitment)
 *   check    : commitmentHash(preimage) equals the requested commitment (the requester's, before any use)
 */
export const PREIMAGE_PROTOCOL = "/poa/evidence-preimage/1";
/** abi.encode of the 10 static fields: 320 bytes. */
const PREIMAGE_BYTES = 10 * 32;

/** No peer served a preimage that hashes to the commitment. */
export class PreimageUnavailableError extends Data.TaggedError("PreimageUnavailableError")<{
  readonly commitment: Hex;
  readonly message: string;
}> {}

export const encodePreimage = (c: IndexCommitment): Uint8Array => hexToBytes(encodeAbiParameters(COMMITMENT_ABI, [c]));

export const decodePreimage = (body: Uint8Array): IndexCommitment => {
  const [c] = decodeAbiParameters(COMMITMENT_ABI, bytesToHex(body));
  return {
    ...c,
    corpusRoot: c.corpusRoot.toLowerCase() as Hex,
    saRoot: c.saRoot.toLowerCase() as Hex,
    isaRoot: c.isaRoot.toLowerCase() as Hex,
  };
};

/** Server side: the preimage of the requested commitment, from `lookup`. Never throws. */
export const servePreimage = async (
  stream: Stream,
  lookup: (commitment: Hex) => IndexCommitment | undefined,
): Promise<"found" | "missing" | "bad-request"> => {
  try {
    const request = await firstFrame(stream, 32);
    if (request === undefined || request.length !== 32) {
      stream.abort(new Error("bad preimage request"));
      return "bad-request";
    }
    const preimage = lookup(bytesToHex(request));
    await send(
      stream,
      preimage === undefined ? Uint8Array.of(NOT_FOUND) : concatBytes([Uint8Array.of(FOUND), encodePreimage(preimage)]),
    );
    await stream.close();
    return preimage === undefined ? "missing" : "found";
  } catch (cause) {
    stream.abort(cause instanceof Error ? cause : new Error(String(cause)));
    return "bad-request";
  }
};

/** Client side: the peer's answer, decoded but NOT checked (`checkedPreimage` does that); undefined: not found. */
export const requestPreimage = async (stream: Stream, commitment: Hex): Promise<IndexCommitment | undefined> => {
  await send(stream, hexToBytes(commitment));
  await stream.close();
  const response = await firstFrame(stream, PREIMAGE_BYTES + 1);
  if (response === undefined || response.length === 0) throw new Error("empty preimage response");
  if (response[0] === NOT_FOUND) return undefined;
  if (response.length !== PREIMAGE_BYTES + 1) throw new Error(`preimage response of ${response.length} bytes`);
  return decodePreimage(response.subarray(1));
};

/** The preimage if it hashes to `commitment`, else undefined (a peer's preimage is never trusted). */
export const checkedPreimage = (preimage: IndexCommitment, commitment: Hex): IndexCommitment | undefined =>
  commitmentHash(preimage) === commitment.toLowerCase() ? preimage : undefined;

/** Serves `lookup` over `/poa/evidence-preimage/1` on this node. */
export const servePreimagesOn = (gossip: GossipShape, lookup: (commitment: Hex) => IndexCommitment | undefined) =>
  gossip.handle(PREIMAGE_PROTOCOL, (stream) => servePreimage(stream, lookup));

export const PREIMAGE_FETCH_METRIC = "poa_evidence_preimage_fetch_total";

/**
 * The preimage of `commitment` from the first connected peer that serves one hashing to it. Every answer is
 * counted in `poa_evidence_preimage_fetch_total{result}` (ok, missing, wrong — a preimage of another
 * commitment —, error); a wrong one is dropped and the next peer tried.
 */
export const fetchPreimage = (gossip: GossipShape, metrics: MetricsRegistry, commitment: Hex) =>
  Effect.gen(function* () {
    const counter = metrics.counter(PREIMAGE_FETCH_METRIC, "Index commitment preimages fetched from peers, by result");
    const peers = yield* gossip.peers;
    const failures: string[] = [];
    for (const peer of peers) {
      const got = yield* Effect.result(
        gossip.request(peer, PREIMAGE_PROTOCOL, (stream) => requestPreimage(stream, commitment)),
      );
      if (got._tag === "Failure") {
        counter.inc({ result: "error" });
        failures.push(`${peer}: ${got.failure.message}`);
        continue;
      }
      if (got.success === undefined) {
        counter.inc({ result: "missing" });
        failures.push(`${peer}: not found`);
        continue;
      }
      const preimage = checkedPreimage(got.success, commitment);
      if (preimage === undefined) {
        counter.inc({ result: "wrong" });
        failures.push(`${peer}: sent a preimage of ${commitmentHash(got.success)}`);
        continue;
      }
      counter.inc({ result: "ok" });
      return preimage;
    }
    return yield* new PreimageUnavailableError({
      commitment,
      message: `no peer served the preimage of ${commitment} (${failures.join("; ") || "no peers"})`,
    });
  });
