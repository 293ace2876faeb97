// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OpenToken} from "src/OpenToken.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @title ModelHandler
/// @notice Drives a ModelRegistry: owners register, stake, unstake, withdraw and retire (honest calls), and an
///         arbitrary actor tries the owner-only calls (random calls). Ghosts move only on allowed successes.
contract ModelHandler is CommonBase, StdUtils {
    ModelRegistry public immutable REGISTRY;
    OpenToken public immutable TOKEN;
    uint256 public immutable DATANETS;
    address[] internal _actors;

    /// @notice OPEN paid into / out of the registry through successful calls.
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;

    /// @notice What σ reads, as registered: owner, hash of (split, registeredAt, datanets), retiredAt.
    mapping(uint256 modelId => address) public ghostOwner;
    mapping(uint256 modelId => bytes32) public ghostRegistration;
    mapping(uint256 modelId => uint64) public ghostRetiredAt;

    /// @param _datanets Number of datanets (ids 1.._datanets) that exist in the registry's DatanetRegistry.
    constructor(ModelRegistry _registry, OpenToken _token, uint256 _datanets, address[] memory _actorList) {
        REGISTRY = _registry;
        TOKEN = _token;
        DATANETS = _datanets;
        _actors = _actorList;
    }

    /* HONEST */

    function registerModel(uint256 _actorSeed, uint256 _a, uint256 _b, uint256 _c, uint256 _d, uint256 _datanetSeed)
        external
    {
        IModelRegistry.ModelParams memory p;
        p.baseModelHash = keccak256(abi.encode(_a));
        p.split = _split(_a, _b, _c, _d);
        // A distinct, in-range, non-empty subset of the datanets.
        uint256 n = 1 + _datanetSeed % DATANETS;
        p.datanetIds = new uint256[](n);
        uint256 first = _datanetSeed % DATANETS;
        for (uint256 i = 0; i < n; i++) {
            p.datanetIds[i] = 1 + (first + i) % DATANETS;
        }
        address owner = _actor(_actorSeed);
        vm.prank(owner);
        uint256 id = REGISTRY.registerModel(p);
        ghostOwner[id] = owner;
        ghostRegistration[id] = keccak256(abi.encode(p.split, uint64(block.timestamp), p.datanetIds));
    }

    function stake(uint256 _modelSeed, uint256 _amount) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        _amount = bound(_amount, 1, 1000e18);
        address owner = ghostOwner[id];
        vm.startPrank(owner);
        TOKEN.approve(address(REGISTRY), _amount);
        REGISTRY.stake(id, _amount);
        vm.stopPrank();
        ghostDeposited += _amount;
    }

    function requestUnstake(uint256 _modelSeed, uint256 _amount) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        uint256 staked = REGISTRY.getModel(id).stake;
        uint256 minStake = REGISTRY.MIN_STAKE();
        // Half the time everything, otherwise an amount that leaves at least MIN_STAKE when there is room.
        if (_amount % 2 == 0 || staked <= minStake) _amount = staked == 0 ? 1 : staked;
        else _amount = bound(_amount, 1, staked - minStake);
        vm.prank(ghostOwner[id]);
        REGISTRY.requestUnstake(id, _amount);
    }

    function withdrawStake(uint256 _modelSeed) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        uint256 pending = REGISTRY.getModel(id).pendingUnstake;
        vm.prank(ghostOwner[id]);
        REGISTRY.withdrawStake(id);
        ghostWithdrawn += pending;
    }

    function retire(uint256 _modelSeed) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        vm.prank(ghostOwner[id]);
        REGISTRY.retire(id);
        ghostRetiredAt[id] = uint64(block.timestamp);
    }

    function updatePrice(uint256 _modelSeed, uint256 _price) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        vm.prank(ghostOwner[id]);
        REGISTRY.updatePrice(id, _price);
    }

    function warp(uint256 _seconds) external {
        vm.warp(block.timestamp + bound(_seconds, 1, 3 days));
    }

    /* RANDOM */

    function randomRetire(uint256 _actorSeed, uint256 _modelSeed) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        address actor = _actor(_actorSeed);
        vm.prank(actor);
        REGISTRY.retire(id);
        if (actor == ghostOwner[id]) ghostRetiredAt[id] = uint64(block.timestamp);
    }

    function randomWithdrawStake(uint256 _actorSeed, uint256 _modelSeed) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        address actor = _actor(_actorSeed);
        uint256 pending = REGISTRY.getModel(id).pendingUnstake;
        vm.prank(actor);
        REGISTRY.withdrawStake(id);
        if (actor == ghostOwner[id]) ghostWithdrawn += pending;
    }

    function randomRequestUnstake(uint256 _actorSeed, uint256 _modelSeed, uint256 _amount) external {
        uint256 id = _someModel(_modelSeed);
        if (id == 0) return;
        vm.prank(_actor(_actorSeed));
        REGISTRY.requestUnstake(id, bound(_amount, 1, 1000e18));
    }

    /* HELPERS */

    function actors() external view returns (address[] memory actors_) {
        actors_ = _actors;
    }

    function _actor(uint256 _seed) internal view returns (address actor_) {
        actor_ = _actors[_seed % _actors.length];
    }

    function _someModel(uint256 _seed) internal view returns (uint256 id_) {
        uint256 count = REGISTRY.modelCount();
        id_ = count == 0 ? 0 : 1 + _seed % count;
    }

    /// @dev A valid split six times in seven; otherwise one that `registerModel` must reject.
    function _split(uint256 _a, uint256 _b, uint256 _c, uint256 _d) internal pure returns (FeeSplit memory s_) {
        s_.operatorBps = SafeCast.toUint16(_a % 4001);
        s_.ownerBps = SafeCast.toUint16(_b % 3001);
        s_.dataBps = SafeCast.toUint16(_c % 2001);
        s_.attributorBps = SafeCast.toUint16(_d % 1001);
        uint256 used = uint256(s_.operatorBps) + s_.ownerBps + s_.dataBps + s_.attributorBps;
        s_.protocolBps = SafeCast.toUint16(_a % 7 == 0 ? 1 : 10_000 - used); // 1 in 7: a bad split
    }
}
