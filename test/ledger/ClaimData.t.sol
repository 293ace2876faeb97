// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {ForwardingWallet} from "test/utils/ForwardingWallet.sol";

/// @dev TxCodec.txRoot reads calldata: an external call turns decoded log data back into calldata.
contract TxRootOracle {
    function txRoot(bytes calldata _batch, Debit[] calldata _debits) external pure returns (bytes32 root_) {
        (root_,) = TxCodec.txRoot(_batch, _debits);
    }
}

/// @notice Every claim carries its T in a ClaimData event (issue 12 item 8): a follower rebuilds a claim
///         posted through a contract wallet from the ledger's logs, not from the outer calldata.
contract ClaimData_Test is LedgerBaseTest {
    TxRootOracle internal oracle;
    ForwardingWallet internal wallet;
    address internal walletOwner = makeAddr("walletOwner");

    function setUp() public override {
        super.setUp();
        oracle = new TxRootOracle();
        wallet = new ForwardingWallet(walletOwner);
        _bondWallet(CLAIM_BOND * 4);
    }

    function _bondWallet(uint256 _amount) internal {
        token.mint(address(wallet), _amount);
        vm.startPrank(walletOwner);
        wallet.execute(address(token), abi.encodeCall(token.approve, (address(ledger), _amount)));
        wallet.execute(address(ledger), abi.encodeCall(ledger.bond, (_amount)));
        vm.stopPrank();
    }

    /// @dev The ClaimPosted and ClaimData logs of the last call (exactly one of each).
    function _claimLogs() internal returns (bytes32 txRoot_, bytes memory batch_, Debit[] memory debits_, uint256 id_) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 posted;
        uint256 data;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(ledger)) continue;
            if (logs[i].topics[0] == IAttributionLedger.ClaimPosted.selector) {
                posted++;
                (txRoot_,,,,) = abi.decode(logs[i].data, (bytes32, bytes32, uint256, uint64, uint256));
            } else if (logs[i].topics[0] == IAttributionLedger.ClaimData.selector) {
                data++;
                id_ = uint256(logs[i].topics[1]);
                (batch_, debits_) = abi.decode(logs[i].data, (bytes, Debit[]));
            }
        }
        assertEq(posted, 1, "one ClaimPosted");
        assertEq(data, 1, "one ClaimData");
    }

    function test_postClaim_direct_emitsClaimData() public {
        _bond(attributor, CLAIM_BOND);
        _deposit(alice, 5e18);
        Debit[] memory d = _debits(alice, 3e18);
        bytes memory batch = _batch(2);
        State memory s = _stateAfter(0, bytes32(uint256(1)), 2, d);
        vm.recordLogs();
        vm.prank(attributor);
        uint256 id = ledger.postClaim(0, batch, s, uint64(block.timestamp - 1), d);
        (bytes32 root, bytes memory gotBatch, Debit[] memory gotDebits, uint256 gotId) = _claimLogs();
        assertEq(gotId, id);
        assertEq(gotBatch, batch);
        assertEq(abi.encode(gotDebits), abi.encode(d));
        assertEq(oracle.txRoot(gotBatch, gotDebits), root);
        assertEq(ledger.claim(id).debitsHash, keccak256(abi.encode(gotDebits)));
    }

    /// @notice A claim posted through a contract wallet is as reconstructible as a direct one: its
    ///         ClaimData gives back T, whose root is the claim's, whatever the outer calldata was.
    function testFuzz_postClaim_throughWallet_reconstructibleFromLogs(uint8 _txs, uint8 _payers, uint256 _seed) public {
        uint256 txs = bound(_txs, 1, 20);
        uint256 payers = bound(_payers, 0, 3);
        address[3] memory users = [alice, bob, carol];
        Debit[] memory d = new Debit[](payers);
        for (uint256 i = 0; i < payers; i++) {
            uint256 amount = bound(uint256(keccak256(abi.encode(_seed, i))), 1, 1e24);
            _deposit(users[i], amount);
            d[i] = Debit(users[i], amount);
        }
        // sorted by payer, as postClaim requires
        for (uint256 i = 1; i < d.length; i++) {
            for (uint256 j = i; j > 0 && d[j - 1].payer > d[j].payer; j--) {
                (d[j - 1], d[j]) = (d[j], d[j - 1]);
            }
        }
        bytes memory batch = _batch(txs);
        State memory s = _stateAfter(0, keccak256(abi.encode(_seed)), txs, d);
        bytes memory inner = abi.encodeCall(ledger.postClaim, (0, batch, s, uint64(block.timestamp - 1), d));
        vm.recordLogs();
        vm.prank(walletOwner);
        bytes memory result = wallet.execute(address(ledger), inner);
        uint256 id = abi.decode(result, (uint256));
        (bytes32 root, bytes memory gotBatch, Debit[] memory gotDebits, uint256 gotId) = _claimLogs();
        IAttributionLedger.Claim memory c = ledger.claim(id);
        assertEq(c.claimant, address(wallet), "the wallet is the claimant");
        assertEq(gotId, id);
        assertEq(keccak256(gotBatch), keccak256(batch));
        assertEq(keccak256(abi.encode(gotDebits)), c.debitsHash);
        assertEq(oracle.txRoot(gotBatch, gotDebits), root);
        assertEq(root, c.txRoot);
    }

    function test_wallet_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ForwardingWallet.ForwardingWallet_NotOwner.selector, alice));
        vm.prank(alice);
        wallet.execute(address(ledger), abi.encodeCall(ledger.bond, (1)));
    }

    function test_wallet_bubblesRevert() public {
        bytes memory inner = abi.encodeCall(ledger.postClaim, (7, _batch(1), _stateAfter(0, 0, 1, _none()), 0, _none()));
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_ParentNotLive.selector, 7));
        vm.prank(walletOwner);
        wallet.execute(address(ledger), inner);
    }
}
