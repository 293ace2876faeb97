// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccountsTree, Leaf} from "./AccountsTree.sol";
import {TxCodec} from "./TxCodec.sol";
import {FeeSplit, IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";

/// @notice A ledger state (docs/protocol.md §1); its commitment is `Sigma.commitment`.
struct State {
    bytes32 accountsRoot;
    uint256 totalCredited;
    uint256 totalCharged;
    uint256 txCount;
}

/// @notice What σ needs besides the state and the transaction; fixed for a whole claim (§4).
struct SigmaContext {
    bytes32 domainSeparator;
    address protocol;
    uint64 referenceTime;
    uint256 maxEntries;
    IContributionViews contributions;
    IModelViews models;
}

/// @title Sigma
/// @notice σ for one transaction, from witnesses alone: what the dispute game's one-step proof runs.
/// @dev Shared rule for rule with `agents/sigma/sigma.ts`. An invalid transaction only bumps txCount;
///      a witness that does not verify reverts (the prover failed, not the transaction).
library Sigma {
    /// @notice The outcome of applying one transaction; anything but Valid left the accounts unchanged.
    enum Outcome {
        Valid,
        TooManyEntries,
        BadEntries,
        FeeAboveMax,
        Expired,
        BadUserSignature,
        BadOperatorSignature,
        BadModel,
        BadContribution,
        Replay,
        SettleMismatch,
        Malformed,
        BadAttributor,
        NoAllowance
    }

    /// @notice The hard upper bound on K (entries per Attribute transaction).
    uint256 internal constant MAX_ENTRIES_LIMIT = 32;
    /// @notice Attribution weights of one transaction sum to this (agents/engines/engine.ts).
    uint256 internal constant WEIGHT_SCALE = 1_000_000;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    bytes32 internal constant REQUEST_TYPEHASH = keccak256(
        "Request(address user,address operator,uint256 modelId,bytes32 requestHash,uint256 maxFee,uint256 nonce,uint64 deadline)"
    );
    bytes32 internal constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(address user,address operator,address attributor,uint256 modelId,bytes32 requestHash,bytes32 outputHash,uint256 fee,uint256 nonce,uint64 deadline)"
    );
    /// @notice Domain tag of the nonce-window keys (§2): H("poa.nonces").
    bytes32 internal constant NONCE_WINDOW_TAG = keccak256("poa.nonces");
    /// @notice A user's allowance to one operator (Authorize, type 0x03).
    bytes32 internal constant ALLOWANCE_TYPEHASH =
        keccak256("Allowance(address user,address operator,uint256 cap,uint256 nonce,uint64 expiry)");
    /// @notice An operator's signature over a receipt group (type 0x04 in the batch; each record a 0x05 tx).
    bytes32 internal constant RECEIPT_GROUP_TYPEHASH =
        keccak256("ReceiptGroup(address operator,address attributor,bytes32 root,uint256 count)");
    /// @notice Domain tag of the allowance keys (§2): H("poa.allowance").
    bytes32 internal constant ALLOWANCE_TAG = keccak256("poa.allowance");
    /// @notice The length of a GroupReceipt (type 0x05) without entries: the 140-byte prefix and an 81-byte record.
    uint256 internal constant GROUP_RECEIPT_FIXED_LENGTH = 221;

    /// @notice Thrown when a witness breaks a rule of docs/protocol.md §2 or does not open the current accounts root.
    /// @param offset The witness's byte offset in the witness data.
    error Sigma_InvalidWitness(uint256 offset);

    /// @dev The decoded fixed part of an Attribute transaction (entries and signatures stay in calldata).
    struct Attribute {
        address user;
        address operator;
        address attributor;
        uint256 modelId;
        bytes32 requestHash;
        bytes32 outputHash;
        uint256 maxFee;
        uint256 fee;
        uint256 nonce;
        uint256 deadline;
        uint256 entryCount;
    }

    /// @dev What the registries say about a valid Attribute's model and entries.
    struct Facts {
        address owner;
        FeeSplit split;
        address[] contributors;
    }

    /// @notice The commitment of a state: H(abi.encode(root, totalCredited, totalCharged, txCount)).
    function commitment(State memory _state) internal pure returns (bytes32 commitment_) {
        commitment_ =
            keccak256(abi.encode(_state.accountsRoot, _state.totalCredited, _state.totalCharged, _state.txCount));
    }

    /// @notice The EIP-712 domain separator of the ledger at `_ledger` on `_chainId`.
    function domainSeparator(uint256 _chainId, address _ledger) internal pure returns (bytes32 separator_) {
        separator_ = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("ProofOfAttribution"),
                keccak256("1"),
                _chainId,
                _ledger
            )
        );
    }

    /// @notice The accounts-tree key of the replay window of `_user`'s requests to `_operator` (§2):
    ///         the low 160 bits of H(NONCE_WINDOW_TAG ‖ pad32(user) ‖ pad32(operator)).
    function nonceWindowKey(address _user, address _operator) internal pure returns (address key_) {
        key_ = address(uint160(uint256(keccak256(abi.encode(NONCE_WINDOW_TAG, _user, _operator)))));
    }

    /// @notice The accounts-tree key of `_user`'s allowance to `_operator` (§2): the low 160 bits of
    ///         H(ALLOWANCE_TAG ‖ pad32(user) ‖ pad32(operator)). Its leaf keeps the remaining allowance in the
    ///         nonceBase word and its expiry in the nonceBitmap word; earned and charged stay 0.
    function allowanceKey(address _user, address _operator) internal pure returns (address key_) {
        key_ = address(uint160(uint256(keccak256(abi.encode(ALLOWANCE_TAG, _user, _operator)))));
    }

    /// @notice Applies one transaction. `_pre` is updated in place and returned.
    /// @param _pre The state before the transaction (opened from the agreed commitment).
    /// @param _ctx The claim's context.
    /// @param _tx The transaction's bytes (a leaf of the claim's tx tree).
    /// @param _witnesses The witnesses of the touched leaves, in update order (§4).
    function applyTx(State memory _pre, SigmaContext memory _ctx, bytes calldata _tx, bytes calldata _witnesses)
        internal
        view
        returns (State memory post_, Outcome outcome_)
    {
        post_ = _pre;
        if (_tx.length == TxCodec.SETTLE_LENGTH && uint8(_tx[0]) == TxCodec.TX_SETTLE) {
            outcome_ = _applySettle(post_, _tx, _witnesses);
        } else if (
            _tx.length >= TxCodec.ATTRIBUTE_FIXED_LENGTH && uint8(_tx[0]) == TxCodec.TX_ATTRIBUTE
                && _tx.length
                    == TxCodec.ATTRIBUTE_FIXED_LENGTH + TxCodec.ENTRY_LENGTH
                        * uint8(_tx[TxCodec.ATTRIBUTE_FIXED_LENGTH - 1])
        ) {
            outcome_ = _applyAttribute(post_, _ctx, _tx, _witnesses);
        } else if (_tx.length == TxCodec.AUTHORIZE_LENGTH && uint8(_tx[0]) == TxCodec.TX_AUTHORIZE) {
            outcome_ = _applyAuthorize(post_, _ctx, _tx, _witnesses);
        } else if (
            _tx.length >= GROUP_RECEIPT_FIXED_LENGTH && uint8(_tx[0]) == TxCodec.TX_GROUP_RECEIPT
                && _tx.length
                    == GROUP_RECEIPT_FIXED_LENGTH + TxCodec.RECORD_ENTRY_LENGTH
                        * uint8(_tx[GROUP_RECEIPT_FIXED_LENGTH - 1])
        ) {
            outcome_ = _applyGroupReceipt(post_, _ctx, _tx, _witnesses);
        } else {
            outcome_ = Outcome.Malformed;
        }
        post_.txCount += 1;
    }

    /* AUTHORIZE (0x03) AND GROUP RECEIPT (0x05) */

    /// @dev Authorize: the user's signature, `t ≤ expiry`, then the (user, operator) window (witness 1: the nonce
    ///      is spent) and the allowance leaf (witness 2: remaining := cap, expiry := expiry).
    function _applyAuthorize(State memory _s, SigmaContext memory _ctx, bytes calldata _tx, bytes calldata _w)
        private
        pure
        returns (Outcome)
    {
        Attribute memory a;
        uint256 cap;
        uint256 expiry;
        assembly ("memory-safe") {
            let p := _tx.offset
            mstore(a, shr(96, calldataload(add(p, 1))))
            mstore(add(a, 0x20), shr(96, calldataload(add(p, 21))))
            cap := shr(160, calldataload(add(p, 41)))
            mstore(add(a, 0x100), shr(192, calldataload(add(p, 53))))
            expiry := shr(192, calldataload(add(p, 61)))
        }
        bytes32 allowance = keccak256(abi.encode(ALLOWANCE_TYPEHASH, a.user, a.operator, cap, a.nonce, expiry));
        if (!_signedBy(keccak256(abi.encodePacked("\x19\x01", _ctx.domainSeparator, allowance)), _tx, 69, a.user)) {
            return Outcome.BadUserSignature;
        }
        if (_ctx.referenceTime > expiry) return Outcome.Expired;
        uint256 cursor = _spendNonce(_s, a, _w);
        if (cursor == 0) return Outcome.Replay;
        Leaf memory leaf = _readLeaf(_w, cursor);
        leaf.nonceBase = cap;
        leaf.nonceBitmap = expiry;
        (_s.accountsRoot,) = _writeLeaf(_s, leaf, allowanceKey(a.user, a.operator), _w, cursor);
        return Outcome.Valid;
    }

    /// @dev GroupReceipt: checks 1–7 as an Attribute's (entries, attributor, the operator's ReceiptGroup signature,
    ///      model, contributions), then the window (witness 1: Replay) and the allowance (witness 2: NoAllowance,
    ///      which undoes the nonce spend), then the fee split of an Attribute.
    function _applyGroupReceipt(State memory _s, SigmaContext memory _ctx, bytes calldata _tx, bytes calldata _w)
        private
        view
        returns (Outcome outcome_)
    {
        Attribute memory a = _decodeGroupReceipt(_tx);
        outcome_ = _checkEntries(a, _ctx, _tx);
        if (outcome_ != Outcome.Valid) return outcome_;
        if (a.attributor == address(0)) return Outcome.BadAttributor;
        bytes32 group = keccak256(
            abi.encode(
                RECEIPT_GROUP_TYPEHASH,
                a.operator,
                a.attributor,
                bytes32(_tx[41:73]),
                uint256(uint16(bytes2(_tx[73:75])))
            )
        );
        if (!_signedBy(keccak256(abi.encodePacked("\x19\x01", _ctx.domainSeparator, group)), _tx, 75, a.operator)) {
            return Outcome.BadOperatorSignature;
        }
        Facts memory facts = Facts(address(0), FeeSplit(0, 0, 0, 0, 0), new address[](a.entryCount));
        outcome_ = _checkModel(a, _ctx, facts);
        if (outcome_ != Outcome.Valid) return outcome_;
        outcome_ = _checkContributions(a, _ctx, _tx, facts.contributors);
        if (outcome_ != Outcome.Valid) return outcome_;

        uint256[2][] memory credits = _credits(a, _ctx, facts, _tx);
        bytes32 preRoot = _s.accountsRoot;
        uint256 cursor = _spendNonce(_s, a, _w);
        if (cursor == 0) return Outcome.Replay;
        Leaf memory leaf = _readLeaf(_w, cursor);
        if (leaf.nonceBitmap < _ctx.referenceTime || leaf.nonceBase < a.fee) {
            _writeLeaf(_s, leaf, allowanceKey(a.user, a.operator), _w, cursor);
            _s.accountsRoot = preRoot;
            return Outcome.NoAllowance;
        }
        leaf.nonceBase -= a.fee;
        (_s.accountsRoot, cursor) = _writeLeaf(_s, leaf, allowanceKey(a.user, a.operator), _w, cursor);
        if (a.fee > 0) cursor = _charge(_s, _w, cursor, a.user, a.fee);
        _credit(_s, _w, cursor, credits);
        _s.totalCredited += a.fee;
        _s.totalCharged += a.fee;
    }

    /// @dev The Attribute fields a GroupReceipt carries (maxFee = fee, no deadline, no request/output hash).
    function _decodeGroupReceipt(bytes calldata _tx) private pure returns (Attribute memory a_) {
        assembly ("memory-safe") {
            let p := _tx.offset
            mstore(a_, shr(96, calldataload(add(p, 140))))
            mstore(add(a_, 0x20), shr(96, calldataload(add(p, 1))))
            mstore(add(a_, 0x40), shr(96, calldataload(add(p, 21))))
            mstore(add(a_, 0x60), shr(192, calldataload(add(p, 160))))
            let fee := shr(160, calldataload(add(p, 200)))
            mstore(add(a_, 0xc0), fee)
            mstore(add(a_, 0xe0), fee)
            mstore(add(a_, 0x100), shr(192, calldataload(add(p, 212))))
            mstore(add(a_, 0x120), not(0))
            mstore(add(a_, 0x140), byte(0, calldataload(add(p, 220))))
        }
    }

    /// @dev The old words of the witness at `_cursor` (verified by `_writeLeaf`).
    function _readLeaf(bytes calldata _w, uint256 _cursor) private pure returns (Leaf memory leaf_) {
        leaf_ = AccountsTree.readWitness(_w, _cursor);
    }

    /// @dev Checks the witness at `_cursor` against the current root; returns the root with `_leaf` written at
    ///      `_key` and the offset of the next witness.
    function _writeLeaf(State memory _s, Leaf memory _leaf, address _key, bytes calldata _w, uint256 _cursor)
        private
        pure
        returns (bytes32 newRoot_, uint256 next_)
    {
        (newRoot_, next_) = _verifiedUpdate(_s, _leaf, _key, _w, _cursor);
    }

    /* SETTLE */

    function _applySettle(State memory _s, bytes calldata _tx, bytes calldata _w) private pure returns (Outcome) {
        uint256 amount = uint128(bytes16(_tx[21:37]));
        Leaf memory leaf = AccountsTree.readWitness(_w, 0);
        bool matches = leaf.charged == amount && amount <= _s.totalCharged;
        if (matches) leaf.charged = 0;
        (bytes32 newRoot,) = _verifiedUpdate(_s, leaf, address(bytes20(_tx[1:21])), _w, 0);
        if (!matches) return Outcome.SettleMismatch;
        _s.accountsRoot = newRoot;
        _s.totalCharged -= amount;
        return Outcome.Valid;
    }

    /* ATTRIBUTE */

    function _applyAttribute(State memory _s, SigmaContext memory _ctx, bytes calldata _tx, bytes calldata _w)
        private
        view
        returns (Outcome outcome_)
    {
        Attribute memory a = _decode(_tx);
        outcome_ = _checkReceipt(a, _ctx, _tx);
        if (outcome_ != Outcome.Valid) return outcome_;
        Facts memory facts = Facts(address(0), FeeSplit(0, 0, 0, 0, 0), new address[](a.entryCount));
        outcome_ = _checkModel(a, _ctx, facts);
        if (outcome_ != Outcome.Valid) return outcome_;
        outcome_ = _checkContributions(a, _ctx, _tx, facts.contributors);
        if (outcome_ != Outcome.Valid) return outcome_;

        uint256[2][] memory credits = _credits(a, _ctx, facts, _tx);
        uint256 cursor = _spendNonce(_s, a, _w);
        if (cursor == 0) return Outcome.Replay;
        if (a.fee > 0) cursor = _charge(_s, _w, cursor, a.user, a.fee);
        _credit(_s, _w, cursor, credits);
        _s.totalCredited += a.fee;
        _s.totalCharged += a.fee;
    }

    /// @dev Checks 2–6 of §4: entries, fee, deadline, attributor, signatures.
    function _checkReceipt(Attribute memory _a, SigmaContext memory _ctx, bytes calldata _tx)
        private
        pure
        returns (Outcome outcome_)
    {
        outcome_ = _checkEntries(_a, _ctx, _tx);
        if (outcome_ != Outcome.Valid) return outcome_;
        if (_a.fee > _a.maxFee) return Outcome.FeeAboveMax;
        if (_ctx.referenceTime > _a.deadline) return Outcome.Expired;
        if (_a.attributor == address(0)) return Outcome.BadAttributor;
        outcome_ = _checkSignatures(_a, _ctx.domainSeparator, _tx);
    }

    /// @dev Check 7 of §4: the model is registered, not retired at t, and its split sums to 10 000 bps.
    function _checkModel(Attribute memory _a, SigmaContext memory _ctx, Facts memory _facts)
        private
        view
        returns (Outcome outcome_)
    {
        (address owner_, FeeSplit memory split_, uint64 registeredAt, uint64 retiredAt) =
            _ctx.models.modelForAttribution(_a.modelId);
        _facts.owner = owner_;
        _facts.split = split_;
        uint256 bps =
            uint256(split_.operatorBps) + split_.ownerBps + split_.dataBps + split_.attributorBps + split_.protocolBps;
        if (
            owner_ == address(0) || registeredAt > _ctx.referenceTime
                || (retiredAt != 0 && retiredAt <= _ctx.referenceTime) || bps != BPS
        ) outcome_ = Outcome.BadModel;
    }

    /// @dev Fills the Attribute struct (eleven consecutive memory words) from the fixed-offset fields.
    function _decode(bytes calldata _tx) private pure returns (Attribute memory a_) {
        assembly ("memory-safe") {
            let p := _tx.offset
            mstore(a_, shr(96, calldataload(add(p, 1))))
            mstore(add(a_, 0x20), shr(96, calldataload(add(p, 21))))
            mstore(add(a_, 0x40), shr(96, calldataload(add(p, 41))))
            mstore(add(a_, 0x60), shr(192, calldataload(add(p, 61))))
            mstore(add(a_, 0x80), calldataload(add(p, 69)))
            mstore(add(a_, 0xa0), calldataload(add(p, 101)))
            mstore(add(a_, 0xc0), shr(160, calldataload(add(p, 133))))
            mstore(add(a_, 0xe0), shr(160, calldataload(add(p, 145))))
            mstore(add(a_, 0x100), shr(192, calldataload(add(p, 157))))
            mstore(add(a_, 0x120), shr(192, calldataload(add(p, 165))))
            mstore(add(a_, 0x140), shr(248, calldataload(add(p, 303))))
        }
    }

    /// @dev Entry `_j` of an Attribute (uint64 id ‖ uint32 weight from byte 304) or of a GroupReceipt
    ///      (uint32 id ‖ uint24 weight from byte 221).
    function _entry(bytes calldata _tx, uint256 _j) private pure returns (uint256 id_, uint256 weight_) {
        assembly ("memory-safe") {
            switch byte(0, calldataload(_tx.offset))
            case 5 {
                let p := add(add(_tx.offset, 221), mul(_j, 7))
                id_ := shr(224, calldataload(p))
                weight_ := shr(232, calldataload(add(p, 4)))
            }
            default {
                let p := add(add(_tx.offset, 304), mul(_j, 12))
                id_ := shr(192, calldataload(p))
                weight_ := shr(224, calldataload(add(p, 8)))
            }
        }
    }

    function _checkEntries(Attribute memory _a, SigmaContext memory _ctx, bytes calldata _tx)
        private
        pure
        returns (Outcome)
    {
        if (_a.entryCount > _ctx.maxEntries) return Outcome.TooManyEntries;
        if (_a.entryCount == 0) return Outcome.Valid;
        uint256 sum;
        uint256 previous;
        for (uint256 j = 0; j < _a.entryCount; j++) {
            (uint256 id, uint256 weight) = _entry(_tx, j);
            if (weight == 0 || (j > 0 && id <= previous)) return Outcome.BadEntries;
            sum += weight;
            previous = id;
        }
        return sum == WEIGHT_SCALE ? Outcome.Valid : Outcome.BadEntries;
    }

    function _checkSignatures(Attribute memory _a, bytes32 _domain, bytes calldata _tx) private pure returns (Outcome) {
        bytes32 request = keccak256(
            abi.encode(
                REQUEST_TYPEHASH, _a.user, _a.operator, _a.modelId, _a.requestHash, _a.maxFee, _a.nonce, _a.deadline
            )
        );
        if (!_signedBy(keccak256(abi.encodePacked("\x19\x01", _domain, request)), _tx, 173, _a.user)) {
            return Outcome.BadUserSignature;
        }
        bytes32 receipt = keccak256(
            abi.encode(
                RECEIPT_TYPEHASH,
                _a.user,
                _a.operator,
                _a.attributor,
                _a.modelId,
                _a.requestHash,
                _a.outputHash,
                _a.fee,
                _a.nonce,
                _a.deadline
            )
        );
        if (!_signedBy(keccak256(abi.encodePacked("\x19\x01", _domain, receipt)), _tx, 238, _a.operator)) {
            return Outcome.BadOperatorSignature;
        }
        return Outcome.Valid;
    }

    /// @dev 65-byte r ‖ s ‖ v at `_at`; v ∈ {27, 28}, low s (EIP-2), ecrecover must name `_signer`.
    function _signedBy(bytes32 _digest, bytes calldata _tx, uint256 _at, address _signer) private pure returns (bool) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            let p := add(_tx.offset, _at)
            r := calldataload(p)
            s := calldataload(add(p, 32))
            v := shr(248, calldataload(add(p, 64)))
        }
        if ((v != 27 && v != 28) || uint256(s) > HALF_CURVE_ORDER) return false;
        address recovered = ecrecover(_digest, v, r, s);
        return recovered != address(0) && recovered == _signer;
    }

    function _checkContributions(
        Attribute memory _a,
        SigmaContext memory _ctx,
        bytes calldata _tx,
        address[] memory contributors_
    ) private view returns (Outcome outcome_) {
        for (uint256 j = 0; j < _a.entryCount; j++) {
            (uint256 id,) = _entry(_tx, j);
            (address contributor, uint256 datanetId, uint64 approvedAt, uint64 withdrawnAt) =
                _ctx.contributions.contributionForAttribution(id);
            if (
                contributor == address(0) || approvedAt == 0 || approvedAt > _ctx.referenceTime
                    || (withdrawnAt != 0 && withdrawnAt <= _ctx.referenceTime)
                    || !_ctx.models.modelUsesDatanet(_a.modelId, datanetId)
            ) return Outcome.BadContribution;
            contributors_[j] = contributor;
        }
        outcome_ = Outcome.Valid;
    }

    /// @dev Verifies the (user, operator) window's witness (offset 0) and spends the nonce in it.
    /// @return next_ The offset of the next witness, or 0 for a replay (nothing changed).
    function _spendNonce(State memory _s, Attribute memory _a, bytes calldata _w) private pure returns (uint256 next_) {
        Leaf memory leaf = AccountsTree.readWitness(_w, 0);
        bool fresh;
        (fresh, leaf.nonceBase, leaf.nonceBitmap) = spend(leaf.nonceBase, leaf.nonceBitmap, _a.nonce);
        bytes32 newRoot;
        (newRoot, next_) = _verifiedUpdate(_s, leaf, nonceWindowKey(_a.user, _a.operator), _w, 0);
        if (!fresh) return 0;
        _s.accountsRoot = newRoot;
    }

    /// @dev The payer's leaf (witness at `_cursor`): `charged += _fee`.
    function _charge(State memory _s, bytes calldata _w, uint256 _cursor, address _user, uint256 _fee)
        private
        pure
        returns (uint256 next_)
    {
        Leaf memory leaf = AccountsTree.readWitness(_w, _cursor);
        leaf.charged += _fee;
        (_s.accountsRoot, next_) = _verifiedUpdate(_s, leaf, _user, _w, _cursor);
    }

    /// @dev Checks the witness at `_witnessOffset` against the current root and returns the root with `_leaf`
    ///      written at `_key`, and where the next witness starts. A witness that breaks a rule or opens another
    ///      root reverts: the prover failed, not the transaction.
    function _verifiedUpdate(
        State memory _s,
        Leaf memory _leaf,
        address _key,
        bytes calldata _w,
        uint256 _witnessOffset
    ) private pure returns (bytes32 newRoot_, uint256 next_) {
        bool valid;
        bytes32 oldRoot;
        (valid, oldRoot, newRoot_, next_) = AccountsTree.update(_w, _witnessOffset, _key, _leaf);
        if (!valid || oldRoot != _s.accountsRoot) revert Sigma_InvalidWitness(_witnessOffset);
    }

    /// @notice The nonce window of §2.
    /// @return fresh_ False for a replay (then base and bitmap are returned unchanged).
    function spend(uint256 _base, uint256 _bitmap, uint256 _nonce)
        internal
        pure
        returns (bool fresh_, uint256 base_, uint256 bitmap_)
    {
        if (_nonce < _base) return (false, _base, _bitmap);
        if (_nonce < _base + 256) {
            // forge-lint: disable-next-line(incorrect-shift)
            uint256 bit = 1 << (_nonce - _base);
            if (_bitmap & bit != 0) return (false, _base, _bitmap);
            return (true, _base, _bitmap | bit);
        }
        base_ = _nonce - 255;
        uint256 shift = base_ - _base;
        bitmap_ = (shift >= 256 ? 0 : _bitmap >> shift) | (1 << 255);
        fresh_ = true;
    }

    /// @dev The credits of a valid Attribute, in update order; zero amounts are kept and skipped later.
    function _credits(Attribute memory _a, SigmaContext memory _ctx, Facts memory _facts, bytes calldata _tx)
        private
        pure
        returns (uint256[2][] memory credits_)
    {
        FeeSplit memory split = _facts.split;
        credits_ = new uint256[2][](_a.entryCount + 4);
        uint256 data = _a.fee;
        uint256 share = _a.fee * split.operatorBps / BPS;
        data -= share;
        credits_[0] = [uint256(uint160(_a.operator)), share];
        share = _a.fee * split.ownerBps / BPS;
        data -= share;
        credits_[1] = [uint256(uint160(_facts.owner)), share];
        share = _a.fee * split.attributorBps / BPS;
        data -= share;
        credits_[2] = [uint256(uint160(_a.attributor)), share];
        uint256 rest = _a.fee * split.protocolBps / BPS;
        data -= rest;
        rest += data;
        for (uint256 j = 0; j < _a.entryCount; j++) {
            (, uint256 weight) = _entry(_tx, j);
            share = data * weight / WEIGHT_SCALE;
            rest -= share;
            credits_[3 + j] = [uint256(uint160(_facts.contributors[j])), share];
        }
        credits_[3 + _a.entryCount] = [uint256(uint160(_ctx.protocol)), rest];
    }

    /// @dev Applies the credits in order, each against the root left by the previous one.
    function _credit(State memory _s, bytes calldata _w, uint256 _cursor, uint256[2][] memory _credits) private pure {
        for (uint256 i = 0; i < _credits.length; i++) {
            if (_credits[i][1] == 0) continue;
            _cursor = _creditOne(_s, _w, _cursor, address(uint160(_credits[i][0])), _credits[i][1]);
        }
    }

    function _creditOne(State memory _s, bytes calldata _w, uint256 _cursor, address _account, uint256 _amount)
        private
        pure
        returns (uint256 next_)
    {
        Leaf memory leaf = AccountsTree.readWitness(_w, _cursor);
        leaf.earned += _amount;
        (_s.accountsRoot, next_) = _verifiedUpdate(_s, leaf, _account, _w, _cursor);
    }
}
