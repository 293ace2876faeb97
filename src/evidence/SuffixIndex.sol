// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ContentMerkle} from "src/libraries/ContentMerkle.sol";

/// @notice The preimage of a suffix model's attribution-index commitment (docs/evidence-game.md §1.3).
/// @param version Encoding version (1).
/// @param snapshotTime The registry time the corpus was read at.
/// @param entryCount Corpus entries (contributions in the index).
/// @param totalBytes n: Σ of the contributions' lengths (positions 0 … n−1).
/// @param corpusRoot Root of the corpus tree (one leaf per entry).
/// @param saRoot Root of the suffix array tree (leaf per rank: rank → position).
/// @param isaRoot Root of the inverse suffix array tree (leaf per position: position → rank).
/// @param minMatch The rule's minimum match length in bytes.
/// @param maxOccurrences The rule's occurrence cap (≤ OCCURRENCE_CAP).
/// @param maxEntries K.
struct IndexCommitment {
    uint64 version;
    uint64 snapshotTime;
    uint64 entryCount;
    uint64 totalBytes;
    bytes32 corpusRoot;
    bytes32 saRoot;
    bytes32 isaRoot;
    uint32 minMatch;
    uint32 maxOccurrences;
    uint32 maxEntries;
}

/// @notice One contribution of the corpus, as committed in the corpus tree.
/// @param index Its place k in the corpus (ascending contribution id).
/// @param contributionId The on-chain contribution id.
/// @param start Where it starts in the concatenation of the corpus (no terminators).
/// @param length Its byte length.
/// @param contentRoot Its content root (docs/protocol.md §7).
struct CorpusEntry {
    uint64 index;
    uint64 contributionId;
    uint64 start;
    uint64 length;
    bytes32 contentRoot;
}

/// @notice A suffix-array leaf with its proof: the suffix of rank `rank` starts at `position`.
struct SaLeaf {
    uint64 rank;
    uint64 position;
    bytes32[] proof;
}

/// @notice A corpus entry with its proof against the corpus root.
struct EntryProof {
    CorpusEntry entry;
    bytes32[] proof;
}

/// @notice Consecutive chunks of one contribution, from chunk `first`, each with its content-root proof.
struct ChunkRun {
    uint64 first;
    bytes[] chunks;
    bytes32[][] proofs;
}

/// @notice What a suffix of the index is: its SA leaf, the corpus entry holding its position, and the
///         contribution's bytes from (at most) its start onwards.
struct SuffixOpening {
    SaLeaf sa;
    EntryProof entry;
    ChunkRun run;
}

/// @notice The bytes of an opened suffix, in memory.
/// @param data The opened chunks, concatenated.
/// @param skip Bytes of `data` before the suffix's first byte.
/// @param length The suffix's length (up to its contribution's end).
/// @param position The suffix's position in the concatenation.
/// @param contributionId The contribution it lies in.
struct Suffix {
    bytes data;
    uint256 skip;
    uint256 length;
    uint256 position;
    uint64 contributionId;
}

/// @notice How a suffix relates to a pattern.
enum Relation {
    /// The suffix is smaller than the pattern and does not start with it.
    Less,
    /// The suffix starts with the pattern.
    Prefix,
    /// The suffix is greater than the pattern and does not start with it.
    Greater
}

/// @title SuffixIndex
/// @notice The binding index commitment of a suffix model: leaf encodings, Merkle openings with exact depth,
///         suffix openings and the comparison of a suffix with a pattern (docs/evidence-game.md §1, §4).
/// @dev Trees: `node = H(0x01 ‖ left ‖ right)` (the content-root node), leaf row padded with bytes32(0) to 2^d,
///      d = ⌈log2 size⌉, a proof is exactly d siblings from the leaf row up. Leaves are tagged:
///
/// | tree   | leaf                                                                   |
/// |--------|------------------------------------------------------------------------|
/// | corpus | H(0x10 ‖ uint64 index ‖ uint64 id ‖ uint64 start ‖ uint64 length ‖ contentRoot) |
/// | SA     | H(0x11 ‖ uint64 rank ‖ uint64 position)                                |
/// | ISA    | H(0x12 ‖ uint64 position ‖ uint64 rank)                                |
library SuffixIndex {
    /// @notice The commitment encoding's version.
    uint64 internal constant VERSION = 1;
    /// @notice The largest occurrence cap a model may commit to: a credited span opens at most this many SA leaves.
    uint32 internal constant OCCURRENCE_CAP = 8;

    /// @notice Thrown when a commitment preimage does not hash to the commitment it is given for.
    error SuffixIndex_CommitmentMismatch(bytes32 expected, bytes32 got);
    /// @notice Thrown when a suffix-array leaf does not verify (or its rank or position is out of range).
    error SuffixIndex_BadSaLeaf(uint256 rank);
    /// @notice Thrown when an inverse-suffix-array leaf does not verify (or is out of range).
    error SuffixIndex_BadIsaLeaf(uint256 position);
    /// @notice Thrown when a corpus entry does not verify against the corpus root.
    error SuffixIndex_BadEntry(uint256 index);
    /// @notice Thrown when a position does not lie inside the corpus entry given for it.
    error SuffixIndex_PositionOutsideEntry(uint256 position, uint256 index);
    /// @notice Thrown when a chunk does not verify against its contribution's content root.
    error SuffixIndex_BadChunk(uint256 chunkIndex);
    /// @notice Thrown when the opened chunks start after the suffix's first byte.
    error SuffixIndex_ChunksAfterSuffix(uint256 firstChunk, uint256 offset);
    /// @notice Thrown when a comparison needs a byte past the opened chunks: the proof is too short to decide.
    error SuffixIndex_ShortOpening(uint256 position, uint256 needed);

    /* COMMITMENT */

    /// @notice The commitment a model registers: H(abi.encode(preimage)).
    function commitment(IndexCommitment memory _c) internal pure returns (bytes32 commitment_) {
        commitment_ = keccak256(abi.encode(_c));
    }

    /* LEAVES AND TREES */

    function corpusLeaf(CorpusEntry memory _e) internal pure returns (bytes32 leaf_) {
        leaf_ =
            keccak256(abi.encodePacked(bytes1(0x10), _e.index, _e.contributionId, _e.start, _e.length, _e.contentRoot));
    }

    function saLeaf(uint64 _rank, uint64 _position) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(bytes1(0x11), _rank, _position));
    }

    function isaLeaf(uint64 _position, uint64 _rank) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(abi.encodePacked(bytes1(0x12), _position, _rank));
    }

    /// @notice ⌈log2 _size⌉: the number of siblings in a proof of a tree of `_size` leaves.
    function depth(uint256 _size) internal pure returns (uint256 depth_) {
        while ((uint256(1) << depth_) < _size) depth_++;
    }

    /// @notice Whether `_leaf` is leaf `_index` of the tree of `_size` leaves with root `_root`.
    function verifyLeaf(bytes32 _root, uint256 _size, uint256 _index, bytes32 _leaf, bytes32[] calldata _proof)
        internal
        pure
        returns (bool valid_)
    {
        if (_index >= _size || _proof.length != depth(_size)) return false;
        bytes32 node = _leaf;
        uint256 position = _index;
        for (uint256 i = 0; i < _proof.length; i++) {
            node = position & 1 == 1 ? ContentMerkle.nodeHash(_proof[i], node) : ContentMerkle.nodeHash(node, _proof[i]);
            position >>= 1;
        }
        valid_ = node == _root;
    }

    /* OPENINGS */

    /// @notice Checks an SA leaf against the commitment: rank and position in [0, n), proof against saRoot.
    function checkSaLeaf(IndexCommitment memory _c, SaLeaf calldata _leaf) internal pure {
        if (
            _leaf.position >= _c.totalBytes
                || !verifyLeaf(_c.saRoot, _c.totalBytes, _leaf.rank, saLeaf(_leaf.rank, _leaf.position), _leaf.proof)
        ) revert SuffixIndex_BadSaLeaf(_leaf.rank);
    }

    /// @notice Checks an ISA leaf (`_position` → `_rank`) against the commitment.
    function checkIsaLeaf(IndexCommitment memory _c, uint64 _position, uint64 _rank, bytes32[] calldata _proof)
        internal
        pure
    {
        if (
            _rank >= _c.totalBytes
                || !verifyLeaf(_c.isaRoot, _c.totalBytes, _position, isaLeaf(_position, _rank), _proof)
        ) {
            revert SuffixIndex_BadIsaLeaf(_position);
        }
    }

    /// @notice Checks a corpus entry against the commitment.
    function checkEntry(IndexCommitment memory _c, EntryProof calldata _e) internal pure {
        CorpusEntry memory entry = _e.entry;
        if (!verifyLeaf(_c.corpusRoot, _c.entryCount, entry.index, corpusLeaf(entry), _e.proof)) {
            revert SuffixIndex_BadEntry(entry.index);
        }
    }

    /// @notice Checks that `_position` lies in the (checked) entry and returns its offset in the contribution.
    function offsetIn(CorpusEntry calldata _entry, uint256 _position) internal pure returns (uint256 offset_) {
        if (_position < _entry.start || _position - _entry.start >= _entry.length) {
            revert SuffixIndex_PositionOutsideEntry(_position, _entry.index);
        }
        offset_ = _position - _entry.start;
    }

    /// @notice Opens the suffix of an SA leaf: checks the leaf, its corpus entry and the chunks, and returns
    ///         the suffix's bytes as far as the chunks reach.
    function open(IndexCommitment memory _c, SuffixOpening calldata _o) internal pure returns (Suffix memory s_) {
        checkSaLeaf(_c, _o.sa);
        checkEntry(_c, _o.entry);
        CorpusEntry calldata entry = _o.entry.entry;
        uint256 offset = offsetIn(entry, _o.sa.position);
        uint256 base = uint256(_o.run.first) * ContentMerkle.CHUNK_SIZE;
        if (base > offset) revert SuffixIndex_ChunksAfterSuffix(_o.run.first, offset);
        s_.data = checkedChunks(entry.contentRoot, entry.length, _o.run);
        s_.skip = offset - base;
        s_.length = entry.length - offset;
        s_.position = _o.sa.position;
        s_.contributionId = entry.contributionId;
    }

    /// @notice Verifies a run of consecutive chunks of one content against its root and concatenates them.
    function checkedChunks(bytes32 _root, uint64 _length, ChunkRun calldata _run)
        internal
        pure
        returns (bytes memory data_)
    {
        uint256 count = _run.chunks.length;
        if (_run.proofs.length != count) revert SuffixIndex_BadChunk(_run.first);
        for (uint256 i = 0; i < count; i++) {
            bytes memory chunk = _run.chunks[i];
            if (!ContentMerkle.verifyChunk(_root, _length, _run.first + i, chunk, _run.proofs[i])) {
                revert SuffixIndex_BadChunk(_run.first + i);
            }
            data_ = bytes.concat(data_, chunk);
        }
    }

    /* COMPARISON */

    /// @notice How the suffix relates to `_pattern`: starts with it, or is smaller or greater (a suffix that
    ///         ends first is smaller). Reverts when the opened bytes end before the answer is known.
    /// @dev Compares a word at a time while both sides have 32 more bytes, then byte by byte.
    function compare(Suffix memory _s, bytes memory _pattern) internal pure returns (Relation relation_) {
        bytes memory data = _s.data;
        uint256 skip = _s.skip;
        uint256 available = data.length > skip ? data.length - skip : 0;
        uint256 plen = _pattern.length;
        uint256 slen = _s.length;
        uint256 fast = plen < slen ? plen : slen;
        if (available < fast) fast = available;
        uint256 t;
        while (t + 32 <= fast) {
            bytes32 a;
            bytes32 b;
            assembly ("memory-safe") {
                a := mload(add(add(add(data, 32), skip), t))
                b := mload(add(add(_pattern, 32), t))
            }
            if (a != b) break;
            t += 32;
        }
        while (true) {
            if (t == plen) return Relation.Prefix;
            if (t == slen) return Relation.Less;
            if (t >= available) revert SuffixIndex_ShortOpening(_s.position, t + 1);
            uint8 a = uint8(data[skip + t]);
            uint8 b = uint8(_pattern[t]);
            if (a < b) return Relation.Less;
            if (a > b) return Relation.Greater;
            t++;
        }
    }

    /// @notice The suffix's first byte (it has at least one: a position lies inside its contribution).
    function firstByte(Suffix memory _s) internal pure returns (uint8 byte_) {
        if (_s.data.length <= _s.skip) revert SuffixIndex_ShortOpening(_s.position, 1);
        byte_ = uint8(_s.data[_s.skip]);
    }
}
