// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {MockToken} from "test/ledger/utils/MockToken.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";

/// @notice End to end on the shared vectors: a claim computed by the TypeScript σ is posted to a ledger
///         deployed at the address the receipts were signed for; every step re-executes on chain from the
///         ledger's own hooks (txRoot, pre/post commitments, σ context), exactly as a one-step proof would;
///         after the window the claim finalizes and every account withdraws what the TypeScript tree says.
contract Ledger_ClaimLifecycle_Test is Test {
    /// @dev anvil's first account: its first CREATE is the ledger address in the vectors.
    address internal constant VECTOR_DEPLOYER = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;
    uint128 internal constant BOND = 100e18;

    string internal json;
    MockToken internal token;
    RegistryFixture internal registry;
    PaymentEscrow internal escrow;
    AttributionLedger internal ledger;
    SigmaHarness internal harness;
    address internal game = makeAddr("game");

    struct Steps {
        bytes[] txs;
        bytes[] witnesses;
        uint8[] outcomes;
        bytes32[] roots;
        uint256[] credited;
        uint256[] charged;
        bytes32[] commitments;
        bytes32[][] txProofs;
    }

    struct Withdrawals {
        address[] accounts;
        uint256[4][] leaves;
        bytes[] proofs;
    }

    function setUp() public {
        json = vm.readFile("test/vectors/sigma.json");
        assertEq(block.chainid, vm.parseJsonUint(json, ".context.chainId"));
        address vectorLedger = vm.parseJsonAddress(json, ".context.ledger");
        assertEq(vm.computeCreateAddress(VECTOR_DEPLOYER, vm.getNonce(VECTOR_DEPLOYER)), vectorLedger);
        token = new MockToken();
        registry = new RegistryFixture();
        registry.load(vm.parseJsonBytes(json, ".registry"));
        harness = new SigmaHarness();
        escrow = new PaymentEscrow(IERC20(address(token)), vectorLedger, 1 days);
        IAttributionLedger.Params memory p = IAttributionLedger.Params({
            token: address(token),
            escrow: address(escrow),
            contributions: address(registry),
            models: address(registry),
            protocol: vm.parseJsonAddress(json, ".context.protocol"),
            challengeWindow: 1 hours,
            maxReferenceLag: 10 minutes,
            unbondDelay: 2 hours,
            claimBond: BOND,
            maxEntries: vm.parseJsonUint(json, ".context.maxEntries"),
            burnBps: 5000
        });
        vm.startPrank(VECTOR_DEPLOYER);
        ledger = new AttributionLedger(p);
        ledger.setDisputeGame(game);
        vm.stopPrank();
        assertEq(address(ledger), vectorLedger);
    }

    function _fund(address _who, uint256 _amount, address _spender) internal {
        token.mint(_who, _amount);
        vm.prank(_who);
        token.approve(_spender, _amount);
    }

    function test_lifecycle_postReplayFinalizeWithdraw() public {
        // Post batch 0 at the vectors' reference time, from an address no receipt names: σ pays each
        // receipt's named attributor, so the poster's identity changes no credit (issue 12, item 4).
        address attributor = makeAddr("poster");
        uint64 referenceTime = uint64(vm.parseJsonUint(json, ".context.referenceTime"));
        _fund(attributor, BOND, address(ledger));
        vm.prank(attributor);
        ledger.bond(BOND);
        address[] memory payers = vm.parseJsonAddressArray(json, ".batches[0].debitPayers");
        string[] memory amounts = vm.parseJsonStringArray(json, ".batches[0].debitAmounts");
        Debit[] memory debits = new Debit[](payers.length);
        uint256 pot;
        for (uint256 i = 0; i < payers.length; i++) {
            debits[i] = Debit(payers[i], vm.parseUint(amounts[i]));
            pot += debits[i].amount;
            _fund(payers[i], debits[i].amount, address(escrow));
            vm.prank(payers[i]);
            escrow.deposit(payers[i], debits[i].amount);
        }
        State memory post = State(
            vm.parseJsonBytes32(json, ".batches[0].post.accountsRoot"),
            vm.parseUint(vm.parseJsonString(json, ".batches[0].post.totalCredited")),
            0,
            vm.parseUint(vm.parseJsonString(json, ".batches[0].post.txCount"))
        );
        vm.warp(referenceTime + 1);
        bytes memory batch = vm.parseJsonBytes(json, ".batches[0].batch");
        vm.prank(attributor);
        uint256 id = ledger.postClaim(0, batch, post, referenceTime, debits);

        // Replay every step from what the ledger exposes to a dispute game.
        IAttributionLedger.GameView memory v = ledger.claimForGame(id);
        assertEq(v.txRoot, vm.parseJsonBytes32(json, ".batches[0].txRoot"));
        assertEq(v.preCommitment, Sigma.commitment(State(0, 0, 0, 0)));
        assertEq(v.postCommitment, vm.parseJsonBytes32(json, ".batches[0].post.commitment"));
        SigmaContext memory ctx = ledger.sigmaContext(id);
        Steps memory steps = abi.decode(vm.parseJsonBytes(json, ".batches[0].steps"), (Steps));
        assertEq(steps.txs.length, v.batchSize);
        State memory s = State(0, 0, 0, v.startTxCount);
        for (uint256 i = 0; i < v.batchSize; i++) {
            assertTrue(harness.verifyTx(v.txRoot, steps.txs[i], i, steps.txProofs[i]));
            (s,) = harness.applyTx(s, ctx, steps.txs[i], steps.witnesses[i]);
            assertEq(Sigma.commitment(s), steps.commitments[i]);
        }
        assertEq(Sigma.commitment(s), v.postCommitment);

        // Finalize, then every account withdraws exactly its earnings: the pot is paid out to the unit.
        vm.warp(block.timestamp + 1 hours);
        ledger.finalize(id);
        Withdrawals memory w = abi.decode(vm.parseJsonBytes(json, ".batches[0].withdrawals"), (Withdrawals));
        uint256 paid;
        for (uint256 i = 0; i < w.accounts.length; i++) {
            uint256[4] memory l = w.leaves[i];
            if (l[0] == 0) continue;
            paid += ledger.withdraw(w.accounts[i], Leaf(l[0], l[1], l[2], l[3]), w.proofs[i]);
            assertEq(token.balanceOf(w.accounts[i]), l[0]);
        }
        assertEq(paid, pot);
        assertEq(token.balanceOf(address(ledger)), BOND);
        assertEq(token.balanceOf(makeAddr("poster")), 0, "the poster earned nothing");
    }
}
