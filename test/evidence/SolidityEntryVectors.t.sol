// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EvidenceDefenses} from "src/evidence/EvidenceDefenses.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceViolations} from "src/evidence/EvidenceViolations.sol";
import {EvidenceSpan} from "src/evidence/SuffixChecks.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EvidenceEntry} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";
import {EvidenceGameBaseTest} from "test/evidence/utils/EvidenceGameBaseTest.sol";

/// @notice The reverse of `test/vectors/evidence-entries.json`: this test generates span lists (keccak-driven, not
///         the TS generator), links them (`EvidenceGameBaseTest._link`), hashes the leaves with the game's
///         `evidenceLeaf`, builds the root, ranks the top K (`_ranked`) and computes the weight bytes with
///         `SuffixChecks.rankedWeights`, and writes it all to `test/vectors/evidence-entries-sol.json` when
///         `WRITE_SOL_VECTORS=1`; otherwise it fails when the committed file differs from what it computes.
///         `agents/evidence/entry-sol-vectors.test.ts` checks `agents/evidence/entry.ts` gives the same.
contract SolidityEntryVectors_Test is EvidenceGameBaseTest {
    string internal constant PATH = "test/vectors/evidence-entries-sol.json";
    uint256 internal constant K = 3;

    function setUp() public override {
        EvidenceBaseTest.setUp();
        IERC20 t = IERC20(address(0x1001));
        IAttributionLedger l = IAttributionLedger(address(0x1002));
        IModelRegistry m = IModelRegistry(address(0x1003));
        EvidenceVerifier verifier = new EvidenceVerifier();
        game = new EvidenceGame(
            new EvidenceViolations(t, l, m, verifier, 1 days, 1 hours, 1e18, 5000),
            new EvidenceDefenses(t, l, m, verifier, 1 days, 1 hours, 1e18, 5000)
        );
        c.maxEntries = uint8(K);
    }

    function test_solidityVectors_committedFileIsCurrent() public {
        string memory json = _vectors();
        if (vm.envOr("WRITE_SOL_VECTORS", false)) vm.writeFile(PATH, json);
        assertEq(
            keccak256(bytes(vm.readFile(PATH))),
            keccak256(bytes(json)),
            "stale: run WRITE_SOL_VECTORS=1 forge test --match-test solidityVectors"
        );
    }

    function _vectors() internal view returns (string memory json_) {
        uint8[6] memory counts = [0, 1, 3, 6, 10, 14];
        json_ = string.concat('{"k":', vm.toString(K), ',"cases":[');
        for (uint256 i = 0; i < counts.length; i++) {
            if (i > 0) json_ = string.concat(json_, ",");
            json_ = string.concat(json_, _case(_spans(i + 100, counts[i])));
        }
        json_ = string.concat(json_, "]}\n");
    }

    /// @dev `_count` entries with spans sorted by start, won intervals in order, credited ids ascending from a
    ///      small pool (none when the range is wider than 8).
    function _spans(uint256 _seed, uint256 _count) internal pure returns (EvidenceEntry[] memory es_) {
        es_ = new EvidenceEntry[](_count);
        uint64[6] memory pool = [uint64(2), 3, 7, 11, 19, 1_000_000_007];
        uint32 start;
        uint32 end;
        uint32 wonEnd;
        for (uint256 j = 0; j < _count; j++) {
            uint256 r = uint256(keccak256(abi.encode(_seed, j)));
            start += uint32(1 + r % 9);
            uint32 e = start + 3 + uint32((r >> 8) % 25);
            end = e > end ? e : end + 1;
            uint32 wonStart = start > wonEnd ? start : wonEnd;
            wonEnd = (r >> 16) % 5 == 0 ? wonStart : wonStart + uint32((r >> 24) % (end - wonStart + 1));
            uint64 lo = uint64((r >> 40) % 5000);
            uint64 hi = lo + 1 + uint64((r >> 56) % 12);
            es_[j].span = EvidenceSpan({start: start, end: end, wonStart: wonStart, wonEnd: wonEnd, lo: lo, hi: hi});
            uint256 m;
            uint64[] memory ids = new uint64[](pool.length);
            if (hi - lo <= 8) {
                for (uint256 p = 0; p < pool.length; p++) {
                    if ((r >> (80 + p * 4)) % 3 == 0) ids[m++] = pool[p];
                }
            }
            es_[j].credits = new Credit[](m);
            for (uint256 i = 0; i < m; i++) {
                es_[j].credits[i].id = ids[i];
            }
        }
        _link(es_);
    }

    function _case(EvidenceEntry[] memory _es) internal view returns (string memory json_) {
        bytes32[] memory leaves = new bytes32[](_es.length);
        string memory spans;
        string memory entries;
        string memory leafList;
        for (uint256 j = 0; j < _es.length; j++) {
            leaves[j] = game.evidenceLeaf(uint32(j), _es[j]);
            string memory sep = j == 0 ? "" : ",";
            spans = string.concat(spans, sep, _span(_es[j]));
            entries = string.concat(entries, sep, '"', vm.toString(abi.encode(_es[j])), '"');
            leafList = string.concat(leafList, sep, '"', vm.toString(leaves[j]), '"');
        }
        bytes32 root = _es.length == 0 ? bytes32(0) : _root(leaves);
        (uint64[] memory ids, uint256[] memory scores) = _ranked(_es);
        bytes memory weights;
        if (ids.length != 0) {
            (uint64[] memory wIds, uint32[] memory w) = h.rankedWeights(ids, scores, K);
            for (uint256 i = 0; i < wIds.length; i++) {
                weights = bytes.concat(weights, abi.encodePacked(wIds[i], w[i]));
            }
        }
        string memory rIds;
        string memory rScores;
        for (uint256 i = 0; i < ids.length; i++) {
            string memory sep = i == 0 ? "" : ",";
            rIds = string.concat(rIds, sep, '"', vm.toString(ids[i]), '"');
            rScores = string.concat(rScores, sep, '"', vm.toString(scores[i]), '"');
        }
        json_ = string.concat('{"spans":[', spans, '],"entries":[', entries, '],"leaves":[', leafList, "],");
        json_ = string.concat(json_, '"root":"', vm.toString(root), '","rankedIds":[', rIds, '],"rankedScores":[');
        json_ = string.concat(json_, rScores, '],"weights":"', vm.toString(weights), '"}');
    }

    function _span(EvidenceEntry memory _e) internal pure returns (string memory json_) {
        EvidenceSpan memory s = _e.span;
        json_ = string.concat('{"start":', vm.toString(s.start), ',"end":', vm.toString(s.end), ',"wonStart":');
        json_ = string.concat(json_, vm.toString(s.wonStart), ',"wonEnd":', vm.toString(s.wonEnd), ',"lo":"');
        json_ = string.concat(json_, vm.toString(s.lo), '","hi":"', vm.toString(s.hi), '","credited":[');
        for (uint256 i = 0; i < _e.credits.length; i++) {
            json_ = string.concat(json_, i == 0 ? '"' : ',"', vm.toString(_e.credits[i].id), '"');
        }
        json_ = string.concat(json_, "]}");
    }
}
