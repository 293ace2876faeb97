// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {SigmaActorsHandler} from "test/ledger/invariant/SigmaActorsHandler.sol";

/// @notice Invariants of σ with several operators sharing users and a batch copier (issue 12, items 2, 4).
contract Sigma_ActorsInvariants_Test is Test {
    SigmaActorsHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new SigmaActorsHandler();
        targetContract(address(handler));
    }

    /// @notice One campaign checks every invariant below after every call.
    /// forge-config: ci.invariant.runs = 128
    function invariant_sigmaActors() public view {
        _servedReceiptsStayValid();
        _copyingPaysNamedAttributorOnly();
        _modelAgrees();
    }

    /// @custom:invariant Several operators sharing users: whatever nonces a user burns in self-signed zero-fee
    ///                   receipts, every receipt an operator served is valid when first posted, and never twice.
    function _servedReceiptsStayValid() internal view {
        assertEq(handler.servedRejected(), 0, "a served receipt was cancelled");
        assertEq(handler.replaysAccepted(), 0, "a receipt was accepted twice");
    }

    /// @custom:invariant A batch copier earns nothing (copies are replays, renamed copies are forgeries), and
    ///                   each attributor earned exactly the attributor shares of the receipts naming it.
    function _copyingPaysNamedAttributorOnly() internal view {
        assertEq(handler.renamedAccepted(), 0, "a renamed copy was accepted");
        assertEq(handler.tree().leaf(handler.copier()).earned, 0, "the copier earned");
        for (uint256 i = 0; i < 2; i++) {
            address a = handler.attributors(i);
            assertEq(handler.tree().leaf(a).earned, handler.ghostShare(a), "attributor share");
        }
    }

    /// @custom:invariant σ and the independent model agree on every outcome and root, so the tree read above
    ///                   is σ's state.
    function _modelAgrees() internal view {
        assertEq(handler.modelMismatches(), 0, "sigma and the model disagree");
        (bytes32 root,,,) = handler.state();
        assertEq(root, handler.tree().root(), "root");
    }
}
