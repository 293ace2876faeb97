// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";

/// @notice The ledger's second game hook (docs/evidence-game.md §3.5): the deployer names the evidence game once;
///         its disputes are counted apart from σ games and block finality like them; it may void and slash.
contract EvidenceHook_Test is LedgerBaseTest {
    address internal evidence = makeAddr("evidence");

    function setUp() public override {
        super.setUp();
        _bond(attributor, 10 * CLAIM_BOND);
    }

    function test_setEvidenceGame_onceByDeployer() public {
        vm.prank(alice);
        vm.expectRevert(IAttributionLedger.AttributionLedger_EvidenceGameAlreadySet.selector);
        ledger.setEvidenceGame(evidence);
        vm.expectRevert(IAttributionLedger.AttributionLedger_EvidenceGameAlreadySet.selector);
        ledger.setEvidenceGame(game);
        vm.expectRevert(IAttributionLedger.AttributionLedger_EvidenceGameAlreadySet.selector);
        ledger.setEvidenceGame(address(0));
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.EvidenceGameSet(evidence);
        ledger.setEvidenceGame(evidence);
        assertEq(ledger.evidenceGame(), evidence);
        vm.expectRevert(IAttributionLedger.AttributionLedger_EvidenceGameAlreadySet.selector);
        ledger.setEvidenceGame(alice);
    }

    function test_evidenceDisputes_countedApart_blockFinality() public {
        ledger.setEvidenceGame(evidence);
        uint256 id = _post(0, 0, _none());
        vm.prank(evidence);
        ledger.gameOpened(id);
        assertEq(ledger.evidenceGames(id), 1);
        assertEq(ledger.claim(id).openGames, 0, "sigma's count untouched");
        vm.prank(game);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NoOpenGame.selector, id));
        ledger.gameClosed(id);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_GameOpen.selector, id));
        ledger.finalize(id);
        vm.prank(evidence);
        ledger.gameClosed(id);
        vm.prank(evidence);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NoOpenGame.selector, id));
        ledger.gameClosed(id);
        ledger.finalize(id);
    }

    function test_evidenceGame_voidsAndSlashes() public {
        ledger.setEvidenceGame(evidence);
        uint256 id = _post(0, 0, _none());
        vm.prank(evidence);
        assertTrue(ledger.voidClaim(id, evidence));
        assertEq(token.balanceOf(evidence), CLAIM_BOND - CLAIM_BOND * BURN_BPS / 10_000);
        assertEq(uint8(ledger.claim(id).status), uint8(IAttributionLedger.Status.Void));
        assertEq(ledger.bondOf(attributor).bonded, 9 * CLAIM_BOND);
    }

    function test_notAGame_cannotUseHooks() public {
        ledger.setEvidenceGame(evidence);
        uint256 id = _post(0, 0, _none());
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_OnlyDisputeGame.selector, alice));
        ledger.gameOpened(id);
    }
}
