// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";

/// @notice Differential test of issue 19's compact calldata: the Solidity batch walk and σ reproduce every tx leaf,
///         tx root, outcome and intermediate commitment that the TypeScript codec and σ wrote to
///         test/vectors/compact.json (Authorize 0x03, receipt groups 0x04 → 0x05, mixed with 0x01 and Settles).
contract Compact_SharedVectors_Test is Test {
    SigmaHarness internal harness;
    RegistryFixture internal registry;
    string internal json;

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
        json = vm.readFile("test/vectors/compact.json");
        registry.load(vm.parseJsonBytes(json, ".registry"));
    }

    function _at(uint256 _b, string memory _field) internal pure returns (string memory) {
        return string.concat(".batches[", vm.toString(_b), "].", _field);
    }

    function _ctx(uint256 _b) internal view returns (SigmaContext memory) {
        return SigmaContext({
            domainSeparator: Sigma.domainSeparator(
                vm.parseJsonUint(json, ".context.chainId"), vm.parseJsonAddress(json, ".context.ledger")
            ),
            protocol: vm.parseJsonAddress(json, ".context.protocol"),
            referenceTime: uint64(vm.parseJsonUint(json, _at(_b, "referenceTime"))),
            maxEntries: vm.parseJsonUint(json, ".context.maxEntries"),
            contributions: IContributionViews(address(registry)),
            models: IModelViews(address(registry))
        });
    }

    function _debits(uint256 _b) internal view returns (Debit[] memory debits_) {
        address[] memory payers = vm.parseJsonAddressArray(json, _at(_b, "debitPayers"));
        string[] memory amounts = vm.parseJsonStringArray(json, _at(_b, "debitAmounts"));
        debits_ = new Debit[](payers.length);
        for (uint256 i = 0; i < payers.length; i++) {
            debits_[i] = Debit(payers[i], vm.parseUint(amounts[i]));
        }
    }

    function test_compactVectors_everyStepMatchesTypeScript() public view {
        uint256 batches = vm.parseJsonUint(json, ".batchCount");
        State memory state;
        uint256 outcomesSeen;
        for (uint256 b = 0; b < batches; b++) {
            assertEq(Sigma.commitment(state), vm.parseJsonBytes32(json, _at(b, "pre.commitment")), "batch pre-state");
            (bytes32 root, uint256 n) = harness.txRoot(vm.parseJsonBytes(json, _at(b, "batch")), _debits(b));
            assertEq(root, vm.parseJsonBytes32(json, _at(b, "txRoot")), "tx root");
            assertEq(n, vm.parseJsonUint(json, _at(b, "txCount")), "tx count");
            Steps memory steps = abi.decode(vm.parseJsonBytes(json, _at(b, "steps")), (Steps));
            bytes32[] memory leaves = vm.parseJsonBytes32Array(json, _at(b, "txLeaves"));
            SigmaContext memory ctx = _ctx(b);
            for (uint256 i = 0; i < n; i++) {
                string memory label = string.concat("batch ", vm.toString(b), " step ", vm.toString(i));
                assertEq(keccak256(steps.txs[i]), leaves[i], string.concat(label, " leaf"));
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
        }
        assertTrue(outcomesSeen & (1 << uint8(Sigma.Outcome.NoAllowance)) != 0, "NoAllowance covered");
    }

    function test_compactVectors_malformedBatchesRevertAtTheirIndex() public {
        uint256 count = vm.parseJsonUint(json, ".malformedBatchCount");
        assertGt(count, 0);
        for (uint256 i = 0; i < count; i++) {
            string memory at = string.concat(".malformedBatches[", vm.toString(i), "]");
            bytes memory batch = vm.parseJsonBytes(json, string.concat(at, ".batch"));
            uint256 txIndex = vm.parseJsonUint(json, string.concat(at, ".txIndex"));
            vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_MalformedBatch.selector, txIndex));
            harness.txRoot(batch, new Debit[](0));
        }
    }

    function test_compactVectors_malformedTxsAreNoOps() public view {
        uint256 count = vm.parseJsonUint(json, ".malformedTxCount");
        assertGt(count, 0);
        SigmaContext memory ctx = _ctx(0);
        for (uint256 i = 0; i < count; i++) {
            bytes memory txBytes = vm.parseJsonBytes(json, string.concat(".malformedTxs[", vm.toString(i), "].tx"));
            State memory pre;
            (State memory post, Sigma.Outcome outcome) = harness.applyTx(pre, ctx, txBytes, "");
            assertEq(uint8(outcome), uint8(Sigma.Outcome.Malformed), vm.toString(i));
            assertEq(post.txCount, 1);
            assertEq(post.accountsRoot, bytes32(0));
        }
    }

    /// @notice Every group's root, recomputed here from the records inside its GroupReceipts (offset 140) as the padded
    ///         tree of H(record), equals the TS `groupRoots` and the root written in each of its GroupReceipts.
    function test_compactVectors_groupRootsFromTheRecords() public view {
        uint256 batches = vm.parseJsonUint(json, ".batchCount");
        uint256 groups;
        for (uint256 b = 0; b < batches; b++) {
            Steps memory steps = abi.decode(vm.parseJsonBytes(json, _at(b, "steps")), (Steps));
            bytes32[] memory roots = vm.parseJsonBytes32Array(json, _at(b, "groupRoots"));
            uint256[] memory first = vm.parseJsonUintArray(json, _at(b, "groupFirstTx"));
            uint256[] memory counts = vm.parseJsonUintArray(json, _at(b, "groupCounts"));
            for (uint256 g = 0; g < roots.length; g++) {
                assertEq(_groupRoot(steps.txs, first[g], counts[g]), roots[g], "group root from the records");
                for (uint256 k = 0; k < counts[g]; k++) {
                    bytes memory t = steps.txs[first[g] + k];
                    assertEq(uint8(t[0]), TxCodec.TX_GROUP_RECEIPT, "a group's txs are GroupReceipts");
                    bytes32 written;
                    assembly ("memory-safe") {
                        written := mload(add(t, 0x49))
                    }
                    assertEq(written, roots[g], "the root written in each GroupReceipt");
                }
                groups++;
            }
        }
        assertGt(groups, 0);
    }

    function _groupRoot(bytes[] memory _txs, uint256 _first, uint256 _count) internal pure returns (bytes32) {
        uint256 width = 1;
        while (width < _count) width *= 2;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 k = 0; k < _count; k++) {
            bytes memory t = _txs[_first + k];
            bytes memory record = new bytes(t.length - 140);
            for (uint256 i = 0; i < record.length; i++) {
                record[i] = t[140 + i];
            }
            level[k] = keccak256(record);
        }
        while (level.length > 1) {
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i = 0; i < up.length; i++) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            level = up;
        }
        return level[0];
    }
}
