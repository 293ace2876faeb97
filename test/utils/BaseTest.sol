// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Test} from "forge-std/Test.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OpenToken} from "src/OpenToken.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";

/// @title BaseTest
/// @notice Shared fixtures: a deployed OpenToken, DatanetRegistry and ModelRegistry, funded actors with known
///         keys (for permits and receipts), and bounded-input helpers.
/// @dev The clock starts at `START_TIME` so that every recorded timestamp is nonzero.
abstract contract BaseTest is Test {
    uint256 internal constant START_TIME = 1_700_000_000;
    uint256 internal constant MIN_STAKE = 10e18;
    uint64 internal constant UNSTAKE_DELAY = 1 days;
    /// @dev OPEN given to each actor by the treasury.
    uint256 internal constant ACTOR_FUNDS = 1_000_000e18;
    bytes32 internal constant BASE_MODEL_HASH = keccak256("base model weights");
    bytes32 internal constant CONTENT_ROOT = keccak256("content root");

    OpenToken internal token;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;

    address internal treasury;
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    uint256 internal bobKey;
    address internal carol;
    uint256 internal carolKey;

    function setUp() public virtual {
        vm.warp(START_TIME);
        treasury = makeAddr("treasury");
        (alice, aliceKey) = makeAddrAndKey("alice");
        (bob, bobKey) = makeAddrAndKey("bob");
        (carol, carolKey) = makeAddrAndKey("carol");

        token = new OpenToken(treasury);
        datanets = new DatanetRegistry();
        models = new ModelRegistry(IOpenToken(address(token)), datanets, MIN_STAKE, UNSTAKE_DELAY);
        vm.label(address(token), "OpenToken");
        vm.label(address(datanets), "DatanetRegistry");
        vm.label(address(models), "ModelRegistry");

        vm.startPrank(treasury);
        assertTrue(token.transfer(alice, ACTOR_FUNDS));
        assertTrue(token.transfer(bob, ACTOR_FUNDS));
        assertTrue(token.transfer(carol, ACTOR_FUNDS));
        vm.stopPrank();
    }

    /* DATANETS */

    /// @dev A datanet owned and curated by `_owner`.
    function _createDatanet(address _owner) internal returns (uint256 datanetId_) {
        vm.prank(_owner);
        datanetId_ = datanets.createDatanet("ipfs://datanet");
    }

    /// @dev A pending contribution of `_contributor` to `_datanetId`.
    function _contribute(address _contributor, uint256 _datanetId) internal returns (uint256 contributionId_) {
        vm.prank(_contributor);
        contributionId_ = datanets.contribute(_datanetId, CONTENT_ROOT, 4096, "ipfs://contribution");
    }

    /// @dev An approved contribution of `_contributor` to `_datanetId` (the datanet's curator approves).
    function _approvedContribution(address _contributor, uint256 _datanetId)
        internal
        returns (uint256 contributionId_)
    {
        contributionId_ = _contribute(_contributor, _datanetId);
        vm.prank(datanets.getDatanet(_datanetId).curator);
        datanets.approveContribution(contributionId_);
    }

    /* MODELS */

    /// @dev operator 30 %, owner 20 %, data 40 %, attributor 5 %, protocol 5 %.
    function _defaultSplit() internal pure returns (FeeSplit memory split_) {
        split_ = FeeSplit({operatorBps: 3000, ownerBps: 2000, dataBps: 4000, attributorBps: 500, protocolBps: 500});
    }

    /// @dev Base-model parameters over `_datanetIds` with the default split.
    function _baseParams(uint256[] memory _datanetIds) internal pure returns (IModelRegistry.ModelParams memory p_) {
        p_.baseModelHash = BASE_MODEL_HASH;
        p_.datanetIds = _datanetIds;
        p_.method = IModelRegistry.AttributionMethod.Suffix;
        p_.attributionIndexCommitment = keccak256("index");
        p_.split = _defaultSplit();
        p_.price = 1e15;
        p_.metadataURI = "ipfs://model";
    }

    /// @dev A one-element id list.
    function _ids(uint256 _a) internal pure returns (uint256[] memory ids_) {
        ids_ = new uint256[](1);
        ids_[0] = _a;
    }

    /// @dev A two-element id list.
    function _ids(uint256 _a, uint256 _b) internal pure returns (uint256[] memory ids_) {
        ids_ = new uint256[](2);
        (ids_[0], ids_[1]) = (_a, _b);
    }

    /// @dev A base model of `_owner` over one fresh datanet of `_owner`.
    function _registerModel(address _owner) internal returns (uint256 modelId_) {
        uint256 datanetId = _createDatanet(_owner);
        vm.prank(_owner);
        modelId_ = models.registerModel(_baseParams(_ids(datanetId)));
    }

    /// @dev `_owner` stakes `_amount` on `_modelId` (approving the registry first).
    function _stake(address _owner, uint256 _modelId, uint256 _amount) internal {
        vm.startPrank(_owner);
        token.approve(address(models), _amount);
        models.stake(_modelId, _amount);
        vm.stopPrank();
    }

    /// @dev A model of `_owner` with `MIN_STAKE` staked (live).
    function _liveModel(address _owner) internal returns (uint256 modelId_) {
        modelId_ = _registerModel(_owner);
        _stake(_owner, modelId_, MIN_STAKE);
    }

    /* BOUNDS */

    /// @dev A fee split whose shares sum to 10 000, drawn from four cut points.
    function _boundSplit(uint256 _a, uint256 _b, uint256 _c, uint256 _d) internal pure returns (FeeSplit memory s_) {
        uint256 left = 10_000;
        s_.operatorBps = SafeCast.toUint16(_a % (left + 1));
        left -= s_.operatorBps;
        s_.ownerBps = SafeCast.toUint16(_b % (left + 1));
        left -= s_.ownerBps;
        s_.dataBps = SafeCast.toUint16(_c % (left + 1));
        left -= s_.dataBps;
        s_.attributorBps = SafeCast.toUint16(_d % (left + 1));
        left -= s_.attributorBps;
        s_.protocolBps = SafeCast.toUint16(left);
    }

    /// @dev The sum of a split's shares.
    function _splitSum(FeeSplit memory _s) internal pure returns (uint256 sum_) {
        sum_ = uint256(_s.operatorBps) + _s.ownerBps + _s.dataBps + _s.attributorBps + _s.protocolBps;
    }

    /// @dev A stake amount an actor can afford and that satisfies `MIN_STAKE`.
    function _boundStake(uint256 _amount) internal pure returns (uint256 amount_) {
        amount_ = bound(_amount, MIN_STAKE, ACTOR_FUNDS);
    }

    /// @dev Compares two fee splits field by field.
    function _assertSplitEq(FeeSplit memory _a, FeeSplit memory _b) internal pure {
        assertEq(_a.operatorBps, _b.operatorBps, "operatorBps");
        assertEq(_a.ownerBps, _b.ownerBps, "ownerBps");
        assertEq(_a.dataBps, _b.dataBps, "dataBps");
        assertEq(_a.attributorBps, _b.attributorBps, "attributorBps");
        assertEq(_a.protocolBps, _b.protocolBps, "protocolBps");
    }

    /// @dev Signs an ERC-2612 permit of `_owner` (key `_key`) for `_spender`.
    function _signPermit(uint256 _key, address _owner, address _spender, uint256 _value, uint256 _deadline)
        internal
        view
        returns (uint8 v_, bytes32 r_, bytes32 s_)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                _owner,
                _spender,
                _value,
                token.nonces(_owner),
                _deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (v_, r_, s_) = vm.sign(_key, digest);
    }
}
