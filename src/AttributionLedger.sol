// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {IPaymentEscrow} from "src/interfaces/IPaymentEscrow.sol";
import {AccountsTree, Leaf} from "src/libraries/AccountsTree.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit, TxCodec} from "src/libraries/TxCodec.sol";

/// @title AttributionLedger
/// @notice The chain of claims σ(s, T) → s′ (docs/protocol.md §6): posting with a bond, pots drawn from
///         the PaymentEscrow, finality after the challenge window, voiding by the dispute game, and
///         Merkle-distributor withdrawals of cumulative earnings against the latest final state.
contract AttributionLedger is IAttributionLedger, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Where burned bond shares go (the token has no burn).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    IERC20 public immutable TOKEN;
    IPaymentEscrow public immutable ESCROW;
    IContributionViews public immutable CONTRIBUTIONS;
    IModelViews public immutable MODELS;
    /// @notice The protocol's account in the accounts tree (it withdraws like anyone).
    address public immutable PROTOCOL;
    uint64 public immutable CHALLENGE_WINDOW;
    uint64 public immutable MAX_REFERENCE_LAG;
    uint64 public immutable UNBOND_DELAY;
    uint128 public immutable CLAIM_BOND;
    /// @notice K, the most entries an Attribute tx may carry (≤ Sigma.MAX_ENTRIES_LIMIT).
    uint256 public immutable MAX_ENTRIES;
    uint16 public immutable BURN_BPS;
    bytes32 public immutable DOMAIN_SEPARATOR;
    address public immutable DEPLOYER;

    /// @notice The dispute game allowed to use the game hooks (set once by the deployer).
    address public disputeGame;
    /// @notice The evidence game, the second contract allowed to use the game hooks (set once by the deployer).
    address public evidenceGame;
    /// @notice Open evidence disputes per claim (kept apart from `openGames`, which the dispute game shares its
    ///         slashed bonds by).
    mapping(uint256 => uint32) public evidenceGames;
    /// @notice The number of claims posted (ids 1..claimCount; 0 is genesis).
    uint256 public claimCount;
    /// @notice The latest Final claim; withdrawals prove against its accounts root.
    uint256 public latestFinalized;
    /// @notice Σ of the pots of every Final claim.
    uint256 public totalFinalizedCredited;
    /// @notice Σ of every reward withdrawal; never above totalFinalizedCredited.
    uint256 public totalWithdrawn;
    /// @notice Σ of every bond held (bonded, locked or unbonding).
    uint256 public totalBonded;
    /// @notice Σ of the pots of Pending claims and of Void claims not yet refunded.
    uint256 public totalPots;
    /// @notice Cumulative earnings already paid out per account.
    mapping(address => uint256) public withdrawn;

    /// @notice Claims voided only because an ancestor was, by re-post key (poster, txRoot, debits hash,
    ///         reference time) → the voided claim's id; consumed by the re-post (docs/protocol.md §6).
    mapping(bytes32 => uint256) public repostable;

    mapping(uint256 => Claim) internal claims;
    mapping(address => Bond) internal bonds;

    constructor(Params memory _p) {
        if (_p.maxEntries == 0 || _p.maxEntries > Sigma.MAX_ENTRIES_LIMIT) {
            revert AttributionLedger_BadParameter("maxEntries");
        }
        if (_p.burnBps > 10_000) revert AttributionLedger_BadParameter("burnBps");
        if (_p.challengeWindow == 0) revert AttributionLedger_BadParameter("challengeWindow");
        if (_p.unbondDelay <= _p.challengeWindow) revert AttributionLedger_BadParameter("unbondDelay");
        if (_p.maxReferenceLag == 0) revert AttributionLedger_BadParameter("maxReferenceLag");
        if (_p.protocol == address(0)) revert AttributionLedger_BadParameter("protocol");
        if (IPaymentEscrow(_p.escrow).LEDGER() != address(this)) revert AttributionLedger_BadParameter("escrow");
        TOKEN = IERC20(_p.token);
        ESCROW = IPaymentEscrow(_p.escrow);
        CONTRIBUTIONS = IContributionViews(_p.contributions);
        MODELS = IModelViews(_p.models);
        PROTOCOL = _p.protocol;
        CHALLENGE_WINDOW = _p.challengeWindow;
        MAX_REFERENCE_LAG = _p.maxReferenceLag;
        UNBOND_DELAY = _p.unbondDelay;
        CLAIM_BOND = _p.claimBond;
        MAX_ENTRIES = _p.maxEntries;
        BURN_BPS = _p.burnBps;
        DOMAIN_SEPARATOR = Sigma.domainSeparator(block.chainid, address(this));
        DEPLOYER = msg.sender;
        claims[0].status = Status.Final;
    }

    modifier onlyGame() {
        if (msg.sender == address(0) || (msg.sender != disputeGame && msg.sender != evidenceGame)) {
            revert AttributionLedger_OnlyDisputeGame(msg.sender);
        }
        _;
    }

    /* CLAIMS */

    /// @inheritdoc IAttributionLedger
    function postClaim(
        uint256 _parentId,
        bytes calldata _batch,
        State calldata _newState,
        uint64 _referenceTime,
        Debit[] calldata _debits
    ) external nonReentrant returns (uint256 claimId_) {
        // A claim nobody can challenge would finalize with any root (issue 12 item 7).
        if (disputeGame == address(0)) revert AttributionLedger_DisputeGameNotSet();
        Claim storage parent = claims[_parentId];
        if (parent.status != Status.Pending && parent.status != Status.Final) {
            revert AttributionLedger_ParentNotLive(_parentId);
        }
        if (parent.liveChild != 0) revert AttributionLedger_ParentHasLiveChild(_parentId, parent.liveChild);
        if (_referenceTime >= block.timestamp) revert AttributionLedger_BadReferenceTime(_referenceTime);
        uint256 pot = _checkDebits(_debits);
        (bytes32 txRoot, uint256 batchSize) = TxCodec.txRoot(_batch, _debits);
        if (batchSize == 0) revert AttributionLedger_EmptyClaim();
        // A batch voided only because an ancestor was (docs/protocol.md §6) may be re-posted by its poster with
        // its original reference time, past the lag and below the new parent's time.
        if (_referenceTime < parent.referenceTime || block.timestamp - _referenceTime > MAX_REFERENCE_LAG) {
            _takeRepost(txRoot, _debits, _referenceTime);
        }
        if (
            _newState.totalCharged != 0 || _newState.txCount != parent.txCount + batchSize
                || _newState.totalCredited != parent.totalCredited + pot || _newState.totalCredited > type(uint128).max
                || _newState.txCount > type(uint128).max
        ) revert AttributionLedger_StateMismatch();
        _lockBond(msg.sender);

        claimId_ = ++claimCount;
        // Claim ids, N, the pot (≤ totalCredited) and bonds were bounded above: the casts cannot truncate.
        // forge-lint: disable-next-line(unsafe-typecast)
        parent.liveChild = uint64(claimId_);
        Claim storage c = claims[claimId_];
        c.claimant = msg.sender;
        c.postedAt = uint64(block.timestamp);
        c.referenceTime = _referenceTime;
        // forge-lint: disable-next-line(unsafe-typecast)
        c.parentId = uint64(_parentId);
        c.status = Status.Pending;
        c.bondLocked = true;
        c.txRoot = txRoot;
        c.accountsRoot = _newState.accountsRoot;
        c.debitsHash = keccak256(abi.encode(_debits));
        // forge-lint: disable-next-line(unsafe-typecast)
        c.pot = uint128(pot);
        // forge-lint: disable-next-line(unsafe-typecast)
        c.batchSize = uint128(batchSize);
        c.totalCredited = uint128(_newState.totalCredited);
        c.txCount = uint128(_newState.txCount);
        emit ClaimPosted(claimId_, _parentId, msg.sender, txRoot, _commitmentOf(c), batchSize, _referenceTime, pot);
        emit ClaimData(claimId_, _batch, _debits);
        totalPots += pot;
        if (pot > 0) ESCROW.debit(_debits);
    }

    /// @dev Consumes the caller's right to re-post a claim voided as a descendant (same batch, debits and
    ///      reference time); reverts as a bad reference time when it has none. A voided pot not yet refunded is
    ///      refunded first (as `refund` would), so the re-post debits the payers exactly once.
    function _takeRepost(bytes32 _txRoot, Debit[] calldata _debits, uint64 _referenceTime) internal {
        bytes32 key = _repostKey(msg.sender, _txRoot, keccak256(abi.encode(_debits)), _referenceTime);
        uint256 voidedId = repostable[key];
        if (voidedId == 0) revert AttributionLedger_BadReferenceTime(_referenceTime);
        delete repostable[key];
        emit ClaimReposted(claimCount + 1, voidedId);
        Claim storage voided = claims[voidedId];
        uint256 pot = voided.pot;
        if (pot == 0) return;
        voided.pot = 0;
        totalPots -= pot;
        emit PotRefunded(voidedId, pot);
        TOKEN.safeTransfer(address(ESCROW), pot);
        ESCROW.refund(_debits);
    }

    /// @dev The key under which a claim voided as a descendant can be re-posted: same poster, transactions,
    ///      debits and reference time.
    function _repostKey(address _claimant, bytes32 _txRoot, bytes32 _debitsHash, uint64 _referenceTime)
        internal
        pure
        returns (bytes32 key_)
    {
        key_ = keccak256(abi.encode(_claimant, _txRoot, _debitsHash, _referenceTime));
    }

    /// @dev Debits sorted by payer strictly ascending (so each payer is settled once); returns their sum.
    function _checkDebits(Debit[] calldata _debits) internal pure returns (uint256 total_) {
        address previous;
        for (uint256 i = 0; i < _debits.length; i++) {
            address payer = _debits[i].payer;
            if (payer <= previous) revert AttributionLedger_DebitsNotSorted(i);
            previous = payer;
            total_ += _debits[i].amount;
        }
    }

    function _lockBond(address _claimant) internal {
        Bond storage b = bonds[_claimant];
        uint256 available = uint256(b.bonded) - b.locked - b.unbonding;
        if (available < CLAIM_BOND) revert AttributionLedger_InsufficientBond(available, CLAIM_BOND);
        b.locked += CLAIM_BOND;
    }

    function _unlockBond(Claim storage _c) internal {
        if (!_c.bondLocked) return;
        _c.bondLocked = false;
        bonds[_c.claimant].locked -= CLAIM_BOND;
    }

    /// @inheritdoc IAttributionLedger
    function finalize(uint256 _claimId) external {
        Claim storage c = claims[_claimId];
        if (c.status != Status.Pending) revert AttributionLedger_NotPending(_claimId);
        uint256 closesAt = uint256(c.postedAt) + CHALLENGE_WINDOW;
        if (block.timestamp < closesAt) revert AttributionLedger_WindowOpen(_claimId, closesAt);
        if (c.openGames != 0 || evidenceGames[_claimId] != 0) revert AttributionLedger_GameOpen(_claimId);
        if (claims[c.parentId].status != Status.Final) revert AttributionLedger_ParentNotFinal(_claimId);
        c.status = Status.Final;
        latestFinalized = _claimId;
        totalPots -= c.pot;
        totalFinalizedCredited += c.pot;
        _unlockBond(c);
        emit ClaimFinalized(_claimId, c.accountsRoot);
    }

    /// @inheritdoc IAttributionLedger
    function voidDescendant(uint256 _claimId) external {
        Claim storage c = claims[_claimId];
        if (c.status != Status.Pending) revert AttributionLedger_NotPending(_claimId);
        if (claims[c.parentId].status != Status.Void) revert AttributionLedger_ParentNotVoid(_claimId);
        c.status = Status.Void;
        // Built on a wrong parent, not proved wrong itself: the bond is released, not slashed, and the
        // exact batch may be re-posted by its poster with its original reference time.
        _unlockBond(c);
        repostable[_repostKey(c.claimant, c.txRoot, c.debitsHash, c.referenceTime)] = _claimId;
        emit ClaimVoided(_claimId, false);
    }

    /// @inheritdoc IAttributionLedger
    function refund(uint256 _claimId, Debit[] calldata _debits) external nonReentrant {
        Claim storage c = claims[_claimId];
        if (c.status != Status.Void || c.pot == 0) revert AttributionLedger_NotRefundable(_claimId);
        if (keccak256(abi.encode(_debits)) != c.debitsHash) revert AttributionLedger_DebitsMismatch(_claimId);
        uint256 pot = c.pot;
        c.pot = 0;
        totalPots -= pot;
        emit PotRefunded(_claimId, pot);
        TOKEN.safeTransfer(address(ESCROW), pot);
        ESCROW.refund(_debits);
    }

    /// @inheritdoc IAttributionLedger
    function withdraw(address _account, Leaf calldata _leaf, bytes calldata _proof)
        external
        nonReentrant
        returns (uint256 amount_)
    {
        if (!AccountsTree.verify(claims[latestFinalized].accountsRoot, _account, _leaf, _proof)) {
            revert AttributionLedger_InvalidProof(_account);
        }
        uint256 already = withdrawn[_account];
        if (_leaf.earned <= already) revert AttributionLedger_NothingToWithdraw(_account);
        // Solvency (docs/protocol.md §6): the pots of final claims are all that withdrawals may take, whatever
        // a final state says; bonds and the pots of pending claims stay untouched.
        uint256 available = totalFinalizedCredited - totalWithdrawn;
        if (available == 0) revert AttributionLedger_FinalizedCreditExhausted(_account);
        amount_ = _leaf.earned - already;
        if (amount_ > available) amount_ = available;
        withdrawn[_account] = already + amount_;
        totalWithdrawn += amount_;
        emit RewardsWithdrawn(_account, amount_, already + amount_);
        TOKEN.safeTransfer(_account, amount_);
    }

    /* BONDS */

    /// @inheritdoc IAttributionLedger
    function bond(uint256 _amount) external nonReentrant {
        if (_amount == 0) revert AttributionLedger_ZeroAmount();
        Bond storage b = bonds[msg.sender];
        if (_amount > type(uint128).max - b.bonded) revert AttributionLedger_BondTooLarge(_amount);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.bonded += uint128(_amount);
        totalBonded += _amount;
        emit Bonded(msg.sender, _amount);
        TOKEN.safeTransferFrom(msg.sender, address(this), _amount);
    }

    /// @inheritdoc IAttributionLedger
    function requestUnbond(uint256 _amount) external {
        if (_amount == 0) revert AttributionLedger_ZeroAmount();
        Bond storage b = bonds[msg.sender];
        uint256 available = uint256(b.bonded) - b.locked;
        if (_amount > available) revert AttributionLedger_UnbondTooLarge(available, _amount);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.unbonding = uint128(_amount);
        b.unbondReadyAt = uint64(block.timestamp) + UNBOND_DELAY;
        emit UnbondRequested(msg.sender, _amount, b.unbondReadyAt);
    }

    /// @inheritdoc IAttributionLedger
    function unbond() external nonReentrant returns (uint256 amount_) {
        Bond storage b = bonds[msg.sender];
        if (b.unbonding == 0 || block.timestamp < b.unbondReadyAt) {
            revert AttributionLedger_UnbondNotReady(b.unbondReadyAt);
        }
        amount_ = b.unbonding;
        b.unbonding = 0;
        b.unbondReadyAt = 0;
        // forge-lint: disable-next-line(unsafe-typecast)
        b.bonded -= uint128(amount_);
        totalBonded -= amount_;
        emit Unbonded(msg.sender, amount_);
        TOKEN.safeTransfer(msg.sender, amount_);
    }

    /* DISPUTE GAME HOOKS */

    /// @inheritdoc IAttributionLedger
    function setDisputeGame(address _game) external {
        if (msg.sender != DEPLOYER || disputeGame != address(0) || _game == address(0)) {
            revert AttributionLedger_DisputeGameAlreadySet();
        }
        disputeGame = _game;
        emit DisputeGameSet(_game);
    }

    /// @inheritdoc IAttributionLedger
    function setEvidenceGame(address _game) external {
        if (msg.sender != DEPLOYER || evidenceGame != address(0) || _game == address(0) || _game == disputeGame) {
            revert AttributionLedger_EvidenceGameAlreadySet();
        }
        evidenceGame = _game;
        emit EvidenceGameSet(_game);
    }

    /// @inheritdoc IAttributionLedger
    function gameOpened(uint256 _claimId) external onlyGame {
        Claim storage c = claims[_claimId];
        if (c.status != Status.Pending) revert AttributionLedger_NotPending(_claimId);
        if (block.timestamp >= uint256(c.postedAt) + CHALLENGE_WINDOW) revert AttributionLedger_WindowClosed(_claimId);
        if (msg.sender == evidenceGame) {
            uint32 open = evidenceGames[_claimId] + 1;
            evidenceGames[_claimId] = open;
            emit EvidenceGamesChanged(_claimId, open);
            return;
        }
        c.openGames += 1;
        emit OpenGamesChanged(_claimId, c.openGames);
    }

    /// @inheritdoc IAttributionLedger
    function gameClosed(uint256 _claimId) external onlyGame {
        if (msg.sender == evidenceGame) {
            uint32 open = evidenceGames[_claimId];
            if (open == 0) revert AttributionLedger_NoOpenGame(_claimId);
            evidenceGames[_claimId] = open - 1;
            emit EvidenceGamesChanged(_claimId, open - 1);
            return;
        }
        Claim storage c = claims[_claimId];
        if (c.openGames == 0) revert AttributionLedger_NoOpenGame(_claimId);
        c.openGames -= 1;
        emit OpenGamesChanged(_claimId, c.openGames);
    }

    /// @inheritdoc IAttributionLedger
    function voidClaim(uint256 _claimId, address _winner) external onlyGame nonReentrant returns (bool voided_) {
        Claim storage c = claims[_claimId];
        if (c.status == Status.Void) return false;
        if (c.status != Status.Pending) revert AttributionLedger_NotPending(_claimId);
        c.status = Status.Void;
        Claim storage parent = claims[c.parentId];
        if (parent.liveChild == _claimId) parent.liveChild = 0;
        emit ClaimVoided(_claimId, true);
        voided_ = true;
        if (!c.bondLocked) return voided_;
        c.bondLocked = false;
        Bond storage b = bonds[c.claimant];
        b.locked -= CLAIM_BOND;
        b.bonded -= CLAIM_BOND;
        totalBonded -= CLAIM_BOND;
        uint256 burned = uint256(CLAIM_BOND) * BURN_BPS / 10_000;
        uint256 paid = CLAIM_BOND - burned;
        emit BondSlashed(_claimId, c.claimant, _winner, paid, burned);
        if (paid > 0) TOKEN.safeTransfer(_winner, paid);
        if (burned > 0) TOKEN.safeTransfer(BURN_ADDRESS, burned);
    }

    /* VIEWS */

    function _commitmentOf(Claim storage _c) internal view returns (bytes32) {
        return Sigma.commitment(State(_c.accountsRoot, _c.totalCredited, 0, _c.txCount));
    }

    /// @inheritdoc IAttributionLedger
    function claim(uint256 _claimId) external view returns (Claim memory claim_) {
        claim_ = claims[_claimId];
    }

    /// @notice The post-state commitment of a claim (genesis: the commitment of the empty state).
    function commitmentOf(uint256 _claimId) external view returns (bytes32 commitment_) {
        commitment_ = _commitmentOf(claims[_claimId]);
    }

    /// @inheritdoc IAttributionLedger
    function claimForGame(uint256 _claimId) external view returns (GameView memory view_) {
        Claim storage c = claims[_claimId];
        Claim storage parent = claims[c.parentId];
        view_ = GameView({
            status: c.status,
            claimant: c.claimant,
            parentId: c.parentId,
            txRoot: c.txRoot,
            preCommitment: _commitmentOf(parent),
            postCommitment: _commitmentOf(c),
            startTxCount: parent.txCount,
            batchSize: c.batchSize,
            referenceTime: c.referenceTime,
            postedAt: c.postedAt,
            openGames: c.openGames
        });
    }

    /// @inheritdoc IAttributionLedger
    function sigmaContext(uint256 _claimId) external view returns (SigmaContext memory ctx_) {
        Claim storage c = claims[_claimId];
        ctx_ = SigmaContext({
            domainSeparator: DOMAIN_SEPARATOR,
            protocol: PROTOCOL,
            referenceTime: c.referenceTime,
            maxEntries: MAX_ENTRIES,
            contributions: CONTRIBUTIONS,
            models: MODELS
        });
    }

    /// @inheritdoc IAttributionLedger
    function bondOf(address _account) external view returns (Bond memory bond_) {
        bond_ = bonds[_account];
    }
}
