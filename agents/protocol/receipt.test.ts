import { readFileSync } from "node:fs";
import fc from "fast-check";
import { type Address, type Hex, hashTypedData, keccak256, stringToBytes } from "viem";
import { describe, expect, it } from "vitest";
import {
  attributionDomain,
  decodeSignedReceipt,
  domainSeparator,
  encodeSignedReceipt,
  RECEIPT_TYPEHASH,
  REQUEST_TYPEHASH,
  type ReceiptMessage,
  type RequestMessage,
  receiptDigest,
  receiptTypes,
  requestDigest,
  requestTypes,
} from "./receipt.ts";

const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}` as Address);
const bytes32 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
const uint256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const domain = fc.record({ chainId: fc.integer({ min: 1, max: 2 ** 40 }), ledger: address });

const request = fc.record({
  user: address,
  operator: address,
  modelId: uint256,
  requestHash: bytes32,
  maxFee: uint256,
  nonce: uint256,
  deadline: uint64,
}) satisfies fc.Arbitrary<RequestMessage>;
const receipt = fc.record({
  user: address,
  operator: address,
  attributor: address,
  modelId: uint256,
  requestHash: bytes32,
  outputHash: bytes32,
  fee: uint256,
  nonce: uint256,
  deadline: uint64,
}) satisfies fc.Arbitrary<ReceiptMessage>;

describe("EIP-712 digests with precomputed type and domain hashes", () => {
  it("equal viem's hashTypedData for any Request and Receipt", () => {
    fc.assert(
      fc.property(domain, request, receipt, (d, req, rec) => {
        const dom = attributionDomain(d.chainId, d.ledger);
        expect(requestDigest(dom, req)).toBe(
          hashTypedData({ domain: dom, types: requestTypes, primaryType: "Request", message: req }),
        );
        expect(receiptDigest(dom, rec)).toBe(
          hashTypedData({ domain: dom, types: receiptTypes, primaryType: "Receipt", message: rec }),
        );
        // the same domain again comes from the cache and still agrees
        expect(requestDigest(attributionDomain(d.chainId, d.ledger), req)).toBe(requestDigest(dom, req));
      }),
      { numRuns: 150, seed: 21 },
    );
  });

  it("type hashes are Sigma.sol's", () => {
    const sol = readFileSync(new URL("../../src/libraries/Sigma.sol", import.meta.url), "utf8");
    const typeString = (name: string) => new RegExp(`"(${name}\\([^"]*\\))"`).exec(sol)?.[1];
    const req = typeString("Request");
    const rec = typeString("Receipt");
    expect(req).toBeDefined();
    expect(rec).toBeDefined();
    expect(REQUEST_TYPEHASH).toBe(keccak256(stringToBytes(req!)));
    expect(RECEIPT_TYPEHASH).toBe(keccak256(stringToBytes(rec!)));
  });

  it("a separator per domain (chain id and ledger both count)", () => {
    const ledger = "0x1111111111111111111111111111111111111111" as Address;
    const other = "0x2222222222222222222222222222222222222222" as Address;
    const seps = new Set([
      domainSeparator(attributionDomain(1, ledger)),
      domainSeparator(attributionDomain(2, ledger)),
      domainSeparator(attributionDomain(1, other)),
    ]);
    expect(seps.size).toBe(3);
  });

  it("refuses values that do not fit their EIP-712 types", () => {
    const dom = attributionDomain(1, "0x1111111111111111111111111111111111111111");
    const base = {
      user: "0x1111111111111111111111111111111111111111",
      operator: "0x1111111111111111111111111111111111111111",
      modelId: 1n,
      requestHash: `0x${"00".repeat(32)}`,
      maxFee: 1n,
      nonce: 1n,
      deadline: 2n ** 64n,
    } as const;
    expect(() => requestDigest(dom, base)).toThrow(/uint64/);
  });
});

describe("SignedReceipt schema", () => {
  it("round-trips through its wire form (decimal strings)", () => {
    fc.assert(
      fc.property(request, receipt, bytes32, (req, rec, sig) => {
        const signed = {
          request: req,
          userSignature: `${sig}${sig.slice(2)}1b` as Hex,
          receipt: rec,
          operatorSignature: `${sig}${sig.slice(2)}1c` as Hex,
        };
        const wire = encodeSignedReceipt(signed);
        expect(typeof wire.request.modelId).toBe("string");
        expect(decodeSignedReceipt(JSON.parse(JSON.stringify(wire)))).toEqual(signed);
      }),
      { numRuns: 50, seed: 22 },
    );
  });
});
