package dev.verity.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./verity bench train}: Verity (a child JVM per configuration) against the PyTorch
 * reference (a python process per configuration), alternating, several repetitions; medians.
 */
public final class TrainBench {
    /**
     * Untimed warm-up steps and timed steps per model: a few seconds of work each on one core. The
     * warm-up is long enough for C2 to compile the kernels of every op the model uses: with 15
     * lenet5 steps the timed window still ran partly interpreted (11.6k samples/s, against 16.3k
     * after 100 steps, same machine), and with 200 one-thread lenet5 steps runs still
     * allocated boxed vectors (12 MB/step) in the timed window: a kernel awaiting its C2 compile.
     * Likewise mlp after 60 steps (0.3 s): 27-31k samples/s and 150-180 KB/step at 2 threads,
     * against 36k and 15 KB/step after 400.
     */
    static final Map<String, int[]> DEFAULT_STEPS = Map.of("mlp", new int[] {400, 400}, "lenet5", new int[] {400, 120},
            "gpt", new int[] {60, 40}, "onnx-cnn", new int[] {100, 100}, "onnx-resnet", new int[] {30, 24},
            "onnx-transformer", new int[] {40, 40});

    /** Every model {@code --models} accepts, in the order the help lists them. */
    static final List<String> KNOWN = List.of("mlp", "lenet5", "gpt", "onnx-cnn", "onnx-resnet", "onnx-transformer");

    private TrainBench() {
    }

    /**
     * @param best take each side's best repetition (true) or its median (false). Best is the
     *             default: on a shared 2-core machine a burst of someone else's work can cut one
     *             run's throughput several-fold (PyTorch's spinning OpenMP barriers fall from ~35k
     *             to under 1k samples/s), and a median of 3 then still rewards whichever side was
     *             unlucky; the best run of each side is the closest to an undisturbed machine.
     */
    public record Options(List<String> models, List<Integer> threads, boolean reference, int reps, int steps, int warmup,
                          boolean best) {
        public Options {
            if (models.isEmpty() || threads.isEmpty()) {
                throw new IllegalArgumentException("need at least one model and one thread count");
            }
            for (String m : models) {
                if (!DEFAULT_STEPS.containsKey(m)) {
                    throw new IllegalArgumentException("unknown model '" + m + "' (known: " + String.join(", ", KNOWN) + ")");
                }
            }
            for (int t : threads) {
                if (t < 1 || t > 1024) {
                    throw new IllegalArgumentException("threads must be in [1, 1024], got " + t);
                }
            }
            if (reps < 1) {
                throw new IllegalArgumentException("reps must be >= 1, got " + reps);
            }
            if (steps < 0 || warmup < -1) {
                throw new IllegalArgumentException("steps must be >= 0 (0 = per-model default)");
            }
            models = List.copyOf(models);
            threads = List.copyOf(threads);
        }
    }

    public static List<TrainTable.Row> run(Options o, PrintStream log) throws IOException, InterruptedException {
        Map<Integer, Double> peak = new LinkedHashMap<>();
        for (int t : o.threads()) {
            peak.put(t, Peak.perCoreTimes(t));
            log.printf(Locale.ROOT, "peak: %.1f GFLOP/s fp32 FMA for %d thread(s) (one core's, %d-lane vectors, times %d;"
                    + " measured concurrently: %.1f)%n", peak.get(t), t, Peak.lanes(), t, Peak.gflops(t, 3));
        }
        List<String> importedModels = o.models().stream().filter(TrainRun::imported).toList();
        Path scripts = o.reference() || !importedModels.isEmpty() ? Procs.scripts() : null;
        Path script = o.reference() ? scripts.resolve("reference_train.py") : null;
        // One export for the whole run: every Verity run of a model trains the same file, so their hashes compare.
        Path onnxDir = importedModels.isEmpty() ? null : Procs.exportOnnx(scripts, importedModels);
        if (onnxDir != null) {
            log.println("exported " + importedModels + " to " + onnxDir);
        }
        Tally tally = new Tally();
        log.printf(Locale.ROOT, "load average before the runs: %.2f (on %d cores)%n", Peak.loadAverage(),
                Runtime.getRuntime().availableProcessors());
        // Repetitions outermost, so that each configuration's runs are spread over the whole bench.
        for (int rep = 0; rep < o.reps(); rep++) {
            if (rep > 0) {
                Peak.remeasure();
            }
            for (String m : o.models()) {
                int warm = o.warmup() >= 0 ? o.warmup() : DEFAULT_STEPS.get(m)[0];
                int steps = o.steps() > 0 ? o.steps() : DEFAULT_STEPS.get(m)[1];
                for (int t : o.threads()) {
                    runPair(new Config(m, t, warm, steps), rep, onnxDir, script, tally, log);
                }
            }
        }
        // The peak: the best single-core measurement over the whole run, times the thread count.
        double perCore = Peak.remeasure();
        for (int t : o.threads()) {
            peak.put(t, perCore * t);
        }
        log.printf(Locale.ROOT, "peak after the runs: %.1f GFLOP/s per core; load average %.2f%n", perCore, Peak.loadAverage());
        return rows(o, tally, peak);
    }

    /** One model at one thread count, with its warm-up and timed step counts. */
    private record Config(String model, int threads, int warmup, int steps) {
        String key() {
            return model + "/" + threads;
        }
    }

    /** What the repetitions measured so far, by "model/threads" key (hashes by model). */
    private static final class Tally {
        final Map<String, List<Double>> vSps = new LinkedHashMap<>();
        final Map<String, List<Double>> rSps = new LinkedHashMap<>();
        final Map<String, List<Long>> alloc = new LinkedHashMap<>();
        final Map<String, Set<String>> hashesByModel = new LinkedHashMap<>();
        final Map<String, TrainRun.Result> last = new LinkedHashMap<>();
        /** Set once the reference fails: the rest of the bench runs Verity alone. */
        boolean referenceBroken;
        /** Warnings already given (each at most once per bench). */
        final Set<String> warnedParams = new HashSet<>();
    }

    /** One repetition of one configuration: the Verity child, then the PyTorch reference (if any). */
    private static void runPair(Config c, int rep, Path onnxDir, Path script, Tally tally, PrintStream log)
            throws IOException, InterruptedException {
        String key = c.key();
        List<String> child = new ArrayList<>(Procs.java(BenchMain.class.getName(), "train-child", "--model", c.model(),
                "--threads", Integer.toString(c.threads()), "--warmup", Integer.toString(c.warmup()),
                "--steps", Integer.toString(c.steps())));
        if (onnxDir != null) {
            child.addAll(List.of("--onnx-dir", onnxDir.toString()));
        }
        Procs.Out out = Procs.run(child, Map.of(), 3600);
        TrainRun.Result r = parseChild(out);
        tally.vSps.computeIfAbsent(key, k -> new ArrayList<>()).add(r.samplesPerSec());
        tally.alloc.computeIfAbsent(key, k -> new ArrayList<>()).add(r.allocPerStep());
        tally.hashesByModel.computeIfAbsent(c.model(), k -> new HashSet<>()).add(r.stateHash());
        tally.last.put(key, r);
        String ref = "";
        if (script != null && !tally.referenceBroken) {
            ref = runReference(c, script, r, tally, log);
        }
        // alloc per rep: a JIT compile that left a kernel's vectors boxed shows as MBs per step
        log.printf(Locale.ROOT, "rep %d %s threads %d: verity %.0f samples/s (%d B/step)%s, hash %s%n", rep + 1,
                c.model(), c.threads(), r.samplesPerSec(), r.allocPerStep(), ref, r.stateHash().substring(0, 16));
        if (r.allocPerStep() > BOXED_ALLOC_PER_STEP) {
            log.printf(Locale.ROOT, "WARNING: this run allocated %d bytes per step: a kernel runs with boxed"
                    + " vectors (a JIT compile fell back; a fresh run usually does not). Its samples/s is"
                    + " not Verity's steady state.%n", r.allocPerStep());
        }
    }

    /** Runs the PyTorch reference; returns the log line's reference part ("" when it failed). */
    private static String runReference(Config c, Path script, TrainRun.Result r, Tally tally, PrintStream log)
            throws IOException, InterruptedException {
        String m = c.model();
        int t = c.threads();
        Procs.Out p = Procs.run(List.of(Procs.python(), script.toString(), "--model", m, "--threads",
                Integer.toString(t), "--warmup", Integer.toString(c.warmup()), "--steps", Integer.toString(c.steps()),
                "--vocab", Integer.toString(r.classes())),
                Procs.pythonEnv(t), 3600);
        double sps = Procs.jsonNumber(p.stdout(), "samples_per_s");
        if (p.exit() != 0 || Double.isNaN(sps)) {
            tally.referenceBroken = true;
            log.println("pytorch reference failed (exit " + p.exit() + "), continuing without it: "
                    + lastLine(p.stderr()));
            return "";
        }
        tally.rSps.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(sps);
        if (!p.stdout().contains("openblas") && tally.warnedParams.add("blas")) {
            // Debian's torch calls whatever libblas.so.3 resolves to; netlib's is 20-30x slower.
            log.println("WARNING: the PyTorch reference did not load OpenBLAS (install"
                    + " libopenblas0-openmp, or point LD_LIBRARY_PATH at its openblas-openmp folder):"
                    + " its matmuls run on the reference BLAS and its samples/s are far too low");
        }
        long refParams = (long) Procs.jsonNumber(p.stdout(), "params");
        if (refParams != r.params() && tally.warnedParams.add(m)) {
            // Same architecture means the same parameter count; say so loudly if not.
            log.printf(Locale.ROOT, "WARNING: %s has %d parameters in Verity but %d in the reference%n",
                    m, r.params(), refParams);
        }
        return String.format(Locale.ROOT, ", pytorch %.0f", sps);
    }

    /** One table row per configuration, in the order the options list them. */
    private static List<TrainTable.Row> rows(Options o, Tally tally, Map<Integer, Double> peak) {
        List<TrainTable.Row> rows = new ArrayList<>();
        for (String m : o.models()) {
            for (int t : o.threads()) {
                String key = m + "/" + t;
                TrainRun.Result r = tally.last.get(key);
                Boolean same = o.threads().size() * o.reps() > 1 ? tally.hashesByModel.get(m).size() == 1 : null;
                List<Long> al = new ArrayList<>(tally.alloc.get(key));
                al.sort(null);
                rows.add(new TrainTable.Row(m, t, stat(tally.vSps.get(key), o.best()),
                        stat(tally.rSps.getOrDefault(key, List.of()), o.best()), (double) r.modelFlopsPerStep() / r.batch(),
                        peak.get(t), same, al.get(al.size() / 2)));
            }
        }
        return rows;
    }

    static double stat(List<Double> xs, boolean best) {
        return best ? xs.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN)
                : TrainTable.median(xs);
    }

    /**
     * A steady-state step allocates kilobytes (the parallel hand-off's small records); a kernel
     * whose vectors the JIT left boxed allocates megabytes.
     */
    static final long BOXED_ALLOC_PER_STEP = 1L << 20;

    private static TrainRun.Result parseChild(Procs.Out out) {
        for (String line : out.stdout().split("\n")) {
            if (line.startsWith(TrainRun.PREFIX)) {
                return TrainRun.Result.parse(line.strip());
            }
        }
        throw new IllegalStateException("verity child run failed (exit " + out.exit() + "): " + lastLine(out.stderr()));
    }

    static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
