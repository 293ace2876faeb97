// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {Clock, GameStatus, LibClock, LibPosition, Position, Side} from "src/libraries/GameTypes.sol";
import {SigmaContext} from "src/libraries/Sigma.sol";

/// @title DisputeGame
/// @notice Many bisection games at once over pending ledger claims (docs/dispute-game.md).
/// @dev A game is between the claim's poster (who commits midpoint states) and one bonded challenger
///      (who agrees or disagrees), down to one transaction that `OneStepVerifier` re-executes. Each side
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
    /// @notice The bond a challenger posts to open a game.
    uint96 public immutable CHALLENGE_BOND;
    /// @notice The share of a losing challenger's bond that is burned, in bps (the rest goes to the claimant).
    uint16 public immutable BURN_BPS;

    /// @notice The number of games opened; game ids are 0 … gameCount − 1.
    uint256 public gameCount;
    /// @notice Tokens owed and not yet claimed, per recipient.
    mapping(address => uint256) public credit;
    /// @notice Σ bonds of the games in progress (what this contract must hold besides credit).
    uint256 public totalBonded;
    /// @notice Σ credit not yet claimed.
    uint256 public totalCredit;

    mapping(uint256 => Game) internal _games;

    /// @param _token The bond token.
    /// @param _ledger The ledger whose claims are disputed.
    /// @param _verifier The one-step verifier.
    /// @param _maxClockDuration Each side's budget (> 0).
    /// @param _clockExtension The least time a side gets for a turn (≤ the budget).
    /// @param _challengeBond The challenger's bond (> 0, fits 96 bits).
    /// @param _burnBps The burned share of a lost challenger bond (≤ 10 000).
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

        gameId_ = gameCount++;
        Game storage g = _games[gameId_];
        g.challenger = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast) checked above
        g.claimId = uint64(_claimId);
        g.status = GameStatus.InProgress;
        g.claimant = claim.claimant;
        g.bond = CHALLENGE_BOND;
        // forge-lint: disable-next-line(unsafe-typecast) checked above
        g.position = LibPosition.wrap(0, uint64(n));
        g.loCommitment = claim.preCommitment;
        g.hiCommitment = claim.postCommitment;
        uint64 now_ = uint64(block.timestamp);
        g.claimantClock = LibClock.wrap(0, now_);
        g.challengerClock = LibClock.wrap(0, now_);
        // One transaction in dispute: straight to the one-step proof, which is the challenger's to bring.
        g.turn = n == 1 ? Side.Challenger : Side.Claimant;
        totalBonded += CHALLENGE_BOND;
        emit GameOpened(gameId_, _claimId, msg.sender, CHALLENGE_BOND, g.position);

        LEDGER.gameOpened(_claimId);
        TOKEN.safeTransferFrom(msg.sender, address(this), CHALLENGE_BOND);
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
        if (status == IAttributionLedger.Status.Pending && !_outOfTime(g)) revert DisputeGame_NotResolvable(_gameId);
        // The side to move ran out of time and loses; a claim voided meanwhile turns any result into a refund.
        _conclude(_gameId, g, g.turn == Side.Claimant ? Side.Challenger : Side.Claimant, status);
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

    /// @dev Ends a game: exactly one of refund, challenger win (claim voided, bond back, claim bond
    ///      slashed to it) or claimant win (bond to the claimant less the burned share). Effects first.
    function _conclude(uint256 _gameId, Game storage g, Side _winner, IAttributionLedger.Status _claimStatus) private {
        uint256 bond = g.bond;
        uint256 claimId = g.claimId;
        address challenger = g.challenger;
        _stopClock(g);
        totalBonded -= bond;
        g.bond = 0;
        if (_claimStatus != IAttributionLedger.Status.Pending) {
            g.status = GameStatus.Refunded;
            _credit(challenger, bond);
            emit GameResolved(_gameId, GameStatus.Refunded, challenger, bond, 0);
            LEDGER.gameClosed(claimId);
        } else if (_winner == Side.Challenger) {
            g.status = GameStatus.ChallengerWon;
            _credit(challenger, bond);
            emit GameResolved(_gameId, GameStatus.ChallengerWon, challenger, bond, 0);
            LEDGER.voidClaim(claimId, challenger);
            LEDGER.gameClosed(claimId);
        } else {
            g.status = GameStatus.ClaimantWon;
            uint256 burned = bond * BURN_BPS / BPS;
            address claimant = g.claimant;
            _credit(claimant, bond - burned);
            emit GameResolved(_gameId, GameStatus.ClaimantWon, claimant, bond - burned, burned);
            LEDGER.gameClosed(claimId);
            if (burned != 0) TOKEN.safeTransfer(BURN_ADDRESS, burned);
        }
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
}
