import fc from "fast-check";
import {
  type Address,
  concatBytes,
  encodeAbiParameters,
  encodePacked,
  type Hex,
  hexToBytes,
  keccak256,
  stringToBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  allowanceDigest,
  allowanceTypes,
  decodeSignedGroup,
  encodeRecord,
  encodeSignedGroup,
  type GroupReceipt,
  groupDigest,
  groupProblem,
  groupRoot,
  ioHashOf,
  receiptGroupTypes,
  type SignedGroup,
} from "./group.ts";
import { attributionDomain } from "./receipt.ts";

const domain = attributionDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const operator = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const user = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const attributor: Address = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";

const bytes32 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}` as Address);
const record: fc.Arbitrary<GroupReceipt> = fc.record({
  user: address,
  modelId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  requestHash: bytes32,
  outputHash: bytes32,
  fee: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
  nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  entries: fc.array(
    fc.record({
      contributionId: fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
      weight: fc.integer({ min: 0, max: 2 ** 24 - 1 }),
    }),
    { maxLength: 8 },
  ),
});

/** The padded binary tree by recursion (the codec builds it row by row). */
const rootByRecursion = (leaves: ReadonlyArray<Uint8Array>): Hex => {
  let width = 1;
  while (width < leaves.length) width *= 2;
  const node = (from: number, size: number): Uint8Array => {
    if (size === 1) return from < leaves.length ? keccak256(leaves[from]!, "bytes") : new Uint8Array(32);
    return keccak256(concatBytes([node(from, size / 2), node(from + size / 2, size / 2)]), "bytes");
  };
  return `0x${Buffer.from(node(0, width)).toString("hex")}`;
};

/** EIP-712 by hand: "\x19\x01" ‖ domainSeparator ‖ keccak256(typeHash ‖ abi.encode(fields)). */
const eip712 = (typeString: string, types: ReadonlyArray<{ type: string }>, values: ReadonlyArray<unknown>): Hex => {
  const separator = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [
        keccak256(stringToBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
        keccak256(stringToBytes("ProofOfAttribution")),
        keccak256(stringToBytes("1")),
        BigInt(domain.chainId),
        domain.verifyingContract,
      ],
    ),
  );
  const struct = keccak256(
    encodeAbiParameters([{ type: "bytes32" }, ...types], [keccak256(stringToBytes(typeString)), ...values]),
  );
  return keccak256(concatBytes([Uint8Array.of(0x19, 0x01), hexToBytes(separator), hexToBytes(struct)]));
};

const sign = async (records: ReadonlyArray<GroupReceipt>, by = operator): Promise<SignedGroup> => {
  const header = { operator: operator.address, attributor, root: groupRoot(records), count: BigInt(records.length) };
  const signature = await by.signTypedData({
    domain,
    types: receiptGroupTypes,
    primaryType: "ReceiptGroup",
    message: header,
  });
  const allowance = { user: user.address, operator: operator.address, cap: 10_000n, nonce: 1n, expiry: 2_000_000_000n };
  const allowanceSignature = await user.signTypedData({
    domain,
    types: allowanceTypes,
    primaryType: "Allowance",
    message: allowance,
  });
  return {
    operator: operator.address,
    attributor,
    records,
    signature,
    allowances: [{ allowance, signature: allowanceSignature }],
  };
};

const good = (nonce: bigint): GroupReceipt => ({
  user: user.address,
  modelId: 7n,
  requestHash: keccak256(stringToBytes(`request ${nonce}`)),
  outputHash: keccak256(stringToBytes(`output ${nonce}`)),
  fee: 100n,
  nonce,
  entries: [
    { contributionId: 1n, weight: 600_000 },
    { contributionId: 4n, weight: 400_000 },
  ],
});

describe("receipt group records (spec B.2)", () => {
  it("encode as user ‖ modelId ‖ ioHash ‖ fee ‖ nonce ‖ n ‖ entries (viem's encodePacked as the reference)", () => {
    fc.assert(
      fc.property(record, (r) => {
        const expected = encodePacked(
          [
            "address",
            "uint64",
            "bytes32",
            "uint96",
            "uint64",
            "uint8",
            ...r.entries.flatMap(() => ["uint32", "uint24"] as const),
          ],
          [
            r.user,
            r.modelId,
            keccak256(encodePacked(["bytes32", "bytes32"], [r.requestHash, r.outputHash])),
            r.fee,
            r.nonce,
            r.entries.length,
            ...r.entries.flatMap((e) => [Number(e.contributionId), e.weight]),
          ] as never,
        );
        const bytes = encodeRecord(r);
        expect(bytes.length).toBe(81 + 7 * r.entries.length);
        expect(`0x${Buffer.from(bytes).toString("hex")}`).toBe(expected.toLowerCase());
      }),
      { numRuns: 200 },
    );
  });

  it("root is the padded binary tree over keccak256(record) (recursive reference)", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 9 }), (rs) => {
        expect(groupRoot(rs)).toBe(rootByRecursion(rs.map(encodeRecord)));
      }),
      { numRuns: 100 },
    );
  });

  it("a value wider than its wire field cannot be encoded", () => {
    expect(() => encodeRecord({ ...good(1n), fee: 2n ** 96n })).toThrow(/does not fit/);
    expect(() => encodeRecord({ ...good(1n), entries: [{ contributionId: 2n ** 32n, weight: 1_000_000 }] })).toThrow(
      /does not fit/,
    );
  });

  it("ioHash is keccak256(requestHash ‖ outputHash)", () => {
    const r = good(3n);
    expect(ioHashOf(r.requestHash, r.outputHash)).toBe(
      keccak256(concatBytes([hexToBytes(r.requestHash), hexToBytes(r.outputHash)])),
    );
  });
});

describe("EIP-712 Allowance and ReceiptGroup", () => {
  it("digests equal a hand-written EIP-712 encoding", () => {
    const header = { operator: operator.address, attributor, root: keccak256("0x01"), count: 3n };
    expect(groupDigest(domain, header)).toBe(
      eip712(
        "ReceiptGroup(address operator,address attributor,bytes32 root,uint256 count)",
        [{ type: "address" }, { type: "address" }, { type: "bytes32" }, { type: "uint256" }],
        [header.operator, header.attributor, header.root, header.count],
      ),
    );
    const allowance = { user: user.address, operator: operator.address, cap: 5n, nonce: 9n, expiry: 1_800_000_000n };
    expect(allowanceDigest(domain, allowance)).toBe(
      eip712(
        "Allowance(address user,address operator,uint256 cap,uint256 nonce,uint64 expiry)",
        [{ type: "address" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "uint64" }],
        [allowance.user, allowance.operator, allowance.cap, allowance.nonce, allowance.expiry],
      ),
    );
  });
});

describe("groupProblem", () => {
  it("accepts a group signed by its operator over the records, through its JSON wire form", async () => {
    const group = await sign([good(1n), good(2n), { ...good(3n), entries: [] }]);
    const wire = JSON.parse(JSON.stringify(encodeSignedGroup(group)));
    expect(await groupProblem(domain, decodeSignedGroup(wire))).toBeUndefined();
  });

  it("refuses a signature by someone else, a changed record, a changed attributor and bad parts", async () => {
    const group = await sign([good(1n), good(2n)]);
    expect(await groupProblem(domain, await sign([good(1n)], user))).toBe("operator-signature");
    expect(await groupProblem(domain, { ...group, records: [good(1n), { ...good(2n), fee: 101n }] })).toBe(
      "operator-signature",
    );
    expect(await groupProblem(domain, { ...group, records: [good(2n), good(1n)] })).toBe("operator-signature");
    expect(await groupProblem(domain, { ...group, attributor: user.address })).toBe("operator-signature");
    expect(await groupProblem(domain, { ...group, signature: `0x${"11".repeat(65)}` })).toBe("operator-signature");
    expect(await groupProblem(domain, { ...group, records: [] })).toBe("empty");
    expect(
      await groupProblem(domain, {
        ...group,
        records: [{ ...good(1n), entries: [{ contributionId: 1n, weight: 1 }] }],
      }),
    ).toBe("entries");
    expect(await groupProblem(domain, { ...group, records: [good(1n), good(1n)] })).toBe("duplicate-nonce");
    const [allowance] = group.allowances;
    expect(
      await groupProblem(domain, {
        ...group,
        allowances: [{ ...allowance!, allowance: { ...allowance!.allowance, cap: 10_001n } }],
      }),
    ).toBe("allowance-signature");
    expect(
      await groupProblem(domain, {
        ...group,
        allowances: [{ ...allowance!, allowance: { ...allowance!.allowance, operator: attributor } }],
      }),
    ).toBe("allowance-operator");
  });
});
