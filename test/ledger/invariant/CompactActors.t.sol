// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Test} from "forge-std/Test.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {CompactModel} from "test/ledger/utils/CompactModel.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice Actors of spec 19 B: users open sessions (Authorize) with two operators, operators post receipt groups
///         under them (sometimes over the cap, past the expiry, or signed by someone else), and anyone re-posts a
///         record. Each step runs through σ and CompactModel; broken properties are counted in ghosts.
contract CompactActorsHandler is CompactModel, StdCheats, StdUtils {
    SigmaHarness public immutable harness;
    StorageTree public immutable tree;
    uint256[3] internal userKeys = [uint256(0xC0FFEE01), 0xC0FFEE02, 0xC0FFEE03];
    uint256[2] internal operatorKeys = [uint256(0x0BE20001), 0x0BE20002];
    SigmaContext internal ctx;
    State public state;

    mapping(uint256 => mapping(uint256 => uint64)) internal nextNonce;
    /// @dev Per (user, operator): the current session's cap and what valid records charged under it.
    mapping(uint256 => mapping(uint256 => uint256)) public sessionCap;
    mapping(uint256 => mapping(uint256 => uint256)) public sessionSpent;
    bytes internal lastValid;

    /* GHOSTS */
    uint256 public modelMismatches;
    uint256 public overspent;
    uint256 public replaysAccepted;
    uint256 public validRecords;

    constructor() {
        harness = new SigmaHarness();
        tree = new StorageTree();
        gProtocol = makeAddr("protocol");
        RegistryFixture registry = new RegistryFixture();
        _registerCompact(registry);
        ctx = SigmaContext({
            domainSeparator: Sigma.domainSeparator(block.chainid, address(0x1ed6e7)),
            protocol: gProtocol,
            referenceTime: uint64(block.timestamp),
            maxEntries: 8,
            contributions: IContributionViews(address(registry)),
            models: IModelViews(address(registry))
        });
    }

    /// @notice User `_u` opens a session with operator `_o` (a stale one now and then).
    function authorize(uint256 _u, uint256 _o, uint96 _cap, bool _stale) external {
        (uint256 u, uint256 o) = (_u % 3, _o % 2);
        uint96 cap = uint96(bound(_cap, 0, 1e6));
        uint64 expiry = _stale ? uint64(block.timestamp - 1) : uint64(block.timestamp + 1 days);
        uint64 nonce = nextNonce[u][o]++;
        address operator = vm.addr(operatorKeys[o]);
        bytes memory tx_ = _authorizeBytes(userKeys[u], userKeys[u], operator, cap, nonce, expiry, ctx.domainSeparator);
        (uint8 expected, bytes memory witnesses) =
            _modelAuthorize(tree, userKeys[u], userKeys[u], operator, cap, nonce, expiry, ctx.referenceTime);
        _step(tx_, witnesses, expected);
        if (expected == VALID) {
            sessionCap[u][o] = cap;
            sessionSpent[u][o] = 0;
        }
    }

    /// @notice Operator `_o` posts a group of 1–3 records of users `_users` (bits), fees up to `_fee`.
    function serve(uint256 _o, uint256 _users, uint96 _fee, uint256 _n, bool _forged) external {
        uint256 o = _o % 2;
        Group memory g;
        g.operatorKey = operatorKeys[o];
        g.signerKey = _forged ? userKeys[0] : operatorKeys[o];
        g.attributor = makeAddr("attributor");
        uint256 m = 1 + _users % 3;
        g.records = new Rec[](m);
        uint256[] memory us = new uint256[](m);
        for (uint256 k = 0; k < m; k++) {
            us[k] = (_users >> (2 * k + 2)) % 3;
            uint96 fee = uint96(bound(uint256(keccak256(abi.encode(_fee, k))), 0, 4e5));
            g.records[k] = _record(vm.addr(userKeys[us[k]]), fee, nextNonce[us[k]][o]++, (_n + k) % 5);
        }
        for (uint256 k = 0; k < m; k++) {
            (uint8 expected, bytes memory witnesses) = _modelReceipt(tree, g, k, ctx.referenceTime, ctx.maxEntries);
            bytes memory tx_ = _sigmaBytes(g, ctx.domainSeparator, k);
            _step(tx_, witnesses, expected);
            if (expected != VALID) continue;
            validRecords++;
            sessionSpent[us[k]][o] += g.records[k].fee;
            if (sessionSpent[us[k]][o] > sessionCap[us[k]][o]) overspent++;
            lastValid = tx_;
        }
    }

    /// @notice Anyone re-posts the last valid record: a replay.
    function repost() external {
        if (lastValid.length == 0) return;
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(state, ctx, lastValid, _windowWitness(lastValid));
        if (outcome != Sigma.Outcome.Replay || post.accountsRoot != state.accountsRoot) replaysAccepted++;
        state = post;
    }

    function _windowWitness(bytes memory _tx) internal view returns (bytes memory) {
        address operator;
        address user;
        assembly ("memory-safe") {
            operator := shr(96, mload(add(_tx, 0x21)))
            user := shr(96, mload(add(_tx, add(0x20, 140))))
        }
        return tree.witness(_windowOf(user, operator));
    }

    function _record(address _user, uint96 _fee, uint64 _nonce, uint256 _n) internal pure returns (Rec memory r_) {
        r_.user = _user;
        r_.modelId = G_MODEL;
        r_.ioHash = keccak256(abi.encode(_user, _nonce));
        r_.fee = _fee;
        r_.nonce = _nonce;
        r_.ids = new uint32[](_n);
        r_.weights = new uint24[](_n);
        uint256 left = 1_000_000;
        for (uint256 j = 0; j < _n; j++) {
            r_.ids[j] = uint32(1 + 3 * j);
            r_.weights[j] = uint24(j + 1 == _n ? left : 1_000_000 / _n);
            left -= r_.weights[j];
        }
    }

    function _step(bytes memory _tx, bytes memory _witnesses, uint8 _expected) internal {
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(state, ctx, _tx, _witnesses);
        if (uint8(outcome) != _expected || post.accountsRoot != tree.root()) modelMismatches++;
        state = post;
    }
}

/// @notice Invariants of sessions and receipt groups (spec 19 B) under CompactActorsHandler.
contract Sigma_CompactActorsInvariants_Test is Test {
    CompactActorsHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new CompactActorsHandler();
        targetContract(address(handler));
    }

    /// @notice One campaign checks every invariant below after every call.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: ci.invariant.runs = 64
    function invariant_compactActors() public view {
        // σ and the independent model agree on every outcome and root.
        assertEq(handler.modelMismatches(), 0, "sigma and the model disagree");
        (bytes32 root,,,) = handler.state();
        assertEq(root, handler.tree().root(), "root");
        // No session is ever charged more than its cap; no record is paid twice.
        assertEq(handler.overspent(), 0, "a session was charged above its cap");
        assertEq(handler.replaysAccepted(), 0, "a record was paid twice");
    }
}
