package dev.verity.tensor.nn;

import dev.verity.tensor.graph.Attrs;
import dev.verity.tensor.graph.OpAttr;
import dev.verity.tensor.rng.Philox;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How a parameter starts. Random values come from Philox keyed by the task seed, with the
 * counter (PURPOSE, nameId, i / 4, 0) and word i % 4, where nameId is the first 4 bytes of
 * SHA-256(name): any single initial value can be recomputed alone, and it does not depend on the
 * order in which parameters are declared.
 *
 * <p>The graph carries each state tensor's init in its STATE node's attributes ({@link #stateAttrs}): {@code init}
 * (the kind's code), {@code bound} and {@code seed} for a uniform init, and {@code param} (1 for a model parameter).
 * So the graph root commits to checkpoint 0, and a contract can recompute one initial value of any state tensor from
 * the node's record alone (TaskMarket.challengeInit).
 */
public record Init(Kind kind, float bound) {
    /** How a tensor starts; the code is on the wire (graph records, TaskMarket's init claim), never the ordinal. */
    public enum Kind {
        ZEROS(0), ONES(1), UNIFORM(2);

        public final int code;

        Kind(int code) {
            this.code = code;
        }

        public static Kind ofCode(long code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown init code " + code + " (0 zeros, 1 ones, 2 uniform)");
        }
    }

    /** Philox purpose word for parameter init ("INIT"). */
    public static final int PURPOSE = 0x494e4954;

    public Init {
        if (kind == Kind.UNIFORM && !(bound > 0f && Float.isFinite(bound))) {
            throw new IllegalArgumentException("uniform init needs a positive finite bound, got " + bound);
        }
    }

    public static Init zeros() {
        return new Init(Kind.ZEROS, 0f);
    }

    public static Init ones() {
        return new Init(Kind.ONES, 0f);
    }

    public static Init uniform(float bound) {
        return new Init(Kind.UNIFORM, bound);
    }

    /** PyTorch's default for Linear and Conv weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
    public static Init fanIn(int fanIn) {
        return uniform(1f / (float) Math.sqrt(fanIn));
    }

    /** The attributes of a STATE node that starts with this init under {@code seed}: see the class comment. */
    public Attrs stateAttrs(long seed, boolean param) {
        Attrs.Builder b = Attrs.builder().put(OpAttr.INIT, (long) kind.code).put(OpAttr.INIT_PARAM, param);
        if (kind == Kind.UNIFORM) {
            b.put(OpAttr.INIT_BOUND, bound).put(OpAttr.SEED, seed);
        }
        return b.build();
    }

    /** The init a STATE node's attributes prescribe. */
    public static Init ofStateAttrs(Attrs a) {
        Kind k = Kind.ofCode(a.get(OpAttr.INIT));
        return k == Kind.UNIFORM ? uniform(a.get(OpAttr.INIT_BOUND)) : new Init(k, 0f);
    }

    public static int nameId(String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills {@code out} with this init for parameter {@code name} under {@code seed}. */
    public void fill(String name, long seed, float[] out) {
        switch (kind) {
            case ZEROS -> java.util.Arrays.fill(out, 0f);
            case ONES -> java.util.Arrays.fill(out, 1f);
            case UNIFORM -> {
                int id = nameId(name);
                float twice = 2f * bound;
                for (int blk = 0; blk * 4 < out.length; blk++) {
                    int[] w = Philox.block((int) seed, (int) (seed >>> 32), PURPOSE, id, blk, 0);
                    for (int k = 0; k < 4 && blk * 4 + k < out.length; k++) {
                        out[blk * 4 + k] = Math.fma(Philox.uniform(w[k]), twice, -bound);
                    }
                }
            }
        }
    }
}
