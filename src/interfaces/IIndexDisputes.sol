// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IsaProof} from "src/evidence/SuffixChecks.sol";
import {EntryProof, IndexCommitment, SaLeaf, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @title IIndexDisputes
/// @notice The bogus-index dispute (docs/evidence-game.md §1.4): anyone who shows one local violation of a suffix
///         model's index commitment has the epoch marked bogus and is paid half of the owner's stake. Each proof
///         is one call: a violation is a fact the chain checks, so there is no counter-move and no bond.
interface IIndexDisputes {
    /// @notice The kinds of violation.
    enum Violation {
        Parameters,
        NotPermutation,
        Unsorted,
        Layout,
        Edge,
        EntryNotAttributable,
        MissingContribution,
        SnapshotAfterEpoch
    }

    /// @notice Thrown when the model's method is not `Suffix`.
    error IndexDisputes_NotSuffixModel(uint256 modelId);
    /// @notice Thrown when the commitment preimage does not hash to the epoch's commitment.
    error IndexDisputes_CommitmentMismatch(bytes32 expected, bytes32 got);
    /// @notice Thrown when a claimed violation is not one.
    error IndexDisputes_NoViolation();

    /// @notice Emitted when a violation of an index epoch is proved.
    /// @param modelId The model.
    /// @param epoch The epoch.
    /// @param prover Who proved it.
    /// @param violation Which rule it broke.
    event BogusIndexProved(uint256 indexed modelId, uint256 indexed epoch, address indexed prover, Violation violation);

    /// @notice The registry whose epochs are judged (and that slashes).
    function MODELS() external view returns (IModelRegistry models_);

    /// @notice The datanet registry the corpus is checked against.
    function DATANETS() external view returns (IDatanetRegistry datanets_);

    /// @notice A parameter is out of range (version, minMatch = 0, maxOccurrences ∉ [1, 8],
    ///         maxEntries ∉ [1, 32], an empty corpus).
    function proveParameters(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c) external;

    /// @notice The suffix array is not a permutation: `SA[i] ≥ n` or `ISA[SA[i]] ≠ i`.
    function provePermutation(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        SaLeaf calldata _sa,
        uint64 _isaRank,
        bytes32[] calldata _isaProof
    ) external;

    /// @notice Two adjacent suffixes are out of order.
    function proveUnsorted(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        SuffixOpening calldata _first,
        SuffixOpening calldata _second,
        IsaProof calldata _next1,
        IsaProof calldata _next2
    ) external;

    /// @notice Two adjacent corpus entries leave a gap or overlap, or their ids are not ascending.
    function proveLayout(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        EntryProof calldata _a,
        EntryProof calldata _b
    ) external;

    /// @notice An entry is empty, or the first does not start at 0, or the last does not end at n.
    function proveEdge(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c, EntryProof calldata _e) external;

    /// @notice An entry is not a contribution attributable to the model at the snapshot time (unknown, not
    ///         approved by then, withdrawn by then, in a datanet the model does not use), or its length or content
    ///         root differs from the registry's.
    function proveEntryNotAttributable(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        EntryProof calldata _e
    ) external;

    /// @notice A contribution attributable to the model at the snapshot time is missing: the adjacent entries
    ///         around its id (or the first / last entry) are shown.
    function proveMissingContribution(
        uint256 _modelId,
        uint256 _epoch,
        IndexCommitment calldata _c,
        uint64 _contributionId,
        bool _hasBefore,
        EntryProof calldata _before,
        bool _hasAfter,
        EntryProof calldata _after
    ) external;

    /// @notice The commitment's snapshot time is after the epoch took effect.
    function proveSnapshotAfterEpoch(uint256 _modelId, uint256 _epoch, IndexCommitment calldata _c) external;
}
