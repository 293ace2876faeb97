// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";

/// @title DatanetHandler
/// @notice Drives a DatanetRegistry with honest calls (each made by the party allowed to make it) and random
///         calls (made by an arbitrary actor). Ghost state is updated only after a call succeeds, so a random
///         call that wrongly succeeded shows up as a mismatch in the invariants.
contract DatanetHandler is CommonBase, StdUtils {
    DatanetRegistry public immutable REGISTRY;
    address[] internal _actors;

    /// @notice Approvals plus withdrawals seen per datanet (what its version must be).
    mapping(uint256 datanetId => uint256) public ghostVersion;
    /// @notice Approved and not withdrawn, per datanet.
    mapping(uint256 datanetId => uint256) public ghostApproved;
    /// @notice Timestamps recorded when the handler saw each event happen.
    mapping(uint256 contributionId => uint64) public ghostSubmittedAt;
    mapping(uint256 contributionId => uint64) public ghostApprovedAt;
    mapping(uint256 contributionId => uint64) public ghostRejectedAt;
    mapping(uint256 contributionId => uint64) public ghostWithdrawnAt;

    constructor(DatanetRegistry _registry, address[] memory _actorList) {
        REGISTRY = _registry;
        _actors = _actorList;
    }

    /* HONEST */

    function createDatanet(uint256 _actorSeed) external {
        vm.prank(_actor(_actorSeed));
        REGISTRY.createDatanet("ipfs://datanet");
    }

    function setCurator(uint256 _datanetSeed, uint256 _actorSeed) external {
        uint256 datanetId = _someDatanet(_datanetSeed);
        if (datanetId == 0) return;
        vm.prank(REGISTRY.getDatanet(datanetId).owner);
        REGISTRY.setCurator(datanetId, _actor(_actorSeed));
    }

    function transferDatanetOwnership(uint256 _datanetSeed, uint256 _actorSeed) external {
        uint256 datanetId = _someDatanet(_datanetSeed);
        if (datanetId == 0) return;
        vm.prank(REGISTRY.getDatanet(datanetId).owner);
        REGISTRY.transferDatanetOwnership(datanetId, _actor(_actorSeed));
    }

    function contribute(uint256 _actorSeed, uint256 _datanetSeed, bytes32 _root, uint64 _length) external {
        uint256 datanetId = _someDatanet(_datanetSeed);
        if (datanetId == 0) return;
        if (_root == bytes32(0)) _root = keccak256(abi.encode(_actorSeed));
        _length = uint64(bound(_length, 1, type(uint64).max));
        vm.prank(_actor(_actorSeed));
        uint256 id = REGISTRY.contribute(datanetId, _root, _length, "ipfs://c");
        ghostSubmittedAt[id] = uint64(block.timestamp);
    }

    function approveContribution(uint256 _contributionSeed) external {
        uint256 id = _someContribution(_contributionSeed);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = REGISTRY.getContribution(id);
        vm.prank(REGISTRY.getDatanet(c.datanetId).curator);
        REGISTRY.approveContribution(id);
        ghostApprovedAt[id] = uint64(block.timestamp);
        ghostVersion[c.datanetId]++;
        ghostApproved[c.datanetId]++;
    }

    function rejectContribution(uint256 _contributionSeed) external {
        uint256 id = _someContribution(_contributionSeed);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = REGISTRY.getContribution(id);
        vm.prank(REGISTRY.getDatanet(c.datanetId).curator);
        REGISTRY.rejectContribution(id);
        ghostRejectedAt[id] = uint64(block.timestamp);
    }

    function withdrawContribution(uint256 _contributionSeed) external {
        uint256 id = _someContribution(_contributionSeed);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = REGISTRY.getContribution(id);
        vm.prank(c.contributor);
        REGISTRY.withdrawContribution(id);
        ghostWithdrawnAt[id] = uint64(block.timestamp);
        ghostVersion[c.datanetId]++;
        ghostApproved[c.datanetId]--;
    }

    function warp(uint256 _seconds) external {
        vm.warp(block.timestamp + bound(_seconds, 1, 30 days));
    }

    /* RANDOM: an arbitrary actor tries a privileged call; the ghosts only move if it was actually allowed. */

    function randomApprove(uint256 _actorSeed, uint256 _contributionSeed) external {
        uint256 id = _someContribution(_contributionSeed);
        if (id == 0) return;
        address actor = _actor(_actorSeed);
        uint256 datanetId = REGISTRY.getContribution(id).datanetId;
        bool allowed = actor == REGISTRY.getDatanet(datanetId).curator;
        vm.prank(actor);
        REGISTRY.approveContribution(id);
        if (!allowed) return; // a forbidden success stays out of the ghosts and breaks the invariants
        ghostApprovedAt[id] = uint64(block.timestamp);
        ghostVersion[datanetId]++;
        ghostApproved[datanetId]++;
    }

    function randomWithdraw(uint256 _actorSeed, uint256 _contributionSeed) external {
        uint256 id = _someContribution(_contributionSeed);
        if (id == 0) return;
        address actor = _actor(_actorSeed);
        IDatanetRegistry.Contribution memory c = REGISTRY.getContribution(id);
        vm.prank(actor);
        REGISTRY.withdrawContribution(id);
        if (actor != c.contributor) return;
        ghostWithdrawnAt[id] = uint64(block.timestamp);
        ghostVersion[c.datanetId]++;
        ghostApproved[c.datanetId]--;
    }

    function randomSetCurator(uint256 _actorSeed, uint256 _datanetSeed, uint256 _newSeed) external {
        uint256 datanetId = _someDatanet(_datanetSeed);
        if (datanetId == 0) return;
        vm.prank(_actor(_actorSeed));
        REGISTRY.setCurator(datanetId, _actor(_newSeed));
    }

    /* HELPERS */

    function actors() external view returns (address[] memory actors_) {
        actors_ = _actors;
    }

    function _actor(uint256 _seed) internal view returns (address actor_) {
        actor_ = _actors[_seed % _actors.length];
    }

    function _someDatanet(uint256 _seed) internal view returns (uint256 id_) {
        uint256 count = REGISTRY.datanetCount();
        id_ = count == 0 ? 0 : 1 + _seed % count;
    }

    function _someContribution(uint256 _seed) internal view returns (uint256 id_) {
        uint256 count = REGISTRY.contributionCount();
        id_ = count == 0 ? 0 : 1 + _seed % count;
    }
}
