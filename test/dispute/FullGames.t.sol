// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {GameStatus, Side} from "src/libraries/GameTypes.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";

/// @notice Whole games played to the end, with every bond and pot checked afterwards.
contract DisputeGame_FullGames_Test is DisputeBaseTest {
    uint256 internal constant FUNDS = 1_000_000e18;

    function _realLedger() internal pure override returns (bool) {
        return true;
    }

    /// @dev ⌈log2 n⌉.
    function _depth(uint256 _n) internal pure returns (uint256 d_) {
        while ((uint256(1) << d_) < _n) d_++;
    }

    /// @dev ⌊log2 n⌋.
    function _floorLog(uint256 _n) internal pure returns (uint256 d_) {
        while ((uint256(1) << (d_ + 1)) <= _n) d_++;
    }

    /// @dev An honest challenger against a claim wrong at `_wrongAt` wins in 2·d + 1 moves, with
    ///      ⌊log2 N⌋ ≤ d ≤ ⌈log2 N⌉ bisections (the halves of an odd range differ by one);
    ///      the claim is void, the challenger has its bond back plus the slashed claim bond.
    function _honestChallengerWins(uint256 _n, uint256 _wrongAt) internal {
        Built memory b = _claim(_n, _wrongAt);
        uint256 id = _open(b.claimId);
        uint256 moves = _play(id, b, Strategy.Honest);
        IDisputeGame.Game memory g = game.game(id);
        assertEq(uint8(g.status), uint8(GameStatus.ChallengerWon), "challenger won");
        assertEq(g.position.lo(), _wrongAt, "found the wrong tx");
        assertLe(moves, 2 * _depth(_n) + 1, "moves at most");
        assertGe(moves, 2 * _floorLog(_n) + 1, "moves at least");
        _settleChallenge(id);
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Void), "claim void");
        _assertSettled();
        game.claimCredit(challenger);
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        assertEq(token.balanceOf(challenger), FUNDS + slashed, "challenger paid");
        assertEq(token.balanceOf(address(game)), 0, "game empty");
    }

    /// @dev Nothing stuck: the game holds exactly the bonds in play plus unclaimed credit.
    function _assertSettled() internal view {
        assertEq(game.totalBonded(), 0, "no bond in play");
        assertEq(token.balanceOf(address(game)), game.totalCredit(), "balance = credit");
    }

    function test_fullGame_oneTx_honestChallengerWins() public {
        _honestChallengerWins(1, 0);
    }

    function test_fullGame_twoTxs_wrongAtStart() public {
        _honestChallengerWins(2, 0);
    }

    function test_fullGame_twoTxs_wrongAtEnd() public {
        _honestChallengerWins(2, 1);
    }

    function test_fullGame_1000Txs_wrongAtStart() public {
        _honestChallengerWins(1000, 0);
    }

    function test_fullGame_1000Txs_wrongInMiddle() public {
        _honestChallengerWins(1000, 500);
    }

    function test_fullGame_1000Txs_wrongAtEnd() public {
        _honestChallengerWins(1000, 999);
    }

    function test_fullGame_1025Txs_wrongAtStart() public {
        _honestChallengerWins(1025, 0);
    }

    function test_fullGame_1025Txs_wrongInMiddle() public {
        _honestChallengerWins(1025, 512);
    }

    function test_fullGame_1025Txs_wrongAtEnd() public {
        _honestChallengerWins(1025, 1024);
    }

    /// @dev Each run posts and plays a whole claim of up to 300 transactions: capped at 1,000 runs in `ci`.
    /// forge-config: ci.fuzz.runs = 1000
    function testFuzz_fullGame_honestChallengerFindsAnyWrongTx(uint256 _n, uint256 _wrongAt) public {
        _n = bound(_n, 1, 300);
        _wrongAt = bound(_wrongAt, 0, _n - 1);
        _honestChallengerWins(_n, _wrongAt);
    }

    /// @dev An honest claimant against a lying challenger wins at the step and takes the bond less the burn.
    function _honestClaimantWins(uint256 _n, Strategy _liar) internal {
        Built memory b = _claim(_n, NO_LIE);
        uint256 id = _open(b.claimId);
        _play(id, b, _liar);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ClaimantWon), "claimant won");
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Pending), "claim stands");
        assertEq(_openGames(b.claimId), 0, "no open game");
        assertTrue(_bondLocked(b.claimId), "claim bond kept");
        _assertSettled();
        uint256 burned = uint256(BOND) * BURN_BPS / 10_000;
        game.claimCredit(claimant);
        assertEq(token.balanceOf(claimant), FUNDS + BOND - burned);
        assertEq(token.balanceOf(challenger), FUNDS - BOND);
        assertEq(token.balanceOf(game.BURN_ADDRESS()), burned);
    }

    function test_fullGame_liarAlwaysDisagrees_claimantWins() public {
        _honestClaimantWins(1025, Strategy.AlwaysDisagree);
    }

    function test_fullGame_liarAlwaysAgrees_claimantWins() public {
        _honestClaimantWins(1000, Strategy.AlwaysAgree);
    }

    function test_fullGame_liarOnOneTx_claimantWins() public {
        _honestClaimantWins(1, Strategy.AlwaysDisagree);
    }

    /// @dev A challenger that answers wrongly against a wrong claim can lose: bisection converges on a
    ///      transaction the claimant got right. The claim survives this game, not the honest one.
    function test_fullGame_wrongClaim_weakAndHonestChallengers() public {
        Built memory b = _claim(64, 40);
        uint256 weak = _open(b.claimId);
        vm.prank(anyone);
        uint256 honest = game.open(b.claimId);
        // The weak game is played with the honest challenger's answers flipped.
        _play(weak, b, Strategy.AlwaysAgree);
        assertEq(uint8(game.game(weak).status), uint8(GameStatus.ClaimantWon));
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Pending));
        // The same claimant must still answer the other game, and loses it.
        _playAs(honest, b, anyone);
        assertEq(uint8(game.game(honest).status), uint8(GameStatus.ChallengerWon));
        _settleChallenge(honest);
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Void));
        _assertSettled();
    }

    function _playAs(uint256 _gameId, Built memory _b, address _challenger) internal {
        address saved = challenger;
        challenger = _challenger;
        _play(_gameId, _b, Strategy.Honest);
        challenger = saved;
    }

    /* TIMEOUTS */

    /// @dev Plays `_moves` honest moves then lets the side to move run out of time.
    function _timeoutAfter(uint256 _moves, uint256 _wrongAt) internal returns (uint256 id_, Side loser_) {
        Built memory b = _claim(16, _wrongAt);
        id_ = _open(b.claimId);
        for (uint256 m = 0; m < _moves; m++) {
            IDisputeGame.Game memory g = game.game(id_);
            if (g.turn == Side.Claimant) {
                vm.prank(claimant);
                game.bisect(id_, g.position, b.claimed[g.position.mid()]);
            } else {
                vm.prank(challenger);
                game.respond(id_, g.position, g.midCommitment, b.honest[g.position.mid()] == g.midCommitment);
            }
            vm.warp(block.timestamp + 1 hours);
        }
        loser_ = game.game(id_).turn;
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id_);
    }

    function test_timeout_claimantSilentAtOpen_challengerWins() public {
        (uint256 id, Side loser) = _timeoutAfter(0, 3);
        assertEq(uint8(loser), uint8(Side.Claimant));
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ChallengerWon));
        _assertSettled();
    }

    function test_timeout_claimantSilentMidGame_challengerWins() public {
        (uint256 id, Side loser) = _timeoutAfter(4, 3);
        assertEq(uint8(loser), uint8(Side.Claimant));
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ChallengerWon));
        _assertSettled();
    }

    function test_timeout_challengerSilentMidGame_claimantWins() public {
        (uint256 id, Side loser) = _timeoutAfter(3, 3);
        assertEq(uint8(loser), uint8(Side.Challenger));
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ClaimantWon));
        _assertSettled();
    }

    function test_timeout_challengerSilentAtStep_claimantWins() public {
        // 16 txs: 4 bisections and 4 answers, then the step is the challenger's.
        (uint256 id, Side loser) = _timeoutAfter(8, 3);
        assertEq(uint8(loser), uint8(Side.Challenger));
        assertEq(game.game(id).position.width(), 0 + 1);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ClaimantWon));
        _assertSettled();
    }

    /// @dev Two games on one wrong claim, both won by timeout, resolved in either order: the first
    ///      voids the claim, both challenges were open then and split the slashed claim bond, whichever
    ///      finished first; nothing is left behind.
    function _twoTimeouts(bool _secondFirst) internal {
        Built memory b = _claim(16, 3);
        uint256 first = _open(b.claimId);
        vm.prank(anyone);
        uint256 second = game.open(b.claimId);
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        (uint256 a, uint256 z) = _secondFirst ? (second, first) : (first, second);
        game.resolve(a);
        game.resolve(z);
        assertEq(uint8(game.game(a).status), uint8(GameStatus.ChallengerWon));
        assertEq(uint8(game.game(z).status), uint8(GameStatus.Refunded));
        assertEq(_openGames(b.claimId), 0);
        assertFalse(_bondLocked(b.claimId));
        _assertSettled();
        game.claimCredit(challenger);
        game.claimCredit(anyone);
        assertEq(token.balanceOf(address(game)), 0);
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        assertEq(token.balanceOf(challenger), FUNDS + slashed / 2);
        assertEq(token.balanceOf(anyone), FUNDS + slashed / 2);
    }

    function test_timeout_twoGames_firstResolvedFirst() public {
        _twoTimeouts(false);
    }

    function test_timeout_twoGames_secondResolvedFirst() public {
        _twoTimeouts(true);
    }
}
