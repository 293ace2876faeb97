// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IPaymentEscrow} from "src/interfaces/IPaymentEscrow.sol";
import {Debit} from "src/libraries/TxCodec.sol";

/// @title PaymentEscrow
/// @notice Users' prepaid balances for attributed inference (docs/protocol.md §6).
contract PaymentEscrow is IPaymentEscrow, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice The fee token.
    IERC20 public immutable TOKEN;
    /// @inheritdoc IPaymentEscrow
    address public immutable LEDGER;
    /// @inheritdoc IPaymentEscrow
    uint64 public immutable NOTICE_PERIOD;

    /// @inheritdoc IPaymentEscrow
    mapping(address => uint256) public balanceOf;
    mapping(address => WithdrawalRequest) internal requests;

    /// @param _token The fee token.
    /// @param _ledger The AttributionLedger (deployed right after; its address is precomputed).
    /// @param _noticePeriod Seconds between requestWithdraw and withdraw.
    constructor(IERC20 _token, address _ledger, uint64 _noticePeriod) {
        TOKEN = _token;
        LEDGER = _ledger;
        NOTICE_PERIOD = _noticePeriod;
    }

    modifier onlyLedger() {
        if (msg.sender != LEDGER) revert PaymentEscrow_OnlyLedger(msg.sender);
        _;
    }

    /// @inheritdoc IPaymentEscrow
    function withdrawalRequest(address _account) external view returns (uint128 amount_, uint64 readyAt_) {
        WithdrawalRequest memory request = requests[_account];
        (amount_, readyAt_) = (request.amount, request.readyAt);
    }

    /// @inheritdoc IPaymentEscrow
    function deposit(address _account, uint256 _amount) external nonReentrant {
        if (_amount == 0) revert PaymentEscrow_ZeroAmount();
        balanceOf[_account] += _amount;
        emit Deposited(_account, msg.sender, _amount);
        TOKEN.safeTransferFrom(msg.sender, address(this), _amount);
    }

    /// @inheritdoc IPaymentEscrow
    function requestWithdraw(uint256 _amount) external {
        if (_amount == 0) revert PaymentEscrow_ZeroAmount();
        uint256 balance = balanceOf[msg.sender];
        if (_amount > balance || _amount > type(uint128).max) revert PaymentEscrow_RequestTooLarge(balance, _amount);
        uint64 readyAt = uint64(block.timestamp) + NOTICE_PERIOD;
        // forge-lint: disable-next-line(unsafe-typecast)
        requests[msg.sender] = WithdrawalRequest(uint128(_amount), readyAt);
        emit WithdrawalRequested(msg.sender, _amount, readyAt);
    }

    /// @inheritdoc IPaymentEscrow
    function withdraw() external nonReentrant returns (uint256 amount_) {
        WithdrawalRequest memory request = requests[msg.sender];
        if (request.amount == 0 || block.timestamp < request.readyAt) revert PaymentEscrow_NotReady(request.readyAt);
        uint256 balance = balanceOf[msg.sender];
        amount_ = request.amount < balance ? request.amount : balance;
        // A debit may have taken part of the requested funds (and a voided claim may bring them back): the
        // unpaid remainder stays requested, ready at the same time, instead of restarting the notice period.
        uint256 remainder = request.amount - amount_;
        if (remainder == 0) delete requests[msg.sender];
        // forge-lint: disable-next-line(unsafe-typecast)
        else requests[msg.sender].amount = uint128(remainder);
        balanceOf[msg.sender] = balance - amount_;
        emit Withdrawn(msg.sender, amount_, remainder);
        if (amount_ > 0) TOKEN.safeTransfer(msg.sender, amount_);
    }

    /// @inheritdoc IPaymentEscrow
    function debit(Debit[] calldata _debits) external onlyLedger nonReentrant returns (uint256 total_) {
        for (uint256 i = 0; i < _debits.length; i++) {
            Debit calldata d = _debits[i];
            uint256 balance = balanceOf[d.payer];
            if (d.amount > balance) revert PaymentEscrow_InsufficientBalance(d.payer, balance, d.amount);
            balanceOf[d.payer] = balance - d.amount;
            total_ += d.amount;
            emit Debited(d.payer, d.amount);
        }
        if (total_ > 0) TOKEN.safeTransfer(LEDGER, total_);
    }

    /// @inheritdoc IPaymentEscrow
    function refund(Debit[] calldata _debits) external onlyLedger nonReentrant returns (uint256 total_) {
        for (uint256 i = 0; i < _debits.length; i++) {
            balanceOf[_debits[i].payer] += _debits[i].amount;
            total_ += _debits[i].amount;
            emit Refunded(_debits[i].payer, _debits[i].amount);
        }
    }
}
