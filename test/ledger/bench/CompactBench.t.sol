// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {console} from "forge-std/console.sol";
import {IAttributionLedger} from "src/interfaces/IAttributionLedger.sol";
import {State} from "src/libraries/Sigma.sol";
import {Debit} from "src/libraries/TxCodec.sol";
import {LedgerBaseTest} from "test/ledger/utils/LedgerBaseTest.sol";
import {NaiveSettlement} from "test/ledger/utils/NaiveSettlement.sol";

/// @notice postClaim gas per inference with receipt groups (0x04) vs Attributes (0x01), and the naive baseline A
///         (one tx of 12 transferFrom), in the same run, priced under cancun and under prague (EIP-7623: tx gas =
///         21000 + max(4·tokens + execution, 10·tokens), tokens = zero bytes + 4 · non-zero bytes of the calldata).
///         Execution is the callee's gas of the call (`vm.lastCallGas`; cold storage: every row is its own test after
///         a fresh setUp); calldata is the exact ABI encoding of the call. 8 entries per inference, one operator, one
///         attributor; payers either all distinct or 10 inferences each. Signatures are random 65-byte strings
///         (postClaim checks none; their bytes cost what real ones do).
///         Run: `LEDGER_BENCH=1 npx forge test --match-path test/ledger/bench/CompactBench.t.sol -vv`; prints
///         `BENCH|rules|kind|T|payers|tx gas|gas per inference|naive A|A ÷ ours|calldata bytes per inference`.
contract Ledger_CompactBench_Test is LedgerBaseTest {
    uint256 internal constant ENTRIES = 8;
    uint256 internal constant MAX_T = 1000;
    NaiveSettlement internal naive;
    address internal naivePayer = makeAddr("naivePayer");
    address[12] internal recipients;

    function _enabled() internal view returns (bool) {
        return vm.envOr("LEDGER_BENCH", false);
    }

    function setUp() public override {
        super.setUp();
        if (!_enabled()) return;
        _bond(attributor, CLAIM_BOND);
        for (uint256 i = 0; i < MAX_T; i++) {
            _deposit(_user(i), 1e18);
        }
        naive = new NaiveSettlement();
        token.mint(naivePayer, 1e24);
        vm.prank(naivePayer);
        token.approve(address(naive), type(uint256).max);
        for (uint256 i = 0; i < 12; i++) {
            recipients[i] = address(uint160(0xFEE0000 + i));
            token.mint(recipients[i], 1); // steady state: no zero-to-non-zero balance writes
        }
    }

    function _user(uint256 _i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("user", _i)))));
    }

    function _rand(uint256 _i, string memory _tag) internal pure returns (bytes32) {
        return keccak256(abi.encode(_tag, _i));
    }

    function _fee(uint256 _i) internal pure returns (uint96) {
        return uint96(1e15 + uint256(_rand(_i, "fee")) % 1e15);
    }

    /// @dev Entries: 8 ascending contribution ids below 2^20, weights summing to 10^6 (uneven).
    function _entries(uint256 _i, bool _wide) internal pure returns (bytes memory out_) {
        uint256 id = uint256(_rand(_i, "id")) % 1000;
        uint256 left = 1_000_000;
        for (uint256 j = 0; j < ENTRIES; j++) {
            id += 1 + uint256(_rand(_i * 64 + j, "step")) % 5000;
            uint256 w = j + 1 == ENTRIES ? left : 50_000 + uint256(_rand(_i * 64 + j, "w")) % 60_000;
            left -= w;
            out_ = _wide
                ? bytes.concat(out_, abi.encodePacked(uint64(id), uint32(w)))
                : bytes.concat(out_, abi.encodePacked(uint32(id), uint24(w)));
        }
    }

    function _payer(uint256 _i, bool _distinct) internal pure returns (uint256) {
        return _distinct ? _i : _i / 10;
    }

    function _sig(uint256 _i, string memory _tag) internal pure returns (bytes memory) {
        return abi.encodePacked(_rand(_i, _tag), _rand(_i + 1 << 128, _tag), uint8(27));
    }

    function _attribute(uint256 _i, bool _distinct) internal view returns (bytes memory out_) {
        out_ = abi.encodePacked(uint8(1), _user(_payer(_i, _distinct)), vm.addr(0x0BE2A7), attributor, uint64(1));
        out_ = bytes.concat(out_, _rand(_i, "request"), _rand(_i, "output"));
        out_ = bytes.concat(out_, abi.encodePacked(_fee(_i), _fee(_i), uint64(_i), uint64(2e9)));
        out_ = bytes.concat(out_, _sig(_i, "user"), _sig(_i, "operator"));
        out_ = bytes.concat(out_, abi.encodePacked(uint8(ENTRIES)), _entries(_i, true));
    }

    function _record(uint256 _i, bool _distinct) internal pure returns (bytes memory) {
        return bytes.concat(
            abi.encodePacked(_user(_payer(_i, _distinct)), uint64(1), _rand(_i, "io"), _fee(_i), uint64(_i)),
            abi.encodePacked(uint8(ENTRIES), _entries(_i, false))
        );
    }

    /// @dev Written into one buffer (growing it by concatenation would cost quadratic memory at |T| = 1000).
    function _batch(uint256 _t, bool _group, bool _distinct) internal view returns (bytes memory batch_) {
        batch_ = new bytes(_t * (304 + 12 * ENTRIES) + 108);
        uint256 at;
        if (_group) {
            at = _put(
                batch_,
                0,
                bytes.concat(abi.encodePacked(uint8(4), vm.addr(0x0BE2A7), attributor, uint16(_t)), _sig(0, "group"))
            );
        }
        for (uint256 i = 0; i < _t; i++) {
            at = _put(batch_, at, _group ? _record(i, _distinct) : _attribute(i, _distinct));
        }
        assembly ("memory-safe") {
            mstore(batch_, at)
        }
    }

    function _put(bytes memory _buf, uint256 _at, bytes memory _piece) internal pure returns (uint256 end_) {
        assembly ("memory-safe") {
            mcopy(add(add(_buf, 0x20), _at), add(_piece, 0x20), mload(_piece))
        }
        end_ = _at + _piece.length;
    }

    function _debitsOf(uint256 _t, bool _distinct) internal pure returns (Debit[] memory debits_) {
        uint256 payers = _distinct ? _t : (_t + 9) / 10;
        debits_ = new Debit[](payers);
        for (uint256 i = 0; i < _t; i++) {
            uint256 p = _payer(i, _distinct);
            debits_[p].payer = _user(p);
            debits_[p].amount += _fee(i);
        }
        // sorted by payer
        for (uint256 i = 1; i < payers; i++) {
            for (uint256 j = i; j > 0 && debits_[j - 1].payer > debits_[j].payer; j--) {
                (debits_[j - 1], debits_[j]) = (debits_[j], debits_[j - 1]);
            }
        }
    }

    function _tokens(bytes memory _calldata) internal pure returns (uint256 tokens_) {
        for (uint256 i = 0; i < _calldata.length; i++) {
            tokens_ += _calldata[i] == 0 ? 1 : 4;
        }
    }

    function _txGas(bytes memory _calldata, uint256 _execution, bool _prague) internal pure returns (uint256) {
        uint256 tokens = _tokens(_calldata);
        uint256 standard = 4 * tokens + _execution;
        return 21_000 + (_prague && 10 * tokens > standard ? 10 * tokens : standard);
    }

    function _naive(bool _prague) internal returns (uint256 gas_) {
        address[] memory to = new address[](12);
        uint256[] memory amounts = new uint256[](12);
        for (uint256 i = 0; i < 12; i++) {
            to[i] = recipients[i];
            amounts[i] = 1e14 + i;
        }
        bytes memory data = abi.encodeCall(NaiveSettlement.settle, (IERC20(address(token)), naivePayer, to, amounts));
        naive.settle(IERC20(address(token)), naivePayer, to, amounts);
        gas_ = _txGas(data, vm.lastCallGas().gasTotalUsed, _prague);
    }

    /// @dev Posts the claim of `_t` inferences; returns its calldata, its execution gas and its payer count.
    function _measure(uint256 _t, bool _group, bool _distinct)
        internal
        returns (bytes memory data_, uint256 execution_, uint256 payers_)
    {
        bytes memory batch = _batch(_t, _group, _distinct);
        Debit[] memory debits = _debitsOf(_t, _distinct);
        State memory s = State(keccak256("s'"), _pot(debits), 0, _t + debits.length);
        data_ = abi.encodeCall(IAttributionLedger.postClaim, (0, batch, s, uint64(block.timestamp - 1), debits));
        payers_ = debits.length;
        execution_ = _postMeasured(batch, s, debits);
    }

    function _pot(Debit[] memory _debits) internal pure returns (uint256 pot_) {
        for (uint256 i = 0; i < _debits.length; i++) {
            pot_ += _debits[i].amount;
        }
    }

    function _postMeasured(bytes memory _batch, State memory _s, Debit[] memory _debits)
        internal
        returns (uint256 execution_)
    {
        uint64 t = uint64(block.timestamp - 1);
        vm.prank(attributor);
        ledger.postClaim(0, _batch, _s, t, _debits);
        // The callee's gas (the test contract's own memory, large after building the batch, is not the ledger's).
        execution_ = vm.lastCallGas().gasTotalUsed;
    }

    function _row(uint256 _t, bool _group, bool _distinct) internal {
        if (!_enabled()) return;
        (bytes memory data, uint256 execution, uint256 payers) = _measure(_t, _group, _distinct);
        uint256 naiveA = _naive(true);
        string memory head =
            string.concat(_group ? "0x04 group|" : "0x01 attribute|", vm.toString(_t), "|", vm.toString(payers), "|");
        string memory tail =
            string.concat(vm.toString(data.length / _t), "|exec/inference ", vm.toString(execution / _t));
        console.log(_line("cancun|", head, _txGas(data, execution, false), _t, naiveA, tail));
        console.log(_line("prague|", head, _txGas(data, execution, true), _t, naiveA, tail));
    }

    function _line(
        string memory _rules,
        string memory _head,
        uint256 _gas,
        uint256 _t,
        uint256 _naiveA,
        string memory _tail
    ) internal pure returns (string memory line_) {
        line_ = string.concat("BENCH|", _rules, _head, vm.toString(_gas), "|", vm.toString(_gas / _t), "|");
        line_ = string.concat(line_, vm.toString(_naiveA), "|", _ratio(_naiveA, _gas / _t), "|", _tail);
    }

    function _ratio(uint256 _a, uint256 _b) internal pure returns (string memory) {
        uint256 tenths = _a * 10 / _b;
        return string.concat(vm.toString(tenths / 10), ".", vm.toString(tenths % 10), "x");
    }

    function test_bench_group_distinct_1() public {
        _row(1, true, true);
    }

    function test_bench_group_distinct_10() public {
        _row(10, true, true);
    }

    function test_bench_group_distinct_100() public {
        _row(100, true, true);
    }

    function test_bench_group_distinct_1000() public {
        _row(1000, true, true);
    }

    function test_bench_group_tenPerUser_10() public {
        _row(10, true, false);
    }

    function test_bench_group_tenPerUser_100() public {
        _row(100, true, false);
    }

    function test_bench_group_tenPerUser_1000() public {
        _row(1000, true, false);
    }

    function test_bench_attribute_distinct_1() public {
        _row(1, false, true);
    }

    function test_bench_attribute_distinct_10() public {
        _row(10, false, true);
    }

    function test_bench_attribute_distinct_100() public {
        _row(100, false, true);
    }

    function test_bench_attribute_distinct_1000() public {
        _row(1000, false, true);
    }

    function test_bench_attribute_tenPerUser_1000() public {
        _row(1000, false, false);
    }
}
