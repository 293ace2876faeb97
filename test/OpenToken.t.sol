// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {OpenToken} from "src/OpenToken.sol";
import {IOpenToken} from "src/interfaces/IOpenToken.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

contract OpenToken_Constructor_Test is BaseTest {
    function test_constructor_metadata_succeeds() public view {
        assertEq(token.name(), "Open");
        assertEq(token.symbol(), "OPEN");
        assertEq(token.decimals(), 18);
        assertEq(token.MAX_SUPPLY(), 1_000_000_000e18);
    }

    function test_constructor_mintsWholeSupplyToTreasury_succeeds() public view {
        assertEq(token.totalSupply(), token.MAX_SUPPLY());
        assertEq(token.balanceOf(treasury) + 3 * ACTOR_FUNDS, token.MAX_SUPPLY());
    }

    function testFuzz_constructor_anyTreasury_succeeds(address _treasury) public {
        vm.assume(_treasury != address(0));
        vm.expectEmit(true, true, false, true);
        emit IERC20.Transfer(address(0), _treasury, 1_000_000_000e18);
        OpenToken fresh = new OpenToken(_treasury);
        assertEq(fresh.balanceOf(_treasury), fresh.MAX_SUPPLY());
        assertEq(fresh.totalSupply(), fresh.MAX_SUPPLY());
    }

    function test_constructor_zeroTreasury_reverts() public {
        vm.expectRevert(IOpenToken.OpenToken_ZeroTreasury.selector);
        new OpenToken(address(0));
    }
}

contract OpenToken_Transfer_Test is BaseTest {
    function testFuzz_transfer_conservesSupply_succeeds(address _to, uint256 _amount) public {
        vm.assume(_to != address(0) && _to != alice);
        _amount = bound(_amount, 0, ACTOR_FUNDS);
        uint256 before = token.balanceOf(_to);
        vm.prank(alice);
        assertTrue(token.transfer(_to, _amount));
        assertEq(token.balanceOf(alice), ACTOR_FUNDS - _amount);
        assertEq(token.balanceOf(_to), before + _amount);
        assertEq(token.totalSupply(), token.MAX_SUPPLY());
    }

    function test_transfer_moreThanBalance_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, ACTOR_FUNDS, ACTOR_FUNDS + 1)
        );
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transfer(bob, ACTOR_FUNDS + 1);
    }
}

contract OpenToken_Permit_Test is BaseTest {
    function testFuzz_permit_setsAllowanceAndBumpsNonce_succeeds(uint256 _value, uint256 _deadline) public {
        _deadline = bound(_deadline, block.timestamp, type(uint64).max);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, _value, _deadline);
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Approval(alice, bob, _value);
        token.permit(alice, bob, _value, _deadline, v, r, s);
        assertEq(token.allowance(alice, bob), _value);
        assertEq(token.nonces(alice), 1);
    }

    function test_permit_expired_reverts() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1e18, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 1e18, deadline, v, r, s);
    }

    function test_permit_wrongSigner_reverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(bobKey, alice, bob, 1e18, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, bob, alice));
        token.permit(alice, bob, 1e18, deadline, v, r, s);
    }

    function test_permit_replay_reverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1e18, deadline);
        token.permit(alice, bob, 1e18, deadline, v, r, s);
        // The digest now uses nonce 1, so some other address is recovered.
        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        token.permit(alice, bob, 1e18, deadline, v, r, s);
    }
}
