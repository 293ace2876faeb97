// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {console2} from "forge-std/console2.sol";
import {
    AbsenceProof,
    EvidenceSpan,
    IsaProof,
    Occurrence,
    OmissionProof,
    RangeProof
} from "src/evidence/SuffixChecks.sol";
import {
    ChunkRun,
    CorpusEntry,
    EntryProof,
    IndexCommitment,
    SaLeaf,
    SuffixIndex,
    SuffixOpening
} from "src/evidence/SuffixIndex.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {SuffixChecksHarness} from "test/evidence/utils/SuffixChecksHarness.sol";

/// @title EvidenceGas
/// @notice The gas table of docs/evidence-game.md §4: every one-step check at the tree depths of a 1 GiB corpus
///         (n = 2^30 positions: SA/ISA proofs of 30 siblings; 2^20 corpus entries: 20; the opened contributions
///         are 1 MiB: chunk proofs of 10), with 4 KiB spans where a span is compared. Trees are sparse: the few
///         leaves a step opens are real, every other subtree is a filler hash, so each proof verifies against a
///         root of the full depth. `forge test --mc EvidenceGas -vv` prints the table; the test fails if a step
///         needs 1,000,000 gas or more, or 32 KB of calldata or more.
contract EvidenceGas_Test is Test {
    uint256 internal constant SA_DEPTH = 30;
    uint256 internal constant CORPUS_DEPTH = 20;
    uint256 internal constant CHUNK_DEPTH = 10;
    uint64 internal constant N = uint64(1 << SA_DEPTH);
    uint64 internal constant LENGTH = uint64(1) << 20;
    uint256 internal constant OFFSET = 10 * 1024 + 100;
    uint256 internal constant SPAN = 4096;
    uint256 internal constant GAS_LIMIT = 1_000_000;
    uint256 internal constant CALLDATA_LIMIT = 32 * 1024;

    // Corpus indices: X and Y hold the span, Z sorts just below it, W just above; 10 … 17 hold 8 occurrences.
    uint64 internal constant X = 1;
    uint64 internal constant Y = 2;
    uint64 internal constant Z = 3;
    uint64 internal constant W = 4;
    uint64 internal constant LO = 1000;

    SuffixChecksHarness internal h;
    IndexCommitment internal c;
    bytes internal span;

    mapping(uint64 index => bytes32) internal roots;
    mapping(uint64 index => mapping(uint256 chunk => bytes32[])) internal chunkProofs;
    mapping(uint64 rank => bytes32[]) internal saProofs;
    mapping(uint64 rank => uint64) internal saPosition;
    mapping(uint64 position => bytes32[]) internal isaProofs;
    mapping(uint64 position => uint64) internal isaRank;
    mapping(uint64 index => bytes32[]) internal entryProofs;

    function setUp() public virtual {
        h = new SuffixChecksHarness();
        // Contents: X = Y = base; Z = base with the span's last byte 0x7f, W with 0x81 (base has 0x80).
        for (uint64 k = X; k <= W; k++) {
            _content(k);
        }
        span = _slice(_chunks(X, 10, 14), 100, 100 + SPAN);

        // SA leaves: Z, X, Y, W at ranks 999 … 1002; eight occurrences at 2000 … 2007; an adjacent pair at 3000.
        uint256 leafCount = 14;
        uint256[] memory ranks = new uint256[](leafCount);
        bytes32[] memory leaves = new bytes32[](leafCount);
        uint64[4] memory order = [Z, X, Y, W];
        for (uint256 i = 0; i < 4; i++) {
            _saLeaf(ranks, leaves, i, LO - 1 + uint64(i), _start(order[i]) + uint64(OFFSET));
        }
        for (uint256 i = 0; i < 8; i++) {
            _saLeaf(ranks, leaves, 4 + i, 2000 + uint64(i), _start(10 + uint64(i)) + uint64(i));
        }
        _saLeaf(ranks, leaves, 12, 3000, _start(X) + uint64(OFFSET));
        _saLeaf(ranks, leaves, 13, 3001, _start(Y) + uint64(OFFSET));
        (bytes32 saRoot, bytes32[][] memory sp) = _sparse(ranks, leaves, SA_DEPTH);
        for (uint256 i = 0; i < leafCount; i++) {
            saProofs[uint64(ranks[i])] = sp[i];
        }

        // ISA leaves: g_X + 1 and g_Y + 1 (for the adjacent pair), and g_X → a rank that is not its SA rank.
        uint64 gx = _start(X) + uint64(OFFSET);
        uint64 gy = _start(Y) + uint64(OFFSET);
        uint256[] memory positions = new uint256[](3);
        bytes32[] memory isaLeaves = new bytes32[](3);
        (positions[0], positions[1], positions[2]) = (gx, gx + 1, gy + 1);
        (isaRank[gx], isaRank[gx + 1], isaRank[gy + 1]) = (1234, 5, 6);
        for (uint256 i = 0; i < 3; i++) {
            isaLeaves[i] = SuffixIndex.isaLeaf(uint64(positions[i]), isaRank[uint64(positions[i])]);
        }
        (bytes32 isaRoot, bytes32[][] memory ip) = _sparse(positions, isaLeaves, SA_DEPTH);
        for (uint256 i = 0; i < 3; i++) {
            isaProofs[uint64(positions[i])] = ip[i];
        }

        // Corpus entries X, Y, Z, W and 10 … 17 (1 KiB each, so 10 and 11 leave a gap: a layout violation).
        uint256[] memory indices = new uint256[](12);
        bytes32[] memory entryLeaves = new bytes32[](12);
        for (uint256 i = 0; i < 12; i++) {
            uint64 k = i < 4 ? X + uint64(i) : 10 + uint64(i - 4);
            indices[i] = k;
            entryLeaves[i] = SuffixIndex.corpusLeaf(_entry(k));
        }
        (bytes32 corpusRoot, bytes32[][] memory ep) = _sparse(indices, entryLeaves, CORPUS_DEPTH);
        for (uint256 i = 0; i < 12; i++) {
            entryProofs[uint64(indices[i])] = ep[i];
        }

        c = IndexCommitment({
            version: 1,
            snapshotTime: 1_700_000_000,
            entryCount: uint64(1 << CORPUS_DEPTH),
            totalBytes: N,
            corpusRoot: corpusRoot,
            saRoot: saRoot,
            isaRoot: isaRoot,
            minMatch: 32,
            maxOccurrences: 8,
            maxEntries: 8
        });
    }

    function test_gasTable() public virtual {
        console2.log("| step | span | gas (execution) | calldata bytes | calldata gas | total with 21k base |");
        console2.log("|---|---|---|---|---|---|");

        bytes memory short = _slice(span, 0, 32);
        _measure("span occurs", 32, abi.encodeCall(h.occurs, (c, short, _opening(LO, X, 32))));
        _measure("span occurs", SPAN, abi.encodeCall(h.occurs, (c, span, _opening(LO, X, SPAN))));
        _measure(
            "range low bound (lo-1 does not match, lo does)",
            SPAN,
            abi.encodeCall(h.rangeLow, (c, span, LO, _opening(LO - 1, Z, SPAN), _opening(LO, X, SPAN)))
        );
        _measure(
            "range high bound (hi-1 matches, hi does not)",
            SPAN,
            abi.encodeCall(h.rangeHigh, (c, span, LO + 2, _opening(LO + 1, Y, SPAN), _opening(LO + 2, W, SPAN)))
        );
        // Absent: the span with its last byte 0x7f and one more byte 0xff sorts between Z and X.
        bytes memory absentPattern = bytes.concat(_slice(span, 0, SPAN - 1), hex"7fff");
        AbsenceProof memory ap = AbsenceProof({
            hasBelow: true, hasAbove: true, below: _opening(LO - 1, Z, SPAN + 1), above: _opening(LO, X, SPAN)
        });
        _measure("absent (one side of maximality)", SPAN + 1, abi.encodeCall(h.absent, (c, absentPattern, ap)));

        OmissionProof memory op;
        op.a = 0;
        op.x = uint32(SPAN);
        op.occurrence = _opening(LO, X, SPAN);
        _measure("omitted span shown", SPAN, abi.encodeCall(h.omission, (c, span, op)));

        Occurrence[] memory occ = new Occurrence[](8);
        uint64[] memory ids = new uint64[](8);
        for (uint64 i = 0; i < 8; i++) {
            occ[i] = Occurrence({sa: _sa(2000 + i), entry: _entryProof(10 + i)});
            ids[i] = 110 + i;
        }
        _measure("credited set (8 occurrences)", 0, abi.encodeCall(h.creditedSet, (c, 2000, 2008, occ, ids)));

        IsaProof memory n1 =
            IsaProof(isaRank[_start(X) + uint64(OFFSET) + 1], isaProofs[_start(X) + uint64(OFFSET) + 1]);
        IsaProof memory n2 =
            IsaProof(isaRank[_start(Y) + uint64(OFFSET) + 1], isaProofs[_start(Y) + uint64(OFFSET) + 1]);
        _measure(
            "index: adjacent pair order",
            1,
            abi.encodeCall(h.adjacentOrdered, (c, _opening(3000, X, 1), _opening(3001, Y, 1), n1, n2))
        );
        uint64 gx = _start(X) + uint64(OFFSET);
        _measure(
            "index: not a permutation",
            0,
            abi.encodeCall(h.permutationViolation, (c, _sa(LO), isaRank[gx], isaProofs[gx]))
        );
        _measure("index: corpus layout", 0, abi.encodeCall(h.layoutViolation, (c, _entryProof(10), _entryProof(11))));

        EvidenceSpan memory j = EvidenceSpan(0, 40, 0, 10, 0, 1);
        EvidenceSpan memory k = EvidenceSpan(5, 60, 10, 60, 0, 1);
        _measure("won byte given to a shorter span", 0, abi.encodeCall(h.wonByteViolation, (j, k, 7)));

        uint64[] memory rankedIds = new uint64[](8);
        uint256[] memory scores = new uint256[](8);
        for (uint256 i = 0; i < 8; i++) {
            rankedIds[i] = uint64(i + 1);
            scores[i] = (9 - i) * 705_600;
        }
        _measure("weights from the ranked top K (K = 8)", 0, abi.encodeCall(h.rankedWeights, (rankedIds, scores, 8)));
        // K = 32 (the σ limit since issue 19), ids in reverse rank order: the insertion by id moves every entry.
        rankedIds = new uint64[](32);
        scores = new uint256[](32);
        for (uint256 i = 0; i < 32; i++) {
            rankedIds[i] = uint64(32 - i);
            scores[i] = (33 - i) * 705_600;
        }
        _measure(
            "weights from the ranked top K (K = 32, ids in reverse rank order)",
            0,
            abi.encodeCall(h.rankedWeights, (rankedIds, scores, 32))
        );
    }

    /* TABLE */

    function _measure(string memory _step, uint256 _span, bytes memory _call) internal {
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = address(h).call(_call);
        uint256 used = before - gasleft();
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        uint256 calldataGas;
        for (uint256 i = 0; i < _call.length; i++) {
            calldataGas += _call[i] == 0 ? 4 : 16;
        }
        uint256 total = used + calldataGas + 21_000;
        console2.log(
            string.concat(
                "| ",
                _step,
                " | ",
                vm.toString(_span),
                " | ",
                vm.toString(used),
                " | ",
                vm.toString(_call.length),
                " | ",
                vm.toString(calldataGas),
                " | ",
                vm.toString(total),
                " |"
            )
        );
        assertLt(total, GAS_LIMIT, _step);
        assertLt(_call.length, CALLDATA_LIMIT, _step);
    }

    /* FIXTURE */

    function _start(uint64 _k) internal pure returns (uint64 start_) {
        start_ = _k * LENGTH;
    }

    function _entry(uint64 _k) internal view returns (CorpusEntry memory e_) {
        bool small = _k >= 10;
        e_ = CorpusEntry({
            index: _k,
            contributionId: 100 + _k,
            start: _start(_k),
            length: small ? 1024 : LENGTH,
            contentRoot: small ? keccak256(abi.encode("small", _k)) : roots[_k]
        });
    }

    function _entryProof(uint64 _k) internal view returns (EntryProof memory e_) {
        e_ = EntryProof({entry: _entry(_k), proof: entryProofs[_k]});
    }

    function _sa(uint64 _rank) internal view returns (SaLeaf memory leaf_) {
        leaf_ = SaLeaf({rank: _rank, position: saPosition[_rank], proof: saProofs[_rank]});
    }

    function _saLeaf(uint256[] memory _ranks, bytes32[] memory _leaves, uint256 _i, uint64 _rank, uint64 _position)
        internal
    {
        _ranks[_i] = _rank;
        _leaves[_i] = SuffixIndex.saLeaf(_rank, _position);
        saPosition[_rank] = _position;
    }

    /// @dev The opening of `_rank` (a suffix of contribution `_k` at OFFSET) with the chunks for `_needed` bytes.
    function _opening(uint64 _rank, uint64 _k, uint256 _needed) internal view returns (SuffixOpening memory o_) {
        uint256 first = OFFSET / 1024;
        uint256 last = (OFFSET + (_needed == 0 ? 1 : _needed) - 1) / 1024;
        o_.sa = _sa(_rank);
        o_.entry = _entryProof(_k);
        o_.run.first = uint64(first);
        o_.run.chunks = new bytes[](last - first + 1);
        o_.run.proofs = new bytes32[][](last - first + 1);
        for (uint256 i = first; i <= last; i++) {
            o_.run.chunks[i - first] = _chunk(_k, i);
            o_.run.proofs[i - first] = chunkProofs[_k][i];
        }
    }

    /// @dev Chunk `_i` of contribution `_k`: pseudo-random bytes, with the byte at OFFSET + SPAN − 1 set to 0x80
    ///      (0x7f in Z, 0x81 in W) and the one after it to 0x00.
    function _chunk(uint64 _k, uint256 _i) internal pure returns (bytes memory chunk_) {
        chunk_ = new bytes(1024);
        for (uint256 w = 0; w < 32; w++) {
            bytes32 word = keccak256(abi.encode("chunk", _i, w));
            assembly ("memory-safe") {
                mstore(add(add(chunk_, 32), mul(w, 32)), word)
            }
        }
        uint256 mark = OFFSET + SPAN - 1;
        if (mark / 1024 == _i) chunk_[mark % 1024] = bytes1(_k == Z ? 0x7f : _k == W ? 0x81 : 0x80);
        if ((mark + 1) / 1024 == _i) chunk_[(mark + 1) % 1024] = 0x00;
    }

    function _chunks(uint64 _k, uint256 _first, uint256 _last) internal pure returns (bytes memory data_) {
        for (uint256 i = _first; i <= _last; i++) {
            data_ = bytes.concat(data_, _chunk(_k, i));
        }
    }

    /// @dev Content root of a 1 MiB contribution whose chunks 10 … 14 are real (the rest fillers), and their proofs.
    function _content(uint64 _k) internal {
        uint256[] memory idx = new uint256[](5);
        bytes32[] memory leaves = new bytes32[](5);
        for (uint256 i = 0; i < 5; i++) {
            idx[i] = 10 + i;
            leaves[i] = ContentMerkle.leafHash(_chunk(_k, 10 + i));
        }
        (bytes32 treeRoot, bytes32[][] memory proofs) = _sparse(idx, leaves, CHUNK_DEPTH);
        roots[_k] = ContentMerkle.wrapRoot(treeRoot, LENGTH);
        for (uint256 i = 0; i < 5; i++) {
            chunkProofs[_k][10 + i] = proofs[i];
        }
    }

    /// @dev Root and proofs of a tree of depth `_depth` whose leaves at `_idx` (ascending) are `_leaves` and whose
    ///      every other subtree is a per-level filler hash.
    function _sparse(uint256[] memory _idx, bytes32[] memory _leaves, uint256 _depth)
        internal
        pure
        returns (bytes32 root_, bytes32[][] memory proofs_)
    {
        proofs_ = new bytes32[][](_idx.length);
        for (uint256 t = 0; t < _idx.length; t++) {
            proofs_[t] = new bytes32[](_depth);
        }
        Row memory row = Row(_idx, _leaves, _idx.length);
        for (uint256 level = 0; level < _depth; level++) {
            bytes32 filler = keccak256(abi.encode("filler", level));
            for (uint256 t = 0; t < _idx.length; t++) {
                proofs_[t][level] = _find(row, (_idx[t] >> level) ^ 1, filler);
            }
            row = _parents(row, filler);
        }
        root_ = row.hashes[0];
    }

    struct Row {
        uint256[] nodes;
        bytes32[] hashes;
        uint256 count;
    }

    function _parents(Row memory _row, bytes32 _filler) internal pure returns (Row memory next_) {
        next_ = Row(new uint256[](_row.count), new bytes32[](_row.count), 0);
        for (uint256 i = 0; i < _row.count; i++) {
            uint256 parent = _row.nodes[i] >> 1;
            if (next_.count > 0 && next_.nodes[next_.count - 1] == parent) continue;
            next_.nodes[next_.count] = parent;
            next_.hashes[next_.count] =
                ContentMerkle.nodeHash(_find(_row, parent * 2, _filler), _find(_row, parent * 2 + 1, _filler));
            next_.count++;
        }
    }

    function _find(Row memory _row, uint256 _node, bytes32 _filler) internal pure returns (bytes32 hash_) {
        for (uint256 i = 0; i < _row.count; i++) {
            if (_row.nodes[i] == _node) return _row.hashes[i];
        }
        hash_ = _filler;
    }

    function _slice(bytes memory _b, uint256 _from, uint256 _to) internal pure returns (bytes memory s_) {
        s_ = new bytes(_to - _from);
        for (uint256 i = _from; i < _to; i++) {
            s_[i - _from] = _b[i];
        }
    }
}
