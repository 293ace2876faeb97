// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {EvidenceEntry, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {EvidenceGameBaseTest} from "test/evidence/utils/EvidenceGameBaseTest.sol";

/// @notice Evidence disputes on a GroupReceipt (type 0x05, spec 19 B.4): the claim's batch carries a receipt group,
///         the challenger opens record k's σ bytes with the request hash (ioHash = H(requestHash ‖ H(output))), and
///         the defender's ranked weights are compared with the record's 7-byte entries.
contract EvidenceGame_GroupReceipt_Test is EvidenceGameBaseTest {
    bytes internal constant OUT = "so the quick brown fox jumps, said a lazy afternoon with tea; over the lazy dog";
    bytes32 internal constant REQUEST = keccak256("the canonical request");

    /// @dev `_entries12` (uint64 id ‖ uint32 weight)* narrowed to a record's (uint32 id ‖ uint24 weight)*.
    function _narrow(bytes memory _entries12) internal pure returns (bytes memory out_) {
        for (uint256 j = 0; j < _entries12.length / 12; j++) {
            uint256 id;
            uint256 w;
            for (uint256 b = 0; b < 8; b++) {
                id = id << 8 | uint8(_entries12[12 * j + b]);
            }
            for (uint256 b = 8; b < 12; b++) {
                w = w << 8 | uint8(_entries12[12 * j + b]);
            }
            out_ = bytes.concat(out_, abi.encodePacked(uint32(id), uint24(w)));
        }
    }

    /// @dev Record of this output: σ fields the game does not read are zero.
    function _record(bytes memory _output, bytes memory _entries12, uint64 _nonce)
        internal
        view
        returns (bytes memory)
    {
        bytes32 io = keccak256(abi.encodePacked(REQUEST, keccak256(_output)));
        bytes memory entries = _narrow(_entries12);
        return bytes.concat(
            abi.encodePacked(address(0x1234), uint64(modelId), io, uint96(0), _nonce, uint8(entries.length / 7)),
            entries
        );
    }

    /// @dev Posts a claim whose batch is one group of two records (the first one unrelated to `_output`); returns the
    ///      claim, the σ bytes of record 1 (tx 1) and its tx proof.
    function _postGroup(bytes memory _output, bytes memory _entries12)
        internal
        returns (uint256 claimId_, bytes memory tx_, bytes32[] memory proof_)
    {
        bytes memory r0 = _record("another answer", abi.encodePacked(onChain[3], uint32(1e6)), 1);
        bytes memory r1 = _record(_output, _entries12, 2);
        bytes32 groupRoot = keccak256(abi.encodePacked(keccak256(r0), keccak256(r1)));
        bytes memory head = abi.encodePacked(address(0xAB), address(0xCD), uint16(2), new bytes(65));
        bytes memory batch = bytes.concat(bytes1(0x04), head, r0, r1);
        bytes memory prefix =
            abi.encodePacked(uint8(5), address(0xAB), address(0xCD), groupRoot, uint16(2), new bytes(65));
        tx_ = bytes.concat(prefix, r1);
        proof_ = new bytes32[](1);
        proof_[0] = keccak256(bytes.concat(prefix, r0));
        IAttributionLedger.Claim memory parent = ledger.claim(0);
        State memory s = State(keccak256("accounts"), parent.totalCredited, 0, uint256(parent.txCount) + 2);
        vm.prank(attributor);
        claimId_ = ledger.postClaim(0, batch, s, uint64(block.timestamp - 1), new Debit[](0));
        assertEq(ledger.claim(claimId_).txRoot, keccak256(abi.encodePacked(proof_[0], keccak256(tx_))), "tx root");
    }

    function test_openGroupReceipt_honest_answeredAndDefended() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        (uint256 claimId, bytes memory tx_, bytes32[] memory proof) = _postGroup(OUT, _weights(rankedIds, rankedScores));
        vm.prank(challenger);
        uint256 id = game.openGroupReceipt(claimId, 1, tx_, proof, REQUEST, OUT);
        assertEq(ledger.evidenceGames(claimId), 1);
        assertEq(game.dispute(id).txIndex, 1);
        assertEq(game.dispute(id).outputLength, OUT.length);
        // The widened weights equal the ranked list's: the honest defender can answer and defend.
        _answer(id);
        _accuse(id, IEvidenceGameTypes.Accusation.RankedScore, 0);
        _defend(id, IEvidenceGameTypes.Accusation.RankedScore, 0);
        _timeout(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ClaimantWon));
    }

    function test_openGroupReceipt_fabricatedWeights_cannotBeAnswered_claimVoided() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        (uint256 claimId, bytes memory tx_, bytes32[] memory proof) =
            _postGroup(OUT, abi.encodePacked(onChain[3], uint32(1e6)));
        vm.prank(challenger);
        uint256 id = game.openGroupReceipt(claimId, 1, tx_, proof, REQUEST, OUT);
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_WeightsMismatch.selector);
        _answer(id);
        _timeout(id);
        assertEq(uint8(_status(id)), uint8(IEvidenceGameTypes.DisputeStatus.ChallengerWon));
        assertEq(uint8(ledger.claim(claimId).status), uint8(IAttributionLedger.Status.Void));
    }

    function test_openGroupReceipt_rejectsWrongRequestOutputOrKind() public {
        EvidenceEntry[] memory es = _honestEntries(OUT);
        _setEvidence(OUT, es);
        (uint256 claimId, bytes memory tx_, bytes32[] memory proof) = _postGroup(OUT, _weights(rankedIds, rankedScores));
        vm.startPrank(challenger);
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_BadOutput.selector);
        game.openGroupReceipt(claimId, 1, tx_, proof, keccak256("another request"), OUT);
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_BadOutput.selector);
        game.openGroupReceipt(claimId, 1, tx_, proof, REQUEST, bytes.concat(OUT, "!"));
        vm.expectRevert(IEvidenceGameTypes.EvidenceGame_BadOutput.selector);
        game.openGroupReceipt(claimId, 1, tx_, proof, REQUEST, "");
        // A GroupReceipt through the Attribute entry point, and the wrong index, are not the claim's Attribute.
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_BadTx.selector, 1));
        game.open(claimId, 1, tx_, proof, OUT);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_BadTx.selector, 0));
        game.openGroupReceipt(claimId, 0, tx_, proof, REQUEST, OUT);
        bytes memory cut = new bytes(tx_.length - 7);
        for (uint256 i = 0; i < cut.length; i++) {
            cut[i] = tx_[i];
        }
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_BadTx.selector, 1));
        game.openGroupReceipt(claimId, 1, cut, proof, REQUEST, OUT);
        vm.stopPrank();
    }

    function test_openGroupReceipt_rejectsAnAttribute() public {
        uint256 attributeClaim = _postHonest(OUT);
        bytes memory attribute = _attributeTx(OUT, _txWeights(attributeClaim));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceGameTypes.EvidenceGame_BadTx.selector, 0));
        game.openGroupReceipt(attributeClaim, 0, attribute, new bytes32[](0), REQUEST, OUT);
    }
}
