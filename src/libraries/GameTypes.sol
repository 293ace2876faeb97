// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Which side of a dispute game a player is on.
enum Side {
    Claimant,
    Challenger
}

/// @notice A game's lifecycle. Every game ends in exactly one of the last three states.
/// @custom:value None The id was never used.
/// @custom:value InProgress Bisection or the one-step proof is still to be played.
/// @custom:value ClaimantWon The challenger lost (step or timeout); its bond went to the claimant.
/// @custom:value ChallengerWon The claim was proved wrong (step or timeout) and voided.
/// @custom:value Refunded The claim was voided by another game first; the challenger got its bond back.
enum GameStatus {
    None,
    InProgress,
    ClaimantWon,
    ChallengerWon,
    Refunded
}

/// @notice A challenge's lifecycle (docs/dispute-game.md §2). A challenge is one challenger against every
///         defense opened against it in time; each defense is a two-party bisection game.
/// @custom:value None The id was never used as a challenge.
/// @custom:value Open Defenses are being played (or may still be opened).
/// @custom:value Defended A defense won: the challenger's bond went to that defender; the claim stands.
/// @custom:value Sustained The claim was voided by a challenge while this one was open: bond back plus
///               an equal share of the slashed claim bond.
/// @custom:value Refunded The claim became void as a descendant (no slash): the challenger's bond back.
enum ChallengeStatus {
    None,
    Open,
    Defended,
    Sustained,
    Refunded
}

/// @notice The disputed range of a game: state `lo` is agreed, state `hi` is disputed (lo < hi).
/// @dev Packed into 128 bits, as Optimism's `LibPosition`:
///
/// | bits       | field | meaning                                          |
/// |------------|-------|--------------------------------------------------|
/// | [0, 64)    | hi    | index of the disputed state (s_hi claimed)       |
/// | [64, 128)  | lo    | index of the agreed state (s_lo agreed by both)  |
///
/// State s_i is the ledger state after the claim's first i transactions; s_0 is the parent's state.
/// With the fixed midpoint rule `mid = lo + (hi − lo) / 2` a position also names the whole
/// sequence of agree/disagree answers that led to it, so a move that carries the position it
/// answers cannot be replayed onto a different history (reorg safety).
type Position is uint128;

using LibPosition for Position global;

/// @title LibPosition
/// @notice Packing and bisection arithmetic of `Position`.
library LibPosition {
    /// @notice Packs `_lo` and `_hi`.
    function wrap(uint64 _lo, uint64 _hi) internal pure returns (Position position_) {
        position_ = Position.wrap((uint128(_lo) << 64) | uint128(_hi));
    }

    /// @notice The agreed index.
    function lo(Position _position) internal pure returns (uint64 lo_) {
        lo_ = uint64(Position.unwrap(_position) >> 64);
    }

    /// @notice The disputed index.
    function hi(Position _position) internal pure returns (uint64 hi_) {
        hi_ = uint64(Position.unwrap(_position));
    }

    /// @notice hi − lo: the number of transactions still in dispute.
    function width(Position _position) internal pure returns (uint64 width_) {
        width_ = _position.hi() - _position.lo();
    }

    /// @notice The index the claimant must commit next: lo + (hi − lo) / 2 (rounds down).
    function mid(Position _position) internal pure returns (uint64 mid_) {
        mid_ = _position.lo() + _position.width() / 2;
    }

    /// @notice Equality.
    function eq(Position _a, Position _b) internal pure returns (bool equal_) {
        equal_ = Position.unwrap(_a) == Position.unwrap(_b);
    }
}

/// @notice One side's chess clock.
/// @dev Packed into 128 bits, as Optimism's `LibClock`:
///
/// | bits       | field     | meaning                                                         |
/// |------------|-----------|-----------------------------------------------------------------|
/// | [0, 64)    | startedAt | when this side's latest turn began (seconds)                    |
/// | [64, 128)  | used      | seconds this side had used before that turn began                |
///
/// The time a side has used is `used + (now − startedAt)` while it is to move, else `used`;
/// `DisputeGame.elapsed` is the one function that computes it, for move gating and resolution alike.
type Clock is uint128;

using LibClock for Clock global;

/// @title LibClock
/// @notice Packing of `Clock`.
library LibClock {
    /// @notice Packs `_used` and `_startedAt`.
    function wrap(uint64 _used, uint64 _startedAt) internal pure returns (Clock clock_) {
        clock_ = Clock.wrap((uint128(_used) << 64) | uint128(_startedAt));
    }

    /// @notice Seconds used before the latest turn began.
    function used(Clock _clock) internal pure returns (uint64 used_) {
        used_ = uint64(Clock.unwrap(_clock) >> 64);
    }

    /// @notice When the latest turn began.
    function startedAt(Clock _clock) internal pure returns (uint64 startedAt_) {
        startedAt_ = uint64(Clock.unwrap(_clock));
    }
}
