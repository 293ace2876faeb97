import { Effect, Redacted, Schema } from "effect";
import { hexToBytes, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { AddressSchema, Identity, recoverDigestSigner, SignatureSchema } from "./identity.ts";
import { nativeSign } from "./recover.ts";

// anvil's first account: a known key with a known address
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("Identity", () => {
  it("signs a digest with EIP-191 so that anyone recovers the key's address", async () => {
    const identity = Identity.make(Redacted.make(KEY));
    expect(identity.address).toBe(ADDRESS);
    const digest = keccak256(toHex("hello"));
    const signature = await Effect.runPromise(identity.signDigest(digest));
    expect(Schema.is(SignatureSchema)(signature)).toBe(true);
    expect(await recoverDigestSigner(digest, signature)).toBe(ADDRESS);
    expect(await recoverDigestSigner(keccak256(toHex("other")), signature)).not.toBe(ADDRESS);
    expect(await recoverDigestSigner(digest, "0x1234")).toBeUndefined();
  });

  it("signs with libsecp256k1 byte for byte as viem signs (RFC 6979, low s, v = 27 + recovery id)", async () => {
    // where the prebuilt addon ships (linux-x64 here and in CI) the native signer is the one in use
    if (process.platform === "linux" && process.arch === "x64") expect(nativeSign).toBeDefined();
    for (let i = 0; i < 64; i++) {
      const key = generatePrivateKey();
      const digest = keccak256(toHex(`digest ${i}`));
      const account = privateKeyToAccount(key);
      const reference = await account.signMessage({ message: { raw: digest } });
      expect(await Effect.runPromise(Identity.make(Redacted.make(key)).signDigest(digest))).toBe(reference);
      if (nativeSign !== undefined) {
        expect(nativeSign(hexToBytes(digest), hexToBytes(key))).toBe(
          await sign({ hash: digest, privateKey: key, to: "hex" }),
        );
      }
    }
  });

  it("keeps the key out of logs and checks address syntax", () => {
    expect(String(Redacted.make(KEY))).not.toContain("ac0974");
    expect(Schema.is(AddressSchema)(ADDRESS)).toBe(true);
    expect(Schema.is(AddressSchema)("0x1234")).toBe(false);
  });

  it("random layers give distinct identities", async () => {
    const a = await Effect.runPromise(
      Effect.provide(
        Identity.useSync((i) => i.address),
        Identity.random,
      ),
    );
    const b = await Effect.runPromise(
      Effect.provide(
        Identity.useSync((i) => i.address),
        Identity.random,
      ),
    );
    expect(a).not.toBe(b);
  });
});
