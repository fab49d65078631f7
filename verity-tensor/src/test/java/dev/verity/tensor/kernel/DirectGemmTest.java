package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Test;

/**
 * The unpacked small-shape GEMM path ({@link VectorGemm#directBlock}, chosen by
 * {@link VectorGemm#directFits}) gives the reference's bits: all four transpose combinations,
 * M and N tails (the one-vector tail kernel, partial row tiles at row-block ends), accumulate
 * and bias, B read in place or packed (a panel at the very end of the array), single and
 * batched, at 1, 2 and 4 threads.
 */
class DirectGemmTest {
    private static boolean same(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                return false;
            }
        }
        return true;
    }

    @Test
    void directMatchesScalar() {
        assertTrue(VectorGemm.directFits(64, 64, 32));
        int saved = Parallel.threads();
        Random r = new Random(42);
        int nr = VectorGemm.NR, l = VectorGemm.lanes();
        // the last five: several row blocks (rowBlock(128) = 120 rows) with a partial tile at the end,
        // and the narrow tail kernel at 1, L - 1, L + 3 and L + 1 + NR columns
        int[][] shapes = {{64, 64, 32}, {13, 5, 7}, {12, 2 * nr, 1}, {37, 70, 129}, {150, 100, 16},
            {16, 150, 100}, {25, 3, 1024}, {2 * VectorGemm.rowBlock(128) + 5, 65, 128}, {131, 1, 200},
            {49, l - 1, 300}, {61, l + 3, 40}, {300, nr + l + 1, 17}};
        try {
            for (int th : new int[] {1, 2, 4}) {
                Parallel.setThreads(th);
                for (int[] sh : shapes) {
                    int m = sh[0], n = sh[1], k = sh[2];
                    assertTrue(VectorGemm.directFits(m, n, k), "shape should take the direct path");
                    for (int combo = 0; combo < 16; combo++) {
                        boolean ta = (combo & 1) != 0, tb = (combo & 2) != 0, acc = (combo & 4) != 0;
                        float[] bias = (combo & 8) != 0 ? rand(r, n) : null;
                        int batch = 1 + r.nextInt(3);
                        int lda = (ta ? m : k) + r.nextInt(3);
                        int ldb = (tb ? k : n) + r.nextInt(3);
                        long sa = (long) (ta ? k : m) * lda, sb = (long) (tb ? n : k) * ldb, sc = (long) m * n;
                        // arrays end exactly at the last element: the last B panel cannot be read in place
                        float[] a = rand(r, (int) (sa * batch));
                        float[] b = rand(r, (int) (sb * batch));
                        float[] c0 = rand(r, (int) (sc * batch));
                        float[] want = c0.clone();
                        float[] got = c0.clone();
                        ScalarGemm.sgemmBatched(batch, ta, tb, m, n, k, a, 0, lda, sa, b, 0, ldb, sb, want, 0, n, sc, bias, acc);
                        VectorGemm.sgemmBatched(batch, ta, tb, m, n, k, a, 0, lda, sa, b, 0, ldb, sb, got, 0, n, sc, bias, acc);
                        assertTrue(same(want, got), "batched " + m + "x" + n + "x" + k + " combo " + combo + " threads " + th);
                        float[] w1 = c0.clone();
                        float[] g1 = c0.clone();
                        ScalarGemm.sgemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, w1, 0, n, bias, acc);
                        VectorGemm.sgemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, g1, 0, n, bias, acc);
                        assertTrue(same(w1, g1), "single " + m + "x" + n + "x" + k + " combo " + combo + " threads " + th);
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertEquals(saved, Parallel.threads());
    }

    static float[] rand(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(40) == 0 ? -0f : r.nextFloat() * 2 - 1;
        }
        return v;
    }

    /**
     * The same kernels at each vector width the CPU has, in child JVMs (the species is fixed per
     * JVM): 128 bits has 4 lanes, fewer than a micro-kernel row (ARM's NEON width); 256 bits 8
     * lanes, no paired panels and other tail widths; 512 bits pairs panels.
     */
    @Test
    void directPathMatchesScalarAt128To512Bits() throws Exception {
        int preferred = VectorShape.preferredShape().vectorBitSize();
        List<String> widths = new ArrayList<>(List.of("128"));
        if (preferred >= 256) {
            widths.add("256");
        }
        if (preferred >= 512) {
            widths.add("512");
        }
        for (String bits : widths) {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                    "-Dverity.vector.bits=" + bits, "-cp", System.getProperty("java.class.path"),
                    GemmWidthProbe.class.getName()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            StringBuilder log = new StringBuilder();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    log.append(line).append('\n');
                }
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), log.toString());
            String out = log.toString();
            assertTrue(out.contains("LANES " + Integer.parseInt(bits) / 32), bits + "-bit child ran at the wrong width: " + out);
            assertTrue(out.contains("OK 320"), bits + "-bit child: " + out);
        }
    }
}
