package dev.verity.chain;

import dev.verity.merkle.Sha256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A synthetic step's op trace, for the self-test, the attack library and the economic simulation, where no model is
 * trained: five ops of fixed sizes whose elements are pseudo-random floats, a pure function of the salt, the step, the op
 * and the element, so an honest solver and every honest replay agree bit for bit (as a real deterministic step does).
 */
public record SyntheticTrace(long salt) {
    /** Element counts of the synthetic ops: a scalar, a partial chunk, whole chunks and a ragged tail. */
    static final long[] ELEMS = {1, 300, 1024, 37, 600};

    private static final Map<List<Long>, ReplayProof.SegmentEnds> ENDS = new ConcurrentHashMap<>();

    /** The op outputs of step {@code step} (the step that ends on checkpoint {@code step}). */
    public ReplayProof.StepOutputs outputs(long step) {
        return new ReplayProof.StepOutputs() {
            @Override
            public int ops() {
                return ELEMS.length;
            }

            @Override
            public byte[] recordHash(int op) {
                return Sha256.hash(("synthetic op " + op).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public long elems(int op) {
                return ELEMS[op];
            }

            @Override
            public byte[] chunk(int op, int j) {
                int from = j * ReplayProof.CHUNK_ELEMS;
                int n = (int) Math.min(ReplayProof.CHUNK_ELEMS, ELEMS[op] - from);
                ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int e = 0; e < n; e++) b.putFloat(value(step, op, from + e));
                return b.array();
            }
        };
    }

    /** Element {@code e} of op {@code op} at step {@code step}: a finite float in [-1, 1). */
    float value(long step, int op, long e) {
        long h = mix(mix(salt * 0x9E3779B97F4A7C15L + step) + op * 0xC2B2AE3D27D4EB4FL + e);
        return ((h >>> 40) / (float) (1 << 24)) * 2f - 1f;
    }

    /** The ends an honest solver commits: the op-trace root of every segment's last step (cached by shape). */
    public ReplayProof.SegmentEnds ends(long totalSteps, long interval) {
        return ENDS.computeIfAbsent(List.of(salt, totalSteps, interval), k -> {
            List<Long> steps = new ArrayList<>();
            List<byte[]> roots = new ArrayList<>();
            for (long s1 = Math.min(interval, totalSteps); ; s1 = Math.min(s1 + interval, totalSteps)) {
                steps.add(s1);
                roots.add(ReplayProof.opTraceRoot(outputs(s1)));
                if (s1 == totalSteps) break;
            }
            return new ReplayProof.SegmentEnds(steps, roots);
        });
    }

    /** The last step of segment {@code segment} (the checkpoint it ends on). */
    public static long endStep(long segment, long totalSteps, long interval) {
        return Math.min((segment + 1) * interval, totalSteps);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
