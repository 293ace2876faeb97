// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    CorpusEntry,
    EntryProof,
    IndexCommitment,
    Relation,
    SaLeaf,
    Suffix,
    SuffixIndex,
    SuffixOpening
} from "src/evidence/SuffixIndex.sol";

/// @notice One entry of a claimant's evidence for an Attribute (docs/evidence-game.md §3.2), as far as the
///         one-step checks read it: the maximal span `[start, end)` of the output, the output bytes it won
///         `[wonStart, wonEnd)`, and its suffix-array range `[lo, hi)`.
struct EvidenceSpan {
    uint32 start;
    uint32 end;
    uint32 wonStart;
    uint32 wonEnd;
    uint64 lo;
    uint64 hi;
}

/// @notice Proof that the SA range of a pattern is exactly `[lo, hi)`: the suffixes at `lo` and `hi − 1` start
///         with it, the ones at `lo − 1` and `hi` (when in [0, n)) do not.
struct RangeProof {
    SuffixOpening first;
    SuffixOpening last;
    SuffixOpening below;
    SuffixOpening above;
}

/// @notice Proof that a pattern occurs nowhere: its insertion point lies between two adjacent ranks (or before
///         rank 0, or after rank n − 1), and neither neighbour starts with it.
struct AbsenceProof {
    bool hasBelow;
    bool hasAbove;
    SuffixOpening below;
    SuffixOpening above;
}

/// @notice An inverse-suffix-array leaf's value with its proof (its position is implied by the statement).
struct IsaProof {
    uint64 rank;
    bytes32[] proof;
}

/// @notice An SA leaf with its corpus entry, without text: which contribution an occurrence lies in.
struct Occurrence {
    SaLeaf sa;
    EntryProof entry;
}

/// @notice A challenger's witness of an omitted maximal span: `output[a, x)` occurs, is at least `minMatch`
///         long, ends after the listed span before it and starts strictly between two listed starts.
struct OmissionProof {
    bool hasPrev;
    bool hasNext;
    EvidenceSpan prev;
    EvidenceSpan next;
    uint32 a;
    uint32 x;
    SuffixOpening occurrence;
}

/// @title SuffixChecks
/// @notice The one-step checks of the suffix evidence game and of the bogus-index dispute
///         (docs/evidence-game.md §1.4, §3.3, §4). Each `verify…` returns normally exactly when its statement is
///         proved and reverts otherwise, so a game step either proves the burdened side right or leaves its
///         clock running. Nothing here loops over more than one span (≤ 4 KiB compared), 8 occurrences or K.
library SuffixChecks {
    /// @notice lcm(1, …, 8)²: every span's per-contribution credit creditedBytes · D / c² is an exact integer.
    uint256 internal constant SCORE_DENOMINATOR = 705_600;
    /// @notice Σ of an Attribute's weights (docs/protocol.md §4).
    uint256 internal constant WEIGHT_SCALE = 1_000_000;

    /// @notice Thrown when the suffix at `rank` does not start with the pattern.
    error SuffixChecks_NotPrefix(uint256 rank);
    /// @notice Thrown when a suffix just outside a claimed range starts with the pattern (the range is not tight).
    error SuffixChecks_BoundaryMatches(uint256 rank);
    /// @notice Thrown when an opening is at another rank than the one the statement needs.
    error SuffixChecks_WrongRank(uint256 expected, uint256 got);
    /// @notice Thrown when a range or span is empty, reversed or out of bounds.
    error SuffixChecks_BadBounds(uint256 lo, uint256 hi);
    /// @notice Thrown when a neighbour of an insertion point is on the wrong side of the pattern.
    error SuffixChecks_NotBracketed(uint256 rank);
    /// @notice Thrown when the contributions of an SA range differ from the claimed credited set.
    error SuffixChecks_SetMismatch();
    /// @notice Thrown when a claimed violation (of the index or of the evidence) is not one.
    error SuffixChecks_NoViolation();
    /// @notice Thrown when a ranked score list is not sorted by (score descending, id ascending), has a zero
    ///         score, or is longer than K.
    error SuffixChecks_BadRanking(uint256 index);

    /* OCCURRENCES AND RANGES */

    /// @notice The suffix opened at `_o` starts with `_pattern`: the span occurs at that rank.
    function verifyOccurs(IndexCommitment memory _c, bytes memory _pattern, SuffixOpening calldata _o) internal pure {
        Suffix memory s = SuffixIndex.open(_c, _o);
        if (SuffixIndex.compare(s, _pattern) != Relation.Prefix) revert SuffixChecks_NotPrefix(_o.sa.rank);
    }

    /// @notice `[_lo, _hi)` is exactly the SA range of `_pattern`, so it occurs `_hi − _lo` times.
    /// @dev In a sorted array the suffixes starting with a pattern are contiguous: the two ends starting with it
    ///      and the two outside neighbours not starting with it pin the range down. A game checks the two halves
    ///      as separate steps (`verifyRangeLow`, `verifyRangeHigh`) so that a 4 KiB span fits 32 KB of calldata.
    function verifyRange(
        IndexCommitment memory _c,
        bytes memory _pattern,
        uint64 _lo,
        uint64 _hi,
        RangeProof calldata _p
    ) internal pure {
        if (_lo >= _hi || _hi > _c.totalBytes) revert SuffixChecks_BadBounds(_lo, _hi);
        verifyRangeLow(_c, _pattern, _lo, _p.below, _p.first);
        verifyRangeHigh(_c, _pattern, _hi, _p.last, _p.above);
    }

    /// @notice The range of `_pattern` starts at `_lo`: the suffix at `_lo` starts with it, the one at `_lo − 1`
    ///         (if `_lo > 0`; `_below` is ignored otherwise) does not.
    function verifyRangeLow(
        IndexCommitment memory _c,
        bytes memory _pattern,
        uint64 _lo,
        SuffixOpening calldata _below,
        SuffixOpening calldata _first
    ) internal pure {
        _expectRank(_first, _lo);
        verifyOccurs(_c, _pattern, _first);
        if (_lo > 0) {
            _expectRank(_below, _lo - 1);
            if (SuffixIndex.compare(SuffixIndex.open(_c, _below), _pattern) == Relation.Prefix) {
                revert SuffixChecks_BoundaryMatches(_lo - 1);
            }
        }
    }

    /// @notice The range of `_pattern` ends at `_hi`: the suffix at `_hi − 1` starts with it, the one at `_hi`
    ///         (if `_hi < n`; `_above` is ignored otherwise) does not.
    function verifyRangeHigh(
        IndexCommitment memory _c,
        bytes memory _pattern,
        uint64 _hi,
        SuffixOpening calldata _last,
        SuffixOpening calldata _above
    ) internal pure {
        if (_hi == 0 || _hi > _c.totalBytes) revert SuffixChecks_BadBounds(0, _hi);
        _expectRank(_last, _hi - 1);
        verifyOccurs(_c, _pattern, _last);
        if (_hi < _c.totalBytes) {
            _expectRank(_above, _hi);
            if (SuffixIndex.compare(SuffixIndex.open(_c, _above), _pattern) == Relation.Prefix) {
                revert SuffixChecks_BoundaryMatches(_hi);
            }
        }
    }

    /// @notice `_pattern` occurs nowhere in the corpus: its insertion point is bracketed by adjacent suffixes
    ///         below and above it (or by rank 0 / rank n − 1 alone at the ends of the array).
    function verifyAbsent(IndexCommitment memory _c, bytes memory _pattern, AbsenceProof calldata _p) internal pure {
        if (!_p.hasBelow && !_p.hasAbove) revert SuffixChecks_NotBracketed(0);
        if (_p.hasBelow) {
            if (!_p.hasAbove) _expectRank(_p.below, _c.totalBytes - 1);
            if (SuffixIndex.compare(SuffixIndex.open(_c, _p.below), _pattern) != Relation.Less) {
                revert SuffixChecks_NotBracketed(_p.below.sa.rank);
            }
        }
        if (_p.hasAbove) {
            _expectRank(_p.above, _p.hasBelow ? uint256(_p.below.sa.rank) + 1 : 0);
            if (SuffixIndex.compare(SuffixIndex.open(_c, _p.above), _pattern) != Relation.Greater) {
                revert SuffixChecks_NotBracketed(_p.above.sa.rank);
            }
        }
    }

    /// @notice The span `[_start, _end)` of `_output` is maximal: neither one byte to the left nor one byte to
    ///         the right extends it to a pattern that occurs (docs/evidence-game.md §3.3).
    function verifyMaximal(
        IndexCommitment memory _c,
        bytes calldata _output,
        uint256 _start,
        uint256 _end,
        AbsenceProof calldata _left,
        AbsenceProof calldata _right
    ) internal pure {
        if (_start >= _end || _end > _output.length) revert SuffixChecks_BadBounds(_start, _end);
        if (_start > 0) verifyAbsent(_c, _output[_start - 1:_end], _left);
        if (_end < _output.length) verifyAbsent(_c, _output[_start:_end + 1], _right);
    }

    /// @notice The credited contributions of a span with SA range `[_lo, _hi)` are exactly `_ids` (strictly
    ///         ascending): the distinct contributions of its occurrences, or none when it occurs more than
    ///         `maxOccurrences` times. `_occurrences` are the SA leaves `_lo … _hi − 1` with their entries.
    function verifyCreditedSet(
        IndexCommitment memory _c,
        uint64 _lo,
        uint64 _hi,
        Occurrence[] calldata _occurrences,
        uint64[] memory _ids
    ) internal pure {
        if (_lo >= _hi || _hi > _c.totalBytes) {
            revert SuffixChecks_BadBounds(_lo, _hi);
        }
        if (_hi - _lo > _c.maxOccurrences) {
            if (_ids.length != 0) revert SuffixChecks_SetMismatch();
            return;
        }
        uint256 count = _hi - _lo;
        if (_occurrences.length != count) revert SuffixChecks_SetMismatch();
        uint64[] memory distinct = new uint64[](count);
        uint256 found;
        for (uint256 i = 0; i < count; i++) {
            Occurrence calldata occ = _occurrences[i];
            if (occ.sa.rank != _lo + i) revert SuffixChecks_WrongRank(_lo + i, occ.sa.rank);
            SuffixIndex.checkSaLeaf(_c, occ.sa);
            SuffixIndex.checkEntry(_c, occ.entry);
            SuffixIndex.offsetIn(occ.entry.entry, occ.sa.position);
            found = _insertDistinct(distinct, found, occ.entry.entry.contributionId);
        }
        if (_ids.length != found) revert SuffixChecks_SetMismatch();
        for (uint256 i = 0; i < found; i++) {
            if (_ids[i] != distinct[i]) revert SuffixChecks_SetMismatch();
        }
    }

    /* INDEX VIOLATIONS (the bogus-index dispute) */

    /// @notice A parameter of the commitment is out of range.
    function verifyParameterViolation(IndexCommitment memory _c, uint256 _maxEntries) internal pure {
        if (
            _c.version == SuffixIndex.VERSION && _c.minMatch != 0 && _c.maxOccurrences != 0
                && _c.maxOccurrences <= SuffixIndex.OCCURRENCE_CAP && _c.maxEntries != 0 && _c.maxEntries <= _maxEntries
                && _c.entryCount != 0 && _c.totalBytes != 0
        ) revert SuffixChecks_NoViolation();
    }

    /// @notice The suffix array is not a permutation: `SA[i] ≥ n`, or `ISA[SA[i]] ≠ i` (Burkhardt–Kärkkäinen:
    ///         `ISA[SA[i]] = i` for every i makes SA injective on [0, n), hence a permutation).
    function verifyPermutationViolation(
        IndexCommitment memory _c,
        SaLeaf calldata _sa,
        uint64 _isaRank,
        bytes32[] calldata _isaProof
    ) internal pure {
        if (!SuffixIndex.verifyLeaf(
                _c.saRoot, _c.totalBytes, _sa.rank, SuffixIndex.saLeaf(_sa.rank, _sa.position), _sa.proof
            )) revert SuffixIndex.SuffixIndex_BadSaLeaf(_sa.rank);
        if (_sa.position >= _c.totalBytes) return;
        if (!SuffixIndex.verifyLeaf(
                _c.isaRoot, _c.totalBytes, _sa.position, SuffixIndex.isaLeaf(_sa.position, _isaRank), _isaProof
            )) revert SuffixIndex.SuffixIndex_BadIsaLeaf(_sa.position);
        if (_isaRank == _sa.rank) revert SuffixChecks_NoViolation();
    }

    /// @notice Whether the suffixes at adjacent ranks i, i + 1 are in order, judged locally from their first bytes
    ///         and the ranks of the suffixes one byte later (`_next1` = ISA[g₁ + 1], `_next2` = ISA[g₂ + 1], read
    ///         only when both first bytes tie and neither suffix ends after it).
    function adjacentOrdered(
        IndexCommitment memory _c,
        SuffixOpening calldata _first,
        SuffixOpening calldata _second,
        IsaProof calldata _next1,
        IsaProof calldata _next2
    ) internal pure returns (bool ordered_) {
        _expectRank(_second, uint256(_first.sa.rank) + 1);
        (bool decided, bool ordered, uint256 g1, uint256 g2) = _orderByFirstByte(_c, _first, _second);
        if (decided) return ordered;
        // forge-lint: disable-next-line(unsafe-typecast) positions are below n < 2^64
        SuffixIndex.checkIsaLeaf(_c, uint64(g1 + 1), _next1.rank, _next1.proof);
        // forge-lint: disable-next-line(unsafe-typecast)
        SuffixIndex.checkIsaLeaf(_c, uint64(g2 + 1), _next2.rank, _next2.proof);
        ordered_ = _next1.rank < _next2.rank;
    }

    /// @notice Two adjacent suffixes are out of order: the array is not sorted.
    function verifyOrderViolation(
        IndexCommitment memory _c,
        SuffixOpening calldata _first,
        SuffixOpening calldata _second,
        IsaProof calldata _next1,
        IsaProof calldata _next2
    ) internal pure {
        if (adjacentOrdered(_c, _first, _second, _next1, _next2)) {
            revert SuffixChecks_NoViolation();
        }
    }

    /// @dev The order of two suffixes decided by their first bytes and whether they end after it, if it is.
    function _orderByFirstByte(IndexCommitment memory _c, SuffixOpening calldata _first, SuffixOpening calldata _second)
        private
        pure
        returns (bool decided_, bool ordered_, uint256 g1_, uint256 g2_)
    {
        Suffix memory s1 = SuffixIndex.open(_c, _first);
        Suffix memory s2 = SuffixIndex.open(_c, _second);
        (g1_, g2_) = (s1.position, s2.position);
        uint8 b1 = SuffixIndex.firstByte(s1);
        uint8 b2 = SuffixIndex.firstByte(s2);
        if (b1 != b2) return (true, b1 < b2, g1_, g2_);
        bool ends1 = s1.length == 1;
        bool ends2 = s2.length == 1;
        if (ends1 && ends2) return (true, g1_ < g2_, g1_, g2_);
        if (ends1 || ends2) return (true, ends1, g1_, g2_);
    }

    /// @notice Two adjacent corpus entries are laid out wrongly: a gap or overlap, or ids not strictly ascending.
    function verifyLayoutViolation(IndexCommitment memory _c, EntryProof calldata _a, EntryProof calldata _b)
        internal
        pure
    {
        SuffixIndex.checkEntry(_c, _a);
        SuffixIndex.checkEntry(_c, _b);
        CorpusEntry calldata a = _a.entry;
        CorpusEntry calldata b = _b.entry;
        if (b.index != a.index + 1) revert SuffixChecks_WrongRank(uint256(a.index) + 1, b.index);
        if (uint256(b.start) == uint256(a.start) + a.length && b.contributionId > a.contributionId) {
            revert SuffixChecks_NoViolation();
        }
    }

    /// @notice An entry is wrong on its own: empty, the first not starting at 0, or the last not ending at n.
    function verifyEdgeViolation(IndexCommitment memory _c, EntryProof calldata _e) internal pure {
        SuffixIndex.checkEntry(_c, _e);
        CorpusEntry calldata e = _e.entry;
        bool wrong = e.length == 0 || (e.index == 0 && e.start != 0)
            || (e.index + 1 == _c.entryCount && uint256(e.start) + e.length != _c.totalBytes);
        if (!wrong) revert SuffixChecks_NoViolation();
    }

    /* EVIDENCE VIOLATIONS (challenger witnesses) */

    /// @notice Whether span `_k` beats span `_j` for a byte both cover: longer, or as long and starting earlier.
    function beats(EvidenceSpan memory _k, EvidenceSpan memory _j) internal pure returns (bool beats_) {
        uint256 lenK = _k.end - _k.start;
        uint256 lenJ = _j.end - _j.start;
        beats_ = lenK > lenJ || (lenK == lenJ && _k.start < _j.start);
    }

    /// @notice An entry is malformed on its own: empty or reversed, shorter than minMatch, past the output, a won
    ///         interval outside the span, or an empty SA range.
    function verifySpanViolation(IndexCommitment memory _c, EvidenceSpan memory _s, uint256 _outputLength)
        internal
        pure
    {
        if (!spanMalformed(_c.minMatch, _s, _outputLength)) revert SuffixChecks_NoViolation();
    }

    /// @notice Whether an entry's span is malformed on its own (see `verifySpanViolation`).
    function spanMalformed(uint256 _minMatch, EvidenceSpan memory _s, uint256 _outputLength)
        internal
        pure
        returns (bool wrong_)
    {
        wrong_ = _s.end <= _s.start || _s.end - _s.start < _minMatch || _s.end > _outputLength || _s.wonStart < _s.start
            || _s.wonEnd > _s.end || _s.wonStart > _s.wonEnd || _s.lo >= _s.hi;
    }

    /// @notice Two adjacent entries are out of order: starts and ends must strictly increase and won intervals
    ///         must follow each other.
    function verifyOrderOfEntriesViolation(EvidenceSpan memory _a, EvidenceSpan memory _b) internal pure {
        if (_b.start > _a.start && _b.end > _a.end && _a.wonEnd <= _b.wonStart) revert SuffixChecks_NoViolation();
    }

    /// @notice Byte `_p` is in span `_j`'s won interval but span `_k` covers it and beats `_j`.
    function verifyWonByteViolation(EvidenceSpan memory _j, EvidenceSpan memory _k, uint256 _p) internal pure {
        bool wrong = _p >= _j.wonStart && _p < _j.wonEnd && _p >= _k.start && _p < _k.end && beats(_k, _j);
        if (!wrong) revert SuffixChecks_NoViolation();
    }

    /// @notice Byte `_p` lies between the won intervals of adjacent entries `_a`, `_b` (or before the first /
    ///         after the last) but entry `_k` covers it: someone must have won it.
    function verifyUncoveredViolation(
        bool _hasA,
        EvidenceSpan memory _a,
        bool _hasB,
        EvidenceSpan memory _b,
        EvidenceSpan memory _k,
        uint256 _p
    ) internal pure {
        bool inGap = (!_hasA || _p >= _a.wonEnd) && (!_hasB || _p < _b.wonStart);
        if (!(inGap && _p >= _k.start && _p < _k.end)) revert SuffixChecks_NoViolation();
    }

    /// @notice A maximal span of at least minMatch bytes is missing between two adjacent entries (or before the
    ///         first / after the last): `output[a, x)` occurs, `x − a ≥ minMatch`, `x > end` of the entry
    ///         before and `a` lies strictly between the two listed starts (docs/evidence-game.md §3.3).
    function verifyOmission(IndexCommitment memory _c, bytes calldata _output, OmissionProof calldata _p)
        internal
        pure
    {
        uint256 a = _p.a;
        uint256 x = _p.x;
        bool placed = x <= _output.length && x >= a + _c.minMatch
            && (!_p.hasPrev || (a > _p.prev.start && x > _p.prev.end)) && (!_p.hasNext || a < _p.next.start);
        if (!placed) revert SuffixChecks_NoViolation();
        verifyOccurs(_c, _output[a:x], _p.occurrence);
    }

    /* WEIGHTS */

    /// @notice A credited span's score for each of its `_c` contributions: creditedBytes · D / c².
    function spanCredit(uint256 _creditedBytes, uint256 _contributions) internal pure returns (uint256 credit_) {
        credit_ = _creditedBytes * SCORE_DENOMINATOR / (_contributions * _contributions);
    }

    /// @notice The weights the rule gives a ranked top-K list (sorted by score descending, ties by lower id):
    ///         floor(score · 10⁶ / total), the remainder handed out one unit at a time in rank order, zero
    ///         weights dropped, sorted by contribution id (agents/engines/engine.ts `scoresToWeights`).
    function rankedWeights(uint64[] calldata _ids, uint256[] calldata _scores, uint256 _maxEntries)
        internal
        pure
        returns (uint64[] memory ids_, uint32[] memory weights_)
    {
        uint256 count = _ids.length;
        if (count > _maxEntries || _scores.length != count) revert SuffixChecks_BadRanking(count);
        uint256 total;
        for (uint256 i = 0; i < count; i++) {
            if (_scores[i] == 0) revert SuffixChecks_BadRanking(i);
            if (i > 0 && (_scores[i] > _scores[i - 1] || (_scores[i] == _scores[i - 1] && _ids[i] <= _ids[i - 1]))) {
                revert SuffixChecks_BadRanking(i);
            }
            total += _scores[i];
        }
        uint256[] memory w = new uint256[](count);
        uint256 given;
        for (uint256 i = 0; i < count; i++) {
            w[i] = _scores[i] * WEIGHT_SCALE / total;
            given += w[i];
        }
        // Each floor loses less than one unit, so the remainder is below `count`: one pass in rank order.
        for (uint256 i = 0; given < WEIGHT_SCALE && count > 0; i++) {
            w[i] += 1;
            given += 1;
        }
        uint256 kept;
        for (uint256 i = 0; i < count; i++) {
            if (w[i] != 0) kept++;
        }
        ids_ = new uint64[](kept);
        weights_ = new uint32[](kept);
        uint256 filled;
        for (uint256 i = 0; i < count; i++) {
            if (w[i] == 0) continue;
            // Insertion by id (≤ K entries).
            uint256 j = filled++;
            while (j > 0 && ids_[j - 1] > _ids[i]) {
                ids_[j] = ids_[j - 1];
                weights_[j] = weights_[j - 1];
                j--;
            }
            ids_[j] = _ids[i];
            // forge-lint: disable-next-line(unsafe-typecast) w ≤ WEIGHT_SCALE < 2^32
            weights_[j] = uint32(w[i]);
        }
    }

    /// @notice A credited contribution with final score `_score` belongs in the ranked list and is not in it:
    ///         the list is short of K, or the candidate beats its last entry.
    function verifyRankingViolation(
        uint64[] calldata _ids,
        uint256[] calldata _scores,
        uint256 _maxEntries,
        uint64 _id,
        uint256 _score
    ) internal pure {
        if (_score == 0) revert SuffixChecks_NoViolation();
        uint256 count = _ids.length;
        for (uint256 i = 0; i < count; i++) {
            if (_ids[i] == _id) revert SuffixChecks_NoViolation();
        }
        bool belongs = count < _maxEntries || _score > _scores[count - 1]
            || (_score == _scores[count - 1] && _id < _ids[count - 1]);
        if (!belongs) revert SuffixChecks_NoViolation();
    }

    /* INTERNAL */

    function _expectRank(SuffixOpening calldata _o, uint256 _rank) private pure {
        if (_o.sa.rank != _rank) revert SuffixChecks_WrongRank(_rank, _o.sa.rank);
    }

    /// @dev Inserts `_id` into the sorted prefix `_list[0, _count)` unless present; returns the new count.
    function _insertDistinct(uint64[] memory _list, uint256 _count, uint64 _id) private pure returns (uint256 count_) {
        uint256 j = _count;
        while (j > 0 && _list[j - 1] > _id) j--;
        if (j > 0 && _list[j - 1] == _id) return _count;
        for (uint256 k = _count; k > j; k--) {
            _list[k] = _list[k - 1];
        }
        _list[j] = _id;
        count_ = _count + 1;
    }
}
