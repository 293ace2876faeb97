// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice The naive baseline of agents/bench/ledger.ts: settle one inference directly on chain with one
///         ERC-20 transfer per recipient (no signatures checked, no registry read: a lower bound on its cost).
contract NaiveSettlement {
    function settle(IERC20 _token, address _payer, address[] calldata _recipients, uint256[] calldata _amounts)
        external
    {
        for (uint256 i = 0; i < _recipients.length; i++) {
            _token.transferFrom(_payer, _recipients[i], _amounts[i]);
        }
    }
}
