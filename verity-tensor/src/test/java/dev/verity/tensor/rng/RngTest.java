package dev.verity.tensor.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RngTest {
    /** Known-answer vectors of Random123 (kat_vectors): counter[4], key[2] -> output[4]. */
    @Test
    void philoxMatchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0xa4093822, 0x299f31d0, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344));
    }

    @Test
    void uniformIsExactAndInRange() {
        assertEquals(0f, Philox.uniform(0));
        assertEquals(1f - 0x1.0p-24f, Philox.uniform(-1));
        assertEquals(0.5f, Philox.uniform(0x80000000));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 16, 17, 100, 1000, 4097, 60000})
    void shuffleIsAPermutation(int n) {
        boolean[] seen = new boolean[n];
        for (int p = 0; p < n; p++) {
            int i = KeyedShuffle.indexAt(0x1234, 0x5678, n, p);
            assertTrue(i >= 0 && i < n);
            assertTrue(!seen[i], "index " + i + " appears twice");
            seen[i] = true;
        }
    }

    @Test
    void shuffleActuallyShufflesAndDependsOnKeyAndEpoch() {
        int n = 1000;
        int fixed = 0;
        for (int p = 0; p < n; p++) {
            if (KeyedShuffle.indexAt(7, 9, n, p) == p) {
                fixed++;
            }
        }
        assertTrue(fixed < 10, "a random permutation of 1000 has about one fixed point, got " + fixed);
        int[] a = new int[50];
        int[] b = new int[50];
        int[] e2 = new int[50];
        for (int r = 0; r < 50; r++) {
            a[r] = KeyedShuffle.sampleAt(1, 0, n, 50, 0, r);
            b[r] = KeyedShuffle.sampleAt(2, 0, n, 50, 0, r);
            e2[r] = KeyedShuffle.sampleAt(1, 0, n, 50, 20, r); // step 20 = epoch 1, same positions
        }
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b), "seed must matter");
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(e2), "each epoch is a new permutation");
    }

    @Test
    void everySampleOncePerEpoch() {
        int n = 97;
        int batch = 8;
        int[] count = new int[n];
        // positions 0..n-1 are epoch 0, whatever batch boundaries they fall on
        for (int p = 0; p < n; p++) {
            count[KeyedShuffle.sampleAt(3, 4, n, batch, p / batch, p % batch)]++;
        }
        for (int c : count) {
            assertEquals(1, c);
        }
    }

    @Test
    void badPositionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> KeyedShuffle.indexAt(0, 0, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> KeyedShuffle.indexAt(0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> KeyedShuffle.sampleAt(0, 0, 10, 4, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> Philox.word(0, 0, 0, 0, 0, 0, 4));
    }
}
