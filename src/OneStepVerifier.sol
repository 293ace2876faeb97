// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOneStepVerifier, StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {TxCodec} from "src/libraries/TxCodec.sol";

/// @title OneStepVerifier
/// @notice σ for one transaction of a claim, from proofs: the tx against the claim's tx root, the
///         pre-state opened against the agreed commitment, the touched leaves against its accounts root.
/// @dev Stateless; the dispute game calls it once per game, at the end of bisection.
contract OneStepVerifier is IOneStepVerifier {
    /// @inheritdoc IOneStepVerifier
    function verifyStep(
        SigmaContext calldata _ctx,
        bytes32 _txRoot,
        uint256 _txCount,
        uint256 _index,
        bytes32 _preCommitment,
        StepProof calldata _proof
    ) external view returns (bytes32 postCommitment_) {
        if (_index >= _txCount) revert OneStepVerifier_IndexOutOfRange(_index, _txCount);
        State memory pre = _proof.pre;
        bytes32 opened = Sigma.commitment(pre);
        if (opened != _preCommitment) revert OneStepVerifier_PreStateMismatch(_preCommitment, opened);
        // The proof must reach the leaf row: a shorter one would let an inner node's 64-byte
        // preimage pose as a transaction.
        if (
            _proof.txProof.length != treeDepth(_txCount)
                || !TxCodec.verifyTx(_txRoot, _proof.txBytes, _index, _proof.txProof)
        ) {
            revert OneStepVerifier_BadTxProof(_index);
        }
        (State memory post,) = Sigma.applyTx(pre, _ctx, _proof.txBytes, _proof.witnesses);
        postCommitment_ = Sigma.commitment(post);
    }

    /// @notice ⌈log2 N⌉: the depth of the transaction tree of `_txCount` leaves (0 for one leaf).
    function treeDepth(uint256 _txCount) public pure returns (uint256 depth_) {
        while ((uint256(1) << depth_) < _txCount) depth_++;
    }
}
