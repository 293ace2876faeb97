// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {SuffixChecksHarness} from "test/evidence/utils/SuffixChecksHarness.sol";

/// @notice The Solidity half of the shared evidence vectors (`test/vectors/evidence.json`, written by
///         `npm run vectors` from `agents/evidence/vectors.ts`): the TS proof index built the commitment and every
///         proof; each case is a harness call labelled by construction (honest → accepted, each forgery → the error
///         it must hit), and the checks here must give every case its label, and the ranked weights their values.
contract EvidenceVectors_Test is Test {
    SuffixChecksHarness internal h;

    function setUp() public {
        h = new SuffixChecksHarness();
    }

    function test_vectors_everyCaseLabelled() public {
        string memory json = vm.readFile("test/vectors/evidence.json");
        string[] memory names = vm.parseJsonStringArray(json, ".names");
        bytes[] memory calls = vm.parseJsonBytesArray(json, ".calls");
        bytes[] memory selectors = vm.parseJsonBytesArray(json, ".selectors");
        bytes[] memory returns_ = vm.parseJsonBytesArray(json, ".returns");
        assertGt(calls.length, 100, "vectors present");
        uint256 rejected;
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory ret) = address(h).call(calls[i]);
            if (selectors[i].length == 0) {
                assertTrue(ok, names[i]);
                if (returns_[i].length != 0) assertEq(ret, returns_[i], names[i]);
            } else {
                assertFalse(ok, names[i]);
                assertGe(ret.length, 4, names[i]);
                assertEq(bytes4(ret), bytes4(selectors[i]), names[i]);
                rejected++;
            }
        }
        assertGt(rejected, 0);
    }
}
