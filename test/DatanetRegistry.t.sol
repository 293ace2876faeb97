// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDatanetRegistry} from "src/interfaces/IDatanetRegistry.sol";
import {BaseTest} from "test/utils/BaseTest.sol";

contract DatanetRegistry_CreateDatanet_Test is BaseTest {
    function test_createDatanet_storesOwnerAndCurator_succeeds() public {
        vm.expectEmit(true, true, false, true, address(datanets));
        emit IDatanetRegistry.DatanetCreated(1, alice, "ipfs://a");
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.CuratorChanged(1, address(0), alice);
        vm.prank(alice);
        uint256 id = datanets.createDatanet("ipfs://a");

        assertEq(id, 1);
        IDatanetRegistry.Datanet memory d = datanets.getDatanet(id);
        assertEq(d.owner, alice);
        assertEq(d.curator, alice);
        assertEq(d.createdAt, START_TIME);
        assertEq(d.version, 0);
        assertEq(d.contributionCount, 0);
        assertEq(d.approvedCount, 0);
        assertEq(d.metadataURI, "ipfs://a");
        assertEq(datanets.datanetCount(), 1);
        assertTrue(datanets.datanetExists(1));
        assertFalse(datanets.datanetExists(2));
        assertFalse(datanets.datanetExists(0));
    }

    function testFuzz_createDatanet_idsSequential_succeeds(uint8 _n, string calldata _uri) public {
        uint256 n = bound(_n, 1, 20);
        for (uint256 i = 1; i <= n; i++) {
            vm.prank(i % 2 == 0 ? alice : bob);
            assertEq(datanets.createDatanet(_uri), i);
        }
        assertEq(datanets.datanetCount(), n);
        assertEq(datanets.getDatanet(n).metadataURI, _uri);
    }
}

contract DatanetRegistry_SetCurator_Test is BaseTest {
    uint256 internal datanetId;

    function setUp() public override {
        super.setUp();
        datanetId = _createDatanet(alice);
    }

    function testFuzz_setCurator_handsOverApproval_succeeds(address _curator) public {
        vm.assume(_curator != address(0) && _curator != alice);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.CuratorChanged(datanetId, alice, _curator);
        vm.prank(alice);
        datanets.setCurator(datanetId, _curator);
        assertEq(datanets.getDatanet(datanetId).curator, _curator);
        assertEq(datanets.getDatanet(datanetId).owner, alice);

        uint256 c = _contribute(bob, datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotCurator.selector, datanetId, alice));
        vm.prank(alice);
        datanets.approveContribution(c);
        vm.prank(_curator);
        datanets.approveContribution(c);
    }

    function test_setCurator_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotOwner.selector, datanetId, bob));
        vm.prank(bob);
        datanets.setCurator(datanetId, bob);
    }

    function test_setCurator_curatorNotOwner_reverts() public {
        vm.prank(alice);
        datanets.setCurator(datanetId, bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotOwner.selector, datanetId, bob));
        vm.prank(bob);
        datanets.setCurator(datanetId, carol);
    }

    function test_setCurator_zeroAddress_reverts() public {
        vm.expectRevert(IDatanetRegistry.DatanetRegistry_ZeroAddress.selector);
        vm.prank(alice);
        datanets.setCurator(datanetId, address(0));
    }

    function test_setCurator_unknownDatanet_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownDatanet.selector, 2));
        vm.prank(alice);
        datanets.setCurator(2, bob);
    }
}

contract DatanetRegistry_TransferDatanetOwnership_Test is BaseTest {
    uint256 internal datanetId;

    function setUp() public override {
        super.setUp();
        datanetId = _createDatanet(alice);
    }

    function testFuzz_transferDatanetOwnership_movesOwnerKeepsCurator_succeeds(address _owner) public {
        vm.assume(_owner != address(0) && _owner != alice);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.DatanetOwnershipTransferred(datanetId, alice, _owner);
        vm.prank(alice);
        datanets.transferDatanetOwnership(datanetId, _owner);
        assertEq(datanets.getDatanet(datanetId).owner, _owner);
        assertEq(datanets.getDatanet(datanetId).curator, alice);

        vm.prank(_owner);
        datanets.setCurator(datanetId, carol);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotOwner.selector, datanetId, alice));
        vm.prank(alice);
        datanets.setCurator(datanetId, alice);
    }

    function test_transferDatanetOwnership_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotOwner.selector, datanetId, bob));
        vm.prank(bob);
        datanets.transferDatanetOwnership(datanetId, bob);
    }

    function test_transferDatanetOwnership_zeroAddress_reverts() public {
        vm.expectRevert(IDatanetRegistry.DatanetRegistry_ZeroAddress.selector);
        vm.prank(alice);
        datanets.transferDatanetOwnership(datanetId, address(0));
    }

    function test_transferDatanetOwnership_unknownDatanet_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownDatanet.selector, 0));
        vm.prank(alice);
        datanets.transferDatanetOwnership(0, bob);
    }
}

contract DatanetRegistry_Contribute_Test is BaseTest {
    uint256 internal datanetId;

    function setUp() public override {
        super.setUp();
        datanetId = _createDatanet(alice);
    }

    function testFuzz_contribute_storesPending_succeeds(bytes32 _root, uint64 _length, string calldata _uri) public {
        vm.assume(_root != bytes32(0));
        _length = uint64(bound(_length, 1, type(uint64).max));
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.ContributionAdded(1, datanetId, bob, _root, _length, _uri);
        vm.prank(bob);
        uint256 id = datanets.contribute(datanetId, _root, _length, _uri);

        assertEq(id, 1);
        IDatanetRegistry.Contribution memory c = datanets.getContribution(id);
        assertEq(c.contributor, bob);
        assertEq(c.datanetId, datanetId);
        assertEq(c.contentRoot, _root);
        assertEq(c.byteLength, _length);
        assertEq(c.metadataURI, _uri);
        assertEq(uint8(c.status), uint8(IDatanetRegistry.Status.Pending));
        assertEq(c.submittedAt, START_TIME);
        assertEq(c.approvedAt, 0);
        assertEq(c.rejectedAt, 0);
        assertEq(c.withdrawnAt, 0);
        assertEq(datanets.contributionCount(), 1);
        assertEq(datanets.getDatanet(datanetId).contributionCount, 1);
        assertEq(datanets.getDatanet(datanetId).version, 0, "pending does not change the approved set");

        (address contributor, uint256 dn, uint64 approvedAt, uint64 withdrawnAt) =
            datanets.contributionForAttribution(id);
        assertEq(contributor, bob);
        assertEq(dn, datanetId);
        assertEq(approvedAt, 0);
        assertEq(withdrawnAt, 0);
    }

    function test_contribute_idsSequentialAcrossDatanets_succeeds() public {
        uint256 other = _createDatanet(bob);
        assertEq(_contribute(carol, datanetId), 1);
        assertEq(_contribute(carol, other), 2);
        assertEq(_contribute(bob, datanetId), 3);
        assertEq(datanets.getDatanet(datanetId).contributionCount, 2);
        assertEq(datanets.getDatanet(other).contributionCount, 1);
        assertEq(datanets.getContribution(2).datanetId, other);
    }

    function testFuzz_contribute_unknownDatanet_reverts(uint256 _datanetId) public {
        vm.assume(_datanetId != datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownDatanet.selector, _datanetId));
        vm.prank(bob);
        datanets.contribute(_datanetId, CONTENT_ROOT, 1, "");
    }

    function test_contribute_zeroLength_reverts() public {
        vm.expectRevert(IDatanetRegistry.DatanetRegistry_ZeroLength.selector);
        vm.prank(bob);
        datanets.contribute(datanetId, CONTENT_ROOT, 0, "");
    }

    function test_contribute_zeroRoot_reverts() public {
        vm.expectRevert(IDatanetRegistry.DatanetRegistry_ZeroContentRoot.selector);
        vm.prank(bob);
        datanets.contribute(datanetId, bytes32(0), 1, "");
    }
}

contract DatanetRegistry_ApproveContribution_Test is BaseTest {
    uint256 internal datanetId;
    uint256 internal contributionId;

    function setUp() public override {
        super.setUp();
        datanetId = _createDatanet(alice);
        contributionId = _contribute(bob, datanetId);
    }

    function testFuzz_approveContribution_recordsTimeAndBumpsVersion_succeeds(uint32 _delay) public {
        vm.warp(START_TIME + _delay);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.ContributionApproved(contributionId, datanetId, alice, 1);
        vm.prank(alice);
        datanets.approveContribution(contributionId);

        IDatanetRegistry.Contribution memory c = datanets.getContribution(contributionId);
        assertEq(uint8(c.status), uint8(IDatanetRegistry.Status.Approved));
        assertEq(c.approvedAt, START_TIME + _delay);
        assertEq(c.submittedAt, START_TIME);
        IDatanetRegistry.Datanet memory d = datanets.getDatanet(datanetId);
        assertEq(d.version, 1);
        assertEq(d.approvedCount, 1);
        (,, uint64 approvedAt,) = datanets.contributionForAttribution(contributionId);
        assertEq(approvedAt, START_TIME + _delay);
    }

    function test_approveContribution_versionCountsApprovals_succeeds() public {
        uint256 second = _contribute(carol, datanetId);
        vm.startPrank(alice);
        datanets.approveContribution(second);
        datanets.approveContribution(contributionId);
        vm.stopPrank();
        assertEq(datanets.getDatanet(datanetId).version, 2);
        assertEq(datanets.getDatanet(datanetId).approvedCount, 2);
    }

    function test_approveContribution_notCurator_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotCurator.selector, datanetId, bob));
        vm.prank(bob);
        datanets.approveContribution(contributionId);
    }

    function test_approveContribution_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownContribution.selector, 2));
        vm.prank(alice);
        datanets.approveContribution(2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownContribution.selector, 0));
        vm.prank(alice);
        datanets.approveContribution(0);
    }

    function test_approveContribution_alreadyApproved_reverts() public {
        vm.startPrank(alice);
        datanets.approveContribution(contributionId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotPending.selector, contributionId, IDatanetRegistry.Status.Approved
            )
        );
        datanets.approveContribution(contributionId);
        vm.stopPrank();
    }

    function test_approveContribution_rejected_reverts() public {
        vm.startPrank(alice);
        datanets.rejectContribution(contributionId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotPending.selector, contributionId, IDatanetRegistry.Status.Rejected
            )
        );
        datanets.approveContribution(contributionId);
        vm.stopPrank();
    }

    function test_approveContribution_withdrawn_reverts() public {
        vm.prank(alice);
        datanets.approveContribution(contributionId);
        vm.prank(bob);
        datanets.withdrawContribution(contributionId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotPending.selector, contributionId, IDatanetRegistry.Status.Withdrawn
            )
        );
        vm.prank(alice);
        datanets.approveContribution(contributionId);
    }
}

contract DatanetRegistry_RejectContribution_Test is BaseTest {
    uint256 internal datanetId;
    uint256 internal contributionId;

    function setUp() public override {
        super.setUp();
        datanetId = _createDatanet(alice);
        contributionId = _contribute(bob, datanetId);
    }

    function testFuzz_rejectContribution_recordsTimeKeepsVersion_succeeds(uint32 _delay) public {
        vm.warp(START_TIME + _delay);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.ContributionRejected(contributionId, datanetId, alice);
        vm.prank(alice);
        datanets.rejectContribution(contributionId);

        IDatanetRegistry.Contribution memory c = datanets.getContribution(contributionId);
        assertEq(uint8(c.status), uint8(IDatanetRegistry.Status.Rejected));
        assertEq(c.rejectedAt, START_TIME + _delay);
        assertEq(c.approvedAt, 0);
        assertEq(datanets.getDatanet(datanetId).version, 0);
        assertEq(datanets.getDatanet(datanetId).approvedCount, 0);
    }

    function test_rejectContribution_notCurator_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotCurator.selector, datanetId, bob));
        vm.prank(bob);
        datanets.rejectContribution(contributionId);
    }

    function test_rejectContribution_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownContribution.selector, 9));
        vm.prank(alice);
        datanets.rejectContribution(9);
    }

    function test_rejectContribution_approved_reverts() public {
        vm.startPrank(alice);
        datanets.approveContribution(contributionId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotPending.selector, contributionId, IDatanetRegistry.Status.Approved
            )
        );
        datanets.rejectContribution(contributionId);
        vm.stopPrank();
    }

    function test_rejectContribution_twice_reverts() public {
        vm.startPrank(alice);
        datanets.rejectContribution(contributionId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotPending.selector, contributionId, IDatanetRegistry.Status.Rejected
            )
        );
        datanets.rejectContribution(contributionId);
        vm.stopPrank();
    }
}

contract DatanetRegistry_WithdrawContribution_Test is BaseTest {
    uint256 internal datanetId;
    uint256 internal contributionId;

    function setUp() public override {
        super.setUp();
        datanetId = _createDatanet(alice);
        contributionId = _approvedContribution(bob, datanetId);
    }

    function testFuzz_withdrawContribution_keepsApprovalTime_succeeds(uint32 _delay) public {
        vm.warp(START_TIME + _delay);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetRegistry.ContributionWithdrawn(contributionId, datanetId, bob, 2);
        vm.prank(bob);
        datanets.withdrawContribution(contributionId);

        IDatanetRegistry.Contribution memory c = datanets.getContribution(contributionId);
        assertEq(uint8(c.status), uint8(IDatanetRegistry.Status.Withdrawn));
        assertEq(c.approvedAt, START_TIME, "approval time is never erased");
        assertEq(c.withdrawnAt, START_TIME + _delay);
        assertEq(datanets.getDatanet(datanetId).version, 2);
        assertEq(datanets.getDatanet(datanetId).approvedCount, 0);
        (address contributor, uint256 dn, uint64 approvedAt, uint64 withdrawnAt) =
            datanets.contributionForAttribution(contributionId);
        assertEq(contributor, bob);
        assertEq(dn, datanetId);
        assertEq(approvedAt, START_TIME);
        assertEq(withdrawnAt, START_TIME + _delay);
    }

    function test_withdrawContribution_notContributor_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_NotContributor.selector, contributionId, alice)
        );
        vm.prank(alice);
        datanets.withdrawContribution(contributionId);
    }

    function test_withdrawContribution_pending_reverts() public {
        uint256 pending = _contribute(bob, datanetId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotApproved.selector, pending, IDatanetRegistry.Status.Pending
            )
        );
        vm.prank(bob);
        datanets.withdrawContribution(pending);
    }

    function test_withdrawContribution_rejected_reverts() public {
        uint256 rejected = _contribute(bob, datanetId);
        vm.prank(alice);
        datanets.rejectContribution(rejected);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotApproved.selector, rejected, IDatanetRegistry.Status.Rejected
            )
        );
        vm.prank(bob);
        datanets.withdrawContribution(rejected);
    }

    function test_withdrawContribution_twice_reverts() public {
        vm.startPrank(bob);
        datanets.withdrawContribution(contributionId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetRegistry_NotApproved.selector, contributionId, IDatanetRegistry.Status.Withdrawn
            )
        );
        datanets.withdrawContribution(contributionId);
        vm.stopPrank();
    }

    function test_withdrawContribution_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownContribution.selector, 5));
        vm.prank(bob);
        datanets.withdrawContribution(5);
    }
}

contract DatanetRegistry_Views_Test is BaseTest {
    function testFuzz_contributionForAttribution_unknownIsZero_succeeds(uint256 _id) public view {
        (address contributor, uint256 dn, uint64 approvedAt, uint64 withdrawnAt) =
            datanets.contributionForAttribution(_id);
        assertEq(contributor, address(0));
        assertEq(dn, 0);
        assertEq(approvedAt, 0);
        assertEq(withdrawnAt, 0);
    }

    function test_getDatanet_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownDatanet.selector, 1));
        datanets.getDatanet(1);
    }

    function test_getContribution_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRegistry_UnknownContribution.selector, 1));
        datanets.getContribution(1);
    }

    function test_counts_startAtZero_succeeds() public view {
        assertEq(datanets.datanetCount(), 0);
        assertEq(datanets.contributionCount(), 0);
    }
}
