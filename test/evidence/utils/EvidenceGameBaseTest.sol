// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AttributionLedger} from "src/AttributionLedger.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {EvidenceDefenses} from "src/evidence/EvidenceDefenses.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceViolations} from "src/evidence/EvidenceViolations.sol";
import {AbsenceProof, EvidenceSpan, Occurrence} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, SuffixIndex, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

/// @title EvidenceGameBaseTest
/// @notice A real ledger, model registry and evidence game over a small suffix model, with the honest evidence
///         of an output built by brute force in the test (maximal spans by scanning, ranges and credited sets by
///         scanning every rank, running scores and the ranked top K by plain loops, weights by floor + remainder)
///         and every proof a player sends. Nothing here calls the game's or SuffixChecks' checking code.
abstract contract EvidenceGameBaseTest is BaseTest, EvidenceBaseTest {
    uint32 internal constant NONE = type(uint32).max;
    uint256 internal constant D = 705_600;
    uint64 internal constant CLOCK = 1 days;
    uint64 internal constant EXTENSION = 1 hours;
    uint96 internal constant BOND = 10e18;
    uint16 internal constant BURN_BPS = 5000;
    uint128 internal constant CLAIM_BOND = 100e18;
    uint64 internal constant WINDOW = 2 hours;
    address internal constant BURN = 0x000000000000000000000000000000000000dEaD;

    AttributionLedger internal ledger;
    PaymentEscrow internal escrow;
    EvidenceGame internal game;
    address internal attributor;
    address internal challenger;
    address internal sigmaGame;
    uint256 internal datanetId;
    uint256 internal modelId;
    uint64[] internal onChain;

    /// @dev The current output and its evidence (abi-encoded EvidenceEntry[]), ranked list.
    bytes internal output;
    bytes internal evidenceBlob;
    uint64[] internal rankedIds;
    uint256[] internal rankedScores;

    function setUp() public virtual override(BaseTest, EvidenceBaseTest) {
        BaseTest.setUp();
        EvidenceBaseTest.setUp();
        attributor = makeAddr("attributor");
        challenger = makeAddr("challenger");
        sigmaGame = makeAddr("sigmaGame");
        vm.startPrank(treasury);
        assertTrue(token.transfer(attributor, ACTOR_FUNDS));
        assertTrue(token.transfer(challenger, ACTOR_FUNDS));
        vm.stopPrank();

        datanetId = _createDatanet(alice);
        bytes[] memory corpus = new bytes[](4);
        corpus[0] = "the quick brown fox jumps over the lazy dog";
        corpus[1] = "a lazy afternoon with tea and biscuits";
        corpus[2] = "the quick brown cat naps in the sun";
        corpus[3] = "biscuits and tea at four";
        for (uint256 k = 0; k < corpus.length; k++) {
            vm.prank(bob);
            uint256 id = datanets.contribute(
                datanetId, ContentMerkle.computeRoot(corpus[k]), uint64(corpus[k].length), "ipfs://x"
            );
            vm.prank(alice);
            datanets.approveContribution(id);
            onChain.push(uint64(id));
        }
        _build(corpus, onChain, true);
        vm.warp(START_TIME + 10);
        IModelRegistry.ModelParams memory p = _baseParams(_ids(datanetId));
        p.attributionIndexCommitment = SuffixIndex.commitment(c);
        vm.prank(alice);
        modelId = models.registerModel(p);
        _stake(alice, modelId, 100e18);

        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        escrow = new PaymentEscrow(token, predicted, 1 days);
        ledger = new AttributionLedger(
            IAttributionLedger.Params({
                token: address(token),
                escrow: address(escrow),
                contributions: address(datanets),
                models: address(models),
                protocol: makeAddr("protocol"),
                challengeWindow: WINDOW,
                maxReferenceLag: 10 minutes,
                unbondDelay: 3 hours,
                claimBond: CLAIM_BOND,
                maxEntries: 8,
                burnBps: BURN_BPS
            })
        );
        ledger.setDisputeGame(sigmaGame);
        EvidenceVerifier verifier = new EvidenceVerifier();
        EvidenceViolations violations =
            new EvidenceViolations(token, ledger, models, verifier, CLOCK, EXTENSION, BOND, BURN_BPS);
        EvidenceDefenses defenses =
            new EvidenceDefenses(token, ledger, models, verifier, CLOCK, EXTENSION, BOND, BURN_BPS);
        game = new EvidenceGame(violations, defenses);
        ledger.setEvidenceGame(address(game));
        vm.startPrank(attributor);
        token.approve(address(ledger), type(uint256).max);
        ledger.bond(10 * CLAIM_BOND);
        token.approve(address(game), type(uint256).max);
        vm.stopPrank();
        vm.prank(challenger);
        token.approve(address(game), type(uint256).max);
        vm.prank(carol);
        token.approve(address(game), type(uint256).max);
        vm.warp(START_TIME + 100);
    }

    /* HONEST EVIDENCE (brute force) */

    /// @dev The honest entries of `_output`: spans by scanning, credited sets by scanning ranks (none when too
    ///      common), running scores and links by walking the entries.
    function _honestEntries(bytes memory _output) internal view returns (EvidenceEntry[] memory es_) {
        EvidenceSpan[] memory spans = _honestSpans(_output);
        es_ = new EvidenceEntry[](spans.length);
        for (uint256 j = 0; j < spans.length; j++) {
            EvidenceSpan memory s = spans[j];
            uint64[] memory set = s.hi - s.lo > c.maxOccurrences ? new uint64[](0) : _distinctIds(s.lo, s.hi);
            es_[j].span = s;
            es_[j].credits = new Credit[](set.length);
            for (uint256 i = 0; i < set.length; i++) {
                es_[j].credits[i].id = set[i];
            }
        }
        _link(es_);
    }

    /// @dev Recomputes every credit's running score and links from the spans and credited ids (in place).
    function _link(EvidenceEntry[] memory _es) internal pure {
        for (uint256 j = 0; j < _es.length; j++) {
            EvidenceSpan memory s = _es[j].span;
            uint256 m = _es[j].credits.length;
            uint256 own = m == 0 ? 0 : uint256(s.wonEnd - s.wonStart) * D / (m * m);
            for (uint256 i = 0; i < m; i++) {
                uint64 id = _es[j].credits[i].id;
                (uint32 prev, uint256 slot) = _lastCredit(_es, j, id);
                uint256 running = own;
                if (prev != NONE) {
                    running += _es[prev].credits[slot].runningScore;
                    _es[prev].credits[slot].next = uint32(j);
                }
                _es[j].credits[i] = Credit({id: id, runningScore: running, prev: prev, next: NONE});
            }
        }
    }

    function _lastCredit(EvidenceEntry[] memory _es, uint256 _before, uint64 _id)
        internal
        pure
        returns (uint32 entry_, uint256 slot_)
    {
        for (uint256 j = _before; j > 0; j--) {
            Credit[] memory cs = _es[j - 1].credits;
            for (uint256 i = 0; i < cs.length; i++) {
                if (cs[i].id == _id) return (uint32(j - 1), i);
            }
        }
        return (NONE, 0);
    }

    /// @dev Final scores (credits with no next, score > 0) by (score desc, id asc), the first K.
    function _ranked(EvidenceEntry[] memory _es) internal view returns (uint64[] memory ids_, uint256[] memory s_) {
        uint64[] memory allIds = new uint64[](64);
        uint256[] memory allScores = new uint256[](64);
        uint256 count;
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                Credit memory cr = _es[j].credits[i];
                if (cr.next == NONE && cr.runningScore > 0) {
                    allIds[count] = cr.id;
                    allScores[count++] = cr.runningScore;
                }
            }
        }
        // Selection sort (few ids).
        for (uint256 a = 0; a < count; a++) {
            for (uint256 b = a + 1; b < count; b++) {
                bool better = allScores[b] > allScores[a] || (allScores[b] == allScores[a] && allIds[b] < allIds[a]);
                if (better) {
                    (allIds[a], allIds[b]) = (allIds[b], allIds[a]);
                    (allScores[a], allScores[b]) = (allScores[b], allScores[a]);
                }
            }
        }
        uint256 k = count < c.maxEntries ? count : c.maxEntries;
        ids_ = new uint64[](k);
        s_ = new uint256[](k);
        for (uint256 i = 0; i < k; i++) {
            (ids_[i], s_[i]) = (allIds[i], allScores[i]);
        }
    }

    /// @dev The tx entry bytes of a ranked list: floor(score·10⁶/total), remainder one unit each in rank order,
    ///      zero weights dropped, sorted by id.
    function _weights(uint64[] memory _ids, uint256[] memory _scores) internal pure returns (bytes memory out_) {
        uint256 total;
        for (uint256 i = 0; i < _scores.length; i++) {
            total += _scores[i];
        }
        uint256[] memory w = new uint256[](_ids.length);
        uint256 given;
        for (uint256 i = 0; i < _ids.length; i++) {
            w[i] = _scores[i] * 1e6 / total;
            given += w[i];
        }
        for (uint256 i = 0; given < 1e6; i++) {
            w[i]++;
            given++;
        }
        // Emit by ascending id.
        bool[] memory used = new bool[](_ids.length);
        for (uint256 round = 0; round < _ids.length; round++) {
            uint256 best = type(uint256).max;
            for (uint256 i = 0; i < _ids.length; i++) {
                if (!used[i] && (best == type(uint256).max || _ids[i] < _ids[best])) best = i;
            }
            used[best] = true;
            if (w[best] != 0) out_ = bytes.concat(out_, abi.encodePacked(_ids[best], uint32(w[best])));
        }
    }

    /// @dev An Attribute tx of the model for `_output` carrying `_entryBytes` (σ's fields other than those the
    ///      evidence game reads are left zero).
    function _attributeTx(bytes memory _output, bytes memory _entryBytes) internal view returns (bytes memory tx_) {
        tx_ = abi.encodePacked(
            bytes1(0x01),
            new bytes(60),
            uint64(modelId),
            bytes32(0),
            keccak256(_output),
            new bytes(170),
            uint8(_entryBytes.length / 12),
            _entryBytes
        );
    }

    function _leafOf(uint256 _j, EvidenceEntry memory _e) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(bytes1(0x20), uint32(_j), abi.encode(_e)));
    }

    function _evidenceLeaves(EvidenceEntry[] memory _es) internal pure returns (bytes32[] memory leaves_) {
        leaves_ = new bytes32[](_es.length);
        for (uint256 j = 0; j < _es.length; j++) {
            leaves_[j] = _leafOf(j, _es[j]);
        }
    }

    function _evidenceRoot(EvidenceEntry[] memory _es) internal pure returns (bytes32 root_) {
        if (_es.length != 0) root_ = _root(_evidenceLeaves(_es));
    }

    /* CURRENT EVIDENCE */

    function _setEvidence(bytes memory _output, EvidenceEntry[] memory _es) internal {
        output = _output;
        evidenceBlob = abi.encode(_es);
        (uint64[] memory i_, uint256[] memory s_) = _ranked(_es);
        rankedIds = i_;
        rankedScores = s_;
    }

    function _entries() internal view returns (EvidenceEntry[] memory es_) {
        es_ = abi.decode(evidenceBlob, (EvidenceEntry[]));
    }

    function _open_(uint256 _j) internal view returns (EntryOpening memory o_) {
        EvidenceEntry[] memory es = _entries();
        o_ = EntryOpening({index: uint32(_j), entry: es[_j], proof: _proof(_evidenceLeaves(es), _j)});
    }

    /// @dev Output chunks covering `[_from, _to)` with their proofs.
    function _outRun(uint256 _from, uint256 _to) internal view returns (ChunkRun memory run_) {
        if (_to <= _from) return run_;
        bytes memory out = output;
        uint256 count = ContentMerkle.chunkCount(out.length);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            leaves[i] = ContentMerkle.leafHash(_chunk(out, i));
        }
        uint256 first = _from / ContentMerkle.CHUNK_SIZE;
        uint256 last = (_to - 1) / ContentMerkle.CHUNK_SIZE;
        run_.first = uint64(first);
        run_.chunks = new bytes[](last - first + 1);
        run_.proofs = new bytes32[][](last - first + 1);
        for (uint256 i = first; i <= last; i++) {
            run_.chunks[i - first] = _chunk(out, i);
            run_.proofs[i - first] = _proof(leaves, i);
        }
    }

    /* PLAY */

    /// @dev Posts a claim of one Attribute for `_output` with the given weights (as `attributor`).
    function _postClaim(bytes memory _output, bytes memory _entryBytes) internal returns (uint256 claimId_) {
        bytes memory tx_ = _attributeTx(_output, _entryBytes);
        IAttributionLedger.Claim memory parent = ledger.claim(0);
        State memory s = State(keccak256("accounts"), parent.totalCredited, 0, uint256(parent.txCount) + 1);
        vm.prank(attributor);
        claimId_ = ledger.postClaim(0, tx_, s, uint64(block.timestamp - 1), new Debit[](0));
    }

    /// @dev Posts the honest claim of `_output` and sets the current evidence to the honest one.
    function _postHonest(bytes memory _output) internal returns (uint256 claimId_) {
        EvidenceEntry[] memory es = _honestEntries(_output);
        _setEvidence(_output, es);
        claimId_ = _post(_output, _weights(rankedIds, rankedScores));
    }

    function _openDispute(uint256 _claimId) internal returns (uint256 id_) {
        bytes memory tx_ = _attributeTx(output, _txWeights(_claimId));
        vm.prank(challenger);
        id_ = game.open(_claimId, 0, tx_, new bytes32[](0), output);
    }

    /// @dev The weights the tests post are kept per claim.
    mapping(uint256 => bytes) internal claimWeights;

    function _txWeights(uint256 _claimId) internal view returns (bytes memory w_) {
        w_ = claimWeights[_claimId];
    }

    function _post(bytes memory _output, bytes memory _entryBytes) internal returns (uint256 claimId_) {
        claimId_ = _postClaim(_output, _entryBytes);
        claimWeights[claimId_] = _entryBytes;
    }

    /// @dev Answers with the current evidence (as `attributor`).
    function _answer(uint256 _id) internal {
        EvidenceEntry[] memory es = _entries();
        vm.prank(attributor);
        game.answer(_id, 0, c, _evidenceRoot(es), uint32(es.length), rankedIds, rankedScores);
    }

    function _accuse(uint256 _id, IEvidenceGameTypes.Accusation _a, uint256 _index) internal {
        vm.prank(challenger);
        game.accuse(_id, _a, uint32(_index));
    }

    /// @dev The honest defense of accusation `_a` on entry (or ranked position) `_index` of the current evidence.
    function _defend(uint256 _id, IEvidenceGameTypes.Accusation _a, uint256 _index) internal {
        if (_a == IEvidenceGameTypes.Accusation.RankedScore) {
            uint256 j = _finalEntryOf(rankedIds[_index]);
            vm.prank(attributor);
            game.defendRankedScore(_id, rankedIds, rankedScores, _open_(j));
            return;
        }
        EntryOpening memory e = _open_(_index);
        EvidenceSpan memory s = e.entry.span;
        if (_a == IEvidenceGameTypes.Accusation.RangeLow || _a == IEvidenceGameTypes.Accusation.RangeHigh) {
            SuffixOpening memory a;
            SuffixOpening memory b;
            if (_a == IEvidenceGameTypes.Accusation.RangeLow) {
                if (s.lo > 0) a = _fullOpening(s.lo - 1);
                b = _fullOpening(s.lo);
            } else {
                a = _fullOpening(s.hi - 1);
                if (s.hi < sa.length) b = _fullOpening(s.hi);
            }
            vm.prank(attributor);
            game.defendRange(_id, c, e, _outRun(s.start, s.end), a, b);
        } else if (_a == IEvidenceGameTypes.Accusation.MaximalLeft || _a == IEvidenceGameTypes.Accusation.MaximalRight)
        {
            bool left = _a == IEvidenceGameTypes.Accusation.MaximalLeft;
            AbsenceProof memory p;
            ChunkRun memory run;
            bool edge = left ? s.start == 0 : s.end == output.length;
            if (!edge) {
                uint256 from = left ? s.start - 1 : s.start;
                uint256 to = left ? s.end : s.end + 1;
                (uint64 lo,) = _rangeOf(_slice(output, from, to));
                p = _absenceProof(lo);
                run = _outRun(from, to);
            }
            vm.prank(attributor);
            game.defendMaximal(_id, c, e, run, p);
        } else {
            Occurrence[] memory occ;
            if (s.hi - s.lo <= c.maxOccurrences) occ = _occurrences(s.lo, s.hi);
            vm.prank(attributor);
            game.defendCreditedSet(_id, c, e, occ);
        }
    }

    function _finalEntryOf(uint64 _id) internal view returns (uint256 j_) {
        EvidenceEntry[] memory es = _entries();
        for (uint256 j = 0; j < es.length; j++) {
            for (uint256 i = 0; i < es[j].credits.length; i++) {
                if (es[j].credits[i].id == _id && es[j].credits[i].next == NONE) return j;
            }
        }
        revert("no final credit");
    }

    /// @dev Lets the side to move run out of time and resolves.
    function _timeout(uint256 _id) internal {
        vm.warp(block.timestamp + CLOCK + 1);
        game.resolve(_id);
    }

    function _status(uint256 _id) internal view returns (IEvidenceGameTypes.DisputeStatus status_) {
        status_ = game.dispute(_id).status;
    }
}
