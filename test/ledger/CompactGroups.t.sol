// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";
import {CompactModel} from "test/ledger/utils/CompactModel.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice Authorize (0x03) and receipt groups (0x04 → GroupReceipt 0x05) of spec 19 B: σ's outcomes and roots
///         against CompactModel (written from the spec), the batch walk and tx root, postClaim and the one-step
///         verifier on a batch with groups.
contract Ledger_CompactGroups_Test is LedgerBaseTest, CompactModel {
    SigmaHarness internal harness;
    StorageTree internal tree;
    SigmaContext internal ctx;
    State internal state;

    uint256 internal constant OPERATOR_KEY = 0x0BE2A7;
    uint256 internal constant USER_KEY = 0xA11CE;
    uint256 internal constant USER2_KEY = 0xB0B;
    uint256 internal constant MALLORY_KEY = 0x3A11;
    address internal named = makeAddr("namedAttributor");
    uint64 internal expiry;

    function setUp() public override {
        super.setUp();
        harness = new SigmaHarness();
        tree = new StorageTree();
        gProtocol = protocol;
        _registerCompact(registry);
        ctx = SigmaContext({
            domainSeparator: ledger.DOMAIN_SEPARATOR(),
            protocol: gProtocol,
            referenceTime: uint64(block.timestamp - 1),
            maxEntries: K,
            contributions: registry,
            models: registry
        });
        expiry = uint64(block.timestamp + 1 days);
    }

    /* BUILDERS */

    /// @dev A record of `_user` with `_n` entries on ids 1, 3, 5, … (weights 10⁶/n, the last one the rest).
    function _rec(address _user, uint96 _fee, uint64 _nonce, uint256 _n) internal pure returns (Rec memory r_) {
        r_.user = _user;
        r_.modelId = G_MODEL;
        r_.ioHash = keccak256(abi.encode("io", _user, _nonce));
        r_.fee = _fee;
        r_.nonce = _nonce;
        r_.ids = new uint32[](_n);
        r_.weights = new uint24[](_n);
        uint256 left = 1_000_000;
        for (uint256 j = 0; j < _n; j++) {
            r_.ids[j] = uint32(1 + 2 * j);
            r_.weights[j] = uint24(j + 1 == _n ? left : 1_000_000 / _n);
            left -= r_.weights[j];
        }
    }

    function _one(Rec memory _r) internal view returns (Group memory g_) {
        g_.operatorKey = OPERATOR_KEY;
        g_.signerKey = OPERATOR_KEY;
        g_.attributor = named;
        g_.records = new Rec[](1);
        g_.records[0] = _r;
    }

    /* STEPS (σ and the model side by side) */

    function _authorize(uint256 _userKey, uint256 _signerKey, uint96 _cap, uint64 _nonce, uint64 _expiry)
        internal
        returns (uint8 outcome_)
    {
        address operator = vm.addr(OPERATOR_KEY);
        bytes memory tx_ = _authorizeBytes(_userKey, _signerKey, operator, _cap, _nonce, _expiry, ctx.domainSeparator);
        bytes memory witnesses;
        (outcome_, witnesses) =
            _modelAuthorize(tree, _userKey, _signerKey, operator, _cap, _nonce, _expiry, ctx.referenceTime);
        _apply(tx_, witnesses, outcome_, 0);
    }

    function _receipt(Group memory _g, uint256 _k) internal returns (uint8 outcome_) {
        bytes memory witnesses;
        (outcome_, witnesses) = _modelReceipt(tree, _g, _k, ctx.referenceTime, ctx.maxEntries);
        _apply(_sigmaBytes(_g, ctx.domainSeparator, _k), witnesses, outcome_, _g.records[_k].fee);
    }

    /// @dev σ on `_tx`: the model's outcome, the model's root, totals moved by `_fee` only when valid.
    function _apply(bytes memory _tx, bytes memory _witnesses, uint8 _expected, uint256 _fee) internal {
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(state, ctx, _tx, _witnesses);
        assertEq(uint8(outcome), _expected, "outcome");
        assertEq(post.accountsRoot, tree.root(), "root");
        assertEq(post.txCount, state.txCount + 1, "txCount");
        uint256 moved = _expected == VALID ? _fee : 0;
        assertEq(post.totalCredited, state.totalCredited + moved, "totalCredited");
        assertEq(post.totalCharged, state.totalCharged + moved, "totalCharged");
        state = post;
    }

    function _allowance(address _user) internal view returns (Leaf memory) {
        return tree.leaf(_allowanceOf(_user, vm.addr(OPERATOR_KEY)));
    }

    /* AUTHORIZE */

    function test_authorize_valid_writesAllowanceLeafOnly() public {
        address user = vm.addr(USER_KEY);
        assertEq(_authorize(USER_KEY, USER_KEY, 5e18, 1, expiry), VALID);
        Leaf memory a = _allowance(user);
        assertEq(a.earned, 0, "nothing withdrawable at the allowance key");
        assertEq(a.charged, 0, "nothing settleable at the allowance key");
        assertEq(a.nonceBase, 5e18, "remaining");
        assertEq(a.nonceBitmap, expiry, "expiry");
        Leaf memory w = tree.leaf(_windowOf(user, vm.addr(OPERATOR_KEY)));
        assertEq(w.earned + w.charged, 0, "the window keeps only nonces");
        assertEq(w.nonceBitmap, 1 << 1, "nonce 1 spent");
        assertEq(state.totalCredited + state.totalCharged, 0);
    }

    function test_authorize_laterSessionReplacesBoth() public {
        _authorize(USER_KEY, USER_KEY, 5e18, 1, expiry);
        _receipt(_one(_rec(vm.addr(USER_KEY), 1e18, 2, 1)), 0);
        assertEq(_allowance(vm.addr(USER_KEY)).nonceBase, 4e18);
        assertEq(_authorize(USER_KEY, USER_KEY, 7, 3, expiry + 5), VALID);
        assertEq(_allowance(vm.addr(USER_KEY)).nonceBase, 7);
        assertEq(_allowance(vm.addr(USER_KEY)).nonceBitmap, expiry + 5);
    }

    function test_authorize_signedByAnother_isBadUserSignature() public {
        bytes32 root = state.accountsRoot;
        assertEq(_authorize(USER_KEY, MALLORY_KEY, 5e18, 1, expiry), BAD_USER_SIGNATURE);
        assertEq(state.accountsRoot, root);
    }

    function test_authorize_highS_isBadUserSignature() public {
        bytes memory tx_ =
            _authorizeBytes(USER_KEY, USER_KEY, vm.addr(OPERATOR_KEY), 5e18, 1, expiry, ctx.domainSeparator);
        // (r, n − s, v ^ 1) recovers the same signer but is the malleable twin: refused.
        uint256 s = uint256(_word(tx_, 69 + 32));
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bytes memory twin = bytes.concat(_slice(tx_, 0, 101), bytes32(n - s), bytes1(uint8(tx_[133]) ^ 1));
        (, Sigma.Outcome outcome) = harness.applyTx(state, ctx, twin, "");
        assertEq(uint8(outcome), BAD_USER_SIGNATURE);
    }

    function test_authorize_pastExpiry_isExpired() public {
        assertEq(_authorize(USER_KEY, USER_KEY, 5e18, 1, ctx.referenceTime - 1), EXPIRED);
        assertEq(_authorize(USER_KEY, USER_KEY, 5e18, 1, ctx.referenceTime), VALID, "t = expiry is in time");
    }

    function test_authorize_spentNonce_isReplay_sharedWithReceipts() public {
        _authorize(USER_KEY, USER_KEY, 5e18, 1, expiry);
        assertEq(_authorize(USER_KEY, USER_KEY, 5e18, 1, expiry), REPLAY, "same nonce");
        assertEq(_receipt(_one(_rec(vm.addr(USER_KEY), 1, 9, 0)), 0), VALID);
        assertEq(_authorize(USER_KEY, USER_KEY, 5e18, 9, expiry), REPLAY, "a receipt's nonce");
        assertEq(_receipt(_one(_rec(vm.addr(USER_KEY), 1, 1, 0)), 0), REPLAY, "an allowance's nonce");
    }

    function test_authorize_wrongLength_isMalformed() public {
        bytes memory tx_ =
            _authorizeBytes(USER_KEY, USER_KEY, vm.addr(OPERATOR_KEY), 5e18, 1, expiry, ctx.domainSeparator);
        (, Sigma.Outcome short) = harness.applyTx(state, ctx, _slice(tx_, 0, 133), "");
        (, Sigma.Outcome long) = harness.applyTx(state, ctx, bytes.concat(tx_, hex"00"), "");
        assertEq(uint8(short), MALFORMED);
        assertEq(uint8(long), MALFORMED);
    }

    /* GROUP RECEIPTS */

    function test_receipt_valid_paysTheAttributeSplit() public {
        address user = vm.addr(USER_KEY);
        _authorize(USER_KEY, USER_KEY, 5e18, 1, expiry);
        Rec memory r = _rec(user, 1e18, 2, 3);
        assertEq(_receipt(_one(r), 0), VALID);
        assertEq(_allowance(user).nonceBase, 4e18, "remaining -= fee");
        assertEq(tree.leaf(user).charged, 1e18, "user charged");
        assertEq(tree.leaf(vm.addr(OPERATOR_KEY)).earned, 0.15e18, "operator");
        assertEq(tree.leaf(gOwner).earned, 0.1e18, "owner");
        assertEq(tree.leaf(named).earned, 0.07e18, "named attributor");
        // data = 0.65e18 over weights 333,333 / 333,333 / 333,334 (ids 1, 3, 5)
        assertEq(tree.leaf(_contributorOf(1)).earned, uint256(0.65e18) * 333_333 / 1e6);
        assertEq(tree.leaf(_contributorOf(5)).earned, uint256(0.65e18) * 333_334 / 1e6);
    }

    function test_receipt_manyInOneGroup_eachValidOnce() public {
        _authorize(USER_KEY, USER_KEY, 100, 1, expiry);
        _authorize(USER2_KEY, USER2_KEY, 100, 1, expiry);
        Group memory g = _one(_rec(vm.addr(USER_KEY), 10, 2, 2));
        Rec[] memory rs = new Rec[](5);
        for (uint256 i = 0; i < 5; i++) {
            rs[i] = _rec(vm.addr(i % 2 == 0 ? USER_KEY : USER2_KEY), uint96(10 + i), uint64(2 + i), i % 4);
        }
        g.records = rs;
        for (uint256 i = 0; i < 5; i++) {
            assertEq(_receipt(g, i), VALID);
        }
        assertEq(_receipt(g, 3), REPLAY, "a record twice");
        assertEq(_allowance(vm.addr(USER_KEY)).nonceBase, 100 - 10 - 12 - 14);
    }

    function test_receipt_withoutAllowance_isNoAllowance_andSpendsNothing() public {
        address user = vm.addr(USER_KEY);
        Group memory g = _one(_rec(user, 1, 2, 1));
        bytes32 root = state.accountsRoot;
        assertEq(_receipt(g, 0), NO_ALLOWANCE);
        assertEq(state.accountsRoot, root, "no state change");
        _authorize(USER_KEY, USER_KEY, 1, 1, expiry);
        assertEq(_receipt(g, 0), VALID, "its nonce was not spent");
    }

    function test_receipt_overCapOrPastExpiry_isNoAllowance() public {
        address user = vm.addr(USER_KEY);
        _authorize(USER_KEY, USER_KEY, 10, 1, expiry);
        assertEq(_receipt(_one(_rec(user, 11, 2, 0)), 0), NO_ALLOWANCE, "fee above the cap");
        assertEq(_receipt(_one(_rec(user, 6, 3, 0)), 0), VALID);
        assertEq(_receipt(_one(_rec(user, 5, 4, 0)), 0), NO_ALLOWANCE, "fee above what is left");
        assertEq(_receipt(_one(_rec(user, 4, 5, 0)), 0), VALID, "exactly what is left");
        assertEq(_receipt(_one(_rec(user, 0, 6, 0)), 0), VALID, "a zero fee needs no allowance left");
        ctx.referenceTime = expiry + 1;
        assertEq(_receipt(_one(_rec(user, 0, 7, 0)), 0), NO_ALLOWANCE, "past expiry");
        ctx.referenceTime = expiry;
        assertEq(_receipt(_one(_rec(user, 0, 7, 0)), 0), VALID, "t = expiry is in time");
    }

    function test_receipt_anotherOperatorsAllowance_isNoAllowance() public {
        address user = vm.addr(USER_KEY);
        _authorize(USER_KEY, USER_KEY, 10, 1, expiry);
        Group memory g = _one(_rec(user, 1, 2, 0));
        g.operatorKey = MALLORY_KEY;
        g.signerKey = MALLORY_KEY;
        assertEq(_receipt(g, 0), NO_ALLOWANCE);
    }

    function test_receipt_statelessOutcomes_inSpecOrder() public {
        address user = vm.addr(USER_KEY);
        _authorize(USER_KEY, USER_KEY, 1e18, 1, expiry);
        Group memory g = _one(_rec(user, 1, 2, K + 1));
        assertEq(_receipt(g, 0), TOO_MANY_ENTRIES);
        g = _one(_rec(user, 1, 2, 3));
        (g.records[0].ids[0], g.records[0].ids[1]) = (g.records[0].ids[1], g.records[0].ids[0]);
        assertEq(_receipt(g, 0), BAD_ENTRIES, "unsorted");
        g = _one(_rec(user, 1, 2, 3));
        g.records[0].weights[0] = 0;
        assertEq(_receipt(g, 0), BAD_ENTRIES, "zero weight");
        g = _one(_rec(user, 1, 2, 3));
        g.records[0].weights[2] += 1;
        assertEq(_receipt(g, 0), BAD_ENTRIES, "weights above 10^6");
        g = _one(_rec(user, 1, 2, 3));
        g.attributor = address(0);
        g.signerKey = MALLORY_KEY;
        assertEq(_receipt(g, 0), BAD_ATTRIBUTOR, "before the signature");
        g = _one(_rec(user, 1, 2, 3));
        g.signerKey = MALLORY_KEY;
        g.records[0].modelId = 99;
        assertEq(_receipt(g, 0), BAD_OPERATOR_SIGNATURE, "before the model");
        g = _one(_rec(user, 1, 2, 3));
        g.records[0].modelId = 99;
        g.records[0].ids[2] = G_FOREIGN;
        assertEq(_receipt(g, 0), BAD_MODEL, "before the contributions");
        g = _one(_rec(user, 1, 2, 3));
        g.records[0].ids[2] = G_FOREIGN;
        assertEq(_receipt(g, 0), BAD_CONTRIBUTION, "a datanet the model does not use");
        g = _one(_rec(user, 1, 2, 3));
        g.records[0].ids[2] = uint32(G_CONTRIBUTIONS + 1);
        assertEq(_receipt(g, 0), BAD_CONTRIBUTION, "an unknown contribution");
        assertEq(_receipt(_one(_rec(user, 1, 2, 3)), 0), VALID, "none of them spent the nonce");
    }

    /// @notice The signature covers the root and the count: a record moved to another group, or a group whose
    ///         count is changed, no longer verifies.
    function test_receipt_tamperedRootOrCount_isBadOperatorSignature() public {
        address user = vm.addr(USER_KEY);
        _authorize(USER_KEY, USER_KEY, 1e18, 1, expiry);
        Group memory g = _one(_rec(user, 1, 2, 1));
        bytes memory tx_ = _sigmaBytes(g, ctx.domainSeparator, 0);
        bytes memory otherRoot = bytes.concat(_slice(tx_, 0, 41), keccak256("other"), _slice(tx_, 73, tx_.length));
        bytes memory otherCount = bytes.concat(_slice(tx_, 0, 74), hex"02", _slice(tx_, 75, tx_.length));
        (, Sigma.Outcome a) = harness.applyTx(state, ctx, otherRoot, "");
        (, Sigma.Outcome b) = harness.applyTx(state, ctx, otherCount, "");
        assertEq(uint8(a), BAD_OPERATOR_SIGNATURE);
        assertEq(uint8(b), BAD_OPERATOR_SIGNATURE);
    }

    function test_receipt_wrongLength_isMalformed() public {
        bytes memory tx_ = _sigmaBytes(_one(_rec(vm.addr(USER_KEY), 1, 2, 2)), ctx.domainSeparator, 0);
        (, Sigma.Outcome short) = harness.applyTx(state, ctx, _slice(tx_, 0, tx_.length - 1), "");
        (, Sigma.Outcome long) = harness.applyTx(state, ctx, bytes.concat(tx_, hex"00"), "");
        (, Sigma.Outcome tiny) = harness.applyTx(state, ctx, _slice(tx_, 0, 220), "");
        assertEq(uint8(short), MALFORMED);
        assertEq(uint8(long), MALFORMED);
        assertEq(uint8(tiny), MALFORMED);
    }

    /// @notice NoAllowance is a verdict on the allowance leaf: a prover must still open it (a missing or wrong
    ///         witness reverts, it does not make the tx invalid).
    function test_receipt_noAllowance_needsTheAllowanceWitness() public {
        address user = vm.addr(USER_KEY);
        Group memory g = _one(_rec(user, 1, 2, 1));
        bytes memory window = tree.witness(_windowOf(user, vm.addr(OPERATOR_KEY)));
        vm.expectRevert();
        harness.applyTx(state, ctx, _sigmaBytes(g, ctx.domainSeparator, 0), window);
    }

    /// @notice The one-step cost guard for a GroupReceipt: K entries (K distinct contributors besides the others), in
    ///         a tree that already holds them, applies in < 1M gas, for K = 8 and K = 32 (printed with -vv).
    function test_receipt_maxEntries_underOneMillionGas() public {
        _stepGas(8, 2);
        _stepGas(32, 4);
    }

    function _stepGas(uint256 _k, uint64 _nonce) internal {
        ctx.maxEntries = _k;
        address user = vm.addr(USER_KEY);
        if (_nonce == 2) _authorize(USER_KEY, USER_KEY, 1e18, 1, expiry);
        // Warm the tree: every account the step touches already holds a leaf (the usual case).
        _receipt(_one(_rec(user, 1e9, _nonce, _k)), 0);
        Group memory g = _one(_rec(user, 1e9, _nonce + 1, _k));
        (uint8 expected, bytes memory witnesses) = _modelReceipt(tree, g, 0, ctx.referenceTime, _k);
        assertEq(expected, VALID);
        bytes memory tx_ = _sigmaBytes(g, ctx.domainSeparator, 0);
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(state, ctx, tx_, witnesses);
        uint256 used = vm.lastCallGas().gasTotalUsed;
        assertEq(uint8(outcome), VALID);
        assertEq(post.accountsRoot, tree.root());
        assertLt(used, 1_000_000);
        state = post;
        console.log("GroupReceipt sigma step gas, K =", _k, used);
        console.log("  tx bytes", tx_.length, "witness bytes", witnesses.length);
    }

    /* FUZZ: σ of random groups against the model */

    /// @notice Random allowances and groups (users, fees, nonces, entry counts, a bad signer now and then): σ's
    ///         outcome and root after every record equal the model's.
    /// forge-config: default.fuzz.runs = 64
    /// forge-config: ci.fuzz.runs = 400
    function testFuzz_groups_matchModel(uint256 _seed) public {
        uint256[3] memory keys = [USER_KEY, USER2_KEY, MALLORY_KEY];
        for (uint256 u = 0; u < 3; u++) {
            uint256 r = uint256(keccak256(abi.encode(_seed, "auth", u)));
            if (r % 4 == 0) continue;
            _authorize(keys[u], r % 7 == 0 ? MALLORY_KEY : keys[u], uint96(r % 100), uint64(r % 3), expiry);
        }
        for (uint256 round = 0; round < 2; round++) {
            uint256 r = uint256(keccak256(abi.encode(_seed, "group", round)));
            Group memory g = _one(_rec(address(0), 0, 0, 0));
            g.signerKey = r % 11 == 0 ? MALLORY_KEY : OPERATOR_KEY;
            g.records = new Rec[](1 + r % 5);
            for (uint256 k = 0; k < g.records.length; k++) {
                uint256 q = uint256(keccak256(abi.encode(r, k)));
                g.records[k] = _rec(vm.addr(keys[q % 3]), uint96((q >> 8) % 40), uint64((q >> 16) % 6), (q >> 24) % 10);
                if ((q >> 32) % 9 == 0 && g.records[k].ids.length > 1) g.records[k].weights[0] -= 1;
            }
            for (uint256 k = 0; k < g.records.length; k++) {
                _receipt(g, k);
            }
        }
    }

    /* BATCH WALK AND TX ROOT */

    /// @dev A mixed batch: an Attribute (no entries), an Authorize, a group of 3 and a group of 1.
    function _mixed() internal view returns (bytes memory batch_, bytes32[] memory leaves_, Group[2] memory groups_) {
        bytes memory attribute = new bytes(304);
        attribute[0] = 0x01;
        bytes memory authorize =
            _authorizeBytes(USER_KEY, USER_KEY, vm.addr(OPERATOR_KEY), 5e18, 1, expiry, ctx.domainSeparator);
        groups_[0] = _one(_rec(vm.addr(USER_KEY), 1, 2, 8));
        groups_[0].records = new Rec[](3);
        for (uint256 k = 0; k < 3; k++) {
            groups_[0].records[k] = _rec(vm.addr(USER_KEY), uint96(k), uint64(2 + k), k * 3);
        }
        groups_[1] = _one(_rec(vm.addr(USER2_KEY), 7, 1, 2));
        batch_ = bytes.concat(
            attribute,
            authorize,
            _groupBytes(groups_[0], ctx.domainSeparator),
            _groupBytes(groups_[1], ctx.domainSeparator)
        );
        leaves_ = new bytes32[](6);
        leaves_[0] = keccak256(attribute);
        leaves_[1] = keccak256(authorize);
        for (uint256 k = 0; k < 3; k++) {
            leaves_[2 + k] = keccak256(_sigmaBytes(groups_[0], ctx.domainSeparator, k));
        }
        leaves_[5] = keccak256(_sigmaBytes(groups_[1], ctx.domainSeparator, 0));
    }

    function test_txRoot_mixedBatch_matchesModel() public view {
        (bytes memory batch, bytes32[] memory leaves,) = _mixed();
        Debit[] memory debits = new Debit[](2);
        debits[0] = Debit(address(0x10), 5);
        debits[1] = Debit(address(0x20), 7);
        bytes32[] memory all = new bytes32[](8);
        for (uint256 i = 0; i < 6; i++) {
            all[i] = leaves[i];
        }
        all[6] = keccak256(abi.encodePacked(uint8(2), address(0x10), uint128(5)));
        all[7] = keccak256(abi.encodePacked(uint8(2), address(0x20), uint128(7)));
        (bytes32 root, uint256 n) = harness.txRoot(batch, debits);
        assertEq(n, 8);
        assertEq(root, _paddedRoot(all));
        (root, n) = harness.txRoot(batch, new Debit[](0));
        assertEq(n, 6);
        assertEq(root, _paddedRoot(leaves));
    }

    function test_txRoot_oneRecord_isItsGroupReceiptLeaf() public view {
        Group memory g = _one(_rec(vm.addr(USER_KEY), 1, 2, 1));
        (bytes32 root, uint256 n) = harness.txRoot(_groupBytes(g, ctx.domainSeparator), new Debit[](0));
        assertEq(n, 1);
        assertEq(root, keccak256(_sigmaBytes(g, ctx.domainSeparator, 0)));
        // m = 1: the group root is the record's hash.
        assertEq(_groupRootOf(g), keccak256(_recordBytes(g.records[0])));
    }

    function _expectMalformed(bytes memory _batch, uint256 _index) internal {
        vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_MalformedBatch.selector, _index));
        harness.txRoot(_batch, new Debit[](0));
    }

    function test_walk_malformedGroups_revertAtTheirIndex() public {
        (bytes memory batch,,) = _mixed();
        // [0] attribute 304, [1] authorize 134, group A at 438: 108 + records 81, 81 + 21, 81 + 42; group B after.
        uint256 groupA = 438;
        uint256 groupB = groupA + 108 + 81 + 102 + 123;
        assertEq(batch.length, groupB + 108 + 81 + 14);
        _expectMalformed(_slice(batch, 0, groupB + 107), 5);
        _expectMalformed(_slice(batch, 0, groupB + 108), 5);
        _expectMalformed(_slice(batch, 0, batch.length - 1), 5);
        _expectMalformed(_slice(batch, 0, groupA + 108 + 81 + 101), 3);
        _expectMalformed(_slice(batch, 0, groupA + 50), 2);
        _expectMalformed(_slice(batch, 0, 304 + 133), 1);
        // m = 0
        bytes memory zero =
            bytes.concat(_slice(batch, 0, groupB + 41), hex"0000", _slice(batch, groupB + 43, batch.length));
        _expectMalformed(zero, 5);
        // m larger than the records present
        bytes memory more =
            bytes.concat(_slice(batch, 0, groupB + 41), hex"0002", _slice(batch, groupB + 43, batch.length));
        _expectMalformed(more, 6);
        // type bytes that do not start a batch tx: Settle, a GroupReceipt, zero
        _expectMalformed(bytes.concat(batch, hex"02"), 6);
        _expectMalformed(bytes.concat(batch, _sigmaBytes(_one(_rec(address(1), 1, 1, 0)), bytes32(0), 0)), 6);
        _expectMalformed(bytes.concat(hex"00", batch), 0);
    }

    /// @notice Random sequences of batch txs (kinds, group sizes incl. m = 0, entry counts), cut at a random byte and
    ///         with a random byte overwritten now and then: TxCodec's count or malformed index equals the walk of
    ///         docs/protocol.md §5 written here byte by byte.
    /// forge-config: default.fuzz.runs = 128
    /// forge-config: ci.fuzz.runs = 2000
    function testFuzz_walk_matchesSpec(uint256 _seed, uint256 _cut, uint256 _at, uint8 _byte) public {
        bytes memory batch = _randomBatch(_seed);
        batch = _slice(batch, 0, bound(_cut, batch.length / 2, batch.length));
        if (_seed % 4 == 0 && batch.length > 0) batch[_at % batch.length] = bytes1(_byte);
        (bool ok, uint256 count) = _specWalk(batch);
        if (ok) {
            (, uint256 n) = harness.txRoot(batch, _debitsOne());
            assertEq(n, count + 1);
        } else {
            vm.expectRevert(abi.encodeWithSelector(TxCodec.TxCodec_MalformedBatch.selector, count));
            harness.txRoot(batch, _debitsOne());
        }
    }

    /// @dev Four random batch txs: Attributes (0–3 entries), Authorizes, groups (m = 0 now and then).
    function _randomBatch(uint256 _seed) internal pure returns (bytes memory batch_) {
        for (uint256 i = 0; i < 4; i++) {
            uint256 r = uint256(keccak256(abi.encode(_seed, i)));
            if (r % 3 == 0) {
                bytes memory a = new bytes(304 + 12 * ((r >> 8) % 4));
                a[0] = 0x01;
                a[303] = bytes1(uint8((r >> 8) % 4));
                batch_ = bytes.concat(batch_, a);
            } else if (r % 3 == 1) {
                bytes memory a = new bytes(134);
                a[0] = 0x03;
                batch_ = bytes.concat(batch_, a);
            } else {
                uint256 m = (r >> 8) % 13 == 0 ? 0 : 1 + (r >> 8) % 5;
                batch_ = bytes.concat(batch_, abi.encodePacked(uint8(4), new bytes(40), uint16(m), new bytes(65)));
                for (uint256 k = 0; k < m; k++) {
                    uint256 n = (r >> (16 + 4 * k)) % 9;
                    batch_ = bytes.concat(batch_, abi.encodePacked(new bytes(80), uint8(n), new bytes(7 * n)));
                }
            }
        }
    }

    /// @dev §5's walk: (true, the number of σ txs) or (false, the index of the first tx that does not fit).
    function _specWalk(bytes memory _b) internal pure returns (bool ok_, uint256 count_) {
        uint256 p;
        uint256 len = _b.length;
        while (p < len) {
            uint8 kind = uint8(_b[p]);
            if (kind == 1) {
                if (p + 304 > len) return (false, count_);
                p += 304 + 12 * uint256(uint8(_b[p + 303]));
                if (p > len) return (false, count_);
                count_++;
            } else if (kind == 3) {
                if (p + 134 > len) return (false, count_);
                p += 134;
                count_++;
            } else if (kind == 4) {
                if (p + 108 > len) return (false, count_);
                uint256 m = uint256(uint8(_b[p + 41])) << 8 | uint8(_b[p + 42]);
                if (m == 0) return (false, count_);
                p += 108;
                for (uint256 k = 0; k < m; k++) {
                    if (p + 81 > len) return (false, count_);
                    p += 81 + 7 * uint256(uint8(_b[p + 80]));
                    if (p > len) return (false, count_);
                    count_++;
                }
            } else {
                return (false, count_);
            }
        }
        ok_ = true;
    }

    function _debitsOne() internal pure returns (Debit[] memory d_) {
        d_ = new Debit[](1);
        d_[0] = Debit(address(0x10), 1);
    }

    /* POSTCLAIM AND THE ONE-STEP PROOF */

    State[] internal stepPre;
    bytes[] internal stepWitnesses;
    bytes32[] internal stepLeaves;

    /// @dev Runs the model over one Authorize and the group `_g` (3 records) and the Settle of the user; keeps each
    ///      tx's pre-state, witnesses and leaf.
    function _modelClaim(bytes memory _authorize, Group memory _g) internal {
        address user = vm.addr(USER_KEY);
        bytes memory w;
        (, w) = _modelAuthorize(tree, USER_KEY, USER_KEY, vm.addr(OPERATOR_KEY), 100, 1, expiry, ctx.referenceTime);
        stepPre.push(State(0, 0, 0, 0));
        stepWitnesses.push(w);
        stepLeaves.push(keccak256(_authorize));
        uint256 credited;
        for (uint256 k = 0; k < 3; k++) {
            stepPre.push(State(tree.root(), credited, credited, 1 + k));
            (, w) = _modelReceipt(tree, _g, k, ctx.referenceTime, K);
            stepWitnesses.push(w);
            stepLeaves.push(keccak256(_sigmaBytes(_g, ctx.domainSeparator, k)));
            credited += _g.records[k].fee;
        }
        stepPre.push(State(tree.root(), credited, credited, 4));
        Leaf memory payer = tree.leaf(user);
        assertEq(payer.charged, credited);
        stepWitnesses.push(tree.witness(user));
        payer.charged = 0;
        tree.set(user, payer);
        stepLeaves.push(keccak256(abi.encodePacked(uint8(2), user, uint128(credited))));
        stepPre.push(State(tree.root(), credited, 0, 5));
    }

    /// @notice A claim of one Authorize and a group of three records, posted with its honest state: its txRoot is
    ///         the model's, and the one-step verifier reproduces the model's state after each GroupReceipt.
    function test_postClaim_groups_andOneStepOfEachRecord() public {
        address user = vm.addr(USER_KEY);
        bytes memory authorize =
            _authorizeBytes(USER_KEY, USER_KEY, vm.addr(OPERATOR_KEY), 100, 1, expiry, ctx.domainSeparator);
        Group memory g = _one(_rec(user, 0, 0, 0));
        g.records = new Rec[](3);
        for (uint256 k = 0; k < 3; k++) {
            g.records[k] = _rec(user, uint96(10 * (k + 1)), uint64(2 + k), 1 + k);
        }
        _modelClaim(authorize, g);
        _deposit(user, 60);
        _bond(attributor, CLAIM_BOND);
        vm.prank(attributor);
        uint256 id = ledger.postClaim(
            0,
            bytes.concat(authorize, _groupBytes(g, ctx.domainSeparator)),
            stepPre[5],
            ctx.referenceTime,
            _debits(user, 60)
        );
        bytes32 txRoot = _paddedRoot(stepLeaves);
        assertEq(ledger.claim(id).txRoot, txRoot, "txRoot");
        assertEq(ledger.claim(id).batchSize, 5);

        OneStepVerifier verifier = new OneStepVerifier();
        SigmaContext memory gameCtx = ledger.sigmaContext(id);
        for (uint256 i = 0; i < 5; i++) {
            bytes memory txBytes = i == 0
                ? authorize
                : i < 4 ? _sigmaBytes(g, ctx.domainSeparator, i - 1) : abi.encodePacked(uint8(2), user, uint128(60));
            StepProof memory proof = StepProof(stepPre[i], txBytes, _pathOf(stepLeaves, i), stepWitnesses[i]);
            bytes32 post = verifier.verifyStep(gameCtx, txRoot, 5, i, Sigma.commitment(stepPre[i]), proof);
            assertEq(post, Sigma.commitment(stepPre[i + 1]), "one step");
        }
    }

    /* BYTES */

    function _slice(bytes memory _b, uint256 _from, uint256 _to) internal pure returns (bytes memory out_) {
        out_ = new bytes(_to - _from);
        for (uint256 i = _from; i < _to; i++) {
            out_[i - _from] = _b[i];
        }
    }

    function _word(bytes memory _b, uint256 _at) internal pure returns (bytes32 w_) {
        assembly ("memory-safe") {
            w_ := mload(add(add(_b, 0x20), _at))
        }
    }
}
