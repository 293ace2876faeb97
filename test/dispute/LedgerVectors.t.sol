// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {OpenToken} from "src/OpenToken.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {GameStatus, Position} from "src/libraries/GameTypes.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";

/// @notice End to end on real σ: the claims of test/vectors/dispute.json (signed receipts, 0 to K + 1 entries,
///         replays, Settles) are posted to the real AttributionLedger — at the address the receipts were
///         signed for — with pots moved from escrow; every game the TS solver played on them (lying
///         claimant vs honest challenger, honest claimant vs lying challenger) is replayed move for move
///         and decided by the one-step proof over real witnesses.
contract DisputeGame_LedgerVectors_Test is Test {
    /// @dev anvil's first account: its first contract is the ledger address the vectors were signed for.
    address internal constant ANVIL_DEPLOYER = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;

    struct Steps {
        bytes[] txs;
        bytes32[] preRoots;
        uint256[] preCredited;
        uint256[] preCharged;
        uint256[] preTxCounts;
        bytes[] witnesses;
        bytes32[][] txProofs;
        bytes32[] commitments;
    }

    struct Moves {
        uint8[] kinds;
        uint128[] positions;
        bytes32[] commitments;
        bool[] agrees;
        bytes32[] claimed;
    }

    string internal json;
    OpenToken internal token;
    AttributionLedger internal ledger;
    PaymentEscrow internal escrow;
    DisputeGame internal game;
    address internal treasury = makeAddr("treasury");
    address internal attributor;
    address internal challenger = makeAddr("challenger");
    uint64 internal referenceTime;

    function setUp() public {
        json = vm.readFile("test/vectors/dispute.json");
        referenceTime = uint64(vm.parseJsonUint(json, ".context.referenceTime"));
        attributor = makeAddr("poster"); // any bonded address may post: receipts name who is paid
        vm.warp(referenceTime + 1);
        token = new OpenToken(treasury);
        RegistryFixture registry = new RegistryFixture();
        registry.load(vm.parseJsonBytes(json, ".registry"));
        address ledgerAt = vm.parseJsonAddress(json, ".context.ledger");
        assertEq(vm.computeCreateAddress(ANVIL_DEPLOYER, vm.getNonce(ANVIL_DEPLOYER)), ledgerAt);
        escrow = new PaymentEscrow(IERC20(address(token)), ledgerAt, 1 days);
        vm.prank(ANVIL_DEPLOYER);
        ledger = new AttributionLedger(
            IAttributionLedger.Params({
                token: address(token),
                escrow: address(escrow),
                contributions: address(registry),
                models: address(registry),
                protocol: vm.parseJsonAddress(json, ".context.protocol"),
                challengeWindow: 1 days,
                maxReferenceLag: 1 hours,
                unbondDelay: 2 days,
                claimBond: 1000e18,
                maxEntries: vm.parseJsonUint(json, ".context.maxEntries"),
                burnBps: 5000
            })
        );
        assertEq(address(ledger), ledgerAt);
        game = new DisputeGame(token, ledger, new OneStepVerifier(), 1 days, 1 hours, 100e18, 2000);
        vm.prank(ANVIL_DEPLOYER);
        ledger.setDisputeGame(address(game));

        vm.startPrank(treasury);
        token.transfer(attributor, 100_000e18);
        token.transfer(challenger, 100_000e18);
        vm.stopPrank();
        vm.startPrank(attributor);
        token.approve(address(ledger), type(uint256).max);
        ledger.bond(100_000e18);
        vm.stopPrank();
        vm.prank(challenger);
        token.approve(address(game), type(uint256).max);
    }

    function _at(uint256 _b, string memory _field) internal pure returns (string memory) {
        return string.concat(".batches[", vm.toString(_b), "].", _field);
    }

    function _debits(uint256 _b) internal returns (Debit[] memory debits_) {
        address[] memory payers = vm.parseJsonAddressArray(json, _at(_b, "debitPayers"));
        string[] memory amounts = vm.parseJsonStringArray(json, _at(_b, "debitAmounts"));
        debits_ = new Debit[](payers.length);
        for (uint256 i = 0; i < payers.length; i++) {
            debits_[i] = Debit(payers[i], vm.parseUint(amounts[i]));
            // The payer prepaid its fees into the escrow.
            vm.prank(treasury);
            token.transfer(payers[i], debits_[i].amount);
            vm.startPrank(payers[i]);
            token.approve(address(escrow), debits_[i].amount);
            escrow.deposit(payers[i], debits_[i].amount);
            vm.stopPrank();
        }
    }

    function _state(string memory _path) internal view returns (State memory s_) {
        s_.accountsRoot = vm.parseJsonBytes32(json, string.concat(_path, ".accountsRoot"));
        s_.totalCredited = vm.parseUint(vm.parseJsonString(json, string.concat(_path, ".totalCredited")));
        s_.totalCharged = vm.parseUint(vm.parseJsonString(json, string.concat(_path, ".totalCharged")));
        s_.txCount = vm.parseUint(vm.parseJsonString(json, string.concat(_path, ".txCount")));
    }

    function _post(uint256 _parentId, uint256 _b, State memory _claimed) internal returns (uint256 id_) {
        Debit[] memory debits = _debits(_b);
        vm.prank(attributor);
        id_ = ledger.postClaim(_parentId, vm.parseJsonBytes(json, _at(_b, "batch")), _claimed, referenceTime, debits);
        assertEq(ledger.claimForGame(id_).txRoot, vm.parseJsonBytes32(json, _at(_b, "txRoot")), "tx root");
    }

    /// @dev Posts batches 0 … b − 1 honestly (each the parent of the next), then plays every solver game of
    ///      batch b against its own claim on that tip, each from the same snapshot.
    function _playBatch(uint256 _b) internal {
        assertTrue(vm.parseJsonBool(json, _at(_b, "postable")));
        uint256 tip;
        for (uint256 b = 0; b < _b; b++) {
            tip = _post(tip, b, _state(_at(b, "post")));
        }
        Steps memory s = abi.decode(vm.parseJsonBytes(json, _at(_b, "steps")), (Steps));
        uint256 games = vm.parseJsonUint(json, ".gameCount");
        uint256 played;
        for (uint256 k = 0; k < games; k++) {
            string memory at = string.concat(".games[", vm.toString(k), "]");
            if (vm.parseJsonUint(json, string.concat(at, ".batch")) != _b) continue;
            uint256 snapshot = vm.snapshotState();
            _playOnLedger(tip, _b, at, s);
            vm.revertToState(snapshot);
            played++;
        }
        assertGe(played, 2);
    }

    function test_ledgerVectors_batch0() public {
        _playBatch(0);
    }

    function test_ledgerVectors_batch1() public {
        _playBatch(1);
    }

    function test_ledgerVectors_batch2() public {
        _playBatch(2);
    }

    function test_ledgerVectors_batch3() public {
        _playBatch(3);
    }

    function test_ledgerVectors_batch4() public {
        _playBatch(4);
    }

    function test_ledgerVectors_kBatch() public {
        _playBatch(vm.parseJsonUint(json, ".kBatch"));
    }

    /// @notice The tampered batch (a debit that does not match σ's charge) cannot be posted as honest:
    ///         σ leaves totalCharged ≠ 0, which postClaim refuses.
    function test_ledgerVectors_tamperedBatchNotPostable() public {
        uint256 last = vm.parseJsonUint(json, ".batchCount") - 1;
        assertFalse(vm.parseJsonBool(json, _at(last, "postable")));
        uint256 tip;
        for (uint256 b = 0; b < last; b++) {
            tip = _post(tip, b, _state(_at(b, "post")));
        }
        State memory post = _state(_at(last, "post"));
        assertGt(post.totalCharged, 0);
        Debit[] memory debits = _debits(last);
        bytes memory batch = vm.parseJsonBytes(json, _at(last, "batch"));
        vm.prank(attributor);
        vm.expectRevert(IAttributionLedger.AttributionLedger_StateMismatch.selector);
        ledger.postClaim(tip, batch, post, referenceTime, debits);
    }

    function _playOnLedger(uint256 _parentId, uint256 _b, string memory _at_, Steps memory s) internal {
        uint256 claimId = _post(_parentId, _b, _state(string.concat(_at_, ".claimedPost")));
        Moves memory m = abi.decode(vm.parseJsonBytes(json, string.concat(_at_, ".moves")), (Moves));
        assertEq(ledger.claimForGame(claimId).preCommitment, m.claimed[0], "s_0 is the parent's state");
        assertEq(ledger.claimForGame(claimId).postCommitment, m.claimed[m.claimed.length - 1], "s_N");
        vm.prank(challenger);
        uint256 id = game.open(claimId);
        for (uint256 j = 0; j < m.kinds.length; j++) {
            Position p = Position.wrap(m.positions[j]);
            assertTrue(game.game(id).position.eq(p), "solver predicted the position");
            if (m.kinds[j] == 0) {
                vm.prank(attributor);
                game.bisect(id, p, m.commitments[j]);
            } else if (m.kinds[j] == 1) {
                vm.prank(challenger);
                game.respond(id, p, m.commitments[j], m.agrees[j]);
            } else {
                uint256 i = p.lo();
                game.step(
                    id,
                    p,
                    StepProof(
                        State(s.preRoots[i], s.preCredited[i], s.preCharged[i], s.preTxCounts[i]),
                        s.txs[i],
                        s.txProofs[i],
                        s.witnesses[i]
                    )
                );
            }
        }
        bool challengerWins =
            keccak256(bytes(vm.parseJsonString(json, string.concat(_at_, ".winner")))) == keccak256("challenger");
        string memory name = vm.parseJsonString(json, string.concat(_at_, ".name"));
        if (challengerWins) {
            // The poster's game is lost; the claim is voided once nobody else can defend it (window closed).
            uint256 t = block.timestamp;
            vm.warp(uint256(game.challenge(id).openedAt) + game.defenseWindow() + 1);
            game.resolveChallenge(id);
            vm.warp(t);
        }
        assertEq(
            uint8(game.game(id).status), uint8(challengerWins ? GameStatus.ChallengerWon : GameStatus.ClaimantWon), name
        );
        assertEq(
            uint8(ledger.claim(claimId).status),
            uint8(challengerWins ? IAttributionLedger.Status.Void : IAttributionLedger.Status.Pending),
            name
        );
        assertEq(ledger.claim(claimId).openGames, 0);
    }
}
