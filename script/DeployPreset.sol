// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Sigma} from "src/libraries/Sigma.sol";

/// @notice Every protocol parameter of a deployment, read from a preset file (script/presets/<name>.json,
///         described in docs/deploy-opstack.md §2) and checked by `DeployPresets.validate` before anything
///         is broadcast.
/// @param name The preset's name (written to the deployment file).
/// @param salt CREATE2 salt of every contract (same salt + preset + treasury ⇒ same addresses on every chain).
/// @param minStake `ModelRegistry.MIN_STAKE`.
/// @param unstakeDelay `ModelRegistry.UNSTAKE_DELAY`, seconds.
/// @param challengeWindow `AttributionLedger.CHALLENGE_WINDOW`, seconds.
/// @param maxReferenceLag `AttributionLedger.MAX_REFERENCE_LAG`, seconds.
/// @param unbondDelay `AttributionLedger.UNBOND_DELAY`, seconds.
/// @param claimBond `AttributionLedger.CLAIM_BOND`.
/// @param maxEntries `AttributionLedger.MAX_ENTRIES` (K).
/// @param ledgerBurnBps `AttributionLedger.BURN_BPS` (share of a slashed claim bond that is burned).
/// @param escrowNotice `PaymentEscrow.NOTICE_PERIOD`, seconds.
/// @param maxClockDuration `DisputeGame.MAX_CLOCK_DURATION`, seconds.
/// @param clockExtension `DisputeGame.CLOCK_EXTENSION`, seconds.
/// @param challengeBond `DisputeGame.CHALLENGE_BOND`.
/// @param gameBurnBps `DisputeGame.BURN_BPS` (share of a losing challenger's bond that is burned).
/// @param gasPriceWei Validation only: the all-in price of one unit of L2 gas the bonds must withstand.
/// @param gameGas Validation only: gas one side spends on a whole game (moves + step, docs/benchmarks-dispute.md).
/// @param openPerEth Validation only: OPEN base units worth 1 ETH (1e18 wei).
struct DeployPreset {
    string name;
    bytes32 salt;
    uint256 minStake;
    uint64 unstakeDelay;
    uint64 challengeWindow;
    uint64 maxReferenceLag;
    uint64 unbondDelay;
    uint128 claimBond;
    uint256 maxEntries;
    uint16 ledgerBurnBps;
    uint64 escrowNotice;
    uint64 maxClockDuration;
    uint64 clockExtension;
    uint96 challengeBond;
    uint16 gameBurnBps;
    uint256 gasPriceWei;
    uint256 gameGas;
    uint256 openPerEth;
}

/// @title DeployPresets
/// @notice Reads a preset file and refuses inconsistent parameters (docs/deploy-opstack.md §2 gives the reasons).
library DeployPresets {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice The smallest gas a preset may state for one side of a whole game (a 1,000-transaction game on the
    ///         real ledger plus a K = 8 step is about 1.2M gas, docs/benchmarks-dispute.md).
    uint256 internal constant MIN_GAME_GAS = 1_000_000;
    /// @notice The shortest challenge window a preset may state: an honest challenger must see the claim, replay
    ///         σ and land a transaction.
    uint64 internal constant MIN_CHALLENGE_WINDOW = 60;

    /// @notice Thrown when a preset breaks a rule; `rule` names it (docs/deploy-opstack.md §2).
    error DeployPresets_Invalid(string rule);
    /// @notice Thrown when a value does not fit its field.
    error DeployPresets_OutOfRange(string key);

    /// @notice Parses a preset file's text.
    function parse(string memory _json) internal pure returns (DeployPreset memory p_) {
        p_.name = VM.parseJsonString(_json, ".name");
        p_.salt = VM.parseJsonBytes32(_json, ".salt");
        p_.minStake = VM.parseJsonUint(_json, ".modelRegistry.minStake");
        p_.unstakeDelay = _u64(_json, ".modelRegistry.unstakeDelay");
        p_.challengeWindow = _u64(_json, ".ledger.challengeWindow");
        p_.maxReferenceLag = _u64(_json, ".ledger.maxReferenceLag");
        p_.unbondDelay = _u64(_json, ".ledger.unbondDelay");
        uint256 claimBond = VM.parseJsonUint(_json, ".ledger.claimBond");
        if (claimBond > type(uint128).max) revert DeployPresets_OutOfRange(".ledger.claimBond");
        // forge-lint: disable-next-line(unsafe-typecast)
        p_.claimBond = uint128(claimBond);
        p_.maxEntries = VM.parseJsonUint(_json, ".ledger.maxEntries");
        p_.ledgerBurnBps = _u16(_json, ".ledger.burnBps");
        p_.escrowNotice = _u64(_json, ".escrow.withdrawalNotice");
        p_.maxClockDuration = _u64(_json, ".dispute.maxClockDuration");
        p_.clockExtension = _u64(_json, ".dispute.clockExtension");
        uint256 challengeBond = VM.parseJsonUint(_json, ".dispute.challengeBond");
        if (challengeBond > type(uint96).max) revert DeployPresets_OutOfRange(".dispute.challengeBond");
        // forge-lint: disable-next-line(unsafe-typecast)
        p_.challengeBond = uint96(challengeBond);
        p_.gameBurnBps = _u16(_json, ".dispute.burnBps");
        p_.gasPriceWei = VM.parseJsonUint(_json, ".economics.gasPriceWei");
        p_.gameGas = VM.parseJsonUint(_json, ".economics.gameGas");
        p_.openPerEth = VM.parseJsonUint(_json, ".economics.openPerEth");
    }

    /// @notice Reverts with `DeployPresets_Invalid(rule)` at the first rule `_p` breaks.
    function validate(DeployPreset memory _p) internal pure {
        _require(bytes(_p.name).length > 0, "name: not empty");
        _require(_p.maxEntries >= 1 && _p.maxEntries <= Sigma.MAX_ENTRIES_LIMIT, "ledger.maxEntries: 1 <= K <= 32");
        _require(_p.ledgerBurnBps <= 10_000, "ledger.burnBps: <= 10000");
        _require(_p.gameBurnBps <= 10_000, "dispute.burnBps: <= 10000");
        _require(_p.minStake > 0, "modelRegistry.minStake: > 0");
        _require(_p.unstakeDelay > 0, "modelRegistry.unstakeDelay: > 0");
        _require(_p.challengeWindow >= MIN_CHALLENGE_WINDOW, "ledger.challengeWindow: >= 60 s");
        _require(_p.maxReferenceLag > 0, "ledger.maxReferenceLag: > 0");
        _require(_p.maxReferenceLag <= _p.challengeWindow, "ledger.maxReferenceLag: <= challengeWindow");
        _require(_p.unbondDelay > _p.challengeWindow, "ledger.unbondDelay: > challengeWindow");
        _require(_p.escrowNotice > _p.maxReferenceLag, "escrow.withdrawalNotice: > maxReferenceLag");
        _require(_p.maxClockDuration > 0, "dispute.maxClockDuration: > 0");
        _require(_p.clockExtension < _p.maxClockDuration, "dispute.clockExtension: < maxClockDuration");
        _require(_p.challengeWindow > _p.clockExtension, "ledger.challengeWindow: > dispute.clockExtension");
        _require(_p.gasPriceWei > 0, "economics.gasPriceWei: > 0");
        _require(_p.gameGas >= MIN_GAME_GAS, "economics.gameGas: >= 1000000");
        _require(_p.openPerEth > 0, "economics.openPerEth: > 0");
        uint256 gameCost = gameCostInOpen(_p);
        _require(
            uint256(_p.claimBond) * (10_000 - _p.ledgerBurnBps) / 10_000 > gameCost,
            "ledger.claimBond: unburned share > gas cost of a game"
        );
        _require(
            uint256(_p.challengeBond) * (10_000 - _p.gameBurnBps) / 10_000 > gameCost,
            "dispute.challengeBond: unburned share > gas cost of a game"
        );
    }

    /// @notice What one side's gas for a whole game costs, in OPEN base units, at the preset's gas price.
    function gameCostInOpen(DeployPreset memory _p) internal pure returns (uint256 cost_) {
        cost_ = _p.gameGas * _p.gasPriceWei * _p.openPerEth / 1e18;
    }

    function _require(bool _ok, string memory _rule) private pure {
        if (!_ok) revert DeployPresets_Invalid(_rule);
    }

    function _u64(string memory _json, string memory _key) private pure returns (uint64 v_) {
        uint256 v = VM.parseJsonUint(_json, _key);
        if (v > type(uint64).max) revert DeployPresets_OutOfRange(_key);
        // forge-lint: disable-next-line(unsafe-typecast)
        v_ = uint64(v);
    }

    function _u16(string memory _json, string memory _key) private pure returns (uint16 v_) {
        uint256 v = VM.parseJsonUint(_json, _key);
        if (v > type(uint16).max) revert DeployPresets_OutOfRange(_key);
        // forge-lint: disable-next-line(unsafe-typecast)
        v_ = uint16(v);
    }
}
