// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FeeSplit, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";

/// @title IModelRegistry
/// @notice Models and LoRA adapters, the datanets they were trained on, their fee split and their owner's stake.
/// @dev Model ids are sequential `uint256`s starting at 1. The owner, the fee split and the datanet list are
///      written once at registration and never change (σ re-executes old transactions during disputes);
///      retirement is a timestamp. Price and attribution-index commitment may be updated; σ does not read them.
///
///      Base models and adapters: a base model has `adapterHash == 0` and `parentModelId == 0`. An adapter
///      has `adapterHash != 0` and names its base through `baseModelHash`; it may also name the registered
///      base model it runs on with `parentModelId` (0 = not registered here), in which case the parent must
///      be a base model with the same `baseModelHash`.
///
///      Stake: the owner stakes OPEN on a model; a model is live while it is not retired and its stake is at
///      least `MIN_STAKE`. Staked tokens leave through `requestUnstake` (each request restarts the delay for
///      the whole pending amount) and `withdrawStake` once `UNSTAKE_DELAY` has passed. A stake is either 0 or
///      at least `MIN_STAKE`, never dust in between. Retiring moves the whole stake to pending.
interface IModelRegistry is IModelViews {
    /* TYPES */

    /// @notice How attribution is computed for the model's answers.
    enum AttributionMethod {
        Suffix,
        Gradient
    }

    /// @notice What the owner provides at registration.
    /// @param baseModelHash Hash of the base model's weights (not zero).
    /// @param adapterHash Hash of the LoRA adapter's weights; 0 for a base model.
    /// @param parentModelId Registered base model an adapter runs on; 0 = none (always 0 for a base model).
    /// @param datanetIds Datanets the model was trained on: at most `MAX_DATANETS`, existing, no duplicates;
    ///        may be empty only when `split.dataBps == 0`.
    /// @param method Attribution method.
    /// @param attributionIndexCommitment Commitment to the attribution index (suffix array or gradient store).
    /// @param split Fee split in basis points; the five shares must sum to 10 000.
    /// @param price Price per request in OPEN wei (informational for operators and users).
    /// @param metadataURI Off-chain description.
    struct ModelParams {
        bytes32 baseModelHash;
        bytes32 adapterHash;
        uint256 parentModelId;
        uint256[] datanetIds;
        AttributionMethod method;
        bytes32 attributionIndexCommitment;
        FeeSplit split;
        uint256 price;
        string metadataURI;
    }

    /// @notice One registered model or adapter.
    /// @param owner The owner (immutable; paid the owner share).
    /// @param registeredAt Registration time.
    /// @param retiredAt Retirement time (0 while active).
    /// @param method Attribution method (immutable).
    /// @param split Fee split (immutable).
    /// @param unstakeAvailableAt When the pending unstake can be withdrawn (0 when nothing is pending).
    /// @param baseModelHash Base model weights hash (immutable).
    /// @param adapterHash Adapter weights hash, 0 for a base model (immutable).
    /// @param parentModelId Registered base model of an adapter, 0 = none (immutable).
    /// @param attributionIndexCommitment Current attribution-index commitment.
    /// @param price Current price per request.
    /// @param stake Staked OPEN counting towards liveness.
    /// @param pendingUnstake OPEN on its way out (no longer counts towards liveness).
    /// @param datanetIds Datanets used (immutable).
    /// @param metadataURI Off-chain description.
    struct Model {
        address owner;
        uint64 registeredAt;
        AttributionMethod method;
        uint64 retiredAt;
        uint64 unstakeAvailableAt;
        FeeSplit split;
        bytes32 baseModelHash;
        bytes32 adapterHash;
        uint256 parentModelId;
        bytes32 attributionIndexCommitment;
        uint256 price;
        uint256 stake;
        uint256 pendingUnstake;
        uint256[] datanetIds;
        string metadataURI;
    }

    /// @notice One attribution-index epoch of a model (docs/evidence-game.md §1.4): the commitment in force from
    ///         `activeFrom` until the next epoch's `activeFrom`.
    /// @param commitment The attribution-index commitment.
    /// @param activeFrom When it took effect (registration, or the update that set it).
    /// @param bogus Whether a violation of the commitment was proved (the owner's stake was slashed).
    struct IndexEpoch {
        bytes32 commitment;
        uint64 activeFrom;
        bool bogus;
    }

    /* ERRORS */

    /// @notice Thrown when the constructor is given a zero address.
    error ModelRegistry_ZeroAddress();
    /// @notice Thrown when a model id does not exist.
    error ModelRegistry_UnknownModel(uint256 modelId);
    /// @notice Thrown when someone other than the model owner calls an owner-only function.
    error ModelRegistry_NotOwner(uint256 modelId, address caller);
    /// @notice Thrown when the fee split's shares do not sum to 10 000 basis points.
    error ModelRegistry_BadFeeSplit(uint256 sum);
    /// @notice Thrown when the base-model hash is zero.
    error ModelRegistry_ZeroBaseModelHash();
    /// @notice Thrown when more than `MAX_DATANETS` datanets are named.
    error ModelRegistry_TooManyDatanets(uint256 count, uint256 max);
    /// @notice Thrown when a named datanet does not exist.
    error ModelRegistry_UnknownDatanet(uint256 datanetId);
    /// @notice Thrown when a datanet is named twice.
    error ModelRegistry_DuplicateDatanet(uint256 datanetId);
    /// @notice Thrown when no datanet is named but the split gives data contributors a share.
    error ModelRegistry_NoDatanets();
    /// @notice Thrown when a parent model id is invalid: set on a base model, unknown, itself an adapter, or
    ///         with a different base-model hash.
    error ModelRegistry_BadParent(uint256 parentModelId);
    /// @notice Thrown when a staking amount is zero.
    error ModelRegistry_ZeroAmount();
    /// @notice Thrown when a stake would end up between 0 and `MIN_STAKE` (exclusive).
    error ModelRegistry_InsufficientStake(uint256 stake, uint256 minStake);
    /// @notice Thrown when unstaking more than is staked.
    error ModelRegistry_UnstakeExceedsStake(uint256 amount, uint256 stake);
    /// @notice Thrown when withdrawing with nothing pending.
    error ModelRegistry_NothingToWithdraw(uint256 modelId);
    /// @notice Thrown when withdrawing before the unstake delay has passed.
    error ModelRegistry_UnstakeNotReady(uint256 modelId, uint64 availableAt);
    /// @notice Thrown when acting on a retired model (stake, update, retire again).
    error ModelRegistry_Retired(uint256 modelId);
    /// @notice Thrown when an index epoch does not exist, or is not the one in force at the time asked about.
    error ModelRegistry_NotEpochInForce(uint256 modelId, uint256 epoch, uint64 time);
    /// @notice Thrown when someone other than the registry's index-dispute contract reports a bogus index.
    error ModelRegistry_OnlyIndexDisputes(address caller);
    /// @notice Thrown when an index epoch already was proved bogus.
    error ModelRegistry_AlreadyBogus(uint256 modelId, uint256 epoch);

    /* EVENTS */

    /// @notice Emitted when a model or adapter is registered.
    /// @param modelId The new model's id.
    /// @param owner Its owner.
    /// @param baseModelHash Its base-model hash.
    /// @param params Everything given at registration.
    event ModelRegistered(
        uint256 indexed modelId, address indexed owner, bytes32 indexed baseModelHash, ModelParams params
    );

    /// @notice Emitted when the owner adds stake.
    /// @param modelId The model.
    /// @param owner The owner who paid.
    /// @param amount Added amount.
    /// @param stake Stake after the addition.
    event Staked(uint256 indexed modelId, address indexed owner, uint256 amount, uint256 stake);

    /// @notice Emitted when stake is moved to pending (by request or by retirement).
    /// @param modelId The model.
    /// @param amount Amount moved.
    /// @param stake Remaining stake.
    /// @param pendingUnstake Total pending after the move.
    /// @param availableAt When the pending amount can be withdrawn.
    event UnstakeRequested(
        uint256 indexed modelId, uint256 amount, uint256 stake, uint256 pendingUnstake, uint64 availableAt
    );

    /// @notice Emitted when the pending unstake is paid out to the owner.
    /// @param modelId The model.
    /// @param owner The owner paid.
    /// @param amount Amount paid.
    event StakeWithdrawn(uint256 indexed modelId, address indexed owner, uint256 amount);

    /// @notice Emitted when a model is retired.
    /// @param modelId The model.
    /// @param retiredAt Retirement time.
    event ModelRetired(uint256 indexed modelId, uint64 retiredAt);

    /// @notice Emitted when the price changes.
    /// @param modelId The model.
    /// @param oldPrice Previous price.
    /// @param newPrice New price.
    event PriceUpdated(uint256 indexed modelId, uint256 oldPrice, uint256 newPrice);

    /// @notice Emitted when the attribution-index commitment changes.
    /// @param modelId The model.
    /// @param oldCommitment Previous commitment.
    /// @param newCommitment New commitment.
    event IndexCommitmentUpdated(uint256 indexed modelId, bytes32 oldCommitment, bytes32 newCommitment);

    /// @notice Emitted when an index epoch starts (at registration and at every commitment update).
    /// @param modelId The model.
    /// @param epoch The epoch's number (0 at registration).
    /// @param commitment Its attribution-index commitment.
    /// @param activeFrom When it takes effect.
    event IndexEpochStarted(uint256 indexed modelId, uint256 indexed epoch, bytes32 commitment, uint64 activeFrom);

    /// @notice Emitted when an index epoch is proved bogus and the owner's stake is slashed.
    /// @param modelId The model.
    /// @param epoch The bogus epoch.
    /// @param prover Who proved it (paid half of the slashed stake).
    /// @param paid Amount paid to the prover.
    /// @param burned Amount sent to the burn address.
    event IndexSlashed(
        uint256 indexed modelId, uint256 indexed epoch, address indexed prover, uint256 paid, uint256 burned
    );

    /* CONSTANTS */

    /// @notice Basis points in a whole fee.
    function BPS() external view returns (uint256 bps_);

    /// @notice Most datanets a model may name.
    function MAX_DATANETS() external view returns (uint256 max_);

    /// @notice The staking token.
    function OPEN_TOKEN() external view returns (IOpenToken token_);

    /// @notice The registry datanet ids are checked against.
    function DATANET_REGISTRY() external view returns (IDatanetRegistry registry_);

    /// @notice Least stake for a model to be live.
    function MIN_STAKE() external view returns (uint256 minStake_);

    /// @notice Seconds between an unstake request and its withdrawal.
    function UNSTAKE_DELAY() external view returns (uint64 delay_);

    /// @notice The contract that judges bogus-index proofs (created by this registry's constructor).
    function INDEX_DISPUTES() external view returns (address disputes_);

    /* REGISTRATION */

    /// @notice Registers a model or adapter owned by the caller.
    /// @param _params See `ModelParams`.
    /// @return modelId_ The new model's id.
    function registerModel(ModelParams calldata _params) external returns (uint256 modelId_);

    /// @notice Retires a model (owner only): records `retiredAt` and moves the whole stake to pending.
    /// @param _modelId The model.
    function retire(uint256 _modelId) external;

    /// @notice Sets the price per request (owner only; not read by σ).
    /// @param _modelId The model.
    /// @param _price The new price.
    function updatePrice(uint256 _modelId, uint256 _price) external;

    /// @notice Sets the attribution-index commitment (owner only; not read by σ): starts a new index epoch in force
    ///         from now (docs/evidence-game.md §1.4).
    /// @param _modelId The model.
    /// @param _commitment The new commitment.
    function updateIndexCommitment(uint256 _modelId, bytes32 _commitment) external;

    /// @notice Marks an index epoch bogus and slashes the owner's whole stake (staked and pending): half to the
    ///         prover, half burned. Only `INDEX_DISPUTES`, after it verified a violation.
    /// @param _modelId The model.
    /// @param _epoch The epoch proved bogus.
    /// @param _prover Who proved it.
    function slashBogusIndex(uint256 _modelId, uint256 _epoch, address _prover) external;

    /* STAKE */

    /// @notice Adds `_amount` OPEN to the model's stake, pulled from the owner with `transferFrom`.
    /// @dev The stake after the call must be at least `MIN_STAKE`.
    /// @param _modelId The model (owner only, not retired).
    /// @param _amount Amount to add (not zero).
    function stake(uint256 _modelId, uint256 _amount) external;

    /// @notice `stake` preceded by an ERC-2612 permit for this registry. A permit already used (e.g. front-run)
    ///         is tolerated when the allowance suffices.
    /// @param _modelId The model (owner only, not retired).
    /// @param _amount Amount to add, also the permitted value.
    /// @param _deadline Permit deadline.
    /// @param _v Signature v.
    /// @param _r Signature r.
    /// @param _s Signature s.
    function stakeWithPermit(uint256 _modelId, uint256 _amount, uint256 _deadline, uint8 _v, bytes32 _r, bytes32 _s)
        external;

    /// @notice Moves `_amount` from the stake to pending; it can be withdrawn `UNSTAKE_DELAY` seconds later.
    /// @dev Restarts the delay for the whole pending amount. The remaining stake must be 0 or at least `MIN_STAKE`.
    /// @param _modelId The model (owner only).
    /// @param _amount Amount to move (not zero, at most the stake).
    function requestUnstake(uint256 _modelId, uint256 _amount) external;

    /// @notice Pays the whole pending unstake to the owner once the delay has passed.
    /// @param _modelId The model (owner only).
    function withdrawStake(uint256 _modelId) external;

    /* VIEWS */

    /// @notice Number of models registered so far; the ids in use are exactly 1..modelCount().
    function modelCount() external view returns (uint256 count_);

    /// @notice Whether the model exists, is not retired and has at least `MIN_STAKE` staked.
    function isLive(uint256 _modelId) external view returns (bool live_);

    /// @notice The model `_modelId`; reverts with `ModelRegistry_UnknownModel` if it does not exist.
    function getModel(uint256 _modelId) external view returns (Model memory model_);

    /// @notice The datanets the model named at registration.
    function modelDatanets(uint256 _modelId) external view returns (uint256[] memory datanetIds_);

    /// @notice Sum of all stakes and pending unstakes: the OPEN this registry holds for models.
    function totalStaked() external view returns (uint256 total_);

    /// @notice The number of index epochs of a model (1 after registration).
    function indexEpochCount(uint256 _modelId) external view returns (uint256 count_);

    /// @notice Index epoch `_epoch` of a model; reverts with `ModelRegistry_NotEpochInForce` if it does not exist.
    function indexEpoch(uint256 _modelId, uint256 _epoch) external view returns (IndexEpoch memory epoch_);

    /// @notice Epoch `_epoch` if it is the one in force at `_time` (the last with activeFrom ≤ _time); reverts with
    ///         `ModelRegistry_NotEpochInForce` otherwise. O(1): the caller names the epoch.
    function indexEpochAt(uint256 _modelId, uint256 _epoch, uint64 _time)
        external
        view
        returns (IndexEpoch memory epoch_);
}
