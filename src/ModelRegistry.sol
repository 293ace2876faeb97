// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IndexDisputes} from "src/evidence/IndexDisputes.sol";
import {FeeSplit, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";

/// @title ModelRegistry
/// @notice Models and LoRA adapters with their datanets, fee split, price and their owner's OPEN stake.
/// @dev See `IModelRegistry`. The only loop runs over `datanetIds` at registration, bounded by `MAX_DATANETS`.
contract ModelRegistry is IModelRegistry {
    using SafeERC20 for IERC20;

    /// @inheritdoc IModelRegistry
    uint256 public constant BPS = 10_000;
    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_DATANETS = 32;

    /// @inheritdoc IModelRegistry
    IOpenToken public immutable OPEN_TOKEN;
    /// @inheritdoc IModelRegistry
    IDatanetRegistry public immutable DATANET_REGISTRY;
    /// @inheritdoc IModelRegistry
    uint256 public immutable MIN_STAKE;
    /// @inheritdoc IModelRegistry
    uint64 public immutable UNSTAKE_DELAY;
    /// @inheritdoc IModelRegistry
    address public immutable INDEX_DISPUTES;
    /// @notice Where the burned half of a slashed stake goes (the token has no burn).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    /// @dev Models by id (1-based).
    mapping(uint256 modelId => Model) internal _models;
    /// @dev Whether a model named a datanet at registration.
    mapping(uint256 modelId => mapping(uint256 datanetId => bool)) internal _usesDatanet;
    /// @dev Last model id handed out.
    uint256 internal _modelCount;
    /// @dev Sum over models of stake + pendingUnstake.
    uint256 internal _totalStaked;
    /// @dev Index epochs per model, in order of activeFrom.
    mapping(uint256 modelId => IndexEpoch[]) internal _indexEpochs;

    /// @param _openToken The staking token.
    /// @param _datanetRegistry The registry datanet ids are checked against.
    /// @param _minStake Least stake for a model to be live (may be 0).
    /// @param _unstakeDelay Seconds between an unstake request and its withdrawal.
    constructor(IOpenToken _openToken, IDatanetRegistry _datanetRegistry, uint256 _minStake, uint64 _unstakeDelay) {
        if (address(_openToken) == address(0) || address(_datanetRegistry) == address(0)) {
            revert ModelRegistry_ZeroAddress();
        }
        OPEN_TOKEN = _openToken;
        DATANET_REGISTRY = _datanetRegistry;
        MIN_STAKE = _minStake;
        UNSTAKE_DELAY = _unstakeDelay;
        // The judge of bogus-index proofs is created here, so every deployment (CREATE2 included) has one.
        INDEX_DISPUTES = address(new IndexDisputes(IModelRegistry(address(this)), _datanetRegistry));
    }

    /* REGISTRATION */

    /// @inheritdoc IModelRegistry
    function registerModel(ModelParams calldata _params) external returns (uint256 modelId_) {
        _checkSplit(_params.split);
        _checkLineage(_params);
        uint256 count = _params.datanetIds.length;
        if (count > MAX_DATANETS) revert ModelRegistry_TooManyDatanets(count, MAX_DATANETS);
        if (count == 0 && _params.split.dataBps != 0) revert ModelRegistry_NoDatanets();

        modelId_ = ++_modelCount;
        uint256 knownDatanets = DATANET_REGISTRY.datanetCount();
        for (uint256 i = 0; i < count; i++) {
            uint256 datanetId = _params.datanetIds[i];
            if (datanetId == 0 || datanetId > knownDatanets) revert ModelRegistry_UnknownDatanet(datanetId);
            if (_usesDatanet[modelId_][datanetId]) revert ModelRegistry_DuplicateDatanet(datanetId);
            _usesDatanet[modelId_][datanetId] = true;
        }

        Model storage model = _models[modelId_];
        model.owner = msg.sender;
        model.registeredAt = uint64(block.timestamp);
        model.method = _params.method;
        model.split = _params.split;
        model.baseModelHash = _params.baseModelHash;
        model.adapterHash = _params.adapterHash;
        model.parentModelId = _params.parentModelId;
        model.attributionIndexCommitment = _params.attributionIndexCommitment;
        model.price = _params.price;
        model.datanetIds = _params.datanetIds;
        model.metadataURI = _params.metadataURI;

        emit ModelRegistered(modelId_, msg.sender, _params.baseModelHash, _params);
        _startEpoch(modelId_, _params.attributionIndexCommitment);
    }

    /// @inheritdoc IModelRegistry
    function retire(uint256 _modelId) external {
        Model storage model = _activeOwnedModel(_modelId);
        uint64 now_ = uint64(block.timestamp);
        model.retiredAt = now_;
        emit ModelRetired(_modelId, now_);
        uint256 amount = model.stake;
        if (amount != 0) _moveToPending(_modelId, model, amount);
    }

    /// @inheritdoc IModelRegistry
    function updatePrice(uint256 _modelId, uint256 _price) external {
        Model storage model = _activeOwnedModel(_modelId);
        uint256 old = model.price;
        model.price = _price;
        emit PriceUpdated(_modelId, old, _price);
    }

    /// @inheritdoc IModelRegistry
    function updateIndexCommitment(uint256 _modelId, bytes32 _commitment) external {
        Model storage model = _activeOwnedModel(_modelId);
        bytes32 old = model.attributionIndexCommitment;
        model.attributionIndexCommitment = _commitment;
        emit IndexCommitmentUpdated(_modelId, old, _commitment);
        _startEpoch(_modelId, _commitment);
    }

    /// @inheritdoc IModelRegistry
    function slashBogusIndex(uint256 _modelId, uint256 _epoch, address _prover) external {
        if (msg.sender != INDEX_DISPUTES) revert ModelRegistry_OnlyIndexDisputes(msg.sender);
        Model storage model = _model(_modelId);
        IndexEpoch storage epoch = _epochOf(_modelId, _epoch);
        if (epoch.bogus) revert ModelRegistry_AlreadyBogus(_modelId, _epoch);
        epoch.bogus = true;
        uint256 amount = model.stake + model.pendingUnstake;
        model.stake = 0;
        model.pendingUnstake = 0;
        model.unstakeAvailableAt = 0;
        _totalStaked -= amount;
        uint256 paid = amount / 2;
        uint256 burned = amount - paid;
        emit IndexSlashed(_modelId, _epoch, _prover, paid, burned);
        if (paid != 0) IERC20(address(OPEN_TOKEN)).safeTransfer(_prover, paid);
        if (burned != 0) IERC20(address(OPEN_TOKEN)).safeTransfer(BURN_ADDRESS, burned);
    }

    /* STAKE */

    /// @inheritdoc IModelRegistry
    function stake(uint256 _modelId, uint256 _amount) external {
        _stake(_modelId, _amount);
    }

    /// @inheritdoc IModelRegistry
    function stakeWithPermit(uint256 _modelId, uint256 _amount, uint256 _deadline, uint8 _v, bytes32 _r, bytes32 _s)
        external
    {
        // A permit front-run by someone replaying the signature makes this call fail; the allowance it set is
        // what matters, so go on and let `transferFrom` decide (OpenZeppelin's recommended pattern).
        try OPEN_TOKEN.permit(msg.sender, address(this), _amount, _deadline, _v, _r, _s) {} catch {}
        _stake(_modelId, _amount);
    }

    /// @inheritdoc IModelRegistry
    function requestUnstake(uint256 _modelId, uint256 _amount) external {
        Model storage model = _ownedModel(_modelId);
        if (_amount == 0) revert ModelRegistry_ZeroAmount();
        uint256 staked = model.stake;
        if (_amount > staked) revert ModelRegistry_UnstakeExceedsStake(_amount, staked);
        uint256 remaining = staked - _amount;
        if (remaining != 0 && remaining < MIN_STAKE) revert ModelRegistry_InsufficientStake(remaining, MIN_STAKE);
        _moveToPending(_modelId, model, _amount);
    }

    /// @inheritdoc IModelRegistry
    function withdrawStake(uint256 _modelId) external {
        Model storage model = _ownedModel(_modelId);
        uint256 amount = model.pendingUnstake;
        if (amount == 0) revert ModelRegistry_NothingToWithdraw(_modelId);
        uint64 availableAt = model.unstakeAvailableAt;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < availableAt) revert ModelRegistry_UnstakeNotReady(_modelId, availableAt);

        model.pendingUnstake = 0;
        model.unstakeAvailableAt = 0;
        _totalStaked -= amount;
        emit StakeWithdrawn(_modelId, msg.sender, amount);
        IERC20(address(OPEN_TOKEN)).safeTransfer(msg.sender, amount);
    }

    /* VIEWS */

    /// @inheritdoc IModelViews
    function modelForAttribution(uint256 _modelId)
        external
        view
        returns (address owner_, FeeSplit memory split_, uint64 registeredAt_, uint64 retiredAt_)
    {
        Model storage model = _models[_modelId];
        (owner_, split_, registeredAt_, retiredAt_) = (model.owner, model.split, model.registeredAt, model.retiredAt);
    }

    /// @inheritdoc IModelViews
    function modelUsesDatanet(uint256 _modelId, uint256 _datanetId) external view returns (bool uses_) {
        uses_ = _usesDatanet[_modelId][_datanetId];
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256 count_) {
        count_ = _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function isLive(uint256 _modelId) external view returns (bool live_) {
        Model storage model = _models[_modelId];
        live_ = model.owner != address(0) && model.retiredAt == 0 && model.stake >= MIN_STAKE;
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 _modelId) external view returns (Model memory model_) {
        model_ = _model(_modelId);
    }

    /// @inheritdoc IModelRegistry
    function modelDatanets(uint256 _modelId) external view returns (uint256[] memory datanetIds_) {
        datanetIds_ = _model(_modelId).datanetIds;
    }

    /// @inheritdoc IModelRegistry
    function totalStaked() external view returns (uint256 total_) {
        total_ = _totalStaked;
    }

    /// @inheritdoc IModelRegistry
    function indexEpochCount(uint256 _modelId) external view returns (uint256 count_) {
        count_ = _indexEpochs[_modelId].length;
    }

    /// @inheritdoc IModelRegistry
    function indexEpoch(uint256 _modelId, uint256 _epoch) external view returns (IndexEpoch memory epoch_) {
        epoch_ = _epochOf(_modelId, _epoch);
    }

    /// @inheritdoc IModelRegistry
    function indexEpochAt(uint256 _modelId, uint256 _epoch, uint64 _time)
        external
        view
        returns (IndexEpoch memory epoch_)
    {
        IndexEpoch[] storage epochs = _indexEpochs[_modelId];
        epoch_ = _epochOf(_modelId, _epoch);
        if (epoch_.activeFrom > _time || (_epoch + 1 < epochs.length && epochs[_epoch + 1].activeFrom <= _time)) {
            revert ModelRegistry_NotEpochInForce(_modelId, _epoch, _time);
        }
    }

    /* INTERNAL */

    function _startEpoch(uint256 _modelId, bytes32 _commitment) internal {
        uint64 now_ = uint64(block.timestamp);
        IndexEpoch[] storage epochs = _indexEpochs[_modelId];
        emit IndexEpochStarted(_modelId, epochs.length, _commitment, now_);
        epochs.push(IndexEpoch({commitment: _commitment, activeFrom: now_, bogus: false}));
    }

    function _epochOf(uint256 _modelId, uint256 _epoch) internal view returns (IndexEpoch storage epoch_) {
        IndexEpoch[] storage epochs = _indexEpochs[_modelId];
        if (_epoch >= epochs.length) revert ModelRegistry_NotEpochInForce(_modelId, _epoch, 0);
        epoch_ = epochs[_epoch];
    }

    function _stake(uint256 _modelId, uint256 _amount) internal {
        Model storage model = _activeOwnedModel(_modelId);
        if (_amount == 0) revert ModelRegistry_ZeroAmount();
        uint256 staked = model.stake + _amount;
        if (staked < MIN_STAKE) revert ModelRegistry_InsufficientStake(staked, MIN_STAKE);

        model.stake = staked;
        _totalStaked += _amount;
        emit Staked(_modelId, msg.sender, _amount, staked);
        IERC20(address(OPEN_TOKEN)).safeTransferFrom(msg.sender, address(this), _amount);
    }

    function _moveToPending(uint256 _modelId, Model storage _entry, uint256 _amount) internal {
        uint256 remaining = _entry.stake - _amount;
        uint256 pending = _entry.pendingUnstake + _amount;
        uint64 availableAt = uint64(block.timestamp) + UNSTAKE_DELAY;
        _entry.stake = remaining;
        _entry.pendingUnstake = pending;
        _entry.unstakeAvailableAt = availableAt;
        emit UnstakeRequested(_modelId, _amount, remaining, pending, availableAt);
    }

    function _checkSplit(FeeSplit calldata _split) internal pure {
        uint256 sum =
            uint256(_split.operatorBps) + _split.ownerBps + _split.dataBps + _split.attributorBps + _split.protocolBps;
        if (sum != BPS) revert ModelRegistry_BadFeeSplit(sum);
    }

    /// @dev Base-model hash, adapter hash and parent must describe a base model or an adapter (see interface).
    function _checkLineage(ModelParams calldata _params) internal view {
        if (_params.baseModelHash == bytes32(0)) revert ModelRegistry_ZeroBaseModelHash();
        uint256 parentId = _params.parentModelId;
        if (parentId == 0) return;
        if (_params.adapterHash == bytes32(0) || parentId > _modelCount) revert ModelRegistry_BadParent(parentId);
        Model storage parent = _models[parentId];
        if (parent.adapterHash != bytes32(0) || parent.baseModelHash != _params.baseModelHash) {
            revert ModelRegistry_BadParent(parentId);
        }
    }

    function _model(uint256 _modelId) internal view returns (Model storage model_) {
        if (_modelId == 0 || _modelId > _modelCount) revert ModelRegistry_UnknownModel(_modelId);
        model_ = _models[_modelId];
    }

    function _ownedModel(uint256 _modelId) internal view returns (Model storage model_) {
        model_ = _model(_modelId);
        if (msg.sender != model_.owner) revert ModelRegistry_NotOwner(_modelId, msg.sender);
    }

    function _activeOwnedModel(uint256 _modelId) internal view returns (Model storage model_) {
        model_ = _ownedModel(_modelId);
        if (model_.retiredAt != 0) revert ModelRegistry_Retired(_modelId);
    }
}
