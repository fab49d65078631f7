// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {IReferee} from "./Referee.sol";
import {Binary32} from "./Binary32.sol";
import {Philox} from "./Philox.sol";

/// @title BasicOpReferee: the dispute game's last round decided by recomputation. `applyOp` is every
/// basic operation of verity-tensor's dev.verity.tensor.elementchain.BasicOps, numbered by BasicOp's code (WireCodes),
/// on 32-bit words (binary32 bit patterns or Java ints); `rule` recomputes the disputed link and says
/// whether the solver's result is right (any NaN equals any NaN). See docs/referee.md.
contract BasicOpReferee is IReferee {
    using Binary32 for uint32;

    uint256 internal constant OPERAND_BYTES = 13;
    /// The legacy 3-operand claim's opcodes (a `rule` without a `0x70` link; docs/dispute-protocol.md): a numbering of
    /// their own, not BasicOp's codes.
    uint8 internal constant LEGACY_ADD = 1;
    uint8 internal constant LEGACY_SUB = 2;
    uint8 internal constant LEGACY_MUL = 3;
    uint8 internal constant LEGACY_DIV = 4;
    uint8 internal constant LEGACY_FMA = 5;
    uint8 internal constant LEGACY_SQRT = 6;

    /// @notice Number of operands of basic operation `op` (BasicOp.arity()); 0 for an unknown op.
    function arity(uint8 op) public pure returns (uint256) {
        if (op >= WireCodes.OP_COUNT) return 0;
        return uint256(uint8(WireCodes.OP_ARITIES[op]));
    }

    /// @notice The result of basic operation `op` on `operands`; reverts on an unknown op, a wrong
    /// operand count, or operands the Java operation rejects (a Philox word above 3, a bad shuffle position).
    function applyOp(uint8 op, uint32[] memory operands) external pure returns (uint32) {
        require(arity(op) != 0, "Referee: unknown basic operation");
        require(operands.length == arity(op), "Referee: wrong operand count");
        (bool ok, uint32 r) = _apply(op, operands);
        require(ok, "Referee: operands outside the operation's domain");
        return r;
    }

    /// @notice `applyOp` on consecutive operand sets of `flatOperands` (arity(op) words each).
    function applyBatch(uint8 op, uint32[] calldata flatOperands) external pure returns (uint32[] memory results) {
        uint256 k = _checkBatch(op, flatOperands.length);
        results = new uint32[](flatOperands.length / k);
        uint32[] memory v = new uint32[](k);
        for (uint256 i = 0; i < results.length; ++i) {
            for (uint256 j = 0; j < k; ++j) v[j] = flatOperands[i * k + j];
            (bool ok, uint32 r) = _apply(op, v);
            require(ok, "Referee: operands outside the operation's domain");
            results[i] = r;
        }
    }

    /// @notice `applyBatch`, with the execution gas of each operation (measured with gasleft() around the
    /// internal computation: no call, calldata or ABI overhead).
    function applyBatchGas(uint8 op, uint32[] calldata flatOperands) external view returns (uint32[] memory results, uint256[] memory gasUsed) {
        uint256 k = _checkBatch(op, flatOperands.length);
        results = new uint32[](flatOperands.length / k);
        gasUsed = new uint256[](results.length);
        uint32[] memory v = new uint32[](k);
        for (uint256 i = 0; i < results.length; ++i) {
            for (uint256 j = 0; j < k; ++j) v[j] = flatOperands[i * k + j];
            uint256 g = gasleft();
            (bool ok, uint32 r) = _apply(op, v);
            gasUsed[i] = g - gasleft();
            require(ok, "Referee: operands outside the operation's domain");
            results[i] = r;
        }
    }

    function _checkBatch(uint8 op, uint256 words) internal pure returns (uint256 k) {
        k = arity(op);
        require(k != 0, "Referee: unknown basic operation");
        require(words % k == 0, "Referee: operands not a multiple of the arity");
    }

    /// The operation itself; ok = false where Java's BasicOps.apply throws. v.length == arity(op).
    function _apply(uint8 op, uint32[] memory v) internal pure returns (bool ok, uint32 r) {
        ok = true;
        if (op == WireCodes.OP_ADD) r = v[0].add(v[1]);
        else if (op == WireCodes.OP_SUB) r = v[0].sub(v[1]);
        else if (op == WireCodes.OP_MUL) r = v[0].mul(v[1]);
        else if (op == WireCodes.OP_DIV) r = v[0].div(v[1]);
        else if (op == WireCodes.OP_FMA) r = v[0].fma(v[1], v[2]);
        else if (op == WireCodes.OP_SQRT) r = v[0].sqrt();
        else if (op == WireCodes.OP_NEG) r = v[0].neg();
        else if (op == WireCodes.OP_ABS) r = v[0].abs();
        else if (op == WireCodes.OP_MAX) r = v[0].max(v[1]);
        else if (op == WireCodes.OP_MIN) r = v[0].min(v[1]);
        else if (op == WireCodes.OP_GT) r = v[0].gt(v[1]) ? Binary32.ONE : 0;
        else if (op == WireCodes.OP_SELECT) r = Binary32.select(v[0], v[1], v[2]);
        else if (op == WireCodes.OP_RINT) r = v[0].rint();
        else if (op == WireCodes.OP_SCALB) r = v[0].scalb(v[1].toInt());
        else if (op == WireCodes.OP_GETEXP) r = Binary32.fromInt(v[0].getExponent());
        else if (op == WireCodes.OP_GETMANT) r = v[0].getMantissa();
        else if (op == WireCodes.OP_F2I) r = Binary32.asWord(v[0].toInt());
        else if (op == WireCodes.OP_I2F) r = Binary32.fromInt(Binary32.asInt(v[0]));
        else if (op == WireCodes.OP_PHILOX) (ok, r) = Philox.word(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        else if (op == WireCodes.OP_SHUFFLE) (ok, r) = Philox.sampleAt(v[0], v[1], v[2], v[3], v[4], v[5]);
        else if (op == WireCodes.OP_UNIFORM) r = v[0].uniform();
        else ok = false;
    }

    /// @notice Rules a `0x70` chain link (docs/commitments.md: 0x70 ‖ uint32 t ‖ uint8 basicOp ‖ uint8 arity ‖
    /// operand… ‖ uint32 resultBits, each operand uint8 kind ‖ uint32 number ‖ uint32 index ‖ uint32 bits):
    /// true iff resultBits is what basicOp gives on the operands' bits (NaN equals NaN). A malformed link,
    /// an unknown op or operands outside the op's domain are wrong links.
    function ruleLink(bytes calldata link) public pure returns (bool) {
        (bool wellFormed, , uint32 result, bool ok, uint32 expected) = _recompute(link);
        return wellFormed && ok && resultsAgree(uint8(link[5]), result, expected);
    }

    /// @notice Whether a claimed result agrees with the recomputed one: identical words, or, for an
    /// operation with a float result, both NaN (NaN payloads differ between CPUs). F2I, PHILOX and
    /// SHUFFLE give integers: only identical words agree.
    function resultsAgree(uint8 op, uint32 claimed, uint32 expected) public pure returns (bool) {
        if (op == WireCodes.OP_F2I || op == WireCodes.OP_PHILOX || op == WireCodes.OP_SHUFFLE) return claimed == expected;
        return Binary32.same(claimed, expected);
    }

    function _recompute(bytes calldata link) internal pure returns (bool wellFormed, uint32 t, uint32 result, bool ok, uint32 expected) {
        if (link.length < 7 || uint8(link[0]) != WireCodes.TAG_LINK) return (false, 0, 0, false, 0);
        t = uint32(bytes4(link[1:5]));
        uint8 op = uint8(link[5]);
        uint256 k = uint8(link[6]);
        if (k == 0 || k != arity(op) || link.length != 7 + OPERAND_BYTES * k + 4) return (false, t, 0, false, 0);
        uint32[] memory v = new uint32[](k);
        for (uint256 i = 0; i < k; ++i) {
            uint256 o = 7 + OPERAND_BYTES * i;
            if (uint8(link[o]) > WireCodes.OPERAND_CONSTANT) return (false, t, 0, false, 0); // kind: input element, earlier link or constant
            v[i] = uint32(bytes4(link[o + 9:o + 13]));
        }
        result = uint32(bytes4(link[7 + OPERAND_BYTES * k:]));
        wellFormed = true;
        (ok, expected) = _apply(op, v);
    }

    /// @notice `applyOp` that reports a rejected operation instead of reverting.
    function applyOpSafe(uint8 op, uint32[] memory operands) external pure returns (bool ok, uint32 result) {
        if (arity(op) == 0 || operands.length != arity(op)) return (false, 0);
        return _apply(op, operands);
    }

    /// @notice IReferee. With a `0x70` link in `operandProofs` (its first bytes), the link is ruled by
    /// recomputation; it must be the game's proven link (index t and result equal to the claim's).
    /// Without one, the game's legacy 3-operand link is ruled: opcode 1 add (x+y), 2 sub (x-y), 3 mul (x*y),
    /// 4 div (x/y), 5 fma (x*y+z), 6 sqrt (x). Operand provenance (the operands' Merkle proofs against
    /// the input tensors) is not yet checked here: docs/referee.md, "Missing".
    function rule(Claim calldata claim, bytes calldata operandProofs) external pure returns (bool linkCorrect) {
        if (operandProofs.length > 0) {
            uint256 k = operandProofs.length >= 7 ? uint8(operandProofs[6]) : 0;
            uint256 len = 7 + OPERAND_BYTES * k + 4;
            if (operandProofs.length < len) return false;
            (bool wellFormed, uint32 t, uint32 result, bool ok, uint32 expected) = _recompute(operandProofs[:len]);
            return wellFormed && t == claim.linkIndex && result == claim.result && ok && resultsAgree(uint8(operandProofs[5]), result, expected);
        }
        uint32 legacy;
        if (claim.opcode == LEGACY_ADD) legacy = claim.x.add(claim.y);
        else if (claim.opcode == LEGACY_SUB) legacy = claim.x.sub(claim.y);
        else if (claim.opcode == LEGACY_MUL) legacy = claim.x.mul(claim.y);
        else if (claim.opcode == LEGACY_DIV) legacy = claim.x.div(claim.y);
        else if (claim.opcode == LEGACY_FMA) legacy = claim.x.fma(claim.y, claim.z);
        else if (claim.opcode == LEGACY_SQRT) legacy = claim.x.sqrt();
        else return false;
        return Binary32.same(claim.result, legacy);
    }

    /// @notice The pieces of a `0x70` link and its recomputed result (for clients and tests).
    function recomputeLink(bytes calldata link) external pure returns (bool wellFormed, uint32 t, uint32 result, bool ok, uint32 expected) {
        return _recompute(link);
    }
}
