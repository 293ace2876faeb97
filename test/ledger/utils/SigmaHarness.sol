// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccountsTree, Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";

/// @notice Exposes the internal libraries with calldata arguments, as the dispute game will call them.
contract SigmaHarness {
    function applyTx(State memory _pre, SigmaContext memory _ctx, bytes calldata _tx, bytes calldata _witnesses)
        external
        view
        returns (State memory post_, Sigma.Outcome outcome_)
    {
        (post_, outcome_) = Sigma.applyTx(_pre, _ctx, _tx, _witnesses);
    }

    function txRoot(bytes calldata _batch, Debit[] calldata _debits) external pure returns (bytes32 root_, uint256 n_) {
        (root_, n_) = TxCodec.txRoot(_batch, _debits);
    }

    function verifyTx(bytes32 _root, bytes calldata _tx, uint256 _index, bytes32[] calldata _proof)
        external
        pure
        returns (bool)
    {
        return TxCodec.verifyTx(_root, _tx, _index, _proof);
    }

    function verifyLeaf(bytes32 _root, address _key, Leaf memory _leaf, bytes calldata _proof)
        external
        pure
        returns (bool)
    {
        return AccountsTree.verify(_root, _key, _leaf, _proof);
    }

    function treeUpdate(bytes calldata _witnesses, uint256 _offset, address _key, Leaf memory _new)
        external
        pure
        returns (bool valid_, bytes32 oldRoot_, bytes32 newRoot_, uint256 next_)
    {
        (valid_, oldRoot_, newRoot_, next_) = AccountsTree.update(_witnesses, _offset, _key, _new);
    }

    function readWitness(bytes calldata _witnesses, uint256 _offset) external pure returns (Leaf memory leaf_) {
        leaf_ = AccountsTree.readWitness(_witnesses, _offset);
    }
}
