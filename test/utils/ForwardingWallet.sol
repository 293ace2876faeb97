// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ForwardingWallet
/// @notice A minimal contract wallet (test fixture): its owner makes it call any contract, so whatever it
///         posts has `msg.sender` = the wallet and an outer transaction whose calldata is `execute(…)`,
///         not the inner call. Used by the contract-wallet claimant of the ledger invariant suite, the
///         ClaimData tests and the agents' end-to-end test (agents/e2e).
contract ForwardingWallet {
    /// @notice Who may make the wallet call.
    address public immutable OWNER;

    /// @notice Thrown when someone else than the owner calls `execute`.
    error ForwardingWallet_NotOwner(address caller);

    /// @notice Emitted after every forwarded call.
    /// @param target The contract called.
    /// @param selector The first four bytes of the calldata forwarded (zero when shorter).
    event Executed(address indexed target, bytes4 selector);

    constructor(address _owner) {
        OWNER = _owner;
    }

    /// @notice Calls `_target` with `_data` as the wallet; a revert is bubbled up unchanged.
    /// @return result_ What the call returned.
    function execute(address _target, bytes calldata _data) external returns (bytes memory result_) {
        if (msg.sender != OWNER) revert ForwardingWallet_NotOwner(msg.sender);
        bool ok;
        (ok, result_) = _target.call(_data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result_, 32), mload(result_))
            }
        }
        bytes4 selector;
        if (_data.length >= 4) selector = bytes4(_data[:4]);
        emit Executed(_target, selector);
    }
}
