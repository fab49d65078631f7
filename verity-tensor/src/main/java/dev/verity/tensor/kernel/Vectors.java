package dev.verity.tensor.kernel;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every fast path uses. The system property {@code verity.vector.bits}
 * (256 or 512) forces it; the default is the CPU's preferred width. Kernels never let the width
 * change a result: vectors run across independent outputs, each lane doing the scalar chain.
 */
public final class Vectors {
    public static final VectorSpecies<Float> F;
    public static final VectorSpecies<Integer> I;

    static {
        String bits = System.getProperty("verity.vector.bits", "");
        VectorShape shape = switch (bits) {
            case "" -> VectorShape.preferredShape();
            case "128" -> VectorShape.S_128_BIT;
            case "256" -> VectorShape.S_256_BIT;
            case "512" -> VectorShape.S_512_BIT;
            default -> throw new IllegalArgumentException(
                    "verity.vector.bits must be 128, 256 or 512, got '" + bits + "'");
        };
        F = VectorSpecies.of(float.class, shape);
        I = VectorSpecies.of(int.class, shape);
    }

    private Vectors() {
    }

    /** Float lanes per vector (8 at 256 bits, 16 at 512 bits). */
    public static int lanes() {
        return F.length();
    }

    public static int bits() {
        return F.vectorBitSize();
    }
}
