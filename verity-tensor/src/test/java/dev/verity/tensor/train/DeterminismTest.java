package dev.verity.tensor.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The final training state is a pure function of the task: same bits at any thread count and vector width. */
class DeterminismTest {
    @Test
    void sameStateAt1And2And4Threads() throws Exception {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Map<String, String> one = DeterminismProbe.run();
            Parallel.setThreads(2);
            Map<String, String> two = DeterminismProbe.run();
            Parallel.setThreads(4);
            Map<String, String> four = DeterminismProbe.run();
            assertEquals(one, two, "1 vs 2 threads");
            assertEquals(one, four, "1 vs 4 threads");
            assertEquals(3, one.size());
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void sameStateAt256And512BitVectors() throws Exception {
        Assumptions.assumeTrue(VectorShape.preferredShape().vectorBitSize() >= 512,
                "this CPU has no 512-bit vectors; the 512-bit path would run emulated");
        Map<String, String> a = child("256");
        Map<String, String> b = child("512");
        assertEquals(3, a.size(), "child JVM printed " + a);
        assertEquals(a, b, "256-bit vs 512-bit vectors");
        assertEquals(DeterminismProbe.run(), a, "in-process vs child JVM");
    }

    private static Map<String, String> child(String bits) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Dverity.vector.bits=" + bits,
                "-cp", System.getProperty("java.class.path"), DeterminismProbe.class.getName(), "2"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, String> out = new TreeMap<>();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.append(line).append('\n');
                if (line.startsWith("HASH ")) {
                    String[] f = line.split(" ");
                    assertEquals("bits=" + bits, f[3], "child ran at the wrong width");
                    out.put(f[1], f[2]);
                }
            }
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), log.toString());
        return new TreeMap<>(out);
    }

    @Test
    void resumeFromSavedStateGivesTheSameFinalHash(@TempDir Path dir) throws Exception {
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 1000);
        ModelConfig m = new ModelConfig.Mlp(new int[] {784, 32, 10});
        Trainer t = Trainer.images(m, TrainConfig.defaults("mlp", 6, 5).withBatch(16), train);
        TrainingState straight = t.initialState();
        t.train(straight, 6, true, null);

        TrainingState part = t.initialState();
        t.train(part, 3, true, null);
        Path f = dir.resolve("state.safetensors");
        part.save(f, t.identity());
        TrainingState loaded = TrainingState.load(f, t.identity());
        assertEquals(part.sha256Hex(), loaded.sha256Hex());
        Trainer fresh = Trainer.images(m, TrainConfig.defaults("mlp", 6, 5).withBatch(16), train);
        fresh.train(loaded, 6, true, null);
        assertEquals(straight.sha256Hex(), loaded.sha256Hex());
        assertEquals(6, loaded.step());
    }

    @Test
    void corruptOrForeignStateIsRejected(@TempDir Path dir) throws Exception {
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 500);
        ModelConfig m = new ModelConfig.Mlp(new int[] {784, 16, 10});
        Trainer t = Trainer.images(m, TrainConfig.defaults("mlp", 2, 5).withBatch(8), train);
        TrainingState s = t.initialState();
        t.train(s, 2, true, null);
        Path f = dir.resolve("s.safetensors");
        s.save(f, t.identity());
        byte[] b = Files.readAllBytes(f);
        b[b.length - 3] ^= 0x40;
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, b);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> TrainingState.load(bad, t.identity()));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        Trainer other = Trainer.images(m, TrainConfig.defaults("mlp", 2, 6).withBatch(8), train);
        Exception e2 = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> TrainingState.load(f, other.identity()));
        assertTrue(e2.getMessage().contains("different run"), e2.getMessage());
    }

    @Test
    void differentSeedsGiveDifferentStates() throws Exception {
        Dataset train = Datasets.fashionMnistShipped().train().slice(0, 500);
        ModelConfig m = new ModelConfig.Mlp(new int[] {784, 16, 10});
        TrainingState a = Trainer.images(m, TrainConfig.defaults("mlp", 2, 1).withBatch(8), train).initialState();
        TrainingState b = Trainer.images(m, TrainConfig.defaults("mlp", 2, 2).withBatch(8), train).initialState();
        assertNotEquals(a.sha256Hex(), b.sha256Hex());
    }
}
