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
import {EntryProof, IndexCommitment, SaLeaf, SuffixOpening} from "src/evidence/SuffixIndex.sol";

/// @notice Exposes every one-step check as an external call with calldata proofs (as a game would pass them), so
///         tests can expect reverts by selector and the gas bench measures real calldata.
contract SuffixChecksHarness {
    function occurs(IndexCommitment calldata _c, bytes calldata _pattern, SuffixOpening calldata _o) external pure {
        SuffixChecks.verifyOccurs(_c, _pattern, _o);
    }

    function range(IndexCommitment calldata _c, bytes calldata _pattern, uint64 _lo, uint64 _hi, RangeProof calldata _p)
        external
        pure
    {
        SuffixChecks.verifyRange(_c, _pattern, _lo, _hi, _p);
    }

    function rangeLow(
        IndexCommitment calldata _c,
        bytes calldata _pattern,
        uint64 _lo,
        SuffixOpening calldata _below,
        SuffixOpening calldata _first
    ) external pure {
        SuffixChecks.verifyRangeLow(_c, _pattern, _lo, _below, _first);
    }

    function rangeHigh(
        IndexCommitment calldata _c,
        bytes calldata _pattern,
        uint64 _hi,
        SuffixOpening calldata _last,
        SuffixOpening calldata _above
    ) external pure {
        SuffixChecks.verifyRangeHigh(_c, _pattern, _hi, _last, _above);
    }

    function absent(IndexCommitment calldata _c, bytes calldata _pattern, AbsenceProof calldata _p) external pure {
        SuffixChecks.verifyAbsent(_c, _pattern, _p);
    }

    function maximal(
        IndexCommitment calldata _c,
        bytes calldata _output,
        uint256 _start,
        uint256 _end,
        AbsenceProof calldata _left,
        AbsenceProof calldata _right
    ) external pure {
        SuffixChecks.verifyMaximal(_c, _output, _start, _end, _left, _right);
    }

    function creditedSet(
        IndexCommitment calldata _c,
        uint64 _lo,
        uint64 _hi,
        Occurrence[] calldata _occurrences,
        uint64[] calldata _ids
    ) external pure {
        SuffixChecks.verifyCreditedSet(_c, _lo, _hi, _occurrences, _ids);
    }

    function parameterViolation(IndexCommitment calldata _c, uint256 _maxEntries) external pure {
        SuffixChecks.verifyParameterViolation(_c, _maxEntries);
    }

    function permutationViolation(
        IndexCommitment calldata _c,
        SaLeaf calldata _sa,
        uint64 _isaRank,
        bytes32[] calldata _isaProof
    ) external pure {
        SuffixChecks.verifyPermutationViolation(_c, _sa, _isaRank, _isaProof);
    }

    function adjacentOrdered(
        IndexCommitment calldata _c,
        SuffixOpening calldata _first,
        SuffixOpening calldata _second,
        IsaProof calldata _next1,
        IsaProof calldata _next2
    ) external pure returns (bool ordered_) {
        ordered_ = SuffixChecks.adjacentOrdered(_c, _first, _second, _next1, _next2);
    }

    function orderViolation(
        IndexCommitment calldata _c,
        SuffixOpening calldata _first,
        SuffixOpening calldata _second,
        IsaProof calldata _next1,
        IsaProof calldata _next2
    ) external pure {
        SuffixChecks.verifyOrderViolation(_c, _first, _second, _next1, _next2);
    }

    function layoutViolation(IndexCommitment calldata _c, EntryProof calldata _a, EntryProof calldata _b)
        external
        pure
    {
        SuffixChecks.verifyLayoutViolation(_c, _a, _b);
    }

    function edgeViolation(IndexCommitment calldata _c, EntryProof calldata _e) external pure {
        SuffixChecks.verifyEdgeViolation(_c, _e);
    }

    function spanViolation(IndexCommitment calldata _c, EvidenceSpan calldata _s, uint256 _outputLength) external pure {
        SuffixChecks.verifySpanViolation(_c, _s, _outputLength);
    }

    function entriesOrderViolation(EvidenceSpan calldata _a, EvidenceSpan calldata _b) external pure {
        SuffixChecks.verifyOrderOfEntriesViolation(_a, _b);
    }

    function wonByteViolation(EvidenceSpan calldata _j, EvidenceSpan calldata _k, uint256 _p) external pure {
        SuffixChecks.verifyWonByteViolation(_j, _k, _p);
    }

    function uncoveredViolation(
        bool _hasA,
        EvidenceSpan calldata _a,
        bool _hasB,
        EvidenceSpan calldata _b,
        EvidenceSpan calldata _k,
        uint256 _p
    ) external pure {
        SuffixChecks.verifyUncoveredViolation(_hasA, _a, _hasB, _b, _k, _p);
    }

    function omission(IndexCommitment calldata _c, bytes calldata _output, OmissionProof calldata _p) external pure {
        SuffixChecks.verifyOmission(_c, _output, _p);
    }

    function rankedWeights(uint64[] calldata _ids, uint256[] calldata _scores, uint256 _maxEntries)
        external
        pure
        returns (uint64[] memory ids_, uint32[] memory weights_)
    {
        (ids_, weights_) = SuffixChecks.rankedWeights(_ids, _scores, _maxEntries);
    }

    function rankingViolation(
        uint64[] calldata _ids,
        uint256[] calldata _scores,
        uint256 _maxEntries,
        uint64 _id,
        uint256 _score
    ) external pure {
        SuffixChecks.verifyRankingViolation(_ids, _scores, _maxEntries, _id, _score);
    }
}
