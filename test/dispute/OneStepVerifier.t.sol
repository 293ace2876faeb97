// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {Sigma} from "src/libraries/Sigma.sol";
import {DisputeBaseTest} from "test/dispute/utils/DisputeBaseTest.sol";
import {SyntheticClaims} from "test/dispute/utils/SyntheticClaims.sol";

contract OneStepVerifier_VerifyStep_Test is DisputeBaseTest {
    function test_treeDepth_isCeilLog2() public view {
        assertEq(verifier.treeDepth(1), 0);
        assertEq(verifier.treeDepth(2), 1);
        assertEq(verifier.treeDepth(3), 2);
        assertEq(verifier.treeDepth(1024), 10);
        assertEq(verifier.treeDepth(1025), 11);
        assertEq(verifier.treeDepth(100_000), 17);
    }

    function testFuzz_treeDepth_boundsCount(uint256 _n) public view {
        _n = bound(_n, 1, type(uint64).max);
        uint256 d = verifier.treeDepth(_n);
        assertGe(uint256(1) << d, _n);
        if (d > 0) assertLt(uint256(1) << (d - 1), _n);
    }

    /// @dev An invalid transaction still yields a verdict: txCount + 1, nothing else.
    function testFuzz_verifyStep_invalidTxBumpsTxCountOnly(uint256 _n, uint256 _i) public {
        _n = bound(_n, 1, 64);
        _i = bound(_i, 0, _n - 1);
        Built memory b = _claim(_n, SyntheticClaims.NO_LIE);
        bytes32 post =
            verifier.verifyStep(_context(), SyntheticClaims.root(b.leaves), _n, _i, b.honest[_i], _stepProof(b, _i));
        assertEq(post, b.honest[_i + 1]);
    }

    function test_verifyStep_indexOutOfRange_reverts() public {
        Built memory b = _claim(4, SyntheticClaims.NO_LIE);
        StepProof memory p = _stepProof(b, 3);
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_IndexOutOfRange.selector, 4, 4));
        verifier.verifyStep(_context(), SyntheticClaims.root(b.leaves), 4, 4, b.honest[4], p);
    }

    function test_verifyStep_preMismatch_reverts() public {
        Built memory b = _claim(4, SyntheticClaims.NO_LIE);
        StepProof memory p = _stepProof(b, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOneStepVerifier.OneStepVerifier_PreStateMismatch.selector, b.honest[1], Sigma.commitment(p.pre)
            )
        );
        verifier.verifyStep(_context(), SyntheticClaims.root(b.leaves), 4, 2, b.honest[1], p);
    }

    function test_verifyStep_proofLongerThanTree_reverts() public {
        Built memory b = _claim(4, SyntheticClaims.NO_LIE);
        StepProof memory p = _stepProof(b, 2);
        bytes32[] memory longer = new bytes32[](3);
        longer[0] = p.txProof[0];
        longer[1] = p.txProof[1];
        p.txProof = longer;
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_BadTxProof.selector, 2));
        verifier.verifyStep(_context(), SyntheticClaims.root(b.leaves), 4, 2, b.honest[2], p);
    }

    function test_verifyStep_otherRoot_reverts() public {
        Built memory b = _claim(4, SyntheticClaims.NO_LIE);
        vm.expectRevert(abi.encodeWithSelector(IOneStepVerifier.OneStepVerifier_BadTxProof.selector, 2));
        verifier.verifyStep(_context(), keccak256("other"), 4, 2, b.honest[2], _stepProof(b, 2));
    }
}
