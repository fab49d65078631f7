package dev.verity.proof.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.model.ModelConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A proof made at this machine's vector width verifies bit-exactly at 256 and at 512 bits, in other JVMs. */
class CrossWidthVerificationTest {
    @Test
    void honestProofVerifiesAtOtherVectorWidths(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(VectorShape.preferredShape().vectorBitSize() >= 512, "needs a CPU with 512-bit vectors");
        TextTask.write(dir);
        for (String bits : List.of("256", "512")) {
            String out = child(dir, bits);
            assertTrue(out.contains("VERDICT valid bits=" + bits), out);
        }
    }

    private static String child(Path dir, String bits) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dverity.vector.bits=" + bits, "-cp",
                System.getProperty("java.class.path"), VerifyMain.class.getName(), dir.toString()).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.append(line).append('\n');
            }
        }
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), log.toString());
        return log.toString();
    }

    /** A small gpt task with dropout, so RNG and every transformer op are in the replay. */
    static final class TextTask {
        static void write(Path dir) throws Exception {
            String dataset = "kjv:20000";
            ModelConfig.Gpt probe = new ModelConfig.Gpt(1, 32, 4, 16, 2, 0.1f);
            int vocab = dev.verity.proof.spec.DatasetCatalog.resolve(dataset).corpus().vocabSize();
            ModelConfig.Gpt g = new ModelConfig.Gpt(probe.layers(), probe.dModel(), probe.heads(), probe.context(), vocab, 0.1f);
            TaskSpec d = TaskSpec.defaults(g, dataset, TaskRun.datasetRootFor(dataset, g, 4), 6, 9, 2);
            TaskSpec spec = new TaskSpec(g, dataset, d.datasetRoot(), null, null, d.train().withBatch(4), 2);
            TaskRun run = TaskRun.open(spec);
            LocalBlobStore store = new LocalBlobStore(dir.resolve("blobs"));
            Manifest m = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
            Files.writeString(dir.resolve("spec.json"), spec.canonicalJson());
            Files.write(dir.resolve("manifest.json"), m.toJson());
        }
    }
}
