// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice A test-side model of σ for one fixed model (split 20/20/50/5/5 %) and one contribution, written
///         from docs/protocol.md §2–4 and independent of `Sigma`: it signs receipts (vm.sign), encodes them,
///         predicts the outcome and produces the witnesses σ consumes, updating its own StorageTree.
abstract contract SigmaModel is CommonBase {
    /// @dev A receipt as the test builds it: who signs, who is named, which nonce and fee.
    struct TestReceipt {
        uint256 userKey;
        uint256 operatorKey;
        address attributor;
        uint64 nonce;
        uint96 fee;
    }

    uint64 internal constant MODEL_ID = 1;
    uint64 internal constant CONTRIBUTION_ID = 1;
    uint256 internal constant OPERATOR_BPS = 2000;
    uint256 internal constant OWNER_BPS = 2000;
    uint256 internal constant ATTRIBUTOR_BPS = 500;
    uint256 internal constant PROTOCOL_BPS = 500;

    bytes32 private constant REQUEST_TYPE = keccak256(
        "Request(address user,address operator,uint256 modelId,bytes32 requestHash,uint256 maxFee,uint256 nonce,uint64 deadline)"
    );
    bytes32 private constant RECEIPT_TYPE = keccak256(
        "Receipt(address user,address operator,address attributor,uint256 modelId,bytes32 requestHash,bytes32 outputHash,uint256 fee,uint256 nonce,uint64 deadline)"
    );

    /// @dev Registers the model (owned by `_owner`, registered at 0) and contribution 1 of `_contributor`.
    function _registerModel(RegistryFixture _registry, address _owner, address _contributor) internal {
        _registry.setModel(MODEL_ID, _owner, FeeSplit(2000, 2000, 5000, 500, 500), 0, 0);
        _registry.setUses(MODEL_ID, 1, true);
        _registry.setContribution(CONTRIBUTION_ID, _contributor, 1, 1, 0);
    }

    /// @notice Where the replay window of (user, operator) lives (docs/protocol.md §2).
    function _windowKey(address _user, address _operator) internal pure returns (address) {
        bytes32 digest = keccak256(
            bytes.concat(
                keccak256("poa.nonces"), bytes32(uint256(uint160(_user))), bytes32(uint256(uint160(_operator)))
            )
        );
        return address(bytes20(digest << 96));
    }

    /// @notice The Attribute transaction of `_r` (maxFee = fee, deadline = 2^64 − 1, one entry of weight 1e6).
    function _encode(TestReceipt memory _r, bytes32 _domain) internal pure returns (bytes memory tx_) {
        address user = vm.addr(_r.userKey);
        address operator = vm.addr(_r.operatorKey);
        bytes32 requestHash = keccak256(abi.encode("request", _r.nonce, user, operator));
        tx_ = bytes.concat(
            abi.encodePacked(uint8(1), user, operator, _r.attributor, MODEL_ID, requestHash),
            abi.encodePacked(_outputHash(requestHash), _r.fee, _r.fee, _r.nonce, type(uint64).max),
            _sign(_r.userKey, _typedDigest(_domain, _requestStruct(_r, requestHash))),
            _sign(_r.operatorKey, _typedDigest(_domain, _receiptStruct(_r, requestHash))),
            abi.encodePacked(uint8(1), CONTRIBUTION_ID, uint32(1_000_000))
        );
    }

    function _outputHash(bytes32 _requestHash) private pure returns (bytes32) {
        return keccak256(abi.encode("output", _requestHash));
    }

    function _typedDigest(bytes32 _domain, bytes32 _struct) private pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domain, _struct));
    }

    function _requestStruct(TestReceipt memory _r, bytes32 _requestHash) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                REQUEST_TYPE,
                vm.addr(_r.userKey),
                vm.addr(_r.operatorKey),
                uint256(MODEL_ID),
                _requestHash,
                uint256(_r.fee),
                uint256(_r.nonce),
                type(uint64).max
            )
        );
    }

    function _receiptStruct(TestReceipt memory _r, bytes32 _requestHash) private pure returns (bytes32) {
        bytes memory head = abi.encode(RECEIPT_TYPE, vm.addr(_r.userKey), vm.addr(_r.operatorKey), _r.attributor);
        return keccak256(
            bytes.concat(
                head,
                abi.encode(
                    uint256(MODEL_ID),
                    _requestHash,
                    _outputHash(_requestHash),
                    uint256(_r.fee),
                    uint256(_r.nonce),
                    type(uint64).max
                )
            )
        );
    }

    function _sign(uint256 _key, bytes32 _digest) private pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_key, _digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice Applies `_r` to the model tree as σ should and returns the witnesses σ will consume.
    /// @return witnesses_ The witnesses in update order (§4).
    /// @return fresh_ False for a replay (then only the window's witness, and nothing changed).
    function _apply(StorageTree _tree, TestReceipt memory _r, address _owner, address _contributor, address _protocol)
        internal
        returns (bytes memory witnesses_, bool fresh_)
    {
        (witnesses_, fresh_) = _spendWindow(_tree, _r);
        if (!fresh_) return (witnesses_, false);
        uint256 fee = _r.fee;
        if (fee > 0) witnesses_ = bytes.concat(witnesses_, _bump(_tree, vm.addr(_r.userKey), 0, fee));
        address[5] memory to = [vm.addr(_r.operatorKey), _owner, _r.attributor, _contributor, _protocol];
        uint256[5] memory amounts;
        amounts[0] = fee * OPERATOR_BPS / 10_000;
        amounts[1] = fee * OWNER_BPS / 10_000;
        amounts[2] = fee * ATTRIBUTOR_BPS / 10_000;
        amounts[4] = fee * PROTOCOL_BPS / 10_000;
        // the data share: one entry of full weight takes all of it
        amounts[3] = fee - amounts[0] - amounts[1] - amounts[2] - amounts[4];
        for (uint256 i = 0; i < 5; i++) {
            witnesses_ = bytes.concat(witnesses_, _credit(_tree, to[i], amounts[i]));
        }
    }

    /// @dev The (user, operator) window: its witness, and whether the nonce was unspent (then it is spent).
    function _spendWindow(StorageTree _tree, TestReceipt memory _r)
        private
        returns (bytes memory witness_, bool fresh_)
    {
        address window = _windowKey(vm.addr(_r.userKey), vm.addr(_r.operatorKey));
        witness_ = _tree.witness(window);
        Leaf memory w = _tree.leaf(window);
        uint256 nonce = _r.nonce;
        if (nonce < w.nonceBase) return (witness_, false);
        if (nonce < w.nonceBase + 256) {
            uint256 bit = uint256(1) << (nonce - w.nonceBase);
            if (w.nonceBitmap & bit != 0) return (witness_, false);
            w.nonceBitmap |= bit;
        } else {
            uint256 base = nonce - 255;
            w.nonceBitmap = base - w.nonceBase >= 256 ? 0 : w.nonceBitmap >> (base - w.nonceBase);
            w.nonceBitmap |= uint256(1) << 255;
            w.nonceBase = base;
        }
        _tree.set(window, w);
        fresh_ = true;
    }

    function _credit(StorageTree _tree, address _account, uint256 _amount) private returns (bytes memory) {
        if (_amount == 0) return "";
        return _bump(_tree, _account, _amount, 0);
    }

    function _bump(StorageTree _tree, address _account, uint256 _earned, uint256 _charged)
        private
        returns (bytes memory witness_)
    {
        witness_ = _tree.witness(_account);
        Leaf memory l = _tree.leaf(_account);
        l.earned += _earned;
        l.charged += _charged;
        _tree.set(_account, l);
    }

    /// @notice A Settle(payer, charged) against the model tree: its witness (the tree is updated).
    function _settle(StorageTree _tree, address _payer) internal returns (bytes memory witness_, uint256 amount_) {
        witness_ = _tree.witness(_payer);
        Leaf memory l = _tree.leaf(_payer);
        amount_ = l.charged;
        l.charged = 0;
        _tree.set(_payer, l);
    }
}
