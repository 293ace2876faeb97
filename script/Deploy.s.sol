// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Script} from "forge-std/Script.sol";
import {CoreDeployer} from "script/CoreDeployer.sol";
import {DeployPreset, DeployPresets} from "script/DeployPreset.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {OpenToken} from "src/OpenToken.sol";
import {EvidenceDefenses} from "src/evidence/EvidenceDefenses.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {EvidenceVerifier} from "src/evidence/EvidenceVerifier.sol";
import {EvidenceViolations} from "src/evidence/EvidenceViolations.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";

/// @title Deploy
/// @notice Deploys the whole protocol at deterministic addresses and writes them to `deployments/<chainId>.json`
///         (docs/deploy-opstack.md).
/// @dev Every contract is created through the deterministic CREATE2 deployer at `CREATE2_DEPLOYER` with the
///      preset's salt, so the same preset, salt and treasury give the same addresses on every chain; a contract
///      already at its address is reused, which makes a re-run idempotent. PaymentEscrow, AttributionLedger and
///      DisputeGame are made and wired by one `CoreDeployer` in one transaction: the ledger is never without
///      its game. The preset is validated before the first transaction.
///
/// | variable               | required | meaning                                                                  |
/// |------------------------|----------|--------------------------------------------------------------------------|
/// | `DEPLOY_PRESET`        | no       | `local` (default), `testnet`, `mainnet`: reads script/presets/<name>.json |
/// | `DEPLOY_PRESET_FILE`   | no       | a preset file path (relative to the project root); overrides the name    |
/// | `DEPLOY_SALT`          | no       | bytes32 CREATE2 salt overriding the preset's                             |
/// | `OPEN_TREASURY`        | no       | receives the whole OPEN supply and the protocol share (default: deployer) |
/// | `DEPLOYER_PRIVATE_KEY` | no       | raw key, for local chains; otherwise pass forge a wallet (below)          |
///
///      Keys: `forge script script/Deploy.s.sol --rpc-url <url> --broadcast` with one of `--account <name>`
///      (a `cast wallet import` keystore), `--keystore <file>`, `--ledger`, `--trezor` or `--private-key`;
///      the sender is the wallet's address (add `--sender <address>` for hardware wallets).
contract Deploy is Script {
    /// @notice The deterministic deployment proxy (github.com/Arachnid/deterministic-deployment-proxy): present
    ///         on OP Stack chains as a preinstall and on anvil by default.
    address public constant CREATE2_DEPLOYER = 0x4e59b44847b379578588920cA78FbF26c0B4956C;
    /// @notice forge's default sender, which no wallet backs.
    address internal constant FORGE_DEFAULT_SENDER = 0x1804c8AB1F12E6bbf3894d4083f33e07309d1f38;

    /// @notice Thrown when the chain has no deterministic deployer.
    error Deploy_NoCreate2Deployer();
    /// @notice Thrown when the CREATE2 deployer did not create `name` at its predicted address.
    error Deploy_Create2Failed(string name, address predicted);
    /// @notice Thrown when no wallet is given (neither a forge wallet flag nor `DEPLOYER_PRIVATE_KEY`).
    error Deploy_NoDeployer();
    /// @notice Thrown when a step needs an address no earlier step saved.
    error Deploy_NotDeployedYet(string name);

    /// @notice Raw key of the deployer when `DEPLOYER_PRIVATE_KEY` is set; 0 when forge's wallet signs.
    uint256 internal deployerKey;
    /// @notice Address of the deployer.
    address public deployer;
    /// @notice Receives the OPEN supply and is the ledger's protocol account.
    address public treasury;
    /// @notice The validated preset.
    DeployPreset internal preset;
    /// @notice The preset file read (relative to the project root).
    string public presetFile;
    /// @notice A block at or before the first deployment transaction (where event scans can start).
    uint256 public deployBlock;

    /// @dev Deployed addresses by JSON key, and the keys in deployment order.
    mapping(string name => address) internal _addresses;
    string[] internal _names;

    /// @notice Reads the environment and the preset, and validates the preset (before any transaction).
    function loadConfig() public virtual {
        if (vm.envExists("DEPLOYER_PRIVATE_KEY")) {
            deployerKey = vm.envUint("DEPLOYER_PRIVATE_KEY");
            deployer = vm.addr(deployerKey);
        } else {
            // `forge script --account/--keystore/--ledger/--private-key` runs `run()` from the wallet's address.
            deployer = msg.sender;
            if (deployer == FORGE_DEFAULT_SENDER) revert Deploy_NoDeployer();
        }
        treasury = vm.envOr("OPEN_TREASURY", deployer);
        string memory name = vm.envOr("DEPLOY_PRESET", string("local"));
        presetFile = vm.envOr("DEPLOY_PRESET_FILE", string.concat("script/presets/", name, ".json"));
        setPreset(DeployPresets.parse(vm.readFile(string.concat(vm.projectRoot(), "/", presetFile))));
        if (vm.envExists("DEPLOY_SALT")) preset.salt = vm.envBytes32("DEPLOY_SALT");
    }

    /// @notice Validates and adopts a preset.
    function setPreset(DeployPreset memory _preset) public {
        DeployPresets.validate(_preset);
        preset = _preset;
    }

    /// @notice The adopted preset.
    function currentPreset() external view returns (DeployPreset memory preset_) {
        preset_ = preset;
    }

    /// @notice Deploys everything and writes `deployments/<chainId>.json`.
    function run() public virtual {
        loadConfig();
        deployAll();
        writeDeployment(deploymentPath());
    }

    /// @notice Every step, in dependency order.
    function deployAll() public {
        if (CREATE2_DEPLOYER.code.length == 0) revert Deploy_NoCreate2Deployer();
        deployBlock = block.number;
        deployOpenToken();
        deployDatanetRegistry();
        deployModelRegistry();
        deployOneStepVerifier();
        deployCore();
        deployEvidence();
    }

    /* STEPS */

    /// @notice OpenToken, minting the whole supply to `treasury`.
    function deployOpenToken() public returns (address addr_) {
        addr_ = _create2("openToken", abi.encodePacked(type(OpenToken).creationCode, abi.encode(treasury)));
    }

    /// @notice DatanetRegistry.
    function deployDatanetRegistry() public returns (address addr_) {
        addr_ = _create2("datanetRegistry", type(DatanetRegistry).creationCode);
    }

    /// @notice ModelRegistry over the token and the datanet registry, with the preset's stake rules.
    function deployModelRegistry() public returns (address addr_) {
        bytes memory args = abi.encode(
            mustGetAddress("openToken"), mustGetAddress("datanetRegistry"), preset.minStake, preset.unstakeDelay
        );
        addr_ = _create2("modelRegistry", abi.encodePacked(type(ModelRegistry).creationCode, args));
    }

    /// @notice The stateless OneStepVerifier.
    function deployOneStepVerifier() public returns (address addr_) {
        addr_ = _create2("oneStepVerifier", type(OneStepVerifier).creationCode);
    }

    /// @notice PaymentEscrow, AttributionLedger and DisputeGame, made and wired in one transaction by a
    ///         CoreDeployer.
    function deployCore() public returns (address escrow_, address ledger_, address game_) {
        address core = _create2("coreDeployer", coreInitCode());
        escrow_ = address(CoreDeployer(core).ESCROW());
        ledger_ = address(CoreDeployer(core).LEDGER());
        game_ = address(CoreDeployer(core).GAME());
        save("paymentEscrow", escrow_);
        save("attributionLedger", ledger_);
        save("disputeGame", game_);
    }

    /// @notice The evidence game (docs/evidence-game.md §3) with its verifier and modules, each by CREATE2, with the
    ///         dispute game's clock and bond parameters; then names it in the ledger through the CoreDeployer (the
    ///         deployer's one-shot `setEvidenceGame`), unless the ledger names one already.
    function deployEvidence() public returns (address game_) {
        address ledger = mustGetAddress("attributionLedger");
        address verifier = _create2("evidenceVerifier", type(EvidenceVerifier).creationCode);
        bytes memory args = abi.encode(
            mustGetAddress("openToken"),
            ledger,
            mustGetAddress("modelRegistry"),
            verifier,
            preset.maxClockDuration,
            preset.clockExtension,
            preset.challengeBond,
            preset.gameBurnBps
        );
        address violations =
            _create2("evidenceViolations", abi.encodePacked(type(EvidenceViolations).creationCode, args));
        address defenses = _create2("evidenceDefenses", abi.encodePacked(type(EvidenceDefenses).creationCode, args));
        game_ = _create2(
            "evidenceGame", abi.encodePacked(type(EvidenceGame).creationCode, abi.encode(violations, defenses))
        );
        if (IAttributionLedger(ledger).evidenceGame() == address(0)) {
            if (deployerKey != 0) vm.startBroadcast(deployerKey);
            else vm.startBroadcast(deployer);
            CoreDeployer(mustGetAddress("coreDeployer")).setEvidenceGame(game_);
            vm.stopBroadcast();
        }
    }

    /// @notice The CoreDeployer's creation code with its constructor arguments.
    function coreInitCode() public view returns (bytes memory initCode_) {
        IAttributionLedger.Params memory p = IAttributionLedger.Params({
            token: mustGetAddress("openToken"),
            escrow: address(0),
            contributions: mustGetAddress("datanetRegistry"),
            models: mustGetAddress("modelRegistry"),
            protocol: treasury,
            challengeWindow: preset.challengeWindow,
            maxReferenceLag: preset.maxReferenceLag,
            unbondDelay: preset.unbondDelay,
            claimBond: preset.claimBond,
            maxEntries: preset.maxEntries,
            burnBps: preset.ledgerBurnBps
        });
        CoreDeployer.GameParams memory g = CoreDeployer.GameParams({
            verifier: mustGetAddress("oneStepVerifier"),
            maxClockDuration: preset.maxClockDuration,
            clockExtension: preset.clockExtension,
            challengeBond: preset.challengeBond,
            burnBps: preset.gameBurnBps
        });
        initCode_ = abi.encodePacked(type(CoreDeployer).creationCode, abi.encode(p, preset.escrowNotice, g));
    }

    /// @notice The address `_initCode` gets from the CREATE2 deployer with the preset's salt.
    function predict(bytes memory _initCode) public view returns (address addr_) {
        addr_ = vm.computeCreate2Address(preset.salt, keccak256(_initCode), CREATE2_DEPLOYER);
    }

    /// @dev Creates `_initCode` through the CREATE2 deployer unless it already exists, and saves it as `_name`.
    function _create2(string memory _name, bytes memory _initCode) internal returns (address addr_) {
        addr_ = predict(_initCode);
        if (addr_.code.length == 0) {
            if (deployerKey != 0) vm.startBroadcast(deployerKey);
            else vm.startBroadcast(deployer);
            (bool ok, bytes memory created) = CREATE2_DEPLOYER.call(abi.encodePacked(preset.salt, _initCode));
            vm.stopBroadcast();
            if (!ok || created.length != 20 || address(bytes20(created)) != addr_ || addr_.code.length == 0) {
                revert Deploy_Create2Failed(_name, addr_);
            }
        }
        save(_name, addr_);
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
        if (addr_ == address(0)) revert Deploy_NotDeployedYet(_name);
    }

    /// @notice `deployments/<chainId>.json`.
    function deploymentPath() public view returns (string memory path_) {
        path_ = string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json");
    }

    /// @notice Writes chain id, preset, deployer, treasury, salt, deploy block and every saved address to `_path`.
    /// @dev `minStake` is a decimal string: it does not fit a JSON number read as a double. `poa deployments
    ///      verify` checks the chain against this file and the preset file it names.
    function writeDeployment(string memory _path) public {
        vm.createDir(string.concat(vm.projectRoot(), "/deployments"), true);
        string memory obj = "deployment";
        vm.serializeUint(obj, "chainId", block.chainid);
        vm.serializeString(obj, "preset", preset.name);
        vm.serializeString(obj, "presetFile", presetFile);
        vm.serializeBytes32(obj, "salt", preset.salt);
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
