// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    AbsenceProof,
    EvidenceSpan,
    IsaProof,
    Occurrence,
    OmissionProof,
    RangeProof,
    SuffixChecks
} from "src/evidence/SuffixChecks.sol";
import {SuffixIndex, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";

/// @dev A small corpus with repeats across and within contributions, ids not contiguous.
abstract contract SmallCorpusTest is EvidenceBaseTest {
    function setUp() public virtual override {
        super.setUp();
        bytes[] memory cs = new bytes[](3);
        cs[0] = "abracadabra";
        cs[1] = "cadabra abra";
        cs[2] = "abra";
        uint64[] memory is_ = new uint64[](3);
        is_[0] = 3;
        is_[1] = 7;
        is_[2] = 9;
        _build(cs, is_, true);
    }
}

contract SuffixChecks_Occurs_Test is SmallCorpusTest {
    function test_occurs_everyOccurrenceAccepted() public view {
        bytes memory pattern = "abra";
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        assertEq(hi - lo, 5, "abra x2 in 3, x1 in 7, x1 in 9, plus 'abra' at the end of 7");
        for (uint64 r = lo; r < hi; r++) {
            h.occurs(c, pattern, _opening(r, pattern.length));
        }
    }

    function test_occurs_shiftedOffset_reverts() public {
        bytes memory pattern = "cadab";
        (uint64 lo,) = _rangeOf(pattern);
        SuffixOpening memory o = _opening(lo, 32);
        o.sa.position += 1;
        vm.expectRevert(abi.encodeWithSelector(SuffixIndex.SuffixIndex_BadSaLeaf.selector, lo));
        h.occurs(c, pattern, o);
    }

    function test_occurs_otherRank_reverts() public {
        bytes memory pattern = "cadab";
        (, uint64 hi) = _rangeOf(pattern);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_NotPrefix.selector, hi));
        h.occurs(c, pattern, _fullOpening(hi));
    }

    function test_occurs_chunkOfAnotherContribution_reverts() public {
        bytes memory pattern = "cadab";
        (uint64 lo,) = _rangeOf(pattern);
        SuffixOpening memory o = _opening(lo, 32);
        uint256 k = _entryOf(sa[lo]);
        o.run = _chunks((k + 1) % 3, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(SuffixIndex.SuffixIndex_BadChunk.selector, 0));
        h.occurs(c, pattern, o);
    }

    function test_occurs_tamperedByte_reverts() public {
        bytes memory pattern = "cadab";
        (uint64 lo,) = _rangeOf(pattern);
        SuffixOpening memory o = _opening(lo, 32);
        o.run.chunks[0][0] = bytes1(uint8(o.run.chunks[0][0]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(SuffixIndex.SuffixIndex_BadChunk.selector, 0));
        h.occurs(c, pattern, o);
    }

    function test_occurs_editedEntry_reverts() public {
        bytes memory pattern = "cadab";
        (uint64 lo,) = _rangeOf(pattern);
        SuffixOpening memory o = _opening(lo, 32);
        o.entry.entry.start += 1;
        vm.expectRevert(abi.encodeWithSelector(SuffixIndex.SuffixIndex_BadEntry.selector, o.entry.entry.index));
        h.occurs(c, pattern, o);
    }

    function test_occurs_entryOfAnotherContribution_reverts() public {
        bytes memory pattern = "cadab";
        (uint64 lo,) = _rangeOf(pattern);
        SuffixOpening memory o = _opening(lo, 32);
        uint256 other = (_entryOf(sa[lo]) + 1) % 3;
        o.entry = _entryProof(other);
        vm.expectRevert(abi.encodeWithSelector(SuffixIndex.SuffixIndex_PositionOutsideEntry.selector, sa[lo], other));
        h.occurs(c, pattern, o);
    }

    function test_occurs_suffixEndsBeforePattern_reverts() public {
        // "abra" at the very end of contribution 9 cannot be extended across the boundary into nothing.
        bytes memory pattern = "abrax";
        (uint64 lo,) = _rangeOf("abra");
        for (uint64 r = lo; r < lo + 5; r++) {
            vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_NotPrefix.selector, r));
            h.occurs(c, pattern, _fullOpening(r));
        }
    }

    function test_occurs_shortOpening_reverts() public {
        bytes memory pattern = "cadabra";
        (uint64 lo,) = _rangeOf(pattern);
        SuffixOpening memory o = _opening(lo, 7);
        // No chunk at all: the comparison cannot be decided.
        o.run.chunks = new bytes[](0);
        o.run.proofs = new bytes32[][](0);
        vm.expectRevert(abi.encodeWithSelector(SuffixIndex.SuffixIndex_ShortOpening.selector, sa[lo], 1));
        h.occurs(c, pattern, o);
    }
}

contract SuffixChecks_Range_Test is SmallCorpusTest {
    function test_range_honest_accepted() public view {
        bytes[4] memory patterns = [bytes("abra"), bytes("a"), bytes("cadabra"), bytes("bra")];
        for (uint256 i = 0; i < patterns.length; i++) {
            (uint64 lo, uint64 hi) = _rangeOf(patterns[i]);
            h.range(c, patterns[i], lo, hi, _rangeProof(lo, hi));
        }
    }

    function test_range_truncatedTop_reverts() public {
        bytes memory pattern = "abra";
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BoundaryMatches.selector, hi - 1));
        h.range(c, pattern, lo, hi - 1, _rangeProof(lo, hi - 1));
    }

    function test_range_truncatedBottom_reverts() public {
        bytes memory pattern = "abra";
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BoundaryMatches.selector, lo));
        h.range(c, pattern, lo + 1, hi, _rangeProof(lo + 1, hi));
    }

    function test_range_widened_reverts() public {
        bytes memory pattern = "cadabra";
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_NotPrefix.selector, hi));
        h.range(c, pattern, lo, hi + 1, _rangeProof(lo, hi + 1));
    }

    function test_range_boundaryAtOtherRank_reverts() public {
        bytes memory pattern = "cadabra";
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        RangeProof memory p = _rangeProof(lo, hi);
        p.below = _fullOpening(lo - 2);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_WrongRank.selector, lo - 1, lo - 2));
        h.range(c, pattern, lo, hi, p);
    }
}

contract SuffixChecks_Absent_Test is SmallCorpusTest {
    function test_absent_honest_accepted() public view {
        bytes[5] memory patterns = [bytes("abraz"), bytes(" x"), bytes("zzz"), bytes("abracadabrax"), bytes("0")];
        for (uint256 i = 0; i < patterns.length; i++) {
            (uint64 lo, uint64 hi) = _rangeOf(patterns[i]);
            assertEq(lo, hi, "absent");
            h.absent(c, patterns[i], _absenceProof(lo));
        }
    }

    function test_absent_patternThatOccurs_cannotBeBracketed() public {
        bytes memory pattern = "dab";
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        assertGt(hi, lo);
        // Every adjacent pair around the range has a neighbour that starts with the pattern.
        for (uint64 at = lo; at <= hi; at++) {
            vm.expectRevert();
            h.absent(c, pattern, _absenceProof(at));
        }
    }

    function test_absent_nonAdjacentPair_reverts() public {
        bytes memory pattern = "abraz";
        (uint64 at,) = _rangeOf(pattern);
        AbsenceProof memory p = _absenceProof(at);
        p.below = _fullOpening(at - 2);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_WrongRank.selector, at - 1, at));
        h.absent(c, pattern, p);
    }
}

contract SuffixChecks_Maximal_Test is SmallCorpusTest {
    function test_maximal_honestSpans_accepted() public view {
        bytes memory output = "xx cadabra abrax";
        EvidenceSpan[] memory spans = _honestSpans(output);
        assertGt(spans.length, 0);
        for (uint256 j = 0; j < spans.length; j++) {
            uint64 atL;
            uint64 atR;
            if (spans[j].start > 0) (atL,) = _rangeOf(_slice(output, spans[j].start - 1, spans[j].end));
            if (spans[j].end < output.length) (atR,) = _rangeOf(_slice(output, spans[j].start, spans[j].end + 1));
            h.maximal(c, output, spans[j].start, spans[j].end, _absenceProof(atL), _absenceProof(atR));
        }
    }

    function test_maximal_extendableSpan_reverts() public {
        bytes memory output = "xx cadabra abrax";
        // [3, 9) = "cadabr" extends to the right ("cadabra" occurs).
        (uint64 atR,) = _rangeOf(_slice(output, 3, 10));
        (uint64 atL,) = _rangeOf(_slice(output, 2, 9));
        vm.expectRevert();
        h.maximal(c, output, 3, 9, _absenceProof(atL), _absenceProof(atR));
    }
}

contract SuffixChecks_CreditedSet_Test is SmallCorpusTest {
    function test_creditedSet_honest_accepted() public view {
        bytes[3] memory patterns = [bytes("abra"), bytes("cadabra"), bytes("bra ")];
        for (uint256 i = 0; i < patterns.length; i++) {
            (uint64 lo, uint64 hi) = _rangeOf(patterns[i]);
            h.creditedSet(c, lo, hi, _occurrences(lo, hi), _distinctIds(lo, hi));
        }
    }

    function test_creditedSet_skippedOccurrence_reverts() public {
        (uint64 lo, uint64 hi) = _rangeOf("abra");
        Occurrence[] memory all = _occurrences(lo, hi);
        Occurrence[] memory skipped = new Occurrence[](all.length - 1);
        for (uint256 i = 0; i < skipped.length; i++) {
            skipped[i] = all[i];
        }
        vm.expectRevert(SuffixChecks.SuffixChecks_SetMismatch.selector);
        h.creditedSet(c, lo, hi, skipped, _distinctIds(lo, hi));
        // Skipping one in the middle shifts every later rank.
        skipped[1] = all[2];
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_WrongRank.selector, lo + 1, lo + 2));
        h.creditedSet(c, lo, hi - 1, skipped, _distinctIds(lo, hi));
    }

    function test_creditedSet_extraOrMissingId_reverts() public {
        (uint64 lo, uint64 hi) = _rangeOf("cadabra");
        uint64[] memory honest = _distinctIds(lo, hi);
        assertEq(honest.length, 2);
        uint64[] memory extra = new uint64[](3);
        (extra[0], extra[1], extra[2]) = (honest[0], honest[1], 9);
        vm.expectRevert(SuffixChecks.SuffixChecks_SetMismatch.selector);
        h.creditedSet(c, lo, hi, _occurrences(lo, hi), extra);
        uint64[] memory missing = new uint64[](1);
        missing[0] = honest[0];
        vm.expectRevert(SuffixChecks.SuffixChecks_SetMismatch.selector);
        h.creditedSet(c, lo, hi, _occurrences(lo, hi), missing);
    }

    function test_creditedSet_unsortedIds_reverts() public {
        (uint64 lo, uint64 hi) = _rangeOf("cadabra");
        uint64[] memory honest = _distinctIds(lo, hi);
        (honest[0], honest[1]) = (honest[1], honest[0]);
        vm.expectRevert(SuffixChecks.SuffixChecks_SetMismatch.selector);
        h.creditedSet(c, lo, hi, _occurrences(lo, hi), honest);
    }

    function test_creditedSet_tooCommon_creditsNoOne() public {
        (uint64 lo, uint64 hi) = _rangeOf("a");
        assertGt(hi - lo, c.maxOccurrences);
        h.creditedSet(c, lo, hi, new Occurrence[](0), new uint64[](0));
        vm.expectRevert(SuffixChecks.SuffixChecks_SetMismatch.selector);
        h.creditedSet(c, lo, hi, new Occurrence[](0), _distinctIds(lo, lo + 1));
    }

    function test_creditedSet_occurrenceAtWrongRank_reverts() public {
        (uint64 lo, uint64 hi) = _rangeOf("cadabra");
        Occurrence[] memory occ = _occurrences(lo, hi);
        occ[1] = occ[0];
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_WrongRank.selector, lo + 1, lo));
        h.creditedSet(c, lo, hi, occ, _distinctIds(lo, hi));
    }
}

contract SuffixChecks_IndexViolations_Test is SmallCorpusTest {
    function _ordered(uint64 _i) internal view returns (bool ordered_) {
        ordered_ = h.adjacentOrdered(c, _opening(_i, 1), _opening(_i + 1, 1), _isaAfter(sa[_i]), _isaAfter(sa[_i + 1]));
    }

    function test_order_honestArray_everyPairOrdered() public view {
        for (uint64 i = 0; i + 1 < sa.length; i++) {
            assertTrue(_ordered(i), "honest pair");
        }
    }

    function test_order_honestPair_noViolation() public {
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.orderViolation(c, _opening(0, 1), _opening(1, 1), _isaAfter(sa[0]), _isaAfter(sa[1]));
    }

    function test_order_unsortedArray_violationShown() public {
        // Swap every adjacent pair in turn: each swapped array has a violation at the swapped pair.
        uint64 n = uint64(sa.length);
        for (uint64 i = 0; i + 1 < n; i++) {
            (sa[i], sa[i + 1]) = (sa[i + 1], sa[i]);
            _commit(n);
            assertFalse(_ordered(i), "swapped pair");
            (sa[i], sa[i + 1]) = (sa[i + 1], sa[i]);
        }
        _commit(n);
    }

    function test_permutation_duplicatedPosition_violationShown() public {
        uint64 n = uint64(sa.length);
        sa[5] = sa[4];
        _commit(n);
        // ISA[sa[4]] was last written by rank 5: the leaf at rank 4 disagrees.
        h.permutationViolation(c, _saLeaf(4), isa[sa[4]], _proof(isaLeaves, sa[4]));
    }

    function test_permutation_honest_noViolation() public {
        for (uint64 r = 0; r < sa.length; r += 7) {
            vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
            h.permutationViolation(c, _saLeaf(r), isa[sa[r]], _proof(isaLeaves, sa[r]));
        }
    }

    function test_permutation_positionOutOfRange_violationShown() public {
        uint64 n = uint64(sa.length);
        sa[3] = n + 4;
        _commit(n);
        h.permutationViolation(c, _saLeaf(3), 0, new bytes32[](0));
    }

    function test_layout_honest_noViolation() public {
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.layoutViolation(c, _entryProof(0), _entryProof(1));
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.edgeViolation(c, _entryProof(0));
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.edgeViolation(c, _entryProof(2));
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.parameterViolation(c, 8);
    }

    function test_layout_gap_violationShown() public {
        starts[1] += 1;
        _commitTrees(uint64(sa.length));
        h.layoutViolation(c, _entryProof(0), _entryProof(1));
    }

    function test_layout_unsortedIds_violationShown() public {
        ids[2] = 5;
        _commitTrees(uint64(sa.length));
        h.layoutViolation(c, _entryProof(1), _entryProof(2));
    }

    function test_edge_lastEntryShort_violationShown() public {
        c.totalBytes += 1;
        h.edgeViolation(c, _entryProof(2));
    }

    function test_parameter_capExceeded_violationShown() public {
        c.maxOccurrences = 9;
        h.parameterViolation(c, 8);
        c.maxOccurrences = 8;
        h.parameterViolation(c, 4);
    }
}

contract SuffixChecks_Evidence_Test is SmallCorpusTest {
    bytes internal constant OUTPUT = "we say cadabra abra and abracadabra, then nothing";

    function test_spans_honest_noViolation() public {
        EvidenceSpan[] memory spans = _honestSpans(OUTPUT);
        assertGe(spans.length, 2);
        for (uint256 j = 0; j < spans.length; j++) {
            vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
            h.spanViolation(c, spans[j], OUTPUT.length);
            if (j + 1 < spans.length) {
                vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                h.entriesOrderViolation(spans[j], spans[j + 1]);
            }
        }
    }

    /// @dev Honest won intervals: no byte and no pair of spans is a witness against them.
    function test_wonBytes_honest_noWitness() public {
        EvidenceSpan[] memory spans = _honestSpans(OUTPUT);
        for (uint256 j = 0; j < spans.length; j++) {
            for (uint256 k = 0; k < spans.length; k++) {
                for (uint256 p = spans[k].start; p < spans[k].end; p++) {
                    vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                    h.wonByteViolation(spans[j], spans[k], p);
                }
            }
        }
    }

    function test_wonBytes_byteGivenToShorterSpan_witnessShown() public view {
        bytes memory output = "abracadabra abra";
        EvidenceSpan[] memory spans = _honestSpans(output);
        // Two overlapping spans: "abracadabra abra"? No: contributions hold "abracadabra" and "cadabra abra".
        assertEq(spans.length, 2);
        EvidenceSpan memory first = spans[0];
        EvidenceSpan memory second = spans[1];
        assertEq(second.end - second.start, 12, "cadabra abra");
        assertEq(first.end - first.start, 11, "abracadabra");
        // The longer second span wins the overlap: the first wins [0, 4) only.
        assertEq(first.wonEnd, second.start);
        // A liar gives the overlap to the first span.
        first.wonEnd = first.end;
        second.wonStart = first.end;
        h.wonByteViolation(first, second, second.start);
    }

    function test_uncovered_byteCoveredButUnwon_witnessShown() public {
        EvidenceSpan[] memory spans = _honestSpans(OUTPUT);
        EvidenceSpan memory honest = spans[0];
        // The liar's first span wins nothing (an empty interval at its end): its bytes are left to no one.
        EvidenceSpan memory liar = EvidenceSpan(honest.start, honest.end, honest.end, honest.end, honest.lo, honest.hi);
        h.uncoveredViolation(false, liar, true, liar, honest, honest.start);
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.uncoveredViolation(false, spans[0], true, spans[0], spans[0], spans[0].start);
    }

    function test_omission_droppedSpan_witnessShown() public view {
        EvidenceSpan[] memory spans = _honestSpans(OUTPUT);
        assertGe(spans.length, 3);
        // The liar lists spans 0 and 2 only; span 1 is the omitted quote.
        EvidenceSpan memory dropped = spans[1];
        (uint64 lo,) = _rangeOf(_slice(OUTPUT, dropped.start, dropped.end));
        h.omission(c, OUTPUT, _omission(true, spans[0], true, spans[2], dropped.start, dropped.end, _fullOpening(lo)));
    }

    /// @dev The design's claim (docs/evidence-game.md §3.3): against the honest list no omission witness exists.
    ///      Brute force over every gap, every start a and every end x.
    function test_omission_honest_noWitnessExists() public view {
        EvidenceSpan[] memory spans = _honestSpans(OUTPUT);
        uint256 m = OUTPUT.length;
        for (uint256 j = 0; j <= spans.length; j++) {
            uint256 from = j == 0 ? 0 : spans[j - 1].start + 1;
            uint256 to = j == spans.length ? m : spans[j].start;
            uint256 prevEnd = j == 0 ? 0 : spans[j - 1].end;
            for (uint256 a = from; a < to; a++) {
                uint256 x = a + c.minMatch > prevEnd + 1 ? a + c.minMatch : prevEnd + 1;
                if (x > m) continue;
                assertFalse(_occursAnywhere(_slice(OUTPUT, a, x)), "a witness against honest evidence");
            }
        }
    }

    function _omission(
        bool _hasPrev,
        EvidenceSpan memory _prev,
        bool _hasNext,
        EvidenceSpan memory _next,
        uint32 _a,
        uint32 _x,
        SuffixOpening memory _o
    ) internal pure returns (OmissionProof memory p_) {
        p_ = OmissionProof(_hasPrev, _hasNext, _prev, _next, _a, _x, _o);
    }
}

