// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {Binary32} from "./Binary32.sol";

/// @title LinkWalk: what LinkStructure and LinkStructureRows share: the op record and input shapes parsed, and a
/// cursor that walks an op's chain of basic-op links and records link t (docs/referee.md, "Link structure").
abstract contract LinkWalk {
    using Binary32 for uint32;

    uint8 internal constant ADD = WireCodes.OP_ADD;
    uint8 internal constant SUB = WireCodes.OP_SUB;
    uint8 internal constant MUL = WireCodes.OP_MUL;
    uint8 internal constant DIV = WireCodes.OP_DIV;
    uint8 internal constant FMA = WireCodes.OP_FMA;
    uint8 internal constant SQRT = WireCodes.OP_SQRT;
    uint8 internal constant NEG = WireCodes.OP_NEG;
    uint8 internal constant MAX = WireCodes.OP_MAX;
    uint8 internal constant MIN = WireCodes.OP_MIN;
    uint8 internal constant GT = WireCodes.OP_GT;
    uint8 internal constant SELECT = WireCodes.OP_SELECT;
    uint8 internal constant F2I = WireCodes.OP_F2I;
    uint8 internal constant PHILOX = WireCodes.OP_PHILOX;
    uint8 internal constant SHUFFLE = WireCodes.OP_SHUFFLE;
    uint8 internal constant UNIFORM = WireCodes.OP_UNIFORM;

    /// Operand kinds of a `0x70` link (docs/commitments.md).
    uint256 internal constant K_INPUT = WireCodes.OPERAND_INPUT;
    uint256 internal constant K_LINK = WireCodes.OPERAND_LINK;
    uint256 internal constant K_CONST = WireCodes.OPERAND_CONSTANT;
    uint256 internal constant NONE = type(uint256).max;

    uint32 internal constant F_ZERO = 0;
    uint32 internal constant F_ONE = 0x3f800000;
    uint32 internal constant F_HALF = 0x3f000000;
    uint32 internal constant F_NEG_INF = 0xff800000;
    uint32 internal constant F_PI = 0x40490fdb; // (float) Math.PI
    uint32 internal constant F_1E6 = 0x358637bd; // 1e-6f

    /// The op's record, parsed.
    struct Rec {
        uint256 code;
        uint256[] shape;
        bytes attrs; // uint32 count ‖ per attribute uint16 len ‖ name ‖ type ‖ value
    }

    struct Ctx {
        Rec r;
        uint256[][] dims;
        uint256 e;
        uint256[] data;
        string fail; // why no prescription exists (a missing data word, a label out of range, a bad shape)
    }

    /// The walk: `n` links emitted so far; link `t` is recorded when emitted.
    struct Cur {
        uint256 t;
        uint256 n;
        bool hit;
        uint8 op;
        uint256[] ops;
    }

    /// @notice The prescribed link `t` of element `e`: its basic operation and operands (packed
    /// `kind << 96 | number << 64 | index << 32 | bits`; bits only meaningful for constants), the chain's length and
    /// its result operand. `covered` is false for an op kind this contract does not know; `why` is non-empty when no
    /// prescription exists (then the other fields are meaningless).
    function prescribe(bytes calldata record, bytes calldata inputDims, uint256 e, uint256 t, uint256[] calldata data)
        external
        view
        returns (bool covered, uint8 op, uint256[] memory operands, uint256 links, uint256 result, string memory why)
    {
        Cur memory c;
        Ctx memory x;
        (covered, result, why, c, x) = _prescribeAll(record, inputDims, e, t, data);
        links = c.n;
        if (covered && bytes(why).length == 0 && t < c.n) {
            op = c.op;
            operands = c.ops;
        }
    }

    /// The prescription, from this contract's families (LinkStructure overrides it to ask LinkStructureRows for
    /// the op kinds it does not hold itself).
    function _prescribeAll(bytes calldata record, bytes calldata inputDims, uint256 e, uint256 t, uint256[] calldata data)
        internal
        view
        virtual
        returns (bool covered, uint256 result, string memory why, Cur memory c, Ctx memory x)
    {
        return _prescribe(record, inputDims, e, t, data);
    }

    function _prescribe(bytes calldata record, bytes calldata inputDims, uint256 e, uint256 t, uint256[] calldata data)
        internal
        pure
        returns (bool covered, uint256 result, string memory why, Cur memory c, Ctx memory x)
    {
        x.r = _parse(record);
        x.dims = _parseDims(inputDims);
        x.e = e;
        x.data = data;
        c.t = t;
        uint256 numel = _numel(x.r.shape);
        if (e >= numel) return (true, 0, "the element is outside the op's output", c, x);
        (covered, result) = _walk(x, c);
        if (!covered) why = string.concat("op kind ", _str(x.r.code), " is not covered");
        else why = x.fail;
    }

    /// The op's chain for the op kinds this contract holds: (false, 0) for the others.
    function _walk(Ctx memory x, Cur memory c) internal pure virtual returns (bool, uint256);

    function _in(uint256 input, uint256 index) internal pure returns (uint256) {
        return (K_INPUT << 96) | (input << 64) | (index << 32);
    }
    function _lk(uint256 link) internal pure returns (uint256) {
        return (K_LINK << 96) | (link << 64);
    }
    function _k(uint32 bits) internal pure returns (uint256) {
        return (K_CONST << 96) | bits;
    }
    /// Emits one link; records it if it is link t. Returns the link's operand.
    function _emit(Cur memory c, uint8 op, uint256[] memory v) internal pure returns (uint256) {
        if (c.n == c.t) {
            c.hit = true;
            c.op = op;
            c.ops = v;
        }
        return _lk(c.n++);
    }
    function _emit1(Cur memory c, uint8 op, uint256 a) internal pure returns (uint256) {
        if (c.n != c.t) return _lk(c.n++);
        uint256[] memory v = new uint256[](1);
        v[0] = a;
        return _emit(c, op, v);
    }
    function _emit2(Cur memory c, uint8 op, uint256 a, uint256 b) internal pure returns (uint256) {
        if (c.n != c.t) return _lk(c.n++);
        uint256[] memory v = new uint256[](2);
        (v[0], v[1]) = (a, b);
        return _emit(c, op, v);
    }
    function _emit3(Cur memory c, uint8 op, uint256 a, uint256 b, uint256 d) internal pure returns (uint256) {
        if (c.n != c.t) return _lk(c.n++);
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (a, b, d);
        return _emit(c, op, v);
    }
    /// A loop of `count` bodies of `len` links each: if link t lies in it, advances to the start of the body that
    /// holds it and returns that iteration (the caller emits that body and then `_leave`s); otherwise skips the
    /// whole loop and returns `count`.
    function _enter(Cur memory c, uint256 count, uint256 len) internal pure returns (uint256 it) {
        if (c.t >= c.n && c.t < c.n + count * len) {
            it = (c.t - c.n) / len;
            c.n += it * len;
        } else {
            it = count;
            c.n += count * len;
        }
    }
    function _leave(Cur memory c, uint256 count, uint256 len, uint256 it) internal pure {
        c.n += (count - it - 1) * len;
    }
    /// The accumulator a single-link-body loop hands on: its last link, or `init` for an empty loop.
    function _acc(Cur memory c, uint256 count, uint256 init) internal pure returns (uint256) {
        return count == 0 ? init : _lk(c.n - 1);
    }
    /// One of the DetMath sequences of LinkTemplates, applied to `arg`: 17 bytes per link (op, arity, three operands
    /// of tag ‖ uint32: tag 0 the argument, 1 a link of the sequence, 2 a constant). Returns its last link.
    function _tmpl(Cur memory c, bytes memory tb, uint256 arg) internal pure returns (uint256) {
        uint256 len = tb.length / 17;
        if (c.t >= c.n && c.t < c.n + len) {
            uint256 o = (c.t - c.n) * 17;
            uint256 k = uint8(tb[o + 1]);
            uint256[] memory v = new uint256[](k);
            for (uint256 i = 0; i < k; ++i) {
                uint256 p = o + 2 + 5 * i;
                uint256 tag = uint8(tb[p]);
                uint32 val = uint32(uint8(tb[p + 1])) << 24 | uint32(uint8(tb[p + 2])) << 16 | uint32(uint8(tb[p + 3])) << 8
                    | uint32(uint8(tb[p + 4]));
                v[i] = tag == 0 ? arg : tag == 1 ? _lk(c.n + val) : _k(val);
            }
            c.hit = true;
            c.op = uint8(tb[o]);
            c.ops = v;
        }
        c.n += len;
        return _lk(c.n - 1);
    }
    function _tlen(bytes memory tb) internal pure returns (uint256) {
        return tb.length / 17;
    }
    function _numel(uint256[] memory s) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < s.length; ++i) n *= s[i];
    }
    /// Shapes.broadcastIndexOf: the element of `src` (right-aligned, size-1 axes broadcast) that output element i reads.
    function _bcast(uint256[] memory src, uint256[] memory out, uint256 i) internal pure returns (uint256 s) {
        uint256 r = out.length;
        uint256 off = r - src.length;
        uint256 stride = 1;
        for (uint256 d = r; d > 0; --d) {
            uint256 coord = i % out[d - 1];
            i /= out[d - 1];
            if (d - 1 >= off) {
                uint256 sd = src[d - 1 - off];
                if (sd != 1) s += coord * stride;
                stride *= sd;
            }
        }
    }
    /// The `k`-th (in increasing order) element of `xs` that broadcasts to element `e` of `ys`.
    function _reducedIndex(uint256[] memory xs, uint256[] memory ys, uint256 e, uint256 k) internal pure returns (uint256 idx) {
        uint256 r = xs.length;
        uint256 off = r - ys.length;
        uint256 stride = 1;
        for (uint256 d = r; d > 0; --d) {
            uint256 coord;
            bool reduced = d - 1 < off || ys[d - 1 - off] == 1;
            if (reduced) {
                coord = k % xs[d - 1];
                k /= xs[d - 1];
            } else {
                coord = e % ys[d - 1 - off];
            }
            if (d - 1 >= off) e /= ys[d - 1 - off];
            idx += coord * stride;
            stride *= xs[d - 1];
        }
    }
    function _need(Ctx memory x, uint256 kind, uint256 num, uint256 index) internal pure returns (bool, uint32) {
        for (uint256 i = 0; i < x.data.length; ++i) {
            uint256 d = x.data[i];
            if (d >> 96 == kind && (d >> 64) & 0xffffffff == num && (kind == K_LINK || (d >> 32) & 0xffffffff == index)) {
                // a link word with index 1: the chain has no such link (it is shorter than the prescription), which
                // the caller vouches for; no prescription can then match it
                if (kind == K_LINK && (d >> 32) & 0xffffffff == 1) {
                    x.fail = string.concat("the op reads link ", _str(num), ", which the chain does not have");
                    return (false, 0);
                }
                return (true, uint32(d));
            }
        }
        // a missing word is the caller's omission, not a wrong link: revert rather than answer "does not match"
        // (the dispute game would otherwise rule a correct link wrong when the challenger leaves a word out)
        revert(
            kind == K_LINK
                ? string.concat("LinkStructure: needs the result of link ", _str(num), " (a data word)")
                : string.concat("LinkStructure: needs element ", _str(index), " of input ", _str(num), " (a data word)")
        );
    }
    function _parse(bytes calldata b) internal pure returns (Rec memory r) {
        require(b.length >= 16 && uint8(b[0]) == WireCodes.TAG_GRAPH_OP, "LinkStructure: not a 0x40 graph record");
        r.code = uint16(bytes2(b[5:7]));
        uint256 p = 8;
        uint256 nIn = uint32(bytes4(b[p:p + 4]));
        p += 4 + 4 * nIn;
        uint256 rank = uint32(bytes4(b[p:p + 4]));
        p += 4;
        r.shape = new uint256[](rank);
        for (uint256 i = 0; i < rank; ++i) {
            r.shape[i] = uint32(bytes4(b[p:p + 4]));
            p += 4;
        }
        uint256 alen = uint32(bytes4(b[p:p + 4]));
        p += 4;
        r.attrs = b[p:p + alen];
    }
    function _parseDims(bytes calldata b) internal pure returns (uint256[][] memory d) {
        uint256 n = 0;
        for (uint256 p = 0; p < b.length; ) {
            p += 4 + 4 * uint32(bytes4(b[p:p + 4]));
            ++n;
        }
        d = new uint256[][](n);
        uint256 q = 0;
        for (uint256 i = 0; i < n; ++i) {
            uint256 rank = uint32(bytes4(b[q:q + 4]));
            q += 4;
            d[i] = new uint256[](rank);
            for (uint256 j = 0; j < rank; ++j) {
                d[i][j] = uint32(bytes4(b[q:q + 4]));
                q += 4;
            }
        }
    }
    /// The offset of attribute `name`'s type byte in r.attrs (reverts if absent, as Java's Attrs does).
    function _attr(Ctx memory x, string memory name) internal pure returns (uint256) {
        bytes memory a = x.r.attrs;
        bytes memory nm = bytes(name);
        uint256 count = _be(a, 0, 4);
        uint256 p = 4;
        for (uint256 i = 0; i < count; ++i) {
            uint256 len = _be(a, p, 2);
            p += 2;
            bool eq = len == nm.length;
            for (uint256 j = 0; eq && j < len; ++j) eq = a[p + j] == nm[j];
            p += len;
            if (eq) return p;
            uint8 ty = uint8(a[p]);
            if (ty == 1) p += 9;
            else if (ty == 2) p += 5;
            else if (ty == 3) p += 5 + 4 * _be(a, p + 1, 4);
            else p += 5 + _be(a, p + 1, 4);
        }
        revert(string.concat("LinkStructure: missing attribute '", name, "'"));
    }
    function _attrLong(Ctx memory x, string memory name) internal pure returns (uint256) {
        uint256 p = _attr(x, name);
        require(uint8(x.r.attrs[p]) == 1, "LinkStructure: attribute is not a long");
        return _be(x.r.attrs, p + 1, 8);
    }
    function _attrFloat(Ctx memory x, string memory name) internal pure returns (uint32) {
        uint256 p = _attr(x, name);
        require(uint8(x.r.attrs[p]) == 2, "LinkStructure: attribute is not a float");
        return uint32(_be(x.r.attrs, p + 1, 4));
    }
    function _attrString(Ctx memory x, string memory name) internal pure returns (bytes memory s) {
        uint256 p = _attr(x, name);
        require(uint8(x.r.attrs[p]) == 4, "LinkStructure: attribute is not a string");
        uint256 len = _be(x.r.attrs, p + 1, 4);
        s = new bytes(len);
        for (uint256 i = 0; i < len; ++i) s[i] = x.r.attrs[p + 5 + i];
    }
    function _be(bytes memory a, uint256 p, uint256 len) internal pure returns (uint256 v) {
        for (uint256 i = 0; i < len; ++i) v = (v << 8) | uint8(a[p + i]);
    }
    function _str(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory b = new bytes(78);
        uint256 i = 78;
        while (v != 0) {
            b[--i] = bytes1(uint8(48 + (v % 10)));
            v /= 10;
        }
        bytes memory out = new bytes(78 - i);
        for (uint256 j = 0; j < out.length; ++j) out[j] = b[i + j];
        return string(out);
    }
    function _hex(uint32 v) internal pure returns (string memory) {
        bytes memory b = new bytes(8);
        for (uint256 i = 0; i < 8; ++i) {
            uint8 d = uint8((v >> (28 - 4 * i)) & 0xf);
            b[i] = bytes1(d < 10 ? 48 + d : 87 + d);
        }
        return string(b);
    }
}
