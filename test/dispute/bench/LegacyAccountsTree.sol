// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leaf} from "src/libraries/AccountsTree.sol";

/// @title LegacyAccountsTree
/// @notice The accounts tree before issue 19 (a sparse Merkle tree keyed by address, depth 160, node(0, 0) = 0),
///         kept verbatim for the one-leaf-update bench (SigmaStepBench) only. Not used by any contract.
/// @dev Shared byte for byte with `agents/sigma/tree.ts`. A witness is read straight from calldata:
///
/// | bytes            | field                                                                 |
/// |------------------|-----------------------------------------------------------------------|
/// | [0, 128)         | earned ‖ charged ‖ nonceBase ‖ nonceBitmap (uint256 each)             |
/// | [128, 148)       | uint160 bitmap: bit i set ⇔ the level-i sibling is non-zero           |
/// | [148, 148 + 32m) | the m non-zero siblings, level 0 first                                |
library LegacyAccountsTree {
    /// @notice Tree depth: one level per address bit.
    uint256 internal constant DEPTH = 160;

    /// @notice Thrown when a witness is truncated.
    error LegacyAccountsTree_TruncatedWitness(uint256 offset);

    /// @notice Zero for the empty leaf, else the hash of its four words.
    function leafHash(Leaf memory _leaf) internal pure returns (bytes32 hash_) {
        if (_leaf.earned | _leaf.charged | _leaf.nonceBase | _leaf.nonceBitmap == 0) return bytes32(0);
        hash_ = keccak256(abi.encode(_leaf.earned, _leaf.charged, _leaf.nonceBase, _leaf.nonceBitmap));
    }

    /// @notice Reads the witness at `_offset` of `_data`.
    /// @return leaf_ The leaf's counters.
    /// @return proofOffset_ Where its compressed proof starts.
    /// @return next_ Where the next witness starts.
    function readWitness(bytes calldata _data, uint256 _offset)
        internal
        pure
        returns (Leaf memory leaf_, uint256 proofOffset_, uint256 next_)
    {
        proofOffset_ = _offset + 128;
        if (proofOffset_ + 20 > _data.length) revert LegacyAccountsTree_TruncatedWitness(_offset);
        uint256 bitmap;
        assembly ("memory-safe") {
            let p := add(_data.offset, _offset)
            mstore(leaf_, calldataload(p))
            mstore(add(leaf_, 0x20), calldataload(add(p, 0x20)))
            mstore(add(leaf_, 0x40), calldataload(add(p, 0x40)))
            mstore(add(leaf_, 0x60), calldataload(add(p, 0x60)))
            bitmap := shr(96, calldataload(add(p, 0x80)))
        }
        uint256 count;
        while (bitmap != 0) {
            bitmap &= bitmap - 1;
            count++;
        }
        next_ = proofOffset_ + 20 + 32 * count;
        if (next_ > _data.length) revert LegacyAccountsTree_TruncatedWitness(_offset);
    }

    /// @notice The roots obtained by placing `_oldLeaf` and `_newLeaf` at `_key`, with the same proof.
    /// @dev One pass over the 160 levels; the caller checks `oldRoot_` against the current root.
    function roots(bytes32 _oldLeaf, bytes32 _newLeaf, address _key, bytes calldata _data, uint256 _proofOffset)
        internal
        pure
        returns (bytes32 oldRoot_, bytes32 newRoot_)
    {
        assembly ("memory-safe") {
            let p := add(_data.offset, _proofOffset)
            let bitmap := shr(96, calldataload(p))
            p := add(p, 20)
            // Bit 160 is a sentinel: the loop runs while the shifted key is above 1, i.e. 160 times. The key
            // is masked: an address computed in Solidity (e.g. a nonce-window key) may reach here with dirty
            // upper bits, which inline assembly does not clean.
            let key := or(and(_key, 0xffffffffffffffffffffffffffffffffffffffff), shl(160, 1))
            let oldNode := _oldLeaf
            let newNode := _newLeaf
            // Phase 1: while either node may still be zero, node(0, 0) = 0 must be honoured.
            for {} and(gt(key, 1), or(iszero(oldNode), iszero(newNode))) {} {
                let sibling := 0
                if and(bitmap, 1) {
                    sibling := calldataload(p)
                    p := add(p, 0x20)
                }
                bitmap := shr(1, bitmap)
                let nodeSlot := shl(5, and(key, 1))
                key := shr(1, key)
                mstore(xor(nodeSlot, 0x20), sibling)
                if or(oldNode, sibling) {
                    mstore(nodeSlot, oldNode)
                    oldNode := keccak256(0x00, 0x40)
                }
                if or(newNode, sibling) {
                    mstore(nodeSlot, newNode)
                    newNode := keccak256(0x00, 0x40)
                }
            }
            // Phase 2: both nodes are non-zero, and so is every keccak of a non-zero node: hash always.
            for {} gt(key, 1) {} {
                let sibling := 0
                if and(bitmap, 1) {
                    sibling := calldataload(p)
                    p := add(p, 0x20)
                }
                bitmap := shr(1, bitmap)
                let nodeSlot := shl(5, and(key, 1))
                key := shr(1, key)
                mstore(xor(nodeSlot, 0x20), sibling)
                mstore(nodeSlot, oldNode)
                oldNode := keccak256(0x00, 0x40)
                mstore(nodeSlot, newNode)
                newNode := keccak256(0x00, 0x40)
            }
            oldRoot_ := oldNode
            newRoot_ := newNode
        }
    }

    /// @notice Whether `_leaf` sits at `_key` under `_root`, given a compressed proof (no leaf words).
    /// @param _proof uint160 bitmap (20 bytes) ‖ non-zero siblings.
    function verify(bytes32 _root, address _key, Leaf memory _leaf, bytes calldata _proof)
        internal
        pure
        returns (bool valid_)
    {
        if (_proof.length < 20) return false;
        uint256 bitmap = uint160(bytes20(_proof[0:20]));
        uint256 count;
        while (bitmap != 0) {
            bitmap &= bitmap - 1;
            count++;
        }
        if (_proof.length != 20 + 32 * count) return false;
        bytes32 hash = leafHash(_leaf);
        (bytes32 root,) = roots(hash, hash, _key, _proof, 0);
        valid_ = root == _root;
    }
}
