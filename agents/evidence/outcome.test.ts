import { describe, expect, it } from "vitest";
import { DisputeStatusCode, outcomeFor } from "./contract.ts";

describe("outcomeFor", () => {
  it("names each ended status from each side's point of view", () => {
    // written out by hand from IEvidenceGameTypes.DisputeStatus: ClaimantWon = 2, ChallengerWon = 3, Refunded = 4
    expect(outcomeFor("claimant", 2)).toBe("won");
    expect(outcomeFor("challenger", 2)).toBe("lost");
    expect(outcomeFor("claimant", 3)).toBe("lost");
    expect(outcomeFor("challenger", 3)).toBe("won");
    expect(outcomeFor("claimant", 4)).toBe("refunded");
    expect(outcomeFor("challenger", DisputeStatusCode.Refunded)).toBe("refunded");
  });
});
