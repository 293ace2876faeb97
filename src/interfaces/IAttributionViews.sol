// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IAttributionViews
/// @notice The read-only registry lookups that σ (the attribution ledger's state transition) may make.
/// @dev Every value returned here is either immutable once written or a timestamp of a past event, so a
///      one-step proof re-executed during a dispute sees exactly what the claimant saw: σ evaluates
///      "approved / withdrawn / retired" against the claim's reference time, never against "now".
interface IContributionViews {
    /// @notice The facts σ needs about one contribution.
    /// @param _contributionId The contribution id (sequential, starting at 1).
    /// @return contributor_ The address paid for this contribution (zero when the id is unknown).
    /// @return datanetId_ The datanet the contribution belongs to.
    /// @return approvedAt_ When the curator approved it (0 while pending or when rejected).
    /// @return withdrawnAt_ When the contributor withdrew it from future attribution (0 while live).
    function contributionForAttribution(uint256 _contributionId)
        external
        view
        returns (address contributor_, uint256 datanetId_, uint64 approvedAt_, uint64 withdrawnAt_);
}

/// @notice The fee split of a model, in basis points of the fee; the five shares sum to 10 000.
struct FeeSplit {
    uint16 operatorBps;
    uint16 ownerBps;
    uint16 dataBps;
    uint16 attributorBps;
    uint16 protocolBps;
}

interface IModelViews {
    /// @notice The facts σ needs about one model or adapter. The fee split is immutable after registration.
    /// @param _modelId The model id (sequential, starting at 1).
    /// @return owner_ The model owner (zero when the id is unknown).
    /// @return split_ The registered fee split.
    /// @return registeredAt_ Registration time.
    /// @return retiredAt_ Retirement time (0 while active).
    function modelForAttribution(uint256 _modelId)
        external
        view
        returns (address owner_, FeeSplit memory split_, uint64 registeredAt_, uint64 retiredAt_);

    /// @notice Whether the model named this datanet at registration (immutable).
    function modelUsesDatanet(uint256 _modelId, uint256 _datanetId) external view returns (bool uses_);
}
