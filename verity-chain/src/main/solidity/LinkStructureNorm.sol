// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {Binary32} from "./Binary32.sol";
import {LinkWalk} from "./LinkWalk.sol";

/// @title LinkStructureNorm: the op families of LinkStructure that neither of the other two holds: layer norm and
/// its gradients (NormOps), the data-dependent gradients EMBEDDING_GRAD and MAXPOOL2D_GRAD (which links exist
/// depends on the token ids / the window values, read as data words), and the data-movement ops SLICE, CONCAT and
/// PAD_SLICE (no links, result leaf only). LinkStructure asks it for these op kinds; a third contract because the
/// other two are near the 24,576-byte code limit (docs/referee.md).
contract LinkStructureNorm is LinkWalk {
    using Binary32 for uint32;

    function _walk(Ctx memory x, Cur memory c) internal pure override returns (bool, uint256) {
        uint256 code = x.r.code;
        if (code == WireCodes.OP_KIND_MAXPOOL2D_GRAD) return (true, _maxPoolGrad(x, c));
        if (code == WireCodes.OP_KIND_LAYERNORM) return (true, _layerNorm(x, c));
        if (code == WireCodes.OP_KIND_LAYERNORM_GRAD_INPUT) return (true, _layerNormGradInput(x, c));
        if (code == WireCodes.OP_KIND_LAYERNORM_GRAD_GAMMA) return (true, _layerNormGradGamma(x, c));
        if (code == WireCodes.OP_KIND_EMBEDDING_GRAD) return (true, _embeddingGrad(x, c));
        if (code >= WireCodes.OP_KIND_SLICE && code <= WireCodes.OP_KIND_PAD_SLICE) return (true, _move(x, code));
        return (false, 0);
    }

    /// NormOps.statsChain for the row of input 0 at `off` (length d), from the current position: s = ADD chain of
    /// x_j from +0; mu = s / d; per j: d_j = x_j - mu, v = fma(d_j, d_j, v) from +0; rstd = 1 / sqrt(v / d + eps);
    /// xhat_j = d_j * rstd (4d + 5 links). Returns rstd and the link number of xhat_0 (xhat_j is that + j).
    function _stats(Cur memory c, uint256 off, uint256 d, uint32 eps) internal pure returns (uint256 rstd, uint256 xh0) {
        uint256 start = c.n;
        uint256 it = _enter(c, d, 1);
        if (it < d) {
            _emit2(c, ADD, it == 0 ? _k(F_ZERO) : _lk(c.n - 1), _in(0, off + it));
            _leave(c, d, 1, it);
        }
        uint256 fd = _k(Binary32.fromInt(int256(d)));
        uint256 mu = _emit2(c, DIV, _acc(c, d, _k(F_ZERO)), fd);
        it = _enter(c, d, 2);
        if (it < d) {
            uint256 dj = _emit2(c, SUB, _in(0, off + it), mu);
            // the previous body's FMA is two links before this body's FMA
            _emit3(c, FMA, dj, dj, it == 0 ? _k(F_ZERO) : _lk(c.n - 2));
            _leave(c, d, 2, it);
        }
        uint256 v = _acc(c, d, _k(F_ZERO));
        uint256 q = _emit2(c, ADD, _emit2(c, DIV, v, fd), _k(eps));
        rstd = _emit2(c, DIV, _k(F_ONE), _emit1(c, SQRT, q));
        xh0 = c.n;
        it = _enter(c, d, 1);
        if (it < d) {
            // d_j is the SUB link of body j of the second loop
            _emit2(c, MUL, _lk(start + d + 1 + 2 * it), rstd);
            _leave(c, d, 1, it);
        }
    }

    /// LAYERNORM (x, gamma [D], beta [D]): the row's statistics, then y = fma(xhat_j, gamma_j, beta_j).
    function _layerNorm(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 d = x.dims[1][0];
        uint256 j = x.e % d;
        (, uint256 xh0) = _stats(c, x.e - j, d, _attrFloat(x, "eps"));
        return _emit3(c, FMA, _lk(xh0 + j), _in(1, j), _in(2, j));
    }

    /// LAYERNORM_GRAD_INPUT (x, gamma, dy): the row's statistics; per j: g_j = dy_j * gamma_j, a = ADD chain of g_j,
    /// b = FMA chain of g_j * xhat_j (both from +0); then dx_i = rstd * fma(-xhat_i, b / D, g_i - a / D).
    function _layerNormGradInput(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 d = x.dims[1][0];
        uint256 i = x.e % d;
        uint256 off = x.e - i;
        (uint256 rstd, uint256 xh0) = _stats(c, off, d, _attrFloat(x, "eps"));
        uint256 g0 = c.n;
        uint256 it = _enter(c, d, 3);
        if (it < d) {
            uint256 g = _emit2(c, MUL, _in(2, off + it), _in(1, it));
            // the previous body's ADD / FMA: three links back
            _emit2(c, ADD, it == 0 ? _k(F_ZERO) : _lk(c.n - 3), g);
            _emit3(c, FMA, g, _lk(xh0 + it), it == 0 ? _k(F_ZERO) : _lk(c.n - 3));
            _leave(c, d, 3, it);
        }
        uint256 fd = _k(Binary32.fromInt(int256(d)));
        // a and b: the last body's ADD and FMA
        uint256 b = _lk(c.n - 1);
        uint256 ma = _emit2(c, DIV, _lk(c.n - 2), fd);
        uint256 mb = _emit2(c, DIV, b, fd);
        uint256 ng = _emit1(c, NEG, _lk(xh0 + i));
        uint256 sb = _emit2(c, SUB, _lk(g0 + 3 * i), ma);
        uint256 f = _emit3(c, FMA, ng, mb, sb);
        return _emit2(c, MUL, rstd, f);
    }

    /// LAYERNORM_GRAD_GAMMA (x, dy) -> [D]: per row r in order, the row's statistics, then
    /// acc = fma(dy[r, j], xhat[r, j], acc) from +0 (rows of 4D + 6 links).
    function _layerNormGradGamma(Ctx memory x, Cur memory c) internal pure returns (uint256) {
        uint256 d = x.r.shape[0];
        uint256 rows = _numel(x.dims[0]) / d;
        uint32 eps = _attrFloat(x, "eps");
        uint256 body = 4 * d + 6;
        uint256 it = _enter(c, rows, body);
        if (it < rows) {
            uint256 prev = it == 0 ? _k(F_ZERO) : _lk(c.n - 1);
            (, uint256 xh0) = _stats(c, it * d, d, eps);
            _emit3(c, FMA, _in(1, it * d + x.e), _lk(xh0 + x.e), prev);
            _leave(c, rows, body, it);
        }
        return _acc(c, rows, _k(F_ZERO));
    }

    /// EMBEDDING_GRAD (ids, dy) -> [V, d]: ADD chain from +0 of dy[p, j] over the positions p (in order) whose token
    /// id is the element's row. Every id is a data word (input 0, element p); the dispute sends them in order, so
    /// word p is looked up at data[p] first.
    function _embeddingGrad(Ctx memory x, Cur memory c) internal pure returns (uint256 acc) {
        uint256 v = x.r.shape[0];
        uint256 d = x.r.shape[1];
        uint256 row = x.e / d;
        uint256 j = x.e % d;
        uint256 n = _numel(x.dims[0]);
        acc = _k(F_ZERO);
        for (uint256 p = 0; p < n; ++p) {
            (bool ok, uint32 w) = _needAt(x, p, 0, p);
            if (!ok) return 0;
            (bool valid, uint256 id) = _tokenId(w);
            if (!valid || id >= v) {
                x.fail = string.concat("token id 0x", _hex(w), " is not in the table");
                return 0;
            }
            if (id == row) acc = _emit2(c, ADD, acc, _in(1, p * d + j));
        }
    }

    /// EmbeddingOps.id without the float library (every id of the batch goes through it): `(int) w == w`, so w is
    /// ±0 (token 0) or a positive integral float below 2^31.
    function _tokenId(uint32 w) internal pure returns (bool, uint256) {
        if (w & 0x7fffffff == 0) return (true, 0);
        uint256 e = w >> 23; // the sign bit is part of e: a negative w gives e >= 256
        if (e < 127 || e >= 158) return (false, 0); // below 1, negative, at least 2^31, infinite or NaN
        uint256 m = (w & 0x7fffff) | 0x800000;
        if (e > 150) return (true, m << (e - 150));
        uint256 sh = 150 - e;
        if (m & ((1 << sh) - 1) != 0) return (false, 0);
        return (true, m >> sh);
    }

    /// MAXPOOL2D_GRAD (x, dy): ADD chain from +0 of dy[o] over the windows o (in order) whose first maximum is this
    /// element. Only windows holding the element can have it as their maximum; their values are data words (input 0).
    function _maxPoolGrad(Ctx memory x, Cur memory c) internal pure returns (uint256 acc) {
        uint256 k = _attrLong(x, "kernel");
        uint256 st = _attrLong(x, "stride");
        uint256[] memory is_ = x.r.shape;
        uint256[] memory os = x.dims[1];
        uint256 px = x.e % is_[3];
        uint256 py = (x.e / is_[3]) % is_[2];
        uint256 plane = x.e / (is_[2] * is_[3]);
        uint256 base = plane * is_[2] * is_[3];
        acc = _k(F_ZERO);
        // window oy holds row py iff oy * st <= py < oy * st + k
        for (uint256 oy = py + 1 > k ? (py + 1 - k + st - 1) / st : 0; oy <= py / st && oy < os[2]; ++oy) {
            for (uint256 ox = px + 1 > k ? (px + 1 - k + st - 1) / st : 0; ox <= px / st && ox < os[3]; ++ox) {
                (bool ok, uint256 at) = _argmax(x, base, is_[3], k, oy * st, ox * st);
                if (!ok) return 0;
                if (at == x.e) acc = _emit2(c, ADD, acc, _in(1, (plane * os[2] + oy) * os[3] + ox));
            }
        }
    }
    /// PoolOps.argmax: the flat index of the window's first maximum under Math.max (NaN wins, +0 beats -0), from -inf.
    function _argmax(Ctx memory x, uint256 base, uint256 w, uint256 k, uint256 y0, uint256 x0)
        internal
        pure
        returns (bool, uint256 at)
    {
        uint32 m = F_NEG_INF;
        at = base + y0 * w + x0;
        for (uint256 ky = 0; ky < k; ++ky) {
            for (uint256 kx = 0; kx < k; ++kx) {
                uint256 i = base + (y0 + ky) * w + x0 + kx;
                (bool ok, uint32 v) = _need(x, K_INPUT, 0, i);
                if (!ok) return (false, 0);
                // Math.max(m, v) differs from m in its bits exactly when it is v and v is not m
                if (!m.isNaN() && (v.isNaN() || (m == 0x80000000 && v == 0) || v.gt(m))) {
                    at = i;
                    m = v;
                }
            }
        }
        return (true, at);
    }

    /// SLICE (72), CONCAT (73), PAD_SLICE (74): no links; the result is the source element (ShapeOps), or +0 in
    /// PAD_SLICE's padding.
    function _move(Ctx memory x, uint256 code) internal pure returns (uint256) {
        uint256 axis = _attrLong(x, "axis");
        uint256[] memory os = x.r.shape;
        uint256 inner = 1;
        for (uint256 a = axis + 1; a < os.length; ++a) inner *= os[a];
        uint256 size = os[axis] * inner;
        uint256 o = x.e / size;
        uint256 r = x.e % size;
        if (code == WireCodes.OP_KIND_SLICE) {
            uint256[] memory is_ = x.dims[0];
            return _in(0, o * is_[axis] * inner + _attrLong(x, "start") * inner + r);
        }
        if (code == WireCodes.OP_KIND_PAD_SLICE) {
            uint256 len = x.dims[0][axis] * inner;
            uint256 s = _attrLong(x, "start") * inner;
            return r < s || r - s >= len ? _k(F_ZERO) : _in(0, o * len + r - s);
        }
        for (uint256 i = 0; i < x.dims.length; ++i) {
            uint256 len = x.dims[i][axis] * inner;
            if (r < len) return _in(i, o * len + r);
            r -= len;
        }
        x.fail = "the element is outside the concatenated inputs";
        return 0;
    }

    /// `_need` for word `index` of input `num`, looked for at data[at] first (words sent in order: linear, not
    /// quadratic, in the number of words).
    function _needAt(Ctx memory x, uint256 at, uint256 num, uint256 index) internal pure returns (bool, uint32) {
        if (at < x.data.length) {
            uint256 w = x.data[at];
            if (w >> 64 == num && (w >> 32) & 0xffffffff == index) return (true, uint32(w));
        }
        return _need(x, K_INPUT, num, index);
    }
}
