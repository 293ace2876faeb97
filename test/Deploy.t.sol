// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {CoreDeployer} from "script/CoreDeployer.sol";
import {Deploy} from "script/Deploy.s.sol";
import {DisputePresets} from "script/DeployDispute.s.sol";
import {DeployPreset, DeployPresets} from "script/DeployPreset.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {OpenToken} from "src/OpenToken.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {EvidenceGame} from "src/evidence/EvidenceGame.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @notice Deploy with a preset file of the test's choosing (the environment is process-wide, tests run in parallel).
contract DeployWithFile is Deploy {
    string internal file;

    constructor(string memory _file) {
        file = _file;
    }

    function loadConfig() public override {
        super.loadConfig();
        presetFile = file;
        setPreset(DeployPresets.parse(vm.readFile(string.concat(vm.projectRoot(), "/", file))));
    }
}

/// @notice Runs the deploy script in-process. The environment is process-wide and tests run in parallel, so
///         every test sets the same values (anvil's first key, the local preset).
contract Deploy_Test is Test {
    uint256 internal constant DEPLOYER_KEY = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    address internal constant DEPLOYER = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;
    /// @notice EIP-170 (runtime code) and EIP-3860 (init code) limits.
    uint256 internal constant MAX_CODE_SIZE = 24_576;
    uint256 internal constant MAX_INITCODE_SIZE = 49_152;

    Deploy internal deploy;

    function setUp() public {
        vm.setEnv("DEPLOYER_PRIVATE_KEY", vm.toString(bytes32(DEPLOYER_KEY)));
        vm.setEnv("DEPLOY_PRESET", "local");
        deploy = new Deploy();
    }

    function test_run_deploysWiresAndWritesJson_succeeds() public {
        vm.chainId(424_242);
        vm.roll(77);
        deploy.run();
        string memory path = deploy.deploymentPath();
        assertEq(path, string.concat(vm.projectRoot(), "/deployments/424242.json"));
        string memory json = vm.readFile(path);
        vm.removeFile(path);

        assertEq(vm.parseJsonUint(json, ".chainId"), 424_242);
        assertEq(vm.parseJsonString(json, ".preset"), "local");
        assertEq(vm.parseJsonString(json, ".presetFile"), "script/presets/local.json");
        assertEq(vm.parseJsonUint(json, ".deployBlock"), 77);
        assertEq(vm.parseJsonAddress(json, ".deployer"), DEPLOYER);
        assertEq(vm.parseJsonAddress(json, ".treasury"), DEPLOYER);
        assertEq(vm.parseJsonString(json, ".minStake"), "10000000000000000000");
        assertEq(vm.parseJsonUint(json, ".unstakeDelay"), 60);
        assertEq(vm.parseJsonBytes32(json, ".salt"), bytes32("proof-of-attribution/v1"));

        OpenToken token = OpenToken(vm.parseJsonAddress(json, ".openToken"));
        DatanetRegistry datanets = DatanetRegistry(vm.parseJsonAddress(json, ".datanetRegistry"));
        ModelRegistry models = ModelRegistry(vm.parseJsonAddress(json, ".modelRegistry"));
        PaymentEscrow escrow = PaymentEscrow(vm.parseJsonAddress(json, ".paymentEscrow"));
        AttributionLedger ledger = AttributionLedger(vm.parseJsonAddress(json, ".attributionLedger"));
        DisputeGame game = DisputeGame(vm.parseJsonAddress(json, ".disputeGame"));
        address verifier = vm.parseJsonAddress(json, ".oneStepVerifier");
        address core = vm.parseJsonAddress(json, ".coreDeployer");

        assertEq(token.balanceOf(DEPLOYER), token.MAX_SUPPLY());
        assertEq(token.totalSupply(), 1_000_000_000e18);
        assertEq(address(models.OPEN_TOKEN()), address(token));
        assertEq(address(models.DATANET_REGISTRY()), address(datanets));
        assertEq(models.MIN_STAKE(), 10e18);
        assertEq(models.UNSTAKE_DELAY(), 60);
        // The values of script/presets/local.json.
        assertEq(escrow.LEDGER(), address(ledger));
        assertEq(address(escrow.TOKEN()), address(token));
        assertEq(escrow.NOTICE_PERIOD(), 600);
        assertEq(address(ledger.TOKEN()), address(token));
        assertEq(address(ledger.ESCROW()), address(escrow));
        assertEq(address(ledger.CONTRIBUTIONS()), address(datanets));
        assertEq(address(ledger.MODELS()), address(models));
        assertEq(ledger.PROTOCOL(), DEPLOYER);
        assertEq(ledger.CHALLENGE_WINDOW(), 300);
        assertEq(ledger.MAX_REFERENCE_LAG(), 300);
        assertEq(ledger.UNBOND_DELAY(), 600);
        assertEq(ledger.CLAIM_BOND(), 100e18);
        assertEq(ledger.MAX_ENTRIES(), 8);
        assertEq(ledger.BURN_BPS(), 5000);
        assertEq(ledger.disputeGame(), address(game));
        assertEq(ledger.DEPLOYER(), core);
        assertEq(address(game.LEDGER()), address(ledger));
        assertEq(address(game.TOKEN()), address(token));
        assertEq(address(game.VERIFIER()), verifier);
        assertEq(game.MAX_CLOCK_DURATION(), 300);
        assertEq(game.CLOCK_EXTENSION(), 30);
        assertEq(game.CHALLENGE_BOND(), 10e18);
        assertEq(game.BURN_BPS(), 2000);

        _registerAndStake(token, datanets, models);
    }

    /// @notice The ledger and its game come out of one CoreDeployer constructor: the ledger's deployer is that
    ///         contract, which has no code path left to set another game, and the deployer key cannot either.
    function test_run_ledgerIsBornWithItsGame() public {
        vm.chainId(424_243); // each test its own deployment file: tests run in parallel
        deploy.run();
        vm.removeFile(deploy.deploymentPath());
        AttributionLedger ledger = AttributionLedger(deploy.mustGetAddress("attributionLedger"));
        address core = deploy.mustGetAddress("coreDeployer");
        assertEq(ledger.DEPLOYER(), core);
        assertEq(ledger.disputeGame(), deploy.mustGetAddress("disputeGame"));
        vm.prank(DEPLOYER);
        vm.expectRevert(IAttributionLedger.AttributionLedger_DisputeGameAlreadySet.selector);
        ledger.setDisputeGame(address(1));
        vm.prank(core);
        vm.expectRevert(IAttributionLedger.AttributionLedger_DisputeGameAlreadySet.selector);
        ledger.setDisputeGame(address(1));
    }

    /// @notice The evidence game is named in the ledger right after the core, once: neither the deployer (through the
    ///         CoreDeployer) nor anyone else can name another, and its modules carry the dispute game's parameters.
    function test_run_evidenceGameWiredOnce() public {
        vm.chainId(424_244);
        deploy.run();
        vm.removeFile(deploy.deploymentPath());
        AttributionLedger ledger = AttributionLedger(deploy.mustGetAddress("attributionLedger"));
        EvidenceGame evidence = EvidenceGame(deploy.mustGetAddress("evidenceGame"));
        CoreDeployer core = CoreDeployer(deploy.mustGetAddress("coreDeployer"));
        assertEq(ledger.evidenceGame(), address(evidence));
        assertEq(address(evidence.LEDGER()), address(ledger));
        assertEq(address(evidence.MODELS()), deploy.mustGetAddress("modelRegistry"));
        assertEq(evidence.VIOLATIONS(), deploy.mustGetAddress("evidenceViolations"));
        assertEq(evidence.DEFENSES(), deploy.mustGetAddress("evidenceDefenses"));
        assertEq(evidence.CHALLENGE_BOND(), DisputeGame(deploy.mustGetAddress("disputeGame")).CHALLENGE_BOND());
        vm.prank(DEPLOYER);
        vm.expectRevert(IAttributionLedger.AttributionLedger_EvidenceGameAlreadySet.selector);
        core.setEvidenceGame(address(1));
        vm.prank(address(0xBEEF));
        vm.expectRevert(abi.encodeWithSelector(CoreDeployer.CoreDeployer_NotEvidenceWirer.selector, address(0xBEEF)));
        core.setEvidenceGame(address(1));
    }

    /// @notice Same preset, salt and treasury ⇒ same addresses on any chain; another salt ⇒ other addresses.
    function test_run_addressesAreDeterministicAcrossChains() public {
        string[8] memory keys = [
            "openToken",
            "datanetRegistry",
            "modelRegistry",
            "oneStepVerifier",
            "coreDeployer",
            "paymentEscrow",
            "attributionLedger",
            "disputeGame"
        ];
        uint256 snap = vm.snapshotState();
        vm.chainId(424_245);
        vm.setNonce(DEPLOYER, 5);
        deploy.run();
        vm.removeFile(deploy.deploymentPath());
        address[8] memory first;
        for (uint256 i = 0; i < 8; i++) {
            first[i] = deploy.mustGetAddress(keys[i]);
        }
        vm.revertToState(snap);
        vm.chainId(424_246);
        Deploy other = new Deploy();
        other.run();
        vm.removeFile(other.deploymentPath());
        for (uint256 i = 0; i < 8; i++) {
            assertEq(other.mustGetAddress(keys[i]), first[i], keys[i]);
        }
        // The CREATE2 address is the standard deployer's: keccak256(0xff ++ deployer ++ salt ++ keccak256(init)).
        bytes32 initHash = keccak256(other.coreInitCode());
        address expected = address(
            uint160(
                uint256(
                    keccak256(
                        abi.encodePacked(bytes1(0xff), other.CREATE2_DEPLOYER(), other.currentPreset().salt, initHash)
                    )
                )
            )
        );
        assertEq(first[4], expected);
        // Another salt, other addresses.
        vm.revertToState(snap);
        Deploy salted = new Deploy();
        salted.loadConfig();
        DeployPreset memory p = salted.currentPreset();
        p.salt = keccak256("another");
        salted.setPreset(p);
        salted.deployAll();
        assertTrue(salted.mustGetAddress("attributionLedger") != first[6]);
    }

    /// @notice A second run on the same chain finds every contract at its address and sends nothing.
    function test_run_twice_isIdempotent() public {
        vm.chainId(424_244);
        deploy.run();
        vm.removeFile(deploy.deploymentPath());
        address ledger = deploy.mustGetAddress("attributionLedger");
        uint256 nonce = vm.getNonce(DEPLOYER);
        Deploy again = new Deploy();
        again.run();
        vm.removeFile(again.deploymentPath());
        assertEq(again.mustGetAddress("attributionLedger"), ledger);
        assertEq(vm.getNonce(DEPLOYER), nonce);
    }

    function test_steps_runOneByOne_succeeds() public {
        deploy.loadConfig();
        address token = deploy.deployOpenToken();
        address datanets = deploy.deployDatanetRegistry();
        address models = deploy.deployModelRegistry();
        assertGt(token.code.length, 0);
        assertGt(datanets.code.length, 0);
        assertGt(models.code.length, 0);
        assertEq(address(ModelRegistry(models).OPEN_TOKEN()), token);
        assertEq(address(ModelRegistry(models).DATANET_REGISTRY()), datanets);
        assertEq(deploy.deployer(), DEPLOYER);
    }

    function test_deployModelRegistry_beforeToken_reverts() public {
        deploy.loadConfig();
        vm.expectRevert(abi.encodeWithSelector(Deploy.Deploy_NotDeployedYet.selector, "openToken"));
        deploy.deployModelRegistry();
    }

    function test_run_withoutCreate2Deployer_reverts() public {
        vm.etch(deploy.CREATE2_DEPLOYER(), "");
        deploy.loadConfig();
        vm.expectRevert(Deploy.Deploy_NoCreate2Deployer.selector);
        deploy.deployAll();
    }

    /* PRESETS */

    /// @notice An inconsistent preset file is refused before the first transaction: nothing is deployed.
    function test_run_inconsistentPresetFile_refusedBeforeBroadcast() public {
        DeployWithFile bad = new DeployWithFile("test/fixtures/presets/bad-unbond.json");
        vm.expectRevert(
            abi.encodeWithSelector(
                DeployPresets.DeployPresets_Invalid.selector, "ledger.unbondDelay: > challengeWindow"
            )
        );
        bad.loadConfig(); // run() calls loadConfig() before its first transaction
        vm.expectRevert(
            abi.encodeWithSelector(
                DeployPresets.DeployPresets_Invalid.selector, "ledger.unbondDelay: > challengeWindow"
            )
        );
        bad.run();
    }

    function test_presetFiles_areValidAndMatchTheDisputePresets() public view {
        string[3] memory names = ["local", "testnet", "mainnet"];
        for (uint256 i = 0; i < 3; i++) {
            DeployPreset memory p = _preset(names[i]);
            DeployPresets.validate(p);
            assertEq(p.name, names[i]);
            DisputePresets.Params memory d = DisputePresets.byName(names[i]);
            assertEq(p.maxClockDuration, d.maxClockDuration);
            assertEq(p.clockExtension, d.clockExtension);
            assertEq(p.challengeBond, d.challengeBond);
            assertEq(p.gameBurnBps, d.burnBps);
        }
    }

    /// @notice Every rule refuses a preset that breaks only that rule.
    function test_validate_eachInconsistency_reverts() public {
        DeployPreset memory good = _preset("testnet");
        DeployPresets.validate(good);
        DeployPreset memory p;

        p = _preset("testnet");
        p.maxEntries = 32; // the limit itself is fine
        DeployPresets.validate(p);
        p.maxEntries = 33;
        _expectInvalid(p, "ledger.maxEntries: 1 <= K <= 32");
        p = _preset("testnet");
        p.maxEntries = 0;
        _expectInvalid(p, "ledger.maxEntries: 1 <= K <= 32");
        p = _preset("testnet");
        p.ledgerBurnBps = 10_001;
        _expectInvalid(p, "ledger.burnBps: <= 10000");
        p = _preset("testnet");
        p.gameBurnBps = 10_001;
        _expectInvalid(p, "dispute.burnBps: <= 10000");
        p = _preset("testnet");
        p.minStake = 0;
        _expectInvalid(p, "modelRegistry.minStake: > 0");
        p = _preset("testnet");
        p.challengeWindow = 59;
        _expectInvalid(p, "ledger.challengeWindow: >= 60 s");
        p = _preset("testnet");
        p.maxReferenceLag = p.challengeWindow + 1;
        _expectInvalid(p, "ledger.maxReferenceLag: <= challengeWindow");
        p = _preset("testnet");
        p.unbondDelay = p.challengeWindow;
        _expectInvalid(p, "ledger.unbondDelay: > challengeWindow");
        p = _preset("testnet");
        p.escrowNotice = p.maxReferenceLag;
        _expectInvalid(p, "escrow.withdrawalNotice: > maxReferenceLag");
        p = _preset("testnet");
        p.clockExtension = p.maxClockDuration;
        _expectInvalid(p, "dispute.clockExtension: < maxClockDuration");
        p = _preset("testnet");
        p.clockExtension = p.challengeWindow;
        _expectInvalid(p, "ledger.challengeWindow: > dispute.clockExtension");
        p = _preset("testnet");
        p.gameGas = 999_999;
        _expectInvalid(p, "economics.gameGas: >= 1000000");
        // 3M gas at 100 gwei, 1000 OPEN per ETH: a game costs 300 OPEN; the claim bond's unburned half is 500.
        p = _preset("testnet");
        p.gasPriceWei = 100 gwei;
        _expectInvalid(p, "dispute.challengeBond: unburned share > gas cost of a game");
        p.challengeBond = 1000e18;
        DeployPresets.validate(p);
        p.gasPriceWei = 200 gwei;
        _expectInvalid(p, "ledger.claimBond: unburned share > gas cost of a game");
    }

    /// @notice The bond rule against a brute-force reading: the unburned share of each bond exceeds the cost.
    function testFuzz_validate_bondsCoverAGame(uint96 _gasPriceWei, uint96 _challengeBond) public {
        DeployPreset memory p = _preset("testnet");
        p.gasPriceWei = bound(_gasPriceWei, 1, 1e12);
        p.challengeBond = uint96(bound(_challengeBond, 1, 1e24));
        uint256 costWei = p.gameGas * p.gasPriceWei;
        // 1000 OPEN per ETH: cost in OPEN base units = costWei × 1000.
        bool ok = uint256(p.claimBond) / 2 > costWei * 1000 && uint256(p.challengeBond) * 8 / 10 > costWei * 1000;
        if (!ok) vm.expectRevert();
        this.validateExternal(p);
    }

    function validateExternal(DeployPreset memory _p) external pure {
        DeployPresets.validate(_p);
    }

    /* SIZES */

    /// @notice Every deployed contract fits EIP-170, and every init code (the CoreDeployer's carries three
    ///         contracts) fits EIP-3860.
    function test_sizes_underEip170AndEip3860() public {
        deploy.loadConfig();
        deploy.deployAll();
        string[8] memory keys = [
            "openToken",
            "datanetRegistry",
            "modelRegistry",
            "oneStepVerifier",
            "coreDeployer",
            "paymentEscrow",
            "attributionLedger",
            "disputeGame"
        ];
        for (uint256 i = 0; i < 8; i++) {
            uint256 size = deploy.mustGetAddress(keys[i]).code.length;
            assertGt(size, 0, keys[i]);
            assertLe(size, MAX_CODE_SIZE, keys[i]);
        }
        assertLe(deploy.coreInitCode().length, MAX_INITCODE_SIZE, "CoreDeployer init code");
        assertLe(type(AttributionLedger).creationCode.length, MAX_INITCODE_SIZE);
        assertLe(type(DisputeGame).creationCode.length, MAX_INITCODE_SIZE);
        assertLe(type(ModelRegistry).creationCode.length, MAX_INITCODE_SIZE);
        assertLe(type(OneStepVerifier).creationCode.length, MAX_INITCODE_SIZE);
        assertLe(type(CoreDeployer).creationCode.length, MAX_INITCODE_SIZE);
    }

    /* HELPERS */

    function _preset(string memory _name) internal view returns (DeployPreset memory p_) {
        p_ = DeployPresets.parse(vm.readFile(string.concat(vm.projectRoot(), "/script/presets/", _name, ".json")));
    }

    function _expectInvalid(DeployPreset memory _p, string memory _rule) internal {
        vm.expectRevert(abi.encodeWithSelector(DeployPresets.DeployPresets_Invalid.selector, _rule));
        this.validateExternal(_p);
    }

    /// @dev The CLI's happy path on the deployed contracts: create, contribute, approve, register, stake.
    function _registerAndStake(OpenToken _token, DatanetRegistry _datanets, ModelRegistry _models) internal {
        address user = makeAddr("user");
        vm.prank(DEPLOYER);
        assertTrue(_token.transfer(user, 100e18));

        vm.startPrank(user);
        uint256 datanetId = _datanets.createDatanet("ipfs://d");
        uint256 contributionId = _datanets.contribute(datanetId, keccak256("root"), 10, "ipfs://c");
        _datanets.approveContribution(contributionId);
        uint256[] memory ids = new uint256[](1);
        ids[0] = datanetId;
        uint256 modelId = _models.registerModel(
            IModelRegistry.ModelParams({
                baseModelHash: keccak256("base"),
                adapterHash: bytes32(0),
                parentModelId: 0,
                datanetIds: ids,
                method: IModelRegistry.AttributionMethod.Suffix,
                attributionIndexCommitment: bytes32(0),
                split: FeeSplit({
                    operatorBps: 2000, ownerBps: 2000, dataBps: 5000, attributorBps: 500, protocolBps: 500
                }),
                price: 1e15,
                metadataURI: "ipfs://m"
            })
        );
        _token.approve(address(_models), 10e18);
        _models.stake(modelId, 10e18);
        vm.stopPrank();
        assertTrue(_models.isLive(modelId));
    }
}
