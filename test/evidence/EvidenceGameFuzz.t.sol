// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EvidenceEntry, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {EvidenceGameBaseTest} from "test/evidence/utils/EvidenceGameBaseTest.sol";

/// @notice Fuzzed evidence disputes: any single wrong running score is lost by its poster, and any accusation
///         against honest evidence is answered (the honest claimant then wins on the challenger's clock). Each run
///         builds the evidence by brute force (≈ 3 s), hence few runs.
contract EvidenceGameFuzz_Test is EvidenceGameBaseTest {
    bytes internal constant OUT = "so the quick brown fox jumps, said a lazy afternoon with tea; over the lazy dog";

    /// forge-config: default.fuzz.runs = 6
    /// forge-config: ci.fuzz.runs = 12
    function testFuzz_anyWrongRunningScore_loses(uint256 _pick, uint256 _delta) public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        // The credits in order; pick one and shift its running score alone.
        uint256 total;
        for (uint256 j = 0; j < es.length; j++) {
            total += es[j].credits.length;
        }
        uint256 pick = _pick % total;
        (uint256 j_, uint256 slot) = _nth(es, pick);
        uint256 running = es[j_].credits[slot].runningScore;
        uint256 delta = bound(_delta, 1, 1e30);
        es[j_].credits[slot].runningScore = _delta % 2 == 0 || running < delta ? running + delta : running - delta;
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, _weights(rankedIds, rankedScores));
        uint256 id = _openDispute(claimId);
        _answer(id);
        Credit memory cr = es[j_].credits[slot];
        vm.startPrank(challenger);
        if (cr.prev == NONE) game.proveFirstCredit(id, _open_(j_), uint8(slot));
        else game.proveBrokenLink(id, _open_(cr.prev), _open_(j_), cr.id);
        vm.stopPrank();
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ChallengerWon));
        assertEq(uint8(ledger.claim(claimId).status), uint8(IAttributionLedger.Status.Void));
    }

    /// forge-config: default.fuzz.runs = 6
    /// forge-config: ci.fuzz.runs = 12
    function testFuzz_honest_anyAccusationAnswered(uint8 _kind, uint8 _index) public {
        uint256 claimId = _postHonest(OUT);
        uint256 id = _openDispute(claimId);
        _answer(id);
        IEvidenceGameTypes.Accusation a = IEvidenceGameTypes.Accusation(1 + _kind % 6);
        uint256 bound_ = a == IEvidenceGameTypes.Accusation.RankedScore ? rankedIds.length : _entries().length;
        uint256 index = _index % bound_;
        _accuse(id, a, index);
        _defend(id, a, index);
        _timeout(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ClaimantWon));
        ledger.finalize(claimId);
    }

    function _nth(EvidenceEntry[] memory _es, uint256 _n) internal pure returns (uint256 j_, uint256 slot_) {
        for (uint256 j = 0; j < _es.length; j++) {
            if (_n < _es[j].credits.length) return (j, _n);
            _n -= _es[j].credits.length;
        }
        revert("out of range");
    }
}
