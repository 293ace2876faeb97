import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_KEYS } from "./anvil.ts";

describe("anvil development keys", () => {
  it("are the first ten keys of anvil's default mnemonic", () => {
    const derived = ANVIL_KEYS.map((_, i) =>
      bytesToHex(
        mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: i }).getHdKey()
          .privateKey!,
      ),
    );
    expect([...ANVIL_KEYS]).toEqual(derived);
  });
});
