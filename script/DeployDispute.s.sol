// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DisputePresets
/// @notice Dispute-game parameters per chain kind (docs/dispute-game.md §6), for the dispute benchmarks. The
///         deployment reads script/presets/<name>.json; test/Deploy.t.sol checks that the two agree.
///
/// | preset   | clock per side | extension | challenge bond | burned |
/// |----------|----------------|-----------|----------------|--------|
/// | local    | 5 min          | 30 s      | 10 OPEN        | 20 %   |
/// | testnet  | 6 h            | 30 min    | 100 OPEN       | 20 %   |
/// | mainnet  | 3.5 days       | 3 h       | 1,000 OPEN     | 20 %   |
///
/// Challenge bonds are a tenth of the ledger presets' claim bonds (script/presets/*.json): enough
/// that forcing a claimant through ~2·log2|T| answers costs the challenger far more than the claimant.
library DisputePresets {
    /// @notice The constructor values of `DisputeGame` besides its addresses.
    struct Params {
        string name;
        uint64 maxClockDuration;
        uint64 clockExtension;
        uint96 challengeBond;
        uint16 burnBps;
    }

    error DisputePresets_Unknown(string name);

    function local() internal pure returns (Params memory p_) {
        p_ = Params("local", 5 minutes, 30 seconds, 10e18, 2000);
    }

    function testnet() internal pure returns (Params memory p_) {
        p_ = Params("testnet", 6 hours, 30 minutes, 100e18, 2000);
    }

    /// @dev The clock matches Optimism's FaultDisputeGame (3.5 days per side, 3 h extension).
    function mainnet() internal pure returns (Params memory p_) {
        p_ = Params("mainnet", 3.5 days, 3 hours, 1000e18, 2000);
    }

    function byName(string memory _name) internal pure returns (Params memory p_) {
        bytes32 h = keccak256(bytes(_name));
        if (h == keccak256("local")) return local();
        if (h == keccak256("testnet")) return testnet();
        if (h == keccak256("mainnet")) return mainnet();
        revert DisputePresets_Unknown(_name);
    }
}
