// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EvidenceSpan} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {Credit, EntryOpening, EvidenceEntry, IEvidenceGame, IEvidenceGameTypes} from "src/interfaces/IEvidenceGame.sol";
import {Side} from "src/libraries/GameTypes.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {EvidenceGameBaseTest} from "test/evidence/utils/EvidenceGameBaseTest.sol";

/// @notice Actors of the evidence game (docs/evidence-game.md §3) for the invariant suite: an honest claimant,
///         a lying claimant (one lie kind per claim, the whole-game tests' lies), an honest challenger (disputes
///         only lies, makes the winning move), an adversarial challenger (disputes honest claims with arbitrary
///         accusations and violation attempts), time warps, resolves and finalizes. The honest evidence and every
///         lie are built once (brute force, in `init`); a warp first lets the honest actors make their due
///         moves (they are always online), so only the protocol can make them lose.
contract EvidenceGameHandler is EvidenceGameBaseTest {
    bytes internal constant OUT = "so the quick brown fox jumps, said a lazy afternoon with tea; over the lazy dog";
    uint256 internal constant HONEST = type(uint256).max;
    uint256 internal constant LIES = 6;
    uint256 internal constant MAX_CLAIMS = 8;

    enum Move {
        RankingOmission,
        AccuseCreditedSet,
        Omission,
        AccuseRangeHigh,
        FirstCredit,
        AccuseRankedScore
    }

    /// @dev One evidence variant: its entries, the ranked list its answer names, the tx's weights and the honest
    ///      challenger's winning move (entry index, credit slot / contribution, omitted span) against it.
    struct Variant {
        bytes blob;
        uint64[] ids;
        uint256[] scores;
        bytes weights;
        Move move;
        uint256 j;
        uint256 slot;
        uint256 count;
        EvidenceSpan gone;
    }

    Variant internal honest;
    Variant[LIES] internal lies;

    address public honestClaimant;
    address public liar;
    address public honestChallenger;
    address public adversary;

    uint256[] public claimIds;
    mapping(uint256 => uint256) public kindOf; // claim id => HONEST or lie kind
    uint256[] public disputeIds;
    mapping(uint256 => bool) public disputedByHonest; // claim id => the honest challenger opened a dispute
    mapping(uint256 => bool) public moved; // dispute id => the honest challenger made its winning move
    mapping(uint256 => bool) public honestDispute; // dispute id => opened by the honest challenger
    uint256 public tip;
    uint256 public lieCount;
    address public protocol;
    /// @dev Set when an honest actor's due move was rejected (an honest side must always have its move).
    bool public ghostHonestMoveFailed;

    function init() external {
        setUp();
        honestClaimant = attributor;
        honestChallenger = challenger;
        liar = makeAddr("liar");
        adversary = makeAddr("adversary");
        protocol = makeAddr("protocol");
        vm.startPrank(treasury);
        token.transfer(liar, ACTOR_FUNDS);
        token.transfer(adversary, ACTOR_FUNDS);
        vm.stopPrank();
        vm.startPrank(liar);
        token.approve(address(ledger), type(uint256).max);
        ledger.bond(10 * CLAIM_BOND);
        vm.stopPrank();
        vm.prank(adversary);
        token.approve(address(game), type(uint256).max);

        EvidenceEntry[] memory es = _honestEntries(OUT);
        _keep(honest, es);
        honest.weights = _weights(honest.ids, honest.scores);
        // 0: fabricated weights (all to the never-quoted corpus 3) over the honest evidence; best answer: a
        //    ranked list giving those weights, shown incomplete.
        {
            Variant storage v = lies[0];
            _keep(v, es);
            v.weights = abi.encodePacked(onChain[3], uint32(1e6));
            uint256 j = _finalOf(es, onChain[0]);
            v.ids = [onChain[3]];
            v.scores = [uint256(1)];
            (v.move, v.j, v.slot) = (Move.RankingOmission, j, _slotOf(es[j], onChain[0]));
        }
        // 1: a credited contribution never quoted.
        {
            EvidenceEntry[] memory l = abi.decode(abi.encode(es), (EvidenceEntry[]));
            uint256 j = _biggestCreditOf(l, onChain[0]);
            l[j].credits = new Credit[](1);
            l[j].credits[0].id = onChain[3];
            _lie(1, l, Move.AccuseCreditedSet, j, 0);
        }
        // 2: an omitted quote.
        {
            uint256 gone = _biggestCreditOf(es, onChain[1]);
            EvidenceEntry[] memory l = new EvidenceEntry[](es.length - 1);
            EvidenceEntry[] memory copy = abi.decode(abi.encode(es), (EvidenceEntry[]));
            for (uint256 j = 0; j < l.length; j++) {
                l[j] = copy[j < gone ? j : j + 1];
            }
            _lie(2, l, Move.Omission, gone, 0);
            lies[2].count = l.length;
            lies[2].gone = es[gone].span;
        }
        // 3: an inflated occurrence count.
        {
            EvidenceEntry[] memory l = abi.decode(abi.encode(es), (EvidenceEntry[]));
            uint256 j = _biggestCreditOf(l, onChain[0]);
            l[j].span.hi += 1;
            _lie(3, l, Move.AccuseRangeHigh, j, 0);
        }
        // 4: an inflated first running score (and every later one of that contribution).
        {
            EvidenceEntry[] memory l = abi.decode(abi.encode(es), (EvidenceEntry[]));
            uint256 first = _firstEntryOf(l, onChain[0]);
            for (uint256 k = first; k < l.length; k++) {
                for (uint256 i = 0; i < l[k].credits.length; i++) {
                    if (l[k].credits[i].id == onChain[0]) l[k].credits[i].runningScore += 1e9;
                }
            }
            _keep(lies[4], l);
            lies[4].weights = _weights(lies[4].ids, lies[4].scores);
            (lies[4].move, lies[4].j, lies[4].slot) = (Move.FirstCredit, first, _slotOf(l[first], onChain[0]));
        }
        // 5: a wrong ranked score.
        {
            Variant storage v = lies[5];
            _keep(v, es);
            v.scores[0] += 1;
            v.weights = _weights(v.ids, v.scores);
            v.move = Move.AccuseRankedScore;
        }
        output = OUT;
    }

    /* HONEST CLAIMANT */

    function postHonest() external {
        _postKind(HONEST);
    }

    /// @dev Answers or defends every dispute on an honest claim that waits on it.
    function honestRespond() public {
        for (uint256 i = 0; i < disputeIds.length; i++) {
            uint256 id = disputeIds[i];
            IEvidenceGameTypes.Dispute memory d = game.dispute(id);
            if (kindOf[d.claimId] != HONEST || d.status != IEvidenceGameTypes.DisputeStatus.InProgress) continue;
            if (d.turn != Side.Claimant || _outOfTime(id, Side.Claimant)) continue;
            _load(honest, honestClaimant);
            bytes memory call = d.defender == address(0)
                ? abi.encodeCall(this.answerAs, (id))
                : abi.encodeCall(this.defendAs, (id, d.pending, d.accusedIndex));
            if (d.defender != address(0) && d.pending == IEvidenceGameTypes.Accusation.None) continue;
            try this.asSelf(call) {}
            catch {
                ghostHonestMoveFailed = true;
            }
        }
    }

    /* LYING CLAIMANT */

    /// @dev Posts the lies in turn (every kind gets played in a run), starting from an arbitrary kind.
    function postLie(uint256 _start) external {
        if (lieCount == 0) lieCount = _start % LIES;
        if (_postKind(lieCount % LIES)) lieCount++;
    }

    /// @dev Answers every dispute on its claims with its evidence, or tries the defense its evidence gives (which
    ///      the game rejects).
    function liarRespond() public {
        for (uint256 i = 0; i < disputeIds.length; i++) {
            uint256 id = disputeIds[i];
            IEvidenceGameTypes.Dispute memory d = game.dispute(id);
            uint256 kind = kindOf[d.claimId];
            if (kind == HONEST || d.status != IEvidenceGameTypes.DisputeStatus.InProgress) continue;
            if (d.turn != Side.Claimant) continue;
            _load(lies[kind], liar);
            if (d.defender == address(0)) {
                try this.asSelf(abi.encodeCall(this.answerAs, (id))) {} catch {}
            } else if (d.pending != IEvidenceGameTypes.Accusation.None) {
                try this.asSelf(abi.encodeCall(this.defendAs, (id, d.pending, d.accusedIndex))) {} catch {}
            }
        }
    }

    /* HONEST CHALLENGER */

    /// @dev Disputes every undisputed pending lie and makes the winning move wherever it is due.
    function honestChallenge() public {
        for (uint256 i = 0; i < claimIds.length; i++) {
            uint256 cid = claimIds[i];
            if (kindOf[cid] == HONEST || disputedByHonest[cid]) continue;
            IAttributionLedger.Claim memory cl = ledger.claim(cid);
            if (cl.status != IAttributionLedger.Status.Pending || block.timestamp >= cl.postedAt + WINDOW) continue;
            _load(lies[kindOf[cid]], liar);
            challenger = honestChallenger;
            try this.asSelf(abi.encodeCall(this.openAs, (cid))) {
                disputedByHonest[cid] = true;
                honestDispute[disputeIds[disputeIds.length - 1]] = true;
            } catch {
                ghostHonestMoveFailed = true;
            }
        }
        for (uint256 i = 0; i < disputeIds.length; i++) {
            uint256 id = disputeIds[i];
            IEvidenceGameTypes.Dispute memory d = game.dispute(id);
            if (d.challenger != honestChallenger || d.status != IEvidenceGameTypes.DisputeStatus.InProgress) continue;
            if (d.turn != Side.Challenger || moved[id] || d.defender == address(0)) continue;
            Variant storage v = lies[kindOf[d.claimId]];
            _load(v, liar);
            challenger = honestChallenger;
            try this.asSelf(abi.encodeCall(this.winningMoveAs, (id))) {
                moved[id] = true;
            } catch {
                ghostHonestMoveFailed = true;
            }
        }
    }

    function _winningMove(uint256 _id, Variant storage _v) internal {
        if (_v.move == Move.RankingOmission) {
            vm.prank(challenger);
            game.proveRankingOmission(_id, rankedIds, rankedScores, _open_(_v.j), uint8(_v.slot));
        } else if (_v.move == Move.AccuseCreditedSet) {
            _accuse(_id, IEvidenceGameTypes.Accusation.CreditedSet, _v.j);
        } else if (_v.move == Move.Omission) {
            _proveOmission(_id, _v.j, _v.count, _v.gone);
        } else if (_v.move == Move.AccuseRangeHigh) {
            _accuse(_id, IEvidenceGameTypes.Accusation.RangeHigh, _v.j);
        } else if (_v.move == Move.FirstCredit) {
            vm.prank(challenger);
            game.proveFirstCredit(_id, _open_(_v.j), uint8(_v.slot));
        } else {
            _accuse(_id, IEvidenceGameTypes.Accusation.RankedScore, 0);
        }
    }

    /* ADVERSARIAL CHALLENGER */

    function adversaryOpen(uint256 _seed) external {
        uint256 cid = _pickClaim(_seed, true);
        if (cid == 0) return;
        _load(honest, honestClaimant);
        challenger = adversary;
        try this.asSelf(abi.encodeCall(this.openAs, (cid))) {} catch {}
    }

    function adversaryAccuse(uint256 _seed, uint8 _kind, uint8 _index) external {
        (bool found, uint256 id) = _pickDispute(_seed, adversary);
        if (!found) return;
        vm.prank(adversary);
        try game.accuse(id, IEvidenceGameTypes.Accusation(1 + _kind % 6), uint32(_index % 8)) {} catch {}
    }

    /// @dev Tries one violation with openings of the honest evidence at arbitrary indices and positions.
    function adversaryProve(uint256 _seed, uint8 _which, uint8 _a, uint8 _b, uint8 _p) external {
        (bool found, uint256 id) = _pickDispute(_seed, adversary);
        if (!found) return;
        _load(honest, honestClaimant);
        uint256 n = _entries().length;
        EntryOpening memory a = _open_(_a % n);
        EntryOpening memory b = _open_(_b % n);
        uint32 p = uint32(_p % OUT.length);
        vm.startPrank(adversary);
        uint256 w = _which % 9;
        if (w == 0) {
            try game.proveEntryMalformed(id, c, a) {} catch {}
        } else if (w == 1) {
            try game.proveEntriesOutOfOrder(id, a, b) {} catch {}
        } else if (w == 2) {
            try game.proveWonByte(id, a, b, p) {} catch {}
        } else if (w == 3) {
            try game.proveUncovered(id, true, a, _b % 2 == 0, b, b, p) {} catch {}
        } else if (w == 4 && a.entry.credits.length > 0) {
            try game.proveFirstCredit(id, a, uint8(_p % a.entry.credits.length)) {} catch {}
        } else if (w == 5 && a.entry.credits.length > 0) {
            try game.proveBrokenLink(id, a, b, a.entry.credits[0].id) {} catch {}
        } else if (w == 6 && a.entry.credits.length > 0) {
            try game.proveSkippedCredit(id, a, b, a.entry.credits[0].id) {} catch {}
        } else if (w == 7 && a.entry.credits.length > 0) {
            try game.proveRankingOmission(id, rankedIds, rankedScores, a, uint8(_p % a.entry.credits.length)) {}
                catch {}
        }
        vm.stopPrank();
        if (w == 8) {
            // An "omitted" span: output[p, p + minMatch + _b) with an arbitrary occurrence.
            uint256 x = p + c.minMatch + _b % 8;
            if (x > OUT.length) x = OUT.length;
            bool hasPrev = _a % n > 0;
            OmissionCall memory call;
            call.id = id;
            call.c = c;
            call.hasPrev = hasPrev;
            if (hasPrev) call.prev = _open_(_a % n - 1);
            call.hasNext = true;
            call.next = _open_(_a % n);
            call.a = p;
            call.x = uint32(x);
            call.out = _outRun(p, x);
            call.occurrence = _fullOpening(uint64(_b % sa.length));
            try this.asSelf(abi.encodeCall(this.omissionAs, (adversary, call))) {} catch {}
        }
    }

    /* TIME, RESOLVE, FINALIZE */

    /// @dev The honest actors make their due moves and the liar tries its moves, then time passes and anyone resolves and finalizes what it can.
    function warp(uint256 _seconds) external {
        for (uint256 round = 0; round < 3; round++) {
            honestChallenge();
            liarRespond();
            honestRespond();
        }
        vm.warp(block.timestamp + bound(_seconds, 1, 2 * CLOCK));
        for (uint256 i = 0; i < disputeIds.length; i++) {
            try game.resolve(disputeIds[i]) {} catch {}
        }
        for (uint256 i = 0; i < claimIds.length; i++) {
            try ledger.finalize(claimIds[i]) {} catch {}
            try ledger.voidDescendant(claimIds[i]) {} catch {}
        }
    }

    function resolve(uint256 _seed) external {
        if (disputeIds.length == 0) return;
        try game.resolve(disputeIds[_seed % disputeIds.length]) {} catch {}
    }

    function finalize(uint256 _seed) external {
        if (claimIds.length == 0) return;
        uint256 cid = claimIds[_seed % claimIds.length];
        try ledger.finalize(cid) {} catch {}
        try ledger.voidDescendant(cid) {} catch {}
    }

    function claimCredit(uint256 _seed) external {
        address[4] memory who = [honestClaimant, liar, honestChallenger, adversary];
        address r = who[_seed % 4];
        if (game.credit(r) == 0) return;
        vm.prank(r);
        game.claimCredit(r);
    }

    /* SELF-CALLS (so a rejected attempt reverts alone) */

    function asSelf(bytes calldata _call) external {
        require(msg.sender == address(this));
        (bool ok, bytes memory ret) = address(this).call(_call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function answerAs(uint256 _id) external {
        require(msg.sender == address(this));
        _answer(_id);
    }

    function defendAs(uint256 _id, IEvidenceGameTypes.Accusation _a, uint256 _index) external {
        require(msg.sender == address(this));
        _defend(_id, _a, _index);
    }

    function winningMoveAs(uint256 _id) external {
        require(msg.sender == address(this));
        _winningMove(_id, lies[kindOf[game.dispute(_id).claimId]]);
    }

    function openAs(uint256 _claimId) external {
        require(msg.sender == address(this));
        disputeIds.push(_openDispute(_claimId));
    }

    function omissionAs(address _from, OmissionCall calldata _call) external {
        require(msg.sender == address(this));
        _callGame(_from, IEvidenceGame.proveOmission.selector, abi.encode(_call));
    }

    /* VIEWS */

    function claimCount() external view returns (uint256 n_) {
        n_ = claimIds.length;
    }

    function disputeCount() external view returns (uint256 n_) {
        n_ = disputeIds.length;
    }

    function isHonest(uint256 _claimId) external view returns (bool honest_) {
        honest_ = kindOf[_claimId] == HONEST;
    }

    /// @dev Every address that can hold the game's token in this suite.
    function holders() external view returns (address[] memory h_) {
        h_ = new address[](11);
        (h_[0], h_[1], h_[2], h_[3]) = (honestClaimant, liar, honestChallenger, adversary);
        (h_[4], h_[5], h_[6], h_[7]) = (address(game), address(ledger), address(escrow), BURN);
        (h_[8], h_[9], h_[10]) = (treasury, address(models), protocol);
    }

    function tokenAddress() external view returns (address t_) {
        t_ = address(token);
    }

    function gameAddress() external view returns (address g_) {
        g_ = address(game);
    }

    function ledgerAddress() external view returns (address l_) {
        l_ = address(ledger);
    }

    /* INTERNALS */

    function _keep(Variant storage _v, EvidenceEntry[] memory _es) internal {
        _v.blob = abi.encode(_es);
        (uint64[] memory ids, uint256[] memory scores) = _ranked(_es);
        _v.ids = ids;
        _v.scores = scores;
    }

    function _lie(uint256 _kind, EvidenceEntry[] memory _es, Move _move, uint256 _j, uint256 _slot) internal {
        _link(_es);
        Variant storage v = lies[_kind];
        _keep(v, _es);
        v.weights = _weights(v.ids, v.scores);
        (v.move, v.j, v.slot) = (_move, _j, _slot);
    }

    /// @dev Makes `_v` the current evidence, played by `_claimant`.
    function _load(Variant storage _v, address _claimant) internal {
        evidenceBlob = _v.blob;
        rankedIds = _v.ids;
        rankedScores = _v.scores;
        attributor = _claimant;
    }

    function _postKind(uint256 _kind) internal returns (bool posted_) {
        if (claimIds.length >= MAX_CLAIMS) return false;
        uint256 parentId = tip;
        while (parentId != 0) {
            IAttributionLedger.Claim memory p = ledger.claim(parentId);
            bool live = p.status == IAttributionLedger.Status.Pending || p.status == IAttributionLedger.Status.Final;
            if (live && p.liveChild == 0) break;
            parentId = live ? p.liveChild : p.parentId;
        }
        // Nobody builds on a pending lie (a lie's descendants are voided with it, unplayed).
        if (parentId != 0 && kindOf[parentId] != HONEST) {
            if (ledger.claim(parentId).status == IAttributionLedger.Status.Pending) return false;
        }
        Variant storage v = _kind == HONEST ? honest : lies[_kind];
        address poster = _kind == HONEST ? honestClaimant : liar;
        bytes memory tx_ = _attributeTx(OUT, v.weights);
        IAttributionLedger.Claim memory parent = ledger.claim(parentId);
        State memory s = State(keccak256("accounts"), parent.totalCredited, 0, uint256(parent.txCount) + 1);
        vm.prank(poster);
        uint256 cid = ledger.postClaim(parentId, tx_, s, uint64(block.timestamp - 1), new Debit[](0));
        claimWeights[cid] = v.weights;
        kindOf[cid] = _kind;
        claimIds.push(cid);
        tip = cid;
        posted_ = true;
    }

    function _pickClaim(uint256 _seed, bool _honest) internal view returns (uint256 cid_) {
        for (uint256 k = 0; k < claimIds.length; k++) {
            uint256 cid = claimIds[(_seed + k) % claimIds.length];
            if ((kindOf[cid] == HONEST) == _honest) return cid;
        }
    }

    function _pickDispute(uint256 _seed, address _by) internal view returns (bool found_, uint256 id_) {
        for (uint256 k = 0; k < disputeIds.length; k++) {
            uint256 id = disputeIds[(_seed + k) % disputeIds.length];
            if (game.dispute(id).challenger == _by) return (true, id);
        }
    }

    function _outOfTime(uint256 _id, Side _side) internal view returns (bool) {
        return game.elapsed(_id, _side) > CLOCK;
    }

    function _finalOf(EvidenceEntry[] memory _es, uint64 _id) internal pure returns (uint256 j_) {
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                if (_es[j].credits[i].id == _id && _es[j].credits[i].next == NONE) return j;
            }
        }
        revert("no final credit");
    }

    function _slotOf(EvidenceEntry memory _e, uint64 _id) internal pure returns (uint256 slot_) {
        while (_e.credits[slot_].id != _id) slot_++;
    }

    function _firstEntryOf(EvidenceEntry[] memory _es, uint64 _id) internal pure returns (uint256 j_) {
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                if (_es[j].credits[i].id == _id) return j;
            }
        }
        revert("never credited");
    }

    function _biggestCreditOf(EvidenceEntry[] memory _es, uint64 _id) internal pure returns (uint256 j_) {
        uint256 best;
        for (uint256 j = 0; j < _es.length; j++) {
            for (uint256 i = 0; i < _es[j].credits.length; i++) {
                uint256 won = _es[j].span.wonEnd - _es[j].span.wonStart;
                if (_es[j].credits[i].id == _id && won > best) (best, j_) = (won, j);
            }
        }
        require(best > 0, "never credited");
    }

    /// @dev proveOmission's arguments in one struct (see EvidenceGame.t.sol).
    struct OmissionCall {
        uint256 id;
        IndexCommitment c;
        bool hasPrev;
        EntryOpening prev;
        bool hasNext;
        EntryOpening next;
        uint32 a;
        uint32 x;
        ChunkRun out;
        SuffixOpening occurrence;
    }

    function _proveOmission(uint256 _id, uint256 _gone, uint256 _count, EvidenceSpan memory _s) internal {
        OmissionCall memory call;
        call.id = _id;
        call.c = c;
        call.hasPrev = _gone > 0;
        call.hasNext = _gone < _count;
        if (call.hasPrev) call.prev = _open_(_gone - 1);
        if (call.hasNext) call.next = _open_(_gone);
        call.a = _s.start;
        call.x = _s.end;
        call.out = _outRun(_s.start, _s.end);
        call.occurrence = _fullOpening(_s.lo);
        _callGame(challenger, IEvidenceGame.proveOmission.selector, abi.encode(call));
    }

    function _callGame(address _from, bytes4 _selector, bytes memory _tuple) internal {
        bytes memory args = new bytes(_tuple.length - 32);
        for (uint256 i = 0; i < args.length; i++) {
            args[i] = _tuple[i + 32];
        }
        vm.prank(_from);
        (bool ok, bytes memory ret) = address(game).call(bytes.concat(_selector, args));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
