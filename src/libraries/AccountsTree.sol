// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice One account's cumulative counters: a leaf of the accounts tree (docs/protocol.md §2).
/// @param earned Everything ever credited to the account.
/// @param charged Fees charged to the account as a payer in the current claim, not yet settled.
/// @param nonceBase The lowest nonce of the replay window; lower nonces count as spent.
/// @param nonceBitmap Bit j set ⇔ nonce nonceBase + j is spent.
struct Leaf {
    uint256 earned;
    uint256 charged;
    uint256 nonceBase;
    uint256 nonceBitmap;
}

/// @title AccountsTree
/// @notice The accounts tree: a compact sparse Merkle tree keyed by 160-bit keys (docs/protocol.md §2).
///         At depth j the path of key k goes to child bit_j(k) (bit 0 = the LSB; 0 = left). An empty subtree
///         is 0, a subtree holding one leaf is that leaf's node, a subtree holding ≥ 2 leaves is
///         H(left ‖ right). A leaf node is H(uint160 k ‖ valueHash) (52-byte preimage) with
///         valueHash = H(abi.encode(earned, charged, nonceBase, nonceBitmap)); a present leaf keeps that hash
///         even when its four words are zero. Leaves are never deleted; writing all-zero words to an absent
///         key changes nothing.
/// @dev Shared byte for byte with `agents/sigma/tree.ts`. A witness of one touched leaf, read straight from
///      calldata:
///
/// | bytes                 | field                                                                     |
/// |-----------------------|---------------------------------------------------------------------------|
/// | 128                   | earned ‖ charged ‖ nonceBase ‖ nonceBitmap (uint256 each): the OLD words W  |
/// | 1                     | d, the terminal's depth (0…160)                                           |
/// | 1                     | kind: 0 member, 1 empty, 2 other leaf (anything else: invalid)            |
/// | 52 (kind 2 only)      | k' (20 bytes) ‖ v' (32 bytes): the other leaf's key and valueHash         |
/// | 32·d                  | the siblings from depth d (the terminal's sibling) up to depth 1          |
///
/// The terminal is the node at depth d on the key's path: kind 0 = the key's own leaf H(k ‖ valueHash(W));
/// kind 1 = an empty subtree (W must be zero); kind 2 = another key's leaf H(k' ‖ v') with k' ≠ k and the low
/// d bits of k' equal to k's (W must be zero). A membership proof (`verify`) is the same bytes without the
/// 128 words, kind 0 only.
library AccountsTree {
    /// @notice The deepest a terminal can sit: two distinct keys differ in some bit < 160.
    uint256 internal constant MAX_DEPTH = 160;
    /// @notice Terminal kinds.
    uint256 internal constant KIND_MEMBER = 0;
    uint256 internal constant KIND_EMPTY = 1;
    uint256 internal constant KIND_OTHER_LEAF = 2;
    /// @notice Bytes before the terminal data: the four words, d and kind.
    uint256 internal constant HEADER_LENGTH = 130;
    /// @notice Bytes of a kind-2 terminal's other leaf: k' (20) ‖ v' (32).
    uint256 internal constant OTHER_LEAF_LENGTH = 52;

    /// @notice Thrown when a witness is truncated.
    /// @param offset The witness's byte offset in the witness data.
    error AccountsTree_TruncatedWitness(uint256 offset);

    /// @notice valueHash(W) = H(abi.encode(earned, charged, nonceBase, nonceBitmap)).
    function valueHash(Leaf memory _leaf) internal pure returns (bytes32 hash_) {
        assembly ("memory-safe") {
            hash_ := keccak256(_leaf, 0x80)
        }
    }

    /// @notice leafHash(k, W) = H(abi.encodePacked(uint160 k, valueHash(W))): the node of a present leaf.
    function leafHash(address _key, Leaf memory _leaf) internal pure returns (bytes32 hash_) {
        hash_ = _node(_key, valueHash(_leaf));
    }

    /// @notice Reads the old words W of the witness at `_offset` of `_data`.
    function readWitness(bytes calldata _data, uint256 _offset) internal pure returns (Leaf memory leaf_) {
        if (_offset + HEADER_LENGTH > _data.length) revert AccountsTree_TruncatedWitness(_offset);
        assembly ("memory-safe") {
            calldatacopy(leaf_, add(_data.offset, _offset), 0x80)
        }
    }

    /// @notice Checks the witness at `_offset` and returns the roots before and after writing `_new` at `_key`,
    ///         in one pass over the d siblings. The caller compares `oldRoot_` with the current root.
    /// @return valid_ False when the witness breaks a rule of its own: kind > 2, d > 160, a kind-1/2 terminal
    ///         with non-zero W, a kind-2 terminal with k' = k or with low d bits of k' ≠ those of k.
    /// @return oldRoot_ The root the witness opens (meaningful only when valid).
    /// @return newRoot_ The root with `_new` written at `_key` (the old one for an all-zero write to an absent key).
    /// @return next_ Where the next witness starts (0 when not valid).
    function update(bytes calldata _data, uint256 _offset, address _key, Leaf memory _new)
        internal
        pure
        returns (bool valid_, bytes32 oldRoot_, bytes32 newRoot_, uint256 next_)
    {
        (uint256 depth, uint256 kind) = _header(_data, _offset);
        if (depth > MAX_DEPTH || kind > KIND_OTHER_LEAF) return (false, bytes32(0), bytes32(0), 0);
        next_ = _offset + HEADER_LENGTH + (kind == KIND_OTHER_LEAF ? OTHER_LEAF_LENGTH : 0) + 32 * depth;
        if (next_ > _data.length) revert AccountsTree_TruncatedWitness(_offset);
        (valid_, oldRoot_, newRoot_) = _terminal(_data, _offset, _key, _new);
        (oldRoot_, newRoot_) = _climb(oldRoot_, newRoot_, _key, _data, next_ - 32 * depth, depth);
        if (!valid_) next_ = 0;
    }

    /// @dev The old and the new node at depth `_depth` (see the table above), and whether the terminal obeys
    ///      its rules.
    function _terminal(bytes calldata _data, uint256 _offset, address _key, Leaf memory _new)
        private
        pure
        returns (bool valid_, bytes32 oldNode_, bytes32 newNode_)
    {
        (uint256 depth, uint256 kind) = _header(_data, _offset);
        if (kind == KIND_OTHER_LEAF) return _otherLeaf(_data, _offset, _key, _new, depth);
        newNode_ = leafHash(_key, _new);
        if (kind == KIND_MEMBER) {
            // The key's own leaf: H(k ‖ valueHash(W)), W from the witness.
            bytes32 oldValue;
            assembly ("memory-safe") {
                let free := mload(0x40)
                calldatacopy(free, add(_data.offset, _offset), 0x80)
                oldValue := keccak256(free, 0x80)
            }
            return (true, _node(_key, oldValue), newNode_);
        }
        // An empty subtree: writing zero words to the absent key changes nothing.
        if (_isZero(_new)) newNode_ = bytes32(0);
        valid_ = _oldIsZero(_data, _offset);
    }

    /// @dev Kind 2: another key's leaf H(k' ‖ v') at depth `_depth`; the new leaf and it part at the lowest bit
    ///      where the keys differ.
    function _otherLeaf(bytes calldata _data, uint256 _offset, address _key, Leaf memory _new, uint256 _depth)
        private
        pure
        returns (bool valid_, bytes32 oldNode_, bytes32 newNode_)
    {
        address other;
        bytes32 otherValue;
        assembly ("memory-safe") {
            let q := add(_data.offset, add(_offset, 130))
            other := shr(96, calldataload(q))
            otherValue := calldataload(add(q, 20))
        }
        oldNode_ = _node(other, otherValue);
        uint256 diff = uint160(other) ^ uint160(_key);
        valid_ = _oldIsZero(_data, _offset) && diff != 0 && diff & ((uint256(1) << _depth) - 1) == 0;
        newNode_ = valid_ && !_isZero(_new) ? _split(oldNode_, leafHash(_key, _new), _key, diff, _depth) : oldNode_;
    }

    /// @dev Whether the four old words of the witness at `_offset` are zero.
    function _oldIsZero(bytes calldata _data, uint256 _offset) private pure returns (bool zero_) {
        assembly ("memory-safe") {
            let p := add(_data.offset, _offset)
            zero_ := iszero(
                or(
                    or(calldataload(p), calldataload(add(p, 0x20))),
                    or(calldataload(add(p, 0x40)), calldataload(add(p, 0x60)))
                )
            )
        }
    }

    function _isZero(Leaf memory _leaf) private pure returns (bool zero_) {
        zero_ = _leaf.earned | _leaf.charged | _leaf.nonceBase | _leaf.nonceBitmap == 0;
    }

    /// @dev The subtree at depth `_depth` holding the other leaf `_otherNode` and the new leaf `_newLeaf`: they
    ///      part at the lowest bit where the keys differ, above it a chain with one empty child per level.
    function _split(bytes32 _otherNode, bytes32 _newLeaf, address _key, uint256 _diff, uint256 _depth)
        private
        pure
        returns (bytes32 node_)
    {
        assembly ("memory-safe") {
            let key := and(_key, 0xffffffffffffffffffffffffffffffffffffffff)
            let split := _depth
            for {} iszero(and(shr(split, _diff), 1)) {} { split := add(split, 1) }
            let slot := shl(5, and(shr(split, key), 1))
            mstore(slot, _newLeaf)
            mstore(xor(slot, 0x20), _otherNode)
            node_ := keccak256(0x00, 0x40)
            for {} gt(split, _depth) {} {
                split := sub(split, 1)
                slot := shl(5, and(shr(split, key), 1))
                mstore(slot, node_)
                mstore(xor(slot, 0x20), 0)
                node_ := keccak256(0x00, 0x40)
            }
        }
    }

    /// @dev Hashes both nodes up through the same `_depth` siblings at `_siblings` of `_data` to two roots.
    function _climb(
        bytes32 _oldNode,
        bytes32 _newNode,
        address _key,
        bytes calldata _data,
        uint256 _siblings,
        uint256 _depth
    ) private pure returns (bytes32 oldRoot_, bytes32 newRoot_) {
        assembly ("memory-safe") {
            let key := and(_key, 0xffffffffffffffffffffffffffffffffffffffff)
            let s := add(_data.offset, _siblings)
            for { let j := _depth } j {} {
                j := sub(j, 1)
                let slot := shl(5, and(shr(j, key), 1))
                mstore(xor(slot, 0x20), calldataload(s))
                s := add(s, 0x20)
                mstore(slot, _oldNode)
                _oldNode := keccak256(0x00, 0x40)
                mstore(slot, _newNode)
                _newNode := keccak256(0x00, 0x40)
            }
            oldRoot_ := _oldNode
            newRoot_ := _newNode
        }
    }

    /// @dev d and kind of the witness at `_offset` (after its 128 bytes of words).
    function _header(bytes calldata _data, uint256 _offset) private pure returns (uint256 depth_, uint256 kind_) {
        if (_offset + HEADER_LENGTH > _data.length) revert AccountsTree_TruncatedWitness(_offset);
        assembly ("memory-safe") {
            let head := calldataload(add(_data.offset, add(_offset, 128)))
            depth_ := shr(248, head)
            kind_ := and(shr(240, head), 0xff)
        }
    }

    /// @dev H(uint160 key ‖ value): a leaf node.
    function _node(address _key, bytes32 _value) private pure returns (bytes32 node_) {
        assembly ("memory-safe") {
            mstore(0x00, shl(96, _key))
            mstore(0x14, _value)
            node_ := keccak256(0x00, 0x34)
        }
    }

    /// @notice Whether `_leaf` is present at `_key` under `_root`, given a membership proof.
    /// @param _proof d (1 byte) ‖ kind = 0 (1 byte) ‖ d siblings from depth d up to depth 1 (32 bytes each).
    function verify(bytes32 _root, address _key, Leaf memory _leaf, bytes calldata _proof)
        internal
        pure
        returns (bool valid_)
    {
        if (_proof.length < 2) return false;
        uint256 depth = uint8(_proof[0]);
        if (_proof[1] != 0 || depth > MAX_DEPTH || _proof.length != 2 + 32 * depth) return false;
        bytes32 node = leafHash(_key, _leaf);
        assembly ("memory-safe") {
            let key := and(_key, 0xffffffffffffffffffffffffffffffffffffffff)
            let s := add(_proof.offset, 2)
            for { let j := depth } j {} {
                j := sub(j, 1)
                let slot := shl(5, and(shr(j, key), 1))
                mstore(xor(slot, 0x20), calldataload(s))
                s := add(s, 0x20)
                mstore(slot, node)
                node := keccak256(0x00, 0x40)
            }
        }
        valid_ = node == _root;
    }
}
