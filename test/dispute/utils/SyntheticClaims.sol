// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Sigma, State} from "src/libraries/Sigma.sol";

/// @notice Synthetic claims for dispute tests (see DisputeBaseTest): Attribute transactions with zero
///         signatures, which σ rejects before reading state, and the padded tx tree of docs/protocol.md §5.
library SyntheticClaims {
    uint256 internal constant NO_LIE = type(uint256).max;

    /// @dev Transaction `_i`: a well-formed Attribute (304 bytes, no entries) with zero signatures.
    function syntheticTx(uint256 _i) internal pure returns (bytes memory tx_) {
        tx_ = abi.encodePacked(
            uint8(1),
            address(0x1111),
            address(0x2222),
            address(0x3333),
            uint64(1),
            keccak256(abi.encode(_i)),
            bytes32(0),
            uint96(0),
            uint96(0),
            uint64(_i),
            type(uint64).max
        );
        tx_ = abi.encodePacked(tx_, new bytes(130), uint8(0));
    }

    /// @dev s_i after `_i` synthetic transactions on `_parent`; the lie at `_wrongAt` changes the root after it.
    function state(State memory _parent, uint256 _i, uint256 _wrongAt) internal pure returns (State memory s_) {
        s_ = State(_parent.accountsRoot, _parent.totalCredited, 0, _parent.txCount + _i);
        if (_wrongAt != NO_LIE && _i > _wrongAt) s_.accountsRoot = keccak256(abi.encode(_parent.accountsRoot, "lie"));
    }

    function commitment(State memory _parent, uint256 _i, uint256 _wrongAt) internal pure returns (bytes32 c_) {
        c_ = Sigma.commitment(state(_parent, _i, _wrongAt));
    }

    function txs(uint256 _n) internal pure returns (bytes[] memory txs_, bytes32[] memory leaves_) {
        txs_ = new bytes[](_n);
        leaves_ = new bytes32[](_n);
        for (uint256 i = 0; i < _n; i++) {
            txs_[i] = syntheticTx(i);
            leaves_[i] = keccak256(txs_[i]);
        }
    }

    /// @dev The batch calldata: the transactions back to back (one allocation).
    function concat(bytes[] memory _txs) internal pure returns (bytes memory batch_) {
        uint256 total;
        for (uint256 i = 0; i < _txs.length; i++) {
            total += _txs[i].length;
        }
        batch_ = new bytes(total);
        uint256 at;
        for (uint256 i = 0; i < _txs.length; i++) {
            bytes memory t = _txs[i];
            assembly ("memory-safe") {
                mcopy(add(add(batch_, 0x20), at), add(t, 0x20), mload(t))
            }
            at += t.length;
        }
    }

    function root(bytes32[] memory _leaves) internal pure returns (bytes32 root_) {
        bytes32[] memory row = _padded(_leaves);
        while (row.length > 1) row = _up(row);
        root_ = row[0];
    }

    function txProof(bytes32[] memory _leaves, uint256 _index) internal pure returns (bytes32[] memory proof_) {
        bytes32[] memory row = _padded(_leaves);
        uint256 depth;
        while ((uint256(1) << depth) < row.length) depth++;
        proof_ = new bytes32[](depth);
        for (uint256 level = 0; level < depth; level++) {
            proof_[level] = row[_index ^ 1];
            row = _up(row);
            _index >>= 1;
        }
    }

    function _padded(bytes32[] memory _leaves) private pure returns (bytes32[] memory row_) {
        uint256 width = 1;
        while (width < _leaves.length) width <<= 1;
        row_ = new bytes32[](width);
        for (uint256 i = 0; i < _leaves.length; i++) {
            row_[i] = _leaves[i];
        }
    }

    function _up(bytes32[] memory _row) private pure returns (bytes32[] memory next_) {
        next_ = new bytes32[](_row.length / 2);
        for (uint256 i = 0; i < next_.length; i++) {
            next_[i] = keccak256(abi.encodePacked(_row[2 * i], _row[2 * i + 1]));
        }
    }
}
