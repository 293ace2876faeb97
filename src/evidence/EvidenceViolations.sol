// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EVIDENCE_NO_ENTRY, EvidenceGameBase} from "src/evidence/EvidenceGameBase.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @title EvidenceViolations
/// @notice The challenger-burden violations of the evidence game (docs/evidence-game.md §3.3, §3.4), each one step
///         that the defender loses at once. `EvidenceGame` reaches these functions by delegatecall (its own
///         functions of the same signatures forward the call), so they run on the game's storage; the module is
///         constructed with the game's parameters. Called directly, it acts on its own empty storage: no dispute
///         exists there, so every call reverts.
contract EvidenceViolations is EvidenceGameBase {
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
    function proveEntryMalformed(uint256 _disputeId, IndexCommitment calldata _c, EntryOpening calldata _e) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkCommitment(d, _c);
        _checkEntry(d, _e);
        if (!_entryMalformed(_c.minMatch, d.outputLength, d.entryCount, _e)) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.EntryMalformed);
    }

    /// @notice See `IEvidenceGame`.
    function proveEntriesOutOfOrder(uint256 _disputeId, EntryOpening calldata _a, EntryOpening calldata _b) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _a);
        _checkEntry(d, _b);
        if (uint256(_b.index) != uint256(_a.index) + 1) revert EvidenceGame_NoViolation();
        SuffixChecks.verifyOrderOfEntriesViolation(_a.entry.span, _b.entry.span);
        _proved(_disputeId, d, Violation.EntriesOutOfOrder);
    }

    /// @notice See `IEvidenceGame`.
    function proveWonByte(uint256 _disputeId, EntryOpening calldata _j, EntryOpening calldata _k, uint32 _p) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _j);
        _checkEntry(d, _k);
        SuffixChecks.verifyWonByteViolation(_j.entry.span, _k.entry.span, _p);
        _proved(_disputeId, d, Violation.WonByte);
    }

    /// @notice See `IEvidenceGame`.
    function proveUncovered(
        uint256 _disputeId,
        bool _hasA,
        EntryOpening calldata _a,
        bool _hasB,
        EntryOpening calldata _b,
        EntryOpening calldata _k,
        uint32 _p
    ) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkNeighbours(d, _hasA, _a, _hasB, _b);
        _checkEntry(d, _k);
        SuffixChecks.verifyUncoveredViolation(_hasA, _a.entry.span, _hasB, _b.entry.span, _k.entry.span, _p);
        _proved(_disputeId, d, Violation.Uncovered);
    }

    /// @notice See `IEvidenceGame`.
    function proveOmission(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        bool _hasPrev,
        EntryOpening calldata _prev,
        bool _hasNext,
        EntryOpening calldata _next,
        uint32 _a,
        uint32 _x,
        ChunkRun calldata _out,
        SuffixOpening calldata _occurrence
    ) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkCommitment(d, _c);
        if (d.entryCount != 0 || _hasPrev || _hasNext) _checkNeighbours(d, _hasPrev, _prev, _hasNext, _next);
        bool placed = uint256(_x) >= uint256(_a) + _c.minMatch
            && (!_hasPrev || (_a > _prev.entry.span.start && _x > _prev.entry.span.end))
            && (!_hasNext || _a < _next.entry.span.start);
        if (!placed) revert EvidenceGame_NoViolation();
        VERIFIER.verifyOccurs(_c, _outputSlice(d, _out, _a, _x), _occurrence);
        _proved(_disputeId, d, Violation.Omission);
    }

    /// @notice See `IEvidenceGame`.
    function proveFirstCredit(uint256 _disputeId, EntryOpening calldata _e, uint8 _slot) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _e);
        Credit[] calldata credits = _e.entry.credits;
        if (_slot >= credits.length || credits[_slot].prev != EVIDENCE_NO_ENTRY) revert EvidenceGame_NoViolation();
        (bool ok, uint256 own) = _entryCredit(_e.entry);
        if (!ok || credits[_slot].runningScore == own) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.FirstCredit);
    }

    /// @notice See `IEvidenceGame`.
    function proveBrokenLink(uint256 _disputeId, EntryOpening calldata _a, EntryOpening calldata _b, uint64 _id)
        external
    {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _a);
        _checkEntry(d, _b);
        if (_linkIntact(_a, _b, _id)) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.BrokenLink);
    }

    /// @notice See `IEvidenceGame`.
    function proveSkippedCredit(uint256 _disputeId, EntryOpening calldata _e, EntryOpening calldata _m, uint64 _id)
        external
    {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _e);
        _checkEntry(d, _m);
        (bool inE, uint256 slot) = _slotOf(_e.entry.credits, _id);
        (bool inM,) = _slotOf(_m.entry.credits, _id);
        if (!inE || !inM) revert EvidenceGame_NoViolation();
        Credit calldata c = _e.entry.credits[slot];
        uint32 m = _m.index;
        bool between =
            m != _e.index && (c.prev == EVIDENCE_NO_ENTRY || m > c.prev) && (c.next == EVIDENCE_NO_ENTRY || m < c.next);
        if (!between) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.SkippedCredit);
    }

    /// @notice See `IEvidenceGame`.
    function proveRankingOmission(
        uint256 _disputeId,
        uint64[] calldata _ids,
        uint256[] calldata _scores,
        EntryOpening calldata _e,
        uint8 _slot
    ) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkRanking(d, _ids, _scores);
        _checkEntry(d, _e);
        Credit[] calldata credits = _e.entry.credits;
        if (_slot >= credits.length || credits[_slot].next != EVIDENCE_NO_ENTRY) revert EvidenceGame_NoViolation();
        SuffixChecks.verifyRankingViolation(_ids, _scores, d.maxEntries, credits[_slot].id, credits[_slot].runningScore);
        _proved(_disputeId, d, Violation.RankingOmission);
    }
}
