// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IContributionViews} from "src/interfaces/IAttributionViews.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";

/// @title DatanetRegistry
/// @notice Datanets and their contributions. Only content roots live on chain; the bytes live off chain.
/// @dev See `IDatanetRegistry` for the life cycle. Nothing here loops: every call touches one datanet and at
///      most one contribution.
contract DatanetRegistry is IDatanetRegistry {
    /// @dev Datanets by id (1-based).
    mapping(uint256 datanetId => Datanet) internal _datanets;
    /// @dev Contributions by id (1-based).
    mapping(uint256 contributionId => Contribution) internal _contributions;
    /// @dev Last datanet id handed out.
    uint256 internal _datanetCount;
    /// @dev Last contribution id handed out.
    uint256 internal _contributionCount;

    /* DATANETS */

    /// @inheritdoc IDatanetRegistry
    function createDatanet(string calldata _metadataURI) external returns (uint256 datanetId_) {
        datanetId_ = ++_datanetCount;
        Datanet storage datanet = _datanets[datanetId_];
        datanet.owner = msg.sender;
        datanet.curator = msg.sender;
        datanet.createdAt = uint64(block.timestamp);
        datanet.metadataURI = _metadataURI;
        emit DatanetCreated(datanetId_, msg.sender, _metadataURI);
        emit CuratorChanged(datanetId_, address(0), msg.sender);
    }

    /// @inheritdoc IDatanetRegistry
    function setCurator(uint256 _datanetId, address _newCurator) external {
        Datanet storage datanet = _ownedDatanet(_datanetId);
        if (_newCurator == address(0)) revert DatanetRegistry_ZeroAddress();
        address previous = datanet.curator;
        datanet.curator = _newCurator;
        emit CuratorChanged(_datanetId, previous, _newCurator);
    }

    /// @inheritdoc IDatanetRegistry
    function transferDatanetOwnership(uint256 _datanetId, address _newOwner) external {
        Datanet storage datanet = _ownedDatanet(_datanetId);
        if (_newOwner == address(0)) revert DatanetRegistry_ZeroAddress();
        datanet.owner = _newOwner;
        emit DatanetOwnershipTransferred(_datanetId, msg.sender, _newOwner);
    }

    /* CONTRIBUTIONS */

    /// @inheritdoc IDatanetRegistry
    function contribute(uint256 _datanetId, bytes32 _contentRoot, uint64 _byteLength, string calldata _metadataURI)
        external
        returns (uint256 contributionId_)
    {
        Datanet storage datanet = _datanet(_datanetId);
        if (_byteLength == 0) revert DatanetRegistry_ZeroLength();
        if (_contentRoot == bytes32(0)) revert DatanetRegistry_ZeroContentRoot();

        contributionId_ = ++_contributionCount;
        Contribution storage contribution = _contributions[contributionId_];
        contribution.contributor = msg.sender;
        contribution.byteLength = _byteLength;
        contribution.status = Status.Pending;
        contribution.submittedAt = uint64(block.timestamp);
        contribution.datanetId = _datanetId;
        contribution.contentRoot = _contentRoot;
        contribution.metadataURI = _metadataURI;
        datanet.contributionCount++;

        emit ContributionAdded(contributionId_, _datanetId, msg.sender, _contentRoot, _byteLength, _metadataURI);
    }

    /// @inheritdoc IDatanetRegistry
    function approveContribution(uint256 _contributionId) external {
        (Contribution storage contribution, Datanet storage datanet) = _pendingForCurator(_contributionId);
        contribution.status = Status.Approved;
        contribution.approvedAt = uint64(block.timestamp);
        datanet.approvedCount++;
        uint64 version = ++datanet.version;
        emit ContributionApproved(_contributionId, contribution.datanetId, msg.sender, version);
    }

    /// @inheritdoc IDatanetRegistry
    function rejectContribution(uint256 _contributionId) external {
        (Contribution storage contribution,) = _pendingForCurator(_contributionId);
        contribution.status = Status.Rejected;
        contribution.rejectedAt = uint64(block.timestamp);
        emit ContributionRejected(_contributionId, contribution.datanetId, msg.sender);
    }

    /// @inheritdoc IDatanetRegistry
    function withdrawContribution(uint256 _contributionId) external {
        Contribution storage contribution = _contribution(_contributionId);
        if (msg.sender != contribution.contributor) {
            revert DatanetRegistry_NotContributor(_contributionId, msg.sender);
        }
        if (contribution.status != Status.Approved) {
            revert DatanetRegistry_NotApproved(_contributionId, contribution.status);
        }
        Datanet storage datanet = _datanets[contribution.datanetId];
        contribution.status = Status.Withdrawn;
        contribution.withdrawnAt = uint64(block.timestamp);
        datanet.approvedCount--;
        uint64 version = ++datanet.version;
        emit ContributionWithdrawn(_contributionId, contribution.datanetId, msg.sender, version);
    }

    /* VIEWS */

    /// @inheritdoc IContributionViews
    function contributionForAttribution(uint256 _contributionId)
        external
        view
        returns (address contributor_, uint256 datanetId_, uint64 approvedAt_, uint64 withdrawnAt_)
    {
        Contribution storage contribution = _contributions[_contributionId];
        (contributor_, datanetId_, approvedAt_, withdrawnAt_) =
        (contribution.contributor, contribution.datanetId, contribution.approvedAt, contribution.withdrawnAt);
    }

    /// @inheritdoc IDatanetRegistry
    function datanetCount() external view returns (uint256 count_) {
        count_ = _datanetCount;
    }

    /// @inheritdoc IDatanetRegistry
    function contributionCount() external view returns (uint256 count_) {
        count_ = _contributionCount;
    }

    /// @inheritdoc IDatanetRegistry
    function datanetExists(uint256 _datanetId) external view returns (bool exists_) {
        exists_ = _datanetId != 0 && _datanetId <= _datanetCount;
    }

    /// @inheritdoc IDatanetRegistry
    function getDatanet(uint256 _datanetId) external view returns (Datanet memory datanet_) {
        datanet_ = _datanet(_datanetId);
    }

    /// @inheritdoc IDatanetRegistry
    function getContribution(uint256 _contributionId) external view returns (Contribution memory contribution_) {
        contribution_ = _contribution(_contributionId);
    }

    /* INTERNAL */

    function _datanet(uint256 _datanetId) internal view returns (Datanet storage datanet_) {
        if (_datanetId == 0 || _datanetId > _datanetCount) revert DatanetRegistry_UnknownDatanet(_datanetId);
        datanet_ = _datanets[_datanetId];
    }

    function _ownedDatanet(uint256 _datanetId) internal view returns (Datanet storage datanet_) {
        datanet_ = _datanet(_datanetId);
        if (msg.sender != datanet_.owner) revert DatanetRegistry_NotOwner(_datanetId, msg.sender);
    }

    function _contribution(uint256 _contributionId) internal view returns (Contribution storage contribution_) {
        if (_contributionId == 0 || _contributionId > _contributionCount) {
            revert DatanetRegistry_UnknownContribution(_contributionId);
        }
        contribution_ = _contributions[_contributionId];
    }

    /// @dev The contribution and its datanet, after checking that the caller curates it and that it is pending.
    function _pendingForCurator(uint256 _contributionId)
        internal
        view
        returns (Contribution storage contribution_, Datanet storage datanet_)
    {
        contribution_ = _contribution(_contributionId);
        datanet_ = _datanets[contribution_.datanetId];
        if (msg.sender != datanet_.curator) revert DatanetRegistry_NotCurator(contribution_.datanetId, msg.sender);
        if (contribution_.status != Status.Pending) {
            revert DatanetRegistry_NotPending(_contributionId, contribution_.status);
        }
    }
}
