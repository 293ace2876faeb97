// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leaf} from "src/libraries/AccountsTree.sol";

/// @notice The accounts tree of docs/protocol.md §2 (a compact sparse Merkle tree) computed from scratch from a
///         set of present leaves, in memory, by brute force: the root of a set is 0 when empty, the leaf's node
///         when it holds one leaf, else H(root(keys with bit_j = 0) ‖ root(keys with bit_j = 1)) at depth j.
///         Written from the spec, independently of `AccountsTree` and of the TypeScript tree. Test-only.
library SmallTree {
    /// @notice valueHash(W) = H(abi.encode(earned, charged, nonceBase, nonceBitmap)).
    function valueHash(Leaf memory _leaf) internal pure returns (bytes32) {
        return keccak256(abi.encode(_leaf.earned, _leaf.charged, _leaf.nonceBase, _leaf.nonceBitmap));
    }

    /// @notice The node of a present leaf: H(uint160 key ‖ valueHash), a 52-byte preimage.
    function leafNode(address _key, Leaf memory _leaf) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(_key, valueHash(_leaf)));
    }

    /// @notice The root of the tree holding `_leaves[i]` at `_keys[i]` (distinct keys, every one present).
    function root(address[] memory _keys, Leaf[] memory _leaves) internal pure returns (bytes32) {
        return _root(_keys, _leaves, _all(_keys.length), 0);
    }

    /// @notice The root and the membership proof (d ‖ kind 0 ‖ siblings from depth d up) of `_keys[_target]`.
    function build(address[] memory _keys, Leaf[] memory _leaves, uint256 _target)
        internal
        pure
        returns (bytes32 root_, bytes memory proof_)
    {
        root_ = root(_keys, _leaves);
        bytes memory w = witness(_keys, _leaves, _keys[_target]);
        proof_ = new bytes(w.length - 128);
        for (uint256 i = 0; i < proof_.length; i++) {
            proof_[i] = w[128 + i];
        }
    }

    /// @notice The witness of `_key` (present or not): W ‖ d ‖ kind ‖ (kind 2: k' ‖ v') ‖ siblings from depth d up.
    function witness(address[] memory _keys, Leaf[] memory _leaves, address _key)
        internal
        pure
        returns (bytes memory witness_)
    {
        uint256[] memory set = _all(_keys.length);
        bytes32[] memory topDown = new bytes32[](161);
        uint256 depth;
        bytes memory terminal;
        while (true) {
            if (set.length == 0) {
                terminal = abi.encodePacked(uint8(depth), uint8(1));
                break;
            }
            if (set.length == 1) {
                address only = _keys[set[0]];
                terminal = only == _key
                    ? abi.encodePacked(uint8(depth), uint8(0))
                    : abi.encodePacked(uint8(depth), uint8(2), only, valueHash(_leaves[set[0]]));
                break;
            }
            (uint256[] memory zeros, uint256[] memory ones) = _split(_keys, set, depth);
            bool right = (uint160(_key) >> depth) & 1 == 1;
            topDown[depth] = _root(_keys, _leaves, right ? zeros : ones, depth + 1);
            set = right ? ones : zeros;
            depth++;
        }
        Leaf memory words;
        for (uint256 i = 0; i < _keys.length; i++) {
            if (_keys[i] == _key) words = _leaves[i];
        }
        witness_ = bytes.concat(abi.encode(words.earned, words.charged, words.nonceBase, words.nonceBitmap), terminal);
        for (uint256 j = depth; j > 0; j--) {
            witness_ = bytes.concat(witness_, topDown[j - 1]);
        }
    }

    function _root(address[] memory _keys, Leaf[] memory _leaves, uint256[] memory _set, uint256 _depth)
        private
        pure
        returns (bytes32 node_)
    {
        if (_set.length == 0) return 0;
        if (_set.length == 1) return leafNode(_keys[_set[0]], _leaves[_set[0]]);
        // Levels where every key takes the same side are a chain (one empty child each): walk them in a loop,
        // recursing only where the set really splits (EVM stack depth).
        uint256 at = _depth;
        (uint256[] memory zeros, uint256[] memory ones) = _split(_keys, _set, at);
        while (zeros.length == 0 || ones.length == 0) {
            at++;
            (zeros, ones) = _split(_keys, _set, at);
        }
        node_ = keccak256(abi.encodePacked(_root(_keys, _leaves, zeros, at + 1), _root(_keys, _leaves, ones, at + 1)));
        uint256 key = uint160(_keys[_set[0]]);
        while (at > _depth) {
            at--;
            node_ = (key >> at) & 1 == 1
                ? keccak256(abi.encodePacked(bytes32(0), node_))
                : keccak256(abi.encodePacked(node_, bytes32(0)));
        }
    }

    function _split(address[] memory _keys, uint256[] memory _set, uint256 _depth)
        private
        pure
        returns (uint256[] memory zeros_, uint256[] memory ones_)
    {
        uint256 ones;
        for (uint256 i = 0; i < _set.length; i++) {
            if ((uint160(_keys[_set[i]]) >> _depth) & 1 == 1) ones++;
        }
        zeros_ = new uint256[](_set.length - ones);
        ones_ = new uint256[](ones);
        (uint256 z, uint256 o) = (0, 0);
        for (uint256 i = 0; i < _set.length; i++) {
            if ((uint160(_keys[_set[i]]) >> _depth) & 1 == 1) ones_[o++] = _set[i];
            else zeros_[z++] = _set[i];
        }
    }

    function _all(uint256 _n) private pure returns (uint256[] memory set_) {
        set_ = new uint256[](_n);
        for (uint256 i = 0; i < _n; i++) {
            set_[i] = i;
        }
    }
}
