// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";
import {SigmaModel} from "test/ledger/utils/SigmaModel.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice σ under the actors of issue 12: two operators serving the same two users (who also self-sign
///         zero-fee receipts at any nonce, as their own operator, to try to cancel what they were served),
///         and a batch copier who posts other people's receipts, sometimes renaming the attributor to itself.
/// @dev Handler calls never revert on a broken property: they count it in a ghost the invariants read
///      (the default profile ignores reverting calls).
contract SigmaActorsHandler is SigmaModel, StdCheats, StdUtils {
    SigmaHarness public immutable harness;
    StorageTree public immutable tree;
    uint256[2] internal userKeys = [uint256(0x5EED01), 0x5EED02];
    uint256[2] internal operatorKeys = [uint256(0x0BE201), 0x0BE202];
    address[2] public attributors;
    address public copier;
    address public owner;
    address public contributor;
    address public protocol;
    SigmaContext internal ctx;
    State public state;

    TestReceipt[] internal served;
    TestReceipt[] internal included;
    mapping(uint256 => mapping(uint256 => uint64)) internal nextNonce;

    /* GHOSTS */
    /// @notice Served receipts σ refused on their first inclusion (must stay 0).
    uint256 public servedRejected;
    /// @notice Re-included receipts σ accepted (must stay 0).
    uint256 public replaysAccepted;
    /// @notice Copies with a renamed attributor σ accepted (must stay 0).
    uint256 public renamedAccepted;
    /// @notice Steps where σ's root or outcome differed from the model's (must stay 0).
    uint256 public modelMismatches;
    /// @notice The attributor shares of the included receipts, by named attributor.
    mapping(address => uint256) public ghostShare;
    uint256 public cancels;
    uint256 public copies;

    constructor() {
        harness = new SigmaHarness();
        tree = new StorageTree();
        attributors = [makeAddr("attributorA"), makeAddr("attributorB")];
        copier = makeAddr("copier");
        owner = makeAddr("owner");
        contributor = makeAddr("contributor");
        protocol = makeAddr("protocol");
        RegistryFixture registry = new RegistryFixture();
        _registerModel(registry, owner, contributor);
        ctx = SigmaContext({
            domainSeparator: Sigma.domainSeparator(block.chainid, address(0x1ed6e7)),
            protocol: protocol,
            referenceTime: uint64(block.timestamp),
            maxEntries: 8,
            contributions: IContributionViews(address(registry)),
            models: IModelViews(address(registry))
        });
    }

    function servedCount() external view returns (uint256) {
        return served.length;
    }

    function includedCount() external view returns (uint256) {
        return included.length;
    }

    /// @notice Operator `_o` serves user `_u` (next nonce of that pair) and names attributor `_a`.
    function serve(uint256 _u, uint256 _o, uint256 _a, uint96 _fee) external {
        (uint256 u, uint256 o) = (_u % 2, _o % 2);
        uint64 nonce = nextNonce[u][o]++;
        served.push(TestReceipt(userKeys[u], operatorKeys[o], attributors[_a % 2], nonce, uint96(bound(_fee, 0, 1e24))));
    }

    /// @notice User `_u` self-signs a zero-fee receipt as its own operator at any nonce, included at once.
    function cancel(uint256 _u, uint64 _nonce) external {
        uint256 key = userKeys[_u % 2];
        _step(TestReceipt(key, key, attributors[0], _nonce, 0));
        cancels++;
    }

    /// @notice A served receipt is posted (by its attributor or by the copier: σ takes no poster).
    function include(uint256 _pick) external {
        if (served.length == 0) return;
        uint256 i = _pick % served.length;
        TestReceipt memory r = served[i];
        served[i] = served[served.length - 1];
        served.pop();
        if (_step(r) != Sigma.Outcome.Valid) {
            servedRejected++;
            return;
        }
        ghostShare[r.attributor] += uint256(r.fee) * ATTRIBUTOR_BPS / 10_000;
        included.push(r);
    }

    /// @notice The copier re-posts an included receipt: unchanged it is a replay; renamed to itself it is forged.
    function copy(uint256 _pick, bool _rename) external {
        if (included.length == 0) return;
        TestReceipt memory r = included[_pick % included.length];
        copies++;
        if (!_rename) {
            if (_step(r) != Sigma.Outcome.Replay) replaysAccepted++;
            return;
        }
        bytes memory tx_ = _encode(r, ctx.domainSeparator);
        for (uint256 j = 0; j < 20; j++) {
            tx_[41 + j] = bytes20(copier)[j];
        }
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(state, ctx, tx_, "");
        if (outcome == Sigma.Outcome.Valid || post.accountsRoot != state.accountsRoot) renamedAccepted++;
        state = post;
    }

    /// @dev Applies `_r` with σ and with the model; counts any disagreement.
    function _step(TestReceipt memory _r) internal returns (Sigma.Outcome outcome_) {
        bytes memory tx_ = _encode(_r, ctx.domainSeparator);
        (bytes memory witnesses, bool fresh) = _apply(tree, _r, owner, contributor, protocol);
        State memory post;
        (post, outcome_) = harness.applyTx(state, ctx, tx_, witnesses);
        Sigma.Outcome expected = fresh ? Sigma.Outcome.Valid : Sigma.Outcome.Replay;
        if (outcome_ != expected || post.accountsRoot != tree.root()) modelMismatches++;
        state = post;
    }
}
