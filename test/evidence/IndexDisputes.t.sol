// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IndexDisputes} from "src/evidence/IndexDisputes.sol";
import {SuffixChecks} from "src/evidence/SuffixChecks.sol";
import {EntryProof, SuffixIndex} from "src/evidence/SuffixIndex.sol";
import {IIndexDisputes} from "src/interfaces/IIndexDisputes.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

/// @notice The bogus-index dispute on a real DatanetRegistry and ModelRegistry: a suffix model over one datanet
///         of three approved contributions, its index built by the test, and a fourth contribution that is
///         pending, approved later or withdrawn as each case needs.
contract IndexDisputes_Test is BaseTest, EvidenceBaseTest {
    address internal constant BURN = 0x000000000000000000000000000000000000dEaD;
    uint256 internal datanetId;
    uint256 internal modelId;
    IIndexDisputes internal disputes;
    bytes[] internal corpus;

    function setUp() public override(BaseTest, EvidenceBaseTest) {
        BaseTest.setUp();
        EvidenceBaseTest.setUp();
        disputes = IIndexDisputes(models.INDEX_DISPUTES());
        datanetId = _createDatanet(alice);
        corpus.push("abracadabra");
        corpus.push("cadabra abra");
        corpus.push("abra");
        uint64[] memory onChain = new uint64[](3);
        for (uint256 k = 0; k < 3; k++) {
            onChain[k] = uint64(_approved(corpus[k]));
        }
        _build(corpus, onChain, true);
        vm.warp(START_TIME + 10);
        IModelRegistry.ModelParams memory p = _baseParams(_ids(datanetId));
        p.attributionIndexCommitment = SuffixIndex.commitment(c);
        vm.prank(alice);
        modelId = models.registerModel(p);
        _stake(alice, modelId, 100e18);
    }

    function _approved(bytes memory _content) internal returns (uint256 id_) {
        id_ = _pending(_content);
        vm.prank(alice);
        datanets.approveContribution(id_);
    }

    function _pending(bytes memory _content) internal returns (uint256 id_) {
        vm.prank(bob);
        id_ = datanets.contribute(datanetId, ContentMerkle.computeRoot(_content), uint64(_content.length), "ipfs://x");
    }

    /// @dev Registers the index built now as the model's next epoch (the owner updates its commitment).
    function _recommit() internal returns (uint256 epoch_) {
        vm.prank(alice);
        models.updateIndexCommitment(modelId, SuffixIndex.commitment(c));
        epoch_ = models.indexEpochCount(modelId) - 1;
    }

    function _assertSlashed(uint256 _epoch, uint256 _carolBefore) internal view {
        assertTrue(models.indexEpoch(modelId, _epoch).bogus, "bogus");
        assertEq(token.balanceOf(carol) - _carolBefore, 50e18, "half to the prover");
        assertEq(token.balanceOf(BURN), 50e18, "half burned");
        assertEq(models.getModel(modelId).stake, 0);
        assertEq(models.totalStaked(), 0);
    }

    /* HONEST INDEX */

    function test_honestIndex_everyProofFails() public {
        vm.startPrank(carol);
        vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
        disputes.proveParameters(modelId, 0, c);
        for (uint64 r = 0; r + 1 < sa.length; r++) {
            vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
            disputes.proveUnsorted(
                modelId, 0, c, _opening(r, 1), _opening(r + 1, 1), _isaAfter(sa[r]), _isaAfter(sa[r + 1])
            );
            vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
            disputes.provePermutation(modelId, 0, c, _saLeaf(r), isa[sa[r]], _proof(isaLeaves, sa[r]));
        }
        for (uint256 k = 0; k < 3; k++) {
            vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
            disputes.proveEdge(modelId, 0, c, _entryProof(k));
            vm.expectRevert(IIndexDisputes.IndexDisputes_NoViolation.selector);
            disputes.proveEntryNotAttributable(modelId, 0, c, _entryProof(k));
            if (k < 2) {
                vm.expectRevert(SuffixChecks.SuffixChecks_NoViolation.selector);
                disputes.proveLayout(modelId, 0, c, _entryProof(k), _entryProof(k + 1));
            }
        }
        vm.expectRevert(IIndexDisputes.IndexDisputes_NoViolation.selector);
        disputes.proveSnapshotAfterEpoch(modelId, 0, c);
        vm.stopPrank();
        assertFalse(models.indexEpoch(modelId, 0).bogus);
        assertEq(models.getModel(modelId).stake, 100e18);
    }

    function test_missing_pendingOrLaterContribution_isNoViolation() public {
        uint256 pending = _pending("hocus pocus");
        vm.prank(carol);
        vm.expectRevert(IIndexDisputes.IndexDisputes_NoViolation.selector);
        disputes.proveMissingContribution(modelId, 0, c, uint64(pending), true, _entryProof(2), false, _emptyEntry());
        // Approved after the snapshot: not missing from this epoch either.
        vm.prank(alice);
        datanets.approveContribution(pending);
        vm.prank(carol);
        vm.expectRevert(IIndexDisputes.IndexDisputes_NoViolation.selector);
        disputes.proveMissingContribution(modelId, 0, c, uint64(pending), true, _entryProof(2), false, _emptyEntry());
    }

    /* BOGUS INDEXES */

    function test_unsortedArray_slashed() public {
        uint64 n = uint64(sa.length);
        (sa[4], sa[5]) = (sa[5], sa[4]);
        _commit(n);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveUnsorted(modelId, epoch, c, _opening(4, 1), _opening(5, 1), _isaAfter(sa[4]), _isaAfter(sa[5]));
        _assertSlashed(epoch, before);
        // The earlier, honest epoch is untouched, and a bogus epoch is proved once.
        assertFalse(models.indexEpoch(modelId, 0).bogus);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_AlreadyBogus.selector, modelId, epoch));
        disputes.proveUnsorted(modelId, epoch, c, _opening(4, 1), _opening(5, 1), _isaAfter(sa[4]), _isaAfter(sa[5]));
    }

    function test_duplicatedPosition_slashed() public {
        uint64 n = uint64(sa.length);
        sa[7] = sa[6];
        _commit(n);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.provePermutation(modelId, epoch, c, _saLeaf(6), isa[sa[6]], _proof(isaLeaves, sa[6]));
        _assertSlashed(epoch, before);
    }

    function test_missingContribution_slashed() public {
        // A fourth contribution approved before a new snapshot that the owner's new index leaves out.
        uint256 late = _approved("hocus pocus");
        vm.warp(START_TIME + 100);
        c.snapshotTime = uint64(START_TIME + 50);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveMissingContribution(modelId, epoch, c, uint64(late), true, _entryProof(2), false, _emptyEntry());
        _assertSlashed(epoch, before);
    }

    function test_pendingContributionIndexed_slashed() public {
        uint256 pending = _pending("hocus pocus");
        corpus.push("hocus pocus");
        uint64[] memory onChain = new uint64[](4);
        (onChain[0], onChain[1], onChain[2], onChain[3]) = (ids[0], ids[1], ids[2], uint64(pending));
        _build(corpus, onChain, true);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveEntryNotAttributable(modelId, epoch, c, _entryProof(3));
        _assertSlashed(epoch, before);
    }

    function test_withdrawnContributionIndexed_slashed() public {
        // Contribution 2 is withdrawn before the new snapshot; the new index still holds it.
        vm.prank(bob);
        datanets.withdrawContribution(ids[1]);
        vm.warp(START_TIME + 100);
        c.snapshotTime = uint64(START_TIME + 50);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveEntryNotAttributable(modelId, epoch, c, _entryProof(1));
        _assertSlashed(epoch, before);
    }

    function test_wrongContent_slashed() public {
        // The index holds other bytes under contribution 3's id (its content root no longer matches the chain).
        corpus[2] = "abrz";
        uint64[] memory onChain = new uint64[](3);
        (onChain[0], onChain[1], onChain[2]) = (ids[0], ids[1], ids[2]);
        _build(corpus, onChain, true);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveEntryNotAttributable(modelId, epoch, c, _entryProof(2));
        _assertSlashed(epoch, before);
    }

    function test_snapshotAfterEpoch_slashed() public {
        c.snapshotTime = uint64(block.timestamp + 1);
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveSnapshotAfterEpoch(modelId, epoch, c);
        _assertSlashed(epoch, before);
    }

    function test_parameters_slashed() public {
        c.maxOccurrences = 256;
        uint256 epoch = _recommit();
        uint256 before = token.balanceOf(carol);
        vm.prank(carol);
        disputes.proveParameters(modelId, epoch, c);
        _assertSlashed(epoch, before);
    }

    function test_pendingUnstake_isSlashedToo() public {
        c.maxOccurrences = 256;
        uint256 epoch = _recommit();
        vm.prank(alice);
        models.retire(modelId);
        vm.prank(carol);
        disputes.proveParameters(modelId, epoch, c);
        assertEq(models.getModel(modelId).pendingUnstake, 0);
        assertEq(token.balanceOf(BURN), 50e18);
        vm.warp(block.timestamp + UNSTAKE_DELAY);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NothingToWithdraw.selector, modelId));
        models.withdrawStake(modelId);
    }

    /* GUARDS */

    function test_commitmentMismatch_reverts() public {
        c.maxOccurrences = 256; // not what epoch 0 committed to
        vm.prank(carol);
        vm.expectRevert();
        disputes.proveParameters(modelId, 0, c);
    }

    function test_gradientModel_reverts() public {
        IModelRegistry.ModelParams memory p = _baseParams(_ids(datanetId));
        p.method = IModelRegistry.AttributionMethod.Gradient;
        vm.prank(alice);
        uint256 gradient = models.registerModel(p);
        vm.expectRevert(abi.encodeWithSelector(IIndexDisputes.IndexDisputes_NotSuffixModel.selector, gradient));
        disputes.proveParameters(gradient, 0, c);
    }

    function test_slashBogusIndex_onlyIndexDisputes() public {
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_OnlyIndexDisputes.selector, carol));
        models.slashBogusIndex(modelId, 0, carol);
    }

    function test_indexDisputes_boundToItsRegistry() public view {
        IndexDisputes d = IndexDisputes(address(disputes));
        assertEq(address(d.MODELS()), address(models));
        assertEq(address(d.DATANETS()), address(datanets));
    }

    /* EPOCHS */

    function test_epochs_inForceAtReferenceTime() public {
        uint64 t0 = uint64(block.timestamp);
        vm.warp(t0 + 100);
        uint256 e1 = _recommit();
        assertEq(e1, 1);
        assertEq(models.indexEpochAt(modelId, 0, t0 + 99).activeFrom, t0);
        assertEq(models.indexEpochAt(modelId, 1, t0 + 100).activeFrom, t0 + 100);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotEpochInForce.selector, modelId, 0, t0 + 100)
        );
        models.indexEpochAt(modelId, 0, t0 + 100);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotEpochInForce.selector, modelId, 1, t0 + 99)
        );
        models.indexEpochAt(modelId, 1, t0 + 99);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistry_NotEpochInForce.selector, modelId, 2, 0));
        models.indexEpoch(modelId, 2);
    }

    function testFuzz_epochs_exactlyOneInForce(uint64 _gap1, uint64 _gap2, uint64 _t) public {
        uint64 t0 = uint64(block.timestamp);
        uint64 t1 = t0 + uint64(bound(_gap1, 0, 1e6));
        vm.warp(t1);
        _recommit();
        uint64 t2 = t1 + uint64(bound(_gap2, 0, 1e6));
        vm.warp(t2);
        _recommit();
        uint64 t = uint64(bound(_t, t0, t2 + 1e6));
        uint256 inForce;
        for (uint256 e = 0; e < 3; e++) {
            try models.indexEpochAt(modelId, e, t) returns (IModelRegistry.IndexEpoch memory) {
                inForce++;
                // The last epoch that started at or before t.
                uint64 expected = t >= t2 ? t2 : t >= t1 ? t1 : t0;
                assertEq(models.indexEpoch(modelId, e).activeFrom, expected);
                if (e + 1 < 3) assertGt(models.indexEpoch(modelId, e + 1).activeFrom, t);
            } catch {}
        }
        assertEq(inForce, 1);
    }

    function _emptyEntry() internal pure returns (EntryProof memory e_) {}
}
