// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title IOpenToken
/// @notice The OPEN token: fees, model stakes and bonds are paid in it.
/// @dev Minting policy: the whole supply, `MAX_SUPPLY`, is minted once in the constructor to a treasury
///      address; there is no mint function, so `totalSupply()` never exceeds `MAX_SUPPLY` and only ever
///      stays equal to it (there is no burn either).
interface IOpenToken is IERC20, IERC20Metadata, IERC20Permit {
    /// @notice Thrown when the constructor is given the zero address as treasury.
    error OpenToken_ZeroTreasury();

    /// @notice The fixed total supply, minted once to the treasury at deployment (18 decimals).
    function MAX_SUPPLY() external view returns (uint256 maxSupply_);
}
