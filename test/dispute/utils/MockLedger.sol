// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ClaimStatus, GameClaim, IDisputeLedger} from "src/interfaces/IDisputeGame.sol";
import {SigmaContext} from "src/libraries/Sigma.sol";

/// @notice The ledger hooks of docs/protocol.md §6, as the dispute game uses them, over claims the test
///         writes directly (until AttributionLedger lands). It holds each claim's bond and pays it out
///         like the ledger: BURN_BPS to the burn address, the rest to the winner.
contract MockLedger is IDisputeLedger {
    error MockLedger_OnlyGame();
    error MockLedger_NotPending();
    error MockLedger_WindowClosed();
    error MockLedger_AlreadySlashed();

    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    IERC20 public immutable TOKEN;
    uint256 public immutable WINDOW;
    uint256 public immutable BURN_BPS;
    address public game;

    uint256 public claimCount;
    mapping(uint256 => GameClaim) internal _claims;
    mapping(uint256 => SigmaContext) internal _contexts;
    mapping(uint256 => uint256) public openGames;
    mapping(uint256 => uint256) public claimBond;
    uint256 public totalClaimBonds;

    constructor(IERC20 _token, uint256 _window, uint256 _burnBps) {
        TOKEN = _token;
        WINDOW = _window;
        BURN_BPS = _burnBps;
    }

    modifier onlyGame() {
        if (msg.sender != game) revert MockLedger_OnlyGame();
        _;
    }

    function setGame(address _game) external {
        game = _game;
    }

    /// @notice Records a pending claim whose bond the caller has already transferred here.
    function addClaim(GameClaim memory _claim, SigmaContext memory _ctx, uint256 _bond) external returns (uint256 id_) {
        id_ = ++claimCount;
        _claim.status = ClaimStatus.Pending;
        _claims[id_] = _claim;
        _contexts[id_] = _ctx;
        claimBond[id_] = _bond;
        totalClaimBonds += _bond;
    }

    /// @notice Voids a claim from outside the game (as `voidDescendant` would).
    function voidFromOutside(uint256 _claimId) external {
        if (_claims[_claimId].status != ClaimStatus.Pending) revert MockLedger_NotPending();
        _claims[_claimId].status = ClaimStatus.Void;
    }

    function claimForGame(uint256 _claimId) external view returns (GameClaim memory claim_) {
        claim_ = _claims[_claimId];
    }

    function sigmaContext(uint256 _claimId) external view returns (SigmaContext memory ctx_) {
        ctx_ = _contexts[_claimId];
    }

    function gameOpened(uint256 _claimId) external onlyGame {
        GameClaim storage c = _claims[_claimId];
        if (c.status != ClaimStatus.Pending) revert MockLedger_NotPending();
        if (block.timestamp >= c.postedAt + WINDOW) revert MockLedger_WindowClosed();
        openGames[_claimId]++;
    }

    function gameClosed(uint256 _claimId) external onlyGame {
        openGames[_claimId]--;
    }

    function voidClaim(uint256 _claimId) external onlyGame {
        if (_claims[_claimId].status != ClaimStatus.Pending) revert MockLedger_NotPending();
        _claims[_claimId].status = ClaimStatus.Void;
    }

    function slashClaimBond(uint256 _claimId, address _winner) external onlyGame {
        uint256 bond = claimBond[_claimId];
        if (bond == 0) revert MockLedger_AlreadySlashed();
        claimBond[_claimId] = 0;
        totalClaimBonds -= bond;
        uint256 burned = bond * BURN_BPS / 10_000;
        if (burned != 0) TOKEN.transfer(BURN_ADDRESS, burned);
        TOKEN.transfer(_winner, bond - burned);
    }
}
