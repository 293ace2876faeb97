// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A payer's declared debit in a claim; it becomes the claim's Settle(payer, amount) transaction.
struct Debit {
    address payer;
    uint256 amount;
}

/// @title TxCodec
/// @notice Transaction encodings, batch walking and the transaction root (docs/protocol.md §3, §5).
/// @dev Shared byte for byte with `agents/sigma/codec.ts`.
///
/// Attribute (type 0x01), 284 + 12·n bytes:
///
/// | offset | bytes | field              | offset | bytes | field                   |
/// |--------|-------|--------------------|--------|-------|-------------------------|
/// | 0      | 1     | type = 0x01        | 137    | 8     | nonce (uint64)          |
/// | 1      | 20    | user               | 145    | 8     | deadline (uint64)       |
/// | 21     | 20    | operator           | 153    | 65    | user sig r ‖ s ‖ v      |
/// | 41     | 8     | modelId (uint64)   | 218    | 65    | operator sig r ‖ s ‖ v  |
/// | 49     | 32    | requestHash        | 283    | 1     | n                       |
/// | 81     | 32    | outputHash         | 284    | 12·n  | (uint64 id ‖ uint32 w)* |
/// | 113    | 12    | maxFee (uint96)    |        |       |                         |
/// | 125    | 12    | fee (uint96)       |        |       |                         |
///
/// Settle (type 0x02), 37 bytes: 0x02 ‖ payer (20) ‖ amount (uint128).
library TxCodec {
    uint8 internal constant TX_ATTRIBUTE = 0x01;
    uint8 internal constant TX_SETTLE = 0x02;
    uint256 internal constant ATTRIBUTE_FIXED_LENGTH = 284;
    uint256 internal constant ENTRY_LENGTH = 12;
    uint256 internal constant SETTLE_LENGTH = 37;

    /// @notice Thrown when batch calldata does not split into whole Attribute transactions.
    error TxCodec_MalformedBatch(uint256 txIndex);

    /// @notice Thrown when a debit amount is zero or does not fit in 128 bits.
    error TxCodec_BadDebitAmount(uint256 debitIndex);

    /// @notice The Settle transaction of a debit.
    function settleBytes(address _payer, uint256 _amount) internal pure returns (bytes memory tx_) {
        tx_ = abi.encodePacked(TX_SETTLE, _payer, uint128(_amount));
    }

    /// @notice The tx leaf of a Settle.
    function settleLeaf(address _payer, uint256 _amount) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(TX_SETTLE, _payer, uint128(_amount)));
    }

    /// @notice Walks batch calldata and returns the number of Attribute transactions in it.
    function countAttributes(bytes calldata _batch) internal pure returns (uint256 count_) {
        uint256 offset;
        uint256 length = _batch.length;
        while (offset < length) {
            offset += _attributeLength(_batch, offset, count_);
            count_++;
        }
    }

    function _attributeLength(bytes calldata _batch, uint256 _offset, uint256 _index)
        private
        pure
        returns (uint256 length_)
    {
        if (_offset + ATTRIBUTE_FIXED_LENGTH > _batch.length || uint8(_batch[_offset]) != TX_ATTRIBUTE) {
            revert TxCodec_MalformedBatch(_index);
        }
        length_ = ATTRIBUTE_FIXED_LENGTH + ENTRY_LENGTH * uint8(_batch[_offset + ATTRIBUTE_FIXED_LENGTH - 1]);
        if (_offset + length_ > _batch.length) revert TxCodec_MalformedBatch(_index);
    }

    /// @notice The claim's transaction root: the batch's Attribute txs followed by one Settle per debit.
    /// @return root_ The root of the padded binary tree of tx leaves (0 for an empty list).
    /// @return count_ The number of transactions N.
    function txRoot(bytes calldata _batch, Debit[] calldata _debits)
        internal
        pure
        returns (bytes32 root_, uint256 count_)
    {
        bytes32[] memory row = leaves(_batch, _debits);
        count_ = row.length;
        if (count_ == 0) return (bytes32(0), 0);
        root_ = _reduce(row, count_);
    }

    /// @notice The tx leaves: H(txBytes) of each Attribute in the batch, then of each debit's Settle.
    function leaves(bytes calldata _batch, Debit[] calldata _debits) internal pure returns (bytes32[] memory leaves_) {
        uint256 attributes = countAttributes(_batch);
        leaves_ = new bytes32[](attributes + _debits.length);
        uint256 offset;
        for (uint256 i = 0; i < attributes; i++) {
            uint256 length = ATTRIBUTE_FIXED_LENGTH + ENTRY_LENGTH * uint8(_batch[offset + ATTRIBUTE_FIXED_LENGTH - 1]);
            leaves_[i] = keccak256(_batch[offset:offset + length]);
            offset += length;
        }
        for (uint256 i = 0; i < _debits.length; i++) {
            uint256 amount = _debits[i].amount;
            if (amount == 0 || amount > type(uint128).max) revert TxCodec_BadDebitAmount(i);
            leaves_[attributes + i] = settleLeaf(_debits[i].payer, amount);
        }
    }

    /// @dev The root over `_count` leaves padded with zeros to a power of two; reuses `_row` in place.
    function _reduce(bytes32[] memory _row, uint256 _count) private pure returns (bytes32 root_) {
        uint256 width = 1;
        while (width < _count) width <<= 1;
        while (width > 1) {
            width >>= 1;
            for (uint256 i = 0; i < width; i++) {
                uint256 l = 2 * i;
                bytes32 left = l < _count ? _row[l] : bytes32(0);
                bytes32 right = l + 1 < _count ? _row[l + 1] : bytes32(0);
                bytes32 node;
                assembly ("memory-safe") {
                    mstore(0x00, left)
                    mstore(0x20, right)
                    node := keccak256(0x00, 0x40)
                }
                _row[i] = node;
            }
            _count = width;
        }
        root_ = _row[0];
    }

    /// @notice Whether `_tx` is transaction `_index` of the list with root `_root` (siblings from the leaf row up).
    function verifyTx(bytes32 _root, bytes calldata _tx, uint256 _index, bytes32[] calldata _proof)
        internal
        pure
        returns (bool valid_)
    {
        bytes32 node = keccak256(_tx);
        for (uint256 level = 0; level < _proof.length; level++) {
            bytes32 sibling = _proof[level];
            node = (_index >> level) & 1 == 1
                ? keccak256(abi.encodePacked(sibling, node))
                : keccak256(abi.encodePacked(node, sibling));
        }
        valid_ = node == _root && _index >> _proof.length == 0;
    }
}
