/**
 * The fast recoveries against viem's, on random keys and hashes and on every kind of bad signature:
 * each must return exactly viem's address, or reject exactly when viem throws.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Address,
  type Hex,
  hashMessage,
  keccak256,
  numberToHex,
  recoverAddress,
  recoverMessageAddress,
  toHex,
} from "viem";
import { privateKeyToAddress, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { recoverDigestSigner } from "./identity.ts";
import {
  cachedRecovery,
  jsRecovery,
  nativeLoadError,
  nativeRecovery,
  type SignerRecovery,
  signerRecovery,
} from "./recover.ts";

// SEC 2 secp256k1 group order and field prime
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

const KEYS = 24;
const word = (value: bigint): string => value.toString(16).padStart(64, "0");
const scalar = (label: string): bigint => (BigInt(keccak256(toHex(label))) % (N - 1n)) + 1n;
const vByte = (v: number): string => v.toString(16).padStart(2, "0");
const signature = (r: bigint, s: bigint, v: number): Hex => `0x${word(r)}${word(s)}${vByte(v)}`;

const reference = async (hash: Hex, sig: Hex): Promise<Address | undefined> =>
  recoverAddress({ hash, signature: sig }).catch(() => undefined);

const fast: ReadonlyArray<SignerRecovery> = nativeRecovery === undefined ? [jsRecovery] : [nativeRecovery, jsRecovery];

/** Every fast backend gives viem's answer on (hash, sig); returns viem's answer. */
const agree = async (hash: Hex, sig: Hex): Promise<Address | undefined> => {
  const expected = await reference(hash, sig);
  for (const recovery of fast) {
    expect(await recovery.recover(hash, sig), `${recovery.backend} on ${hash} ${sig}`).toBe(expected);
  }
  return expected;
};

/** Signatures derived from one valid (r, s, yParity): malleated, re-encoded, broken. */
const variants = (r: bigint, s: bigint, parity: number, label: string): ReadonlyArray<Hex> => [
  signature(r, s, 27 + parity),
  signature(r, s, parity), // yParity instead of v
  signature(r, s, 28 - parity), // wrong parity: another key
  signature(r, N - s, 28 - parity), // high s, flipped parity: the same key (ecrecover accepts it)
  signature(r, N - s, 27 + parity), // high s, same parity: another key
  ...[2, 3, 26, 29, 35, 36, 255].map((v) => signature(r, s, v)), // v viem refuses
  signature(0n, s, 27),
  signature(r, 0n, 27),
  signature(N, s, 27),
  signature(r, N, 27),
  signature(r + N < 2n ** 256n ? r + N : r, s, 27), // r ≥ n
  signature(r, s + N < 2n ** 256n ? s + N : N + 1n, 27), // s ≥ n
  signature(P - 1n, s, 27),
  signature(2n ** 256n - 1n, s, 28),
  signature(scalar(`${label}/random-r`), s, 27), // an r that is an x-coordinate half the time
  `0x${word(r)}${word(s)}${vByte(27 + parity)}`.toUpperCase().replace("0X", "0x") as Hex, // upper-case hex
];

describe("signer recovery", () => {
  it("loads the prebuilt native addon on linux-x64 (no compiler, no download)", () => {
    if (process.platform === "linux" && process.arch === "x64") {
      expect(nativeLoadError).toBeUndefined();
      expect(nativeRecovery?.backend).toBe("native");
      expect(signerRecovery.backend).toBe("native");
    } else {
      expect(signerRecovery.backend).toBe(nativeRecovery === undefined ? "js" : "native");
    }
  });

  it("recovers viem's address for random keys and hashes, and rejects what viem rejects", async () => {
    let recovered = 0;
    let rejected = 0;
    for (let i = 0; i < KEYS; i++) {
      const privateKey = numberToHex(scalar(`key/${i}`), { size: 32 });
      const hash = keccak256(toHex(`message/${i}`));
      const signed = await sign({ hash, privateKey });
      const r = BigInt(signed.r);
      const s = BigInt(signed.s);
      const parity = signed.yParity ?? 0;
      expect(await agree(hash, signature(r, s, 27 + parity))).toBe(privateKeyToAddress(privateKey));
      // the same signature over another hash recovers some other key, identically
      expect(await agree(keccak256(toHex(`other/${i}`)), signature(r, s, 27 + parity))).not.toBe(
        privateKeyToAddress(privateKey),
      );
      for (const sig of variants(r, s, parity, `${i}`)) {
        if ((await agree(hash, sig)) === undefined) rejected++;
        else recovered++;
      }
    }
    // the variants exercise both outcomes
    expect(recovered).toBeGreaterThan(6 * KEYS);
    expect(rejected).toBeGreaterThan(14 * KEYS);
  });

  it("rejects, as viem does, a signature whose recovered key is the point at infinity", async () => {
    for (let i = 0; i < 4; i++) {
      // Q = r⁻¹(s·R − h·G) is infinity when h = k·s for R = k·G
      const k = scalar(`infinity-k/${i}`);
      const s = scalar(`infinity-s/${i}`);
      const { x, y } = secp256k1.Point.BASE.multiply(k).toAffine();
      const hash: Hex = `0x${word((k * s) % N)}`;
      const sig = signature(x % N, s, 27 + Number(y & 1n));
      expect(await agree(hash, sig)).toBeUndefined();
    }
  });

  it("hands odd shapes to viem and never throws", async () => {
    const hash = keccak256(toHex("shape"));
    for (const sig of [
      "0x",
      "0x1234",
      `0x${"11".repeat(64)}`,
      `0x${"11".repeat(66)}`,
      `0x${"1".repeat(129)}`,
    ] as Hex[]) {
      expect(await agree(hash, sig)).toBeUndefined();
    }
    const valid = await sign({ hash, privateKey: numberToHex(scalar("shape-key"), { size: 32 }), to: "hex" });
    for (const badHash of ["0x", "0x12", `0x${"zz".repeat(32)}`] as Hex[]) {
      for (const recovery of fast) expect(await recovery.recover(badHash, valid)).toBe(await reference(badHash, valid));
    }
  });

  it("recovers EIP-191 digest signers as viem's recoverMessageAddress does", async () => {
    for (let i = 0; i < 10; i++) {
      const privateKey = numberToHex(scalar(`191-key/${i}`), { size: 32 });
      const digest = keccak256(toHex(`digest/${i}`));
      // signed as personal_sign would, and (every other one) a raw signature of another hash
      const hash = i % 2 === 0 ? hashMessage({ raw: digest }) : keccak256(toHex(`not-the-digest/${i}`));
      const signed = await sign({ hash, privateKey, to: "hex" });
      const expected = await recoverMessageAddress({ message: { raw: digest }, signature: signed });
      if (i % 2 === 0) expect(expected).toBe(privateKeyToAddress(privateKey));
      for (const recovery of fast) expect(await recoverDigestSigner(digest, signed, recovery)).toBe(expected);
    }
  });

  it("recovers a (hash, signature) once through the cache and returns the same answers", async () => {
    let calls = 0;
    const counting: SignerRecovery = {
      backend: jsRecovery.backend,
      recover: (hash, sig) => {
        calls++;
        return jsRecovery.recover(hash, sig);
      },
    };
    const cached = cachedRecovery(counting, 3);
    const hashes = [0, 1, 2, 3].map((i) => keccak256(toHex(`cache/${i}`)));
    const sigs = await Promise.all(
      hashes.map((hash, i) =>
        sign({ hash, privateKey: numberToHex(scalar(`cache-key/${i}`), { size: 32 }), to: "hex" }),
      ),
    );
    const first = await cached.recover(hashes[0]!, sigs[0]!);
    expect(first).toBe(privateKeyToAddress(numberToHex(scalar("cache-key/0"), { size: 32 })));
    expect(await cached.recover(hashes[0]!, sigs[0]!.toUpperCase().replace("0X", "0x") as Hex)).toBe(first);
    expect(calls).toBe(1);
    // bounded: the fourth entry evicts the first
    for (let i = 1; i < 4; i++) await cached.recover(hashes[i]!, sigs[i]!);
    expect(calls).toBe(4);
    expect(await cached.recover(hashes[0]!, sigs[0]!)).toBe(first);
    expect(calls).toBe(5);
    // invalid signatures are remembered too
    expect(await cached.recover(hashes[0]!, signature(0n, 1n, 27))).toBeUndefined();
    expect(await cached.recover(hashes[0]!, signature(0n, 1n, 27))).toBeUndefined();
    expect(calls).toBe(6);
  });
});
