package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GEMM micro-kernels must stay compiled vector code when a GEMM first meets a bias (or an
 * accumulation into C) after C2 has compiled its kernels without one. With a branch on either in
 * a kernel, C2 compiled the unseen side as a trap; once it fired, the recompiled kernel boxed its
 * vectors for the rest of the run (4 MB of garbage per 2048x128x128 call, half the speed): about
 * one lenet5 training run in ten, by the order in which its GEMMs warmed up.
 *
 * <p>Runs in a fresh JVM (the kernels' profile must start clean: in this JVM other tests have
 * already run them every way) and reads the allocation of the calls after the switch.
 */
class KernelRecompileTest {
    /** A multiple of 6 rows: the direct path's paired kernel only (no 8-row tiles, no partial tile). */
    static final int M = 2046;
    static final int N = 128;
    static final int K = 128;
    /** Per call after the switch; boxed kernels allocate about 4 MB per call at this shape. */
    static final long MAX_BYTES_PER_CALL = 64 * 1024;

    @ParameterizedTest
    @ValueSource(strings = {"bias", "accumulate"})
    void aLateBiasOrAccumulationLeavesTheKernelsCompiled(String late) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC",
                "-XX:MaxInlineLevel=40", "-Dverity.threads=1", "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), late)).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            p.getInputStream().transferTo(out);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        } finally {
            p.destroyForcibly();
        }
        String text = out.toString();
        String line = text.lines().filter(l -> l.startsWith("bytes/call ")).findFirst()
                .orElseThrow(() -> new AssertionError("child printed no result:\n" + text));
        long perCall = Long.parseLong(line.substring("bytes/call ".length()).trim());
        assertTrue(perCall < MAX_BYTES_PER_CALL, "after a late " + late + ", a GEMM call allocates " + perCall
                + " bytes: the recompiled kernel boxes its vectors");
    }

    /** The scenario: calls without the feature until C2 has compiled the kernels, then calls with it. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            boolean lateBias = args[0].equals("bias");
            SplittableRandom r = new SplittableRandom(7);
            float[] a = new float[M * K];
            float[] b = new float[N * K];
            float[] c = new float[M * N];
            float[] bias = new float[N];
            for (float[] x : new float[][] {a, b, bias}) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextDouble(-1, 1);
                }
            }
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            // Phase 1: the plain GEMM (x W^T, about gpt's qkv forward shape), until C2 has compiled
            // the kernels with this profile only: a round of calls allocates nothing (interpreted
            // or C1 code boxes every vector).
            for (int round = 0; round < 60; round++) {
                long a0 = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 50; i++) {
                    Gemm.sgemm(false, true, M, N, K, a, 0, K, b, 0, K, c, 0, N, null, false);
                }
                if (round >= 8 && (mx.getCurrentThreadAllocatedBytes() - a0) / 50 < 1024) {
                    break;
                }
            }
            // Phase 2: the late feature alone (a trap fires where a kernel branched on it; C2
            // recompiles, and it is the recompiled code that boxed).
            for (int i = 0; i < 450; i++) {
                Gemm.sgemm(false, true, M, N, K, a, 0, K, b, 0, K, c, 0, N, lateBias ? bias : null, !lateBias);
            }
            // Measured right after: every combination, as a training step's GEMMs come (the old
            // kernels, recompiled after the traps, were boxed here).
            long a0 = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) {
                Gemm.sgemm(false, true, M, N, K, a, 0, K, b, 0, K, c, 0, N, i % 2 == 0 ? bias : null, i % 3 == 0);
            }
            long perCall = (mx.getCurrentThreadAllocatedBytes() - a0) / 200;
            System.out.println("bytes/call " + perCall);
        }
    }
}
