// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Philox: Philox4x32-10 (Salmon et al., SC 2011) and the keyed shuffle built on it, exactly as
/// verity-tensor's dev.verity.tensor.rng.Philox and KeyedShuffle, so a contract can recompute one random
/// word (an init value, a dropout bit) or the sample one batch row read.
library Philox {
    uint256 private constant M0 = 0xD2511F53;
    uint256 private constant M1 = 0xCD9E8D57;
    uint256 private constant W0 = 0x9E3779B9;
    uint256 private constant W1 = 0xBB67AE85;
    uint256 private constant MASK32 = 0xffffffff;
    /// Philox purpose word for the per-epoch shuffle keys ("SHUF").
    uint32 internal constant SHUFFLE_PURPOSE = 0x53485546;

    /// The four output words for key (k0, k1) and counter (c0..c3).
    function block4(uint256 k0, uint256 k1, uint256 c0, uint256 c1, uint256 c2, uint256 c3)
        internal
        pure
        returns (uint32, uint32, uint32, uint32)
    {
        // unchecked: every word is masked to 32 bits, so the 32x32-bit products fit 64 bits and the key additions
        // stay below 2^33 before their own mask; Philox's arithmetic is modulo 2^32 by definition
        unchecked {
            for (uint256 r = 0; r < 10; ++r) {
                uint256 p0 = M0 * c0;
                uint256 p1 = M1 * c2;
                uint256 n0 = (p1 >> 32) ^ c1 ^ k0;
                uint256 n2 = (p0 >> 32) ^ c3 ^ k1;
                c0 = n0;
                c1 = p1 & MASK32;
                c2 = n2;
                c3 = p0 & MASK32;
                k0 = (k0 + W0) & MASK32;
                k1 = (k1 + W1) & MASK32;
            }
        }
        return (uint32(c0), uint32(c1), uint32(c2), uint32(c3));
    }

    /// Output word `w` (0..3) of {block4}; ok = false for any other w.
    function word(uint32 k0, uint32 k1, uint32 c0, uint32 c1, uint32 c2, uint32 c3, uint32 w) internal pure returns (bool ok, uint32 out) {
        if (w > 3) return (false, 0);
        (uint32 o0, uint32 o1, uint32 o2, uint32 o3) = block4(k0, k1, c0, c1, c2, c3);
        out = w == 0 ? o0 : w == 1 ? o1 : w == 2 ? o2 : o3;
        ok = true;
    }

    /// KeyedShuffle.indexAt: the element at `position` of the keyed permutation of [0, n) (a 4-round
    /// Feistel network over 2^(2h) >= n with cycle-walking). n in [1, 2^31), position < n.
    function indexAt(uint256 k0, uint256 k1, uint256 n, uint256 position) internal pure returns (uint32) {
        if (n == 1) return 0;
        uint256 bits = _bitLength(n - 1);
        uint256 half = (bits + 1) / 2;
        uint256 mask = (1 << half) - 1;
        uint256 x = position;
        // unchecked: x, left and right are below 2^32 (masked), the shifts are by at most 16, the round counter by 4
        unchecked {
            do {
                uint256 left = x >> half;
                uint256 right = x & mask;
                for (uint256 r = 0; r < 4; ++r) {
                    (uint32 f,,,) = block4(k0, k1, r, right, n, 0);
                    uint256 next = left ^ (uint256(f) & mask);
                    left = right;
                    right = next;
                }
                x = ((left << half) | right) & MASK32;
                // Java compares ints: a word with the top bit set is negative there and ends the walk.
            } while (x < (1 << 31) && x >= n);
        }
        return uint32(x);
    }

    /// KeyedShuffle.sampleAt: the sample read by `row` of the batch of `step` (all Java ints as words);
    /// ok = false where Java throws (n <= 0, batch <= 0, step < 0, row outside [0, batch)).
    function sampleAt(uint32 seedLo, uint32 seedHi, uint32 n, uint32 batch, uint32 step, uint32 row)
        internal
        pure
        returns (bool ok, uint32 out)
    {
        if (n == 0 || n >= 1 << 31 || batch == 0 || batch >= 1 << 31 || step >= 1 << 31 || row >= batch) return (false, 0);
        uint256 p = uint256(step) * batch + row;
        uint256 epoch = p / n;
        uint256 pos = p % n;
        (uint32 key0, uint32 key1,,) = block4(seedLo, seedHi, SHUFFLE_PURPOSE, epoch & MASK32, (epoch >> 32) & MASK32, 0);
        return (true, indexAt(key0, key1, n, pos));
    }

    function _bitLength(uint256 v) private pure returns (uint256 b) {
        while (v != 0) {
            v >>= 1;
            ++b;
        }
    }
}
