// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leaf} from "src/libraries/AccountsTree.sol";

/// @notice The accounts tree of docs/protocol.md §2 (a compact sparse Merkle tree) kept in storage as a pointer
///         trie, for tests that apply many transactions: each write and each witness walks one path. Written
///         from the spec, independently of `AccountsTree` and of the TypeScript tree. An "opaque" node stands
///         for a subtree of ≥ 2 leaves known only by its hash (synthetic big trees for gas measurements). Test-only.
contract StorageTree {
    enum Kind {
        Empty,
        Leaf,
        Internal,
        Opaque
    }

    struct Node {
        Kind kind;
        address key;
        bytes32 hash;
        uint256[2] children;
    }

    error StorageTree_OpaqueOnPath(address key, uint256 depth);

    /// @dev Node 0 is the empty subtree; the root is nodes[rootId].
    mapping(uint256 => Node) internal nodes;
    uint256 internal nextId = 1;
    uint256 internal rootId;
    mapping(address => Leaf) internal leaves;
    mapping(address => bool) public present;

    function root() external view returns (bytes32) {
        return nodes[rootId].hash;
    }

    function leaf(address _key) external view returns (Leaf memory) {
        return leaves[_key];
    }

    /// @notice H(uint160 key ‖ H(abi.encode(earned, charged, nonceBase, nonceBitmap))).
    function leafNode(address _key, Leaf memory _leaf) public pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                _key, keccak256(abi.encode(_leaf.earned, _leaf.charged, _leaf.nonceBase, _leaf.nonceBitmap))
            )
        );
    }

    /// @notice Writes `_leaf` at `_key`. Zero words written to an absent key change nothing; a present key stays.
    function set(address _key, Leaf memory _leaf) external {
        if (!present[_key]) {
            if (_leaf.earned == 0 && _leaf.charged == 0 && _leaf.nonceBase == 0 && _leaf.nonceBitmap == 0) return;
            present[_key] = true;
        }
        leaves[_key] = _leaf;
        rootId = _insert(rootId, _key, 0);
    }

    /// @dev Writes the (present) leaf of `_key` into the subtree `_id` at `_depth`; returns the subtree's node.
    function _insert(uint256 _id, address _key, uint256 _depth) internal returns (uint256 id_) {
        Node storage n = nodes[_id];
        if (_id == 0) {
            id_ = _new(Kind.Leaf, _key);
        } else if (n.kind == Kind.Leaf && n.key == _key) {
            id_ = _id;
        } else if (n.kind == Kind.Leaf) {
            // Another key's leaf: an internal node here; both go down one level (a chain if they agree on the bit).
            id_ = _new(Kind.Internal, address(0));
            nodes[id_].children[_bit(n.key, _depth)] = _id;
            uint256 side = _bit(_key, _depth);
            nodes[id_].children[side] = _insert(nodes[id_].children[side], _key, _depth + 1);
        } else if (n.kind == Kind.Internal) {
            id_ = _id;
            uint256 side = _bit(_key, _depth);
            n.children[side] = _insert(n.children[side], _key, _depth + 1);
        } else {
            revert StorageTree_OpaqueOnPath(_key, _depth);
        }
        _rehash(id_);
    }

    function _new(Kind _kind, address _key) internal returns (uint256 id_) {
        id_ = nextId++;
        nodes[id_].kind = _kind;
        nodes[id_].key = _key;
    }

    function _rehash(uint256 _id) internal {
        Node storage n = nodes[_id];
        if (n.kind == Kind.Leaf) {
            n.hash = leafNode(n.key, leaves[n.key]);
        } else if (n.kind == Kind.Internal) {
            n.hash = keccak256(abi.encodePacked(nodes[n.children[0]].hash, nodes[n.children[1]].hash));
        }
    }

    function _bit(address _key, uint256 _depth) internal pure returns (uint256) {
        return (uint160(_key) >> _depth) & 1;
    }

    /// @notice Pushes the (present) leaf of `_key` down to `_depth`, giving it an opaque sibling subtree (hash
    ///         from `_seed`) at every level it passes: as if other accounts shared more of its low bits.
    function deepen(address _key, uint256 _depth, bytes32 _seed) external {
        require(present[_key], "absent");
        rootId = _deepen(rootId, _key, 0, _depth, _seed);
    }

    function _deepen(uint256 _id, address _key, uint256 _depth, uint256 _target, bytes32 _seed)
        internal
        returns (uint256 id_)
    {
        Node storage n = nodes[_id];
        if (n.kind == Kind.Internal) {
            id_ = _id;
            uint256 side = _bit(_key, _depth);
            n.children[side] = _deepen(n.children[side], _key, _depth + 1, _target, _seed);
        } else if (n.kind == Kind.Leaf && n.key == _key) {
            if (_depth >= _target) return _id;
            id_ = _new(Kind.Internal, address(0));
            uint256 opaque = _new(Kind.Opaque, address(0));
            nodes[opaque].hash = keccak256(abi.encode(_seed, _key, _depth));
            uint256 side = _bit(_key, _depth);
            nodes[id_].children[1 - side] = opaque;
            nodes[id_].children[side] = _deepen(_id, _key, _depth + 1, _target, _seed);
        } else {
            revert StorageTree_OpaqueOnPath(_key, _depth);
        }
        _rehash(id_);
    }

    /// @notice The depth of the terminal on `_key`'s path.
    function depthOf(address _key) external view returns (uint256 depth_) {
        uint256 id = rootId;
        while (nodes[id].kind == Kind.Internal) {
            id = nodes[id].children[_bit(_key, depth_)];
            depth_++;
        }
    }

    /// @notice The witness of `_key` against the current root (docs/protocol.md §2): the leaf's four words ‖ d ‖
    ///         kind ‖ (kind 2: k' ‖ v') ‖ the d siblings from depth d up to depth 1.
    function witness(address _key) external view returns (bytes memory witness_) {
        bytes32[] memory topDown = new bytes32[](161);
        uint256 id = rootId;
        uint256 depth;
        while (nodes[id].kind == Kind.Internal) {
            uint256 side = _bit(_key, depth);
            topDown[depth] = nodes[nodes[id].children[1 - side]].hash;
            id = nodes[id].children[side];
            depth++;
        }
        Node storage n = nodes[id];
        bytes memory terminal;
        if (id == 0) {
            terminal = abi.encodePacked(uint8(depth), uint8(1));
        } else if (n.kind == Kind.Leaf && n.key == _key) {
            terminal = abi.encodePacked(uint8(depth), uint8(0));
        } else if (n.kind == Kind.Leaf) {
            Leaf memory o = leaves[n.key];
            terminal = abi.encodePacked(
                uint8(depth), uint8(2), n.key, keccak256(abi.encode(o.earned, o.charged, o.nonceBase, o.nonceBitmap))
            );
        } else {
            revert StorageTree_OpaqueOnPath(_key, depth);
        }
        Leaf memory l = leaves[_key];
        witness_ = bytes.concat(abi.encode(l.earned, l.charged, l.nonceBase, l.nonceBitmap), terminal);
        for (uint256 j = depth; j > 0; j--) {
            witness_ = bytes.concat(witness_, topDown[j - 1]);
        }
    }
}
