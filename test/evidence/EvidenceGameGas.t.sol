// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console2} from "forge-std/console2.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OpenToken} from "src/OpenToken.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {EvidenceDefenses} from "src/evidence/EvidenceDefenses.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceViolations} from "src/evidence/EvidenceViolations.sol";
import {EvidenceSpan, Occurrence} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixIndex, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";
import {ContentMerkle} from "src/libraries/ContentMerkle.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {EvidenceGas_Test} from "test/evidence/EvidenceGas.t.sol";

/// @title EvidenceGameGas
/// @notice The evidence game's own steps at a 1 GiB corpus (the sparse index of `EvidenceGas_Test`: SA proofs of
///         30 siblings, corpus proofs of 20, 1 MiB contributions) with a 16 KiB output, a 4 KiB span and an
///         evidence tree of 512 entries (9 siblings per opening): each step is sent to the game as a transaction
///         would be and `forge test --mc EvidenceGameGas -vv` prints the table of docs/evidence-game.md §4. The
///         test fails if a step needs 1,000,000 gas or more (execution + calldata + 21,000) or 32 KB of calldata.
contract EvidenceGameGas_Test is EvidenceGas_Test {
    uint256 internal constant OUTPUT = 16_384;
    uint256 internal constant EVIDENCE_DEPTH = 9;
    uint32 internal constant NONE = type(uint32).max;

    OpenToken internal token;
    ModelRegistry internal models;
    AttributionLedger internal ledger;
    EvidenceGame internal game;
    address internal treasury = makeAddr("treasury");
    address internal poster = makeAddr("poster");
    address internal challenger = makeAddr("challenger");
    uint256 internal modelId;
    bytes internal output;
    bytes32 internal outputRoot;
    bytes32[] internal outputLeaves;

    /// @dev The spanning entry (X and Y at ranks LO, LO + 1) and an 8-occurrence entry (ranks 2000 … 2007).
    function _entries() internal view returns (EvidenceEntry[] memory es_) {
        es_ = new EvidenceEntry[](2);
        es_[0].span = EvidenceSpan(0, uint32(SPAN), 0, uint32(SPAN), LO, LO + 2);
        es_[0].credits = new Credit[](2);
        uint256 c0 = SPAN * 705_600 / 4;
        es_[0].credits[0] = Credit(100 + X, c0, NONE, NONE);
        es_[0].credits[1] = Credit(100 + Y, c0, NONE, NONE);
        es_[1].span = EvidenceSpan(5000, 5040, 5000, 5040, 2000, 2008);
        es_[1].credits = new Credit[](8);
        for (uint64 i = 0; i < 8; i++) {
            es_[1].credits[i] = Credit(110 + i, 40 * uint256(705_600) / 64, NONE, NONE);
        }
    }

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        token = new OpenToken(treasury);
        DatanetRegistry datanets = new DatanetRegistry();
        models = new ModelRegistry(IOpenToken(address(token)), datanets, 1e18, 1 days);
        vm.startPrank(treasury);
        token.transfer(poster, 1_000_000e18);
        token.transfer(challenger, 1_000_000e18);
        vm.stopPrank();
        uint256 datanetId = datanets.createDatanet("ipfs://d");
        IModelRegistry.ModelParams memory p;
        p.baseModelHash = keccak256("base");
        p.datanetIds = new uint256[](1);
        p.datanetIds[0] = datanetId;
        p.method = IModelRegistry.AttributionMethod.Suffix;
        p.attributionIndexCommitment = SuffixIndex.commitment(c);
        p.split = FeeSplit({operatorBps: 3000, ownerBps: 2000, dataBps: 4000, attributorBps: 500, protocolBps: 500});
        vm.prank(poster);
        modelId = models.registerModel(p);

        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        PaymentEscrow escrow = new PaymentEscrow(token, predicted, 1 days);
        ledger = new AttributionLedger(
            IAttributionLedger.Params({
                token: address(token),
                escrow: address(escrow),
                contributions: address(datanets),
                models: address(models),
                protocol: treasury,
                challengeWindow: 1 days,
                maxReferenceLag: 1 hours,
                unbondDelay: 2 days,
                claimBond: 100e18,
                maxEntries: 8,
                burnBps: 5000
            })
        );
        ledger.setDisputeGame(makeAddr("sigma"));
        EvidenceVerifier verifier = new EvidenceVerifier();
        game = new EvidenceGame(
            new EvidenceViolations(token, ledger, models, verifier, 1 days, 1 hours, 10e18, 5000),
            new EvidenceDefenses(token, ledger, models, verifier, 1 days, 1 hours, 10e18, 5000)
        );
        ledger.setEvidenceGame(address(game));
        vm.startPrank(poster);
        token.approve(address(ledger), type(uint256).max);
        ledger.bond(1000e18);
        vm.stopPrank();
        vm.prank(challenger);
        token.approve(address(game), type(uint256).max);

        // The output: the 4 KiB span, then bytes that occur nowhere.
        output = bytes.concat(span, new bytes(OUTPUT - SPAN));
        for (uint256 i = SPAN; i < OUTPUT; i++) {
            output[i] = 0xee;
        }
        outputLeaves = new bytes32[](OUTPUT / 1024);
        for (uint256 i = 0; i < OUTPUT / 1024; i++) {
            outputLeaves[i] = ContentMerkle.leafHash(_slice(output, i * 1024, i * 1024 + 1024));
        }
        vm.warp(block.timestamp + 100);
    }

    /// @dev The table of EvidenceGas_Test is printed by that contract.
    function test_gasTable() public override {}

    function test_gameGasTable() public {
        console2.log("| game step | gas (execution) | calldata bytes | calldata gas | total with 21k base |");
        console2.log("|---|---|---|---|---|");
        EvidenceEntry[] memory es = _entries();
        (uint64[] memory ids, uint256[] memory scores) = _ranked();
        uint256 claimId = _postClaim(ids, scores);
        bytes memory tx_ = _tx(ids, scores);
        _step(
            "open (16 KiB output)", challenger, abi.encodeCall(game.open, (claimId, 0, tx_, new bytes32[](0), output))
        );
        (bytes32 root, bytes32[][] memory proofs) = _evidenceTree(es);
        _step(
            "answer (K = 8, J = 512)",
            poster,
            abi.encodeCall(game.answer, (0, 0, c, root, uint32(1 << EVIDENCE_DEPTH), ids, scores))
        );
        EntryOpening memory e0 = EntryOpening(0, es[0], proofs[0]);
        EntryOpening memory e1 = EntryOpening(1, es[1], proofs[1]);
        _step("accuse", challenger, abi.encodeCall(game.accuse, (0, IEvidenceGameTypes.Accusation.RangeLow, 0)));
        _step(
            "defend range low (4 KiB span)",
            poster,
            abi.encodeCall(
                game.defendRange, (0, c, e0, _run(0, SPAN), _opening(LO - 1, Z, SPAN), _opening(LO, X, SPAN))
            )
        );
        vm.prank(challenger);
        game.accuse(0, IEvidenceGameTypes.Accusation.RangeHigh, 0);
        _step(
            "defend range high (4 KiB span)",
            poster,
            abi.encodeCall(
                game.defendRange, (0, c, e0, _run(0, SPAN), _opening(LO + 1, Y, SPAN), _opening(LO + 2, W, SPAN))
            )
        );
        vm.prank(challenger);
        game.accuse(0, IEvidenceGameTypes.Accusation.CreditedSet, 1);
        Occurrence[] memory occ = new Occurrence[](8);
        for (uint64 i = 0; i < 8; i++) {
            occ[i] = Occurrence({sa: _sa(2000 + i), entry: _entryProof(10 + i)});
        }
        _step("defend credited set (8 occurrences)", poster, abi.encodeCall(game.defendCreditedSet, (0, c, e1, occ)));
        vm.prank(challenger);
        game.accuse(0, IEvidenceGameTypes.Accusation.RankedScore, 0);
        _step("defend ranked score", poster, abi.encodeCall(game.defendRankedScore, (0, ids, scores, e0)));
        // Violations end the game: each shown as a lie on its own claim, and measured with the slash it causes.
        _step("prove omitted span (4 KiB, voids the claim)", challenger, _omissionCall(ids, scores, es));
    }

    struct OmissionCall {
        uint256 id;
        IndexCommitment c;
        bool hasPrev;
        EntryOpening prev;
        bool hasNext;
        EntryOpening next;
        uint32 a;
        uint32 x;
        ChunkRun out;
        SuffixOpening occurrence;
    }

    /// @dev A second claim whose evidence leaves out the 4 KiB span; the challenger shows it.
    function _omissionCall(uint64[] memory _ids, uint256[] memory _scores, EvidenceEntry[] memory _es)
        internal
        returns (bytes memory call_)
    {
        OmissionCall memory call;
        (call.id, call.next) = _openLie(_ids, _scores, _es[1]);
        call.c = c;
        call.hasNext = true;
        call.x = uint32(SPAN);
        call.out = _run(0, SPAN);
        call.occurrence = _opening(LO, X, SPAN);
        bytes memory tuple = abi.encode(call);
        bytes memory args = new bytes(tuple.length - 32);
        for (uint256 i = 0; i < args.length; i++) {
            args[i] = tuple[i + 32];
        }
        call_ = bytes.concat(IEvidenceGame.proveOmission.selector, args);
    }

    function _openLie(uint64[] memory _ids, uint256[] memory _scores, EvidenceEntry memory _kept)
        internal
        returns (uint256 id_, EntryOpening memory next_)
    {
        vm.warp(block.timestamp + 1);
        EvidenceEntry[] memory lie = new EvidenceEntry[](1);
        lie[0] = _kept;
        (bytes32 root, bytes32[][] memory proofs) = _evidenceTree(lie);
        uint256 claimId = _postClaim(_ids, _scores);
        bytes memory tx_ = _tx(_ids, _scores);
        vm.prank(challenger);
        id_ = game.open(claimId, 0, tx_, new bytes32[](0), output);
        _answerAs(id_, root, _ids, _scores);
        next_ = EntryOpening(0, lie[0], proofs[0]);
    }

    /* FIXTURE */

    function _answerAs(uint256 _id, bytes32 _root, uint64[] memory _ids, uint256[] memory _scores) internal {
        vm.prank(poster);
        game.answer(_id, 0, c, _root, uint32(1 << EVIDENCE_DEPTH), _ids, _scores);
    }

    function _ranked() internal view returns (uint64[] memory ids_, uint256[] memory scores_) {
        EvidenceEntry[] memory es = _entries();
        ids_ = new uint64[](8);
        scores_ = new uint256[](8);
        (ids_[0], scores_[0]) = (es[0].credits[0].id, es[0].credits[0].runningScore);
        (ids_[1], scores_[1]) = (es[0].credits[1].id, es[0].credits[1].runningScore);
        for (uint256 i = 2; i < 8; i++) {
            (ids_[i], scores_[i]) = (es[1].credits[i - 2].id, es[1].credits[i - 2].runningScore);
        }
    }

    function _tx(uint64[] memory _ids, uint256[] memory _scores) internal view returns (bytes memory tx_) {
        (uint64[] memory wIds, uint32[] memory w) = h.rankedWeights(_ids, _scores, 8);
        bytes memory entries;
        for (uint256 i = 0; i < wIds.length; i++) {
            entries = bytes.concat(entries, abi.encodePacked(wIds[i], w[i]));
        }
        tx_ = abi.encodePacked(
            bytes1(0x01),
            new bytes(60),
            uint64(modelId),
            bytes32(0),
            keccak256(output),
            new bytes(170),
            uint8(wIds.length),
            entries
        );
    }

    function _postClaim(uint64[] memory _ids, uint256[] memory _scores) internal returns (uint256 claimId_) {
        uint256 parentId = ledger.claimCount();
        IAttributionLedger.Claim memory parent = ledger.claim(parentId);
        State memory s = State(keccak256("accounts"), parent.totalCredited, 0, uint256(parent.txCount) + 1);
        bytes memory batch = _tx(_ids, _scores);
        vm.prank(poster);
        claimId_ = ledger.postClaim(parentId, batch, s, uint64(block.timestamp - 1), new Debit[](0));
    }

    /// @dev A 512-leaf evidence tree whose first leaves are `_es` (the rest fillers).
    function _evidenceTree(EvidenceEntry[] memory _es) internal pure returns (bytes32 root_, bytes32[][] memory p_) {
        uint256[] memory idx = new uint256[](_es.length);
        bytes32[] memory leaves = new bytes32[](_es.length);
        for (uint256 j = 0; j < _es.length; j++) {
            idx[j] = j;
            leaves[j] = keccak256(abi.encodePacked(bytes1(0x20), uint32(j), abi.encode(_es[j])));
        }
        (root_, p_) = _sparse(idx, leaves, EVIDENCE_DEPTH);
    }

    /// @dev Output chunks covering [_from, _to) with proofs.
    function _run(uint256 _from, uint256 _to) internal view returns (ChunkRun memory run_) {
        uint256 first = _from / 1024;
        uint256 last = (_to - 1) / 1024;
        run_.first = uint64(first);
        run_.chunks = new bytes[](last - first + 1);
        run_.proofs = new bytes32[][](last - first + 1);
        bytes32[] memory leaves = outputLeaves;
        for (uint256 i = first; i <= last; i++) {
            run_.chunks[i - first] = _slice(output, i * 1024, i * 1024 + 1024);
            run_.proofs[i - first] = _fullProof(leaves, i);
        }
    }

    function _fullProof(bytes32[] memory _leaves, uint256 _index) internal pure returns (bytes32[] memory proof_) {
        bytes32[] memory row = _leaves;
        uint256 depth = SuffixIndex.depth(_leaves.length);
        proof_ = new bytes32[](depth);
        uint256 position = _index;
        for (uint256 level = 0; level < depth; level++) {
            proof_[level] = row[position ^ 1];
            bytes32[] memory next = new bytes32[](row.length / 2);
            for (uint256 i = 0; i < next.length; i++) {
                next[i] = ContentMerkle.nodeHash(row[2 * i], row[2 * i + 1]);
            }
            row = next;
            position >>= 1;
        }
    }

    function _step(string memory _name, address _from, bytes memory _call) internal {
        vm.prank(_from);
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = address(game).call(_call);
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
                _name,
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
        assertLt(total, GAS_LIMIT, _name);
        assertLt(_call.length, CALLDATA_LIMIT, _name);
    }
}
