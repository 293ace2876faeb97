// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {AccountsTree, Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";
import {SmallTree} from "test/ledger/utils/SmallTree.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice The compact accounts tree (docs/protocol.md §2): every terminal kind, every invalid-witness rule, and
///         incremental updates through witnesses against the brute-force canonical root of `SmallTree`.
contract AccountsTree_Test is Test {
    SigmaHarness internal harness;
    address[] internal keys;
    Leaf[] internal leaves;

    function setUp() public {
        harness = new SigmaHarness();
    }

    /* helpers */

    function _set(address _key, Leaf memory _leaf) internal {
        for (uint256 i = 0; i < keys.length; i++) {
            if (keys[i] == _key) {
                leaves[i] = _leaf;
                return;
            }
        }
        keys.push(_key);
        leaves.push(_leaf);
    }

    function _root() internal view returns (bytes32) {
        return SmallTree.root(keys, leaves);
    }

    function _witness(address _key) internal view returns (bytes memory) {
        return SmallTree.witness(keys, leaves, _key);
    }

    /// @dev Writes `_new` at `_key` through AccountsTree.update with a brute-force witness; checks both roots.
    function _write(address _key, Leaf memory _new) internal returns (bytes memory witness_) {
        bytes32 before = _root();
        witness_ = _witness(_key);
        (bool valid, bytes32 oldRoot, bytes32 newRoot, uint256 next) = harness.treeUpdate(witness_, 0, _key, _new);
        assertTrue(valid, "valid");
        assertEq(oldRoot, before, "old root");
        assertEq(next, witness_.length, "next");
        bool zero = _new.earned | _new.charged | _new.nonceBase | _new.nonceBitmap == 0;
        if (!(zero && _absent(_key))) _set(_key, _new);
        assertEq(newRoot, _root(), "new root = canonical root from scratch");
    }

    function _absent(address _key) internal view returns (bool) {
        for (uint256 i = 0; i < keys.length; i++) {
            if (keys[i] == _key) return false;
        }
        return true;
    }

    function _kind(bytes memory _w) internal pure returns (uint8) {
        return uint8(_w[129]);
    }

    function _depth(bytes memory _w) internal pure returns (uint8) {
        return uint8(_w[128]);
    }

    function _a(uint256 _x) internal pure returns (address) {
        return address(uint160(_x));
    }

    /* terminal kinds */

    /// @notice The empty tree: root 0; the first key is a kind-1 terminal at depth 0 and becomes the root leaf.
    function test_emptyTree_firstLeafIsTheRoot() public {
        assertEq(_root(), bytes32(0));
        bytes memory w = _write(_a(0xabc), Leaf(5, 0, 0, 0));
        assertEq(w.length, 130);
        assertEq(_kind(w), 1);
        assertEq(_depth(w), 0);
        assertEq(_root(), keccak256(abi.encodePacked(_a(0xabc), keccak256(abi.encode(5, 0, 0, 0)))));
    }

    /// @notice Kind 0: a present leaf updated in place, including back to all-zero words (it stays present).
    function test_member_updates_andZeroWordsStayPresent() public {
        _write(_a(0x10), Leaf(1, 0, 0, 0));
        _write(_a(0x11), Leaf(2, 0, 0, 0));
        _write(_a(0x22), Leaf(3, 0, 0, 0));
        bytes memory w = _write(_a(0x11), Leaf(2, 9, 0, 0));
        assertEq(_kind(w), 0);
        w = _write(_a(0x11), Leaf(0, 0, 0, 0));
        assertEq(_kind(w), 0);
        assertFalse(_absent(_a(0x11)));
        assertTrue(_root() != SmallTree.root(_without(_a(0x11)), _leavesWithout(_a(0x11))), "zero leaf != absent");
        // and the zero leaf is still a member
        w = _write(_a(0x11), Leaf(0, 0, 0, 0));
        assertEq(_kind(w), 0);
    }

    /// @notice Kind 2: the path of a new key ends at another key's leaf; they part at the first differing bit,
    ///         with a chain of one-child nodes in between when they share bits below it.
    function test_otherLeaf_splits_withChain() public {
        _write(_a(0x00), Leaf(1, 0, 0, 0));
        // 0x100 agrees with 0x00 on bits 0..7: they part at bit 8, a chain of 8 levels under the root.
        bytes memory w = _write(_a(0x100), Leaf(2, 0, 0, 0));
        assertEq(_kind(w), 2);
        assertEq(_depth(w), 0);
        assertEq(SmallTree.witness(keys, leaves, _a(0x100)).length, 130 + 32 * 9);
        // 0x01 parts from both at bit 0: the root's empty right child (depth 1) takes it.
        w = _write(_a(0x01), Leaf(3, 0, 0, 0));
        assertEq(_kind(w), 1);
        assertEq(_depth(w), 1);
    }

    /// @notice Kind 1 below the root: a chain node's empty child (keys 0x00 and 0x100 share bits 0..7).
    function test_empty_chainChild() public {
        _write(_a(0x00), Leaf(1, 0, 0, 0));
        _write(_a(0x100), Leaf(2, 0, 0, 0));
        _write(_a(0x01), Leaf(3, 0, 0, 0));
        // 0x02: bit 0 = 0 (the chain side), bit 1 = 1: the chain's empty child at depth 2.
        bytes memory w = _write(_a(0x02), Leaf(4, 0, 0, 0));
        assertEq(_kind(w), 1);
        assertEq(_depth(w), 2);
    }

    /// @notice Writing zero words to an absent key is a no-op, through a kind-1 and a kind-2 terminal.
    function test_zeroWriteToAbsentKey_isNoOp() public {
        bytes memory w = _write(_a(0x7), Leaf(0, 0, 0, 0));
        assertEq(_kind(w), 1);
        assertEq(_root(), bytes32(0));
        _write(_a(0x00), Leaf(1, 0, 0, 0));
        _write(_a(0x100), Leaf(2, 0, 0, 0));
        bytes32 before = _root();
        w = _write(_a(0x02), Leaf(0, 0, 0, 0)); // kind 1 (the chain's empty child)
        assertEq(_kind(w), 1);
        w = _write(_a(0x1), Leaf(0, 0, 0, 0)); // the root's empty right child
        assertEq(_kind(w), 1);
        w = _write(_a(0x200), Leaf(0, 0, 0, 0)); // agrees with 0x00 to bit 8: kind 2 at 0x00's leaf
        assertEq(_kind(w), 2);
        assertEq(_root(), before);
        assertTrue(_absent(_a(0x200)));
    }

    /// @notice The deepest tree: two keys that differ only in bit 159 sit at depth 160 under a 159-level chain.
    function test_depth160() public {
        address low = _a(0x1234);
        address high = _a((uint256(1) << 159) | 0x1234);
        _write(low, Leaf(1, 0, 0, 0));
        bytes memory w = _write(high, Leaf(2, 0, 0, 0));
        assertEq(_kind(w), 2);
        w = _write(high, Leaf(3, 0, 0, 0));
        assertEq(_kind(w), 0);
        assertEq(_depth(w), 160);
        w = _write(low, Leaf(4, 4, 4, 4));
        assertEq(_depth(w), 160);
        // a membership proof at depth 160 verifies
        (bytes32 root, bytes memory proof) = SmallTree.build(keys, leaves, 0);
        assertTrue(harness.verifyLeaf(root, low, Leaf(4, 4, 4, 4), proof));
    }

    /* invalid witnesses */

    function _threeLeafTree() internal {
        _write(_a(0x00), Leaf(1, 0, 0, 0));
        _write(_a(0x100), Leaf(2, 0, 0, 0));
        _write(_a(0x01), Leaf(3, 0, 0, 0));
    }

    function _invalid(bytes memory _w, address _key) internal view {
        (bool valid,,, uint256 next) = harness.treeUpdate(_w, 0, _key, Leaf(7, 0, 0, 0));
        assertFalse(valid);
        assertEq(next, 0);
    }

    function test_invalid_kindAbove2() public {
        _threeLeafTree();
        bytes memory w = _witness(_a(0x01));
        for (uint256 k = 3; k < 256; k += 84) {
            w[129] = bytes1(uint8(k));
            _invalid(w, _a(0x01));
        }
    }

    function test_invalid_depthAbove160() public {
        bytes memory w = bytes.concat(new bytes(128), bytes1(uint8(161)), bytes1(0), new bytes(32 * 161));
        _invalid(w, _a(0x01));
    }

    function test_invalid_kind1WithNonZeroWords() public {
        _threeLeafTree();
        bytes memory w = _witness(_a(0x02));
        assertEq(_kind(w), 1);
        for (uint256 word = 0; word < 4; word++) {
            bytes memory t = bytes.concat(w);
            t[32 * word + 31] = 0x01;
            _invalid(t, _a(0x02));
        }
    }

    function test_invalid_kind2WithNonZeroWords() public {
        _threeLeafTree();
        bytes memory w = _witness(_a(0x200));
        assertEq(_kind(w), 2);
        w[100] = 0x01;
        _invalid(w, _a(0x200));
    }

    function test_invalid_kind2NamingTheKeyItself() public {
        _threeLeafTree();
        // the member witness of 0x01 rewritten as "another leaf" with k' = 0x01
        bytes memory m = _witness(_a(0x01));
        bytes memory w = bytes.concat(new bytes(128), m[128], bytes1(0x02), bytes20(_a(0x01)));
        w = bytes.concat(w, SmallTree.valueHash(Leaf(3, 0, 0, 0)), _tail(m, 130));
        _invalid(w, _a(0x01));
    }

    function test_invalid_kind2WithOtherLowBits() public {
        _threeLeafTree();
        // 0x01's leaf (depth 1) offered as the terminal of 0x02, whose bit 0 differs
        bytes memory m = _witness(_a(0x01));
        assertEq(_depth(m), 1);
        bytes memory w = bytes.concat(new bytes(128), m[128], bytes1(0x02), bytes20(_a(0x01)));
        w = bytes.concat(w, SmallTree.valueHash(Leaf(3, 0, 0, 0)), _tail(m, 130));
        _invalid(w, _a(0x02));
        // the same witness is fine for 0x03 (bit 0 = 1, like 0x01)
        (bool valid, bytes32 oldRoot,,) = harness.treeUpdate(w, 0, _a(0x03), Leaf(7, 0, 0, 0));
        assertTrue(valid);
        assertEq(oldRoot, _root());
    }

    /// @notice A witness that passes its own rules but opens another root: σ reverts Sigma_InvalidWitness.
    function test_wrongSibling_opensAnotherRoot() public {
        _threeLeafTree();
        bytes memory w = _witness(_a(0x01));
        w[w.length - 1] ^= 0x01;
        (bool valid, bytes32 oldRoot,,) = harness.treeUpdate(w, 0, _a(0x01), Leaf(7, 0, 0, 0));
        assertTrue(valid);
        assertTrue(oldRoot != _root());
    }

    function test_truncated_reverts() public {
        _threeLeafTree();
        bytes memory member = _witness(_a(0x01));
        bytes memory other = _witness(_a(0x200));
        assertEq(_kind(other), 2);
        uint256[4] memory cuts = [uint256(0), 129, member.length - 1, 0];
        for (uint256 i = 0; i < 3; i++) {
            bytes memory t = _head(member, cuts[i]);
            vm.expectRevert(abi.encodeWithSelector(AccountsTree.AccountsTree_TruncatedWitness.selector, 0));
            harness.treeUpdate(t, 0, _a(0x01), Leaf(7, 0, 0, 0));
        }
        // kind 2: the 52 bytes of the other leaf count
        vm.expectRevert(abi.encodeWithSelector(AccountsTree.AccountsTree_TruncatedWitness.selector, 0));
        harness.treeUpdate(_head(other, 130 + 51), 0, _a(0x200), Leaf(7, 0, 0, 0));
        vm.expectRevert(abi.encodeWithSelector(AccountsTree.AccountsTree_TruncatedWitness.selector, 0));
        harness.readWitness(_head(other, 127), 0);
        // at an offset: the error names the witness's offset
        bytes memory two = bytes.concat(member, _head(member, 140));
        vm.expectRevert(abi.encodeWithSelector(AccountsTree.AccountsTree_TruncatedWitness.selector, member.length));
        harness.treeUpdate(two, member.length, _a(0x01), Leaf(7, 0, 0, 0));
    }

    /* through σ: Settle is the shortest path to one witness */

    function _ctx() internal view returns (SigmaContext memory) {
        return SigmaContext(bytes32(0), address(0), 0, 8, IContributionViews(address(0)), IModelViews(address(0)));
    }

    function _settle(address _payer, uint256 _amount) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(2), _payer, uint128(_amount));
    }

    /// @notice Settle(payer, 0) of an absent payer is a valid no-op: the root stays, no zero leaf appears.
    function test_sigma_settleZeroOfAbsentPayer_isNoOp() public {
        _threeLeafTree();
        State memory pre = State(_root(), 0, 0, 3);
        (State memory post, Sigma.Outcome outcome) =
            harness.applyTx(pre, _ctx(), _settle(_a(0x200), 0), _witness(_a(0x200)));
        assertEq(uint8(outcome), uint8(Sigma.Outcome.Valid));
        assertEq(post.accountsRoot, pre.accountsRoot);
        assertEq(post.txCount, 4);
    }

    /// @notice Every rule-breaking witness makes σ revert Sigma_InvalidWitness(offset), not pick an outcome.
    function test_sigma_ruleBreakingWitness_reverts() public {
        _threeLeafTree();
        State memory pre = State(_root(), 0, 0, 3);
        bytes memory w = _witness(_a(0x02));
        w[129] = 0x03;
        vm.expectRevert(abi.encodeWithSelector(Sigma.Sigma_InvalidWitness.selector, 0));
        harness.applyTx(pre, _ctx(), _settle(_a(0x02), 0), w);
        w = _witness(_a(0x02));
        w[31] = 0x01; // kind 1 with W ≠ 0
        vm.expectRevert(abi.encodeWithSelector(Sigma.Sigma_InvalidWitness.selector, 0));
        harness.applyTx(pre, _ctx(), _settle(_a(0x02), 0), w);
        w = _witness(_a(0x02));
        w[w.length - 1] ^= 0x80; // another root
        vm.expectRevert(abi.encodeWithSelector(Sigma.Sigma_InvalidWitness.selector, 0));
        harness.applyTx(pre, _ctx(), _settle(_a(0x02), 0), w);
    }

    /* membership proofs (withdrawals) */

    function test_verify_memberOnly() public {
        _threeLeafTree();
        (bytes32 root, bytes memory proof) = SmallTree.build(keys, leaves, 2);
        assertTrue(harness.verifyLeaf(root, _a(0x01), Leaf(3, 0, 0, 0), proof));
        assertFalse(harness.verifyLeaf(root, _a(0x01), Leaf(4, 0, 0, 0), proof), "other words");
        assertFalse(harness.verifyLeaf(root, _a(0x03), Leaf(3, 0, 0, 0), proof), "other key");
        assertFalse(harness.verifyLeaf(root, _a(0x01), Leaf(3, 0, 0, 0), bytes.concat(proof, bytes32(0))), "long");
        assertFalse(harness.verifyLeaf(root, _a(0x01), Leaf(3, 0, 0, 0), _head(proof, proof.length - 1)), "short");
        assertFalse(harness.verifyLeaf(root, _a(0x01), Leaf(3, 0, 0, 0), ""), "empty");
        bytes memory kind1 = bytes.concat(proof);
        kind1[1] = 0x01;
        assertFalse(harness.verifyLeaf(root, _a(0x01), Leaf(3, 0, 0, 0), kind1), "kind 1");
        // an absent key's (kind-1) path never proves a leaf, zero or not
        bytes memory absent = _tail(_witness(_a(0x02)), 128);
        assertFalse(harness.verifyLeaf(root, _a(0x02), Leaf(0, 0, 0, 0), absent));
        absent[1] = 0x00;
        assertFalse(harness.verifyLeaf(root, _a(0x02), Leaf(0, 0, 0, 0), absent));
    }

    /* fuzz: incremental updates through witnesses == the canonical root from scratch */

    /// @dev Keys with structure: 3 random low bits, then zeros up to bit 8, random above (chains are common).
    function _fuzzKey(uint256 _seed, uint256 _i) internal pure returns (address) {
        uint256 r = uint256(keccak256(abi.encode(_seed, _i)));
        uint256 mode = r % 3;
        if (mode == 0) return _a(r >> 96);
        if (mode == 1) return _a(((r >> 96) & ~uint256(0xff)) | (r & 7));
        return _a((r >> 200) & 0x3f); // tiny keys: shared high zeros, deep chains
    }

    /// forge-config: ci.fuzz.runs = 1000
    function testFuzz_incrementalUpdates_matchCanonicalRoot(uint256 _seed, uint8 _writes) public {
        uint256 n = bound(_writes, 1, 24);
        StorageTree tree = new StorageTree();
        for (uint256 i = 0; i < n; i++) {
            uint256 r = uint256(keccak256(abi.encode(_seed, "w", i)));
            address key = _fuzzKey(_seed, r % 10);
            Leaf memory l = r % 5 == 0 ? Leaf(0, 0, 0, 0) : Leaf((r >> 8) % 3, (r >> 16) % 2, 0, (r >> 24) % 2);
            bytes memory w = _write(key, l);
            assertEq(keccak256(tree.witness(key)), keccak256(w), "storage tree witness");
            tree.set(key, l);
            assertEq(tree.root(), _root(), "storage tree root");
        }
        // every present key proves membership
        for (uint256 i = 0; i < keys.length; i++) {
            (bytes32 root, bytes memory proof) = SmallTree.build(keys, leaves, i);
            assertTrue(harness.verifyLeaf(root, keys[i], leaves[i], proof));
        }
    }

    /// @notice Applying a batch of writes in a different order through witnesses gives the same root: the tree
    ///         is canonical (a function of the set of leaves, not of the history).
    /// forge-config: ci.fuzz.runs = 1000
    function testFuzz_root_isIndependentOfInsertionOrder(uint256 _seed) public {
        uint256 n = 8;
        address[] memory ks = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            ks[i] = _fuzzKey(_seed, i);
        }
        for (uint256 i = 0; i < n; i++) {
            _write(ks[i], Leaf(i + 1, 0, 0, 0));
        }
        bytes32 forward = _root();
        delete keys;
        delete leaves;
        StorageTree tree = new StorageTree();
        for (uint256 i = n; i > 0; i--) {
            tree.set(ks[i - 1], Leaf(0, 0, 0, 0)); // no-ops
        }
        assertEq(tree.root(), bytes32(0));
        for (uint256 i = n; i > 0; i--) {
            tree.set(ks[i - 1], Leaf(n + 1, 0, 0, 0));
        }
        // the last write of each key wins in the forward order; replay it
        for (uint256 i = 0; i < n; i++) {
            tree.set(ks[i], Leaf(i + 1, 0, 0, 0));
        }
        assertEq(tree.root(), forward);
    }

    /* small helpers */

    function _head(bytes memory _b, uint256 _n) internal pure returns (bytes memory h_) {
        h_ = new bytes(_n);
        for (uint256 i = 0; i < _n; i++) {
            h_[i] = _b[i];
        }
    }

    function _tail(bytes memory _b, uint256 _from) internal pure returns (bytes memory t_) {
        t_ = new bytes(_b.length - _from);
        for (uint256 i = 0; i < t_.length; i++) {
            t_[i] = _b[_from + i];
        }
    }

    function _without(address _key) internal view returns (address[] memory ks_) {
        ks_ = new address[](keys.length - 1);
        uint256 j;
        for (uint256 i = 0; i < keys.length; i++) {
            if (keys[i] != _key) ks_[j++] = keys[i];
        }
    }

    function _leavesWithout(address _key) internal view returns (Leaf[] memory ls_) {
        ls_ = new Leaf[](keys.length - 1);
        uint256 j;
        for (uint256 i = 0; i < keys.length; i++) {
            if (keys[i] != _key) ls_[j++] = leaves[i];
        }
    }
}
