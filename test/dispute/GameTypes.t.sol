// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Clock, LibClock, LibPosition, Position} from "src/libraries/GameTypes.sol";

contract GameTypes_Position_Test is Test {
    function testFuzz_position_packsBothHalves(uint64 _lo, uint64 _hi) public pure {
        Position p = LibPosition.wrap(_lo, _hi);
        assertEq(p.lo(), _lo);
        assertEq(p.hi(), _hi);
        assertEq(Position.unwrap(p), (uint128(_lo) << 64) | _hi);
        assertTrue(p.eq(LibPosition.wrap(_lo, _hi)));
    }

    /// @dev The midpoint splits every range of width ≥ 2 into two non-empty halves that differ by at most one.
    function testFuzz_position_midSplitsRange(uint64 _lo, uint64 _width) public pure {
        _lo = uint64(bound(_lo, 0, type(uint64).max - 2));
        _width = uint64(bound(_width, 2, type(uint64).max - _lo));
        Position p = LibPosition.wrap(_lo, _lo + _width);
        uint64 mid = p.mid();
        assertGt(mid, p.lo());
        assertLt(mid, p.hi());
        uint64 left = mid - p.lo();
        uint64 right = p.hi() - mid;
        assertLe(right - left, 1);
    }

    function test_position_midOfOdd() public pure {
        assertEq(LibPosition.wrap(0, 1025).mid(), 512);
        assertEq(LibPosition.wrap(4, 6).mid(), 5);
        assertEq(LibPosition.wrap(4, 7).width(), 3);
    }
}

contract GameTypes_Clock_Test is Test {
    function testFuzz_clock_packsBothHalves(uint64 _used, uint64 _startedAt) public pure {
        Clock c = LibClock.wrap(_used, _startedAt);
        assertEq(c.used(), _used);
        assertEq(c.startedAt(), _startedAt);
    }
}
