// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script} from "forge-std/Script.sol";
import {DisputePresets} from "script/DeployDispute.s.sol";
import {LedgerDeploySteps} from "script/DeployLedger.s.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {OpenToken} from "src/OpenToken.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IOneStepVerifier} from "src/interfaces/IOneStepVerifier.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";

/// @notice The ledger engineer's presets, readable from this script (its steps are an abstract contract).
contract LedgerPresets is LedgerDeploySteps {}

/// @title Deploy
/// @notice Deploys the protocol step by step and writes the addresses to `deployments/<chainId>.json`.
/// @dev Environment:
///
/// | variable               | required | meaning                                                      |
/// |------------------------|----------|--------------------------------------------------------------|
/// | `DEPLOYER_PRIVATE_KEY` | yes      | key that sends every deployment transaction                  |
/// | `DEPLOY_PRESET`        | no       | `local` (default), `testnet` or `mainnet`: protocol params   |
/// | `OPEN_TREASURY`        | no       | receives the whole OPEN supply (default: the deployer)       |
///
///      Usage: `DEPLOYER_PRIVATE_KEY=0x… forge script script/Deploy.s.sol --rpc-url <url> --broadcast`.
///      Each contract has one `deployX() returns (address addr_)` step that reads what it depends on with
///      `mustGetAddress` and records its own address with `save`; a new contract is a new step called from
///      `run()` and becomes a new key of the JSON file automatically.
contract Deploy is Script {
    /// @notice Protocol parameters that differ between chains.
    /// @param name The preset name, written to the deployment file.
    /// @param minStake `ModelRegistry.MIN_STAKE`.
    /// @param unstakeDelay `ModelRegistry.UNSTAKE_DELAY` in seconds.
    struct Preset {
        string name;
        uint256 minStake;
        uint64 unstakeDelay;
    }

    /// @notice Key of the deployer (from `DEPLOYER_PRIVATE_KEY`).
    uint256 internal deployerKey;
    /// @notice Address of the deployer.
    address public deployer;
    /// @notice Receives the OPEN supply.
    address public treasury;
    /// @notice The chosen preset.
    Preset public preset;
    /// @notice A block at or before the first deployment transaction (where event scans can start).
    uint256 public deployBlock;

    /// @dev Deployed addresses by JSON key, and the keys in deployment order.
    mapping(string name => address) internal _addresses;
    string[] internal _names;

    /// @notice Sends the transactions of the wrapped step from the deployer.
    modifier broadcast() {
        vm.startBroadcast(deployerKey);
        _;
        vm.stopBroadcast();
    }

    /// @notice Reads the environment. Called by `run()` rather than from `setUp()`, because forge prints the
    ///         revert reason of a failing `run()` but not that of a failing `setUp()`.
    function loadConfig() public virtual {
        // Reverts with "environment variable "DEPLOYER_PRIVATE_KEY" not found" when it is missing.
        deployerKey = vm.envUint("DEPLOYER_PRIVATE_KEY");
        deployer = vm.addr(deployerKey);
        treasury = vm.envOr("OPEN_TREASURY", deployer);
        preset = presetFor(vm.envOr("DEPLOY_PRESET", string("local")));
    }

    /// @notice Deploys everything and writes `deployments/<chainId>.json`.
    function run() public virtual {
        loadConfig();
        deployBlock = block.number;
        deployOpenToken();
        deployDatanetRegistry();
        deployModelRegistry();
        deployLedger();
        deployDisputeGame();
        writeDeployment(deploymentPath());
    }

    /* PRESETS */

    /// @notice The parameters of a named preset.
    /// @param _name `local`, `testnet` or `mainnet`.
    function presetFor(string memory _name) public pure returns (Preset memory preset_) {
        bytes32 key = keccak256(bytes(_name));
        if (key == keccak256("local")) return Preset({name: _name, minStake: 10e18, unstakeDelay: 60});
        if (key == keccak256("testnet")) return Preset({name: _name, minStake: 1000e18, unstakeDelay: 1 days});
        if (key == keccak256("mainnet")) return Preset({name: _name, minStake: 100_000e18, unstakeDelay: 14 days});
        revert(string.concat("Deploy: unknown DEPLOY_PRESET \"", _name, "\" (expected local, testnet or mainnet)"));
    }

    /* STEPS */

    /// @notice Deploys OpenToken, minting the whole supply to `treasury`.
    function deployOpenToken() public broadcast returns (address addr_) {
        addr_ = address(new OpenToken(treasury));
        save("openToken", addr_);
    }

    /// @notice Deploys DatanetRegistry.
    function deployDatanetRegistry() public broadcast returns (address addr_) {
        addr_ = address(new DatanetRegistry());
        save("datanetRegistry", addr_);
    }

    /// @notice Deploys ModelRegistry over the deployed token and datanet registry, with the preset's parameters.
    function deployModelRegistry() public broadcast returns (address addr_) {
        addr_ = address(
            new ModelRegistry(
                IOpenToken(mustGetAddress("openToken")),
                IDatanetRegistry(mustGetAddress("datanetRegistry")),
                preset.minStake,
                preset.unstakeDelay
            )
        );
        save("modelRegistry", addr_);
    }

    /// @notice Deploys PaymentEscrow and AttributionLedger with the ledger's preset (script/DeployLedger.s.sol).
    ///         The escrow names the ledger, so the ledger's address is predicted from the deployer's nonce.
    /// @dev Not under `broadcast`: reading the preset creates a throwaway, un-broadcast helper first.
    function deployLedger() public returns (address escrow_, address ledger_) {
        (IAttributionLedger.Params memory p, uint64 notice) =
            new LedgerPresets().ledgerPreset(_ledgerPresetOf(preset.name));
        p.token = mustGetAddress("openToken");
        p.contributions = mustGetAddress("datanetRegistry");
        p.models = mustGetAddress("modelRegistry");
        p.protocol = treasury;
        vm.startBroadcast(deployerKey);
        address predicted = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 1);
        escrow_ = address(new PaymentEscrow(IERC20(p.token), predicted, notice));
        p.escrow = escrow_;
        ledger_ = address(new AttributionLedger(p));
        vm.stopBroadcast();
        require(ledger_ == predicted, "Deploy: ledger address prediction failed");
        save("paymentEscrow", escrow_);
        save("attributionLedger", ledger_);
    }

    /// @notice Deploys the OneStepVerifier and the DisputeGame with the dispute preset
    ///         (script/DeployDispute.s.sol), and registers the game with the ledger (once, by the deployer).
    function deployDisputeGame() public broadcast returns (address game_) {
        DisputePresets.Params memory p = DisputePresets.byName(preset.name);
        address verifier = address(new OneStepVerifier());
        address ledger = mustGetAddress("attributionLedger");
        game_ = address(
            new DisputeGame(
                IERC20(mustGetAddress("openToken")),
                IAttributionLedger(ledger),
                IOneStepVerifier(verifier),
                p.maxClockDuration,
                p.clockExtension,
                p.challengeBond,
                p.burnBps
            )
        );
        AttributionLedger(ledger).setDisputeGame(game_);
        save("oneStepVerifier", verifier);
        save("disputeGame", game_);
    }

    /// @notice The ledger steps' preset for a preset name (the names were checked by `presetFor`).
    function _ledgerPresetOf(string memory _name) internal pure returns (LedgerDeploySteps.Preset preset_) {
        bytes32 key = keccak256(bytes(_name));
        if (key == keccak256("testnet")) return LedgerDeploySteps.Preset.Testnet;
        if (key == keccak256("mainnet")) return LedgerDeploySteps.Preset.MainnetLike;
        return LedgerDeploySteps.Preset.Local;
    }

    /* BOOK-KEEPING */

    /// @notice Records a deployed address under its JSON key.
    function save(string memory _name, address _addr) public {
        if (_addresses[_name] == address(0)) _names.push(_name);
        _addresses[_name] = _addr;
    }

    /// @notice The address saved under `_name`; reverts if no step saved it.
    function mustGetAddress(string memory _name) public view returns (address addr_) {
        addr_ = _addresses[_name];
        require(addr_ != address(0), string.concat("Deploy: ", _name, " is not deployed yet"));
    }

    /// @notice `deployments/<chainId>.json`.
    function deploymentPath() public view returns (string memory path_) {
        path_ = string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json");
    }

    /// @notice Writes chain id, preset, parameters, deploy block and every saved address to `_path`.
    /// @dev `minStake` is a decimal string: it does not fit a JSON number read as a double.
    function writeDeployment(string memory _path) public {
        vm.createDir(string.concat(vm.projectRoot(), "/deployments"), true);
        string memory obj = "deployment";
        vm.serializeUint(obj, "chainId", block.chainid);
        vm.serializeString(obj, "preset", preset.name);
        vm.serializeAddress(obj, "deployer", deployer);
        vm.serializeAddress(obj, "treasury", treasury);
        vm.serializeString(obj, "minStake", vm.toString(preset.minStake));
        vm.serializeUint(obj, "unstakeDelay", preset.unstakeDelay);
        for (uint256 i = 0; i < _names.length; i++) {
            vm.serializeAddress(obj, _names[i], _addresses[_names[i]]);
        }
        string memory json = vm.serializeUint(obj, "deployBlock", deployBlock);
        vm.writeJson(json, _path);
    }
}
