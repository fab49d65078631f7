// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {Binary32} from "./Binary32.sol";
import {LinkTemplates} from "./LinkTemplates.sol";
import {LinkWalk} from "./LinkWalk.sol";

/// @title LinkStructureRows: the op families of LinkStructure that read the DetMath tables (LinkTemplates.sol):
/// GELU/TANH/SIGMOID and GELU_GRAD, the softmax family and cross-entropy, the learning-rate schedule. LinkStructure
/// asks it for these op kinds (docs/referee.md).
contract LinkStructureRows is LinkWalk {
    using Binary32 for uint32;

    function _walk(Ctx memory x, Cur memory c) internal pure override returns (bool, uint256) {
        uint256 code = x.r.code;
        uint256 v = _in(0, x.e);
        if (code == WireCodes.OP_KIND_GELU) return (true, _tmpl(c, LinkTemplates.GELU, v));
        if (code == WireCodes.OP_KIND_TANH) return (true, _tmpl(c, LinkTemplates.TANH, v));
        if (code == WireCodes.OP_KIND_SIGMOID) return (true, _tmpl(c, LinkTemplates.SIGMOID, v));
        if (code == WireCodes.OP_KIND_GELU_GRAD) return (true, _emit2(c, MUL, _in(1, x.e), _tmpl(c, LinkTemplates.GELU_GRAD, v)));
        if (code >= WireCodes.OP_KIND_SOFTMAX && code <= WireCodes.OP_KIND_CROSS_ENTROPY_GRAD) return (true, _softmaxFamily(x, c, code));
        if (code == WireCodes.OP_KIND_LR_SCHEDULE) return (true, _lrSchedule(x, c));
        return (false, 0);
    }

    /// The links of one softmax row (SoftmaxOps.rowChain), from the current position: m = MAX chain from -inf;
    /// per j: SUB(x_j, m) then exp; s = ADD chain of the e_j from +0. Returns (m, s, first link of the row).
    function _row(Cur memory c, uint256 input, uint256 off, uint256 cols)
        internal
        pure
        returns (uint256 m, uint256 s, uint256 start)
    {
        start = c.n;
        uint256 it = _enter(c, cols, 1);
        if (it < cols) {
            _emit2(c, MAX, it == 0 ? _k(F_NEG_INF) : _lk(c.n - 1), _in(input, off + it));
            _leave(c, cols, 1, it);
        }
        m = _acc(c, cols, _k(F_NEG_INF));
        uint256 el = _tlen(LinkTemplates.EXP) + 1;
        it = _enter(c, cols, el);
        if (it < cols) {
            _tmpl(c, LinkTemplates.EXP, _emit2(c, SUB, _in(input, off + it), m));
            _leave(c, cols, el, it);
        }
        uint256 sumStart = c.n;
        it = _enter(c, cols, 1);
        if (it < cols) {
            _emit2(c, ADD, it == 0 ? _k(F_ZERO) : _lk(c.n - 1), _rowE(start, cols, it));
            _leave(c, cols, 1, it);
        }
        s = cols == 0 ? _k(F_ZERO) : _lk(sumStart + cols - 1);
    }
    /// e_j of a row that starts at link `start`.
    function _rowE(uint256 start, uint256 cols, uint256 j) internal pure returns (uint256) {
        uint256 el = _tlen(LinkTemplates.EXP) + 1;
        return _lk(start + cols + j * el + el - 1);
    }
    function _rowLen(uint256 cols) internal pure returns (uint256) {
        return cols * (_tlen(LinkTemplates.EXP) + 3);
    }
    /// SOFTMAX, SOFTMAX_GRAD, LOG_SOFTMAX, LOG_SOFTMAX_GRAD, CROSS_ENTROPY, CROSS_ENTROPY_GRAD (SoftmaxOps).
    function _softmaxFamily(Ctx memory x, Cur memory c, uint256 code) internal pure returns (uint256) {
        if (code == WireCodes.OP_KIND_CROSS_ENTROPY) return _crossEntropy(x, c);
        if (code == WireCodes.OP_KIND_CROSS_ENTROPY_GRAD) return _crossEntropyGrad(x, c);
        uint256 cols = x.r.shape[x.r.shape.length - 1];
        uint256 off = x.e / cols * cols;
        if (code == WireCodes.OP_KIND_SOFTMAX || code == WireCodes.OP_KIND_LOG_SOFTMAX) {
            (uint256 m, uint256 s, uint256 start) = _row(c, 0, off, cols);
            if (code == WireCodes.OP_KIND_SOFTMAX) return _emit2(c, DIV, _rowE(start, cols, x.e % cols), s);
            uint256 ls = _tmpl(c, LinkTemplates.LOG, s);
            return _emit2(c, SUB, _emit2(c, SUB, _in(0, x.e), m), ls);
        }
        uint256 dyi = _in(1, x.e);
        if (code == WireCodes.OP_KIND_LOG_SOFTMAX_GRAD) {
            uint256 it2 = _enter(c, cols, 1);
            if (it2 < cols) {
                _emit2(c, ADD, it2 == 0 ? _k(F_ZERO) : _lk(c.n - 1), _in(1, off + it2));
                _leave(c, cols, 1, it2);
            }
            uint256 s2 = _acc(c, cols, _k(F_ZERO));
            uint256 ex = _tmpl(c, LinkTemplates.EXP, _in(0, x.e));
            return _emit3(c, FMA, _emit1(c, NEG, ex), s2, dyi);
        }
        uint256 it = _enter(c, cols, 1);
        if (it < cols) {
            _emit3(c, FMA, _in(1, off + it), _in(0, off + it), it == 0 ? _k(F_ZERO) : _lk(c.n - 1));
            _leave(c, cols, 1, it);
        }
        uint256 d = _acc(c, cols, _k(F_ZERO));
        return _emit2(c, MUL, _in(0, x.e), _emit2(c, SUB, dyi, d));
    }
    /// CROSS_ENTROPY: per row r, l_r = (log s + m) - x[r, label_r]; acc = ADD chain of l_r from +0; acc / N.
    /// The label of the row holding link t is a data word (input 1, element r).
    function _crossEntropy(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 n = x.dims[0][0];
        uint256 cols = x.dims[0][1];
        uint256 body = _rowLen(cols) + _tlen(LinkTemplates.LOG) + 3;
        uint256 it = _enter(c, n, body);
        if (it < n) {
            uint256 prev = it == 0 ? _k(F_ZERO) : _lk(c.n - 1);
            (uint256 l, bool ok) = _label(x, it, cols);
            if (!ok) return 0;
            (uint256 m, uint256 s, ) = _row(c, 0, it * cols, cols);
            uint256 lg = _tmpl(c, LinkTemplates.LOG, s);
            uint256 lr = _emit2(c, SUB, _emit2(c, ADD, lg, m), _in(0, it * cols + l));
            _emit2(c, ADD, prev, lr);
            _leave(c, n, body, it);
        }
        return _emit2(c, DIV, _acc(c, n, _k(F_ZERO)), _k(Binary32.fromInt(int256(n))));
    }
    /// CROSS_ENTROPY_GRAD: dx[r, j] = (e_j / s - [j == label_r]) * (dloss / N).
    function _crossEntropyGrad(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 n = x.dims[0][0];
        uint256 cols = x.dims[0][1];
        uint256 r = x.e / cols;
        uint256 j = x.e % cols;
        (uint256 l, bool ok) = _label(x, r, cols);
        if (!ok) return 0;
        (, uint256 s, uint256 start) = _row(c, 0, r * cols, cols);
        uint256 p = _emit2(c, DIV, _rowE(start, cols, j), s);
        uint256 q = _emit2(c, SUB, p, _k(j == l ? F_ONE : F_ZERO));
        uint256 g = _emit2(c, DIV, _in(2, 0), _k(Binary32.fromInt(int256(n))));
        return _emit2(c, MUL, q, g);
    }
    /// The class index label_r (input 1, element r): an integral float in [0, cols).
    function _label(Ctx memory x, uint256 r, uint256 cols) internal pure returns (uint256, bool) {
        (bool ok, uint32 v) = _need(x, K_INPUT, 1, r);
        if (!ok) return (0, false);
        int256 l = v.toInt();
        if (l < 0 || uint256(l) >= cols || Binary32.fromInt(l) != v) {
            x.fail = string.concat("label 0x", _hex(v), " is not a class index");
            return (0, false);
        }
        return (uint256(l), true);
    }
    /// LR_SCHEDULE (input: the step as a float, a data word): warmup, step decay or cosine (OptimOps.LrSchedule).
    function _lrSchedule(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 lr = _k(_attrFloat(x, "lr"));
        (bool ok, uint32 t) = _need(x, K_INPUT, 0, 0);
        if (!ok) return 0;
        uint256 tv = _in(0, 0);
        uint256 warmup = _attrLong(x, "warmup");
        uint32 wf = Binary32.fromInt(int256(warmup));
        if (wf.gt(t)) return _emit2(c, DIV, _emit2(c, MUL, lr, _emit2(c, ADD, tv, _k(F_ONE))), _k(wf));
        bytes32 kind = keccak256(_attrString(x, "schedule"));
        if (kind == keccak256("step")) {
            int256 k = t.div(Binary32.fromInt(int256(_attrLong(x, "stepSize")))).toInt();
            uint256 g = _k(_attrFloat(x, "gamma"));
            uint256 cnt = k < 0 ? 0 : uint256(k);
            uint256 it = _enter(c, cnt, 1);
            if (it < cnt) {
                _emit2(c, MUL, it == 0 ? lr : _lk(c.n - 1), g);
                _leave(c, cnt, 1, it);
            }
            return _acc(c, cnt, lr);
        }
        if (kind == keccak256("cosine")) {
            uint256 total = _attrLong(x, "total");
            uint256 minLr = _k(_attrFloat(x, "minLr"));
            uint256 span = total > warmup + 1 ? total - warmup : 1;
            uint256 q = _emit2(c, DIV, _emit2(c, SUB, tv, _k(wf)), _k(Binary32.fromInt(int256(span))));
            q = _emit2(c, MIN, _k(F_ONE), q);
            uint256 cs = _tmpl(c, LinkTemplates.COS, _emit2(c, MUL, _k(F_PI), q));
            uint256 half = _emit2(c, MUL, _k(F_HALF), _emit2(c, ADD, _k(F_ONE), cs));
            return _emit3(c, FMA, _emit2(c, SUB, lr, minLr), half, minLr);
        }
        return lr;
    }
}
