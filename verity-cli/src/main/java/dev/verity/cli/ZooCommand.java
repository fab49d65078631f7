package dev.verity.cli;

import dev.verity.chain.Verity;
import dev.verity.node.Zoo;
import dev.verity.node.blob.BlobStores;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.AtomicFiles;
import dev.verity.proof.store.BlobStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code verity zoo ...}: the models settled tasks produced, with their provenance. */
@Command(name = "zoo", mixinStandardHelpOptions = true, description = "The model zoo: models of settled tasks and where they came from.",
        subcommands = {ZooCommand.ListModels.class, ZooCommand.Get.class})
public final class ZooCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, Object> json(Verity.ModelEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelRoot", Sha256.hex(e.modelRoot()));
        m.put("taskId", e.taskId());
        m.put("specHash", Sha256.hex(e.specHash()));
        m.put("traceRoot", Sha256.hex(e.traceRoot()));
        m.put("parentModel", TaskCommand.isZero(e.parent()) ? null : Sha256.hex(e.parent()));
        m.put("solver", e.solver().toLowerCase(Locale.ROOT));
        m.put("registeredAt", e.registeredAt());
        return m;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every model in the zoo: model root, task, spec hash, trace root, parent model, solver.")
    static final class ListModels implements Callable<Integer> {
        @Mixin
        NetworkOptions net;

        @Option(names = "--json", description = "print a JSON array instead of a table")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = cmd.commandLine().getOut();
            try (NetworkOptions.Connection c = net.connect()) {
                List<Verity.ModelEntry> models = c.verity().models();
                if (json) {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    models.forEach(e -> rows.add(json(e)));
                    out.println(TaskCommand.JSON.writeValueAsString(rows));
                    return 0;
                }
                if (models.isEmpty()) {
                    out.println("the zoo is empty: no task has settled yet");
                    return 0;
                }
                String f = "%-64s  %5s  %-14s  %-14s  %-14s  %-42s  %s%n";
                out.printf(f, "MODEL ROOT", "TASK", "SPEC", "TRACE ROOT", "PARENT", "SOLVER", "REGISTERED");
                for (Verity.ModelEntry e : models) {
                    out.printf(f, Sha256.hex(e.modelRoot()), e.taskId(), abbrev(e.specHash()), abbrev(e.traceRoot()),
                            TaskCommand.isZero(e.parent()) ? "-" : abbrev(e.parent()), e.solver().toLowerCase(Locale.ROOT),
                            Instant.ofEpochSecond(e.registeredAt()));
                }
            }
            return 0;
        }

        private static String abbrev(byte[] h) {
            return Sha256.hex(h).substring(0, 12) + "..";
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Fetch a model by its model root from the blob store and write it as safetensors.",
                    "Every read is verified: each blob against its key, and the weights against the model root registered on chain."})
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "HASH", description = "the model root (64 hex digits, or a unique prefix of at least 8; see 'verity zoo list')")
        String hash;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the model (safetensors)")
        Path out;

        @Option(names = "--onnx", paramLabel = "FILE", description = "for a model trained from an ONNX import: also write the ONNX "
                + "model with the trained weights as its initializers, for PyTorch or any ONNX runtime")
        Path onnx;

        @Mixin
        NetworkOptions net;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            if (Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a directory; give a file name");
            }
            BlobStore store = net.openStore();
            try (NetworkOptions.Connection c = net.connect()) {
                byte[] root = Zoo.resolve(c.verity(), hash);
                Zoo.Model m = Zoo.fetch(c.verity(), store, root);
                AtomicFiles.write(out, m.safetensors());
                cmd.commandLine().getOut().printf(Locale.ROOT, "model %s (task %d, %d tensors, %,d parameters) verified against the registry; wrote %,d bytes to %s%n",
                        m.rootHex(), m.entry().taskId(), m.tensors().size(), m.parameters(), m.safetensors().length, out);
                if (onnx != null) {
                    writeOnnx(c.verity(), store, m, onnx);
                }
            } finally {
                BlobStores.close(store);
            }
            return 0;
        }

        /** The task's ONNX model (from its spec, by hash) with the zoo's verified weights in place of its initializers. */
        private void writeOnnx(Verity v, BlobStore store, Zoo.Model m, Path file) throws java.io.IOException {
            String specKey = Sha256.hex(v.task(m.entry().taskId()).spec().specHash());
            dev.verity.proof.spec.TaskSpec spec = dev.verity.proof.spec.TaskSpec.parse(
                    new String(store.get(specKey), java.nio.charset.StandardCharsets.UTF_8), store);
            if (!(spec.model() instanceof dev.verity.tensor.model.ModelConfig.Onnx o)) {
                throw new IllegalArgumentException("--onnx: model " + m.rootHex() + " was trained from a built-in "
                        + spec.model().name() + ", not an ONNX import; its safetensors are written to " + out);
            }
            java.util.TreeMap<String, dev.verity.tensor.Tensor> trained = new java.util.TreeMap<>();
            for (String name : o.initialTensors().keySet()) {
                dev.verity.tensor.Tensor t = m.tensors().get(name);
                if (t == null) {
                    throw new IllegalStateException("the zoo model has no tensor '" + name + "' of its ONNX model");
                }
                trained.put(name, t);
            }
            AtomicFiles.write(file, dev.verity.tensor.onnx.OnnxExport.withInitializers(store.get(o.sha256()), trained));
            cmd.commandLine().getOut().printf(Locale.ROOT, "wrote the ONNX model with the trained weights (%d initializers) to %s%n",
                    trained.size(), file);
        }
    }
}
