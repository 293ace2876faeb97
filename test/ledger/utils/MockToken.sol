// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A mintable ERC-20 for tests.
contract MockToken is ERC20 {
    constructor() ERC20("Mock", "MOCK") {}

    function mint(address _to, uint256 _amount) external {
        _mint(_to, _amount);
    }
}

/// @notice A token that calls back into a target on every transfer, to test reentrancy guards.
contract ReentrantToken is MockToken {
    address public target;
    bytes public payload;
    bool public reentered;
    bytes public revertData;

    function arm(address _target, bytes calldata _payload) external {
        target = _target;
        payload = _payload;
    }

    function _update(address _from, address _to, uint256 _value) internal override {
        super._update(_from, _to, _value);
        address t = target;
        if (t != address(0) && _from != address(0)) {
            target = address(0);
            (bool ok, bytes memory data) = t.call(payload);
            reentered = ok;
            revertData = data;
        }
    }
}
