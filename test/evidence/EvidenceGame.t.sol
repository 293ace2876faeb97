// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EvidenceSpan, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame} from "src/interfaces/IEvidenceGame.sol";
import {Side} from "src/libraries/GameTypes.sol";
import {EvidenceGameBaseTest} from "test/evidence/utils/EvidenceGameBaseTest.sol";

/// @notice Whole evidence disputes (docs/evidence-game.md §3): the honest claimant answers every accusation and
///         no violation can be shown against it; each lie is lost by the liar.
contract EvidenceGame_Test is EvidenceGameBaseTest {
    /// @dev Quotes corpus 0 ("the quick brown fox jumps") and corpus 1 ("a lazy afternoon with tea").
    bytes internal constant OUT = "so the quick brown fox jumps, said a lazy afternoon with tea";

    IEvidenceGame.Accusation[5] internal entryAccusations = [
        IEvidenceGame.Accusation.RangeLow,
        IEvidenceGame.Accusation.RangeHigh,
        IEvidenceGame.Accusation.MaximalLeft,
        IEvidenceGame.Accusation.MaximalRight,
        IEvidenceGame.Accusation.CreditedSet
    ];

    function test_honestEvidence_shape() public {
        _postHonest(OUT);
        EvidenceEntry[] memory es = _entries();
        assertGt(es.length, 1, "several spans");
        bool quoted0;
        bool quoted1;
        for (uint256 i = 0; i < rankedIds.length; i++) {
            if (rankedIds[i] == onChain[0]) quoted0 = true;
            if (rankedIds[i] == onChain[1]) quoted1 = true;
            assertTrue(rankedIds[i] != onChain[3], "never quoted");
        }
        assertTrue(quoted0 && quoted1, "the quoted contributions are ranked");
    }

    function test_honest_everyAccusationAnswered_claimantWins() public {
        uint256 claimId = _postHonest(OUT);
        uint256 id = _openDispute(claimId);
        assertEq(ledger.evidenceGames(claimId), 1);
        _answer(id);
        EvidenceEntry[] memory es = _entries();
        for (uint256 j = 0; j < es.length; j++) {
            for (uint256 a = 0; a < entryAccusations.length; a++) {
                _accuse(id, entryAccusations[a], j);
                _defend(id, entryAccusations[a], j);
            }
        }
        for (uint256 i = 0; i < rankedIds.length; i++) {
            _accuse(id, IEvidenceGame.Accusation.RankedScore, i);
            _defend(id, IEvidenceGame.Accusation.RankedScore, i);
        }
        _everyViolationFails(id);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_GameOpen.selector, claimId));
        ledger.finalize(claimId);
        uint256 before = token.balanceOf(BURN);
        _timeout(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGame.DisputeStatus.ClaimantWon));
        assertEq(game.credit(attributor), BOND / 2, "challenger's bond less the burn");
        assertEq(token.balanceOf(BURN) - before, BOND / 2);
        ledger.finalize(claimId);
        assertEq(uint8(ledger.claim(claimId).status), uint8(IAttributionLedger.Status.Final));
    }

    /// @dev Every challenger-burden violation reverts against the honest evidence.
    function _everyViolationFails(uint256 _id) internal {
        EvidenceEntry[] memory es = _entries();
        uint256 n = es.length;
        vm.startPrank(challenger);
        for (uint256 j = 0; j < n; j++) {
            EntryOpening memory e = _open_(j);
            vm.expectRevert(IEvidenceGame.EvidenceGame_NoViolation.selector);
            game.proveEntryMalformed(_id, c, e);
            if (j + 1 < n) {
                vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                game.proveEntriesOutOfOrder(_id, e, _open_(j + 1));
            }
            for (uint256 k = 0; k < n; k++) {
                EntryOpening memory o = _open_(k);
                for (uint256 p = e.entry.span.wonStart; p < e.entry.span.wonEnd; p++) {
                    vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                    game.proveWonByte(_id, e, o, uint32(p));
                }
                for (uint256 i = 0; i < e.entry.credits.length; i++) {
                    uint64 cid = e.entry.credits[i].id;
                    vm.expectRevert(IEvidenceGame.EvidenceGame_NoViolation.selector);
                    game.proveSkippedCredit(_id, e, o, cid);
                    if (e.entry.credits[i].next == k) {
                        vm.expectRevert(IEvidenceGame.EvidenceGame_NoViolation.selector);
                        game.proveBrokenLink(_id, e, o, cid);
                    }
                }
            }
            for (uint256 i = 0; i < e.entry.credits.length; i++) {
                vm.expectRevert(IEvidenceGame.EvidenceGame_NoViolation.selector);
                game.proveFirstCredit(_id, e, uint8(i));
                if (e.entry.credits[i].next == NONE) {
                    vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                    game.proveRankingOmission(_id, rankedIds, rankedScores, e, uint8(i));
                }
            }
        }
        // Uncovered bytes: every byte between adjacent won intervals, against every entry.
        for (uint256 j = 0; j <= n; j++) {
            bool hasA = j > 0;
            bool hasB = j < n;
            EntryOpening memory a;
            EntryOpening memory b;
            if (hasA) a = _open_(j - 1);
            if (hasB) b = _open_(j);
            uint256 from = hasA ? a.entry.span.wonEnd : 0;
            uint256 to = hasB ? b.entry.span.wonStart : output.length;
            for (uint256 p = from; p < to; p++) {
                for (uint256 k = 0; k < n; k++) {
                    vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                    game.proveUncovered(_id, hasA, a, hasB, b, _open_(k), uint32(p));
                }
            }
        }
        vm.stopPrank();
    }
}
