// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IsaProof, SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {
    CorpusEntry,
    EntryProof,
    IndexCommitment,
    SaLeaf,
    SuffixIndex,
    SuffixOpening
} from "src/evidence/SuffixIndex.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IIndexDisputes} from "src/interfaces/IIndexDisputes.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @title IndexDisputes
/// @notice Judges bogus-index proofs against a suffix model's index epochs and has the registry slash the owner
///         (docs/evidence-game.md §1.4). Created by `ModelRegistry`'s constructor.
contract IndexDisputes is IIndexDisputes {
    /// @notice K's upper bound (σ's MAX_ENTRIES_LIMIT): a commitment's maxEntries above it is a violation.
    uint256 internal constant MAX_ENTRIES_LIMIT = 32;

    /// @inheritdoc IIndexDisputes
    IModelRegistry public immutable MODELS;
    /// @inheritdoc IIndexDisputes
    IDatanetRegistry public immutable DATANETS;

    /// @param _models The registry (the creator).
    /// @param _datanets The datanet registry.
    constructor(IModelRegistry _models, IDatanetRegistry _datanets) {
        MODELS = _models;
        DATANETS = _datanets;
    }

    /// @inheritdoc IIndexDisputes
    function proveParameters(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c) external {
        _checkCommitment(_modelId, _epoch, _c);
        SuffixChecks.verifyParameterViolation(_c, MAX_ENTRIES_LIMIT);
        _slash(_modelId, _epoch, Violation.Parameters);
    }

    /// @inheritdoc IIndexDisputes
    function provePermutation(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        SaLeaf calldata _sa,
        uint64 _isaRank,
        bytes32[] calldata _isaProof
    ) external {
        _checkCommitment(_modelId, _epoch, _c);
        SuffixChecks.verifyPermutationViolation(_c, _sa, _isaRank, _isaProof);
        _slash(_modelId, _epoch, Violation.NotPermutation);
    }

    /// @inheritdoc IIndexDisputes
    function proveUnsorted(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        SuffixOpening calldata _first,
        SuffixOpening calldata _second,
        IsaProof calldata _next1,
        IsaProof calldata _next2
    ) external {
        _checkCommitment(_modelId, _epoch, _c);
        SuffixChecks.verifyOrderViolation(_c, _first, _second, _next1, _next2);
        _slash(_modelId, _epoch, Violation.Unsorted);
    }

    /// @inheritdoc IIndexDisputes
    function proveLayout(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        EntryProof calldata _a,
        EntryProof calldata _b
    ) external {
        _checkCommitment(_modelId, _epoch, _c);
        SuffixChecks.verifyLayoutViolation(_c, _a, _b);
        _slash(_modelId, _epoch, Violation.Layout);
    }

    /// @inheritdoc IIndexDisputes
    function proveEdge(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c, EntryProof calldata _e) external {
        _checkCommitment(_modelId, _epoch, _c);
        SuffixChecks.verifyEdgeViolation(_c, _e);
        _slash(_modelId, _epoch, Violation.Edge);
    }

    /// @inheritdoc IIndexDisputes
    function proveEntryNotAttributable(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        EntryProof calldata _e
    ) external {
        _checkCommitment(_modelId, _epoch, _c);
        SuffixIndex.checkEntry(_c, _e);
        CorpusEntry calldata e = _e.entry;
        if (_attributable(_modelId, e.contributionId, _c.snapshotTime, e.length, e.contentRoot)) {
            revert IndexDisputes_NoViolation();
        }
        _slash(_modelId, _epoch, Violation.EntryNotAttributable);
    }

    /// @inheritdoc IIndexDisputes
    function proveMissingContribution(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        uint64 _contributionId,
        bool _hasBefore,
        EntryProof calldata _before,
        bool _hasAfter,
        EntryProof calldata _after
    ) external {
        _checkCommitment(_modelId, _epoch, _c);
        if (!_hasBefore && !_hasAfter) revert IndexDisputes_NoViolation();
        if (_hasBefore) {
            SuffixIndex.checkEntry(_c, _before);
            if (_before.entry.contributionId >= _contributionId) revert IndexDisputes_NoViolation();
            if (!_hasAfter && _before.entry.index + 1 != _c.entryCount) revert IndexDisputes_NoViolation();
        }
        if (_hasAfter) {
            SuffixIndex.checkEntry(_c, _after);
            if (_after.entry.contributionId <= _contributionId) revert IndexDisputes_NoViolation();
            uint256 expected = _hasBefore ? uint256(_before.entry.index) + 1 : 0;
            if (_after.entry.index != expected) revert IndexDisputes_NoViolation();
        }
        if (_contributionId == 0 || _contributionId > DATANETS.contributionCount()) revert IndexDisputes_NoViolation();
        IDatanetRegistry.Contribution memory k = DATANETS.getContribution(_contributionId);
        if (!_attributable(_modelId, _contributionId, _c.snapshotTime, k.byteLength, k.contentRoot)) {
            revert IndexDisputes_NoViolation();
        }
        _slash(_modelId, _epoch, Violation.MissingContribution);
    }

    /// @inheritdoc IIndexDisputes
    function proveSnapshotAfterEpoch(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c) external {
        IModelRegistry.IndexEpoch memory epoch = _checkCommitment(_modelId, _epoch, _c);
        if (_c.snapshotTime <= epoch.activeFrom) revert IndexDisputes_NoViolation();
        _slash(_modelId, _epoch, Violation.SnapshotAfterEpoch);
    }

    /* INTERNAL */

    /// @dev The epoch exists, belongs to a suffix model, and `_c` is its commitment's preimage.
    function _checkCommitment(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c)
        internal
        view
        returns (IModelRegistry.IndexEpoch memory epoch_)
    {
        if (MODELS.getModel(_modelId).method != IModelRegistry.AttributionMethod.Suffix) {
            revert IndexDisputes_NotSuffixModel(_modelId);
        }
        epoch_ = MODELS.indexEpoch(_modelId, _epoch);
        bytes32 got = SuffixIndex.commitment(_c);
        if (got != epoch_.commitment) revert IndexDisputes_CommitmentMismatch(epoch_.commitment, got);
    }

    /// @dev Whether contribution `_id`, with the given length and root, belongs in the model's corpus at `_time`.
    function _attributable(uint256 _modelId, uint64 _id, uint64 _time, uint64 _length, bytes32 _root)
        internal
        view
        returns (bool yes_)
    {
        if (_id == 0 || _id > DATANETS.contributionCount()) return false;
        IDatanetRegistry.Contribution memory k = DATANETS.getContribution(_id);
        yes_ = k.approvedAt != 0 && k.approvedAt <= _time && (k.withdrawnAt == 0 || k.withdrawnAt > _time)
            && MODELS.modelUsesDatanet(_modelId, k.datanetId) && k.byteLength == _length && k.contentRoot == _root;
    }

    function _slash(uint256 _modelId, uint256 _epoch, Violation _violation) internal {
        emit BogusIndexProved(_modelId, _epoch, msg.sender, _violation);
        MODELS.slashBogusIndex(_modelId, _epoch, msg.sender);
    }
}
