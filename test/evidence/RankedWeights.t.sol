// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {SuffixChecksHarness} from "test/evidence/utils/SuffixChecksHarness.sol";

/// @notice The rule's last step against the worked example of docs/suffix-engine.md and a second implementation
///         (largest-first by repeated selection, remainder by a modulo walk, ids sorted by selection).
contract SuffixChecks_RankedWeights_Test is Test {
    SuffixChecksHarness internal h;

    function setUp() public {
        h = new SuffixChecksHarness();
    }

    function test_rankedWeights_docsExample() public view {
        // 60 bytes found only in 7, 30 bytes found in 3 and 9: scores 60·D, 30·D/4, 30·D/4.
        uint64[] memory ids = new uint64[](3);
        uint256[] memory scores = new uint256[](3);
        (ids[0], ids[1], ids[2]) = (7, 3, 9);
        (scores[0], scores[1], scores[2]) =
        (SuffixChecks.spanCredit(60, 1), SuffixChecks.spanCredit(30, 2), SuffixChecks.spanCredit(30, 2));
        (uint64[] memory outIds, uint32[] memory weights) = h.rankedWeights(ids, scores, 8);
        assertEq(outIds.length, 3);
        assertEq(outIds[0], 3);
        assertEq(outIds[1], 7);
        assertEq(outIds[2], 9);
        assertEq(weights[0], 100_000);
        assertEq(weights[1], 800_000);
        assertEq(weights[2], 100_000);
    }

    function test_spanCredit_exactForEveryCount() public pure {
        for (uint256 k = 1; k <= 8; k++) {
            assertEq(SuffixChecks.SCORE_DENOMINATOR % (k * k), 0);
            assertEq(SuffixChecks.spanCredit(7, k) * k * k, 7 * SuffixChecks.SCORE_DENOMINATOR);
        }
    }

    function test_rankedWeights_unsorted_reverts() public {
        uint64[] memory ids = new uint64[](2);
        uint256[] memory scores = new uint256[](2);
        (ids[0], ids[1], scores[0], scores[1]) = (1, 2, 5, 6);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BadRanking.selector, 1));
        h.rankedWeights(ids, scores, 8);
        // Equal scores must be ranked by lower id first.
        (ids[0], ids[1], scores[0], scores[1]) = (2, 1, 5, 5);
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BadRanking.selector, 1));
        h.rankedWeights(ids, scores, 8);
        // More than K.
        vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BadRanking.selector, 2));
        h.rankedWeights(ids, scores, 1);
    }

    function test_rankingViolation() public {
        uint64[] memory ids = new uint64[](2);
        uint256[] memory scores = new uint256[](2);
        (ids[0], ids[1], scores[0], scores[1]) = (4, 2, 9, 5);
        // K = 2: a contribution with score 6 beats the last (5); one with 5 and a lower id too; 5 with id 3 not.
        h.rankingViolation(ids, scores, 2, 8, 6);
        h.rankingViolation(ids, scores, 2, 1, 5);
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.rankingViolation(ids, scores, 2, 3, 5);
        // Already ranked, or nothing to credit.
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.rankingViolation(ids, scores, 3, 4, 100);
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        h.rankingViolation(ids, scores, 3, 7, 0);
        // K = 3: any credited contribution belongs in a list of two.
        h.rankingViolation(ids, scores, 3, 7, 1);
    }

    /// forge-config: ci.fuzz.runs = 2000
    function testFuzz_rankedWeights_matchesModel(uint256 _seed, uint8 _count) public view {
        uint256 count = 1 + uint256(_count) % 8;
        uint64[] memory ids = new uint64[](count);
        uint256[] memory scores = new uint256[](count);
        for (uint256 i = 0; i < count; i++) {
            ids[i] = uint64(1 + i * 3 + uint256(keccak256(abi.encode(_seed, "id", i))) % 3);
            // Small scores collide often (ties by id); large ones exercise the floor.
            uint256 r = uint256(keccak256(abi.encode(_seed, "score", i)));
            scores[i] = r % 2 == 0 ? 1 + (r >> 8) % 4 : 1 + (r >> 8) % 1e30;
        }
        _rank(ids, scores);
        (uint64[] memory outIds, uint32[] memory weights) = h.rankedWeights(ids, scores, 8);
        (uint64[] memory modelIds, uint256[] memory modelWeights) = _model(ids, scores);
        assertEq(outIds.length, modelIds.length);
        uint256 sum;
        for (uint256 i = 0; i < outIds.length; i++) {
            assertEq(outIds[i], modelIds[i]);
            assertEq(weights[i], modelWeights[i]);
            sum += weights[i];
            if (i > 0) assertGt(outIds[i], outIds[i - 1]);
        }
        assertEq(sum, SuffixChecks.WEIGHT_SCALE);
    }

    /// @dev Selection sort into rank order: score descending, id ascending.
    function _rank(uint64[] memory _ids, uint256[] memory _scores) internal pure {
        for (uint256 i = 0; i < _ids.length; i++) {
            uint256 best = i;
            for (uint256 j = i + 1; j < _ids.length; j++) {
                if (_scores[j] > _scores[best] || (_scores[j] == _scores[best] && _ids[j] < _ids[best])) best = j;
            }
            (_ids[i], _ids[best]) = (_ids[best], _ids[i]);
            (_scores[i], _scores[best]) = (_scores[best], _scores[i]);
        }
    }

    /// @dev The rule written again: floors, then the remainder one unit at a time walking the ranks modulo
    ///      their number, drop zeros, then order by id by repeated minimum.
    function _model(uint64[] memory _ids, uint256[] memory _scores)
        internal
        pure
        returns (uint64[] memory ids_, uint256[] memory weights_)
    {
        uint256 n = _ids.length;
        uint256 total;
        for (uint256 i = 0; i < n; i++) {
            total += _scores[i];
        }
        uint256[] memory w = new uint256[](n);
        uint256 remainder = 1_000_000;
        for (uint256 i = 0; i < n; i++) {
            w[i] = _scores[i] * 1_000_000 / total;
            remainder -= w[i];
        }
        for (uint256 i = 0; remainder > 0; i = (i + 1) % n) {
            w[i]++;
            remainder--;
        }
        uint256 kept;
        for (uint256 i = 0; i < n; i++) {
            if (w[i] > 0) kept++;
        }
        ids_ = new uint64[](kept);
        weights_ = new uint256[](kept);
        bool[] memory taken = new bool[](n);
        for (uint256 k = 0; k < kept; k++) {
            uint256 best = type(uint256).max;
            for (uint256 i = 0; i < n; i++) {
                if (taken[i] || w[i] == 0) continue;
                if (best == type(uint256).max || _ids[i] < _ids[best]) best = i;
            }
            taken[best] = true;
            ids_[k] = _ids[best];
            weights_[k] = w[best];
        }
    }
}
