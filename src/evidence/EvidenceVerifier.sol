// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AbsenceProof, Occurrence, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {IndexCommitment, SuffixOpening} from "src/evidence/SuffixIndex.sol";

/// @title EvidenceVerifier
/// @notice The suffix openings of the evidence game's one-step checks (`SuffixChecks`) as a stateless contract,
///         so that `EvidenceGame` stays under the 24 KiB code limit (EIP-170). Each function returns normally
///         exactly when its statement is proved and reverts with the `SuffixChecks` / `SuffixIndex` error otherwise.
///         Created by `EvidenceGame`'s constructor.
contract EvidenceVerifier {
    /// @notice `SuffixChecks.verifyOccurs`.
    function verifyOccurs(IndexCommitment calldata _c, bytes calldata _pattern, SuffixOpening calldata _o)
        external
        pure
    {
        SuffixChecks.verifyOccurs(_c, _pattern, _o);
    }

    /// @notice `SuffixChecks.verifyRangeLow`.
    function verifyRangeLow(
        IndexCommitment calldata _c,
        bytes calldata _pattern,
        uint64 _lo,
        SuffixOpening calldata _below,
        SuffixOpening calldata _first
    ) external pure {
        SuffixChecks.verifyRangeLow(_c, _pattern, _lo, _below, _first);
    }

    /// @notice `SuffixChecks.verifyRangeHigh`.
    function verifyRangeHigh(
        IndexCommitment calldata _c,
        bytes calldata _pattern,
        uint64 _hi,
        SuffixOpening calldata _last,
        SuffixOpening calldata _above
    ) external pure {
        SuffixChecks.verifyRangeHigh(_c, _pattern, _hi, _last, _above);
    }

    /// @notice `SuffixChecks.verifyAbsent`.
    function verifyAbsent(IndexCommitment calldata _c, bytes calldata _pattern, AbsenceProof calldata _p)
        external
        pure
    {
        SuffixChecks.verifyAbsent(_c, _pattern, _p);
    }

    /// @notice `SuffixChecks.verifyCreditedSet`.
    function verifyCreditedSet(
        IndexCommitment calldata _c,
        uint64 _lo,
        uint64 _hi,
        Occurrence[] calldata _occurrences,
        uint64[] calldata _ids
    ) external pure {
        SuffixChecks.verifyCreditedSet(_c, _lo, _hi, _occurrences, _ids);
    }
}
