// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {Clock, GameStatus, Position, Side} from "src/libraries/GameTypes.sol";
import {SigmaContext} from "src/libraries/Sigma.sol";

/// @title IDisputeGame
/// @notice Bisection games over the transactions of pending ledger claims, with chess clocks and bonds
///         (docs/dispute-game.md).
interface IDisputeGame {
    /// @notice A game's stored state.
    /// @param challenger Who opened the game and posted its bond.
    /// @param claimId The disputed claim.
    /// @param status The game's lifecycle state.
    /// @param turn Who is to move.
    /// @param claimant The claim's poster: the only address that may bisect.
    /// @param bond The challenger's bond held by this contract while the game is in progress.
    /// @param position The disputed range (s_lo agreed, s_hi disputed).
    /// @param claimantClock The claimant's chess clock.
    /// @param challengerClock The challenger's chess clock.
    /// @param loCommitment s_lo.
    /// @param hiCommitment s_hi as claimed.
    /// @param midCommitment The claimant's latest midpoint, while the challenger is to answer it.
    struct Game {
        address challenger;
        uint64 claimId;
        GameStatus status;
        Side turn;
        address claimant;
        uint96 bond;
        Position position;
        Clock claimantClock;
        Clock challengerClock;
        bytes32 loCommitment;
        bytes32 hiCommitment;
        bytes32 midCommitment;
    }

    /* ERRORS */

    /// @notice Thrown when a constructor parameter is out of range.
    error DisputeGame_BadParameters();

    /// @notice Thrown when a game is opened against a claim that is not pending.
    /// @param claimId The claim.
    error DisputeGame_ClaimNotPending(uint256 claimId);

    /// @notice Thrown when a claim has no transactions (nothing to bisect).
    /// @param claimId The claim.
    error DisputeGame_EmptyClaim(uint256 claimId);

    /// @notice Thrown when a move or resolution names a game that is not in progress.
    /// @param gameId The game.
    error DisputeGame_NotInProgress(uint256 gameId);

    /// @notice Thrown when the move does not belong to the side whose turn it is, or the phase is wrong.
    /// @param gameId The game.
    error DisputeGame_WrongMove(uint256 gameId);

    /// @notice Thrown when a side-restricted move comes from another address.
    /// @param caller The caller.
    error DisputeGame_NotPlayer(address caller);

    /// @notice Thrown when a move answers another position than the game's (a stale or reorged move).
    /// @param expected The game's position.
    /// @param given The position the move answers.
    error DisputeGame_WrongPosition(Position expected, Position given);

    /// @notice Thrown when an answer names another midpoint commitment than the claimant's.
    /// @param expected The claimant's midpoint.
    /// @param given The commitment the answer names.
    error DisputeGame_WrongCommitment(bytes32 expected, bytes32 given);

    /// @notice Thrown when the side to move has run out of time (the game can only be resolved now).
    /// @param gameId The game.
    error DisputeGame_OutOfTime(uint256 gameId);

    /// @notice Thrown when `resolve` is called on a game whose side to move still has time.
    /// @param gameId The game.
    error DisputeGame_NotResolvable(uint256 gameId);

    /// @notice Thrown when there is no credit to claim.
    /// @param recipient The recipient.
    error DisputeGame_NoCredit(address recipient);

    /* EVENTS */

    /// @notice Emitted when a game is opened.
    /// @param gameId The new game's id.
    /// @param claimId The disputed claim.
    /// @param challenger The challenger.
    /// @param bond The challenger's bond.
    /// @param position The initial range (0, N).
    event GameOpened(
        uint256 indexed gameId, uint256 indexed claimId, address indexed challenger, uint256 bond, Position position
    );

    /// @notice Emitted when the claimant commits the state at the midpoint.
    /// @param gameId The game.
    /// @param position The range bisected.
    /// @param midCommitment The claimant's commitment of s_mid.
    event Bisected(uint256 indexed gameId, Position position, bytes32 midCommitment);

    /// @notice Emitted when the challenger answers a midpoint.
    /// @param gameId The game.
    /// @param agree Whether the challenger agreed with s_mid.
    /// @param position The new range.
    event Responded(uint256 indexed gameId, bool agree, Position position);

    /// @notice Emitted when the one-step proof has been run.
    /// @param gameId The game.
    /// @param index The transaction re-executed.
    /// @param postCommitment commitment(σ(s_i, tx_i)).
    /// @param claimantRight Whether it equals the claimant's s_{i+1}.
    event Stepped(uint256 indexed gameId, uint256 index, bytes32 postCommitment, bool claimantRight);

    /// @notice Emitted when a game ends.
    /// @param gameId The game.
    /// @param status How it ended.
    /// @param winner Who is paid (the challenger for a refund).
    /// @param paid What `winner` was credited from the challenger's bond.
    /// @param burned What was burned.
    event GameResolved(uint256 indexed gameId, GameStatus status, address indexed winner, uint256 paid, uint256 burned);

    /// @notice Emitted when credit is paid out.
    /// @param recipient Who was paid.
    /// @param amount How much.
    event CreditClaimed(address indexed recipient, uint256 amount);

    /* ACTIONS */

    /// @notice Opens a game against a pending claim, pulling `CHALLENGE_BOND` from the caller.
    /// @param _claimId The claim.
    /// @return gameId_ The new game's id.
    function open(uint256 _claimId) external returns (uint256 gameId_);

    /// @notice The claimant commits s_mid for the range it names.
    /// @param _gameId The game.
    /// @param _position The range being bisected (must be the game's).
    /// @param _midCommitment The claimant's commitment of s_mid.
    function bisect(uint256 _gameId, Position _position, bytes32 _midCommitment) external;

    /// @notice The challenger agrees or disagrees with the claimant's s_mid.
    /// @param _gameId The game.
    /// @param _position The range being bisected (must be the game's).
    /// @param _midCommitment The midpoint answered (must be the claimant's).
    /// @param _agree True: s_mid is right (the dispute is in (mid, hi]); false: in (lo, mid].
    function respond(uint256 _gameId, Position _position, bytes32 _midCommitment, bool _agree) external;

    /// @notice Anyone re-executes transaction lo once hi = lo + 1; the result decides the game.
    /// @param _gameId The game.
    /// @param _position The final range (must be the game's).
    /// @param _proof s_lo opened, transaction lo with its proof against the tx root, the witnesses.
    function step(uint256 _gameId, Position _position, StepProof calldata _proof) external;

    /// @notice Ends a game whose side to move ran out of time, or whose claim was voided by another game.
    /// @param _gameId The game.
    function resolve(uint256 _gameId) external;

    /// @notice Pays `_recipient` its credit (won bonds and refunds).
    /// @param _recipient Who is paid; anyone may trigger it.
    function claimCredit(address _recipient) external;

    /* VIEWS */

    /// @notice The stored game.
    function game(uint256 _gameId) external view returns (Game memory game_);

    /// @notice Seconds `_side` has used in `_gameId`: the one clock function, used to gate moves and to resolve.
    function elapsed(uint256 _gameId, Side _side) external view returns (uint64 elapsed_);

    /// @notice The one-step verifier.
    function VERIFIER() external view returns (IOneStepVerifier verifier_);

    /// @notice The ledger whose claims are disputed.
    function LEDGER() external view returns (IAttributionLedger ledger_);
}
