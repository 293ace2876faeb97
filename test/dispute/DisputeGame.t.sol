// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DisputeGame} from "src/DisputeGame.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {ChallengeStatus, GameStatus, LibClock, Position, Side} from "src/libraries/GameTypes.sol";
import {Sigma} from "src/libraries/Sigma.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";
import {MockLedger} from "test/dispute/utils/MockLedger.sol";

contract DisputeGame_Constructor_Test is DisputeBaseTest {
    function test_constructor_setsParameters() public view {
        assertEq(address(game.TOKEN()), address(token));
        assertEq(address(game.LEDGER()), address(ledger));
        assertEq(address(game.VERIFIER()), address(verifier));
        assertEq(game.MAX_CLOCK_DURATION(), MAX_CLOCK);
        assertEq(game.CLOCK_EXTENSION(), EXTENSION);
        assertEq(game.CHALLENGE_BOND(), BOND);
        assertEq(game.BURN_BPS(), BURN_BPS);
    }

    function test_constructor_extensionAboveClock_reverts() public {
        vm.expectRevert(IDisputeGame.DisputeGame_BadParameters.selector);
        new DisputeGame(token, ledger, verifier, 100, 101, BOND, BURN_BPS);
    }

    function test_constructor_zeroClock_reverts() public {
        vm.expectRevert(IDisputeGame.DisputeGame_BadParameters.selector);
        new DisputeGame(token, ledger, verifier, 0, 0, BOND, BURN_BPS);
    }

    function test_constructor_zeroBond_reverts() public {
        vm.expectRevert(IDisputeGame.DisputeGame_BadParameters.selector);
        new DisputeGame(token, ledger, verifier, MAX_CLOCK, EXTENSION, 0, BURN_BPS);
    }

    function test_constructor_burnAboveAll_reverts() public {
        vm.expectRevert(IDisputeGame.DisputeGame_BadParameters.selector);
        new DisputeGame(token, ledger, verifier, MAX_CLOCK, EXTENSION, BOND, 10_001);
    }
}

contract DisputeGame_Open_Test is DisputeBaseTest {
    function test_open_storesGamePullsBondAndTellsLedger() public {
        Built memory b = _claim(8, 3);
        uint256 before = token.balanceOf(challenger);
        vm.expectEmit(address(game));
        emit IDisputeGame.GameOpened(0, b.claimId, challenger, BOND, _pos(0, 8));
        uint256 id = _open(b.claimId);
        IDisputeGame.Game memory g = game.game(id);
        assertEq(id, 0);
        assertEq(g.challenger, challenger);
        assertEq(g.claimant, claimant);
        assertEq(g.claimId, b.claimId);
        assertEq(uint8(g.status), uint8(GameStatus.InProgress));
        assertEq(uint8(g.turn), uint8(Side.Claimant));
        assertTrue(g.position.eq(_pos(0, 8)));
        assertEq(g.loCommitment, b.claimed[0]);
        assertEq(g.hiCommitment, b.claimed[8]);
        assertEq(g.bond, 0, "the poster's game carries no defender bond");
        assertEq(g.challengeId, id);
        IDisputeGame.Challenge memory ch = game.challenge(id);
        assertEq(ch.challenger, challenger);
        assertEq(ch.claimId, b.claimId);
        assertEq(uint8(ch.status), uint8(ChallengeStatus.Open));
        assertEq(ch.bond, BOND);
        assertEq(ch.openedAt, block.timestamp);
        assertEq(ch.defenses, 1);
        assertEq(ch.lost, 0);
        assertEq(game.defenseGame(id, 0), id);
        assertEq(before - token.balanceOf(challenger), BOND);
        assertEq(token.balanceOf(address(game)), BOND);
        assertEq(game.totalBonded(), BOND);
        assertEq(_openGames(b.claimId), 1);
    }

    function test_open_oneTransaction_startsAtStepWithChallenger() public {
        Built memory b = _claim(1, 0);
        uint256 id = _open(b.claimId);
        assertEq(uint8(game.game(id).turn), uint8(Side.Challenger));
        assertTrue(game.game(id).position.eq(_pos(0, 1)));
    }

    function test_open_severalGamesPerClaim() public {
        Built memory b = _claim(8, 3);
        _open(b.claimId);
        vm.prank(anyone);
        uint256 second = game.open(b.claimId);
        assertEq(second, 1);
        assertEq(_openGames(b.claimId), 2);
        assertEq(game.totalBonded(), 2 * uint256(BOND));
    }

    function test_open_claimNotPending_reverts() public {
        Built memory b = _claim(8, 3);
        mock.voidFromOutside(b.claimId);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_ClaimNotPending.selector, b.claimId));
        _open(b.claimId);
    }

    function test_open_unknownClaim_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_ClaimNotPending.selector, 77));
        _open(77);
    }

    function test_open_windowClosed_reverts() public {
        Built memory b = _claim(8, 3);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(MockLedger.MockLedger_WindowClosed.selector);
        _open(b.claimId);
    }

    function test_open_withoutAllowance_reverts() public {
        Built memory b = _claim(8, 3);
        address poor = makeAddr("poor");
        vm.prank(poor);
        vm.expectRevert();
        game.open(b.claimId);
    }
}

contract DisputeGame_Bisect_Test is DisputeBaseTest {
    Built internal b;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        b = _claim(8, 5);
        id = _open(b.claimId);
    }

    function test_bisect_storesMidAndPassesTurn() public {
        vm.warp(block.timestamp + 100);
        vm.expectEmit(address(game));
        emit IDisputeGame.Bisected(id, _pos(0, 8), b.claimed[4]);
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        IDisputeGame.Game memory g = game.game(id);
        assertEq(g.midCommitment, b.claimed[4]);
        assertEq(uint8(g.turn), uint8(Side.Challenger));
        assertEq(game.elapsed(id, Side.Claimant), 100);
        assertEq(game.elapsed(id, Side.Challenger), 0);
    }

    function test_bisect_notClaimant_reverts() public {
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotPlayer.selector, challenger));
        game.bisect(id, _pos(0, 8), b.claimed[4]);
    }

    function test_bisect_twice_reverts() public {
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongMove.selector, id));
        game.bisect(id, _pos(0, 8), b.claimed[4]);
    }

    function test_bisect_wrongPosition_reverts() public {
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongPosition.selector, _pos(0, 8), _pos(4, 8)));
        game.bisect(id, _pos(4, 8), b.claimed[6]);
    }

    function test_bisect_atClockLimit_succeeds() public {
        vm.warp(block.timestamp + MAX_CLOCK);
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        assertEq(game.elapsed(id, Side.Claimant), MAX_CLOCK);
    }

    function test_bisect_pastClockLimit_reverts() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_OutOfTime.selector, id));
        game.bisect(id, _pos(0, 8), b.claimed[4]);
    }

    function test_bisect_afterResolution_reverts() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id);
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotInProgress.selector, id));
        game.bisect(id, _pos(0, 8), b.claimed[4]);
    }

    function test_bisect_unknownGame_reverts() public {
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotInProgress.selector, 9));
        game.bisect(9, _pos(0, 8), b.claimed[4]);
    }
}

contract DisputeGame_Respond_Test is DisputeBaseTest {
    Built internal b;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        b = _claim(8, 5);
        id = _open(b.claimId);
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
    }

    function test_respond_agree_movesLoUp() public {
        vm.expectEmit(address(game));
        emit IDisputeGame.Responded(id, true, _pos(4, 8));
        vm.prank(challenger);
        game.respond(id, _pos(0, 8), b.claimed[4], true);
        IDisputeGame.Game memory g = game.game(id);
        assertTrue(g.position.eq(_pos(4, 8)));
        assertEq(g.loCommitment, b.claimed[4]);
        assertEq(g.hiCommitment, b.claimed[8]);
        assertEq(g.midCommitment, bytes32(0));
        assertEq(uint8(g.turn), uint8(Side.Claimant));
    }

    function test_respond_disagree_movesHiDown() public {
        vm.prank(challenger);
        game.respond(id, _pos(0, 8), b.claimed[4], false);
        IDisputeGame.Game memory g = game.game(id);
        assertTrue(g.position.eq(_pos(0, 4)));
        assertEq(g.loCommitment, b.claimed[0]);
        assertEq(g.hiCommitment, b.claimed[4]);
    }

    function test_respond_toWidthOne_keepsTurnForStep() public {
        vm.prank(challenger);
        game.respond(id, _pos(0, 8), b.claimed[4], true);
        vm.prank(claimant);
        game.bisect(id, _pos(4, 8), b.claimed[6]);
        vm.prank(challenger);
        game.respond(id, _pos(4, 8), b.claimed[6], false);
        vm.prank(claimant);
        game.bisect(id, _pos(4, 6), b.claimed[5]);
        vm.prank(challenger);
        game.respond(id, _pos(4, 6), b.claimed[5], true);
        IDisputeGame.Game memory g = game.game(id);
        assertTrue(g.position.eq(_pos(5, 6)));
        assertEq(uint8(g.turn), uint8(Side.Challenger));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongMove.selector, id));
        game.respond(id, _pos(5, 6), bytes32(0), true);
    }

    function test_respond_wrongCommitment_reverts() public {
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeGame.DisputeGame_WrongCommitment.selector, b.claimed[4], b.honest[4] ^ bytes32(uint256(1))
            )
        );
        game.respond(id, _pos(0, 8), b.honest[4] ^ bytes32(uint256(1)), true);
    }

    function test_respond_notChallenger_reverts() public {
        vm.prank(anyone);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotPlayer.selector, anyone));
        game.respond(id, _pos(0, 8), b.claimed[4], true);
    }

    function test_respond_twice_reverts() public {
        vm.prank(challenger);
        game.respond(id, _pos(0, 8), b.claimed[4], true);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongPosition.selector, _pos(4, 8), _pos(0, 8)));
        game.respond(id, _pos(0, 8), b.claimed[4], true);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongMove.selector, id));
        game.respond(id, _pos(4, 8), bytes32(0), true);
    }

    function test_respond_claimantCannotBisectOnChallengersTurn() public {
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongMove.selector, id));
        game.bisect(id, _pos(0, 8), b.claimed[4]);
    }

    function test_respond_pastClockLimit_reverts() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_OutOfTime.selector, id));
        game.respond(id, _pos(0, 8), b.claimed[4], true);
    }
}

contract DisputeGame_Step_Test is DisputeBaseTest {
    Built internal b;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        b = _claim(2, 1);
        id = _open(b.claimId);
        vm.prank(claimant);
        game.bisect(id, _pos(0, 2), b.claimed[1]);
        vm.prank(challenger);
        game.respond(id, _pos(0, 2), b.claimed[1], true);
    }

    function test_step_claimWrong_challengerWins() public {
        StepProof memory p = _stepProof(b, 1);
        vm.expectEmit(address(game));
        emit IDisputeGame.Stepped(id, 1, b.honest[2], false);
        vm.prank(anyone);
        game.step(id, _pos(1, 2), p);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ChallengerWon));
        // Every defense is beaten, but others may still defend until the window closes.
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Pending));
        assertEq(game.challenge(id).lost, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_ChallengeNotSettleable.selector, id));
        game.resolveChallenge(id);
        vm.warp(game.challenge(id).openedAt + EXTENSION + 1);
        game.resolveChallenge(id);
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Void));
        assertEq(uint8(game.challenge(id).status), uint8(ChallengeStatus.Sustained));
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        assertEq(game.credit(challenger), BOND + slashed);
        assertEq(_openGames(b.claimId), 0);
        assertFalse(_bondLocked(b.claimId));
    }

    function test_step_beforeWidthOne_reverts() public {
        Built memory c = _claim(4, 1);
        uint256 other = _open(c.claimId);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_WrongMove.selector, other));
        game.step(other, _pos(0, 4), _stepProof(c, 0));
    }

    function test_step_preStateNotAgreed_reverts() public {
        StepProof memory p = _stepProof(b, 1);
        p.pre.totalCredited += 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOneStepVerifier.OneStepVerifier_PreStateMismatch.selector, b.claimed[1], Sigma.commitment(p.pre)
            )
        );
        game.step(id, _pos(1, 2), p);
    }

    function test_step_otherTransaction_reverts() public {
        StepProof memory p = _stepProof(b, 1);
        p.txBytes = b.txs[0];
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_BadTxProof.selector, 1));
        game.step(id, _pos(1, 2), p);
    }

    function test_step_afterResolution_reverts() public {
        game.step(id, _pos(1, 2), _stepProof(b, 1));
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotInProgress.selector, id));
        game.step(id, _pos(1, 2), _stepProof(b, 1));
    }

    function test_step_pastClockLimit_reverts() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_OutOfTime.selector, id));
        game.step(id, _pos(1, 2), _stepProof(b, 1));
    }

    function test_step_claimVoidedMeanwhile_refunds() public {
        mock.voidFromOutside(b.claimId);
        game.step(id, _pos(1, 2), _stepProof(b, 1));
        assertEq(uint8(game.game(id).status), uint8(GameStatus.Refunded));
        assertEq(uint8(game.challenge(id).status), uint8(ChallengeStatus.Refunded));
        assertEq(game.credit(challenger), BOND);
        assertTrue(_bondLocked(b.claimId));
    }
}

contract DisputeGame_Resolve_Test is DisputeBaseTest {
    Built internal b;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        b = _claim(8, 5);
        id = _open(b.claimId);
    }

    function test_resolve_claimantOutOfTime_challengerWins() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        vm.expectEmit(address(game));
        emit IDisputeGame.GameResolved(id, GameStatus.ChallengerWon, challenger, 0, 0);
        game.resolve(id);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ChallengerWon));
        // The clock outlasts the defense window: the challenge is settled by the same call.
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Void));
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        game.claimCredit(challenger);
        assertEq(token.balanceOf(challenger), 1_000_000e18 + slashed);
    }

    function test_resolve_atClockLimit_reverts() public {
        vm.warp(block.timestamp + MAX_CLOCK);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotResolvable.selector, id));
        game.resolve(id);
    }

    function test_resolve_challengerOutOfTime_claimantWins() public {
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        uint256 burned = uint256(BOND) * BURN_BPS / 10_000;
        vm.expectEmit(address(game));
        emit IDisputeGame.GameResolved(id, GameStatus.ClaimantWon, claimant, BOND - burned, burned);
        game.resolve(id);
        assertEq(game.credit(claimant), BOND - burned);
        assertEq(token.balanceOf(game.BURN_ADDRESS()), burned);
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Pending));
        assertEq(_openGames(b.claimId), 0);
        assertEq(token.balanceOf(address(game)), BOND - burned);
    }

    function test_resolve_voidClaim_refundsAtOnce() public {
        mock.voidFromOutside(b.claimId);
        game.resolve(id);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.Refunded));
        assertEq(game.credit(challenger), BOND);
        assertTrue(_bondLocked(b.claimId));
    }

    function test_resolve_twice_reverts() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotInProgress.selector, id));
        game.resolve(id);
    }

    function test_resolve_secondGameAfterFirstWon_refunds() public {
        vm.prank(anyone);
        uint256 second = game.open(b.claimId);
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id);
        game.resolve(second);
        assertEq(uint8(game.game(second).status), uint8(GameStatus.Refunded));
        // Both challenges were open when the claim was voided: each takes half the slashed bond.
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        assertEq(game.slashShare(b.claimId), slashed / 2);
        assertEq(game.credit(anyone), BOND + slashed / 2);
        assertEq(game.credit(challenger), BOND + slashed / 2);
        assertEq(_openGames(b.claimId), 0);
    }
}

contract DisputeGame_Clock_Test is DisputeBaseTest {
    Built internal b;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        b = _claim(8, 5);
        id = _open(b.claimId);
    }

    function test_clock_onlySideToMoveRuns() public {
        vm.warp(block.timestamp + 500);
        assertEq(game.elapsed(id, Side.Claimant), 500);
        assertEq(game.elapsed(id, Side.Challenger), 0);
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        vm.warp(block.timestamp + 70);
        assertEq(game.elapsed(id, Side.Claimant), 500);
        assertEq(game.elapsed(id, Side.Challenger), 70);
    }

    function test_clock_extensionTopsUpResponder() public {
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        // The challenger uses all but 10 s; the claimant answers at once.
        vm.warp(block.timestamp + MAX_CLOCK - 10);
        vm.prank(challenger);
        game.respond(id, _pos(0, 8), b.claimed[4], true);
        vm.prank(claimant);
        game.bisect(id, _pos(4, 8), b.claimed[6]);
        // Its turn again: it has the extension, not 10 s.
        assertEq(game.elapsed(id, Side.Challenger), MAX_CLOCK - EXTENSION);
        vm.warp(block.timestamp + EXTENSION);
        vm.prank(challenger);
        game.respond(id, _pos(4, 8), b.claimed[6], false);
        assertEq(game.elapsed(id, Side.Challenger), MAX_CLOCK);
    }

    function test_clock_extensionExpires() public {
        vm.prank(claimant);
        game.bisect(id, _pos(0, 8), b.claimed[4]);
        vm.warp(block.timestamp + MAX_CLOCK - 10);
        vm.prank(challenger);
        game.respond(id, _pos(0, 8), b.claimed[4], true);
        vm.prank(claimant);
        game.bisect(id, _pos(4, 8), b.claimed[6]);
        vm.warp(block.timestamp + EXTENSION + 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_OutOfTime.selector, id));
        vm.prank(challenger);
        game.respond(id, _pos(4, 8), b.claimed[6], false);
        game.resolve(id);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ClaimantWon));
    }

    function testFuzz_clock_gateAndResolveAgree(uint256 _wait) public {
        _wait = bound(_wait, 0, 3 * uint256(MAX_CLOCK));
        vm.warp(block.timestamp + _wait);
        bool late = game.elapsed(id, Side.Claimant) > MAX_CLOCK;
        vm.prank(claimant);
        (bool moved,) = address(game).call(abi.encodeCall(game.bisect, (id, _pos(0, 8), b.claimed[4])));
        assertEq(moved, !late);
        if (!moved) {
            game.resolve(id);
        } else {
            vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotResolvable.selector, id));
            game.resolve(id);
        }
    }

    function test_clock_stopsAfterResolution() public {
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id);
        assertEq(game.elapsed(id, Side.Claimant), MAX_CLOCK + 1);
        vm.warp(block.timestamp + 1000);
        assertEq(game.elapsed(id, Side.Claimant), MAX_CLOCK + 1);
        assertEq(LibClock.used(game.game(id).claimantClock), MAX_CLOCK + 1);
    }
}

contract DisputeGame_ClaimCredit_Test is DisputeBaseTest {
    function test_claimCredit_paysAndZeroes() public {
        Built memory b = _claim(8, 5);
        uint256 id = _open(b.claimId);
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id);
        uint256 before = token.balanceOf(challenger);
        uint256 owed = BOND + CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        vm.expectEmit(address(game));
        emit IDisputeGame.CreditClaimed(challenger, owed);
        vm.prank(anyone);
        game.claimCredit(challenger);
        assertEq(token.balanceOf(challenger) - before, owed);
        assertEq(game.credit(challenger), 0);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_claimCredit_nothing_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NoCredit.selector, anyone));
        game.claimCredit(anyone);
    }
}

contract DisputeGame_Defend_Test is DisputeBaseTest {
    Built internal b;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        b = _claim(8, NO_LIE);
        id = _open(b.claimId);
    }

    function test_defend_opensOwnGamePullsBond() public {
        uint256 before = token.balanceOf(anyone);
        vm.expectEmit(address(game));
        emit IDisputeGame.DefenseOpened(1, id, anyone, BOND);
        vm.prank(anyone);
        uint256 d = game.defend(id);
        assertEq(d, 1);
        IDisputeGame.Game memory g = game.game(d);
        assertEq(g.claimant, anyone);
        assertEq(g.challenger, challenger);
        assertEq(g.bond, BOND);
        assertEq(g.challengeId, id);
        assertTrue(g.position.eq(_pos(0, 8)));
        assertEq(uint8(g.turn), uint8(Side.Claimant));
        assertEq(game.challenge(id).defenses, 2);
        assertEq(game.defenseGame(id, 1), d);
        assertEq(before - token.balanceOf(anyone), BOND);
        assertEq(game.totalBonded(), 2 * uint256(BOND));
        assertEq(_openGames(b.claimId), 1, "one challenge, however many defenses");
    }

    function test_defend_onlyTheDefenderBisectsItsGame() public {
        vm.prank(anyone);
        uint256 d = game.defend(id);
        vm.prank(claimant);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_NotPlayer.selector, claimant));
        game.bisect(d, _pos(0, 8), b.claimed[4]);
        vm.prank(anyone);
        game.bisect(d, _pos(0, 8), b.claimed[4]);
    }

    function test_defend_byChallenger_reverts() public {
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_DefenseClosed.selector, id));
        game.defend(id);
    }

    function test_defend_atWindowEnd_succeeds_pastIt_reverts() public {
        vm.warp(block.timestamp + EXTENSION);
        vm.prank(anyone);
        game.defend(id);
        vm.warp(block.timestamp + 1);
        vm.prank(anyone);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_DefenseClosed.selector, id));
        game.defend(id);
    }

    function test_defend_unknownChallenge_reverts() public {
        vm.prank(anyone);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_DefenseClosed.selector, 9));
        game.defend(9);
    }

    function test_defend_claimVoid_reverts() public {
        mock.voidFromOutside(b.claimId);
        vm.prank(anyone);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_ClaimNotPending.selector, b.claimId));
        game.defend(id);
    }

    /// @dev The poster is silent and loses its game; a third party's honest defense still wins the challenge,
    ///      takes the challenger's bond less the burn, and the poster's lost game voids nothing.
    function test_defend_thirdPartyWins_challengeDefended() public {
        vm.prank(anyone);
        uint256 d = game.defend(id);
        vm.prank(anyone);
        game.bisect(d, _pos(0, 8), b.claimed[4]);
        // Both the silent poster (game id) and the silent challenger (game d) run out of time.
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(id);
        assertEq(uint8(game.game(id).status), uint8(GameStatus.ChallengerWon));
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Pending), "one defense still live");
        assertEq(uint8(game.challenge(id).status), uint8(ChallengeStatus.Open));
        game.resolve(d);
        assertEq(uint8(game.game(d).status), uint8(GameStatus.ClaimantWon));
        assertEq(uint8(game.challenge(id).status), uint8(ChallengeStatus.Defended));
        assertEq(uint8(_claimStatus(b.claimId)), uint8(IAttributionLedger.Status.Pending));
        assertEq(_openGames(b.claimId), 0);
        uint256 burned = uint256(BOND) * BURN_BPS / 10_000;
        assertEq(game.credit(anyone), BOND + BOND - burned);
        assertEq(game.totalBonded(), 0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_DefenseClosed.selector, id));
        game.defend(id);
    }

    /// @dev Once a defense has won, every other game of the challenge is moot: resolvable at once, refunded.
    function test_defend_otherGamesOfDefendedChallengeRefund() public {
        vm.prank(anyone);
        uint256 d = game.defend(id);
        _play(id, b, Strategy.AlwaysDisagree);
        assertEq(uint8(game.challenge(id).status), uint8(ChallengeStatus.Defended));
        game.resolve(d);
        assertEq(uint8(game.game(d).status), uint8(GameStatus.Refunded));
        assertEq(game.credit(anyone), BOND);
        assertEq(game.totalBonded(), 0);
    }

    /// @dev A challenge voids the claim only when every defense opened in time is beaten.
    function test_settle_needsEveryDefenseBeatenAndWindowClosed() public {
        Built memory w = _claim(8, 5);
        uint256 c = _open(w.claimId);
        vm.prank(anyone);
        uint256 d = game.defend(c);
        _play(c, w, Strategy.Honest);
        assertEq(uint8(game.game(c).status), uint8(GameStatus.ChallengerWon));
        vm.warp(block.timestamp + EXTENSION + 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_ChallengeNotSettleable.selector, c));
        game.resolveChallenge(c);
        // The extra defender lies like the poster and loses too: its bond goes to the challenger.
        address saved = claimant;
        claimant = anyone;
        _play(d, w, Strategy.Honest);
        claimant = saved;
        assertEq(uint8(game.challenge(c).status), uint8(ChallengeStatus.Sustained), "settled by the last step");
        assertEq(uint8(_claimStatus(w.claimId)), uint8(IAttributionLedger.Status.Void));
        uint256 burned = uint256(BOND) * BURN_BPS / 10_000;
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        assertEq(game.credit(challenger), BOND + slashed + BOND - burned);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.DisputeGame_ChallengeNotSettleable.selector, c));
        game.resolveChallenge(c);
    }
}
