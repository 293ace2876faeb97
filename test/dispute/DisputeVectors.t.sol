// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {GameStatus, Position} from "src/libraries/GameTypes.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";

/// @notice Differential tests on test/vectors/dispute.json, written by the TypeScript solver
///         (agents/dispute): every one-step proof it builds is accepted by the Solidity verifier with the
///         commitment TS σ computed, and every game it plays is replayed move for move on chain.
contract DisputeGame_SharedVectors_Test is DisputeBaseTest {
    string internal json;
    SigmaContext internal ctx;

    struct Steps {
        bytes[] txs;
        bytes32[] preRoots;
        uint256[] preCredited;
        uint256[] preCharged;
        uint256[] preTxCounts;
        bytes[] witnesses;
        bytes32[][] txProofs;
        bytes32[] commitments;
    }

    struct Moves {
        uint8[] kinds;
        uint128[] positions;
        bytes32[] commitments;
        bool[] agrees;
        bytes32[] claimed;
    }

    function setUp() public override {
        super.setUp();
        json = vm.readFile("test/vectors/dispute.json");
        registry.load(vm.parseJsonBytes(json, ".registry"));
        ctx = SigmaContext({
            domainSeparator: Sigma.domainSeparator(
                vm.parseJsonUint(json, ".context.chainId"), vm.parseJsonAddress(json, ".context.ledger")
            ),
            protocol: vm.parseJsonAddress(json, ".context.protocol"),
            referenceTime: uint64(vm.parseJsonUint(json, ".context.referenceTime")),
            maxEntries: vm.parseJsonUint(json, ".context.maxEntries"),
            contributions: IContributionViews(address(registry)),
            models: IModelViews(address(registry))
        });
    }

    function _steps(uint256 _b) internal view returns (Steps memory steps_) {
        steps_ = abi.decode(vm.parseJsonBytes(json, string.concat(".batches[", vm.toString(_b), "].steps")), (Steps));
    }

    function _txRoot(uint256 _b) internal view returns (bytes32 root_) {
        root_ = vm.parseJsonBytes32(json, string.concat(".batches[", vm.toString(_b), "].txRoot"));
    }

    function _proof(Steps memory _s, uint256 _i) internal pure returns (StepProof memory p_) {
        p_ = StepProof(
            State(_s.preRoots[_i], _s.preCredited[_i], _s.preCharged[_i], _s.preTxCounts[_i]),
            _s.txs[_i],
            _s.txProofs[_i],
            _s.witnesses[_i]
        );
    }

    /// @notice Every transaction of every random batch: the solver's proof yields TS σ's next commitment.
    function test_vectors_everySolverStepProofAccepted() public view {
        uint256 batches = vm.parseJsonUint(json, ".batchCount");
        assertGt(batches, 0);
        uint256 checked;
        for (uint256 b = 0; b < batches; b++) {
            Steps memory s = _steps(b);
            bytes32 root = _txRoot(b);
            uint256 n = s.txs.length;
            assertEq(s.commitments.length, n + 1);
            for (uint256 i = 0; i < n; i++) {
                bytes32 post = verifier.verifyStep(ctx, root, n, i, s.commitments[i], _proof(s, i));
                assertEq(post, s.commitments[i + 1], string.concat("batch ", vm.toString(b), " tx ", vm.toString(i)));
                checked++;
            }
        }
        assertGt(checked, 60);
    }

    /// @notice A proof for one index does not pass for another, nor with a proof one level short.
    function test_vectors_proofBoundToIndexAndDepth() public {
        Steps memory s = _steps(4);
        bytes32 root = _txRoot(4);
        uint256 n = s.txs.length;
        StepProof memory p = _proof(s, 3);
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_BadTxProof.selector, 4));
        verifier.verifyStep(ctx, root, n, 4, s.commitments[3], p);
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_IndexOutOfRange.selector, n, n));
        verifier.verifyStep(ctx, root, n, n, s.commitments[3], p);
        // The 64-byte preimage of an inner node posing as a transaction one level up.
        bytes32[] memory shorter = new bytes32[](p.txProof.length - 1);
        for (uint256 l = 0; l < shorter.length; l++) {
            shorter[l] = p.txProof[l + 1];
        }
        StepProof memory fake = StepProof(_proof(s, 1).pre, abi.encodePacked(_leafOf(s, 2), _leafOf(s, 3)), shorter, "");
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_BadTxProof.selector, 1));
        verifier.verifyStep(ctx, root, n, 1, s.commitments[1], fake);
    }

    function _leafOf(Steps memory _s, uint256 _i) internal pure returns (bytes32 leaf_) {
        leaf_ = keccak256(_s.txs[_i]);
    }

    /// @notice Every game the solver played is replayed on chain: each move is accepted at the
    ///         position the solver predicted, and the solver's step proof decides for the predicted side.
    function test_vectors_solverGamesReplayedOnChain() public {
        uint256 games = vm.parseJsonUint(json, ".gameCount");
        assertGt(games, 0);
        for (uint256 k = 0; k < games; k++) {
            _replay(k);
        }
    }

    function _replay(uint256 _k) internal {
        string memory at = string.concat(".games[", vm.toString(_k), "]");
        uint256 b = vm.parseJsonUint(json, string.concat(at, ".batch"));
        Moves memory m = abi.decode(vm.parseJsonBytes(json, string.concat(at, ".moves")), (Moves));
        bool challengerWins =
            keccak256(bytes(vm.parseJsonString(json, string.concat(at, ".winner")))) == keccak256("challenger");
        Steps memory s = _steps(b);
        uint256 n = s.txs.length;
        uint256 claimId = _post(_txRoot(b), m.claimed[0], m.claimed[n], n, ctx);
        uint256 id = _open(claimId);
        for (uint256 j = 0; j < m.kinds.length; j++) {
            Position p = Position.wrap(m.positions[j]);
            assertTrue(game.game(id).position.eq(p), "solver predicted the position");
            if (m.kinds[j] == 0) {
                vm.prank(claimant);
                game.bisect(id, p, m.commitments[j]);
            } else if (m.kinds[j] == 1) {
                vm.prank(challenger);
                game.respond(id, p, m.commitments[j], m.agrees[j]);
            } else {
                assertEq(p.lo(), vm.parseJsonUint(json, string.concat(at, ".stepIndex")));
                vm.prank(anyone);
                game.step(id, p, _proof(s, p.lo()));
            }
        }
        GameStatus expected = challengerWins ? GameStatus.ChallengerWon : GameStatus.ClaimantWon;
        assertEq(uint8(game.game(id).status), uint8(expected), vm.parseJsonString(json, string.concat(at, ".name")));
        if (challengerWins) _settleChallenge(id);
        assertEq(
            uint8(_claimStatus(claimId)),
            uint8(challengerWins ? IAttributionLedger.Status.Void : IAttributionLedger.Status.Pending)
        );
    }
}
