// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {DisputePresets} from "script/DeployDispute.s.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {GameStatus, Position, Side} from "src/libraries/GameTypes.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";
import {SyntheticClaims} from "test/dispute/utils/SyntheticClaims.sol";

/// @notice Measurements behind docs/benchmarks-dispute.md, printed as `BENCH|table|key|value` lines for
///         agents/bench/dispute.ts. They run only with DISPUTE_BENCH=1 (they are not part of the suite).
abstract contract DisputeBench is DisputeBaseTest {
    function _enabled() internal view returns (bool on_) {
        on_ = vm.envOr("DISPUTE_BENCH", false);
    }

    /// @dev Steady state: another game is already in progress, so the game's counters, its token
    ///      balance and the bond total are non-zero before anything is measured.
    function _warmUp() internal {
        Built memory w = _claim(2, SyntheticClaims.NO_LIE);
        vm.prank(anyone);
        game.open(w.claimId);
    }

    function _emit(string memory _table, string memory _key, uint256 _value) internal pure {
        console.log(string.concat("BENCH|", _table, "|", _key, "|", vm.toString(_value)));
    }

    /// @dev Plays an honest challenger against `_b` to the end, measuring each call's gas.
    ///      Returns (total gas of open + moves + the settlement that voids the claim, number of moves after open).
    function _measuredGame(Built memory _b, StepProof memory _proof, bool _perMove)
        internal
        returns (uint256 total_, uint256 moves_)
    {
        uint256 g0 = gasleft();
        vm.prank(challenger);
        uint256 id = game.open(_b.claimId);
        total_ = g0 - gasleft();
        if (_perMove) _emit("move", "open", total_);
        bool firstAgree = true;
        bool firstDisagree = true;
        while (game.game(id).status == GameStatus.InProgress) {
            IDisputeGame.Game memory g = game.game(id);
            Position p = g.position;
            uint256 used;
            if (p.width() == 1) {
                vm.prank(challenger);
                g0 = gasleft();
                game.step(id, p, _proof);
                used = g0 - gasleft();
                if (_perMove) _emit("move", "step (invalid tx, no witness) + challenger wins the game", used);
            } else if (g.turn == Side.Claimant) {
                bytes32 mid = SyntheticClaims.commitment(_b.parent, p.mid(), _b.wrongAt);
                vm.prank(claimant);
                g0 = gasleft();
                game.bisect(id, p, mid);
                used = g0 - gasleft();
                if (_perMove && moves_ == 0) _emit("move", "bisect", used);
            } else {
                bool agree = g.midCommitment == SyntheticClaims.commitment(_b.parent, p.mid(), SyntheticClaims.NO_LIE);
                vm.prank(challenger);
                g0 = gasleft();
                game.respond(id, p, g.midCommitment, agree);
                used = g0 - gasleft();
                if (_perMove && agree && firstAgree) _emit("move", "respond (agree)", used);
                if (_perMove && !agree && firstDisagree) _emit("move", "respond (disagree)", used);
                if (agree) firstAgree = false;
                else firstDisagree = false;
            }
            total_ += used;
            moves_++;
        }
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ChallengerWon));
        // The claim is voided once nobody else may defend it: the settlement is part of the game's cost.
        vm.warp(uint256(game.challenge(id).openedAt) + game.defenseWindow() + 1);
        g0 = gasleft();
        game.resolveChallenge(id);
        uint256 settled = g0 - gasleft();
        if (_perMove) _emit("move", "resolveChallenge (claim voided + bond slashed and shared)", settled);
        total_ += settled;
    }
}

/// @notice Per-move gas and whole games of 16 and 1,000 transactions on the real AttributionLedger.
contract DisputeGame_BenchRealLedger_Test is DisputeBench {
    function _realLedger() internal pure override returns (bool) {
        return true;
    }

    function test_bench_realLedger() public {
        if (!_enabled()) return;
        _warmUp();
        uint256 snapshot = vm.snapshotState();
        Built memory b = _claim(1000, 500);
        (uint256 total, uint256 moves) = _measuredGame(b, _stepProof(b, 500), true);
        _emit("game-real", "1000.gas", total);
        _emit("game-real", "1000.moves", moves);
        vm.revertToState(snapshot);

        Built memory e = _claim(16, 8);
        (total, moves) = _measuredGame(e, _stepProof(e, 8), false);
        _emit("game-real", "16.gas", total);
        _emit("game-real", "16.moves", moves);
        vm.revertToState(snapshot);

        // The other endings: a challenger out of time (claimant wins) and a claimant out of time (claim void).
        Built memory c = _claim(16, SyntheticClaims.NO_LIE);
        vm.prank(challenger);
        uint256 id = game.open(c.claimId);
        vm.prank(claimant);
        game.bisect(id, _pos(0, 16), c.claimed[8]);
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        uint256 g0 = gasleft();
        game.resolve(id);
        _emit("move", "resolve (timeout, claimant wins)", g0 - gasleft());
        g0 = gasleft();
        game.claimCredit(claimant);
        _emit("move", "claimCredit", g0 - gasleft());

        Built memory d = _claim(16, 3);
        vm.prank(challenger);
        id = game.open(d.claimId);
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        g0 = gasleft();
        game.resolve(id);
        _emit("move", "resolve (timeout, claim voided + bond slashed)", g0 - gasleft());

        // A third party's defense of an honest claim whose poster is silent.
        Built memory f = _claim(16, SyntheticClaims.NO_LIE);
        vm.prank(challenger);
        id = game.open(f.claimId);
        vm.prank(anyone);
        g0 = gasleft();
        game.defend(id);
        _emit("move", "defend (third party)", g0 - gasleft());
    }
}

/// @notice One-step proofs of real transactions (K = 4, 8 = max) and whole games up to 100,000 transactions on a
///         mock of the ledger hooks, whose claim carries a tx root built from the one path the step opens.
contract DisputeGame_BenchMockLedger_Test is DisputeBench {
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

    function test_bench_oneStepProof() public {
        if (!_enabled()) return;
        string memory json = vm.readFile("test/vectors/dispute.json");
        registry.load(vm.parseJsonBytes(json, ".registry"));
        SigmaContext memory ctx = SigmaContext({
            domainSeparator: Sigma.domainSeparator(
                vm.parseJsonUint(json, ".context.chainId"), vm.parseJsonAddress(json, ".context.ledger")
            ),
            protocol: vm.parseJsonAddress(json, ".context.protocol"),
            referenceTime: uint64(vm.parseJsonUint(json, ".context.referenceTime")),
            maxEntries: vm.parseJsonUint(json, ".context.maxEntries"),
            contributions: IContributionViews(address(registry)),
            models: IModelViews(address(registry))
        });
        uint256 last = vm.parseJsonUint(json, ".kBatch");
        Steps memory s =
            abi.decode(vm.parseJsonBytes(json, string.concat(".batches[", vm.toString(last), "].steps")), (Steps));
        bytes32 root = vm.parseJsonBytes32(json, string.concat(".batches[", vm.toString(last), "].txRoot"));
        string[2] memory names =
            ["verifyStep K=4 (valid Attribute, 4 entries)", "verifyStep K=8 = max (valid Attribute, 8 entries)"];
        for (uint256 i = 0; i < 2; i++) {
            StepProof memory p = StepProof(
                State(s.preRoots[i], s.preCredited[i], s.preCharged[i], s.preTxCounts[i]),
                s.txs[i],
                s.txProofs[i],
                s.witnesses[i]
            );
            uint256 g0 = gasleft();
            bytes32 post = verifier.verifyStep(ctx, root, s.txs.length, i, s.commitments[i], p);
            _emit("step", names[i], g0 - gasleft());
            assertEq(post, s.commitments[i + 1]);
            _emit(
                "step",
                string.concat(names[i], " calldata bytes"),
                s.txs[i].length + s.witnesses[i].length + 32 * s.txProofs[i].length + 128
            );
        }
    }

    function test_bench_wholeGames() public {
        if (!_enabled()) return;
        _warmUp();
        uint256[3] memory sizes = [uint256(16), 1000, 100_000];
        uint256 snapshot = vm.snapshotState();
        for (uint256 k = 0; k < 3; k++) {
            (Built memory b, StepProof memory proof) = _pathClaim(sizes[k], sizes[k] / 2);
            (uint256 total, uint256 moves) = _measuredGame(b, proof, false);
            _emit("game-mock", string.concat(vm.toString(sizes[k]), ".gas"), total);
            _emit("game-mock", string.concat(vm.toString(sizes[k]), ".moves"), moves);
            vm.revertToState(snapshot);
        }
    }

    /// @dev A claim of `_n` transactions wrong at `_wrongAt` whose tx root is built from transaction
    ///      `_wrongAt`'s leaf and arbitrary siblings: all the step ever opens of a 100,000-tx tree.
    function _pathClaim(uint256 _n, uint256 _wrongAt) internal returns (Built memory b_, StepProof memory p_) {
        uint256 depth;
        while ((uint256(1) << depth) < _n) depth++;
        bytes memory txBytes = SyntheticClaims.syntheticTx(_wrongAt);
        bytes32[] memory path = new bytes32[](depth);
        bytes32 node = keccak256(txBytes);
        for (uint256 l = 0; l < depth; l++) {
            path[l] = keccak256(abi.encode("sibling", l));
            node = (_wrongAt >> l) & 1 == 1
                ? keccak256(abi.encodePacked(path[l], node))
                : keccak256(abi.encodePacked(node, path[l]));
        }
        b_.wrongAt = _wrongAt;
        b_.parent = _parentState();
        b_.claimId = _post(
            node,
            SyntheticClaims.commitment(b_.parent, 0, _wrongAt),
            SyntheticClaims.commitment(b_.parent, _n, _wrongAt),
            _n,
            _context()
        );
        p_ = StepProof(SyntheticClaims.state(b_.parent, _wrongAt, SyntheticClaims.NO_LIE), txBytes, path, "");
    }

    /// @notice Worst-case wall time: both sides always move at the last second their clocks allow.
    function test_bench_worstCaseWallTime() public {
        if (!_enabled()) return;
        DisputePresets.Params[3] memory presets =
            [DisputePresets.local(), DisputePresets.testnet(), DisputePresets.mainnet()];
        uint256[2] memory sizes = [uint256(1000), 100_000];
        for (uint256 k = 0; k < 3; k++) {
            for (uint256 z = 0; z < 2; z++) {
                _stallGame(presets[k], sizes[z]);
            }
        }
    }

    function _stallGame(DisputePresets.Params memory _p, uint256 _n) internal {
        game = new DisputeGame(
            token, ledger, verifier, _p.maxClockDuration, _p.clockExtension, _p.challengeBond, _p.burnBps
        );
        mock.setDisputeGame(address(game));
        vm.prank(challenger);
        token.approve(address(game), type(uint256).max);
        (Built memory b, StepProof memory proof) = _pathClaim(_n, _n / 3);
        uint256 start = block.timestamp;
        vm.prank(challenger);
        uint256 id = game.open(b.claimId);
        uint256 moves;
        while (game.game(id).status == GameStatus.InProgress) {
            IDisputeGame.Game memory g = game.game(id);
            vm.warp(block.timestamp + _p.maxClockDuration - game.elapsed(id, g.turn));
            Position p = g.position;
            if (p.width() == 1) {
                vm.prank(challenger);
                game.step(id, p, proof);
            } else if (g.turn == Side.Claimant) {
                vm.prank(claimant);
                game.bisect(id, p, SyntheticClaims.commitment(b.parent, p.mid(), b.wrongAt));
            } else {
                bool agree = g.midCommitment == SyntheticClaims.commitment(b.parent, p.mid(), SyntheticClaims.NO_LIE);
                vm.prank(challenger);
                game.respond(id, p, g.midCommitment, agree);
            }
            moves++;
        }
        string memory key = string.concat(_p.name, ".", vm.toString(_n));
        _emit("wall", string.concat(key, ".seconds"), block.timestamp - start);
        _emit("wall", string.concat(key, ".moves"), moves);
        _emit("wall", string.concat(key, ".clock"), _p.maxClockDuration);
        _emit("wall", string.concat(key, ".extension"), _p.clockExtension);
        // The bound of docs/dispute-game.md: 2·clock + (moves − 2)·extension.
        assertEq(block.timestamp - start, 2 * uint256(_p.maxClockDuration) + (moves - 2) * _p.clockExtension);
    }
}
