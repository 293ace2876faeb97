// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ContentMerkle
/// @notice Content roots of datanet contributions: a Merkle root over fixed-size chunks of the bytes.
/// @dev The rule, shared byte for byte with `agents/content/merkle.ts` (docs/protocol.md, "Content roots"):
///
/// | item        | definition                                                                  |
/// |-------------|-----------------------------------------------------------------------------|
/// | chunk_i     | bytes [i·CHUNK_SIZE, min((i+1)·CHUNK_SIZE, length)); the last one unpadded   |
/// | leaf_i      | keccak256(0x00 ‖ chunk_i)                                                   |
/// | node        | keccak256(0x01 ‖ left ‖ right); leaf row padded to 2^d with bytes32(0)       |
/// | contentRoot | keccak256(0x02 ‖ uint64 length (big-endian) ‖ treeRoot)                     |
library ContentMerkle {
    /// @notice Bytes per chunk.
    uint256 internal constant CHUNK_SIZE = 1024;

    /// @notice Number of chunks of a content of `_length` bytes.
    function chunkCount(uint256 _length) internal pure returns (uint256 count_) {
        count_ = (_length + CHUNK_SIZE - 1) / CHUNK_SIZE;
    }

    /// @notice Depth of the tree (number of siblings in a proof) for `_count` chunks.
    function depth(uint256 _count) internal pure returns (uint256 depth_) {
        while ((uint256(1) << depth_) < _count) depth_++;
    }

    function leafHash(bytes memory _chunk) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(bytes1(0x00), _chunk));
    }

    function nodeHash(bytes32 _left, bytes32 _right) internal pure returns (bytes32 node_) {
        node_ = keccak256(abi.encodePacked(bytes1(0x01), _left, _right));
    }

    function wrapRoot(bytes32 _treeRoot, uint64 _length) internal pure returns (bytes32 root_) {
        root_ = keccak256(abi.encodePacked(bytes1(0x02), _length, _treeRoot));
    }

    /// @notice Computes the content root of `_content` in memory (for tests and small contents).
    /// @dev Reverts on empty content; cost grows with the content, so on-chain callers use verifyChunk.
    function computeRoot(bytes memory _content) internal pure returns (bytes32 root_) {
        uint256 count = chunkCount(_content.length);
        require(count > 0, "ContentMerkle: empty");
        uint256 width = uint256(1) << depth(count);
        bytes32[] memory row = new bytes32[](width);
        for (uint256 i = 0; i < count; i++) {
            uint256 start = i * CHUNK_SIZE;
            uint256 end = start + CHUNK_SIZE < _content.length ? start + CHUNK_SIZE : _content.length;
            bytes memory chunk = new bytes(end - start);
            for (uint256 j = 0; j < chunk.length; j++) {
                chunk[j] = _content[start + j];
            }
            row[i] = leafHash(chunk);
        }
        while (width > 1) {
            width /= 2;
            for (uint256 i = 0; i < width; i++) {
                row[i] = nodeHash(row[2 * i], row[2 * i + 1]);
            }
        }
        root_ = wrapRoot(row[0], uint64(_content.length));
    }

    /// @notice Whether `_chunk` is chunk `_index` of the content with root `_root` and `_length` bytes.
    /// @param _root The content root registered for the contribution.
    /// @param _length The contribution's byte length, registered beside the root.
    /// @param _index The chunk index.
    /// @param _chunk The chunk's bytes (CHUNK_SIZE bytes, or the remainder for the last chunk).
    /// @param _siblings The sibling hashes from the leaf row up.
    function verifyChunk(bytes32 _root, uint64 _length, uint256 _index, bytes memory _chunk, bytes32[] memory _siblings)
        internal
        pure
        returns (bool valid_)
    {
        uint256 count = chunkCount(_length);
        if (_index >= count) return false;
        uint256 expected = _index == count - 1 ? _length - _index * CHUNK_SIZE : CHUNK_SIZE;
        if (_chunk.length != expected || _siblings.length != depth(count)) return false;
        bytes32 node = leafHash(_chunk);
        uint256 position = _index;
        for (uint256 i = 0; i < _siblings.length; i++) {
            node = position & 1 == 1 ? nodeHash(_siblings[i], node) : nodeHash(node, _siblings[i]);
            position >>= 1;
        }
        valid_ = wrapRoot(node, _length) == _root;
    }
}
