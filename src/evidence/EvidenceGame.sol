// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EvidenceDefenses} from "src/evidence/EvidenceDefenses.sol";
import {
    EVIDENCE_MAX_ACCUSATIONS,
    EVIDENCE_MAX_OUTPUT,
    EVIDENCE_NO_ENTRY,
    EvidenceGameBase
} from "src/evidence/EvidenceGameBase.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceViolations} from "src/evidence/EvidenceViolations.sol";
import {AbsenceProof, EvidenceSpan, Occurrence, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixIndex, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {LibClock, Side} from "src/libraries/GameTypes.sol";
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
contract EvidenceGame is EvidenceGameBase, IEvidenceGame {
    using SafeERC20 for IERC20;

    /// @dev What `open` checked about the disputed tx.
    struct Opening {
        uint256 claimId;
        uint256 txIndex;
        uint64 modelId;
        uint64 referenceTime;
        bytes32 weightsHash;
    }

    /// @notice The violation module (delegatecalled; it carries this game's parameters).
    address public immutable VIOLATIONS;
    /// @notice The defense module (delegatecalled; constructed with the same parameters, checked).
    address public immutable DEFENSES;

    /// @notice Takes its parameters from `_violations` (see EvidenceGameBase) and checks `_defenses` has the same.
    /// @param _violations The violation module.
    /// @param _defenses The defense module.
    constructor(EvidenceViolations _violations, EvidenceDefenses _defenses)
        EvidenceGameBase(
            _violations.TOKEN(),
            _violations.ledgerContract(),
            _violations.modelRegistry(),
            _violations.VERIFIER(),
            _violations.MAX_CLOCK_DURATION(),
            _violations.CLOCK_EXTENSION(),
            _violations.CHALLENGE_BOND(),
            _violations.BURN_BPS()
        )
    {
        if (
            _defenses.TOKEN() != TOKEN || _defenses.VERIFIER() != VERIFIER
                || _defenses.MAX_CLOCK_DURATION() != MAX_CLOCK_DURATION
                || _defenses.CLOCK_EXTENSION() != CLOCK_EXTENSION || _defenses.CHALLENGE_BOND() != CHALLENGE_BOND
                || _defenses.BURN_BPS() != BURN_BPS || _defenses.ledgerContract() != _LEDGER
                || _defenses.modelRegistry() != _MODELS
        ) revert EvidenceGame_BadParameters();
        VIOLATIONS = address(_violations);
        DEFENSES = address(_defenses);
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
        Opening memory o = _checkTx(_claimId, _txIndex, _tx, _txProof, _wholeAttribute(_tx), 61);
        if (_output.length == 0 || _output.length > EVIDENCE_MAX_OUTPUT || keccak256(_output) != bytes32(_tx[101:133]))
        {
            revert EvidenceGame_BadOutput();
        }
        o.weightsHash = keccak256(_tx[TxCodec.ATTRIBUTE_FIXED_LENGTH:]);
        disputeId_ = _open(o, _output);
    }

    /// @inheritdoc IEvidenceGame
    function openGroupReceipt(
        uint256 _claimId,
        uint256 _txIndex,
        bytes calldata _tx,
        bytes32[] calldata _txProof,
        bytes32 _requestHash,
        bytes calldata _output
    ) external returns (uint256 disputeId_) {
        Opening memory o = _checkGroupReceipt(_claimId, _txIndex, _tx, _txProof);
        if (!_ioMatches(_tx, _requestHash, _output)) revert EvidenceGame_BadOutput();
        disputeId_ = _open(o, _output);
    }

    /// @dev `_checkTx` for a GroupReceipt, with its widened weights hash.
    function _checkGroupReceipt(uint256 _claimId, uint256 _txIndex, bytes calldata _tx, bytes32[] calldata _txProof)
        private
        view
        returns (Opening memory o_)
    {
        o_ = _checkTx(_claimId, _txIndex, _tx, _txProof, _wholeGroupReceipt(_tx), 160);
        o_.weightsHash = _widenedWeightsHash(_tx);
    }

    /// @dev Whether `_tx` is one whole Attribute: type 0x01 and 304 + 12·n bytes.
    function _wholeAttribute(bytes calldata _tx) private pure returns (bool whole_) {
        whole_ = _tx.length >= TxCodec.ATTRIBUTE_FIXED_LENGTH && uint8(_tx[0]) == TxCodec.TX_ATTRIBUTE
            && _tx.length == TxCodec.ATTRIBUTE_FIXED_LENGTH + TxCodec.ENTRY_LENGTH * uint8(_tx[303]);
    }

    /// @dev Whether `_tx` is one whole GroupReceipt: type 0x05 and 221 + 7·n bytes.
    function _wholeGroupReceipt(bytes calldata _tx) private pure returns (bool whole_) {
        uint256 fixedLength = TxCodec.GROUP_RECEIPT_PREFIX_LENGTH + TxCodec.RECORD_FIXED_LENGTH;
        whole_ = _tx.length >= fixedLength && uint8(_tx[0]) == TxCodec.TX_GROUP_RECEIPT
            && _tx.length == fixedLength + TxCodec.RECORD_ENTRY_LENGTH * uint8(_tx[fixedLength - 1]);
    }

    /// @dev Whether `_output` (1 … MAX_OUTPUT bytes) and `_requestHash` hash to the GroupReceipt's ioHash.
    function _ioMatches(bytes calldata _tx, bytes32 _requestHash, bytes calldata _output)
        private
        pure
        returns (bool matches_)
    {
        matches_ = _output.length != 0 && _output.length <= EVIDENCE_MAX_OUTPUT
            && keccak256(abi.encodePacked(_requestHash, keccak256(_output))) == bytes32(_tx[168:200]);
    }

    /// @dev H of a GroupReceipt's entries `(uint32 id ‖ uint24 weight)*` re-encoded as an Attribute's
    ///      `(uint64 id ‖ uint32 weight)*`, the bytes `answer` compares the ranked weights with.
    function _widenedWeightsHash(bytes calldata _tx) private pure returns (bytes32 hash_) {
        uint256 n = uint8(_tx[220]);
        bytes memory packed = new bytes(n * TxCodec.ENTRY_LENGTH);
        assembly ("memory-safe") {
            let src := add(_tx.offset, 221)
            let dst := add(packed, 0x20)
            for { let j := 0 } lt(j, n) { j := add(j, 1) } {
                let word := calldataload(add(src, mul(j, 7)))
                // uint64(id) ‖ uint32(weight), left-aligned in a 12-byte slot.
                let entry := or(shl(192, shr(224, word)), shl(160, shr(232, shl(32, word))))
                mstore(add(dst, mul(j, 12)), entry)
            }
            hash_ := keccak256(dst, mul(n, 12))
        }
    }

    /// @dev Opens a dispute on `_o`'s tx (an Attribute or a GroupReceipt, already checked with its output).
    function _open(Opening memory _o, bytes calldata _output) private returns (uint256 disputeId_) {
        bytes32 outputRoot = _outputRoot(_output);
        disputeId_ = _disputeCount++;
        Dispute storage d = _disputes[disputeId_];
        d.challenger = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast) checked by _checkTx
        d.claimId = uint64(_o.claimId);
        // forge-lint: disable-next-line(unsafe-typecast) below the batch size, checked by _checkTx
        d.txIndex = uint32(_o.txIndex);
        d.status = DisputeStatus.InProgress;
        d.turn = Side.Claimant;
        d.challengerBond = CHALLENGE_BOND;
        d.modelId = _o.modelId;
        d.referenceTime = _o.referenceTime;
        // forge-lint: disable-next-line(unsafe-typecast) ≤ EVIDENCE_MAX_OUTPUT
        d.outputLength = uint32(_output.length);
        d.claimantClock = LibClock.wrap(0, uint64(block.timestamp));
        d.challengerClock = LibClock.wrap(0, uint64(block.timestamp));
        d.outputRoot = outputRoot;
        d.weightsHash = _o.weightsHash;
        _openOnClaim[_o.claimId] += 1;
        totalBonded += CHALLENGE_BOND;
        emit DisputeOpened(disputeId_, _o.claimId, _o.txIndex, msg.sender, CHALLENGE_BOND, outputRoot, _output);

        _LEDGER.gameOpened(_o.claimId);
        TOKEN.safeTransferFrom(msg.sender, address(this), CHALLENGE_BOND);
    }

    /// @dev The content root of the output (ContentMerkle's rule), hashing each chunk straight from calldata.
    function _outputRoot(bytes calldata _output) private pure returns (bytes32 root_) {
        uint256 count = ContentMerkle.chunkCount(_output.length);
        uint256 width = uint256(1) << ContentMerkle.depth(count);
        bytes32[] memory row = new bytes32[](width);
        for (uint256 i = 0; i < count; i++) {
            uint256 start = i * ContentMerkle.CHUNK_SIZE;
            uint256 end = start + ContentMerkle.CHUNK_SIZE;
            if (end > _output.length) end = _output.length;
            row[i] = keccak256(abi.encodePacked(bytes1(0x00), _output[start:end]));
        }
        while (width > 1) {
            width /= 2;
            for (uint256 i = 0; i < width; i++) {
                row[i] = ContentMerkle.nodeHash(row[2 * i], row[2 * i + 1]);
            }
        }
        // forge-lint: disable-next-line(unsafe-typecast) ≤ MAX_OUTPUT
        root_ = ContentMerkle.wrapRoot(row[0], uint64(_output.length));
    }

    /// @dev The claim is pending and `_tx` (whole: `_whole`) is its tx `_txIndex` of a suffix model, whose id is the
    ///      uint64 at `_modelAt`; returns the dispute's opening (weights hash still 0).
    function _checkTx(
        uint256 _claimId,
        uint256 _txIndex,
        bytes calldata _tx,
        bytes32[] calldata _txProof,
        bool _whole,
        uint256 _modelAt
    ) private view returns (Opening memory o_) {
        IAttributionLedger.GameView memory claim = _LEDGER.claimForGame(_claimId);
        if (claim.status != IAttributionLedger.Status.Pending || _claimId > type(uint64).max) {
            revert EvidenceGame_ClaimNotPending(_claimId);
        }
        if (
            _txIndex >= claim.batchSize || _txIndex > type(uint32).max || !_whole
                || !TxCodec.verifyTx(claim.txRoot, _tx, _txIndex, _txProof)
        ) revert EvidenceGame_BadTx(_txIndex);
        uint64 modelId = uint64(bytes8(_tx[_modelAt:_modelAt + 8]));
        if (_MODELS.getModel(modelId).method != IModelRegistry.AttributionMethod.Suffix) {
            revert EvidenceGame_NotSuffixModel(modelId);
        }
        o_ = Opening(_claimId, _txIndex, modelId, claim.referenceTime, bytes32(0));
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
        bool poster = msg.sender == _LEDGER.claimForGame(d.claimId).claimant;
        if (msg.sender == d.challenger || (!poster && _elapsed(d, Side.Claimant) <= MAX_CLOCK_DURATION / 2)) {
            revert EvidenceGame_NotPlayer(msg.sender);
        }
        if (_epoch > type(uint32).max) revert EvidenceGame_BogusEpoch(d.modelId, _epoch);
        IModelRegistry.IndexEpoch memory epoch = _MODELS.indexEpochAt(d.modelId, _epoch, d.referenceTime);
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
        if (d.accusations >= EVIDENCE_MAX_ACCUSATIONS) revert EvidenceGame_TooManyAccusations(_disputeId);
        _accused[_disputeId][key] = true;
        d.accusations += 1;
        d.pending = _accusation;
        d.accusedIndex = _index;
        _passTurn(d, Side.Claimant);
        emit Accused(_disputeId, _accusation, _index);
    }

    /* DEFENSES (run in EvidenceDefenses on this storage) */

    /// @inheritdoc IEvidenceGame
    function defendRange(
        uint256,
        IndexCommitment calldata,
        EntryOpening calldata,
        ChunkRun calldata,
        SuffixOpening calldata,
        SuffixOpening calldata
    ) external {
        _delegate(DEFENSES);
    }

    /// @inheritdoc IEvidenceGame
    function defendMaximal(
        uint256,
        IndexCommitment calldata,
        EntryOpening calldata,
        ChunkRun calldata,
        AbsenceProof calldata
    ) external {
        _delegate(DEFENSES);
    }

    /// @inheritdoc IEvidenceGame
    function defendCreditedSet(uint256, IndexCommitment calldata, EntryOpening calldata, Occurrence[] calldata)
        external
    {
        _delegate(DEFENSES);
    }

    /// @inheritdoc IEvidenceGame
    function defendRankedScore(uint256, uint64[] calldata, uint256[] calldata, EntryOpening calldata) external {
        _delegate(DEFENSES);
    }

    /* CHALLENGER-BURDEN VIOLATIONS (run in EvidenceViolations on this storage) */

    /// @inheritdoc IEvidenceGame
    function proveEntryMalformed(uint256, IndexCommitment calldata, EntryOpening calldata) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveEntriesOutOfOrder(uint256, EntryOpening calldata, EntryOpening calldata) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveWonByte(uint256, EntryOpening calldata, EntryOpening calldata, uint32) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveUncovered(
        uint256,
        bool,
        EntryOpening calldata,
        bool,
        EntryOpening calldata,
        EntryOpening calldata,
        uint32
    ) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveOmission(
        uint256,
        IndexCommitment calldata,
        bool,
        EntryOpening calldata,
        bool,
        EntryOpening calldata,
        uint32,
        uint32,
        ChunkRun calldata,
        SuffixOpening calldata
    ) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveFirstCredit(uint256, EntryOpening calldata, uint8) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveBrokenLink(uint256, EntryOpening calldata, EntryOpening calldata, uint64) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveSkippedCredit(uint256, EntryOpening calldata, EntryOpening calldata, uint64) external {
        _delegate(VIOLATIONS);
    }

    /// @inheritdoc IEvidenceGame
    function proveRankingOmission(uint256, uint64[] calldata, uint256[] calldata, EntryOpening calldata, uint8)
        external
    {
        _delegate(VIOLATIONS);
    }

    /// @dev Runs the calldata in module `_module` on this contract's storage and returns or reverts as it did.
    function _delegate(address _module) private {
        address module = _module;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), module, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
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
        uint256 amount = _credits[_recipient];
        if (amount == 0) revert EvidenceGame_NoCredit(_recipient);
        _credits[_recipient] = 0;
        totalCredit -= amount;
        emit CreditClaimed(_recipient, amount);
        TOKEN.safeTransfer(_recipient, amount);
    }

    /// @inheritdoc IEvidenceGame
    function elapsed(uint256 _disputeId, Side _side) external view returns (uint64 elapsed_) {
        elapsed_ = _elapsed(_disputes[_disputeId], _side);
    }

    /* VIEWS */

    /// @inheritdoc IEvidenceGame
    function LEDGER() external view returns (IAttributionLedger ledger_) {
        ledger_ = _LEDGER;
    }

    /// @inheritdoc IEvidenceGame
    function MODELS() external view returns (IModelRegistry models_) {
        models_ = _MODELS;
    }

    /// @inheritdoc IEvidenceGame
    function MAX_OUTPUT() external pure returns (uint256 maxOutput_) {
        maxOutput_ = EVIDENCE_MAX_OUTPUT;
    }

    /// @inheritdoc IEvidenceGame
    function MAX_ACCUSATIONS() external pure returns (uint256 max_) {
        max_ = EVIDENCE_MAX_ACCUSATIONS;
    }

    /// @inheritdoc IEvidenceGame
    function NO_ENTRY() external pure returns (uint32 none_) {
        none_ = EVIDENCE_NO_ENTRY;
    }

    /// @inheritdoc IEvidenceGame
    function disputeCount() external view returns (uint256 count_) {
        count_ = _disputeCount;
    }

    /// @inheritdoc IEvidenceGame
    function credit(address _recipient) external view returns (uint256 amount_) {
        amount_ = _credits[_recipient];
    }

    /// @inheritdoc IEvidenceGame
    function dispute(uint256 _disputeId) external view returns (Dispute memory dispute_) {
        dispute_ = _disputes[_disputeId];
    }

    /// @inheritdoc IEvidenceGame
    function evidenceLeaf(uint32 _index, EvidenceEntry calldata _entry) external pure returns (bytes32 leaf_) {
        leaf_ = _evidenceLeaf(_index, _entry);
    }
}
