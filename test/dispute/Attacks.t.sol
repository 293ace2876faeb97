// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {GameStatus, Position, Side} from "src/libraries/GameTypes.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";

/// @notice Regression tests for issue 12 items 1 and 3, on the real ledger. Each one is written against the
///         calls the old game had too (`defend` and `resolveChallenge` through their selectors), so it
///         compiles on the old code and fails there.
contract DisputeGame_Attacks_Test is DisputeBaseTest {
    uint256 internal constant FUNDS = 1_000_000e18;

    /// @dev An honest attributor (bonded) that follows every claim and defends the ones it agrees with.
    address internal attributor;
    /// @dev The attacker's second address.
    address internal sock;

    function _realLedger() internal pure override returns (bool) {
        return true;
    }

    function setUp() public override {
        super.setUp();
        attributor = makeAddr("honest attributor");
        sock = makeAddr("sock puppet");
        vm.startPrank(treasury);
        token.transfer(attributor, FUNDS + 10 * CLAIM_BOND);
        token.transfer(sock, FUNDS);
        vm.stopPrank();
        vm.startPrank(attributor);
        token.approve(address(real), type(uint256).max);
        token.approve(address(game), type(uint256).max);
        real.bond(10 * CLAIM_BOND);
        vm.stopPrank();
        vm.prank(sock);
        token.approve(address(game), type(uint256).max);
    }

    /// @dev `defend` by its selector (the old game has none: the call fails there).
    function _defend(uint256 _challengeId, address _who) internal returns (uint256 gameId_) {
        vm.prank(_who);
        (bool ok, bytes memory ret) = address(game).call(abi.encodeWithSignature("defend(uint256)", _challengeId));
        assertTrue(ok, "a third party can defend the claim");
        gameId_ = abi.decode(ret, (uint256));
    }

    /// @dev `resolveChallenge` by its selector where it exists; a no-op on the old game.
    function _tryResolveChallenge(uint256 _challengeId) internal {
        (bool ok,) = address(game).call(abi.encodeWithSignature("resolveChallenge(uint256)", _challengeId));
        ok;
    }

    /// @dev Plays game `_id` to its end: `_defender` bisects with the claim's honest states, `_challenger`
    ///      always disagrees, the defender brings the step.
    function _defendHonestly(uint256 _id, Built memory _b, address _defender, address _challenger) internal {
        while (game.game(_id).status == GameStatus.InProgress) {
            IDisputeGame.Game memory g = game.game(_id);
            Position p = g.position;
            if (p.width() == 1) {
                vm.prank(_defender);
                game.step(_id, p, _stepProof(_b, p.lo()));
            } else if (g.turn == Side.Claimant) {
                vm.prank(_defender);
                game.bisect(_id, p, _b.honest[p.mid()]);
            } else {
                vm.prank(_challenger);
                game.respond(_id, p, g.midCommitment, false);
            }
        }
    }

    /// @notice Item 1. The attacker posts an honest claim, honest attributors build on it, the attacker
    ///         challenges its own claim from a second address and never defends: an honest third party
    ///         defends, wins, and the claim and its descendants stay live and finalize.
    function test_attack_posterAbandonsHonestClaim_thirdPartyDefendsAndWins() public {
        Built memory mine = _claim(16, NO_LIE);
        vm.warp(block.timestamp + 1);
        Built memory built1 = _claimAs(attributor, 8, NO_LIE);
        vm.warp(block.timestamp + 1);
        Built memory built2 = _claimAs(attributor, 4, NO_LIE);

        vm.prank(sock);
        uint256 challengeId = game.open(mine.claimId);
        // The poster (the attacker) stays silent; the attributor that follows every claim defends it.
        uint256 d = _defend(challengeId, attributor);
        _defendHonestly(d, mine, attributor, sock);
        assertEq(uint8(game.game(d).status), uint8(GameStatus.ClaimantWon), "the honest defense wins");
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        game.resolve(challengeId);

        assertEq(uint8(_claimStatus(mine.claimId)), uint8(IAttributionLedger.Status.Pending), "claim stands");
        assertEq(uint8(_claimStatus(built1.claimId)), uint8(IAttributionLedger.Status.Pending));
        assertEq(uint8(_claimStatus(built2.claimId)), uint8(IAttributionLedger.Status.Pending));
        vm.warp(block.timestamp + LEDGER_WINDOW);
        real.finalize(mine.claimId);
        real.finalize(built1.claimId);
        real.finalize(built2.claimId);
        assertEq(real.latestFinalized(), built2.claimId, "every honest descendant finalized");
        // The defender is paid the attacker's challenge bond less the burn.
        game.claimCredit(attributor);
        uint256 burned = uint256(BOND) * BURN_BPS / 10_000;
        assertEq(token.balanceOf(attributor), FUNDS + BOND - burned);
        assertEq(token.balanceOf(sock), FUNDS - BOND);
    }

    /// @notice Item 3. The liar stalls the honest challenger's game, opens a second challenge from another
    ///         address and loses it at once: the honest challenger, whose challenge was open when the claim
    ///         was voided, is paid a share of the slashed claim bond, not merely refunded.
    function test_attack_sockPuppetRace_honestChallengerIsPaid() public {
        Built memory lie = _claim(16, 5);
        uint256 honest = _open(lie.claimId);
        vm.prank(sock);
        uint256 race = game.open(lie.claimId);
        // The liar plays its own race fast (its poster bisects the claimed states, its sock answers right)…
        address saved = challenger;
        challenger = sock;
        _play(race, lie, Strategy.Honest);
        challenger = saved;
        assertEq(uint8(game.game(race).status), uint8(GameStatus.ChallengerWon));
        _tryResolveChallenge(race);
        // …and stalls the honest game until the claim is void.
        vm.warp(block.timestamp + game.CLOCK_EXTENSION() + 1);
        _tryResolveChallenge(race);
        assertEq(uint8(_claimStatus(lie.claimId)), uint8(IAttributionLedger.Status.Void));
        game.resolve(honest);
        game.claimCredit(challenger);
        game.claimCredit(sock);
        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        assertEq(token.balanceOf(challenger), FUNDS + slashed / 2, "the honest challenger is paid");
        // The liar recovers at most the share of its sock: it loses the burn plus the honest share.
        assertEq(token.balanceOf(sock), FUNDS + slashed / 2);
        assertEq(token.balanceOf(address(game)), 0);
    }

    /// @notice Item 1 (receipts). A claim voided only because its parent was can be re-posted by its poster,
    ///         the exact batch with its original reference time, on the replacement parent, even after the
    ///         reference-time lag: its receipts are not lost.
    function test_attack_descendantOfVoidedClaim_repostedWithOriginalReferenceTime() public {
        Built memory lie = _claim(4, 1);
        vm.warp(block.timestamp + 1);
        Built memory child = _claimAs(attributor, 8, NO_LIE);
        uint64 childTime = real.claim(child.claimId).referenceTime;
        uint256 id = _open(lie.claimId);
        _play(id, lie, Strategy.Honest);
        vm.warp(block.timestamp + EXTENSION + 1);
        _tryResolveChallenge(id);
        assertEq(uint8(_claimStatus(lie.claimId)), uint8(IAttributionLedger.Status.Void));
        real.voidDescendant(child.claimId);
        vm.warp(block.timestamp + REFERENCE_LAG + 1);

        // The honest replacement of the void claim, then the child's batch re-posted on it.
        Built memory replacement = _claimAs(attributor, 4, NO_LIE);
        assertGt(real.claim(replacement.claimId).referenceTime, childTime, "the new parent is younger");
        IAttributionLedger.Claim memory p = real.claim(replacement.claimId);
        bytes memory batch = _concat(child.txs);
        // Another poster cannot take the batch over.
        vm.prank(sock);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_BadReferenceTime.selector, childTime)
        );
        real.postClaim(replacement.claimId, batch, _stateAfter(p, 8), childTime, new Debit[](0));
        vm.prank(attributor);
        uint256 reposted = real.postClaim(replacement.claimId, batch, _stateAfter(p, 8), childTime, new Debit[](0));
        assertEq(uint8(_claimStatus(reposted)), uint8(IAttributionLedger.Status.Pending));
        assertEq(real.claim(reposted).referenceTime, childTime);
        assertEq(real.claim(reposted).txRoot, real.claim(child.claimId).txRoot);
        // Both finalize: the receipts are paid after all.
        vm.warp(block.timestamp + LEDGER_WINDOW);
        real.finalize(replacement.claimId);
        real.finalize(reposted);
        assertEq(real.latestFinalized(), reposted);
    }

    function _stateAfter(IAttributionLedger.Claim memory _p, uint256 _n) internal pure returns (State memory s_) {
        s_ = _state(State(_p.accountsRoot, _p.totalCredited, 0, _p.txCount), _n, NO_LIE);
    }
}
