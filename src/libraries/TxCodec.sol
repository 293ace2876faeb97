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
/// Attribute (type 0x01), 304 + 12·n bytes:
///
/// | offset | bytes | field              | offset | bytes | field                   |
/// |--------|-------|--------------------|--------|-------|-------------------------|
/// | 0      | 1     | type = 0x01        | 145    | 12    | fee (uint96)            |
/// | 1      | 20    | user               | 157    | 8     | nonce (uint64)          |
/// | 21     | 20    | operator           | 165    | 8     | deadline (uint64)       |
/// | 41     | 20    | attributor         | 173    | 65    | user sig r ‖ s ‖ v      |
/// | 61     | 8     | modelId (uint64)   | 238    | 65    | operator sig r ‖ s ‖ v  |
/// | 69     | 32    | requestHash        | 303    | 1     | n                       |
/// | 101    | 32    | outputHash         | 304    | 12·n  | (uint64 id ‖ uint32 w)* |
/// | 133    | 12    | maxFee (uint96)    |        |       |                         |
///
/// Settle (type 0x02), 37 bytes: 0x02 ‖ payer (20) ‖ amount (uint128).
///
/// Authorize (type 0x03), 134 bytes: 0x03 ‖ user (20) ‖ operator (20) ‖ cap (uint96) ‖ nonce (uint64) ‖
/// expiry (uint64) ‖ user sig r ‖ s ‖ v (65).
///
/// Receipt group (type 0x04, batch calldata only), 108 bytes of header then m records:
/// 0x04 ‖ operator (20) ‖ attributor (20) ‖ m (uint16, ≥ 1) ‖ operator sig (65) ‖ m × record, where a record is
/// user (20) ‖ modelId (uint64) ‖ ioHash (32) ‖ fee (uint96) ‖ nonce (uint64) ‖ n (1) ‖ n × (uint32 id ‖ uint24 w),
/// 81 + 7·n bytes. Each record is one σ transaction, GroupReceipt (type 0x05), whose bytes are
/// 0x05 ‖ operator (20) ‖ attributor (20) ‖ groupRoot (32) ‖ m (uint16) ‖ operator sig (65) ‖ record
/// (140 + 81 + 7·n), groupRoot being the padded binary tree (the tx tree's rule) over H(record_i).
library TxCodec {
    uint8 internal constant TX_ATTRIBUTE = 0x01;
    uint8 internal constant TX_SETTLE = 0x02;
    uint256 internal constant ATTRIBUTE_FIXED_LENGTH = 304;
    uint256 internal constant ENTRY_LENGTH = 12;
    uint256 internal constant SETTLE_LENGTH = 37;
    uint8 internal constant TX_AUTHORIZE = 0x03;
    uint8 internal constant TX_GROUP = 0x04;
    uint8 internal constant TX_GROUP_RECEIPT = 0x05;
    uint256 internal constant AUTHORIZE_LENGTH = 134;
    uint256 internal constant GROUP_HEADER_LENGTH = 108;
    uint256 internal constant RECORD_FIXED_LENGTH = 81;
    uint256 internal constant RECORD_ENTRY_LENGTH = 7;
    /// @notice The bytes of a GroupReceipt before its record: 0x05 ‖ operator ‖ attributor ‖ groupRoot ‖ m ‖ sig.
    uint256 internal constant GROUP_RECEIPT_PREFIX_LENGTH = 140;

    /// @notice Thrown when batch calldata does not split into whole Attribute, Authorize and receipt-group
    ///         transactions; `txIndex` is the index the first one that does not fit would have had.
    error TxCodec_MalformedBatch(uint256 txIndex);

    /// @notice Thrown when a debit amount is zero or does not fit in 128 bits.
    error TxCodec_BadDebitAmount(uint256 debitIndex);

    /// @notice The tx leaf of a Settle.
    /// @dev Callers check `_amount < 2^128` first (a debit that does not fit reverts TxCodec_BadDebitAmount).
    function settleLeaf(address _payer, uint256 _amount) internal pure returns (bytes32 leaf_) {
        // forge-lint: disable-next-line(unsafe-typecast)
        leaf_ = keccak256(abi.encodePacked(TX_SETTLE, _payer, uint128(_amount)));
    }

    /// @notice Walks batch calldata and returns the number of σ transactions in it (a group counts its records).
    /// @dev Reverts TxCodec_MalformedBatch(index) at the first tx that does not fit: a type byte other than
    ///      0x01/0x03/0x04, a tx or record running past the end, a group header cut short or with m = 0.
    function countTxs(bytes calldata _batch) internal pure returns (uint256 count_) {
        bool malformed;
        assembly ("memory-safe") {
            let p := _batch.offset
            let end := add(p, _batch.length)
            for {} lt(p, end) {} {
                let kind := byte(0, calldataload(p))
                if eq(kind, 1) {
                    if gt(add(p, 304), end) {
                        malformed := 1
                        break
                    }
                    p := add(p, add(304, mul(12, byte(0, calldataload(add(p, 303))))))
                    if gt(p, end) {
                        malformed := 1
                        break
                    }
                    count_ := add(count_, 1)
                    continue
                }
                if eq(kind, 3) {
                    p := add(p, 134)
                    if gt(p, end) {
                        malformed := 1
                        break
                    }
                    count_ := add(count_, 1)
                    continue
                }
                if iszero(eq(kind, 4)) {
                    malformed := 1
                    break
                }
                if gt(add(p, 108), end) {
                    malformed := 1
                    break
                }
                let m := shr(240, calldataload(add(p, 41)))
                if iszero(m) {
                    malformed := 1
                    break
                }
                p := add(p, 108)
                for {} m { m := sub(m, 1) } {
                    if gt(add(p, 81), end) {
                        malformed := 1
                        break
                    }
                    p := add(p, add(81, mul(7, byte(0, calldataload(add(p, 80))))))
                    if gt(p, end) {
                        malformed := 1
                        break
                    }
                    count_ := add(count_, 1)
                }
                if malformed { break }
            }
        }
        if (malformed) revert TxCodec_MalformedBatch(count_);
    }

    /// @notice The claim's transaction root: the batch's σ transactions (a group's records as GroupReceipts) in
    ///         batch order, followed by one Settle per debit.
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

    /// @notice The tx leaves: H(txBytes) of each σ transaction of the batch in order (an Attribute or an Authorize:
    ///         its bytes; a group: the GroupReceipt bytes of each record, under the group root computed here), then
    ///         of each debit's Settle.
    function leaves(bytes calldata _batch, Debit[] calldata _debits) internal pure returns (bytes32[] memory leaves_) {
        uint256 txs = countTxs(_batch);
        leaves_ = new bytes32[](txs + _debits.length);
        assembly ("memory-safe") {
            // The padded-tree root of the `count` words at `data`, in place (as `_reduce`).
            function reduce(data, count) -> root {
                let width := 1
                for {} lt(width, count) {} { width := shl(1, width) }
                for {} gt(width, 1) {} {
                    width := shr(1, width)
                    for { let i := 0 } lt(i, width) { i := add(i, 1) } {
                        let l := shl(1, i)
                        let left := 0
                        let right := 0
                        if lt(l, count) { left := mload(add(data, shl(5, l))) }
                        if lt(add(l, 1), count) { right := mload(add(data, shl(5, add(l, 1)))) }
                        mstore(0x00, left)
                        mstore(0x20, right)
                        mstore(add(data, shl(5, i)), keccak256(0x00, 0x40))
                    }
                    count := width
                }
                root := mload(data)
            }
            // Txs are copied above the free memory pointer (not bumped) and hashed there.
            let scratch := mload(0x40)
            let src := _batch.offset
            let end := add(src, _batch.length)
            let out := add(leaves_, 0x20)
            for {} lt(src, end) {} {
                let kind := byte(0, calldataload(src))
                if eq(kind, 4) {
                    let m := shr(240, calldataload(add(src, 41)))
                    let records := add(src, 108)
                    // The record hashes, then the group root over them.
                    let tmp := add(scratch, shl(5, m))
                    let p := records
                    for { let k := 0 } lt(k, m) { k := add(k, 1) } {
                        let length := add(81, mul(7, byte(0, calldataload(add(p, 80)))))
                        calldatacopy(tmp, p, length)
                        mstore(add(scratch, shl(5, k)), keccak256(tmp, length))
                        p := add(p, length)
                    }
                    let root := reduce(scratch, m)
                    // 0x05 ‖ operator ‖ attributor ‖ root ‖ m ‖ sig, then each record after it.
                    mstore8(scratch, 5)
                    calldatacopy(add(scratch, 1), add(src, 1), 40)
                    mstore(add(scratch, 41), root)
                    calldatacopy(add(scratch, 73), add(src, 41), 67)
                    let body := add(scratch, 140)
                    p := records
                    for { let k := 0 } lt(k, m) { k := add(k, 1) } {
                        let length := add(81, mul(7, byte(0, calldataload(add(p, 80)))))
                        calldatacopy(body, p, length)
                        mstore(out, keccak256(scratch, add(140, length)))
                        out := add(out, 0x20)
                        p := add(p, length)
                    }
                    src := p
                    continue
                }
                let length := 134
                if eq(kind, 1) { length := add(304, mul(12, byte(0, calldataload(add(src, 303))))) }
                calldatacopy(scratch, src, length)
                mstore(out, keccak256(scratch, length))
                out := add(out, 0x20)
                src := add(src, length)
            }
        }
        for (uint256 i = 0; i < _debits.length; i++) {
            uint256 amount = _debits[i].amount;
            if (amount == 0 || amount > type(uint128).max) revert TxCodec_BadDebitAmount(i);
            leaves_[txs + i] = settleLeaf(_debits[i].payer, amount);
        }
    }

    /// @dev The root over `_count` leaves padded with zeros to a power of two; reuses `_row` in place
    ///      (node i of a level overwrites entry i, which its children 2i and 2i + 1 were read from).
    function _reduce(bytes32[] memory _row, uint256 _count) private pure returns (bytes32 root_) {
        assembly ("memory-safe") {
            let data := add(_row, 0x20)
            let width := 1
            for {} lt(width, _count) {} { width := shl(1, width) }
            for {} gt(width, 1) {} {
                width := shr(1, width)
                for { let i := 0 } lt(i, width) { i := add(i, 1) } {
                    let l := shl(1, i)
                    let left := 0
                    let right := 0
                    if lt(l, _count) { left := mload(add(data, shl(5, l))) }
                    if lt(add(l, 1), _count) { right := mload(add(data, shl(5, add(l, 1)))) }
                    mstore(0x00, left)
                    mstore(0x20, right)
                    mstore(add(data, shl(5, i)), keccak256(0x00, 0x40))
                }
                _count := width
            }
            root_ := mload(data)
        }
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
