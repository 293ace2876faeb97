// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FeeSplit, IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";

/// @notice A stand-in for DatanetRegistry + ModelRegistry implementing only the views σ reads,
///         loadable from the ABI snapshot written by `agents/sigma/registry.ts` (encodeRegistry).
contract RegistryFixture is IContributionViews, IModelViews {
    struct Model {
        address owner;
        FeeSplit split;
        uint64 registeredAt;
        uint64 retiredAt;
    }

    struct Contribution {
        address contributor;
        uint256 datanetId;
        uint64 approvedAt;
        uint64 withdrawnAt;
    }

    mapping(uint256 => Model) internal models;
    mapping(uint256 => Contribution) internal contributions;
    mapping(uint256 => mapping(uint256 => bool)) internal uses;

    function setModel(uint256 _id, address _owner, FeeSplit memory _split, uint64 _registeredAt, uint64 _retiredAt)
        public
    {
        models[_id] = Model(_owner, _split, _registeredAt, _retiredAt);
    }

    function setUses(uint256 _modelId, uint256 _datanetId, bool _uses) public {
        uses[_modelId][_datanetId] = _uses;
    }

    function setContribution(
        uint256 _id,
        address _contributor,
        uint256 _datanetId,
        uint64 _approvedAt,
        uint64 _withdrawnAt
    ) public {
        contributions[_id] = Contribution(_contributor, _datanetId, _approvedAt, _withdrawnAt);
    }

    /// @notice The snapshot layout of `encodeRegistry` (agents/sigma/registry.ts).
    struct Snapshot {
        uint256[] modelIds;
        address[] owners;
        uint16[5][] splits;
        uint64[] registeredAt;
        uint64[] retiredAt;
        uint256[] useModel;
        uint256[] useDatanet;
        uint256[] contributionIds;
        address[] contributors;
        uint256[] datanetIds;
        uint64[] approvedAt;
        uint64[] withdrawnAt;
    }

    /// @notice Loads a snapshot encoded by `encodeRegistry`.
    function load(bytes memory _snapshot) external {
        Snapshot memory s = abi.decode(_snapshot, (Snapshot));
        for (uint256 i = 0; i < s.modelIds.length; i++) {
            uint16[5] memory b = s.splits[i];
            setModel(
                s.modelIds[i], s.owners[i], FeeSplit(b[0], b[1], b[2], b[3], b[4]), s.registeredAt[i], s.retiredAt[i]
            );
        }
        for (uint256 i = 0; i < s.useModel.length; i++) {
            setUses(s.useModel[i], s.useDatanet[i], true);
        }
        for (uint256 i = 0; i < s.contributionIds.length; i++) {
            setContribution(s.contributionIds[i], s.contributors[i], s.datanetIds[i], s.approvedAt[i], s.withdrawnAt[i]);
        }
    }

    function contributionForAttribution(uint256 _contributionId)
        external
        view
        returns (address contributor_, uint256 datanetId_, uint64 approvedAt_, uint64 withdrawnAt_)
    {
        Contribution memory c = contributions[_contributionId];
        return (c.contributor, c.datanetId, c.approvedAt, c.withdrawnAt);
    }

    function modelForAttribution(uint256 _modelId)
        external
        view
        returns (address owner_, FeeSplit memory split_, uint64 registeredAt_, uint64 retiredAt_)
    {
        Model memory m = models[_modelId];
        return (m.owner, m.split, m.registeredAt, m.retiredAt);
    }

    function modelUsesDatanet(uint256 _modelId, uint256 _datanetId) external view returns (bool uses_) {
        uses_ = uses[_modelId][_datanetId];
    }
}
