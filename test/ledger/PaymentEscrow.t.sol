// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPaymentEscrow} from "src/interfaces/IPaymentEscrow.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";

contract Escrow_Deposit_Test is LedgerBaseTest {
    function test_deposit_creditsBalance() public {
        token.mint(alice, 5e18);
        vm.startPrank(alice);
        token.approve(address(escrow), 5e18);
        vm.expectEmit(address(escrow));
        emit IPaymentEscrow.Deposited(alice, alice, 5e18);
        escrow.deposit(alice, 5e18);
        vm.stopPrank();
        assertEq(escrow.balanceOf(alice), 5e18);
        assertEq(token.balanceOf(address(escrow)), 5e18);
    }

    function test_deposit_zero_reverts() public {
        vm.expectRevert(IPaymentEscrow.PaymentEscrow_ZeroAmount.selector);
        escrow.deposit(alice, 0);
    }
}

contract Escrow_Withdraw_Test is LedgerBaseTest {
    function test_withdraw_beforeNotice_reverts() public {
        _deposit(alice, 5e18);
        vm.startPrank(alice);
        escrow.requestWithdraw(2e18);
        vm.warp(block.timestamp + NOTICE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_NotReady.selector, uint64(block.timestamp + 1))
        );
        escrow.withdraw();
        vm.stopPrank();
    }

    function test_withdraw_withoutRequest_reverts() public {
        _deposit(alice, 5e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_NotReady.selector, 0));
        escrow.withdraw();
    }

    function test_withdraw_afterNotice_pays() public {
        _deposit(alice, 5e18);
        vm.startPrank(alice);
        escrow.requestWithdraw(2e18);
        vm.warp(block.timestamp + NOTICE);
        assertEq(escrow.withdraw(), 2e18);
        vm.stopPrank();
        assertEq(token.balanceOf(alice), 2e18);
        assertEq(escrow.balanceOf(alice), 3e18);
    }

    function test_requestWithdraw_aboveBalance_reverts() public {
        _deposit(alice, 1e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_RequestTooLarge.selector, 1e18, 2e18));
        escrow.requestWithdraw(2e18);
    }

    /// @notice A claim posted during the notice period still charges the user; the withdrawal gets what is left.
    function test_withdraw_cappedAfterDebitDuringNotice() public {
        _deposit(alice, 5e18);
        _bond(attributor, CLAIM_BOND);
        vm.prank(alice);
        escrow.requestWithdraw(5e18);
        _post(0, keccak256("root"), _debits(alice, 4e18));
        vm.warp(block.timestamp + NOTICE);
        vm.prank(alice);
        assertEq(escrow.withdraw(), 1e18);
        assertEq(escrow.balanceOf(alice), 0);
    }
}

contract Escrow_Debit_Test is LedgerBaseTest {
    function test_debit_notLedger_reverts() public {
        _deposit(alice, 5e18);
        vm.expectRevert(abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_OnlyLedger.selector, address(this)));
        escrow.debit(_debits(alice, 1));
        vm.expectRevert(abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_OnlyLedger.selector, address(this)));
        escrow.refund(_debits(alice, 1));
    }

    function testFuzz_debit_movesExactlyToLedger(uint256 _deposit_, uint256 _amount) public {
        _deposit_ = bound(_deposit_, 1, 1e30);
        _amount = bound(_amount, 1, _deposit_);
        _deposit(alice, _deposit_);
        vm.prank(address(ledger));
        assertEq(escrow.debit(_debits(alice, _amount)), _amount);
        assertEq(escrow.balanceOf(alice), _deposit_ - _amount);
        assertEq(token.balanceOf(address(ledger)), _amount);
    }

    function test_debit_aboveBalance_reverts() public {
        _deposit(alice, 5);
        Debit[] memory d = _debits(alice, 6);
        vm.prank(address(ledger));
        vm.expectRevert(abi.encodeWithSelector(IPaymentEscrow.PaymentEscrow_InsufficientBalance.selector, alice, 5, 6));
        escrow.debit(d);
    }
}
