// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {ChallengeStatus, Clock, GameStatus, Position, Side} from "src/libraries/GameTypes.sol";
import {SigmaContext} from "src/libraries/Sigma.sol";

/// @title IDisputeGame
/// @notice Bisection games over the transactions of pending ledger claims, with chess clocks and bonds
///         (docs/dispute-game.md). A challenge is one challenger against every defense opened against it
///         within the defense window; each defense is one two-party game (the claim's poster defends in the
///         challenge's first game, anyone else may open its own defense).
interface IDisputeGame {
    /// @notice A game's stored state: one defense of a claim against one challenge.
    /// @param challenger The challenge's challenger (the only address that may answer).
    /// @param claimId The disputed claim.
    /// @param status The game's lifecycle state.
    /// @param turn Who is to move.
    /// @param claimant This game's defender: the only address that may bisect (the claim's poster in a
    ///        challenge's first game, else whoever opened the defense).
    /// @param bond The defender's bond held while the game is in progress (0 for the poster's game: its
    ///        claim bond is at stake in the ledger).
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
        uint64 challengeId;
    }

    /// @notice A challenge: one challenger and its bond against every defense opened in time.
    /// @param challenger Who opened it and posted its bond.
    /// @param claimId The disputed claim.
    /// @param status Its lifecycle state.
    /// @param bond The challenger's bond, held while the challenge is open.
    /// @param openedAt When it was opened: defenses may be opened until `openedAt + defenseWindow()`.
    /// @param defenses Defense games opened (the poster's first game included).
    /// @param lost Defense games the challenger has won.
    struct Challenge {
        address challenger;
        uint64 claimId;
        ChallengeStatus status;
        uint96 bond;
        uint64 openedAt;
        uint32 defenses;
        uint32 lost;
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

    /// @notice Thrown when a defense is opened against a challenge that is decided, past its defense window,
    ///         or by its own challenger.
    /// @param challengeId The challenge.
    error DisputeGame_DefenseClosed(uint256 challengeId);

    /// @notice Thrown when a challenge is settled while it is decided or still has a defense to beat.
    /// @param challengeId The challenge.
    error DisputeGame_ChallengeNotSettleable(uint256 challengeId);

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

    /// @notice Emitted when a party opens its own defense against a challenge.
    /// @param gameId The defense game's id.
    /// @param challengeId The challenge defended against.
    /// @param defender Who defends (and may bisect in this game).
    /// @param bond The defender's bond.
    event DefenseOpened(uint256 indexed gameId, uint256 indexed challengeId, address indexed defender, uint256 bond);

    /// @notice Emitted when a challenge is decided.
    /// @param challengeId The challenge.
    /// @param status Defended, Sustained or Refunded.
    /// @param payee Who was credited (the winning defender, or the challenger).
    /// @param paid What `payee` was credited from the challenger's bond and the slashed claim bond.
    /// @param burned What was burned of the challenger's bond.
    event ChallengeResolved(
        uint256 indexed challengeId, ChallengeStatus status, address indexed payee, uint256 paid, uint256 burned
    );

    /// @notice Emitted when a challenge voids its claim: the slashed claim bond the ledger paid to this
    ///         contract is split equally among every challenge open against the claim at that moment.
    /// @param claimId The voided claim.
    /// @param pool What the ledger paid this contract.
    /// @param shares The challenges sharing it.
    /// @param perShare Each challenge's share.
    /// @param dust The division remainder, burned.
    event SlashShared(uint256 indexed claimId, uint256 pool, uint256 shares, uint256 perShare, uint256 dust);

    /// @notice Emitted when credit is paid out.
    /// @param recipient Who was paid.
    /// @param amount How much.
    event CreditClaimed(address indexed recipient, uint256 amount);

    /* ACTIONS */

    /// @notice Opens a challenge against a pending claim, pulling `CHALLENGE_BOND` from the caller; its first
    ///         defense game (the claim's poster defending) has the same id.
    /// @param _claimId The claim.
    /// @return gameId_ The new challenge's id (= its first game's id).
    function open(uint256 _claimId) external returns (uint256 gameId_);

    /// @notice Opens the caller's own defense game against an open challenge, within its defense window,
    ///         pulling `CHALLENGE_BOND` from the caller. Anyone but the challenger may defend.
    /// @param _challengeId The challenge.
    /// @return gameId_ The new defense game's id.
    function defend(uint256 _challengeId) external returns (uint256 gameId_);

    /// @notice Decides an open challenge whose claim is no longer pending (refund, plus a share of the
    ///         slashed bond if the claim was voided by a challenge), or whose every defense was beaten with
    ///         the defense window closed (the claim is voided). Also done automatically by the game move that
    ///         makes it possible.
    /// @param _challengeId The challenge.
    function resolveChallenge(uint256 _challengeId) external;

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

    /// @notice Ends a game whose side to move ran out of time, or whose claim is no longer pending, or whose
    ///         challenge is already decided (the last two: the defender's bond back).
    /// @param _gameId The game.
    function resolve(uint256 _gameId) external;

    /// @notice Pays `_recipient` its credit (won bonds and refunds).
    /// @param _recipient Who is paid; anyone may trigger it.
    function claimCredit(address _recipient) external;

    /* VIEWS */

    /// @notice The stored game.
    function game(uint256 _gameId) external view returns (Game memory game_);

    /// @notice The stored challenge (`_challengeId` is the id of its first game).
    function challenge(uint256 _challengeId) external view returns (Challenge memory challenge_);

    /// @notice The id of the `_k`-th defense game of a challenge (k = 0: the poster's game), k < defenses.
    function defenseGame(uint256 _challengeId, uint256 _k) external view returns (uint256 gameId_);

    /// @notice Seconds after a challenge opens during which defenses may be opened (= CLOCK_EXTENSION).
    function defenseWindow() external view returns (uint64 window_);

    /// @notice Each sharing challenge's part of a voided claim's slashed bond (0 before the void).
    function slashShare(uint256 _claimId) external view returns (uint256 perShare_);

    /// @notice Seconds `_side` has used in `_gameId`: the one clock function, used to gate moves and to resolve.
    function elapsed(uint256 _gameId, Side _side) external view returns (uint64 elapsed_);

    /// @notice The one-step verifier.
    function VERIFIER() external view returns (IOneStepVerifier verifier_);

    /// @notice The ledger whose claims are disputed.
    function LEDGER() external view returns (IAttributionLedger ledger_);
}
