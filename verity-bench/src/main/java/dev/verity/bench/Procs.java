package dev.verity.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes: a JVM on this classpath, or python3 with the OpenMP OpenBLAS. */
final class Procs {
    /** Debian's OpenMP build of OpenBLAS: with the default pthread build, torch's threads and BLAS's fight. */
    static final String OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp";

    private Procs() {
    }

    record Out(int exit, String stdout, String stderr) {
    }

    static Out run(List<String> cmd, Map<String, String> env, long timeoutSec) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // Drain stderr on its own thread so a chatty child never blocks on a full pipe.
        StringBuilder err = new StringBuilder();
        Thread drain = Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = p.getErrorStream()) {
                err.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the child died; its exit code says so
            }
        });
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Out(124, out, "timed out after " + timeoutSec + " s");
        }
        drain.join(5000);
        return new Out(p.exitValue(), out, err.toString());
    }

    /** A command running {@code mainClass} in a fresh JVM with this JVM's classpath and the Vector API. */
    static List<String> java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseParallelGC", "-XX:MaxInlineLevel=40", "-Xmx4g", "-Xlog:disable", "-Xlog:all=error:stderr"));
        // the engine's tuning properties (e.g. -Dverity.parallel.spinMicros) reach the measured JVMs
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("verity.") && !k.equals("verity.home")).sorted()
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The python to run the references with: $VERITY_PYTHON, else Debian's /usr/bin/python3 (where
     * apt's python3-torch and python3-numpy live; a pyenv or venv python3 earlier on PATH lacks
     * them), else whatever python3 is on PATH.
     */
    static String python() {
        String env = System.getenv("VERITY_PYTHON");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Environment for the python reference at {@code threads} threads. */
    static Map<String, String> pythonEnv(int threads) {
        String t = Integer.toString(threads);
        String ld = System.getenv("LD_LIBRARY_PATH");
        return Map.of("LD_LIBRARY_PATH", ld == null || ld.isEmpty() ? OPENBLAS_OPENMP : OPENBLAS_OPENMP + ":" + ld,
                "OMP_NUM_THREADS", t, "OPENBLAS_NUM_THREADS", t, "MKL_NUM_THREADS", t);
    }

    /** Copies a bundled script out of the jar/classes to a temp file python can run. */
    static Path script(String resource) throws IOException {
        try (InputStream in = Procs.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("bundled script " + resource + " is missing from the classpath");
            }
            Path f = Files.createTempFile("verity-bench-", ".py");
            f.toFile().deleteOnExit();
            Files.write(f, in.readAllBytes());
            return f;
        }
    }

    /**
     * Copies the bundled python scripts into one fresh temp directory, under their own names, so that one can import
     * another ({@code reference_train.py} imports {@code onnx_models.py}).
     */
    static Path scripts() throws IOException {
        Path dir = removedAtExit(Files.createTempDirectory("verity-bench-py-"));
        for (String name : List.of("reference_train.py", "onnx_models.py")) {
            try (InputStream in = Procs.class.getResourceAsStream("/dev/verity/bench/python/" + name)) {
                if (in == null) {
                    throw new IOException("bundled script " + name + " is missing from the classpath");
                }
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        return dir;
    }

    /**
     * Exports the imported bench models ({@code onnx-...}) with {@code onnx_models.py} into a fresh temp directory,
     * {@code DIR/<model>/model.onnx} and {@code data.npz}, and returns DIR.
     */
    static Path exportOnnx(Path scripts, List<String> models) throws IOException, InterruptedException {
        Path out = removedAtExit(Files.createTempDirectory("verity-bench-onnx-"));
        Out p = run(List.of(python(), scripts.resolve("onnx_models.py").toString(), "--out", out.toString(), "--models",
                String.join(",", models)), pythonEnv(1), 600);
        if (p.exit() != 0) {
            throw new IOException("exporting " + models + " with onnx_models.py failed (exit " + p.exit() + "; it needs "
                    + "python3-torch and python3-onnx): " + TrainBench.lastLine(p.stderr()));
        }
        return out;
    }

    /**
     * Deletes {@code dir} and everything in it when this JVM exits (the children that read it have ended by then):
     * an export is tens of MB and is written again by every run.
     */
    static Path removedAtExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException | java.io.UncheckedIOException ignored) {
                // best effort: a temp folder left behind costs only disk
            }
        }));
        return dir;
    }

    /** The value of a numeric JSON field in a flat one-line object, NaN when absent. */
    static double jsonNumber(String json, String field) {
        var m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(field)
                + "\"\\s*:\\s*(-?[0-9.eE+-]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
