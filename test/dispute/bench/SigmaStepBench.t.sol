// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {FeeSplit, IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {LegacyAccountsTree} from "test/dispute/bench/LegacyAccountsTree.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice The gas of one σ step (docs/benchmarks-dispute.md, docs/benchmarks-ledger.md "One σ step"): a valid
///         Attribute with K = 4, 8, 16, 32 entries, every party already holding a leaf, in trees of 5,000, 2^20
///         and 2^30 random accounts. The big trees are synthetic: the touched leaves sit in a StorageTree whose
///         every other subtree is an opaque hash, each touched leaf pushed to depth ⌈log2 N⌉ + 2 (a leaf of a
///         random tree of N keys sits at ≈ log2 N + 1.3 on average), so the witnesses have realistic lengths.
///         Storage is cooled before each measured call (cold registry reads, as in a real dispute); the gas is the
///         callee's execution gas (`vm.lastCallGas`: no calldata, no intrinsic cost, not the caller's ABI
///         encoding). Prints markdown tables; runs only with SIGMA_STEP_BENCH=1:
///         `SIGMA_STEP_BENCH=1 npx forge test --match-path test/dispute/bench/SigmaStepBench.t.sol -vv`
contract SigmaStepBench_Test is Test {
    bytes32 private constant REQUEST_TYPE = keccak256(
        "Request(address user,address operator,uint256 modelId,bytes32 requestHash,uint256 maxFee,uint256 nonce,uint64 deadline)"
    );
    bytes32 private constant RECEIPT_TYPE = keccak256(
        "Receipt(address user,address operator,address attributor,uint256 modelId,bytes32 requestHash,bytes32 outputHash,uint256 fee,uint256 nonce,uint64 deadline)"
    );
    uint256 private constant USER_KEY = 0xA11CE;
    uint256 private constant OPERATOR_KEY = 0x0BE7A70B;
    uint64 private constant MODEL_ID = 1;
    uint96 private constant FEE = 1e18;

    RegistryFixture internal registry;
    SigmaHarness internal harness;
    OneStepVerifier internal verifier;
    LegacyHarness internal legacy;
    address internal owner = makeAddr("owner");
    address internal attributor = makeAddr("attributor");
    address internal protocol = makeAddr("protocol");

    struct Measured {
        uint256 applyGas;
        uint256 stepGas;
        uint256 txBytes;
        uint256 witnessBytes;
        uint256 leaves;
    }

    function setUp() public {
        registry = new RegistryFixture();
        harness = new SigmaHarness();
        verifier = new OneStepVerifier();
        legacy = new LegacyHarness();
        registry.setModel(MODEL_ID, owner, FeeSplit(2000, 2000, 5000, 500, 500), 0, 0);
        registry.setUses(MODEL_ID, 1, true);
        for (uint256 i = 1; i <= 32; i++) {
            registry.setContribution(i, _contributor(i), 1, 1, 0);
        }
    }

    function _ctx() internal view returns (SigmaContext memory) {
        return SigmaContext(
            Sigma.domainSeparator(block.chainid, address(0x1ed6e7)),
            protocol,
            1000,
            32,
            IContributionViews(address(registry)),
            IModelViews(address(registry))
        );
    }

    function test_bench_oneSigmaStep() public {
        if (!vm.envOr("SIGMA_STEP_BENCH", false)) return;
        console.log(
            "| K | accounts in tree | leaf depth | Sigma.applyTx gas | verifyStep gas | leaves updated | tx bytes | witness bytes |"
        );
        console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
        uint256[3] memory sizes = [uint256(5000), 1 << 20, 1 << 30];
        uint256[4] memory ks = [uint256(4), 8, 16, 32];
        uint256 snapshot = vm.snapshotState();
        for (uint256 s = 0; s < 3; s++) {
            uint256 depth = _log2Ceil(sizes[s]) + 2;
            for (uint256 k = 0; k < 4; k++) {
                Measured memory m = _measure(ks[k], depth);
                console.log(
                    string.concat(
                        "| ",
                        vm.toString(ks[k]),
                        " | ",
                        vm.toString(sizes[s]),
                        " | ",
                        vm.toString(depth),
                        " | ",
                        vm.toString(m.applyGas),
                        string.concat(
                            " | ",
                            vm.toString(m.stepGas),
                            " | ",
                            vm.toString(m.leaves),
                            " | ",
                            vm.toString(m.txBytes),
                            " | ",
                            vm.toString(m.witnessBytes),
                            " |"
                        )
                    )
                );
                if (ks[k] == 32 && sizes[s] >= 1 << 20) assertLt(m.stepGas, 1_000_000, "K = 32 step under 1M gas");
                vm.revertToState(snapshot);
            }
        }
    }

    /// @notice Not a bench: every K up to the limit 32 applies a valid Attribute through OneStepVerifier in a tree of
    ///         2^20 accounts, under 1,000,000 gas (the one-step target of issue 19).
    function test_verifyStep_everyKUpTo32_bigTree_underOneMillionGas() public {
        uint256[5] memory ks = [uint256(1), 4, 8, 16, 32];
        uint256 snapshot = vm.snapshotState();
        for (uint256 k = 0; k < 5; k++) {
            Measured memory m = _measure(ks[k], 22);
            assertLt(m.stepGas, 1_000_000, vm.toString(ks[k]));
            vm.revertToState(snapshot);
        }
    }

    /// @notice One leaf update, the depth-160 tree before issue 19 (a copy kept in LegacyAccountsTree) against the
    ///         compact tree, same run: a present leaf whose path has ⌈log2 N⌉ + 2 non-zero siblings.
    function test_bench_leafUpdate_legacyVsCompact() public {
        if (!vm.envOr("SIGMA_STEP_BENCH", false)) return;
        console.log("| accounts in tree | depth-160 tree (before) | compact tree | ratio |");
        console.log("|---:|---:|---:|---:|");
        uint256[3] memory sizes = [uint256(5000), 1 << 20, 1 << 30];
        for (uint256 s = 0; s < 3; s++) {
            uint256 depth = _log2Ceil(sizes[s]) + 2;
            address key = makeAddr("leaf");
            // legacy: the leaf at level 0, non-zero siblings on the `depth` lowest levels (a random tree's shape)
            bytes memory siblings;
            for (uint256 l = 0; l < depth; l++) {
                siblings = bytes.concat(siblings, keccak256(abi.encode("sibling", l)));
            }
            bytes memory legacyWitness =
                bytes.concat(abi.encode(1, 2, 3, 4), bytes20(uint160((uint256(1) << depth) - 1)), siblings);
            vm.cool(address(legacy));
            legacy.update(legacyWitness, key, Leaf(5, 2, 3, 4));
            uint256 legacyGas = vm.lastCallGas().gasTotalUsed;
            // compact: the same leaf at depth `depth`
            bytes memory witness = bytes.concat(abi.encode(1, 2, 3, 4), bytes1(uint8(depth)), bytes1(0), siblings);
            vm.cool(address(harness));
            harness.treeUpdate(witness, 0, key, Leaf(5, 2, 3, 4));
            uint256 compactGas = vm.lastCallGas().gasTotalUsed;
            console.log(
                string.concat(
                    "| ",
                    vm.toString(sizes[s]),
                    " | ",
                    vm.toString(legacyGas),
                    " | ",
                    vm.toString(compactGas),
                    " | ",
                    vm.toString(legacyGas * 100 / compactGas),
                    "% |"
                )
            );
        }
    }

    function _measure(uint256 _k, uint256 _depth) internal returns (Measured memory m_) {
        StorageTree tree = new StorageTree();
        address user = vm.addr(USER_KEY);
        address operator = vm.addr(OPERATOR_KEY);
        address window = Sigma.nonceWindowKey(user, operator);
        // every party already has a leaf; nonce 0 of the window is spent
        address[] memory parties = _parties(_k, user, operator);
        for (uint256 i = 0; i < parties.length; i++) {
            tree.set(parties[i], Leaf(1, 0, 0, 0));
        }
        tree.set(window, Leaf(0, 0, 0, 1));
        tree.set(user, Leaf(1, 0, 0, 0));
        for (uint256 i = 0; i < parties.length; i++) {
            tree.deepen(parties[i], _depth, keccak256(abi.encode("rest of the tree", _depth)));
        }
        tree.deepen(window, _depth, keccak256(abi.encode("rest of the tree", _depth)));
        tree.deepen(user, _depth, keccak256(abi.encode("rest of the tree", _depth)));

        bytes memory txBytes = _attribute(_k, user, operator);
        State memory pre = State(tree.root(), 1e30, 0, 41);
        bytes memory witnesses = _witnesses(tree, _k, user, operator, window);
        m_.leaves = _k + 6;
        m_.txBytes = txBytes.length;
        m_.witnessBytes = witnesses.length;

        State memory post;
        (m_.applyGas, post) = _applyGas(pre, txBytes, witnesses);
        assertEq(post.accountsRoot, tree.root(), "model root");
        m_.stepGas = _stepGas(pre, txBytes, witnesses, Sigma.commitment(post));
    }

    function _applyGas(State memory _pre, bytes memory _tx, bytes memory _witnesses)
        internal
        returns (uint256 gas_, State memory post_)
    {
        SigmaContext memory ctx = _ctx();
        vm.cool(address(registry));
        vm.cool(address(harness));
        Sigma.Outcome outcome;
        (post_, outcome) = harness.applyTx(_pre, ctx, _tx, _witnesses);
        gas_ = vm.lastCallGas().gasTotalUsed;
        assertEq(uint8(outcome), uint8(Sigma.Outcome.Valid), "valid");
    }

    function _stepGas(State memory _pre, bytes memory _tx, bytes memory _witnesses, bytes32 _post)
        internal
        returns (uint256 gas_)
    {
        SigmaContext memory ctx = _ctx();
        StepProof memory proof = StepProof(_pre, _tx, new bytes32[](0), _witnesses);
        bytes32 preCommitment = Sigma.commitment(_pre);
        vm.cool(address(registry));
        vm.cool(address(verifier));
        bytes32 post = verifier.verifyStep(ctx, keccak256(_tx), 1, 0, preCommitment, proof);
        gas_ = vm.lastCallGas().gasTotalUsed;
        assertEq(post, _post);
    }

    /// @dev The credited parties, in σ's update order after the window and the payer.
    function _parties(uint256 _k, address, address _operator) internal view returns (address[] memory parties_) {
        parties_ = new address[](_k + 4);
        parties_[0] = _operator;
        parties_[1] = owner;
        parties_[2] = attributor;
        for (uint256 j = 0; j < _k; j++) {
            parties_[3 + j] = _contributor(j + 1);
        }
        parties_[3 + _k] = protocol;
    }

    /// @dev The witnesses σ consumes, produced by writing the model tree in σ's order with σ's amounts (§4).
    function _witnesses(StorageTree _tree, uint256 _k, address _user, address _operator, address _window)
        internal
        returns (bytes memory w_)
    {
        w_ = _tree.witness(_window);
        _tree.set(_window, Leaf(0, 0, 0, 3)); // nonce 1 spent
        w_ = bytes.concat(w_, _tree.witness(_user));
        _tree.set(_user, Leaf(1, FEE, 0, 0));
        address[] memory parties = _parties(_k, _user, _operator);
        uint256[] memory amounts = new uint256[](_k + 4);
        amounts[0] = uint256(FEE) * 2000 / 10_000;
        amounts[1] = uint256(FEE) * 2000 / 10_000;
        amounts[2] = uint256(FEE) * 500 / 10_000;
        uint256 protocolShare = uint256(FEE) * 500 / 10_000;
        uint256 data = FEE - amounts[0] - amounts[1] - amounts[2] - protocolShare;
        uint256 rest = protocolShare + data;
        for (uint256 j = 0; j < _k; j++) {
            amounts[3 + j] = data * _weight(_k, j) / 1_000_000;
            rest -= amounts[3 + j];
        }
        amounts[3 + _k] = rest;
        for (uint256 i = 0; i < parties.length; i++) {
            w_ = bytes.concat(w_, _tree.witness(parties[i]));
            Leaf memory l = _tree.leaf(parties[i]);
            l.earned += amounts[i];
            _tree.set(parties[i], l);
        }
    }

    function _weight(uint256 _k, uint256 _j) internal pure returns (uint256) {
        uint256 each = 1_000_000 / _k;
        return _j + 1 == _k ? 1_000_000 - each * (_k - 1) : each;
    }

    function _attribute(uint256 _k, address _user, address _operator) internal view returns (bytes memory tx_) {
        bytes32 requestHash = keccak256(abi.encode("request", _k));
        bytes32 outputHash = keccak256(abi.encode("output", _k));
        bytes32 domain = _ctx().domainSeparator;
        bytes32 request = keccak256(
            abi.encode(
                REQUEST_TYPE,
                _user,
                _operator,
                uint256(MODEL_ID),
                requestHash,
                uint256(FEE),
                uint256(1),
                type(uint64).max
            )
        );
        bytes32 receipt = keccak256(
            bytes.concat(
                abi.encode(RECEIPT_TYPE, _user, _operator, attributor, uint256(MODEL_ID)),
                abi.encode(requestHash, outputHash, uint256(FEE), uint256(1), type(uint64).max)
            )
        );
        tx_ = bytes.concat(
            abi.encodePacked(uint8(1), _user, _operator, attributor, MODEL_ID, requestHash, outputHash),
            abi.encodePacked(FEE, FEE, uint64(1), type(uint64).max),
            _sign(USER_KEY, keccak256(abi.encodePacked("\x19\x01", domain, request))),
            _sign(OPERATOR_KEY, keccak256(abi.encodePacked("\x19\x01", domain, receipt))),
            bytes1(uint8(_k))
        );
        for (uint256 j = 0; j < _k; j++) {
            tx_ = bytes.concat(tx_, abi.encodePacked(uint64(j + 1), uint32(_weight(_k, j))));
        }
    }

    function _sign(uint256 _key, bytes32 _digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_key, _digest);
        return abi.encodePacked(r, s, v);
    }

    function _contributor(uint256 _id) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("contributor", _id)))));
    }

    function _log2Ceil(uint256 _n) internal pure returns (uint256 d_) {
        while ((uint256(1) << d_) < _n) d_++;
    }
}

/// @dev The depth-160 tree's update before issue 19, with calldata arguments (the bench's "before" peer).
contract LegacyHarness {
    function update(bytes calldata _w, address _key, Leaf memory _new) external pure returns (bytes32, bytes32) {
        (Leaf memory old, uint256 proofOffset,) = LegacyAccountsTree.readWitness(_w, 0);
        return LegacyAccountsTree.roots(
            LegacyAccountsTree.leafHash(old), LegacyAccountsTree.leafHash(_new), _key, _w, proofOffset
        );
    }
}
