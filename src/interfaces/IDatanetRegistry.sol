// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IContributionViews} from "src/interfaces/IAttributionViews.sol";

/// @title IDatanetRegistry
/// @notice Datanets (pools of data with an owner and a curator) and the contributions made to them.
/// @dev Ids of datanets and of contributions are sequential `uint256`s starting at 1 (0 is never an id).
///      A contribution's status changes are recorded as timestamps that are never erased, so σ can ask
///      "was it approved and not withdrawn at time t" for any past t (see `IContributionViews`).
///
///      Contribution life cycle (only these transitions exist):
///
/// | from     | to        | who         | records        | datanet version |
/// |----------|-----------|-------------|----------------|-----------------|
/// | —        | Pending   | anyone      | `submittedAt`  | unchanged       |
/// | Pending  | Approved  | curator     | `approvedAt`   | +1              |
/// | Pending  | Rejected  | curator     | `rejectedAt`   | unchanged       |
/// | Approved | Withdrawn | contributor | `withdrawnAt`  | +1              |
interface IDatanetRegistry is IContributionViews {
    /* TYPES */

    /// @notice Where a contribution is in its life cycle.
    enum Status {
        None,
        Pending,
        Approved,
        Rejected,
        Withdrawn
    }

    /// @notice One datanet.
    /// @param owner May hand the curator role and the ownership to others.
    /// @param createdAt Creation time.
    /// @param contributionCount Contributions ever submitted to this datanet (any status).
    /// @param curator Approves or rejects pending contributions.
    /// @param version Bumped each time the approved set changes (an approval or a withdrawal); starts at 0.
    /// @param approvedCount Contributions currently approved and not withdrawn.
    /// @param metadataURI Off-chain description (name, licence, schema...).
    struct Datanet {
        address owner;
        uint64 createdAt;
        uint32 contributionCount;
        address curator;
        uint64 version;
        uint32 approvedCount;
        string metadataURI;
    }

    /// @notice One contribution. The timestamps are `block.timestamp` of each event, 0 when it has not happened.
    /// @param contributor Paid when the contribution is attributed.
    /// @param byteLength Length in bytes of the content (never 0).
    /// @param status Current status (derivable from the timestamps; stored for convenience).
    /// @param submittedAt Submission time.
    /// @param approvedAt Approval time.
    /// @param rejectedAt Rejection time.
    /// @param withdrawnAt Withdrawal time.
    /// @param datanetId The datanet it was contributed to.
    /// @param contentRoot `ContentMerkle` root over the content's fixed-size chunks (never 0).
    /// @param metadataURI Where the content can be found, its licence...
    struct Contribution {
        address contributor;
        uint64 byteLength;
        Status status;
        uint64 submittedAt;
        uint64 approvedAt;
        uint64 rejectedAt;
        uint64 withdrawnAt;
        uint256 datanetId;
        bytes32 contentRoot;
        string metadataURI;
    }

    /* ERRORS */

    /// @notice Thrown when a datanet id does not exist.
    error DatanetRegistry_UnknownDatanet(uint256 datanetId);
    /// @notice Thrown when a contribution id does not exist.
    error DatanetRegistry_UnknownContribution(uint256 contributionId);
    /// @notice Thrown when someone other than the datanet owner calls an owner-only function.
    error DatanetRegistry_NotOwner(uint256 datanetId, address caller);
    /// @notice Thrown when someone other than the datanet curator approves or rejects.
    error DatanetRegistry_NotCurator(uint256 datanetId, address caller);
    /// @notice Thrown when someone other than the contributor withdraws a contribution.
    error DatanetRegistry_NotContributor(uint256 contributionId, address caller);
    /// @notice Thrown when a contribution has zero bytes.
    error DatanetRegistry_ZeroLength();
    /// @notice Thrown when a contribution's content root is zero.
    error DatanetRegistry_ZeroContentRoot();
    /// @notice Thrown when the zero address is given as curator or owner.
    error DatanetRegistry_ZeroAddress();
    /// @notice Thrown when approving or rejecting a contribution that is not pending.
    error DatanetRegistry_NotPending(uint256 contributionId, Status status);
    /// @notice Thrown when withdrawing a contribution that is not approved (pending, rejected or already withdrawn).
    error DatanetRegistry_NotApproved(uint256 contributionId, Status status);

    /* EVENTS */

    /// @notice Emitted when a datanet is created.
    /// @param datanetId The new datanet's id.
    /// @param owner Its owner, also its first curator.
    /// @param metadataURI Its metadata URI.
    event DatanetCreated(uint256 indexed datanetId, address indexed owner, string metadataURI);

    /// @notice Emitted when the owner hands the curator role to another address.
    /// @param datanetId The datanet.
    /// @param previousCurator The curator until now.
    /// @param newCurator The curator from now on.
    event CuratorChanged(uint256 indexed datanetId, address indexed previousCurator, address indexed newCurator);

    /// @notice Emitted when the owner transfers the datanet's ownership.
    /// @param datanetId The datanet.
    /// @param previousOwner The owner until now.
    /// @param newOwner The owner from now on.
    event DatanetOwnershipTransferred(
        uint256 indexed datanetId, address indexed previousOwner, address indexed newOwner
    );

    /// @notice Emitted when a contribution is submitted (it is pending until the curator decides).
    /// @param contributionId The new contribution's id.
    /// @param datanetId The datanet it was contributed to.
    /// @param contributor The contributor.
    /// @param contentRoot The content root.
    /// @param byteLength The content length in bytes.
    /// @param metadataURI The contribution's metadata URI.
    event ContributionAdded(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 contentRoot,
        uint64 byteLength,
        string metadataURI
    );

    /// @notice Emitted when the curator approves a pending contribution.
    /// @param contributionId The contribution.
    /// @param datanetId Its datanet.
    /// @param curator The approving curator.
    /// @param version The datanet's version after the approval.
    event ContributionApproved(
        uint256 indexed contributionId, uint256 indexed datanetId, address indexed curator, uint64 version
    );

    /// @notice Emitted when the curator rejects a pending contribution.
    /// @param contributionId The contribution.
    /// @param datanetId Its datanet.
    /// @param curator The rejecting curator.
    event ContributionRejected(uint256 indexed contributionId, uint256 indexed datanetId, address indexed curator);

    /// @notice Emitted when a contributor withdraws an approved contribution from future attribution.
    /// @param contributionId The contribution.
    /// @param datanetId Its datanet.
    /// @param contributor The contributor.
    /// @param version The datanet's version after the withdrawal.
    event ContributionWithdrawn(
        uint256 indexed contributionId, uint256 indexed datanetId, address indexed contributor, uint64 version
    );

    /* DATANETS */

    /// @notice Creates a datanet owned and curated by the caller.
    /// @param _metadataURI Off-chain description of the datanet.
    /// @return datanetId_ The new datanet's id.
    function createDatanet(string calldata _metadataURI) external returns (uint256 datanetId_);

    /// @notice Hands the curator role to `_newCurator` (owner only).
    /// @param _datanetId The datanet.
    /// @param _newCurator The new curator (not zero).
    function setCurator(uint256 _datanetId, address _newCurator) external;

    /// @notice Transfers the ownership of a datanet to `_newOwner` (owner only); the curator is unchanged.
    /// @param _datanetId The datanet.
    /// @param _newOwner The new owner (not zero).
    function transferDatanetOwnership(uint256 _datanetId, address _newOwner) external;

    /* CONTRIBUTIONS */

    /// @notice Submits a contribution to a datanet; it is pending until the curator approves or rejects it.
    /// @param _datanetId An existing datanet.
    /// @param _contentRoot The `ContentMerkle` root of the content (not zero).
    /// @param _byteLength The content length in bytes (not zero).
    /// @param _metadataURI Where the content can be found, its licence...
    /// @return contributionId_ The new contribution's id.
    function contribute(uint256 _datanetId, bytes32 _contentRoot, uint64 _byteLength, string calldata _metadataURI)
        external
        returns (uint256 contributionId_);

    /// @notice Approves a pending contribution (curator only); bumps the datanet's version.
    /// @param _contributionId The contribution.
    function approveContribution(uint256 _contributionId) external;

    /// @notice Rejects a pending contribution (curator only).
    /// @param _contributionId The contribution.
    function rejectContribution(uint256 _contributionId) external;

    /// @notice Withdraws an approved contribution from future attribution (contributor only); bumps the
    ///         datanet's version. Attributions made before the withdrawal time stay valid.
    /// @param _contributionId The contribution.
    function withdrawContribution(uint256 _contributionId) external;

    /* VIEWS */

    /// @notice Number of datanets created so far; the ids in use are exactly 1..datanetCount().
    function datanetCount() external view returns (uint256 count_);

    /// @notice Number of contributions submitted so far; the ids in use are exactly 1..contributionCount().
    function contributionCount() external view returns (uint256 count_);

    /// @notice Whether `_datanetId` is an existing datanet.
    function datanetExists(uint256 _datanetId) external view returns (bool exists_);

    /// @notice The datanet `_datanetId`; reverts with `DatanetRegistry_UnknownDatanet` if it does not exist.
    function getDatanet(uint256 _datanetId) external view returns (Datanet memory datanet_);

    /// @notice The contribution `_contributionId`; reverts with `DatanetRegistry_UnknownContribution` if unknown.
    function getContribution(uint256 _contributionId) external view returns (Contribution memory contribution_);
}
