// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";

/// @title OpenToken
/// @notice OPEN: the ERC-20 (with ERC-2612 permit) in which fees, model stakes and bonds are paid.
/// @dev Minting policy: a fixed supply. The constructor mints `MAX_SUPPLY` (1 000 000 000 OPEN, 18 decimals)
///      to `_treasury` and the contract has no other mint path, no owner and no burn, so the total supply is
///      `MAX_SUPPLY` forever. The treasury (the deployer on a local chain) distributes tokens.
contract OpenToken is ERC20, ERC20Permit, IOpenToken {
    /// @inheritdoc IOpenToken
    uint256 public constant MAX_SUPPLY = 1_000_000_000e18;

    /// @param _treasury Receives the whole supply (not zero).
    constructor(address _treasury) ERC20("Open", "OPEN") ERC20Permit("Open") {
        if (_treasury == address(0)) revert OpenToken_ZeroTreasury();
        _mint(_treasury, MAX_SUPPLY);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address _owner) public view override(ERC20Permit, IERC20Permit) returns (uint256 nonce_) {
        nonce_ = super.nonces(_owner);
    }
}
