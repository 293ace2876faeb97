// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";

/// @dev Exposes the internal library to `expectRevert` and calldata/memory conversions.
contract ContentMerkleHarness {
    function computeRoot(bytes memory _content) external pure returns (bytes32) {
        return ContentMerkle.computeRoot(_content);
    }

    function verifyChunk(bytes32 _root, uint64 _length, uint256 _index, bytes memory _chunk, bytes32[] memory _siblings)
        external
        pure
        returns (bool)
    {
        return ContentMerkle.verifyChunk(_root, _length, _index, _chunk, _siblings);
    }
}

/// @notice Differential test: the Solidity library reproduces every content root and accepts every
///         chunk proof that the TypeScript implementation wrote to the shared vectors.
contract ContentMerkle_SharedVectors_Test is Test {
    ContentMerkleHarness internal harness;
    string internal json;

    function setUp() public {
        harness = new ContentMerkleHarness();
        json = vm.readFile("test/vectors/content-merkle.json");
    }

    function _case(uint256 _i) internal pure returns (string memory) {
        return string.concat(".cases[", vm.toString(_i), "]");
    }

    function test_vectors_rootsMatchTypeScript() public view {
        assertEq(vm.parseJsonUint(json, ".chunkSize"), ContentMerkle.CHUNK_SIZE);
        uint256 count = vm.parseJsonUint(json, ".count");
        assertGt(count, 0);
        for (uint256 i = 0; i < count; i++) {
            bytes memory content = vm.parseJsonBytes(json, string.concat(_case(i), ".content"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(_case(i), ".root"));
            assertEq(harness.computeRoot(content), root, string.concat("root of case ", vm.toString(i)));
        }
    }

    function test_vectors_proofsVerify() public view {
        uint256 count = vm.parseJsonUint(json, ".count");
        for (uint256 i = 0; i < count; i++) {
            bytes32 root = vm.parseJsonBytes32(json, string.concat(_case(i), ".root"));
            uint64 length = uint64(vm.parseJsonUint(json, string.concat(_case(i), ".length")));
            uint256 proofs = vm.parseJsonUint(json, string.concat(_case(i), ".proofCount"));
            for (uint256 p = 0; p < proofs; p++) {
                string memory at = string.concat(_case(i), ".proofs[", vm.toString(p), "]");
                uint256 index = vm.parseJsonUint(json, string.concat(at, ".index"));
                bytes memory chunk = vm.parseJsonBytes(json, string.concat(at, ".chunk"));
                bytes32[] memory siblings = vm.parseJsonBytes32Array(json, string.concat(at, ".siblings"));
                assertTrue(harness.verifyChunk(root, length, index, chunk, siblings));
                assertFalse(harness.verifyChunk(root, length + 1, index, chunk, siblings));
            }
        }
    }

    function test_computeRoot_empty_reverts() public {
        vm.expectRevert(bytes("ContentMerkle: empty"));
        harness.computeRoot("");
    }

    function testFuzz_verifyChunk_flippedByte_fails(bytes memory _content, uint256 _byte) public view {
        vm.assume(_content.length > 0);
        bytes32 root = harness.computeRoot(_content);
        uint256 count = ContentMerkle.chunkCount(_content.length);
        // A one-chunk content: the chunk is the content and the proof is empty.
        if (count == 1) {
            assertTrue(harness.verifyChunk(root, uint64(_content.length), 0, _content, new bytes32[](0)));
            _byte = bound(_byte, 0, _content.length - 1);
            _content[_byte] ^= 0x01;
            assertFalse(harness.verifyChunk(root, uint64(_content.length), 0, _content, new bytes32[](0)));
        }
    }
}
