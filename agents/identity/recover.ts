/**
 * secp256k1 signer recovery for every signature a node checks (gossip envelopes, the user's
 * `Request`, the operator's `Receipt`): fast, and done once per (hash, signature) in a process.
 *
 * Backends (docs/benchmarks-gossip.md, "Signature recovery", has the measurements behind the choice):
 * - `native`: libsecp256k1 through the prebuilt N-API addon inside the `secp256k1` npm package
 *   (prebuilds for linux-x64 glibc/musl, darwin-arm64 and win32-x64 ship in the tarball). Its install
 *   script is denied in package.json `allowScripts`: nothing is compiled or downloaded, the addon is
 *   loaded from `prebuilds/` at run time. We load `secp256k1/bindings` rather than the package's
 *   entry point, which would silently fall back to elliptic.js when the addon is missing.
 * - `js`: @noble/curves in pure JavaScript, straight on the hash (no hex round trips), used where
 *   the addon does not load (another platform, a stripped install).
 * - `viem`: viem's `recoverAddress`, the reference the other two are tested against
 *   (agents/identity/recover.test.ts) and the old path the gossip bench compares with.
 *
 * Every backend accepts exactly what viem's `recoverAddress` accepts for a 65-byte r ‖ s ‖ v
 * signature over a 32-byte hash: v ∈ {0, 1, 27, 28}, 0 < r < n, 0 < s < n (a high s is accepted,
 * as by ecrecover), r the x-coordinate of a curve point, a recovered key that is not the point at
 * infinity; and returns the same checksummed address. Inputs of any other shape go to viem itself.
 */
import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, getAddress, type Hex, recoverAddress } from "viem";
import { keccak256Bytes } from "../sigma/keccak.ts";

export type RecoveryBackend = "native" | "js" | "viem";

export interface SignerRecovery {
  readonly backend: RecoveryBackend;
  /** The address whose key signed the 32-byte `hash`, or undefined when the signature is invalid. Never throws. */
  readonly recover: (hash: Hex, signature: Hex) => Promise<Address | undefined>;
}

/** The reference: viem's recovery (noble in JS behind hex conversions). */
export const viemRecovery: SignerRecovery = {
  backend: "viem",
  recover: (hash, signature) => recoverAddress({ hash, signature }).catch(() => undefined),
};

const HASH_HEX = /^0x[0-9a-fA-F]{64}$/;
const SIGNATURE_HEX = /^0x[0-9a-fA-F]{130}$/;

interface Parsed {
  readonly hash: Uint8Array;
  /** r ‖ s, 64 bytes. */
  readonly compact: Uint8Array;
  /** 0 or 1; -1 for a v viem refuses. */
  readonly recoveryBit: number;
}

/** The bytes of a canonically shaped (hash, signature), or undefined for any other shape. */
const parse = (hash: Hex, signature: Hex): Parsed | undefined => {
  if (!HASH_HEX.test(hash) || !SIGNATURE_HEX.test(signature)) return undefined;
  const v = Number.parseInt(signature.slice(130), 16);
  const recoveryBit = v === 0 || v === 27 ? 0 : v === 1 || v === 28 ? 1 : -1;
  return {
    hash: Buffer.from(hash.slice(2), "hex"),
    compact: Buffer.from(signature.slice(2, 130), "hex"),
    recoveryBit,
  };
};

/** The Ethereum address of an uncompressed (65-byte, 0x04-prefixed) public key. */
const addressOf = (uncompressed: Uint8Array): Address =>
  getAddress(`0x${Buffer.from(keccak256Bytes(uncompressed.subarray(1)).subarray(12)).toString("hex")}`);

/** A backend from a function recovering the uncompressed public key of parsed input (throws when invalid). */
const fromKeyRecovery = (backend: RecoveryBackend, recoverKey: (parsed: Parsed) => Uint8Array): SignerRecovery => ({
  backend,
  recover: (hash, signature) => {
    const parsed = parse(hash, signature);
    if (parsed === undefined) return viemRecovery.recover(hash, signature);
    if (parsed.recoveryBit < 0) return Promise.resolve(undefined);
    try {
      return Promise.resolve(addressOf(recoverKey(parsed)));
    } catch {
      return Promise.resolve(undefined);
    }
  },
});

/** Pure JavaScript (@noble/curves): the fallback where the native addon is unavailable. */
export const jsRecovery: SignerRecovery = fromKeyRecovery("js", ({ hash, compact, recoveryBit }) =>
  secp256k1.Signature.fromBytes(compact, "compact").addRecoveryBit(recoveryBit).recoverPublicKey(hash).toBytes(false),
);

/** The slice of the `secp256k1` package's API used here (it ships no types). */
interface NativeSecp256k1 {
  readonly ecdsaRecover: (
    signature: Uint8Array,
    recoveryId: number,
    hash: Uint8Array,
    compressed: boolean,
  ) => Uint8Array;
}

/** The signing half of the same addon (`ecdsaSign`: RFC 6979 nonces, low s, as viem's signatures). */
interface NativeSigner {
  readonly ecdsaSign: (hash: Uint8Array, key: Uint8Array) => { readonly signature: Uint8Array; readonly recid: number };
}

const hasEcdsaSign = (value: unknown): value is NativeSigner =>
  typeof value === "object" && value !== null && "ecdsaSign" in value && typeof value.ecdsaSign === "function";

/**
 * Signs a 32-byte hash with libsecp256k1 (r ‖ s ‖ v, v = 27 + recovery id): the same bytes as viem's
 * `sign` (RFC 6979 deterministic nonce, low s), about ten times faster. Undefined where the addon does not load.
 */
export const nativeSign: ((hash: Uint8Array, key: Uint8Array) => Hex) | undefined = (() => {
  try {
    const binding: unknown = createRequire(import.meta.url)("secp256k1/bindings");
    if (!hasEcdsaSign(binding)) return undefined;
    return (hash: Uint8Array, key: Uint8Array): Hex => {
      const { signature, recid } = binding.ecdsaSign(hash, key);
      return `0x${Buffer.from(signature).toString("hex")}${(27 + recid).toString(16)}`;
    };
  } catch {
    return undefined;
  }
})();

const hasEcdsaRecover = (value: unknown): value is NativeSecp256k1 =>
  typeof value === "object" && value !== null && "ecdsaRecover" in value && typeof value.ecdsaRecover === "function";

const loadNative = (): { readonly recovery?: SignerRecovery; readonly error?: string } => {
  try {
    const binding: unknown = createRequire(import.meta.url)("secp256k1/bindings");
    if (!hasEcdsaRecover(binding)) return { error: "secp256k1/bindings has no ecdsaRecover" };
    return {
      recovery: fromKeyRecovery("native", ({ hash, compact, recoveryBit }) =>
        binding.ecdsaRecover(compact, recoveryBit, hash, false),
      ),
    };
  } catch (cause) {
    return { error: String(cause) };
  }
};

const native = loadNative();
/** libsecp256k1 through the prebuilt addon, or undefined where it does not load (see `nativeLoadError`). */
export const nativeRecovery: SignerRecovery | undefined = native.recovery;
/** Why the native addon did not load, when it did not. */
export const nativeLoadError: string | undefined = native.error;

/** One recovery's result: the signer of `hash` under `signature` (undefined: invalid). */
export interface Recovered {
  readonly hash: Hex;
  readonly signature: Hex;
  readonly signer: Address | undefined;
}

export interface CachedRecovery extends SignerRecovery {
  /** Recoveries answered from the cache, recoveries computed, entries held. */
  readonly stats: () => { readonly hits: number; readonly misses: number; readonly size: number };
  /**
   * Records a result computed elsewhere (a worker thread of this process, agents/attributor/verify-pool.ts),
   * so the next check of the same (hash, signature) here is a hit: a receipt is recovered once per node.
   */
  readonly remember: (result: Recovered) => void;
  /** What the cache holds for a signature, whatever the hash (a worker checks the hash it computes against it). */
  readonly known: (signature: Hex) => Recovered | undefined;
}

/**
 * Remembers the result of `inner` per (hash, signature), bounded to `maxEntries` (oldest evicted
 * first), so a receipt checked by the gossip validator is not recovered again at intake. Recovery
 * is a pure function of its input, so a remembered answer is always the right one; invalid
 * signatures are remembered too.
 */
export const cachedRecovery = (inner: SignerRecovery, maxEntries: number): CachedRecovery => {
  const results = new Map<string, Address | undefined>();
  /** The latest hash recovered under each signature held (for `known`), removed with its entry. */
  const hashOf = new Map<string, Hex>();
  let hits = 0;
  let misses = 0;
  const store = (hash: Hex, signature: Hex, signer: Address | undefined) => {
    const sig = signature.toLowerCase();
    const key = `${hash.toLowerCase()}|${sig}`;
    if (!results.has(key) && results.size >= maxEntries) {
      const oldest = results.keys().next();
      if (!oldest.done) {
        results.delete(oldest.value);
        const oldSig = oldest.value.slice(oldest.value.indexOf("|") + 1);
        if (hashOf.get(oldSig) === oldest.value.slice(0, oldest.value.indexOf("|"))) hashOf.delete(oldSig);
      }
    }
    results.set(key, signer);
    hashOf.set(sig, hash.toLowerCase() as Hex);
  };
  return {
    backend: inner.backend,
    recover: async (hash, signature) => {
      const key = `${hash}|${signature}`.toLowerCase();
      if (results.has(key)) {
        hits++;
        return results.get(key);
      }
      misses++;
      const signer = await inner.recover(hash, signature);
      store(hash, signature, signer);
      return signer;
    },
    stats: () => ({ hits, misses, size: results.size }),
    remember: ({ hash, signature, signer }) => store(hash, signature, signer),
    known: (signature) => {
      const sig = signature.toLowerCase();
      const hash = hashOf.get(sig);
      if (hash === undefined) return undefined;
      const key = `${hash}|${sig}`;
      return results.has(key) ? { hash, signature: sig as Hex, signer: results.get(key) } : undefined;
    },
  };
};

/** How many (hash, signature) results a process keeps: about 21 MiB of heap at 64 Ki entries (measured). */
export const RECOVERY_CACHE_ENTRIES = 65_536;

/** The process-wide recovery every check uses by default: native when it loads, else pure JS; cached. */
export const signerRecovery: CachedRecovery = cachedRecovery(nativeRecovery ?? jsRecovery, RECOVERY_CACHE_ENTRIES);

const EIP191_PREFIX_32 = Buffer.from("\x19Ethereum Signed Message:\n32", "latin1");

/** The EIP-191 `personal_sign` hash of a 32-byte digest (viem's `hashMessage({ raw: digest })`). */
export const personalDigestHash = (digest: Uint8Array): Hex =>
  `0x${Buffer.from(keccak256Bytes(Buffer.concat([EIP191_PREFIX_32, digest]))).toString("hex")}`;
