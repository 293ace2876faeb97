// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leaf} from "src/libraries/AccountsTree.sol";

/// @notice An accounts tree (docs/protocol.md §2) kept in storage, level by level, for tests that apply
///         many transactions: each update and each witness costs one pass over the 160 levels. Written
///         from the spec, independently of `AccountsTree` and of the TypeScript tree. Test-only.
contract StorageTree {
    /// @dev nodes[level][position]; level 0 holds leaf hashes, level 160 the root at position 0.
    mapping(uint256 => mapping(uint256 => bytes32)) internal nodes;
    mapping(address => Leaf) internal leaves;

    function root() external view returns (bytes32) {
        return nodes[160][0];
    }

    function leaf(address _key) external view returns (Leaf memory) {
        return leaves[_key];
    }

    /// @notice 0 for the empty leaf, else H(abi.encode(earned, charged, nonceBase, nonceBitmap)).
    function hashLeaf(Leaf memory _leaf) public pure returns (bytes32) {
        if (_leaf.earned == 0 && _leaf.charged == 0 && _leaf.nonceBase == 0 && _leaf.nonceBitmap == 0) return 0;
        return keccak256(abi.encode(_leaf.earned, _leaf.charged, _leaf.nonceBase, _leaf.nonceBitmap));
    }

    function set(address _key, Leaf memory _leaf) external {
        leaves[_key] = _leaf;
        bytes32 node = hashLeaf(_leaf);
        uint256 position = uint160(_key);
        for (uint256 level = 0; level < 160; level++) {
            nodes[level][position] = node;
            bytes32 sibling = nodes[level][position ^ 1];
            if (node == 0 && sibling == 0) node = 0;
            else if (position & 1 == 1) node = keccak256(abi.encodePacked(sibling, node));
            else node = keccak256(abi.encodePacked(node, sibling));
            position >>= 1;
        }
        nodes[160][0] = node;
    }

    /// @notice The witness of `_key` against the current root: the leaf's four words ‖ uint160 bitmap ‖
    ///         the non-zero siblings from level 0 up.
    function witness(address _key) external view returns (bytes memory witness_) {
        Leaf memory l = leaves[_key];
        uint256 position = uint160(_key);
        uint256 bitmap;
        bytes memory siblings;
        for (uint256 level = 0; level < 160; level++) {
            bytes32 sibling = nodes[level][position ^ 1];
            if (sibling != 0) {
                bitmap |= 1 << level;
                siblings = bytes.concat(siblings, sibling);
            }
            position >>= 1;
        }
        witness_ = bytes.concat(
            abi.encode(l.earned, l.charged, l.nonceBase, l.nonceBitmap), bytes20(uint160(bitmap)), siblings
        );
    }
}
