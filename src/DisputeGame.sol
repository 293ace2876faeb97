// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {ChallengeStatus, Clock, GameStatus, LibClock, LibPosition, Position, Side} from "src/libraries/GameTypes.sol";
import {SigmaContext} from "src/libraries/Sigma.sol";

/// @title DisputeGame
/// @notice Many bisection games at once over pending ledger claims (docs/dispute-game.md).
/// @dev A challenge is one bonded challenger against every defense opened within the defense window: the
///      claim's poster defends in its first game, and anyone else that agrees with the claim may open its
///      own bonded defense game. Each game is a two-party bisection between one defender (who commits
///      midpoint states) and the challenger (who agrees or disagrees), down to one transaction that
///      `OneStepVerifier` re-executes. One defense won decides the challenge for the claim; the claim is
///      voided only when the challenger has beaten every defense and the window is closed. Each side
///      has a chess clock; `elapsed` is the single clock function that both gates moves and resolves.
///      Payouts are credited and pulled with `claimCredit`, so no transfer can block a resolution.
contract DisputeGame is IDisputeGame {
    using SafeERC20 for IERC20;

    /// @notice Where the burned share of a lost bond goes (OpenToken has no burn).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    /// @notice Basis points denominator.
    uint256 internal constant BPS = 10_000;

    /// @notice The bond token.
    IERC20 public immutable TOKEN;
    /// @inheritdoc IDisputeGame
    IAttributionLedger public immutable LEDGER;
    /// @inheritdoc IDisputeGame
    IOneStepVerifier public immutable VERIFIER;
    /// @notice Each side's time budget in seconds; a side whose clock passes it loses.
    uint64 public immutable MAX_CLOCK_DURATION;
    /// @notice The least time a side has left when its turn begins.
    uint64 public immutable CLOCK_EXTENSION;
    /// @notice The bond a challenger posts to open a challenge, and a defender to open its own defense.
    uint96 public immutable CHALLENGE_BOND;
    /// @notice The share of a lost bond (challenger's or defender's) that is burned, in bps (the rest goes to the winner).
    uint16 public immutable BURN_BPS;

    /// @notice The number of games opened; game ids are 0 … gameCount − 1.
    uint256 public gameCount;
    /// @notice Tokens owed and not yet claimed, per recipient.
    mapping(address => uint256) public credit;
    /// @notice Σ bonds in play: challengers' bonds of open challenges and defenders' bonds of games in progress.
    uint256 public totalBonded;
    /// @notice Σ credit not yet claimed.
    uint256 public totalCredit;
    /// @notice Σ slashed-bond shares held for challenges that have not been decided yet.
    uint256 public totalPooled;

    mapping(uint256 => Game) internal _games;
    mapping(uint256 => Challenge) internal _challenges;
    /// @dev challenge id → k → the k-th defense game's id.
    mapping(uint256 => mapping(uint256 => uint256)) internal _defenseGames;
    /// @dev claim id → each sharing challenge's part of its slashed bond (set when a challenge voids it).
    mapping(uint256 => uint256) internal _slashShare;
    /// @dev claim id → whether a challenge of this contract voided it (its slashed bond is shared).
    mapping(uint256 => bool) internal _slashedHere;

    /// @param _token The bond token.
    /// @param _ledger The ledger whose claims are disputed.
    /// @param _verifier The one-step verifier.
    /// @param _maxClockDuration Each side's budget (> 0).
    /// @param _clockExtension The least time a side gets for a turn (≤ the budget); also the defense window.
    /// @param _challengeBond The challenger's (and each extra defender's) bond (> 0, fits 96 bits).
    /// @param _burnBps The burned share of a lost bond (≤ 10 000).
    constructor(
        IERC20 _token,
        IAttributionLedger _ledger,
        IOneStepVerifier _verifier,
        uint64 _maxClockDuration,
        uint64 _clockExtension,
        uint96 _challengeBond,
        uint16 _burnBps
    ) {
        if (
            _maxClockDuration == 0 || _clockExtension > _maxClockDuration || _challengeBond == 0 || _burnBps > BPS
                || address(_token) == address(0) || address(_ledger) == address(0) || address(_verifier) == address(0)
        ) revert DisputeGame_BadParameters();
        TOKEN = _token;
        LEDGER = _ledger;
        VERIFIER = _verifier;
        MAX_CLOCK_DURATION = _maxClockDuration;
        CLOCK_EXTENSION = _clockExtension;
        CHALLENGE_BOND = _challengeBond;
        BURN_BPS = _burnBps;
    }

    /* OPEN */

    /// @inheritdoc IDisputeGame
    function open(uint256 _claimId) external returns (uint256 gameId_) {
        IAttributionLedger.GameView memory claim = LEDGER.claimForGame(_claimId);
        if (claim.status != IAttributionLedger.Status.Pending || _claimId > type(uint64).max) {
            revert DisputeGame_ClaimNotPending(_claimId);
        }
        uint256 n = claim.batchSize;
        if (n == 0 || n > type(uint64).max) revert DisputeGame_EmptyClaim(_claimId);

        gameId_ = gameCount;
        Challenge storage ch = _challenges[gameId_];
        ch.challenger = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast) checked above
        ch.claimId = uint64(_claimId);
        ch.status = ChallengeStatus.Open;
        ch.bond = CHALLENGE_BOND;
        ch.openedAt = uint64(block.timestamp);
        totalBonded += CHALLENGE_BOND;
        // The poster defends in the challenge's first game; its claim bond (in the ledger) is its stake.
        _newDefense(gameId_, ch, claim, claim.claimant, 0);
        // forge-lint: disable-next-line(unsafe-typecast) n checked above
        emit GameOpened(gameId_, _claimId, msg.sender, CHALLENGE_BOND, LibPosition.wrap(0, uint64(n)));

        LEDGER.gameOpened(_claimId);
        TOKEN.safeTransferFrom(msg.sender, address(this), CHALLENGE_BOND);
    }

    /// @inheritdoc IDisputeGame
    function defend(uint256 _challengeId) external returns (uint256 gameId_) {
        Challenge storage ch = _challenges[_challengeId];
        if (
            ch.status != ChallengeStatus.Open || msg.sender == ch.challenger
                || block.timestamp > uint256(ch.openedAt) + CLOCK_EXTENSION
        ) revert DisputeGame_DefenseClosed(_challengeId);
        IAttributionLedger.GameView memory claim = LEDGER.claimForGame(ch.claimId);
        if (claim.status != IAttributionLedger.Status.Pending) revert DisputeGame_ClaimNotPending(ch.claimId);
        gameId_ = gameCount;
        totalBonded += CHALLENGE_BOND;
        _newDefense(_challengeId, ch, claim, msg.sender, CHALLENGE_BOND);
        emit DefenseOpened(gameId_, _challengeId, msg.sender, CHALLENGE_BOND);
        TOKEN.safeTransferFrom(msg.sender, address(this), CHALLENGE_BOND);
    }

    /// @dev A new two-party game of `_ch` at (0, N) with `_defender` on the claimant's side.
    function _newDefense(
        uint256 _challengeId,
        Challenge storage _ch,
        IAttributionLedger.GameView memory _claim,
        address _defender,
        uint96 _bond
    ) private {
        uint256 gameId = gameCount++;
        Game storage g = _games[gameId];
        g.challenger = _ch.challenger;
        g.claimId = _ch.claimId;
        g.status = GameStatus.InProgress;
        g.claimant = _defender;
        g.bond = _bond;
        // forge-lint: disable-next-line(unsafe-typecast) N < 2^64 checked at open
        g.position = LibPosition.wrap(0, uint64(_claim.batchSize));
        g.loCommitment = _claim.preCommitment;
        g.hiCommitment = _claim.postCommitment;
        uint64 now_ = uint64(block.timestamp);
        g.claimantClock = LibClock.wrap(0, now_);
        g.challengerClock = LibClock.wrap(0, now_);
        // forge-lint: disable-next-line(unsafe-typecast) game ids stay far below 2^64
        g.challengeId = uint64(_challengeId);
        // One transaction in dispute: straight to the one-step proof, which is the challenger's to bring.
        g.turn = _claim.batchSize == 1 ? Side.Challenger : Side.Claimant;
        _defenseGames[_challengeId][_ch.defenses] = gameId;
        _ch.defenses += 1;
    }

    /* MOVES */

    /// @inheritdoc IDisputeGame
    function bisect(uint256 _gameId, Position _position, bytes32 _midCommitment) external {
        Game storage g = _movable(_gameId, _position);
        if (g.turn != Side.Claimant) revert DisputeGame_WrongMove(_gameId);
        if (msg.sender != g.claimant) revert DisputeGame_NotPlayer(msg.sender);
        g.midCommitment = _midCommitment;
        _passTurn(g, Side.Challenger);
        emit Bisected(_gameId, _position, _midCommitment);
    }

    /// @inheritdoc IDisputeGame
    function respond(uint256 _gameId, Position _position, bytes32 _midCommitment, bool _agree) external {
        Game storage g = _movable(_gameId, _position);
        if (g.turn != Side.Challenger || _position.width() == 1) revert DisputeGame_WrongMove(_gameId);
        if (msg.sender != g.challenger) revert DisputeGame_NotPlayer(msg.sender);
        bytes32 mid = g.midCommitment;
        if (mid != _midCommitment) revert DisputeGame_WrongCommitment(mid, _midCommitment);
        Position next;
        if (_agree) {
            next = LibPosition.wrap(_position.mid(), _position.hi());
            g.loCommitment = mid;
        } else {
            next = LibPosition.wrap(_position.lo(), _position.mid());
            g.hiCommitment = mid;
        }
        g.position = next;
        delete g.midCommitment;
        // At width 1 the challenger moves again: the one-step proof is its burden.
        _passTurn(g, next.width() == 1 ? Side.Challenger : Side.Claimant);
        emit Responded(_gameId, _agree, next);
    }

    /// @inheritdoc IDisputeGame
    function step(uint256 _gameId, Position _position, StepProof calldata _proof) external {
        Game storage g = _movable(_gameId, _position);
        if (_position.width() != 1) revert DisputeGame_WrongMove(_gameId);
        uint256 claimId = g.claimId;
        IAttributionLedger.GameView memory claim = LEDGER.claimForGame(claimId);
        SigmaContext memory ctx = LEDGER.sigmaContext(claimId);
        bytes32 post = VERIFIER.verifyStep(ctx, claim.txRoot, claim.batchSize, _position.lo(), g.loCommitment, _proof);
        bool claimantRight = post == g.hiCommitment;
        emit Stepped(_gameId, _position.lo(), post, claimantRight);
        _conclude(_gameId, g, claimantRight ? Side.Claimant : Side.Challenger, claim.status);
    }

    /* RESOLUTION */

    /// @inheritdoc IDisputeGame
    function resolve(uint256 _gameId) external {
        Game storage g = _games[_gameId];
        if (g.status != GameStatus.InProgress) revert DisputeGame_NotInProgress(_gameId);
        IAttributionLedger.Status status = LEDGER.claimForGame(g.claimId).status;
        bool moot =
            status != IAttributionLedger.Status.Pending || _challenges[g.challengeId].status != ChallengeStatus.Open;
        if (!moot && !_outOfTime(g)) revert DisputeGame_NotResolvable(_gameId);
        // The side to move ran out of time and loses; a moot game (claim no longer pending, or challenge
        // already decided by another defense) is a refund whatever its position.
        _conclude(_gameId, g, g.turn == Side.Claimant ? Side.Challenger : Side.Claimant, status);
    }

    /// @inheritdoc IDisputeGame
    function resolveChallenge(uint256 _challengeId) external {
        if (!_settle(_challengeId)) revert DisputeGame_ChallengeNotSettleable(_challengeId);
    }

    /// @inheritdoc IDisputeGame
    function claimCredit(address _recipient) external {
        uint256 amount = credit[_recipient];
        if (amount == 0) revert DisputeGame_NoCredit(_recipient);
        credit[_recipient] = 0;
        totalCredit -= amount;
        emit CreditClaimed(_recipient, amount);
        TOKEN.safeTransfer(_recipient, amount);
    }

    /// @dev Ends one defense game. Moot (claim not pending, or its challenge already decided): the defender's
    ///      bond back. Challenger wins: the defender's bond to the challenger less the burned share, and the
    ///      challenge is settled if that was its last defense and the window is closed. Defender wins: the
    ///      challenge is Defended, the challenger's bond goes to this defender less the burned share, and the
    ///      ledger is told the challenge is closed. Effects first; O(1), no loop.
    function _conclude(uint256 _gameId, Game storage g, Side _winner, IAttributionLedger.Status _claimStatus) private {
        uint256 bond = g.bond;
        uint256 challengeId = g.challengeId;
        Challenge storage ch = _challenges[challengeId];
        address defender = g.claimant;
        _stopClock(g);
        totalBonded -= bond;
        g.bond = 0;
        if (_claimStatus != IAttributionLedger.Status.Pending || ch.status != ChallengeStatus.Open) {
            g.status = GameStatus.Refunded;
            _credit(defender, bond);
            emit GameResolved(_gameId, GameStatus.Refunded, defender, bond, 0);
            if (ch.status == ChallengeStatus.Open) _settle(challengeId);
        } else if (_winner == Side.Challenger) {
            g.status = GameStatus.ChallengerWon;
            ch.lost += 1;
            uint256 burned = bond * BURN_BPS / BPS;
            address winner = g.challenger;
            _credit(winner, bond - burned);
            emit GameResolved(_gameId, GameStatus.ChallengerWon, winner, bond - burned, burned);
            _settle(challengeId);
            if (burned != 0) TOKEN.safeTransfer(BURN_ADDRESS, burned);
        } else {
            g.status = GameStatus.ClaimantWon;
            uint256 stake = ch.bond;
            uint256 burned = stake * BURN_BPS / BPS;
            ch.status = ChallengeStatus.Defended;
            ch.bond = 0;
            totalBonded -= stake;
            _credit(defender, bond + stake - burned);
            emit GameResolved(_gameId, GameStatus.ClaimantWon, defender, stake - burned, burned);
            emit ChallengeResolved(challengeId, ChallengeStatus.Defended, defender, stake - burned, burned);
            LEDGER.gameClosed(ch.claimId);
            if (burned != 0) TOKEN.safeTransfer(BURN_ADDRESS, burned);
        }
    }

    /// @dev Decides challenge `_challengeId` if it can be decided now; returns whether it was.
    ///      Claim no longer pending: the challenger's bond back, plus an equal share of the slashed claim bond
    ///      if a challenge voided the claim (Sustained), else nothing more (Refunded: void as a descendant).
    ///      Claim pending, every defense beaten and the defense window closed: this challenge voids the claim;
    ///      the ledger pays the slashed bond to this contract, which splits it equally among every challenge
    ///      open against the claim now (this one included); each takes its share when it is decided.
    function _settle(uint256 _challengeId) private returns (bool settled_) {
        Challenge storage ch = _challenges[_challengeId];
        if (ch.status != ChallengeStatus.Open) return false;
        uint256 claimId = ch.claimId;
        IAttributionLedger.GameView memory claim = LEDGER.claimForGame(claimId);
        bool voids;
        if (claim.status == IAttributionLedger.Status.Pending) {
            if (ch.lost != ch.defenses || block.timestamp <= uint256(ch.openedAt) + CLOCK_EXTENSION) return false;
            voids = true;
        }
        uint256 stake = ch.bond;
        address challenger = ch.challenger;
        ch.bond = 0;
        totalBonded -= stake;
        if (voids) {
            ch.status = ChallengeStatus.Sustained;
            _slashedHere[claimId] = true;
            uint256 before = TOKEN.balanceOf(address(this));
            LEDGER.voidClaim(claimId, address(this));
            uint256 pool = TOKEN.balanceOf(address(this)) - before;
            // Every challenge still open against the claim, this one included, shares the slashed bond.
            uint256 shares = claim.openGames;
            uint256 perShare = pool / shares;
            uint256 dust = pool - perShare * shares;
            _slashShare[claimId] = perShare;
            totalPooled += perShare * shares;
            emit SlashShared(claimId, pool, shares, perShare, dust);
            if (dust != 0) TOKEN.safeTransfer(BURN_ADDRESS, dust);
        } else {
            ch.status = _slashedHere[claimId] ? ChallengeStatus.Sustained : ChallengeStatus.Refunded;
        }
        uint256 share = ch.status == ChallengeStatus.Sustained ? _slashShare[claimId] : 0;
        totalPooled -= share;
        _credit(challenger, stake + share);
        emit ChallengeResolved(_challengeId, ch.status, challenger, stake + share, 0);
        LEDGER.gameClosed(claimId);
        settled_ = true;
    }

    function _credit(address _to, uint256 _amount) private {
        credit[_to] += _amount;
        totalCredit += _amount;
    }

    /* CLOCKS */

    /// @inheritdoc IDisputeGame
    function elapsed(uint256 _gameId, Side _side) external view returns (uint64 elapsed_) {
        elapsed_ = _elapsed(_games[_gameId], _side);
    }

    /// @dev THE clock function: seconds `_side` has used, counting its running turn.
    function _elapsed(Game storage g, Side _side) private view returns (uint64 elapsed_) {
        Clock clock = _side == Side.Claimant ? g.claimantClock : g.challengerClock;
        elapsed_ = clock.used();
        if (g.turn == _side && g.status == GameStatus.InProgress) {
            elapsed_ += uint64(block.timestamp) - clock.startedAt();
        }
    }

    /// @dev The side to move has used more than its budget: moves are closed, `resolve` is open.
    function _outOfTime(Game storage g) private view returns (bool outOfTime_) {
        outOfTime_ = _elapsed(g, g.turn) > MAX_CLOCK_DURATION;
    }

    /// @dev Freezes the running clock at its final reading.
    function _stopClock(Game storage g) private {
        Clock stopped = LibClock.wrap(_elapsed(g, g.turn), uint64(block.timestamp));
        if (g.turn == Side.Claimant) g.claimantClock = stopped;
        else g.challengerClock = stopped;
    }

    /// @dev Stops the mover's clock and starts `_next`'s, topping it up to at least CLOCK_EXTENSION left.
    function _passTurn(Game storage g, Side _next) private {
        uint64 now_ = uint64(block.timestamp);
        _stopClock(g);
        uint64 used = (_next == Side.Claimant ? g.claimantClock : g.challengerClock).used();
        uint64 floor = MAX_CLOCK_DURATION - CLOCK_EXTENSION;
        if (used > floor) used = floor;
        Clock started = LibClock.wrap(used, now_);
        if (_next == Side.Claimant) g.claimantClock = started;
        else g.challengerClock = started;
        g.turn = _next;
    }

    /// @dev The game is in progress, the move answers its position and the side to move has time left.
    function _movable(uint256 _gameId, Position _position) private view returns (Game storage g_) {
        g_ = _games[_gameId];
        if (g_.status != GameStatus.InProgress) revert DisputeGame_NotInProgress(_gameId);
        if (!g_.position.eq(_position)) revert DisputeGame_WrongPosition(g_.position, _position);
        if (_outOfTime(g_)) revert DisputeGame_OutOfTime(_gameId);
    }

    /* VIEWS */

    /// @inheritdoc IDisputeGame
    function game(uint256 _gameId) external view returns (Game memory game_) {
        game_ = _games[_gameId];
    }

    /// @inheritdoc IDisputeGame
    function challenge(uint256 _challengeId) external view returns (Challenge memory challenge_) {
        challenge_ = _challenges[_challengeId];
    }

    /// @inheritdoc IDisputeGame
    function defenseGame(uint256 _challengeId, uint256 _k) external view returns (uint256 gameId_) {
        gameId_ = _defenseGames[_challengeId][_k];
    }

    /// @inheritdoc IDisputeGame
    function defenseWindow() external view returns (uint64 window_) {
        window_ = CLOCK_EXTENSION;
    }

    /// @inheritdoc IDisputeGame
    function slashShare(uint256 _claimId) external view returns (uint256 perShare_) {
        perShare_ = _slashShare[_claimId];
    }
}
