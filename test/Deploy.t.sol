// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deploy} from "script/Deploy.s.sol";
import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {ModelRegistry} from "src/ModelRegistry.sol";
import {OpenToken} from "src/OpenToken.sol";
import {FeeSplit} from "src/interfaces/IAttributionViews.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";

/// @notice Runs the deploy script in-process. The environment is process-wide and tests run in parallel, so
///         every test sets the same values (anvil's first key, the local preset).
contract Deploy_Test is Test {
    uint256 internal constant DEPLOYER_KEY = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    address internal constant DEPLOYER = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;

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
        assertEq(vm.parseJsonUint(json, ".deployBlock"), 77);
        assertEq(vm.parseJsonAddress(json, ".deployer"), DEPLOYER);
        assertEq(vm.parseJsonAddress(json, ".treasury"), DEPLOYER);
        assertEq(vm.parseJsonString(json, ".minStake"), "10000000000000000000");
        assertEq(vm.parseJsonUint(json, ".unstakeDelay"), 60);

        OpenToken token = OpenToken(vm.parseJsonAddress(json, ".openToken"));
        DatanetRegistry datanets = DatanetRegistry(vm.parseJsonAddress(json, ".datanetRegistry"));
        ModelRegistry models = ModelRegistry(vm.parseJsonAddress(json, ".modelRegistry"));
        assertEq(address(token), deploy.mustGetAddress("openToken"));
        assertEq(address(datanets), deploy.mustGetAddress("datanetRegistry"));
        assertEq(address(models), deploy.mustGetAddress("modelRegistry"));

        assertEq(token.balanceOf(DEPLOYER), token.MAX_SUPPLY());
        assertEq(address(models.OPEN_TOKEN()), address(token));
        assertEq(address(models.DATANET_REGISTRY()), address(datanets));
        assertEq(models.MIN_STAKE(), 10e18);
        assertEq(models.UNSTAKE_DELAY(), 60);

        _registerAndStake(token, datanets, models);
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
        vm.expectRevert(bytes("Deploy: openToken is not deployed yet"));
        deploy.deployModelRegistry();
    }

    function test_presetFor_knownPresets_succeeds() public view {
        Deploy.Preset memory local = deploy.presetFor("local");
        Deploy.Preset memory testnet = deploy.presetFor("testnet");
        Deploy.Preset memory mainnet = deploy.presetFor("mainnet");
        assertEq(local.minStake, 10e18);
        assertEq(local.unstakeDelay, 60);
        assertEq(testnet.minStake, 1000e18);
        assertEq(testnet.unstakeDelay, 1 days);
        assertEq(mainnet.minStake, 100_000e18);
        assertEq(mainnet.unstakeDelay, 14 days);
        assertEq(mainnet.name, "mainnet");
    }

    function test_presetFor_unknown_reverts() public {
        vm.expectRevert(bytes("Deploy: unknown DEPLOY_PRESET \"prod\" (expected local, testnet or mainnet)"));
        deploy.presetFor("prod");
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
