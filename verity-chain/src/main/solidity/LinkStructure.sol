// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {Binary32} from "./Binary32.sol";
import {LinkWalk} from "./LinkWalk.sol";
import {LinkRoutes} from "./LinkRoutes.sol";

/// @title LinkStructure: which link an op prescribes at a position of an element's chain.
/// @notice BasicOpReferee recomputes a link from its operands' bits; this contract says whether the link is the one
/// the op's definition prescribes there: the basic operation, and for each operand where it must come from (element
/// `index` of input `number`, the result of earlier link `number`, or a constant with exact bits), plus the chain's
/// length and its result leaf. It mirrors the `element(...)` methods of verity-tensor's ops (dev.verity.tensor.ops)
/// one to one: a cursor walks the op's chain, loops of equal bodies are skipped arithmetically (gas grows with the
/// number of loops, not with their length), and the fixed DetMath sequences (exp, log, tanh, sigmoid, gelu, geluGrad,
/// cos) are tables generated from verity-tensor's DetMathChain (LinkTemplates.sol). See docs/referee.md.
///
/// Inputs: `record` is the op's `0x40` graph record (docs/commitments.md); `inputDims` the shapes of its inputs, per
/// input `uint32 rank ‖ uint32 dim…` (big-endian, as in their `0x40` records); `e` the output element; `data` the
/// values a data-dependent prescription reads (a label, a shuffled sample, the step), each packed as
/// `kind << 96 | number << 64 | index << 32 | bits` (kind 0: element `index` of input `number`; kind 1: the result
/// of link `number`). The caller proves those words against their sources, as for any operand; a prescription that
/// needs a word not given says which. An op kind not written here answers `covered = false`, never a pass.
contract LinkStructure is LinkWalk {
    using Binary32 for uint32;

    /// The second half of the op families (softmax rows, losses, DetMath activations, schedules): kept in its own
    /// contract so that each stays under the 24,576-byte code limit.
    LinkWalk public immutable rows;
    /// The third part (layer norm, EMBEDDING_GRAD, MAXPOOL2D_GRAD, SLICE / CONCAT / PAD_SLICE): asked directly for its
    /// op kinds (LinkRoutes.toNorm, generated from its `_walk`), so that they do not pay for two walks that find nothing.
    LinkWalk public immutable norm;

    constructor(LinkWalk rows_, LinkWalk norm_) {
        rows = rows_;
        norm = norm_;
    }

    /// @notice Whether `link` (a `0x70` leaf) is the link the op prescribes at position `t` of element `e`'s chain:
    /// same `t`, basic operation and arity, each input operand the prescribed element of the prescribed input, each
    /// link operand the prescribed earlier link, each constant the prescribed bits exactly. `why` names the first
    /// difference. Operand bits of inputs and links are not looked at here (the dispute proves them against their
    /// sources). A link at or after the prescribed length is extra.
    function checkLink(
        bytes calldata record,
        bytes calldata inputDims,
        uint256 e,
        uint256 t,
        bytes calldata link,
        uint256[] calldata data
    ) public view returns (bool covered, bool matches, string memory why) {
        Cur memory c;
        Ctx memory x;
        (covered, , why, c, x) = _prescribeAll(record, inputDims, e, t, data);
        if (!covered || bytes(why).length != 0) return (covered, false, why);
        if (link.length < 7 || uint8(link[0]) != WireCodes.TAG_LINK) return (true, false, "not a 0x70 link leaf");
        uint256 k = uint8(link[6]);
        if (link.length != 7 + 13 * k + 4) return (true, false, "malformed link leaf");
        if (uint32(bytes4(link[1:5])) != t) return (true, false, "the leaf is not link t");
        if (t >= c.n) return (true, false, string.concat("the op prescribes ", _str(c.n), " links; link ", _str(t), " is extra"));
        if (uint8(link[5]) != c.op) {
            return (true, false, string.concat("the op prescribes basic op ", _str(c.op), " here, the link has ", _str(uint8(link[5]))));
        }
        if (k != c.ops.length) return (true, false, "wrong arity");
        for (uint256 i = 0; i < k; ++i) {
            string memory bad = _operandWhy(c.ops[i], link[7 + 13 * i:20 + 13 * i]);
            if (bytes(bad).length != 0) return (true, false, string.concat("operand ", _str(i), ": ", bad));
        }
        return (true, true, "");
    }
    /// @notice `checkLink` with the execution gas it took (measured with `gasleft()`, no call or calldata overhead).
    function checkLinkGas(
        bytes calldata record,
        bytes calldata inputDims,
        uint256 e,
        uint256 t,
        bytes calldata link,
        uint256[] calldata data
    ) external view returns (bool covered, bool matches, string memory why, uint256 gasUsed) {
        uint256 g = gasleft();
        (covered, matches, why) = checkLink(record, inputDims, e, t, link, data);
        gasUsed = g - gasleft();
    }
    /// @notice Whether a chain of `links` links ending on the `0x71` leaf `result` is what the op prescribes for
    /// element `e`: the prescribed length, and the result operand from the prescribed place.
    function checkResult(
        bytes calldata record,
        bytes calldata inputDims,
        uint256 e,
        uint256 links,
        bytes calldata result,
        uint256[] calldata data
    ) external view returns (bool covered, bool matches, string memory why) {
        Cur memory c;
        Ctx memory x;
        uint256 want;
        (covered, want, why, c, x) = _prescribeAll(record, inputDims, e, NONE, data);
        if (!covered || bytes(why).length != 0) return (covered, false, why);
        if (links != c.n) return (true, false, string.concat("the chain has ", _str(links), " links, the op prescribes ", _str(c.n)));
        if (result.length != 14 || uint8(result[0]) != WireCodes.TAG_RESULT) return (true, false, "not a 0x71 result leaf");
        string memory bad = _operandWhy(want, result[1:14]);
        if (bytes(bad).length != 0) return (true, false, string.concat("result: ", bad));
        return (true, true, "");
    }
    /// Why the 13-byte operand `got` is not from the place `want` prescribes ("" if it is).
    function _operandWhy(uint256 want, bytes calldata got) internal pure returns (string memory) {
        uint256 kind = want >> 96;
        uint256 num = (want >> 64) & 0xffffffff;
        uint256 idx = (want >> 32) & 0xffffffff;
        uint256 gk = uint8(got[0]);
        uint256 gn = uint32(bytes4(got[1:5]));
        uint256 gi = uint32(bytes4(got[5:9]));
        uint256 gb = uint32(bytes4(got[9:13]));
        if (kind == K_INPUT) {
            if (gk != K_INPUT || gn != num || gi != idx) {
                return string.concat("must be element ", _str(idx), " of input ", _str(num));
            }
        } else if (kind == K_LINK) {
            if (gk != K_LINK || gn != num) return string.concat("must be the result of link ", _str(num));
        } else if (gk != K_CONST || gb != (want & 0xffffffff)) {
            return string.concat("must be the constant 0x", _hex(uint32(want)));
        }
        return "";
    }
    function _prescribeAll(bytes calldata record, bytes calldata inputDims, uint256 e, uint256 t, uint256[] calldata data)
        internal
        view
        override
        returns (bool covered, uint256 result, string memory why, Cur memory c, Ctx memory x)
    {
        LinkWalk other = rows;
        uint256 code = record.length >= 7 ? uint16(bytes2(record[5:7])) : 0;
        // the routes are generated from the three contracts' _walk (LinkRoutes.sol): Norm's kinds go there at once
        if (LinkRoutes.toNorm(code)) {
            other = norm;
        } else {
            (covered, result, why, c, x) = _prescribe(record, inputDims, e, t, data);
            if (covered) return (covered, result, why, c, x);
        }
        if (address(other) == address(0)) return (false, 0, string.concat("op kind ", _str(code), " is not covered"), c, x);
        uint256 links;
        (covered, c.op, c.ops, links, result, why) = other.prescribe(record, inputDims, e, t, data);
        c.n = links;
        c.t = t;
        c.hit = t < links;
    }

    function _walk(Ctx memory x, Cur memory c) internal pure override returns (bool, uint256) {
        uint256 code = x.r.code;
        if (code == WireCodes.OP_KIND_CONST) return (true, _k(_attrFloat(x, "value")));
        if (code == WireCodes.OP_KIND_GATHER_ROWS || code == WireCodes.OP_KIND_GATHER_WINDOWS) return (true, _gather(x, c));
        if (code == WireCodes.OP_KIND_DROPOUT_MASK) return (true, _dropout(x, c));
        if (code == WireCodes.OP_KIND_MATMUL) return (true, _matmul(x, c));
        if (code >= WireCodes.OP_KIND_ADD && code <= WireCodes.OP_KIND_MUL) return (true, _binary(x, c, uint8(code - WireCodes.OP_KIND_ADD)));
        if (code == WireCodes.OP_KIND_SCALE) return (true, _emit2(c, MUL, _in(0, x.e), _k(_attrFloat(x, "factor"))));
        if (code == WireCodes.OP_KIND_REDUCE_TO) return (true, _reduceTo(x, c));
        if (code == WireCodes.OP_KIND_SUM || code == WireCodes.OP_KIND_MEAN) return (true, _sum(x, c, code == WireCodes.OP_KIND_MEAN));
        if (code == WireCodes.OP_KIND_RELU) return (true, _emit2(c, MAX, _in(0, x.e), _k(F_ZERO)));
        if (code == WireCodes.OP_KIND_RELU_GRAD) return (true, _emit3(c, SELECT, _in(1, x.e), _k(F_ZERO), _emit2(c, GT, _in(0, x.e), _k(F_ZERO))));
        if (code == WireCodes.OP_KIND_TANH_GRAD) {
            uint256 v = _in(0, x.e);
            return (true, _emit2(c, MUL, _in(1, x.e), _emit3(c, FMA, _emit1(c, NEG, v), v, _k(F_ONE))));
        }
        if (code == WireCodes.OP_KIND_SIGMOID_GRAD) {
            uint256 v = _in(0, x.e);
            return (true, _emit2(c, MUL, _in(1, x.e), _emit2(c, MUL, v, _emit2(c, SUB, _k(F_ONE), v))));
        }
        if (code >= WireCodes.OP_KIND_CONV2D && code <= WireCodes.OP_KIND_CONV2D_GRAD_WEIGHT) return (true, _conv(x, c, code));
        if (code == WireCodes.OP_KIND_MAXPOOL2D || code == WireCodes.OP_KIND_AVGPOOL2D) return (true, _pool(x, c, code == WireCodes.OP_KIND_AVGPOOL2D));
        if (code == WireCodes.OP_KIND_AVGPOOL2D_GRAD) return (true, _avgPoolGrad(x, c));
        if (code >= WireCodes.OP_KIND_SGD_BUF && code <= WireCodes.OP_KIND_CLIP_SCALE) return (true, _optim(x, c, code));
        if (code == WireCodes.OP_KIND_EMBEDDING) return (true, _embedding(x));
        if (code == WireCodes.OP_KIND_TRANSPOSE) return (true, _in(0, _transposeSource(x)));
        if (code == WireCodes.OP_KIND_CAUSAL_MASK) {
            uint256 tt = x.r.shape[x.r.shape.length - 1];
            return (true, x.e % tt > (x.e / tt) % tt ? _k(_attrFloat(x, "fill")) : _in(0, x.e));
        }
        return (false, 0);
    }

    /// GATHER_ROWS / GATHER_WINDOWS: step = F2I(step input); s = SHUFFLE(seed, n, batch, step, row); the result is
    /// the source element the shuffled sample (or window) holds, which reads link 1's result (a data word).
    function _gather(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 seed = _attrLong(x, "seed");
        uint256 b = _attrLong(x, "batch");
        uint256 src0 = _numel(x.dims[0]);
        bool windows = x.r.code == WireCodes.OP_KIND_GATHER_WINDOWS;
        uint256 w;
        uint256 n;
        uint256 row;
        if (windows) {
            w = _attrLong(x, "window");
            n = (src0 - 1) / w;
            row = x.e / w;
        } else {
            n = x.dims[0][0];
            w = src0 / n;
            row = x.e / w;
        }
        uint256 step = _emit1(c, F2I, _in(1, 0));
        uint256[] memory v = new uint256[](6);
        (v[0], v[1], v[2], v[3], v[4], v[5]) =
            (_k(uint32(seed)), _k(uint32(seed >> 32)), _k(uint32(n)), _k(uint32(b)), step, _k(uint32(row)));
        if (c.n == c.t) _emit(c, SHUFFLE, v);
        else c.n++;
        (bool ok, uint32 s) = _need(x, K_LINK, 1, 0);
        if (!ok) return 0;
        if (s >= n) {
            x.fail = "the shuffle's result is outside its range";
            return 0;
        }
        return windows ? _in(0, s * w + x.e % w + _attrLong(x, "offset")) : _in(0, s * w + x.e % w);
    }
    /// DROPOUT_MASK: u = UNIFORM(PHILOX word e%4 of key seed, counter (purpose, step, e/4, 0)); 1/(1-p) or 0.
    function _dropout(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 seed = _attrLong(x, "seed");
        uint32 p = _attrFloat(x, "p");
        uint256 step = _emit1(c, F2I, _in(0, 0));
        uint256[] memory v = new uint256[](7);
        (v[0], v[1], v[2], v[3], v[4], v[5], v[6]) = (
            _k(uint32(seed)), _k(uint32(seed >> 32)), _k(uint32(_attrLong(x, "purpose"))), step, _k(uint32(x.e / 4)), _k(0),
            _k(uint32(x.e % 4))
        );
        uint256 w = c.n == c.t ? _emit(c, PHILOX, v) : _lk(c.n++);
        uint256 u = _emit1(c, UNIFORM, w);
        uint256 q = _emit2(c, SUB, _k(F_ONE), _k(p));
        uint256 keep = _emit2(c, DIV, _k(F_ONE), q);
        uint256 cond = _emit2(c, GT, _k(p), u);
        return _emit3(c, SELECT, _k(F_ZERO), keep, cond);
    }
    /// MATMUL: acc = +0; acc = fma(A[i,k], B[k,j], acc) for k in order; + bias[j].
    function _matmul(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256[] memory as_ = x.dims[0];
        uint256[] memory bs = x.dims[1];
        bool ta = _attrLong(x, "transA") != 0;
        bool tb = _attrLong(x, "transB") != 0;
        uint256 o = as_.length - 2;
        uint256 m = ta ? as_[o + 1] : as_[o];
        uint256 kk = ta ? as_[o] : as_[o + 1];
        uint256 n = tb ? bs[o] : bs[o + 1];
        uint256 b = x.e / (m * n);
        uint256 i = (x.e / n) % m;
        uint256 j = x.e % n;
        uint256 it = _enter(c, kk, 1);
        if (it < kk) {
            uint256 ia = b * m * kk + (ta ? it * as_[o + 1] + i : i * as_[o + 1] + it);
            uint256 ib = b * kk * n + (tb ? j * bs[o + 1] + it : it * bs[o + 1] + j);
            _emit3(c, FMA, _in(0, ia), _in(1, ib), it == 0 ? _k(F_ZERO) : _lk(c.n - 1));
            _leave(c, kk, 1, it);
        }
        uint256 acc = _acc(c, kk, _k(F_ZERO));
        if (x.dims.length == 3) acc = _emit2(c, ADD, acc, _in(2, j));
        return acc;
    }
    /// ADD / SUB / MUL with broadcasting (numpy rules, right-aligned).
    function _binary(Ctx memory x, Cur memory c, uint8 op) internal pure returns (uint256) {
        return _emit2(c, op, _in(0, _bcast(x.dims[0], x.r.shape, x.e)), _in(1, _bcast(x.dims[1], x.r.shape, x.e)));
    }
    /// REDUCE_TO: ADD chain from +0 over the input elements that broadcast to e, in increasing order.
    function _reduceTo(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256[] memory xs = x.dims[0];
        uint256[] memory ys = x.r.shape;
        uint256 total = _numel(xs);
        uint256 cnt = total / _numel(ys);
        uint256 it = _enter(c, cnt, 1);
        if (it < cnt) {
            _emit2(c, ADD, it == 0 ? _k(F_ZERO) : _lk(c.n - 1), _in(0, _reducedIndex(xs, ys, x.e, it)));
            _leave(c, cnt, 1, it);
        }
        return _acc(c, cnt, _k(F_ZERO));
    }
    /// SUM / MEAN of all elements: ADD chain from +0, MEAN then divides by the count.
    function _sum(Ctx memory x, Cur memory c, bool mean) internal pure returns (uint256) {
        uint256 cnt = _numel(x.dims[0]);
        uint256 it = _enter(c, cnt, 1);
        if (it < cnt) {
            _emit2(c, ADD, it == 0 ? _k(F_ZERO) : _lk(c.n - 1), _in(0, it));
            _leave(c, cnt, 1, it);
        }
        uint256 acc = _acc(c, cnt, _k(F_ZERO));
        return mean ? _emit2(c, DIV, acc, _k(Binary32.fromInt(int256(cnt)))) : acc;
    }
    /// CONV2D (inputs x, w[, bias]), CONV2D_GRAD_INPUT (w, dy), CONV2D_GRAD_WEIGHT (x, dy): Conv2dReference.
    function _conv(Ctx memory x, Cur memory c, uint256 code) internal pure returns (uint256) {
        // s = [n, c, h, w, oc, kh, kw, stride, pad, oh, ow]
        uint256[] memory xs = code == WireCodes.OP_KIND_CONV2D_GRAD_INPUT ? x.r.shape : x.dims[0];
        uint256[] memory ws = code == WireCodes.OP_KIND_CONV2D ? x.dims[1] : code == WireCodes.OP_KIND_CONV2D_GRAD_INPUT ? x.dims[0] : x.r.shape;
        uint256[11] memory s;
        (s[0], s[1], s[2], s[3], s[4], s[5], s[6]) = (xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3]);
        s[7] = _attrLong(x, "stride");
        s[8] = _attrLong(x, "pad");
        s[9] = (s[2] + 2 * s[8] - s[5]) / s[7] + 1;
        s[10] = (s[3] + 2 * s[8] - s[6]) / s[7] + 1;
        if (code == WireCodes.OP_KIND_CONV2D) return _convForward(x, c, s);
        if (code == WireCodes.OP_KIND_CONV2D_GRAD_WEIGHT) return _convWeightGrad(x, c, s);
        return _convInputGrad(x, c, s);
    }
    function _convForward(Ctx memory x, Cur memory c, uint256[11] memory s) internal pure returns (uint256) {
        uint256 ox = x.e % s[10];
        uint256 oy = (x.e / s[10]) % s[9];
        uint256 oc = (x.e / (s[9] * s[10])) % s[4];
        uint256 n = x.e / (s[9] * s[10] * s[4]);
        uint256 cnt = s[1] * s[5] * s[6];
        uint256 it = _enter(c, cnt, 1);
        if (it < cnt) {
            uint256 kx = it % s[6];
            uint256 ky = (it / s[6]) % s[5];
            uint256 ch = it / (s[5] * s[6]);
            uint256 xv = _convX(s, n, ch, oy * s[7] + ky, ox * s[7] + kx);
            uint256 wi = ((oc * s[1] + ch) * s[5] + ky) * s[6] + kx;
            _emit3(c, FMA, _in(1, wi), xv, it == 0 ? _k(F_ZERO) : _lk(c.n - 1));
            _leave(c, cnt, 1, it);
        }
        uint256 acc = _acc(c, cnt, _k(F_ZERO));
        if (x.dims.length == 3) acc = _emit2(c, ADD, acc, _in(2, oc));
        return acc;
    }
    /// x[n, ch, iy - pad, ix - pad] (input 0), or the constant +0 outside the image.
    function _convX(uint256[11] memory s, uint256 n, uint256 ch, uint256 iyp, uint256 ixp) internal pure returns (uint256) {
        if (iyp < s[8] || ixp < s[8] || iyp - s[8] >= s[2] || ixp - s[8] >= s[3]) return _k(F_ZERO);
        return _in(0, ((n * s[1] + ch) * s[2] + iyp - s[8]) * s[3] + ixp - s[8]);
    }
    function _convWeightGrad(Ctx memory x, Cur memory c, uint256[11] memory s) internal pure returns (uint256) {
        uint256 kx = x.e % s[6];
        uint256 ky = (x.e / s[6]) % s[5];
        uint256 ch = (x.e / (s[5] * s[6])) % s[1];
        uint256 oc = x.e / (s[5] * s[6] * s[1]);
        uint256 cnt = s[0] * s[9] * s[10];
        uint256 it = _enter(c, cnt, 1);
        if (it < cnt) {
            uint256 ox = it % s[10];
            uint256 oy = (it / s[10]) % s[9];
            uint256 n = it / (s[9] * s[10]);
            uint256 xv = _convX(s, n, ch, oy * s[7] + ky, ox * s[7] + kx);
            uint256 yi = ((n * s[4] + oc) * s[9] + oy) * s[10] + ox;
            _emit3(c, FMA, _in(1, yi), xv, it == 0 ? _k(F_ZERO) : _lk(c.n - 1));
            _leave(c, cnt, 1, it);
        }
        return _acc(c, cnt, _k(F_ZERO));
    }
    function _convInputGrad(Ctx memory x, Cur memory c, uint256[11] memory s) internal pure returns (uint256) {
        uint256 ix = x.e % s[3];
        uint256 iy = (x.e / s[3]) % s[2];
        uint256 ch = (x.e / (s[2] * s[3])) % s[1];
        uint256 n = x.e / (s[1] * s[2] * s[3]);
        uint256 acc = _k(F_ZERO);
        for (uint256 ky = 0; ky < s[5]; ++ky) {
            (bool okY, uint256 oy) = _source(iy, ky, s[7], s[8], s[9]);
            if (!okY) continue;
            for (uint256 kx = 0; kx < s[6]; ++kx) {
                (bool okX, uint256 ox) = _source(ix, kx, s[7], s[8], s[10]);
                if (!okX) continue;
                uint256 it = _enter(c, s[4], 1);
                if (it < s[4]) {
                    uint256 wi = ((it * s[1] + ch) * s[5] + ky) * s[6] + kx;
                    uint256 yi = ((n * s[4] + it) * s[9] + oy) * s[10] + ox;
                    _emit3(c, FMA, _in(0, wi), _in(1, yi), it == 0 ? _k(F_ZERO) : _lk(c.n - 1));
                    _leave(c, s[4], 1, it);
                }
                acc = _emit2(c, ADD, acc, _acc(c, s[4], _k(F_ZERO)));
            }
        }
        return acc;
    }
    /// The output position whose window tap k reads input position i, if any (Conv2dReference.source).
    function _source(uint256 i, uint256 k, uint256 stride, uint256 pad, uint256 out) internal pure returns (bool, uint256) {
        if (i + pad < k || (i + pad - k) % stride != 0) return (false, 0);
        uint256 o = (i + pad - k) / stride;
        return (o < out, o);
    }
    /// MAXPOOL2D (MAX chain from -inf over the window) and AVGPOOL2D (ADD chain from +0, then / k²).
    function _pool(Ctx memory x, Cur memory c, bool avg) internal pure returns (uint256) {
        uint256 k = _attrLong(x, "kernel");
        uint256 st = _attrLong(x, "stride");
        uint256[] memory is_ = x.dims[0];
        uint256[] memory os = x.r.shape;
        uint256 ox = x.e % os[3];
        uint256 oy = (x.e / os[3]) % os[2];
        uint256 base = x.e / (os[2] * os[3]) * is_[2] * is_[3];
        uint256 init = avg ? _k(F_ZERO) : _k(F_NEG_INF);
        uint256 it = _enter(c, k * k, 1);
        if (it < k * k) {
            uint256 i = base + (oy * st + it / k) * is_[3] + ox * st + it % k;
            _emit2(c, avg ? ADD : MAX, it == 0 ? init : _lk(c.n - 1), _in(0, i));
            _leave(c, k * k, 1, it);
        }
        uint256 acc = _acc(c, k * k, init);
        return avg ? _emit2(c, DIV, acc, _k(Binary32.fromInt(int256(k * k)))) : acc;
    }
    /// AVGPOOL2D_GRAD (input dy): ADD chain from +0 of dy[o] / k² over the windows o holding the element.
    function _avgPoolGrad(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 k = _attrLong(x, "kernel");
        uint256 st = _attrLong(x, "stride");
        uint256[] memory is_ = x.r.shape;
        uint256[] memory os = x.dims[0];
        uint256 px = x.e % is_[3];
        uint256 py = (x.e / is_[3]) % is_[2];
        uint256 plane = x.e / (is_[2] * is_[3]);
        uint256 acc = _k(F_ZERO);
        uint256 kk = _k(Binary32.fromInt(int256(k * k)));
        for (uint256 oy = 0; oy < os[2]; ++oy) {
            if (py < oy * st || py >= oy * st + k) continue;
            for (uint256 ox = 0; ox < os[3]; ++ox) {
                if (px < ox * st || px >= ox * st + k) continue;
                acc = _emit2(c, ADD, acc, _emit2(c, DIV, _in(0, plane * os[2] * os[3] + oy * os[3] + ox), kk));
            }
        }
        return acc;
    }
    /// The optimizer updates and schedules of OptimOps.
    function _optim(Ctx memory x, Cur memory c, uint256 code) internal pure returns (uint256) {
        uint256 e = x.e;
        if (code == WireCodes.OP_KIND_SGD_BUF) {
            uint32 wd = _attrFloat(x, "weightDecay");
            uint256 g = _in(1, e);
            if (wd & 0x7fffffff != 0) g = _emit3(c, FMA, _k(wd), _in(2, e), g);
            return _emit3(c, FMA, _k(_attrFloat(x, "momentum")), _in(0, e), g);
        }
        if (code == WireCodes.OP_KIND_SGD_PARAM) return _emit3(c, FMA, _emit1(c, NEG, _in(2, 0)), _in(1, e), _in(0, e));
        if (code == WireCodes.OP_KIND_ADAM_M) {
            uint32 b1 = _attrFloat(x, "beta1");
            uint256 c1 = _emit2(c, SUB, _k(F_ONE), _k(b1));
            return _emit3(c, FMA, _k(b1), _in(0, e), _emit2(c, MUL, c1, _in(1, e)));
        }
        if (code == WireCodes.OP_KIND_ADAM_V) {
            uint32 b2 = _attrFloat(x, "beta2");
            uint256 c2 = _emit2(c, SUB, _k(F_ONE), _k(b2));
            uint256 g = _in(1, e);
            return _emit3(c, FMA, _k(b2), _in(0, e), _emit2(c, MUL, _emit2(c, MUL, g, g), c2));
        }
        if (code == WireCodes.OP_KIND_ADAMW_PARAM) return _adamw(x, c);
        if (code == WireCodes.OP_KIND_POW_UPDATE) return _emit2(c, MUL, _in(0, e), _k(_attrFloat(x, e == 0 ? "beta1" : "beta2")));
        if (code == WireCodes.OP_KIND_GRAD_NORM_SQ) return _gradNormSq(x, c);
        if (code == WireCodes.OP_KIND_CLIP_SCALE) {
            uint256 den = _emit2(c, ADD, _emit1(c, SQRT, _in(0, 0)), _k(F_1E6));
            return _emit2(c, MIN, _k(F_ONE), _emit2(c, DIV, _k(_attrFloat(x, "maxNorm")), den));
        }
        return 0;
    }
    function _adamw(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 e = x.e;
        uint32 wd = _attrFloat(x, "weightDecay");
        uint256 lr = _in(3, 0);
        uint256 bc1 = _emit2(c, SUB, _k(F_ONE), _in(4, 0));
        uint256 bc2 = _emit2(c, SUB, _k(F_ONE), _in(4, 1));
        uint256 p = _in(0, e);
        if (wd & 0x7fffffff != 0) p = _emit3(c, FMA, _emit1(c, NEG, _emit2(c, MUL, lr, _k(wd))), p, p);
        uint256 den = _emit2(c, ADD, _emit1(c, SQRT, _emit2(c, DIV, _in(2, e), bc2)), _k(_attrFloat(x, "eps")));
        uint256 upd = _emit2(c, DIV, _emit2(c, DIV, _in(1, e), bc1), den);
        return _emit3(c, FMA, _emit1(c, NEG, lr), upd, p);
    }
    /// GRAD_NORM_SQ: FMA chain from +0 of x_i * x_i over every element of every input, input by input.
    function _gradNormSq(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 total = 0;
        for (uint256 k = 0; k < x.dims.length; ++k) {
            uint256 cnt = _numel(x.dims[k]);
            uint256 it = _enter(c, cnt, 1);
            if (it < cnt) {
                _emit3(c, FMA, _in(k, it), _in(k, it), total == 0 && it == 0 ? _k(F_ZERO) : _lk(c.n - 1));
                _leave(c, cnt, 1, it);
            }
            total += cnt;
        }
        return total == 0 ? _k(F_ZERO) : _lk(c.n - 1);
    }

    /// EMBEDDING (inputs table [V, d], ids): no links; the result is table[id_p, e % d], id_p (input 1, element e / d)
    /// a data word that must be an integral float in [0, V).
    function _embedding(Ctx memory x) internal pure returns (uint256) {
        uint256 d = x.dims[0][1];
        (bool ok, uint32 v) = _need(x, K_INPUT, 1, x.e / d);
        if (!ok) return 0;
        int256 id = v.toInt();
        if (id < 0 || uint256(id) >= x.dims[0][0] || Binary32.fromInt(id) != v) {
            x.fail = "the token id is not in the table";
            return 0;
        }
        return _in(0, uint256(id) * d + x.e % d);
    }

    /// TRANSPOSE: no links; the result is the input element at the permuted coordinates (ShapeOps.Transpose.source).
    function _transposeSource(Ctx memory x) internal pure returns (uint256 src) {
        uint256[] memory is_ = x.dims[0];
        uint256 p = _attr(x, "perm");
        require(uint8(x.r.attrs[p]) == 3, "LinkStructure: perm is not an int array");
        uint256[] memory os = x.r.shape;
        uint256 index = x.e;
        for (uint256 d = os.length; d > 0; --d) {
            uint256 coord = index % os[d - 1];
            index /= os[d - 1];
            uint256 axis = _be(x.r.attrs, p + 5 + 4 * (d - 1), 4);
            uint256 stride = 1;
            for (uint256 a = axis + 1; a < is_.length; ++a) stride *= is_[a];
            src += coord * stride;
        }
    }
}
