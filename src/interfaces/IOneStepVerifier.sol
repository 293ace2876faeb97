// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SigmaContext, State} from "src/libraries/Sigma.sol";

/// @notice The data of a one-step proof: everything the verifier needs besides the claim.
/// @param pre s_i opened to its four fields.
/// @param txBytes Transaction i's bytes.
/// @param txProof Siblings of its leaf, leaf row first; exactly ⌈log2 N⌉ of them.
/// @param witnesses The touched accounts' witnesses against s_i, in update order (docs/protocol.md §4).
struct StepProof {
    State pre;
    bytes txBytes;
    bytes32[] txProof;
    bytes witnesses;
}

/// @title IOneStepVerifier
/// @notice Re-executes σ for one transaction of a claim from proofs alone (docs/dispute-game.md §4).
interface IOneStepVerifier {
    /// @notice Thrown when the opened pre-state does not hash to the agreed commitment.
    /// @param expected The agreed commitment s_i.
    /// @param actual The commitment of the state given.
    error OneStepVerifier_PreStateMismatch(bytes32 expected, bytes32 actual);

    /// @notice Thrown when the transaction is not leaf `index` of the claim's transaction tree.
    /// @param index The transaction index.
    error OneStepVerifier_BadTxProof(uint256 index);

    /// @notice Thrown when the index is outside the claim's transaction list.
    /// @param index The transaction index.
    /// @param txCount The number of transactions N in the claim.
    error OneStepVerifier_IndexOutOfRange(uint256 index, uint256 txCount);

    /// @notice The commitment of σ(pre, tx): the state after transaction `_index`.
    /// @dev Reverts (never returns a wrong answer) when a proof does not verify: a failed proof is the
    ///      prover's fault, not the transaction's. An invalid transaction still yields a commitment
    ///      (txCount + 1), so every step of any claim is decidable.
    /// @param _ctx The claim's σ context (ledger `sigmaContext`).
    /// @param _txRoot The claim's transaction root.
    /// @param _txCount N, the number of transactions in the claim.
    /// @param _index i, the transaction to apply (0 ≤ i < N).
    /// @param _preCommitment The agreed commitment of s_i.
    /// @param _proof The opened pre-state, the transaction with its proof, the witnesses.
    /// @return postCommitment_ commitment(σ(s_i, tx_i)).
    function verifyStep(
        SigmaContext calldata _ctx,
        bytes32 _txRoot,
        uint256 _txCount,
        uint256 _index,
        bytes32 _preCommitment,
        StepProof calldata _proof
    ) external view returns (bytes32 postCommitment_);
}
