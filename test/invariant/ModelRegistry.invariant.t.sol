// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {ModelHandler} from "test/invariant/handlers/ModelHandler.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

contract ModelRegistry_Invariant_Test is BaseTest {
    uint256 internal constant DATANETS = 4;
    ModelHandler internal handler;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < DATANETS; i++) {
            _createDatanet(alice);
        }
        address[] memory actors = new address[](3);
        (actors[0], actors[1], actors[2]) = (alice, bob, carol);
        handler = new ModelHandler(models, token, DATANETS, actors);

        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = ModelHandler.registerModel.selector;
        selectors[1] = ModelHandler.stake.selector;
        selectors[2] = ModelHandler.requestUnstake.selector;
        selectors[3] = ModelHandler.withdrawStake.selector;
        selectors[4] = ModelHandler.retire.selector;
        selectors[5] = ModelHandler.updatePrice.selector;
        selectors[6] = ModelHandler.warp.selector;
        selectors[7] = ModelHandler.randomRetire.selector;
        selectors[8] = ModelHandler.randomWithdrawStake.selector;
        selectors[9] = ModelHandler.randomRequestUnstake.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @custom:invariant The registry's OPEN balance equals the sum of all stakes and pending unstakes, equals
    ///                   `totalStaked()`, equals what owners paid in minus what they took out.
    function invariant_balanceEqualsStakes() public view {
        uint256 count = models.modelCount();
        uint256 sum;
        for (uint256 m = 1; m <= count; m++) {
            IModelRegistry.Model memory x = models.getModel(m);
            sum += x.stake + x.pendingUnstake;
        }
        uint256 balance = token.balanceOf(address(models));
        assertEq(balance, sum, "balance vs sum of stakes");
        assertEq(balance, models.totalStaked(), "balance vs totalStaked");
        assertEq(balance, handler.ghostDeposited() - handler.ghostWithdrawn(), "balance vs ghost flows");
    }

    /// @custom:invariant A stake is 0 or at least MIN_STAKE; a retired model has no stake; a model is live
    ///                   exactly when it is not retired and holds at least MIN_STAKE.
    function invariant_stakeAndLiveness() public view {
        uint256 count = models.modelCount();
        for (uint256 m = 1; m <= count; m++) {
            IModelRegistry.Model memory x = models.getModel(m);
            assertTrue(x.stake == 0 || x.stake >= MIN_STAKE, "dust stake");
            if (x.retiredAt != 0) assertEq(x.stake, 0, "retired with stake");
            assertEq(models.isLive(m), x.retiredAt == 0 && x.stake >= MIN_STAKE, "isLive");
            assertEq(x.pendingUnstake == 0, x.unstakeAvailableAt == 0, "pending without a date");
        }
    }

    /// @custom:invariant What σ reads about a model (owner, fee split, registration time, datanets) never changes
    ///                   after registration, and its retirement time is the time of the owner's retire call.
    function invariant_attributionViewsImmutable() public view {
        uint256 count = models.modelCount();
        for (uint256 m = 1; m <= count; m++) {
            (address owner, FeeSplit memory split, uint64 registeredAt, uint64 retiredAt) =
                models.modelForAttribution(m);
            uint256[] memory ids = models.modelDatanets(m);
            assertEq(owner, handler.ghostOwner(m), "owner");
            assertEq(keccak256(abi.encode(split, registeredAt, ids)), handler.ghostRegistration(m), "registration");
            assertEq(retiredAt, handler.ghostRetiredAt(m), "retiredAt");
            for (uint256 i = 0; i < ids.length; i++) {
                assertTrue(models.modelUsesDatanet(m, ids[i]), "modelUsesDatanet");
            }
            assertEq(_splitSum(split), 10_000, "split sum");
        }
    }
}
