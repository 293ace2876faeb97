// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EvidenceDefenses} from "src/evidence/EvidenceDefenses.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceViolations} from "src/evidence/EvidenceViolations.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EvidenceEntry} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {EvidenceBaseTest} from "test/evidence/utils/EvidenceBaseTest.sol";

/// @notice The Solidity half of the evidence-entry vectors (`test/vectors/evidence-entries.json`, written by
///         `npm run vectors` from `agents/evidence/entry-vectors.ts`): each TS-encoded entry decodes to the
///         game's `EvidenceEntry`, hashes to the TS leaf under the game's `evidenceLeaf`, the TS root and openings
///         are this test's tree over those leaves, the TS links equal a re-link of the spans here, and the TS
///         weight bytes are what `SuffixChecks.rankedWeights` gives the TS ranked list.
contract EntryVectors_Test is EvidenceBaseTest {
    uint32 internal constant NONE = type(uint32).max;
    EvidenceGame internal game;

    function setUp() public override {
        EvidenceBaseTest.setUp();
        IERC20 token = IERC20(address(0x1001));
        IAttributionLedger ledger = IAttributionLedger(address(0x1002));
        IModelRegistry models = IModelRegistry(address(0x1003));
        EvidenceVerifier verifier = new EvidenceVerifier();
        game = new EvidenceGame(
            new EvidenceViolations(token, ledger, models, verifier, 1 days, 1 hours, 1e18, 5000),
            new EvidenceDefenses(token, ledger, models, verifier, 1 days, 1 hours, 1e18, 5000)
        );
    }

    function test_vectors_entriesLeavesRootsLinksWeights() public view {
        string memory json = vm.readFile("test/vectors/evidence-entries.json");
        uint256 k = vm.parseJsonUint(json, ".k");
        uint256 cases;
        uint256 linked;
        for (uint256 i = 0; vm.keyExistsJson(json, string.concat(".cases[", vm.toString(i), "]")); i++) {
            linked += _checkCase(json, string.concat(".cases[", vm.toString(i), "]"), k);
            cases++;
        }
        assertEq(cases, 6, "cases");
        assertGt(linked, 10, "links exercised");
    }

    function _checkCase(string memory _json, string memory _at, uint256 _k) internal view returns (uint256 linked_) {
        bytes[] memory encoded = vm.parseJsonBytesArray(_json, string.concat(_at, ".entries"));
        bytes32[] memory leaves = vm.parseJsonBytes32Array(_json, string.concat(_at, ".leaves"));
        EvidenceEntry[] memory es = new EvidenceEntry[](encoded.length);
        for (uint256 j = 0; j < encoded.length; j++) {
            es[j] = abi.decode(encoded[j], (EvidenceEntry));
            assertEq(keccak256(abi.encode(es[j])), keccak256(encoded[j]), "canonical encoding");
            assertEq(game.evidenceLeaf(uint32(j), es[j]), leaves[j], "leaf");
            bytes32[] memory proof =
                vm.parseJsonBytes32Array(_json, string.concat(_at, ".proofs[", vm.toString(j), "]"));
            assertEq(keccak256(abi.encode(proof)), keccak256(abi.encode(_proof(leaves, j))), "opening");
        }
        bytes32 root = vm.parseJsonBytes32(_json, string.concat(_at, ".root"));
        assertEq(root, es.length == 0 ? bytes32(0) : _root(leaves), "root");
        linked_ = _checkLinks(es);
        _checkWeights(_json, _at, _k);
    }

    function _checkWeights(string memory _json, string memory _at, uint256 _k) internal view {
        uint64[] memory ids = _uints64(vm.parseJsonStringArray(_json, string.concat(_at, ".rankedIds")));
        uint256[] memory scores = _uints(vm.parseJsonStringArray(_json, string.concat(_at, ".rankedScores")));
        bytes memory weights = vm.parseJsonBytes(_json, string.concat(_at, ".weights"));
        if (ids.length == 0) {
            assertEq(weights.length, 0);
            return;
        }
        (uint64[] memory wIds, uint32[] memory w) = h.rankedWeights(ids, scores, _k);
        bytes memory packed;
        for (uint256 j = 0; j < wIds.length; j++) {
            packed = bytes.concat(packed, abi.encodePacked(wIds[j], w[j]));
        }
        assertEq(packed, weights, "weights");
    }

    /// @dev Re-links the spans and credited ids with a plain loop and compares every credit; returns how many
    ///      credits have a previous one.
    function _checkLinks(EvidenceEntry[] memory _es) internal pure returns (uint256 linked_) {
        for (uint256 j = 0; j < _es.length; j++) {
            uint256 m = _es[j].credits.length;
            uint256 own = m == 0 ? 0 : uint256(_es[j].span.wonEnd - _es[j].span.wonStart) * 705_600 / (m * m);
            for (uint256 i = 0; i < m; i++) {
                Credit memory cr = _es[j].credits[i];
                uint256 sum = own;
                uint32 prev = NONE;
                for (uint256 b = j; b > 0; b--) {
                    (bool found, uint256 running) = _find(_es[b - 1], cr.id);
                    if (found) {
                        (prev, sum) = (uint32(b - 1), own + running);
                        break;
                    }
                }
                uint32 next = NONE;
                for (uint256 f = j + 1; f < _es.length; f++) {
                    (bool found,) = _find(_es[f], cr.id);
                    if (found) {
                        next = uint32(f);
                        break;
                    }
                }
                assertEq(cr.runningScore, sum, "running score");
                assertEq(cr.prev, prev, "prev");
                assertEq(cr.next, next, "next");
                if (prev != NONE) linked_++;
            }
        }
    }

    function _find(EvidenceEntry memory _e, uint64 _id) internal pure returns (bool found_, uint256 running_) {
        for (uint256 i = 0; i < _e.credits.length; i++) {
            if (_e.credits[i].id == _id) return (true, _e.credits[i].runningScore);
        }
    }

    function _uints64(string[] memory _s) internal pure returns (uint64[] memory out_) {
        out_ = new uint64[](_s.length);
        for (uint256 i = 0; i < _s.length; i++) {
            out_[i] = uint64(vm.parseUint(_s[i]));
        }
    }

    function _uints(string[] memory _s) internal pure returns (uint256[] memory out_) {
        out_ = new uint256[](_s.length);
        for (uint256 i = 0; i < _s.length; i++) {
            out_[i] = vm.parseUint(_s[i]);
        }
    }
}
