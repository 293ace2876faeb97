// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IPaymentEscrow} from "src/interfaces/IPaymentEscrow.sol";
import {Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {SigmaHarness} from "test/ledger/utils/SigmaHarness.sol";
import {SigmaModel} from "test/ledger/utils/SigmaModel.sol";
import {StorageTree} from "test/ledger/utils/StorageTree.sol";

/// @notice Regression tests for the σ / ledger / escrow attacks of issue 12 (items 2, 4, 5, 6), each named
///         after its attack. Receipts are signed here and σ's expected effect is computed by SigmaModel.
contract Ledger_Issue12Attacks_Test is LedgerBaseTest, SigmaModel {
    SigmaHarness internal harness;
    StorageTree internal tree;
    SigmaContext internal ctx;

    address internal owner = makeAddr("owner");
    address internal contributor = makeAddr("contributor");
    address internal named = makeAddr("namedAttributor");
    address internal copier = makeAddr("copier");
    uint256 internal userKey = 0xA11CE;
    uint256 internal operatorKey = 0x0BE2A7;
    State internal state;

    function setUp() public override {
        super.setUp();
        harness = new SigmaHarness();
        tree = new StorageTree();
        _registerModel(registry, owner, contributor);
        ctx = SigmaContext({
            domainSeparator: ledger.DOMAIN_SEPARATOR(),
            protocol: protocol,
            referenceTime: uint64(block.timestamp - 1),
            maxEntries: K,
            contributions: registry,
            models: registry
        });
    }

    /// @dev Applies `_r` with σ and checks the outcome and the root against the model.
    function _step(TestReceipt memory _r) internal returns (Sigma.Outcome outcome_) {
        bytes memory tx_ = _encode(_r, ctx.domainSeparator);
        (bytes memory witnesses, bool fresh) = _apply(tree, _r, owner, contributor, protocol);
        State memory post;
        (post, outcome_) = harness.applyTx(state, ctx, tx_, witnesses);
        assertEq(uint8(outcome_), uint8(fresh ? Sigma.Outcome.Valid : Sigma.Outcome.Replay), "model outcome");
        assertEq(post.accountsRoot, tree.root(), "model root");
        state = post;
    }

    /* ITEM 2: A USER CANCELS A SERVED RECEIPT FOR FREE */

    /// @notice The attack: served by an operator, the user self-signs a zero-fee receipt (as user and as its
    ///         own operator) with the top nonce; on the old shared window the served receipt became a replay.
    function test_attack_userCancelsServedReceipt_withSelfSignedHighNonce() public {
        TestReceipt memory served = TestReceipt(userKey, operatorKey, named, 3, 1e18);
        TestReceipt memory cancel = TestReceipt(userKey, userKey, named, type(uint64).max, 0);
        assertEq(uint8(_step(cancel)), uint8(Sigma.Outcome.Valid), "the self-signed receipt is valid");
        assertEq(uint8(_step(served)), uint8(Sigma.Outcome.Valid), "the served receipt is still valid");
        assertEq(tree.leaf(vm.addr(userKey)).charged, 1e18, "the user pays");
        assertEq(uint8(_step(served)), uint8(Sigma.Outcome.Replay), "its own window still stops replays");
    }

    /// @notice Whatever nonces a user burns in its self-signed window, another operator's receipts keep theirs.
    /// forge-config: ci.fuzz.runs = 512
    function testFuzz_selfSignedNonces_neverInvalidateAnotherOperator(uint64 _burned, uint64 _served, uint96 _fee)
        public
    {
        vm.assume(_fee > 0);
        _step(TestReceipt(userKey, userKey, named, _burned, 0));
        _step(TestReceipt(userKey, userKey, named, type(uint64).max - (_burned % 7), 0));
        assertEq(uint8(_step(TestReceipt(userKey, operatorKey, named, _served, _fee))), uint8(Sigma.Outcome.Valid));
    }

    /* ITEM 4: ANYONE CAN COPY A BATCH AND TAKE THE ATTRIBUTOR'S SHARE */

    /// @notice The attack: a copier re-posts a batch (lands first, σ-correct). The receipt names the attributor,
    ///         so the copier's claim pays the named attributor and the copier nothing.
    function test_attack_batchCopierTakesAttributorShare_paysNamedAttributor() public {
        uint96 fee = 1e18;
        uint256 id = _copierPosts(TestReceipt(userKey, operatorKey, named, 7, fee));

        // The copier's claim is σ-correct, step by step, under the context a dispute game would use.
        SigmaContext memory gameCtx = ledger.sigmaContext(id);
        (State memory s, Sigma.Outcome o0) =
            harness.applyTx(State(0, 0, 0, 0), gameCtx, copiedBatch, copiedWitnesses[0]);
        (s,) =
            harness.applyTx(s, gameCtx, abi.encodePacked(uint8(2), vm.addr(userKey), uint128(fee)), copiedWitnesses[1]);
        assertEq(uint8(o0), uint8(Sigma.Outcome.Valid));
        assertEq(Sigma.commitment(s), ledger.commitmentOf(id), "the copier's claim is honest");

        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(id);
        uint256 share = uint256(fee) * ATTRIBUTOR_BPS / 10_000;
        assertEq(tree.leaf(named).earned, share);
        assertEq(ledger.withdraw(named, tree.leaf(named), _proof(named)), share, "the named attributor is paid");
        // The copier has no leaf: its path ends in an empty subtree or another key's leaf, which no membership
        // proof (kind 0 only, docs/protocol.md §2) can present as a leaf of the copier, zero or not.
        assertFalse(tree.present(copier));
        Leaf memory nothing;
        bytes memory copierProof = _proof(copier);
        assertTrue(copierProof[1] != 0x00, "a non-member path");
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_InvalidProof.selector, copier));
        ledger.withdraw(copier, nothing, copierProof);
        copierProof[1] = 0x00;
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.AttributionLedger_InvalidProof.selector, copier));
        ledger.withdraw(copier, nothing, copierProof);
        assertEq(token.balanceOf(copier), 0, "copying paid the copier nothing");
    }

    bytes internal copiedBatch;
    bytes[2] internal copiedWitnesses;

    /// @dev The copier posts the one-receipt batch of `_r` (and its Settle) with the honest post-state.
    function _copierPosts(TestReceipt memory _r) internal returns (uint256 id_) {
        copiedBatch = _encode(_r, ctx.domainSeparator);
        (copiedWitnesses[0],) = _apply(tree, _r, owner, contributor, protocol);
        uint256 charged;
        (copiedWitnesses[1], charged) = _settle(tree, vm.addr(_r.userKey));
        _deposit(vm.addr(_r.userKey), _r.fee);
        _bond(copier, CLAIM_BOND);
        State memory post = State(tree.root(), _r.fee, 0, 2);
        Debit[] memory debits = _debits(vm.addr(_r.userKey), charged);
        bytes memory batch = copiedBatch;
        uint64 t = ctx.referenceTime;
        vm.prank(copier);
        id_ = ledger.postClaim(0, batch, post, t, debits);
    }

    /// @notice Renaming the attributor in a copied receipt breaks the operator's signature: the tx is a no-op.
    function testFuzz_copierRenamingAttributor_isRejected(address _thief) public view {
        vm.assume(_thief != named && _thief != address(0));
        TestReceipt memory r = TestReceipt(userKey, operatorKey, named, 1, 1e18);
        bytes memory tx_ = _encode(r, ctx.domainSeparator);
        for (uint256 i = 0; i < 20; i++) {
            tx_[41 + i] = bytes20(_thief)[i];
        }
        (State memory post, Sigma.Outcome outcome) = harness.applyTx(state, ctx, tx_, "");
        assertEq(uint8(outcome), uint8(Sigma.Outcome.BadOperatorSignature));
        assertEq(post.accountsRoot, bytes32(0));
    }

    /// @notice A receipt naming nobody is invalid (σ's BadAttributor), whatever else is right.
    function test_receiptNamingNoAttributor_isInvalid() public view {
        TestReceipt memory r = TestReceipt(userKey, operatorKey, address(0), 1, 1e18);
        (, Sigma.Outcome outcome) = harness.applyTx(state, ctx, _encode(r, ctx.domainSeparator), "");
        assertEq(uint8(outcome), uint8(Sigma.Outcome.BadAttributor));
    }

    function _proof(address _account) internal view returns (bytes memory proof_) {
        bytes memory w = tree.witness(_account);
        proof_ = new bytes(w.length - 128);
        for (uint256 i = 0; i < proof_.length; i++) {
            proof_[i] = w[128 + i];
        }
    }

    /* ITEM 5: WITHDRAWALS ARE NOT CAPPED BY FINALIZED CREDIT */

    /// @notice The attack: an unchallenged wrong claim with a 1-wei pot credits the attacker 150 tokens; on the
    ///         old ledger the withdrawal drained the bonds, then slashing reverted. Now it is capped at the pot.
    function test_attack_finalizedWrongClaimDrainsBonds_isCappedByFinalCredit() public {
        address attacker = makeAddr("attacker");
        _bond(attributor, 2 * CLAIM_BOND);
        _deposit(alice, 1);
        (bytes32 root, bytes memory proof) = _single(attacker, 150e18);
        uint256 wrong = _post(0, root, _debits(alice, 1));
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(wrong);
        uint256 honest = _post(wrong, root, _none());
        uint256 bondsBefore = ledger.totalBonded();

        assertEq(ledger.withdraw(attacker, Leaf(150e18, 0, 0, 0), proof), 1, "capped by the final pots");
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.AttributionLedger_FinalizedCreditExhausted.selector, attacker)
        );
        ledger.withdraw(attacker, Leaf(150e18, 0, 0, 0), proof);
        assertEq(token.balanceOf(address(ledger)), bondsBefore, "the bonds are all there");

        // Slashing still transfers, and the slashed claimant's remaining bond can still leave.
        vm.prank(game);
        assertTrue(ledger.voidClaim(honest, bob));
        assertEq(token.balanceOf(bob), CLAIM_BOND - CLAIM_BOND * BURN_BPS / 10_000);
        vm.prank(attributor);
        ledger.requestUnbond(CLAIM_BOND);
        vm.warp(block.timestamp + UNBOND_DELAY);
        vm.prank(attributor);
        assertEq(ledger.unbond(), CLAIM_BOND);
    }

    /// @notice Whatever a final state claims, Σ withdrawals never exceed Σ final pots.
    function testFuzz_withdrawals_neverExceedFinalCredit(uint96 _pot, uint128 _claimed) public {
        vm.assume(_pot > 0 && _claimed > 0);
        _bond(attributor, CLAIM_BOND);
        _deposit(alice, _pot);
        (bytes32 root, bytes memory proof) = _single(carol, _claimed);
        uint256 id = _post(0, root, _debits(alice, _pot));
        vm.warp(block.timestamp + WINDOW);
        ledger.finalize(id);
        uint256 paid = ledger.withdraw(carol, Leaf(_claimed, 0, 0, 0), proof);
        assertEq(paid, _claimed < _pot ? _claimed : _pot);
        assertLe(ledger.totalWithdrawn(), ledger.totalFinalizedCredited());
        assertEq(token.balanceOf(address(ledger)), CLAIM_BOND + _pot - paid);
    }

    /* ITEM 6: A DEBIT JUST BEFORE AN ESCROW WITHDRAWAL WIPES THE REQUEST */

    /// @notice The attack: alice asks to withdraw all 10; a (wrong) claim debits 4 just before she withdraws.
    ///         She gets 6; once the claim is voided and refunded, the 4 are still requested and ready.
    function test_attack_debitBeforeEscrowWithdrawal_keepsRemainderRequested() public {
        _deposit(alice, 10e18);
        vm.prank(alice);
        escrow.requestWithdraw(10e18);
        (, uint64 readyAt) = escrow.withdrawalRequest(alice);
        _bond(attributor, CLAIM_BOND);
        vm.warp(readyAt - 1);
        Debit[] memory d = _debits(alice, 4e18);
        uint256 id = _post(0, bytes32(uint256(1)), d);
        vm.warp(readyAt);
        vm.expectEmit(address(escrow));
        emit IPaymentEscrow.Withdrawn(alice, 6e18, 4e18);
        vm.prank(alice);
        assertEq(escrow.withdraw(), 6e18);
        (uint128 left, uint64 stillReadyAt) = escrow.withdrawalRequest(alice);
        assertEq(left, 4e18, "the unpaid remainder stays requested");
        assertEq(stillReadyAt, readyAt, "no new notice period");

        vm.prank(game);
        ledger.voidClaim(id, bob);
        ledger.refund(id, d);
        vm.prank(alice);
        assertEq(escrow.withdraw(), 4e18, "refunded funds leave without a second notice period");
        assertEq(token.balanceOf(alice), 10e18);
        (left,) = escrow.withdrawalRequest(alice);
        assertEq(left, 0);
    }
}
