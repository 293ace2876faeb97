// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AbsenceProof, EvidenceSpan, Occurrence, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixIndex, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {Clock, LibClock, Side} from "src/libraries/GameTypes.sol";
import {TxCodec} from "src/libraries/TxCodec.sol";

/// @title EvidenceGame
/// @notice Evidence disputes on the Attribute transactions of pending claims of suffix models
///         (docs/evidence-game.md §3): the weights of an Attribute must follow from its output and the model's
///         index commitment in force at the claim's reference time, else the claim is voided and its bond
///         slashed through the ledger exactly like a lost σ dispute.
/// @dev One dispute is one challenger against one defender (the claim's poster, or a bonded defender once the
///      poster's exclusive half of the clock is over). After the answer the challenger moves: it accuses one
///      entry of a claimant-burden fact (the defender must prove it in one step), proves a violation (the
///      defender loses at once), concedes, or lets its clock run out (the defender wins). Every step opens at
///      most three evidence entries (each ≤ 8 credits), ≤ 16 KiB of output and the proofs of `SuffixChecks`: no
///      loop runs over more than K, the occurrence cap, or the output's 16 chunks. Chess clocks as in
///      `DisputeGame`; payouts are credited and pulled with `claimCredit`.
contract EvidenceGame is IEvidenceGame {
    using SafeERC20 for IERC20;

    /// @notice Where the burned share of a lost bond goes (OpenToken has no burn).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    /// @inheritdoc IEvidenceGame
    uint256 public constant MAX_OUTPUT = 16_384;
    /// @inheritdoc IEvidenceGame
    uint256 public constant MAX_ACCUSATIONS = 32;
    /// @inheritdoc IEvidenceGame
    uint32 public constant NO_ENTRY = type(uint32).max;
    /// @notice The leaf tag of an evidence entry.
    bytes1 internal constant LEAF_TAG = 0x20;
    /// @notice Basis points denominator.
    uint256 internal constant BPS = 10_000;

    /// @notice The bond token.
    IERC20 public immutable TOKEN;
    /// @inheritdoc IEvidenceGame
    IAttributionLedger public immutable LEDGER;
    /// @inheritdoc IEvidenceGame
    IModelRegistry public immutable MODELS;
    /// @notice Each side's time budget in seconds; a side whose clock passes it loses.
    uint64 public immutable MAX_CLOCK_DURATION;
    /// @notice The least time a side has left when its turn begins.
    uint64 public immutable CLOCK_EXTENSION;
    /// @notice The challenger's bond, and a defender's other than the claim's poster.
    uint96 public immutable CHALLENGE_BOND;
    /// @notice The share of a lost bond that is burned, in bps (the rest goes to the winner).
    uint16 public immutable BURN_BPS;

    /// @inheritdoc IEvidenceGame
    uint256 public disputeCount;
    /// @inheritdoc IEvidenceGame
    mapping(address => uint256) public credit;
    /// @notice Σ bonds of disputes in progress.
    uint256 public totalBonded;
    /// @notice Σ credit not yet claimed.
    uint256 public totalCredit;
    /// @notice Σ slashed-bond shares held for disputes not decided yet.
    uint256 public totalPooled;

    mapping(uint256 => Dispute) internal _disputes;
    /// @dev dispute id → H(accusation, index) → already made.
    mapping(uint256 => mapping(bytes32 => bool)) internal _accused;
    /// @dev claim id → disputes of this contract in progress against it.
    mapping(uint256 => uint256) internal _openOnClaim;
    /// @dev claim id → each sharing dispute's part of its slashed bond.
    mapping(uint256 => uint256) internal _slashShare;
    /// @dev claim id → whether a dispute of this contract voided it.
    mapping(uint256 => bool) internal _slashedHere;

    /// @param _token The bond token.
    /// @param _ledger The ledger whose claims are disputed.
    /// @param _models The model registry (method and index epochs).
    /// @param _maxClockDuration Each side's budget (> 0).
    /// @param _clockExtension The least time a side gets for a turn (≤ the budget).
    /// @param _challengeBond The challenger's (and a non-poster defender's) bond (> 0).
    /// @param _burnBps The burned share of a lost bond (≤ 10 000).
    constructor(
        IERC20 _token,
        IAttributionLedger _ledger,
        IModelRegistry _models,
        uint64 _maxClockDuration,
        uint64 _clockExtension,
        uint96 _challengeBond,
        uint16 _burnBps
    ) {
        if (
            _maxClockDuration == 0 || _clockExtension > _maxClockDuration || _challengeBond == 0 || _burnBps > BPS
                || address(_token) == address(0) || address(_ledger) == address(0) || address(_models) == address(0)
        ) revert EvidenceGame_BadParameters();
        TOKEN = _token;
        LEDGER = _ledger;
        MODELS = _models;
        MAX_CLOCK_DURATION = _maxClockDuration;
        CLOCK_EXTENSION = _clockExtension;
        CHALLENGE_BOND = _challengeBond;
        BURN_BPS = _burnBps;
    }

    /* OPEN AND ANSWER */

    /// @inheritdoc IEvidenceGame
    function open(
        uint256 _claimId,
        uint256 _txIndex,
        bytes calldata _tx,
        bytes32[] calldata _txProof,
        bytes calldata _output
    ) external returns (uint256 disputeId_) {
        (uint64 modelId, uint64 referenceTime) = _checkAttribute(_claimId, _txIndex, _tx, _txProof);
        if (_output.length == 0 || _output.length > MAX_OUTPUT || keccak256(_output) != bytes32(_tx[101:133])) {
            revert EvidenceGame_BadOutput();
        }
        bytes32 outputRoot = ContentMerkle.computeRoot(_output);
        disputeId_ = disputeCount++;
        Dispute storage d = _disputes[disputeId_];
        d.challenger = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast) checked by _checkAttribute
        d.claimId = uint64(_claimId);
        // forge-lint: disable-next-line(unsafe-typecast) below the batch size, checked by _checkAttribute
        d.txIndex = uint32(_txIndex);
        d.status = DisputeStatus.InProgress;
        d.turn = Side.Claimant;
        d.challengerBond = CHALLENGE_BOND;
        d.modelId = modelId;
        d.referenceTime = referenceTime;
        // forge-lint: disable-next-line(unsafe-typecast) ≤ MAX_OUTPUT
        d.outputLength = uint32(_output.length);
        d.claimantClock = LibClock.wrap(0, uint64(block.timestamp));
        d.challengerClock = LibClock.wrap(0, uint64(block.timestamp));
        d.outputRoot = outputRoot;
        d.weightsHash = keccak256(_tx[TxCodec.ATTRIBUTE_FIXED_LENGTH:]);
        _openOnClaim[_claimId] += 1;
        totalBonded += CHALLENGE_BOND;
        emit DisputeOpened(disputeId_, _claimId, _txIndex, msg.sender, CHALLENGE_BOND, outputRoot, _output);

        LEDGER.gameOpened(_claimId);
        TOKEN.safeTransferFrom(msg.sender, address(this), CHALLENGE_BOND);
    }

    /// @dev The claim is pending and `_tx` is its Attribute `_txIndex` of a suffix model; returns the model and
    ///      the claim's reference time.
    function _checkAttribute(uint256 _claimId, uint256 _txIndex, bytes calldata _tx, bytes32[] calldata _txProof)
        private
        view
        returns (uint64 modelId_, uint64 referenceTime_)
    {
        IAttributionLedger.GameView memory claim = LEDGER.claimForGame(_claimId);
        if (claim.status != IAttributionLedger.Status.Pending || _claimId > type(uint64).max) {
            revert EvidenceGame_ClaimNotPending(_claimId);
        }
        if (
            _txIndex >= claim.batchSize || _txIndex > type(uint32).max || _tx.length < TxCodec.ATTRIBUTE_FIXED_LENGTH
                || uint8(_tx[0]) != TxCodec.TX_ATTRIBUTE
                || _tx.length != TxCodec.ATTRIBUTE_FIXED_LENGTH + TxCodec.ENTRY_LENGTH * uint8(_tx[303])
                || !TxCodec.verifyTx(claim.txRoot, _tx, _txIndex, _txProof)
        ) revert EvidenceGame_BadTx(_txIndex);
        modelId_ = uint64(bytes8(_tx[61:69]));
        if (MODELS.getModel(modelId_).method != IModelRegistry.AttributionMethod.Suffix) {
            revert EvidenceGame_NotSuffixModel(modelId_);
        }
        referenceTime_ = claim.referenceTime;
    }

    /// @inheritdoc IEvidenceGame
    function answer(
        uint256 _disputeId,
        uint256 _epoch,
        IndexCommitment calldata _commitment,
        bytes32 _evidenceRoot,
        uint32 _entryCount,
        uint64[] calldata _ids,
        uint256[] calldata _scores
    ) external {
        Dispute storage d = _live(_disputeId);
        if (d.defender != address(0) || d.turn != Side.Claimant) revert EvidenceGame_WrongMove(_disputeId);
        bool poster = msg.sender == LEDGER.claimForGame(d.claimId).claimant;
        if (msg.sender == d.challenger || (!poster && _elapsed(d, Side.Claimant) <= MAX_CLOCK_DURATION / 2)) {
            revert EvidenceGame_NotPlayer(msg.sender);
        }
        if (_epoch > type(uint32).max) revert EvidenceGame_BogusEpoch(d.modelId, _epoch);
        IModelRegistry.IndexEpoch memory epoch = MODELS.indexEpochAt(d.modelId, _epoch, d.referenceTime);
        if (epoch.bogus) revert EvidenceGame_BogusEpoch(d.modelId, _epoch);
        if (SuffixIndex.commitment(_commitment) != epoch.commitment) revert EvidenceGame_WrongCommitment();
        if (keccak256(_weightBytes(_ids, _scores, _commitment.maxEntries)) != d.weightsHash) {
            revert EvidenceGame_WeightsMismatch();
        }

        uint96 bond = poster ? 0 : CHALLENGE_BOND;
        d.defender = msg.sender;
        d.defenderBond = bond;
        // forge-lint: disable-next-line(unsafe-typecast) checked above
        d.epoch = uint32(_epoch);
        d.commitment = epoch.commitment;
        d.evidenceRoot = _evidenceRoot;
        d.entryCount = _entryCount;
        d.rankedHash = keccak256(abi.encode(_ids, _scores));
        // forge-lint: disable-next-line(unsafe-typecast) ≤ maxEntries, checked by rankedWeights
        d.rankedCount = uint8(_ids.length);
        // forge-lint: disable-next-line(unsafe-typecast) ≥ the ranked count; K ≤ 8 for any honest index
        d.maxEntries = uint8(_commitment.maxEntries > 255 ? 255 : _commitment.maxEntries);
        _passTurn(d, Side.Challenger);
        totalBonded += bond;
        emit Answered(_disputeId, msg.sender, bond, _epoch, _evidenceRoot, _entryCount, _ids, _scores);

        if (bond != 0) TOKEN.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @dev The tx entry bytes `(uint64 id ‖ uint32 weight)*` of the weights the ranked list gives.
    function _weightBytes(uint64[] calldata _ids, uint256[] calldata _scores, uint256 _maxEntries)
        private
        pure
        returns (bytes memory packed_)
    {
        (uint64[] memory ids, uint32[] memory weights) = SuffixChecks.rankedWeights(_ids, _scores, _maxEntries);
        packed_ = new bytes(ids.length * TxCodec.ENTRY_LENGTH);
        for (uint256 i = 0; i < ids.length; i++) {
            bytes12 entry = bytes12(abi.encodePacked(ids[i], weights[i]));
            assembly ("memory-safe") {
                mstore(add(add(packed_, 0x20), mul(i, 12)), entry)
            }
        }
    }

    /* CLAIMANT-BURDEN ACCUSATIONS */

    /// @inheritdoc IEvidenceGame
    function accuse(uint256 _disputeId, Accusation _accusation, uint32 _index) external {
        Dispute storage d = _challengerMove(_disputeId);
        if (_accusation == Accusation.None) revert EvidenceGame_BadAccusation(_index);
        uint256 bound = _accusation == Accusation.RankedScore ? d.rankedCount : d.entryCount;
        bytes32 key = keccak256(abi.encode(_accusation, _index));
        if (_index >= bound || _accused[_disputeId][key]) revert EvidenceGame_BadAccusation(_index);
        if (d.accusations >= MAX_ACCUSATIONS) revert EvidenceGame_TooManyAccusations(_disputeId);
        _accused[_disputeId][key] = true;
        d.accusations += 1;
        d.pending = _accusation;
        d.accusedIndex = _index;
        _passTurn(d, Side.Claimant);
        emit Accused(_disputeId, _accusation, _index);
    }

    /// @inheritdoc IEvidenceGame
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
            SuffixChecks.verifyRangeLow(_c, pattern, s.lo, _a, _b);
        } else if (accusation == Accusation.RangeHigh) {
            SuffixChecks.verifyRangeHigh(_c, pattern, s.hi, _a, _b);
        } else {
            revert EvidenceGame_WrongMove(_disputeId);
        }
        _answered(_disputeId, d);
    }

    /// @inheritdoc IEvidenceGame
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
            if (s.start != 0) SuffixChecks.verifyAbsent(_c, _outputSlice(d, _out, s.start - 1, s.end), _p);
        } else if (accusation == Accusation.MaximalRight) {
            if (s.end != d.outputLength) SuffixChecks.verifyAbsent(_c, _outputSlice(d, _out, s.start, s.end + 1), _p);
        } else {
            revert EvidenceGame_WrongMove(_disputeId);
        }
        _answered(_disputeId, d);
    }

    /// @inheritdoc IEvidenceGame
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
        SuffixChecks.verifyCreditedSet(_c, _e.entry.span.lo, _e.entry.span.hi, _occurrences, ids);
        _answered(_disputeId, d);
    }

    /// @inheritdoc IEvidenceGame
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
        if (c.next != NO_ENTRY || c.runningScore != _scores[i]) revert EvidenceGame_NoViolation();
        _answered(_disputeId, d);
    }

    /* CHALLENGER-BURDEN VIOLATIONS */

    /// @inheritdoc IEvidenceGame
    function proveEntryMalformed(uint256 _disputeId, IndexCommitment calldata _c, EntryOpening calldata _e) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkCommitment(d, _c);
        _checkEntry(d, _e);
        if (!_entryMalformed(_c.minMatch, d.outputLength, d.entryCount, _e)) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.EntryMalformed);
    }

    /// @inheritdoc IEvidenceGame
    function proveEntriesOutOfOrder(uint256 _disputeId, EntryOpening calldata _a, EntryOpening calldata _b) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _a);
        _checkEntry(d, _b);
        if (uint256(_b.index) != uint256(_a.index) + 1) revert EvidenceGame_NoViolation();
        SuffixChecks.verifyOrderOfEntriesViolation(_a.entry.span, _b.entry.span);
        _proved(_disputeId, d, Violation.EntriesOutOfOrder);
    }

    /// @inheritdoc IEvidenceGame
    function proveWonByte(uint256 _disputeId, EntryOpening calldata _j, EntryOpening calldata _k, uint32 _p) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _j);
        _checkEntry(d, _k);
        SuffixChecks.verifyWonByteViolation(_j.entry.span, _k.entry.span, _p);
        _proved(_disputeId, d, Violation.WonByte);
    }

    /// @inheritdoc IEvidenceGame
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

    /// @inheritdoc IEvidenceGame
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
        SuffixChecks.verifyOccurs(_c, _outputSlice(d, _out, _a, _x), _occurrence);
        _proved(_disputeId, d, Violation.Omission);
    }

    /// @inheritdoc IEvidenceGame
    function proveFirstCredit(uint256 _disputeId, EntryOpening calldata _e, uint8 _slot) external {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _e);
        Credit[] calldata credits = _e.entry.credits;
        if (_slot >= credits.length || credits[_slot].prev != NO_ENTRY) revert EvidenceGame_NoViolation();
        (bool ok, uint256 own) = _entryCredit(_e.entry);
        if (!ok || credits[_slot].runningScore == own) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.FirstCredit);
    }

    /// @inheritdoc IEvidenceGame
    function proveBrokenLink(uint256 _disputeId, EntryOpening calldata _a, EntryOpening calldata _b, uint64 _id)
        external
    {
        Dispute storage d = _challengerMove(_disputeId);
        _checkEntry(d, _a);
        _checkEntry(d, _b);
        if (_linkIntact(_a, _b, _id)) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.BrokenLink);
    }

    /// @inheritdoc IEvidenceGame
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
        bool between = m != _e.index && (c.prev == NO_ENTRY || m > c.prev) && (c.next == NO_ENTRY || m < c.next);
        if (!between) revert EvidenceGame_NoViolation();
        _proved(_disputeId, d, Violation.SkippedCredit);
    }

    /// @inheritdoc IEvidenceGame
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
        if (_slot >= credits.length || credits[_slot].next != NO_ENTRY) revert EvidenceGame_NoViolation();
        SuffixChecks.verifyRankingViolation(_ids, _scores, d.maxEntries, credits[_slot].id, credits[_slot].runningScore);
        _proved(_disputeId, d, Violation.RankingOmission);
    }

    /* ENDING */

    /// @inheritdoc IEvidenceGame
    function concede(uint256 _disputeId) external {
        Dispute storage d = _disputes[_disputeId];
        if (d.status != DisputeStatus.InProgress) revert EvidenceGame_NotInProgress(_disputeId);
        Side side;
        if (msg.sender == d.challenger) side = Side.Challenger;
        else if (msg.sender == d.defender && msg.sender != address(0)) side = Side.Claimant;
        else revert EvidenceGame_NotPlayer(msg.sender);
        emit Conceded(_disputeId, side);
        _conclude(_disputeId, d, side == Side.Challenger ? Side.Claimant : Side.Challenger);
    }

    /// @inheritdoc IEvidenceGame
    function resolve(uint256 _disputeId) external {
        Dispute storage d = _disputes[_disputeId];
        if (d.status != DisputeStatus.InProgress) revert EvidenceGame_NotInProgress(_disputeId);
        // A moot dispute (claim no longer pending, bogus epoch) is refunded by `_conclude` whatever the winner.
        if (!_moot(d) && !_outOfTime(d)) revert EvidenceGame_NotResolvable(_disputeId);
        _conclude(_disputeId, d, d.turn == Side.Claimant ? Side.Challenger : Side.Claimant);
    }

    /// @inheritdoc IEvidenceGame
    function claimCredit(address _recipient) external {
        uint256 amount = credit[_recipient];
        if (amount == 0) revert EvidenceGame_NoCredit(_recipient);
        credit[_recipient] = 0;
        totalCredit -= amount;
        emit CreditClaimed(_recipient, amount);
        TOKEN.safeTransfer(_recipient, amount);
    }

    /// @dev The defender proved the pending accusation: the challenger moves again.
    function _answered(uint256 _disputeId, Dispute storage d) private {
        Accusation accusation = d.pending;
        uint256 index = d.accusedIndex;
        d.pending = Accusation.None;
        _passTurn(d, Side.Challenger);
        emit AccusationAnswered(_disputeId, accusation, index);
    }

    /// @dev The challenger proved a violation: the defender loses.
    function _proved(uint256 _disputeId, Dispute storage d, Violation _violation) private {
        emit ViolationProved(_disputeId, _violation);
        _conclude(_disputeId, d, Side.Challenger);
    }

    /// @dev Ends a dispute. Moot (claim not pending, or answered against an epoch proved bogus): bonds back, plus
    ///      the slashed-bond share if a dispute of this contract voided the claim. Challenger wins: the claim is
    ///      voided and its slashed bond shared among this contract's disputes open against it; the challenger
    ///      gets its bond, its share and a bonded defender's bond less the burn. Defender wins: the challenger's
    ///      bond less the burn. Effects before the ledger and token calls; O(1).
    function _conclude(uint256 _disputeId, Dispute storage d, Side _winner) private {
        bool moot = _moot(d);
        uint256 claimId = d.claimId;
        uint256 challengerBond = d.challengerBond;
        uint256 defenderBond = d.defenderBond;
        address challenger = d.challenger;
        address defender = d.defender == address(0) ? LEDGER.claimForGame(claimId).claimant : d.defender;
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
        LEDGER.gameClosed(claimId);
        if (burned != 0) TOKEN.safeTransfer(BURN_ADDRESS, burned);
    }

    /// @dev Voids the claim through the ledger (its bond slashed to this contract, as a lost σ dispute) and splits
    ///      what arrives equally among the `_shares` disputes open against it, this one included; returns the
    ///      share of this one (already taken out of the pool).
    function _voidAndShare(uint256 _claimId, uint256 _shares) private returns (uint256 perShare_) {
        uint256 before = TOKEN.balanceOf(address(this));
        LEDGER.voidClaim(_claimId, address(this));
        uint256 pool = TOKEN.balanceOf(address(this)) - before;
        perShare_ = pool / _shares;
        uint256 dust = pool - perShare_ * _shares;
        _slashShare[_claimId] = perShare_;
        totalPooled += perShare_ * (_shares - 1);
        emit SlashShared(_claimId, pool, _shares, perShare_, dust);
        if (dust != 0) TOKEN.safeTransfer(BURN_ADDRESS, dust);
    }

    function _credit(address _to, uint256 _amount) private {
        credit[_to] += _amount;
        totalCredit += _amount;
    }

    /// @dev Whether the dispute is moot: its claim is no longer pending, or its answered epoch was proved bogus.
    function _moot(Dispute storage d) private view returns (bool moot_) {
        if (LEDGER.claimForGame(d.claimId).status != IAttributionLedger.Status.Pending) return true;
        if (d.defender != address(0)) moot_ = MODELS.indexEpoch(d.modelId, d.epoch).bogus;
    }

    /* CHECKS */

    /// @dev The dispute is in progress and the side to move has time left.
    function _live(uint256 _disputeId) private view returns (Dispute storage d_) {
        d_ = _disputes[_disputeId];
        if (d_.status != DisputeStatus.InProgress) revert EvidenceGame_NotInProgress(_disputeId);
        if (_outOfTime(d_)) revert EvidenceGame_OutOfTime(_disputeId);
    }

    /// @dev The challenger's move after the answer, with no accusation pending.
    function _challengerMove(uint256 _disputeId) private view returns (Dispute storage d_) {
        d_ = _live(_disputeId);
        if (d_.turn != Side.Challenger || d_.defender == address(0)) revert EvidenceGame_WrongMove(_disputeId);
        if (msg.sender != d_.challenger) revert EvidenceGame_NotPlayer(msg.sender);
    }

    /// @dev The defender's answer to a pending accusation about one entry.
    function _defenderMove(uint256 _disputeId, IndexCommitment calldata _c, EntryOpening calldata _e)
        private
        view
        returns (Dispute storage d_)
    {
        d_ = _disputes[_disputeId];
        _checkDefender(_disputeId, d_);
        if (_e.index != d_.accusedIndex) revert EvidenceGame_BadEntry(_e.index);
        _checkCommitment(d_, _c);
        _checkEntry(d_, _e);
    }

    function _checkDefender(uint256 _disputeId, Dispute storage d) private view {
        if (d.status != DisputeStatus.InProgress) revert EvidenceGame_NotInProgress(_disputeId);
        if (_outOfTime(d)) revert EvidenceGame_OutOfTime(_disputeId);
        if (d.turn != Side.Claimant || d.pending == Accusation.None) revert EvidenceGame_WrongMove(_disputeId);
        if (msg.sender != d.defender) revert EvidenceGame_NotPlayer(msg.sender);
    }

    function _checkCommitment(Dispute storage d, IndexCommitment calldata _c) private view {
        if (SuffixIndex.commitment(_c) != d.commitment) revert EvidenceGame_WrongCommitment();
    }

    function _checkRanking(Dispute storage d, uint64[] calldata _ids, uint256[] calldata _scores) private view {
        if (keccak256(abi.encode(_ids, _scores)) != d.rankedHash) revert EvidenceGame_WrongRanking();
    }

    /// @dev The entry opening verifies against the evidence root of J entries.
    function _checkEntry(Dispute storage d, EntryOpening calldata _o) private view {
        uint256 count = d.entryCount;
        if (!SuffixIndex.verifyLeaf(d.evidenceRoot, count, _o.index, evidenceLeaf(_o.index, _o.entry), _o.proof)) {
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
    ) private view {
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
        private
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
            count == 0 || count > MAX_OUTPUT / ContentMerkle.CHUNK_SIZE || _run.proofs.length != count
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
    ) private pure {
        uint256 index = _run.first + _i;
        // forge-lint: disable-next-line(unsafe-typecast) ≤ MAX_OUTPUT
        if (!ContentMerkle.verifyChunk(_root, uint64(_length), index, _run.chunks[_i], _run.proofs[_i])) {
            revert EvidenceGame_BadOutputRun();
        }
        _copyOverlap(_slice, _run.chunks[_i], index * ContentMerkle.CHUNK_SIZE, _from);
    }

    /// @dev Copies the part of `_chunk` (starting at output position `_chunkStart`) that lies in
    ///      `[_from, _from + slice.length)` into `_slice`.
    function _copyOverlap(bytes memory _slice, bytes calldata _chunk, uint256 _chunkStart, uint256 _from) private pure {
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
        private
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
            if (c.prev != NO_ENTRY && c.prev >= j) return true;
            if (c.next != NO_ENTRY && (c.next <= j || c.next >= _count)) return true;
        }
    }

    /// @dev The entry's credit to each of its contributions: (wonEnd − wonStart) · D / |credits|² (0 without
    ///      credits); `ok_` false when the won interval is reversed (a malformed entry).
    function _entryCredit(EvidenceEntry calldata _e) private pure returns (bool ok_, uint256 credit_) {
        EvidenceSpan calldata s = _e.span;
        uint256 count = _e.credits.length;
        if (s.wonEnd < s.wonStart || count > SuffixIndex.OCCURRENCE_CAP) return (false, 0);
        ok_ = true;
        if (count != 0) credit_ = SuffixChecks.spanCredit(s.wonEnd - s.wonStart, count);
    }

    /// @dev Whether the link of `_id` between `_a` and `_b` is named by either side and intact (see
    ///      `proveBrokenLink`); reverts NoViolation when neither side names it.
    function _linkIntact(EntryOpening calldata _a, EntryOpening calldata _b, uint64 _id)
        private
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
    function _slotOf(Credit[] calldata _credits, uint64 _id) private pure returns (bool found_, uint256 slot_) {
        uint256 count = _credits.length;
        if (count > SuffixIndex.OCCURRENCE_CAP) return (false, 0);
        for (uint256 i = 0; i < count; i++) {
            if (_credits[i].id == _id) return (true, i);
        }
    }

    /* CLOCKS */

    /// @inheritdoc IEvidenceGame
    function elapsed(uint256 _disputeId, Side _side) external view returns (uint64 elapsed_) {
        elapsed_ = _elapsed(_disputes[_disputeId], _side);
    }

    /// @dev THE clock function: seconds `_side` has used, counting its running turn.
    function _elapsed(Dispute storage d, Side _side) private view returns (uint64 elapsed_) {
        Clock clock = _side == Side.Claimant ? d.claimantClock : d.challengerClock;
        elapsed_ = clock.used();
        if (d.turn == _side && d.status == DisputeStatus.InProgress) {
            elapsed_ += uint64(block.timestamp) - clock.startedAt();
        }
    }

    function _outOfTime(Dispute storage d) private view returns (bool outOfTime_) {
        outOfTime_ = _elapsed(d, d.turn) > MAX_CLOCK_DURATION;
    }

    function _stopClock(Dispute storage d) private {
        Clock stopped = LibClock.wrap(_elapsed(d, d.turn), uint64(block.timestamp));
        if (d.turn == Side.Claimant) d.claimantClock = stopped;
        else d.challengerClock = stopped;
    }

    /// @dev Stops the mover's clock and starts `_next`'s, topping it up to at least CLOCK_EXTENSION left.
    function _passTurn(Dispute storage d, Side _next) private {
        _stopClock(d);
        uint64 used = (_next == Side.Claimant ? d.claimantClock : d.challengerClock).used();
        uint64 floor = MAX_CLOCK_DURATION - CLOCK_EXTENSION;
        if (used > floor) used = floor;
        Clock started = LibClock.wrap(used, uint64(block.timestamp));
        if (_next == Side.Claimant) d.claimantClock = started;
        else d.challengerClock = started;
        d.turn = _next;
    }

    /* VIEWS */

    /// @inheritdoc IEvidenceGame
    function dispute(uint256 _disputeId) external view returns (Dispute memory dispute_) {
        dispute_ = _disputes[_disputeId];
    }

    /// @inheritdoc IEvidenceGame
    function evidenceLeaf(uint32 _index, EvidenceEntry calldata _entry) public pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(LEAF_TAG, _index, abi.encode(_entry)));
    }
}
