// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script} from "forge-std/Script.sol";
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

    /// @notice Ledger and escrow parameters that differ between chains (see `IAttributionLedger.Params`).
    /// @param challengeWindow Seconds a claim stays open to disputes.
    /// @param maxReferenceLag Largest age of a claim's reference time when posted.
    /// @param unbondDelay Seconds between an unbond request and the payout (longer than the window).
    /// @param claimBond Bond locked per pending claim.
    /// @param maxEntries K, the largest attribution list per receipt.
    /// @param burnBps Share of a slashed bond that is burned.
    /// @param escrowNotice `PaymentEscrow.NOTICE_PERIOD` in seconds.
    struct LedgerPreset {
        uint64 challengeWindow;
        uint64 maxReferenceLag;
        uint64 unbondDelay;
        uint128 claimBond;
        uint256 maxEntries;
        uint16 burnBps;
        uint64 escrowNotice;
    }

    /// @notice Dispute game parameters that differ between chains (see `DisputeGame`'s constructor).
    /// @param maxClockDuration Each side's chess-clock budget in seconds.
    /// @param clockExtension Time a side is guaranteed after each move of the other.
    /// @param challengeBond Bond a challenger posts to open a game.
    /// @param burnBps Share of a losing challenger's bond that is burned.
    struct GamePreset {
        uint64 maxClockDuration;
        uint64 clockExtension;
        uint96 challengeBond;
        uint16 burnBps;
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

    /// @notice Ledger and escrow parameters of a named preset (kept apart from `Preset` so the registries'
    ///         preset stays as it is).
    /// @param _name `local`, `testnet` or `mainnet`.
    function ledgerPresetFor(string memory _name) public pure returns (LedgerPreset memory preset_) {
        bytes32 key = keccak256(bytes(_name));
        if (key == keccak256("local")) {
            return LedgerPreset({
                challengeWindow: 30,
                maxReferenceLag: 1 hours,
                unbondDelay: 60,
                claimBond: 10e18,
                maxEntries: 8,
                burnBps: 5000,
                escrowNotice: 60
            });
        }
        if (key == keccak256("testnet")) {
            return LedgerPreset({
                challengeWindow: 1 hours,
                maxReferenceLag: 1 hours,
                unbondDelay: 2 hours,
                claimBond: 100e18,
                maxEntries: 8,
                burnBps: 5000,
                escrowNotice: 2 hours
            });
        }
        if (key == keccak256("mainnet")) {
            return LedgerPreset({
                challengeWindow: 7 days,
                maxReferenceLag: 1 hours,
                unbondDelay: 14 days,
                claimBond: 10_000e18,
                maxEntries: 8,
                burnBps: 5000,
                escrowNotice: 8 days
            });
        }
        revert(string.concat("Deploy: unknown DEPLOY_PRESET \"", _name, "\" (expected local, testnet or mainnet)"));
    }

    /// @notice Dispute game parameters of a named preset.
    /// @param _name `local`, `testnet` or `mainnet`.
    function gamePresetFor(string memory _name) public pure returns (GamePreset memory preset_) {
        bytes32 key = keccak256(bytes(_name));
        if (key == keccak256("local")) {
            return GamePreset({maxClockDuration: 60, clockExtension: 10, challengeBond: 10e18, burnBps: 5000});
        }
        if (key == keccak256("testnet")) {
            return
                GamePreset({
                    maxClockDuration: 30 minutes, clockExtension: 5 minutes, challengeBond: 100e18, burnBps: 5000
                });
        }
        if (key == keccak256("mainnet")) {
            return
                GamePreset({maxClockDuration: 3 days, clockExtension: 3 hours, challengeBond: 10_000e18, burnBps: 5000});
        }
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

    /// @notice Deploys PaymentEscrow and AttributionLedger together: the escrow names the ledger, so the
    ///         ledger's address is predicted from the deployer's nonce (the escrow is created first).
    function deployLedger() public broadcast returns (address escrow_, address ledger_) {
        LedgerPreset memory p = ledgerPresetFor(preset.name);
        address token = mustGetAddress("openToken");
        address predicted = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 1);
        escrow_ = address(new PaymentEscrow(IERC20(token), predicted, p.escrowNotice));
        ledger_ = address(
            new AttributionLedger(
                IAttributionLedger.Params({
                    token: token,
                    escrow: escrow_,
                    contributions: mustGetAddress("datanetRegistry"),
                    models: mustGetAddress("modelRegistry"),
                    protocol: treasury,
                    challengeWindow: p.challengeWindow,
                    maxReferenceLag: p.maxReferenceLag,
                    unbondDelay: p.unbondDelay,
                    claimBond: p.claimBond,
                    maxEntries: p.maxEntries,
                    burnBps: p.burnBps
                })
            )
        );
        require(ledger_ == predicted, "Deploy: ledger address prediction failed");
        save("paymentEscrow", escrow_);
        save("attributionLedger", ledger_);
    }

    /// @notice Deploys the OneStepVerifier and the DisputeGame over the ledger, and registers the game with the
    ///         ledger (`setDisputeGame`, once, by the deployer).
    function deployDisputeGame() public broadcast returns (address game_) {
        GamePreset memory p = gamePresetFor(preset.name);
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
