// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leaf} from "src/libraries/AccountsTree.sol";
import {SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";

/// @title IAttributionLedger
/// @notice The chain of claims σ(s, T) → s′, their pots, the attributors' bonds and reward withdrawals
///         against the latest final state (docs/protocol.md §6).
interface IAttributionLedger {
    /// @notice A claim's lifecycle. Genesis (id 0) is Final from the start.
    enum Status {
        None,
        Pending,
        Final,
        Void
    }

    /// @notice A claim as stored.
    /// @dev Packed layout:
    ///
    /// | slot | bits     | field                                   |
    /// |------|----------|-----------------------------------------|
    /// | 0    | 0..159   | claimant                                |
    /// | 0    | 160..223 | postedAt                                |
    /// | 0    | 224..255 | openGames                               |
    /// | 1    | 0..63    | referenceTime                           |
    /// | 1    | 64..127  | parentId                                |
    /// | 1    | 128..191 | liveChild (0: none)                     |
    /// | 1    | 192..199 | status                                  |
    /// | 1    | 200..207 | bondLocked (1 while the bond is locked)  |
    /// | 2..4 | words    | txRoot, accountsRoot, debitsHash        |
    /// | 5    | 0..127 / 128..255 | pot / batchSize N              |
    /// | 6    | 0..127 / 128..255 | totalCredited / txCount of s′  |
    ///
    /// The post-state commitment is not stored: s′ has totalCharged = 0, so it is
    /// H(accountsRoot, totalCredited, 0, txCount).
    struct Claim {
        address claimant;
        uint64 postedAt;
        uint32 openGames;
        uint64 referenceTime;
        uint64 parentId;
        uint64 liveChild;
        Status status;
        bool bondLocked;
        bytes32 txRoot;
        bytes32 accountsRoot;
        bytes32 debitsHash;
        uint128 pot;
        uint128 batchSize;
        uint128 totalCredited;
        uint128 txCount;
    }

    /// @notice Everything a dispute game needs about a claim.
    /// @param status The claim's status.
    /// @param claimant Who posted it (σ pays each receipt's named attributor, not the claimant).
    /// @param parentId The parent claim.
    /// @param txRoot The root of T, derived from calldata at postClaim.
    /// @param preCommitment The parent's post-state commitment (s_0 of the game).
    /// @param postCommitment The claimed post-state commitment (s_N).
    /// @param startTxCount The parent's txCount (the txCount of s_0).
    /// @param batchSize N = |T|.
    /// @param referenceTime σ's reference time.
    /// @param postedAt When the claim was posted (the challenge window starts here).
    /// @param openGames Games currently open against the claim.
    struct GameView {
        Status status;
        address claimant;
        uint256 parentId;
        bytes32 txRoot;
        bytes32 preCommitment;
        bytes32 postCommitment;
        uint256 startTxCount;
        uint256 batchSize;
        uint64 referenceTime;
        uint64 postedAt;
        uint32 openGames;
    }

    /// @notice A bonded party's bond.
    struct Bond {
        uint128 bonded;
        uint128 locked;
        uint128 unbonding;
        uint64 unbondReadyAt;
    }

    /// @notice Every constructor parameter (presets in script/presets/*.json).
    struct Params {
        address token;
        address escrow;
        address contributions;
        address models;
        address protocol;
        uint64 challengeWindow;
        uint64 maxReferenceLag;
        uint64 unbondDelay;
        uint128 claimBond;
        uint256 maxEntries;
        uint16 burnBps;
    }

    /// @notice Thrown when a constructor parameter is out of range.
    error AttributionLedger_BadParameter(string name);
    /// @notice Thrown when a non-game caller uses a game hook.
    error AttributionLedger_OnlyDisputeGame(address caller);
    /// @notice Thrown when the dispute game is set twice or by someone else than the deployer.
    error AttributionLedger_DisputeGameAlreadySet();
    /// @notice Thrown when the evidence game is set twice, to zero, or by someone else than the deployer.
    error AttributionLedger_EvidenceGameAlreadySet();
    /// @notice Thrown when a claim is posted before the dispute game is set: nobody could challenge it.
    error AttributionLedger_DisputeGameNotSet();
    /// @notice Thrown when the parent is not Pending or Final.
    error AttributionLedger_ParentNotLive(uint256 parentId);
    /// @notice Thrown when the parent already has a live child.
    error AttributionLedger_ParentHasLiveChild(uint256 parentId, uint256 childId);
    /// @notice Thrown when the reference time is in the future, before the parent's, or too old.
    error AttributionLedger_BadReferenceTime(uint64 referenceTime);
    /// @notice Thrown when debits are not sorted by payer strictly ascending, or name the zero address.
    error AttributionLedger_DebitsNotSorted(uint256 index);
    /// @notice Thrown when a claim has no transaction at all.
    error AttributionLedger_EmptyClaim();
    /// @notice Thrown when the claimed post-state does not add up (txCount, totalCharged = 0, totalCredited).
    error AttributionLedger_StateMismatch();
    /// @notice Thrown when the claimant's free bond is below the claim bond.
    error AttributionLedger_InsufficientBond(uint256 available, uint256 required);
    /// @notice Thrown when an operation needs a Pending claim.
    error AttributionLedger_NotPending(uint256 claimId);
    /// @notice Thrown when finalizing before the challenge window has passed.
    error AttributionLedger_WindowOpen(uint256 claimId, uint256 closesAt);
    /// @notice Thrown when opening a game after the challenge window.
    error AttributionLedger_WindowClosed(uint256 claimId);
    /// @notice Thrown when finalizing while a game is open.
    error AttributionLedger_GameOpen(uint256 claimId);
    /// @notice Thrown when finalizing before the parent is final.
    error AttributionLedger_ParentNotFinal(uint256 claimId);
    /// @notice Thrown when voidDescendant is called on a claim whose parent is not void.
    error AttributionLedger_ParentNotVoid(uint256 claimId);
    /// @notice Thrown when refunding a claim that is not void, or was refunded.
    error AttributionLedger_NotRefundable(uint256 claimId);
    /// @notice Thrown when the debits given to refund are not the claim's.
    error AttributionLedger_DebitsMismatch(uint256 claimId);
    /// @notice Thrown when a withdrawal proof does not open the latest final state.
    error AttributionLedger_InvalidProof(address account);
    /// @notice Thrown when there is nothing left to withdraw.
    error AttributionLedger_NothingToWithdraw(address account);
    /// @notice Thrown when every token credited by final claims has been withdrawn (only possible after a
    ///         wrong claim finalized): withdrawals never reach bonds or the pots of pending claims.
    error AttributionLedger_FinalizedCreditExhausted(address account);
    /// @notice Thrown when an amount is zero.
    error AttributionLedger_ZeroAmount();
    /// @notice Thrown when a bond would exceed 2^128 − 1.
    error AttributionLedger_BondTooLarge(uint256 amount);
    /// @notice Thrown when an unbond request exceeds the free bond.
    error AttributionLedger_UnbondTooLarge(uint256 available, uint256 amount);
    /// @notice Thrown when unbonding without a request or before its delay.
    error AttributionLedger_UnbondNotReady(uint64 readyAt);
    /// @notice Thrown when closing a game on a claim that has none open.
    error AttributionLedger_NoOpenGame(uint256 claimId);

    /// @notice Emitted once, when the deployer names the dispute game.
    /// @param game The dispute game contract.
    event DisputeGameSet(address indexed game);
    /// @notice Emitted once, when the deployer names the evidence game (docs/evidence-game.md §3.5).
    /// @param game The evidence game contract.
    event EvidenceGameSet(address indexed game);
    /// @notice Emitted when an evidence dispute opens or closes against a claim.
    /// @param claimId The claim.
    /// @param openEvidenceGames The number of open evidence disputes afterwards.
    event EvidenceGamesChanged(uint256 indexed claimId, uint32 openEvidenceGames);
    /// @notice Emitted when a claim is posted.
    /// @param claimId The new claim.
    /// @param parentId Its parent.
    /// @param claimant The attributor.
    /// @param txRoot The root of T.
    /// @param commitment The claimed post-state commitment.
    /// @param batchSize N = |T|.
    /// @param referenceTime σ's reference time.
    /// @param pot The total debited into the claim's pot.
    event ClaimPosted(
        uint256 indexed claimId,
        uint256 indexed parentId,
        address indexed claimant,
        bytes32 txRoot,
        bytes32 commitment,
        uint256 batchSize,
        uint64 referenceTime,
        uint256 pot
    );
    /// @notice Emitted with ClaimPosted: T's data, so that a claim is reconstructible from the ledger's logs
    ///         however it was posted (directly, or through a contract wallet whose outer calldata is not a
    ///         `postClaim` call). `TxCodec.txRoot(batch, debits)` is ClaimPosted's `txRoot`, and
    ///         `keccak256(abi.encode(debits))` the claim's `debitsHash`.
    /// @param claimId The claim.
    /// @param batch The concatenated Attribute transactions, exactly as posted.
    /// @param debits The per-payer debits, exactly as posted (T ends with one Settle per debit).
    event ClaimData(uint256 indexed claimId, bytes batch, Debit[] debits);
    /// @notice Emitted when a claim becomes final.
    /// @param claimId The claim.
    /// @param accountsRoot The new withdrawable accounts root.
    event ClaimFinalized(uint256 indexed claimId, bytes32 accountsRoot);
    /// @notice Emitted when a claim is voided.
    /// @param claimId The claim.
    /// @param byGame True when a dispute game voided it; false when its parent was void.
    event ClaimVoided(uint256 indexed claimId, bool byGame);
    /// @notice Emitted when a claim re-posts the exact batch of a claim voided only because an ancestor was.
    /// @param claimId The new claim.
    /// @param voidedId The voided descendant whose batch (and reference time) it carries.
    event ClaimReposted(uint256 indexed claimId, uint256 indexed voidedId);
    /// @notice Emitted when a void claim's pot goes back to its payers' escrow balances.
    /// @param claimId The claim.
    /// @param amount The pot.
    event PotRefunded(uint256 indexed claimId, uint256 amount);
    /// @notice Emitted when a game opens or closes against a claim.
    /// @param claimId The claim.
    /// @param openGames The number of open games afterwards.
    event OpenGamesChanged(uint256 indexed claimId, uint32 openGames);
    /// @notice Emitted when a void claim's bond is slashed.
    /// @param claimId The claim.
    /// @param claimant The slashed attributor.
    /// @param winner Who receives the unburned part.
    /// @param paid The amount paid to the winner.
    /// @param burned The amount burned.
    event BondSlashed(
        uint256 indexed claimId, address indexed claimant, address indexed winner, uint256 paid, uint256 burned
    );
    /// @notice Emitted when someone adds to their bond.
    /// @param account The bonded party.
    /// @param amount The amount added.
    event Bonded(address indexed account, uint256 amount);
    /// @notice Emitted when someone asks to unbond.
    /// @param account The bonded party.
    /// @param amount The amount.
    /// @param readyAt When it can be taken out.
    event UnbondRequested(address indexed account, uint256 amount, uint64 readyAt);
    /// @notice Emitted when someone takes bond out.
    /// @param account The bonded party.
    /// @param amount The amount.
    event Unbonded(address indexed account, uint256 amount);
    /// @notice Emitted when rewards are paid out.
    /// @param account The account paid.
    /// @param amount The amount paid: earned − previously withdrawn, capped by the final credit left.
    /// @param withdrawn The account's cumulative withdrawals after this one.
    event RewardsWithdrawn(address indexed account, uint256 amount, uint256 withdrawn);

    /* CLAIMS */

    /// @notice Posts σ(parent's state, T) → `_newState`, T being `_batch` followed by one Settle per debit.
    /// @param _parentId The parent claim (live, without a live child).
    /// @param _batch Concatenated Attribute transactions (docs/protocol.md §3).
    /// @param _newState The claimed post-state.
    /// @param _referenceTime σ's reference time (strictly before this block, at most MAX_REFERENCE_LAG old and
    ///        not before the parent's; or exactly the original time of the caller's batch voided as a
    ///        descendant, which this call then re-posts: see `repostable`).
    /// @param _debits Per-payer debits, sorted by payer; moved from the escrow into the claim's pot.
    function postClaim(
        uint256 _parentId,
        bytes calldata _batch,
        State calldata _newState,
        uint64 _referenceTime,
        Debit[] calldata _debits
    ) external returns (uint256 claimId_);

    /// @notice Makes a Pending claim Final once its window has passed, no game is open and its parent is final.
    function finalize(uint256 _claimId) external;

    /// @notice Voids a Pending claim whose parent is void (one claim per call; walk down the chain).
    function voidDescendant(uint256 _claimId) external;

    /// @notice Returns a void claim's pot to its payers' escrow balances.
    /// @param _debits The claim's debits, exactly as posted.
    function refund(uint256 _claimId, Debit[] calldata _debits) external;

    /// @notice Pays `_account` its proved cumulative earnings minus what it already withdrew, capped so that
    ///         Σ withdrawals never exceed Σ pots of final claims (the rest stays owed).
    /// @param _leaf The account's leaf in the latest final state.
    /// @param _proof Its membership proof in the accounts tree (docs/protocol.md §2): d (1 byte) ‖ kind = 0 (1 byte) ‖
    ///        the d siblings from depth d up to depth 1 (32 bytes each).
    function withdraw(address _account, Leaf calldata _leaf, bytes calldata _proof) external returns (uint256 amount_);

    /* BONDS */

    function bond(uint256 _amount) external;
    function requestUnbond(uint256 _amount) external;
    function unbond() external returns (uint256 amount_);

    /* DISPUTE GAME HOOKS */

    /// @notice Names the dispute game; the deployer calls it once.
    function setDisputeGame(address _game) external;
    /// @notice Names the evidence game (the second contract allowed to use the game hooks); the deployer calls it
    ///         once.
    function setEvidenceGame(address _game) external;
    /// @notice The evidence game (zero until set).
    function evidenceGame() external view returns (address game_);
    /// @notice The number of open evidence disputes against a claim (it cannot finalize while > 0).
    function evidenceGames(uint256 _claimId) external view returns (uint32 open_);
    /// @notice Registers a new game against a Pending claim inside its window. Game only (the dispute game's
    ///         games count in the claim's `openGames`, the evidence game's in `evidenceGames`).
    function gameOpened(uint256 _claimId) external;
    /// @notice Unregisters a resolved game. Game only.
    function gameClosed(uint256 _claimId) external;
    /// @notice Voids a Pending claim proved wrong and slashes its bond: BURN_BPS burned, the rest to `_winner`.
    ///         Either game may call it.
    /// @return voided_ False when the claim was already void (then nothing is slashed).
    function voidClaim(uint256 _claimId, address _winner) external returns (bool voided_);

    /* VIEWS */

    function claim(uint256 _claimId) external view returns (Claim memory claim_);
    function claimForGame(uint256 _claimId) external view returns (GameView memory view_);
    function sigmaContext(uint256 _claimId) external view returns (SigmaContext memory ctx_);
    function bondOf(address _account) external view returns (Bond memory bond_);
}
