// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice A test-side model of the compact calldata (spec 19 B, docs/protocol.md §3–§5): Authorize (0x03), receipt
///         groups (0x04 in the batch, one GroupReceipt 0x05 σ tx per record), their group roots, tx leaves and
///         tx root, and σ's outcome and witnesses for 0x03 / 0x05, written from the spec and independent of
///         `TxCodec` and `Sigma` (plain loops, fresh arrays, vm.sign, its own StorageTree).
abstract contract CompactModel is CommonBase {
    /// @dev A record of a group: one inference the operator was paid for under the user's allowance.
    struct Rec {
        address user;
        uint64 modelId;
        bytes32 ioHash;
        uint96 fee;
        uint64 nonce;
        uint32[] ids;
        uint24[] weights;
    }

    /// @dev A receipt group as the test builds it; `signerKey` signs it (the operator's key when honest).
    struct Group {
        uint256 operatorKey;
        uint256 signerKey;
        address attributor;
        Rec[] records;
    }

    // Outcome codes of docs/protocol.md §4 (numbers, not Sigma's enum).
    uint8 internal constant VALID = 0;
    uint8 internal constant TOO_MANY_ENTRIES = 1;
    uint8 internal constant BAD_ENTRIES = 2;
    uint8 internal constant EXPIRED = 4;
    uint8 internal constant BAD_USER_SIGNATURE = 5;
    uint8 internal constant BAD_OPERATOR_SIGNATURE = 6;
    uint8 internal constant BAD_MODEL = 7;
    uint8 internal constant BAD_CONTRIBUTION = 8;
    uint8 internal constant REPLAY = 9;
    uint8 internal constant MALFORMED = 11;
    uint8 internal constant BAD_ATTRIBUTOR = 12;
    uint8 internal constant NO_ALLOWANCE = 13;

    /// @dev The one registered model: split 15 / 10 / 65 / 7 / 3 % (operator, owner, data, attributor, protocol).
    uint64 internal constant G_MODEL = 7;
    uint256 internal constant G_OPERATOR_BPS = 1500;
    uint256 internal constant G_OWNER_BPS = 1000;
    uint256 internal constant G_ATTRIBUTOR_BPS = 700;
    uint256 internal constant G_PROTOCOL_BPS = 300;
    /// @dev Contributions 1 … G_CONTRIBUTIONS are approved in datanet 3 (used by the model); 1000 is approved in
    ///      datanet 4 (not used). Contribution id i belongs to `_contributorOf(i)` (ids 1 and 2 share one).
    uint256 internal constant G_CONTRIBUTIONS = 70;
    uint32 internal constant G_FOREIGN = 1000;

    address internal gOwner = address(0x0DEE);
    address internal gProtocol = address(0x9207);

    function _contributorOf(uint256 _id) internal pure returns (address) {
        return address(uint160(0xC0DE0000 + (_id == 2 ? 1 : _id)));
    }

    function _registerCompact(RegistryFixture _registry) internal {
        _registry.setModel(G_MODEL, gOwner, FeeSplit(1500, 1000, 6500, 700, 300), 0, 0);
        _registry.setUses(G_MODEL, 3, true);
        for (uint256 i = 1; i <= G_CONTRIBUTIONS; i++) {
            _registry.setContribution(i, _contributorOf(i), 3, 1, 0);
        }
        _registry.setContribution(G_FOREIGN, _contributorOf(G_FOREIGN), 4, 1, 0);
    }

    /* ENCODINGS */

    function _recordBytes(Rec memory _r) internal pure returns (bytes memory out_) {
        out_ = abi.encodePacked(_r.user, _r.modelId, _r.ioHash, _r.fee, _r.nonce, uint8(_r.ids.length));
        for (uint256 j = 0; j < _r.ids.length; j++) {
            out_ = bytes.concat(out_, abi.encodePacked(_r.ids[j], _r.weights[j]));
        }
    }

    /// @notice The root of the padded binary tree (zeros up to a power of two, node H(l ‖ r)) over `_leaves`.
    function _paddedRoot(bytes32[] memory _leaves) internal pure returns (bytes32) {
        if (_leaves.length == 0) return bytes32(0);
        uint256 width = 1;
        while (width < _leaves.length) width *= 2;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < _leaves.length; i++) {
            level[i] = _leaves[i];
        }
        while (level.length > 1) {
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i = 0; i < up.length; i++) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            level = up;
        }
        return level[0];
    }

    /// @notice The siblings of leaf `_index` from the leaf row up.
    function _pathOf(bytes32[] memory _leaves, uint256 _index) internal pure returns (bytes32[] memory path_) {
        uint256 width = 1;
        uint256 depth;
        while (width < _leaves.length) {
            width *= 2;
            depth++;
        }
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < _leaves.length; i++) {
            level[i] = _leaves[i];
        }
        path_ = new bytes32[](depth);
        for (uint256 d = 0; d < depth; d++) {
            path_[d] = level[_index ^ 1];
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i = 0; i < up.length; i++) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            level = up;
            _index /= 2;
        }
    }

    function _groupRootOf(Group memory _g) internal pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](_g.records.length);
        for (uint256 i = 0; i < hashes.length; i++) {
            hashes[i] = keccak256(_recordBytes(_g.records[i]));
        }
        return _paddedRoot(hashes);
    }

    function _typed(bytes32 _domain, bytes32 _struct) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domain, _struct));
    }

    function _signed(uint256 _key, bytes32 _digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_key, _digest);
        return abi.encodePacked(r, s, v);
    }

    function _groupSig(Group memory _g, bytes32 _domain) internal pure returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("ReceiptGroup(address operator,address attributor,bytes32 root,uint256 count)"),
                vm.addr(_g.operatorKey),
                _g.attributor,
                _groupRootOf(_g),
                _g.records.length
            )
        );
        return _signed(_g.signerKey, _typed(_domain, structHash));
    }

    /// @notice The 0x04 group as it goes into the batch.
    function _groupBytes(Group memory _g, bytes32 _domain) internal pure returns (bytes memory out_) {
        out_ = abi.encodePacked(
            uint8(4), vm.addr(_g.operatorKey), _g.attributor, uint16(_g.records.length), _groupSig(_g, _domain)
        );
        for (uint256 i = 0; i < _g.records.length; i++) {
            out_ = bytes.concat(out_, _recordBytes(_g.records[i]));
        }
    }

    /// @notice The σ bytes of record `_k`: 0x05 ‖ operator ‖ attributor ‖ groupRoot ‖ m ‖ sig ‖ record.
    function _sigmaBytes(Group memory _g, bytes32 _domain, uint256 _k) internal pure returns (bytes memory) {
        return bytes.concat(
            abi.encodePacked(
                uint8(5), vm.addr(_g.operatorKey), _g.attributor, _groupRootOf(_g), uint16(_g.records.length)
            ),
            _groupSig(_g, _domain),
            _recordBytes(_g.records[_k])
        );
    }

    function _authorizeBytes(
        uint256 _userKey,
        uint256 _signerKey,
        address _operator,
        uint96 _cap,
        uint64 _nonce,
        uint64 _expiry,
        bytes32 _domain
    ) internal pure returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Allowance(address user,address operator,uint256 cap,uint256 nonce,uint64 expiry)"),
                vm.addr(_userKey),
                _operator,
                uint256(_cap),
                uint256(_nonce),
                _expiry
            )
        );
        return bytes.concat(
            abi.encodePacked(uint8(3), vm.addr(_userKey), _operator, _cap, _nonce, _expiry),
            _signed(_signerKey, _typed(_domain, structHash))
        );
    }

    /* KEYS */

    function _derivedKey(string memory _tag, address _user, address _operator) internal pure returns (address) {
        bytes32 digest = keccak256(
            bytes.concat(keccak256(bytes(_tag)), bytes32(uint256(uint160(_user))), bytes32(uint256(uint160(_operator))))
        );
        return address(uint160(uint256(digest)));
    }

    function _windowOf(address _user, address _operator) internal pure returns (address) {
        return _derivedKey("poa.nonces", _user, _operator);
    }

    function _allowanceOf(address _user, address _operator) internal pure returns (address) {
        return _derivedKey("poa.allowance", _user, _operator);
    }

    /* σ */

    /// @dev Spends `_nonce` in the window at `_key` (§2) if it is unspent; returns its witness and freshness.
    function _spend(StorageTree _tree, address _key, uint256 _nonce)
        internal
        returns (bytes memory witness_, bool fresh_)
    {
        witness_ = _tree.witness(_key);
        Leaf memory w = _tree.leaf(_key);
        if (_nonce < w.nonceBase) return (witness_, false);
        if (_nonce < w.nonceBase + 256) {
            uint256 bit = uint256(1) << (_nonce - w.nonceBase);
            if (w.nonceBitmap & bit != 0) return (witness_, false);
            w.nonceBitmap |= bit;
        } else {
            uint256 base = _nonce - 255;
            uint256 shift = base - w.nonceBase;
            w.nonceBitmap = (shift >= 256 ? 0 : w.nonceBitmap >> shift) | (uint256(1) << 255);
            w.nonceBase = base;
        }
        _tree.set(_key, w);
        fresh_ = true;
    }

    /// @notice σ of an Authorize as the spec has it; the tree is updated when valid.
    function _modelAuthorize(
        StorageTree _tree,
        uint256 _userKey,
        uint256 _signerKey,
        address _operator,
        uint96 _cap,
        uint64 _nonce,
        uint64 _expiry,
        uint256 _t
    ) internal returns (uint8 outcome_, bytes memory witnesses_) {
        address user = vm.addr(_userKey);
        if (_signerKey != _userKey) return (BAD_USER_SIGNATURE, "");
        if (_t > _expiry) return (EXPIRED, "");
        bool fresh;
        (witnesses_, fresh) = _spend(_tree, _windowOf(user, _operator), _nonce);
        if (!fresh) return (REPLAY, witnesses_);
        address key = _allowanceOf(user, _operator);
        witnesses_ = bytes.concat(witnesses_, _tree.witness(key));
        Leaf memory a = _tree.leaf(key);
        a.nonceBase = _cap;
        a.nonceBitmap = _expiry;
        _tree.set(key, a);
    }

    /// @dev The checks of a record that read no state (1–7 of B.3), in order.
    function _statelessOutcome(Group memory _g, uint256 _k, uint256 _maxEntries) internal view returns (uint8) {
        Rec memory r = _g.records[_k];
        uint256 n = r.ids.length;
        if (n > _maxEntries) return TOO_MANY_ENTRIES;
        uint256 sum;
        for (uint256 j = 0; j < n; j++) {
            if (r.weights[j] == 0 || (j > 0 && r.ids[j] <= r.ids[j - 1])) return BAD_ENTRIES;
            sum += r.weights[j];
        }
        if (n > 0 && sum != 1_000_000) return BAD_ENTRIES;
        if (_g.attributor == address(0)) return BAD_ATTRIBUTOR;
        if (_g.signerKey != _g.operatorKey) return BAD_OPERATOR_SIGNATURE;
        if (r.modelId != G_MODEL) return BAD_MODEL;
        for (uint256 j = 0; j < n; j++) {
            if (r.ids[j] == 0 || r.ids[j] > G_CONTRIBUTIONS) return BAD_CONTRIBUTION;
        }
        return VALID;
    }

    /// @notice σ of record `_k`'s GroupReceipt as the spec has it; the tree is updated when valid.
    function _modelReceipt(StorageTree _tree, Group memory _g, uint256 _k, uint256 _t, uint256 _maxEntries)
        internal
        returns (uint8 outcome_, bytes memory witnesses_)
    {
        outcome_ = _statelessOutcome(_g, _k, _maxEntries);
        if (outcome_ != VALID) return (outcome_, "");
        Rec memory r = _g.records[_k];
        address operator = vm.addr(_g.operatorKey);
        uint256 snapshot = vm.snapshotState();
        bool fresh;
        (witnesses_, fresh) = _spend(_tree, _windowOf(r.user, operator), r.nonce);
        if (!fresh) return (REPLAY, witnesses_);
        address key = _allowanceOf(r.user, operator);
        witnesses_ = bytes.concat(witnesses_, _tree.witness(key));
        Leaf memory a = _tree.leaf(key);
        if (a.nonceBitmap < _t || a.nonceBase < r.fee) {
            bytes memory kept = witnesses_;
            vm.revertToState(snapshot);
            return (NO_ALLOWANCE, kept);
        }
        a.nonceBase -= r.fee;
        _tree.set(key, a);
        witnesses_ = bytes.concat(witnesses_, _pay(_tree, _g, r));
    }

    /// @dev The fee split of an Attribute (§4), in update order; zero amounts touch nothing.
    function _pay(StorageTree _tree, Group memory _g, Rec memory _r) private returns (bytes memory witnesses_) {
        uint256 fee = _r.fee;
        if (fee > 0) witnesses_ = _add(_tree, _r.user, 0, fee);
        uint256 op = fee * G_OPERATOR_BPS / 10_000;
        uint256 owner = fee * G_OWNER_BPS / 10_000;
        uint256 attr = fee * G_ATTRIBUTOR_BPS / 10_000;
        uint256 prot = fee * G_PROTOCOL_BPS / 10_000;
        uint256 data = fee - op - owner - attr - prot;
        witnesses_ = bytes.concat(witnesses_, _add(_tree, vm.addr(_g.operatorKey), op, 0));
        witnesses_ = bytes.concat(witnesses_, _add(_tree, gOwner, owner, 0));
        witnesses_ = bytes.concat(witnesses_, _add(_tree, _g.attributor, attr, 0));
        uint256 given;
        for (uint256 j = 0; j < _r.ids.length; j++) {
            uint256 amount = data * _r.weights[j] / 1_000_000;
            given += amount;
            witnesses_ = bytes.concat(witnesses_, _add(_tree, _contributorOf(_r.ids[j]), amount, 0));
        }
        witnesses_ = bytes.concat(witnesses_, _add(_tree, gProtocol, prot + data - given, 0));
    }

    function _add(StorageTree _tree, address _account, uint256 _earned, uint256 _charged)
        private
        returns (bytes memory witness_)
    {
        if (_earned == 0 && _charged == 0) return "";
        witness_ = _tree.witness(_account);
        Leaf memory l = _tree.leaf(_account);
        l.earned += _earned;
        l.charged += _charged;
        _tree.set(_account, l);
    }
}
