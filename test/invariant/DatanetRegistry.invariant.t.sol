// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DatanetRegistry} from "src/DatanetRegistry.sol";
import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {DatanetHandler} from "test/invariant/handlers/DatanetHandler.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

contract DatanetRegistry_Invariant_Test is BaseTest {
    DatanetHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory actors = new address[](4);
        (actors[0], actors[1], actors[2], actors[3]) = (alice, bob, carol, makeAddr("dave"));
        handler = new DatanetHandler(datanets, actors);

        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = DatanetHandler.createDatanet.selector;
        selectors[1] = DatanetHandler.setCurator.selector;
        selectors[2] = DatanetHandler.transferDatanetOwnership.selector;
        selectors[3] = DatanetHandler.contribute.selector;
        selectors[4] = DatanetHandler.approveContribution.selector;
        selectors[5] = DatanetHandler.rejectContribution.selector;
        selectors[6] = DatanetHandler.withdrawContribution.selector;
        selectors[7] = DatanetHandler.warp.selector;
        selectors[8] = DatanetHandler.randomApprove.selector;
        selectors[9] = DatanetHandler.randomWithdraw.selector;
        selectors[10] = DatanetHandler.randomSetCurator.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @custom:invariant A datanet's version equals the number of approvals plus withdrawals it has seen, so it
    ///                   never decreases and changes exactly when its approved set changes.
    function invariant_versionCountsApprovedSetChanges() public view {
        uint256 count = datanets.datanetCount();
        for (uint256 d = 1; d <= count; d++) {
            assertEq(datanets.getDatanet(d).version, handler.ghostVersion(d), "version");
            assertEq(datanets.getDatanet(d).approvedCount, handler.ghostApproved(d), "approvedCount");
        }
    }

    /// @custom:invariant A contribution's timestamps are exactly those of the events that set them: once set they
    ///                   never change, and nothing else sets them.
    function invariant_contributionTimestampsNeverChange() public view {
        uint256 count = datanets.contributionCount();
        for (uint256 c = 1; c <= count; c++) {
            IDatanetRegistry.Contribution memory x = datanets.getContribution(c);
            assertEq(x.submittedAt, handler.ghostSubmittedAt(c), "submittedAt");
            assertEq(x.approvedAt, handler.ghostApprovedAt(c), "approvedAt");
            assertEq(x.rejectedAt, handler.ghostRejectedAt(c), "rejectedAt");
            assertEq(x.withdrawnAt, handler.ghostWithdrawnAt(c), "withdrawnAt");
        }
    }

    /// @custom:invariant A contribution's status agrees with its timestamps, and σ's view agrees with the getter.
    function invariant_statusMatchesTimestamps() public view {
        uint256 count = datanets.contributionCount();
        uint256 datanetCount = datanets.datanetCount();
        uint256[] memory approvedPerDatanet = new uint256[](datanetCount + 1);
        for (uint256 c = 1; c <= count; c++) {
            IDatanetRegistry.Contribution memory x = datanets.getContribution(c);
            IDatanetRegistry.Status expected = x.withdrawnAt != 0
                ? IDatanetRegistry.Status.Withdrawn
                : x.approvedAt != 0
                    ? IDatanetRegistry.Status.Approved
                    : x.rejectedAt != 0 ? IDatanetRegistry.Status.Rejected : IDatanetRegistry.Status.Pending;
            assertEq(uint8(x.status), uint8(expected), "status");
            assertTrue(x.approvedAt == 0 || x.rejectedAt == 0, "approved and rejected");
            assertTrue(x.withdrawnAt == 0 || (x.approvedAt != 0 && x.approvedAt <= x.withdrawnAt), "withdrawn early");
            assertGe(x.approvedAt == 0 ? type(uint64).max : x.approvedAt, x.submittedAt, "approved before submitted");
            if (x.status == IDatanetRegistry.Status.Approved) approvedPerDatanet[x.datanetId]++;

            (address contributor, uint256 datanetId, uint64 approvedAt, uint64 withdrawnAt) =
                datanets.contributionForAttribution(c);
            assertEq(contributor, x.contributor);
            assertEq(datanetId, x.datanetId);
            assertEq(approvedAt, x.approvedAt);
            assertEq(withdrawnAt, x.withdrawnAt);
        }
        for (uint256 d = 1; d <= datanetCount; d++) {
            assertEq(datanets.getDatanet(d).approvedCount, approvedPerDatanet[d], "approvedCount vs statuses");
        }
    }

    /// @custom:invariant Every contribution belongs to an existing datanet and the per-datanet counts add up to
    ///                   the global count.
    function invariant_contributionCountsAddUp() public view {
        uint256 datanetCount = datanets.datanetCount();
        uint256 sum;
        for (uint256 d = 1; d <= datanetCount; d++) {
            sum += datanets.getDatanet(d).contributionCount;
        }
        assertEq(sum, datanets.contributionCount());
    }
}
