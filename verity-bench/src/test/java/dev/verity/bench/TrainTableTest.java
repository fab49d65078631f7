package dev.verity.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's arithmetic and formatting; no benchmark runs here (those are for ./verity bench). */
class TrainTableTest {
    private static TrainTable.Row row(String m, double v, double ref, double flopsPerSample, double peak) {
        return new TrainTable.Row(m, 1, v, ref, flopsPerSample, peak, true, 1234);
    }

    @Test
    void goalIsRatioOrPeakShare() {
        // ratio 1.5 exactly meets; 1.49 with a low share does not
        assertTrue(row("mlp", 150, 100, 1e6, 100).meetsGoal());
        assertFalse(row("mlp", 149, 100, 1e6, 100).meetsGoal());
        // 85 GFLOP/s of a 100 GFLOP/s peak meets without any reference
        TrainTable.Row share = row("gpt", 85_000, Double.NaN, 1e6, 100);
        assertEquals(85.0, share.modelGflops(), 1e-9);
        assertEquals(0.85, share.peakShare(), 1e-12);
        assertTrue(share.meetsGoal());
        assertFalse(row("gpt", 84_000, Double.NaN, 1e6, 100).meetsGoal());
        assertTrue(Double.isNaN(share.ratio()));
    }

    @Test
    void goalLineIsExact() {
        List<TrainTable.Row> rows = List.of(row("mlp", 150, 100, 1, 100), row("lenet5", 10, 100, 1, 100),
                row("gpt", 85_000, Double.NaN, 1e6, 100));
        assertEquals("goal: 2/3 rows meet (ratio >= 1.5 or peak share >= 85%)", TrainTable.goalLine(rows));
        String table = TrainTable.format(rows);
        String[] lines = table.strip().split("\n");
        assertEquals(TrainTable.goalLine(rows), lines[lines.length - 1]);
        assertEquals(5, lines.length);
        assertTrue(lines[0].startsWith("model "), lines[0]);
        assertTrue(lines[2].contains("0.10") && lines[2].endsWith("no"), lines[2]);
        assertTrue(lines[3].contains("85.0%") && lines[3].contains(" - "), lines[3]);
    }

    @Test
    void gridAlignsColumns() {
        String g = TrainTable.grid(List.of(new String[] {"a", "bb"}, new String[] {"ccc", "1"}));
        assertEquals("a    bb\nccc   1\n", g);
    }

    @Test
    void medianIgnoresNaN() {
        assertEquals(2.0, TrainTable.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, TrainTable.median(List.of(4.0, 1.0, Double.NaN, 2.0, 3.0)));
        assertTrue(Double.isNaN(TrainTable.median(List.of())));
    }

    @Test
    void rowsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new TrainTable.Row("", 1, 1, 1, 1, 1, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainTable.Row("mlp", 0, 1, 1, 1, 1, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainTable.Row("mlp", 1, 1, 1, 1, 0, null, 0));
    }

    @Test
    void childResultLineRoundTrips() {
        TrainRun.Result r = new TrainRun.Result("lenet5", 2, 12345.5, 987, 1_000_000, 1_100_000, 128, 669_706, 10, "ab12");
        assertEquals(r, TrainRun.Result.parse(r.line()));
        assertThrows(IllegalArgumentException.class, () -> TrainRun.Result.parse("nonsense"));
    }

    @Test
    void jsonNumbersAreRead() {
        String j = "{\"model\": \"mlp\", \"samples_per_s\": 21605.25, \"x\": 1e-3}";
        assertEquals(21605.25, Procs.jsonNumber(j, "samples_per_s"));
        assertEquals(1e-3, Procs.jsonNumber(j, "x"));
        assertTrue(Double.isNaN(Procs.jsonNumber(j, "absent")));
    }

    @Test
    void gemmShapesAndGoalLine() {
        GemmShape s = GemmShape.byName("mlp.fc0.dW");
        assertEquals("TN", s.form());
        assertEquals(2L * 512 * 784 * 128, s.flops());
        assertEquals(128, s.aRows());
        assertEquals(512, s.aCols());
        assertEquals(2L * 128 * 64 * 64 * 32, GemmShape.byName("gpt.att.qk").flops());
        assertThrows(IllegalArgumentException.class, () -> GemmShape.byName("nope"));
        assertThrows(IllegalArgumentException.class, () -> new GemmShape("x", 1, false, false, 0, 1, 1));
        assertEquals("gemm goal: 3/4 rows meet (verity >= 90% of OpenBLAS GFLOP/s)", GemmBench.gemmGoalLine(3, 4));
    }

    @Test
    void jmhBenchmarksWereGeneratedAndScriptIsBundled() throws Exception {
        // JDK 23+ runs no annotation processor implicitly: without the pom's processor path this list is missing.
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "JMH's BenchmarkList was not generated");
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(list.contains("GemmBenchmark") && list.contains("ConvBenchmark") && list.contains("NormBenchmark")
                    && list.contains("AttentionBenchmark"), list);
        }
        try (InputStream in = getClass().getResourceAsStream("/dev/verity/bench/python/reference_train.py")) {
            assertNotNull(in, "reference_train.py is not on the classpath");
        }
    }
}
