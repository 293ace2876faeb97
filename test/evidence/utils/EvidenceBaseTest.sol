// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {AbsenceProof, EvidenceSpan, IsaProof, Occurrence, RangeProof} from "src/evidence/SuffixChecks.sol";
import {
    ChunkRun,
    CorpusEntry,
    EntryProof,
    IndexCommitment,
    SaLeaf,
    SuffixIndex,
    SuffixOpening
} from "src/evidence/SuffixIndex.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {SuffixChecksHarness} from "test/evidence/utils/SuffixChecksHarness.sol";

/// @title EvidenceBaseTest
/// @notice Builds small suffix indexes in the test (brute force: the suffix array by comparing whole suffixes
///         byte by byte, the trees level by level) and every proof the one-step checks take. Nothing here uses
///         the comparison or the local order rule of `SuffixIndex` / `SuffixChecks`: only the leaf encodings.
abstract contract EvidenceBaseTest is Test {
    SuffixChecksHarness internal h;

    bytes[] internal contents;
    uint64[] internal ids;
    uint64[] internal starts;
    uint64[] internal sa;
    uint64[] internal isa;
    bytes32[] internal corpusLeaves;
    bytes32[] internal saLeaves;
    bytes32[] internal isaLeaves;
    IndexCommitment internal c;

    function setUp() public virtual {
        h = new SuffixChecksHarness();
    }

    /* BUILDING */

    /// @dev Builds the index of `_contents` under `_ids` (ascending). `_sorted = false` keeps SA the identity.
    function _build(bytes[] memory _contents, uint64[] memory _ids, bool _sorted) internal {
        delete contents;
        delete ids;
        delete starts;
        delete sa;
        delete isa;
        uint64 n;
        for (uint256 k = 0; k < _contents.length; k++) {
            contents.push(_contents[k]);
            ids.push(_ids[k]);
            starts.push(n);
            n += uint64(_contents[k].length);
        }
        for (uint64 g = 0; g < n; g++) {
            sa.push(g);
        }
        if (_sorted) _sortSuffixes();
        _commit(n);
    }

    /// @dev Recomputes ISA from SA and every tree and the commitment (after editing `sa` by hand too).
    function _commit(uint64 _n) internal {
        delete isa;
        for (uint64 g = 0; g < _n; g++) {
            isa.push(0);
        }
        for (uint64 r = 0; r < _n; r++) {
            if (sa[r] < _n) isa[sa[r]] = r;
        }
        _commitTrees(_n);
    }

    /// @dev Rebuilds the trees and commitment from `contents`, `ids`, `starts`, `sa`, `isa` as they are.
    function _commitTrees(uint64 _n) internal {
        delete corpusLeaves;
        delete saLeaves;
        delete isaLeaves;
        for (uint256 k = 0; k < contents.length; k++) {
            corpusLeaves.push(SuffixIndex.corpusLeaf(_entry(k)));
        }
        for (uint64 r = 0; r < _n; r++) {
            saLeaves.push(SuffixIndex.saLeaf(r, sa[r]));
            isaLeaves.push(SuffixIndex.isaLeaf(r, isa[r]));
        }
        c = IndexCommitment({
            version: 1,
            snapshotTime: 1_700_000_000,
            entryCount: uint64(contents.length),
            totalBytes: _n,
            corpusRoot: _root(corpusLeaves),
            saRoot: _root(saLeaves),
            isaRoot: _root(isaLeaves),
            minMatch: 4,
            maxOccurrences: 8,
            maxEntries: 8
        });
    }

    function _entry(uint256 _k) internal view returns (CorpusEntry memory e_) {
        e_ = CorpusEntry({
            index: uint64(_k),
            contributionId: ids[_k],
            start: starts[_k],
            length: uint64(contents[_k].length),
            contentRoot: ContentMerkle.computeRoot(contents[_k])
        });
    }

    /// @dev Insertion sort of positions by their whole suffixes (brute force), ties by position.
    function _sortSuffixes() private {
        uint256 n = sa.length;
        for (uint256 i = 1; i < n; i++) {
            uint64 g = sa[i];
            uint256 j = i;
            while (j > 0 && _suffixLess(g, sa[j - 1])) {
                sa[j] = sa[j - 1];
                j--;
            }
            sa[j] = g;
        }
    }

    /// @dev Whether suffix `_a` sorts before suffix `_b`: bytes, a suffix that ends first is smaller, then position.
    function _suffixLess(uint64 _a, uint64 _b) internal view returns (bool less_) {
        bytes memory sa_ = _suffixBytes(_a);
        bytes memory sb = _suffixBytes(_b);
        for (uint256 t = 0; t < sa_.length && t < sb.length; t++) {
            if (sa_[t] != sb[t]) return uint8(sa_[t]) < uint8(sb[t]);
        }
        if (sa_.length != sb.length) return sa_.length < sb.length;
        return _a < _b;
    }

    /// @dev The bytes of the suffix at `_g` (to its contribution's end).
    function _suffixBytes(uint64 _g) internal view returns (bytes memory s_) {
        uint256 k = _entryOf(_g);
        bytes memory content = contents[k];
        uint256 offset = _g - starts[k];
        s_ = new bytes(content.length - offset);
        for (uint256 t = 0; t < s_.length; t++) {
            s_[t] = content[offset + t];
        }
    }

    function _entryOf(uint64 _g) internal view returns (uint256 k_) {
        k_ = starts.length - 1;
        while (starts[k_] > _g) k_--;
    }

    /* TREES */

    function _root(bytes32[] memory _leaves) internal pure returns (bytes32 root_) {
        bytes32[] memory row = _padded(_leaves);
        uint256 width = row.length;
        while (width > 1) {
            width /= 2;
            for (uint256 i = 0; i < width; i++) {
                row[i] = ContentMerkle.nodeHash(row[2 * i], row[2 * i + 1]);
            }
        }
        root_ = row[0];
    }

    function _proof(bytes32[] memory _leaves, uint256 _index) internal pure returns (bytes32[] memory proof_) {
        bytes32[] memory row = _padded(_leaves);
        uint256 depth = SuffixIndex.depth(_leaves.length);
        proof_ = new bytes32[](depth);
        uint256 width = row.length;
        uint256 position = _index;
        for (uint256 level = 0; level < depth; level++) {
            proof_[level] = row[position ^ 1];
            width /= 2;
            for (uint256 i = 0; i < width; i++) {
                row[i] = ContentMerkle.nodeHash(row[2 * i], row[2 * i + 1]);
            }
            position >>= 1;
        }
    }

    function _padded(bytes32[] memory _leaves) private pure returns (bytes32[] memory row_) {
        uint256 width = uint256(1) << SuffixIndex.depth(_leaves.length);
        row_ = new bytes32[](width);
        for (uint256 i = 0; i < _leaves.length; i++) {
            row_[i] = _leaves[i];
        }
    }

    /* PROOFS */

    function _saLeaf(uint64 _rank) internal view returns (SaLeaf memory leaf_) {
        leaf_ = SaLeaf({rank: _rank, position: sa[_rank], proof: _proof(saLeaves, _rank)});
    }

    function _entryProof(uint256 _k) internal view returns (EntryProof memory e_) {
        e_ = EntryProof({entry: _entry(_k), proof: _proof(corpusLeaves, _k)});
    }

    /// @dev Chunks `_first … _last` of contribution `_k` with their content-root proofs.
    function _chunks(uint256 _k, uint256 _first, uint256 _last) internal view returns (ChunkRun memory run_) {
        bytes memory content = contents[_k];
        uint256 count = ContentMerkle.chunkCount(content.length);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            leaves[i] = ContentMerkle.leafHash(_chunk(content, i));
        }
        run_.first = uint64(_first);
        run_.chunks = new bytes[](_last - _first + 1);
        run_.proofs = new bytes32[][](_last - _first + 1);
        for (uint256 i = _first; i <= _last; i++) {
            run_.chunks[i - _first] = _chunk(content, i);
            run_.proofs[i - _first] = _proof(leaves, i);
        }
    }

    function _chunk(bytes memory _content, uint256 _i) internal pure returns (bytes memory chunk_) {
        uint256 start = _i * ContentMerkle.CHUNK_SIZE;
        uint256 end = start + ContentMerkle.CHUNK_SIZE;
        if (end > _content.length) end = _content.length;
        chunk_ = new bytes(end - start);
        for (uint256 j = 0; j < chunk_.length; j++) {
            chunk_[j] = _content[start + j];
        }
    }

    /// @dev The opening of rank `_rank` with enough chunks for `_needed` bytes of its suffix (at least one).
    function _opening(uint64 _rank, uint256 _needed) internal view returns (SuffixOpening memory o_) {
        uint64 g = sa[_rank];
        uint256 k = _entryOf(g);
        uint256 offset = g - starts[k];
        uint256 end = offset + (_needed == 0 ? 1 : _needed);
        if (end > contents[k].length) end = contents[k].length;
        o_.sa = _saLeaf(_rank);
        o_.entry = _entryProof(k);
        o_.run = _chunks(k, offset / ContentMerkle.CHUNK_SIZE, (end - 1) / ContentMerkle.CHUNK_SIZE);
    }

    /// @dev A full opening (the whole rest of the contribution): enough for any comparison.
    function _fullOpening(uint64 _rank) internal view returns (SuffixOpening memory o_) {
        o_ = _opening(_rank, type(uint32).max);
    }

    /* BRUTE-FORCE QUERIES */

    function _startsWith(uint64 _g, bytes memory _pattern) internal view returns (bool yes_) {
        bytes memory s = _suffixBytes(_g);
        if (s.length < _pattern.length) return false;
        for (uint256 t = 0; t < _pattern.length; t++) {
            if (s[t] != _pattern[t]) return false;
        }
        yes_ = true;
    }

    /// @dev The SA range of `_pattern` by scanning every rank; for an absent pattern lo = hi = its insertion point.
    function _rangeOf(bytes memory _pattern) internal view returns (uint64 lo_, uint64 hi_) {
        uint64 n = uint64(sa.length);
        lo_ = n;
        for (uint64 r = 0; r < n; r++) {
            if (_startsWith(sa[r], _pattern)) {
                if (lo_ == n) lo_ = r;
                hi_ = r + 1;
            }
        }
        if (lo_ == n) {
            // Insertion point: the number of suffixes below the pattern.
            lo_ = 0;
            for (uint64 r = 0; r < n; r++) {
                if (_bytesLess(_suffixBytes(sa[r]), _pattern)) lo_ = r + 1;
            }
            hi_ = lo_;
        }
    }

    function _bytesLess(bytes memory _a, bytes memory _b) internal pure returns (bool less_) {
        for (uint256 t = 0; t < _a.length && t < _b.length; t++) {
            if (_a[t] != _b[t]) return uint8(_a[t]) < uint8(_b[t]);
        }
        less_ = _a.length < _b.length;
    }

    function _rangeProof(uint64 _lo, uint64 _hi) internal view returns (RangeProof memory p_) {
        p_.first = _fullOpening(_lo);
        p_.last = _fullOpening(_hi - 1);
        if (_lo > 0) p_.below = _fullOpening(_lo - 1);
        if (_hi < sa.length) p_.above = _fullOpening(_hi);
    }

    /// @dev The absence proof of a pattern whose insertion point is `_at`.
    function _absenceProof(uint64 _at) internal view returns (AbsenceProof memory p_) {
        if (_at > 0) {
            p_.hasBelow = true;
            p_.below = _fullOpening(_at - 1);
        }
        if (_at < sa.length) {
            p_.hasAbove = true;
            p_.above = _fullOpening(_at);
        }
    }

    /// @dev ISA[_g + 1] with its proof (empty when _g is the last position).
    function _isaAfter(uint64 _g) internal view returns (IsaProof memory p_) {
        if (_g + 1 < sa.length) p_ = IsaProof(isa[_g + 1], _proof(isaLeaves, _g + 1));
    }

    function _occurrences(uint64 _lo, uint64 _hi) internal view returns (Occurrence[] memory occ_) {
        occ_ = new Occurrence[](_hi - _lo);
        for (uint64 r = _lo; r < _hi; r++) {
            occ_[r - _lo] = Occurrence({sa: _saLeaf(r), entry: _entryProof(_entryOf(sa[r]))});
        }
    }

    /// @dev The distinct contribution ids of ranks [_lo, _hi), ascending (brute force).
    function _distinctIds(uint64 _lo, uint64 _hi) internal view returns (uint64[] memory ids_) {
        bool[] memory seen = new bool[](ids.length);
        uint256 count;
        for (uint64 r = _lo; r < _hi; r++) {
            uint256 k = _entryOf(sa[r]);
            if (!seen[k]) {
                seen[k] = true;
                count++;
            }
        }
        ids_ = new uint64[](count);
        uint256 j;
        for (uint256 k = 0; k < ids.length; k++) {
            if (seen[k]) ids_[j++] = ids[k];
        }
    }

    /// @dev Whether `_pattern` occurs anywhere (brute force over every contribution).
    function _occursAnywhere(bytes memory _pattern) internal view returns (bool yes_) {
        for (uint64 g = 0; g < sa.length; g++) {
            if (_startsWith(g, _pattern)) return true;
        }
    }

    function _slice(bytes memory _b, uint256 _from, uint256 _to) internal pure returns (bytes memory s_) {
        s_ = new bytes(_to - _from);
        for (uint256 i = _from; i < _to; i++) {
            s_[i - _from] = _b[i];
        }
    }

    /// @dev The honest evidence spans of `_output` (brute force): every maximal span of ≥ minMatch bytes, its SA
    ///      range, and the interval it wins (each byte to the longest covering span, ties to the earlier start).
    function _honestSpans(bytes memory _output) internal view returns (EvidenceSpan[] memory spans_) {
        uint256 m = _output.length;
        uint256[] memory e = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            uint256 end = i;
            while (end < m && _occursAnywhere(_slice(_output, i, end + 1))) end++;
            e[i] = end;
        }
        EvidenceSpan[] memory all = new EvidenceSpan[](m);
        uint256 count;
        for (uint256 i = 0; i < m; i++) {
            if ((i == 0 || e[i - 1] < e[i]) && e[i] - i >= c.minMatch) {
                (uint64 lo, uint64 hi) = _rangeOf(_slice(_output, i, e[i]));
                all[count++] = EvidenceSpan(uint32(i), uint32(e[i]), 0, 0, lo, hi);
            }
        }
        spans_ = new EvidenceSpan[](count);
        for (uint256 j = 0; j < count; j++) {
            spans_[j] = all[j];
        }
        // Winner of each byte by brute force, then each span's won interval (empty ones placed after the previous).
        int256[] memory winner = new int256[](m);
        for (uint256 p = 0; p < m; p++) {
            winner[p] = -1;
            for (uint256 j = 0; j < count; j++) {
                if (p < spans_[j].start || p >= spans_[j].end) continue;
                if (winner[p] < 0) {
                    winner[p] = int256(j);
                    continue;
                }
                EvidenceSpan memory w = spans_[uint256(winner[p])];
                if (spans_[j].end - spans_[j].start > w.end - w.start) winner[p] = int256(j);
            }
        }
        uint32 previousWonEnd;
        for (uint256 j = 0; j < count; j++) {
            uint32 ws = type(uint32).max;
            uint32 we;
            for (uint256 p = 0; p < m; p++) {
                if (winner[p] == int256(j)) {
                    if (ws == type(uint32).max) ws = uint32(p);
                    we = uint32(p + 1);
                }
            }
            if (ws == type(uint32).max) {
                ws = spans_[j].start > previousWonEnd ? spans_[j].start : previousWonEnd;
                we = ws;
            }
            spans_[j].wonStart = ws;
            spans_[j].wonEnd = we;
            previousWonEnd = we;
        }
    }
}
