// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Debit} from "src/libraries/TxCodec.sol";

/// @title IPaymentEscrow
/// @notice Users' prepaid balances. Users deposit; the AttributionLedger (and only it) debits them when a
///         claim charges them and credits them back when a claim is voided. Withdrawing takes a notice
///         period, so a user cannot pull funds out from under a claim that is about to charge them.
interface IPaymentEscrow {
    /// @notice A withdrawal request: `amount` may be withdrawn from `readyAt` on.
    struct WithdrawalRequest {
        uint128 amount;
        uint64 readyAt;
    }

    /// @notice Thrown when a caller other than the ledger debits or credits.
    error PaymentEscrow_OnlyLedger(address caller);
    /// @notice Thrown when an amount is zero.
    error PaymentEscrow_ZeroAmount();
    /// @notice Thrown when a debit exceeds the payer's balance.
    error PaymentEscrow_InsufficientBalance(address payer, uint256 balance, uint256 amount);
    /// @notice Thrown when withdrawing without a request, or before its notice period has passed.
    error PaymentEscrow_NotReady(uint64 readyAt);
    /// @notice Thrown when a request exceeds the balance or 2^128.
    error PaymentEscrow_RequestTooLarge(uint256 balance, uint256 amount);

    /// @notice Emitted when `account`'s balance grows by a deposit.
    /// @param account The credited account.
    /// @param from Who paid the tokens.
    /// @param amount The amount.
    event Deposited(address indexed account, address indexed from, uint256 amount);
    /// @notice Emitted when a user asks to withdraw.
    /// @param account The user.
    /// @param amount The amount requested.
    /// @param readyAt When it can be withdrawn.
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 readyAt);
    /// @notice Emitted when a user withdraws.
    /// @param account The user.
    /// @param amount The amount paid out (the request capped by the balance left).
    /// @param stillRequested The unpaid part of the request, still requested and ready at the same time.
    event Withdrawn(address indexed account, uint256 amount, uint256 stillRequested);
    /// @notice Emitted when the ledger debits a payer for a claim.
    /// @param payer The payer.
    /// @param amount The amount moved to the ledger.
    event Debited(address indexed payer, uint256 amount);
    /// @notice Emitted when the ledger returns a voided claim's debit to a payer.
    /// @param payer The payer.
    /// @param amount The amount returned.
    event Refunded(address indexed payer, uint256 amount);

    /// @notice The only contract allowed to debit and refund.
    function LEDGER() external view returns (address ledger_);
    /// @notice The notice period between requestWithdraw and withdraw.
    function NOTICE_PERIOD() external view returns (uint64 notice_);
    /// @notice The prepaid balance of `_account`.
    function balanceOf(address _account) external view returns (uint256 balance_);
    /// @notice The pending withdrawal request of `_account`.
    function withdrawalRequest(address _account) external view returns (uint128 amount_, uint64 readyAt_);

    /// @notice Deposits `_amount` tokens (pulled from the caller) to `_account`'s balance.
    function deposit(address _account, uint256 _amount) external;
    /// @notice Asks to withdraw `_amount` after the notice period; replaces any earlier request.
    function requestWithdraw(uint256 _amount) external;
    /// @notice Pays out the caller's request once it is ready (capped by what is left of the balance); an
    ///         unpaid remainder (funds a claim debited, perhaps refunded later) stays requested, same readyAt.
    function withdraw() external returns (uint256 amount_);
    /// @notice Debits every payer and sends the total to the ledger. Ledger only.
    function debit(Debit[] calldata _debits) external returns (uint256 total_);
    /// @notice Credits every payer back; the ledger has already sent the tokens. Ledger only.
    function refund(Debit[] calldata _debits) external returns (uint256 total_);
}
