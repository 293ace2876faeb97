// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EntryProof} from "src/evidence/SuffixIndex.sol";
import {IIndexDisputes} from "src/interfaces/IIndexDisputes.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";

/// @notice Provers against a suffix model with two index epochs: registry epoch 1 honest, epoch 2 the same corpus
///         with one adjacent pair of the suffix array swapped (the handler calls them variant 0 and 1). A random prover sends every kind of proof with random
///         ranks, entries and values against either epoch; the honest prover proves the swapped pair.
contract IndexDisputeHandler is EvidenceBaseTest {
    IModelRegistry internal immutable MODELS;
    IIndexDisputes internal immutable DISPUTES;
    uint256 internal immutable MODEL_ID;
    /// @dev The rank whose pair (SWAP, SWAP + 1) is swapped in the bogus variant.
    uint64 internal constant SWAP = 9;
    address internal immutable PROVER;

    uint256 internal current;
    /// @notice Set if a proof against the honest epoch succeeded.
    bool public ghostHonestSlashed;
    /// @notice Set if the honest prover's proof against the bogus epoch failed while it was not yet proved.
    bool public ghostHonestProofFailed;
    /// @notice Set once the bogus epoch was proved (by anyone).
    bool public ghostBogusProved;
    uint256 public calls;

    constructor(IModelRegistry _models, IIndexDisputes _disputes, uint256 _modelId, address _prover) {
        MODELS = _models;
        DISPUTES = _disputes;
        MODEL_ID = _modelId;
        PROVER = _prover;
    }

    /// @dev Builds the honest index of the corpus (called once by the test, before any proof).
    function build(bytes[] memory _contents, uint64[] memory _ids) external {
        _build(_contents, _ids, true);
    }

    /// @dev The commitment of epoch `_e` as this handler builds it.
    function commitmentOf(uint256 _e) external returns (bytes32 commitment_) {
        _use(_e);
        commitment_ = keccak256(abi.encode(c));
    }

    function _use(uint256 _e) internal {
        _e %= 2;
        if (_e == current) return;
        (sa[SWAP], sa[SWAP + 1]) = (sa[SWAP + 1], sa[SWAP]);
        _commit(uint64(sa.length));
        current = _e;
    }

    function _after(bool _ok, uint256 _e) internal {
        calls++;
        if (!_ok) return;
        if (_e == 0) ghostHonestSlashed = true;
        else ghostBogusProved = true;
    }

    /* RANDOM PROVER */

    function proveUnsorted(uint256 _epoch, uint256 _rank) external {
        uint256 e = _epoch % 2;
        _use(e);
        uint64 r = uint64(_rank % (sa.length - 1));
        try DISPUTES.proveUnsorted(
            MODEL_ID, e + 1, c, _opening(r, 1), _opening(r + 1, 1), _isaAfter(sa[r]), _isaAfter(sa[r + 1])
        ) {
            _after(true, e);
        } catch {
            _after(false, e);
        }
    }

    function provePermutation(uint256 _epoch, uint256 _rank, uint64 _isaRank, bool _truthful) external {
        uint256 e = _epoch % 2;
        _use(e);
        uint64 r = uint64(_rank % sa.length);
        uint64 claimed = _truthful ? isa[sa[r]] : _isaRank % uint64(sa.length);
        try DISPUTES.provePermutation(MODEL_ID, e + 1, c, _saLeaf(r), claimed, _proof(isaLeaves, sa[r])) {
            _after(true, e);
        } catch {
            _after(false, e);
        }
    }

    function proveEntry(uint256 _epoch, uint256 _k, uint8 _kind) external {
        uint256 e = _epoch % 2;
        _use(e);
        uint256 k = _k % contents.length;
        bool ok;
        if (_kind % 3 == 0) {
            try DISPUTES.proveEdge(MODEL_ID, e + 1, c, _entryProof(k)) {
                ok = true;
            } catch {}
        } else if (_kind % 3 == 1) {
            try DISPUTES.proveEntryNotAttributable(MODEL_ID, e + 1, c, _entryProof(k)) {
                ok = true;
            } catch {}
        } else if (k + 1 < contents.length) {
            try DISPUTES.proveLayout(MODEL_ID, e + 1, c, _entryProof(k), _entryProof(k + 1)) {
                ok = true;
            } catch {}
        }
        _after(ok, e);
    }

    function proveMissing(uint256 _epoch, uint64 _id) external {
        uint256 e = _epoch % 2;
        _use(e);
        EntryProof memory last = _entryProof(contents.length - 1);
        EntryProof memory none;
        bytes memory call = abi.encodeCall(
            DISPUTES.proveMissingContribution, (MODEL_ID, e + 1, c, 1 + _id % 6, true, last, false, none)
        );
        (bool ok,) = address(DISPUTES).call(call);
        _after(ok, e);
    }

    function proveOther(uint256 _epoch, bool _snapshot) external {
        uint256 e = _epoch % 2;
        _use(e);
        bool ok;
        if (_snapshot) {
            try DISPUTES.proveSnapshotAfterEpoch(MODEL_ID, e + 1, c) {
                ok = true;
            } catch {}
        } else {
            try DISPUTES.proveParameters(MODEL_ID, e + 1, c) {
                ok = true;
            } catch {}
        }
        _after(ok, e);
    }

    /* HONEST PROVER */

    function proveHonestly() external {
        if (MODELS.indexEpoch(MODEL_ID, 2).bogus) return;
        _use(1);
        vm.prank(PROVER);
        try DISPUTES.proveUnsorted(
            MODEL_ID, 2, c, _opening(SWAP, 1), _opening(SWAP + 1, 1), _isaAfter(sa[SWAP]), _isaAfter(sa[SWAP + 1])
        ) {
            _after(true, 1);
        } catch {
            ghostHonestProofFailed = true;
        }
    }

    function warp(uint256 _seconds) external {
        vm.warp(block.timestamp + _seconds % 1 days);
    }
}
