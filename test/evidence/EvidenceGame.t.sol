// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EvidenceSpan, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {Side} from "src/libraries/GameTypes.sol";
import {EvidenceGameBaseTest} from "test/evidence/utils/EvidenceGameBaseTest.sol";

/// @notice Whole evidence disputes (docs/evidence-game.md §3): the honest claimant answers every accusation and
///         no violation can be shown against it; each lie is lost by the liar.
contract EvidenceGame_Test is EvidenceGameBaseTest {
    /// @dev Quotes corpus 0 ("the quick brown fox jumps") and corpus 1 ("a lazy afternoon with tea").
    bytes internal constant OUT = "so the quick brown fox jumps, said a lazy afternoon with tea; over the lazy dog";

    IEvidenceGameTypes.Accusation[5] internal entryAccusations = [
        IEvidenceGameTypes.Accusation.RangeLow,
        IEvidenceGameTypes.Accusation.RangeHigh,
        IEvidenceGameTypes.Accusation.MaximalLeft,
        IEvidenceGameTypes.Accusation.MaximalRight,
        IEvidenceGameTypes.Accusation.CreditedSet
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
            _accuse(id, IEvidenceGameTypes.Accusation.RankedScore, i);
            _defend(id, IEvidenceGameTypes.Accusation.RankedScore, i);
        }
        _everyViolationFails(id);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_GameOpen.selector, claimId));
        ledger.finalize(claimId);
        uint256 before = token.balanceOf(BURN);
        _timeout(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ClaimantWon));
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
            vm.expectRevert(IEvidenceGameTypes.EvidenceGame_NoViolation.selector);
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
                    vm.expectRevert(IEvidenceGameTypes.EvidenceGame_NoViolation.selector);
                    game.proveSkippedCredit(_id, e, o, cid);
                    if (e.entry.credits[i].next == k) {
                        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_NoViolation.selector);
                        game.proveBrokenLink(_id, e, o, cid);
                    }
                }
            }
            for (uint256 i = 0; i < e.entry.credits.length; i++) {
                vm.expectRevert(IEvidenceGameTypes.EvidenceGame_NoViolation.selector);
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

    /* LIES: each is lost by the liar */

    /// @dev Posts `_es` (relinked) as the claim's evidence with the weights its ranked list gives.
    function _postLie(EvidenceEntry[] memory _es) internal returns (uint256 claimId_) {
        _link(_es);
        _setEvidence(OUT, _es);
        claimId_ = _post(OUT, _weights(rankedIds, rankedScores));
    }

    /// @dev The challenger won: claim void, the claim bond slashed and paid (less the burn) to the challenger with
    ///      its own bond back.
    function _assertLiarLost(uint256 _claimId, uint256 _id) internal view {
        assertEq(uint8(_status(_id)), uint8(IEvidenceGameTypes.DisputeStatus.ChallengerWon), "challenger won");
        assertEq(uint8(ledger.claim(_claimId).status), uint8(IAttributionLedger.Status.Void), "claim void");
        assertEq(ledger.bondOf(attributor).bonded, 9 * CLAIM_BOND, "claim bond slashed");
        assertEq(game.credit(challenger), BOND + CLAIM_BOND / 2, "bond back + slashed bond less the burn");
        assertEq(ledger.evidenceGames(_claimId), 0);
    }

    /// @dev The entry with the most won bytes crediting `_id`.
    function _biggestCreditOf(EvidenceEntry[] memory _es, uint64 _id) internal pure returns (uint256 j_) {
        uint256 best;
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                uint256 won = _es[j].span.wonEnd - _es[j].span.wonStart;
                if (_es[j].credits[i].id == _id && won > best) (best, j_) = (won, j);
            }
        }
        assertGt(best, 0);
    }

    function test_lie_fabricatedWeights_cannotBeAnswered() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        // The poster credits its own never-quoted contribution with everything.
        uint256 claimId = _post(OUT, abi.encodePacked(onChain[3], uint32(1e6)));
        uint256 id = _openDispute(claimId);
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_WeightsMismatch.selector);
        _answer(id);
        _timeout(id);
        _assertLiarLost(claimId, id);
    }

    function test_lie_fabricatedWeights_rankedListShownIncomplete() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, abi.encodePacked(onChain[3], uint32(1e6)));
        uint256 id = _openDispute(claimId);
        // The liar answers with a ranked list that gives its weights over the honest evidence root.
        rankedIds = [onChain[3]];
        rankedScores = [uint256(1)];
        _answer(id);
        // A true final score left out of a ranked list shorter than K.
        uint256 j = _finalEntryOf(onChain[0]);
        EntryOpening memory e = _open_(j);
        uint8 slot;
        while (e.entry.credits[slot].id != onChain[0]) slot++;
        vm.prank(challenger);
        game.proveRankingOmission(id, rankedIds, rankedScores, e, slot);
        _assertLiarLost(claimId, id);
    }

    function test_lie_rankedIdNeverCredited_cannotDefendScore() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, abi.encodePacked(onChain[3], uint32(1e6)));
        uint256 id = _openDispute(claimId);
        rankedIds = [onChain[3]];
        rankedScores = [uint256(1)];
        _answer(id);
        _accuse(id, IEvidenceGameTypes.Accusation.RankedScore, 0);
        // No entry credits the ranked id: whatever the liar opens fails.
        for (uint256 j = 0; j < es.length; j++) {
            vm.prank(attributor);
            vm.expectRevert(IEvidenceGameTypes.EvidenceGame_NoViolation.selector);
            game.defendRankedScore(id, rankedIds, rankedScores, _open_(j));
        }
        _timeout(id);
        _assertLiarLost(claimId, id);
    }

    function test_lie_creditedContributionNeverQuoted() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        uint256 j = _biggestCreditOf(es, onChain[0]);
        es[j].credits = new Credit[](1);
        es[j].credits[0].id = onChain[3];
        uint256 claimId = _postLie(es);
        uint256 id = _openDispute(claimId);
        _answer(id);
        _accuse(id, IEvidenceGameTypes.Accusation.CreditedSet, j);
        EvidenceSpan memory s = es[j].span;
        vm.prank(attributor);
        vm.expectRevert(SuffixChecks.SuffixChecks_SetMismatch.selector);
        game.defendCreditedSet(id, c, _open_(j), _occurrences(s.lo, s.hi));
        _timeout(id);
        _assertLiarLost(claimId, id);
    }

    function test_lie_omittedQuote() public {
        EvidenceEntry[] memory honest = _honestEntries(OUT);
        uint256 gone = _biggestCreditOf(honest, onChain[1]);
        EvidenceEntry[] memory es = new EvidenceEntry[](honest.length - 1);
        for (uint256 j = 0; j < es.length; j++) {
            es[j] = honest[j < gone ? j : j + 1];
        }
        uint256 claimId = _postLie(es);
        uint256 id = _openDispute(claimId);
        _answer(id);
        _proveOmission(id, gone, es.length, honest[gone].span);
        _assertLiarLost(claimId, id);
    }

    /// @dev proveOmission's arguments in one struct: its abi encoding less the leading offset word is the call's.
    struct OmissionCall {
        uint256 id;
        IndexCommitment c;
        bool hasPrev;
        EntryOpening prev;
        bool hasNext;
        EntryOpening next;
        uint32 a;
        uint32 x;
        ChunkRun out;
        SuffixOpening occurrence;
    }

    function _proveOmission(uint256 _id, uint256 _gone, uint256 _count, EvidenceSpan memory _s) internal {
        OmissionCall memory call;
        call.id = _id;
        call.c = c;
        call.hasPrev = _gone > 0;
        call.hasNext = _gone < _count;
        if (call.hasPrev) call.prev = _open_(_gone - 1);
        if (call.hasNext) call.next = _open_(_gone);
        call.a = _s.start;
        call.x = _s.end;
        call.out = _outRun(_s.start, _s.end);
        call.occurrence = _fullOpening(_s.lo);
        _callGame(challenger, IEvidenceGame.proveOmission.selector, abi.encode(call));
    }

    /// @dev Calls the game as `_from` with `_selector` and the arguments encoded as one tuple (offset word first).
    function _callGame(address _from, bytes4 _selector, bytes memory _tuple) internal {
        bytes memory args = new bytes(_tuple.length - 32);
        for (uint256 i = 0; i < args.length; i++) {
            args[i] = _tuple[i + 32];
        }
        vm.prank(_from);
        (bool ok, bytes memory ret) = address(game).call(bytes.concat(_selector, args));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function test_lie_inflatedCount() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        uint256 j = _biggestCreditOf(es, onChain[0]);
        es[j].span.hi += 1;
        uint256 claimId = _postLie(es);
        uint256 id = _openDispute(claimId);
        _answer(id);
        _accuse(id, IEvidenceGameTypes.Accusation.RangeHigh, j);
        EvidenceSpan memory s = es[j].span;
        SuffixOpening memory above;
        if (s.hi < sa.length) above = _fullOpening(s.hi);
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_NotPrefix.selector, s.hi - 1));
        game.defendRange(id, c, _open_(j), _outRun(s.start, s.end), _fullOpening(s.hi - 1), above);
        _timeout(id);
        _assertLiarLost(claimId, id);
    }

    function test_lie_inflatedFirstRunningScore() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _link(es);
        uint256 j = _biggestCreditOf(es, onChain[0]);
        // Inflate the first credit of onChain[0] (found by walking back) and every later one consistently.
        (uint32 first,) = _firstCredit(es, onChain[0]);
        for (uint256 k = first; k < es.length; k++) {
            for (uint256 i = 0; i < es[k].credits.length; i++) {
                if (es[k].credits[i].id == onChain[0]) es[k].credits[i].runningScore += 1e9;
            }
        }
        j;
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, _weights(rankedIds, rankedScores));
        uint256 id = _openDispute(claimId);
        _answer(id);
        EntryOpening memory e = _open_(first);
        uint8 slot;
        while (e.entry.credits[slot].id != onChain[0]) slot++;
        vm.prank(challenger);
        game.proveFirstCredit(id, e, slot);
        _assertLiarLost(claimId, id);
    }

    function test_lie_brokenLink() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        // A contribution credited twice: its second credit inflated (and the final score with it).
        (uint256 b, uint256 slotB) = _secondCredit(es);
        uint256 a = es[b].credits[slotB].prev;
        uint64 cid = es[b].credits[slotB].id;
        for (uint256 k = b; k < es.length; k++) {
            for (uint256 i = 0; i < es[k].credits.length; i++) {
                if (es[k].credits[i].id == cid) es[k].credits[i].runningScore += 7;
            }
        }
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, _weights(rankedIds, rankedScores));
        uint256 id = _openDispute(claimId);
        _answer(id);
        vm.prank(challenger);
        game.proveBrokenLink(id, _open_(a), _open_(b), cid);
        _assertLiarLost(claimId, id);
    }

    function test_lie_skippedCredit() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        // The second credit of a contribution claims to be its first (its predecessor's score dropped).
        (uint256 b, uint256 slotB) = _secondCredit(es);
        uint256 a = es[b].credits[slotB].prev;
        uint64 cid = es[b].credits[slotB].id;
        for (uint256 i = 0; i < es[a].credits.length; i++) {
            if (es[a].credits[i].id == cid) es[a].credits[i].next = NONE;
        }
        uint256 own = es[b].credits[slotB].runningScore - _runningOf(es[a], cid);
        uint256 drop = es[b].credits[slotB].runningScore - own;
        for (uint256 k = b; k < es.length; k++) {
            for (uint256 i = 0; i < es[k].credits.length; i++) {
                if (es[k].credits[i].id == cid) es[k].credits[i].runningScore -= drop;
            }
        }
        es[b].credits[slotB].prev = NONE;
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, _weights(rankedIds, rankedScores));
        uint256 id = _openDispute(claimId);
        _answer(id);
        vm.prank(challenger);
        game.proveSkippedCredit(id, _open_(b), _open_(a), cid);
        _assertLiarLost(claimId, id);
    }

    function test_lie_wrongRankedScore() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        rankedScores[0] += 1;
        uint256 claimId = _post(OUT, _weights(rankedIds, rankedScores));
        uint256 id = _openDispute(claimId);
        _answer(id);
        _accuse(id, IEvidenceGameTypes.Accusation.RankedScore, 0);
        vm.prank(attributor);
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_NoViolation.selector);
        game.defendRankedScore(id, rankedIds, rankedScores, _open_(_finalEntryOf(rankedIds[0])));
        _timeout(id);
        _assertLiarLost(claimId, id);
    }

    function test_lie_wrongRanking_leftOut() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        uint64 left = rankedIds[1];
        uint256 leftScore = rankedScores[1];
        rankedIds = [rankedIds[0]];
        rankedScores = [rankedScores[0]];
        uint256 claimId = _post(OUT, _weights(rankedIds, rankedScores));
        uint256 id = _openDispute(claimId);
        _answer(id);
        EntryOpening memory e = _open_(_finalEntryOf(left));
        uint8 slot;
        while (e.entry.credits[slot].id != left) slot++;
        assertEq(e.entry.credits[slot].runningScore, leftScore);
        vm.prank(challenger);
        game.proveRankingOmission(id, rankedIds, rankedScores, e, slot);
        _assertLiarLost(claimId, id);
    }

    function test_lie_spanShorterThanMinMatch() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        uint256 j = _biggestCreditOf(es, onChain[0]);
        es[j].span.end = es[j].span.start + c.minMatch - 1;
        if (es[j].span.wonEnd > es[j].span.end) es[j].span.wonEnd = es[j].span.end;
        uint256 claimId = _postLie(es);
        uint256 id = _openDispute(claimId);
        _answer(id);
        vm.prank(challenger);
        game.proveEntryMalformed(id, c, _open_(j));
        _assertLiarLost(claimId, id);
    }

    function test_lie_wonByteToShorterSpan() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        // Find a pair j < k that overlap; give the overlap to the shorter one.
        (uint256 j, uint256 k) = _overlapping(es);
        EvidenceSpan memory sj = es[j].span;
        EvidenceSpan memory sk = es[k].span;
        bool jLonger = sj.end - sj.start >= sk.end - sk.start;
        uint256 loser = jLonger ? k : j;
        uint256 winner = jLonger ? j : k;
        uint32 p = sk.start; // covered by both (j < k overlap: k starts inside j)
        // The loser claims byte p.
        if (loser == k) es[k].span.wonStart = p;
        else es[j].span.wonEnd = p + 1;
        uint256 claimId = _postLie(es);
        uint256 id = _openDispute(claimId);
        _answer(id);
        vm.prank(challenger);
        game.proveWonByte(id, _open_(loser), _open_(winner), p);
        _assertLiarLost(claimId, id);
    }

    function test_lie_uncoveredByte() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        uint256 j = _biggestCreditOf(es, onChain[0]);
        // Entry j gives up its last won byte: nobody wins it, though j covers it.
        uint32 p = es[j].span.wonEnd - 1;
        es[j].span.wonEnd = p;
        uint256 claimId = _postLie(es);
        uint256 id = _openDispute(claimId);
        _answer(id);
        bool hasB = j + 1 < es.length;
        EntryOpening memory b;
        if (hasB) b = _open_(j + 1);
        vm.prank(challenger);
        game.proveUncovered(id, true, _open_(j), hasB, b, _open_(j), p);
        _assertLiarLost(claimId, id);
    }

    /* LYING CHALLENGER */

    function test_lyingChallenger_timesOut_losesBond() public {
        uint256 claimId = _postHonest(OUT);
        uint256 id = _openDispute(claimId);
        _answer(id);
        _accuse(id, IEvidenceGameTypes.Accusation.CreditedSet, 0);
        _defend(id, IEvidenceGameTypes.Accusation.CreditedSet, 0);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_NotResolvable.selector, id));
        game.resolve(id);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_BadAccusation.selector, 0));
        game.accuse(id, IEvidenceGameTypes.Accusation.CreditedSet, 0);
        _timeout(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ClaimantWon));
        assertEq(game.credit(attributor), BOND / 2);
        assertEq(game.credit(challenger), 0);
        assertEq(ledger.bondOf(attributor).bonded, 10 * CLAIM_BOND, "claim bond intact");
    }

    function test_concede() public {
        uint256 claimId = _postHonest(OUT);
        uint256 id = _openDispute(claimId);
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_NotPlayer.selector, attributor));
        game.concede(id);
        _answer(id);
        vm.prank(challenger);
        vm.expectEmit(address(game));
        emit IEvidenceGameTypes.Conceded(id, Side.Challenger);
        game.concede(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ClaimantWon));
        vm.prank(attributor);
        game.claimCredit(attributor);
        assertEq(game.credit(attributor), 0);
    }

    /* HELPERS */

    function _firstCredit(EvidenceEntry[] memory _es, uint64 _id) internal pure returns (uint32 j_, uint256 slot_) {
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                if (_es[j].credits[i].id == _id) return (uint32(j), i);
            }
        }
        revert("never credited");
    }

    function _secondCredit(EvidenceEntry[] memory _es) internal pure returns (uint256 j_, uint256 slot_) {
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                if (_es[j].credits[i].prev != NONE) return (j, i);
            }
        }
        revert("no contribution credited twice");
    }

    function _runningOf(EvidenceEntry memory _e, uint64 _id) internal pure returns (uint256 running_) {
        for (uint256 i = 0; i < _e.credits.length; i++) {
            if (_e.credits[i].id == _id) return _e.credits[i].runningScore;
        }
        revert("not credited");
    }

    function _overlapping(EvidenceEntry[] memory _es) internal pure returns (uint256 j_, uint256 k_) {
        for (uint256 j = 0; j + 1 < _es.length; j++) {
            if (_es[j + 1].span.start < _es[j].span.end) return (j, j + 1);
        }
        revert("no overlap");
    }

    /* WHO ANSWERS, SHARING, MOOT DISPUTES */

    function test_answer_posterFirst_thenABondedDefender() public {
        uint256 claimId = _postHonest(OUT);
        uint256 id = _openDispute(claimId);
        EvidenceEntry[] memory es = _entries();
        bytes32 root = _evidenceRoot(es);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_NotPlayer.selector, carol));
        game.answer(id, 0, c, root, uint32(es.length), rankedIds, rankedScores);
        vm.warp(block.timestamp + CLOCK / 2 + 1);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_NotPlayer.selector, challenger));
        game.answer(id, 0, c, root, uint32(es.length), rankedIds, rankedScores);
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        game.answer(id, 0, c, root, uint32(es.length), rankedIds, rankedScores);
        assertEq(before - token.balanceOf(carol), BOND, "the defender's bond");
        assertEq(game.dispute(id).defender, carol);
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_WrongMove.selector, id));
        game.answer(id, 0, c, root, uint32(es.length), rankedIds, rankedScores);
        _timeout(id);
        assertEq(game.credit(carol), BOND + BOND / 2, "own bond back plus the challenger's less the burn");
    }

    function test_twoDisputes_shareTheSlashedBond() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        uint256 claimId = _post(OUT, abi.encodePacked(onChain[3], uint32(1e6)));
        uint256 first = _openDispute(claimId);
        bytes memory tx_ = _attributeTx(output, _txWeights(claimId));
        vm.prank(carol);
        uint256 second = game.open(claimId, 0, tx_, new bytes32[](0), output);
        assertEq(ledger.evidenceGames(claimId), 2);
        _timeout(first);
        assertEq(uint8(_status(first)), uint8(IEvidenceGameTypes.DisputeStatus.ChallengerWon));
        uint256 pool = CLAIM_BOND / 2;
        assertEq(game.credit(challenger), BOND + pool / 2);
        game.resolve(second);
        assertEq(uint8(_status(second)), uint8(IEvidenceGameTypes.DisputeStatus.Refunded));
        assertEq(game.credit(carol), BOND + pool / 2);
        assertEq(ledger.evidenceGames(claimId), 0);
        assertEq(token.balanceOf(address(game)), game.totalCredit(), "solvent");
    }

    function test_claimVoidedBySigma_disputeRefunded() public {
        uint256 claimId = _postHonest(OUT);
        uint256 id = _openDispute(claimId);
        _answer(id);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_NotResolvable.selector, id));
        game.resolve(id);
        vm.prank(sigmaGame);
        ledger.voidClaim(claimId, sigmaGame);
        game.resolve(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.Refunded));
        assertEq(game.credit(challenger), BOND);
        assertEq(game.credit(attributor), 0);
    }

    function test_open_rejectsWrongOutputAndTx() public {
        uint256 claimId = _postHonest(OUT);
        bytes memory tx_ = _attributeTx(output, _txWeights(claimId));
        vm.startPrank(challenger);
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_BadOutput.selector);
        game.open(claimId, 0, tx_, new bytes32[](0), bytes.concat(OUT, "!"));
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_BadOutput.selector);
        game.open(claimId, 0, tx_, new bytes32[](0), new bytes(16_385));
        tx_[303] = bytes1(uint8(tx_[303]) + 1);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_BadTx.selector, 0));
        game.open(claimId, 0, tx_, new bytes32[](0), output);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_ClaimNotPending.selector, 9));
        game.open(9, 0, tx_, new bytes32[](0), output);
        vm.stopPrank();
    }
}
