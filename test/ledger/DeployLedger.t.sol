// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LedgerDeploySteps} from "script/DeployLedger.s.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";

contract Steps is LedgerDeploySteps {
    function _broadcaster() internal view override returns (address) {
        return address(this);
    }
}

/// @notice Every preset deploys a consistent escrow + ledger pair through the deploy steps.
contract Ledger_DeployPresets_Test is LedgerBaseTest {
    function test_presets_deploy() public {
        for (uint256 i = 0; i < 3; i++) {
            Steps steps = new Steps();
            (IAttributionLedger.Params memory p, uint64 notice) = steps.ledgerPreset(LedgerDeploySteps.Preset(i));
            assertGt(p.unbondDelay, p.challengeWindow);
            assertGt(notice, p.maxReferenceLag);
            p.token = address(token);
            p.contributions = address(registry);
            p.models = address(registry);
            p.protocol = protocol;
            p.escrow = steps.deployPaymentEscrow(address(token), notice);
            AttributionLedger deployed = AttributionLedger(steps.deployAttributionLedger(p));
            assertEq(PaymentEscrow(p.escrow).LEDGER(), address(deployed));
            assertEq(deployed.CHALLENGE_WINDOW(), p.challengeWindow);
            assertEq(deployed.MAX_ENTRIES(), 8);
        }
    }
}
