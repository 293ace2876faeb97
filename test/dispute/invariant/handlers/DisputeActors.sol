// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {GameStatus, Position, Side} from "src/libraries/GameTypes.sol";
import {Sigma, State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {SyntheticClaims} from "test/dispute/utils/SyntheticClaims.sol";

/// @notice The actors of the dispute invariant suite, after Optimism's FaultDisputeActors: an honest
///         claimant and an honest challenger that always move right and in time, and random actors (a
///         lying claimant, a random challenger) that do anything. Ghost variables track what the game
///         contract must hold.
contract DisputeActors is Test {
    uint256 internal constant MAX_CLAIMS = 10;
    uint256 internal constant MAX_TXS = 40;

    DisputeGame public immutable GAME;
    AttributionLedger public immutable LEDGER;
    IERC20 public immutable TOKEN;

    address public immutable HONEST_CLAIMANT;
    address public immutable LIAR_CLAIMANT;
    address public immutable HONEST_CHALLENGER;
    address public immutable RANDOM_CHALLENGER;

    struct ClaimInfo {
        uint256 claimId;
        uint256 n;
        uint256 wrongAt;
        State parent;
    }

    struct GameInfo {
        uint256 gameId;
        uint256 claimIdx;
        bool honestChallenger;
        bool concluded;
    }

    ClaimInfo[] internal _claims;
    GameInfo[] internal _games;
    /// @dev Claim index → the honest challenger has opened a game on it.
    mapping(uint256 => bool) internal _challengedByHonest;

    /// @notice Σ bonds of games not yet concluded, counted by the handler.
    uint256 public ghostBonded;
    /// @notice Games an honest actor lost (must stay 0).
    uint256 public ghostHonestLosses;
    /// @notice Honest moves that reverted (must stay 0: an honest actor is never locked out).
    uint256 public ghostHonestMoveFailures;
    /// @notice Wrong claims that an honest challenger disputed and that are not void after its game.
    uint256 public ghostWrongClaimsSurvived;
    /// @notice Games concluded.
    uint256 public ghostConcluded;
    /// @notice Claims finalized.
    uint256 public ghostFinalized;
    /// @notice Wrong claims finalized (must stay 0: the honest challenger watches every claim).
    uint256 public ghostWrongFinalized;

    constructor(
        DisputeGame _game,
        AttributionLedger _ledger,
        address _honestClaimant,
        address _liarClaimant,
        address _honestChallenger,
        address _randomChallenger
    ) {
        GAME = _game;
        LEDGER = _ledger;
        TOKEN = IERC20(address(_game.TOKEN()));
        HONEST_CLAIMANT = _honestClaimant;
        LIAR_CLAIMANT = _liarClaimant;
        HONEST_CHALLENGER = _honestChallenger;
        RANDOM_CHALLENGER = _randomChallenger;
    }

    /* ACTIONS */

    /// @notice A claimant posts a synthetic claim, honest or wrong at one transaction.
    function postClaim(uint256 _nSeed, uint256 _lieSeed, bool _liar) external {
        if (_claims.length >= MAX_CLAIMS) return;
        uint256 n = bound(_nSeed, 1, MAX_TXS);
        uint256 wrongAt = _liar ? bound(_lieSeed, 0, n - 1) : SyntheticClaims.NO_LIE;
        uint256 parentId = _liveTip();
        IAttributionLedger.Claim memory p = LEDGER.claim(parentId);
        State memory parent = State(p.accountsRoot, p.totalCredited, 0, p.txCount);
        (bytes[] memory txs,) = SyntheticClaims.txs(n);
        vm.prank(_liar ? LIAR_CLAIMANT : HONEST_CLAIMANT);
        try LEDGER.postClaim(
            parentId,
            SyntheticClaims.concat(txs),
            SyntheticClaims.state(parent, n, wrongAt),
            uint64(block.timestamp - 1),
            new Debit[](0)
        ) returns (
            uint256 id
        ) {
            _claims.push(ClaimInfo(id, n, wrongAt, parent));
        } catch {}
    }

    /// @notice The honest challenger disputes a wrong pending claim.
    function honestChallenge(uint256 _claimSeed) external {
        if (_claims.length == 0) return;
        uint256 idx = bound(_claimSeed, 0, _claims.length - 1);
        if (_claims[idx].wrongAt == SyntheticClaims.NO_LIE) return;
        _openAs(HONEST_CHALLENGER, idx, true);
    }

    /// @notice The random challenger disputes any claim.
    function randomChallenge(uint256 _claimSeed) external {
        if (_claims.length == 0) return;
        _openAs(RANDOM_CHALLENGER, bound(_claimSeed, 0, _claims.length - 1), false);
    }

    /// @notice A random actor moves in a game where it plays: the random challenger answers at random or
    ///         steps; the lying claimant bisects with its claimed states or with garbage.
    function randomMove(uint256 _gameSeed, uint256 _choice) external {
        if (_games.length == 0) return;
        GameInfo memory info = _games[bound(_gameSeed, 0, _games.length - 1)];
        IDisputeGame.Game memory g = GAME.game(info.gameId);
        if (g.status != GameStatus.InProgress) return;
        ClaimInfo memory c = _claims[info.claimIdx];
        Position p = g.position;
        if (g.turn == Side.Challenger && !info.honestChallenger) {
            if (p.width() == 1) {
                vm.prank(RANDOM_CHALLENGER);
                try GAME.step(info.gameId, p, _proof(c, p.lo(), g.loCommitment)) {} catch {}
            } else {
                vm.prank(RANDOM_CHALLENGER);
                try GAME.respond(info.gameId, p, g.midCommitment, _choice % 2 == 0) {} catch {}
            }
        } else if (g.turn == Side.Claimant && c.wrongAt != SyntheticClaims.NO_LIE) {
            bytes32 mid = _choice % 3 == 0
                ? keccak256(abi.encode(_choice))
                : SyntheticClaims.commitment(c.parent, p.mid(), c.wrongAt);
            vm.prank(LIAR_CLAIMANT);
            try GAME.bisect(info.gameId, p, mid) {} catch {}
        }
        _sync();
    }

    /// @notice Time passes; the honest actors, always online, make their moves first.
    function warp(uint256 _seconds) external {
        _honestActAll();
        vm.warp(block.timestamp + bound(_seconds, 1, GAME.MAX_CLOCK_DURATION()));
        _sync();
    }

    /// @notice Anyone resolves a game.
    function resolve(uint256 _gameSeed) external {
        if (_games.length == 0) return;
        try GAME.resolve(_games[bound(_gameSeed, 0, _games.length - 1)].gameId) {} catch {}
        _sync();
    }

    /// @notice Anyone voids a claim whose parent is void.
    function voidDescendant(uint256 _claimSeed) external {
        if (_claims.length == 0) return;
        try LEDGER.voidDescendant(_claims[bound(_claimSeed, 0, _claims.length - 1)].claimId) {} catch {}
        _sync();
    }

    /// @notice Anyone finalizes a claim (only possible once its window passed with no game open).
    function finalize(uint256 _claimSeed) external {
        if (_claims.length == 0) return;
        uint256 id = _claims[bound(_claimSeed, 0, _claims.length - 1)].claimId;
        try LEDGER.finalize(id) {
            ghostFinalized++;
            if (_claims[bound(_claimSeed, 0, _claims.length - 1)].wrongAt != SyntheticClaims.NO_LIE) {
                ghostWrongFinalized++;
            }
        } catch {}
    }

    /// @notice Anyone pays out an actor's credit.
    function claimCredit(uint256 _who) external {
        address a = actors()[bound(_who, 0, 3)];
        if (GAME.credit(a) == 0) return;
        GAME.claimCredit(a);
    }

    /// @notice Ends every game: honest moves, time past every clock, resolutions, void descendants, payouts.
    function finishAll() external {
        for (uint256 round = 0; round < 3; round++) {
            _honestActAll();
            vm.warp(block.timestamp + 2 * uint256(GAME.MAX_CLOCK_DURATION()) + 1);
            for (uint256 i = 0; i < _games.length; i++) {
                if (GAME.game(_games[i].gameId).status == GameStatus.InProgress) GAME.resolve(_games[i].gameId);
            }
            _sync();
        }
        address[4] memory all = actors();
        for (uint256 i = 0; i < 4; i++) {
            if (GAME.credit(all[i]) != 0) GAME.claimCredit(all[i]);
        }
    }

    /* HONEST PLAY */

    function _honestActAll() internal {
        // The honest challenger watches the chain: every wrong pending claim gets a game.
        for (uint256 c = 0; c < _claims.length; c++) {
            if (_claims[c].wrongAt == SyntheticClaims.NO_LIE || _challengedByHonest[c]) continue;
            if (LEDGER.claim(_claims[c].claimId).status != IAttributionLedger.Status.Pending) continue;
            _openAs(HONEST_CHALLENGER, c, true);
            if (!_challengedByHonest[c]) ghostHonestMoveFailures++;
        }
        for (uint256 i = 0; i < _games.length; i++) {
            // An honest side moves at most twice in a row (answer, then the step).
            for (uint256 k = 0; k < 3; k++) {
                if (!_honestAct(_games[i])) break;
            }
        }
        _sync();
    }

    /// @dev Makes the honest move in `_info` if an honest actor is to move; returns whether it moved.
    function _honestAct(GameInfo memory _info) internal returns (bool moved_) {
        IDisputeGame.Game memory g = GAME.game(_info.gameId);
        if (g.status != GameStatus.InProgress) return false;
        ClaimInfo memory c = _claims[_info.claimIdx];
        bool honestClaim = c.wrongAt == SyntheticClaims.NO_LIE;
        Position p = g.position;
        bool ok = true;
        if (p.width() == 1 && (_info.honestChallenger || honestClaim)) {
            // The step decides by σ; the honest side brings it as soon as it can.
            vm.prank(_info.honestChallenger ? HONEST_CHALLENGER : HONEST_CLAIMANT);
            try GAME.step(_info.gameId, p, _proof(c, p.lo(), g.loCommitment)) {}
            catch {
                ok = false;
            }
        } else if (g.turn == Side.Claimant && honestClaim) {
            vm.prank(HONEST_CLAIMANT);
            try GAME.bisect(_info.gameId, p, SyntheticClaims.commitment(c.parent, p.mid(), SyntheticClaims.NO_LIE)) {}
            catch {
                ok = false;
            }
        } else if (g.turn == Side.Challenger && _info.honestChallenger) {
            bool agree = g.midCommitment == SyntheticClaims.commitment(c.parent, p.mid(), SyntheticClaims.NO_LIE);
            vm.prank(HONEST_CHALLENGER);
            try GAME.respond(_info.gameId, p, g.midCommitment, agree) {}
            catch {
                ok = false;
            }
        } else {
            return false;
        }
        if (!ok) ghostHonestMoveFailures++;
        moved_ = ok;
    }

    /* BOOKKEEPING */

    function _openAs(address _who, uint256 _idx, bool _honest) internal {
        vm.prank(_who);
        try GAME.open(_claims[_idx].claimId) returns (uint256 id) {
            _games.push(GameInfo(id, _idx, _honest, false));
            if (_honest) _challengedByHonest[_idx] = true;
            ghostBonded += GAME.CHALLENGE_BOND();
        } catch {}
    }

    /// @dev Records games that ended since the last look and checks who won.
    function _sync() internal {
        for (uint256 i = 0; i < _games.length; i++) {
            GameInfo storage info = _games[i];
            if (info.concluded) continue;
            GameStatus s = GAME.game(info.gameId).status;
            if (s == GameStatus.InProgress) continue;
            info.concluded = true;
            ghostConcluded++;
            ghostBonded -= GAME.CHALLENGE_BOND();
            ClaimInfo memory c = _claims[info.claimIdx];
            if (info.honestChallenger && s == GameStatus.ClaimantWon) ghostHonestLosses++;
            if (c.wrongAt == SyntheticClaims.NO_LIE && s == GameStatus.ChallengerWon) ghostHonestLosses++;
            if (info.honestChallenger && LEDGER.claim(c.claimId).status != IAttributionLedger.Status.Void) {
                // An honest game on a wrong claim only ends with the claim void (won or refunded).
                ghostWrongClaimsSurvived++;
            }
        }
    }

    /// @dev The one-step proof from whichever synthetic state was agreed at `_index`.
    function _proof(ClaimInfo memory _c, uint256 _index, bytes32 _agreed) internal pure returns (StepProof memory p_) {
        (bytes[] memory txs, bytes32[] memory leaves) = SyntheticClaims.txs(_c.n);
        State memory pre = SyntheticClaims.state(_c.parent, _index, SyntheticClaims.NO_LIE);
        if (Sigma.commitment(pre) != _agreed) pre = SyntheticClaims.state(_c.parent, _index, _c.wrongAt);
        p_ = StepProof(pre, txs[_index], SyntheticClaims.txProof(leaves, _index), "");
    }

    /// @dev The newest claim that is not void: a claim can be posted on it (it has no live child).
    function _liveTip() internal view returns (uint256 id_) {
        id_ = LEDGER.claimCount();
        while (LEDGER.claim(id_).status == IAttributionLedger.Status.Void) {
            id_ = LEDGER.claim(id_).parentId;
        }
    }

    /* VIEWS */

    function actors() public view returns (address[4] memory actors_) {
        actors_ = [HONEST_CLAIMANT, LIAR_CLAIMANT, HONEST_CHALLENGER, RANDOM_CHALLENGER];
    }

    function gameCount() external view returns (uint256 count_) {
        count_ = _games.length;
    }

    function claimCount() external view returns (uint256 count_) {
        count_ = _claims.length;
    }
}
