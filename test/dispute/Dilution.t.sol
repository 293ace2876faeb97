// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {ChallengeStatus} from "src/libraries/GameTypes.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";

/// @notice Issue 12 item 3 (b): a liar diluting the honest challenger's share of its slashed bond with sock
///         challenges. The bounds docs/dispute-game.md §6 claims, on the real ledger, for any number of socks
///         and any place of the honest challenge among them.
contract DisputeGame_Dilution_Test is DisputeBaseTest {
    uint256 internal constant FUNDS = 1_000_000e18;
    uint256 internal constant MAX_SOCKS = 24;

    function _realLedger() internal pure override returns (bool) {
        return true;
    }

    function _sock(uint256 _i) internal returns (address sock_) {
        sock_ = makeAddr(string.concat("sock ", vm.toString(_i)));
        vm.prank(treasury);
        token.transfer(sock_, FUNDS);
        vm.prank(sock_);
        token.approve(address(game), type(uint256).max);
    }

    /// @notice With k sock challenges open against a wrong claim, wherever the honest challenge is among them:
    ///         the honest challenger gets its bond back plus exactly ⌊P/(k+1)⌋ (never less, never refunded
    ///         only); the liar (poster and socks together) loses at least the ledger's burn plus the honest
    ///         share; the game keeps nothing.
    /// forge-config: ci.fuzz.runs = 512
    function testFuzz_sockDilution_honestFloorAndLiarLoss(uint256 _socks, uint256 _honestAt) public {
        uint256 k = bound(_socks, 0, MAX_SOCKS);
        uint256 honestAt = bound(_honestAt, 0, k);
        Built memory lie = _claim(16, 5);
        uint256 bondedBefore = real.bondOf(claimant).bonded;

        address[] memory socks = new address[](k);
        uint256[] memory ids = new uint256[](k + 1);
        uint256 honestId;
        for (uint256 i = 0; i <= k; i++) {
            if (i == honestAt) {
                honestId = _open(lie.claimId);
                ids[i] = honestId;
                continue;
            }
            uint256 s = i < honestAt ? i : i - 1;
            socks[s] = _sock(s);
            vm.prank(socks[s]);
            ids[i] = game.open(lie.claimId);
        }
        assertEq(_openGames(lie.claimId), k + 1);

        // The liar never defends (a sock's challenge wins by the poster's timeout, as the honest one does).
        vm.warp(block.timestamp + MAX_CLOCK + 1);
        for (uint256 i = 0; i <= k; i++) {
            game.resolve(ids[i]);
            assertEq(uint8(game.challenge(ids[i]).status), uint8(ChallengeStatus.Sustained));
        }
        assertEq(uint8(_claimStatus(lie.claimId)), uint8(IAttributionLedger.Status.Void));

        uint256 slashed = CLAIM_BOND - CLAIM_BOND * LEDGER_BURN_BPS / 10_000;
        uint256 share = slashed / (k + 1);
        game.claimCredit(challenger);
        assertEq(token.balanceOf(challenger), FUNDS + share, "honest: bond back plus P/(k+1)");
        uint256 socksGain;
        for (uint256 s = 0; s < k; s++) {
            game.claimCredit(socks[s]);
            socksGain += token.balanceOf(socks[s]) - FUNDS;
        }
        assertEq(socksGain, k * share);
        uint256 liarLoss = bondedBefore - real.bondOf(claimant).bonded - socksGain;
        assertGe(
            liarLoss, CLAIM_BOND * LEDGER_BURN_BPS / 10_000 + share, "the liar loses the burn and the honest share"
        );
        assertGe(liarLoss, CLAIM_BOND * LEDGER_BURN_BPS / 10_000 + slashed / (MAX_SOCKS + 1));
        assertEq(token.balanceOf(address(game)), 0, "only the division's remainder was burned");
    }
}
