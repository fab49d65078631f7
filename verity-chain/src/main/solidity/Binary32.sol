// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Binary32: IEEE-754 binary32 arithmetic on uint32 bit patterns, bit for bit as Java's float
/// arithmetic (round to nearest, ties to even; subnormals; infinities). Every operation is computed
/// exactly in uint256 (value = m * 2^q) and rounded once. A NaN result is the canonical 0x7fc00000:
/// NaN payloads differ between CPUs, so the referee treats any NaN as equal to any NaN ({same}).
/// See docs/referee.md.
library Binary32 {
    uint32 internal constant NAN = 0x7fc00000;
    uint32 internal constant INF = 0x7f800000;
    uint32 internal constant SIGN = 0x80000000;
    uint32 internal constant ONE = 0x3f800000;
    uint32 internal constant ABS_MASK = 0x7fffffff;

    // ------------------------------------------------------------------ classification

    function isNaN(uint32 x) internal pure returns (bool) {
        return (x & ABS_MASK) > INF;
    }

    function isInf(uint32 x) internal pure returns (bool) {
        return (x & ABS_MASK) == INF;
    }

    function isZero(uint32 x) internal pure returns (bool) {
        return (x & ABS_MASK) == 0;
    }

    /// @notice Equality as the referee judges results: identical bits, or both NaN.
    function same(uint32 x, uint32 y) internal pure returns (bool) {
        return x == y || (isNaN(x) && isNaN(y));
    }

    // ------------------------------------------------------------------ exact core

    /// A finite x as m * 2^q (m < 2^24; subnormals and zeros have q = -149).
    function _unpack(uint32 x) private pure returns (uint256 m, int256 q) {
        uint256 e = (x >> 23) & 0xff;
        m = x & 0x7fffff;
        if (e == 0) {
            q = -149;
        } else {
            m |= 0x800000;
            q = int256(e) - 150;
        }
    }

    /// Index of the most significant set bit of m > 0.
    function _msb(uint256 m) private pure returns (uint256 r) {
        // unchecked: r only adds 1 + 2 + ... + 128 = 255 and m only shifts right; nothing can overflow or underflow
        unchecked {
            if (m >= 1 << 128) { m >>= 128; r += 128; }
            if (m >= 1 << 64) { m >>= 64; r += 64; }
            if (m >= 1 << 32) { m >>= 32; r += 32; }
            if (m >= 1 << 16) { m >>= 16; r += 16; }
            if (m >= 1 << 8) { m >>= 8; r += 8; }
            if (m >= 1 << 4) { m >>= 4; r += 4; }
            if (m >= 1 << 2) { m >>= 2; r += 2; }
            if (m >= 1 << 1) { r += 1; }
        }
    }

    /// The binary32 nearest (ties to even) to (-1)^neg * m * 2^q, m < 2^250. Callers that dropped
    /// nonzero bits fold them into m's lowest bit (sticky) with at least two bits below the
    /// rounding position. m = 0 gives a zero of the given sign.
    function _round(bool negative, uint256 m, int256 q) private pure returns (uint32) {
        uint32 s = negative ? SIGN : 0;
        if (m == 0) return s;
        int256 msb = int256(_msb(m));
        int256 shift = msb - 23; // keep 24 significant bits...
        if (shift < -149 - q) shift = -149 - q; // ...but never below the subnormal quantum 2^-149
        uint256 r;
        if (shift <= 0) {
            r = m << uint256(-shift);
        } else {
            if (shift > msb + 1) return s; // below half the smallest subnormal
            uint256 sh = uint256(shift);
            r = m >> sh;
            uint256 rem = m & ((1 << sh) - 1);
            uint256 half = 1 << (sh - 1);
            if (rem > half || (rem == half && (r & 1) == 1)) r += 1;
        }
        // r < 2^23 only with quantum 2^-149 (subnormal: exponent field 0); r in [2^23, 2^24] adds
        // the hidden bit (and a rounding carry) into the exponent field.
        int256 bits = ((q + shift + 149) << 23) + int256(r);
        if (bits >= int256(uint256(INF))) return s | INF;
        return s | uint32(uint256(bits));
    }

    /// Exact sum of (-1)^sa ma 2^qa and (-1)^sb mb 2^qb (ma, mb < 2^48), rounded once.
    function _sum(bool sa, uint256 ma, int256 qa, bool sb, uint256 mb, int256 qb) private pure returns (uint32) {
        if (ma == 0) {
            if (mb == 0) return (sa && sb) ? SIGN : 0; // x + (-x) and +0 + -0 are +0
            return _round(sb, mb, qb);
        }
        if (mb == 0) return _round(sa, ma, qa);
        int256 q;
        if (qa >= qb) (ma, mb, q) = _align(ma, qa, mb, qb);
        else (mb, ma, q) = _align(mb, qb, ma, qa);
        if (sa == sb) return _round(sa, ma + mb, q);
        if (ma > mb) return _round(sa, ma - mb, q);
        if (mb > ma) return _round(sb, mb - ma, q);
        return 0;
    }

    /// Brings (mh, qh), the larger quantum, down to ql. Beyond 200 bits apart the lower operand lies
    /// far below every rounding position of the sum and only its being nonzero matters: it becomes
    /// a sticky 1.
    function _align(uint256 mh, int256 qh, uint256 ml, int256 ql) private pure returns (uint256, uint256, int256) {
        int256 d = qh - ql;
        if (d > 200) return (mh << 200, 1, qh - 200);
        return (mh << uint256(d), ml, ql);
    }

    function _isqrt(uint256 m) private pure returns (uint256 x) {
        // Newton from above: x0 = 2^(floor(msb/2)+1) > sqrt(m); decreases monotonically to floor(sqrt(m)).
        x = 1 << ((_msb(m) >> 1) + 1);
        // unchecked: Newton from above keeps x >= floor(sqrt(m)) >= 1, so m / x is defined and at most about 2 sqrt(m) <= 2^129,
        // and x <= x0 <= 2^128: x + m / x stays far below 2^256
        unchecked {
            while (true) {
                uint256 y = (x + m / x) >> 1;
                if (y >= x) return x;
                x = y;
            }
        }
    }

    // ------------------------------------------------------------------ arithmetic

    function add(uint32 a, uint32 b) internal pure returns (uint32) {
        if (isNaN(a) || isNaN(b)) return NAN;
        if (isInf(a)) return (isInf(b) && (a ^ b) == SIGN) ? NAN : a;
        if (isInf(b)) return b;
        (uint256 ma, int256 qa) = _unpack(a);
        (uint256 mb, int256 qb) = _unpack(b);
        return _sum(a & SIGN != 0, ma, qa, b & SIGN != 0, mb, qb);
    }

    function sub(uint32 a, uint32 b) internal pure returns (uint32) {
        return add(a, b ^ SIGN);
    }

    function mul(uint32 a, uint32 b) internal pure returns (uint32) {
        if (isNaN(a) || isNaN(b)) return NAN;
        uint32 s = (a ^ b) & SIGN;
        if (isInf(a) || isInf(b)) return (isZero(a) || isZero(b)) ? NAN : s | INF;
        (uint256 ma, int256 qa) = _unpack(a);
        (uint256 mb, int256 qb) = _unpack(b);
        return _round(s != 0, ma * mb, qa + qb);
    }

    function div(uint32 a, uint32 b) internal pure returns (uint32) {
        if (isNaN(a) || isNaN(b)) return NAN;
        uint32 s = (a ^ b) & SIGN;
        if (isInf(a)) return isInf(b) ? NAN : s | INF;
        if (isInf(b)) return s;
        if (isZero(b)) return isZero(a) ? NAN : s | INF;
        if (isZero(a)) return s;
        (uint256 ma, int256 qa) = _unpack(a);
        (uint256 mb, int256 qb) = _unpack(b);
        uint256 n = ma << 200; // >= 176 quotient bits: far more than 24 + guard
        uint256 m = ((n / mb) << 1) | (n % mb != 0 ? 1 : 0);
        return _round(s != 0, m, qa - qb - 201);
    }

    /// a * b + c with one rounding (Java's Math.fma(float, float, float)).
    function fma(uint32 a, uint32 b, uint32 c) internal pure returns (uint32) {
        if (isNaN(a) || isNaN(b) || isNaN(c)) return NAN;
        bool sp = (a ^ b) & SIGN != 0;
        if (isInf(a) || isInf(b)) {
            if (isZero(a) || isZero(b)) return NAN;
            if (isInf(c) && ((c & SIGN != 0) != sp)) return NAN;
            return sp ? SIGN | INF : INF;
        }
        if (isInf(c)) return c;
        (uint256 ma, int256 qa) = _unpack(a);
        (uint256 mb, int256 qb) = _unpack(b);
        (uint256 mc, int256 qc) = _unpack(c);
        return _sum(sp, ma * mb, qa + qb, c & SIGN != 0, mc, qc);
    }

    /// Correctly rounded square root ((float) Math.sqrt(a)).
    function sqrt(uint32 a) internal pure returns (uint32) {
        if (isNaN(a)) return NAN;
        if (isZero(a)) return a;
        if (a & SIGN != 0) return NAN;
        if (isInf(a)) return a;
        (uint256 m, int256 q) = _unpack(a);
        if (q % 2 != 0) {
            m <<= 1;
            q -= 1;
        }
        m <<= 200;
        q -= 200;
        uint256 r = _isqrt(m); // >= 2^100: far more than 24 + guard bits
        uint256 sticky = r * r != m ? 1 : 0;
        return _round(false, (r << 1) | sticky, q / 2 - 1);
    }

    function neg(uint32 a) internal pure returns (uint32) {
        return a ^ SIGN;
    }

    function abs(uint32 a) internal pure returns (uint32) {
        return a & ABS_MASK;
    }

    /// Order key of a non-NaN value (both zeros map to 0).
    function _key(uint32 x) private pure returns (int256) {
        int256 mag = int256(uint256(x & ABS_MASK));
        return x & SIGN != 0 ? -mag : mag;
    }

    /// IEEE a > b (false when either is NaN; -0 == +0).
    function gt(uint32 a, uint32 b) internal pure returns (bool) {
        return !isNaN(a) && !isNaN(b) && _key(a) > _key(b);
    }

    /// Java's Math.max(float, float): NaN if either is NaN, +0 above -0.
    function max(uint32 a, uint32 b) internal pure returns (uint32) {
        if (isNaN(a) || isNaN(b)) return NAN;
        if (isZero(a) && isZero(b)) return a & b; // -0 only if both are -0
        return _key(a) >= _key(b) ? a : b;
    }

    /// Java's Math.min(float, float): NaN if either is NaN, -0 below +0.
    function min(uint32 a, uint32 b) internal pure returns (uint32) {
        if (isNaN(a) || isNaN(b)) return NAN;
        if (isZero(a) && isZero(b)) return a | b; // -0 if either is -0
        return _key(a) <= _key(b) ? a : b;
    }

    /// c != 0f ? a : b (a NaN c selects a).
    function select(uint32 a, uint32 b, uint32 c) internal pure returns (uint32) {
        return (c & ABS_MASK) != 0 ? a : b;
    }

    /// Java's (float) Math.rint(a): nearest integer, ties to even, sign of zero kept.
    function rint(uint32 a) internal pure returns (uint32) {
        uint256 e = (a >> 23) & 0xff;
        if (e >= 150) return isNaN(a) ? NAN : a; // already integral, or inf
        if (e <= 125) return a & SIGN; // |a| < 0.5
        (uint256 m, int256 q) = _unpack(a);
        uint256 sh = uint256(-q); // 1..24
        uint256 r = m >> sh;
        uint256 rem = m & ((1 << sh) - 1);
        uint256 half = 1 << (sh - 1);
        if (rem > half || (rem == half && (r & 1) == 1)) r += 1;
        return _round(a & SIGN != 0, r, 0);
    }

    /// Java's Math.scalb(a, n): a * 2^n, rounded once.
    function scalb(uint32 a, int256 n) internal pure returns (uint32) {
        if (isNaN(a)) return NAN;
        if (isInf(a) || isZero(a)) return a;
        if (n > 400) n = 400;
        if (n < -400) n = -400;
        (uint256 m, int256 q) = _unpack(a);
        return _round(a & SIGN != 0, m, q + n);
    }

    /// Java's Math.getExponent(float): the unbiased exponent field (-127 for zeros and subnormals, 128 for inf/NaN).
    function getExponent(uint32 a) internal pure returns (int256) {
        return int256(uint256((a >> 23) & 0xff)) - 127;
    }

    function getMantissa(uint32 a) internal pure returns (uint32) {
        return (a & 0x807fffff) | ONE;
    }

    /// Java's (int) a: truncation toward zero, NaN -> 0, saturating at the int range.
    function toInt(uint32 a) internal pure returns (int256) {
        if (isNaN(a)) return 0;
        uint256 e = (a >> 23) & 0xff;
        bool negative = a & SIGN != 0;
        if (e >= 158) return negative ? -int256(1 << 31) : int256((1 << 31) - 1);
        if (e < 127) return 0;
        (uint256 m, int256 q) = _unpack(a);
        uint256 v = q < 0 ? m >> uint256(-q) : m << uint256(q);
        return negative ? -int256(v) : int256(v);
    }

    /// Java's (float) i for an int i, ties to even.
    function fromInt(int256 i) internal pure returns (uint32) {
        return i < 0 ? _round(true, uint256(-i), 0) : _round(false, uint256(i), 0);
    }

    /// Exact (k >>> 8) * 2^-24 for a 32-bit word k: a uniform float in [0, 1).
    function uniform(uint32 w) internal pure returns (uint32) {
        return _round(false, w >> 8, -24);
    }

    /// A 32-bit word as Java's int.
    function asInt(uint32 w) internal pure returns (int256) {
        return w & SIGN != 0 ? int256(uint256(w)) - int256(1 << 32) : int256(uint256(w));
    }

    /// Java's int as a 32-bit word.
    function asWord(int256 i) internal pure returns (uint32) {
        return uint32(uint256(i) & 0xffffffff);
    }
}
