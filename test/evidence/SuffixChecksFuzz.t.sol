// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";

/// @notice Random small corpora over a 3-letter alphabet with 0x00 (low entropy: many repeats, ties and suffixes
///         that end inside other suffixes), checked against the brute-force index of `EvidenceBaseTest`.
contract SuffixChecks_Fuzz_Test is EvidenceBaseTest {
    bytes internal constant ALPHABET = hex"006162";

    function _randomCorpus(uint256 _seed) internal {
        uint256 count = 1 + _seed % 3;
        bytes[] memory cs = new bytes[](count);
        uint64[] memory is_ = new uint64[](count);
        for (uint256 k = 0; k < count; k++) {
            uint256 length = 1 + uint256(keccak256(abi.encode(_seed, k))) % 7;
            cs[k] = new bytes(length);
            for (uint256 t = 0; t < length; t++) {
                cs[k][t] = ALPHABET[uint256(keccak256(abi.encode(_seed, k, t))) % 3];
            }
            is_[k] = uint64(2 * k + 1 + _seed % 5);
        }
        _build(cs, is_, true);
    }

    function _randomPattern(uint256 _seed) internal view returns (bytes memory pattern_) {
        uint256 r = uint256(keccak256(abi.encode("pattern", _seed)));
        if (r % 2 == 0) {
            // A substring of the corpus (it occurs), possibly with one byte more (it may not).
            uint64 g = uint64((r >> 8) % sa.length);
            bytes memory s = _suffixBytes(g);
            uint256 length = 1 + (r >> 16) % s.length;
            pattern_ = _slice(s, 0, length);
            if ((r >> 24) % 2 == 0) pattern_ = bytes.concat(pattern_, ALPHABET[(r >> 32) % 3]);
        } else {
            uint256 length = 1 + (r >> 8) % 3;
            pattern_ = new bytes(length);
            for (uint256 t = 0; t < length; t++) {
                pattern_[t] = ALPHABET[(r >> (16 + 8 * t)) % 3];
            }
        }
    }

    /// forge-config: ci.fuzz.runs = 300
    function testFuzz_range_honestAccepted_truncatedRejected(uint256 _seed) public {
        _randomCorpus(_seed);
        bytes memory pattern = _randomPattern(_seed);
        (uint64 lo, uint64 hi) = _rangeOf(pattern);
        if (lo == hi) {
            h.absent(c, pattern, _absenceProof(lo));
            // No rank is an occurrence.
            uint64 r = uint64(_seed % sa.length);
            vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_NotPrefix.selector, r));
            h.occurs(c, pattern, _fullOpening(r));
            return;
        }
        h.range(c, pattern, lo, hi, _rangeProof(lo, hi));
        // A span occurring more than maxOccurrences times credits no one (docs/evidence-game.md §2).
        h.creditedSet(
            c, lo, hi, _occurrences(lo, hi), hi - lo > c.maxOccurrences ? new uint64[](0) : _distinctIds(lo, hi)
        );
        if (hi - lo >= 2) {
            vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BoundaryMatches.selector, lo));
            h.range(c, pattern, lo + 1, hi, _rangeProof(lo + 1, hi));
            vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_BoundaryMatches.selector, hi - 1));
            h.range(c, pattern, lo, hi - 1, _rangeProof(lo, hi - 1));
        }
        if (hi < sa.length) {
            vm.expectRevert(abi.encodeWithSelector(SuffixChecks.SuffixChecks_NotPrefix.selector, hi));
            h.range(c, pattern, lo, hi + 1, _rangeProof(lo, hi + 1));
        }
        // A pattern that occurs cannot be shown absent at any insertion point around its range.
        vm.expectRevert();
        h.absent(c, pattern, _absenceProof(lo));
    }

    /// @dev Every adjacent pair of the true suffix array passes the local order check; swapping any pair makes
    ///      that pair fail it (Burkhardt–Kärkkäinen, with the ISA recomputed for the swapped array).
    /// forge-config: ci.fuzz.runs = 200
    function testFuzz_order_honestPasses_swapFails(uint256 _seed) public {
        _randomCorpus(_seed);
        uint64 n = uint64(sa.length);
        if (n < 2) return;
        uint64 i = uint64(_seed % (n - 1));
        assertTrue(_ordered(i), "honest pair");
        (sa[i], sa[i + 1]) = (sa[i + 1], sa[i]);
        _commit(n);
        assertFalse(_ordered(i), "swapped pair");
        h.orderViolation(c, _opening(i, 1), _opening(i + 1, 1), _isaAfter(sa[i]), _isaAfter(sa[i + 1]));
    }

    function _ordered(uint64 _i) internal view returns (bool ordered_) {
        ordered_ = h.adjacentOrdered(c, _opening(_i, 1), _opening(_i + 1, 1), _isaAfter(sa[_i]), _isaAfter(sa[_i + 1]));
    }
}
