// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IPaymentEscrow} from "src/interfaces/IPaymentEscrow.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {ReentrantToken} from "test/ledger/utils/MockToken.sol";
import {SmallTree} from "test/ledger/utils/SmallTree.sol";

contract Ledger_Constructor_Test is LedgerBaseTest {
    function _expectBad(IAttributionLedger.Params memory _p, string memory _name) internal {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_BadParameter.selector, _name));
        new AttributionLedger(_p);
    }

    function test_constructor_badParameters_revert() public {
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        PaymentEscrow e = new PaymentEscrow(IERC20(address(token)), predicted, NOTICE);
        IAttributionLedger.Params memory p = _params(address(token), address(e));
        p.maxEntries = 0;
        _expectBad(p, "maxEntries");
        p.maxEntries = Sigma.MAX_ENTRIES_LIMIT + 1;
        _expectBad(p, "maxEntries");
        p = _params(address(token), address(e));
        p.burnBps = 10_001;
        _expectBad(p, "burnBps");
        p = _params(address(token), address(e));
        p.unbondDelay = WINDOW;
        _expectBad(p, "unbondDelay");
        p = _params(address(token), address(escrow)); // an escrow that names another ledger
        _expectBad(p, "escrow");
    }

    /// @notice K = 32 (issue 19's limit) is a valid constructor value; the context σ reads carries it.
    function test_constructor_maxEntriesLimit32_isAccepted() public {
        assertEq(Sigma.MAX_ENTRIES_LIMIT, 32);
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        PaymentEscrow e = new PaymentEscrow(IERC20(address(token)), predicted, NOTICE);
        IAttributionLedger.Params memory p = _params(address(token), address(e));
        p.maxEntries = 32;
        AttributionLedger l = new AttributionLedger(p);
        assertEq(l.MAX_ENTRIES(), 32);
        assertEq(l.sigmaContext(0).maxEntries, 32);
    }

    function test_constructor_genesisIsFinal() public view {
        assertEq(uint8(ledger.claim(0).status), uint8(IAttributionLedger.Status.Final));
        assertEq(ledger.commitmentOf(0), Sigma.commitment(State(0, 0, 0, 0)));
        assertEq(ledger.DOMAIN_SEPARATOR(), Sigma.domainSeparator(block.chainid, address(ledger)));
    }

    function test_setDisputeGame_twice_reverts() public {
        vm.expectRevert(IAttributionLedger.AttributionLedger_DisputeGameAlreadySet.selector);
        ledger.setDisputeGame(address(1));
    }
}

contract Ledger_PostClaim_Test is LedgerBaseTest {
    function setUp() public override {
        super.setUp();
        _bond(attributor, CLAIM_BOND);
        _deposit(alice, 10e18);
        _deposit(bob, 10e18);
    }

    function test_postClaim_movesDebitsIntoPot() public {
        Debit[] memory d = new Debit[](2);
        (d[0], d[1]) = alice < bob ? (Debit(alice, 1e18), Debit(bob, 2e18)) : (Debit(bob, 2e18), Debit(alice, 1e18));
        bytes memory batch = _batch(3);
        State memory s = _stateAfter(0, keccak256("r"), 3, d);
        vm.prank(attributor);
        uint256 id = ledger.postClaim(0, batch, s, uint64(block.timestamp - 1), d);
        assertEq(id, 1);
        IAttributionLedger.Claim memory c = ledger.claim(id);
        assertEq(c.pot, 3e18);
        assertEq(c.batchSize, 5);
        assertEq(uint8(c.status), uint8(IAttributionLedger.Status.Pending));
        assertEq(escrow.balanceOf(alice), 9e18);
        assertEq(escrow.balanceOf(bob), 8e18);
        assertEq(token.balanceOf(address(ledger)), 3e18 + CLAIM_BOND);
        assertEq(ledger.bondOf(attributor).locked, CLAIM_BOND);
        assertEq(ledger.claim(0).liveChild, 1);
        assertEq(ledger.commitmentOf(id), Sigma.commitment(s));
    }

    /// @notice The tx root is derived from calldata exactly as the TypeScript codec derives it (shared vectors).
    function test_postClaim_txRootMatchesVectors() public {
        string memory json = vm.readFile("test/vectors/sigma.json");
        bytes memory batch = vm.parseJsonBytes(json, ".batches[0].batch");
        address[] memory payers = vm.parseJsonAddressArray(json, ".batches[0].debitPayers");
        string[] memory amounts = vm.parseJsonStringArray(json, ".batches[0].debitAmounts");
        Debit[] memory d = new Debit[](payers.length);
        for (uint256 i = 0; i < payers.length; i++) {
            d[i] = Debit(payers[i], vm.parseUint(amounts[i]));
            _deposit(payers[i], d[i].amount);
        }
        uint256 n = vm.parseJsonUint(json, ".batches[0].attributeCount");
        State memory st1 = _stateAfter(0, 0, n, d);
        vm.prank(attributor);
        uint256 id = ledger.postClaim(0, batch, st1, uint64(block.timestamp - 1), d);
        IAttributionLedger.GameView memory v = ledger.claimForGame(id);
        assertEq(v.txRoot, vm.parseJsonBytes32(json, ".batches[0].txRoot"));
        assertEq(v.batchSize, vm.parseJsonUint(json, ".batches[0].txCount"));
        assertEq(v.preCommitment, ledger.commitmentOf(0));
        assertEq(v.claimant, attributor);
        SigmaContext memory ctx = ledger.sigmaContext(id);
        assertEq(ctx.referenceTime, uint64(block.timestamp - 1));
        assertEq(ctx.maxEntries, K);
    }

    function test_postClaim_parentNotLive_reverts() public {
        State memory st2 = _stateAfter(0, 0, 1, _none());
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_ParentNotLive.selector, 7));
        ledger.postClaim(7, _batch(1), st2, uint64(block.timestamp - 1), _none());
    }

    function test_postClaim_parentHasLiveChild_reverts() public {
        _bond(attributor, CLAIM_BOND);
        _post(0, 0, _none());
        State memory st3 = _stateAfter(0, 0, 1, _none());
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_ParentHasLiveChild.selector, 0, 1));
        ledger.postClaim(0, _batch(1), st3, uint64(block.timestamp - 1), _none());
    }

    function test_postClaim_badReferenceTime_reverts() public {
        uint64[3] memory bad = [uint64(block.timestamp), uint64(block.timestamp + 5), uint64(block.timestamp - LAG - 1)];
        for (uint256 i = 0; i < bad.length; i++) {
            State memory st4 = _stateAfter(0, 0, 1, _none());
            vm.prank(attributor);
            vm.expectRevert(
                abi.encodeWithSelector(IAttributionLedger.AttributionLedger_BadReferenceTime.selector, bad[i])
            );
            ledger.postClaim(0, _batch(1), st4, bad[i], _none());
        }
    }

    function test_postClaim_referenceTimeBeforeParent_reverts() public {
        _bond(attributor, CLAIM_BOND);
        _post(0, 0, _none());
        uint64 parentTime = uint64(block.timestamp - 1);
        vm.warp(block.timestamp + 5);
        State memory st5 = _stateAfter(1, 0, 1, _none());
        vm.prank(attributor);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_BadReferenceTime.selector, parentTime - 1)
        );
        ledger.postClaim(1, _batch(1), st5, parentTime - 1, _none());
    }

    function test_postClaim_debitsNotSorted_reverts() public {
        Debit[] memory d = new Debit[](2);
        d[0] = Debit(alice, 1);
        d[1] = Debit(alice, 1);
        State memory st6 = _stateAfter(0, 0, 1, d);
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_DebitsNotSorted.selector, 1));
        ledger.postClaim(0, _batch(1), st6, uint64(block.timestamp - 1), d);
    }

    function test_postClaim_zeroDebit_reverts() public {
        Debit[] memory d = _debits(alice, 0);
        State memory st7 = _stateAfter(0, 0, 1, d);
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_BadDebitAmount.selector, 0));
        ledger.postClaim(0, _batch(1), st7, uint64(block.timestamp - 1), d);
    }

    function test_postClaim_empty_reverts() public {
        State memory st8 = _stateAfter(0, 0, 0, _none());
        vm.prank(attributor);
        vm.expectRevert(IAttributionLedger.AttributionLedger_EmptyClaim.selector);
        ledger.postClaim(0, "", st8, uint64(block.timestamp - 1), _none());
    }

    function test_postClaim_malformedBatch_reverts() public {
        bytes memory batch = _batch(3);
        bytes memory truncated = new bytes(batch.length - 1);
        for (uint256 i = 0; i < truncated.length; i++) {
            truncated[i] = batch[i];
        }
        State memory st9 = _stateAfter(0, 0, 3, _none());
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_MalformedBatch.selector, 2));
        ledger.postClaim(0, truncated, st9, uint64(block.timestamp - 1), _none());
        batch[304] = 0x02; // second tx has an unknown type for batch calldata
        State memory st10 = _stateAfter(0, 0, 3, _none());
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_MalformedBatch.selector, 1));
        ledger.postClaim(0, batch, st10, uint64(block.timestamp - 1), _none());
        batch[304] = 0x01;
        batch[304 + 303] = 0x01; // second tx announces one entry that is not there
        State memory st11 = _stateAfter(0, 0, 3, _none());
        vm.prank(attributor);
        vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_MalformedBatch.selector, 2));
        ledger.postClaim(0, batch, st11, uint64(block.timestamp - 1), _none());
    }

    function test_postClaim_stateMismatch_reverts() public {
        Debit[] memory d = _debits(alice, 1e18);
        State memory s = _stateAfter(0, 0, 1, d);
        State[3] memory bad = [s, s, s];
        bad[0] = State(s.accountsRoot, s.totalCredited + 1, 0, s.txCount);
        bad[1] = State(s.accountsRoot, s.totalCredited, 1, s.txCount);
        bad[2] = State(s.accountsRoot, s.totalCredited, 0, s.txCount + 1);
        for (uint256 i = 0; i < 3; i++) {
            vm.prank(attributor);
            vm.expectRevert(IAttributionLedger.AttributionLedger_StateMismatch.selector);
            ledger.postClaim(0, _batch(1), bad[i], uint64(block.timestamp - 1), d);
        }
    }

    function test_postClaim_insufficientBond_reverts() public {
        State memory st12 = _stateAfter(0, 0, 1, _none());
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_InsufficientBond.selector, 0, CLAIM_BOND)
        );
        ledger.postClaim(0, _batch(1), st12, uint64(block.timestamp - 1), _none());
    }

    function test_postClaim_debitsExceedEscrow_reverts() public {
        Debit[] memory d = _debits(alice, 10e18 + 1);
        State memory st13 = _stateAfter(0, 0, 1, d);
        vm.prank(attributor);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_InsufficientBalance.selector, alice, 10e18, 10e18 + 1)
        );
        ledger.postClaim(0, _batch(1), st13, uint64(block.timestamp - 1), d);
        assertEq(escrow.balanceOf(alice), 10e18);
        assertEq(ledger.claimCount(), 0);
    }
}

contract Ledger_Finalize_Test is LedgerBaseTest {
    function setUp() public override {
        super.setUp();
        _bond(attributor, 3 * CLAIM_BOND);
        _deposit(alice, 10e18);
    }

    function test_finalize_windowOpen_reverts() public {
        uint256 id = _post(0, 0, _none());
        vm.warp(block.timestamp + WINDOW - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_WindowOpen.selector, id, block.timestamp + 1)
        );
        ledger.finalize(id);
    }

    function test_finalize_gameOpen_reverts() public {
        uint256 id = _post(0, 0, _none());
        vm.prank(game);
        ledger.gameOpened(id);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_GameOpen.selector, id));
        ledger.finalize(id);
        vm.prank(game);
        ledger.gameClosed(id);
        ledger.finalize(id);
        assertEq(ledger.latestFinalized(), id);
    }

    function test_gameOpened_afterWindow_reverts() public {
        uint256 id = _post(0, 0, _none());
        vm.warp(block.timestamp + WINDOW);
        vm.prank(game);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_WindowClosed.selector, id));
        ledger.gameOpened(id);
    }

    function test_gameHooks_notGame_revert() public {
        uint256 id = _post(0, 0, _none());
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_OnlyDisputeGame.selector, address(this))
        );
        ledger.gameOpened(id);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_OnlyDisputeGame.selector, address(this))
        );
        ledger.voidClaim(id, address(this));
    }

    function test_finalize_parentNotFinal_reverts_thenInOrder() public {
        uint256 first = _post(0, 0, _none());
        vm.warp(block.timestamp + 10);
        uint256 second = _post(first, 0, _none());
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_ParentNotFinal.selector, second));
        ledger.finalize(second);
        ledger.finalize(first);
        ledger.finalize(second);
        assertEq(ledger.latestFinalized(), second);
        assertEq(ledger.bondOf(attributor).locked, 0);
    }

    function test_finalize_twice_reverts() public {
        uint256 id = _post(0, 0, _none());
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(id);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NotPending.selector, id));
        ledger.finalize(id);
    }
}

contract Ledger_Void_Test is LedgerBaseTest {
    function setUp() public override {
        super.setUp();
        _bond(attributor, 3 * CLAIM_BOND);
        _deposit(alice, 10e18);
    }

    function test_voidClaim_slashesBondAndFreesParent() public {
        uint256 id = _post(0, 0, _debits(alice, 1e18));
        address winner = makeAddr("winner");
        vm.prank(game);
        assertTrue(ledger.voidClaim(id, winner));
        uint256 burned = uint256(CLAIM_BOND) * BURN_BPS / 10_000;
        assertEq(token.balanceOf(winner), CLAIM_BOND - burned);
        assertEq(token.balanceOf(ledger.BURN_ADDRESS()), burned);
        assertEq(ledger.bondOf(attributor).bonded, 2 * CLAIM_BOND);
        assertEq(ledger.bondOf(attributor).locked, 0);
        assertEq(ledger.claim(0).liveChild, 0);
        // A replacement can be posted on the same parent, and voiding again is a no-op.
        _post(0, 0, _none());
        vm.prank(game);
        assertFalse(ledger.voidClaim(id, winner));
    }

    function test_voidClaim_final_reverts() public {
        uint256 id = _post(0, 0, _none());
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(id);
        vm.prank(game);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NotPending.selector, id));
        ledger.voidClaim(id, game);
    }

    /// @notice Voiding a claim dooms its descendants; each is voided in O(1) and every pot goes home.
    function test_voidDescendant_chainAndRefund() public {
        uint256 a = _post(0, 0, _debits(alice, 1e18));
        vm.warp(block.timestamp + 1);
        uint256 b = _post(a, 0, _debits(alice, 2e18));
        vm.warp(block.timestamp + 1);
        uint256 c = _post(b, 0, _debits(alice, 3e18));
        assertEq(escrow.balanceOf(alice), 4e18);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_ParentNotVoid.selector, c));
        ledger.voidDescendant(c);
        vm.prank(game);
        ledger.voidClaim(b, game);
        ledger.voidDescendant(c);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NotRefundable.selector, a));
        ledger.refund(a, _debits(alice, 1e18));
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_DebitsMismatch.selector, b));
        ledger.refund(b, _debits(alice, 1e18));
        ledger.refund(b, _debits(alice, 2e18));
        ledger.refund(c, _debits(alice, 3e18));
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NotRefundable.selector, c));
        ledger.refund(c, _debits(alice, 3e18));
        assertEq(escrow.balanceOf(alice), 9e18);
        ledger.finalize(a);
        assertEq(ledger.bondOf(attributor).locked, 0);
        assertEq(ledger.bondOf(attributor).bonded, 2 * CLAIM_BOND);
        assertEq(token.balanceOf(address(ledger)), 2 * CLAIM_BOND + 1e18);
    }
}

contract Ledger_Withdraw_Test is LedgerBaseTest {
    function setUp() public override {
        super.setUp();
        _bond(attributor, 3 * CLAIM_BOND);
        _deposit(alice, 10e18);
    }

    function test_withdraw_paysEarnedMinusWithdrawn() public {
        (bytes32 root, bytes memory proof) = _single(bob, 1e18);
        uint256 first = _post(0, root, _debits(alice, 1e18));
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(first);
        assertEq(ledger.withdraw(bob, Leaf(1e18, 0, 0, 0), proof), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_NothingToWithdraw.selector, bob));
        ledger.withdraw(bob, Leaf(1e18, 0, 0, 0), proof);

        (root, proof) = _single(bob, 3e18);
        uint256 second = _post(first, root, _debits(alice, 2e18));
        // Against a pending state the proof does not verify.
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_InvalidProof.selector, bob));
        ledger.withdraw(bob, Leaf(3e18, 0, 0, 0), proof);
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(second);
        assertEq(ledger.withdraw(bob, Leaf(3e18, 0, 0, 0), proof), 2e18);
        assertEq(token.balanceOf(bob), 3e18);
    }

    function test_withdraw_badProof_reverts() public {
        address[] memory keys = new address[](2);
        Leaf[] memory leaves = new Leaf[](2);
        (keys[0], keys[1]) = (bob, carol);
        (leaves[0], leaves[1]) = (Leaf(1e18, 0, 0, 0), Leaf(5e17, 0, 7, 3));
        (bytes32 root, bytes memory proof) = SmallTree.build(keys, leaves, 1);
        uint256 id = _post(0, root, _debits(alice, 15e17));
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(id);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_InvalidProof.selector, carol));
        ledger.withdraw(carol, Leaf(6e17, 0, 7, 3), proof);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_InvalidProof.selector, bob));
        ledger.withdraw(bob, Leaf(5e17, 0, 7, 3), proof);
        assertEq(ledger.withdraw(carol, Leaf(5e17, 0, 7, 3), proof), 5e17);
    }
}

contract Ledger_Bond_Test is LedgerBaseTest {
    function test_unbond_afterDelay_pays_andLockedCannotLeave() public {
        _bond(attributor, 2 * CLAIM_BOND);
        _post(0, 0, _none());
        vm.startPrank(attributor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionLedger.AttributionLedger_UnbondTooLarge.selector, CLAIM_BOND, 2 * CLAIM_BOND
            )
        );
        ledger.requestUnbond(2 * CLAIM_BOND);
        ledger.requestUnbond(CLAIM_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionLedger.AttributionLedger_UnbondNotReady.selector, block.timestamp + UNBOND_DELAY
            )
        );
        ledger.unbond();
        vm.warp(block.timestamp + UNBOND_DELAY);
        assertEq(ledger.unbond(), CLAIM_BOND);
        vm.stopPrank();
        assertEq(token.balanceOf(attributor), CLAIM_BOND);
    }

    function test_bond_aboveUint128_reverts() public {
        uint256 amount = uint256(type(uint128).max) + 1;
        token.mint(attributor, amount);
        vm.startPrank(attributor);
        token.approve(address(ledger), amount);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_BondTooLarge.selector, amount));
        ledger.bond(amount);
        vm.stopPrank();
    }

    function test_postClaim_unbondingIsNotAvailable_reverts() public {
        _bond(attributor, CLAIM_BOND);
        vm.prank(attributor);
        ledger.requestUnbond(1);
        State memory st14 = _stateAfter(0, 0, 1, _none());
        vm.prank(attributor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionLedger.AttributionLedger_InsufficientBond.selector, CLAIM_BOND - 1, CLAIM_BOND
            )
        );
        ledger.postClaim(0, _batch(1), st14, uint64(block.timestamp - 1), _none());
    }
}

contract Ledger_Reentrancy_Test is LedgerBaseTest {
    ReentrantToken internal evil;

    function setUp() public override {
        super.setUp();
        evil = new ReentrantToken();
        token = evil;
        (escrow, ledger) = _deploy(IERC20(address(evil)));
        ledger.setDisputeGame(game);
        _bond(attributor, CLAIM_BOND);
        _deposit(alice, 10e18);
    }

    /// @notice A token that re-enters withdraw on transfer cannot get paid twice: the guard reverts the inner call.
    function test_withdraw_reentrantToken_paysOnce() public {
        (bytes32 root, bytes memory proof) = _single(bob, 1e18);
        uint256 id = _post(0, root, _debits(alice, 1e18));
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(id);
        evil.arm(address(ledger), abi.encodeCall(ledger.withdraw, (bob, Leaf(1e18, 0, 0, 0), proof)));
        ledger.withdraw(bob, Leaf(1e18, 0, 0, 0), proof);
        assertFalse(evil.reentered());
        assertEq(bytes4(evil.revertData()), ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        assertEq(token.balanceOf(bob), 1e18);
        assertEq(ledger.withdrawn(bob), 1e18);
    }

    /// @notice Re-entering postClaim from the escrow's transfer is refused too.
    function test_postClaim_reentrantToken_refused() public {
        _bond(attributor, CLAIM_BOND);
        Debit[] memory d = _debits(alice, 1e18);
        State memory s = _stateAfter(0, 0, 1, d);
        evil.arm(address(ledger), abi.encodeCall(ledger.postClaim, (0, _batch(1), s, uint64(block.timestamp - 1), d)));
        _post(0, 0, d);
        assertFalse(evil.reentered());
        assertEq(bytes4(evil.revertData()), ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        assertEq(ledger.claimCount(), 1);
    }
}
