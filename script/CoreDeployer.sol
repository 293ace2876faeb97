// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AttributionLedger} from "src/AttributionLedger.sol";
import {DisputeGame} from "src/DisputeGame.sol";
import {PaymentEscrow} from "src/PaymentEscrow.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {IOneStepVerifier} from "src/interfaces/IOneStepVerifier.sol";

/// @title CoreDeployer
/// @notice Deploys PaymentEscrow, AttributionLedger and DisputeGame and wires them to each other, all in its
///         constructor: one transaction, so no block ever holds a ledger without its dispute game (issue 12
///         item 7). The ledger's `DEPLOYER` is this contract, and it has no function left that could call
///         `setDisputeGame` again. script/Deploy.s.sol creates it through the deterministic CREATE2 deployer,
///         so its address, and the CREATE addresses of the three contracts it makes, are the same on every
///         chain for the same preset, salt and treasury.
contract CoreDeployer {
    /// @notice The DisputeGame's constructor values besides the token and the ledger.
    /// @param verifier The OneStepVerifier.
    /// @param maxClockDuration Chess clock per side, seconds.
    /// @param clockExtension Clock extension, seconds.
    /// @param challengeBond A challenger's bond.
    /// @param burnBps Share of a losing challenger's bond that is burned.
    struct GameParams {
        address verifier;
        uint64 maxClockDuration;
        uint64 clockExtension;
        uint96 challengeBond;
        uint16 burnBps;
    }

    /// @notice The escrow (this contract's CREATE number 1).
    PaymentEscrow public immutable ESCROW;
    /// @notice The ledger (CREATE number 2).
    AttributionLedger public immutable LEDGER;
    /// @notice The dispute game (CREATE number 3), set in the ledger before this transaction ends.
    DisputeGame public immutable GAME;

    /// @notice The account that sent the deployment transaction: the only one that may name the evidence game, once
    ///         (`setEvidenceGame`). The evidence game is too large to be made here with the others (EIP-3860), and
    ///         its address depends on the ledger's, so it is deployed right after and named in the next transaction.
    address public immutable EVIDENCE_WIRER;

    /// @notice Thrown when someone other than EVIDENCE_WIRER names the evidence game.
    error CoreDeployer_NotEvidenceWirer(address caller);

    /// @notice Emitted when the evidence game is named in the ledger.
    /// @param game The EvidenceGame.
    event EvidenceGameWired(address game);

    /// @notice Emitted once, when the three contracts exist and are wired.
    /// @param escrow The PaymentEscrow.
    /// @param ledger The AttributionLedger.
    /// @param game The DisputeGame.
    event CoreDeployed(address escrow, address ledger, address game);

    /// @param _ledger The ledger's parameters; `escrow` is ignored (the escrow made here is used).
    /// @param _escrowNotice The escrow's withdrawal notice period, seconds.
    /// @param _game The game's parameters.
    constructor(IAttributionLedger.Params memory _ledger, uint64 _escrowNotice, GameParams memory _game) {
        // A contract's nonce starts at 1 (EIP-161): the escrow is CREATE number 1, the ledger number 2. The
        // ledger's constructor checks that the escrow names it, so a wrong prediction cannot go unnoticed.
        PaymentEscrow escrow = new PaymentEscrow(IERC20(_ledger.token), _createAddress(2), _escrowNotice);
        _ledger.escrow = address(escrow);
        AttributionLedger ledger = new AttributionLedger(_ledger);
        DisputeGame game = new DisputeGame(
            IERC20(_ledger.token),
            ledger,
            IOneStepVerifier(_game.verifier),
            _game.maxClockDuration,
            _game.clockExtension,
            _game.challengeBond,
            _game.burnBps
        );
        ledger.setDisputeGame(address(game));
        ESCROW = escrow;
        LEDGER = ledger;
        GAME = game;
        // forge-lint: disable-next-line(tx-origin) the deployment's sender, not an authorization of this call
        EVIDENCE_WIRER = tx.origin;
        emit CoreDeployed(address(escrow), address(ledger), address(game));
    }

    /// @notice Names the evidence game in the ledger (docs/evidence-game.md §3.5); the ledger accepts it once.
    /// @param _game The EvidenceGame.
    function setEvidenceGame(address _game) external {
        if (msg.sender != EVIDENCE_WIRER) revert CoreDeployer_NotEvidenceWirer(msg.sender);
        emit EvidenceGameWired(_game);
        LEDGER.setEvidenceGame(_game);
    }

    /// @dev The address of this contract's CREATE with nonce `_nonce` (< 0x80): keccak256(rlp([this, nonce])).
    function _createAddress(uint8 _nonce) internal view returns (address addr_) {
        addr_ = address(uint160(uint256(keccak256(abi.encodePacked(bytes2(0xd694), address(this), _nonce)))));
    }
}
