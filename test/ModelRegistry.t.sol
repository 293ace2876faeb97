// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

contract ModelRegistry_Constructor_Test is BaseTest {
    function test_constructor_setsImmutables_succeeds() public view {
        assertEq(address(models.OPEN_TOKEN()), address(token));
        assertEq(address(models.DATANET_REGISTRY()), address(datanets));
        assertEq(models.MIN_STAKE(), MIN_STAKE);
        assertEq(models.UNSTAKE_DELAY(), UNSTAKE_DELAY);
        assertEq(models.BPS(), 10_000);
        assertEq(models.MAX_DATANETS(), 32);
        assertEq(models.modelCount(), 0);
        assertEq(models.totalStaked(), 0);
    }

    function test_constructor_zeroToken_reverts() public {
        vm.expectRevert(IModelRegistry.ModelRegistry_ZeroAddress.selector);
        new ModelRegistry(IOpenToken(address(0)), datanets, MIN_STAKE, UNSTAKE_DELAY);
    }

    function test_constructor_zeroDatanetRegistry_reverts() public {
        vm.expectRevert(IModelRegistry.ModelRegistry_ZeroAddress.selector);
        new ModelRegistry(IOpenToken(address(token)), IDatanetRegistry(address(0)), MIN_STAKE, UNSTAKE_DELAY);
    }
}

contract ModelRegistry_RegisterModel_Test is BaseTest {
    uint256 internal d1;
    uint256 internal d2;

    function setUp() public override {
        super.setUp();
        d1 = _createDatanet(alice);
        d2 = _createDatanet(bob);
    }

    function test_registerModel_storesEverything_succeeds() public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d2, d1));
        p.method = IModelRegistry.AttributionMethod.Gradient;
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.ModelRegistered(1, carol, BASE_MODEL_HASH, p);
        vm.prank(carol);
        uint256 id = models.registerModel(p);

        assertEq(id, 1);
        assertEq(models.modelCount(), 1);
        IModelRegistry.Model memory m = models.getModel(id);
        assertEq(m.owner, carol);
        assertEq(m.registeredAt, START_TIME);
        assertEq(m.retiredAt, 0);
        assertEq(uint8(m.method), uint8(IModelRegistry.AttributionMethod.Gradient));
        _assertSplitEq(m.split, p.split);
        assertEq(m.baseModelHash, BASE_MODEL_HASH);
        assertEq(m.adapterHash, bytes32(0));
        assertEq(m.parentModelId, 0);
        assertEq(m.attributionIndexCommitment, p.attributionIndexCommitment);
        assertEq(m.price, p.price);
        assertEq(m.stake, 0);
        assertEq(m.pendingUnstake, 0);
        assertEq(m.unstakeAvailableAt, 0);
        assertEq(m.datanetIds, p.datanetIds);
        assertEq(m.metadataURI, "ipfs://model");
        assertEq(models.modelDatanets(id), p.datanetIds);

        (address owner, FeeSplit memory split, uint64 registeredAt, uint64 retiredAt) = models.modelForAttribution(id);
        assertEq(owner, carol);
        _assertSplitEq(split, p.split);
        assertEq(registeredAt, START_TIME);
        assertEq(retiredAt, 0);
        assertTrue(models.modelUsesDatanet(id, d1));
        assertTrue(models.modelUsesDatanet(id, d2));
        assertFalse(models.modelUsesDatanet(id, 3));
        assertFalse(models.isLive(id), "no stake yet");
    }

    function testFuzz_registerModel_anyValidSplit_succeeds(uint256 _a, uint256 _b, uint256 _c, uint256 _d) public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.split = _boundSplit(_a, _b, _c, _d);
        vm.prank(alice);
        uint256 id = models.registerModel(p);
        (, FeeSplit memory split,,) = models.modelForAttribution(id);
        _assertSplitEq(split, p.split);
    }

    function testFuzz_registerModel_badSplit_reverts(FeeSplit memory _split) public {
        uint256 sum = _splitSum(_split);
        vm.assume(sum != 10_000);
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.split = _split;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_BadFeeSplit.selector, sum));
        vm.prank(alice);
        models.registerModel(p);
    }

    function test_registerModel_idsSequential_succeeds() public {
        vm.startPrank(alice);
        assertEq(models.registerModel(_baseParams(_ids(d1))), 1);
        assertEq(models.registerModel(_baseParams(_ids(d2))), 2);
        vm.stopPrank();
        vm.prank(bob);
        assertEq(models.registerModel(_baseParams(_ids(d1, d2))), 3);
        assertFalse(models.modelUsesDatanet(1, d2));
        assertTrue(models.modelUsesDatanet(2, d2));
    }

    function test_registerModel_adapterWithParent_succeeds() public {
        vm.prank(alice);
        uint256 base = models.registerModel(_baseParams(_ids(d1)));
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d2));
        p.adapterHash = keccak256("adapter");
        p.parentModelId = base;
        vm.prank(bob);
        uint256 adapter = models.registerModel(p);
        IModelRegistry.Model memory m = models.getModel(adapter);
        assertEq(m.owner, bob);
        assertEq(m.parentModelId, base);
        assertEq(m.adapterHash, keccak256("adapter"));
        assertEq(m.baseModelHash, BASE_MODEL_HASH);
    }

    function test_registerModel_adapterWithoutParent_succeeds() public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.adapterHash = keccak256("adapter");
        vm.prank(bob);
        uint256 id = models.registerModel(p);
        assertEq(models.getModel(id).parentModelId, 0);
    }

    function test_registerModel_noDatanetsNoDataShare_succeeds() public {
        IModelRegistry.ModelParams memory p = _baseParams(new uint256[](0));
        p.split = FeeSplit({operatorBps: 5000, ownerBps: 5000, dataBps: 0, attributorBps: 0, protocolBps: 0});
        vm.prank(alice);
        uint256 id = models.registerModel(p);
        assertEq(models.modelDatanets(id).length, 0);
    }

    function test_registerModel_maxDatanets_succeeds() public {
        uint256[] memory ids = new uint256[](32);
        for (uint256 i = 0; i < 32; i++) {
            ids[i] = i < 2 ? i + 1 : _createDatanet(carol);
        }
        vm.prank(alice);
        uint256 id = models.registerModel(_baseParams(ids));
        assertEq(models.modelDatanets(id).length, 32);
        assertTrue(models.modelUsesDatanet(id, 32));
    }

    function test_registerModel_noDatanetsWithDataShare_reverts() public {
        vm.expectRevert(IModelRegistry.ModelRegistry_NoDatanets.selector);
        vm.prank(alice);
        models.registerModel(_baseParams(new uint256[](0)));
    }

    function test_registerModel_tooManyDatanets_reverts() public {
        uint256[] memory ids = new uint256[](33);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_TooManyDatanets.selector, 33, 32));
        vm.prank(alice);
        models.registerModel(_baseParams(ids));
    }

    function testFuzz_registerModel_unknownDatanet_reverts(uint256 _datanetId) public {
        vm.assume(_datanetId != d1 && _datanetId != d2);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownDatanet.selector, _datanetId));
        vm.prank(alice);
        models.registerModel(_baseParams(_ids(d1, _datanetId)));
    }

    function test_registerModel_duplicateDatanet_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_DuplicateDatanet.selector, d2));
        vm.prank(alice);
        models.registerModel(_baseParams(_ids(d2, d2)));
    }

    function test_registerModel_zeroBaseModelHash_reverts() public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.baseModelHash = bytes32(0);
        vm.expectRevert(IModelRegistry.ModelRegistry_ZeroBaseModelHash.selector);
        vm.prank(alice);
        models.registerModel(p);
    }

    function test_registerModel_parentOnBaseModel_reverts() public {
        vm.prank(alice);
        uint256 base = models.registerModel(_baseParams(_ids(d1)));
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.parentModelId = base; // adapterHash stays 0: a base model cannot have a parent
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_BadParent.selector, base));
        vm.prank(alice);
        models.registerModel(p);
    }

    function test_registerModel_unknownParent_reverts() public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.adapterHash = keccak256("adapter");
        p.parentModelId = 1; // the id this very registration would get
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_BadParent.selector, 1));
        vm.prank(alice);
        models.registerModel(p);
    }

    function test_registerModel_parentIsAdapter_reverts() public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.adapterHash = keccak256("adapter");
        vm.prank(alice);
        uint256 adapter = models.registerModel(p);
        p.parentModelId = adapter;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_BadParent.selector, adapter));
        vm.prank(alice);
        models.registerModel(p);
    }

    function test_registerModel_parentOtherBaseHash_reverts() public {
        vm.prank(alice);
        uint256 base = models.registerModel(_baseParams(_ids(d1)));
        IModelRegistry.ModelParams memory p = _baseParams(_ids(d1));
        p.baseModelHash = keccak256("other base");
        p.adapterHash = keccak256("adapter");
        p.parentModelId = base;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_BadParent.selector, base));
        vm.prank(alice);
        models.registerModel(p);
    }
}

contract ModelRegistry_Stake_Test is BaseTest {
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(alice);
    }

    function testFuzz_stake_pullsTokensAndGoesLive_succeeds(uint256 _amount) public {
        _amount = _boundStake(_amount);
        vm.startPrank(alice);
        token.approve(address(models), _amount);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.Staked(modelId, alice, _amount, _amount);
        models.stake(modelId, _amount);
        vm.stopPrank();

        assertEq(models.getModel(modelId).stake, _amount);
        assertEq(models.totalStaked(), _amount);
        assertEq(token.balanceOf(address(models)), _amount);
        assertEq(token.balanceOf(alice), ACTOR_FUNDS - _amount);
        assertTrue(models.isLive(modelId));
    }

    function test_stake_topUpBelowMinimum_succeeds() public {
        _stake(alice, modelId, MIN_STAKE);
        vm.startPrank(alice);
        token.approve(address(models), 1);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.Staked(modelId, alice, 1, MIN_STAKE + 1);
        models.stake(modelId, 1);
        vm.stopPrank();
        assertEq(models.getModel(modelId).stake, MIN_STAKE + 1);
    }

    function testFuzz_stake_belowMinimum_reverts(uint256 _amount) public {
        _amount = bound(_amount, 1, MIN_STAKE - 1);
        vm.startPrank(alice);
        token.approve(address(models), _amount);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistry_InsufficientStake.selector, _amount, MIN_STAKE)
        );
        models.stake(modelId, _amount);
        vm.stopPrank();
    }

    function test_stake_zero_reverts() public {
        vm.expectRevert(IModelRegistry.ModelRegistry_ZeroAmount.selector);
        vm.prank(alice);
        models.stake(modelId, 0);
    }

    function test_stake_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.stake(modelId, MIN_STAKE);
    }

    function test_stake_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 2));
        vm.prank(alice);
        models.stake(2, MIN_STAKE);
    }

    function test_stake_retired_reverts() public {
        vm.prank(alice);
        models.retire(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_Retired.selector, modelId));
        vm.prank(alice);
        models.stake(modelId, MIN_STAKE);
    }

    function test_stake_withoutAllowance_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(models), uint256(0), MIN_STAKE
            )
        );
        vm.prank(alice);
        models.stake(modelId, MIN_STAKE);
    }
}

contract ModelRegistry_StakeWithPermit_Test is BaseTest {
    uint256 internal modelId;
    uint256 internal deadline;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(alice);
        deadline = block.timestamp + 1 hours;
    }

    function testFuzz_stakeWithPermit_noPriorApproval_succeeds(uint256 _amount) public {
        _amount = _boundStake(_amount);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, address(models), _amount, deadline);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.Staked(modelId, alice, _amount, _amount);
        vm.prank(alice);
        models.stakeWithPermit(modelId, _amount, deadline, v, r, s);
        assertEq(models.getModel(modelId).stake, _amount);
        assertEq(token.allowance(alice, address(models)), 0);
        assertEq(token.nonces(alice), 1);
    }

    function test_stakeWithPermit_frontRunPermit_succeeds() public {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, address(models), MIN_STAKE, deadline);
        token.permit(alice, address(models), MIN_STAKE, deadline, v, r, s); // someone replays it first
        vm.prank(alice);
        models.stakeWithPermit(modelId, MIN_STAKE, deadline, v, r, s);
        assertEq(models.getModel(modelId).stake, MIN_STAKE);
    }

    function test_stakeWithPermit_badSignature_reverts() public {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(bobKey, alice, address(models), MIN_STAKE, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(models), uint256(0), MIN_STAKE
            )
        );
        vm.prank(alice);
        models.stakeWithPermit(modelId, MIN_STAKE, deadline, v, r, s);
    }

    function test_stakeWithPermit_notOwner_reverts() public {
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(bobKey, bob, address(models), MIN_STAKE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.stakeWithPermit(modelId, MIN_STAKE, deadline, v, r, s);
    }
}

contract ModelRegistry_RequestUnstake_Test is BaseTest {
    uint256 internal modelId;
    uint256 internal constant STAKED = 100e18;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(alice);
        _stake(alice, modelId, STAKED);
    }

    function testFuzz_requestUnstake_movesToPending_succeeds(uint256 _amount) public {
        _amount = bound(_amount, 1, STAKED - MIN_STAKE);
        uint64 availableAt = uint64(block.timestamp) + UNSTAKE_DELAY;
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.UnstakeRequested(modelId, _amount, STAKED - _amount, _amount, availableAt);
        vm.prank(alice);
        models.requestUnstake(modelId, _amount);

        IModelRegistry.Model memory m = models.getModel(modelId);
        assertEq(m.stake, STAKED - _amount);
        assertEq(m.pendingUnstake, _amount);
        assertEq(m.unstakeAvailableAt, availableAt);
        assertEq(models.totalStaked(), STAKED, "pending tokens stay in the registry");
        assertEq(token.balanceOf(address(models)), STAKED);
        assertTrue(models.isLive(modelId));
    }

    function test_requestUnstake_everything_endsLiveness_succeeds() public {
        vm.prank(alice);
        models.requestUnstake(modelId, STAKED);
        assertEq(models.getModel(modelId).stake, 0);
        assertFalse(models.isLive(modelId));
    }

    function test_requestUnstake_secondRequestRestartsDelay_succeeds() public {
        vm.prank(alice);
        models.requestUnstake(modelId, 1e18);
        vm.warp(block.timestamp + UNSTAKE_DELAY - 1);
        vm.prank(alice);
        models.requestUnstake(modelId, 2e18);
        IModelRegistry.Model memory m = models.getModel(modelId);
        assertEq(m.pendingUnstake, 3e18);
        assertEq(m.unstakeAvailableAt, block.timestamp + UNSTAKE_DELAY);
    }

    function testFuzz_requestUnstake_leavesDust_reverts(uint256 _remaining) public {
        _remaining = bound(_remaining, 1, MIN_STAKE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistry_InsufficientStake.selector, _remaining, MIN_STAKE)
        );
        vm.prank(alice);
        models.requestUnstake(modelId, STAKED - _remaining);
    }

    function testFuzz_requestUnstake_moreThanStake_reverts(uint256 _amount) public {
        _amount = bound(_amount, STAKED + 1, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnstakeExceedsStake.selector, _amount, STAKED)
        );
        vm.prank(alice);
        models.requestUnstake(modelId, _amount);
    }

    function test_requestUnstake_zero_reverts() public {
        vm.expectRevert(IModelRegistry.ModelRegistry_ZeroAmount.selector);
        vm.prank(alice);
        models.requestUnstake(modelId, 0);
    }

    function test_requestUnstake_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.requestUnstake(modelId, 1e18);
    }

    function test_requestUnstake_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 0));
        vm.prank(alice);
        models.requestUnstake(0, 1e18);
    }
}

contract ModelRegistry_WithdrawStake_Test is BaseTest {
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(alice);
        _stake(alice, modelId, 50e18);
        vm.prank(alice);
        models.requestUnstake(modelId, 20e18);
    }

    function testFuzz_withdrawStake_afterDelay_succeeds(uint256 _wait) public {
        _wait = bound(_wait, UNSTAKE_DELAY, 365 days);
        vm.warp(block.timestamp + _wait);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.StakeWithdrawn(modelId, alice, 20e18);
        vm.prank(alice);
        models.withdrawStake(modelId);

        IModelRegistry.Model memory m = models.getModel(modelId);
        assertEq(m.pendingUnstake, 0);
        assertEq(m.unstakeAvailableAt, 0);
        assertEq(m.stake, 30e18);
        assertEq(models.totalStaked(), 30e18);
        assertEq(token.balanceOf(address(models)), 30e18);
        assertEq(token.balanceOf(alice), ACTOR_FUNDS - 30e18);
    }

    function testFuzz_withdrawStake_beforeDelay_reverts(uint256 _wait) public {
        _wait = bound(_wait, 0, UNSTAKE_DELAY - 1);
        uint64 availableAt = uint64(block.timestamp) + UNSTAKE_DELAY;
        vm.warp(block.timestamp + _wait);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnstakeNotReady.selector, modelId, availableAt)
        );
        vm.prank(alice);
        models.withdrawStake(modelId);
    }

    function test_withdrawStake_nothingPending_reverts() public {
        vm.warp(block.timestamp + UNSTAKE_DELAY);
        vm.startPrank(alice);
        models.withdrawStake(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NothingToWithdraw.selector, modelId));
        models.withdrawStake(modelId);
        vm.stopPrank();
    }

    function test_withdrawStake_notOwner_reverts() public {
        vm.warp(block.timestamp + UNSTAKE_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.withdrawStake(modelId);
    }

    function test_withdrawStake_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 7));
        vm.prank(alice);
        models.withdrawStake(7);
    }
}

contract ModelRegistry_Retire_Test is BaseTest {
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        modelId = _liveModel(alice);
    }

    function testFuzz_retire_recordsTimeAndQueuesStake_succeeds(uint32 _delay) public {
        vm.warp(START_TIME + _delay);
        uint64 now_ = SafeCast.toUint64(START_TIME) + _delay;
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.ModelRetired(modelId, now_);
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.UnstakeRequested(modelId, MIN_STAKE, 0, MIN_STAKE, now_ + UNSTAKE_DELAY);
        vm.prank(alice);
        models.retire(modelId);

        (,,, uint64 retiredAt) = models.modelForAttribution(modelId);
        assertEq(retiredAt, now_);
        assertFalse(models.isLive(modelId));
        IModelRegistry.Model memory m = models.getModel(modelId);
        assertEq(m.stake, 0);
        assertEq(m.pendingUnstake, MIN_STAKE);

        vm.warp(now_ + UNSTAKE_DELAY);
        vm.prank(alice);
        models.withdrawStake(modelId);
        assertEq(token.balanceOf(alice), ACTOR_FUNDS);
        assertEq(models.getModel(modelId).retiredAt, now_, "withdrawing does not touch the retirement");
    }

    function test_retire_unstakedModel_emitsNoUnstake_succeeds() public {
        uint256 bare = _registerModel(bob);
        vm.recordLogs();
        vm.prank(bob);
        models.retire(bare);
        assertEq(vm.getRecordedLogs().length, 1);
        assertEq(models.getModel(bare).pendingUnstake, 0);
    }

    function test_retire_twice_reverts() public {
        vm.startPrank(alice);
        models.retire(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_Retired.selector, modelId));
        models.retire(modelId);
        vm.stopPrank();
    }

    function test_retire_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.retire(modelId);
    }

    function test_retire_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 2));
        vm.prank(alice);
        models.retire(2);
    }
}

contract ModelRegistry_Updates_Test is BaseTest {
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        modelId = _liveModel(alice);
    }

    function testFuzz_updatePrice_leavesAttributionViewsAlone_succeeds(uint256 _price) public {
        (address owner, FeeSplit memory split, uint64 registeredAt, uint64 retiredAt) =
            models.modelForAttribution(modelId);
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.PriceUpdated(modelId, 1e15, _price);
        vm.prank(alice);
        models.updatePrice(modelId, _price);
        assertEq(models.getModel(modelId).price, _price);

        (address owner2, FeeSplit memory split2, uint64 registeredAt2, uint64 retiredAt2) =
            models.modelForAttribution(modelId);
        assertEq(owner2, owner);
        _assertSplitEq(split2, split);
        assertEq(registeredAt2, registeredAt);
        assertEq(retiredAt2, retiredAt);
    }

    function testFuzz_updateIndexCommitment_succeeds(bytes32 _commitment) public {
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.IndexCommitmentUpdated(modelId, keccak256("index"), _commitment);
        vm.prank(alice);
        models.updateIndexCommitment(modelId, _commitment);
        assertEq(models.getModel(modelId).attributionIndexCommitment, _commitment);
        assertTrue(models.modelUsesDatanet(modelId, 1));
    }

    function test_updatePrice_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.updatePrice(modelId, 1);
    }

    function test_updateIndexCommitment_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotOwner.selector, modelId, bob));
        vm.prank(bob);
        models.updateIndexCommitment(modelId, bytes32(uint256(1)));
    }

    function test_updatePrice_retired_reverts() public {
        vm.startPrank(alice);
        models.retire(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_Retired.selector, modelId));
        models.updatePrice(modelId, 1);
        vm.stopPrank();
    }

    function test_updateIndexCommitment_retired_reverts() public {
        vm.startPrank(alice);
        models.retire(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_Retired.selector, modelId));
        models.updateIndexCommitment(modelId, bytes32(uint256(1)));
        vm.stopPrank();
    }

    function test_updatePrice_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 3));
        vm.prank(alice);
        models.updatePrice(3, 1);
    }

    function test_updateIndexCommitment_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 3));
        vm.prank(alice);
        models.updateIndexCommitment(3, bytes32(0));
    }
}

contract ModelRegistry_Views_Test is BaseTest {
    function testFuzz_modelForAttribution_unknownIsZero_succeeds(uint256 _id) public view {
        (address owner, FeeSplit memory split, uint64 registeredAt, uint64 retiredAt) = models.modelForAttribution(_id);
        assertEq(owner, address(0));
        assertEq(_splitSum(split), 0);
        assertEq(registeredAt, 0);
        assertEq(retiredAt, 0);
        assertFalse(models.isLive(_id));
        assertFalse(models.modelUsesDatanet(_id, 1));
    }

    function test_getModel_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 1));
        models.getModel(1);
    }

    function test_modelDatanets_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_UnknownModel.selector, 1));
        models.modelDatanets(1);
    }

    function test_isLive_zeroMinStake_liveWithoutStake_succeeds() public {
        ModelRegistry free = new ModelRegistry(IOpenToken(address(token)), datanets, 0, UNSTAKE_DELAY);
        uint256 datanetId = _createDatanet(alice);
        vm.prank(alice);
        uint256 id = free.registerModel(_baseParams(_ids(datanetId)));
        assertTrue(free.isLive(id));
        vm.prank(alice);
        free.retire(id);
        assertFalse(free.isLive(id));
    }
}
