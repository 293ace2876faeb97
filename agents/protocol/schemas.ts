/** Schemas for values that cross boundaries everywhere: addresses, hashes, keys, uint256 ids. */
import { Schema } from "effect";
import type { Hex, Address as ViemAddress } from "viem";

const hexPattern = (bytes: number, what: string) =>
  Schema.String.check(
    Schema.isPattern(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), {
      message: `expected ${what} (0x + ${bytes * 2} hex digits)`,
    }),
  );

/** A 20-byte address as 0x-hex (any case). */
export const Address = hexPattern(20, "an address").pipe(Schema.brand("Address"));
export type Address = typeof Address.Type;
export const asViemAddress = (a: Address): ViemAddress => a as string as ViemAddress;

/** A 32-byte word as 0x-hex. */
export const Bytes32 = hexPattern(32, "a 32-byte hex value").pipe(Schema.brand("Bytes32"));
export type Bytes32 = typeof Bytes32.Type;
export const asHex = (h: Bytes32): Hex => h as string as Hex;

/** A secp256k1 private key as 0x-hex; keep it inside Redacted wherever it travels. */
export const PrivateKey = hexPattern(32, "a private key");

/** A non-negative integer id (uint256 on chain) written as a decimal string or a number. */
export const Uint256FromString = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,78}$/, { message: "expected a non-negative integer" }),
);
