package dev.verity.bench;

import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./verity bench ...}: the end-to-end benchmark harness of issue 3. */
@Command(name = "verity bench", mixinStandardHelpOptions = true,
        description = "Measures Verity's engine against the PyTorch/OpenBLAS CPU references.",
        subcommands = {BenchMain.Train.class, BenchMain.GemmCmd.class, BenchMain.Profile.class, BenchMain.PeakCmd.class,
                BenchMain.Jmh.class, BenchMain.TrainChild.class, BenchMain.GemmChild.class})
public final class BenchMain implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            // JMH's own options (-p, -f, -wi, ...) go to JMH untouched, in their order.
            org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("verity bench: " + ex.getMessage());
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, r) -> {
            c.getErr().println("verity bench: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Training samples/s, Verity vs PyTorch, alternating child processes; best (or median) of repetitions.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--models", split = ",", defaultValue = "mlp,lenet5,gpt", description = "models (default: ${DEFAULT-VALUE});"
                + " also onnx-cnn, onnx-resnet, onnx-transformer: PyTorch modules exported to ONNX and imported")
        List<String> models;
        @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "thread counts (default: ${DEFAULT-VALUE})")
        List<Integer> threads;
        @Option(names = "--reference", defaultValue = "pytorch", description = "pytorch or none (default: ${DEFAULT-VALUE})")
        String reference;
        @Option(names = "--reps", defaultValue = "3", description = "repetitions, alternating (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--steps", defaultValue = "0", description = "timed steps per run (0: per-model default)")
        int steps;
        @Option(names = "--warmup", defaultValue = "-1", description = "untimed steps first (-1: per-model default)")
        int warmup;
        @Option(names = "--stat", defaultValue = "best", description = "best or median of the repetitions (default: ${DEFAULT-VALUE})")
        String stat;

        @Override
        public Integer call() throws Exception {
            if (!stat.equals("best") && !stat.equals("median")) {
                throw new IllegalArgumentException("--stat must be best or median, got '" + stat + "'");
            }
            if (!reference.equals("pytorch") && !reference.equals("none")) {
                throw new IllegalArgumentException("--reference must be pytorch or none, got '" + reference + "'");
            }
            var o = new TrainBench.Options(models, threads, reference.equals("pytorch"), reps, steps, warmup, stat.equals("best"));
            List<TrainTable.Row> rows = TrainBench.run(o, System.err);
            System.out.println("model FLOPs = 2*M*N*K over every matmul and conv (forward and backward) of the step graph;"
                    + " samples/s: " + (stat.equals("best") ? "best" : "median") + " of " + reps + " runs per side;"
                    + " alloc/step: median, bytes allocated by all threads per steady-state step");
            System.out.print(TrainTable.format(rows));
            return 0;
        }
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "sgemm GFLOP/s, Verity vs numpy/OpenBLAS, at square 1024 and 4096 and the models' training shapes.")
    static final class GemmCmd implements Callable<Integer> {
        @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "thread counts (default: ${DEFAULT-VALUE})")
        List<Integer> threads;
        @Option(names = "--shapes", split = ",", description = "shape names (default: all)")
        List<String> shapes;
        @Option(names = "--seconds", defaultValue = "0.2", description = "minimum seconds per trial (default: ${DEFAULT-VALUE})")
        double seconds;
        @Option(names = "--reference", defaultValue = "openblas", description = "openblas or none")
        String reference;
        @Option(names = "--same-jvm", description = "measure every shape in this JVM, one after another, instead of a "
                + "fresh JVM per shape and thread count (JMH's forks); shows the JIT's profile pollution")
        boolean sameJvm;

        @Override
        public Integer call() throws Exception {
            List<GemmShape> list = new ArrayList<>();
            if (shapes == null) {
                list.addAll(GemmShape.DEFAULTS);
            } else {
                for (String s : shapes) {
                    list.add(GemmShape.byName(s));
                }
            }
            for (int t : threads) {
                if (t < 1 || t > 1024) {
                    throw new IllegalArgumentException("threads must be in [1, 1024], got " + t);
                }
            }
            if (!(seconds > 0 && seconds <= 60)) {
                throw new IllegalArgumentException("--seconds must be in (0, 60], got " + seconds);
            }
            System.out.print(GemmBench.run(list, threads, reference.equals("openblas"), seconds, !sameJvm, System.err));
            return 0;
        }
    }

    @Command(name = "profile", mixinStandardHelpOptions = true, description = "Where a training step's time goes, per op kind.")
    static final class Profile implements Callable<Integer> {
        @Option(names = "--model", defaultValue = "lenet5", description = "mlp, lenet5, gpt, onnx-cnn, onnx-resnet,"
                + " onnx-transformer (exported by python first), or a model.onnx file with --data")
        String model;
        @Option(names = "--data", description = "the data file of a model.onnx (.npz, as verity train reads it)")
        Path data;
        @Option(names = "--threads", defaultValue = "1")
        int threads;
        @Option(names = "--warmup", defaultValue = "20")
        int warmup;
        @Option(names = "--steps", defaultValue = "40")
        int steps;
        @Option(names = "--nodes", defaultValue = "0", description = "Also list the N slowest nodes, with their shapes and GFLOP/s.")
        int nodes;

        @Override
        public Integer call() throws Exception {
            if (steps < 1 || warmup < 0 || nodes < 0) {
                throw new IllegalArgumentException("--steps must be >= 1, --warmup and --nodes >= 0");
            }
            Parallel.setThreads(threads);
            Trainer t = trainer(warmup + steps);
            TrainingState s = t.initialState();
            t.train(s, warmup, true, null);
            t.executor().profile(true);
            Parallel.resetStats();
            long t0 = System.nanoTime();
            t.train(s, warmup + steps, true, null);
            double secs = (System.nanoTime() - t0) / 1e9;
            Parallel.Stats ps = Parallel.stats();
            long mf = TrainRun.modelFlops(t.trainingStep().graph());
            System.out.printf(Locale.ROOT, "%s, %d thread(s): %.1f steps/s, %.0f samples/s, %.1f model GFLOP/s (%.1f MFLOP/step),"
                    + " %.1f MB of node buffers (%.1f MB unshared)%n", model, threads, steps / secs, steps * t.config().batch() / secs,
                    mf * steps / secs / 1e9, mf / 1e6, t.executor().bufferFloats() * 4e-6, t.executor().unsharedFloats() * 4e-6);
            double total = t.executor().profile().values().stream().mapToLong(Long::longValue).sum();
            t.executor().profile().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .forEach(e -> System.out.printf(Locale.ROOT, "  %-22s %8.3f ms/step  %5.1f%%%n", e.getKey(),
                            e.getValue() / 1e6 / steps, 100 * e.getValue() / total));
            System.out.printf(Locale.ROOT, "parallel hand-off: %.0f jobs/step, caller waited for workers %.3f ms/step,"
                    + " ran %.1f ranges/step beyond its share%n", ps.jobs() / (double) steps, ps.waitNanos() / 1e6 / steps,
                    ps.partsTakenOver() / (double) steps);
            if (nodes > 0) {
                Graph g = t.trainingStep().graph();
                System.out.printf(Locale.ROOT, "slowest %d nodes:%n", nodes);
                g.nodes().stream().filter(n -> t.executor().profileOf(n.id()) > 0)
                        .sorted((a, b) -> Long.compare(t.executor().profileOf(b.id()), t.executor().profileOf(a.id())))
                        .limit(nodes).forEach(n -> {
                            long ns = t.executor().profileOf(n.id());
                            long fl = n.kind().op().flops(n, g.inputShapes(n));
                            StringBuilder in = new StringBuilder();
                            for (int[] sh : g.inputShapes(n)) {
                                in.append(in.isEmpty() ? "" : " ").append(java.util.Arrays.toString(sh).replace(" ", ""));
                            }
                            System.out.printf(Locale.ROOT, "  %7.3f ms/step %6.1f GFLOP/s  %%%d %s%s %s -> %s%n", ns / 1e6 / steps,
                                    fl * steps / (double) ns, n.id(), n.kind(), n.attrs(), in,
                                    java.util.Arrays.toString(n.shape()).replace(" ", ""));
                        });
            }
            return 0;
        }

        /** The trainer to profile: a built-in model, an imported bench model (exported now), or a file and its data. */
        private Trainer trainer(int totalSteps) throws Exception {
            if (model.endsWith(".onnx")) {
                if (data == null) {
                    throw new IllegalArgumentException("--model " + model + " needs --data FILE");
                }
                return TrainRun.onnx(Path.of(model), data, totalSteps);
            }
            if (data != null) {
                throw new IllegalArgumentException("--data goes with --model FILE.onnx");
            }
            if (!TrainBench.KNOWN.contains(model)) {
                throw new IllegalArgumentException("unknown model '" + model + "' (known: " + String.join(", ", TrainBench.KNOWN)
                        + ", or a file ending .onnx)");
            }
            Path dir = TrainRun.imported(model) ? Procs.exportOnnx(Procs.scripts(), List.of(model)) : null;
            return TrainRun.trainer(model, dir, totalSteps);
        }
    }

    @Command(name = "peak", mixinStandardHelpOptions = true, description = "Measured fp32 FMA peak, GFLOP/s.")
    static final class PeakCmd implements Callable<Integer> {
        @Option(names = "--threads", split = ",", defaultValue = "1,2")
        List<Integer> threads;

        @Override
        public Integer call() {
            for (int t : threads) {
                System.out.printf(Locale.ROOT, "%d thread(s): %.1f GFLOP/s measured concurrently, %.1f as one core's times %d"
                        + " (%d-lane FMA)%n", t, Peak.gflops(t, 3), Peak.perCoreTimes(t), t, Peak.lanes());
            }
            return 0;
        }
    }

    @Command(name = "jmh", description = "Runs the JMH micro-benchmarks; arguments go to JMH (e.g. 'GemmBenchmark -p shape=square1024').")
    static final class Jmh implements Callable<Integer> {
        @CommandLine.Parameters(arity = "0..*")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(args.toArray(new String[0]));
            return 0;
        }
    }

    @Command(name = "train-child", hidden = true, description = "One Verity measurement (run by 'train' in a child JVM).")
    static final class TrainChild implements Callable<Integer> {
        @Option(names = "--model", required = true)
        String model;
        @Option(names = "--threads", required = true)
        int threads;
        @Option(names = "--warmup", required = true)
        int warmup;
        @Option(names = "--steps", required = true)
        int steps;
        @Option(names = "--onnx-dir", description = "where onnx_models.py wrote the imported models")
        Path onnxDir;

        @Override
        public Integer call() throws Exception {
            if (steps < 1 || warmup < 0) {
                throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
            }
            System.out.println(TrainRun.run(model, onnxDir, threads, warmup, steps).line());
            return 0;
        }
    }

    @Command(name = "gemm-child", hidden = true, description = "One Verity GEMM measurement (run by 'gemm' in a child JVM).")
    static final class GemmChild implements Callable<Integer> {
        @Option(names = "--shape", required = true)
        String shape;
        @Option(names = "--threads", required = true)
        int threads;
        @Option(names = "--seconds", required = true)
        double seconds;

        @Override
        public Integer call() {
            System.out.println(GemmBench.childLine(GemmBench.verity(GemmShape.byName(shape), threads, seconds)));
            return 0;
        }
    }
}
