// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DisputeActors} from "test/dispute/invariant/handlers/DisputeActors.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";

/// @notice Honest and random actors play many games over a chain of claims on the real AttributionLedger.
contract DisputeGame_Invariant_Test is DisputeBaseTest {
    DisputeActors internal actors;
    address internal liar;
    address internal randomChallenger;
    address internal lazy;
    address internal sock;
    uint256 internal supply;

    function _realLedger() internal pure override returns (bool) {
        return true;
    }

    /// @dev One clock long, so claims finalize within a run's few warps.
    function _ledgerWindow() internal pure override returns (uint64 window_) {
        window_ = MAX_CLOCK;
    }

    function setUp() public override {
        super.setUp();
        liar = makeAddr("liar");
        randomChallenger = makeAddr("random challenger");
        lazy = makeAddr("lazy claimant");
        sock = makeAddr("sock puppet");
        actors = new DisputeActors(game, real, [claimant, liar, challenger, randomChallenger, lazy, sock]);
        vm.startPrank(treasury);
        token.transfer(liar, 100 * CLAIM_BOND);
        token.transfer(lazy, 100 * CLAIM_BOND);
        token.transfer(randomChallenger, 1_000_000e18);
        token.transfer(sock, 1_000_000e18);
        vm.stopPrank();
        for (uint256 i = 0; i < 2; i++) {
            address poster = [liar, lazy][i];
            vm.startPrank(poster);
            token.approve(address(real), type(uint256).max);
            real.bond(100 * CLAIM_BOND);
            vm.stopPrank();
        }
        vm.prank(randomChallenger);
        token.approve(address(game), type(uint256).max);
        vm.prank(sock);
        token.approve(address(game), type(uint256).max);
        supply = _tracked();

        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = DisputeActors.postClaim.selector;
        selectors[1] = DisputeActors.honestChallenge.selector;
        selectors[2] = DisputeActors.randomChallenge.selector;
        selectors[3] = DisputeActors.randomMove.selector;
        selectors[4] = DisputeActors.warp.selector;
        selectors[5] = DisputeActors.resolve.selector;
        selectors[6] = DisputeActors.voidDescendant.selector;
        selectors[7] = DisputeActors.claimCredit.selector;
        selectors[8] = DisputeActors.finalize.selector;
        selectors[9] = DisputeActors.sockChallenge.selector;
        selectors[10] = DisputeActors.sockDefend.selector;
        selectors[11] = DisputeActors.resolveChallenge.selector;
        targetSelector(FuzzSelector({addr: address(actors), selectors: selectors}));
        targetContract(address(actors));
    }

    /// @dev Every token the suite can move: the actors, the game, the ledger and the burn address.
    function _tracked() internal view returns (uint256 total_) {
        address[6] memory all = actors.actors();
        for (uint256 i = 0; i < 6; i++) {
            total_ += token.balanceOf(all[i]);
        }
        total_ += token.balanceOf(address(game)) + token.balanceOf(address(real)) + token.balanceOf(game.BURN_ADDRESS());
    }

    /// @custom:invariant The honest actors never lose a game or a challenge, no honest claim is voided by a
    ///                   game (whoever posted it: the honest attributor defends the lazy claimant's), an
    ///                   honest actor is never locked out of a move, and an honest challenge that shares in a
    ///                   void is paid (the sock puppet's race cannot leave it merely refunded).
    function invariant_honestActorNeverLoses() public view {
        assertEq(actors.ghostHonestLosses(), 0, "honest loss");
        assertEq(actors.ghostHonestMoveFailures(), 0, "honest move reverted");
        assertEq(actors.ghostWrongClaimsSurvived(), 0, "wrong claim survived an honest challenge");
        assertEq(actors.ghostHonestUnpaid(), 0, "honest challenger not paid");
    }

    /// @custom:invariant No wrong claim ever finalizes while an honest challenger watches the chain.
    function invariant_noWrongClaimFinalizes() public view {
        assertEq(actors.ghostWrongFinalized(), 0);
    }

    /// @custom:invariant The game holds exactly the bonds in play, unclaimed credit and slashed-bond shares
    ///                   not yet taken.
    function invariant_gameHoldsExactlyBondsAndCredit() public view {
        assertEq(game.totalBonded(), actors.ghostBonded(), "bonded");
        address[6] memory all = actors.actors();
        uint256 credit;
        for (uint256 i = 0; i < 6; i++) {
            credit += game.credit(all[i]);
        }
        assertEq(game.totalCredit(), credit, "credit");
        assertEq(
            token.balanceOf(address(game)), game.totalBonded() + game.totalCredit() + game.totalPooled(), "balance"
        );
    }

    /// @custom:invariant The ledger holds exactly the claimants' bonds and the claims' pots (slashed bonds left it).
    function invariant_ledgerHoldsExactlyBondsAndPots() public view {
        assertEq(token.balanceOf(address(real)), real.totalBonded() + real.totalPots(), "ledger balance");
        assertEq(
            real.bondOf(claimant).bonded + real.bondOf(liar).bonded + real.bondOf(lazy).bonded,
            real.totalBonded(),
            "bonds"
        );
    }

    /// @custom:invariant No token is created or lost: actors + game + ledger + burned is constant.
    function invariant_tokensConserved() public view {
        assertEq(_tracked(), supply);
    }

    /// @custom:invariant Once every game is played out and paid, the game contract holds nothing.
    function afterInvariant() public {
        actors.finishAll();
        assertEq(game.totalBonded(), 0, "bond stuck");
        assertEq(game.totalCredit(), 0, "credit stuck");
        assertEq(game.totalPooled(), 0, "share stuck");
        assertEq(token.balanceOf(address(game)), 0, "dust");
        assertEq(actors.ghostHonestLosses(), 0, "honest loss");
        assertEq(actors.ghostHonestMoveFailures(), 0, "honest move reverted");
        assertEq(actors.ghostConcluded(), actors.gameCount(), "every game concluded");
        assertEq(actors.ghostSettled(), actors.challengeCount(), "every challenge settled");
        assertEq(actors.ghostHonestUnpaid(), 0, "honest challenger not paid");
        assertEq(_tracked(), supply);
    }
}
