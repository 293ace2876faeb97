// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

contract OpenToken is ERC20, ERC20Permit {
    constructor() ERC20("Open", "OPEN") ERC20Permit("Open") {}
}
