// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {OneStepVerifier} from "src/OneStepVerifier.sol";
import {OpenToken} from "src/OpenToken.sol";
import {IContributionViews, IModelViews} from "src/interfaces/IAttributionViews.sol";
import {ClaimStatus, GameClaim, IDisputeGame} from "src/interfaces/IDisputeGame.sol";
import {StepProof} from "src/interfaces/IOneStepVerifier.sol";
import {GameStatus, LibPosition, Position, Side} from "src/libraries/GameTypes.sol";
import {Sigma, SigmaContext, State} from "src/libraries/Sigma.sol";
import {MockLedger} from "test/dispute/utils/MockLedger.sol";

/// @notice Shared fixtures for the dispute game tests: token, mock ledger, verifier and game, and
///         synthetic claims built in Solidity.
/// @dev A synthetic batch is N Attribute transactions whose signatures are zero: σ rejects each one
///      before reading any state (BadUserSignature), so the honest state after i transactions is the
///      parent's with txCount + i and needs no witness. A claim "wrong at j" pretends transaction j
///      credited one unit: its states agree with the honest ones up to j and differ from j + 1 on. That
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

    OpenToken internal token;
    MockLedger internal ledger;
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
    }

    function setUp() public virtual {
        vm.warp(START_TIME);
        treasury = makeAddr("treasury");
        claimant = makeAddr("claimant");
        challenger = makeAddr("challenger");
        anyone = makeAddr("anyone");
        token = new OpenToken(treasury);
        ledger = new MockLedger(token, WINDOW, LEDGER_BURN_BPS);
        verifier = new OneStepVerifier();
        game = new DisputeGame(token, ledger, verifier, MAX_CLOCK, EXTENSION, BOND, BURN_BPS);
        ledger.setGame(address(game));
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
    }

    /* SYNTHETIC CLAIMS */

    /// @dev Transaction `_i` of a synthetic batch: a well-formed Attribute with zero signatures.
    function _syntheticTx(uint256 _i) internal pure returns (bytes memory tx_) {
        tx_ = abi.encodePacked(
            uint8(1),
            address(0x1111),
            address(0x2222),
            uint64(1),
            keccak256(abi.encode(_i)),
            bytes32(0),
            uint96(0),
            uint96(0),
            uint64(_i),
            type(uint64).max
        );
        tx_ = abi.encodePacked(tx_, new bytes(130), uint8(0));
    }

    /// @dev s_i: the honest state after `_i` synthetic transactions, or the lie that tx `_wrongAt` credited 1.
    function _state(uint256 _i, uint256 _wrongAt) internal pure returns (State memory s_) {
        s_ = State(PARENT_ROOT, PARENT_CREDITED, 0, PARENT_TX_COUNT + _i);
        if (_wrongAt != NO_LIE && _i > _wrongAt) s_.totalCredited += 1;
    }

    function _commitments(uint256 _n, uint256 _wrongAt) internal pure returns (bytes32[] memory c_) {
        c_ = new bytes32[](_n + 1);
        for (uint256 i = 0; i <= _n; i++) {
            c_[i] = Sigma.commitment(_state(i, _wrongAt));
        }
    }

    function _context() internal pure returns (SigmaContext memory ctx_) {
        ctx_ = SigmaContext({
            domainSeparator: keccak256("domain"),
            attributor: address(0xA77),
            protocol: address(0x9907),
            referenceTime: 1000,
            maxEntries: 8,
            contributions: IContributionViews(address(0)),
            models: IModelViews(address(0))
        });
    }

    /// @dev Posts a synthetic claim of `_n` transactions, wrong at `_wrongAt` (NO_LIE for an honest one).
    function _claim(uint256 _n, uint256 _wrongAt) internal returns (Built memory b_) {
        b_.txs = new bytes[](_n);
        b_.leaves = new bytes32[](_n);
        for (uint256 i = 0; i < _n; i++) {
            b_.txs[i] = _syntheticTx(i);
            b_.leaves[i] = keccak256(b_.txs[i]);
        }
        b_.wrongAt = _wrongAt;
        b_.claimed = _commitments(_n, _wrongAt);
        b_.honest = _wrongAt == NO_LIE ? b_.claimed : _commitments(_n, NO_LIE);
        b_.claimId = _post(_root(b_.leaves), b_.claimed[0], b_.claimed[_n], _n, _context());
    }

    function _post(bytes32 _txRoot, bytes32 _pre, bytes32 _post, uint256 _n, SigmaContext memory _ctx)
        internal
        returns (uint256 claimId_)
    {
        vm.prank(treasury);
        token.transfer(address(ledger), CLAIM_BOND);
        claimId_ = ledger.addClaim(
            GameClaim({
                txRoot: _txRoot,
                preCommitment: _pre,
                postCommitment: _post,
                txCount: uint64(_n),
                referenceTime: 1000,
                status: ClaimStatus.Pending,
                claimant: claimant,
                postedAt: uint64(block.timestamp)
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
        bytes32[] memory row = _padded(_leaves);
        while (row.length > 1) row = _up(row);
        root_ = row[0];
    }

    function _txProof(bytes32[] memory _leaves, uint256 _index) internal pure returns (bytes32[] memory proof_) {
        bytes32[] memory row = _padded(_leaves);
        uint256 depth;
        while ((uint256(1) << depth) < row.length) depth++;
        proof_ = new bytes32[](depth);
        for (uint256 level = 0; level < depth; level++) {
            proof_[level] = row[_index ^ 1];
            row = _up(row);
            _index >>= 1;
        }
    }

    function _padded(bytes32[] memory _leaves) private pure returns (bytes32[] memory row_) {
        uint256 width = 1;
        while (width < _leaves.length) width <<= 1;
        row_ = new bytes32[](width);
        for (uint256 i = 0; i < _leaves.length; i++) {
            row_[i] = _leaves[i];
        }
    }

    function _up(bytes32[] memory _row) private pure returns (bytes32[] memory next_) {
        next_ = new bytes32[](_row.length / 2);
        for (uint256 i = 0; i < next_.length; i++) {
            next_[i] = keccak256(abi.encodePacked(_row[2 * i], _row[2 * i + 1]));
        }
    }

    /// @dev The honest one-step proof of synthetic transaction `_index`.
    function _stepProof(Built memory _b, uint256 _index) internal pure returns (StepProof memory p_) {
        p_ = StepProof(_state(_index, NO_LIE), _b.txs[_index], _txProof(_b.leaves, _index), "");
    }

    /// @dev The one-step proof from whichever state was agreed at `_index`: the honest one, or the
    ///      claimant's wrong one when a weak challenger agreed to it (the claimant then brings the proof).
    function _stepProofFrom(Built memory _b, uint256 _index, bytes32 _agreed)
        internal
        pure
        returns (StepProof memory p_)
    {
        p_ = _stepProof(_b, _index);
        if (Sigma.commitment(p_.pre) != _agreed) p_.pre = _state(_index, _b.wrongAt);
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

    function _pos(uint256 _lo, uint256 _hi) internal pure returns (Position position_) {
        position_ = LibPosition.wrap(uint64(_lo), uint64(_hi));
    }
}
