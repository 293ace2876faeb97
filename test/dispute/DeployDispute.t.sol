// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeployDispute, DisputePresets} from "script/DeployDispute.s.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";

/// @notice The deploy steps wire the game to the ledger with each preset's parameters.
contract DeployDispute_Steps_Test is DisputeBaseTest {
    function _realLedger() internal pure override returns (bool) {
        return true;
    }

    function test_deployDisputeGame_eachPresetIsValidAndWired() public {
        DeployDispute script = new DeployDispute();
        address verifier_ = script.deployOneStepVerifier();
        assertEq(OneStepVerifier(verifier_).treeDepth(1000), 10);
        string[3] memory names = ["local", "testnet", "mainnet"];
        for (uint256 i = 0; i < 3; i++) {
            DisputePresets.Params memory p = this.presetByName(names[i]);
            DisputeGame g = DisputeGame(script.deployDisputeGame(address(token), address(real), verifier_, p));
            assertEq(address(g.LEDGER()), address(real));
            assertEq(address(g.TOKEN()), address(token));
            assertEq(address(g.VERIFIER()), verifier_);
            assertEq(g.MAX_CLOCK_DURATION(), p.maxClockDuration);
            assertEq(g.CLOCK_EXTENSION(), p.clockExtension);
            assertEq(g.CHALLENGE_BOND(), p.challengeBond);
            assertEq(g.BURN_BPS(), p.burnBps);
            assertLt(p.clockExtension, p.maxClockDuration);
        }
    }

    function test_presets_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisputePresets.DisputePresets_Unknown.selector, "moon"));
        this.presetByName("moon");
    }

    function presetByName(string memory _name) external pure returns (DisputePresets.Params memory p_) {
        p_ = DisputePresets.byName(_name);
    }
}
