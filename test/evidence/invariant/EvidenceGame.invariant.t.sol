// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {EvidenceGameHandler} from "test/evidence/invariant/handlers/EvidenceGameHandler.sol";

/// @notice The evidence game (docs/evidence-game.md §3) with honest and adversarial claimants and challengers:
///         the honest side never loses, no disputed wrong weight vector finalizes, tokens are conserved.
contract EvidenceGame_Invariant_Test is Test {
    uint128 internal constant CLAIM_BOND = 100e18;
    uint96 internal constant BOND = 10e18;

    EvidenceGameHandler internal handler;
    IERC20 internal token;
    EvidenceGame internal game;
    AttributionLedger internal ledger;
    uint256 internal totalHeld;
    uint256 internal honestChallengerFunds;

    function setUp() public {
        handler = new EvidenceGameHandler();
        handler.init();
        token = IERC20(handler.tokenAddress());
        game = EvidenceGame(handler.gameAddress());
        ledger = AttributionLedger(handler.ledgerAddress());
        totalHeld = _held();
        honestChallengerFunds = token.balanceOf(handler.honestChallenger());
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = EvidenceGameHandler.postHonest.selector;
        selectors[1] = EvidenceGameHandler.honestRespond.selector;
        selectors[2] = EvidenceGameHandler.postLie.selector;
        selectors[3] = EvidenceGameHandler.liarRespond.selector;
        selectors[4] = EvidenceGameHandler.honestChallenge.selector;
        selectors[5] = EvidenceGameHandler.adversaryOpen.selector;
        selectors[6] = EvidenceGameHandler.adversaryAccuse.selector;
        selectors[7] = EvidenceGameHandler.adversaryProve.selector;
        selectors[8] = EvidenceGameHandler.warp.selector;
        selectors[9] = EvidenceGameHandler.resolve.selector;
        selectors[10] = EvidenceGameHandler.finalize.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
        excludeSender(address(handler));
    }

    /// @custom:invariant An honest claim is never voided by the evidence game (no dispute on it is won by the
    ///                   challenger, its poster's claim bond is never slashed), and an honest actor's due move is
    ///                   never rejected.
    /// forge-config: default.invariant.runs = 8
    /// forge-config: default.invariant.depth = 24
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 24
    function invariant_honestClaimNeverLost() public view {
        assertFalse(handler.ghostHonestMoveFailed(), "an honest move was rejected");
        assertEq(ledger.bondOf(handler.honestClaimant()).bonded, 10 * CLAIM_BOND, "honest claim bond slashed");
        uint256 n = handler.disputeCount();
        for (uint256 i = 0; i < n; i++) {
            IEvidenceGameTypes.Dispute memory d = game.dispute(handler.disputeIds(i));
            if (handler.isHonest(d.claimId)) {
                assertTrue(d.status != IEvidenceGameTypes.DisputeStatus.ChallengerWon, "honest claim lost");
            }
        }
    }

    /// @custom:invariant The honest challenger never loses a dispute: its tokens, credit and live bonds never fall
    ///                   below what it started with.
    /// forge-config: default.invariant.runs = 8
    /// forge-config: default.invariant.depth = 24
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 24
    function invariant_honestChallengerNeverLosesBond() public view {
        address h = handler.honestChallenger();
        uint256 live;
        uint256 n = handler.disputeCount();
        for (uint256 i = 0; i < n; i++) {
            IEvidenceGameTypes.Dispute memory d = game.dispute(handler.disputeIds(i));
            if (d.challenger != h) continue;
            assertTrue(d.status != IEvidenceGameTypes.DisputeStatus.ClaimantWon, "honest challenger lost");
            if (d.status == IEvidenceGameTypes.DisputeStatus.InProgress) live += d.challengerBond;
        }
        assertGe(token.balanceOf(h) + game.credit(h) + live, honestChallengerFunds, "honest challenger lost tokens");
    }

    /// @custom:invariant No wrong weight vector finalizes: a lie is disputed by the honest challenger within its
    ///                   window, is never final, and is void once that dispute is over.
    /// forge-config: default.invariant.runs = 8
    /// forge-config: default.invariant.depth = 24
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 24
    function invariant_noWrongWeightsFinalize() public view {
        uint256 n = handler.claimCount();
        for (uint256 i = 0; i < n; i++) {
            uint256 cid = handler.claimIds(i);
            if (handler.isHonest(cid)) continue;
            IAttributionLedger.Claim memory cl = ledger.claim(cid);
            assertTrue(cl.status != IAttributionLedger.Status.Final, "a lie finalized");
        }
        uint256 m = handler.disputeCount();
        for (uint256 i = 0; i < m; i++) {
            uint256 id = handler.disputeIds(i);
            if (!handler.honestDispute(id)) continue;
            IEvidenceGameTypes.Dispute memory d = game.dispute(id);
            if (d.status != IEvidenceGameTypes.DisputeStatus.InProgress) {
                assertEq(uint8(ledger.claim(d.claimId).status), uint8(IAttributionLedger.Status.Void), "lie not void");
            }
        }
    }

    /// @custom:invariant Bonds and credits conserve tokens: the holders' sum never changes and the game holds at
    ///                   least every credit it owes.
    /// forge-config: default.invariant.runs = 8
    /// forge-config: default.invariant.depth = 24
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 24
    function invariant_tokensConserved() public view {
        assertEq(_held(), totalHeld, "tokens created or lost");
        assertEq(token.balanceOf(address(game)), game.totalCredit() + game.totalBonded(), "game's tokens");
        assertGe(token.balanceOf(address(ledger)), ledger.totalBonded(), "ledger insolvent");
    }

    function _held() internal view returns (uint256 sum_) {
        address[] memory h = handler.holders();
        for (uint256 i = 0; i < h.length; i++) {
            sum_ += token.balanceOf(h[i]);
        }
    }
}
