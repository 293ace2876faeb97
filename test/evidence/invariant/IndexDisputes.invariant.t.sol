// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIndexDisputes} from "src/interfaces/IIndexDisputes.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {IndexDisputeHandler} from "test/evidence/invariant/handlers/IndexDisputeHandler.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

/// @notice The bogus-index dispute with a random prover and an honest one (docs/evidence-game.md §1.4).
contract IndexDisputes_Invariant_Test is BaseTest {
    IndexDisputeHandler internal handler;
    uint256 internal modelId;
    uint256 internal stakeBefore;

    function setUp() public override {
        super.setUp();
        uint256 datanetId = _createDatanet(alice);
        bytes[] memory cs = new bytes[](3);
        (cs[0], cs[1], cs[2]) = (bytes("abracadabra"), bytes("cadabra abra"), bytes("abra"));
        uint64[] memory onChain = new uint64[](3);
        for (uint256 k = 0; k < 3; k++) {
            vm.prank(bob);
            onChain[k] = uint64(
                datanets.contribute(datanetId, ContentMerkle.computeRoot(cs[k]), uint64(cs[k].length), "ipfs://x")
            );
            vm.prank(alice);
            datanets.approveContribution(onChain[k]);
        }
        // A pending contribution the random prover may name as "missing".
        vm.prank(bob);
        datanets.contribute(datanetId, keccak256("pending"), 5, "ipfs://y");
        vm.warp(START_TIME + 10);

        IModelRegistry.ModelParams memory p = _baseParams(_ids(datanetId));
        vm.prank(alice);
        modelId = models.registerModel(p);
        handler =
            new IndexDisputeHandler(models, IIndexDisputes(models.INDEX_DISPUTES()), modelId, makeAddr("honestProver"));
        handler.build(cs, onChain);
        // Epoch 0 is honest, epoch 1 the swapped array (same timestamp: epoch 1 is the one in force).
        bytes32 honest = handler.commitmentOf(0);
        bytes32 bogus = handler.commitmentOf(1);
        vm.startPrank(alice);
        models.updateIndexCommitment(modelId, honest);
        models.updateIndexCommitment(modelId, bogus);
        vm.stopPrank();
        _stake(alice, modelId, 100e18);
        stakeBefore = 100e18;
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = IndexDisputeHandler.proveUnsorted.selector;
        selectors[1] = IndexDisputeHandler.provePermutation.selector;
        selectors[2] = IndexDisputeHandler.proveEntry.selector;
        selectors[3] = IndexDisputeHandler.proveMissing.selector;
        selectors[4] = IndexDisputeHandler.proveOther.selector;
        selectors[5] = IndexDisputeHandler.proveHonestly.selector;
        selectors[6] = IndexDisputeHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
        excludeSender(address(handler));
    }

    /// @custom:invariant An honest index epoch is never proved bogus, whatever proof anyone sends.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 16
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 16
    function invariant_honestEpochNeverSlashed() public view {
        assertFalse(handler.ghostHonestSlashed());
        // Epoch 0 of registration (commitment keccak256("index")) is not a suffix index at all; epoch 1 is honest.
        assertFalse(models.indexEpoch(modelId, 1).bogus);
    }

    /// @custom:invariant The honest prover's proof of the swapped pair never fails while the epoch is unproved, and
    ///                   once anyone proved it the epoch is bogus and the stake is gone (half paid, half burned).
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 16
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 16
    function invariant_bogusEpochAlwaysProvable() public view {
        assertFalse(handler.ghostHonestProofFailed());
        if (handler.ghostBogusProved()) {
            assertTrue(models.indexEpoch(modelId, 2).bogus);
            assertEq(models.getModel(modelId).stake, 0);
        }
        assertEq(token.balanceOf(address(models)), models.totalStaked());
    }
}
