// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EVIDENCE_NO_ENTRY, EvidenceGameBase} from "src/evidence/EvidenceGameBase.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {AbsenceProof, EvidenceSpan, Occurrence} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixIndex, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @title EvidenceDefenses
/// @notice The defender's answers to the claimant-burden accusations of the evidence game (docs/evidence-game.md
///         §3.3), each one step. `EvidenceGame` reaches them by delegatecall (like `EvidenceViolations`), so they
///         run on the game's storage; called directly, no dispute exists and every call reverts.
contract EvidenceDefenses is EvidenceGameBase {
    /// @dev Same parameters as the game's (see EvidenceGameBase).
    constructor(
        IERC20 _token,
        IAttributionLedger _ledger,
        IModelRegistry _models,
        EvidenceVerifier _verifier,
        uint64 _maxClockDuration,
        uint64 _clockExtension,
        uint96 _challengeBond,
        uint16 _burnBps
    )
        EvidenceGameBase(
            _token, _ledger, _models, _verifier, _maxClockDuration, _clockExtension, _challengeBond, _burnBps
        )
    {}

    /// @notice See `IEvidenceGame`.
    function defendRange(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        EntryOpening calldata _e,
        ChunkRun calldata _out,
        SuffixOpening calldata _a,
        SuffixOpening calldata _b
    ) external {
        Dispute storage d = _defenderMove(_disputeId, _c, _e);
        Accusation accusation = d.pending;
        EvidenceSpan calldata s = _e.entry.span;
        bytes memory pattern = _outputSlice(d, _out, s.start, s.end);
        if (accusation == Accusation.RangeLow) {
            VERIFIER.verifyRangeLow(_c, pattern, s.lo, _a, _b);
        } else if (accusation == Accusation.RangeHigh) {
            VERIFIER.verifyRangeHigh(_c, pattern, s.hi, _a, _b);
        } else {
            revert EvidenceGame_WrongMove(_disputeId);
        }
        _answered(_disputeId, d);
    }

    /// @notice See `IEvidenceGame`.
    function defendMaximal(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        EntryOpening calldata _e,
        ChunkRun calldata _out,
        AbsenceProof calldata _p
    ) external {
        Dispute storage d = _defenderMove(_disputeId, _c, _e);
        Accusation accusation = d.pending;
        EvidenceSpan calldata s = _e.entry.span;
        if (accusation == Accusation.MaximalLeft) {
            if (s.start != 0) VERIFIER.verifyAbsent(_c, _outputSlice(d, _out, s.start - 1, s.end), _p);
        } else if (accusation == Accusation.MaximalRight) {
            if (s.end != d.outputLength) VERIFIER.verifyAbsent(_c, _outputSlice(d, _out, s.start, s.end + 1), _p);
        } else {
            revert EvidenceGame_WrongMove(_disputeId);
        }
        _answered(_disputeId, d);
    }

    /// @notice See `IEvidenceGame`.
    function defendCreditedSet(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        EntryOpening calldata _e,
        Occurrence[] calldata _occurrences
    ) external {
        Dispute storage d = _defenderMove(_disputeId, _c, _e);
        if (d.pending != Accusation.CreditedSet) revert EvidenceGame_WrongMove(_disputeId);
        Credit[] calldata credits = _e.entry.credits;
        if (credits.length > SuffixIndex.OCCURRENCE_CAP) revert EvidenceGame_NoViolation();
        uint64[] memory ids = new uint64[](credits.length);
        for (uint256 i = 0; i < credits.length; i++) {
            ids[i] = credits[i].id;
        }
        VERIFIER.verifyCreditedSet(_c, _e.entry.span.lo, _e.entry.span.hi, _occurrences, ids);
        _answered(_disputeId, d);
    }

    /// @notice See `IEvidenceGame`.
    function defendRankedScore(
        uint256 _disputeId,
        uint64[] calldata _ids,
        uint256[] calldata _scores,
        EntryOpening calldata _e
    ) external {
        Dispute storage d = _disputes[_disputeId];
        _checkDefender(_disputeId, d);
        if (d.pending != Accusation.RankedScore) revert EvidenceGame_WrongMove(_disputeId);
        _checkRanking(d, _ids, _scores);
        _checkEntry(d, _e);
        uint256 i = d.accusedIndex;
        (bool found, uint256 slot) = _slotOf(_e.entry.credits, _ids[i]);
        if (!found) revert EvidenceGame_NoViolation();
        Credit calldata c = _e.entry.credits[slot];
        if (c.next != EVIDENCE_NO_ENTRY || c.runningScore != _scores[i]) revert EvidenceGame_NoViolation();
        _answered(_disputeId, d);
    }
}
