/**
 * describeCallError names the custom error of a revert whose data is only its selector (what anvil returns
 * from gas estimation under interval mining, and what an attributor whose follower lags saw as
 * "finalize reverted … 0x313a7ec0"): the attributor's step wrapper matches lost races by error name, so an
 * unnamed revert was logged as a failure on every lost race. The selectors are solc's, read from the
 * compiled AttributionLedger's bytecode (`PUSH4 0x313a7ec0` before `revert AttributionLedger_NotPending`).
 */
import { ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { LOST_RACE } from "../attributor/state.ts";
import { attributionLedgerAbi } from "../generated/contracts.ts";
import { describeCallError } from "./tx.ts";

const reverted = (functionName: string, data: Hex, args: ReadonlyArray<bigint> = [1n]) =>
  new ContractFunctionExecutionError(
    new ContractFunctionRevertedError({ abi: attributionLedgerAbi, data, functionName }),
    { abi: attributionLedgerAbi, functionName, args },
  );

describe("describeCallError", () => {
  it("names a custom error from its bare selector, so a lost finalize or parent race is counted as one", () => {
    const notPending = describeCallError(reverted("finalize", "0x313a7ec0"), attributionLedgerAbi);
    expect(notPending).toMatch(/^reverted with AttributionLedger_NotPending\(…\)/);
    expect(LOST_RACE.test(`finalize ${notPending}`)).toBe(true);
    const liveChild = describeCallError(reverted("finalize", "0xdab70771"), attributionLedgerAbi);
    expect(liveChild).toMatch(/^reverted with AttributionLedger_ParentHasLiveChild\(…\)/);
    expect(LOST_RACE.test(`postClaim: ${liveChild}`)).toBe(true);
  });

  it("keeps full revert data decoded with its arguments, and an unknown selector unnamed (not a race)", () => {
    const data = encodeErrorResult({
      abi: attributionLedgerAbi,
      errorName: "AttributionLedger_NotPending",
      args: [7n],
    });
    expect(data.slice(0, 10)).toBe("0x313a7ec0");
    expect(describeCallError(reverted("finalize", data), attributionLedgerAbi)).toBe(
      "reverted with AttributionLedger_NotPending(7)",
    );
    const unknown = describeCallError(reverted("finalize", "0xdeadbeef"), attributionLedgerAbi);
    expect(unknown).toContain("0xdeadbeef");
    expect(LOST_RACE.test(unknown)).toBe(false);
    // without the contract's ABI nothing names it
    expect(describeCallError(reverted("finalize", "0x313a7ec0"))).not.toContain("NotPending");
  });
});
