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
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {ChallengeStatus, GameStatus, LibPosition, Position, Side} from "src/libraries/GameTypes.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {MockLedger} from "test/dispute/utils/MockLedger.sol";
import {SyntheticClaims} from "test/dispute/utils/SyntheticClaims.sol";
import {RegistryFixture} from "test/ledger/utils/RegistryFixture.sol";

/// @notice Shared fixtures for the dispute game tests: token, ledger (the real AttributionLedger, or a
///         mock of its hooks for claims on arbitrary pre-states), verifier and game, and synthetic claims.
/// @dev A synthetic batch is N Attribute transactions whose signatures are zero: σ rejects each one
///      before reading any state (BadUserSignature), so the honest state after i transactions is the
///      parent's with txCount + i and needs no witness. A claim "wrong at j" pretends transaction j
///      credited someone (another accounts root; totals unchanged, so `postClaim` accepts it): its
///      states agree with the honest ones up to j and differ from j + 1 on. That
///      keeps 1,025-transaction games cheap while the one-step proof still runs the real σ.
abstract contract DisputeBaseTest is Test {
    uint256 internal constant START_TIME = 1_700_000_000;
    uint64 internal constant MAX_CLOCK = 1 days;
    uint64 internal constant EXTENSION = 3 hours;
    uint96 internal constant BOND = 100e18;
    uint16 internal constant BURN_BPS = 2000;
    uint256 internal constant WINDOW = 7 days;
    uint256 internal constant CLAIM_BOND = 1000e18;
    uint256 internal constant LEDGER_BURN_BPS = 5000;
    uint256 internal constant NO_LIE = type(uint256).max;

    bytes32 internal constant PARENT_ROOT = keccak256("parent accounts root");
    uint256 internal constant PARENT_CREDITED = 5000;
    uint256 internal constant PARENT_TX_COUNT = 40;

    uint64 internal constant LEDGER_WINDOW = 7 days;
    uint64 internal constant REFERENCE_LAG = 1 hours;

    OpenToken internal token;
    /// @dev The ledger the game uses: `real` or `mock`.
    IAttributionLedger internal ledger;
    MockLedger internal mock;
    AttributionLedger internal real;
    PaymentEscrow internal escrow;
    RegistryFixture internal registry;
    OneStepVerifier internal verifier;
    DisputeGame internal game;

    address internal treasury;
    address internal claimant;
    address internal challenger;
    address internal anyone;

    /// @dev A claim built by the tests: its transactions, tx leaves and the claimant's commitments s_0 … s_N.
    struct Built {
        uint256 claimId;
        bytes[] txs;
        bytes32[] leaves;
        bytes32[] claimed;
        bytes32[] honest;
        uint256 wrongAt;
        State parent;
    }

    /// @dev The real ledger's challenge window.
    function _ledgerWindow() internal pure virtual returns (uint64 window_) {
        window_ = LEDGER_WINDOW;
    }

    /// @dev Whether this suite runs against the real AttributionLedger (else the mock).
    function _realLedger() internal pure virtual returns (bool) {
        return false;
    }

    function setUp() public virtual {
        vm.warp(START_TIME);
        treasury = makeAddr("treasury");
        claimant = makeAddr("claimant");
        challenger = makeAddr("challenger");
        anyone = makeAddr("anyone");
        token = new OpenToken(treasury);
        registry = new RegistryFixture();
        if (_realLedger()) {
            address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
            escrow = new PaymentEscrow(IERC20(address(token)), predicted, 1 days);
            real = new AttributionLedger(
                IAttributionLedger.Params({
                    token: address(token),
                    escrow: address(escrow),
                    contributions: address(registry),
                    models: address(registry),
                    protocol: makeAddr("protocol"),
                    challengeWindow: _ledgerWindow(),
                    maxReferenceLag: REFERENCE_LAG,
                    unbondDelay: 2 * _ledgerWindow(),
                    claimBond: uint128(CLAIM_BOND),
                    maxEntries: 8,
                    burnBps: uint16(LEDGER_BURN_BPS)
                })
            );
            ledger = IAttributionLedger(address(real));
        } else {
            mock = new MockLedger(token, WINDOW, LEDGER_BURN_BPS);
            ledger = IAttributionLedger(address(mock));
        }
        verifier = new OneStepVerifier();
        game = new DisputeGame(token, ledger, verifier, MAX_CLOCK, EXTENSION, BOND, BURN_BPS);
        if (_realLedger()) real.setDisputeGame(address(game));
        else mock.setDisputeGame(address(game));
        vm.startPrank(treasury);
        token.transfer(claimant, 1_000_000e18);
        token.transfer(challenger, 1_000_000e18);
        token.transfer(anyone, 1_000_000e18);
        vm.stopPrank();
        for (uint256 i = 0; i < 3; i++) {
            address a = [claimant, challenger, anyone][i];
            vm.prank(a);
            token.approve(address(game), type(uint256).max);
        }
        if (_realLedger()) {
            vm.prank(treasury);
            token.transfer(claimant, 100 * CLAIM_BOND);
            vm.startPrank(claimant);
            token.approve(address(real), type(uint256).max);
            real.bond(100 * CLAIM_BOND);
            vm.stopPrank();
            // Reference times must lie in the past.
            vm.warp(block.timestamp + 1);
        }
    }

    /* LEDGER VIEWS (real or mock) */

    function _openGames(uint256 _claimId) internal view returns (uint256 open_) {
        open_ = ledger.claimForGame(_claimId).openGames;
    }

    function _claimStatus(uint256 _claimId) internal view returns (IAttributionLedger.Status status_) {
        status_ = ledger.claimForGame(_claimId).status;
    }

    /// @dev Whether the claimant's bond for `_claimId` is still locked (not slashed).
    function _bondLocked(uint256 _claimId) internal view returns (bool locked_) {
        locked_ = _realLedger() ? real.claim(_claimId).bondLocked : mock.claimBond(_claimId) != 0;
    }

    /* SYNTHETIC CLAIMS */

    function _syntheticTx(uint256 _i) internal pure returns (bytes memory tx_) {
        tx_ = SyntheticClaims.syntheticTx(_i);
    }

    function _state(State memory _parent, uint256 _i, uint256 _wrongAt) internal pure returns (State memory s_) {
        s_ = SyntheticClaims.state(_parent, _i, _wrongAt);
    }

    function _commitments(State memory _parent, uint256 _n, uint256 _wrongAt)
        internal
        pure
        returns (bytes32[] memory c_)
    {
        c_ = new bytes32[](_n + 1);
        for (uint256 i = 0; i <= _n; i++) {
            c_[i] = Sigma.commitment(_state(_parent, i, _wrongAt));
        }
    }

    /// @dev The claim a new claim is posted on: the latest live claim without a live child (real ledger).
    function _parentId() internal view returns (uint256 parentId_) {
        parentId_ = real.claimCount();
        while (real.claim(parentId_).status == IAttributionLedger.Status.Void) {
            parentId_ = real.claim(parentId_).parentId;
        }
    }

    function _parentState() internal view returns (State memory s_) {
        if (!_realLedger()) return State(PARENT_ROOT, PARENT_CREDITED, 0, PARENT_TX_COUNT);
        IAttributionLedger.Claim memory p = real.claim(_parentId());
        s_ = State(p.accountsRoot, p.totalCredited, 0, p.txCount);
    }

    function _context() internal pure returns (SigmaContext memory ctx_) {
        ctx_ = SigmaContext({
            domainSeparator: keccak256("domain"),
            protocol: address(0x9907),
            referenceTime: 1000,
            maxEntries: 8,
            contributions: IContributionViews(address(0)),
            models: IModelViews(address(0))
        });
    }

    /// @dev Posts a synthetic claim of `_n` transactions, wrong at `_wrongAt` (NO_LIE for an honest one).
    function _claim(uint256 _n, uint256 _wrongAt) internal returns (Built memory b_) {
        b_ = _claimAs(claimant, _n, _wrongAt);
    }

    /// @dev `_claim` posted by `_poster` (real ledger: must be bonded).
    function _claimAs(address _poster, uint256 _n, uint256 _wrongAt) internal returns (Built memory b_) {
        b_.txs = new bytes[](_n);
        b_.leaves = new bytes32[](_n);
        for (uint256 i = 0; i < _n; i++) {
            b_.txs[i] = _syntheticTx(i);
            b_.leaves[i] = keccak256(b_.txs[i]);
        }
        b_.wrongAt = _wrongAt;
        b_.parent = _parentState();
        b_.claimed = _commitments(b_.parent, _n, _wrongAt);
        b_.honest = _wrongAt == NO_LIE ? b_.claimed : _commitments(b_.parent, _n, NO_LIE);
        if (_realLedger()) {
            uint256 parentId = _parentId();
            vm.prank(_poster);
            b_.claimId = real.postClaim(
                parentId, _concat(b_.txs), _state(b_.parent, _n, _wrongAt), uint64(block.timestamp - 1), new Debit[](0)
            );
            assertEq(ledger.claimForGame(b_.claimId).txRoot, _root(b_.leaves), "tx root as the ledger derives it");
        } else {
            b_.claimId = _post(_root(b_.leaves), b_.claimed[0], b_.claimed[_n], _n, _context());
        }
    }

    function _concat(bytes[] memory _txs) internal pure returns (bytes memory batch_) {
        batch_ = SyntheticClaims.concat(_txs);
    }

    function _post(bytes32 _txRoot, bytes32 _pre, bytes32 _post, uint256 _n, SigmaContext memory _ctx)
        internal
        returns (uint256 claimId_)
    {
        vm.prank(treasury);
        token.transfer(address(mock), CLAIM_BOND);
        claimId_ = mock.addClaim(
            IAttributionLedger.GameView({
                status: IAttributionLedger.Status.Pending,
                claimant: claimant,
                parentId: 0,
                txRoot: _txRoot,
                preCommitment: _pre,
                postCommitment: _post,
                startTxCount: 0,
                batchSize: _n,
                referenceTime: 1000,
                postedAt: uint64(block.timestamp),
                openGames: 0
            }),
            _ctx,
            CLAIM_BOND
        );
    }

    function _open(uint256 _claimId) internal returns (uint256 gameId_) {
        vm.prank(challenger);
        gameId_ = game.open(_claimId);
    }

    /* TX TREE (docs/protocol.md §5) */

    function _root(bytes32[] memory _leaves) internal pure returns (bytes32 root_) {
        root_ = SyntheticClaims.root(_leaves);
    }

    function _txProof(bytes32[] memory _leaves, uint256 _index) internal pure returns (bytes32[] memory proof_) {
        proof_ = SyntheticClaims.txProof(_leaves, _index);
    }

    /// @dev The honest one-step proof of synthetic transaction `_index`.
    function _stepProof(Built memory _b, uint256 _index) internal pure returns (StepProof memory p_) {
        p_ = StepProof(_state(_b.parent, _index, NO_LIE), _b.txs[_index], _txProof(_b.leaves, _index), "");
    }

    /// @dev The one-step proof from whichever state was agreed at `_index`: the honest one, or the
    ///      claimant's wrong one when a weak challenger agreed to it (the claimant then brings the proof).
    function _stepProofFrom(Built memory _b, uint256 _index, bytes32 _agreed)
        internal
        pure
        returns (StepProof memory p_)
    {
        p_ = _stepProof(_b, _index);
        if (Sigma.commitment(p_.pre) != _agreed) p_.pre = _state(_b.parent, _index, _b.wrongAt);
    }

    /* PLAYING */

    /// @dev The challenger's strategies: honest (agree iff s_mid is right), or one of the liars.
    enum Strategy {
        Honest,
        AlwaysDisagree,
        AlwaysAgree
    }

    function _agrees(Strategy _strategy, Built memory _b, uint256 _mid, bytes32 _commitment)
        internal
        pure
        returns (bool agree_)
    {
        if (_strategy == Strategy.Honest) return _b.honest[_mid] == _commitment;
        agree_ = _strategy == Strategy.AlwaysAgree;
    }

    /// @dev Plays a game to the end: claimant bisects with its claimed states, the challenger answers
    ///      by `_strategy`, and `anyone` brings the honest one-step proof. Returns the number of moves.
    function _play(uint256 _gameId, Built memory _b, Strategy _strategy) internal returns (uint256 moves_) {
        while (game.game(_gameId).status == GameStatus.InProgress) {
            IDisputeGame.Game memory g = game.game(_gameId);
            Position p = g.position;
            if (p.width() == 1) {
                vm.prank(anyone);
                game.step(_gameId, p, _stepProofFrom(_b, p.lo(), g.loCommitment));
            } else if (g.turn == Side.Claimant) {
                vm.prank(claimant);
                game.bisect(_gameId, p, _b.claimed[p.mid()]);
            } else {
                vm.prank(challenger);
                game.respond(_gameId, p, g.midCommitment, _agrees(_strategy, _b, p.mid(), g.midCommitment));
            }
            moves_++;
        }
    }

    /// @dev Settles challenge `_id` once its every defense is beaten: waits out the defense window if needed.
    function _settleChallenge(uint256 _id) internal {
        IDisputeGame.Challenge memory ch = game.challenge(_id);
        if (ch.status != ChallengeStatus.Open) return;
        uint256 closes = uint256(ch.openedAt) + game.defenseWindow() + 1;
        if (block.timestamp < closes) vm.warp(closes);
        game.resolveChallenge(_id);
    }

    function _pos(uint256 _lo, uint256 _hi) internal pure returns (Position position_) {
        position_ = LibPosition.wrap(uint64(_lo), uint64(_hi));
    }
}
