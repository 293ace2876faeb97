// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {SigmaContext} from "src/libraries/Sigma.sol";

/// @notice The AttributionLedger's dispute hooks (docs/protocol.md §6) over claims the test writes
///         directly, with any pre-state: the shared vectors chain claims from states that only TS σ
///         produced. It pays a slashed claim bond like the ledger: BURN_BPS burned, the rest to the winner.
///         Full games and the invariant suite run against the real AttributionLedger.
contract MockLedger {
    error MockLedger_OnlyGame();
    error MockLedger_NotPending();
    error MockLedger_WindowClosed();
    error MockLedger_NoOpenGame();

    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    IERC20 public immutable TOKEN;
    uint256 public immutable WINDOW;
    uint256 public immutable BURN_BPS;
    address public game;

    uint256 public claimCount;
    mapping(uint256 => IAttributionLedger.GameView) internal _claims;
    mapping(uint256 => SigmaContext) internal _contexts;
    mapping(uint256 => uint256) public claimBond;

    constructor(IERC20 _token, uint256 _window, uint256 _burnBps) {
        TOKEN = _token;
        WINDOW = _window;
        BURN_BPS = _burnBps;
    }

    modifier onlyGame() {
        if (msg.sender != game) revert MockLedger_OnlyGame();
        _;
    }

    function setDisputeGame(address _game) external {
        game = _game;
    }

    /// @notice Records a pending claim whose bond the caller has already transferred here.
    function addClaim(IAttributionLedger.GameView memory _claim, SigmaContext memory _ctx, uint256 _bond)
        external
        returns (uint256 id_)
    {
        id_ = ++claimCount;
        _claim.status = IAttributionLedger.Status.Pending;
        _claims[id_] = _claim;
        _contexts[id_] = _ctx;
        claimBond[id_] = _bond;
    }

    /// @notice Voids a claim from outside the game (as `voidDescendant` does).
    function voidFromOutside(uint256 _claimId) external {
        if (_claims[_claimId].status != IAttributionLedger.Status.Pending) revert MockLedger_NotPending();
        _claims[_claimId].status = IAttributionLedger.Status.Void;
    }

    function claimForGame(uint256 _claimId) external view returns (IAttributionLedger.GameView memory view_) {
        view_ = _claims[_claimId];
    }

    function sigmaContext(uint256 _claimId) external view returns (SigmaContext memory ctx_) {
        ctx_ = _contexts[_claimId];
    }

    function gameOpened(uint256 _claimId) external onlyGame {
        IAttributionLedger.GameView storage c = _claims[_claimId];
        if (c.status != IAttributionLedger.Status.Pending) revert MockLedger_NotPending();
        if (block.timestamp >= c.postedAt + WINDOW) revert MockLedger_WindowClosed();
        c.openGames++;
    }

    function gameClosed(uint256 _claimId) external onlyGame {
        if (_claims[_claimId].openGames == 0) revert MockLedger_NoOpenGame();
        _claims[_claimId].openGames--;
    }

    function voidClaim(uint256 _claimId, address _winner) external onlyGame returns (bool voided_) {
        IAttributionLedger.GameView storage c = _claims[_claimId];
        if (c.status == IAttributionLedger.Status.Void) return false;
        if (c.status != IAttributionLedger.Status.Pending) revert MockLedger_NotPending();
        c.status = IAttributionLedger.Status.Void;
        voided_ = true;
        uint256 bond = claimBond[_claimId];
        claimBond[_claimId] = 0;
        uint256 burned = bond * BURN_BPS / 10_000;
        if (burned != 0) TOKEN.transfer(BURN_ADDRESS, burned);
        TOKEN.transfer(_winner, bond - burned);
    }
}
