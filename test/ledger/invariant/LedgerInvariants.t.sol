// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {LedgerHandler} from "test/ledger/invariant/LedgerHandler.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {MockToken} from "test/ledger/utils/MockToken.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";

contract Ledger_Invariants_Test is LedgerBaseTest {
    LedgerHandler internal handler;

    function setUp() public override {
        vm.warp(1_700_000_000);
        token = new MockToken();
        registry = new RegistryFixture();
        (escrow, ledger) = _deploy(IERC20(address(token)));
        handler = new LedgerHandler(ledger, escrow, token);
        ledger.setDisputeGame(address(handler));
        targetContract(address(handler));
    }

    /// @notice One campaign checks every invariant below after every call (one campaign instead of four
    ///         keeps the default profile fast; each check is a separate function with its own sentence).
    function invariant_ledger() public view {
        _solvency();
        _noOverWithdrawal();
        _escrowBalancesMatchGhosts();
        _finalityOrder();
        _everyClaimReconstructible();
    }

    /// @custom:invariant Every claim, posted directly or through the contract wallet, is reconstructible from
    ///                   the ledger's logs: its ClaimData gives back exactly the posted T (txRoot, debitsHash).
    function _everyClaimReconstructible() internal view {
        assertEq(handler.unreconstructible(), 0, "claims not reconstructible from ClaimData");
    }

    /// @custom:invariant The tokens held cover every obligation, exactly: the escrow holds every prepaid
    ///                   balance; the ledger holds bonds + live pots + (finalized credited − withdrawn), even
    ///                   when wrong claims that credit more than their pot finalize.
    function _solvency() internal view {
        assertEq(token.balanceOf(address(escrow)), handler.ghostEscrowTotal(), "escrow balance");
        uint256 owed =
            handler.ghostBonds() + handler.ghostLivePots() + handler.ghostFinalCredited() - handler.ghostWithdrawn();
        assertEq(token.balanceOf(address(ledger)), owed, "ledger balance");
        assertEq(ledger.totalBonded(), handler.ghostBonds(), "bonds");
        assertEq(ledger.totalPots(), handler.ghostLivePots(), "pots");
        assertEq(ledger.totalFinalizedCredited(), handler.ghostFinalCredited(), "final credited");
        assertGe(token.balanceOf(address(ledger)) + token.balanceOf(address(escrow)), owed + handler.ghostEscrowTotal());
        // Whatever the final states say (some claims credit more than their pot), withdrawals never reach
        // bonds or pending pots: Σ withdrawn ≤ Σ final pots (issue 12, item 5).
        assertLe(ledger.totalWithdrawn(), ledger.totalFinalizedCredited(), "withdrawn <= final credit");
        assertGe(token.balanceOf(address(ledger)), ledger.totalBonded() + ledger.totalPots(), "bonds and pots covered");
    }

    /// @custom:invariant Nobody withdraws more than the latest final state says they earned.
    function _noOverWithdrawal() internal view {
        uint256 finalId = ledger.latestFinalized();
        for (uint256 r = 0; r < 4; r++) {
            address account = handler.recipients(r);
            assertLe(ledger.withdrawn(account), handler.earned(finalId, r), "withdrawn <= earned");
            assertEq(ledger.withdrawn(account), handler.ghostWithdrawnBy(account), "withdrawn ghost");
        }
    }

    /// @custom:invariant A voided claim's pot goes back to its payers: every prepaid balance is what its
    ///                   deposits, escrow withdrawals, debits and refunds say.
    function _escrowBalancesMatchGhosts() internal view {
        for (uint256 i = 0; i < 3; i++) {
            address user = handler.users(i);
            assertEq(escrow.balanceOf(user), handler.ghostEscrow(user), "escrow balance per user");
        }
    }

    /// @custom:invariant Finality respects the chain: a final claim's parent is final and finalized before it;
    ///                   a parent's live child is Pending or Final and names it as parent.
    function _finalityOrder() internal view {
        uint256 n = handler.claimCountSeen();
        for (uint256 i = 0; i < n; i++) {
            uint256 id = handler.claimIds(i);
            IAttributionLedger.Claim memory c = ledger.claim(id);
            if (c.status == IAttributionLedger.Status.Final) {
                assertEq(uint8(ledger.claim(c.parentId).status), uint8(IAttributionLedger.Status.Final), "parent final");
                if (c.parentId != 0) assertLt(handler.finalizedSeq(c.parentId), handler.finalizedSeq(id), "order");
            }
            if (c.liveChild != 0 && c.status != IAttributionLedger.Status.Void) {
                IAttributionLedger.Claim memory child = ledger.claim(c.liveChild);
                assertEq(child.parentId, id, "child names parent");
                assertTrue(
                    child.status == IAttributionLedger.Status.Pending || child.status == IAttributionLedger.Status.Final
                );
            }
        }
    }
}

