// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script, console} from "forge-std/Script.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IOneStepVerifier} from "src/interfaces/IOneStepVerifier.sol";

/// @title DisputePresets
/// @notice Dispute-game parameters per chain kind (docs/dispute-game.md §6).
///
/// | preset   | clock per side | extension | challenge bond | burned |
/// |----------|----------------|-----------|----------------|--------|
/// | local    | 5 min          | 30 s      | 10 OPEN        | 20 %   |
/// | testnet  | 6 h            | 30 min    | 100 OPEN       | 20 %   |
/// | mainnet  | 3.5 days       | 3 h       | 1,000 OPEN     | 20 %   |
///
/// Challenge bonds are a tenth of the ledger presets' claim bonds (script/DeployLedger.s.sol): enough
/// that forcing a claimant through ~2·log2|T| answers costs the challenger far more than the claimant.
library DisputePresets {
    /// @notice The constructor values of `DisputeGame` besides its addresses.
    struct Params {
        string name;
        uint64 maxClockDuration;
        uint64 clockExtension;
        uint96 challengeBond;
        uint16 burnBps;
    }

    error DisputePresets_Unknown(string name);

    function local() internal pure returns (Params memory p_) {
        p_ = Params("local", 5 minutes, 30 seconds, 10e18, 2000);
    }

    function testnet() internal pure returns (Params memory p_) {
        p_ = Params("testnet", 6 hours, 30 minutes, 100e18, 2000);
    }

    /// @dev The clock matches Optimism's FaultDisputeGame (3.5 days per side, 3 h extension).
    function mainnet() internal pure returns (Params memory p_) {
        p_ = Params("mainnet", 3.5 days, 3 hours, 1000e18, 2000);
    }

    function byName(string memory _name) internal pure returns (Params memory p_) {
        bytes32 h = keccak256(bytes(_name));
        if (h == keccak256("local")) return local();
        if (h == keccak256("testnet")) return testnet();
        if (h == keccak256("mainnet")) return mainnet();
        revert DisputePresets_Unknown(_name);
    }
}

/// @title DeployDispute
/// @notice Deploys `OneStepVerifier` and `DisputeGame` over an existing ledger and names the game in the
///         ledger (`setDisputeGame`, which only the ledger's deployer may call: use the same key).
/// @dev Environment: `DEPLOYER_PRIVATE_KEY`, `DISPUTE_LEDGER` (the AttributionLedger), `DEPLOY_PRESET`
///      (`local` by default). The bond token is the ledger's. Usage:
///      `DEPLOYER_PRIVATE_KEY=0x… DISPUTE_LEDGER=0x… forge script script/DeployDispute.s.sol --rpc-url <url> --broadcast`.
contract DeployDispute is Script {
    function run() external {
        uint256 key = vm.envUint("DEPLOYER_PRIVATE_KEY");
        IAttributionLedger ledger = IAttributionLedger(vm.envAddress("DISPUTE_LEDGER"));
        DisputePresets.Params memory p = DisputePresets.byName(vm.envOr("DEPLOY_PRESET", string("local")));
        vm.startBroadcast(key);
        address verifier = deployOneStepVerifier();
        address game = deployDisputeGame(_tokenOf(ledger), address(ledger), verifier, p);
        ledger.setDisputeGame(game);
        vm.stopBroadcast();
        console.log("OneStepVerifier", verifier);
        console.log("DisputeGame", game);
    }

    /// @notice The stateless one-step verifier.
    function deployOneStepVerifier() public returns (address addr_) {
        addr_ = address(new OneStepVerifier());
    }

    /// @notice The dispute game with the preset's clock, extension, bond and burn share.
    function deployDisputeGame(address _token, address _ledger, address _verifier, DisputePresets.Params memory _p)
        public
        returns (address addr_)
    {
        addr_ = address(
            new DisputeGame(
                IERC20(_token),
                IAttributionLedger(_ledger),
                IOneStepVerifier(_verifier),
                _p.maxClockDuration,
                _p.clockExtension,
                _p.challengeBond,
                _p.burnBps
            )
        );
    }

    function _tokenOf(IAttributionLedger _ledger) internal view returns (address token_) {
        token_ = address(AttributionLedger(address(_ledger)).TOKEN());
    }
}
