// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {ChallengeStatus, GameStatus, Position, Side} from "src/libraries/GameTypes.sol";
import {Sigma, State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {SyntheticClaims} from "test/dispute/utils/SyntheticClaims.sol";

/// @notice The actors of the dispute invariant suite, after Optimism's FaultDisputeActors: an honest
///         attributor (posts honest claims, defends every honest claim it did not post against every
///         challenge) and an honest challenger that always move right and in time; and attackers that do
///         anything: a lying claimant, a lazy claimant that posts honest claims and never defends them, a
///         random challenger, and the liar's sock puppet (challenges any claim, the liar's own included, and
///         opens defenses of any claim). Ghost variables track what the game contract must hold.
contract DisputeActors is Test {
    uint256 internal constant MAX_CLAIMS = 10;
    uint256 internal constant MAX_TXS = 40;
    uint256 internal constant MAX_CHALLENGES = 24;
    uint256 internal constant ACTORS = 6;

    DisputeGame public immutable GAME;
    AttributionLedger public immutable LEDGER;
    IERC20 public immutable TOKEN;

    address public immutable HONEST_CLAIMANT;
    address public immutable LIAR_CLAIMANT;
    address public immutable HONEST_CHALLENGER;
    address public immutable RANDOM_CHALLENGER;
    address public immutable LAZY_CLAIMANT;
    address public immutable SOCK;

    struct ClaimInfo {
        uint256 claimId;
        uint256 n;
        uint256 wrongAt;
        State parent;
    }

    struct GameInfo {
        uint256 gameId;
        uint256 claimIdx;
        bool concluded;
    }

    struct ChallengeInfo {
        uint256 challengeId;
        uint256 claimIdx;
        bool honestChallenger;
        bool honestDefended;
        bool settled;
    }

    ClaimInfo[] internal _claims;
    GameInfo[] internal _games;
    ChallengeInfo[] internal _challenges;
    /// @dev Claim index → the honest challenger has opened a challenge on it.
    mapping(uint256 => bool) internal _challengedByHonest;

    /// @notice Σ bonds in play (open challenges, defense games in progress), counted by the handler.
    uint256 public ghostBonded;
    /// @notice Games or challenges an honest actor lost, and honest claims voided by a game (must stay 0).
    uint256 public ghostHonestLosses;
    /// @notice Honest moves that reverted (must stay 0: an honest actor is never locked out).
    uint256 public ghostHonestMoveFailures;
    /// @notice Honest challenges on wrong claims that ended without the claim void (must stay 0).
    uint256 public ghostWrongClaimsSurvived;
    /// @notice Honest challenges that voided (or shared the void of) a claim and were not paid a share.
    uint256 public ghostHonestUnpaid;
    /// @notice Games concluded.
    uint256 public ghostConcluded;
    /// @notice Challenges settled.
    uint256 public ghostSettled;
    /// @notice Claims finalized.
    uint256 public ghostFinalized;
    /// @notice Wrong claims finalized (must stay 0: the honest challenger watches every claim).
    uint256 public ghostWrongFinalized;

    constructor(DisputeGame _game, AttributionLedger _ledger, address[6] memory _actors) {
        GAME = _game;
        LEDGER = _ledger;
        TOKEN = IERC20(address(_game.TOKEN()));
        HONEST_CLAIMANT = _actors[0];
        LIAR_CLAIMANT = _actors[1];
        HONEST_CHALLENGER = _actors[2];
        RANDOM_CHALLENGER = _actors[3];
        LAZY_CLAIMANT = _actors[4];
        SOCK = _actors[5];
    }

    /* ACTIONS */

    /// @notice A claimant posts a synthetic claim: the honest attributor or the lazy one (honest), or the
    ///         liar (wrong at one transaction).
    function postClaim(uint256 _nSeed, uint256 _lieSeed, uint8 _who) external {
        if (_claims.length >= MAX_CLAIMS) return;
        uint256 who = _who % 3;
        uint256 n = bound(_nSeed, 1, MAX_TXS);
        uint256 wrongAt = who == 1 ? bound(_lieSeed, 0, n - 1) : SyntheticClaims.NO_LIE;
        uint256 parentId = _liveTip();
        IAttributionLedger.Claim memory p = LEDGER.claim(parentId);
        State memory parent = State(p.accountsRoot, p.totalCredited, 0, p.txCount);
        (bytes[] memory txs,) = SyntheticClaims.txs(n);
        vm.prank(who == 0 ? HONEST_CLAIMANT : who == 1 ? LIAR_CLAIMANT : LAZY_CLAIMANT);
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
        _openAs(HONEST_CHALLENGER, idx);
    }

    /// @notice The random challenger disputes any claim.
    function randomChallenge(uint256 _claimSeed) external {
        if (_claims.length == 0) return;
        _openAs(RANDOM_CHALLENGER, bound(_claimSeed, 0, _claims.length - 1));
    }

    /// @notice The liar's sock puppet challenges any claim (its master's wrong ones, to race the honest
    ///         challenger for the slashed bond; the lazy claimant's honest ones, to void them).
    function sockChallenge(uint256 _claimSeed) external {
        if (_claims.length == 0) return;
        _openAs(SOCK, bound(_claimSeed, 0, _claims.length - 1));
    }

    /// @notice The sock puppet opens a defense against any open challenge (to stall the honest challenger).
    function sockDefend(uint256 _challengeSeed) external {
        if (_challenges.length == 0) return;
        ChallengeInfo memory info = _challenges[bound(_challengeSeed, 0, _challenges.length - 1)];
        vm.prank(SOCK);
        try GAME.defend(info.challengeId) returns (uint256 id) {
            _games.push(GameInfo(id, info.claimIdx, false));
        } catch {}
        _sync();
    }

    /// @notice An attacker moves in a game where it plays: a random or sock challenger answers at random or
    ///         steps; a lying or sock defender bisects with the liar's states or with garbage.
    function randomMove(uint256 _gameSeed, uint256 _choice) external {
        if (_games.length == 0) return;
        GameInfo memory info = _games[bound(_gameSeed, 0, _games.length - 1)];
        IDisputeGame.Game memory g = GAME.game(info.gameId);
        if (g.status != GameStatus.InProgress) return;
        ClaimInfo memory c = _claims[info.claimIdx];
        Position p = g.position;
        if (g.turn == Side.Challenger && (g.challenger == RANDOM_CHALLENGER || g.challenger == SOCK)) {
            vm.startPrank(g.challenger);
            if (p.width() == 1) {
                try GAME.step(info.gameId, p, _proof(c, p.lo(), g.loCommitment)) {} catch {}
            } else {
                try GAME.respond(info.gameId, p, g.midCommitment, _choice % 2 == 0) {} catch {}
            }
            vm.stopPrank();
        } else if (g.turn == Side.Claimant && (g.claimant == LIAR_CLAIMANT || g.claimant == SOCK)) {
            bytes32 mid = _choice % 3 == 0
                ? keccak256(abi.encode(_choice))
                : SyntheticClaims.commitment(c.parent, p.mid(), c.wrongAt);
            vm.prank(g.claimant);
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

    /// @notice Anyone settles a challenge.
    function resolveChallenge(uint256 _challengeSeed) external {
        if (_challenges.length == 0) return;
        try GAME.resolveChallenge(_challenges[bound(_challengeSeed, 0, _challenges.length - 1)].challengeId) {} catch {}
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
        uint256 idx = bound(_claimSeed, 0, _claims.length - 1);
        try LEDGER.finalize(_claims[idx].claimId) {
            ghostFinalized++;
            if (_claims[idx].wrongAt != SyntheticClaims.NO_LIE) ghostWrongFinalized++;
        } catch {}
    }

    /// @notice Anyone pays out an actor's credit.
    function claimCredit(uint256 _who) external {
        address a = actors()[bound(_who, 0, ACTORS - 1)];
        if (GAME.credit(a) == 0) return;
        GAME.claimCredit(a);
    }

    /// @notice Ends everything: honest moves, time past every clock, resolutions, settlements, payouts.
    function finishAll() external {
        for (uint256 round = 0; round < 3; round++) {
            _honestActAll();
            vm.warp(block.timestamp + 2 * uint256(GAME.MAX_CLOCK_DURATION()) + 1);
            for (uint256 i = 0; i < _games.length; i++) {
                if (GAME.game(_games[i].gameId).status == GameStatus.InProgress) GAME.resolve(_games[i].gameId);
            }
            for (uint256 i = 0; i < _challenges.length; i++) {
                uint256 id = _challenges[i].challengeId;
                if (GAME.challenge(id).status == ChallengeStatus.Open) GAME.resolveChallenge(id);
            }
            _sync();
        }
        address[ACTORS] memory all = actors();
        for (uint256 i = 0; i < ACTORS; i++) {
            if (GAME.credit(all[i]) != 0) GAME.claimCredit(all[i]);
        }
    }

    /* HONEST PLAY */

    function _honestActAll() internal {
        // The honest challenger watches the chain: every wrong pending claim gets a challenge.
        for (uint256 c = 0; c < _claims.length; c++) {
            if (_claims[c].wrongAt == SyntheticClaims.NO_LIE || _challengedByHonest[c]) continue;
            if (LEDGER.claim(_claims[c].claimId).status != IAttributionLedger.Status.Pending) continue;
            _openAs(HONEST_CHALLENGER, c);
            if (!_challengedByHonest[c]) ghostHonestMoveFailures++;
        }
        // The honest attributor defends every honest pending claim it did not post, once per challenge.
        for (uint256 k = 0; k < _challenges.length; k++) {
            ChallengeInfo storage info = _challenges[k];
            if (info.honestDefended || _claims[info.claimIdx].wrongAt != SyntheticClaims.NO_LIE) continue;
            IDisputeGame.Challenge memory ch = GAME.challenge(info.challengeId);
            if (ch.status != ChallengeStatus.Open) continue;
            if (LEDGER.claim(ch.claimId).status != IAttributionLedger.Status.Pending) continue;
            info.honestDefended = true;
            if (LEDGER.claim(ch.claimId).claimant == HONEST_CLAIMANT) continue;
            vm.prank(HONEST_CLAIMANT);
            try GAME.defend(info.challengeId) returns (uint256 id) {
                _games.push(GameInfo(id, info.claimIdx, false));
            } catch {
                ghostHonestMoveFailures++;
            }
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
        bool honestDefender = g.claimant == HONEST_CLAIMANT && c.wrongAt == SyntheticClaims.NO_LIE;
        bool honestChallenger = g.challenger == HONEST_CHALLENGER;
        Position p = g.position;
        bool ok = true;
        if (p.width() == 1 && (honestChallenger || honestDefender)) {
            // The step decides by σ; the honest side brings it as soon as it can.
            vm.prank(honestChallenger ? HONEST_CHALLENGER : HONEST_CLAIMANT);
            try GAME.step(_info.gameId, p, _proof(c, p.lo(), g.loCommitment)) {}
            catch {
                ok = false;
            }
        } else if (g.turn == Side.Claimant && honestDefender) {
            vm.prank(HONEST_CLAIMANT);
            try GAME.bisect(_info.gameId, p, SyntheticClaims.commitment(c.parent, p.mid(), SyntheticClaims.NO_LIE)) {}
            catch {
                ok = false;
            }
        } else if (g.turn == Side.Challenger && honestChallenger) {
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

    function _openAs(address _who, uint256 _idx) internal {
        if (_challenges.length >= MAX_CHALLENGES) return;
        vm.prank(_who);
        try GAME.open(_claims[_idx].claimId) returns (uint256 id) {
            _games.push(GameInfo(id, _idx, false));
            _challenges.push(ChallengeInfo(id, _idx, _who == HONEST_CHALLENGER, false, false));
            if (_who == HONEST_CHALLENGER) _challengedByHonest[_idx] = true;
        } catch {}
        _sync();
    }

    /// @dev Records games and challenges that ended since the last look, checks who won, recounts the bonds.
    function _sync() internal {
        uint256 bonded;
        for (uint256 i = 0; i < _games.length; i++) {
            GameInfo storage info = _games[i];
            IDisputeGame.Game memory g = GAME.game(info.gameId);
            bonded += g.bond;
            if (info.concluded || g.status == GameStatus.InProgress) continue;
            info.concluded = true;
            ghostConcluded++;
            bool honestClaim = _claims[info.claimIdx].wrongAt == SyntheticClaims.NO_LIE;
            if (g.challenger == HONEST_CHALLENGER && g.status == GameStatus.ClaimantWon) ghostHonestLosses++;
            if (g.claimant == HONEST_CLAIMANT && honestClaim && g.status == GameStatus.ChallengerWon) {
                ghostHonestLosses++;
            }
        }
        for (uint256 k = 0; k < _challenges.length; k++) {
            ChallengeInfo storage info = _challenges[k];
            IDisputeGame.Challenge memory ch = GAME.challenge(info.challengeId);
            bonded += ch.bond;
            if (info.settled || ch.status == ChallengeStatus.Open) continue;
            info.settled = true;
            ghostSettled++;
            bool honestClaim = _claims[info.claimIdx].wrongAt == SyntheticClaims.NO_LIE;
            // A challenge is Sustained only when a challenge voided its claim: never for an honest claim.
            if (honestClaim && ch.status == ChallengeStatus.Sustained) ghostHonestLosses++;
            if (info.honestChallenger) {
                if (ch.status == ChallengeStatus.Defended) ghostHonestLosses++;
                if (LEDGER.claim(ch.claimId).status != IAttributionLedger.Status.Void) ghostWrongClaimsSurvived++;
                if (ch.status == ChallengeStatus.Sustained && GAME.slashShare(ch.claimId) == 0) ghostHonestUnpaid++;
            }
        }
        ghostBonded = bonded;
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

    function actors() public view returns (address[ACTORS] memory actors_) {
        actors_ = [HONEST_CLAIMANT, LIAR_CLAIMANT, HONEST_CHALLENGER, RANDOM_CHALLENGER, LAZY_CLAIMANT, SOCK];
    }

    function gameCount() external view returns (uint256 count_) {
        count_ = _games.length;
    }

    function challengeCount() external view returns (uint256 count_) {
        count_ = _challenges.length;
    }

    function claimCount() external view returns (uint256 count_) {
        count_ = _claims.length;
    }
}
