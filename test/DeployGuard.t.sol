// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {State} from "src/libraries/Sigma.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {MockToken} from "test/ledger/utils/MockToken.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";

/// @notice Issue 12 item 7: a ledger whose dispute game is not set refuses claims (nobody could challenge them,
///         so they would finalize with any root).
contract Ledger_NoGame_Test is LedgerBaseTest {
    function setUp() public override {
        vm.warp(1_700_000_000);
        token = new MockToken();
        registry = new RegistryFixture();
        (escrow, ledger) = _deploy(IERC20(address(token)));
        _bond(attributor, CLAIM_BOND);
    }

    function test_postClaim_beforeGameSet_reverts() public {
        assertEq(ledger.disputeGame(), address(0));
        State memory s = _stateAfter(0, keccak256("any root"), 1, _none());
        vm.prank(attributor);
        vm.expectRevert(IAttributionLedger.AttributionLedger_DisputeGameNotSet.selector);
        ledger.postClaim(0, _batch(1), s, uint64(block.timestamp - 1), _none());
        assertEq(ledger.claimCount(), 0);
    }

    /// @notice The same claim is accepted once the game is set.
    function test_postClaim_afterGameSet_succeeds() public {
        ledger.setDisputeGame(game);
        State memory s = _stateAfter(0, keccak256("any root"), 1, _none());
        vm.prank(attributor);
        assertEq(ledger.postClaim(0, _batch(1), s, uint64(block.timestamp - 1), _none()), 1);
    }
}
