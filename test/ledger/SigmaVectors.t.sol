// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {AccountsTree} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";

/// @notice Differential test: the Solidity σ, working from witnesses alone, reproduces every
///         intermediate commitment and outcome that the TypeScript σ wrote to test/vectors/sigma.json.
contract Sigma_SharedVectors_Test is Test {
    SigmaHarness internal harness;
    RegistryFixture internal registry;
    string internal json;
    SigmaContext internal ctx;

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

    function setUp() public {
        harness = new SigmaHarness();
        registry = new RegistryFixture();
        json = vm.readFile("test/vectors/sigma.json");
        registry.load(vm.parseJsonBytes(json, ".registry"));
        ctx = SigmaContext({
            domainSeparator: Sigma.domainSeparator(
                vm.parseJsonUint(json, ".context.chainId"), vm.parseJsonAddress(json, ".context.ledger")
            ),
            protocol: vm.parseJsonAddress(json, ".context.protocol"),
            referenceTime: uint64(vm.parseJsonUint(json, ".context.referenceTime")),
            maxEntries: vm.parseJsonUint(json, ".context.maxEntries"),
            contributions: IContributionViews(address(registry)),
            models: IModelViews(address(registry))
        });
    }

    function _at(uint256 _b, string memory _field) internal pure returns (string memory) {
        return string.concat(".batches[", vm.toString(_b), "].", _field);
    }

    function _steps(uint256 _b) internal view returns (Steps memory steps_) {
        steps_ = abi.decode(vm.parseJsonBytes(json, _at(_b, "steps")), (Steps));
    }

    function _debits(uint256 _b) internal view returns (Debit[] memory debits_) {
        address[] memory payers = vm.parseJsonAddressArray(json, _at(_b, "debitPayers"));
        string[] memory amounts = vm.parseJsonStringArray(json, _at(_b, "debitAmounts"));
        debits_ = new Debit[](payers.length);
        for (uint256 i = 0; i < payers.length; i++) {
            debits_[i] = Debit(payers[i], vm.parseUint(amounts[i]));
        }
    }

    function _state(uint256 _b, string memory _which) internal view returns (State memory s_) {
        s_.accountsRoot = vm.parseJsonBytes32(json, _at(_b, string.concat(_which, ".accountsRoot")));
        s_.totalCredited = vm.parseUint(vm.parseJsonString(json, _at(_b, string.concat(_which, ".totalCredited"))));
        s_.totalCharged = vm.parseUint(vm.parseJsonString(json, _at(_b, string.concat(_which, ".totalCharged"))));
        s_.txCount = vm.parseUint(vm.parseJsonString(json, _at(_b, string.concat(_which, ".txCount"))));
    }

    /// @notice Every batch: the tx root derived from calldata + debits, every tx's inclusion proof,
    ///         and every step's outcome and post-state, chained from genesis across batches.
    function test_vectors_everyStepMatchesTypeScript() public {
        uint256 batches = vm.parseJsonUint(json, ".batchCount");
        assertGt(batches, 0);
        State memory state;
        uint256 outcomesSeen;
        for (uint256 b = 0; b < batches; b++) {
            assertEq(Sigma.commitment(state), vm.parseJsonBytes32(json, _at(b, "pre.commitment")), "batch pre-state");
            bytes32 root = vm.parseJsonBytes32(json, _at(b, "txRoot"));
            uint256 n = vm.parseJsonUint(json, _at(b, "txCount"));
            _checkTxRoot(b, root, n);
            Steps memory steps = _steps(b);
            assertEq(steps.txs.length, n);
            for (uint256 i = 0; i < n; i++) {
                string memory label = string.concat("batch ", vm.toString(b), " step ", vm.toString(i));
                assertTrue(harness.verifyTx(root, steps.txs[i], i, steps.txProofs[i]), label);
                Sigma.Outcome outcome;
                (state, outcome) = harness.applyTx(state, ctx, steps.txs[i], steps.witnesses[i]);
                assertEq(uint8(outcome), steps.outcomes[i], string.concat(label, " outcome"));
                assertEq(state.accountsRoot, steps.roots[i], string.concat(label, " root"));
                assertEq(state.totalCredited, steps.credited[i], string.concat(label, " credited"));
                assertEq(state.totalCharged, steps.charged[i], string.concat(label, " charged"));
                assertEq(Sigma.commitment(state), steps.commitments[i], string.concat(label, " commitment"));
                outcomesSeen |= 1 << steps.outcomes[i];
            }
            assertEq(Sigma.commitment(state), vm.parseJsonBytes32(json, _at(b, "post.commitment")), "batch post");
            State memory post = _state(b, "post");
            assertEq(post.txCount, state.txCount);
        }
        // The vectors exercise every outcome except Malformed (which a posted claim cannot hold) and NoAllowance
        // (GroupReceipts only: test/vectors/compact.json, CompactVectors.t.sol).
        uint256 every = (1 << (uint8(type(Sigma.Outcome).max) + 1)) - 1;
        uint256 elsewhere = (1 << uint8(Sigma.Outcome.Malformed)) | (1 << uint8(Sigma.Outcome.NoAllowance));
        assertEq(outcomesSeen, every & ~elsewhere, "outcome coverage");
    }

    /// @dev The tx root derived from calldata + debits. A batch with a zero debit (the vectors' Settle of 0 to an
    ///      absent key, whose all-zero write is a no-op) cannot be posted: postClaim rejects it, σ still applies it.
    function _checkTxRoot(uint256 _b, bytes32 _root, uint256 _n) internal {
        bytes memory batch = vm.parseJsonBytes(json, _at(_b, "batch"));
        Debit[] memory debits = _debits(_b);
        for (uint256 i = 0; i < debits.length; i++) {
            if (debits[i].amount == 0) {
                vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_BadDebitAmount.selector, i));
                harness.txRoot(batch, debits);
                return;
            }
        }
        (bytes32 root, uint256 n) = harness.txRoot(batch, debits);
        assertEq(root, _root, "tx root");
        assertEq(n, _n, "tx count");
    }

    /// @notice The one-step cost guard: a valid Attribute tx with K max entries applies in < 1M gas.
    function test_applyTx_maxEntries_underOneMillionGas() public view {
        uint256 b = 4; // the "entries" batch: step 0 carries exactly maxEntries entries
        assertEq(vm.parseJsonString(json, _at(b, "name")), "entries");
        Steps memory steps = _steps(b);
        assertEq(uint8(steps.txs[0][303]), ctx.maxEntries);
        State memory pre = _state(b, "pre");
        uint256 before = gasleft();
        (, Sigma.Outcome outcome) = harness.applyTx(pre, ctx, steps.txs[0], steps.witnesses[0]);
        uint256 used = before - gasleft();
        assertEq(uint8(outcome), uint8(Sigma.Outcome.Valid));
        assertLt(used, 1_000_000);
    }

    /// @notice A witness with one flipped sibling byte cannot open the pre-state: σ reverts, it does not guess.
    function test_vectors_tamperedWitness_reverts() public {
        Steps memory steps = _steps(0);
        State memory pre = _state(0, "pre");
        bytes memory witness = steps.witnesses[0];
        // The first witness of the first step of batch 0 is against the empty tree; tamper with a later step.
        State memory s = pre;
        for (uint256 i = 0; i < 3; i++) {
            (s,) = harness.applyTx(s, ctx, steps.txs[i], steps.witnesses[i]);
        }
        witness = steps.witnesses[3];
        witness[31] ^= 0x01; // the user's `earned` word: the leaf no longer opens the root
        vm.expectRevert(abi.encodeWithSelector(Sigma.Sigma_InvalidWitness.selector, 0));
        harness.applyTx(s, ctx, steps.txs[3], witness);
    }

    /// @notice Truncated witness data reverts with the tree's typed error.
    function test_vectors_truncatedWitness_reverts() public {
        Steps memory steps = _steps(0);
        bytes memory witness = steps.witnesses[0];
        assembly {
            mstore(witness, 100)
        }
        vm.expectRevert(abi.encodeWithSelector(AccountsTree.AccountsTree_TruncatedWitness.selector, 0));
        harness.applyTx(_state(0, "pre"), ctx, steps.txs[0], witness);
    }

    /// @notice Changing any signed field of a valid receipt makes it invalid: state unchanged but txCount.
    function test_applyTx_tamperedFields_areInvalid() public view {
        Steps memory steps = _steps(0);
        // offsets: modelId, requestHash, outputHash, maxFee, fee (low byte), nonce, deadline, an entry weight
        uint16[8] memory offsets = [uint16(48), 60, 100, 124, 136, 144, 152, 295];
        for (uint256 k = 0; k < offsets.length; k++) {
            bytes memory txBytes = bytes.concat(steps.txs[0]);
            txBytes[offsets[k]] ^= 0x01;
            State memory pre = _state(0, "pre");
            (State memory post, Sigma.Outcome outcome) = harness.applyTx(pre, ctx, txBytes, steps.witnesses[0]);
            assertTrue(outcome != Sigma.Outcome.Valid, vm.toString(uint256(offsets[k])));
            assertEq(post.accountsRoot, bytes32(0));
            assertEq(post.totalCredited, 0);
            assertEq(post.txCount, 1);
        }
    }

    /// @notice Bytes that are no transaction are a no-op (Malformed), never a revert.
    function testFuzz_applyTx_garbage_isMalformed(bytes calldata _garbage) public view {
        vm.assume(_garbage.length != 37 && (_garbage.length < 304 || (_garbage.length - 304) % 12 != 0));
        vm.assume(_garbage.length != 134 && (_garbage.length < 221 || (_garbage.length - 221) % 7 != 0));
        State memory pre;
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(pre, ctx, _garbage, "");
        assertEq(uint8(outcome), uint8(Sigma.Outcome.Malformed));
        assertEq(post.txCount, 1);
    }
}
