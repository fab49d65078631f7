package dev.verity.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 16 x 16 block transpose in registers (four stages of two-vector selects), for 16-lane
 * vectors (AVX-512 width). Used where rows must become columns: the across-rows row ops
 * ({@code RowLanes}) and the packing of a transposed B for {@link VectorGemm}
 * ({@link GemmPacking}). A copy changes no value, so callers at other widths copy element by
 * element and get the same bits.
 */
public final class Transpose16 {
    private static final VectorSpecies<Float> F = Vectors.F;

    /** Whether the vectors have 16 lanes (else {@link #block} must not be called). */
    public static final boolean AVAILABLE = F.length() == 16;

    // Index vectors of the four stages: stage s pairs rows i and i + s and exchanges their
    // s-wide blocks with two-vector selects.
    private static final FloatVector LO8 = shuffleIndex(new float[] {0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 16f, 17f, 18f, 19f, 20f, 21f, 22f, 23f});
    private static final FloatVector HI8 = shuffleIndex(new float[] {8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f, 24f, 25f, 26f, 27f, 28f, 29f, 30f, 31f});
    private static final FloatVector LO4 = shuffleIndex(new float[] {0f, 1f, 2f, 3f, 16f, 17f, 18f, 19f, 8f, 9f, 10f, 11f, 24f, 25f, 26f, 27f});
    private static final FloatVector HI4 = shuffleIndex(new float[] {4f, 5f, 6f, 7f, 20f, 21f, 22f, 23f, 12f, 13f, 14f, 15f, 28f, 29f, 30f, 31f});
    private static final FloatVector LO2 = shuffleIndex(new float[] {0f, 1f, 16f, 17f, 4f, 5f, 20f, 21f, 8f, 9f, 24f, 25f, 12f, 13f, 28f, 29f});
    private static final FloatVector HI2 = shuffleIndex(new float[] {2f, 3f, 18f, 19f, 6f, 7f, 22f, 23f, 10f, 11f, 26f, 27f, 14f, 15f, 30f, 31f});
    private static final FloatVector LO1 = shuffleIndex(new float[] {0f, 16f, 2f, 18f, 4f, 20f, 6f, 22f, 8f, 24f, 10f, 26f, 12f, 28f, 14f, 30f});
    private static final FloatVector HI1 = shuffleIndex(new float[] {1f, 17f, 3f, 19f, 5f, 21f, 7f, 23f, 9f, 25f, 11f, 27f, 13f, 29f, 15f, 31f});

    private static FloatVector shuffleIndex(float[] idx) {
        return AVAILABLE ? FloatVector.fromArray(F, idx, 0) : null;
    }

    private Transpose16() {
    }

    /**
     * 16 x 16 in-register transpose (16-lane vectors only, see {@link #AVAILABLE}): element j of
     * row i, a[src + i * ss + j], goes to t[dst + j * ds + i].
     */
    public static void block(float[] a, int src, int ss, float[] t, int dst, int ds) {
        FloatVector r0 = FloatVector.fromArray(F, a, src + 0 * ss);
        FloatVector r1 = FloatVector.fromArray(F, a, src + 1 * ss);
        FloatVector r2 = FloatVector.fromArray(F, a, src + 2 * ss);
        FloatVector r3 = FloatVector.fromArray(F, a, src + 3 * ss);
        FloatVector r4 = FloatVector.fromArray(F, a, src + 4 * ss);
        FloatVector r5 = FloatVector.fromArray(F, a, src + 5 * ss);
        FloatVector r6 = FloatVector.fromArray(F, a, src + 6 * ss);
        FloatVector r7 = FloatVector.fromArray(F, a, src + 7 * ss);
        FloatVector r8 = FloatVector.fromArray(F, a, src + 8 * ss);
        FloatVector r9 = FloatVector.fromArray(F, a, src + 9 * ss);
        FloatVector r10 = FloatVector.fromArray(F, a, src + 10 * ss);
        FloatVector r11 = FloatVector.fromArray(F, a, src + 11 * ss);
        FloatVector r12 = FloatVector.fromArray(F, a, src + 12 * ss);
        FloatVector r13 = FloatVector.fromArray(F, a, src + 13 * ss);
        FloatVector r14 = FloatVector.fromArray(F, a, src + 14 * ss);
        FloatVector r15 = FloatVector.fromArray(F, a, src + 15 * ss);
        FloatVector t0_0 = LO8.selectFrom(r0, r8);
        FloatVector t8_0 = HI8.selectFrom(r0, r8);
        FloatVector t1_0 = LO8.selectFrom(r1, r9);
        FloatVector t9_0 = HI8.selectFrom(r1, r9);
        FloatVector t2_0 = LO8.selectFrom(r2, r10);
        FloatVector t10_0 = HI8.selectFrom(r2, r10);
        FloatVector t3_0 = LO8.selectFrom(r3, r11);
        FloatVector t11_0 = HI8.selectFrom(r3, r11);
        FloatVector t4_0 = LO8.selectFrom(r4, r12);
        FloatVector t12_0 = HI8.selectFrom(r4, r12);
        FloatVector t5_0 = LO8.selectFrom(r5, r13);
        FloatVector t13_0 = HI8.selectFrom(r5, r13);
        FloatVector t6_0 = LO8.selectFrom(r6, r14);
        FloatVector t14_0 = HI8.selectFrom(r6, r14);
        FloatVector t7_0 = LO8.selectFrom(r7, r15);
        FloatVector t15_0 = HI8.selectFrom(r7, r15);
        r0 = t0_0;
        r1 = t1_0;
        r2 = t2_0;
        r3 = t3_0;
        r4 = t4_0;
        r5 = t5_0;
        r6 = t6_0;
        r7 = t7_0;
        r8 = t8_0;
        r9 = t9_0;
        r10 = t10_0;
        r11 = t11_0;
        r12 = t12_0;
        r13 = t13_0;
        r14 = t14_0;
        r15 = t15_0;
        FloatVector t0_1 = LO4.selectFrom(r0, r4);
        FloatVector t4_1 = HI4.selectFrom(r0, r4);
        FloatVector t1_1 = LO4.selectFrom(r1, r5);
        FloatVector t5_1 = HI4.selectFrom(r1, r5);
        FloatVector t2_1 = LO4.selectFrom(r2, r6);
        FloatVector t6_1 = HI4.selectFrom(r2, r6);
        FloatVector t3_1 = LO4.selectFrom(r3, r7);
        FloatVector t7_1 = HI4.selectFrom(r3, r7);
        FloatVector t8_1 = LO4.selectFrom(r8, r12);
        FloatVector t12_1 = HI4.selectFrom(r8, r12);
        FloatVector t9_1 = LO4.selectFrom(r9, r13);
        FloatVector t13_1 = HI4.selectFrom(r9, r13);
        FloatVector t10_1 = LO4.selectFrom(r10, r14);
        FloatVector t14_1 = HI4.selectFrom(r10, r14);
        FloatVector t11_1 = LO4.selectFrom(r11, r15);
        FloatVector t15_1 = HI4.selectFrom(r11, r15);
        r0 = t0_1;
        r1 = t1_1;
        r2 = t2_1;
        r3 = t3_1;
        r4 = t4_1;
        r5 = t5_1;
        r6 = t6_1;
        r7 = t7_1;
        r8 = t8_1;
        r9 = t9_1;
        r10 = t10_1;
        r11 = t11_1;
        r12 = t12_1;
        r13 = t13_1;
        r14 = t14_1;
        r15 = t15_1;
        FloatVector t0_2 = LO2.selectFrom(r0, r2);
        FloatVector t2_2 = HI2.selectFrom(r0, r2);
        FloatVector t1_2 = LO2.selectFrom(r1, r3);
        FloatVector t3_2 = HI2.selectFrom(r1, r3);
        FloatVector t4_2 = LO2.selectFrom(r4, r6);
        FloatVector t6_2 = HI2.selectFrom(r4, r6);
        FloatVector t5_2 = LO2.selectFrom(r5, r7);
        FloatVector t7_2 = HI2.selectFrom(r5, r7);
        FloatVector t8_2 = LO2.selectFrom(r8, r10);
        FloatVector t10_2 = HI2.selectFrom(r8, r10);
        FloatVector t9_2 = LO2.selectFrom(r9, r11);
        FloatVector t11_2 = HI2.selectFrom(r9, r11);
        FloatVector t12_2 = LO2.selectFrom(r12, r14);
        FloatVector t14_2 = HI2.selectFrom(r12, r14);
        FloatVector t13_2 = LO2.selectFrom(r13, r15);
        FloatVector t15_2 = HI2.selectFrom(r13, r15);
        r0 = t0_2;
        r1 = t1_2;
        r2 = t2_2;
        r3 = t3_2;
        r4 = t4_2;
        r5 = t5_2;
        r6 = t6_2;
        r7 = t7_2;
        r8 = t8_2;
        r9 = t9_2;
        r10 = t10_2;
        r11 = t11_2;
        r12 = t12_2;
        r13 = t13_2;
        r14 = t14_2;
        r15 = t15_2;
        FloatVector t0_3 = LO1.selectFrom(r0, r1);
        FloatVector t1_3 = HI1.selectFrom(r0, r1);
        FloatVector t2_3 = LO1.selectFrom(r2, r3);
        FloatVector t3_3 = HI1.selectFrom(r2, r3);
        FloatVector t4_3 = LO1.selectFrom(r4, r5);
        FloatVector t5_3 = HI1.selectFrom(r4, r5);
        FloatVector t6_3 = LO1.selectFrom(r6, r7);
        FloatVector t7_3 = HI1.selectFrom(r6, r7);
        FloatVector t8_3 = LO1.selectFrom(r8, r9);
        FloatVector t9_3 = HI1.selectFrom(r8, r9);
        FloatVector t10_3 = LO1.selectFrom(r10, r11);
        FloatVector t11_3 = HI1.selectFrom(r10, r11);
        FloatVector t12_3 = LO1.selectFrom(r12, r13);
        FloatVector t13_3 = HI1.selectFrom(r12, r13);
        FloatVector t14_3 = LO1.selectFrom(r14, r15);
        FloatVector t15_3 = HI1.selectFrom(r14, r15);
        r0 = t0_3;
        r1 = t1_3;
        r2 = t2_3;
        r3 = t3_3;
        r4 = t4_3;
        r5 = t5_3;
        r6 = t6_3;
        r7 = t7_3;
        r8 = t8_3;
        r9 = t9_3;
        r10 = t10_3;
        r11 = t11_3;
        r12 = t12_3;
        r13 = t13_3;
        r14 = t14_3;
        r15 = t15_3;
        r0.intoArray(t, dst + 0 * ds);
        r1.intoArray(t, dst + 1 * ds);
        r2.intoArray(t, dst + 2 * ds);
        r3.intoArray(t, dst + 3 * ds);
        r4.intoArray(t, dst + 4 * ds);
        r5.intoArray(t, dst + 5 * ds);
        r6.intoArray(t, dst + 6 * ds);
        r7.intoArray(t, dst + 7 * ds);
        r8.intoArray(t, dst + 8 * ds);
        r9.intoArray(t, dst + 9 * ds);
        r10.intoArray(t, dst + 10 * ds);
        r11.intoArray(t, dst + 11 * ds);
        r12.intoArray(t, dst + 12 * ds);
        r13.intoArray(t, dst + 13 * ds);
        r14.intoArray(t, dst + 14 * ds);
        r15.intoArray(t, dst + 15 * ds);
    }
}
