// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script, console2} from "forge-std/Script.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";

/// @notice The ledger's deploy steps and parameter presets, for script/Deploy.s.sol to inherit
///         (`deployPaymentEscrow` then `deployAttributionLedger`, in that order: the escrow names the
///         ledger's precomputed address).
abstract contract LedgerDeploySteps is Script {
    enum Preset {
        Local,
        Testnet,
        MainnetLike
    }

    /// @notice Ledger + escrow parameters of a preset (token, registries and protocol are filled in by the caller).
    /// @dev unbondDelay > challengeWindow (a bond outlives every claim it backs); the escrow notice exceeds
    ///      maxReferenceLag plus the time an attributor takes to post, so a user cannot leave before paying.
    function ledgerPreset(Preset _preset)
        public
        pure
        returns (IAttributionLedger.Params memory p_, uint64 escrowNotice_)
    {
        p_.maxEntries = 8;
        p_.burnBps = 5000;
        if (_preset == Preset.Local) {
            (p_.challengeWindow, p_.maxReferenceLag, p_.unbondDelay) = (5 minutes, 5 minutes, 10 minutes);
            (p_.claimBond, escrowNotice_) = (100e18, 10 minutes);
        } else if (_preset == Preset.Testnet) {
            (p_.challengeWindow, p_.maxReferenceLag, p_.unbondDelay) = (1 hours, 30 minutes, 2 hours);
            (p_.claimBond, escrowNotice_) = (1000e18, 3 hours);
        } else {
            (p_.challengeWindow, p_.maxReferenceLag, p_.unbondDelay) = (7 days, 1 hours, 14 days);
            (p_.claimBond, escrowNotice_) = (10_000e18, 1 days);
        }
    }

    /// @notice Deploys the escrow for the ledger that the deployer's next CREATE will produce.
    /// @dev Call right before deployAttributionLedger, from the same broadcaster, with nothing in between.
    function deployPaymentEscrow(address _token, uint64 _notice) public returns (address addr_) {
        address deployer = _broadcaster();
        address ledger = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 1);
        addr_ = address(new PaymentEscrow(IERC20(_token), ledger, _notice));
    }

    /// @notice Deploys the ledger; the constructor checks that the escrow names it.
    function deployAttributionLedger(IAttributionLedger.Params memory _params) public returns (address addr_) {
        addr_ = address(new AttributionLedger(_params));
    }

    function _broadcaster() internal view virtual returns (address) {
        return msg.sender;
    }
}

/// @notice Standalone: `TOKEN=… CONTRIBUTIONS=… MODELS=… PROTOCOL=… PRESET=0|1|2 forge script
///         script/DeployLedger.s.sol:DeployLedger --rpc-url … --broadcast`.
contract DeployLedger is LedgerDeploySteps {
    function run() external returns (address escrow_, address ledger_) {
        (IAttributionLedger.Params memory p, uint64 notice) = ledgerPreset(Preset(vm.envOr("PRESET", uint256(0))));
        p.token = vm.envAddress("TOKEN");
        p.contributions = vm.envAddress("CONTRIBUTIONS");
        p.models = vm.envAddress("MODELS");
        p.protocol = vm.envAddress("PROTOCOL");
        vm.startBroadcast();
        escrow_ = deployPaymentEscrow(p.token, notice);
        p.escrow = escrow_;
        ledger_ = deployAttributionLedger(p);
        vm.stopBroadcast();
        console2.log("PaymentEscrow", escrow_);
        console2.log("AttributionLedger", ledger_);
    }
}
