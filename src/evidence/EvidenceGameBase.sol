// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceSpan, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixIndex} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {Clock, LibClock, Side} from "src/libraries/GameTypes.sol";

// The largest output a dispute takes, in bytes (16 KiB).
uint256 constant EVIDENCE_MAX_OUTPUT = 16_384;
// The most accusations per dispute.
uint256 constant EVIDENCE_MAX_ACCUSATIONS = 32;
// `prev` / `next` of a credit with no previous / next credit.
uint32 constant EVIDENCE_NO_ENTRY = type(uint32).max;

/// @title EvidenceGameBase
/// @notice The state, parameters and shared steps of the evidence game (docs/evidence-game.md §3): the game
///         (`EvidenceGame`) and its violation module (`EvidenceViolations`, reached by delegatecall so that the game
///         fits the 24 KiB code limit) both derive from it, so they share one storage layout and one set of
///         immutables (the module is constructed with the game's parameters; the game checks they match).
abstract contract EvidenceGameBase is IEvidenceGameTypes {
    using SafeERC20 for IERC20;

    /// @notice Where the burned share of a lost bond goes (OpenToken has no burn).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    /// @notice The leaf tag of an evidence entry.
    bytes1 internal constant LEAF_TAG = 0x20;
    /// @notice Basis points denominator.
    uint256 internal constant BPS = 10_000;

    /// @notice The bond token.
    IERC20 public immutable TOKEN;
    /// @notice The suffix openings of the one-step checks.
    EvidenceVerifier public immutable VERIFIER;
    /// @notice Each side's time budget in seconds; a side whose clock passes it loses.
    uint64 public immutable MAX_CLOCK_DURATION;
    /// @notice The least time a side has left when its turn begins.
    uint64 public immutable CLOCK_EXTENSION;
    /// @notice The challenger's bond, and a defender's other than the claim's poster.
    uint96 public immutable CHALLENGE_BOND;
    /// @notice The share of a lost bond that is burned, in bps (the rest goes to the winner).
    uint16 public immutable BURN_BPS;
    /// @dev The ledger whose claims are disputed.
    IAttributionLedger internal immutable _LEDGER;
    /// @dev The model registry.
    IModelRegistry internal immutable _MODELS;

    /// @notice Σ bonds of disputes in progress.
    uint256 public totalBonded;
    /// @notice Σ credit not yet claimed.
    uint256 public totalCredit;
    /// @notice Σ slashed-bond shares held for disputes not decided yet.
    uint256 public totalPooled;

    /// @dev The number of disputes opened.
    uint256 internal _disputeCount;
    /// @dev Tokens owed and not yet claimed, per recipient.
    mapping(address => uint256) internal _credits;
    mapping(uint256 => Dispute) internal _disputes;
    /// @dev dispute id → H(accusation, index) → already made.
    mapping(uint256 => mapping(bytes32 => bool)) internal _accused;
    /// @dev claim id → disputes in progress against it.
    mapping(uint256 => uint256) internal _openOnClaim;
    /// @dev claim id → each sharing dispute's part of its slashed bond.
    mapping(uint256 => uint256) internal _slashShare;
    /// @dev claim id → whether a dispute of this game voided it.
    mapping(uint256 => bool) internal _slashedHere;

    /// @param _token The bond token.
    /// @param _ledger The ledger whose claims are disputed.
    /// @param _models The model registry (method and index epochs).
    /// @param _verifier The suffix-opening checks.
    /// @param _maxClockDuration Each side's budget (> 0).
    /// @param _clockExtension The least time a side gets for a turn (≤ the budget).
    /// @param _challengeBond The challenger's (and a non-poster defender's) bond (> 0).
    /// @param _burnBps The burned share of a lost bond (≤ 10 000).
    constructor(
        IERC20 _token,
        IAttributionLedger _ledger,
        IModelRegistry _models,
        EvidenceVerifier _verifier,
        uint64 _maxClockDuration,
        uint64 _clockExtension,
        uint96 _challengeBond,
        uint16 _burnBps
    ) {
        if (
            _maxClockDuration == 0 || _clockExtension > _maxClockDuration || _challengeBond == 0 || _burnBps > BPS
                || address(_token) == address(0) || address(_ledger) == address(0) || address(_models) == address(0)
                || address(_verifier) == address(0)
        ) revert EvidenceGame_BadParameters();
        TOKEN = _token;
        _LEDGER = _ledger;
        _MODELS = _models;
        VERIFIER = _verifier;
        MAX_CLOCK_DURATION = _maxClockDuration;
        CLOCK_EXTENSION = _clockExtension;
        CHALLENGE_BOND = _challengeBond;
        BURN_BPS = _burnBps;
    }

    /// @dev The defender proved the pending accusation: the challenger moves again.
    function _answered(uint256 _disputeId, Dispute storage d) internal {
        Accusation accusation = d.pending;
        uint256 index = d.accusedIndex;
        d.pending = Accusation.None;
        _passTurn(d, Side.Challenger);
        emit AccusationAnswered(_disputeId, accusation, index);
    }

    /// @dev The challenger proved a violation: the defender loses.
    function _proved(uint256 _disputeId, Dispute storage d, Violation _violation) internal {
        emit ViolationProved(_disputeId, _violation);
        _conclude(_disputeId, d, Side.Challenger);
    }

    /// @dev Ends a dispute. Moot (claim not pending, or answered against an epoch proved bogus): bonds back, plus
    ///      the slashed-bond share if a dispute of this contract voided the claim. Challenger wins: the claim is
    ///      voided and its slashed bond shared among this contract's disputes open against it; the challenger
    ///      gets its bond, its share and a bonded defender's bond less the burn. Defender wins: the challenger's
    ///      bond less the burn. Effects before the ledger and token calls; O(1).
    function _conclude(uint256 _disputeId, Dispute storage d, Side _winner) internal {
        bool moot = _moot(d);
        uint256 claimId = d.claimId;
        uint256 challengerBond = d.challengerBond;
        uint256 defenderBond = d.defenderBond;
        address challenger = d.challenger;
        address defender = d.defender == address(0) ? _LEDGER.claimForGame(claimId).claimant : d.defender;
        _stopClock(d);
        d.challengerBond = 0;
        d.defenderBond = 0;
        d.pending = Accusation.None;
        totalBonded -= challengerBond + defenderBond;
        uint256 shares = _openOnClaim[claimId];
        _openOnClaim[claimId] = shares - 1;
        uint256 burned;
        if (moot) {
            d.status = DisputeStatus.Refunded;
            uint256 share = _slashedHere[claimId] ? _slashShare[claimId] : 0;
            totalPooled -= share;
            _credit(challenger, challengerBond + share);
            if (defenderBond != 0) _credit(defender, defenderBond);
            emit DisputeResolved(_disputeId, DisputeStatus.Refunded, address(0), 0, 0);
        } else if (_winner == Side.Claimant) {
            d.status = DisputeStatus.ClaimantWon;
            burned = challengerBond * BURN_BPS / BPS;
            _credit(defender, defenderBond + challengerBond - burned);
            emit DisputeResolved(_disputeId, DisputeStatus.ClaimantWon, defender, challengerBond - burned, burned);
        } else {
            d.status = DisputeStatus.ChallengerWon;
            burned = defenderBond * BURN_BPS / BPS;
            _slashedHere[claimId] = true;
            emit DisputeResolved(_disputeId, DisputeStatus.ChallengerWon, challenger, defenderBond - burned, burned);
            uint256 perShare = _voidAndShare(claimId, shares);
            _credit(challenger, challengerBond + defenderBond - burned + perShare);
        }
        _LEDGER.gameClosed(claimId);
        if (burned != 0) TOKEN.safeTransfer(BURN_ADDRESS, burned);
    }

    /// @dev Voids the claim through the ledger (its bond slashed to this contract, as a lost σ dispute) and splits
    ///      what arrives equally among the `_shares` disputes open against it, this one included; returns the
    ///      share of this one (already taken out of the pool).
    function _voidAndShare(uint256 _claimId, uint256 _shares) internal returns (uint256 perShare_) {
        uint256 before = TOKEN.balanceOf(address(this));
        _LEDGER.voidClaim(_claimId, address(this));
        uint256 pool = TOKEN.balanceOf(address(this)) - before;
        perShare_ = pool / _shares;
        uint256 dust = pool - perShare_ * _shares;
        _slashShare[_claimId] = perShare_;
        totalPooled += perShare_ * (_shares - 1);
        emit SlashShared(_claimId, pool, _shares, perShare_, dust);
        if (dust != 0) TOKEN.safeTransfer(BURN_ADDRESS, dust);
    }

    function _credit(address _to, uint256 _amount) internal {
        _credits[_to] += _amount;
        totalCredit += _amount;
    }

    /// @dev Whether the dispute is moot: its claim is no longer pending, or its answered epoch was proved bogus.
    function _moot(Dispute storage d) internal view returns (bool moot_) {
        if (_LEDGER.claimForGame(d.claimId).status != IAttributionLedger.Status.Pending) return true;
        if (d.defender != address(0)) moot_ = _MODELS.indexEpoch(d.modelId, d.epoch).bogus;
    }

    /* CHECKS */

    /// @dev The dispute is in progress and the side to move has time left.
    function _live(uint256 _disputeId) internal view returns (Dispute storage d_) {
        d_ = _disputes[_disputeId];
        if (d_.status != DisputeStatus.InProgress) revert EvidenceGame_NotInProgress(_disputeId);
        if (_outOfTime(d_)) revert EvidenceGame_OutOfTime(_disputeId);
    }

    /// @dev The challenger's move after the answer, with no accusation pending.
    function _challengerMove(uint256 _disputeId) internal view returns (Dispute storage d_) {
        d_ = _live(_disputeId);
        if (d_.turn != Side.Challenger || d_.defender == address(0)) revert EvidenceGame_WrongMove(_disputeId);
        if (msg.sender != d_.challenger) revert EvidenceGame_NotPlayer(msg.sender);
    }

    /// @dev The defender's answer to a pending accusation about one entry.
    function _defenderMove(uint256 _disputeId, IndexCommitment calldata _c, EntryOpening calldata _e)
        internal
        view
        returns (Dispute storage d_)
    {
        d_ = _disputes[_disputeId];
        _checkDefender(_disputeId, d_);
        if (_e.index != d_.accusedIndex) revert EvidenceGame_BadEntry(_e.index);
        _checkCommitment(d_, _c);
        _checkEntry(d_, _e);
    }

    function _checkDefender(uint256 _disputeId, Dispute storage d) internal view {
        if (d.status != DisputeStatus.InProgress) revert EvidenceGame_NotInProgress(_disputeId);
        if (_outOfTime(d)) revert EvidenceGame_OutOfTime(_disputeId);
        if (d.turn != Side.Claimant || d.pending == Accusation.None) revert EvidenceGame_WrongMove(_disputeId);
        if (msg.sender != d.defender) revert EvidenceGame_NotPlayer(msg.sender);
    }

    function _checkCommitment(Dispute storage d, IndexCommitment calldata _c) internal view {
        if (SuffixIndex.commitment(_c) != d.commitment) revert EvidenceGame_WrongCommitment();
    }

    function _checkRanking(Dispute storage d, uint64[] calldata _ids, uint256[] calldata _scores) internal view {
        if (keccak256(abi.encode(_ids, _scores)) != d.rankedHash) revert EvidenceGame_WrongRanking();
    }

    /// @dev The entry opening verifies against the evidence root of J entries.
    function _checkEntry(Dispute storage d, EntryOpening calldata _o) internal view {
        uint256 count = d.entryCount;
        if (!SuffixIndex.verifyLeaf(d.evidenceRoot, count, _o.index, _evidenceLeaf(_o.index, _o.entry), _o.proof)) {
            revert EvidenceGame_BadEntry(_o.index);
        }
    }

    /// @dev Two adjacent entries, or the first / last alone at an end of the list (J = 0: neither).
    function _checkNeighbours(
        Dispute storage d,
        bool _hasA,
        EntryOpening calldata _a,
        bool _hasB,
        EntryOpening calldata _b
    ) internal view {
        uint256 count = d.entryCount;
        if (_hasA) _checkEntry(d, _a);
        if (_hasB) _checkEntry(d, _b);
        bool adjacent;
        if (_hasA && _hasB) adjacent = uint256(_b.index) == uint256(_a.index) + 1;
        else if (_hasA) adjacent = uint256(_a.index) + 1 == count;
        else if (_hasB) adjacent = _b.index == 0;
        else adjacent = count == 0;
        if (!adjacent) revert EvidenceGame_NoViolation();
    }

    /// @dev Output bytes `[_from, _to)` from consecutive output chunks opened against the output's content root.
    function _outputSlice(Dispute storage d, ChunkRun calldata _run, uint256 _from, uint256 _to)
        internal
        view
        returns (bytes memory slice_)
    {
        uint256 length = d.outputLength;
        if (_from > _to || _to > length) revert EvidenceGame_BadOutputRun();
        slice_ = new bytes(_to - _from);
        if (_from == _to) return slice_;
        uint256 count = _run.chunks.length;
        uint256 first = _run.first;
        uint256 covered = (first + count) * ContentMerkle.CHUNK_SIZE;
        if (
            count == 0 || count > EVIDENCE_MAX_OUTPUT / ContentMerkle.CHUNK_SIZE || _run.proofs.length != count
                || first * ContentMerkle.CHUNK_SIZE > _from || (covered < _to && covered < length)
        ) revert EvidenceGame_BadOutputRun();
        bytes32 root = d.outputRoot;
        for (uint256 i = 0; i < count; i++) {
            _copyChunk(slice_, root, length, _run, i, _from);
        }
    }

    /// @dev Verifies output chunk `first + _i` of `_run` and copies its part of `[_from, _from + slice.length)` into `_slice`.
    function _copyChunk(
        bytes memory _slice,
        bytes32 _root,
        uint256 _length,
        ChunkRun calldata _run,
        uint256 _i,
        uint256 _from
    ) internal pure {
        uint256 index = _run.first + _i;
        // forge-lint: disable-next-line(unsafe-typecast) ≤ EVIDENCE_MAX_OUTPUT
        if (!ContentMerkle.verifyChunk(_root, uint64(_length), index, _run.chunks[_i], _run.proofs[_i])) {
            revert EvidenceGame_BadOutputRun();
        }
        _copyOverlap(_slice, _run.chunks[_i], index * ContentMerkle.CHUNK_SIZE, _from);
    }

    /// @dev Copies the part of `_chunk` (starting at output position `_chunkStart`) that lies in
    ///      `[_from, _from + slice.length)` into `_slice`.
    function _copyOverlap(bytes memory _slice, bytes calldata _chunk, uint256 _chunkStart, uint256 _from)
        internal
        pure
    {
        uint256 lo = _chunkStart > _from ? _chunkStart : _from;
        uint256 hi = _chunkStart + _chunk.length;
        if (hi > _from + _slice.length) hi = _from + _slice.length;
        if (lo >= hi) return;
        assembly ("memory-safe") {
            calldatacopy(add(add(_slice, 0x20), sub(lo, _from)), add(_chunk.offset, sub(lo, _chunkStart)), sub(hi, lo))
        }
    }

    /// @dev An entry malformed on its own (see `proveEntryMalformed`).
    function _entryMalformed(uint256 _minMatch, uint256 _outputLength, uint256 _count, EntryOpening calldata _e)
        internal
        pure
        returns (bool wrong_)
    {
        if (SuffixChecks.spanMalformed(_minMatch, _e.entry.span, _outputLength)) return true;
        Credit[] calldata credits = _e.entry.credits;
        if (credits.length > SuffixIndex.OCCURRENCE_CAP) return true;
        uint256 j = _e.index;
        for (uint256 i = 0; i < credits.length; i++) {
            Credit calldata c = credits[i];
            if (i > 0 && c.id <= credits[i - 1].id) return true;
            if (c.prev != EVIDENCE_NO_ENTRY && c.prev >= j) return true;
            if (c.next != EVIDENCE_NO_ENTRY && (c.next <= j || c.next >= _count)) return true;
        }
    }

    /// @dev The entry's credit to each of its contributions: (wonEnd − wonStart) · D / |credits|² (0 without
    ///      credits); `ok_` false when the won interval is reversed (a malformed entry).
    function _entryCredit(EvidenceEntry calldata _e) internal pure returns (bool ok_, uint256 credit_) {
        EvidenceSpan calldata s = _e.span;
        uint256 count = _e.credits.length;
        if (s.wonEnd < s.wonStart || count > SuffixIndex.OCCURRENCE_CAP) return (false, 0);
        ok_ = true;
        if (count != 0) credit_ = SuffixChecks.spanCredit(s.wonEnd - s.wonStart, count);
    }

    /// @dev Whether the link of `_id` between `_a` and `_b` is named by either side and intact (see
    ///      `proveBrokenLink`); reverts NoViolation when neither side names it.
    function _linkIntact(EntryOpening calldata _a, EntryOpening calldata _b, uint64 _id)
        internal
        pure
        returns (bool intact_)
    {
        (bool inA, uint256 slotA) = _slotOf(_a.entry.credits, _id);
        (bool inB, uint256 slotB) = _slotOf(_b.entry.credits, _id);
        bool forward = inA && _a.entry.credits[slotA].next == _b.index;
        bool backward = inB && _b.entry.credits[slotB].prev == _a.index;
        if (!forward && !backward) revert EvidenceGame_NoViolation();
        if (!forward || !backward || _a.index >= _b.index) return false;
        (bool ok, uint256 own) = _entryCredit(_b.entry);
        uint256 runA = _a.entry.credits[slotA].runningScore;
        uint256 runB = _b.entry.credits[slotB].runningScore;
        intact_ = ok && runB >= runA && runB - runA == own;
    }

    /// @dev The slot of `_id` among at most OCCURRENCE_CAP credits (longer lists are malformed: never found).
    function _slotOf(Credit[] calldata _credits, uint64 _id) internal pure returns (bool found_, uint256 slot_) {
        uint256 count = _credits.length;
        if (count > SuffixIndex.OCCURRENCE_CAP) return (false, 0);
        for (uint256 i = 0; i < count; i++) {
            if (_credits[i].id == _id) return (true, i);
        }
    }

    /* CLOCKS */

    /// @dev THE clock function: seconds `_side` has used, counting its running turn.
    function _elapsed(Dispute storage d, Side _side) internal view returns (uint64 elapsed_) {
        Clock clock = _side == Side.Claimant ? d.claimantClock : d.challengerClock;
        elapsed_ = clock.used();
        if (d.turn == _side && d.status == DisputeStatus.InProgress) {
            elapsed_ += uint64(block.timestamp) - clock.startedAt();
        }
    }

    function _outOfTime(Dispute storage d) internal view returns (bool outOfTime_) {
        outOfTime_ = _elapsed(d, d.turn) > MAX_CLOCK_DURATION;
    }

    function _stopClock(Dispute storage d) internal {
        Clock stopped = LibClock.wrap(_elapsed(d, d.turn), uint64(block.timestamp));
        if (d.turn == Side.Claimant) d.claimantClock = stopped;
        else d.challengerClock = stopped;
    }

    /// @dev Stops the mover's clock and starts `_next`'s, topping it up to at least CLOCK_EXTENSION left.
    function _passTurn(Dispute storage d, Side _next) internal {
        _stopClock(d);
        uint64 used = (_next == Side.Claimant ? d.claimantClock : d.challengerClock).used();
        uint64 floor = MAX_CLOCK_DURATION - CLOCK_EXTENSION;
        if (used > floor) used = floor;
        Clock started = LibClock.wrap(used, uint64(block.timestamp));
        if (_next == Side.Claimant) d.claimantClock = started;
        else d.challengerClock = started;
        d.turn = _next;
    }

    /// @dev H(0x20 ‖ uint32 index ‖ abi.encode(entry)).
    function _evidenceLeaf(uint32 _index, EvidenceEntry calldata _entry) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(LEAF_TAG, _index, abi.encode(_entry)));
    }

    /// @notice The ledger (the game's constructor checks its module was made for the same one).
    function ledgerContract() external view returns (IAttributionLedger ledger_) {
        ledger_ = _LEDGER;
    }

    /// @notice The model registry (checked like `ledgerContract`).
    function modelRegistry() external view returns (IModelRegistry models_) {
        models_ = _MODELS;
    }
}
