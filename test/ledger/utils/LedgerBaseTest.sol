// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {MockToken} from "test/ledger/utils/MockToken.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SmallTree} from "test/ledger/utils/SmallTree.sol";

/// @notice Shared fixtures for the ledger and escrow tests (own base until test/utils/BaseTest.sol lands).
abstract contract LedgerBaseTest is Test {
    uint64 internal constant WINDOW = 1 hours;
    uint64 internal constant LAG = 10 minutes;
    uint64 internal constant UNBOND_DELAY = 2 hours;
    uint64 internal constant NOTICE = 1 days;
    uint128 internal constant CLAIM_BOND = 100e18;
    uint16 internal constant BURN_BPS = 5000;
    uint256 internal constant K = 8;

    MockToken internal token;
    PaymentEscrow internal escrow;
    AttributionLedger internal ledger;
    RegistryFixture internal registry;

    address internal game = makeAddr("game");
    address internal protocol = makeAddr("protocol");
    address internal attributor = makeAddr("attributor");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        token = new MockToken();
        registry = new RegistryFixture();
        (escrow, ledger) = _deploy(IERC20(address(token)));
        ledger.setDisputeGame(game);
    }

    function _params(address _token, address _escrow) internal view returns (IAttributionLedger.Params memory p_) {
        p_ = IAttributionLedger.Params({
            token: _token,
            escrow: _escrow,
            contributions: address(registry),
            models: address(registry),
            protocol: protocol,
            challengeWindow: WINDOW,
            maxReferenceLag: LAG,
            unbondDelay: UNBOND_DELAY,
            claimBond: CLAIM_BOND,
            maxEntries: K,
            burnBps: BURN_BPS
        });
    }

    /// @dev The escrow names the ledger, so the ledger's address is precomputed (as the deploy script does).
    function _deploy(IERC20 _token) internal returns (PaymentEscrow escrow_, AttributionLedger ledger_) {
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        escrow_ = new PaymentEscrow(_token, predicted, NOTICE);
        ledger_ = new AttributionLedger(_params(address(_token), address(escrow_)));
        assertEq(address(ledger_), predicted);
    }

    function _bond(address _who, uint256 _amount) internal {
        token.mint(_who, _amount);
        vm.startPrank(_who);
        token.approve(address(ledger), _amount);
        ledger.bond(_amount);
        vm.stopPrank();
    }

    function _deposit(address _who, uint256 _amount) internal {
        token.mint(_who, _amount);
        vm.startPrank(_who);
        token.approve(address(escrow), _amount);
        escrow.deposit(_who, _amount);
        vm.stopPrank();
    }

    /// @dev `_count` well-formed Attribute transactions with no entries (postClaim does not run σ).
    function _batch(uint256 _count) internal pure returns (bytes memory batch_) {
        for (uint256 i = 0; i < _count; i++) {
            bytes memory tx_ = new bytes(304);
            tx_[0] = 0x01;
            tx_[1] = bytes1(uint8(i));
            batch_ = bytes.concat(batch_, tx_);
        }
    }

    function _debits(address _payer, uint256 _amount) internal pure returns (Debit[] memory debits_) {
        debits_ = new Debit[](1);
        debits_[0] = Debit(_payer, _amount);
    }

    function _none() internal pure returns (Debit[] memory debits_) {}

    /// @dev The post-state of a claim on `_parentId` with `_txs` + debits, crediting `_root`.
    function _stateAfter(uint256 _parentId, bytes32 _root, uint256 _txs, Debit[] memory _d)
        internal
        view
        returns (State memory s_)
    {
        IAttributionLedger.Claim memory parent = ledger.claim(_parentId);
        uint256 pot;
        for (uint256 i = 0; i < _d.length; i++) {
            pot += _d[i].amount;
        }
        s_ = State(_root, uint256(parent.totalCredited) + pot, 0, uint256(parent.txCount) + _txs + _d.length);
    }

    /// @dev Posts a claim as `attributor` with one tx and the given debits, reference time one second ago.
    function _post(uint256 _parentId, bytes32 _root, Debit[] memory _d) internal returns (uint256 id_) {
        State memory s = _stateAfter(_parentId, _root, 1, _d);
        vm.prank(attributor);
        id_ = ledger.postClaim(_parentId, _batch(1), s, uint64(block.timestamp - 1), _d);
    }

    /// @dev One-account tree: `_account` earned `_earned`.
    function _single(address _account, uint256 _earned) internal pure returns (bytes32 root_, bytes memory proof_) {
        address[] memory keys = new address[](1);
        Leaf[] memory leaves = new Leaf[](1);
        keys[0] = _account;
        leaves[0] = Leaf(_earned, 0, 0, 0);
        (root_, proof_) = SmallTree.build(keys, leaves, 0);
    }
}
