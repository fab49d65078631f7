package dev.verity.chain;

/**
 * The test's own statement of every basic operation's semantics in Java's float arithmetic (as
 * verity-tensor's BasicOps, which verity-chain may not depend on): the reference the contract is
 * compared with. Philox4x32-10 and the keyed shuffle are restated here from verity-tensor's rng.
 */
final class JavaBasicOps {
    private JavaBasicOps() {
    }

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    private static int b(float v) {
        return Float.floatToRawIntBits(v);
    }

    static int apply(int op, int[] v) {
        return switch (op) {
            case 0 -> b(f(v[0]) + f(v[1]));
            case 1 -> b(f(v[0]) - f(v[1]));
            case 2 -> b(f(v[0]) * f(v[1]));
            case 3 -> b(f(v[0]) / f(v[1]));
            case 4 -> b(Math.fma(f(v[0]), f(v[1]), f(v[2])));
            case 5 -> b((float) Math.sqrt(f(v[0])));
            case 6 -> v[0] ^ 0x80000000;
            case 7 -> v[0] & 0x7fffffff;
            case 8 -> b(Math.max(f(v[0]), f(v[1])));
            case 9 -> b(Math.min(f(v[0]), f(v[1])));
            case 10 -> b(f(v[0]) > f(v[1]) ? 1f : 0f);
            case 11 -> f(v[2]) != 0f ? v[0] : v[1];
            case 12 -> b((float) Math.rint(f(v[0])));
            case 13 -> b(Math.scalb(f(v[0]), (int) f(v[1])));
            case 14 -> b((float) Math.getExponent(f(v[0])));
            case 15 -> (v[0] & 0x807fffff) | 0x3f800000;
            case 16 -> (int) f(v[0]);
            case 17 -> b((float) v[0]);
            case 18 -> philoxWord(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
            case 19 -> sampleAt(v[0], v[1], v[2], v[3], v[4], v[5]);
            case 20 -> b((v[0] >>> 8) * 0x1.0p-24f);
            default -> throw new IllegalArgumentException("op " + op);
        };
    }

    static int[] philoxBlock(int k0, int k1, int c0, int c1, int c2, int c3) {
        for (int r = 0; r < 10; r++) {
            long p0 = 0xD2511F53L * (c0 & 0xffffffffL);
            long p1 = 0xCD9E8D57L * (c2 & 0xffffffffL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c0 = n0;
            c1 = (int) p1;
            c2 = n2;
            c3 = (int) p0;
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        return new int[] {c0, c1, c2, c3};
    }

    static int philoxWord(int k0, int k1, int c0, int c1, int c2, int c3, int w) {
        if (w < 0 || w > 3) throw new IllegalArgumentException("word " + w);
        return philoxBlock(k0, k1, c0, c1, c2, c3)[w];
    }

    static int indexAt(int k0, int k1, int n, int position) {
        if (n == 1) return 0;
        int bits = 32 - Integer.numberOfLeadingZeros(n - 1);
        int half = (bits + 1) / 2;
        int mask = (1 << half) - 1;
        int x = position;
        do {
            int left = x >>> half;
            int right = x & mask;
            for (int r = 0; r < 4; r++) {
                int fr = philoxWord(k0, k1, r, right, n, 0, 0) & mask;
                int next = left ^ fr;
                left = right;
                right = next;
            }
            x = (left << half) | right;
        } while (x >= n);
        return x;
    }

    static int sampleAt(int seedLo, int seedHi, int n, int batch, int step, int row) {
        if (n <= 0 || batch <= 0 || step < 0 || row < 0 || row >= batch) throw new IllegalArgumentException("bad sample position");
        long p = (long) step * batch + row;
        long epoch = p / n;
        int pos = (int) (p % n);
        int[] key = philoxBlock(seedLo, seedHi, 0x53485546, (int) epoch, (int) (epoch >>> 32), 0);
        return indexAt(key[0], key[1], n, pos);
    }
}
