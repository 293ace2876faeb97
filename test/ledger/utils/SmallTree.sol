// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccountsTree, Leaf} from "src/libraries/AccountsTree.sol";

/// @notice Builds accounts-tree roots and compressed proofs for a handful of accounts, in memory,
///         independently of the TypeScript tree (brute force over the 160 levels). Test-only.
library SmallTree {
    /// @notice The root of the tree holding `_leaves` at `_keys`, and the compressed proof of `_keys[_target]`.
    function build(address[] memory _keys, Leaf[] memory _leaves, uint256 _target)
        internal
        pure
        returns (bytes32 root_, bytes memory proof_)
    {
        uint256 n = _keys.length;
        uint256[] memory positions = new uint256[](n);
        bytes32[] memory nodes = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            positions[i] = uint160(_keys[i]);
            nodes[i] = AccountsTree.leafHash(_leaves[i]);
        }
        uint256 target = n == 0 ? 0 : positions[_target];
        uint256 bitmap;
        bytes memory siblings;
        for (uint256 level = 0; level < 160; level++) {
            // The target's sibling at this level.
            bytes32 sibling;
            for (uint256 i = 0; i < n; i++) {
                if (positions[i] == target ^ 1) sibling = nodes[i];
            }
            if (sibling != bytes32(0)) {
                bitmap |= 1 << level;
                siblings = bytes.concat(siblings, sibling);
            }
            target >>= 1;
            (positions, nodes, n) = _up(positions, nodes, n);
        }
        root_ = n == 0 ? bytes32(0) : nodes[0];
        proof_ = bytes.concat(bytes20(uint160(bitmap)), siblings);
    }

    function _up(uint256[] memory _positions, bytes32[] memory _nodes, uint256 _n)
        private
        pure
        returns (uint256[] memory positions_, bytes32[] memory nodes_, uint256 n_)
    {
        positions_ = new uint256[](_n);
        nodes_ = new bytes32[](_n);
        for (uint256 i = 0; i < _n; i++) {
            uint256 parent = _positions[i] >> 1;
            bool seen;
            for (uint256 j = 0; j < n_; j++) {
                if (positions_[j] == parent) seen = true;
            }
            if (seen) continue;
            bytes32 left;
            bytes32 right;
            for (uint256 j = 0; j < _n; j++) {
                if (_positions[j] == parent << 1) left = _nodes[j];
                if (_positions[j] == (parent << 1) | 1) right = _nodes[j];
            }
            positions_[n_] = parent;
            nodes_[n_] =
                left == bytes32(0) && right == bytes32(0) ? bytes32(0) : keccak256(abi.encodePacked(left, right));
            n_++;
        }
    }
}
