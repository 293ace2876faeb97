// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AbsenceProof, EvidenceSpan, Occurrence} from "src/evidence/SuffixChecks.sol";
import {ChunkRun, IndexCommitment, SuffixOpening} from "src/evidence/SuffixIndex.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IModelRegistry} from "src/interfaces/IModelRegistry.sol";
import {Clock, Side} from "src/libraries/GameTypes.sol";

/// @notice One credited contribution of an evidence entry with its running score (docs/evidence-game.md §3.4).
/// @param id The contribution id (an entry's credits are strictly ascending by id).
/// @param runningScore Σ of this contribution's credit over the entries ≤ this one (scale D = 705,600).
/// @param prev The previous entry crediting `id`, or `NO_ENTRY` (this is its first credit).
/// @param next The next entry crediting `id`, or `NO_ENTRY` (this is its last credit: `runningScore` is its score).
struct Credit {
    uint64 id;
    uint256 runningScore;
    uint32 prev;
    uint32 next;
}

/// @notice Entry j of a claimant's evidence (docs/evidence-game.md §3.2): a maximal span of the output, the bytes
///         it won, its SA range and its credited contributions with their running scores.
///         `evidenceLeaf_j = H(0x20 ‖ uint32 j ‖ abi.encode(entry))`; the evidence root is the SuffixIndex tree
///         shape over the J leaves (node H(0x01 ‖ l ‖ r), zero-padded to 2^⌈log2 J⌉, exact-depth proofs).
/// @param span `[start, end)`, `[wonStart, wonEnd)`, `[lo, hi)`.
/// @param credits The distinct contributions of the span's occurrences (none if it occurs > maxOccurrences times).
struct EvidenceEntry {
    EvidenceSpan span;
    Credit[] credits;
}

/// @notice An evidence entry with its Merkle proof against the dispute's evidence root.
/// @param index The entry's index j (< J).
/// @param entry The entry.
/// @param proof Exactly ⌈log2 J⌉ siblings from the leaf row up.
struct EntryOpening {
    uint32 index;
    EvidenceEntry entry;
    bytes32[] proof;
}

/// @title IEvidenceGameTypes
/// @notice The evidence game's types, errors and events (the functions are in `IEvidenceGame`).
/// @dev Split from IEvidenceGame so that the game and its violation module share them.
interface IEvidenceGameTypes {
    /// @notice A dispute's lifecycle.
    /// @custom:value None The id was never used.
    /// @custom:value InProgress Being played (awaiting the answer, an accusation or a proof).
    /// @custom:value ClaimantWon The challenger lost (clock or concession): its bond went to the defender.
    /// @custom:value ChallengerWon The evidence was proved wrong (violation, unanswered accusation, clock or
    ///               concession): the claim was voided and its bond slashed.
    /// @custom:value Refunded Moot: the claim was voided otherwise, or the index epoch was proved bogus.
    enum DisputeStatus {
        None,
        InProgress,
        ClaimantWon,
        ChallengerWon,
        Refunded
    }

    /// @notice What the challenger accuses an entry (or a ranked score) of; the claimant carries the burden.
    /// @custom:value None No accusation pending.
    /// @custom:value RangeLow The SA range of entry j does not start at `lo` (`SuffixChecks.verifyRangeLow`).
    /// @custom:value RangeHigh The SA range of entry j does not end at `hi` (`verifyRangeHigh`).
    /// @custom:value MaximalLeft Entry j extends one byte to the left (`verifyAbsent` of output[start−1, end)).
    /// @custom:value MaximalRight Entry j extends one byte to the right (`verifyAbsent` of output[start, end+1)).
    /// @custom:value CreditedSet Entry j's credited ids are not the distinct contributions of `[lo, hi)`.
    /// @custom:value RankedScore Ranked entry i's score is not the final running score of its contribution.
    enum Accusation {
        None,
        RangeLow,
        RangeHigh,
        MaximalLeft,
        MaximalRight,
        CreditedSet,
        RankedScore
    }

    /// @notice A violation the challenger proves in one step (the claimant loses at once).
    enum Violation {
        EntryMalformed,
        EntriesOutOfOrder,
        WonByte,
        Uncovered,
        Omission,
        FirstCredit,
        BrokenLink,
        SkippedCredit,
        RankingOmission
    }

    /// @notice A dispute's stored state.
    /// @param challenger Who opened it (the only address that may accuse, prove or concede for the challenger).
    /// @param claimId The disputed claim.
    /// @param txIndex The disputed Attribute's index in the claim's transaction list.
    /// @param status Lifecycle state.
    /// @param turn Who is to move.
    /// @param pending The accusation the claimant must answer (None when none).
    /// @param accusations Accusations made so far (≤ MAX_ACCUSATIONS).
    /// @param defender Who answered (zero until the answer).
    /// @param defenderBond The defender's bond (0 for the claim's poster: its claim bond is at stake).
    /// @param challengerBond The challenger's bond.
    /// @param accusedIndex The entry (or ranked position) the pending accusation names.
    /// @param rankedCount The length of the ranked top K (set at the answer).
    /// @param maxEntries K of the index commitment (set at the answer).
    /// @param modelId The Attribute's model.
    /// @param referenceTime The claim's reference time (the epoch in force then judges the evidence).
    /// @param outputLength The output's byte length.
    /// @param epoch The index epoch the answer named.
    /// @param entryCount J, the number of evidence entries.
    /// @param claimantClock The defender's chess clock (from the opening: the answer is its first move).
    /// @param challengerClock The challenger's chess clock.
    /// @param outputRoot The output's content root (ContentMerkle over 1 KiB chunks, docs/protocol.md §7).
    /// @param weightsHash keccak256 of the tx's entry bytes `(uint64 id ‖ uint32 weight)*`.
    /// @param commitment The index commitment of `epoch` (set at the answer).
    /// @param evidenceRoot The root over the evidence leaves (set at the answer).
    /// @param rankedHash keccak256(abi.encode(ids, scores)) of the ranked top K (set at the answer).
    struct Dispute {
        address challenger;
        uint64 claimId;
        uint32 txIndex;
        DisputeStatus status;
        Side turn;
        Accusation pending;
        uint8 accusations;
        address defender;
        uint96 defenderBond;
        uint96 challengerBond;
        uint32 accusedIndex;
        uint8 rankedCount;
        uint8 maxEntries;
        uint64 modelId;
        uint64 referenceTime;
        uint32 outputLength;
        uint32 epoch;
        uint32 entryCount;
        Clock claimantClock;
        Clock challengerClock;
        bytes32 outputRoot;
        bytes32 weightsHash;
        bytes32 commitment;
        bytes32 evidenceRoot;
        bytes32 rankedHash;
    }

    /* ERRORS */

    /// @notice Thrown when the constructor is given a zero address or an out-of-range parameter.
    error EvidenceGame_BadParameters();
    /// @notice Thrown when the claim is not pending.
    error EvidenceGame_ClaimNotPending(uint256 claimId);
    /// @notice Thrown when the tx bytes do not verify against the claim's txRoot or are not one whole Attribute.
    error EvidenceGame_BadTx(uint256 txIndex);
    /// @notice Thrown when the Attribute's model is not a suffix model.
    error EvidenceGame_NotSuffixModel(uint256 modelId);
    /// @notice Thrown when the output is longer than MAX_OUTPUT, empty, or does not hash to the signed outputHash
    ///         (a GroupReceipt: when H(requestHash ‖ H(output)) is not its ioHash).
    error EvidenceGame_BadOutput();
    /// @notice Thrown when a dispute is not in progress.
    error EvidenceGame_NotInProgress(uint256 disputeId);
    /// @notice Thrown when a move is made out of turn, or one not allowed in the dispute's current state.
    error EvidenceGame_WrongMove(uint256 disputeId);
    /// @notice Thrown when the caller may not make this move.
    error EvidenceGame_NotPlayer(address caller);
    /// @notice Thrown when the side to move has used up its clock (the dispute can only be resolved).
    error EvidenceGame_OutOfTime(uint256 disputeId);
    /// @notice Thrown when the index commitment preimage does not hash to the dispute's (or the epoch's) commitment.
    error EvidenceGame_WrongCommitment();
    /// @notice Thrown when the weights of the ranked top K differ from the Attribute's weights.
    error EvidenceGame_WeightsMismatch();
    /// @notice Thrown when the named index epoch is bogus (evidence cannot be judged against it).
    error EvidenceGame_BogusEpoch(uint256 modelId, uint256 epoch);
    /// @notice Thrown when an entry opening does not verify against the evidence root.
    error EvidenceGame_BadEntry(uint256 index);
    /// @notice Thrown when output chunks do not verify or do not cover the bytes a step needs.
    error EvidenceGame_BadOutputRun();
    /// @notice Thrown when the ranked list given does not hash to the answered one.
    error EvidenceGame_WrongRanking();
    /// @notice Thrown when an accusation names an entry (or ranked position) that does not exist, or repeats one.
    error EvidenceGame_BadAccusation(uint256 index);
    /// @notice Thrown when the dispute has made MAX_ACCUSATIONS accusations.
    error EvidenceGame_TooManyAccusations(uint256 disputeId);
    /// @notice Thrown when a claimed violation is not one (or a defense does not prove its accusation).
    error EvidenceGame_NoViolation();
    /// @notice Thrown when `resolve` is called on a dispute whose side to move still has time.
    error EvidenceGame_NotResolvable(uint256 disputeId);
    /// @notice Thrown when `claimCredit` finds nothing owed.
    error EvidenceGame_NoCredit(address recipient);

    /* EVENTS */

    /// @notice A dispute was opened on Attribute `txIndex` of claim `claimId`.
    /// @param disputeId The new dispute.
    /// @param claimId The disputed claim.
    /// @param txIndex The Attribute's index in the claim's transaction list.
    /// @param challenger The challenger.
    /// @param bond The challenger's bond.
    /// @param outputRoot The output's content root (steps open output chunks against it).
    /// @param output The output bytes (so that every player has them).
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed claimId,
        uint256 txIndex,
        address indexed challenger,
        uint256 bond,
        bytes32 outputRoot,
        bytes output
    );

    /// @notice The defender answered with its evidence.
    /// @param disputeId The dispute.
    /// @param defender Who answered (the poster, or a bonded defender).
    /// @param bond The defender's bond (0 for the poster).
    /// @param epoch The index epoch in force at the claim's reference time.
    /// @param evidenceRoot The root over the evidence leaves.
    /// @param entryCount J.
    /// @param ids The ranked top K's contribution ids (score descending, ties by lower id).
    /// @param scores Their scores.
    event Answered(
        uint256 indexed disputeId,
        address indexed defender,
        uint256 bond,
        uint256 epoch,
        bytes32 evidenceRoot,
        uint256 entryCount,
        uint64[] ids,
        uint256[] scores
    );

    /// @notice The challenger accused entry (or ranked position) `index`; the defender must prove it right.
    event Accused(uint256 indexed disputeId, Accusation accusation, uint256 index);

    /// @notice The defender proved the pending accusation wrong; the challenger moves again.
    event AccusationAnswered(uint256 indexed disputeId, Accusation accusation, uint256 index);

    /// @notice The challenger proved a violation in the evidence; the defender loses.
    event ViolationProved(uint256 indexed disputeId, Violation violation);

    /// @notice A side conceded.
    event Conceded(uint256 indexed disputeId, Side side);

    /// @notice A dispute ended.
    /// @param disputeId The dispute.
    /// @param status ClaimantWon, ChallengerWon or Refunded.
    /// @param winner Who was paid the loser's bond (the challenger, the defender, or zero when refunded).
    /// @param paid The loser's bond paid to the winner (after the burn).
    /// @param burned The burned share.
    event DisputeResolved(
        uint256 indexed disputeId, DisputeStatus status, address indexed winner, uint256 paid, uint256 burned
    );

    /// @notice A dispute voided its claim: the slashed claim bond is split equally among every dispute of this
    ///         contract open against the claim (docs/dispute-game.md §6); `dust` is burned.
    event SlashShared(uint256 indexed claimId, uint256 pool, uint256 shares, uint256 perShare, uint256 dust);

    /// @notice Credit was paid out.
    event CreditClaimed(address indexed recipient, uint256 amount);
}

/// @title IEvidenceGame
/// @notice Evidence disputes on the Attribute transactions of pending claims of suffix models
///         (docs/evidence-game.md §3). A challenger opens a dispute on one Attribute with the output bytes; the
///         claim's poster (or, after the poster's exclusive half of the clock, any bonded defender) answers with
///         its evidence root, entry count J, index epoch and ranked top K, whose weights must equal the tx's.
///         The challenger then either accuses one entry of a claimant-burden fact (the claimant must prove it in
///         one step within its clock) or proves a violation in one step (the claimant loses at once). A claimant
///         that loses voids the claim and has its bond slashed through the ledger exactly like a lost σ dispute;
///         a challenger that runs out of clock or concedes loses its bond to the defender less the burn.
interface IEvidenceGame is IEvidenceGameTypes {
    /* OPEN AND ANSWER */

    /// @notice Opens a dispute on Attribute `_txIndex` of pending claim `_claimId` of a suffix model, bonding
    ///         CHALLENGE_BOND (approve it first). `_tx` is the Attribute's bytes with its proof against the claim's
    ///         txRoot; `_output` (≤ MAX_OUTPUT bytes) must hash to its signed outputHash. The claim cannot
    ///         finalize while the dispute is open.
    function open(
        uint256 _claimId,
        uint256 _txIndex,
        bytes calldata _tx,
        bytes32[] calldata _txProof,
        bytes calldata _output
    ) external returns (uint256 disputeId_);

    /// @notice Opens a dispute on GroupReceipt (type 0x05) `_txIndex` of pending claim `_claimId` of a suffix model,
    ///         as `open` does for an Attribute (spec 19 B.4). A GroupReceipt signs `ioHash = H(requestHash ‖ H(output))`: the
    ///         challenger gives the request hash and `_output` (≤ MAX_OUTPUT bytes), and they must hash to it. The
    ///         defender's ranked weights are compared with the record's entries widened to an Attribute's
    ///         `(uint64 id ‖ uint32 weight)*`.
    function openGroupReceipt(
        uint256 _claimId,
        uint256 _txIndex,
        bytes calldata _tx,
        bytes32[] calldata _txProof,
        bytes32 _requestHash,
        bytes calldata _output
    ) external returns (uint256 disputeId_);

    /// @notice The defender's evidence: the index epoch `_epoch` in force at the claim's reference time with its
    ///         commitment preimage, the evidence root over `_entryCount` entries, and the ranked top K whose
    ///         weights (`SuffixChecks.rankedWeights`) must equal the Attribute's. The claim's poster answers
    ///         during the first half of the claimant's clock; afterwards anyone else may, bonding CHALLENGE_BOND.
    function answer(
        uint256 _disputeId,
        uint256 _epoch,
        IndexCommitment calldata _commitment,
        bytes32 _evidenceRoot,
        uint32 _entryCount,
        uint64[] calldata _ids,
        uint256[] calldata _scores
    ) external;

    /* CLAIMANT-BURDEN ACCUSATIONS */

    /// @notice The challenger accuses entry `_index` (or, for RankedScore, ranked position `_index`); the
    ///         defender must answer with the matching `defend…` call within its clock. Each (accusation, index)
    ///         at most once, at most MAX_ACCUSATIONS per dispute.
    function accuse(uint256 _disputeId, Accusation _accusation, uint32 _index) external;

    /// @notice Answers RangeLow (`_a` = the suffix at lo − 1, ignored when lo = 0; `_b` = the suffix at lo) or
    ///         RangeHigh (`_a` = the suffix at hi − 1; `_b` = the suffix at hi, ignored when hi = n). `_out` opens
    ///         the output chunks covering the span.
    function defendRange(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        EntryOpening calldata _e,
        ChunkRun calldata _out,
        SuffixOpening calldata _a,
        SuffixOpening calldata _b
    ) external;

    /// @notice Answers MaximalLeft / MaximalRight: the one-byte-longer pattern occurs nowhere (at the output's
    ///         end on that side the proof is ignored and `_out` may be empty).
    function defendMaximal(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        EntryOpening calldata _e,
        ChunkRun calldata _out,
        AbsenceProof calldata _p
    ) external;

    /// @notice Answers CreditedSet: the SA leaves lo … hi − 1 with their corpus entries (none when the span occurs
    ///         more than maxOccurrences times).
    function defendCreditedSet(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        EntryOpening calldata _e,
        Occurrence[] calldata _occurrences
    ) external;

    /// @notice Answers RankedScore: an entry crediting the ranked id with no next credit and running score equal
    ///         to the ranked score.
    function defendRankedScore(
        uint256 _disputeId,
        uint64[] calldata _ids,
        uint256[] calldata _scores,
        EntryOpening calldata _e
    ) external;

    /* CHALLENGER-BURDEN VIOLATIONS (each one step; the defender loses at once) */

    /// @notice Entry `_e` is malformed on its own: span empty, shorter than minMatch or past the output, won
    ///         interval outside the span, empty SA range, more than OCCURRENCE_CAP credits, credit ids not strictly
    ///         ascending, or a link pointing at itself, backwards / forwards wrongly, or at no entry.
    function proveEntryMalformed(uint256 _disputeId, IndexCommitment calldata _c, EntryOpening calldata _e) external;

    /// @notice Adjacent entries `_a`, `_b` (b = a + 1) are out of order (starts, ends, won intervals).
    function proveEntriesOutOfOrder(uint256 _disputeId, EntryOpening calldata _a, EntryOpening calldata _b) external;

    /// @notice Byte `_p` is in `_j`'s won interval but `_k` covers it and beats `_j`.
    function proveWonByte(uint256 _disputeId, EntryOpening calldata _j, EntryOpening calldata _k, uint32 _p) external;

    /// @notice Byte `_p` lies between the won intervals of adjacent entries `_a`, `_b` (`_hasA = false`: before
    ///         entry 0; `_hasB = false`: after entry J − 1) but `_k` covers it.
    function proveUncovered(
        uint256 _disputeId,
        bool _hasA,
        EntryOpening calldata _a,
        bool _hasB,
        EntryOpening calldata _b,
        EntryOpening calldata _k,
        uint32 _p
    ) external;

    /// @notice A maximal span of ≥ minMatch bytes is missing between adjacent entries `_prev`, `_next` (or before
    ///         entry 0 / after entry J − 1): `output[_a, _x)` occurs at `_occurrence`, `_x > end(prev)`,
    ///         `start(prev) < _a < start(next)`. `_out` opens the output chunks covering `[_a, _x)`.
    function proveOmission(
        uint256 _disputeId,
        IndexCommitment calldata _c,
        bool _hasPrev,
        EntryOpening calldata _prev,
        bool _hasNext,
        EntryOpening calldata _next,
        uint32 _a,
        uint32 _x,
        ChunkRun calldata _out,
        SuffixOpening calldata _occurrence
    ) external;

    /// @notice Credit `_slot` of `_e` has no previous credit but its running score is not the entry's own credit
    ///         `(wonEnd − wonStart) · D / |credits|²`.
    function proveFirstCredit(uint256 _disputeId, EntryOpening calldata _e, uint8 _slot) external;

    /// @notice The link of contribution `_id` between `_a` and `_b` is broken: `_a` names `_b` as its next credit
    ///         of `_id`, or `_b` names `_a` as its previous one, yet not all of: a < b, both credit `_id`,
    ///         next_a = b, prev_b = a, running_b = running_a + credit_b.
    function proveBrokenLink(uint256 _disputeId, EntryOpening calldata _a, EntryOpening calldata _b, uint64 _id)
        external;

    /// @notice Entry `_m` credits `_id` strictly between `_e`'s previous and next credits of `_id` (a missing
    ///         previous is −1, a missing next is +∞): a credit was skipped or a chain forked.
    function proveSkippedCredit(uint256 _disputeId, EntryOpening calldata _e, EntryOpening calldata _m, uint64 _id)
        external;

    /// @notice Credit `_slot` of `_e` is its contribution's last (final score) and belongs in the ranked top K but
    ///         is not in it (`SuffixChecks.verifyRankingViolation`).
    function proveRankingOmission(
        uint256 _disputeId,
        uint64[] calldata _ids,
        uint256[] calldata _scores,
        EntryOpening calldata _e,
        uint8 _slot
    ) external;

    /* ENDING */

    /// @notice The caller (the challenger, or the defender once it answered) gives up: the other side wins.
    function concede(uint256 _disputeId) external;

    /// @notice Ends a dispute whose side to move has used up its clock (that side loses), or a moot one (claim no
    ///         longer pending, or the answered epoch proved bogus: bonds back).
    function resolve(uint256 _disputeId) external;

    /// @notice Pays out `_recipient`'s credit (bonds won, bonds back, slashed-bond shares).
    function claimCredit(address _recipient) external;

    /* VIEWS */

    /// @notice The ledger whose claims are disputed.
    function LEDGER() external view returns (IAttributionLedger ledger_);

    /// @notice The model registry (method, index epochs).
    function MODELS() external view returns (IModelRegistry models_);

    /// @notice The largest output a dispute takes, in bytes (16 KiB).
    function MAX_OUTPUT() external view returns (uint256 maxOutput_);

    /// @notice The most accusations per dispute.
    function MAX_ACCUSATIONS() external view returns (uint256 max_);

    /// @notice The `prev` / `next` value of a credit with no previous / next credit.
    function NO_ENTRY() external view returns (uint32 none_);

    /// @notice The number of disputes opened; ids are 0 … disputeCount − 1.
    function disputeCount() external view returns (uint256 count_);

    /// @notice A dispute's state.
    function dispute(uint256 _disputeId) external view returns (Dispute memory dispute_);

    /// @notice Seconds `_side` has used in dispute `_disputeId`, counting its running turn.
    function elapsed(uint256 _disputeId, Side _side) external view returns (uint64 elapsed_);

    /// @notice Tokens owed to `_recipient` and not yet claimed.
    function credit(address _recipient) external view returns (uint256 amount_);

    /// @notice The evidence leaf of entry `_index`: H(0x20 ‖ uint32 index ‖ abi.encode(entry)).
    function evidenceLeaf(uint32 _index, EvidenceEntry calldata _entry) external pure returns (bytes32 leaf_);
}
