/**
 * The agent's on-chain identity: one Ethereum key that signs everything the agent gossips.
 *
 * Gossip signatures are EIP-191 `personal_sign` signatures over a 32-byte digest
 * (`"\x19Ethereum Signed Message:\n32" ‖ digest`); the digest itself is defined by the caller
 * (agents/gossip/envelope.ts defines the envelope digest). Anyone can recover the signer's address
 * from (digest, signature), so a peer's libp2p key never stands in for its on-chain identity.
 */
import { Context, Data, Effect, Layer, Redacted, Schema } from "effect";
import { type Address, type Hex, hexToBytes, recoverMessageAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { nativeSign, personalDigestHash, type SignerRecovery, signerRecovery } from "./recover.ts";

/** A 20-byte address as 0x-prefixed hex (any case; compare with `sameAddress`). */
export const AddressSchema = Schema.TemplateLiteral(["0x", Schema.String]).check(
  Schema.isPattern(/^0x[0-9a-fA-F]{40}$/),
);
/** A 32-byte value as 0x-prefixed hex. */
export const Bytes32Schema = Schema.TemplateLiteral(["0x", Schema.String]).check(
  Schema.isPattern(/^0x[0-9a-fA-F]{64}$/),
);
/** A 65-byte secp256k1 signature (r ‖ s ‖ v) as 0x-prefixed hex. */
export const SignatureSchema = Schema.TemplateLiteral(["0x", Schema.String]).check(
  Schema.isPattern(/^0x[0-9a-fA-F]{130}$/),
);
/** A private key: 32 bytes of hex; keep it wrapped in `Redacted` everywhere. */
export const PrivateKeySchema = Bytes32Schema;

export const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class SigningError extends Data.TaggedError("SigningError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export interface IdentityShape {
  /** The checksummed address the key controls. */
  readonly address: Address;
  /** EIP-191 signature of a 32-byte digest. */
  readonly signDigest: (digest: Hex) => Effect.Effect<Hex, SigningError>;
}

const fromKey = (privateKey: Redacted.Redacted<Hex>): IdentityShape => {
  const account = privateKeyToAccount(Redacted.value(privateKey));
  // every gossiped message is signed: libsecp256k1 when its addon loads (the same signature as viem's)
  const sign = nativeSign;
  const key = sign === undefined ? undefined : Buffer.from(Redacted.value(privateKey).slice(2), "hex");
  return {
    address: account.address,
    signDigest: Effect.fn("Identity.signDigest")((digest: Hex) =>
      sign !== undefined && key !== undefined && DIGEST_HEX.test(digest)
        ? Effect.try({
            try: () => sign(hexToBytes(personalDigestHash(hexToBytes(digest))), key),
            catch: (cause) => new SigningError({ message: "could not sign the gossip digest", cause }),
          })
        : Effect.tryPromise({
            try: () => account.signMessage({ message: { raw: digest } }),
            catch: (cause) => new SigningError({ message: "could not sign the gossip digest", cause }),
          }),
    ),
  };
};

export class Identity extends Context.Service<Identity, IdentityShape>()("poa/Identity") {
  /** The identity of a configured key. */
  static readonly layer = (privateKey: Redacted.Redacted<Hex>): Layer.Layer<Identity> =>
    Layer.succeed(Identity, fromKey(privateKey));
  /** A fresh random key (tests, throwaway local nodes). */
  static readonly random: Layer.Layer<Identity> = Layer.sync(Identity, () =>
    fromKey(Redacted.make(generatePrivateKey())),
  );
  /** A plain value, for code that builds many nodes in one process. */
  static readonly make = fromKey;
}

const DIGEST_HEX = /^0x[0-9a-fA-F]{64}$/;

/**
 * The address that signed `digest` (EIP-191), or undefined when the signature is malformed.
 * Never throws. `recovery` defaults to the process-wide fast, cached one (./recover.ts); a digest
 * that is not 32 bytes of hex goes to viem's `recoverMessageAddress`, which defines the result.
 */
export const recoverDigestSigner = async (
  digest: Hex,
  signature: Hex,
  recovery: SignerRecovery = signerRecovery,
): Promise<Address | undefined> => {
  if (!DIGEST_HEX.test(digest)) {
    return recoverMessageAddress({ message: { raw: digest }, signature }).catch(() => undefined);
  }
  return recovery.recover(personalDigestHash(Buffer.from(digest.slice(2), "hex")), signature);
};
